//! Property tests: no input makes the parser, validator, override or sampler panic.
//!
//! Random bytes, and the shipped scenarios mutated by byte flips, truncations, deletions,
//! duplications and insertions of RON punctuation, go through `parse_source`; the only
//! acceptable outcomes are `Ok` and `Err`. Random override text goes through
//! `apply_override`. Whatever parses is also sampled and validated again.

use polarity_scenario::*;
use proptest::prelude::*;

fn sources() -> Vec<&'static str> {
    embedded().iter().map(|(_, s)| *s).collect()
}

/// Parses `text`; if it is valid, samples it too. Must not panic.
fn exercise(text: &str) {
    match parse_source(text, "fuzz") {
        Ok(l) => {
            let mut values = Vec::new();
            let _ = sample(&l.scenario, 1, 0, &mut values);
            let _ = validate(&l.scenario, Some(text), "fuzz");
            let _ = to_ron(&l.scenario);
        }
        Err(e) => {
            assert!(!e.problems.is_empty());
            assert!(e.problems.iter().any(Problem::is_error), "{e}");
            let _ = e.to_string();
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, &'static str),
}

fn apply(src: &str, muts: &[Mutation]) -> Vec<u8> {
    let mut b = src.as_bytes().to_vec();
    for m in muts {
        let n = b.len().max(1);
        match *m {
            Mutation::Flip(i, x) => {
                let i = i % n;
                if let Some(c) = b.get_mut(i) {
                    *c ^= x.max(1);
                }
            }
            Mutation::Truncate(i) => b.truncate(i % n),
            Mutation::Delete(i, len) => {
                let i = i % n;
                let end = (i + len).min(b.len());
                b.drain(i.min(end)..end);
            }
            Mutation::Duplicate(i, len) => {
                let i = i % n;
                let end = (i + len).min(b.len());
                let piece: Vec<u8> = b.get(i..end).map(<[u8]>::to_vec).unwrap_or_default();
                b.splice(i..i, piece);
            }
            Mutation::Insert(i, s) => {
                let i = (i % n).min(b.len());
                b.splice(i..i, s.bytes());
            }
        }
    }
    b
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop::sample::select(vec![
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "\"",
        "'",
        "/*",
        "//",
        "Some(",
        "None",
        "-",
        "1e999",
        "NaN",
        "inf",
        "Uniform(",
        "Choice([",
        "#![enable(implicit_some)]",
        "r#\"",
        "\u{e9}",
        "\0",
        "\n",
        "firms",
        "id: \"x\"",
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Flip(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 0usize..64).prop_map(|(i, l)| Mutation::Delete(i, l)),
        (any::<usize>(), 0usize..256).prop_map(|(i, l)| Mutation::Duplicate(i, l)),
        (any::<usize>(), token).prop_map(|(i, t)| Mutation::Insert(i, t)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_ron_like_text_never_panics(parts in prop::collection::vec(
        prop::sample::select(vec!["(", ")", "[", "]", ",", ":", "name", "firms", "\"a\"", "1", "-2.5e3",
            "Uniform", "Some", "None", "true", "id", "study", " ", "\n", "//c\n", "/*", "*/"]), 0..200)) {
        exercise(&parts.concat());
    }

    #[test]
    fn mutated_shipped_scenarios_never_panic(which in 0usize..6, muts in prop::collection::vec(mutation(), 1..6)) {
        let srcs = sources();
        let src = srcs[which % srcs.len()];
        let bytes = apply(src, &muts);
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_overrides_never_panic(
        path in prop::sample::select(vec!["technology.utilization", "firms[cn-lab-a].reinvest_share",
            "policy.rules[oct-2023].tier2", "policy.rules[oct-2023].tier2.Capped", "outcome.window",
            "outcome.window.max_years", "technology.paradigm", "study.steps_per_year", "nations[cn].tier",
            "technology.multipliers[0]", "firms", "x[", "a..b", "firms[]", "[0]", ""]),
        value in "[ -~]{0,40}",
    ) {
        let mut s = load("tiny").expect("tiny").scenario;
        let before = s.clone();
        let assignment = format!("{path}={value}");
        if apply_override(&mut s, &assignment).is_err() {
            prop_assert_eq!(&s, &before);
        } else {
            let mut values = Vec::new();
            let _ = sample(&s, 1, 2, &mut values);
        }
        let _ = suggest_path(&s, path);
        let _ = split_paths_roundtrip(&value);
    }
}

/// `dist::split_top_level` on arbitrary text never panics and loses no non-blank item.
fn split_paths_roundtrip(value: &str) -> usize {
    polarity_scenario::dist::split_top_level(value).len()
}

#[test]
fn every_truncation_of_tiny_is_handled() {
    let src = embedded_source("tiny").expect("tiny");
    for cut in (0..src.len()).step_by(7) {
        if let Some(prefix) = src.get(..cut) {
            exercise(prefix);
        }
    }
}
