//! The rows of `runs.csv` and `trajectories.csv`, formatted to stable bytes.
//!
//! Numbers are written so that the bytes depend only on the value: floats in the shortest
//! decimal form that reads back to the same `f64` (Rust's `{}`), switching to exponent form
//! (`{:e}`, e.g. `2.5e13`) outside `[1e-5, 1e16)` in magnitude; integers as integers;
//! crossing years as `tick / 48` (exact grid values, e.g. `2031.0208333333333`). A value
//! that does not exist (a bloc that never crossed, a column that does not apply to an agent
//! kind) is an empty cell, and so is a value that is not finite — NaN and infinity never
//! reach a file. Text cells (ids, parameter paths) are quoted by RFC 4180 rules when they
//! contain a comma, quote or line break.

use std::fmt::Write as _;

use polarity_model::RunResult;
use polarity_model::mechanisms::tick_year;
use polarity_model::state::{AgentKind, TraceRow};

use crate::study::AgentNames;

/// Appends `x` in the documented float format (nothing when not finite).
pub fn push_float(out: &mut String, x: f64) {
    if !x.is_finite() {
        return;
    }
    let a = x.abs();
    // Writing to a String cannot fail.
    let _ = if a == 0.0 || (1e-5..1e16).contains(&a) {
        write!(out, "{x}")
    } else {
        write!(out, "{x:e}")
    };
}

/// Appends `x` in the documented float format, or nothing when `None`.
pub fn push_opt_float(out: &mut String, x: Option<f64>) {
    if let Some(x) = x {
        push_float(out, x);
    }
}

/// Appends a text cell, quoted when it contains `,`, `"`, CR or LF.
pub fn push_text(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// The fixed leading columns of `runs.csv` (after any `arm`/`point` column).
pub const RUNS_COLUMNS: [&str; 8] = [
    "run",
    "seed",
    "outcome",
    "leader",
    "first_crossing_year",
    "second_crossing_year",
    "lag_years",
    "follower_lag_months",
];

/// The header line of `runs.csv`: `prefix` columns (e.g. `arm` for a sweep; none for a plain
/// study), the fixed columns, `cross_year_<bloc>` per bloc, then one column per uncertain
/// parameter path.
pub fn runs_header(prefix: &[&str], blocs: &[String], parameters: &[String]) -> String {
    let mut out = String::new();
    let mut cells: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
    cells.extend(RUNS_COLUMNS.iter().map(|s| s.to_string()));
    cells.extend(blocs.iter().map(|b| format!("cross_year_{b}")));
    cells.extend(parameters.iter().cloned());
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_text(&mut out, c);
    }
    out.push('\n');
    out
}

/// Appends the `runs.csv` line of one run: `prefix` (already formatted cells, each followed
/// by a comma, or empty), the fixed columns, the blocs' crossing years and the sampled
/// parameter values.
pub fn push_run_line(
    out: &mut String,
    prefix: &str,
    r: &RunResult,
    blocs: &[String],
    values: &[f64],
) {
    out.push_str(prefix);
    let _ = write!(out, "{},{},{},", r.key.run, r.seed, r.polarity.name());
    if let Some(name) = r.leader.and_then(|b| blocs.get(b)) {
        push_text(out, name);
    }
    out.push(',');
    push_opt_float(out, r.first_tick.map(tick_year));
    out.push(',');
    push_opt_float(out, r.second_tick.map(tick_year));
    out.push(',');
    push_opt_float(out, r.lag_years());
    out.push(',');
    push_opt_float(out, r.follower_lag_months);
    for b in 0..blocs.len() {
        out.push(',');
        push_opt_float(out, r.crossings.get(b).copied().flatten().map(tick_year));
    }
    for &v in values {
        out.push(',');
        push_float(out, v);
    }
    out.push('\n');
}

