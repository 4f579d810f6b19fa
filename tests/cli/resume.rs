//! Crash-safe, resumable studies (issue 8): a study killed with SIGKILL at any point and
//! resumed with `--resume` produces files byte-identical to an uninterrupted study; `--resume`
//! without a checkpoint starts the study, on a finished study does nothing, and refuses
//! (exit 2) a checkpoint of another study, a damaged checkpoint or a changed partial file;
//! an I/O failure never damages the last checkpoint.
//!
//! Kills are timed by polling the study's `checkpoint.json` (with a timeout), and at a fixed
//! list of short delays after the start, which land before, during and after the first
//! checkpoint. Studies run on `tiny`, a few thousand runs, two threads.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Sandbox, TINY, run_with_file_size_limit};

/// Files that differ between identical studies, or that only a resumable study has.
const VARYING: [&str; 2] = ["manifest.json", "checkpoint.json"];

/// Every file under `dir` (relative paths, sorted), except [`VARYING`].
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.retain(|f| !VARYING.contains(&f.as_str()));
    out.sort();
    out
}

/// Asserts that `dir` holds a finished study with exactly the bytes of `reference`.
#[track_caller]
fn same_study(reference: &Path, dir: &Path, what: &str) {
    let want = files(reference);
    let got = files(dir);
    assert_eq!(got, want, "{what}: the folders hold different files");
    assert!(dir.join("manifest.json").is_file(), "{what}: unfinished");
    for f in &want {
        let a = std::fs::read(reference.join(f)).expect("reference file");
        let b = std::fs::read(dir.join(f)).expect("resumed file");
        assert!(
            a == b,
            "{what}: {f} differs ({} vs {} bytes)",
            a.len(),
            b.len()
        );
    }
}

fn with_out<'a>(args: &[&'a str], out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = args.to_vec();
    // A checkpoint after every batch, so that a kill after a given checkpoint is precise.
    a.extend_from_slice(&[
        "--out",
        out,
        "--quiet",
        "--threads",
        "2",
        "--checkpoint-interval",
        "0",
    ]);
    a.extend_from_slice(extra);
    a
}

/// Starts `polarity ARGS…` without waiting.
fn spawn(s: &Sandbox, args: &[&str]) -> Child {
    s.command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn polarity")
}

/// SIGKILLs `child` (if it is still running) and reaps it.
fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// The `next_run` of the checkpoint in `dir`, if there is a readable one.
fn checkpoint_progress(dir: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join("checkpoint.json")).ok()?;
    let body = text.split_once('\n')?.1;
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    json["next_run"].as_u64()
}

