//! Exploration: run the built-in world and print outcomes and a bloc trajectory.
use polarity_model::state::AgentKind;
use polarity_model::*;

fn main() {
    let s = testworld::test_world();
    let mut sim = Simulation::new();
    let mut counts = std::collections::BTreeMap::new();
    for run in 0..200 {
        let r = sim.run(&s, RunKey { study_seed: 1, run }, RunOptions::default());
        *counts
            .entry(format!("{:?} {:?}", r.polarity, r.leader))
            .or_insert(0) += 1;
        if run < 5 {
            println!(
                "{:?} leader {:?} cross {:?} lag {:?} steps {}",
                r.polarity,
                r.leader,
                r.crossings
                    .iter()
                    .map(|c| c.map(|t| t as f64 / 48.0))
                    .collect::<Vec<_>>(),
                r.follower_lag_months,
                r.steps
            );
        }
    }
    println!("{counts:?}");
    let r = sim.run(
        &s,
        RunKey {
            study_seed: 1,
            run: 0,
        },
        RunOptions { trace: true },
    );
    for row in r
        .trace
        .iter()
        .filter(|r| r.kind == Some(AgentKind::Bloc) || (r.kind == Some(AgentKind::Firm)))
    {
        if row.step % 4 != 0 {
            continue;
        }
        println!(
            "{:.2} {:?} {} cap {:.2} stock {:.3e} spend {:.3e} comp {:.3e} smug {:.3e}/{:.3e} seized {:.3e} price {:?} train {:.2e} budget {:.2e} eff {:.2?} par {:.2?}",
            row.year,
            row.kind.unwrap(),
            row.index,
            row.capability.unwrap_or(f64::NAN),
            row.chip_stock_h100e.unwrap_or(0.0),
            row.spend_usd.unwrap_or(0.0),
            row.compliant_chips.unwrap_or(0.0),
            row.smuggled_chips.unwrap_or(0.0),
            row.smuggled_h100e.unwrap_or(0.0),
            row.seized_h100e.unwrap_or(0.0),
            row.chip_price_usd,
            row.training_compute.unwrap_or(0.0),
            row.budget_usd.unwrap_or(0.0),
            row.algo_efficiency_log10,
            row.paradigm_gain_log10
        );
    }
}
