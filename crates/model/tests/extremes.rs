//! Numerical hygiene: extreme but valid parameters run, classify sensibly, and never put a NaN
//! or an infinity into a [`RunResult`] or any [`TraceRow`] field.
//!
//! Each test edits the built-in test world (three blocs, four nations, four firms, two fabs,
//! one rule with every channel on) to an extreme — zero budgets, no fabs, an unreachable
//! threshold, a zero-length window, a one-step horizon, daily steps, the largest values the
//! scenario validator accepts — runs it with a trace on a few fixed seeds, and checks every
//! `f64` of the result and the structural invariants of the classification.
//! A bloc without firms is invalid in a scenario file, but the model must still cope with it.

use polarity_model::mechanisms::tick_year;
use polarity_model::params::{Access, Multiplier, Paradigm, Scenario, Window};
use polarity_model::prepared::Prepared;
use polarity_model::state::{AgentKind, TraceRow};
use polarity_model::testworld::test_world;
use polarity_model::{Polarity, RunKey, RunOptions, RunResult, Simulation};
use proptest::prelude::*;

/// Runs `s` with a trace for `runs` fixed seeds and checks each result.
fn run_checked(s: &Scenario<f64>, runs: u64) -> Vec<RunResult> {
    let mut sim = Simulation::new();
    (0..runs)
        .map(|run| {
            let key = RunKey {
                study_seed: 20_240_101,
                run,
            };
            let r = sim.run(s, key, RunOptions { trace: true });
            check(s, &r);
            r
        })
        .collect()
}

/// Every number in `r` is finite (except `bloc_capability` of a bloc that has no firm, which
/// is documented as `-inf`), and the classification is consistent.
fn check(s: &Scenario<f64>, r: &RunResult) {
    let p = Prepared::new(s);
    let nb = p.bloc_ids.len();
    let firmless: Vec<bool> = (0..nb)
        .map(|b| !p.firms.iter().any(|f| f.bloc == b))
        .collect();
    let ctx = || format!("{} run {}", s.name, r.key.run);

    // Structure.
    assert_eq!(r.crossings.len(), nb, "{}", ctx());
    assert_eq!(r.bloc_capability.len(), nb, "{}", ctx());
    assert_eq!(r.bloc_chip_stock.len(), nb, "{}", ctx());
    assert!(
        r.steps >= 1 && r.steps <= p.max_steps,
        "{}: steps {}",
        ctx(),
        r.steps
    );
    let series_len = p.horizon_steps.min(r.steps) as usize + 1;
    for (b, series) in r
        .bloc_capability
        .iter()
        .chain(&r.bloc_chip_stock)
        .enumerate()
    {
        assert_eq!(series.len(), series_len, "{}: series {b}", ctx());
    }

    // Classification.
    let crossed: Vec<u32> = r.crossings.iter().flatten().copied().collect();
    match r.leader {
        None => {
            assert_eq!(r.polarity, Polarity::None, "{}", ctx());
            assert!(crossed.is_empty(), "{}: crossings but no leader", ctx());
            assert_eq!(r.first_tick, None, "{}", ctx());
            assert_eq!(r.second_tick, None, "{}", ctx());
            assert_eq!(r.follower_lag_months, None, "{}", ctx());
        }
        Some(lead) => {
            assert!(lead < nb, "{}", ctx());
            assert!(!firmless[lead], "{}: a bloc without firms leads", ctx());
            assert_ne!(r.polarity, Polarity::None, "{}", ctx());
            let first = r.first_tick.expect("a leader has a first crossing");
            assert_eq!(r.crossings[lead], Some(first), "{}", ctx());
            assert_eq!(crossed.iter().min(), Some(&first), "{}", ctx());
            let peers = crossed.len() - 1;
            let max_peers = match r.polarity {
                Polarity::Unipolar => 0,
                Polarity::Bipolar => 1,
                _ => usize::MAX,
            };
            let min_peers = match r.polarity {
                Polarity::Multipolar => 2,
                Polarity::Bipolar => 1,
                _ => 0,
            };
            assert!(
                peers >= min_peers,
                "{}: {:?} with {peers}",
                ctx(),
                r.polarity
            );
            let window = r.window_ticks.expect("a leader has a window");
            let in_window = crossed
                .iter()
                .filter(|&&t| t <= first.saturating_add(window))
                .count()
                - 1;
            assert!(in_window <= max_peers, "{}", ctx());
            assert!(in_window >= min_peers, "{}", ctx());
            if let Some(second) = r.second_tick {
                assert!(second >= first, "{}", ctx());
                assert!(r.lag_years().is_some_and(|l| l.is_finite() && l >= 0.0));
            }
            assert!(tick_year(first).is_finite());
        }
    }
    for (b, c) in r.crossings.iter().enumerate() {
        if c.is_some() {
            assert!(!firmless[b], "{}: bloc {b} has no firm but crossed", ctx());
        }
    }

    let bad = nonfinite(s, r, &firmless);
    assert!(bad.is_empty(), "{}: {}", ctx(), bad.join("; "));
}

