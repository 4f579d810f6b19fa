//! Failure modes (issue 8): unwritable folders, full disks, closed or full stdout, every class
//! of bad argument, and resource limits checked before any work starts.
//!
//! A full disk is simulated two ways: a file-size limit (`ulimit -f`, with SIGXFSZ ignored so
//! that the write fails with EFBIG instead of killing the process), which works anywhere; and,
//! when the tests run as root, a real tiny tmpfs mounted for the test (ENOSPC). Either way the
//! study must stop with exit code 1 and a readable error naming the file, and leave no final
//! file that looks complete: `runs.csv`, `summary.json` and `manifest.json` must be absent,
//! only `.partial` files (and a complete `scenario.ron` and the last `checkpoint.json`) may
//! remain.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Outcome, Sandbox, TINY, run_with_file_size_limit};

/// Asserts a readable error: starts with `error:`, no panic, no backtrace, no debug dump.
#[track_caller]
fn assert_readable(what: &str, stderr: &str) {
    assert!(stderr.starts_with("error: "), "{what}: {stderr}");
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack backtrace",
        "internal error",
        "Os {",
        "Error {",
        "kind:",
    ] {
        assert!(!stderr.contains(bad), "{what}: {bad:?} in {stderr}");
    }
    assert!(
        stderr.len() < 4_000,
        "{what}: {} bytes of error",
        stderr.len()
    );
}

