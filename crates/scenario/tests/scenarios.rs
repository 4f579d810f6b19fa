//! The shipped scenarios: each validates without errors, runs, round-trips through `to_ron`,
//! and has the structure issue 3 §5 asks of it.

use polarity_model::params::{Access, Window};
use polarity_model::{RunKey, RunOptions, run_once};
use polarity_scenario::*;

fn get(name: &str) -> ScenarioFile {
    match load(name) {
        Ok(l) => l.scenario,
        Err(e) => panic!("{name} does not load:\n{e}"),
    }
}

#[test]
fn every_embedded_scenario_validates_and_runs() {
    let names: Vec<&str> = embedded().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "baseline",
            "no-controls",
            "strict",
            "leaky",
            "paradigm-shift",
            "tiny"
        ]
    );
    for (name, source) in embedded() {
        let loaded = parse_source(source, name).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        assert_eq!(
            loaded.scenario.name, *name,
            "the name field matches the embedded name"
        );
        // No problem of any class, not even a warning.
        let problems = validate(&loaded.scenario, Some(source), name);
        assert!(problems.is_empty(), "{name}: {problems:?}");
        let mut values = Vec::new();
        for run in 0..3 {
            let x = sample(&loaded.scenario, 1, run, &mut values);
            let r = run_once(&x, RunKey { study_seed: 1, run }, RunOptions::default());
            assert!(r.steps > 0, "{name} run {run} did not step");
        }
        assert!(
            !uncertain_parameters(&loaded.scenario).is_empty(),
            "{name}: uncertain quantities must be distributions"
        );
    }
}

#[test]
fn to_ron_round_trips_and_the_hash_ignores_formatting() {
    for (name, source) in embedded() {
        let s = get(name);
        let text = to_ron(&s);
        let back = parse(&text, "to_ron").unwrap_or_else(|e| panic!("{name}:\n{e}"));
        assert_eq!(back, s, "{name}");
        assert_eq!(hash(&back), hash(&s));
        assert_eq!(hash(&s).len(), 16);
        // The source (with comments) and its pretty form hash the same.
        assert_eq!(hash(&parse(source, name).expect("valid")), hash(&s));
    }
    let mut s = get("baseline");
    let h = hash(&s);
    apply_override(&mut s, "technology.utilization=0.45").expect("override");
    assert_ne!(hash(&s), h, "any value change changes the hash");
}

#[test]
fn baseline_has_the_shape_issue_3_asks_for() {
    let s = get("baseline");
    assert_eq!(s.study.start_year, 2023.0);
    assert!(s.study.horizon_year >= 2035.0);
    assert!((8..=12).contains(&s.nations.len()), "{}", s.nations.len());
    assert!((20..=40).contains(&s.firms.len()), "{}", s.firms.len());
    assert!((5..=15).contains(&s.fabs.len()), "{}", s.fabs.len());
    let blocs: Vec<&str> = s.blocs.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(blocs, ["us", "cn"], "no uncalibrated third bloc");
    let cn = s.nations.iter().find(|n| n.id == "cn").expect("cn");
    assert_eq!((cn.tier, cn.equipment_access), (3, false));
    assert!(cn.industrial_policy.is_uncertain() || cn.industrial_policy.fixed_value() > Some(0.0));
    let ids: Vec<&str> = s.policy.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["oct-2022", "oct-2023", "ai-diffusion", "h20-license"]);
    let rule = |id: &str| s.policy.rules.iter().find(|r| r.id == id).expect("rule");
    assert!(rule("oct-2022").start_year < s.study.start_year);
    assert!((rule("oct-2023").start_year - 2023.87).abs() < 0.01);
    assert!(rule("oct-2023").compliant_variants);
    assert!(!rule("h20-license").compliant_variants);
    assert_eq!(rule("ai-diffusion").end_year, Some(2025.37));
    assert!(matches!(rule("ai-diffusion").tier2, Access::Capped(_)));
    // The threshold is a wide distribution, so that "none" is possible.
    let t = &s.outcome.threshold;
    assert!(t.is_uncertain());
    let (lo, hi) = t.central_range(Range::new(-1e6, 1e6));
    assert!(
        hi - lo >= 2.0,
        "threshold spans at least two decades: {lo}..{hi}"
    );
    assert!(matches!(s.outcome.window, Window::Decisive { .. }));
    // Every calibrated source is cited: the header lists the abbreviations used.
    let src = embedded_source("baseline").expect("source");
    let header: Vec<&str> = src
        .lines()
        .take_while(|l| l.starts_with("//"))
        .filter_map(|l| l.trim_start_matches("//").trim().strip_prefix('['))
        .filter_map(|l| l.split_once(']').map(|(tag, _)| tag))
        .collect();
    assert!(header.len() >= 10, "{header:?}");
    for tag in header {
        assert!(
            src.matches(tag).count() >= 2,
            "source [{tag}] is defined but never cited"
        );
    }
}

#[test]
fn the_variants_differ_from_baseline_only_where_they_should() {
    let base = get("baseline");
    let same_world = |mut s: ScenarioFile, keep_policy: bool, keep_tech: bool| {
        s.name = base.name.clone();
        s.description = base.description.clone();
        if !keep_policy {
            s.policy = base.policy.clone();
        }
        if !keep_tech {
            s.technology = base.technology.clone();
        }
        assert_eq!(s, base);
    };
    let nc = get("no-controls");
    assert!(nc.policy.rules.is_empty());
    same_world(nc, false, true);

    let strict = get("strict");
    for r in &strict.policy.rules {
        assert!(!r.compliant_variants && r.equipment_controls);
        assert!(r.enforcement.fixed_value().is_some_and(|e| e >= 0.9));
        assert!(matches!(r.tier2, Access::Capped(_)));
        assert_eq!(r.cloud_access_share.fixed_value(), Some(0.0));
    }
    same_world(strict, false, true);

    let leaky = get("leaky");
    assert_eq!(leaky.policy.rules.len(), base.policy.rules.len());
    for (l, b) in leaky.policy.rules.iter().zip(&base.policy.rules) {
        assert_eq!(
            (&l.id, l.start_year, l.compliant_variants),
            (&b.id, b.start_year, b.compliant_variants)
        );
        let (_, lhi) = l.enforcement.central_range(Range::UNIT);
        assert!(lhi <= 0.5, "weak enforcement in {}", l.id);
    }
    same_world(leaky, false, true);

    let ps = get("paradigm-shift");
    let p = ps.technology.paradigm.as_ref().expect("a paradigm");
    assert_eq!(p.discoverer.as_deref(), Some("cn-lab-e"));
    let (lo, hi) = p.arrival_year.central_range(Range::new(1900.0, 2500.0));
    assert!(lo >= 2025.0 && hi <= 2026.5, "early arrival: {lo}..{hi}");
    same_world(ps, true, false);

    let tiny = get("tiny");
    assert_eq!(
        (
            tiny.blocs.len(),
            tiny.nations.len(),
            tiny.firms.len(),
            tiny.fabs.len(),
            tiny.policy.rules.len()
        ),
        (2, 3, 3, 2, 1)
    );
    let r = &tiny.policy.rules[0];
    assert!(r.compliant_variants && r.equipment_controls && matches!(r.tier2, Access::Capped(_)));
    assert!(r.announcement_lead_years.fixed_value() > Some(0.0));
    assert!(
        r.start_year > tiny.study.start_year,
        "the announcement lead falls inside the study"
    );
    assert!(tiny.technology.paradigm.is_some() && !tiny.technology.multipliers.is_empty());
}
