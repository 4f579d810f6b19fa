//! The reproducibility promise: summary.json, runs.csv and trajectories.csv are byte-identical
//! whatever the thread count and across invocations; `--precision` gives exactly a plain
//! study of the size it chose.

use crate::support::{Sandbox, TINY};

const FILES: [&str; 4] = [
    "summary.json",
    "runs.csv",
    "trajectories.csv",
    "scenario.ron",
];

#[test]
fn bytes_do_not_depend_on_threads_or_invocation() {
    let s = Sandbox::new();
    let args = |threads: &str, out: &str| {
        vec![
            "run",
            TINY,
            "--runs",
            "300",
            "--seed",
            "7",
            "--threads",
            threads,
            "--trace",
            "2",
            "--trace-runs",
            "17,250",
            "--quiet",
            "--out",
            out,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    for (threads, out) in [("1", "t1"), ("2", "t2"), ("2", "t2-again")] {
        let a = args(threads, out);
        s.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
            .ok();
    }
    for file in FILES {
        let one = s.read(&format!("t1/{file}"));
        assert!(!one.is_empty(), "{file} is empty");
        assert_eq!(one, s.read(&format!("t2/{file}")), "{file}: 1 vs 2 threads");
        assert_eq!(
            one,
            s.read(&format!("t2-again/{file}")),
            "{file}: two invocations"
        );
    }
    // The manifests record the thread counts that differ.
    assert_eq!(s.json("t1/manifest.json")["threads"], 1);
    assert_eq!(s.json("t2/manifest.json")["threads"], 2);
}

#[test]
fn another_seed_gives_other_runs() {
    let s = Sandbox::new();
    s.run(&[
        "run", TINY, "--runs", "50", "--seed", "1", "--quiet", "--out", "a",
    ])
    .ok();
    s.run(&[
        "run", TINY, "--runs", "50", "--seed", "2", "--quiet", "--out", "b",
    ])
    .ok();
    assert_ne!(s.read("a/runs.csv"), s.read("b/runs.csv"));
}

#[test]
fn precision_stops_early_meets_its_half_width_and_equals_a_plain_study() {
    let s = Sandbox::new();
    s.run(&[
        "run",
        TINY,
        "--precision",
        "0.05",
        "--runs",
        "100000",
        "--seed",
        "3",
        "--quiet",
        "--out",
        "p",
    ])
    .ok();
    let summary = s.json("p/summary.json");
    let runs = summary["runs"].as_u64().unwrap();
    assert!(runs < 100_000, "precision used {runs} runs");
    let precision = &summary["precision"];
    assert_eq!(precision["runs"].as_u64(), Some(runs));
    assert_eq!(precision["runs_cap"].as_u64(), Some(100_000));
    for outcome in ["none", "unipolar", "bipolar", "multipolar"] {
        let o = &summary["outcomes"][outcome];
        let half = (o["ci95_hi"].as_f64().unwrap() - o["ci95_lo"].as_f64().unwrap()) / 2.0;
        assert!(half <= 0.05, "{outcome}: half-width {half}");
    }
    assert_eq!(s.read("p/runs.csv").lines().count() as u64, runs + 1);

    // The pilot's runs are the study's first runs: a plain study of the same size is identical.
    let n = runs.to_string();
    s.run(&[
        "run", TINY, "--runs", &n, "--seed", "3", "--quiet", "--out", "plain",
    ])
    .ok();
    assert_eq!(s.read("p/runs.csv"), s.read("plain/runs.csv"));
    let mut with_precision = summary.clone();
    with_precision.as_object_mut().unwrap().remove("precision");
    assert_eq!(with_precision, s.json("plain/summary.json"));
}

#[test]
fn a_shorter_study_is_a_prefix_of_a_longer_one() {
    let s = Sandbox::new();
    s.run(&[
        "run", TINY, "--runs", "40", "--seed", "5", "--quiet", "--out", "short",
    ])
    .ok();
    s.run(&[
        "run", TINY, "--runs", "90", "--seed", "5", "--quiet", "--out", "long",
    ])
    .ok();
    let short = s.read("short/runs.csv");
    assert!(s.read("long/runs.csv").starts_with(&short));
    assert_eq!(short.lines().count(), 41);
}
