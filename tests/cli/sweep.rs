//! `polarity sweep`: arms on common random numbers, the cartesian order of arms, paired
//! contrasts (exactly zero for identical arms, narrower than unpaired where pairing must
//! help), byte-identical files across thread counts, and bad sweeps refused with exit 2.

use polarity_runner::stats::{PairedTable, newcombe_paired_diff, unpaired_diff_ci};

use crate::support::{Sandbox, TINY, read};

/// A CSV file as rows of cells (no quoted commas in the files these tests read).
pub fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

/// The index of `name` in a header row.
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// `sweep tiny --seed 9 --quiet --out OUT EXTRA…` (120 runs unless EXTRA says otherwise).
fn sweep(s: &Sandbox, out: &str, extra: &[&str]) {
    let mut args = vec!["sweep", TINY, "--seed", "9", "--quiet", "--out", out];
    if !extra.contains(&"--runs") {
        args.extend(["--runs", "120"]);
    }
    args.extend_from_slice(extra);
    s.run(&args).ok();
}

#[test]
fn arms_share_their_runs_world_draws() {
    let s = Sandbox::new();
    sweep(&s, "sw", &["--set", "technology.utilization=0.4,0.45"]);
    let runs = rows(&s.read("sw/runs.csv"));
    let header = &runs[0];
    assert_eq!(&header[..3], ["arm", "run", "seed"]);
    let first_param = col(header, "cross_year_us") + 1;
    assert!(first_param < header.len(), "tiny has uncertain parameters");
    assert_eq!(runs.len(), 1 + 2 * 120);
    for pair in runs[1..].chunks(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert_eq!(
            (a[0].as_str(), b[0].as_str()),
            ("0", "1"),
            "run-major order"
        );
        assert_eq!(a[1], b[1], "same run index");
        assert_eq!(a[2], b[2], "same run seed");
        assert_eq!(
            a[first_param..],
            b[first_param..],
            "run {}: the sampled parameters the arm does not change are identical",
            a[1]
        );
    }
    // The arms differ somewhere: a higher utilization crosses earlier in some run.
    assert!(runs[1..].chunks(2).any(|p| p[0][5] != p[1][5]));

    // Each arm's scenario is saved; running it alone gives exactly the arm's rows.
    for arm in ["0", "1"] {
        let out = format!("alone{arm}");
        s.run(&[
            "run",
            &s.path(&format!("sw/arms/{arm}.ron")).to_string_lossy(),
            "--runs",
            "120",
            "--seed",
            "9",
            "--quiet",
            "--out",
            &out,
        ])
        .ok();
        let alone = s.read(&format!("{out}/runs.csv"));
        let mine: Vec<String> = s
            .read("sw/runs.csv")
            .lines()
            .skip(1)
            .filter_map(|l| l.strip_prefix(&format!("{arm},")).map(String::from))
            .collect();
        assert_eq!(alone.lines().skip(1).collect::<Vec<_>>(), mine, "arm {arm}");
        let hash = s.json(&format!("{out}/summary.json"))["scenario"]["hash"].clone();
        let arms = rows(&s.read("sw/arms.csv"));
        let k: usize = arm.parse().unwrap();
        assert_eq!(Some(arms[k + 1][2].as_str()), hash.as_str());
    }
    // `run --set` gives the same world as the sweep's arm 1.
    s.run(&[
        "run",
        TINY,
        "--set",
        "technology.utilization=0.45",
        "--runs",
        "120",
        "--seed",
        "9",
        "--quiet",
        "--out",
        "set",
    ])
    .ok();
    assert_eq!(s.read("set/runs.csv"), s.read("alone1/runs.csv"));
}

#[test]
fn an_arm_without_a_parameter_leaves_its_cells_empty() {
    let s = Sandbox::new();
    let path = "policy.rules[controls].enforcement";
    sweep(
        &s,
        "sw",
        &["--set", &format!("{path}=Uniform(0.5, 0.9),0.7")],
    );
    let runs = rows(&s.read("sw/runs.csv"));
    let c = col(&runs[0], path);
    let threshold = col(&runs[0], "outcome.threshold");
    for pair in runs[1..].chunks(2) {
        assert!(!pair[0][c].is_empty());
        assert_eq!(pair[1][c], "", "arm 1 holds a plain value");
        assert_eq!(pair[0][threshold], pair[1][threshold]);
    }
}

