//! Fuzz target: the design-file reader of `polarity batch` (`Design::parse`,
//! `Design::apply`) and the SALib problem-file reader (`problem_names`).
//!
//! Input: design text; or, when it holds a NUL byte, a SALib problem file, NUL, then a
//! headerless matrix (the `--names-from` form). A parsed design is applied to the embedded
//! `tiny` scenario. Oracles besides "never panics": every error is bad input (exit code 2),
//! says which file, and is of bounded length (at most `MAX_PROBLEMS` problems are listed);
//! every design point that applies is a valid scenario whose canonical RON reads back.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use polarity_runner::RunnerError;
use polarity_runner::design::{Design, problem_names};
use polarity_scenario::{self as sc, ScenarioFile};

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
    let (problem, design) = match text.split_once('\0') {
        Some((p, d)) => (Some(p), d),
        None => (None, &*text),
    };
    let names = match problem {
        Some(p) => match problem_names(p, "problem.txt") {
            Ok(names) => Some(names),
            Err(e) => {
                check_error(&e, "problem.txt");
                return;
            }
        },
        None => None,
    };
    let parsed = match Design::parse(design, "design.csv", names.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            check_error(&e, "design.csv");
            return;
        }
    };
    assert!(!parsed.rows.is_empty(), "a parsed design has rows");
    for row in &parsed.rows {
        assert_eq!(row.cells.len(), parsed.columns.len(), "a ragged row parsed");
    }
    match parsed.apply(tiny()) {
        Ok(points) => {
            assert_eq!(points.len(), parsed.rows.len());
            for s in points.iter().take(4) {
                let ron = sc::to_ron(s);
                let back = sc::parse(&ron, "canonical")
                    .unwrap_or_else(|e| panic!("a design point is invalid: {e}\n{ron}"));
                assert!(&back == s, "a design point reads back differently");
            }
        }
        Err(e) => check_error(&e, "design.csv"),
    }
});

/// A design error is bad input, names its file and is of bounded length.
fn check_error(e: &RunnerError, origin: &str) {
    assert!(
        e.is_input(),
        "a design error must be bad input (exit 2): {e}"
    );
    let text = e.to_string();
    assert!(text.contains(origin), "{text}");
    // 40 problems of a few hundred characters each, plus quoted cells.
    assert!(text.len() < 200_000, "{} bytes", text.len());
}
