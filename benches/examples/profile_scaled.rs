//! Runs the built-in world with its firms and fabs replicated FACTOR times, for instruction
//! profiles of agent scaling: `valgrind --tool=callgrind target/release/examples/profile_scaled 10 20`.
use polarity_benches::scaled_world;
use polarity_model::{RunKey, RunOptions, Simulation};

fn main() {
    let mut args = std::env::args().skip(1);
    let factor: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let runs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let s = scaled_world(factor);
    let mut sim = Simulation::new();
    let mut steps = 0u64;
    for run in 0..runs {
        steps += u64::from(
            sim.run(&s, RunKey { study_seed: 1, run }, RunOptions::default())
                .steps,
        );
    }
    println!("factor {factor}: {runs} runs, {steps} steps");
}
