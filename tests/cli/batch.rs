//! `polarity batch` and `polarity salib-problem`: one row per design point in input order,
//! each equal to running that row alone with `run --set`; SALib's headerless matrices with
//! `--names-from`; bad rows reported by line and column before any run; byte-identical
//! files across thread counts.

use crate::support::{Sandbox, TINY};
use crate::sweep::{col, rows};

const DESIGN: &str = "technology.utilization,outcome.threshold\n\
                      0.45,30\n\
                      0.3,29.5\n\
                      0.4,31\n";

fn batch(s: &Sandbox, design: &str, out: &str, extra: &[&str]) {
    let mut args = vec![
        "batch", TINY, "--design", design, "--runs", "60", "--seed", "4", "--quiet", "--out", out,
    ];
    args.extend_from_slice(extra);
    s.run(&args).ok();
}

/// A number in a CSV cell or JSON value, `None` when empty / null.
fn num(cell: &str) -> Option<f64> {
    (!cell.is_empty()).then(|| cell.parse().unwrap())
}

#[test]
fn points_keep_input_order_and_equal_each_row_run_alone() {
    let s = Sandbox::new();
    let design = s.write("design.csv", DESIGN);
    batch(&s, &design, "b", &[]);
    let points = rows(&s.read("b/points.csv"));
    let h = points[0].clone();
    assert_eq!(
        h,
        [
            "point",
            "technology.utilization",
            "outcome.threshold",
            "runs",
            "p_none",
            "p_unipolar",
            "p_bipolar",
            "p_multipolar",
            "mean_first_crossing_year",
            "mean_lag_years",
            "mean_follower_lag_months",
            "p_unipolar_led_by_cn",
            "p_unipolar_led_by_us"
        ]
    );
    // One row per design row, in input order.
    let text = s.read("b/points.csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("0,0.45,30,60,"));
    assert!(lines[2].starts_with("1,0.3,29.5,60,"));
    assert!(lines[3].starts_with("2,0.4,31,60,"));

    let batch_runs = s.read("b/runs.csv");
    let txt = s.read("b/points.txt");
    let txt_rows: Vec<&str> = txt.lines().collect();
    assert_eq!(txt_rows.len(), 3);
    for (k, assignments) in [
        ["technology.utilization=0.45", "outcome.threshold=30"],
        ["technology.utilization=0.3", "outcome.threshold=29.5"],
        ["technology.utilization=0.4", "outcome.threshold=31"],
    ]
    .iter()
    .enumerate()
    {
        let out = format!("alone{k}");
        s.run(&[
            "run",
            TINY,
            "--set",
            assignments[0],
            "--set",
            assignments[1],
            "--runs",
            "60",
            "--seed",
            "4",
            "--quiet",
            "--out",
            &out,
        ])
        .ok();
        let summary = s.json(&format!("{out}/summary.json"));
        // The last cells of points.csv (after the design values, whatever they contain).
        let mut cells: Vec<&str> = lines[k + 1].rsplitn(11, ',').take(10).collect();
        cells.reverse();
        let expected = [
            summary["outcomes"]["none"]["probability"].as_f64(),
            summary["outcomes"]["unipolar"]["probability"].as_f64(),
            summary["outcomes"]["bipolar"]["probability"].as_f64(),
            summary["outcomes"]["multipolar"]["probability"].as_f64(),
            summary["first_crossing_year"]["mean"].as_f64(),
            summary["lag_years"]["mean"].as_f64(),
            summary["follower_lag_months"]["mean"].as_f64(),
            summary["unipolar_by_leader"]["cn"]["probability"].as_f64(),
            summary["unipolar_by_leader"]["us"]["probability"].as_f64(),
        ];
        assert_eq!(cells.len(), 10);
        assert_eq!(cells[0], "60");
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(num(cells[i + 1]), *want, "point {k}, column {}", h[i + 4]);
        }
        // points.txt: the same numbers, space-separated, `nan` for an empty cell.
        let txt_cells: Vec<&str> = txt_rows[k].split(' ').collect();
        assert_eq!(txt_cells.len(), 9);
        for (t, c) in txt_cells.iter().zip(&cells[1..]) {
            if c.is_empty() {
                assert_eq!(*t, "nan");
            } else {
                assert_eq!(t, c);
            }
        }
        // And the point's rows of runs.csv are the run's own rows.
        let alone = s.read(&format!("{out}/runs.csv"));
        let mine: Vec<&str> = batch_runs
            .lines()
            .skip(1)
            .filter_map(|l| l.strip_prefix(&format!("{k},")))
            .collect();
        assert_eq!(alone.lines().skip(1).collect::<Vec<_>>(), mine, "point {k}");
        assert_eq!(
            batch_runs.lines().next().unwrap(),
            format!("point,{}", alone.lines().next().unwrap())
        );
    }
    assert_eq!(
        s.json("b/summary.json")["points"][1]["values"]["outcome.threshold"],
        "29.5"
    );
}

