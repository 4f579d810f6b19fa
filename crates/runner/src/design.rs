//! Design files for `polarity batch`, and SALib problem files for `polarity salib-problem`.
//!
//! A design file lists design points, one per row, in one of two forms:
//!
//! * **CSV with a header**: the first row names parameter paths
//!   (`firms[cn-lab-a].fleet_h100e`), each further row gives one value per column — any RON
//!   value the field accepts (a number, `true`, a distribution, quoted by CSV rules when it
//!   contains a comma);
//! * **a headerless numeric matrix**, as `salib sample` writes it (numbers separated by
//!   whitespace, or by commas), whose column names come from a SALib problem file
//!   (`--names-from`), in the problem file's order.
//!
//! [`Design::parse`] reads either form; [`Design::apply`] applies every row to a base
//! scenario and validates the result. Every problem of every row is reported at once, each
//! naming the file, line, column (number and path) and design point, before any run starts.
//!
//! A SALib problem file has one line per parameter, `name lower upper`, separated by
//! whitespace (what `salib` reads with its delimiter sniffer). [`problem_file`] writes one for
//! a scenario's uncertain parameters, with the bounds of [`salib_bounds`]: a distribution
//! with a bounded support (`Uniform`, `LogUniform`, `Triangular`, `Beta`, `Choice`,
//! `Weighted`) spans its support, cut to the field's valid range; one with an unbounded
//! support (`Normal`, `LogNormal`) spans the 1% to 99% quantiles of the distribution as
//! sampled (truncated to the valid range) — not the valid range itself, which may be far
//! wider (a growth factor valid up to 1000).

use std::fmt::Write as _;

use polarity_scenario::{
    Dist, Range, ScenarioFile, apply_override, path_exists, suggest_path, validate,
};

use crate::error::RunnerError;
use crate::rows::push_float;

/// Most problems listed in one error (the rest are counted).
pub const MAX_PROBLEMS: usize = 40;

/// One row of a design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesignRow {
    /// 1-based line of the file the row is on.
    pub line: u64,
    /// One value per column, trimmed, as written.
    pub cells: Vec<String>,
}

/// A parsed design: column paths and rows, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Design {
    /// The file, for messages.
    pub origin: String,
    /// Column names (parameter paths), in file order.
    pub columns: Vec<String>,
    /// The rows (design points), in file order.
    pub rows: Vec<DesignRow>,
}

/// Collects problems and turns them into one error paragraph.
struct Problems {
    what: String,
    list: Vec<String>,
    total: usize,
}

impl Problems {
    fn new(what: String) -> Self {
        Problems {
            what,
            list: Vec::new(),
            total: 0,
        }
    }

    fn push(&mut self, p: String) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(p);
        }
    }

    fn into_result(self) -> Result<(), RunnerError> {
        if self.total == 0 {
            return Ok(());
        }
        let mut text = if self.total == 1 {
            format!("{}:", self.what)
        } else {
            format!("{} ({} problems):", self.what, self.total)
        };
        for p in &self.list {
            let _ = write!(text, "\n  {p}");
        }
        if self.total > self.list.len() {
            let _ = write!(
                text,
                "\n  … and {} more problems",
                self.total - self.list.len()
            );
        }
        Err(RunnerError::Design(text))
    }
}

/// Splits a matrix line: at commas when it has any, otherwise at whitespace.
fn matrix_cells(line: &str) -> Vec<String> {
    if line.contains(',') {
        line.split(',').map(|c| c.trim().to_string()).collect()
    } else {
        line.split_whitespace().map(str::to_string).collect()
    }
}

fn is_number(cell: &str) -> bool {
    cell.trim().parse::<f64>().is_ok()
}

