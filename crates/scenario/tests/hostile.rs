//! Hostile input: enormous numbers, NaN and infinity literals, deep nesting, huge lists, long
//! ids and unicode, in scenario files and in `--set` overrides — the ground the `cargo fuzz`
//! target `fuzz/fuzz_targets/scenario.rs` covers, here in the normal test suite.
//!
//! The only acceptable outcomes are a valid scenario or an error that carries at least one
//! error-class problem naming its origin; never a panic. Whatever is accepted is checked
//! further: no non-finite number survives validation, the canonical RON reads back to the
//! same scenario, every sampled value is finite and inside its field's range, and a run of the
//! model on it produces no NaN. Every property test uses a fixed seed, so the suite is
//! deterministic.

use polarity_model::{RunKey, RunOptions, Simulation};
use polarity_scenario::*;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

fn tiny() -> &'static str {
    embedded_source("tiny").expect("tiny")
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x0bad_5eed),
        ..ProptestConfig::default()
    }
}

/// `text` with the first `from` replaced by `to` (which must occur).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` not in the text");
    text.replacen(from, to, 1)
}

/// Parses `text`, checks the outcome as the module doc says, and returns it.
fn exercise(text: &str, origin: &str) -> Result<ScenarioFile, ScenarioError> {
    let result = parse_source(text, origin);
    match &result {
        Ok(loaded) => accepted(&loaded.scenario),
        Err(e) => rejected(e, origin),
    }
    result.map(|l| l.scenario)
}

/// An error is well-formed: at least one error, each naming its origin, one line each.
fn rejected(e: &ScenarioError, origin: &str) {
    assert!(e.problems.iter().any(Problem::is_error), "{e}");
    for p in &e.problems {
        let line = p.to_string();
        assert!(line.starts_with(origin), "{line}");
        assert!(!p.message.is_empty(), "{line}");
        // One problem is one line, however hostile the input it quotes.
        assert!(!line.contains('\n'), "a problem spans lines: {line:?}");
    }
}

/// A valid scenario holds only finite numbers, round-trips, samples inside its ranges and runs.
fn accepted(s: &ScenarioFile) {
    let ron = to_ron(s);
    for bad in ["NaN", "inf"] {
        assert!(
            !ron.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == bad),
            "a valid scenario holds {bad}:\n{ron}"
        );
    }
    let back = parse(&ron, "canonical").expect("the canonical RON of a valid scenario is valid");
    assert_eq!(&back, s, "the canonical RON reads back differently");
    let uncertain = uncertain_parameters(s);
    let mut values = Vec::new();
    for run in 0..3 {
        let world = sample(s, 99, run, &mut values);
        for (u, v) in uncertain.iter().zip(&values) {
            assert!(v.is_finite(), "{} sampled {v}", u.path);
            assert!(
                u.range.contains(*v),
                "{} sampled {v} outside {}",
                u.path,
                u.range
            );
        }
        if world.horizon_steps() <= 400 && world.firms.len() <= 50 {
            let r = Simulation::new().run(
                &world,
                RunKey {
                    study_seed: 99,
                    run,
                },
                RunOptions { trace: false },
            );
            assert!(r.follower_lag_months.is_none_or(f64::is_finite));
            for series in r.bloc_capability.iter().chain(&r.bloc_chip_stock) {
                assert!(series.iter().all(|x| !x.is_nan()), "NaN in a bloc series");
            }
        }
    }
}

