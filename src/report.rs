//! The human-readable summary `polarity run` prints: a compact aligned table of outcome
//! probabilities with their 95% intervals, then per bloc the leader share, P(unipolar led by
//! it), the share of runs in which it crosses and its median crossing year, then the lags,
//! the run count and the elapsed time. Scripts should read `summary.json` (or `--json`)
//! instead: this layout may change.

use std::io::{self, Write};
use std::path::Path;

use polarity_model::Polarity;
use polarity_runner::Summary;
use polarity_runner::summary::{Distribution, Proportion};

/// Prints `summary` to `out`.
pub fn print_summary(
    out: &mut dyn Write,
    s: &Summary,
    elapsed_seconds: f64,
    folder: Option<&Path>,
) -> io::Result<()> {
    writeln!(
        out,
        "{}: {} runs, seed {}, scenario hash {}",
        s.scenario.name, s.runs, s.seed, s.scenario.hash
    )?;
    writeln!(out)?;
    writeln!(out, "{:<12} {:>7}  95% CI", "outcome", "P")?;
    for o in Polarity::ALL {
        let p = s.outcomes.get(o);
        writeln!(out, "{:<12} {:>7.4}  {}", o.name(), p.probability, ci(p))?;
    }
    writeln!(out)?;

    let w = s.blocs.iter().map(|b| b.len()).max().unwrap_or(0).max(4);
    writeln!(
        out,
        "{:<w$}  {:>7}  {:>7}  {:<18}  {:>7}  {:>8}",
        "bloc", "leader", "P(uni)", "95% CI", "crosses", "median"
    )?;
    for b in &s.blocs {
        let lead = s.leader.get(b).map_or(0.0, |p| p.probability);
        let (uni, uni_ci) = s
            .unipolar_by_leader
            .get(b)
            .map_or((0.0, String::new()), |p| (p.probability, ci(p)));
        let crossing = s.crossing.get(b);
        let crosses = crossing.map_or(0.0, |c| c.crossed.probability);
        let median = crossing
            .and_then(|c| c.year.q50)
            .map_or_else(|| "-".to_string(), |y| format!("{y:.2}"));
        writeln!(
            out,
            "{b:<w$}  {lead:>7.4}  {uni:>7.4}  {uni_ci:<18}  {crosses:>7.4}  {median:>8}"
        )?;
    }
    writeln!(out)?;
    writeln!(out, "first-to-second lag (years): {}", spread(&s.lag_years))?;
    writeln!(
        out,
        "follower capability lag at first crossing (months): {}",
        spread(&s.follower_lag_months)
    )?;
    if let Some(p) = &s.precision {
        writeln!(
            out,
            "precision: the {}-run pilot asked for {} runs for a half-width of {}; ran {} \
             (largest half-width {:.4})",
            p.pilot_runs, p.runs_needed, p.target_half_width, p.runs, p.achieved_half_width
        )?;
    }
    writeln!(out)?;
    let rate = if elapsed_seconds > 0.0 {
        s.runs as f64 / elapsed_seconds
    } else {
        0.0
    };
    write!(
        out,
        "{} runs in {:.2} s ({:.0} runs/s)",
        s.runs, elapsed_seconds, rate
    )?;
    match folder {
        Some(dir) => writeln!(out, "; files in {}", dir.display()),
        None => writeln!(out),
    }
}

/// `[lo, hi]` with 4 decimals.
fn ci(p: &Proportion) -> String {
    format!("[{:.4}, {:.4}]", p.ci95_lo, p.ci95_hi)
}

/// `median M (middle half A to B, N runs)`, or `none` when the quantity is never defined.
fn spread(d: &Distribution) -> String {
    match (d.q25, d.q50, d.q75) {
        (Some(a), Some(m), Some(b)) => {
            format!(
                "median {m:.2} (middle half {a:.2} to {b:.2}, {} runs)",
                d.count
            )
        }
        _ => "none (never defined)".to_string(),
    }
}
