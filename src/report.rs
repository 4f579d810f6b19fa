//! The human-readable tables: for `polarity run` a compact aligned table of outcome
//! probabilities with their 95% intervals, then per bloc the leader share, P(unipolar led by
//! it), the share of runs in which it crosses and its median crossing year, then the lags,
//! the run count and the elapsed time; for `sweep` a table of arms and one of paired
//! contrasts against arm 0; for `batch` a table of design points. Scripts should read the
//! files (or `--json`) instead: this layout may change.

use std::io::{self, Write};
use std::path::Path;

use polarity_model::Polarity;
use polarity_runner::Summary;
use polarity_runner::experiment::{ArmMetrics, StudyPlan, StudyTally, contrasts};
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

/// Most design points `print_batch` lists (all of them are in `points.csv`).
const MAX_POINTS_SHOWN: usize = 20;

/// A cell for a table: the value, cut to `width` characters with `…` when longer.
fn cell(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The closing line: simulations, time, folder.
fn footer(
    out: &mut dyn Write,
    simulations: u64,
    elapsed_seconds: f64,
    folder: Option<&Path>,
) -> io::Result<()> {
    let rate = if elapsed_seconds > 0.0 {
        simulations as f64 / elapsed_seconds
    } else {
        0.0
    };
    write!(
        out,
        "{simulations} simulations in {elapsed_seconds:.2} s ({rate:.0} runs/s)"
    )?;
    match folder {
        Some(dir) => writeln!(out, "; files in {}", dir.display()),
        None => writeln!(out),
    }
}

/// Prints a sweep: its arms (settings and outcome probabilities), then each arm's paired
/// differences from arm 0 with their 95% intervals, the unpaired interval's width and the
/// variance reduction common random numbers achieved.
pub fn print_sweep(
    out: &mut dyn Write,
    plan: &StudyPlan,
    acc: &StudyTally,
    elapsed_seconds: f64,
    folder: Option<&Path>,
) -> io::Result<()> {
    let runs = acc.runs();
    writeln!(
        out,
        "sweep of {}: {} arms × {runs} runs on common random numbers, seed {}, study hash {}",
        plan.identity.name,
        plan.arms.len(),
        plan.seed,
        plan.identity.hash
    )?;
    writeln!(out)?;
    let show_scenario = plan
        .arms
        .iter()
        .any(|a| a.scenario != plan.arms[0].scenario);
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    if show_scenario {
        columns.push((
            "scenario".into(),
            plan.arms.iter().map(|a| a.scenario.clone()).collect(),
        ));
    }
    for (i, c) in plan.setting_columns.iter().enumerate() {
        columns.push((
            c.clone(),
            plan.arms
                .iter()
                .map(|a| a.settings.get(i).cloned().unwrap_or_default())
                .collect(),
        ));
    }
    let widths: Vec<usize> = columns
        .iter()
        .map(|(h, v)| {
            v.iter()
                .map(|x| x.chars().count())
                .chain([h.chars().count()])
                .max()
                .unwrap_or(0)
                .min(48)
        })
        .collect();
    write!(out, "{:<4}", "arm")?;
    for ((h, _), w) in columns.iter().zip(&widths) {
        write!(out, "  {:<w$}", cell(h, *w))?;
    }
    writeln!(
        out,
        "  {:>8}  {:>8}  {:>8}  {:>8}",
        "P(none)", "P(uni)", "P(bi)", "P(multi)"
    )?;
    for (k, tally) in acc.arms.iter().enumerate() {
        write!(out, "{k:<4}")?;
        for ((_, v), w) in columns.iter().zip(&widths) {
            write!(out, "  {:<w$}", cell(&v[k], *w))?;
        }
        let m = ArmMetrics::of(tally);
        for p in m.events.iter().take(4) {
            write!(out, "  {:>8.4}", p.probability)?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    let cs = contrasts(plan, acc);
    if !cs.is_empty() {
        writeln!(
            out,
            "difference from arm 0, P(arm) - P(arm 0), paired run by run: its 95% interval \
             (Newcombe, paired),\nthe width an unpaired comparison would have, and the variance \
             common random numbers removed"
        )?;
        let ew = cs.iter().map(|c| c.event.len()).max().unwrap_or(5).max(5);
        writeln!(
            out,
            "{:<4}  {:<ew$}  {:>10}  {:<20}  {:>14}  {:>9}",
            "arm", "event", "difference", "95% CI", "unpaired width", "var. red."
        )?;
        for c in &cs {
            let t = &c.table;
            // Events that happen in neither arm tell nothing.
            if t.both + t.only_a + t.only_b == 0 {
                continue;
            }
            let (diff, ci) = match c.paired {
                Some((d, i)) => (format!("{d:+.4}"), format!("[{:+.4}, {:+.4}]", i.lo, i.hi)),
                None => ("-".into(), String::new()),
            };
            let unpaired = c
                .unpaired
                .map_or_else(|| "-".to_string(), |i| format!("{:.4}", i.width()));
            let reduction = c
                .variance_reduction
                .map_or_else(|| "-".to_string(), |r| format!("{:.0}%", r * 100.0));
            writeln!(
                out,
                "{:<4}  {:<ew$}  {diff:>10}  {ci:<20}  {unpaired:>14}  {reduction:>9}",
                c.arm, c.event
            )?;
        }
        writeln!(out)?;
    }
    footer(
        out,
        runs.saturating_mul(plan.arms.len() as u64),
        elapsed_seconds,
        folder,
    )
}

/// Prints a batch: its first design points with their outcome probabilities and mean first
/// crossing year.
pub fn print_batch(
    out: &mut dyn Write,
    plan: &StudyPlan,
    acc: &StudyTally,
    elapsed_seconds: f64,
    folder: Option<&Path>,
) -> io::Result<()> {
    let runs = acc.runs();
    writeln!(
        out,
        "batch of {}: {} design points × {runs} runs on common random numbers, seed {}, \
         study hash {}",
        plan.identity.name,
        plan.arms.len(),
        plan.seed,
        plan.identity.hash
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<6}  {:>8}  {:>8}  {:>8}  {:>8}  {:>15}",
        "point", "P(none)", "P(uni)", "P(bi)", "P(multi)", "mean 1st cross"
    )?;
    for (k, tally) in acc.arms.iter().enumerate().take(MAX_POINTS_SHOWN) {
        let m = ArmMetrics::of(tally);
        write!(out, "{k:<6}")?;
        for p in m.events.iter().take(4) {
            write!(out, "  {:>8.4}", p.probability)?;
        }
        let year = m
            .mean_first_crossing_year
            .map_or_else(|| "-".to_string(), |y| format!("{y:.2}"));
        writeln!(out, "  {year:>15}")?;
    }
    if plan.arms.len() > MAX_POINTS_SHOWN {
        writeln!(
            out,
            "… and {} more points (all of them are in points.csv)",
            plan.arms.len() - MAX_POINTS_SHOWN
        )?;
    }
    writeln!(out)?;
    footer(
        out,
        runs.saturating_mul(plan.arms.len() as u64),
        elapsed_seconds,
        folder,
    )
}
