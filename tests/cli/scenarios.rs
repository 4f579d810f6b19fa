//! `polarity validate`, `polarity scenarios`, `polarity show` and the help texts.

use crate::support::{Sandbox, TINY, tiny_with};

#[test]
fn scenarios_lists_the_embedded_scenarios() {
    let s = Sandbox::new();
    let out = s.run(&["scenarios"]).ok().stdout;
    let names: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains(&"baseline"), "{out}");
    assert!(names.contains(&TINY), "{out}");
    assert!(
        out.lines().all(|l| l.split_whitespace().count() > 1),
        "each has a description"
    );
}

#[test]
fn show_prints_ron_that_validates() {
    let s = Sandbox::new();
    for name in ["baseline", TINY] {
        let ron = s.run(&["show", name]).ok().stdout;
        let file = s.write(&format!("{name}.ron"), &ron);
        let out = s.run(&["validate", &file]).ok();
        assert!(out.stdout.starts_with("ok: "), "{}", out.stdout);
    }
    let out = s.run(&["show", "no-such"]).code(2);
    assert!(
        out.stderr.contains("baseline"),
        "names the embedded scenarios: {}",
        out.stderr
    );
}

#[test]
fn validate_reports_every_bad_file_and_exits_2() {
    let s = Sandbox::new();
    let good = s.write("good.ron", &s.run(&["show", TINY]).ok().stdout);
    let bad = s.write("bad.ron", &tiny_with(&s, "reinvest_share", "-3"));
    s.run(&["validate", &good]).ok();
    let out = s.run(&["validate", &good, &bad]).code(2);
    assert!(out.stdout.contains("ok: "), "{}", out.stdout);
    assert!(out.stderr.contains("bad.ron"), "{}", out.stderr);
    assert!(out.stderr.contains("reinvest_share"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"));
    s.run(&["validate"]).code(2);
}

#[test]
fn help_and_version_exit_0() {
    let s = Sandbox::new();
    let help = s.run(&["run", "--help"]).ok().stdout;
    for flag in [
        "--runs",
        "--seed",
        "--threads",
        "--out",
        "--force",
        "--trace",
        "--trace-runs",
        "--set",
        "--precision",
        "--quiet",
        "--json",
    ] {
        assert!(help.contains(flag), "{flag} missing from help");
    }
    let version = s.run(&["--version"]).ok().stdout;
    assert!(version.contains(env!("CARGO_PKG_VERSION")));
}

/// Every `--set 'PATH=VALUE'` example in docs/cli.md and in `polarity run --help` applies
/// cleanly to the baseline, so the documented paths exist; a sweep's `PATH=V1,V2` applies
/// each of its values.
#[test]
fn documented_overrides_resolve() {
    let s = Sandbox::new();
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md"))
        .expect("docs/cli.md");
    let help = s.run(&["run", "--help"]).ok().stdout;
    let mut examples = Vec::new();
    for text in [docs.as_str(), help.as_str()] {
        for (i, _) in text.match_indices("--set ") {
            let rest = &text[i + "--set ".len()..];
            let value = match rest.strip_prefix('\'') {
                Some(quoted) => quoted.split('\'').next().unwrap_or(""),
                None => rest.split_whitespace().next().unwrap_or(""),
            };
            if value.contains('=') && !value.contains("PATH") {
                examples.push(value.to_string());
            }
        }
    }
    assert!(examples.len() >= 5, "found {examples:?}");
    let baseline = polarity_scenario::load("baseline").unwrap().scenario;
    for example in examples {
        let (path, values) = example.split_once('=').unwrap();
        for value in polarity_scenario::dist::split_top_level(values) {
            let mut scenario = baseline.clone();
            polarity_scenario::apply_overrides(&mut scenario, &[format!("{path}={value}")])
                .unwrap_or_else(|e| panic!("{example}: {e}"));
        }
    }
}
