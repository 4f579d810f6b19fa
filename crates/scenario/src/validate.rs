//! Semantic validation of a parsed scenario: everything `serde` cannot see.
//!
//! Checks ids (non-empty, plain characters, unique), references between agents (a nation's
//! bloc, a firm's or fab's nation, the paradigm's discoverer), tiers, dates (horizon after
//! start, rules ending after they start, sane step counts), empty blocs, every numeric field
//! against its valid range (distributions included: invalid parameters or a support that misses
//! the range are errors, a support that partly leaves it is a warning) and the documented size
//! limits. Every problem is collected; none stops the others. Positions come from
//! [`crate::syntax::Locations`] when the source text is available.

use std::collections::{HashMap, HashSet};

use polarity_model::params::Scenario;

use crate::dist::Num;
use crate::limits::*;
use crate::problem::{Problem, Severity, nearest};
use crate::schema::Node;
use crate::syntax::{LineIndex, Locations, SyntaxNode, Value};

/// Collects problems with the path used to locate them in the text.
struct Collector<'a> {
    origin: &'a str,
    found: Vec<(Problem, String)>,
}

impl Collector<'_> {
    /// Records a problem at `path`, located at `loc` (positional form allowed, e.g.
    /// `firms#3.id`) or at `path` when `loc` is empty.
    fn add(
        &mut self,
        severity: Severity,
        path: &str,
        loc: &str,
        message: String,
        hint: Option<String>,
    ) {
        let mut p = Problem::error(self.origin, path, message);
        p.severity = severity;
        p.hint = hint;
        let loc = if loc.is_empty() { path } else { loc };
        self.found.push((p, loc.to_string()));
    }

    fn error(&mut self, path: &str, loc: &str, message: String, hint: Option<String>) {
        self.add(Severity::Error, path, loc, message, hint);
    }
}

/// Whether `id` is usable as an id: non-empty, at most [`MAX_ID_CHARS`] characters, letters,
/// digits, `-`, `_` and `.` only (so it can appear in a path, a CSV header and a file name).
pub(crate) fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("the id is empty".into());
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Some(format!(
            "the id `{}...` is longer than {MAX_ID_CHARS} characters",
            id.chars().take(20).collect::<String>()
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "the id {id:?} contains {c:?}; use only ASCII letters, digits, `-`, `_` and `.`"
        ));
    }
    None
}

/// Checks a list of elements with ids: each id valid and unique. Returns the set of ids.
fn check_ids<'s, T>(
    c: &mut Collector<'_>,
    list: &str,
    items: &'s [T],
    id_of: impl Fn(&T) -> &str,
) -> HashSet<&'s str> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let id = id_of(item);
        let path = format!("{list}[{id}].id");
        let loc = format!("{list}#{i}.id");
        if let Some(msg) = id_problem(id) {
            c.error(&path, &loc, msg, None);
        }
        if let Some(first) = seen.get(id) {
            c.error(
                &path,
                &loc,
                format!("duplicate id `{id}`: element {i} of `{list}` repeats element {first}"),
                Some("ids must be unique within a list; rename one of them".into()),
            );
        } else {
            seen.insert(id, i);
        }
    }
    seen.into_keys().collect()
}

fn reference(
    c: &mut Collector<'_>,
    path: &str,
    loc: &str,
    what: &str,
    value: &str,
    known: &HashSet<&str>,
) {
    if known.contains(value) {
        return;
    }
    let mut ids: Vec<&str> = known.iter().copied().collect();
    ids.sort_unstable();
    let hint = match nearest(value, ids.iter().copied()) {
        Some(n) => Some(format!("did you mean `{n}`?")),
        None if ids.len() <= 12 => Some(format!("defined {what}s: {}", ids.join(", "))),
        None => Some(format!("define a {what} with id `{value}` first")),
    };
    c.error(
        path,
        loc,
        format!("refers to the undefined {what} `{value}`"),
        hint,
    );
}