/// Every number of `r` that is not finite (a firmless bloc's capability may be `-inf`), as
/// `name = value` descriptions; empty when all is well.
fn nonfinite(s: &Scenario<f64>, r: &RunResult, firmless: &[bool]) -> Vec<String> {
    let mut bad = Vec::new();
    if let Some(x) = r.follower_lag_months
        && !(x.is_finite() && x >= 0.0)
    {
        bad.push(format!("follower_lag_months = {x}"));
    }
    for (b, series) in r.bloc_capability.iter().enumerate() {
        if let Some((i, x)) = series
            .iter()
            .enumerate()
            .find(|(_, x)| !(x.is_finite() || (firmless[b] && **x == f64::NEG_INFINITY)))
        {
            bad.push(format!("bloc_capability[{b}][{i}] = {x}"));
        }
    }
    for (b, series) in r.bloc_chip_stock.iter().enumerate() {
        if let Some((i, x)) = series
            .iter()
            .enumerate()
            .find(|(_, x)| !(x.is_finite() && **x >= 0.0))
        {
            bad.push(format!("bloc_chip_stock[{b}][{i}] = {x}"));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for row in &r.trace {
        for (name, x) in row_cells(row) {
            if !x.is_finite() && seen.insert((row.kind.map(|k| k as u8), name)) {
                bad.push(format!(
                    "trace {:?} {} (bloc {}) step {}: {name} = {x}",
                    row.kind, row.index, row.bloc, row.step
                ));
            }
        }
        if !row.year.is_finite() {
            bad.push(format!("trace year {}", row.year));
        }
    }
    let _ = s;
    bad
}

/// The `f64` cells of a trace row that are present.
fn row_cells(row: &TraceRow) -> Vec<(&'static str, f64)> {
    [
        ("capability", row.capability),
        ("effective_compute", row.effective_compute),
        ("training_compute", row.training_compute),
        ("chip_stock_h100e", row.chip_stock_h100e),
        ("spend_usd", row.spend_usd),
        ("revenue_usd", row.revenue_usd),
        ("production_h100e", row.production_h100e),
        ("compliant_h100e", row.compliant_h100e),
        ("compliant_chips", row.compliant_chips),
        ("smuggled_h100e", row.smuggled_h100e),
        ("smuggled_chips", row.smuggled_chips),
        ("seized_h100e", row.seized_h100e),
        ("chip_price_usd", row.chip_price_usd),
        ("budget_usd", row.budget_usd),
        ("algo_efficiency_log10", row.algo_efficiency_log10),
        ("paradigm_gain_log10", row.paradigm_gain_log10),
    ]
    .into_iter()
    .filter_map(|(n, c)| c.map(|x| (n, x)))
    .collect()
}

fn outcomes(results: &[RunResult]) -> Vec<Polarity> {
    results.iter().map(|r| r.polarity).collect()
}

// --- budgets ------------------------------------------------------------------------------

#[test]
fn zero_budgets() {
    let mut s = test_world();
    s.name = "zero-budgets".into();
    for f in &mut s.firms {
        f.funding_usd_per_year = 0.0;
        f.revenue_usd_per_year = 0.0;
        f.cash_usd = 0.0;
    }
    run_checked(&s, 4);
    // No money at all, and no fleet either: nothing to train on.
    for f in &mut s.firms {
        f.fleet_h100e = 0.0;
        f.funding_growth_per_year = 0.0;
    }
    s.economics.revenue_growth_per_year = 0.0;
    s.name = "nothing-at-all".into();
    let r = run_checked(&s, 4);
    assert!(outcomes(&r).iter().all(|&o| o == Polarity::None));
}

#[test]
fn zero_gdp_and_budget_ceiling() {
    let mut s = test_world();
    s.name = "zero-ceiling".into();
    s.economics.budget_ceiling_gdp_share = 0.0;
    run_checked(&s, 4);
    s.name = "zero-gdp".into();
    s.economics.budget_ceiling_gdp_share = 0.02;
    for n in &mut s.nations {
        n.gdp_usd = 0.0;
    }
    run_checked(&s, 4);
}

// --- fabs ---------------------------------------------------------------------------------

#[test]
fn no_fabs_in_a_bloc() {
    let mut s = test_world();
    s.name = "no-cn-fab".into();
    s.fabs.retain(|f| f.nation != "cn");
    run_checked(&s, 4);
}

#[test]
fn no_fabs_at_all() {
    let mut s = test_world();
    s.name = "no-fabs".into();
    s.fabs.clear();
    let r = run_checked(&s, 4);
    // No chips are made, so the fleets only shrink.
    for run in &r {
        for series in &run.bloc_chip_stock {
            assert!(series.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-12)));
        }
    }
}

