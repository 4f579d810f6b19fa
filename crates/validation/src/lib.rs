//! Measurements of the stylized facts from simulated output, and the validation report.
//!
//! Each measurement is a plain function of traced runs (`RunResult::trace`) or of outcome
//! tallies, so the validation tests and the `validation-report` example (which regenerates
//! `docs/validation.md`) compute exactly the same numbers. Runs are spread over a local rayon
//! pool and collected in run order, so every figure is deterministic for a given seed.

use polarity_model::mechanisms::{self as m, Polarity};
use polarity_model::prepared::Prepared;
use polarity_model::state::{AgentKind, TraceRow};
use polarity_model::{RunKey, RunOptions, RunResult, Simulation};
use polarity_scenario::{ScenarioFile, apply_overrides, load, sample};
use rayon::prelude::*;

pub mod facts;

/// Loads an embedded scenario (or a file) and applies overrides; panics are avoided by
/// returning the error text.
pub fn scenario(name: &str, overrides: &[&str]) -> Result<ScenarioFile, String> {
    let mut s = load(name).map_err(|e| e.to_string())?.scenario;
    apply_overrides(&mut s, overrides).map_err(|e| e.to_string())?;
    Ok(s)
}

/// Runs `runs` runs of a scenario (sampled per run) on a local pool, in run order.
pub fn run_many(s: &ScenarioFile, seed: u64, runs: u64, trace: bool) -> Vec<RunResult> {
    let work = |sim: &mut (Simulation, Vec<f64>), run: u64| {
        let x = sample(s, seed, run, &mut sim.1);
        sim.0.run(
            &x,
            RunKey {
                study_seed: seed,
                run,
            },
            RunOptions { trace },
        )
    };
    (0..runs)
        .into_par_iter()
        .map_init(|| (Simulation::new(), Vec::new()), work)
        .collect()
}

