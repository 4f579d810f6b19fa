//! Per-run sampling: keyed by (study seed, run, parameter path), so identical for the same
//! key, different across runs, and unchanged for every other parameter when a parameter or a
//! firm is added, changed or reordered.

use polarity_model::rng::parameter_uniform;
use polarity_scenario::*;

fn baseline() -> ScenarioFile {
    load("baseline").expect("baseline").scenario
}

/// The sampled value of each uncertain path.
fn draws(s: &ScenarioFile, seed: u64, run: u64) -> Vec<(String, f64)> {
    let mut values = Vec::new();
    let _ = sample(s, seed, run, &mut values);
    let paths = uncertain_parameters(s);
    assert_eq!(
        values.len(),
        paths.len(),
        "one value per uncertain parameter"
    );
    paths.into_iter().map(|u| u.path).zip(values).collect()
}

#[test]
fn same_key_same_numbers_different_runs_different_numbers() {
    let s = baseline();
    let mut v1 = Vec::new();
    let mut v2 = Vec::new();
    let a = sample(&s, 7, 3, &mut v1);
    let b = sample(&s, 7, 3, &mut v2);
    assert_eq!(a, b);
    assert_eq!(
        v1.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        v2.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    let c = sample(&s, 7, 4, &mut v2);
    assert_ne!(a, c);
    // Every uncertain parameter differs between two runs (continuous distributions).
    let d3 = draws(&s, 7, 3);
    let d4 = draws(&s, 7, 4);
    for ((p, x), (_, y)) in d3.iter().zip(&d4) {
        assert_ne!(x, y, "{p} drew the same value in runs 3 and 4");
    }
    // And differs between seeds.
    assert_ne!(sample(&s, 8, 3, &mut v2), a);
}

#[test]
fn each_draw_is_the_inverse_cdf_of_its_keyed_uniform_inside_the_range() {
    let s = baseline();
    for run in 0..20 {
        let mut values = Vec::new();
        let _ = sample(&s, 11, run, &mut values);
        for (u, x) in uncertain_parameters(&s).iter().zip(&values) {
            let expected = u
                .dist
                .quantile(parameter_uniform(11, run, &u.path), u.range);
            assert_eq!(x.to_bits(), expected.to_bits(), "{}", u.path);
            assert!(u.range.contains(*x), "{} = {x} outside {}", u.path, u.range);
        }
    }
}

#[test]
fn sampled_scenario_carries_the_draws_and_keeps_plain_numbers() {
    let s = baseline();
    let mut values = Vec::new();
    let x = sample(&s, 1, 0, &mut values);
    let d = draws(&s, 1, 0);
    let get = |p: &str| d.iter().find(|(q, _)| q == p).map(|(_, v)| *v).expect(p);
    assert_eq!(
        x.technology.algo_progress_per_year,
        get("technology.algo_progress_per_year")
    );
    let cn_a = x.firms.iter().find(|f| f.id == "cn-lab-a").expect("firm");
    assert_eq!(cn_a.fleet_h100e, get("firms[cn-lab-a].fleet_h100e"));
    let us_a = x.firms.iter().find(|f| f.id == "us-lab-a").expect("firm");
    assert_eq!(us_a.fleet_h100e, 45000.0, "plain numbers are copied");
    assert_eq!(x.outcome.threshold, get("outcome.threshold"));
}

#[test]
fn adding_an_uncertain_field_or_a_firm_changes_no_other_draw() {
    let s = baseline();
    let before = draws(&s, 5, 9);

    // A new uncertain field.
    let mut t = s.clone();
    apply_override(&mut t, "technology.utilization=Beta(4, 6)").expect("override");
    apply_override(&mut t, "firms[us-lab-a].reinvest_share=Uniform(0.6, 0.8)").expect("override");
    let after = draws(&t, 5, 9);
    assert_eq!(
        after.len(),
        before.len() + 1,
        "utilization was already uncertain"
    );
    for (p, v) in &before {
        let w = after.iter().find(|(q, _)| q == p).map(|(_, v)| *v);
        if p != "technology.utilization" {
            assert_eq!(w, Some(*v), "{p} moved");
        }
    }

    // A new firm, inserted first, with uncertain fields of its own.
    let mut u = s.clone();
    let mut extra = u
        .firms
        .iter()
        .find(|f| f.id == "cn-lab-a")
        .cloned()
        .expect("firm");
    extra.id = "cn-lab-z".into();
    u.firms.insert(0, extra);
    let after = draws(&u, 5, 9);
    for (p, v) in &before {
        let w = after.iter().find(|(q, _)| q == p).map(|(_, v)| *v);
        assert_eq!(w, Some(*v), "{p} moved when a firm was added");
    }

    // Reordering the firms changes no draw either.
    let mut r = s.clone();
    r.firms.reverse();
    let mut after = draws(&r, 5, 9);
    let mut sorted_before = before.clone();
    after.sort_by(|a, b| a.0.cmp(&b.0));
    sorted_before.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(after, sorted_before);
}

#[test]
fn uncertain_parameters_are_in_schema_order_and_skip_fixed() {
    let s = baseline();
    let u = uncertain_parameters(&s);
    let paths: Vec<&str> = u.iter().map(|u| u.path.as_str()).collect();
    let pos = |p: &str| {
        paths
            .iter()
            .position(|q| *q == p)
            .unwrap_or_else(|| panic!("{p} missing"))
    };
    // Schema order: nations, firms (in file order), fabs, policy, technology, economics, outcome.
    assert!(pos("nations[cn].industrial_policy") < pos("firms[us-lab-a].funding_growth_per_year"));
    assert!(
        pos("firms[us-lab-a].funding_growth_per_year")
            < pos("firms[cn-lab-a].funding_usd_per_year")
    );
    assert!(pos("firms[cn-lab-a].fleet_h100e") < pos("fabs[tw-fab-a].capacity_chips_per_year"));
    assert!(
        pos("policy.rules[ai-diffusion].tier2.Capped") < pos("technology.algo_progress_per_year")
    );
    assert!(pos("technology.paradigm.arrival_year") < pos("economics.revenue_growth_per_year"));
    assert!(pos("outcome.threshold") < pos("outcome.window.above_threshold"));
    // A Fixed(..) distribution is not uncertain.
    let mut t = s.clone();
    apply_override(&mut t, "outcome.threshold=Fixed(30)").expect("override");
    assert!(
        !uncertain_parameters(&t)
            .iter()
            .any(|u| u.path == "outcome.threshold")
    );
    let mut values = Vec::new();
    assert_eq!(sample(&t, 1, 1, &mut values).outcome.threshold, 30.0);
    // Every uncertain path is settable (batch designs set them by name).
    for u in &u {
        assert!(path_exists(&s, &u.path), "{}", u.path);
    }
}