#[test]
fn fabs_with_zero_capacity_and_zero_yield() {
    let mut s = test_world();
    s.name = "dead-fabs".into();
    for f in &mut s.fabs {
        f.capacity_chips_per_year = 0.0;
        f.capacity_growth_per_year = 0.0;
        f.yield_share = 0.0;
        f.yield_max = 0.0;
        f.h100e_per_chip = 0.0;
        f.perf_growth_per_year = 0.0;
    }
    run_checked(&s, 4);
}

// --- firms and blocs ----------------------------------------------------------------------

#[test]
fn a_bloc_with_no_firms() {
    let mut s = test_world();
    s.name = "firmless-bloc".into();
    s.firms.retain(|f| f.nation != "sg");
    let r = run_checked(&s, 4);
    let p = Prepared::new(&s);
    let rest = p.bloc_ids.iter().position(|b| b == "rest").unwrap();
    assert!(r.iter().all(|run| run.crossings[rest].is_none()));
    // A bloc with no nations at all.
    s.name = "empty-bloc".into();
    s.blocs
        .push(polarity_model::params::Bloc { id: "eu".into() });
    run_checked(&s, 4);
}

#[test]
fn no_firms_at_all() {
    let mut s = test_world();
    s.name = "no-firms".into();
    s.firms.clear();
    s.technology.paradigm.as_mut().unwrap().discoverer = None;
    let r = run_checked(&s, 2);
    assert!(outcomes(&r).iter().all(|&o| o == Polarity::None));
}

#[test]
fn no_nations_no_blocs() {
    let mut s = test_world();
    s.name = "empty-world".into();
    s.firms.clear();
    s.fabs.clear();
    s.nations.clear();
    s.blocs.clear();
    let r = run_checked(&s, 2);
    assert!(outcomes(&r).iter().all(|&o| o == Polarity::None));
}

#[test]
fn a_single_firm() {
    let mut s = test_world();
    s.name = "one-firm".into();
    s.firms.truncate(1);
    let r = run_checked(&s, 4);
    // One bloc can cross, never two.
    assert!(
        outcomes(&r)
            .iter()
            .all(|&o| matches!(o, Polarity::None | Polarity::Unipolar))
    );
}

// --- threshold and window -----------------------------------------------------------------

#[test]
fn threshold_never_reachable() {
    let mut s = test_world();
    s.name = "unreachable".into();
    s.outcome.threshold = 1e6;
    let r = run_checked(&s, 6);
    assert!(outcomes(&r).iter().all(|&o| o == Polarity::None));
    // It runs to the horizon, not beyond.
    let p = Prepared::new(&s);
    assert!(r.iter().all(|run| run.steps == p.horizon_steps));
}

#[test]
fn threshold_already_passed_at_the_start() {
    let mut s = test_world();
    s.name = "already-there".into();
    s.outcome.threshold = -1e6;
    let r = run_checked(&s, 4);
    // Every bloc crosses at the first step: all are peers.
    for run in &r {
        assert_eq!(run.polarity, Polarity::Multipolar);
        let ticks: Vec<u32> = run.crossings.iter().flatten().copied().collect();
        assert_eq!(ticks.len(), 3);
        assert!(ticks.iter().all(|&t| t == ticks[0]));
    }
}

#[test]
fn zero_length_windows() {
    let mut s = test_world();
    s.name = "fixed-0".into();
    s.outcome.window = Window::Fixed { years: 0.0 };
    let fixed = run_checked(&s, 8);
    s.name = "decisive-0".into();
    s.outcome.window = Window::Decisive {
        above_threshold: 0.0,
        max_years: 0.0,
    };
    let decisive = run_checked(&s, 8);
    for r in fixed.iter().chain(&decisive) {
        if r.leader.is_some() {
            assert_eq!(r.window_ticks, Some(0));
        }
    }
    // A zero window is the same rule either way.
    assert_eq!(outcomes(&fixed), outcomes(&decisive));
}