impl Design {
    /// Parses design text read from `origin`. With `names` (from a SALib problem file) the
    /// text must be a headerless numeric matrix with one column per name; without, a CSV
    /// file whose first row names the columns.
    pub fn parse(text: &str, origin: &str, names: Option<&[String]>) -> Result<Self, RunnerError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut problems = Problems::new(format!("cannot use the design file {origin}"));
        let design = match names {
            Some(names) => Self::parse_matrix(text, origin, names, &mut problems),
            None => Self::parse_csv(text, origin, &mut problems),
        };
        problems.into_result()?;
        if design.rows.is_empty() {
            return Err(RunnerError::Design(format!(
                "the design file {origin} has no rows: give at least one design point"
            )));
        }
        Ok(design)
    }

    fn parse_matrix(text: &str, origin: &str, names: &[String], problems: &mut Problems) -> Self {
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line_no = i as u64 + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let cells = matrix_cells(trimmed);
            let point = rows.len();
            if cells.len() != names.len() {
                problems.push(format!(
                    "{origin}:{line_no}: point {point} has {} values, but the problem file names \
                     {} parameters; is this the design sampled from that problem file?",
                    cells.len(),
                    names.len()
                ));
            } else {
                for (c, cell) in cells.iter().enumerate() {
                    if cell.parse::<f64>().is_err() {
                        problems.push(format!(
                            "{origin}:{line_no}: column {} ({}), point {point}: `{cell}` is not a \
                             number{}",
                            c + 1,
                            names[c],
                            if point == 0 {
                                "; a design with a header row of parameter paths needs no \
                                 --names-from"
                            } else {
                                ""
                            }
                        ));
                    }
                }
            }
            rows.push(DesignRow {
                line: line_no,
                cells,
            });
        }
        Design {
            origin: origin.to_string(),
            columns: names.to_vec(),
            rows,
        }
    }

    fn parse_csv(text: &str, origin: &str, problems: &mut Problems) -> Self {
        let empty = Design {
            origin: origin.to_string(),
            columns: Vec::new(),
            rows: Vec::new(),
        };
        // A first line of numbers alone (whitespace or comma separated) is a matrix without
        // its header row.
        if let Some((i, first)) = text
            .lines()
            .enumerate()
            .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            && matrix_cells(first.trim()).iter().all(|c| is_number(c))
        {
            problems.push(format!(
                "{origin}:{}: the first row holds numbers, not parameter paths: a design file \
                 without a header row (like `salib sample`'s) needs --names-from PROBLEM, the \
                 SALib problem file it was sampled from; or add a first row naming the \
                 parameter paths",
                i + 1
            ));
            return empty;
        }
        // The csv crate reports a record's position before the blank and comment lines it
        // skipped: find the record's own line from the byte offset.
        let line_of = |byte: u64| -> u64 {
            let bytes = text.as_bytes();
            let mut at = (byte as usize).min(bytes.len());
            loop {
                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                if at < bytes.len() && bytes[at] == b'#' {
                    while at < bytes.len() && bytes[at] != b'\n' {
                        at += 1;
                    }
                } else {
                    break;
                }
            }
            // Back to the start of that line.
            while at > 0 && bytes[at - 1] != b'\n' {
                at -= 1;
            }
            bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let mut columns: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| line_of(p.byte()));
                    problems.push(format!("{origin}:{line}: not CSV: {e}"));
                    break;
                }
            };
            let line = record.position().map_or(0, |p| line_of(p.byte()));
            let cells: Vec<String> = record.iter().map(str::to_string).collect();
            if cells.iter().all(String::is_empty) {
                continue;
            }
            let Some(cols) = &columns else {
                for (c, name) in cells.iter().enumerate() {
                    if name.is_empty() {
                        problems.push(format!(
                            "{origin}:{line}: column {} of the header is empty; name a \
                             parameter path",
                            c + 1
                        ));
                    } else if cells[..c].contains(name) {
                        problems.push(format!(
                            "{origin}:{line}: column {} ({name}) is named twice",
                            c + 1
                        ));
                    }
                }
                columns = Some(cells);
                continue;
            };
            let point = rows.len();
            if cells.len() != cols.len() {
                problems.push(format!(
                    "{origin}:{line}: point {point} has {} values, but the header names {} \
                     columns",
                    cells.len(),
                    cols.len()
                ));
            } else {
                for (c, cell) in cells.iter().enumerate() {
                    if cell.is_empty() {
                        problems.push(format!(
                            "{origin}:{line}: column {} ({}), point {point}: the value is empty",
                            c + 1,
                            cols[c]
                        ));
                    }
                }
            }
            rows.push(DesignRow { line, cells });
        }
        Design {
            columns: columns.unwrap_or_default(),
            rows,
            ..empty
        }
    }

    /// The scenario of every design point: `base` with the row's values set, each checked
    /// against its field's valid range, then the whole scenario validated. Every problem is
    /// reported (file, line, column and point), none of the rows is run when any fails.
    pub fn apply(&self, base: &ScenarioFile) -> Result<Vec<ScenarioFile>, RunnerError> {
        let origin = &self.origin;
        let mut problems = Problems::new(format!("cannot use the design file {origin}"));
        for (c, path) in self.columns.iter().enumerate() {
            if !path_exists(base, path) {
                let hint = suggest_path(base, path)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                problems.push(format!(
                    "{origin}: column {} ({path}) is not a field of the scenario{hint}",
                    c + 1
                ));
            }
        }
        problems = match problems.into_result() {
            Ok(()) => Problems::new(format!("cannot use the design file {origin}")),
            Err(e) => return Err(e),
        };
        let mut out = Vec::with_capacity(self.rows.len());
        for (point, row) in self.rows.iter().enumerate() {
            let mut s = base.clone();
            let mut row_ok = true;
            for (c, (path, cell)) in self.columns.iter().zip(&row.cells).enumerate() {
                if let Err(e) = set_cell(&mut s, path, cell) {
                    row_ok = false;
                    for p in e.problems {
                        let mut msg = p.message.clone();
                        if let Some(h) = &p.hint {
                            let _ = write!(msg, " (hint: {h})");
                        }
                        problems.push(format!(
                            "{origin}:{}: column {} ({path}), point {point}: {msg}",
                            row.line,
                            c + 1
                        ));
                    }
                }
            }
            if row_ok {
                for p in validate(&s, None, origin).iter().filter(|p| p.is_error()) {
                    problems.push(format!(
                        "{origin}:{}: point {point}: {}{}",
                        row.line,
                        if p.path.is_empty() {
                            String::new()
                        } else {
                            format!("{}: ", p.path)
                        },
                        p.message
                    ));
                }
            }
            out.push(s);
        }
        problems.into_result()?;
        Ok(out)
    }
}