/// Applies overrides to `tiny`; a failure leaves it unchanged and is well-formed.
fn override_tiny(assignments: &[String]) -> Result<ScenarioFile, ScenarioError> {
    let mut s = load("tiny").expect("tiny").scenario;
    let before = s.clone();
    match apply_overrides(&mut s, assignments) {
        Ok(()) => {
            accepted(&s);
            Ok(s)
        }
        Err(e) => {
            assert_eq!(s, before, "a failed override changed the scenario");
            rejected(&e, "--set");
            Err(e)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// Number-like literals a user (or an attacker) might write.
const HOSTILE_NUMBERS: &[&str] = &[
    "1e308",
    "1.7976931348623157e308",
    "1e309",
    "-1e309",
    "1e-400",
    "4.9e-324",
    "-0",
    "-0.0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "+inf",
    "infinity",
    "0x10",
    "0b101",
    "1_000",
    "99999999999999999999999999999",
    "-99999999999999999999",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "256",
    "-1",
    ".5",
    "5.",
    "1e",
    "e5",
    "--1",
    "1e+",
    "0.1.2",
    "١٢٣",
    "Fixed(NaN)",
    "Fixed(inf)",
    "Uniform(0, inf)",
    "Uniform(-1e308, 1e308)",
    "Uniform(1e308, 1.7976931348623157e308)",
    "Uniform(-inf, inf)",
    "Normal(NaN, 1)",
    "Normal(0, 1e308)",
    "Normal(1e308, 1e-308)",
    "LogNormal(1e308, 1e308)",
    "LogNormal(1e-308, 700)",
    "LogUniform(4.9e-324, 1e308)",
    "Beta(1e-320, 1e-320)",
    "Beta(1e308, 1e308)",
    "Triangular(0, 1e308, 1e308)",
    "Triangular(-1e308, 0, 1e308)",
    "Choice([])",
    "Choice([NaN])",
    "Choice([1e308, -1e308])",
    "Weighted([(1, inf)])",
    "Weighted([(1, 1e308), (2, 1e308)])",
    "Weighted([(1, 0), (2, 0)])",
    "Weighted([(NaN, 1)])",
    "Uniform(0.2, 0.4",
    "Uniform()",
    "Uniform(1, 2, 3)",
];

/// A field of `tiny` as written, for each kind of numeric field: a plain year, integers of
/// several widths, a probability, a distribution, a number inside an enum variant, an option,
/// and the paradigm's nested struct.
const NUMERIC_FIELDS: &[&str] = &[
    "start_year: 2023.0",
    "horizon_year: 2033.0",
    "steps_per_year: 4",
    "seed: 1",
    "runs: 200",
    "tier: 3",
    "gdp_usd: 27e12",
    "reinvest_share: 0.7",
    "funding_growth_per_year: LogNormal(2.5, 0.15)",
    "fleet_h100e: 45000",
    "cost_per_h100e_usd: 15000",
    "yield_share: Uniform(0.2, 0.4)",
    "Capped(20000)",
    "enforcement: Uniform(0.5, 0.9)",
    "announcement_lead_years: 0.25",
    "factor: 1.2",
    "flop_per_h100e_second: 989e12",
    "arrival_year: Uniform(2025.0, 2028.0)",
    "useful_compute_flop: 1e24",
    "price_scarcity_elasticity: 0.5",
    "threshold: Uniform(29.0, 31.0)",
    "max_years: 2.0",
];

/// The field's text with its value replaced.
fn with_value(field: &str, value: &str) -> String {
    match field.split_once(": ") {
        Some((name, _)) => format!("{name}: {value}"),
        None => format!("Capped({value})"),
    }
}

#[test]
fn every_hostile_number_in_every_kind_of_field() {
    let mut accepted = Vec::new();
    for field in NUMERIC_FIELDS {
        for value in HOSTILE_NUMBERS {
            let text = edit(tiny(), field, &with_value(field, value));
            if exercise(&text, "hostile.ron").is_ok() {
                accepted.push(format!("{field} <- {value}"));
            }
            // The same through --set.
            let path = match field.split_once(": ") {
                Some(("fleet_h100e", _)) => "firms[us-lab-a].fleet_h100e".to_string(),
                Some(("reinvest_share", _)) => "firms[us-lab-a].reinvest_share".to_string(),
                Some(("funding_growth_per_year", _)) => {
                    "firms[us-lab-a].funding_growth_per_year".to_string()
                }
                Some(("cost_per_h100e_usd", _)) => "fabs[us-fab-a].cost_per_h100e_usd".into(),
                Some(("yield_share", _)) => "fabs[cn-fab-a].yield_share".into(),
                Some(("tier", _)) => "nations[cn].tier".into(),
                Some(("gdp_usd", _)) => "nations[us].gdp_usd".into(),
                Some(("factor", _)) => "technology.multipliers[0].factor".into(),
                Some((f @ ("enforcement" | "announcement_lead_years"), _)) => {
                    format!("policy.rules[controls].{f}")
                }
                Some((
                    f @ ("start_year" | "horizon_year" | "steps_per_year" | "seed" | "runs"),
                    _,
                )) => format!("study.{f}"),
                Some((f @ ("flop_per_h100e_second" | "price_scarcity_elasticity"), _)) => {
                    if f.starts_with("flop") {
                        format!("technology.{f}")
                    } else {
                        format!("economics.{f}")
                    }
                }
                Some((f @ ("arrival_year" | "useful_compute_flop"), _)) => {
                    format!("technology.paradigm.{f}")
                }
                Some(("threshold", _)) => "outcome.threshold".into(),
                Some(("max_years", _)) => "outcome.window.max_years".into(),
                _ => "policy.rules[controls].tier2.Capped".into(),
            };
            let _ = override_tiny(&[format!("{path}={value}")]);
        }
    }
    // Sanity: the harness does accept ordinary extremes (so the checks above ran on them).
    assert!(accepted.iter().any(|a| a.contains("1e308")), "{accepted:?}");
    // Non-finite values are never accepted, in any spelling.
    for a in &accepted {
        let value = a.split(" <- ").nth(1).unwrap_or("");
        assert!(
            !(value.contains("NaN") || value.contains("inf") || value.contains("1e309")),
            "accepted {a}"
        );
    }
}

#[test]
fn non_finite_numbers_are_named_with_their_place() {
    for value in ["NaN", "inf", "-inf", "1e309"] {
        let text = edit(tiny(), "utilization: 0.4", &format!("utilization: {value}"));
        let e = exercise(&text, "nan.ron").expect_err(value);
        let p = e
            .problems
            .iter()
            .find(|p| p.path == "technology.utilization")
            .unwrap_or_else(|| panic!("{value}: no problem at the field: {e}"));
        let line = tiny()
            .lines()
            .position(|l| l.contains("utilization: 0.4"))
            .map(|i| i + 1);
        assert_eq!(p.line, line, "{value}: {e}");
        assert!(p.column.is_some(), "{value}: {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Nesting
// ---------------------------------------------------------------------------------------------

#[test]
fn deep_nesting_is_refused_everywhere() {
    for depth in [65, 200, 10_000, 200_000] {
        let open_paren = "(".repeat(depth);
        let close_paren = ")".repeat(depth);
        let open_list = "[".repeat(depth);
        let close_list = "]".repeat(depth);
        let somes = "Some(".repeat(depth);
        for text in [
            format!("{open_paren}{close_paren}"),
            format!("{open_list}{close_list}"),
            open_list.clone(),
            edit(
                tiny(),
                "utilization: 0.4",
                &format!("utilization: {open_list}0.4{close_list}"),
            ),
            edit(
                tiny(),
                "end_year: None",
                &format!("end_year: {somes}2030.0{close_paren}"),
            ),
            edit(
                tiny(),
                "multipliers: [",
                &format!("multipliers: [{open_paren}{close_paren},"),
            ),
        ] {
            let e = exercise(&text, "deep.ron").expect_err("too deep");
            assert!(e.problems.len() < 100, "{} problems", e.problems.len());
        }
        // Overrides: deep values of every shape.
        for value in [
            format!("{open_list}1{close_list}"),
            format!("{somes}1{close_paren}"),
            format!("Uniform({open_paren}1{close_paren}, 2)"),
            format!("{open_paren}factor: 1.2, rate_per_year: {open_list}"),
        ] {
            for path in [
                "technology.utilization",
                "technology.multipliers",
                "technology.paradigm",
                "policy.rules[controls].end_year",
                "firms",
            ] {
                assert!(override_tiny(&[format!("{path}={value}")]).is_err());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------

#[test]
fn huge_lists_are_refused_by_the_limits() {
    // Nations: 10,001 (limit 10,000), all in bloc `us`.
    let nations: String = (0..10_001)
        .map(|i| format!("(id: \"n{i}\", bloc: \"us\", tier: 1, controller: false, gdp_usd: 1, industrial_policy: 0, equipment_access: true),"))
        .collect();
    let text = edit(tiny(), "nations: [", &format!("nations: [{nations}"));
    let e = exercise(&text, "nations.ron").expect_err("too many nations");
    assert!(e.to_string().contains("exceed the limit of 10000"), "{e}");

    // Rules: 1,001 (limit 1,000).
    let rule = tiny()
        .split("rules: [")
        .nth(1)
        .and_then(|r| r.split("\n        ],").next())
        .expect("the rule");
    let rules: String = (0..1_000)
        .map(|i| rule.replace("id: \"controls\"", &format!("id: \"r{i}\"")))
        .collect();
    let text = edit(tiny(), "rules: [", &format!("rules: [{rules}"));
    let e = exercise(&text, "rules.ron").expect_err("too many rules");
    assert!(e.to_string().contains("exceed the limit of 1000"), "{e}");

    // Multipliers: 9 (limit 8).
    let mults = "(factor: 1.1, rate_per_year: 0.1),".repeat(6);
    let text = edit(tiny(), "multipliers: [", &format!("multipliers: [{mults}"));
    assert!(exercise(&text, "mults.ron").is_err());

    // Text over 16 MiB is refused before parsing.
    let padding = " ".repeat(limits::MAX_FILE_BYTES);
    let e = exercise(&format!("{}{padding}", tiny()), "big.ron").expect_err("too big");
    assert!(e.to_string().contains("more than the limit"), "{e}");
}

#[test]
fn a_huge_choice_is_handled() {
    // One million values in one distribution (about 5 MB of text, under the file limit).
    let values = "0.5, ".repeat(1_000_000);
    let text = edit(
        tiny(),
        "utilization: 0.4",
        &format!("utilization: Choice([{values}0.25])"),
    );
    // Its canonical RON (one value per line) would be over the file limit: refused, so that
    // a study's own scenario.ron can always be read back.
    let e = exercise(&text, "choice.ron").expect_err("canonical form too big");
    assert!(e.to_string().contains("scenario.ron"), "{e}");
    let e = override_tiny(&[format!("technology.utilization=Choice([{values}0.25])")])
        .expect_err("canonical form too big");
    assert!(e.to_string().contains("scenario.ron"), "{e}");
    // A hundred thousand values are fine.
    let values = "0.5, ".repeat(100_000);
    let text = edit(
        tiny(),
        "utilization: 0.4",
        &format!("utilization: Choice([{values}0.25])"),
    );
    exercise(&text, "choice.ron").expect("a long but reasonable Choice");
    // And a huge list of weights that sum past f64::MAX.
    let weighted = "(1, 1e308), ".repeat(10_000);
    let text = edit(
        tiny(),
        "utilization: 0.4",
        &format!("utilization: Weighted([{weighted}(0.5, 1)])"),
    );
    let _ = exercise(&text, "weighted.ron");
}

#[test]
fn many_firms_with_many_problems_are_all_reported_quickly() {
    // 2,000 firms each with a bad share and a bad reference: 4,000 problems, all reported.
    let firms: String = (0..2_000)
        .map(|i| {
            format!(
                "(id: \"f{i}\", nation: \"nowhere\", funding_usd_per_year: 1, funding_growth_per_year: 1, \
                 revenue_usd_per_year: 1, fleet_h100e: 1, reinvest_share: 2, algo_efficiency: 1, \
                 training_share: 0.1, cash_usd: 0),"
            )
        })
        .collect();
    let text = edit(tiny(), "firms: [", &format!("firms: [{firms}"));
    let start = std::time::Instant::now();
    let e = exercise(&text, "firms.ron").expect_err("bad firms");
    assert!(e.problems.len() >= 4_000, "{}", e.problems.len());
    // Generous: it takes well under a second; quadratic behaviour would take minutes.
    assert!(start.elapsed().as_secs() < 60);
}

// ---------------------------------------------------------------------------------------------
// Ids and unicode
// ---------------------------------------------------------------------------------------------

#[test]
fn long_and_strange_ids_are_refused_with_a_reason() {
    let long65 = "a".repeat(65);
    let long_mb = "b".repeat(1 << 20);
    for id in [
        long65.as_str(),
        long_mb.as_str(),
        "",
        " ",
        "é",
        "us\u{200b}",
        "🇺🇸",
        "\u{202e}su",
        "e\u{301}",
        "a,b",
        "a\\\"b",
        "a\\nb",
        "a\\u{0}b",
        "a/b",
        "a b",
        "a[b]",
        "a.b",
    ] {
        let text = edit(
            tiny(),
            "(id: \"cn\", bloc: \"cn\"",
            &format!("(id: \"{id}\", bloc: \"cn\""),
        );
        let e = exercise(&text, "ids.ron");
        let Err(e) = e else {
            panic!("id {id:?} was accepted");
        };
        // `a.b` is a legal id; the references to `cn` then break instead.
        assert!(
            e.problems
                .iter()
                .any(|p| p.path.starts_with("nations") || p.message.contains("undefined nation")),
            "{id:?}: {e}"
        );
    }
}

#[test]
fn unicode_text_is_fine_where_text_is_free() {
    let name = "政策-🌍-\u{202e}-e\u{301}";
    let text = edit(tiny(), "name: \"tiny\"", &format!("name: \"{name}\""));
    let text = edit(
        &text,
        "description: \"Smallest",
        "description: \"Ünïcødé ✓ \\u{1F600} \\\" quoted \\n newline; Smallest",
    );
    let s = exercise(&text, "unicode.ron").expect("valid");
    assert_eq!(s.name, name);
    assert!(s.description.contains('\u{1F600}'));
    assert_eq!(hash(&s), hash(&parse(&to_ron(&s), "again").expect("valid")));
}

#[test]
fn columns_count_characters_not_bytes() {
    // An unknown field after multi-byte characters on the same line.
    let text = edit(tiny(), "name: \"tiny\",", "name: \"日本語🌍\", nmae: 1,");
    let e = exercise(&text, "cols.ron").expect_err("unknown field");
    let line = text.lines().position(|l| l.contains("nmae")).expect("line") + 1;
    let column = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.find("nmae").map(|b| l[..b].chars().count() + 1))
        .expect("column");
    assert!(
        e.problems
            .iter()
            .any(|p| p.line == Some(line) && p.column == Some(column)),
        "expected {line}:{column}: {e}"
    );
}

#[test]
fn byte_order_marks_line_endings_and_control_characters() {
    for text in [
        format!("\u{feff}{}", tiny()),
        tiny().replace('\n', "\r\n"),
        tiny().replace('\n', "\r"),
        tiny().replace("    ", "\t"),
        edit(tiny(), "name: \"tiny\"", "name: \"ti\0ny\""),
        edit(tiny(), "name: \"tiny\"", "name\0: \"tiny\""),
        format!("{}\0", tiny()),
        format!("{}\u{1b}[31m", tiny()),
        tiny().replace("us-lab-a", "us-lab-\u{7f}"),
    ] {
        let _ = exercise(&text, "ctl.ron");
    }
    // CRLF is a normal way to write a file: it must be accepted.
    assert!(exercise(&tiny().replace('\n', "\r\n"), "crlf.ron").is_ok());
}

// ---------------------------------------------------------------------------------------------
// Overrides
// ---------------------------------------------------------------------------------------------

#[test]
fn hostile_override_paths() {
    let long_path = "a.".repeat(100_000);
    let many_keys = "firms[x]".repeat(10_000);
    let long_key = format!("firms[{}].reinvest_share", "k".repeat(1 << 20));
    for path in [
        long_path.as_str(),
        many_keys.as_str(),
        long_key.as_str(),
        "technology.multipliers[99999999999999999999999].factor",
        "technology.multipliers[-1].factor",
        "technology.multipliers[8].factor",
        "technology.multipliers[0x1].factor",
        "firms[é].reinvest_share",
        "firms[🇺🇸].reinvest_share",
        "firms[us-lab-a]].reinvest_share",
        "firms[[us-lab-a]].reinvest_share",
        "firms[us-lab-a].reinvest_share.x.y",
        "firms.reinvest_share",
        ".firms",
        "firms.",
        " ",
        "\0",
        "technology.paradigm.discoverer.x",
        "outcome.window.years",
        "policy.rules[controls].tier1.Capped",
    ] {
        let e = override_tiny(&[format!("{path}=0.5")]).expect_err(path);
        // A path problem names the path, shortened if it is long.
        assert!(e.to_string().len() < 4_000, "{} bytes", e.to_string().len());
    }
    // No `=` at all, and an `=` only.
    assert!(override_tiny(&["technology.utilization".to_string()]).is_err());
    assert!(override_tiny(&["=".to_string()]).is_err());
    assert!(override_tiny(&["==".to_string()]).is_err());
}

#[test]
fn hostile_override_values() {
    let long_value = "9".repeat(1 << 20);
    let long_string = format!("\"{}\"", "x".repeat(1 << 20));
    for (path, value) in [
        ("technology.utilization", long_value.as_str()),
        ("name", long_string.as_str()),
        ("description", long_string.as_str()),
        ("firms[us-lab-a].id", "\"\""),
        ("firms[us-lab-a].id", "\"cn-lab-a\""),
        ("firms[us-lab-a].nation", "\"nowhere\""),
        ("blocs", "[]"),
        ("nations", "[]"),
        ("firms", "[]"),
        (
            "technology.multipliers",
            "[(factor: 1.1, rate_per_year: 0.1)]",
        ),
        ("study.steps_per_year", "365"),
        ("study.horizon_year", "2500"),
        ("study.start_year", "1900"),
        ("outcome.window", "Fixed(years: 1e308)"),
        ("technology.paradigm", "None"),
        ("technology.paradigm", "Some(None)"),
        ("policy.rules[controls].end_year", "Some(1e308)"),
        ("policy.rules[controls].tier2", "Capped(inf)"),
        ("policy.rules[controls].tier2", "Capped(Uniform(0, 1e308))"),
        ("technology.utilization", "0.5 // a comment"),
        ("technology.utilization", "/* */ 0.5"),
        ("technology.utilization", "0.5, 0.6"),
        ("technology.utilization", "0.5)"),
        ("technology.utilization", ""),
        ("technology.utilization", " "),
        ("technology.utilization", "#![enable(implicit_some)] 0.5"),
    ] {
        let _ = override_tiny(&[format!("{path}={value}")]);
    }
    // A thousand overrides at once, each valid on its own.
    let many: Vec<String> = (0..1_000)
        .map(|i| format!("technology.utilization={}", f64::from(i) / 1000.0))
        .collect();
    let s = override_tiny(&many).expect("valid overrides");
    assert_eq!(
        get_path(&s, "technology.utilization").expect("path"),
        "0.999"
    );
}

// ---------------------------------------------------------------------------------------------
// Random combinations
// ---------------------------------------------------------------------------------------------

fn hostile_token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(HOSTILE_NUMBERS).prop_map(str::to_string),
        prop::sample::select(vec![
            "(",
            ")",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "Some(",
            "None",
            "#![enable(implicit_some)]",
            "r#\"",
            "\"#",
            "/*",
            "*/",
            "//",
            "\u{feff}",
            "\u{202e}",
            "🌍",
            "\0",
            "\r\n",
        ])
        .prop_map(str::to_string),
        (1usize..200, prop::sample::select(vec!["(", "[", "Some("])).prop_map(|(n, t)| t.repeat(n)),
        "[a-z_]{1,80}".prop_map(|s| s),
        "\\PC{0,20}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(config(300))]

    /// Hostile tokens inserted into `tiny` at random places, or replacing a numeric value.
    #[test]
    fn hostile_tokens_anywhere(
        edits in prop::collection::vec((any::<prop::sample::Index>(), hostile_token(), any::<bool>()), 1..5),
    ) {
        let mut text = tiny().to_string();
        for (at, token, replace_number) in edits {
            if replace_number {
                let field = NUMERIC_FIELDS[at.index(NUMERIC_FIELDS.len())];
                if text.contains(field) {
                    text = edit(&text, field, &with_value(field, &token));
                }
            } else {
                let mut i = at.index(text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                text.insert_str(i, &token);
            }
        }
        let _ = exercise(&text, "random.ron");
    }

    /// Random overrides built from real path pieces and hostile values.
    #[test]
    fn hostile_overrides(
        parts in prop::collection::vec(
            (prop::sample::select(vec![
                "technology.utilization", "firms[us-lab-a].fleet_h100e", "study.steps_per_year",
                "study.seed", "nations[cn].tier", "policy.rules[controls].tier2",
                "policy.rules[controls].tier2.Capped", "outcome.window", "outcome.window.max_years",
                "technology.paradigm", "technology.paradigm.discoverer", "technology.multipliers",
                "technology.multipliers[2].factor", "firms[xc-lab-a]", "blocs", "name",
            ]), hostile_token()),
            1..4),
    ) {
        let assignments: Vec<String> = parts.iter().map(|(p, v)| format!("{p}={v}")).collect();
        let _ = override_tiny(&assignments);
    }
}