#[test]
fn longest_windows() {
    let mut s = test_world();
    s.name = "window-100".into();
    s.outcome.window = Window::Fixed { years: 100.0 };
    run_checked(&s, 3);
    s.outcome.window = Window::Decisive {
        above_threshold: 1000.0,
        max_years: 100.0,
    };
    run_checked(&s, 3);
}

// --- time axis ----------------------------------------------------------------------------

#[test]
fn one_step_horizon() {
    for steps_per_year in [1, 4, 365] {
        let mut s = test_world();
        s.name = format!("one-step-{steps_per_year}");
        s.study.steps_per_year = steps_per_year;
        s.study.horizon_year = s.study.start_year + 1.0 / f64::from(steps_per_year);
        s.outcome.window = Window::Fixed { years: 0.0 };
        let p = Prepared::new(&s);
        assert_eq!(p.horizon_steps, 1);
        let r = run_checked(&s, 3);
        assert!(r.iter().all(|run| run.steps == 1));
    }
}

#[test]
fn daily_steps() {
    let mut s = test_world();
    s.name = "daily".into();
    s.study.steps_per_year = 365;
    s.study.horizon_year = 2033.0;
    let r = run_checked(&s, 2);
    // Daily steps reach broadly the same outcomes as quarterly ones: the race is decided, not
    // stuck.
    assert!(r.iter().any(|run| run.leader.is_some()));
}

#[test]
fn the_most_steps_allowed() {
    // 10,000 steps is the scenario limit: 27.39 years of daily steps.
    let mut s = test_world();
    s.name = "max-steps".into();
    s.study.steps_per_year = 365;
    s.study.horizon_year = s.study.start_year + 10_000.0 / 365.0;
    s.outcome.threshold = 1e6;
    let r = run_checked(&s, 1);
    assert_eq!(r[0].steps, 10_000);
}

#[test]
fn rule_timing_extremes() {
    let mut s = test_world();
    s.name = "rule-before-start".into();
    s.policy.rules[0].start_year = 1900.0;
    s.policy.rules[0].announcement_lead_years = 100.0;
    run_checked(&s, 3);
    s.name = "rule-after-horizon".into();
    s.policy.rules[0].start_year = 2500.0;
    run_checked(&s, 3);
    s.name = "rule-one-step".into();
    s.policy.rules[0].start_year = 2024.0;
    s.policy.rules[0].end_year = Some(2024.25);
    s.policy.rules[0].announcement_lead_years = 0.0;
    run_checked(&s, 3);
    s.name = "no-rules".into();
    s.policy.rules.clear();
    run_checked(&s, 3);
}

// --- enormous and tiny values -------------------------------------------------------------

/// The largest value each field accepts, per docs/scenario-format.md ("0-inf" fields get the
/// largest finite double).
fn enormous() -> Scenario<f64> {
    let big = f64::MAX;
    let mut s = test_world();
    s.name = "enormous".into();
    for n in &mut s.nations {
        n.gdp_usd = big;
        n.industrial_policy = 10.0;
    }
    for f in &mut s.firms {
        f.funding_usd_per_year = big;
        f.funding_growth_per_year = 1000.0;
        f.revenue_usd_per_year = big;
        // Not `big`: the fleets of a bloc are summed, and four of f64::MAX overflow (see
        // `fleets_of_the_largest_double_overflow_their_sum`).
        f.fleet_h100e = 1e300;
        f.algo_efficiency = 1000.0;
        f.training_share = 1.0;
        f.reinvest_share = 1.0;
        f.cash_usd = big;
    }
    for f in &mut s.fabs {
        f.capacity_chips_per_year = big;
        f.capacity_growth_per_year = 1000.0;
        f.h100e_per_chip = 1e6;
        f.perf_growth_per_year = 1000.0;
        f.yield_share = 1.0;
        f.yield_max = 1.0;
        f.yield_learning_per_year = 1.0;
        f.cost_per_h100e_usd = big;
    }
    let r = &mut s.policy.rules[0];
    r.announcement_lead_years = 100.0;
    r.threshold_h100e_per_chip = 1e6;
    r.tier2 = Access::Capped(big);
    r.compliant_h100e_per_chip = 1e6;
    r.compliant_price_ratio = 100.0;
    r.smuggling_markup = 100.0;
    r.smuggling_scale_chips_per_year = big;
    r.cloud_access_share = 1.0;
    r.cloud_markup = 100.0;
    let t = &mut s.technology;
    t.algo_progress_per_year = 1000.0;
    t.multipliers = vec![
        Multiplier {
            factor: 1e6,
            rate_per_year: 1000.0,
        };
        8
    ];
    t.diffusion_lag_in_bloc_years = 100.0;
    t.diffusion_lag_cross_bloc_years = 100.0;
    t.catchup_cost_decline_per_year = 1e9;
    t.ai_rnd_multiplier = 1e4;
    t.flop_per_h100e_second = 1e30;
    t.utilization = 1.0;
    t.run_length_years = 100.0;
    t.training_share_max = 1.0;
    t.training_share_growth_per_year = 1.0;
    t.capability_per_decade = 1000.0;
    t.fleet_retirement_per_year = 1.0;
    t.cost_decline_per_year = 1000.0;
    t.paradigm = Some(Paradigm {
        arrival_year: 2023.0,
        discoverer: None,
        adoption_lag_in_bloc_years: 100.0,
        adoption_lag_cross_bloc_years: 100.0,
        gain_per_decade: 100.0,
        max_gain_decades: 100.0,
        base_compute_flop: 1.0,
        useful_compute_flop: 1e60,
        useful_compute_growth_per_year: 1e6,
    });
    let e = &mut s.economics;
    e.revenue_growth_per_year = 1000.0;
    e.revenue_capability_elasticity = 1000.0;
    e.revenue_reinvested_share = 1.0;
    e.budget_ceiling_gdp_share = 1.0;
    e.price_margin = 100.0;
    e.price_scarcity_elasticity = 100.0;
    e.source_preference_sharpness = 1000.0;
    s.outcome.threshold = 1e6;
    s.outcome.window = Window::Decisive {
        above_threshold: 1000.0,
        max_years: 100.0,
    };
    s
}

