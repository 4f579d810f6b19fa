//! Runs an embedded scenario many times on one thread, for instruction profiles:
//! `valgrind --tool=callgrind target/release/examples/profile_scenario baseline 200 [reference]`.
use polarity_model::{RunKey, RunOptions, Simulation};

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "baseline".into());
    let runs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let reference = args.next().is_some_and(|a| a == "reference");
    let Ok(loaded) = polarity_scenario::load(&name) else {
        eprintln!("cannot load scenario {name}");
        std::process::exit(2);
    };
    let mut sim = Simulation::new();
    let mut values = Vec::new();
    let mut steps = 0u64;
    for run in 0..runs {
        let s = polarity_scenario::sample(&loaded.scenario, 1, run, &mut values);
        let key = RunKey { study_seed: 1, run };
        let r = if reference {
            polarity_model::reference::run_reference(&s, key, RunOptions::default())
        } else {
            sim.run(&s, key, RunOptions::default())
        };
        steps += u64::from(r.steps);
    }
    println!("{runs} runs, {steps} steps");
}
