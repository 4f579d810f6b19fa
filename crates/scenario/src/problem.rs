//! Problems found in a scenario, and the error that carries them.
//!
//! The validator never stops at the first problem: it collects every [`Problem`] it can find,
//! each naming the file (`origin`), the line and column where known, the field path, what is
//! wrong (quoting the bad value) and, where it can, a hint. A [`ScenarioError`] carries them all
//! and prints one per line, so `polarity validate` shows a whole file's problems at once.
//! Warnings ([`Severity::Warning`]) are reported but never make a file invalid.

use std::fmt;

use thiserror::Error;

/// How serious a [`Problem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The scenario cannot be run as written.
    Error,
    /// The scenario runs, but probably not as intended (e.g. a distribution is truncated).
    Warning,
}

/// One problem found in a scenario (the validator collects all of them).
///
/// Displayed on one line as `{origin}:{line}:{column}: {path}: {message} (hint: {hint})`, with
/// `warning: ` before the path for warnings, and the parts that are unknown left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where the scenario came from: a file path, `embedded:NAME`, or `--set` for overrides.
    pub origin: String,
    /// 1-based line of the offending text, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the offending text, when known.
    pub column: Option<usize>,
    /// Dotted path of the offending field (e.g. `firms[cn-lab-a].reinvest_share`); empty when
    /// the problem concerns the whole file (e.g. a syntax error before any field).
    pub path: String,
    /// What is wrong, quoting the bad value.
    pub message: String,
    /// How to fix it, when there is a likely fix (e.g. "did you mean `enforcement`?").
    pub hint: Option<String>,
    /// Whether the problem makes the scenario invalid.
    pub severity: Severity,
}

impl Problem {
    /// An error-class problem at `path` with no position (filled in later where possible).
    pub fn error(origin: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            origin: origin.to_string(),
            line: None,
            column: None,
            path: path.into(),
            message: message.into(),
            hint: None,
            severity: Severity::Error,
        }
    }

    /// A warning-class problem at `path` with no position.
    pub fn warning(origin: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(origin, path, message)
        }
    }

    /// The same problem with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same problem at `line:column` (1-based).
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Whether this problem makes the scenario invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    /// One line, whatever the input quoted: control characters (a line break inside an id or
    /// a quoted value) are escaped, and each part is cut at a readable length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_clean(f, &self.origin, MAX_PART_CHARS)?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, ":{l}:{c}")?,
            (Some(l), None) => write!(f, ":{l}")?,
            _ => {}
        }
        f.write_str(": ")?;
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        if !self.path.is_empty() {
            write_clean(f, &self.path, MAX_PART_CHARS)?;
            f.write_str(": ")?;
        }
        write_clean(f, &self.message, MAX_PART_CHARS)?;
        if let Some(h) = &self.hint {
            f.write_str(" (hint: ")?;
            write_clean(f, h, MAX_PART_CHARS)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Longest part (origin, path, message, hint) of a displayed problem, characters.
const MAX_PART_CHARS: usize = 1000;

/// `s` made safe to print on one line of a terminal: control characters (line breaks, escape
/// sequences, NUL) escaped as `\n`, `\u{1b}`, `\0`, and cut after 1000 characters. Every
/// part of a displayed [`Problem`] goes through it; a program that prints problems its own way
/// should too, since ids, paths and quoted values come from the user.
pub fn printable(s: &str) -> String {
    struct Clean<'a>(&'a str);
    impl fmt::Display for Clean<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_clean(f, self.0, MAX_PART_CHARS)
        }
    }
    Clean(s).to_string()
}

/// Writes `s` with control characters escaped (`\n`, `\0`), cut after `max` characters.
fn write_clean(f: &mut fmt::Formatter<'_>, s: &str, max: usize) -> fmt::Result {
    for (i, c) in s.chars().enumerate() {
        if i == max {
            return f.write_str("...");
        }
        if c.is_control() {
            write!(f, "{}", c.escape_debug())?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

/// A scenario that cannot be used, with every problem found in it (errors first, then any
/// warnings), in file order within each class.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub struct ScenarioError {
    /// The problems, one per offending field; at least one of them is an error.
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    /// An error holding a single problem.
    pub fn single(problem: Problem) -> Self {
        ScenarioError {
            problems: vec![problem],
        }
    }

    /// The error-class problems only.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.is_error())
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Orders problems: errors before warnings, then by position (problems without a position
/// last), then by path. Removes exact duplicates.
pub(crate) fn sort_problems(problems: &mut Vec<Problem>) {
    problems.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| {
                let key = |p: &Problem| (p.line.unwrap_or(usize::MAX), p.column.unwrap_or(0));
                key(a).cmp(&key(b))
            })
            .then_with(|| a.path.cmp(&b.path))
    });
    problems.dedup();
}

/// Levenshtein distance between two strings (by characters), for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate nearest to `word` by edit distance, if it is close enough to be a plausible
/// misspelling (at most a third of the word's length, and at least 2, wrong).
///
/// A candidate that extends the word or is extended by it (`gdp` → `gdp_usd`, at least three
/// characters in common) counts as close too.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    let prefix = |c: &str| {
        let (short, long) = if c.len() < word.len() {
            (c, word)
        } else {
            (word, c)
        };
        short.len() >= 3 && long.starts_with(short)
    };
    candidates
        .into_iter()
        .map(|c| {
            let d = edit_distance(word, c);
            // Prefix matches rank after exact-ish typos (distance 1) but before the rest.
            let score = if prefix(c) { d.min(2) * 2 - 1 } else { d * 2 };
            (score, d, c)
        })
        .filter(|(_, d, c)| *d <= limit || prefix(c))
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.cmp(b.2)))
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_one_line_with_position_and_hint() {
        let p = Problem::error("a.ron", "policy.rules[x].enforcment", "unknown field")
            .at(3, 7)
            .with_hint("did you mean `enforcement`?");
        assert_eq!(
            p.to_string(),
            "a.ron:3:7: policy.rules[x].enforcment: unknown field (hint: did you mean `enforcement`?)"
        );
        let w = Problem::warning("b.ron", "", "odd");
        assert_eq!(w.to_string(), "b.ron: warning: odd");
        // Hostile text stays on one line, and within bounds.
        let p = Problem::error("c\n.ron", "nations[a\nb].id", "bad \0 id\r\n")
            .with_hint("x".repeat(5000));
        let line = p.to_string();
        assert!(
            line.starts_with("c\\n.ron: nations[a\\nb].id: bad \\0 id\\r\\n (hint: xxx"),
            "{line}"
        );
        assert!(!line.contains('\n') && line.len() < 1100, "{line}");
    }

    #[test]
    fn nearest_word() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(
            nearest("enforcment", ["enforcement", "end_year"]),
            Some("enforcement")
        );
        assert_eq!(nearest("zzzzzz", ["enforcement"]), None);
    }
}
