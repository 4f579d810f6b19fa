//! Polarity scenario files: the RON schema with uncertainty, overrides by path, validation that
//! reports every problem, per-run sampling, and the scenarios that ship in the binary.
//!
//! A scenario file is RON for [`ScenarioFile`] = [`Scenario<Num>`]: the model's own parameter
//! structs with every number either a plain value or a [`Dist`]ribution. [`load`] and [`parse`]
//! read and validate a file, collecting every problem ([`Problem`]) with its line, column,
//! field path and a hint; [`apply_override`] sets one field by path (`firms[cn-lab-a].
//! reinvest_share=Uniform(0.5, 0.8)`), as `--set`, `sweep` and `batch` do; [`sample`] draws one
//! run's [`Scenario<f64>`], each uncertain number by inverse CDF from a uniform keyed by
//! (study seed, run, path) so that adding or changing one parameter never shifts another's
//! draw; [`uncertain_parameters`] lists the uncertain fields in the documented order (the
//! columns of `runs.csv`); [`embedded`] holds the shipped scenarios.
//!
//! **Architecture invariant:** nothing here panics on any input (truncated, binary, enormous
//! or deeply nested files, any override text): sizes are checked before `ron` sees the text,
//! nesting is bounded, and every failure is a [`ScenarioError`]. The crate does no I/O except
//! reading the scenario file named to [`load`].

#![warn(missing_docs)]

pub mod dist;
mod problem;
mod schema;
mod syntax;
mod validate;

use std::path::Path;

pub use dist::{Dist, Num, Range};
pub use polarity_model::Scenario;
pub use problem::{Problem, ScenarioError, Severity, printable};

use problem::sort_problems;
use schema::{Node, PathError, Sampler, Seg, SyntaxCx, parse_path};
use syntax::LineIndex;

/// A scenario as written in a file: every number a plain value or a distribution.
pub type ScenarioFile = Scenario<Num>;

/// Documented size limits, checked before anything large is built.
pub mod limits {
    /// Largest scenario file accepted, bytes (16 MiB).
    pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
    /// Most blocs in a scenario.
    pub const MAX_BLOCS: usize = 100;
    /// Most nations in a scenario.
    pub const MAX_NATIONS: usize = 10_000;
    /// Most firms in a scenario.
    pub const MAX_FIRMS: usize = 100_000;
    /// Most fabs in a scenario.
    pub const MAX_FABS: usize = 100_000;
    /// Most export-control rules in a scenario.
    pub const MAX_RULES: usize = 1_000;
    /// Most classes of compute multipliers.
    pub const MAX_MULTIPLIERS: usize = polarity_model::state::MAX_MULTIPLIER_CLASSES;
    /// Most simulation steps from start to horizon.
    pub const MAX_STEPS: u64 = 10_000;
    /// Most steps per year (daily).
    pub const MAX_STEPS_PER_YEAR: u32 = 365;
    /// Largest default run count.
    pub const MAX_RUNS: u64 = 1_000_000_000;
    /// Longest id, characters.
    pub const MAX_ID_CHARS: usize = 64;
    /// Earliest calendar year accepted for dates.
    pub const MIN_YEAR: f64 = 1900.0;
    /// Latest calendar year accepted for dates.
    pub const MAX_YEAR: f64 = 2500.0;
}

use limits::MAX_FILE_BYTES;

/// A scenario read and validated by [`load`] or [`parse_source`].
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The scenario as written (numbers still distributions).
    pub scenario: ScenarioFile,
    /// The source text it was read from.
    pub source: String,
    /// Where it came from: the file path as given, or `embedded:NAME`.
    pub origin: String,
    /// Warning-class problems (the scenario is valid, but e.g. a distribution is truncated).
    pub warnings: Vec<Problem>,
}

/// One uncertain parameter: a field holding a distribution other than `Fixed`.
#[derive(Clone, Debug, PartialEq)]
pub struct Uncertain {
    /// Its path, e.g. `firms[cn-lab-a].fleet_h100e` (also its `runs.csv` column name).
    pub path: String,
    /// Its distribution.
    pub dist: Dist,
    /// The field's valid range (samples are truncated to it).
    pub range: Range,
}