/// Sets `path` to a design cell; a whole-valued number such as `4.00000000e+00` is retried
/// as the integer `4` for integer fields.
fn set_cell(
    s: &mut ScenarioFile,
    path: &str,
    cell: &str,
) -> Result<(), polarity_scenario::ScenarioError> {
    match apply_override(s, &format!("{path}={cell}")) {
        Ok(()) => Ok(()),
        Err(e) => match cell.parse::<f64>() {
            Ok(x) if x.fract() == 0.0 && x.abs() < 9.0e15 && !cell.contains(['(', '[']) => {
                apply_override(s, &format!("{path}={}", x as i64)).map_err(|_| e)
            }
            _ => Err(e),
        },
    }
}

/// The parameter names of a SALib problem file (`name lower upper` per line, separated by
/// whitespace or commas; `#` lines skipped), checking that each line has numeric bounds.
pub fn problem_names(text: &str, origin: &str) -> Result<Vec<String>, RunnerError> {
    let mut problems = Problems::new(format!("cannot use the SALib problem file {origin}"));
    let mut names = Vec::new();
    for (i, line) in text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .enumerate()
    {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let cells = matrix_cells(trimmed);
        let ok =
            cells.len() >= 3 && cells[1].parse::<f64>().is_ok() && cells[2].parse::<f64>().is_ok();
        if !ok {
            problems.push(format!(
                "{origin}:{}: expected `name lower upper` (a parameter path and two numbers), \
                 found `{trimmed}`",
                i + 1
            ));
            continue;
        }
        if names.contains(&cells[0]) {
            problems.push(format!(
                "{origin}:{}: parameter {} is listed twice",
                i + 1,
                cells[0]
            ));
        }
        names.push(cells[0].clone());
    }
    problems.into_result()?;
    if names.is_empty() {
        return Err(RunnerError::Design(format!(
            "the SALib problem file {origin} names no parameters"
        )));
    }
    Ok(names)
}