fn limit(c: &mut Collector<'_>, path: &str, what: &str, n: usize, max: usize) -> bool {
    if n > max {
        c.error(
            path,
            "",
            format!("{n} {what} exceed the limit of {max}"),
            Some(format!("split the study or merge {what}; the limit is documented in docs/scenario-format.md")),
        );
        false
    } else {
        true
    }
}

fn year_ok(y: f64) -> bool {
    y.is_finite() && (MIN_YEAR..=MAX_YEAR).contains(&y)
}

/// All semantic checks, without positions.
fn semantic(s: &Scenario<Num>, c: &mut Collector<'_>) {
    // Sizes first: everything below is linear, but say so plainly.
    let sizes_ok = [
        limit(c, "blocs", "blocs", s.blocs.len(), MAX_BLOCS),
        limit(c, "nations", "nations", s.nations.len(), MAX_NATIONS),
        limit(c, "firms", "firms", s.firms.len(), MAX_FIRMS),
        limit(c, "fabs", "fabs", s.fabs.len(), MAX_FABS),
        limit(c, "policy.rules", "rules", s.policy.rules.len(), MAX_RULES),
        limit(
            c,
            "technology.multipliers",
            "multiplier classes",
            s.technology.multipliers.len(),
            MAX_MULTIPLIERS,
        ),
    ]
    .iter()
    .all(|ok| *ok);

    if s.name.trim().is_empty() {
        c.error(
            "name",
            "",
            "the scenario name is empty".into(),
            Some("give it a short name, e.g. \"my-policy\"".into()),
        );
    }

    // Study.
    let st = &s.study;
    if !year_ok(st.start_year) {
        c.error(
            "study.start_year",
            "",
            format!(
                "start year {} is not a year between {MIN_YEAR} and {MAX_YEAR}",
                st.start_year
            ),
            Some("write a calendar year such as 2023.0".into()),
        );
    }
    if !year_ok(st.horizon_year) {
        c.error(
            "study.horizon_year",
            "",
            format!(
                "horizon year {} is not a year between {MIN_YEAR} and {MAX_YEAR}",
                st.horizon_year
            ),
            Some("write a calendar year such as 2035.0".into()),
        );
    } else if st.horizon_year.is_finite()
        && st.start_year.is_finite()
        && st.horizon_year <= st.start_year
    {
        c.error(
            "study.horizon_year",
            "",
            format!(
                "the horizon {} is not after the start {}",
                st.horizon_year, st.start_year
            ),
            Some("the horizon must be later than study.start_year".into()),
        );
    }
    if st.steps_per_year == 0 || st.steps_per_year > MAX_STEPS_PER_YEAR {
        c.error(
            "study.steps_per_year",
            "",
            format!(
                "{} steps per year is outside 1..={MAX_STEPS_PER_YEAR}",
                st.steps_per_year
            ),
            Some("4 (quarterly) is the usual choice".into()),
        );
    } else if year_ok(st.start_year) && year_ok(st.horizon_year) {
        let steps = (st.horizon_year - st.start_year) * f64::from(st.steps_per_year);
        if steps > MAX_STEPS as f64 {
            c.error(
                "study.horizon_year",
                "",
                format!(
                    "{:.0} steps from {} to {} at {} per year exceed the limit of {MAX_STEPS}",
                    steps, st.start_year, st.horizon_year, st.steps_per_year
                ),
                Some("use fewer steps per year or an earlier horizon".into()),
            );
        }
    }
    if st.runs == 0 || st.runs > MAX_RUNS {
        c.error(
            "study.runs",
            "",
            format!("{} runs is outside 1..={MAX_RUNS}", st.runs),
            Some("1000 runs is a good default".into()),
        );
    }

    if !sizes_ok {
        // Do not walk millions of elements; the limits are the problem to fix first.
        return;
    }

    // Ids and references.
    if s.blocs.is_empty() {
        c.error(
            "blocs",
            "",
            "no blocs are defined".into(),
            Some("define at least one bloc, e.g. (id: \"us\")".into()),
        );
    }
    if s.nations.is_empty() {
        c.error("nations", "", "no nations are defined".into(), None);
    }
    if s.firms.is_empty() {
        c.error(
            "firms",
            "",
            "no firms are defined".into(),
            Some("a bloc races through its firms; define at least one".into()),
        );
    }
    let blocs = check_ids(c, "blocs", &s.blocs, |b| &b.id);
    let nations = check_ids(c, "nations", &s.nations, |n| &n.id);
    let firms = check_ids(c, "firms", &s.firms, |f| &f.id);
    let _ = check_ids(c, "fabs", &s.fabs, |f| &f.id);
    let _ = check_ids(c, "policy.rules", &s.policy.rules, |r| &r.id);

    let mut nation_bloc: HashMap<&str, &str> = HashMap::new();
    let mut bloc_nations: HashMap<&str, usize> = HashMap::new();
    for (i, n) in s.nations.iter().enumerate() {
        let base = format!("nations[{}]", n.id);
        reference(
            c,
            &format!("{base}.bloc"),
            &format!("nations#{i}.bloc"),
            "bloc",
            &n.bloc,
            &blocs,
        );
        nation_bloc.entry(&n.id).or_insert(&n.bloc);
        *bloc_nations.entry(&n.bloc).or_default() += 1;
        if !(1..=3).contains(&n.tier) {
            c.error(
                &format!("{base}.tier"),
                &format!("nations#{i}.tier"),
                format!("tier {} is not 1, 2 or 3", n.tier),
                Some("1 = allies (unrestricted), 2 = capped third countries, 3 = barred".into()),
            );
        }
    }
    let mut bloc_firms: HashMap<&str, usize> = HashMap::new();
    for (i, f) in s.firms.iter().enumerate() {
        reference(
            c,
            &format!("firms[{}].nation", f.id),
            &format!("firms#{i}.nation"),
            "nation",
            &f.nation,
            &nations,
        );
        if let Some(b) = nation_bloc.get(f.nation.as_str()) {
            *bloc_firms.entry(b).or_default() += 1;
        }
    }
    for (i, f) in s.fabs.iter().enumerate() {
        reference(
            c,
            &format!("fabs[{}].nation", f.id),
            &format!("fabs#{i}.nation"),
            "nation",
            &f.nation,
            &nations,
        );
        if let (Some(y), Some(m)) = (f.yield_share.fixed_value(), f.yield_max.fixed_value())
            && y > m
        {
            c.add(
                    Severity::Warning,
                    &format!("fabs[{}].yield_share", f.id),
                    &format!("fabs#{i}.yield_share"),
                    format!("the starting yield {y} is above the yield the process matures toward ({m}); yield will fall"),
                    Some("make yield_max at least yield_share".into()),
                );
        }
    }
    // A firm with an undefined nation is reported above; then "no firm" would mislead.
    let firms_resolve = s
        .firms
        .iter()
        .all(|f| nation_bloc.contains_key(f.nation.as_str()));
    for (i, b) in s.blocs.iter().enumerate().filter(|(_, b)| !b.id.is_empty()) {
        let path = format!("blocs[{}]", b.id);
        let loc = format!("blocs#{i}");
        if !bloc_nations.contains_key(b.id.as_str()) {
            c.error(
                &path,
                &loc,
                format!("bloc `{}` has no nation", b.id),
                Some(format!(
                    "add a nation with `bloc: \"{}\"` or remove the bloc",
                    b.id
                )),
            );
        } else if !bloc_firms.contains_key(b.id.as_str()) && !s.firms.is_empty() && firms_resolve {
            c.error(
                &path,
                &loc,
                format!(
                    "bloc `{}` has no firm, so it can never cross the threshold",
                    b.id
                ),
                Some(
                    "add a firm based in one of its nations, or merge the bloc into another"
                        .to_string(),
                ),
            );
        }
    }

    // Rules.
    for (i, r) in s.policy.rules.iter().enumerate() {
        let base = format!("policy.rules[{}]", r.id);
        let loc = format!("policy.rules#{i}");
        if !year_ok(r.start_year) {
            c.error(
                &format!("{base}.start_year"),
                &format!("{loc}.start_year"),
                format!(
                    "start year {} is not a year between {MIN_YEAR} and {MAX_YEAR}",
                    r.start_year
                ),
                None,
            );
        }
        if let Some(end) = r.end_year {
            if !year_ok(end) {
                c.error(
                    &format!("{base}.end_year"),
                    &format!("{loc}.end_year"),
                    format!("end year {end} is not a year between {MIN_YEAR} and {MAX_YEAR}"),
                    Some("write `None` for a rule that never lapses".into()),
                );
            } else if end <= r.start_year {
                c.error(
                    &format!("{base}.end_year"),
                    &format!("{loc}.end_year"),
                    format!(
                        "the rule ends ({end}) before or when it starts ({})",
                        r.start_year
                    ),
                    Some("end_year must be later than start_year, or `None`".into()),
                );
            }
        }
    }

    // Paradigm discoverer.
    if let Some(p) = &s.technology.paradigm
        && let Some(d) = &p.discoverer
    {
        reference(c, "technology.paradigm.discoverer", "", "firm", d, &firms);
    }

    // Every numeric field against its range.
    let mut path = String::new();
    s.visit(&mut path, &mut |p, num| {
        let Some((n, range)) = num else { return };
        match n.check(range) {
            Err(e) => c.error(p, "", e.to_string(), None),
            Ok(()) => {
                // A tail beyond the range holding less than 0.1% is not worth a warning.
                let negligible = matches!(n, Num::Dist(d) if d.mass_in(range) >= 0.999);
                if let Some(w) = n.support_warning(range).filter(|_| !negligible) {
                    c.add(Severity::Warning, p, "", w, None);
                }
            }
        }
    });
}