// ---------------------------------------------------------------------------------------------
// Embedded scenarios
// ---------------------------------------------------------------------------------------------

const EMBEDDED: &[(&str, &str)] = &[
    ("baseline", include_str!("../../../scenarios/baseline.ron")),
    (
        "no-controls",
        include_str!("../../../scenarios/no-controls.ron"),
    ),
    ("strict", include_str!("../../../scenarios/strict.ron")),
    ("leaky", include_str!("../../../scenarios/leaky.ron")),
    (
        "paradigm-shift",
        include_str!("../../../scenarios/paradigm-shift.ron"),
    ),
    ("tiny", include_str!("../../../scenarios/tiny.ron")),
];

/// The scenarios shipped in the binary, as (name, RON source), `baseline` first.
pub fn embedded() -> &'static [(&'static str, &'static str)] {
    EMBEDDED
}

/// The RON source of the embedded scenario `name`, if there is one.
pub fn embedded_source(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

// ---------------------------------------------------------------------------------------------
// Loading and parsing
// ---------------------------------------------------------------------------------------------

/// Reads and validates a scenario: `arg` is a path to a `.ron` file or the name of an embedded
/// scenario (`baseline`, ...); an existing file wins over an embedded name.
pub fn load(arg: &str) -> Result<Loaded, ScenarioError> {
    let path = Path::new(arg);
    if path.is_file() {
        let err = |msg: String, hint: Option<String>| {
            let mut p = Problem::error(arg, "", msg);
            p.hint = hint;
            ScenarioError::single(p)
        };
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len > MAX_FILE_BYTES as u64 {
            return Err(err(
                format!("the file is {len} bytes, more than the limit of {MAX_FILE_BYTES}"),
                Some("scenario files are small text files; is this the right file?".into()),
            ));
        }
        let bytes =
            std::fs::read(path).map_err(|e| err(format!("cannot read the file: {e}"), None))?;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let good = e.utf8_error().valid_up_to();
                let prefix =
                    String::from_utf8_lossy(e.as_bytes().get(..good).unwrap_or(&[])).into_owned();
                let (l, c) = LineIndex::new(&prefix).position(prefix.len());
                return Err(ScenarioError::single(
                    Problem::error(arg, "", "the file is not UTF-8 text (is it a binary file?)")
                        .at(l, c)
                        .with_hint("scenario files are RON text; see `polarity show baseline`"),
                ));
            }
        };
        return parse_source(&text, arg);
    }
    let name = arg.strip_suffix(".ron").unwrap_or(arg);
    if let Some(src) = embedded_source(name) {
        return parse_source(src, &format!("embedded:{name}"));
    }
    let names: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
    let hint = match problem::nearest(name, names.iter().copied()) {
        Some(n) => format!(
            "did you mean `{n}`? (embedded scenarios: {})",
            names.join(", ")
        ),
        None => format!("embedded scenarios: {}", names.join(", ")),
    };
    Err(ScenarioError::single(
        Problem::error(
            arg,
            "",
            "no such file, and no embedded scenario of that name",
        )
        .with_hint(hint),
    ))
}

/// Parses and validates scenario text, collecting every problem; `origin` names the text in
/// messages (a file path, or `embedded:NAME`). Warnings do not make it fail; see
/// [`parse_source`] to get them.
pub fn parse(source: &str, origin: &str) -> Result<ScenarioFile, ScenarioError> {
    parse_source(source, origin).map(|l| l.scenario)
}

