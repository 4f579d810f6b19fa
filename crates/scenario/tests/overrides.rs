//! Overrides by path (`--set PATH=VALUE`): numbers, distributions, enums, options, booleans,
//! strings, by-id and by-index list paths, enum-variant fields, whole structs and lists, and
//! the errors for misspelt paths (with the nearest valid path suggested) and bad values.

use polarity_model::params::{Access, Window};
use polarity_scenario::*;

fn baseline() -> ScenarioFile {
    load("baseline").expect("baseline").scenario
}

fn ok(s: &mut ScenarioFile, a: &str) {
    if let Err(e) = apply_override(s, a) {
        panic!("{a}: {e}");
    }
}

fn err(s: &mut ScenarioFile, a: &str) -> String {
    let before = s.clone();
    let e = apply_override(s, a).expect_err(a);
    assert_eq!(
        *s, before,
        "a failed override leaves the scenario unchanged"
    );
    e.to_string()
}

#[test]
fn numbers_distributions_and_plain_fields() {
    let mut s = baseline();
    ok(&mut s, "technology.algo_progress_per_year=4");
    assert_eq!(s.technology.algo_progress_per_year, Num::Value(4.0));
    ok(
        &mut s,
        "technology.algo_progress_per_year = LogNormal(2.8, 0.3)",
    );
    assert_eq!(
        s.technology.algo_progress_per_year,
        Num::Dist(Dist::LogNormal(2.8, 0.3))
    );
    ok(&mut s, "firms[cn-lab-a].reinvest_share=Uniform(0.5,0.8)");
    let f = s.firms.iter().find(|f| f.id == "cn-lab-a").expect("firm");
    assert_eq!(f.reinvest_share, Num::Dist(Dist::Uniform(0.5, 0.8)));
    ok(&mut s, "study.horizon_year=2040");
    assert_eq!(s.study.horizon_year, 2040.0);
    ok(&mut s, "study.steps_per_year=12");
    assert_eq!(s.study.steps_per_year, 12);
    ok(&mut s, "nations[cn].equipment_access=true");
    assert!(s.nations.iter().any(|n| n.id == "cn" && n.equipment_access));
    ok(&mut s, "nations[cn].tier=2");
    ok(&mut s, "technology.multipliers[1].factor=3");
    assert_eq!(s.technology.multipliers[1].factor, Num::Value(3.0));
    ok(&mut s, "firms[cn-lab-e].nation=us");
    ok(&mut s, "firms[cn-lab-e].nation=\"cn\"");
    assert!(
        s.firms
            .iter()
            .any(|f| f.id == "cn-lab-e" && f.nation == "cn")
    );
    ok(&mut s, "name=my-variant");
    assert_eq!(s.name, "my-variant");
}

#[test]
fn enums_options_and_variant_fields() {
    let mut s = baseline();
    ok(&mut s, "policy.rules[oct-2023].tier2=Capped(50000)");
    let rule = |s: &ScenarioFile| {
        s.policy
            .rules
            .iter()
            .find(|r| r.id == "oct-2023")
            .cloned()
            .expect("rule")
    };
    assert_eq!(rule(&s).tier2, Access::Capped(Num::Value(50000.0)));
    ok(
        &mut s,
        "policy.rules[oct-2023].tier2.Capped=LogUniform(1e4, 1e5)",
    );
    assert_eq!(
        rule(&s).tier2,
        Access::Capped(Num::Dist(Dist::LogUniform(1e4, 1e5)))
    );
    ok(&mut s, "policy.rules[oct-2023].tier3=Barred");
    ok(&mut s, "policy.rules[oct-2023].compliant_variants=false");
    assert!(!rule(&s).compliant_variants);
    ok(&mut s, "policy.rules[oct-2023].end_year=Some(2026.5)");
    assert_eq!(rule(&s).end_year, Some(2026.5));
    ok(&mut s, "policy.rules[oct-2023].end_year=None");
    ok(&mut s, "technology.paradigm.arrival_year=2026.5");
    assert_eq!(
        s.technology
            .paradigm
            .as_ref()
            .map(|p| p.arrival_year.clone()),
        Some(Num::Value(2026.5))
    );
    ok(&mut s, "technology.paradigm.discoverer=Some(\"cn-lab-e\")");
    ok(&mut s, "outcome.window.max_years=3");
    ok(&mut s, "outcome.window=Fixed(years: 1.0)");
    assert_eq!(
        s.outcome.window,
        Window::Fixed {
            years: Num::Value(1.0)
        }
    );
    ok(&mut s, "outcome.window.years=Choice([0.25, 0.5, 1, 2])");
    let e = err(&mut s, "outcome.window.max_years=2");
    assert!(
        e.contains("is `Fixed(..)`") && e.contains("set it whole"),
        "{e}"
    );
    ok(&mut s, "technology.paradigm=None");
    let e = err(&mut s, "technology.paradigm.arrival_year=2026");
    assert!(
        e.contains("is `None`") && e.contains("technology.paradigm=Some(...)"),
        "{e}"
    );
    let e = err(&mut s, "policy.rules[oct-2023].tier3.Capped=5");
    assert!(e.contains("is `Barred`"), "{e}");
}

