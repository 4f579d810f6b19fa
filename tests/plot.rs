//! Integration tests of the charts and the report (`polarity plot DIR`, `run --plot`): each
//! test runs the real binary in its own temporary folder, then checks the SVG files (they
//! parse as XML and hold the expected series, one per bloc or outcome, with legend text), the
//! HTML report (every section, every chart inline, nothing loaded from elsewhere), `fan.csv`
//! (identical bytes for any thread count), and the errors for missing and corrupt files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Okabe-Ito colours of blocs 0 and 1 (sorted ids), as plotters writes them.
const BLOC_COLOURS: [&str; 2] = ["#0072B2", "#D55E00"];

/// The outcome colours in report order.
const OUTCOME_COLOURS: [&str; 4] = ["#6E6E6E", "#E69F00", "#56B4E9", "#CC79A7"];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn polarity(dir: &Path, args: &[&str]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_polarity"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run polarity");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[track_caller]
fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

/// A small study of the `tiny` scenario (blocs `cn` and `us`) with `--plot`.
fn tiny_run(tmp: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = tmp.join(name);
    let mut args = vec![
        "run",
        "tiny",
        "--runs",
        "120",
        "--seed",
        "11",
        "--out",
        out.to_str().unwrap(),
        "--plot",
    ];
    args.extend_from_slice(extra);
    let r = ok(polarity(tmp, &args));
    assert!(r.stdout.contains("report.html"), "{}", r.stdout);
    out
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An SVG chart, parsed: its text, and its elements with their attributes.
struct Svg {
    texts: Vec<String>,
    /// (tag, stroke, fill, stroke-width, opacity) of every element.
    shapes: Vec<(String, String, String, String, String)>,
    title: String,
}

fn svg(path: &Path) -> Svg {
    let text = read(path);
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{}", path.display());
    let attr = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap_or("").to_string();
    let mut out = Svg {
        texts: Vec::new(),
        shapes: Vec::new(),
        title: String::new(),
    };
    for n in root.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name().to_string();
        match tag.as_str() {
            "text" => out.texts.push(n.text().unwrap_or("").trim().to_string()),
            "title" => out.title = n.text().unwrap_or("").to_string(),
            _ => out.shapes.push((
                tag,
                attr(&n, "stroke"),
                attr(&n, "fill"),
                attr(&n, "stroke-width"),
                attr(&n, "opacity"),
            )),
        }
    }
    out
}

impl Svg {
    /// Polylines drawn in `colour` at stroke width `width`.
    fn lines(&self, colour: &str, width: &str) -> usize {
        self.shapes
            .iter()
            .filter(|s| s.0 == "polyline" && s.1 == colour && s.3 == width)
            .count()
    }

    /// Opaque filled rectangles of `colour`.
    fn bars(&self, colour: &str) -> usize {
        self.shapes
            .iter()
            .filter(|s| s.0 == "rect" && s.2 == colour && s.4 == "1")
            .count()
    }

    fn has_text(&self, needle: &str) -> bool {
        self.texts.iter().any(|t| t.contains(needle))
    }
}