#[test]
fn arms_are_the_cartesian_product_last_set_fastest() {
    let s = Sandbox::new();
    sweep(
        &s,
        "sw",
        &[
            "--runs",
            "5",
            "--set",
            "technology.utilization=0.3,0.4",
            "--set",
            "technology.run_length_years=0.25, 0.5",
        ],
    );
    let arms = rows(&s.read("sw/arms.csv"));
    let settings: Vec<(String, String)> = arms[1..]
        .iter()
        .map(|r| (r[3].clone(), r[4].clone()))
        .collect();
    let want = [
        ("0.3", "0.25"),
        ("0.3", "0.5"),
        ("0.4", "0.25"),
        ("0.4", "0.5"),
    ];
    assert_eq!(settings, want.map(|(a, b)| (a.to_string(), b.to_string())));
    assert_eq!(
        &arms[0][..5],
        [
            "arm",
            "scenario",
            "scenario_hash",
            "technology.utilization",
            "technology.run_length_years"
        ]
    );
    // Three contrasts per event: arms 1, 2, 3 against arm 0.
    let contrasts = rows(&s.read("sw/contrasts.csv"));
    let arms_compared: Vec<&str> = contrasts[1..]
        .iter()
        .filter(|r| r[1] == "unipolar")
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(arms_compared, ["1", "2", "3"]);
    let summary = s.json("sw/summary.json");
    assert_eq!(summary["kind"], "sweep");
    assert_eq!(summary["arms"].as_array().unwrap().len(), 4);
    assert_eq!(
        summary["arms"][3]["settings"]["technology.run_length_years"],
        "0.5"
    );
}

#[test]
fn an_arm_identical_to_the_reference_has_a_contrast_of_exactly_zero() {
    let s = Sandbox::new();
    sweep(&s, "sw", &["--set", "technology.utilization=0.4,0.4"]);
    let contrasts = rows(&s.read("sw/contrasts.csv"));
    let h = &contrasts[0];
    assert_eq!(contrasts.len(), 1 + 4 + 2, "4 outcomes and 2 leaders");
    for r in &contrasts[1..] {
        let event = &r[1];
        assert_eq!(r[col(h, "difference")], "0", "{event}");
        assert_eq!(r[col(h, "only_reference")], "0", "{event}");
        assert_eq!(r[col(h, "only_arm")], "0", "{event}");
        let lo: f64 = r[col(h, "ci95_lo")].parse().unwrap();
        let hi: f64 = r[col(h, "ci95_hi")].parse().unwrap();
        assert_eq!(lo, -hi, "{event}: symmetric about 0");
        // Defined (1: pairing removed all variance) unless the event never or always
        // happens, when it is an empty cell.
        let count: u64 = r[col(h, "reference_count")].parse().unwrap();
        let reduction = &r[col(h, "variance_reduction")];
        if count == 0 || count == 120 {
            assert_eq!(reduction, "", "{event}");
        } else {
            assert_eq!(reduction, "1", "{event}");
        }
    }
    let arms = rows(&s.read("sw/arms.csv"));
    assert_eq!(arms[1][2], arms[2][2], "identical scenario hashes");
    assert_eq!(arms[1][4..], arms[2][4..]);
}

#[test]
fn the_paired_interval_is_narrower_where_pairing_must_help() {
    let s = Sandbox::new();
    // A slightly higher threshold (+0.1 of a 2-point range), drawn from the same uniform in
    // every run: most runs end the same way in both arms, so the paired interval must be
    // much narrower.
    sweep(
        &s,
        "sw",
        &[
            "--runs",
            "400",
            "--set",
            "outcome.threshold=Uniform(29.0, 31.0),Uniform(29.1, 31.1)",
        ],
    );
    let contrasts = rows(&s.read("sw/contrasts.csv"));
    let h = &contrasts[0];
    let uni = contrasts
        .iter()
        .find(|r| r[1] == "unipolar")
        .expect("unipolar row");
    let paired: f64 = uni[col(h, "ci95_width")].parse().unwrap();
    let unpaired: f64 = uni[col(h, "unpaired_ci95_width")].parse().unwrap();
    let reduction: f64 = uni[col(h, "variance_reduction")].parse().unwrap();
    // With seed 9 the arms disagree on 26 of 400 runs (paired width 0.051 against 0.135
    // unpaired, a reduction of 0.87); the bounds leave room: any sound pairing of arms this
    // similar at least halves the width and removes most of the variance.
    assert!(
        paired < 0.5 * unpaired,
        "paired {paired}, unpaired {unpaired}"
    );
    assert!(reduction > 0.75, "variance reduction {reduction}");

    // The row is the statistics of the paired table that runs.csv shows.
    let runs = rows(&s.read("sw/runs.csv"));
    let mut table = PairedTable::default();
    for pair in runs[1..].chunks(2) {
        table.add(pair[0][3] == "unipolar", pair[1][3] == "unipolar");
    }
    assert_eq!(uni[col(h, "only_reference")], table.only_a.to_string());
    assert_eq!(uni[col(h, "only_arm")], table.only_b.to_string());
    let (d, ci) = newcombe_paired_diff(&table).unwrap();
    let num = |name: &str| -> f64 { uni[col(h, name)].parse().unwrap() };
    // The CSV holds the shortest decimal that reads back to the same f64.
    assert_eq!(num("difference"), d);
    assert_eq!((num("ci95_lo"), num("ci95_hi")), (ci.lo, ci.hi));
    let xa = table.both + table.only_a;
    let xb = table.both + table.only_b;
    let (_, u) = unpaired_diff_ci(xa, 400, xb, 400).unwrap();
    assert_eq!(
        (num("unpaired_ci95_lo"), num("unpaired_ci95_hi")),
        (u.lo, u.hi)
    );
}

