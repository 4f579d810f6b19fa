//! `polarity plot DIR` and the `--plot` flag: render a finished output folder's charts into
//! `DIR/plots/` and its self-contained report into `DIR/report.html` (with `polarity_plot`).
//!
//! [`render`] is the one entry point the study commands call once their files are written;
//! [`check_flag`] refuses `--plot` up front when it cannot be honoured (no `--out`, or a
//! shard, whose folder is not a whole study), so a long study never ends in that error.
//! A folder with a missing or corrupt file is bad input (exit code 2); a chart or report
//! that cannot be written is a failure while running (exit code 1).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use polarity_plot::{PlotError, Rendered};

use crate::Failure;

/// Flags of `polarity plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The output folder of a study (the --out DIR of run, sweep, batch or merge).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

impl From<PlotError> for Failure {
    fn from(e: PlotError) -> Self {
        if e.is_input() {
            Failure::Input(e.into())
        } else {
            Failure::Runtime(e.into())
        }
    }
}

/// Runs `polarity plot` with `args`, printing what it wrote to `out`.
pub fn plot(args: &PlotArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let rendered = polarity_plot::render(&args.dir)?;
    if !args.quiet {
        print_rendered(out, &args.dir, &rendered)?;
    }
    Ok(())
}

/// Renders the charts and report of the finished output folder `dir` (what `--plot` does
/// after a study's files are written).
pub fn render(dir: &Path) -> Result<Rendered, Failure> {
    Ok(polarity_plot::render(dir)?)
}

/// Before a study starts: `--plot` needs `--out DIR`, and a shard folder is not a whole
/// study (plot the merged folder instead).
pub fn check_flag(plot: bool, out: Option<&Path>, shard: Option<&str>) -> Result<(), Failure> {
    if !plot {
        return Ok(());
    }
    if out.is_none() {
        return Err(Failure::input(
            "--plot draws the charts from the study's files, so it needs --out DIR",
        ));
    }
    if let Some(shard) = shard {
        return Err(Failure::input(format!(
            "--plot cannot be combined with --shard {shard}: a shard holds only part of the \
             study; merge the shard folders with `polarity merge … --out DIR`, then run \
             `polarity plot DIR`"
        )));
    }
    Ok(())
}

/// Renders `dir` after a study when `plot` is set, and says where the report is (unless
/// `quiet`).
pub fn after_study(
    plot: bool,
    dir: Option<&Path>,
    quiet: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let (true, Some(dir)) = (plot, dir) else {
        return Ok(());
    };
    let rendered = render(dir)?;
    if !quiet {
        print_rendered(out, dir, &rendered)?;
    }
    Ok(())
}

fn print_rendered(out: &mut dyn Write, dir: &Path, r: &Rendered) -> Result<(), Failure> {
    writeln!(
        out,
        "{} charts in {}; report: {}",
        r.charts.len(),
        dir.join(polarity_plot::PLOTS_DIR).display(),
        r.report.display()
    )?;
    for note in &r.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}
