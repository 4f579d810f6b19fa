//! Fuzz target: the scenario parser and validator, `--set` overrides, and what a valid
//! scenario feeds (canonical RON, hash, sampling). The model is not run here: its numerical
//! hygiene is tested by `crates/model/tests/extremes.rs` and `crates/scenario/tests/hostile.rs`,
//! and running it would make coverage measure the model's arithmetic rather than the reader.
//!
//! Input: scenario text, then zero or more override assignments (`PATH=VALUE`), separated by
//! NUL bytes. When the text is not a valid scenario, the overrides are applied to the
//! embedded `tiny` scenario instead, so override parsing is fuzzed on every input.
//!
//! Oracles besides "never panics": an error carries at least one error-class problem; a
//! failed override leaves the scenario unchanged; a valid scenario's canonical RON parses back
//! to the same scenario; every sampled value is finite; a problem prints as one line.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use polarity_scenario::{self as sc, Problem, ScenarioFile};

fn tiny() -> &'static ScenarioFile {
    static TINY: OnceLock<ScenarioFile> = OnceLock::new();
    TINY.get_or_init(|| {
        sc::load("tiny")
            .expect("the embedded tiny scenario is valid")
            .scenario
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let source = parts.next().unwrap_or("");
    let assignments: Vec<&str> = parts.collect();

    let mut file = match sc::parse_source(source, "fuzz") {
        Ok(loaded) => loaded.scenario,
        Err(e) => {
            assert!(e.problems.iter().any(Problem::is_error), "{e}");
            one_line_each(&e.problems);
            if assignments.is_empty() {
                return;
            }
            tiny().clone()
        }
    };
    if !assignments.is_empty() {
        let before = file.clone();
        if let Err(e) = sc::apply_overrides(&mut file, &assignments) {
            assert!(!e.problems.is_empty());
            one_line_each(&e.problems);
            assert!(file == before, "a failed override changed the scenario");
            return;
        }
    }
    exercise(&file);
});

/// Each problem displays as one line of bounded length.
fn one_line_each(problems: &[Problem]) {
    for p in problems {
        let line = p.to_string();
        assert!(!line.contains(['\n', '\r']), "{line:?}");
        assert!(line.len() < 20_000, "{} bytes", line.len());
    }
}

/// Everything downstream of a valid scenario.
fn exercise(file: &ScenarioFile) {
    let ron = sc::to_ron(file);
    match sc::parse(&ron, "canonical") {
        Ok(back) => assert!(
            &back == file,
            "the canonical RON reads back differently:\n{ron}"
        ),
        Err(e) => panic!("the canonical RON of a valid scenario is invalid: {e}\n{ron}"),
    }
    let _ = sc::hash(file);
    let uncertain = sc::uncertain_parameters(file);
    let mut values = Vec::new();
    let _ = sc::sample(file, 7, 3, &mut values);
    assert_eq!(values.len(), uncertain.len());
    for (u, v) in uncertain.iter().zip(&values) {
        assert!(v.is_finite(), "{} sampled {v}", u.path);
    }
}
