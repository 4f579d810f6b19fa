//! Property tests of the design-file readers (`polarity batch --design`, `--names-from`): the
//! same ground as the `design` cargo-fuzz target (`fuzz/fuzz_targets/design.rs`), with the
//! same oracles, so that the normal test suite exercises it on every run.
//!
//! Inputs are built from design-file material — the uncertain parameters of `tiny` and
//! near-miss paths, numbers of every spelling (huge, tiny, NaN, inf, hex, empty), quotes,
//! commas, tabs, CR/LF, BOMs, comments, control and non-ASCII characters — and from raw
//! strings. Oracles besides "never panics": every error is bad input (exit 2), names its file
//! and stays short; a parsed design is rectangular; every design point that applies is a
//! valid scenario whose canonical RON reads back to it. The seed is fixed, so a run is
//! reproducible.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use polarity_runner::RunnerError;
use polarity_runner::design::{Design, problem_names};
use polarity_scenario::{self as sc, ScenarioFile};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn tiny() -> &'static ScenarioFile {
    static TINY: OnceLock<ScenarioFile> = OnceLock::new();
    TINY.get_or_init(|| sc::load("tiny").expect("tiny is valid").scenario)
}

/// Column names: tiny's real uncertain parameters, and near misses.
fn column() -> impl Strategy<Value = String> {
    let real: Vec<String> = sc::uncertain_parameters(tiny())
        .into_iter()
        .map(|u| u.path)
        .collect();
    prop_oneof![
        4 => proptest::sample::select(real),
        1 => Just("outcome.threshold".to_string()),
        1 => Just("outcome.thresh".to_string()),
        1 => Just("firms[nobody].fleet_h100e".to_string()),
        1 => Just("firms[0].fleet_h100e".to_string()),
        1 => Just("policy.rules[controls]".to_string()),
        1 => Just("technology".to_string()),
        1 => Just("".to_string()),
        1 => Just("\"quoted, name\"".to_string()),
        1 => "[a-z_.\\[\\]\\-]{0,30}",
        1 => any::<String>(),
    ]
}

/// Cells: numbers of every spelling, distributions, and junk.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (-1e3f64..1e3).prop_map(|x| x.to_string()),
        2 => (0.0f64..1.0).prop_map(|x| format!("{x:e}")),
        1 => any::<f64>().prop_map(|x| x.to_string()),
        1 => Just("NaN".to_string()),
        1 => Just("-inf".to_string()),
        1 => Just("1e309".to_string()),
        1 => Just("0x10".to_string()),
        1 => Just("".to_string()),
        1 => Just("  30  ".to_string()),
        1 => Just("Uniform(0.2, 0.9)".to_string()),
        1 => Just("\"Normal(30, 1)\"".to_string()),
        1 => Just("\"".to_string()),
        1 => "[0-9.eE+\\-]{0,12}",
        1 => any::<String>(),
    ]
}

/// A design file: mostly well-formed ones over tiny's real parameters (so that designs parse
/// and apply, and the success-path oracles run), and free-form ones.
fn design_text() -> impl Strategy<Value = String> {
    prop_oneof![near_valid_design(), free_design()]
}

/// A header of distinct real parameters and rows of exactly as many cells, numbers in (0, 1)
/// (valid for shares, enforcement and positive amounts, not for years), now and then a junk
/// cell.
fn near_valid_design() -> impl Strategy<Value = String> {
    let real: Vec<String> = sc::uncertain_parameters(tiny())
        .into_iter()
        .map(|u| u.path)
        .collect();
    let n = real.len();
    proptest::sample::subsequence(real, 1..=n.min(4))
        .prop_flat_map(|cols| {
            let k = cols.len();
            let value = prop_oneof![
                12 => (0.01f64..0.99).prop_map(|x| x.to_string()),
                1 => cell(),
            ];
            (
                Just(cols),
                proptest::collection::vec(proptest::collection::vec(value, k), 1..8),
                prop_oneof![Just("\n"), Just("\r\n")],
            )
        })
        .prop_map(|(cols, rows, eol)| {
            let mut text = cols.join(",");
            for row in rows {
                text.push_str(eol);
                text.push_str(&row.join(","));
            }
            text
        })
}

/// Header and rows joined with a chosen separator and line ending, with optional BOM,
/// comments and blank lines; often ragged.
fn free_design() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(column(), 0..6),
        proptest::collection::vec(proptest::collection::vec(cell(), 0..7), 0..12),
        prop_oneof![Just(","), Just(", "), Just("\t"), Just(";"), Just(" ")],
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(header, rows, sep, eol, bom, comment)| {
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            if comment {
                text.push_str("# a comment");
                text.push_str(eol);
            }
            text.push_str(&header.join(sep));
            for row in rows {
                text.push_str(eol);
                text.push_str(&row.join(sep));
            }
            text
        })
}