#[test]
fn enormous_values() {
    let s = enormous();
    run_checked(&s, 3);
    // The same with cheap chips and tiny thresholds, so that the market and the threshold
    // are exercised at the extremes too.
    let mut s = enormous();
    s.name = "enormous-cheap".into();
    for f in &mut s.fabs {
        f.cost_per_h100e_usd = 1.0;
    }
    s.policy.rules[0].threshold_h100e_per_chip = 0.0;
    s.policy.rules[0].compliant_price_ratio = 0.001;
    s.policy.rules[0].smuggling_scale_chips_per_year = 1.0;
    s.outcome.threshold = -1e6;
    run_checked(&s, 3);
}

/// Fleets of f64::MAX H100e (a finite value the validator accepts) must not sum to an
/// infinite bloc chip stock: fleets saturate at `MAX_QUANTITY` on input and on every update.
#[test]
fn fleets_of_the_largest_double_overflow_their_sum() {
    let mut s = enormous();
    for f in &mut s.firms {
        f.fleet_h100e = f64::MAX;
    }
    run_checked(&s, 1);
}

/// The smallest value each field accepts.
fn minimal() -> Scenario<f64> {
    let mut s = test_world();
    s.name = "minimal".into();
    for n in &mut s.nations {
        n.gdp_usd = 0.0;
        n.industrial_policy = 0.0;
    }
    for f in &mut s.firms {
        f.funding_usd_per_year = 0.0;
        f.funding_growth_per_year = 0.0;
        f.revenue_usd_per_year = 0.0;
        f.fleet_h100e = 0.0;
        f.reinvest_share = 0.0;
        f.algo_efficiency = 0.0;
        f.training_share = 0.0;
        f.cash_usd = 0.0;
    }
    for f in &mut s.fabs {
        f.capacity_chips_per_year = 0.0;
        f.capacity_growth_per_year = 0.0;
        f.h100e_per_chip = 0.0;
        f.perf_growth_per_year = 0.0;
        f.yield_share = 0.0;
        f.yield_max = 0.0;
        f.yield_learning_per_year = 0.0;
        f.cost_per_h100e_usd = 1.0;
    }
    let r = &mut s.policy.rules[0];
    r.announcement_lead_years = 0.0;
    r.threshold_h100e_per_chip = 0.0;
    r.tier2 = Access::Capped(0.0);
    r.compliant_h100e_per_chip = 0.0;
    r.compliant_price_ratio = 0.001;
    r.enforcement = 0.0;
    r.smuggling_markup = 0.0;
    r.smuggling_scale_chips_per_year = 1.0;
    r.cloud_access_share = 0.0;
    r.cloud_markup = 0.0;
    let t = &mut s.technology;
    t.algo_progress_per_year = 1.0;
    t.multipliers = vec![Multiplier {
        factor: 1.0,
        rate_per_year: 0.0,
    }];
    t.diffusion_lag_in_bloc_years = 0.0;
    t.diffusion_lag_cross_bloc_years = 0.0;
    t.catchup_cost_decline_per_year = 1.0;
    t.ai_gain_diffusion_share = 0.0;
    t.ai_rnd_multiplier = 1.0;
    t.flop_per_h100e_second = 0.0;
    t.utilization = 0.0;
    t.run_length_years = 0.001;
    t.training_share_max = 0.0;
    t.training_share_growth_per_year = 0.0;
    t.capability_per_decade = 0.0;
    t.fleet_retirement_per_year = 0.0;
    t.equipment_control_progress_share = 0.0;
    t.equipment_control_yield_factor = 0.0;
    t.cost_decline_per_year = 1.0;
    t.paradigm = Some(Paradigm {
        arrival_year: 1900.0,
        discoverer: None,
        adoption_lag_in_bloc_years: 0.0,
        adoption_lag_cross_bloc_years: 0.0,
        gain_per_decade: 0.0,
        max_gain_decades: 0.0,
        base_compute_flop: 1.0,
        useful_compute_flop: 1.0,
        useful_compute_growth_per_year: 1.0,
    });
    let e = &mut s.economics;
    e.revenue_growth_per_year = 0.0;
    e.revenue_capability_elasticity = 0.0;
    e.revenue_reinvested_share = 0.0;
    e.budget_ceiling_gdp_share = 0.0;
    e.price_margin = 0.0;
    e.price_scarcity_elasticity = 0.0;
    e.source_preference_sharpness = 0.0;
    s.outcome.window = Window::Fixed { years: 0.0 };
    s
}

