//! Scenario commands: `polarity validate`, `polarity scenarios`, `polarity show`, and the
//! one-paragraph rendering of scenario problems every command uses.
//!
//! A problem is printed as `ORIGIN:LINE:COLUMN: PATH: MESSAGE`, followed by an indented
//! `hint:` line when the scenario crate suggests a fix.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::anyhow;
use polarity_scenario::{Problem, ScenarioError, printable};

use crate::Failure;

/// The problems of a scenario as one error paragraph: a first line, then one line per
/// problem.
pub fn describe_problems(err: &ScenarioError) -> String {
    let n = err.errors().count();
    let origin = err
        .errors()
        .next()
        .map_or("scenario", |p| p.origin.as_str());
    let what = if origin == OVERRIDE_ORIGIN {
        "invalid --set override".to_string()
    } else {
        format!("cannot use scenario {}", printable(origin))
    };
    let mut text = if n > 1 {
        format!("{what} ({n} problems):")
    } else {
        format!("{what}:")
    };
    push_problems(&mut text, &err.problems);
    text
}

/// The origin the scenario crate gives problems of `--set` overrides.
const OVERRIDE_ORIGIN: &str = "--set";

/// Appends one indented line per problem (`warning:` marks warnings), each followed by its
/// hint on a line of its own.
pub fn push_problems(text: &mut String, problems: &[Problem]) {
    for p in problems {
        // Origins, paths, messages and hints quote user text: printed escaped, on one line.
        let _ = write!(text, "\n  {}", printable(&p.origin));
        if let Some(line) = p.line {
            let _ = write!(text, ":{line}");
            if let Some(col) = p.column {
                let _ = write!(text, ":{col}");
            }
        }
        text.push_str(": ");
        if !p.is_error() {
            text.push_str("warning: ");
        }
        if !p.path.is_empty() {
            let _ = write!(text, "{}: ", printable(&p.path));
        }
        text.push_str(&printable(&p.message));
        if let Some(hint) = &p.hint {
            let _ = write!(text, "\n    hint: {}", printable(hint));
        }
    }
}

/// Prints a loaded scenario's warnings to stderr (they never stop a run).
pub fn print_warnings(warnings: &[Problem]) {
    if warnings.is_empty() {
        return;
    }
    let mut text = String::from("warning: the scenario is valid, but:");
    push_problems(&mut text, warnings);
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// A scenario error as a bad-input failure (exit code 2).
pub fn scenario_failure(err: &ScenarioError) -> Failure {
    Failure::Input(anyhow!("{}", describe_problems(err)))
}

/// `polarity validate FILE…`: checks every file, prints `ok` lines to stdout and every
/// problem to stderr; fails (exit 2) when any file is invalid.
pub fn validate(files: &[String], out: &mut dyn Write) -> Result<(), Failure> {
    let mut invalid = 0;
    for f in files {
        match polarity_scenario::load(f) {
            Ok(loaded) => {
                print_warnings(&loaded.warnings);
                let uncertain = polarity_scenario::uncertain_parameters(&loaded.scenario).len();
                writeln!(
                    out,
                    "ok: {} (scenario {}, {} uncertain parameters)",
                    loaded.origin, loaded.scenario.name, uncertain
                )?;
            }
            Err(e) => {
                invalid += 1;
                let _ = writeln!(std::io::stderr().lock(), "error: {}", describe_problems(&e));
            }
        }
    }
    if invalid > 0 {
        return Err(Failure::input(format!(
            "{invalid} of {} scenario files are invalid",
            files.len()
        )));
    }
    Ok(())
}

/// `polarity scenarios`: one line per embedded scenario, its name and the first sentence of
/// its description.
pub fn scenarios(out: &mut dyn Write) -> Result<(), Failure> {
    let list = polarity_scenario::embedded();
    let width = list.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, source) in list {
        let description = match polarity_scenario::parse(source, name) {
            Ok(s) => first_sentence(&s.description),
            Err(_) => "(does not parse: run `polarity validate` on it)".to_string(),
        };
        writeln!(out, "{name:<width$}  {description}")?;
    }
    Ok(())
}

/// `polarity show NAME`: prints the scenario's RON source (an embedded scenario verbatim,
/// comments included).
pub fn show(name: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let loaded = polarity_scenario::load(name).map_err(|e| scenario_failure(&e))?;
    out.write_all(loaded.source.as_bytes())?;
    if !loaded.source.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(())
}

/// The first sentence (or line) of a description, whitespace collapsed.
fn first_sentence(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(". ") {
        Some(i) => flat[..=i].to_string(),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::first_sentence;

    #[test]
    fn first_sentence_stops_at_the_first_full_stop() {
        assert_eq!(
            first_sentence("Calibrated 2023 world.\n  Three blocs."),
            "Calibrated 2023 world."
        );
        assert_eq!(first_sentence("No stop"), "No stop");
        assert_eq!(first_sentence("v1.2 rules. Next"), "v1.2 rules.");
    }
}