/// A SALib problem file (`name lower upper` lines) and a headerless matrix.
fn salib_pair() -> impl Strategy<Value = (String, String)> {
    (
        proptest::collection::vec((column(), cell(), cell()), 0..6),
        proptest::collection::vec(proptest::collection::vec(cell(), 0..7), 0..10),
        prop_oneof![Just(" "), Just(","), Just("\t")],
    )
        .prop_map(|(params, rows, sep)| {
            let problem: Vec<String> = params
                .iter()
                .map(|(n, lo, hi)| format!("{n}{sep}{lo}{sep}{hi}"))
                .collect();
            let matrix: Vec<String> = rows.iter().map(|r| r.join(sep)).collect();
            (problem.join("\n"), matrix.join("\n"))
        })
}

/// A design error is bad input, names its file and is of bounded length.
fn check_error(e: &RunnerError, origin: &str) -> Result<(), TestCaseError> {
    prop_assert!(e.is_input(), "a design error must be bad input: {}", e);
    let text = e.to_string();
    prop_assert!(text.contains(origin), "{}", text);
    // At most MAX_PROBLEMS (40) problems of a few hundred characters, cells quoted short.
    prop_assert!(text.len() < 200_000, "{} bytes", text.len());
    Ok(())
}

/// The fuzz target's body: parse, then apply to `tiny`; counts the designs that applied in
/// `applied` (so a test knows the success-path oracles ran).
fn exercise(
    design: &str,
    names: Option<&[String]>,
    applied: &AtomicU32,
) -> Result<(), TestCaseError> {
    let parsed = match Design::parse(design, "design.csv", names) {
        Ok(d) => d,
        Err(e) => return check_error(&e, "design.csv"),
    };
    prop_assert!(!parsed.rows.is_empty(), "a parsed design has rows");
    for row in &parsed.rows {
        prop_assert_eq!(row.cells.len(), parsed.columns.len(), "a ragged row parsed");
    }
    match parsed.apply(tiny()) {
        Ok(points) => {
            prop_assert_eq!(points.len(), parsed.rows.len());
            applied.fetch_add(1, Ordering::Relaxed);
            for s in points.iter().take(4) {
                let ron = sc::to_ron(s);
                let back = sc::parse(&ron, "canonical");
                prop_assert!(back.is_ok(), "a design point is invalid:\n{}", ron);
                prop_assert!(
                    back.as_ref().ok() == Some(s),
                    "a point reads back differently"
                );
            }
            Ok(())
        }
        Err(e) => check_error(&e, "design.csv"),
    }
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    )
}

#[test]
fn structured_design_files_never_panic() {
    let applied = AtomicU32::new(0);
    runner(3000)
        .run(&design_text(), |text| exercise(&text, None, &applied))
        .unwrap();
    // With the fixed seed 555 of the 3,000 files apply; at least 1% must, or the strategy
    // no longer reaches the success path and its oracles.
    let applied = applied.into_inner();
    assert!(
        applied >= 30,
        "only {applied} valid designs: the strategy misses the success path"
    );
}

#[test]
fn raw_text_design_files_never_panic() {
    runner(3000)
        .run(&any::<String>(), |text| {
            exercise(&text, None, &AtomicU32::new(0))
        })
        .unwrap();
}

#[test]
fn salib_problem_files_and_matrices_never_panic() {
    runner(3000)
        .run(&salib_pair(), |(problem, matrix)| {
            match problem_names(&problem, "problem.txt") {
                Ok(names) => exercise(&matrix, Some(&names), &AtomicU32::new(0)),
                Err(e) => check_error(&e, "problem.txt"),
            }
        })
        .unwrap();
}

#[test]
fn valid_designs_are_found_and_applied() {
    // Not only errors: designs over tiny's real parameters with in-range numbers parse and
    // apply, so the oracles above also see the success path.
    let real: Vec<String> = sc::uncertain_parameters(tiny())
        .into_iter()
        .map(|u| u.path)
        .collect();
    let mut text = String::from("outcome.threshold,technology.utilization\n");
    for i in 0..20 {
        text.push_str(&format!(
            "{},{}\n",
            29.0 + 0.1 * f64::from(i),
            0.3 + 0.01 * f64::from(i)
        ));
    }
    let d = Design::parse(&text, "design.csv", None).expect("a valid design");
    assert_eq!(d.rows.len(), 20);
    assert_eq!(d.apply(tiny()).expect("applies").len(), 20);
    assert!(real.iter().any(|p| p == "outcome.threshold"), "{real:?}");
}
