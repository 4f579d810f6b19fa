//! A plain-Rust driver of the same model: agents in `Vec`s, resources as plain fields, the same
//! [`crate::kernels`] functions called in the same order as the ECS schedule.
//!
//! It exists to measure what the `bevy_ecs` machinery costs (scheduling, queries, resource
//! access) against a lower bound that shares every line of model logic; a test shows both
//! drivers give identical results.

use crate::kernels as k;
use crate::params::Scenario;
use crate::prepared::Prepared;
use crate::sim::{InitialState, RunKey, RunOptions, RunResult, initial_state, series, summarize};
use crate::state::{Clock, Rules};

/// Runs one world with plain vectors instead of an ECS World.
pub fn run_reference(scenario: &Scenario<f64>, key: RunKey, opts: RunOptions) -> RunResult {
    run_reference_prepared(Prepared::new(scenario), key, opts)
}

/// As [`run_reference`], from a resolved scenario.
pub fn run_reference_prepared(p: Prepared, key: RunKey, opts: RunOptions) -> RunResult {
    let seed = key.seed();
    let max_steps = p.max_steps;
    let InitialState {
        run,
        nations: _,
        mut fabs,
        mut firms,
        mut market,
        mut budgets,
        mut frontier,
        mut tracker,
        mut trace,
    } = initial_state(p, seed, opts.trace);
    let p = &run.prepared;
    let mut clock = Clock::default();
    let mut rules = Rules::default();
    let mut steps = 0;
    while steps < max_steps {
        let step = clock.step;
        k::export_rules(p, step, &mut rules);
        k::chip_production(p, &rules, &mut market, fabs.iter_mut());
        k::revenue_and_budgets(p, step, &frontier, &mut budgets, firms.iter_mut());
        k::budget_ceiling(p, &mut budgets, firms.iter_mut());
        k::market_supply(p, &mut market);
        k::reinvestment(p, step, &rules, &mut market, firms.iter_mut());
        k::market_clearing(p, &rules, &mut market);
        k::smuggling(p, step, &rules, &mut market);
        k::chip_delivery(p, &market, firms.iter_mut());
        k::algorithmic_progress(p, step, &budgets, &mut frontier, firms.iter_mut());
        k::diffusion(p, step, &frontier, firms.iter_mut());
        k::post_threshold_acceleration(p, &frontier, firms.iter_mut());
        k::paradigm_adoption(p, step, firms.iter_mut());
        k::training(p, step, &frontier, firms.iter_mut());
        k::frontier(p, step, &mut frontier, firms.iter());
        k::thresholds_and_outcome(p, step, &mut frontier, &mut tracker);
        if trace.enabled {
            k::record_trace(
                p,
                step,
                &market,
                &frontier,
                &mut trace,
                firms.iter(),
                fabs.iter(),
            );
        }
        k::advance_clock(&mut clock);
        steps += 1;
        if tracker.done {
            break;
        }
    }
    let mut result = summarize(key, seed, &tracker, steps, std::mem::take(&mut trace.rows));
    series(&mut result, &frontier, p.horizon_steps);
    result
}
