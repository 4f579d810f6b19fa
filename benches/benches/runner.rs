//! Runner benchmarks: the cost of one sampled run of each shipped scenario, and the
//! throughput of a whole study (sampling, simulation, tallies, `runs.csv` written to disk) on
//! 1 and 2 worker threads — the figure behind "runs per second" and parallel efficiency.
//!
//! Fixtures (scenarios loaded and validated, samplers built) are made outside the measured
//! routines; each measured study writes into a fresh temporary folder.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use polarity_model::prepared::Prepared;
use polarity_model::{RunKey, RunOptions, Simulation};
use polarity_runner::experiment::StudyKind;
use polarity_runner::{
    Arm, OutputDir, RunFiles, ScenarioSampler, Study, TraceSelection, run_study,
};

/// The shipped scenarios, by name.
const SCENARIOS: [&str; 6] = [
    "baseline",
    "strict",
    "leaky",
    "no-controls",
    "paradigm-shift",
    "tiny",
];

/// Runs per measured study: large enough that the per-study setup (thread pool, files) is a
/// small share, small enough for criterion's ten samples.
const STUDY_RUNS: u64 = 2048;

fn load(name: &str) -> polarity_scenario::ScenarioFile {
    polarity_scenario::load(name)
        .unwrap_or_else(|e| panic!("the shipped scenario {name} loads: {e}"))
        .scenario
}

/// One run of each scenario, parameters sampled per run as a study does.
fn scenario_run(c: &mut Criterion) {
    let mut group = c.benchmark_group("scenario_run");
    for name in SCENARIOS {
        let file = load(name);
        let mut sim = Simulation::new();
        let mut values = Vec::new();
        let mut run = 0u64;
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                run += 1;
                values.clear();
                let world = polarity_scenario::sample(&file, 1, run, &mut values);
                let prepared = Prepared::new(&world);
                black_box(sim.run_prepared(
                    prepared,
                    RunKey { study_seed: 1, run },
                    RunOptions::default(),
                ))
            })
        });
    }
    group.finish();
}

/// A whole `baseline` study with `runs.csv` on disk, at 1 and 2 threads.
fn study_throughput(c: &mut Criterion) {
    let file = load("baseline");
    let mut group = c.benchmark_group("study_throughput");
    group.sample_size(10);
    group.throughput(Throughput::Elements(STUDY_RUNS));
    for threads in [1usize, 2] {
        let study = Study {
            arms: vec![Arm::new(Box::new(ScenarioSampler::new(file.clone())))],
            seed: 7,
            runs: STUDY_RUNS,
            threads,
            trace: TraceSelection::default(),
            precision: None,
            shard: None,
            paired: false,
        };
        group.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| {
                let tmp = tempfile::tempdir().expect("a temporary folder");
                let dir = OutputDir::prepare(tmp.path(), true).expect("the folder");
                let mut files =
                    RunFiles::start_for(&dir, &study, StudyKind::Run).expect("runs.csv");
                let result = run_study(&study, &mut files, &()).expect("the study runs");
                files.finish().expect("runs.csv is complete");
                black_box(result)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, scenario_run, study_throughput);
criterion_main!(benches);
