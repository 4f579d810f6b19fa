//! The docs and the code agree: every scenario path the docs mention resolves, every field of
//! the schema is documented in `docs/scenario-format.md`, and so are every distribution and
//! every size limit.

use std::path::{Path, PathBuf};

use polarity_scenario::limits::*;
use polarity_scenario::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn doc(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Markdown files that may mention scenario paths: the repository's docs and README, and the
/// interface brief when it is checked out next to the repository.
fn docs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.push(repo().join("README.md"));
    files.push(repo().join("../shared/brief/interface.md"));
    files.retain(|p| p.extension().is_some_and(|x| x == "md") && p.is_file());
    files.sort();
    files
}

const TOP: &[&str] = &[
    "name",
    "description",
    "study",
    "blocs",
    "nations",
    "firms",
    "fabs",
    "policy",
    "technology",
    "economics",
    "outcome",
];

/// Scenario paths inside backticks: a top-level field followed by `.field` or `[key]` steps,
/// optionally followed by `=VALUE` (as in `--set`). Placeholders (`[ID]`, `<id>`, `...`) are
/// skipped.
fn mentioned_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, chunk) in text.split('`').enumerate() {
        if i % 2 == 0 {
            continue;
        }
        // A code span may hold a whole command: look at each word, and at `--set` values.
        for word in chunk.split([' ', '\'', '"', '\n']) {
            // `PATH: message` is a quoted error message, whose path may be wrong on purpose.
            if word.ends_with(':') {
                continue;
            }
            let path = word.split('=').next().unwrap_or("").trim();
            let Some(first) = path.split(['.', '[']).next() else {
                continue;
            };
            if !TOP.contains(&first) || !(path.contains('.') || path.contains('[')) {
                continue;
            }
            if path.contains('<')
                || path.contains("...")
                || path.contains("ID")
                || path.ends_with('.')
            {
                continue;
            }
            out.push(path.to_string());
        }
    }
    out
}

/// The scenarios paths are resolved against: the shipped ones, and baseline with a fixed
/// window (for `outcome.window.years`).
fn worlds() -> Vec<ScenarioFile> {
    let mut out: Vec<ScenarioFile> = embedded()
        .iter()
        .map(|(n, _)| load(n).expect("loads").scenario)
        .collect();
    let mut fixed = out[0].clone();
    apply_override(&mut fixed, "outcome.window=Fixed(years: 1.0)").expect("fixed window");
    out.push(fixed);
    out.push(worked_example());
    out
}

/// The scenario of the worked example in docs/scenario-format.md, built by following its
/// steps on `polarity show baseline`; it must be valid.
fn worked_example() -> ScenarioFile {
    let text = embedded_source("baseline").expect("baseline");
    let doc = doc(&repo().join("docs/scenario-format.md"));
    // Step 1: the new name and description, as the doc writes them.
    let text = text.replacen("name: \"baseline\"", "name: \"eu-bloc\"", 1);
    // Step 2: the bloc, the Netherlands moved into it, and France.
    let text = text.replacen(
        "(id: \"cn\"),\n    ],",
        "(id: \"cn\"),\n        (id: \"eu\"),\n    ],",
        1,
    );
    let text = text.replacen("(id: \"nl\", bloc: \"us\"", "(id: \"nl\", bloc: \"eu\"", 1);
    let fr = "(id: \"fr\", bloc: \"eu\", tier: 1, controller: true, gdp_usd: 3.0e12, industrial_policy: 0.1, equipment_access: true),";
    assert!(
        doc.contains(fr),
        "the doc's France line changed; update this test"
    );
    let text = text.replacen(
        "    nations: [\n",
        &format!("    nations: [\n        {fr}\n"),
        1,
    );
    // Step 3: the lab, copied from the doc's code block.
    let start = doc.find("       id: \"eu-lab-a\"").expect("the doc's lab");
    let open = doc[..start].rfind('(').expect("(");
    let close = open + doc[open..].find("\n   ),").expect("),") + 6;
    let lab = &doc[open..close];
    let text = text.replacen("    firms: [\n", &format!("    firms: [\n{lab}\n"), 1);
    match parse(&text, "eu-bloc.ron") {
        Ok(s) => {
            assert_eq!(s.blocs.len(), 3);
            s
        }
        Err(e) => panic!("the worked example does not validate:\n{e}"),
    }
}

#[test]
fn every_path_the_docs_mention_resolves() {
    let worlds = worlds();
    let mut checked = 0;
    let mut failures = Vec::new();
    for file in docs() {
        for path in mentioned_paths(&doc(&file)) {
            checked += 1;
            if !worlds.iter().any(|w| path_exists(w, &path)) {
                let hint = suggest_path(&worlds[0], &path).unwrap_or_default();
                failures.push(format!(
                    "{}: `{path}` does not resolve (nearest: {hint})",
                    file.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(checked >= 20, "only {checked} paths found in the docs");
}

#[test]
fn every_field_is_documented() {
    let text = doc(&repo().join("docs/scenario-format.md"));
    let mut missing = Vec::new();
    for w in worlds() {
        for p in all_paths(&w) {
            // The last field name of the path (list keys stripped).
            let name = p.rsplit('.').next().unwrap_or(&p);
            let name = name.split('[').next().unwrap_or(name);
            if !text.contains(&format!("`{name}`")) && !missing.contains(&name.to_string()) {
                missing.push(name.to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "fields missing from docs/scenario-format.md: {missing:?}"
    );
    for d in dist::DIST_NAMES {
        assert!(
            text.contains(&format!("`{d}(")),
            "distribution {d} is not documented"
        );
    }
}

#[test]
fn documented_limits_match_the_code() {
    let text = doc(&repo().join("docs/scenario-format.md"));
    let with_commas = |n: usize| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    for (what, n) in [
        ("blocs", MAX_BLOCS),
        ("nations", MAX_NATIONS),
        ("firms", MAX_FIRMS),
        ("fabs", MAX_FABS),
        ("rules", MAX_RULES),
        ("`steps_per_year`", MAX_STEPS_PER_YEAR as usize),
    ] {
        let row = format!("| {what} | {} |", with_commas(n));
        assert!(text.contains(&row), "docs lack the row {row}");
    }
    assert!(text.contains(&format!("| {} |", with_commas(MAX_STEPS as usize))));
    assert!(text.contains(&format!("| id length | {MAX_ID_CHARS} characters |")));
    assert!(text.contains(&format!("| multiplier classes | {MAX_MULTIPLIERS} ")));
    assert_eq!(MAX_FILE_BYTES, 16 * 1024 * 1024);
    assert!(text.contains("| file size | 16 MiB |"));
}
