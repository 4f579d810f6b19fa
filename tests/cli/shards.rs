//! `--shard I/N` and `polarity merge`: shards merged in any order give exactly the bytes of
//! the unsharded `run`, `sweep` and `batch`; `--shard slurm` reads the job array position;
//! a missing, duplicated, foreign, unfinished or damaged shard is refused with exit 2,
//! naming it.

use crate::support::{Sandbox, TINY};

/// The files that must be byte-identical between a merged and an unsharded study.
const SAME: [&str; 10] = [
    "summary.json",
    "fan.csv",
    "runs.csv",
    "trajectories.csv",
    "scenario.ron",
    "arms.csv",
    "contrasts.csv",
    "arms/1.ron",
    "points.csv",
    "points.txt",
];

/// Runs `args` whole into `whole`, as `n` shards into `shard-I`, merges them (listed in
/// reverse order) into `merged`, and asserts every file the whole study wrote is identical.
fn shard_and_merge(s: &Sandbox, args: &[&str], n: u32) {
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend_from_slice(extra);
        a.push("--quiet");
        s.run(&a).ok();
    };
    run(&["--out", "whole"]);
    let mut dirs = Vec::new();
    for i in 1..=n {
        let shard = format!("{i}/{n}");
        let out = format!("shard-{i}");
        run(&["--shard", &shard, "--out", &out, "--threads", "1"]);
        assert!(s.path(&format!("{out}/tally.json")).is_file());
        assert_eq!(
            s.json(&format!("{out}/manifest.json"))["shard"],
            shard.as_str()
        );
        dirs.push(out);
    }
    dirs.reverse();
    let mut merge = vec!["merge"];
    merge.extend(dirs.iter().map(String::as_str));
    merge.extend(["--out", "merged", "--quiet"]);
    s.run(&merge).ok();
    let mut compared = 0;
    for file in SAME {
        let whole = s.path(&format!("whole/{file}"));
        let merged = s.path(&format!("merged/{file}"));
        assert_eq!(whole.exists(), merged.exists(), "{file}");
        if whole.exists() {
            assert_eq!(
                std::fs::read(&whole).unwrap(),
                std::fs::read(&merged).unwrap(),
                "{file} differs after merging {n} shards"
            );
            compared += 1;
        }
    }
    assert!(compared >= 3);
    assert!(!s.path("merged/tally.json").exists());
    let manifest = s.json("merged/manifest.json");
    assert_eq!(manifest["shard"], serde_json::Value::Null);
    assert_eq!(
        manifest["merged_from"].as_array().unwrap().len(),
        n as usize
    );
    assert_eq!(
        manifest["merged_from"][0], "shard-1",
        "listed in shard order"
    );
}

#[test]
fn a_run_merges_to_the_same_bytes() {
    let s = Sandbox::new();
    shard_and_merge(
        &s,
        &[
            "run",
            TINY,
            "--runs",
            "101",
            "--seed",
            "3",
            "--trace",
            "2",
            "--trace-runs",
            "60",
        ],
        3,
    );
    // More shards than runs: the empty shards merge too.
    let t = Sandbox::new();
    shard_and_merge(&t, &["run", TINY, "--runs", "3", "--seed", "3"], 5);
}

#[test]
fn a_sweep_merges_to_the_same_bytes() {
    let s = Sandbox::new();
    shard_and_merge(
        &s,
        &[
            "sweep",
            TINY,
            "--runs",
            "50",
            "--seed",
            "8",
            "--trace",
            "1",
            "--set",
            "technology.utilization=0.4,0.45",
        ],
        4,
    );
}

#[test]
fn a_batch_merges_to_the_same_bytes() {
    let s = Sandbox::new();
    let design = s.write(
        "d.csv",
        "technology.utilization,outcome.threshold\n0.45,30\n0.3,29.5\n0.4,31\n",
    );
    shard_and_merge(
        &s,
        &[
            "batch", TINY, "--design", &design, "--runs", "40", "--seed", "2",
        ],
        3,
    );
}

#[test]
fn shard_slurm_reads_the_job_array_position() {
    let s = Sandbox::new();
    let out = s
        .command()
        .args([
            "run", TINY, "--runs", "30", "--shard", "slurm", "--quiet", "--out", "a",
        ])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_MIN", "0")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = s.json("a/manifest.json");
    assert_eq!(m["shard"], "2/3");
    assert_eq!(m["run_range"], serde_json::json!([10, 20]));
    assert_eq!(s.read("a/runs.csv").lines().count(), 11);
    let out = s
        .command()
        .args([
            "run", TINY, "--runs", "30", "--shard", "slurm", "--out", "b",
        ])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SLURM_ARRAY_TASK_ID"));
}