#[test]
fn design_values_may_be_distributions_quoted_by_csv_rules() {
    let s = Sandbox::new();
    let design = s.write("d.csv", "outcome.threshold\n30\n\"Uniform(29.5, 30.5)\"\n");
    batch(&s, &design, "b", &[]);
    let text = s.read("b/points.csv");
    assert!(text.contains("\n1,\"Uniform(29.5, 30.5)\",60,"), "{text}");
    // Point 1 samples the threshold, point 0 does not: its cell is empty.
    let runs = s.read("b/runs.csv");
    assert!(runs.lines().next().unwrap().ends_with(",outcome.threshold"));
    for line in runs.lines().skip(1) {
        assert_eq!(line.starts_with("0,"), line.ends_with(','), "{line}");
    }
}

#[test]
fn batch_files_do_not_depend_on_threads() {
    let s = Sandbox::new();
    let design = s.write("design.csv", DESIGN);
    batch(&s, &design, "t1", &["--threads", "1", "--trace", "1"]);
    batch(&s, &design, "t2", &["--threads", "2", "--trace", "1"]);
    for file in [
        "summary.json",
        "runs.csv",
        "trajectories.csv",
        "points.csv",
        "points.txt",
        "scenario.ron",
    ] {
        assert_eq!(
            s.read(&format!("t1/{file}")),
            s.read(&format!("t2/{file}")),
            "{file}"
        );
    }
}

#[test]
fn a_salib_matrix_takes_its_names_from_the_problem_file() {
    let s = Sandbox::new();
    let problem = s
        .run(&[
            "salib-problem",
            TINY,
            "outcome.threshold",
            "policy.rules[controls].enforcement",
        ])
        .ok()
        .stdout;
    assert_eq!(
        problem,
        "outcome.threshold 29 31\npolicy.rules[controls].enforcement 0.5 0.9\n"
    );
    let problem = s.write("problem.txt", &problem);
    // What `salib sample` writes: %.8e, space-separated, no header.
    let matrix = s.write(
        "X.txt",
        "2.95000000e+01 6.00000000e-01\n3.05000000e+01 8.50000000e-01\n",
    );
    batch(&s, &matrix, "b", &["--names-from", &problem]);
    let points = rows(&s.read("b/points.csv"));
    assert_eq!(points.len(), 3);
    assert_eq!(
        points[0][1..3],
        ["outcome.threshold", "policy.rules[controls].enforcement"]
    );
    assert_eq!(points[2][1..3], ["3.05000000e+01", "8.50000000e-01"]);

    // Without --names-from the matrix is refused, with the fix named.
    let out = s
        .run(&["batch", TINY, "--design", &matrix, "--runs", "5"])
        .code(2);
    assert!(out.stderr.contains("--names-from"), "{}", out.stderr);
}

#[test]
fn salib_problem_lists_every_uncertain_parameter() {
    let s = Sandbox::new();
    let problem = s.run(&["salib-problem", TINY]).ok().stdout;
    s.run(&["run", TINY, "--runs", "1", "--quiet", "--out", "one"])
        .ok();
    let header = rows(&s.read("one/runs.csv")).remove(0);
    let params = &header[col(&header, "cross_year_us") + 1..];
    let names: Vec<&str> = problem
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(names, params, "the runs.csv parameter columns, in order");
    for line in problem.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 3, "{line}");
        let (lo, hi): (f64, f64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
        assert!(lo < hi, "{line}");
    }
    // A fixed field can be made uncertain with --set; a plain one is refused.
    let one = s
        .run(&[
            "salib-problem",
            TINY,
            "technology.utilization",
            "--set",
            "technology.utilization=Uniform(0.3, 0.5)",
        ])
        .ok()
        .stdout;
    assert_eq!(one, "technology.utilization 0.3 0.5\n");
    let out = s
        .run(&["salib-problem", TINY, "technology.utilization"])
        .code(2);
    assert!(out.stderr.contains("plain value"), "{}", out.stderr);
    let out = s.run(&["salib-problem", "outcome.threshold"]).code(2);
    assert!(
        out.stderr.contains("first argument is the scenario"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_rows_are_reported_by_line_and_column_before_any_run() {
    let s = Sandbox::new();
    let design = s.write(
        "d.csv",
        "technology.utilization,outcome.threshold\n0.4,30\n7,30\n0.4,30\n0.4,oops\n",
    );
    let out = s
        .run(&[
            "batch", TINY, "--design", &design, "--runs", "5", "--out", "b",
        ])
        .code(2);
    let e = &out.stderr;
    assert!(e.starts_with("error: "), "{e}");
    assert!(e.contains("(2 problems)"), "{e}");
    assert!(
        e.contains("d.csv:3: column 1 (technology.utilization), point 1:"),
        "{e}"
    );
    assert!(
        e.contains("d.csv:5: column 2 (outcome.threshold), point 3:"),
        "{e}"
    );
    assert!(!s.path("b").exists(), "nothing ran");

    for (text, needle) in [
        (
            "technology.utilisation\n0.4\n",
            "did you mean `technology.utilization`",
        ),
        (
            "technology.utilization,outcome.threshold\n0.4\n",
            "has 1 values",
        ),
        ("technology.utilization\n", "no rows"),
    ] {
        let d = s.write("d2.csv", text);
        let out = s
            .run(&["batch", TINY, "--design", &d, "--runs", "5"])
            .code(2);
        assert!(out.stderr.contains(needle), "{text:?}: {}", out.stderr);
    }
    let out = s.run(&["batch", TINY, "--design", "missing.csv"]).code(2);
    assert!(out.stderr.contains("missing.csv"), "{}", out.stderr);
}