#[test]
fn a_run_gets_every_chart_with_its_series() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_run(tmp.path(), "study", &[]);
    let plots = dir.join("plots");
    let mut files: Vec<String> = fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "capability-cn.svg",
            "capability-us.svg",
            "chip-stock.svg",
            "crossing-cdf.svg",
            "crossing-years.svg",
            "lag.svg",
            "leaders.svg",
            "outcomes.svg",
        ]
    );

    // Outcomes: one bar per outcome in its colour, axis labels with units.
    let o = svg(&plots.join("outcomes.svg"));
    assert_eq!(o.title, "Outcome probabilities");
    for c in OUTCOME_COLOURS {
        assert_eq!(o.bars(c), 1, "bar of colour {c}");
    }
    for t in [
        "none",
        "unipolar",
        "bipolar",
        "multipolar",
        "Probability (% of runs)",
    ] {
        assert!(o.has_text(t), "outcomes.svg lacks {t}: {:?}", o.texts);
    }

    // Crossing CDF and histogram: one line per bloc in the bloc's colour, a legend per bloc.
    for file in ["crossing-cdf.svg", "crossing-years.svg"] {
        let c = svg(&plots.join(file));
        for (b, colour) in BLOC_COLOURS.iter().enumerate() {
            assert_eq!(c.lines(colour, "3"), 1, "{file}: line of bloc {b}");
        }
        assert!(
            c.has_text("cn: ") && c.has_text("us: "),
            "{file}: {:?}",
            c.texts
        );
    }

    // Fan charts: the bloc's median line, its two bands, the threshold's median and band
    // (tiny's threshold is uncertain) in the legend.
    for (b, bloc) in ["cn", "us"].iter().enumerate() {
        let f = svg(&plots.join(format!("capability-{bloc}.svg")));
        assert_eq!(f.lines(BLOC_COLOURS[b], "3"), 1, "median of {bloc}");
        assert_eq!(
            f.shapes
                .iter()
                .filter(|s| s.0 == "polygon" && s.2 == BLOC_COLOURS[b])
                .count(),
            2,
            "bands of {bloc}"
        );
        assert!(f.has_text(&format!("{bloc}: median")));
        assert!(f.has_text("threshold, median"), "{:?}", f.texts);
        assert!(f.has_text("Capability (points"));
    }

    // Chip stock: one median line per bloc, same colours as elsewhere.
    let s = svg(&plots.join("chip-stock.svg"));
    for colour in BLOC_COLOURS {
        assert_eq!(s.lines(colour, "3"), 1);
    }
    assert!(s.has_text("Chip stock (H100e, log scale)"));
    assert!(svg(&plots.join("lag.svg")).has_text("Lag, years"));
    assert!(svg(&plots.join("leaders.svg")).has_text("us alone"));
}

#[test]
fn the_report_is_one_self_contained_page_with_every_section() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_run(tmp.path(), "study", &[]);
    let html = read(&dir.join("report.html"));
    for id in [
        "study",
        "findings",
        "summary",
        "charts",
        "terms",
        "reproduce",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "no section {id}"
        );
    }
    for chart in fs::read_dir(dir.join("plots")).unwrap() {
        let name = chart.unwrap().file_name().to_string_lossy().into_owned();
        let id = name.trim_end_matches(".svg");
        assert!(
            html.contains(&format!("<figure id=\"chart-{id}\">")),
            "{id}"
        );
    }
    assert_eq!(html.matches("<svg ").count(), 8);
    assert!(html.contains("tiny") && html.contains("<dt>Seed</dt><dd>11</dd>"));
    assert!(html.contains("polarity 0.") && html.contains("unipolar"));
    // The exact command, with the program named `polarity`.
    let out = dir.to_str().unwrap();
    assert!(
        html.contains(&format!(
            "polarity run tiny --runs 120 --seed 11 --out {out} --plot"
        )),
        "command missing"
    );
    for banned in [
        "<script",
        "src=\"http",
        "href=\"http",
        "url(http",
        "@import",
        "<link",
    ] {
        assert!(!html.contains(banned), "report.html contains {banned}");
    }
    // An HTML page whose inline SVGs parse: check each one separately.
    for chunk in html.split("<svg ").skip(1) {
        let end = chunk.find("</svg>").expect("closed svg") + "</svg>".len();
        let doc = format!("<svg {}", &chunk[..end]);
        roxmltree::Document::parse(&doc).expect("inline svg parses");
    }
}

#[test]
fn fixed_thresholds_and_decisive_levels_are_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_run(tmp.path(), "fixed", &["--set", "outcome.threshold=30"]);
    let f = svg(&dir.join("plots").join("capability-us.svg"));
    assert!(f.has_text("threshold 30"), "{:?}", f.texts);
    assert!(f.has_text("decisive level 31"), "{:?}", f.texts);
}