#[test]
fn sweep_files_do_not_depend_on_threads() {
    let s = Sandbox::new();
    for (threads, out) in [("1", "t1"), ("2", "t2")] {
        sweep(
            &s,
            out,
            &[
                "--threads",
                threads,
                "--trace",
                "2",
                "--set",
                "technology.utilization=0.4,0.45,0.5",
            ],
        );
    }
    for file in [
        "summary.json",
        "runs.csv",
        "trajectories.csv",
        "arms.csv",
        "contrasts.csv",
        "arms/2.ron",
    ] {
        let one = s.read(&format!("t1/{file}"));
        assert!(!one.is_empty(), "{file}");
        assert_eq!(one, s.read(&format!("t2/{file}")), "{file}");
    }
    let traj = s.read("t1/trajectories.csv");
    assert!(traj.starts_with("arm,run,year,"));
    // Runs 0 and 1 of all three arms are traced.
    let traced: std::collections::BTreeSet<&str> = traj.lines().skip(1).map(|l| &l[..3]).collect();
    assert_eq!(
        traced.into_iter().collect::<Vec<_>>(),
        ["0,0", "0,1", "1,0", "1,1", "2,0", "2,1"]
    );
}

#[test]
fn whole_scenarios_are_arms_when_they_share_blocs() {
    let s = Sandbox::new();
    let source = s.run(&["show", TINY]).ok().stdout;
    s.write("a.ron", &source);
    s.write(
        "b.ron",
        &source.replacen("cloud_access_share: 0.05", "cloud_access_share: 0.2", 1),
    );
    let out = s
        .run(&[
            "sweep",
            "--scenarios",
            "a.ron,b.ron",
            "--runs",
            "30",
            "--out",
            "sw",
        ])
        .ok();
    assert!(out.stdout.contains("a.ron"), "{}", out.stdout);
    assert!(
        out.stdout.contains("difference from arm 0"),
        "{}",
        out.stdout
    );
    let arms = rows(&s.read("sw/arms.csv"));
    assert_eq!(
        (arms[1][1].as_str(), arms[2][1].as_str()),
        ("a.ron", "b.ron")
    );
    assert!(read(&s.path("sw/arms/1.ron")).contains("cloud_access_share: 0.2"));

    // Other blocs: refused before anything runs.
    s.write("other.ron", &source.replace("\"cn\"", "\"zz\""));
    let out = s
        .run(&[
            "sweep",
            "--scenarios",
            "a.ron,other.ron",
            "--runs",
            "10",
            "--out",
            "bad",
        ])
        .code(2);
    assert!(out.stderr.contains("same blocs"), "{}", out.stderr);
    assert!(out.stderr.contains("other.ron"), "{}", out.stderr);
    assert!(!s.path("bad").exists());
}

#[test]
fn bad_sweeps_exit_2_with_a_reason() {
    let s = Sandbox::new();
    for (args, needle) in [
        (
            vec!["sweep", TINY, "--set", "technology.utilization=0.4"],
            "two or more arms",
        ),
        (vec!["sweep", TINY, "--scenarios", "tiny,tiny"], "not both"),
        (
            vec!["sweep", TINY, "--set", "technology.utilization=0.4,,0.5"],
            "empty",
        ),
        (
            vec!["sweep", TINY, "--set", "technology.utilization=0.4,7"],
            "arm 1",
        ),
        (
            vec!["sweep", TINY, "--set", "technology.utilisation=0.4,0.5"],
            "utilization",
        ),
        (
            vec![
                "sweep",
                TINY,
                "--set",
                "technology.utilization=0.4,0.5",
                "--set",
                "technology.utilization=0.3,0.2",
            ],
            "twice",
        ),
        (vec!["sweep", TINY, "--set", "no-equals"], "PATH=V1,V2"),
    ] {
        let out = s.run(&args).code(2);
        assert!(
            out.stderr.starts_with("error: "),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"));
    }
}
