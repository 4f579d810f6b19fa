//! Runs the built-in world many times (for profilers such as `valgrind --tool=callgrind`).
use polarity_model::*;
fn main() {
    let runs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let s = testworld::test_world();
    let mut sim = Simulation::new();
    let mut unipolar = 0;
    for run in 0..runs {
        let r = sim.run(&s, RunKey { study_seed: 1, run }, RunOptions::default());
        unipolar += usize::from(r.polarity == Polarity::Unipolar);
    }
    println!("{unipolar} of {runs} unipolar");
}