/// Semantic validation; see [`crate::validate`].
pub(crate) fn validate(s: &Scenario<Num>, source: Option<&str>, origin: &str) -> Vec<Problem> {
    let mut c = Collector {
        origin,
        found: Vec::new(),
    };
    semantic(s, &mut c);
    let located = source.and_then(|src| {
        if src.len() > MAX_FILE_BYTES {
            return None;
        }
        crate::syntax::parse(src)
            .ok()
            .map(|tree| (Locations::new(&tree), LineIndex::new(src)))
    });
    let mut out: Vec<Problem> = c
        .found
        .into_iter()
        .map(|(mut p, loc)| {
            if let Some((locs, lines)) = &located
                && let Some(o) = locs.find(&loc)
            {
                let (l, col) = lines.position(o);
                p.line = Some(l);
                p.column = Some(col);
            }
            p
        })
        .collect();
    crate::problem::sort_problems(&mut out);
    out
}

/// Size limits checked on the syntax tree, before `ron` builds anything: list lengths at the
/// top-level lists. Returns problems as (path, byte offset, message).
pub(crate) fn syntax_limits(root: &SyntaxNode) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let lists: [(&[&str], &str, usize); 6] = [
        (&["blocs"], "blocs", MAX_BLOCS),
        (&["nations"], "nations", MAX_NATIONS),
        (&["firms"], "firms", MAX_FIRMS),
        (&["fabs"], "fabs", MAX_FABS),
        (&["policy", "rules"], "rules", MAX_RULES),
        (
            &["technology", "multipliers"],
            "multiplier classes",
            MAX_MULTIPLIERS,
        ),
    ];
    for (path, what, max) in lists {
        let mut node = Some(root);
        for f in path {
            node = node.and_then(|n| n.field(f));
        }
        if let Some(n) = node
            && let Value::List(items) = &n.value
            && items.len() > max
        {
            out.push((
                path.join("."),
                n.start,
                format!("{} {what} exceed the limit of {max}", items.len()),
            ));
        }
    }
    out
}