/// The SALib bounds of a parameter with distribution `dist` in a field whose valid range is
/// `valid`: [`Dist::central_range`] (the support cut to `valid`) when the distribution's own
/// support is bounded, otherwise its 1% and 99% quantiles truncated to `valid`.
pub fn salib_bounds(dist: &Dist, valid: Range) -> (f64, f64) {
    let (lo, hi) = dist.support();
    if lo.is_finite() && hi.is_finite() {
        dist.central_range(valid)
    } else {
        (dist.quantile(0.01, valid), dist.quantile(0.99, valid))
    }
}

/// A SALib problem file for `file`'s uncertain parameters (all of them in schema order, or
/// the listed `paths` in that order): one line `path lower upper` per parameter, bounds from
/// [`salib_bounds`]. `origin` names the scenario in messages.
pub fn problem_file(
    file: &ScenarioFile,
    paths: &[String],
    origin: &str,
) -> Result<String, RunnerError> {
    let uncertain = polarity_scenario::uncertain_parameters(file);
    let mut problems = Problems::new(format!("cannot write a SALib problem file for {origin}"));
    let chosen: Vec<&polarity_scenario::Uncertain> = if paths.is_empty() {
        uncertain.iter().collect()
    } else {
        let mut chosen = Vec::new();
        for p in paths {
            match uncertain.iter().find(|u| u.path == p.trim()) {
                Some(u) => chosen.push(u),
                None if path_exists(file, p) => problems.push(format!(
                    "{p} holds a plain value in {origin}, not a distribution, so it has no \
                     bounds; give it one with --set '{p}=Uniform(LOW, HIGH)'"
                )),
                None => problems.push(format!(
                    "{p} is not a field of {origin}{}",
                    suggest_path(file, p)
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default()
                )),
            }
        }
        chosen
    };
    let mut out = String::new();
    for u in &chosen {
        let (lo, hi) = salib_bounds(&u.dist, u.range);
        if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less)
            || !lo.is_finite()
            || !hi.is_finite()
        {
            problems.push(format!(
                "{}: its distribution {} gives no usable range ({lo} to {hi}) for sensitivity \
                 analysis",
                u.path, u.dist
            ));
            continue;
        }
        out.push_str(&u.path);
        out.push(' ');
        push_float(&mut out, lo);
        out.push(' ');
        push_float(&mut out, hi);
        out.push('\n');
    }
    problems.into_result()?;
    if out.is_empty() {
        return Err(RunnerError::Design(format!(
            "{origin} has no uncertain parameters (fields holding a distribution), so there \
             is nothing to analyse; give some with --set 'PATH=Uniform(LOW, HIGH)'"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> ScenarioFile {
        polarity_scenario::load("tiny").unwrap().scenario
    }

    #[test]
    fn csv_designs_keep_row_order_and_quoted_values() {
        let text = "technology.utilization,policy.rules[controls].enforcement\n\
                    0.3,0.5\n\n0.5,\"Uniform(0.1, 0.2)\"\n";
        let d = Design::parse(text, "d.csv", None).unwrap();
        assert_eq!(d.columns.len(), 2);
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[1].line, 4);
        assert_eq!(d.rows[1].cells[1], "Uniform(0.1, 0.2)");
        let worlds = d.apply(&tiny()).unwrap();
        assert_eq!(worlds.len(), 2);
        assert_eq!(
            polarity_scenario::get_path(&worlds[0], "technology.utilization").unwrap(),
            "0.3"
        );
    }

    #[test]
    fn salib_matrices_take_their_names_from_the_problem_file() {
        let names = problem_names(
            "technology.utilization 0.1 0.9\nstudy.steps_per_year 2 8\n",
            "p.txt",
        )
        .unwrap();
        let d = Design::parse(
            "4.00000000e-01 4.00000000e+00\n2.5e-1\t2\n",
            "x.txt",
            Some(&names),
        )
        .unwrap();
        let worlds = d.apply(&tiny()).unwrap();
        assert_eq!(
            worlds[0].study.steps_per_year, 4,
            "whole floats fit integer fields"
        );
        assert_eq!(worlds[1].study.steps_per_year, 2);
    }

    #[test]
    fn every_bad_cell_is_reported_with_line_column_and_point() {
        let text = "technology.utilization,technology.run_length_years\n\
                    0.3,0.25\n7,0.25\n0.3,oops\n0.1\n";
        let d = Design::parse(text, "d.csv", None).unwrap_err();
        // The short row is found while parsing.
        assert!(
            d.to_string().contains("d.csv:5: point 3 has 1 values"),
            "{d}"
        );
        let text = "technology.utilization,technology.run_length_years\n\
                    0.3,0.25\n7,0.25\n0.3,oops\n";
        let d = Design::parse(text, "d.csv", None).unwrap();
        let e = d.apply(&tiny()).unwrap_err().to_string();
        assert!(e.contains("(2 problems)"), "{e}");
        assert!(
            e.contains("d.csv:3: column 1 (technology.utilization), point 1:"),
            "{e}"
        );
        assert!(
            e.contains("d.csv:4: column 2 (technology.run_length_years), point 2:"),
            "{e}"
        );
        assert!(e.is_char_boundary(0));
    }

    #[test]
    fn unknown_columns_and_missing_headers_are_explained() {
        let d = Design::parse("technology.utilisation\n0.3\n", "d.csv", None).unwrap();
        let e = d.apply(&tiny()).unwrap_err().to_string();
        assert!(e.contains("did you mean `technology.utilization`"), "{e}");
        let e = Design::parse("0.1 0.2\n", "x.txt", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--names-from"), "{e}");
        let e = Design::parse("0.1 0.2\n", "x.txt", Some(&["a".into()]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.txt:1: point 0 has 2 values"), "{e}");
        let e = Design::parse("a\n", "d.csv", None).unwrap_err().to_string();
        assert!(e.contains("no rows"), "{e}");
        let e = problem_names("x 1\n", "p.txt").unwrap_err().to_string();
        assert!(e.contains("p.txt:1: expected `name lower upper`"), "{e}");
    }

    #[test]
    fn problem_files_bound_every_uncertain_parameter() {
        let file = tiny();
        let text = problem_file(&file, &[], "tiny").unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            polarity_scenario::uncertain_parameters(&file).len()
        );
        // Uniform(0.2, 0.4): its support.
        assert!(
            text.contains("fabs[cn-fab-a].yield_share 0.2 0.4\n"),
            "{text}"
        );
        for l in &lines {
            let f: Vec<&str> = l.split(' ').collect();
            assert_eq!(f.len(), 3, "{l}");
            let (lo, hi): (f64, f64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
            assert!(lo < hi, "{l}");
        }
        assert_eq!(problem_names(&text, "p").unwrap().len(), lines.len());
        let one = problem_file(&file, &["outcome.threshold".into()], "tiny").unwrap();
        assert_eq!(one, "outcome.threshold 29 31\n");
        // LogNormal(2.8, 0.25) in a field valid up to 1000: its 1% and 99% quantiles,
        // 2.8·exp(∓2.3263·0.25) = 1.5653 and 5.0083 (a hair more once truncated to the valid
        // range), not the valid range itself; 1e-3 covers the truncation.
        let algo =
            problem_file(&file, &["technology.algo_progress_per_year".into()], "tiny").unwrap();
        let f: Vec<f64> = algo
            .split_whitespace()
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        assert!(
            (f[0] - 1.5653).abs() < 1e-3 && (f[1] - 5.0083).abs() < 1e-3,
            "{algo}"
        );
        let e = problem_file(&file, &["technology.utilization".into()], "tiny")
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain value"), "{e}");
    }
}