/// As [`parse`], returning the scenario with its source, origin and warnings.
pub fn parse_source(source: &str, origin: &str) -> Result<Loaded, ScenarioError> {
    if source.len() > MAX_FILE_BYTES {
        return Err(ScenarioError::single(
            Problem::error(
                origin,
                "",
                format!(
                    "the text is {} bytes, more than the limit of {MAX_FILE_BYTES}",
                    source.len()
                ),
            )
            .with_hint("scenario files are small text files"),
        ));
    }
    let lines = LineIndex::new(source);
    let at = |offset: usize, path: &str, msg: String, hint: Option<String>| {
        let (l, c) = lines.position(offset);
        let mut p = Problem::error(origin, path, msg).at(l, c);
        p.hint = hint;
        p
    };
    let tree = match syntax::parse(source) {
        Ok(tree) => Some(tree),
        Err(e) if e.too_deep => {
            return Err(ScenarioError::single(at(e.offset, "", e.message, None)));
        }
        Err(e) => {
            // ron is the authority on syntax; our reader's message, usually more specific
            // ("expected `,` or `)` after the value of `tier1`"), becomes the hint when both
            // point at the same line.
            match ron::from_str::<ScenarioFile>(source) {
                Ok(_) => None,
                Err(re) => {
                    if e.message.contains("end of the file") {
                        return Err(ScenarioError::single(at(
                            e.offset,
                            "",
                            format!("the file ends early: {}", e.message),
                            Some(
                                "a closing `)` or `]` may be missing, or the file was cut short"
                                    .into(),
                            ),
                        )));
                    }
                    let mut p = ron_problem(&re, origin, "");
                    let (line, _) = lines.position(e.offset);
                    if p.line == Some(line) {
                        p.hint = Some(e.message);
                    }
                    return Err(ScenarioError::single(p));
                }
            }
        }
    };
    if let Some(tree) = &tree {
        let over = validate::syntax_limits(tree);
        if !over.is_empty() {
            let problems = over
                .into_iter()
                .map(|(path, o, msg)| {
                    at(
                        o,
                        &path,
                        msg,
                        Some("the limits are documented in docs/scenario-format.md".into()),
                    )
                })
                .collect();
            return Err(ScenarioError { problems });
        }
    }
    let scenario = match ron::from_str::<ScenarioFile>(source) {
        Ok(s) => s,
        Err(re) => {
            let mut problems = Vec::new();
            if let Some(tree) = &tree {
                // Extensions enabled by `#![enable(...)]` before the top-level value.
                let prefix = source.get(..tree.start).unwrap_or("");
                let extensions = prefix
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter_map(ron::extensions::Extensions::from_ident)
                    .fold(ron::extensions::Extensions::empty(), |a, b| a | b);
                let mut cx = SyntaxCx {
                    src: source,
                    problems: Vec::new(),
                    options: ron::Options::default().with_default_extension(extensions),
                };
                let mut path = String::new();
                ScenarioFile::check_syntax(tree, &mut cx, &mut path);
                for sp in cx.problems {
                    let (mut l, mut c) = lines.position(sp.offset);
                    if let Some((il, ic)) = sp.inner {
                        if il > 1 {
                            l += il - 1;
                            c = ic;
                        } else {
                            c += ic.saturating_sub(1);
                        }
                    }
                    let mut p = Problem::error(origin, &sp.path, sp.message).at(l, c);
                    p.hint = sp.hint;
                    problems.push(p);
                }
            }
            if problems.is_empty() {
                problems.push(ron_problem(&re, origin, ""));
            }
            sort_problems(&mut problems);
            return Err(ScenarioError { problems });
        }
    };
    let mut problems = validate::validate(&scenario, Some(source), origin);
    if !problems.iter().any(Problem::is_error) {
        problems.extend(canonical_too_big(&scenario, origin));
    }
    if problems.iter().any(Problem::is_error) {
        return Err(ScenarioError { problems });
    }
    problems.retain(|p| !p.is_error());
    Ok(Loaded {
        scenario,
        source: source.to_string(),
        origin: origin.to_string(),
        warnings: problems,
    })
}