/// Sorted bloc ids of a scenario (the model's bloc indices).
pub fn bloc_ids(s: &ScenarioFile) -> Vec<String> {
    let mut ids: Vec<String> = s.blocs.iter().map(|b| b.id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Median of a sample (the lower middle for even sizes); `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    quantile(v, 0.5)
}

/// Empirical quantile (inverse CDF, R type 1) of the finite values of a sample.
pub fn quantile(v: &[f64], p: f64) -> Option<f64> {
    let mut x: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if x.is_empty() {
        return None;
    }
    x.sort_by(f64::total_cmp);
    let n = x.len();
    let k = ((p * n as f64).ceil() as usize).clamp(1, n);
    Some(x[k - 1])
}

fn rows_at(trace: &[TraceRow], kind: AgentKind, year: f64) -> impl Iterator<Item = &TraceRow> {
    trace
        .iter()
        .filter(move |r| r.kind == Some(kind) && (r.year - year).abs() < 1e-9)
}

/// The best value of a firm column at a date (the frontier).
pub fn frontier_at(
    trace: &[TraceRow],
    year: f64,
    col: fn(&TraceRow) -> Option<f64>,
) -> Option<f64> {
    rows_at(trace, AgentKind::Firm, year)
        .filter_map(col)
        .filter(|x| x.is_finite())
        .reduce(f64::max)
}

/// The chip price (USD per H100e) of the largest producer of a bloc at a date.
pub fn main_price(trace: &[TraceRow], bloc: usize, year: f64) -> Option<f64> {
    rows_at(trace, AgentKind::Fab, year)
        .filter(|r| r.bloc == bloc)
        .max_by(|a, b| {
            a.production_h100e
                .unwrap_or(0.0)
                .total_cmp(&b.production_h100e.unwrap_or(0.0))
        })
        .and_then(|r| r.chip_price_usd)
}

/// Fact 2: factor by which the dollar cost of compute to reach a fixed capability falls per
/// year between `from` and `to`: chip price per H100e of the leading bloc's main producer
/// divided by the frontier's algorithmic efficiency (paradigm gains excluded; measured before
/// any crossing so no AI-accelerated research is included). `None` if a bloc crossed first.
pub fn cost_decline_per_year(r: &RunResult, lead_bloc: usize, from: f64, to: f64) -> Option<f64> {
    if r.first_tick.is_some_and(|t| m::tick_year(t) <= to) {
        return None;
    }
    let eff = |y| frontier_at(&r.trace, y, |row| row.algo_efficiency_log10);
    let cost = |y| Some(main_price(&r.trace, lead_bloc, y)? / 10f64.powf(eff(y)?));
    Some((cost(from)? / cost(to)?).powf(1.0 / (to - from)))
}

/// Fact 4: growth per year of the frontier training run's physical compute.
pub fn compute_growth_per_year(r: &RunResult, from: f64, to: f64) -> Option<f64> {
    let c = |y| frontier_at(&r.trace, y, |row| row.training_compute);
    Some((c(to)? / c(from)?).powf(1.0 / (to - from)))
}

/// Fact 3: growth per year of the frontier lab's spending on compute (the lab running the
/// largest training run at each date).
pub fn spend_growth_per_year(r: &RunResult, from: f64, to: f64) -> Option<f64> {
    let c = |y| {
        rows_at(&r.trace, AgentKind::Firm, y)
            .filter(|row| row.training_compute.is_some_and(f64::is_finite))
            .max_by(|a, b| {
                a.training_compute
                    .unwrap_or(0.0)
                    .total_cmp(&b.training_compute.unwrap_or(0.0))
            })
            .and_then(|row| row.spend_usd)
    };
    Some((c(to)? / c(from)?).powf(1.0 / (to - from)))
}

/// Growth per year of the FLOP a dollar buys (the leading bloc's main price), for the identity
/// compute growth = spend growth × FLOP-per-dollar growth × run-share growth.
pub fn flop_per_dollar_growth_per_year(
    r: &RunResult,
    bloc: usize,
    from: f64,
    to: f64,
) -> Option<f64> {
    Some(
        (main_price(&r.trace, bloc, from)? / main_price(&r.trace, bloc, to)?)
            .powf(1.0 / (to - from)),
    )
}

/// Fact 5: capability lag of bloc `b` behind the leading bloc at `year`, in months: how long
/// before `year` the leader had `b`'s capability at `year` (linear between steps).
pub fn capability_lag_months(
    r: &RunResult,
    b: usize,
    year: f64,
    start: f64,
    dt: f64,
) -> Option<f64> {
    let k = ((year - start) / dt).round() as usize;
    let series = &r.bloc_capability;
    let cap_b = *series.get(b)?.get(k)?;
    let leader = (0..series.len())
        .filter(|&x| x != b)
        .max_by(|&x, &y| series[x][k].total_cmp(&series[y][k]))?;
    if series[leader][k] <= cap_b {
        return Some(0.0);
    }
    m::time_since_reached(&series[leader], k, start, dt, cap_b, year).map(|y| y * 12.0)
}

/// Fact 5: chips (and H100e) delivered into bloc `b` over `[from, to)` through one channel,
/// summed from the per-year rates of the bloc's trace rows.
pub fn bloc_volume(
    r: &RunResult,
    b: usize,
    from: f64,
    to: f64,
    dt: f64,
    col: fn(&TraceRow) -> Option<f64>,
) -> f64 {
    r.trace
        .iter()
        .filter(|row| row.kind == Some(AgentKind::Bloc) && row.bloc == b)
        .filter(|row| row.year > from + 1e-9 && row.year <= to + 1e-9)
        .filter_map(col)
        .sum::<f64>()
        * dt
}

/// Fact 8: a firm's capability growth (points per year) over `[from, to]` from its trace rows.
pub fn firm_growth(r: &RunResult, firm: usize, from: f64, to: f64) -> Option<f64> {
    let cap = |y: f64| {
        r.trace
            .iter()
            .find(|row| {
                row.kind == Some(AgentKind::Firm)
                    && row.index == firm
                    && (row.year - y).abs() < 1e-9
            })
            .and_then(|row| row.capability)
    };
    Some((cap(to)? - cap(from)?) / (to - from))
}

/// Outcome counts of a set of runs: none, unipolar, bipolar, multipolar.
pub fn outcome_counts(runs: &[RunResult]) -> [u64; 4] {
    let mut c = [0u64; 4];
    for r in runs {
        let i = Polarity::ALL
            .iter()
            .position(|p| *p == r.polarity)
            .unwrap_or(0);
        c[i] += 1;
    }
    c
}

/// Whether each run ended unipolar led by bloc `b`.
pub fn unipolar_led_by(runs: &[RunResult], b: usize) -> Vec<bool> {
    runs.iter()
        .map(|r| r.polarity == Polarity::Unipolar && r.leader == Some(b))
        .collect()
}

/// Paired difference P_b − P_a of an event with its Newcombe 95% interval (common random
/// numbers: run i of both arms shares its seed).
pub fn paired_difference(
    a: &[bool],
    b: &[bool],
) -> Option<(f64, polarity_runner::stats::Interval)> {
    let mut t = polarity_runner::stats::PairedTable::default();
    for (x, y) in a.iter().zip(b) {
        t.add(*x, *y);
    }
    polarity_runner::stats::newcombe_paired_diff(&t)
}

/// Start year and step length of a scenario as run (first run's sample).
pub fn time_axis(s: &ScenarioFile) -> (f64, f64) {
    let mut v = Vec::new();
    let p = Prepared::new(&sample(s, 0, 0, &mut v));
    (p.start_year, p.dt)
}

/// Index of a firm id in the id-sorted firm list.
pub fn firm_index(s: &ScenarioFile, id: &str) -> Option<usize> {
    let mut ids: Vec<&str> = s.firms.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    ids.iter().position(|x| *x == id)
}