#[test]
fn whole_structs_and_lists() {
    let mut s = baseline();
    ok(
        &mut s,
        "technology.multipliers=[(factor: 1.5, rate_per_year: 1)]",
    );
    assert_eq!(s.technology.multipliers.len(), 1);
    ok(&mut s, "policy.rules=[]");
    assert!(s.policy.rules.is_empty());
    ok(
        &mut s,
        "study=(start_year: 2024.0, horizon_year: 2030.0, steps_per_year: 4, seed: 1, runs: 10)",
    );
    assert_eq!(s.study.runs, 10);
}

#[test]
fn misspelt_paths_suggest_the_nearest_valid_one() {
    let mut s = baseline();
    let e = err(&mut s, "policy.rules[oct-2023].enforcment=0.5");
    assert!(
        e.contains("did you mean `policy.rules[oct-2023].enforcement`?"),
        "{e}"
    );
    let e = err(&mut s, "firms[cn-lab-z].reinvest_share=0.5");
    assert!(e.contains("no element with id `cn-lab-z`"), "{e}");
    assert!(
        e.contains("did you mean `firms[cn-lab-a].reinvest_share`?"),
        "{e}"
    );
    let e = err(&mut s, "tecnology.algo_progres_per_year=3");
    assert!(
        e.contains("did you mean `technology.algo_progress_per_year`?"),
        "{e}"
    );
    let e = err(&mut s, "technology.multipliers[7].factor=2");
    assert!(e.contains("no element [7]"), "{e}");
    let e = err(&mut s, "firms.reinvest_share=0.5");
    assert!(e.contains("address an element"), "{e}");
    let e = err(&mut s, "study.seed.x=1");
    assert!(e.contains("single value"), "{e}");
    assert_eq!(
        suggest_path(&s, "outcome.treshold").as_deref(),
        Some("outcome.threshold")
    );
    assert_eq!(suggest_path(&s, "outcome.threshold"), None);
    assert_eq!(suggest_path(&s, "zzzz.qqqq"), None);
}

#[test]
fn bad_values_are_explained() {
    let mut s = baseline();
    let e = err(&mut s, "firms[cn-lab-a].reinvest_share=1.5");
    assert!(
        e.contains("value 1.5 is outside the valid range [0, 1]"),
        "{e}"
    );
    let e = err(&mut s, "firms[cn-lab-a].reinvest_share=Uniform(2, 1)");
    assert!(e.contains("needs low < high"), "{e}");
    let e = err(&mut s, "firms[cn-lab-a].reinvest_share=Unifrom(0, 1)");
    assert!(e.contains("did you mean `Uniform`?"), "{e}");
    let e = err(&mut s, "nations[cn].tier=2.5");
    assert!(e.contains("not a whole number"), "{e}");
    let e = err(&mut s, "nations[cn].controller=yes");
    assert!(
        e.contains("cannot read `yes`") && e.contains("`true` or `false`"),
        "{e}"
    );
    let e = err(&mut s, "policy.rules[oct-2023].tier2=Caped(5)");
    assert!(e.contains("Caped"), "{e}");
    let e = err(&mut s, "technology.utilization");
    assert!(e.contains("PATH=VALUE"), "{e}");
    let e = err(&mut s, "=3");
    assert!(e.contains("path is empty"), "{e}");
    // Every problem names the override as its origin and the path.
    assert!(e.starts_with("--set"), "{e}");
}

#[test]
fn apply_overrides_validates_the_result_as_a_whole() {
    let mut s = baseline();
    // Order does not matter: the intermediate state (start after horizon) is never checked.
    apply_overrides(
        &mut s,
        &["study.start_year=2037", "study.horizon_year=2040"],
    )
    .expect("valid together");
    assert_eq!(s.study.start_year, 2037.0);
    let before = s.clone();
    let e = apply_overrides(&mut s, &["study.horizon_year=2030", "firms[nope].x=1"])
        .expect_err("two problems");
    assert_eq!(
        e.problems.len(),
        1,
        "the path error is reported; validation waits for valid paths: {e}"
    );
    assert_eq!(s, before);
    let e = apply_overrides(
        &mut s,
        &["study.horizon_year=2030", "nations[cn].bloc=\"xx\""],
    )
    .expect_err("invalid");
    let text = e.to_string();
    assert!(
        text.contains("study.horizon_year") && text.contains("nations[cn].bloc"),
        "{text}"
    );
}

#[test]
fn every_listed_path_resolves_and_reads_back() {
    for (name, _) in embedded() {
        let s = load(name).expect("loads").scenario;
        let paths = all_paths(&s);
        assert!(paths.len() > 100, "{name}: {}", paths.len());
        for p in &paths {
            let v = get_path(&s, p).unwrap_or_else(|e| panic!("{p}: {e}"));
            // Writing back what was read is a no-op.
            let mut t = s.clone();
            set_path(&mut t, p, &v).unwrap_or_else(|e| panic!("{p}={v}: {e}"));
            assert_eq!(t, s, "{p}={v}");
        }
    }
}
