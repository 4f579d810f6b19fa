//! Model benchmarks: one run of the built-in world on the ECS and on the plain reference driver
//! (the ECS overhead), and cost per run as agents scale 1x, 10x, 100x.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use polarity_benches::scaled_world;
use polarity_model::reference::run_reference;
use polarity_model::{RunKey, RunOptions, Simulation};
use std::hint::black_box;

fn ecs_vs_reference(c: &mut Criterion) {
    let s = scaled_world(1);
    let mut group = c.benchmark_group("single_run");
    let mut sim = Simulation::new();
    let mut run = 0u64;
    group.bench_function("ecs_reused_world", |b| {
        b.iter(|| {
            run += 1;
            black_box(sim.run(&s, RunKey { study_seed: 1, run }, RunOptions::default()))
        })
    });
    group.bench_function("plain_reference", |b| {
        b.iter(|| {
            run += 1;
            black_box(run_reference(
                &s,
                RunKey { study_seed: 1, run },
                RunOptions::default(),
            ))
        })
    });
    group.bench_function("ecs_fresh_world", |b| {
        b.iter(|| {
            run += 1;
            let mut sim = Simulation::new();
            black_box(sim.run(&s, RunKey { study_seed: 1, run }, RunOptions::default()))
        })
    });
    group.finish();
}

fn agent_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("agent_scaling");
    group.sample_size(20);
    for factor in [1usize, 10, 100] {
        let s = scaled_world(factor);
        let mut sim = Simulation::new();
        let mut run = 0u64;
        group.bench_with_input(BenchmarkId::from_parameter(factor), &factor, |b, _| {
            b.iter(|| {
                run += 1;
                black_box(sim.run(&s, RunKey { study_seed: 1, run }, RunOptions::default()))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ecs_vs_reference, agent_scaling);
criterion_main!(benches);
