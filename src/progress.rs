//! The progress bar on stderr (runs done, runs per second, ETA), shown only when stderr is
//! a terminal and `--quiet` is not given; otherwise every call is a no-op.

use indicatif::{ProgressDrawTarget, ProgressState, ProgressStyle};

/// An `indicatif` bar driven by the runner's progress reports.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
}

impl ProgressBar {
    /// A bar drawn on stderr when `visible`, otherwise a hidden one.
    pub fn new(visible: bool) -> Self {
        if !visible {
            return ProgressBar {
                bar: indicatif::ProgressBar::hidden(),
            };
        }
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let rate = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0} runs/s", state.per_sec());
        };
        if let Ok(style) =
            ProgressStyle::with_template("{bar:32} {pos}/{len} runs  {rate}  ETA {eta}")
        {
            bar.set_style(style.with_key("rate", rate).progress_chars("█▉▊▋▌▍▎▏ "));
        }
        ProgressBar { bar }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl polarity_runner::Progress for ProgressBar {
    fn planned(&self, total: u64) {
        self.bar.set_length(total);
    }

    fn advance(&self, runs: u64) {
        self.bar.inc(runs);
    }
}