/// Runs the binary with backtraces switched on, so any panic would show one.
fn run_loud(s: &Sandbox, args: &[OsString]) -> Outcome {
    let out = s
        .command()
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run polarity");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// The files left in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// After a failed study in `dir`: no complete-looking result file.
#[track_caller]
fn nothing_looks_complete(dir: &Path) {
    let files = listing(dir);
    for name in [
        "runs.csv",
        "trajectories.csv",
        "summary.json",
        "manifest.json",
    ] {
        assert!(
            !files.iter().any(|f| f == name),
            "{name} left behind: {files:?}"
        );
    }
    for f in &files {
        assert!(
            f.ends_with(".partial") || f == "scenario.ron" || f == "checkpoint.json",
            "unexpected file {f} in {files:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Unwritable folders
// ---------------------------------------------------------------------------------------------

#[test]
fn unwritable_output_folders_exit_1() {
    let s = Sandbox::new();
    s.write("file", "not a folder");
    let mut outs = vec![
        "file/sub".to_string(),
        "/dev/full/x".to_string(),
        "/dev/null/out".to_string(),
    ];
    if cfg!(target_os = "linux") {
        // Not even root may create a folder in /proc.
        outs.push("/proc/polarity-robustness/out".to_string());
    }
    for out_dir in &outs {
        let out = run_loud(&s, &os(&["run", TINY, "--runs", "5", "--out", out_dir])).code(1);
        assert_readable(out_dir, &out.stderr);
        assert!(out.stderr.contains(out_dir.as_str()), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_final_name_taken_by_a_folder_fails_cleanly() {
    // `--force` removes stale study files but never folders; the rename onto a folder named
    // `summary.json` fails, after runs.csv is complete.
    let s = Sandbox::new();
    std::fs::create_dir_all(s.path("out/summary.json")).unwrap();
    let out = run_loud(
        &s,
        &os(&["run", TINY, "--runs", "20", "--out", "out", "--force", "-q"]),
    )
    .code(1);
    assert_readable("rename onto a folder", &out.stderr);
    assert!(out.stderr.contains("summary.json"), "{}", out.stderr);
    assert!(!s.path("out/manifest.json").exists());
}

// ---------------------------------------------------------------------------------------------
// Full disks
// ---------------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn a_file_size_limit_mid_study_exits_1_and_leaves_only_partial_files() {
    let s = Sandbox::new();
    // 32 blocks = 16 KiB: scenario.ron (about 6 KB) fits, runs.csv does not.
    let out = run_with_file_size_limit(
        &s,
        32,
        &["run", TINY, "--runs", "3000", "--out", "out", "-q"],
    )
    .code(1);
    assert_readable("ulimit -f", &out.stderr);
    assert!(out.stderr.contains("runs.csv.partial"), "{}", out.stderr);
    assert!(out.stderr.contains("too large"), "{}", out.stderr);
    nothing_looks_complete(&s.path("out"));
    assert!(s.path("out/runs.csv.partial").exists());
    // What was renamed into place is complete: scenario.ron reads back.
    let again = s
        .run(&["validate", &s.path("out/scenario.ron").to_string_lossy()])
        .ok();
    assert!(again.stdout.starts_with("ok:"), "{}", again.stdout);

    // Traced: trajectories.csv is the file that overflows.
    let out = run_with_file_size_limit(
        &s,
        256,
        &[
            "run", TINY, "--runs", "50", "--trace", "50", "--out", "traced", "-q",
        ],
    )
    .code(1);
    assert_readable("ulimit -f, traced", &out.stderr);
    assert!(out.stderr.contains(".partial"), "{}", out.stderr);
    nothing_looks_complete(&s.path("traced"));

    // So small that even scenario.ron does not fit.
    let out = run_with_file_size_limit(&s, 2, &["run", TINY, "--runs", "5", "--out", "tiny-limit"])
        .code(1);
    assert_readable("ulimit -f 2", &out.stderr);
    assert!(
        out.stderr.contains("scenario.ron.partial"),
        "{}",
        out.stderr
    );
    nothing_looks_complete(&s.path("tiny-limit"));
    assert!(!s.path("tiny-limit/scenario.ron").exists());
}

/// A tmpfs of `kib` KiB mounted at `dir` for as long as the guard lives (root only).
struct TinyDisk(PathBuf);

impl TinyDisk {
    fn mount(dir: &Path, kib: u64) -> Option<TinyDisk> {
        if !cfg!(target_os = "linux") {
            return None;
        }
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| TinyDisk(dir.to_path_buf()))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_exits_1_and_leaves_only_partial_files() {
    let s = Sandbox::new();
    let Some(disk) = TinyDisk::mount(&s.path("disk"), 64) else {
        eprintln!("skipped: cannot mount a tmpfs here (not root?); the ulimit test covers it");
        return;
    };
    let out = run_loud(
        &s,
        &[
            OsString::from("run"),
            OsString::from(TINY),
            OsString::from("--runs"),
            OsString::from("5000"),
            OsString::from("--out"),
            disk.0.join("out").into_os_string(),
            OsString::from("-q"),
        ],
    )
    .code(1);
    assert_readable("full tmpfs", &out.stderr);
    assert!(
        out.stderr.contains("No space left on device"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(".partial"), "{}", out.stderr);
    nothing_looks_complete(&disk.0.join("out"));

    // A disk too small for anything but the folder.
    drop(disk);
    let Some(disk) = TinyDisk::mount(&s.path("disk4"), 4) else {
        return;
    };
    let out = run_loud(
        &s,
        &[
            OsString::from("run"),
            OsString::from(TINY),
            OsString::from("--runs"),
            OsString::from("5"),
            OsString::from("--out"),
            disk.0.join("out").into_os_string(),
        ],
    )
    .code(1);
    assert_readable("4k tmpfs", &out.stderr);
    nothing_looks_complete(&disk.0.join("out"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_exits_1() {
    let s = Sandbox::new();
    for args in [
        vec!["show", "baseline"],
        vec!["scenarios"],
        vec!["validate", TINY],
        vec!["run", TINY, "--runs", "5"],
        vec!["run", TINY, "--runs", "5", "--json"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = s
            .command()
            .args(&args)
            .env("RUST_BACKTRACE", "1")
            .stdout(full)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_readable(&format!("{args:?}"), &stderr);
        assert!(stderr.contains("standard output"), "{args:?}: {stderr}");
    }
}

// ---------------------------------------------------------------------------------------------
// Closed stdout
// ---------------------------------------------------------------------------------------------

#[test]
fn a_stdout_closed_before_the_start_exits_0_quietly() {
    let s = Sandbox::new();
    for args in [
        vec!["show", "baseline"],
        vec!["scenarios"],
        vec!["validate", TINY, "baseline"],
        vec!["run", TINY, "--runs", "50"],
        vec!["run", TINY, "--runs", "50", "--json"],
        vec!["run", TINY, "--runs", "50", "--out", "closed", "--force"],
        vec!["--help"],
        vec!["run", "--help"],
        vec!["--version"],
    ] {
        // The reading end is closed before the child starts: its first write gets EPIPE.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = s
            .command()
            .args(&args)
            .env("RUST_BACKTRACE", "1")
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The study with --out still wrote its files: a closed pipe loses only the table.
    assert!(s.path("closed/manifest.json").exists());
}

// ---------------------------------------------------------------------------------------------
// Bad arguments
// ---------------------------------------------------------------------------------------------

#[test]
fn every_class_of_bad_argument_exits_2_readably() {
    let s = Sandbox::new();
    s.write("file", "x");
    std::fs::create_dir(s.path("full")).unwrap();
    s.write("full/notes.txt", "keep");
    std::fs::create_dir(s.path("a-folder")).unwrap();
    s.write("empty.ron", "");
    s.write("binary.ron", "\u{0}\u{1}\u{2}(");
    // Just under the largest single argument Linux passes (128 KiB).
    let long = "x".repeat(100_000);
    let cases: Vec<Vec<&str>> = vec![
        // Commands and flags.
        vec!["frobnicate"],
        vec!["run", TINY, "--no-such-flag"],
        vec!["run", TINY, "-z"],
        vec!["run", TINY, "--runs"],
        vec!["run", TINY, "extra-positional"],
        vec!["validate"],
        vec!["show"],
        // Numbers.
        vec!["run", TINY, "--runs", "ten"],
        vec!["run", TINY, "--runs", "-1"],
        vec!["run", TINY, "--runs", "1e3"],
        vec!["run", TINY, "--runs", "1.5"],
        vec!["run", TINY, "--runs", "0"],
        vec!["run", TINY, "--runs", "99999999999999999999999"],
        vec!["run", TINY, "--runs", ""],
        vec!["run", TINY, "--seed", "18446744073709551616"],
        vec!["run", TINY, "--seed", "-5"],
        vec!["run", TINY, "--threads", "0"],
        vec!["run", TINY, "--threads", "100000"],
        vec!["run", TINY, "--threads", "many"],
        vec!["run", TINY, "--precision", "0"],
        vec!["run", TINY, "--precision", "0.5"],
        vec!["run", TINY, "--precision", "-0.1"],
        vec!["run", TINY, "--precision", "NaN"],
        vec!["run", TINY, "--precision", "inf"],
        vec!["run", TINY, "--precision", "0.01x"],
        // Tracing.
        vec!["run", TINY, "--trace", "3"],
        vec!["run", TINY, "--trace", "-3", "--out", "o1"],
        vec!["run", TINY, "--trace-runs", "1,,2", "--out", "o2"],
        vec!["run", TINY, "--trace-runs", "a", "--out", "o3"],
        vec![
            "run",
            TINY,
            "--runs",
            "10",
            "--trace-runs",
            "10",
            "--out",
            "o4",
        ],
        // Scenarios.
        vec!["run", "no-such-scenario"],
        vec!["run", ""],
        vec!["run", "a-folder"],
        vec!["run", "empty.ron"],
        vec!["run", "binary.ron"],
        vec!["run", &long],
        vec!["validate", "no-such.ron"],
        vec!["show", "no-such"],
        // Overrides.
        vec!["run", TINY, "--set", "missing-equals"],
        vec!["run", TINY, "--set", "=1"],
        vec!["run", TINY, "--set", "no_such.field=1"],
        vec!["run", TINY, "--set", "technology.utilization=NaN"],
        vec!["run", TINY, "--set", "technology.utilization=1e999"],
        vec![
            "run",
            TINY,
            "--set",
            "technology.utilization=[[[[[[[[[[[[[[[[",
        ],
        vec!["run", TINY, "--set", "study.horizon_year=1800"],
        vec!["run", TINY, "--set", "study.runs=2000000000"],
        vec![
            "run",
            TINY,
            "--set",
            "study.steps_per_year=365",
            "--set",
            "study.horizon_year=2500",
        ],
        // Output folders.
        vec!["run", TINY, "--runs", "5", "--out", "file"],
        vec!["run", TINY, "--runs", "5", "--out", "full"],
    ];
    for args in &cases {
        let out = run_loud(&s, &os(args));
        let what = format!(
            "{:?}",
            args.iter()
                .map(|a| &a[..a.len().min(40)])
                .collect::<Vec<_>>()
        );
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        assert!(out.stderr.starts_with("error"), "{what}: {}", out.stderr);
        for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
            assert!(!out.stderr.contains(bad), "{what}: {}", out.stderr);
        }
        assert!(out.stdout.is_empty(), "{what}: {}", out.stdout);
        // Long arguments are not echoed in full.
        assert!(
            out.stderr.len() < 8_000,
            "{what}: {} bytes",
            out.stderr.len()
        );
    }
    // No command at all: the usage, on stderr, with exit code 2.
    let out = run_loud(&s, &[]).code(2);
    assert!(
        out.stderr.contains("Usage: polarity <COMMAND>"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    // Nothing was created by refused studies, and the non-empty folder was left alone.
    for dir in ["o1", "o2", "o3", "o4"] {
        assert!(listing(&s.path(dir)).is_empty(), "{dir}");
    }
    assert_eq!(listing(&s.path("full")), ["notes.txt"]);
}

#[cfg(unix)]
#[test]
fn arguments_that_are_not_utf8_exit_2() {
    use std::os::unix::ffi::OsStringExt;
    let s = Sandbox::new();
    let bad = OsString::from_vec(vec![b'x', 0xff, 0xfe, b'y']);
    for args in [
        vec![OsString::from("run"), bad.clone()],
        vec![
            OsString::from("run"),
            OsString::from(TINY),
            OsString::from("--set"),
            bad.clone(),
        ],
        vec![
            OsString::from("run"),
            OsString::from(TINY),
            OsString::from("--runs"),
            bad.clone(),
        ],
        vec![OsString::from("validate"), bad.clone()],
    ] {
        let out = run_loud(&s, &args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.starts_with("error"), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// Resource limits
// ---------------------------------------------------------------------------------------------

#[test]
fn scenario_limits_are_enforced_before_any_work_starts() {
    let s = Sandbox::new();
    // Each would take hours or gigabytes if it were started; each is refused at once, and no
    // output folder is created.
    let big = s.path("big.ron");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(17 * 1024 * 1024))
        .expect("sparse file");
    let big = big.to_string_lossy().into_owned();
    for (args, needle) in [
        (
            vec!["run", big.as_str(), "--out", "o-big"],
            "more than the limit",
        ),
        (
            vec![
                "run",
                TINY,
                "--set",
                "study.steps_per_year=365",
                "--set",
                "study.horizon_year=2100",
                "--out",
                "o-steps",
            ],
            "10000",
        ),
        (
            vec![
                "run",
                TINY,
                "--set",
                "study.steps_per_year=366",
                "--out",
                "o-spy",
            ],
            "steps_per_year",
        ),
        (
            vec![
                "run",
                TINY,
                "--set",
                "study.runs=1000000001",
                "--out",
                "o-runs",
            ],
            "runs",
        ),
    ] {
        let start = Instant::now();
        let out = run_loud(&s, &os(&args)).code(2);
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{args:?} was slow"
        );
        assert_readable(&format!("{args:?}"), &out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
        let dir = args.last().expect("out dir");
        assert!(!s.path(dir).exists(), "{dir} was created");
    }
}

#[test]
fn user_text_in_error_messages_is_escaped() {
    // An id with a line break and a terminal escape sequence must not forge output lines.
    let s = Sandbox::new();
    let source = s.run(&["show", TINY]).ok().stdout.replacen(
        "(id: \"us\"),",
        "(id: \"us\\nok: forged.ron (scenario x)\\u{1b}[2J\"),",
        1,
    );
    let bad = s.write("forged.ron", &source);
    let out = run_loud(&s, &os(&["validate", &bad])).code(2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        !out.stderr.lines().any(|l| l.starts_with("ok:")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(out.stderr.contains("\\n"), "{}", out.stderr);
    let out = run_loud(&s, &os(&["run", &bad])).code(2);
    assert_readable("forged id", &out.stderr);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
}

#[test]
fn run_and_trace_limits_are_enforced_before_any_work_starts() {
    let s = Sandbox::new();
    // A world of 300 extra labs on daily steps: about 3 million trajectory rows per run.
    let tiny = s.run(&["show", TINY]).ok().stdout;
    let lab = "(id: \"x{i}\", nation: \"xc\", funding_usd_per_year: 1e8, \
               funding_growth_per_year: 1.5, revenue_usd_per_year: 1e7, fleet_h100e: 100, \
               reinvest_share: 0.5, algo_efficiency: 0.5, training_share: 0.2, cash_usd: 0),";
    let labs: String = (0..300)
        .map(|i| lab.replace("{i}", &i.to_string()))
        .collect();
    let big = s.write(
        "many-labs.ron",
        &tiny.replacen("firms: [", &format!("firms: [{labs}"), 1),
    );
    let daily = [
        "--set",
        "study.steps_per_year=365",
        "--set",
        "study.horizon_year=2050",
    ];
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["run", TINY, "--runs", "1000000001", "--out", "o-runs"],
            "o-runs",
            "more than the limit of 1000000000 runs",
        ),
        (
            vec![
                "run",
                TINY,
                "--runs",
                "18446744073709551615",
                "--out",
                "o-max",
            ],
            "o-max",
            "more than the limit",
        ),
        (
            [
                &[
                    "run", TINY, "--runs", "1000", "--trace", "1000", "--out", "o-trace",
                ][..],
                &daily[..],
            ]
            .concat(),
            "o-trace",
            "rows of trajectories.csv",
        ),
        (
            [
                &[
                    "run",
                    big.as_str(),
                    "--runs",
                    "2",
                    "--trace",
                    "1",
                    "--out",
                    "o-run",
                ][..],
                &daily[..],
            ]
            .concat(),
            "o-run",
            "one traced run",
        ),
    ];
    for (args, dir, needle) in cases {
        let start = Instant::now();
        let out = run_loud(&s, &os(&args)).code(2);
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{args:?} was slow"
        );
        assert_readable(&format!("{args:?}"), &out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
        assert!(!s.path(dir).exists(), "{dir} was created");
    }
    // Inside the limits, tracing works.
    run_loud(
        &s,
        &os(&[
            "run", TINY, "--runs", "3", "--trace", "3", "--out", "o-ok", "-q",
        ]),
    )
    .ok();
}
