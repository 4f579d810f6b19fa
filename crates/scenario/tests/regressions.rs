//! Regression tests for bugs found by the hostile-input tests (`hostile.rs`) and the
//! `cargo fuzz` target `fuzz/fuzz_targets/scenario.rs` (issue 8). Each test is the smallest
//! input that showed the bug, named after what went wrong; docs/robustness.md lists them.

use polarity_scenario::*;

fn tiny() -> &'static str {
    embedded_source("tiny").expect("tiny")
}

/// Found by `hostile_tokens_anywhere`: a type error quoted the offending text verbatim, line
/// break included, so one problem printed as two lines (and `polarity validate`'s
/// one-problem-per-line output could be forged by a crafted file).
#[test]
fn a_quoted_value_with_a_line_break_prints_on_one_line() {
    let text = tiny().replacen("gdp_usd: 27e12", "gdp_usd: \"#", 1);
    let e = parse_source(&text, "r.ron").expect_err("a string where a number goes");
    for p in &e.problems {
        assert!(!p.to_string().contains('\n'), "{p}");
    }
}

/// Found by `long_and_strange_ids_are_refused_with_a_reason`: an id holding a line break
/// (written `\n` in RON) put a raw line break into the problem's path.
#[test]
fn an_id_with_a_line_break_prints_on_one_line() {
    let text = tiny().replacen("(id: \"cn\", bloc:", "(id: \"a\\nb\", bloc:", 1);
    let e = parse_source(&text, "r.ron").expect_err("bad id");
    let shown = e.to_string();
    assert!(shown.contains("nations[a\\nb]"), "{shown}");
    assert_eq!(shown.lines().count(), e.problems.len(), "{shown}");
    // The same text, escaped, for programs that print problems their own way.
    assert_eq!(printable("a\nb\u{1b}[2J\0"), "a\\nb\\u{1b}[2J\\0");
}

/// Found by `hostile_override_paths`: a 200 KB `--set` path was echoed in full (twice), a
/// 400 KB error message.
#[test]
fn a_huge_override_path_gives_a_short_message() {
    let mut s = load("tiny").expect("tiny").scenario;
    let path = "a.".repeat(100_000);
    let e = apply_overrides(&mut s, &[format!("{path}=1")]).expect_err("no such path");
    assert!(e.to_string().len() < 4_000, "{} bytes", e.to_string().len());
}

/// Found by `a_huge_choice_is_handled`: a 5 MB `Choice` of a million values was accepted, but
/// its canonical RON (written as the study's `scenario.ron`, one value per line) was 17 MB,
/// over the 16 MiB file limit, so the study could not be re-run from its own output folder.
/// Now refused up front, from a file and from `--set` alike.
#[test]
fn a_scenario_whose_canonical_form_is_over_the_limit_is_refused() {
    let values = "0.5, ".repeat(1_000_000);
    let text = tiny().replacen(
        "utilization: 0.4",
        &format!("utilization: Choice([{values}0.25])"),
        1,
    );
    let e = parse_source(&text, "r.ron").expect_err("canonical form too big");
    assert!(e.to_string().contains("scenario.ron"), "{e}");
    let mut s = load("tiny").expect("tiny").scenario;
    let e = apply_overrides(
        &mut s,
        &[format!("technology.utilization=Choice([{values}0.25])")],
    )
    .expect_err("canonical form too big");
    assert!(e.to_string().contains("scenario.ron"), "{e}");
    // Whatever is accepted can be read back from its canonical form.
    let ok = parse(&to_ron(&s), "again").expect("tiny round-trips");
    assert_eq!(ok, s);
}