#[test]
fn minimal_values() {
    let s = minimal();
    let r = run_checked(&s, 3);
    // Capability is 0 points per decade: every bloc sits at 0, below the threshold of 30.
    assert!(outcomes(&r).iter().all(|&o| o == Polarity::None));
    let mut s = minimal();
    s.name = "minimal-threshold-0".into();
    s.outcome.threshold = 0.0;
    run_checked(&s, 3);
}

// --- rule channels ------------------------------------------------------------------------

#[test]
fn every_rule_channel_on_and_off() {
    let tiers = [
        Access::Open,
        Access::Capped(0.0),
        Access::Capped(50_000.0),
        Access::Barred,
    ];
    let mut sim = Simulation::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut case = 0u64;
    for tier2 in &tiers {
        for tier3 in &tiers {
            for bits in 0..32u32 {
                let mut s = test_world();
                s.name = format!("channels-{case}");
                let r = &mut s.policy.rules[0];
                r.tier2 = tier2.clone();
                r.tier3 = tier3.clone();
                r.compliant_variants = bits & 1 != 0;
                r.enforcement = if bits & 2 != 0 { 1.0 } else { 0.0 };
                r.cloud_access_share = if bits & 4 != 0 { 0.3 } else { 0.0 };
                r.equipment_controls = bits & 8 != 0;
                r.announcement_lead_years = if bits & 16 != 0 { 0.5 } else { 0.0 };
                let key = RunKey {
                    study_seed: 3,
                    run: case,
                };
                let result = sim.run(&s, key, RunOptions { trace: true });
                check(&s, &result);
                seen.insert(result.polarity);
                case += 1;
            }
        }
    }
    assert_eq!(case, 512);
    // The channels matter: not every combination ends the same way.
    assert!(seen.len() >= 2, "{seen:?}");
}

#[test]
fn tier_one_barred_and_every_nation_a_controller() {
    let mut s = test_world();
    s.name = "all-barred".into();
    let r = &mut s.policy.rules[0];
    r.tier1 = Access::Barred;
    r.tier2 = Access::Barred;
    r.tier3 = Access::Barred;
    r.compliant_variants = false;
    r.cloud_access_share = 0.0;
    for n in &mut s.nations {
        n.controller = true;
        n.equipment_access = false;
    }
    run_checked(&s, 3);
}

// --- random points of the valid space -----------------------------------------------------

/// A numeric field: how to set it, and its valid range (infinite ends replaced by the largest
/// finite double).
type Setter = fn(&mut Scenario<f64>, f64);