#[test]
fn bad_shard_flags_exit_2() {
    let s = Sandbox::new();
    for (args, needle) in [
        (
            vec!["run", TINY, "--shard", "0/4", "--out", "o"],
            "numbered from 1",
        ),
        (
            vec!["run", TINY, "--shard", "5/4", "--out", "o"],
            "1 <= I <= N",
        ),
        (vec!["run", TINY, "--shard", "half", "--out", "o"], "I/N"),
        (vec!["run", TINY, "--shard", "1/2"], "needs --out"),
        (
            vec![
                "run",
                TINY,
                "--shard",
                "1/2",
                "--precision",
                "0.1",
                "--out",
                "o",
            ],
            "--precision cannot be combined with --shard",
        ),
    ] {
        let out = s.run(&args).code(2);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
    assert!(!s.path("o").exists());
}

/// Shards 1..=3 of a 60-run study with seed 1 in `shard-1` … `shard-3`.
fn three_shards(s: &Sandbox) {
    for i in 1..=3 {
        s.run(&[
            "run",
            TINY,
            "--runs",
            "60",
            "--seed",
            "1",
            "--shard",
            &format!("{i}/3"),
            "--quiet",
            "--out",
            &format!("shard-{i}"),
        ])
        .ok();
    }
}

/// Runs `merge ARGS… --out m` and returns its stderr, asserting exit 2 and no output folder.
#[track_caller]
fn refused(s: &Sandbox, dirs: &[&str]) -> String {
    let mut args = vec!["merge"];
    args.extend_from_slice(dirs);
    args.extend(["--out", "m"]);
    let out = s.run(&args).code(2);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(!s.path("m").exists(), "nothing is written");
    out.stderr
}

#[test]
fn wrong_shards_are_refused_by_name() {
    let s = Sandbox::new();
    three_shards(&s);
    // Missing.
    let e = refused(&s, &["shard-1", "shard-3"]);
    assert!(e.contains("shard 2/3 (runs 20 to 39) is missing"), "{e}");
    // Duplicated.
    let e = refused(&s, &["shard-1", "shard-2", "shard-3", "shard-2"]);
    assert!(e.contains("shard-2 and shard-2 are both shard 2/3"), "{e}");
    // Foreign: another seed, another scenario, another shard count.
    s.run(&[
        "run", TINY, "--runs", "60", "--seed", "2", "--shard", "2/3", "--quiet", "--out", "seed-2",
    ])
    .ok();
    let e = refused(&s, &["shard-1", "seed-2", "shard-3"]);
    assert!(e.contains("seed-2 is a shard of another study"), "{e}");
    assert!(e.contains("seed is 2, not 1"), "{e}");
    s.run(&[
        "run",
        TINY,
        "--runs",
        "60",
        "--seed",
        "1",
        "--set",
        "technology.utilization=0.45",
        "--shard",
        "2/3",
        "--quiet",
        "--out",
        "other",
    ])
    .ok();
    let e = refused(&s, &["shard-1", "other", "shard-3"]);
    assert!(e.contains("other is a shard of another study"), "{e}");
    assert!(e.contains("scenario hash"), "{e}");
    s.run(&[
        "run", TINY, "--runs", "60", "--seed", "1", "--shard", "2/4", "--quiet", "--out", "quarter",
    ])
    .ok();
    let e = refused(&s, &["shard-1", "quarter", "shard-3"]);
    assert!(e.contains("quarter is a shard of another study"), "{e}");
    // Not a shard at all; a folder that does not exist.
    s.run(&["run", TINY, "--runs", "60", "--quiet", "--out", "plain"])
        .ok();
    let e = refused(&s, &["shard-1", "plain"]);
    assert!(e.contains("plain is not a shard folder"), "{e}");
    let e = refused(&s, &["shard-1", "nowhere"]);
    assert!(e.contains("nowhere"), "{e}");
    // Merging into one of the shards.
    let out = s
        .run(&[
            "merge", "shard-1", "shard-2", "shard-3", "--out", "shard-2", "--force",
        ])
        .code(2);
    assert!(
        out.stderr.contains("one of the shard folders"),
        "{}",
        out.stderr
    );
    assert!(s.path("shard-2/runs.csv").exists());
}

#[test]
fn unfinished_or_damaged_shards_are_refused() {
    let s = Sandbox::new();
    three_shards(&s);
    std::fs::remove_file(s.path("shard-2/manifest.json")).unwrap();
    let e = refused(&s, &["shard-1", "shard-2", "shard-3"]);
    assert!(e.contains("shard-2 is an unfinished shard"), "{e}");

    let s = Sandbox::new();
    three_shards(&s);
    let runs = s.read("shard-3/runs.csv");
    let cut: String = runs.lines().take(5).map(|l| format!("{l}\n")).collect();
    std::fs::write(s.path("shard-3/runs.csv"), cut).unwrap();
    let mut args = vec!["merge", "shard-1", "shard-2", "shard-3", "--out", "m"];
    let out = s.run(&args).code(2);
    assert!(
        out.stderr.contains("shard-3/runs.csv has 4 rows"),
        "{}",
        out.stderr
    );

    std::fs::write(s.path("shard-3/tally.json"), "{\"format\": 1}").unwrap();
    args[5] = "m2";
    let out = s.run(&args).code(2);
    assert!(out.stderr.contains("shard-3/tally.json"), "{}", out.stderr);
}
