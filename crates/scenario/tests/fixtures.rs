//! Data-driven validation tests over `tests/fixtures/*.ron`.
//!
//! Each fixture is named by what it is: `*_valid.ron` must load (its warnings, if any, are
//! listed), `*_invalid.ron` is well-formed RON that breaks the schema or a semantic rule, and
//! `*_malformed.ron` is not readable RON at all. Expectations are comment lines in the file
//! itself, so a fixture documents its own test:
//!
//! ```text
//! // expect: LINE:COL | PATH | TEXT           (an error at LINE:COL on PATH whose message or hint contains TEXT)
//! // expect-warning: LINE:COL | PATH | TEXT   (the same for a warning)
//! ```
//!
//! An invalid or malformed fixture must produce every expected problem (at exactly that line and
//! column) and no error-class problem that is not expected, so each message is checked to name
//! the right place and field. There is at least one fixture per class of problem in issue 3 §4.

use std::fs;
use std::path::{Path, PathBuf};

use polarity_scenario::{Problem, Severity, load, parse_source};

/// One expected problem.
#[derive(Debug)]
struct Expect {
    severity: Severity,
    line: Option<usize>,
    column: Option<usize>,
    path: String,
    text: String,
}

fn expectations(source: &str) -> Vec<Expect> {
    let mut out = Vec::new();
    for line in source.lines() {
        let (severity, rest) = if let Some(r) = line.strip_prefix("// expect-warning:") {
            (Severity::Warning, r)
        } else if let Some(r) = line.strip_prefix("// expect:") {
            (Severity::Error, r)
        } else {
            continue;
        };
        let parts: Vec<&str> = rest.splitn(3, '|').map(str::trim).collect();
        assert_eq!(parts.len(), 3, "bad expectation line: {line}");
        let (l, c) = match parts[0].split_once(':') {
            Some((l, c)) => (l.parse().ok(), c.parse().ok()),
            None => (parts[0].parse().ok(), None),
        };
        out.push(Expect {
            severity,
            line: l,
            column: c,
            path: parts[1].to_string(),
            text: parts[2].to_string(),
        });
    }
    out
}

fn matches(p: &Problem, e: &Expect) -> bool {
    p.severity == e.severity
        && (e.line.is_none() || p.line == e.line)
        && (e.column.is_none() || p.column == e.column)
        && p.path == e.path
        && p.to_string().contains(&e.text)
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_behaves_as_its_comments_say() {
    let files = fixtures();
    assert!(files.len() >= 25, "only {} fixtures", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let source = fs::read_to_string(file).expect("read fixture");
        let expects = expectations(&source);
        let result = parse_source(&source, &name);
        let problems: Vec<Problem> = match &result {
            Ok(l) => l.warnings.clone(),
            Err(e) => e.problems.clone(),
        };
        let valid = name.ends_with("_valid.ron");
        if valid != result.is_ok() {
            failures.push(format!(
                "{name}: expected {}, got:\n{}",
                if valid { "success" } else { "failure" },
                problems
                    .iter()
                    .map(|p| format!("  {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
            continue;
        }
        if !valid {
            assert!(
                !expects.is_empty(),
                "{name}: an invalid fixture needs `// expect:` lines"
            );
        }
        for e in &expects {
            if !problems.iter().any(|p| matches(p, e)) {
                failures.push(format!(
                    "{name}: no problem matches {e:?}; got:\n{}",
                    problems
                        .iter()
                        .map(|p| format!("  {p:?}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                ));
            }
        }
        for p in problems.iter().filter(|p| p.severity == Severity::Error) {
            if !expects.iter().any(|e| matches(p, e)) {
                failures.push(format!("{name}: unexpected problem: {p}"));
            }
            // Every message names the file.
            assert!(p.to_string().starts_with(&name), "{p}");
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn there_is_a_fixture_for_every_class_of_problem() {
    let names: Vec<String> = fixtures()
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .collect();
    for class in [
        "unknown_field_invalid",
        "wrong_type_invalid",
        "missing_field_invalid",
        "duplicate_id_invalid",
        "undefined_reference_invalid",
        "tier_invalid",
        "probability_invalid",
        "negative_quantity_invalid",
        "dates_invalid",
        "steps_invalid",
        "empty_bloc_invalid",
        "dist_params_invalid",
        "dist_support_invalid",
        "too_many_multipliers_invalid",
        "too_many_steps_invalid",
        "many_problems_invalid",
        "missing_comma_malformed",
        "truncated_malformed",
        "unterminated_string_malformed",
        "truncated_dist_valid",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(class)),
            "no fixture for {class}"
        );
    }
}

/// Files the fixture directory cannot hold as text: binary, enormous, deeply nested, and lists
/// beyond the size limits. Each is rejected with a message, never a panic.
#[test]
fn binary_enormous_and_deep_inputs_are_rejected() {
    let dir = std::env::temp_dir().join(format!("polarity-scenario-test-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("temp dir");

    // Binary: not UTF-8, reported with the position of the first bad byte.
    let bin = dir.join("binary_malformed.ron");
    fs::write(&bin, b"(\n  name: \"x\xff\xfe\",\n)").expect("write");
    let e = load(bin.to_str().expect("utf-8 path")).expect_err("binary");
    assert_eq!(e.problems[0].line, Some(2), "{e}");
    assert_eq!(e.problems[0].column, Some(11), "{e}");
    assert!(e.to_string().contains("not UTF-8"), "{e}");

    // Enormous: refused before reading it.
    let big = dir.join("enormous_malformed.ron");
    let f = fs::File::create(&big).expect("create");
    f.set_len(17 * 1024 * 1024).expect("sparse file");
    let e = load(big.to_str().expect("utf-8 path")).expect_err("enormous");
    assert!(e.to_string().contains("more than the limit"), "{e}");
    let _ = fs::remove_dir_all(&dir);

    // Deeply nested: refused by our reader before ron recurses.
    let deep = format!("(name: {}1{})", "[".repeat(100_000), "]".repeat(100_000));
    let e = parse_source(&deep, "deep").expect_err("deep");
    assert!(e.to_string().contains("nested more than"), "{e}");
    assert_eq!(e.problems[0].line, Some(1));

    // Lists beyond the limits: counted on the syntax tree, before ron builds anything.
    let tiny = polarity_scenario::embedded_source("tiny").expect("tiny");
    let blocs: String = (0..101).map(|i| format!("(id: \"b{i}\"),")).collect();
    let text = tiny.replacen("blocs: [", &format!("blocs: [{blocs}"), 1);
    let e = parse_source(&text, "many-blocs").expect_err("too many blocs");
    assert!(
        e.to_string().contains("103 blocs exceed the limit of 100"),
        "{e}"
    );
    assert_eq!(e.problems[0].path, "blocs");
}

#[test]
fn missing_files_and_names_get_suggestions() {
    let e = load("baselin").expect_err("no such scenario");
    assert!(e.to_string().contains("did you mean `baseline`?"), "{e}");
    let e = load("/nonexistent/dir/x.ron").expect_err("no such file");
    assert!(e.to_string().contains("no such file"), "{e}");
    // An embedded name works with or without the extension.
    assert!(load("tiny").is_ok());
    assert!(load("tiny.ron").is_ok());
}