/// A problem when the scenario's canonical RON ([`to_ron`], written as `scenario.ron`) would
/// be longer than the file limit, so that the study's own `scenario.ron` could not be read back
/// (pretty RON puts every list element on its own indented line).
fn canonical_too_big(s: &ScenarioFile, origin: &str) -> Option<Problem> {
    let len = to_ron(s).len();
    (len > MAX_FILE_BYTES).then(|| {
        Problem::error(
            origin,
            "",
            format!(
                "the scenario as run would be {len} bytes of RON (scenario.ron), more than the \
                 limit of {MAX_FILE_BYTES}"
            ),
        )
        .with_hint("use fewer values in Choice or Weighted lists, or fewer agents")
    })
}

/// A problem from a `ron` error, with a hint for its misleading messages.
fn ron_problem(e: &ron::error::SpannedError, origin: &str, path: &str) -> Problem {
    let msg = e.code.to_string();
    let hint = match &e.code {
        ron::Error::ExpectedComma => Some(
            "a `,` is missing between two values, or a number has the wrong form (e.g. a decimal point where a whole number is expected)".to_string(),
        ),
        ron::Error::Eof => Some("the text ends early: a closing `)` or `]` may be missing".to_string()),
        ron::Error::ExpectedOption => Some("write `Some(value)` or `None`".to_string()),
        ron::Error::ExpectedString | ron::Error::ExpectedStringEnd => {
            Some("strings are written in double quotes, e.g. \"us\"".to_string())
        }
        _ => None,
    };
    let mut p = Problem::error(origin, path, msg).at(e.span.start.line, e.span.start.col);
    p.hint = hint;
    p
}

/// Semantic checks of a scenario: ids, references, tiers, dates, empty blocs, every numeric
/// field against its valid range, distribution parameters, size limits. Returns every problem
/// (errors and warnings, see [`Problem::severity`]), sorted by position. `source`, when given,
/// is the text the scenario was read from, used to find the line and column of each problem.
pub fn validate(s: &ScenarioFile, source: Option<&str>, origin: &str) -> Vec<Problem> {
    validate::validate(s, source, origin)
}

// ---------------------------------------------------------------------------------------------
// Paths and overrides
// ---------------------------------------------------------------------------------------------

/// Origin used in messages about overrides.
const OVERRIDE_ORIGIN: &str = "--set";

fn path_problem(path: &str, e: PathError, suggestion: Option<String>) -> ScenarioError {
    let hint = match suggestion {
        Some(s) => Some(format!("did you mean `{s}`?")),
        None => e.hint,
    };
    let mut p = Problem::error(OVERRIDE_ORIGIN, path, e.message);
    p.hint = hint;
    ScenarioError::single(p)
}