fn fields() -> Vec<(Setter, f64, f64)> {
    let big = f64::MAX;
    vec![
        (
            |s, x| s.nations.iter_mut().for_each(|n| n.gdp_usd = x),
            0.0,
            big,
        ),
        (|s, x| s.nations[2].industrial_policy = x, 0.0, 10.0),
        (|s, x| s.firms[0].funding_usd_per_year = x, 0.0, big),
        (|s, x| s.firms[2].funding_usd_per_year = x, 0.0, big),
        (|s, x| s.firms[0].funding_growth_per_year = x, 0.0, 1000.0),
        (|s, x| s.firms[1].revenue_usd_per_year = x, 0.0, big),
        (|s, x| s.firms[2].fleet_h100e = x, 0.0, big),
        (|s, x| s.firms[1].reinvest_share = x, 0.0, 1.0),
        (|s, x| s.firms[3].algo_efficiency = x, 0.0, 1000.0),
        (|s, x| s.firms[0].training_share = x, 0.0, 1.0),
        (|s, x| s.firms[2].cash_usd = x, 0.0, big),
        (|s, x| s.fabs[0].capacity_chips_per_year = x, 0.0, big),
        (|s, x| s.fabs[1].capacity_growth_per_year = x, 0.0, 1000.0),
        (|s, x| s.fabs[0].h100e_per_chip = x, 0.0, 1e6),
        (|s, x| s.fabs[1].perf_growth_per_year = x, 0.0, 1000.0),
        (|s, x| s.fabs[1].yield_share = x, 0.0, 1.0),
        (|s, x| s.fabs[0].yield_max = x, 0.0, 1.0),
        (|s, x| s.fabs[1].yield_learning_per_year = x, 0.0, 1.0),
        (|s, x| s.fabs[0].cost_per_h100e_usd = x, 1.0, big),
        (
            |s, x| s.policy.rules[0].announcement_lead_years = x,
            0.0,
            100.0,
        ),
        (
            |s, x| s.policy.rules[0].threshold_h100e_per_chip = x,
            0.0,
            1e6,
        ),
        (|s, x| s.policy.rules[0].tier2 = Access::Capped(x), 0.0, big),
        (
            |s, x| s.policy.rules[0].compliant_h100e_per_chip = x,
            0.0,
            1e6,
        ),
        (
            |s, x| s.policy.rules[0].compliant_price_ratio = x,
            0.001,
            100.0,
        ),
        (|s, x| s.policy.rules[0].enforcement = x, 0.0, 1.0),
        (|s, x| s.policy.rules[0].smuggling_markup = x, 0.0, 100.0),
        (
            |s, x| s.policy.rules[0].smuggling_scale_chips_per_year = x,
            1.0,
            big,
        ),
        (|s, x| s.policy.rules[0].cloud_access_share = x, 0.0, 1.0),
        (|s, x| s.policy.rules[0].cloud_markup = x, 0.0, 100.0),
        (|s, x| s.technology.algo_progress_per_year = x, 1.0, 1000.0),
        (|s, x| s.technology.multipliers[0].factor = x, 1.0, 1e6),
        (
            |s, x| s.technology.multipliers[1].rate_per_year = x,
            0.0,
            1000.0,
        ),
        (
            |s, x| s.technology.diffusion_lag_in_bloc_years = x,
            0.0,
            100.0,
        ),
        (
            |s, x| s.technology.diffusion_lag_cross_bloc_years = x,
            0.0,
            100.0,
        ),
        (
            |s, x| s.technology.catchup_cost_decline_per_year = x,
            1.0,
            1e9,
        ),
        (|s, x| s.technology.ai_gain_diffusion_share = x, 0.0, 1.0),
        (|s, x| s.technology.ai_rnd_multiplier = x, 1.0, 1e4),
        (|s, x| s.technology.flop_per_h100e_second = x, 0.0, 1e30),
        (|s, x| s.technology.utilization = x, 0.0, 1.0),
        (|s, x| s.technology.run_length_years = x, 0.001, 100.0),
        (|s, x| s.technology.training_share_max = x, 0.0, 1.0),
        (
            |s, x| s.technology.training_share_growth_per_year = x,
            0.0,
            1.0,
        ),
        (|s, x| s.technology.capability_per_decade = x, 0.0, 1000.0),
        (|s, x| s.technology.fleet_retirement_per_year = x, 0.0, 1.0),
        (
            |s, x| s.technology.equipment_control_progress_share = x,
            0.0,
            1.0,
        ),
        (
            |s, x| s.technology.equipment_control_yield_factor = x,
            0.0,
            1.0,
        ),
        (|s, x| s.technology.cost_decline_per_year = x, 1.0, 1000.0),
        (|s, x| paradigm(s).arrival_year = x, 1900.0, 2500.0),
        (
            |s, x| paradigm(s).adoption_lag_in_bloc_years = x,
            0.0,
            100.0,
        ),
        (
            |s, x| paradigm(s).adoption_lag_cross_bloc_years = x,
            0.0,
            100.0,
        ),
        (|s, x| paradigm(s).gain_per_decade = x, 0.0, 100.0),
        (|s, x| paradigm(s).max_gain_decades = x, 0.0, 100.0),
        (|s, x| paradigm(s).base_compute_flop = x, 1.0, 1e60),
        (|s, x| paradigm(s).useful_compute_flop = x, 1.0, 1e60),
        (
            |s, x| paradigm(s).useful_compute_growth_per_year = x,
            1.0,
            1e6,
        ),
        (|s, x| s.economics.revenue_growth_per_year = x, 0.0, 1000.0),
        (
            |s, x| s.economics.revenue_capability_elasticity = x,
            0.0,
            1000.0,
        ),
        (|s, x| s.economics.revenue_reinvested_share = x, 0.0, 1.0),
        (|s, x| s.economics.budget_ceiling_gdp_share = x, 0.0, 1.0),
        (|s, x| s.economics.price_margin = x, 0.0, 100.0),
        (|s, x| s.economics.price_scarcity_elasticity = x, 0.0, 100.0),
        (
            |s, x| s.economics.source_preference_sharpness = x,
            0.0,
            1000.0,
        ),
        (|s, x| s.outcome.threshold = x, -1e6, 1e6),
    ]
}

