//! Exit codes and messages: bad input exits 2 naming what to fix, failures while running
//! exit 1, a closed stdout exits 0 quietly; never a panic or a debug dump.

use std::process::Stdio;

use crate::support::{Sandbox, TINY, tiny_with};

/// Asserts a readable error: one `error:` paragraph, no panic, no debug output.
#[track_caller]
fn assert_readable(stderr: &str) {
    assert!(stderr.starts_with("error: "), "{stderr}");
    for bad in ["panicked", "RUST_BACKTRACE", "Os {", "Error {", "Some("] {
        assert!(!stderr.contains(bad), "{bad:?} in {stderr}");
    }
}

#[test]
fn a_bad_scenario_file_exits_2_and_names_the_field() {
    let s = Sandbox::new();
    let bad = s.write("bad.ron", &tiny_with(&s, "reinvest_share", "7.5"));
    let out = s.run(&["run", &bad, "--runs", "10"]).code(2);
    assert_readable(&out.stderr);
    assert!(out.stderr.contains("reinvest_share"), "{}", out.stderr);
    assert!(out.stderr.contains("bad.ron"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn a_misspelt_field_is_reported_with_its_line() {
    let s = Sandbox::new();
    let source = s
        .run(&["show", TINY])
        .ok()
        .stdout
        .replacen("reinvest_share", "reinvest_shar", 1);
    let bad = s.write("typo.ron", &source);
    let out = s.run(&["run", &bad]).code(2);
    assert_readable(&out.stderr);
    assert!(out.stderr.contains("reinvest_shar"), "{}", out.stderr);
    assert!(out.stderr.contains("typo.ron:"), "{}", out.stderr);
}

#[test]
fn a_bad_override_exits_2() {
    let s = Sandbox::new();
    for set in [
        "no_such.field=1",
        "technology.utilization=oops",
        "missing-equals",
    ] {
        let out = s.run(&["run", TINY, "--runs", "5", "--set", set]).code(2);
        assert_readable(&out.stderr);
    }
}

#[test]
fn bad_arguments_exit_2() {
    let s = Sandbox::new();
    for args in [
        vec!["run", TINY, "--runs", "0"],
        vec!["run", TINY, "--runs", "ten"],
        vec!["run", TINY, "--no-such-flag"],
        vec!["run", TINY, "--precision", "0"],
        vec!["run", TINY, "--precision", "2"],
        vec!["run", TINY, "--threads", "0"],
        vec!["run", TINY, "--trace", "3"],
        vec![
            "run",
            TINY,
            "--runs",
            "10",
            "--trace-runs",
            "10",
            "--out",
            "o",
        ],
        vec!["run", "no-such-scenario"],
        vec!["frobnicate"],
    ] {
        let out = s.run(&args).code(2);
        assert!(out.stderr.starts_with("error"), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
    }
    // Nothing was created for the refused --trace-runs study.
    assert!(!s.path("o").exists() || std::fs::read_dir(s.path("o")).unwrap().count() == 0);
}

#[test]
fn an_existing_output_folder_needs_force() {
    let s = Sandbox::new();
    std::fs::create_dir(s.path("out")).unwrap();
    std::fs::write(s.path("out/notes.txt"), "keep me").unwrap();
    std::fs::write(s.path("out/trajectories.csv"), "stale").unwrap();
    let out = s
        .run(&["run", TINY, "--runs", "20", "--out", "out"])
        .code(2);
    assert_readable(&out.stderr);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert!(!s.path("out/summary.json").exists());

    s.run(&[
        "run", TINY, "--runs", "20", "--out", "out", "--force", "--quiet",
    ])
    .ok();
    assert!(s.path("out/summary.json").exists());
    assert_eq!(s.read("out/notes.txt"), "keep me");
    assert!(
        !s.path("out/trajectories.csv").exists(),
        "stale study files are removed"
    );
    // An empty existing folder is fine without --force.
    std::fs::create_dir(s.path("empty")).unwrap();
    s.run(&["run", TINY, "--runs", "20", "--out", "empty", "--quiet"])
        .ok();
}

#[test]
fn an_unwritable_output_folder_exits_1() {
    let s = Sandbox::new();
    s.write("file", "not a folder");
    let out = s
        .run(&["run", TINY, "--runs", "5", "--out", "file/sub"])
        .code(1);
    assert_readable(&out.stderr);
    assert!(out.stderr.contains("file/sub"), "{}", out.stderr);
}

#[test]
fn a_closed_stdout_exits_0_quietly() {
    let s = Sandbox::new();
    for args in [
        vec!["run", TINY, "--runs", "200"],
        vec!["run", TINY, "--runs", "200", "--json"],
        vec!["show", "baseline"],
    ] {
        let mut child = s
            .command()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the child writes, as `| head -0` would.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
