//! The validation suite: every stylized fact of the brief holds on the shipped scenarios, and
//! `docs/validation.md` is exactly what the generator prints (regenerate it with
//! `cargo run --release -p polarity-validation --example validation-report > docs/validation.md`).
//!
//! Fixed seed, thousands of runs: the contrasts' CIs are ~±0.015 wide while the effects are
//! 0.15-0.6, and the trajectory medians sit well inside the published ranges (see the report's
//! 90% ranges), so the suite cannot flake; each tolerance is the published range that
//! `model.md` accepts, quoted in the fact's criterion.

use polarity_validation::facts::{facts, report};

#[test]
fn every_stylized_fact_holds_and_the_report_is_current() {
    let all = facts().expect("shipped scenarios load");
    let failed: Vec<String> = all
        .iter()
        .filter(|f| !f.pass)
        .map(|f| {
            format!(
                "fact {} ({}): {} not {}",
                f.number, f.name, f.value, f.criterion
            )
        })
        .collect();
    assert!(failed.is_empty(), "failed facts:\n{}", failed.join("\n"));
    assert!(all.len() >= 12, "every fact is measured");

    let text = report().expect("report");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/validation.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == text,
        "docs/validation.md is out of date: regenerate it with \
         `cargo run --release -p polarity-validation --example validation-report > docs/validation.md`"
    );
}