/// Resolves `path` in a clone-free way and calls `f` on the target.
fn with_target<R>(
    s: &mut ScenarioFile,
    path: &str,
    f: impl FnOnce(schema::Target<'_>) -> R,
) -> Result<R, PathError> {
    let segs = parse_path(path).map_err(|m| PathError {
        at: path.to_string(),
        message: m,
        hint: Some("paths look like `technology.algo_progress_per_year` or `firms[us-lab-a].reinvest_share`".into()),
        candidates: Vec::new(),
    })?;
    let mut buf = String::new();
    let target = s.resolve(&segs, &mut buf)?;
    Ok(f(target))
}

/// The nearest valid path to a mistyped one, correcting one segment at a time (a misspelt
/// field name, id or variant field), or `None` when nothing close exists or `path` is valid.
pub fn suggest_path(s: &ScenarioFile, path: &str) -> Option<String> {
    let original = path.trim();
    let mut candidate = original.to_string();
    let mut probe = s.clone();
    for _ in 0..4 {
        let segs = parse_path(&candidate).ok()?;
        let mut buf = String::new();
        let err = match probe.resolve(&segs, &mut buf) {
            Ok(_) => return (candidate != original).then_some(candidate),
            Err(e) => e,
        };
        // The failing segment is the last one of `err.at`.
        let idx = parse_path(&err.at).ok()?.len().checked_sub(1)?;
        let bad = segs.get(idx)?;
        let word = match bad {
            Seg::Field(f) | Seg::Key(f) => *f,
        };
        let best = problem::nearest(word, err.candidates.iter().map(String::as_str))?;
        let mut parts: Vec<String> = segs.iter().map(seg_render).collect();
        let slot = parts.get_mut(idx)?;
        *slot = match bad {
            Seg::Key(_) => format!("[{best}]"),
            Seg::Field(_) => best.to_string(),
        };
        candidate = join_rendered(&parts);
    }
    None
}

fn seg_render(s: &Seg<'_>) -> String {
    match s {
        Seg::Field(f) => (*f).to_string(),
        Seg::Key(k) => format!("[{k}]"),
    }
}

fn join_rendered(parts: &[String]) -> String {
    let mut out = String::new();
    for p in parts {
        if !out.is_empty() && !p.starts_with('[') {
            out.push('.');
        }
        out.push_str(p);
    }
    out
}

/// Sets the field at `path` to `value`, RON of the field's own type: a number or a
/// distribution for numeric fields (`0.5`, `Uniform(1, 2)`), `true`/`false`, an enum
/// (`Barred`, `Capped(50000)`, `Fixed(years: 1.0)`), `Some(2026.5)`/`None`, a string (bare
/// words are accepted for names and ids), or a whole struct or list. Only the value's type is
/// checked here; call [`validate`] (or use [`apply_overrides`]) for its range and consistency.
pub fn set_path(s: &mut ScenarioFile, path: &str, value: &str) -> Result<(), ScenarioError> {
    let path = path.trim();
    let outcome = with_target(s, path, |mut t| {
        let expects = t.expects;
        t.slot.set_ron(value).map_err(|e| (e, expects))
    });
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err((e, expects))) => {
            let (message, hint, inner) = schema::explain(&e, value, expects);
            let mut p = Problem::error(
                OVERRIDE_ORIGIN,
                path,
                format!("cannot read `{}`: {message}", schema::short(value)),
            );
            if inner {
                p = p.at(e.span.start.line, e.span.start.col);
            }
            p.hint = hint;
            Err(ScenarioError::single(p))
        }
        Err(e) => {
            let suggestion = suggest_path(s, path);
            Err(path_problem(path, e, suggestion))
        }
    }
}

/// The current value at `path` as compact RON.
pub fn get_path(s: &ScenarioFile, path: &str) -> Result<String, ScenarioError> {
    let mut probe = s.clone();
    let path = path.trim();
    match with_target(&mut probe, path, |t| t.slot.get_ron()) {
        Ok(v) => Ok(v),
        Err(e) => Err(path_problem(path, e, suggest_path(s, path))),
    }
}

/// Whether `path` names a settable field of `s`.
pub fn path_exists(s: &ScenarioFile, path: &str) -> bool {
    let mut probe = s.clone();
    with_target(&mut probe, path, |_| ()).is_ok()
}

/// Applies one `PATH=VALUE` override (as `--set` does): sets the field, then checks the new
/// value against the field's valid range. Leaves `s` unchanged on error. Cross-field checks
/// (e.g. a horizon before the start) are left to [`validate`], so that several overrides can
/// be applied in any order; [`apply_overrides`] does both.
pub fn apply_override(s: &mut ScenarioFile, assignment: &str) -> Result<(), ScenarioError> {
    let Some((path, value)) = assignment.split_once('=') else {
        return Err(ScenarioError::single(
            Problem::error(
                OVERRIDE_ORIGIN,
                "",
                format!(
                    "`{}` is not of the form PATH=VALUE",
                    schema::short(assignment)
                ),
            )
            .with_hint("e.g. --set 'policy.rules[oct-2023].enforcement=0.5'"),
        ));
    };
    let path = path.trim();
    let mut next = s.clone();
    set_path(&mut next, path, value)?;
    // Range check of the value just set.
    let mut range_problem = None;
    let _ = with_target(&mut next, path, |t| {
        if let Some(r) = t.range
            && let Ok(n) = ron::from_str::<Num>(&t.slot.get_ron())
            && let Err(e) = n.check(r)
        {
            range_problem = Some(e.to_string());
        }
    });
    if let Some(msg) = range_problem {
        return Err(ScenarioError::single(Problem::error(
            OVERRIDE_ORIGIN,
            path,
            msg,
        )));
    }
    *s = next;
    Ok(())
}