fn paradigm(s: &mut Scenario<f64>) -> &mut Paradigm<f64> {
    s.technology
        .paradigm
        .as_mut()
        .expect("the test world has a paradigm")
}

/// A value in `[lo, hi]`: an end, a typical value (unchanged), or log-uniform in between.
fn pick(lo: f64, hi: f64, how: u8, u: f64) -> Option<f64> {
    match how % 4 {
        0 => Some(lo),
        1 => Some(hi),
        2 => None,
        _ => {
            let a = lo.abs().max(1e-6).ln();
            let b = hi.abs().max(1e-6).ln();
            let x = (a + (b - a) * u).exp();
            Some(x.clamp(lo, hi))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        ..ProptestConfig::default()
    })]

    /// Many fields at once at an end of their valid range (or anywhere in between).
    #[test]
    fn any_point_of_the_valid_space_stays_finite(
        choices in prop::collection::vec((any::<u8>(), 0.0f64..1.0), 63),
        steps_per_year in prop::sample::select(vec![1u32, 4, 12, 52]),
        seed in any::<u64>(),
    ) {
        let mut s = test_world();
        s.name = "random-extremes".into();
        s.study.steps_per_year = steps_per_year;
        s.study.horizon_year = 2031.0;
        for ((set, lo, hi), (how, u)) in fields().into_iter().zip(choices) {
            if let Some(x) = pick(lo, hi, how, u) {
                set(&mut s, x);
            }
        }
        let r = Simulation::new().run(&s, RunKey { study_seed: seed, run: 0 }, RunOptions { trace: true });
        check(&s, &r);
    }
}

#[test]
fn the_field_table_covers_every_kind_of_field() {
    // Guard against a silently short table: 63 fields are exercised by the proptest above.
    assert_eq!(fields().len(), 63);
    // A trace has a row per agent kind.
    let s = test_world();
    let r = Simulation::new().run(
        &s,
        RunKey {
            study_seed: 1,
            run: 0,
        },
        RunOptions { trace: true },
    );
    for kind in [
        AgentKind::Bloc,
        AgentKind::Nation,
        AgentKind::Firm,
        AgentKind::Fab,
    ] {
        assert!(r.trace.iter().any(|row| row.kind == Some(kind)));
    }
}

#[test]
fn each_field_alone_at_each_end_of_its_range() {
    let mut failures = Vec::new();
    let mut sim = Simulation::new();
    for (i, (set, lo, hi)) in fields().into_iter().enumerate() {
        for x in [lo, hi] {
            let mut s = test_world();
            s.name = format!("field-{i}={x:e}");
            set(&mut s, x);
            let p = Prepared::new(&s);
            let firmless: Vec<bool> = (0..p.bloc_ids.len())
                .map(|b| !p.firms.iter().any(|f| f.bloc == b))
                .collect();
            for run in 0..2 {
                let key = RunKey {
                    study_seed: 11,
                    run,
                };
                let r = sim.run(&s, key, RunOptions { trace: true });
                let bad = nonfinite(&s, &r, &firmless);
                if !bad.is_empty() {
                    failures.push(format!("{}: {}", s.name, bad.join("; ")));
                    break;
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
