//! The content of the output files: columns, counts, intervals, no NaN, atomic writes.

use polarity_runner::stats::wilson;

use crate::support::{Sandbox, TINY};

const OUTCOMES: [&str; 4] = ["none", "unipolar", "bipolar", "multipolar"];

fn run_tiny(s: &Sandbox, out: &str, extra: &[&str]) {
    let mut args = vec![
        "run", TINY, "--runs", "400", "--seed", "11", "--quiet", "--out", out,
    ];
    args.extend_from_slice(extra);
    s.run(&args).ok();
}

#[test]
fn outcome_probabilities_sum_to_one_with_wilson_intervals() {
    let s = Sandbox::new();
    run_tiny(&s, "out", &[]);
    let summary = s.json("out/summary.json");
    let runs = summary["runs"].as_u64().unwrap();
    assert_eq!(runs, 400);
    let mut count_sum = 0;
    let mut p_sum = 0.0;
    for name in OUTCOMES {
        let o = &summary["outcomes"][name];
        let count = o["count"].as_u64().unwrap();
        let p = o["probability"].as_f64().unwrap();
        count_sum += count;
        p_sum += p;
        assert_eq!(p, count as f64 / runs as f64, "{name}");
        let ci = wilson(count, runs).unwrap();
        // JSON holds the shortest round-trip decimal; allow for one ulp when parsing back.
        assert!(
            (o["ci95_lo"].as_f64().unwrap() - ci.lo).abs() <= 1e-15,
            "{name} lo"
        );
        assert!(
            (o["ci95_hi"].as_f64().unwrap() - ci.hi).abs() <= 1e-15,
            "{name} hi"
        );
        if count == 0 {
            assert_eq!(o["ci95_lo"].as_f64(), Some(0.0));
        }
        if count == runs {
            assert_eq!(o["ci95_hi"].as_f64(), Some(1.0));
        }
    }
    assert_eq!(count_sum, runs);
    assert!((p_sum - 1.0).abs() < 1e-12, "probabilities sum to {p_sum}");

    // Per bloc: leader shares and unipolar-by-leader add up to their totals.
    let blocs: Vec<String> = summary["blocs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect();
    assert!(!blocs.is_empty());
    let sum = |key: &str| -> u64 {
        blocs
            .iter()
            .map(|b| summary[key][b]["count"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(
        sum("leader"),
        runs - summary["outcomes"]["none"]["count"].as_u64().unwrap()
    );
    assert_eq!(
        sum("unipolar_by_leader"),
        summary["outcomes"]["unipolar"]["count"].as_u64().unwrap()
    );
    for b in &blocs {
        let c = &summary["crossing"][b];
        for key in ["count", "q05", "q25", "q50", "q75", "q95", "mean"] {
            assert!(c["year"].get(key).is_some(), "crossing.{b}.year.{key}");
        }
    }
    for key in ["first_crossing_year", "lag_years", "follower_lag_months"] {
        assert!(summary[key]["q50"].is_number() || summary[key]["q50"].is_null());
    }
}

#[test]
fn runs_csv_has_one_row_per_run_and_the_documented_columns() {
    let s = Sandbox::new();
    run_tiny(&s, "out", &[]);
    let summary = s.json("out/summary.json");
    let csv = s.read("out/runs.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut expected: Vec<String> = [
        "run",
        "seed",
        "outcome",
        "leader",
        "first_crossing_year",
        "second_crossing_year",
        "lag_years",
        "follower_lag_months",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let blocs: Vec<&str> = summary["blocs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    expected.extend(blocs.iter().map(|b| format!("cross_year_{b}")));
    let loaded = polarity_scenario::load(TINY).unwrap();
    let params: Vec<String> = polarity_scenario::uncertain_parameters(&loaded.scenario)
        .into_iter()
        .map(|u| u.path)
        .collect();
    assert!(!params.is_empty(), "tiny should have uncertain parameters");
    expected.extend(params.iter().cloned());
    assert_eq!(header, expected);

    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 400);
    let mut outcome_counts = std::collections::BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len(), "row {i}");
        assert_eq!(row[0], i.to_string(), "runs are in order");
        row[1].parse::<u64>().expect("seed is an integer");
        assert!(OUTCOMES.contains(&row[2]), "outcome {}", row[2]);
        *outcome_counts.entry(row[2]).or_insert(0u64) += 1;
        assert_eq!(row[3].is_empty(), row[2] == "none", "leader iff an outcome");
        if !row[3].is_empty() {
            assert!(blocs.contains(&row[3]));
        }
        for cell in &row[4..] {
            assert!(
                cell.is_empty() || cell.parse::<f64>().is_ok_and(f64::is_finite),
                "{cell}"
            );
        }
        for cell in &row[8 + blocs.len()..] {
            assert!(!cell.is_empty(), "every uncertain parameter has a value");
        }
    }
    for name in OUTCOMES {
        assert_eq!(
            outcome_counts.get(name).copied().unwrap_or(0),
            summary["outcomes"][name]["count"].as_u64().unwrap(),
            "{name}: runs.csv agrees with summary.json"
        );
    }
}

#[test]
fn trajectories_hold_the_traced_runs_in_long_format() {
    let s = Sandbox::new();
    run_tiny(&s, "out", &["--trace", "2", "--trace-runs", "17,42"]);
    let csv = s.read("out/trajectories.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "run,year,kind,name,bloc,capability,effective_compute,training_compute,\
         chip_stock_h100e,spend_usd,revenue_usd,production_h100e,compliant_h100e,\
         smuggled_h100e,seized_h100e,chip_price_usd,compliant_chips,smuggled_chips,\
         budget_usd,algo_efficiency_log10,paradigm_gain_log10"
    );
    let mut runs = std::collections::BTreeSet::new();
    let mut kinds = std::collections::BTreeSet::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 21, "{line}");
        runs.insert(cells[0].parse::<u64>().unwrap());
        cells[1].parse::<f64>().expect("year");
        kinds.insert(cells[2].to_string());
        assert!(!cells[3].is_empty() && !cells[4].is_empty(), "{line}");
        for cell in &cells[5..] {
            assert!(
                cell.is_empty() || cell.parse::<f64>().is_ok_and(f64::is_finite),
                "{cell}"
            );
        }
    }
    assert_eq!(runs.into_iter().collect::<Vec<_>>(), [0, 1, 17, 42]);
    for kind in ["bloc", "nation", "firm", "fab"] {
        assert!(kinds.contains(kind), "kind {kind} missing: {kinds:?}");
    }
    // Without tracing there is no trajectories.csv.
    run_tiny(&s, "plain", &[]);
    assert!(!s.path("plain/trajectories.csv").exists());
}

#[test]
fn every_file_is_complete_and_the_manifest_holds_provenance() {
    let s = Sandbox::new();
    run_tiny(&s, "out", &["--set", "study.runs=5"]);
    let mut names: Vec<String> = std::fs::read_dir(s.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "fan.csv",
            "manifest.json",
            "runs.csv",
            "scenario.ron",
            "summary.json"
        ],
        "no .partial file is left"
    );
    let m = s.json("out/manifest.json");
    assert_eq!(m["tool"], "polarity");
    assert_eq!(m["version"], env!("CARGO_PKG_VERSION"));
    assert!(m["build"].as_str().is_some_and(|b| !b.is_empty()));
    assert_eq!(m["seed"], 11);
    assert_eq!(m["runs"], 400);
    assert!(m["shard"].is_null());
    assert!(m["started"].as_str().unwrap().ends_with('Z'));
    assert!(m["elapsed_seconds"].as_f64().unwrap() >= 0.0);
    let cmd: Vec<&str> = m["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(cmd.ends_with(&["--set", "study.runs=5"]), "{cmd:?}");
    let summary = s.json("out/summary.json");
    assert_eq!(m["scenario"], summary["scenario"]);
    // The scenario as run, after overrides, is what was saved.
    let saved = s.read("out/scenario.ron");
    let reparsed = polarity_scenario::parse(&saved, "scenario.ron").unwrap();
    assert_eq!(reparsed.study.runs, 5);
    assert_eq!(
        polarity_scenario::hash(&reparsed),
        summary["scenario"]["hash"]
    );
    // Nothing in summary.json varies between identical studies.
    let text = s.read("out/summary.json");
    assert!(!text.contains("elapsed") && !text.contains("threads"));
    assert!(!text.contains(&*s.path("out").to_string_lossy()));
}

#[test]
fn json_flag_prints_summary_json() {
    let s = Sandbox::new();
    let printed = s
        .run(&[
            "run", TINY, "--runs", "60", "--seed", "2", "--json", "--out", "o",
        ])
        .ok()
        .stdout;
    assert_eq!(printed, s.read("o/summary.json"));
    let without_out = s
        .run(&["run", TINY, "--runs", "60", "--seed", "2", "--json"])
        .ok()
        .stdout;
    assert_eq!(printed, without_out);
}

#[test]
fn the_table_shows_outcomes_blocs_and_timing() {
    let s = Sandbox::new();
    let out = s.run(&["run", TINY, "--runs", "50"]).ok().stdout;
    for needle in [
        "none",
        "unipolar",
        "bipolar",
        "multipolar",
        "95% CI",
        "median",
        "runs in",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    assert!(
        s.run(&["run", TINY, "--runs", "50", "--quiet"])
            .ok()
            .stdout
            .is_empty()
    );
}