#[test]
fn fan_csv_is_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tiny_run(tmp.path(), "one", &["--threads", "1"]);
    let two = tiny_run(tmp.path(), "two", &["--threads", "2"]);
    let a = read(&one.join("fan.csv"));
    assert_eq!(a, read(&two.join("fan.csv")));
    assert!(a.starts_with("year,bloc,quantity,count,q05,q25,q50,q75,q95\n"));
    // Every run counts at every recorded step: the first row counts all 120 runs.
    assert!(
        a.lines().nth(1).unwrap().contains(",capability,120,"),
        "{a}"
    );
    // The charts are a pure function of the files: identical too.
    for chart in ["outcomes.svg", "capability-cn.svg", "chip-stock.svg"] {
        assert_eq!(
            read(&one.join("plots").join(chart)),
            read(&two.join("plots").join(chart))
        );
    }
}

#[test]
fn a_sweep_gets_its_arms_and_contrasts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    ok(polarity(
        tmp.path(),
        &[
            "sweep",
            "tiny",
            "--set",
            "outcome.window.above_threshold=0.5,1,2",
            "--runs",
            "100",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
    ));
    ok(polarity(tmp.path(), &["plot", out.to_str().unwrap()]));
    let plots = out.join("plots");
    let s = svg(&plots.join("sweep-outcomes.svg"));
    for c in OUTCOME_COLOURS {
        assert_eq!(s.lines(c, "3"), 1, "line of outcome colour {c}");
    }
    assert!(
        s.has_text("outcome.window.above_threshold"),
        "{:?}",
        s.texts
    );
    let c = svg(&plots.join("contrasts.svg"));
    assert!(c.has_text("Difference (percentage points)"));
    assert!(c.has_text("unipolar led by us"), "{:?}", c.texts);
    let o = svg(&plots.join("outcomes.svg"));
    for colour in OUTCOME_COLOURS {
        // One bar per arm, plus the legend's swatch.
        assert_eq!(o.bars(colour), 4, "one bar per arm of {colour}");
    }
    let html = read(&out.join("report.html"));
    for id in [
        "study",
        "summary",
        "arms",
        "contrasts",
        "charts",
        "reproduce",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(html.contains("polarity sweep tiny --set"));
}

#[test]
fn a_batch_gets_a_chart_per_design_column() {
    let tmp = tempfile::tempdir().unwrap();
    let design = tmp.path().join("design.csv");
    fs::write(
        &design,
        "outcome.threshold,technology.algo_progress_per_year\n29,2.5\n30,3\n31,3.5\n",
    )
    .unwrap();
    let out = tmp.path().join("batch");
    ok(polarity(
        tmp.path(),
        &[
            "batch",
            "tiny",
            "--design",
            design.to_str().unwrap(),
            "--runs",
            "60",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
    ));
    let r = ok(polarity(tmp.path(), &["plot", out.to_str().unwrap()]));
    assert!(r.stdout.contains("report.html"));
    let plots = out.join("plots");
    for file in [
        "batch-outcome.threshold.svg",
        "batch-technology.algo_progress_per_year.svg",
    ] {
        let b = svg(&plots.join(file));
        assert!(b.has_text("unipolar") && b.has_text("Probability (% of runs)"));
        let dots = b
            .shapes
            .iter()
            .filter(|s| s.0 == "circle" && s.2 == OUTCOME_COLOURS[1])
            .count();
        // One dot per design point, plus the legend's.
        assert_eq!(dots, 4, "{file}");
    }
    let html = read(&out.join("report.html"));
    assert!(html.contains("<section id=\"points\">") && html.contains("<section id=\"charts\">"));
    // Point 0's design threshold (29) is marked on its fan chart.
    assert!(svg(&plots.join("capability-us.svg")).has_text("threshold 29"));
}

#[test]
fn missing_and_corrupt_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_run(tmp.path(), "study", &[]);
    let d = dir.to_str().unwrap();

    let copy = |name: &str| {
        let to = tmp.path().join(name);
        fs::create_dir_all(&to).unwrap();
        for e in fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() && e.file_name() != "report.html" {
                fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
        to
    };

    // A folder that does not exist.
    let r = polarity(tmp.path(), &["plot", "nowhere"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nowhere") && r.stderr.contains("not an output folder"));

    // Each required file, missing.
    for file in ["summary.json", "manifest.json", "runs.csv"] {
        let f = copy(&format!("missing-{file}"));
        fs::remove_file(f.join(file)).unwrap();
        let r = polarity(tmp.path(), &["plot", f.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        assert!(
            r.stderr.starts_with("error: ")
                && r.stderr.contains(file)
                && r.stderr.contains("missing"),
            "{file}: {}",
            r.stderr
        );
        assert!(!f.join("report.html").exists());
    }

    // Corrupt files: the file and the line.
    let f = copy("bad-json");
    fs::write(f.join("summary.json"), "{\"scenario\": ").unwrap();
    let r = polarity(tmp.path(), &["plot", f.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("summary.json is corrupt"), "{}", r.stderr);

    let f = copy("bad-runs");
    let runs = read(&f.join("runs.csv"));
    let mut lines: Vec<String> = runs.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|h| *h == "lag_years").unwrap();
    let mut cells: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    cells[col] = "soon".into();
    lines[3] = cells.join(",");
    fs::write(f.join("runs.csv"), lines.join("\n") + "\n").unwrap();
    let r = polarity(tmp.path(), &["plot", f.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("runs.csv is corrupt (line 4)") && r.stderr.contains("soon"),
        "{}",
        r.stderr
    );

    let f = copy("short-row");
    fs::write(
        f.join("fan.csv"),
        "year,bloc,quantity,count,q05,q25,q50,q75,q95\n2020,cn\n",
    )
    .unwrap();
    let r = polarity(tmp.path(), &["plot", f.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("fan.csv is corrupt (line 2)"),
        "{}",
        r.stderr
    );

    // fan.csv left over from another study is ignored, with a note.
    let f = copy("stale-fan");
    let fan = read(&f.join("fan.csv")).replace(",120,", ",999,");
    fs::write(f.join("fan.csv"), fan).unwrap();
    let r = ok(polarity(tmp.path(), &["plot", f.to_str().unwrap()]));
    assert!(
        r.stdout.contains("note: fan.csv counts 999 runs"),
        "{}",
        r.stdout
    );
    assert!(!f.join("plots").join("capability-us.svg").exists());

    // Without scenario.ron and fan.csv: still a report, saying what it left out.
    let f = copy("optional");
    fs::remove_file(f.join("scenario.ron")).unwrap();
    fs::remove_file(f.join("fan.csv")).unwrap();
    let r = ok(polarity(tmp.path(), &["plot", f.to_str().unwrap()]));
    assert!(
        r.stdout.contains("note: fan.csv was not found"),
        "{}",
        r.stdout
    );
    assert!(read(&f.join("report.html")).contains("Not charted"));

    // A chart that cannot be written is a failure while running (exit 1).
    let f = copy("unwritable");
    fs::write(f.join("plots"), "a file where the folder goes").unwrap();
    let r = polarity(tmp.path(), &["plot", f.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("plots"), "{}", r.stderr);

    // The original folder still renders.
    ok(polarity(tmp.path(), &["plot", d, "--quiet"]));
}

#[test]
fn plot_flag_needs_a_whole_study_in_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let r = polarity(tmp.path(), &["run", "tiny", "--runs", "5", "--plot"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--plot") && r.stderr.contains("--out"),
        "{}",
        r.stderr
    );
    let r = polarity(
        tmp.path(),
        &[
            "run", "tiny", "--runs", "5", "--plot", "--out", "s", "--shard", "1/2",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("polarity merge"), "{}", r.stderr);
    assert!(!tmp.path().join("s").exists(), "refused before any work");
}