/// The columns of `trajectories.csv` (after any `arm`/`point` column).
pub const TRAJECTORY_COLUMNS: [&str; 21] = [
    "run",
    "year",
    "kind",
    "name",
    "bloc",
    "capability",
    "effective_compute",
    "training_compute",
    "chip_stock_h100e",
    "spend_usd",
    "revenue_usd",
    "production_h100e",
    "compliant_h100e",
    "smuggled_h100e",
    "seized_h100e",
    "chip_price_usd",
    "compliant_chips",
    "smuggled_chips",
    "budget_usd",
    "algo_efficiency_log10",
    "paradigm_gain_log10",
];

/// The header line of `trajectories.csv`.
pub fn trajectories_header(prefix: &[&str]) -> String {
    let mut cells: Vec<&str> = prefix.to_vec();
    cells.extend(TRAJECTORY_COLUMNS);
    let mut out = cells.join(",");
    out.push('\n');
    out
}

/// Appends the `trajectories.csv` lines of one run's trace, in the model's row order.
pub fn push_trace_lines(
    out: &mut String,
    prefix: &str,
    run: u64,
    rows: &[TraceRow],
    names: &AgentNames,
) {
    for row in rows {
        out.push_str(prefix);
        let _ = write!(out, "{run},");
        push_float(out, row.year);
        out.push(',');
        let kind = row.kind.unwrap_or(AgentKind::Firm);
        out.push_str(kind.name());
        out.push(',');
        push_text(out, names.name(kind, row.index));
        out.push(',');
        push_text(out, names.bloc(row.bloc));
        for x in [
            row.capability,
            row.effective_compute,
            row.training_compute,
            row.chip_stock_h100e,
            row.spend_usd,
            row.revenue_usd,
            row.production_h100e,
            row.compliant_h100e,
            row.smuggled_h100e,
            row.seized_h100e,
            row.chip_price_usd,
            row.compliant_chips,
            row.smuggled_chips,
            row.budget_usd,
            row.algo_efficiency_log10,
            row.paradigm_gain_log10,
        ] {
            out.push(',');
            push_opt_float(out, x);
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(x: f64) -> String {
        let mut s = String::new();
        push_float(&mut s, x);
        s
    }

    #[test]
    fn floats_are_shortest_round_trip() {
        assert_eq!(float(2030.0), "2030");
        assert_eq!(float(0.5), "0.5");
        assert_eq!(float(-0.25), "-0.25");
        assert_eq!(float(0.0), "0");
        assert_eq!(float(97_441.0 / 48.0), "2030.0208333333333");
        assert_eq!(float(2.5e13), "25000000000000");
        assert_eq!(float(1e16), "1e16");
        assert_eq!(float(3.2e24), "3.2e24");
        assert_eq!(float(1e-5), "0.00001");
        assert_eq!(float(2.5e-7), "2.5e-7");
        assert_eq!(float(f64::NAN), "");
        assert_eq!(float(f64::INFINITY), "");
        for x in [0.1, 1.0 / 3.0, 6.02e23, 1e-300, 123_456.789] {
            assert_eq!(float(x).parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn text_is_quoted_only_when_needed() {
        let mut s = String::new();
        push_text(&mut s, "firms[us-lab-a].reinvest_share");
        s.push('|');
        push_text(&mut s, "a,b");
        s.push('|');
        push_text(&mut s, "say \"hi\"");
        assert_eq!(
            s,
            "firms[us-lab-a].reinvest_share|\"a,b\"|\"say \"\"hi\"\"\""
        );
    }

    #[test]
    fn runs_header_lists_every_column() {
        let h = runs_header(
            &[],
            &["cn".into(), "us".into()],
            &["technology.utilization".into()],
        );
        assert_eq!(
            h,
            "run,seed,outcome,leader,first_crossing_year,second_crossing_year,lag_years,\
             follower_lag_months,cross_year_cn,cross_year_us,technology.utilization\n"
        );
    }
}