/// Polls until the study in `dir` has checkpointed at least `runs` runs (or has finished),
/// then SIGKILLs it. Gives up after a generous timeout.
fn kill_after(child: Child, dir: &Path, runs: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut child = child;
    while Instant::now() < deadline {
        if checkpoint_progress(dir).is_some_and(|n| n >= runs) {
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    kill(child);
}

/// Runs `args` uninterrupted into `reference`, then for each kill point runs it into a fresh
/// folder, kills it there, resumes it (more than once if a resume is killed too) and checks
/// the bytes.
fn kill_and_resume(s: &Sandbox, args: &[&str], thresholds: &[u64]) {
    s.run(&with_out(args, "reference", &[])).ok();
    let reference = s.path("reference");
    for (i, &runs) in thresholds.iter().enumerate() {
        let out = format!("killed-{i}");
        let child = spawn(s, &with_out(args, &out, &[]));
        kill_after(child, &s.path(&out), runs);
        let dir = s.path(&out);
        // The kill lands within milliseconds of the checkpoint it waited for; every study
        // here has at least a second of runs left after its kill point, so it is unfinished.
        assert!(
            !dir.join("manifest.json").exists(),
            "the study finished before it was killed after {runs} runs"
        );
        assert!(
            checkpoint_progress(&dir).is_some_and(|n| n >= runs),
            "no checkpoint after {runs} runs"
        );
        let resumed = s.run(&with_out(args, &out, &["--resume"]));
        let resumed = resumed.ok();
        assert!(resumed.stderr.is_empty(), "{}", resumed.stderr);
        same_study(&reference, &dir, &format!("killed after {runs} runs"));
    }
}

#[test]
fn a_run_killed_at_checkpoints_resumes_to_identical_bytes() {
    let s = Sandbox::new();
    kill_and_resume(
        &s,
        // baseline: about 0.4 s per batch of 1024 runs on two idle cores, so after the last
        // kill point (4096) two seconds of runs remain.
        &[
            "run", "baseline", "--runs", "8000", "--seed", "11", "--trace", "3",
        ],
        &[1, 2048, 4096],
    );
}

#[test]
fn a_run_killed_at_short_delays_resumes_to_identical_bytes() {
    let s = Sandbox::new();
    let args = [
        "run",
        TINY,
        "--runs",
        "2000",
        "--seed",
        "12",
        "--trace-runs",
        "5,1999",
    ];
    s.run(&with_out(&args, "reference", &[])).ok();
    // A fixed, spread list of delays: before the folder exists, while scenario.ron is
    // written, before and after the first checkpoint, near the end.
    for (i, ms) in [0u64, 2, 6, 15, 40, 100, 250].into_iter().enumerate() {
        let out = format!("delay-{i}");
        let child = spawn(&s, &with_out(&args, &out, &[]));
        std::thread::sleep(Duration::from_millis(ms));
        kill(child);
        s.run(&with_out(&args, &out, &["--resume"])).ok();
        same_study(
            &s.path("reference"),
            &s.path(&out),
            &format!("killed after {ms} ms"),
        );
    }
}

#[test]
fn a_resume_killed_again_still_resumes() {
    let s = Sandbox::new();
    let args = ["run", TINY, "--runs", "6000", "--seed", "13"];
    s.run(&with_out(&args, "reference", &[])).ok();
    let dir = s.path("twice");
    kill_after(spawn(&s, &with_out(&args, "twice", &[])), &dir, 1024);
    let first = checkpoint_progress(&dir).expect("a checkpoint");
    kill_after(
        spawn(&s, &with_out(&args, "twice", &["--resume"])),
        &dir,
        first + 1024,
    );
    s.run(&with_out(&args, "twice", &["--resume"])).ok();
    same_study(&s.path("reference"), &dir, "killed twice");
}

#[test]
fn sweeps_batches_shards_and_precision_resume_too() {
    let s = Sandbox::new();
    let design = s.write(
        "design.csv",
        "technology.utilization,outcome.threshold\n0.45,30\n0.3,29.5\n0.4,31\n",
    );
    for (name, args, kill_at) in [
        (
            "sweep",
            vec![
                "sweep",
                TINY,
                "--set",
                "policy.rules[controls].enforcement=0.2,0.9",
                "--runs",
                "6000",
                "--seed",
                "3",
            ],
            1,
        ),
        (
            "batch",
            vec![
                "batch",
                TINY,
                "--design",
                design.as_str(),
                "--runs",
                "4000",
                "--seed",
                "5",
            ],
            1,
        ),
        (
            "shard",
            vec![
                "run", TINY, "--runs", "18000", "--seed", "6", "--shard", "2/3",
            ],
            1,
        ),
        (
            "precision",
            // After the pilot (runs 0..1000), so that the checkpoint holds the run count
            // the pilot chose.
            vec![
                "run",
                TINY,
                "--runs",
                "40000",
                "--precision",
                "0.007",
                "--seed",
                "8",
            ],
            1001,
        ),
    ] {
        let sub = Sandbox::new();
        if name != "precision" {
            kill_and_resume(&sub, &args, &[kill_at]);
            continue;
        }
        // Killed after the pilot chose the run count: the checkpoint holds that count, and
        // the resumed study keeps to it.
        sub.run(&with_out(&args, "reference", &[])).ok();
        let dir = sub.path("killed");
        kill_after(spawn(&sub, &with_out(&args, "killed", &[])), &dir, kill_at);
        // The pilot asks for about 18,700 runs: two seconds are left after the kill.
        assert!(!dir.join("manifest.json").exists(), "precision: unfinished");
        let text = std::fs::read_to_string(dir.join("checkpoint.json")).unwrap();
        assert!(text.contains("\"precision_plan\":["), "{}", &text[..300]);
        sub.run(&with_out(&args, "killed", &["--resume"])).ok();
        same_study(&sub.path("reference"), &dir, "precision");
    }
}

#[test]
fn resume_without_a_checkpoint_starts_and_on_a_finished_study_does_nothing() {
    let s = Sandbox::new();
    let args = ["run", TINY, "--runs", "500", "--seed", "2"];
    s.run(&with_out(&args, "reference", &[])).ok();
    // No folder at all.
    s.run(&with_out(&args, "fresh", &["--resume"])).ok();
    same_study(&s.path("reference"), &s.path("fresh"), "fresh start");
    // A finished study: nothing is rewritten, not even the manifest.
    let manifest = std::fs::read(s.path("fresh/manifest.json")).unwrap();
    let out = s.run(&with_out(&args, "fresh", &["--resume"])).ok();
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(s.path("fresh/manifest.json")).unwrap(),
        manifest
    );
    // With --json it prints the finished study's summary.json.
    let out = s
        .run(&with_out(&args, "fresh", &["--resume", "--json"]))
        .ok();
    assert_eq!(out.stdout, s.read("fresh/summary.json"));
    // Without --quiet it says so.
    let out = s
        .run(&[
            "run", TINY, "--runs", "500", "--seed", "2", "--out", "fresh", "--resume",
        ])
        .ok();
    assert!(out.stderr.contains("already finished"), "{}", out.stderr);
    // An empty folder, and a folder left by a study killed before its first checkpoint.
    std::fs::create_dir(s.path("empty")).unwrap();
    s.run(&with_out(&args, "empty", &["--resume"])).ok();
    same_study(&s.path("reference"), &s.path("empty"), "empty folder");
    std::fs::create_dir(s.path("early")).unwrap();
    std::fs::write(s.path("early/scenario.ron.partial"), "(name: \"half").unwrap();
    std::fs::write(s.path("early/notes.txt"), "mine").unwrap();
    s.run(&with_out(&args, "early", &["--resume"])).ok();
    assert_eq!(
        std::fs::read_to_string(s.path("early/notes.txt")).unwrap(),
        "mine"
    );
    std::fs::remove_file(s.path("early/notes.txt")).unwrap();
    same_study(
        &s.path("reference"),
        &s.path("early"),
        "killed before a checkpoint",
    );
}

/// Leaves an interrupted study (with a checkpoint) in `dir`.
fn interrupted(s: &Sandbox, args: &[&str], dir: &str) {
    kill_after(spawn(s, &with_out(args, dir, &[])), &s.path(dir), 1024);
    assert!(
        !s.path(dir).join("manifest.json").exists(),
        "the study finished before it was killed"
    );
}

#[test]
fn resume_refuses_another_study_with_exit_2() {
    let s = Sandbox::new();
    let args = [
        "run", TINY, "--runs", "8000", "--seed", "21", "--trace", "2",
    ];
    interrupted(&s, &args, "d");
    let checkpoint = std::fs::read(s.path("d/checkpoint.json")).unwrap();
    for (changed, needle) in [
        (
            vec![
                "run", TINY, "--runs", "8000", "--seed", "22", "--trace", "2",
            ],
            "seed 21 (now 22)",
        ),
        (
            vec![
                "run", TINY, "--runs", "9000", "--seed", "21", "--trace", "2",
            ],
            "runs 8000 (now 9000)",
        ),
        (
            vec![
                "run", TINY, "--runs", "8000", "--seed", "21", "--trace", "3",
            ],
            "--trace 2 (now 3)",
        ),
        (
            vec![
                "run", "baseline", "--runs", "8000", "--seed", "21", "--trace", "2",
            ],
            "scenario tiny",
        ),
        (
            vec![
                "run",
                TINY,
                "--runs",
                "8000",
                "--seed",
                "21",
                "--trace",
                "2",
                "--set",
                "outcome.threshold=31",
            ],
            "scenario tiny (hash",
        ),
        (
            vec![
                "sweep",
                TINY,
                "--set",
                "outcome.threshold=30,31",
                "--runs",
                "8000",
                "--seed",
                "21",
                "--trace",
                "2",
            ],
            "command run (now sweep)",
        ),
    ] {
        let out = s.run(&with_out(&changed, "d", &["--resume"])).code(2);
        assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
        assert!(out.stderr.contains(needle), "{changed:?}: {}", out.stderr);
        assert!(out.stderr.contains("checkpoint"), "{}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        // The checkpoint is untouched.
        assert_eq!(
            std::fs::read(s.path("d/checkpoint.json")).unwrap(),
            checkpoint
        );
    }
    // --resume with --force, and --resume without --out, are contradictions.
    let out = s
        .run(&with_out(&args, "d", &["--resume", "--force"]))
        .code(2);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    let out = s.run(&["run", TINY, "--runs", "10", "--resume"]).code(2);
    assert!(out.stderr.contains("--out"), "{}", out.stderr);
    for bad in ["-1", "NaN", "1e9"] {
        let flag = format!("--checkpoint-interval={bad}");
        let out = s.run(&["run", TINY, "--runs", "10", &flag]).code(2);
        assert!(
            out.stderr
                .contains("--checkpoint-interval must be between 0 and 86400"),
            "{bad}: {}",
            out.stderr
        );
    }
    // The right command still resumes.
    s.run(&with_out(&args, "d", &["--resume"])).ok();
    s.run(&with_out(&args, "reference", &[])).ok();
    same_study(&s.path("reference"), &s.path("d"), "after refusals");
    assert!(
        !s.path("d/checkpoint.json").exists(),
        "removed when finished"
    );
    // Finished: the fingerprint in manifest.json decides.
    let manifest = std::fs::read(s.path("d/manifest.json")).unwrap();
    for (changed, needle) in [
        (
            vec![
                "run", TINY, "--runs", "8000", "--seed", "23", "--trace", "2",
            ],
            "seed 21 (now 23)",
        ),
        (
            vec![
                "run", TINY, "--runs", "8000", "--seed", "21", "--trace", "3",
            ],
            "other inputs differ",
        ),
    ] {
        let out = s.run(&with_out(&changed, "d", &["--resume"])).code(2);
        assert!(out.stderr.contains("finished study"), "{}", out.stderr);
        assert!(out.stderr.contains(needle), "{changed:?}: {}", out.stderr);
    }
    s.run(&with_out(&args, "d", &["--resume"])).ok();
    assert_eq!(std::fs::read(s.path("d/manifest.json")).unwrap(), manifest);
}

#[test]
fn a_damaged_checkpoint_or_partial_file_is_refused() {
    let s = Sandbox::new();
    let args = ["run", TINY, "--runs", "8000", "--seed", "31"];
    interrupted(&s, &args, "a");
    // One byte of the checkpoint changed.
    let path = s.path("a/checkpoint.json");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let out = s.run(&with_out(&args, "a", &["--resume"])).code(2);
    assert!(out.stderr.contains("checksum"), "{}", out.stderr);
    // Not a checkpoint at all.
    std::fs::write(&path, "{}").unwrap();
    let out = s.run(&with_out(&args, "a", &["--resume"])).code(2);
    assert!(
        out.stderr.contains("not a polarity checkpoint"),
        "{}",
        out.stderr
    );

    // A partial file changed under the checkpoint, or cut short.
    interrupted(&s, &args, "b");
    let runs = s.path("b/runs.csv.partial");
    let mut bytes = std::fs::read(&runs).unwrap();
    bytes[100] = b'#';
    std::fs::write(&runs, &bytes).unwrap();
    let out = s.run(&with_out(&args, "b", &["--resume"])).code(2);
    assert!(out.stderr.contains("runs.csv.partial"), "{}", out.stderr);
    assert!(out.stderr.contains("does not match"), "{}", out.stderr);
    interrupted(&s, &args, "c");
    let runs = s.path("c/runs.csv.partial");
    let f = std::fs::OpenOptions::new().write(true).open(&runs).unwrap();
    f.set_len(10).unwrap();
    let out = s.run(&with_out(&args, "c", &["--resume"])).code(2);
    assert!(out.stderr.contains("runs.csv.partial"), "{}", out.stderr);
    // --force starts over.
    s.run(&with_out(&args, "c", &["--force"])).ok();
    s.run(&with_out(&args, "reference", &[])).ok();
    same_study(
        &s.path("reference"),
        &s.path("c"),
        "forced over a damaged study",
    );
}

#[cfg(unix)]
#[test]
fn an_io_failure_never_damages_the_last_checkpoint() {
    let s = Sandbox::new();
    let args = ["run", TINY, "--runs", "8000", "--seed", "41"];
    // 2048 blocks = 1 MiB: a few batches of runs.csv fit, then the write fails.
    let out = run_with_file_size_limit(&s, 2048, &with_out(&args, "full", &[])).code(1);
    assert!(out.stderr.contains("too large"), "{}", out.stderr);
    let dir = s.path("full");
    assert!(!dir.join("runs.csv").exists() && !dir.join("manifest.json").exists());
    let progress = checkpoint_progress(&dir).expect("the last checkpoint is readable");
    assert!((1..8000).contains(&progress), "{progress}");
    // With room again, the study resumes from it to the very bytes of an uninterrupted one.
    s.run(&with_out(&args, "full", &["--resume"])).ok();
    s.run(&with_out(&args, "reference", &[])).ok();
    same_study(&s.path("reference"), &dir, "after a full disk");
}