/// Applies overrides in order, then validates the result as a whole; on error `s` is left
/// unchanged and every problem is reported.
pub fn apply_overrides<S: AsRef<str>>(
    s: &mut ScenarioFile,
    assignments: &[S],
) -> Result<(), ScenarioError> {
    let mut next = s.clone();
    let mut problems = Vec::new();
    for a in assignments {
        if let Err(e) = apply_override(&mut next, a.as_ref()) {
            problems.extend(e.problems);
        }
    }
    if problems.is_empty() {
        problems = validate(&next, None, OVERRIDE_ORIGIN);
        problems.retain(Problem::is_error);
    }
    if problems.is_empty() {
        problems.extend(canonical_too_big(&next, OVERRIDE_ORIGIN));
    }
    if problems.is_empty() {
        *s = next;
        Ok(())
    } else {
        Err(ScenarioError { problems })
    }
}

/// Every settable path of `s`, in schema order: each field, each list element (`firms[us-lab-a]`)
/// and each field below it, enum variant fields (`outcome.window.max_years`,
/// `policy.rules[x].tier2.Capped`) and fields inside an option that is `Some`.
pub fn all_paths(s: &ScenarioFile) -> Vec<String> {
    let mut out = Vec::new();
    let mut path = String::new();
    s.visit(&mut path, &mut |p, _| out.push(p.to_string()));
    out
}

/// Every field holding a distribution other than `Fixed`, in schema order: the order of the
/// fields in [`Scenario`] (and its sub-structs), lists in the order of their elements in the
/// file. This order is documented and stable; it is the order of the sampled-value columns of
/// `runs.csv` and of [`sample`]'s `values`.
pub fn uncertain_parameters(s: &ScenarioFile) -> Vec<Uncertain> {
    let mut out = Vec::new();
    let mut path = String::new();
    s.visit(&mut path, &mut |p, num| {
        if let Some((Num::Dist(d), range)) = num
            && !matches!(d, Dist::Fixed(_))
        {
            out.push(Uncertain {
                path: p.to_string(),
                dist: d.clone(),
                range,
            });
        }
    });
    out
}

/// Samples run `run` of a study with seed `study_seed`: every uncertain number is drawn by
/// inverse CDF (truncated to its valid range) from
/// [`polarity_model::rng::parameter_uniform`]`(study_seed, run, path)`; plain numbers are
/// copied. `values` is cleared and receives the sampled value of each
/// [`uncertain_parameters`] entry, in that order.
pub fn sample(s: &ScenarioFile, study_seed: u64, run: u64, values: &mut Vec<f64>) -> Scenario<f64> {
    values.clear();
    let mut cx = Sampler::new(study_seed, run, values);
    s.map(&mut cx)
}

/// The scenario as pretty RON that parses back to the same value (no comments).
pub fn to_ron(s: &ScenarioFile) -> String {
    let cfg = ron::ser::PrettyConfig::new()
        .indentor("    ".to_string())
        .struct_names(false);
    ron::ser::to_string_pretty(s, cfg).unwrap_or_default()
}

/// A stable hash of the scenario as run: 64-bit FNV-1a of [`to_ron`]'s output, as 16 hex
/// digits. Comments and formatting of the source do not change it; any value does.
pub fn hash(s: &ScenarioFile) -> String {
    format!("{:016x}", polarity_model::rng::id_hash(&to_ron(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        let segs = parse_path("policy.rules[oct-2023].tier2").expect("ok");
        assert_eq!(
            segs,
            vec![
                Seg::Field("policy"),
                Seg::Field("rules"),
                Seg::Key("oct-2023"),
                Seg::Field("tier2")
            ]
        );
        assert!(parse_path("a..b").is_err());
        assert!(parse_path("a[").is_err());
        assert!(parse_path("").is_err());
        assert!(parse_path("a[x]b").is_err());
    }
}
