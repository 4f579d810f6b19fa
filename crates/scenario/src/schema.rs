//! The schema walker: one declaration per struct of [`polarity_model::params`] listing its
//! fields, from which every generic operation on a scenario is generated.
//!
//! [`schema_struct!`] turns a field list such as `reinvest_share: num(0.0, 1.0)` into an
//! implementation of [`Node`]: sampling (`Scenario<Num>` → `Scenario<f64>`, a struct literal
//! that must name every field, so a field added to the model but not listed here is a compile
//! error), visiting every settable path with the valid [`Range`] of numeric fields (validation,
//! the list of uncertain parameters, path suggestions), resolving a path to a settable slot
//! (overrides: the value is deserialized into the field's own type), and checking a parsed
//! syntax tree against the schema (every unknown, missing or mistyped field of a file, not just
//! the first). Field kinds: `num(lo, hi)` (a [`Num`] with its valid range), `id` (the element's
//! identifier), `text` (a string that may be set from a bare word), `plain` (any other value,
//! set and checked as a whole) and `node` (a nested struct, enum, list or option).

use std::fmt::Write as _;

use polarity_model::params::{
    Access, Bloc, Economics, Fab, Firm, Multiplier, Nation, OutcomeRule, Paradigm, Policy, Rule,
    Scenario, Study, Technology, Window,
};
use polarity_model::rng::parameter_uniform;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::dist::{Num, Range};
use crate::syntax::{SyntaxNode, Value};

/// Largest value accepted for quantities that are only bounded below.
const INF: f64 = f64::INFINITY;

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/// One step of a path: a field name (`.reinvest_share`) or a list key (`[cn-lab-a]`, `[0]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    /// A struct field or enum variant field.
    Field(&'a str),
    /// A list element, by id or by index.
    Key(&'a str),
}

/// Splits a dotted path such as `policy.rules[oct-2023].tier2` into segments.
pub(crate) fn parse_path(path: &str) -> Result<Vec<Seg<'_>>, String> {
    let path = path.trim();
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    let mut segs = Vec::new();
    let mut rest = path;
    let mut expect_field = true;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return Err(format!("`[` without a closing `]` in `{path}`"));
            };
            let key = after[..end].trim();
            if key.is_empty() {
                return Err(format!("empty `[]` in `{path}`; write an id or an index"));
            }
            segs.push(Seg::Key(key));
            rest = &after[end + 1..];
            expect_field = false;
            continue;
        }
        if !expect_field {
            match rest.strip_prefix('.') {
                Some(r) => rest = r,
                None => {
                    return Err(format!("expected `.` or `[` in `{path}` before `{rest}`"));
                }
            }
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..end];
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!("`{name}` is not a field name (in `{path}`)"));
        }
        segs.push(Seg::Field(name));
        rest = &rest[end..];
        expect_field = false;
    }
    Ok(segs)
}

/// Appends a field name to a path buffer, returning the previous length to truncate back to.
fn push_field(path: &mut String, name: &str) -> usize {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
    len
}

/// Appends a list key to a path buffer, returning the previous length.
fn push_key(path: &mut String, key: &str) -> usize {
    let len = path.len();
    path.push('[');
    path.push_str(key);
    path.push(']');
    len
}

/// Appends a list index to a path buffer, returning the previous length.
fn push_index(path: &mut String, i: usize) -> usize {
    let len = path.len();
    let _ = write!(path, "[{i}]");
    len
}

// ---------------------------------------------------------------------------------------------
// Slots: where an override writes
// ---------------------------------------------------------------------------------------------

/// A value that can be replaced by RON text of its own type, and printed as RON.
pub(crate) trait Slot {
    /// Replaces the value by `text` parsed as RON of the value's type.
    fn set_ron(&mut self, text: &str) -> Result<(), ron::error::SpannedError>;
    /// The value as compact RON.
    fn get_ron(&self) -> String;
}

/// A mutable reference to any (de)serializable value, as a [`Slot`].
struct RefSlot<'a, T>(&'a mut T);

impl<T: Serialize + DeserializeOwned> Slot for RefSlot<'_, T> {
    fn set_ron(&mut self, text: &str) -> Result<(), ron::error::SpannedError> {
        *self.0 = ron::from_str::<T>(text)?;
        Ok(())
    }
    fn get_ron(&self) -> String {
        ron::to_string(&*self.0).unwrap_or_default()
    }
}

/// A string field that may also be set from a bare word (`--set firms[x].nation=cn`).
struct TextSlot<'a>(&'a mut String);

impl Slot for TextSlot<'_> {
    fn set_ron(&mut self, text: &str) -> Result<(), ron::error::SpannedError> {
        let t = text.trim();
        let bare = !t.is_empty()
            && t.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if bare {
            *self.0 = t.to_string();
            Ok(())
        } else {
            *self.0 = ron::from_str::<String>(text)?;
            Ok(())
        }
    }
    fn get_ron(&self) -> String {
        ron::to_string(&*self.0).unwrap_or_default()
    }
}

/// The resolved target of a path.
pub(crate) struct Target<'a> {
    /// Where to write.
    pub slot: Box<dyn Slot + 'a>,
    /// The valid range when the target is a numeric field.
    pub range: Option<Range>,
    /// What the target expects, for hints (e.g. "a number or a distribution").
    pub expects: &'static str,
}

/// Why a path did not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PathError {
    /// The part of the path that resolved, up to and including the failing segment.
    pub at: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// The valid names (fields, ids or indices) at the failing segment, for suggestions.
    pub candidates: Vec<String>,
}

fn unknown_field(path: &str, name: &str, fields: &[&str]) -> PathError {
    let hint = crate::problem::nearest(name, fields.iter().copied())
        .map(|n| format!("did you mean `{n}`?"))
        .or_else(|| Some(format!("fields here: {}", fields.join(", "))));
    PathError {
        at: path.to_string(),
        message: format!("no field `{name}` here"),
        hint,
        candidates: fields.iter().map(|f| (*f).to_string()).collect(),
    }
}

fn leaf_end(path: &str, rest: &[Seg<'_>]) -> PathError {
    let what = match rest.first() {
        Some(Seg::Field(f)) => format!("`.{f}`"),
        Some(Seg::Key(k)) => format!("`[{k}]`"),
        None => String::new(),
    };
    PathError {
        at: path.to_string(),
        message: format!("`{path}` is a single value; nothing can follow it ({what})"),
        hint: Some(format!("set it whole: `{path}=VALUE`")),
        candidates: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Sampling
// ---------------------------------------------------------------------------------------------

/// Draws the uncertain numbers of one run, keyed by (study seed, run, path).
pub(crate) struct Sampler<'a> {
    seed: u64,
    run: u64,
    path: String,
    values: &'a mut Vec<f64>,
}

impl<'a> Sampler<'a> {
    /// A sampler for run `run` of the study with seed `seed`, appending draws to `values`.
    pub fn new(seed: u64, run: u64, values: &'a mut Vec<f64>) -> Self {
        Sampler {
            seed,
            run,
            path: String::with_capacity(96),
            values,
        }
    }

    fn num(&mut self, name: &str, n: &Num, range: Range) -> f64 {
        match n.fixed_value() {
            Some(v) => v,
            None => {
                let len = push_field(&mut self.path, name);
                let u = parameter_uniform(self.seed, self.run, &self.path);
                self.path.truncate(len);
                let x = n.sample(u, range);
                self.values.push(x);
                x
            }
        }
    }

    fn node<T: Node>(&mut self, name: &str, t: &T) -> T::Sampled {
        let len = push_field(&mut self.path, name);
        let out = t.map(self);
        self.path.truncate(len);
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Syntax checks (a parsed file against the schema)
// ---------------------------------------------------------------------------------------------

/// What a schema check of a syntax tree reports: a problem at a byte offset of the source.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SyntaxProblem {
    /// Byte offset in the source (of the offending text).
    pub offset: usize,
    /// Path of the offending field.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// A position inside the value reported by ron for a leaf: (line, col) relative to the
    /// value's own text.
    pub inner: Option<(usize, usize)>,
}

/// Collects problems of a schema check.
pub(crate) struct SyntaxCx<'s> {
    /// The whole source text.
    pub src: &'s str,
    /// The problems found so far.
    pub problems: Vec<SyntaxProblem>,
    /// ron options with the extensions the file enables (`#![enable(implicit_some)]`), so that
    /// a leaf parsed on its own reads as it does in the file.
    pub options: ron::Options,
}

impl SyntaxCx<'_> {
    fn push(&mut self, offset: usize, path: &str, message: String, hint: Option<String>) {
        self.problems.push(SyntaxProblem {
            offset,
            path: path.to_string(),
            message,
            hint,
            inner: None,
        });
    }

    /// Parses a leaf value's own text as RON of type `T`, reporting ron's message with the
    /// position inside the value.
    fn leaf<T: DeserializeOwned>(
        &mut self,
        node: &SyntaxNode,
        path: &str,
        expects: &str,
    ) -> Option<T> {
        let text = self.src.get(node.start..node.end).unwrap_or("");
        match self.options.from_str::<T>(text) {
            Ok(v) => Some(v),
            Err(e) => {
                let found = short(text);
                let (message, hint, inner) = explain(&e, text, expects);
                self.problems.push(SyntaxProblem {
                    offset: node.start,
                    path: path.to_string(),
                    message: if message.contains(&found) {
                        message
                    } else {
                        format!("{message} (found `{found}`)")
                    },
                    hint,
                    inner: if inner {
                        Some((e.span.start.line, e.span.start.col))
                    } else {
                        None
                    },
                });
                None
            }
        }
    }
}

/// A clearer message than ron's for a value that failed to parse as the expected type:
/// (message, hint, whether ron's position inside the value is meaningful).
pub(crate) fn explain(
    e: &ron::error::SpannedError,
    text: &str,
    expects: &str,
) -> (String, Option<String>, bool) {
    let t = text.trim();
    if expects.starts_with("a whole number") && t.parse::<f64>().is_ok() {
        return (
            format!("`{t}` is not a whole number"),
            Some(format!("expected {expects}")),
            false,
        );
    }
    let msg = e.code.to_string();
    if msg.starts_with("expected a number") || msg.starts_with("unknown distribution") {
        // The distribution parser's own messages already say what is expected.
        return (msg, None, false);
    }
    (msg, Some(format!("expected {expects}")), true)
}

/// The first 40 characters of a text, on one line.
pub(crate) fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 40 {
        let cut: String = one.chars().take(37).collect();
        format!("{cut}...")
    } else {
        one
    }
}

/// Checks a struct-shaped syntax node: every field known, none missing or repeated; returns
/// the fields by name for the caller to check each value.
fn struct_fields<'n>(
    node: &'n SyntaxNode,
    cx: &mut SyntaxCx<'_>,
    path: &str,
    type_name: &str,
    fields: &[&str],
) -> Option<Vec<Option<&'n SyntaxNode>>> {
    let (name, items, close) = match &node.value {
        Value::Struct {
            name,
            fields: items,
            close,
        } => (name, items, *close),
        Value::Tuple { items, .. } if items.is_empty() => {
            // `()` or `Name()`: a struct with no fields written.
            let mut out = vec![None; fields.len()];
            missing(cx, node.end.saturating_sub(1), path, fields, &mut out, &[]);
            return Some(out);
        }
        _ => {
            cx.push(
                node.start,
                path,
                format!(
                    "expected a `{type_name}` written as `(field: value, ...)`, found `{}`",
                    short(cx.src.get(node.start..node.end).unwrap_or(""))
                ),
                Some(format!("fields of {type_name}: {}", fields.join(", "))),
            );
            return None;
        }
    };
    if let Some(n) = name
        && n != type_name
    {
        cx.push(
            node.start,
            path,
            format!("expected a `{type_name}`, found a struct named `{n}`"),
            Some(format!("write `{type_name}(...)` or just `(...)`")),
        );
    }
    let mut out: Vec<Option<&SyntaxNode>> = vec![None; fields.len()];
    // Fields that a misspelt name probably meant: not reported again as missing.
    let mut meant: Vec<&str> = Vec::new();
    for (fname, foffset, value) in items {
        match fields.iter().position(|f| f == fname) {
            Some(i) => {
                if out[i].is_some() {
                    let p = join(path, fname);
                    cx.push(
                        *foffset,
                        &p,
                        format!("field `{fname}` is given twice"),
                        Some("remove one of them".into()),
                    );
                } else {
                    out[i] = Some(value);
                }
            }
            None => {
                let p = join(path, fname);
                let written: Vec<&str> = items.iter().map(|(n, _, _)| n.as_str()).collect();
                let unwritten = fields.iter().copied().filter(|f| !written.contains(f));
                let hint = match crate::problem::nearest(fname, unwritten)
                    .or_else(|| crate::problem::nearest(fname, fields.iter().copied()))
                {
                    Some(n) => {
                        meant.push(n);
                        format!("did you mean `{n}`?")
                    }
                    None => format!("fields of {type_name}: {}", fields.join(", ")),
                };
                cx.push(
                    *foffset,
                    &p,
                    format!("unknown field `{fname}` in {type_name}"),
                    Some(hint),
                );
            }
        }
    }
    missing(cx, close, path, fields, &mut out, &meant);
    Some(out)
}

fn missing(
    cx: &mut SyntaxCx<'_>,
    close: usize,
    path: &str,
    fields: &[&str],
    out: &mut [Option<&SyntaxNode>],
    meant: &[&str],
) {
    let absent: Vec<&str> = fields
        .iter()
        .zip(out.iter())
        .filter(|(f, v)| v.is_none() && !meant.contains(f))
        .map(|(f, _)| *f)
        .collect();
    for f in &absent {
        cx.push(
            close,
            &join(path, f),
            format!("missing field `{f}`"),
            Some(format!("add `{f}: ...` before this closing parenthesis")),
        );
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Checks a numeric field's syntax node: a number or a distribution, inside its range.
fn check_num(node: &SyntaxNode, cx: &mut SyntaxCx<'_>, path: &str, range: Range) {
    if let Some(n) = cx.leaf::<Num>(
        node,
        path,
        "a number (e.g. 0.5) or a distribution (e.g. Uniform(1, 2))",
    ) && let Err(e) = n.check(range)
    {
        cx.push(node.start, path, e.to_string(), None);
    }
}

// ---------------------------------------------------------------------------------------------
// The Node trait
// ---------------------------------------------------------------------------------------------

/// A visitor of settable paths: called with each path, and for numeric fields with the number
/// and its valid range.
pub(crate) type Visitor<'v> = dyn FnMut(&str, Option<(&Num, Range)>) + 'v;

/// A part of a scenario that the generic operations can walk.
pub(crate) trait Node: Clone + Serialize + DeserializeOwned {
    /// The same part with every number sampled.
    type Sampled;
    /// Name used in messages (e.g. `Firm`).
    const TYPE_NAME: &'static str;
    /// Whether list elements of this type are addressed by their `id` field.
    const HAS_ID: bool = false;

    /// Samples every numeric field.
    fn map(&self, cx: &mut Sampler<'_>) -> Self::Sampled;

    /// Calls `f` for every settable path strictly below this node (whose own path is in
    /// `path`), with the number and its valid range for numeric fields.
    fn visit(&self, path: &mut String, f: &mut Visitor<'_>);

    /// Resolves the non-empty path `segs` below this node; `path` holds this node's path.
    fn resolve<'a>(
        &'a mut self,
        segs: &[Seg<'_>],
        path: &mut String,
    ) -> Result<Target<'a>, PathError>;

    /// Checks the syntax node of a value of this type against the schema.
    fn check_syntax(node: &SyntaxNode, cx: &mut SyntaxCx<'_>, path: &mut String);

    /// The element's id, for types with [`Node::HAS_ID`].
    fn element_id(&self) -> Option<&str> {
        None
    }
}

/// Resolves `segs` into `t` when they continue past a node field, or targets the node itself.
fn resolve_node<'a, T: Node + 'a>(
    t: &'a mut T,
    segs: &[Seg<'_>],
    path: &mut String,
    expects: &'static str,
) -> Result<Target<'a>, PathError> {
    if segs.is_empty() {
        Ok(Target {
            slot: Box::new(RefSlot(t)),
            range: None,
            expects,
        })
    } else {
        t.resolve(segs, path)
    }
}

fn resolve_leaf<'a, T: Serialize + DeserializeOwned + 'a>(
    t: &'a mut T,
    segs: &[Seg<'_>],
    path: &str,
    range: Option<Range>,
    expects: &'static str,
) -> Result<Target<'a>, PathError> {
    if segs.is_empty() {
        Ok(Target {
            slot: Box::new(RefSlot(t)),
            range,
            expects,
        })
    } else {
        Err(leaf_end(path, segs))
    }
}

/// Generates the [`Node`] implementation of a struct from its field list.
macro_rules! schema_struct {
    ($name:ident, $in:ty => $out:ty, $type_name:literal, has_id = $has_id:tt,
     { $( $field:ident : $kind:ident $( ( $lo:expr, $hi:expr ) )? ),* $(,)? }) => {
        impl Node for $in {
            type Sampled = $out;
            const TYPE_NAME: &'static str = $type_name;
            const HAS_ID: bool = $has_id;

            fn map(&self, cx: &mut Sampler<'_>) -> $out {
                let _ = &cx;
                $name {
                    $( $field: schema_struct!(@map $kind [$($lo, $hi)?] self cx $field), )*
                }
            }

            fn visit(&self, path: &mut String, f: &mut Visitor<'_>) {
                $(
                    let len = push_field(path, stringify!($field));
                    schema_struct!(@visit $kind [$($lo, $hi)?] self path f $field);
                    path.truncate(len);
                )*
            }

            fn resolve<'a>(&'a mut self, segs: &[Seg<'_>], path: &mut String) -> Result<Target<'a>, PathError> {
                const FIELDS: &[&str] = &[$(stringify!($field)),*];
                let Some((first, rest)) = segs.split_first() else {
                    return Err(leaf_end(path, segs));
                };
                let name = match first {
                    Seg::Field(n) => *n,
                    Seg::Key(k) => {
                        return Err(PathError {
                            at: format!("{path}[{k}]"),
                            message: format!("`{path}` is a {}, not a list", $type_name),
                            hint: Some(format!("fields here: {}", FIELDS.join(", "))),
                            candidates: Vec::new(),
                        });
                    }
                };
                push_field(path, name);
                match name {
                    $( stringify!($field) => schema_struct!(@resolve $kind [$($lo, $hi)?] self rest path $field), )*
                    _ => Err(unknown_field(path, name, FIELDS)),
                }
            }

            fn check_syntax(node: &SyntaxNode, cx: &mut SyntaxCx<'_>, path: &mut String) {
                const FIELDS: &[&str] = &[$(stringify!($field)),*];
                let Some(values) = struct_fields(node, cx, path, $type_name, FIELDS) else {
                    return;
                };
                let mut values = values.into_iter();
                $(
                    if let Some(Some(v)) = values.next() {
                        let len = push_field(path, stringify!($field));
                        schema_struct!(@check $kind [$($lo, $hi)?] v cx path $field);
                        path.truncate(len);
                    }
                )*
            }

            fn element_id(&self) -> Option<&str> {
                schema_struct!(@id $has_id self)
            }
        }
    };

    (@id true $self:ident) => { Some($self.id.as_str()) };
    (@id false $self:ident) => { None };

    (@map num [$lo:expr, $hi:expr] $self:ident $cx:ident $field:ident) => {
        $cx.num(stringify!($field), &$self.$field, Range::new($lo, $hi))
    };
    (@map node [] $self:ident $cx:ident $field:ident) => {
        $cx.node(stringify!($field), &$self.$field)
    };
    (@map $other:ident [] $self:ident $cx:ident $field:ident) => {
        $self.$field.clone()
    };

    (@visit num [$lo:expr, $hi:expr] $self:ident $path:ident $f:ident $field:ident) => {
        $f($path, Some((&$self.$field, Range::new($lo, $hi))))
    };
    (@visit node [] $self:ident $path:ident $f:ident $field:ident) => {{
        $f($path, None);
        $self.$field.visit($path, $f);
    }};
    (@visit $other:ident [] $self:ident $path:ident $f:ident $field:ident) => {
        $f($path, None)
    };

    (@resolve num [$lo:expr, $hi:expr] $self:ident $rest:ident $path:ident $field:ident) => {
        resolve_leaf(&mut $self.$field, $rest, $path, Some(Range::new($lo, $hi)),
            "a number (e.g. 0.5) or a distribution (e.g. Uniform(1, 2))")
    };
    (@resolve node [] $self:ident $rest:ident $path:ident $field:ident) => {
        resolve_node(&mut $self.$field, $rest, $path, "RON of the whole field")
    };
    (@resolve text [] $self:ident $rest:ident $path:ident $field:ident) => {
        if $rest.is_empty() {
            Ok(Target { slot: Box::new(TextSlot(&mut $self.$field)), range: None, expects: "a name" })
        } else {
            Err(leaf_end($path, $rest))
        }
    };
    (@resolve id [] $self:ident $rest:ident $path:ident $field:ident) => {
        schema_struct!(@resolve text [] $self $rest $path $field)
    };
    (@resolve plain [] $self:ident $rest:ident $path:ident $field:ident) => {
        {
            let expects = expects_of(&$self.$field);
            resolve_leaf(&mut $self.$field, $rest, $path, None, expects)
        }
    };

    (@check num [$lo:expr, $hi:expr] $v:ident $cx:ident $path:ident $field:ident) => {
        check_num($v, $cx, $path, Range::new($lo, $hi))
    };
    (@check node [] $v:ident $cx:ident $path:ident $field:ident) => {
        check_node_of(|x: &Self| &x.$field, $v, $cx, $path)
    };
    (@check $other:ident [] $v:ident $cx:ident $path:ident $field:ident) => {
        check_leaf_of(|x: &Self| &x.$field, $v, $cx, $path)
    };
}

/// Checks a nested node whose type is inferred from a field accessor.
fn check_node_of<S, T: Node>(
    _field: fn(&S) -> &T,
    node: &SyntaxNode,
    cx: &mut SyntaxCx<'_>,
    path: &mut String,
) {
    T::check_syntax(node, cx, path);
}

/// Checks a leaf whose type is inferred from a field accessor by parsing its text.
fn check_leaf_of<S, T: DeserializeOwned + Describe>(
    _field: fn(&S) -> &T,
    node: &SyntaxNode,
    cx: &mut SyntaxCx<'_>,
    path: &str,
) {
    let _ = cx.leaf::<T>(node, path, T::EXPECTS);
}

/// What a plain field expects, for hints.
pub(crate) trait Describe {
    /// A short description such as "`true` or `false`".
    const EXPECTS: &'static str;
}
impl Describe for String {
    const EXPECTS: &'static str = "a string in double quotes, e.g. \"us\"";
}
impl Describe for bool {
    const EXPECTS: &'static str = "`true` or `false`";
}
impl Describe for u8 {
    const EXPECTS: &'static str = "a whole number without a decimal point, e.g. 2";
}
impl Describe for u32 {
    const EXPECTS: &'static str = "a whole number without a decimal point, e.g. 4";
}
impl Describe for u64 {
    const EXPECTS: &'static str = "a whole number without a decimal point, e.g. 1000";
}
impl Describe for f64 {
    const EXPECTS: &'static str = "a plain number (no distribution here), e.g. 2023.5";
}
impl Describe for Option<f64> {
    const EXPECTS: &'static str = "`None` or `Some(year)`, e.g. Some(2025.37)";
}
impl Describe for Option<String> {
    const EXPECTS: &'static str = "`None` or `Some(\"firm-id\")`";
}

fn expects_of<T: Describe>(_: &T) -> &'static str {
    T::EXPECTS
}

// ---------------------------------------------------------------------------------------------
// Generic nodes: lists and options
// ---------------------------------------------------------------------------------------------

impl<T: Node> Node for Vec<T> {
    type Sampled = Vec<T::Sampled>;
    const TYPE_NAME: &'static str = "list";

    fn map(&self, cx: &mut Sampler<'_>) -> Self::Sampled {
        self.iter()
            .enumerate()
            .map(|(i, t)| {
                let len = match t.element_id() {
                    Some(id) => push_key(&mut cx.path, id),
                    None => push_index(&mut cx.path, i),
                };
                let out = t.map(cx);
                cx.path.truncate(len);
                out
            })
            .collect()
    }

    fn visit(&self, path: &mut String, f: &mut Visitor<'_>) {
        for (i, t) in self.iter().enumerate() {
            let len = match t.element_id() {
                Some(id) => push_key(path, id),
                None => push_index(path, i),
            };
            f(path, None);
            t.visit(path, f);
            path.truncate(len);
        }
    }

    fn resolve<'a>(
        &'a mut self,
        segs: &[Seg<'_>],
        path: &mut String,
    ) -> Result<Target<'a>, PathError> {
        let Some((first, rest)) = segs.split_first() else {
            return Err(leaf_end(path, segs));
        };
        let key = match first {
            Seg::Key(k) => *k,
            Seg::Field(f) => {
                let example = if T::HAS_ID { "[id]" } else { "[0]" };
                return Err(PathError {
                    at: format!("{path}.{f}"),
                    message: format!("`{path}` is a list; address an element before `.{f}`"),
                    hint: Some(format!("write `{path}{example}.{f}`")),
                    candidates: Vec::new(),
                });
            }
        };
        push_key(path, key);
        let pos = if T::HAS_ID {
            self.iter().position(|t| t.element_id() == Some(key))
        } else {
            key.parse::<usize>().ok().filter(|i| *i < self.len())
        };
        let Some(i) = pos else {
            let hint = if T::HAS_ID {
                let ids: Vec<&str> = self.iter().filter_map(|t| t.element_id()).collect();
                match crate::problem::nearest(key, ids.iter().copied()) {
                    Some(n) => Some(format!("did you mean `[{n}]`?")),
                    None if ids.len() <= 12 => Some(format!("ids here: {}", ids.join(", "))),
                    None => None,
                }
            } else {
                Some(format!(
                    "elements are numbered from 0 to {}",
                    self.len().saturating_sub(1)
                ))
            };
            let message = if T::HAS_ID {
                format!("no element with id `{key}`")
            } else if self.is_empty() {
                "the list is empty".to_string()
            } else {
                format!("no element [{key}] (the list has {} elements)", self.len())
            };
            let candidates = if T::HAS_ID {
                self.iter()
                    .filter_map(|t| t.element_id().map(str::to_string))
                    .collect()
            } else {
                (0..self.len()).map(|i| i.to_string()).collect()
            };
            return Err(PathError {
                at: path.clone(),
                message,
                hint,
                candidates,
            });
        };
        match self.get_mut(i) {
            Some(t) => resolve_node(t, rest, path, "RON of the whole element"),
            None => Err(PathError {
                at: path.clone(),
                message: "no such element".into(),
                hint: None,
                candidates: Vec::new(),
            }),
        }
    }

    fn check_syntax(node: &SyntaxNode, cx: &mut SyntaxCx<'_>, path: &mut String) {
        let Value::List(items) = &node.value else {
            cx.push(
                node.start,
                path,
                format!(
                    "expected a list `[...]` of {}, found `{}`",
                    T::TYPE_NAME,
                    short(cx.src.get(node.start..node.end).unwrap_or(""))
                ),
                None,
            );
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let id = if T::HAS_ID {
                item.string_field("id")
            } else {
                None
            };
            let len = match id {
                Some(id) => push_key(path, id),
                None => push_index(path, i),
            };
            T::check_syntax(item, cx, path);
            path.truncate(len);
        }
    }
}

impl<T: Node> Node for Option<T> {
    type Sampled = Option<T::Sampled>;
    const TYPE_NAME: &'static str = "option";

    fn map(&self, cx: &mut Sampler<'_>) -> Self::Sampled {
        self.as_ref().map(|t| t.map(cx))
    }

    fn visit(&self, path: &mut String, f: &mut Visitor<'_>) {
        if let Some(t) = self {
            t.visit(path, f);
        }
    }

    fn resolve<'a>(
        &'a mut self,
        segs: &[Seg<'_>],
        path: &mut String,
    ) -> Result<Target<'a>, PathError> {
        match self {
            Some(t) => t.resolve(segs, path),
            None => Err(PathError {
                at: path.clone(),
                message: format!("`{path}` is `None`, so it has no fields to set"),
                hint: Some(format!(
                    "set the whole {} first: `{path}=Some(...)`",
                    T::TYPE_NAME
                )),
                candidates: Vec::new(),
            }),
        }
    }

    fn check_syntax(node: &SyntaxNode, cx: &mut SyntaxCx<'_>, path: &mut String) {
        match &node.value {
            Value::Ident(i) if i == "None" => {}
            Value::Tuple {
                name: Some(n),
                items,
                ..
            } if n == "Some" => match items.as_slice() {
                [inner] => T::check_syntax(inner, cx, path),
                _ => cx.push(
                    node.start,
                    path,
                    "`Some(...)` takes exactly one value".into(),
                    None,
                ),
            },
            // `#![enable(implicit_some)]` lets the value be written without `Some`.
            _ => T::check_syntax(node, cx, path),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

const ACCESS_EXPECTS: &str = "`Open`, `Barred` or `Capped(h100e_per_year)`";

impl Node for Access<Num> {
    type Sampled = Access<f64>;
    const TYPE_NAME: &'static str = "Access";

    fn map(&self, cx: &mut Sampler<'_>) -> Access<f64> {
        match self {
            Access::Open => Access::Open,
            Access::Barred => Access::Barred,
            Access::Capped(n) => Access::Capped(cx.num("Capped", n, Range::NON_NEGATIVE)),
        }
    }

    fn visit(&self, path: &mut String, f: &mut Visitor<'_>) {
        if let Access::Capped(n) = self {
            let len = push_field(path, "Capped");
            f(path, Some((n, Range::NON_NEGATIVE)));
            path.truncate(len);
        }
    }

    fn resolve<'a>(
        &'a mut self,
        segs: &[Seg<'_>],
        path: &mut String,
    ) -> Result<Target<'a>, PathError> {
        let here = path.clone();
        match (self, segs) {
            (Access::Capped(n), [Seg::Field("Capped"), rest @ ..]) => {
                push_field(path, "Capped");
                resolve_leaf(
                    n,
                    rest,
                    path,
                    Some(Range::NON_NEGATIVE),
                    "a number of H100e per year or a distribution",
                )
            }
            (this, _) => {
                let now = match this {
                    Access::Open => "Open",
                    Access::Barred => "Barred",
                    Access::Capped(_) => "Capped(..)",
                };
                Err(PathError {
                    at: format!("{here}{}", seg_text(segs.get(..1).unwrap_or(&[]))),
                    message: format!(
                        "`{here}` is `{now}`; only the cap of `Capped(..)` can be addressed below it, as `{here}.Capped`"
                    ),
                    hint: Some(format!(
                        "set it whole, e.g. `{here}=Capped(50000)` or `{here}=Barred`"
                    )),
                    candidates: match this {
                        Access::Capped(_) => vec!["Capped".to_string()],
                        _ => Vec::new(),
                    },
                })
            }
        }
    }

    fn check_syntax(node: &SyntaxNode, cx: &mut SyntaxCx<'_>, path: &mut String) {
        match &node.value {
            Value::Tuple {
                name: Some(n),
                items,
                ..
            } if n == "Capped" && items.len() == 1 => {
                if let Some(item) = items.first() {
                    let len = push_field(path, "Capped");
                    check_num(item, cx, path, Range::NON_NEGATIVE);
                    path.truncate(len);
                }
            }
            _ => {
                let _ = cx.leaf::<Access<Num>>(node, path, ACCESS_EXPECTS);
            }
        }
    }
}

fn seg_text(segs: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Field(f) => {
                s.push('.');
                s.push_str(f);
            }
            Seg::Key(k) => {
                let _ = write!(s, "[{k}]");
            }
        }
    }
    s
}

const WINDOW_EXPECTS: &str =
    "`Decisive(above_threshold: POINTS, max_years: YEARS)` or `Fixed(years: YEARS)`";

/// Valid range of the decisive level above the threshold, capability points.
const ABOVE_RANGE: Range = Range::new(0.0, 1000.0);
/// Valid range of window lengths, years.
const WINDOW_YEARS_RANGE: Range = Range::new(0.0, 100.0);

impl Node for Window<Num> {
    type Sampled = Window<f64>;
    const TYPE_NAME: &'static str = "Window";

    fn map(&self, cx: &mut Sampler<'_>) -> Window<f64> {
        match self {
            Window::Decisive {
                above_threshold,
                max_years,
            } => Window::Decisive {
                above_threshold: cx.num("above_threshold", above_threshold, ABOVE_RANGE),
                max_years: cx.num("max_years", max_years, WINDOW_YEARS_RANGE),
            },
            Window::Fixed { years } => Window::Fixed {
                years: cx.num("years", years, WINDOW_YEARS_RANGE),
            },
        }
    }

    fn visit(&self, path: &mut String, f: &mut Visitor<'_>) {
        let mut one = |name: &str, n: &Num, r: Range| {
            let len = push_field(path, name);
            f(path, Some((n, r)));
            path.truncate(len);
        };
        match self {
            Window::Decisive {
                above_threshold,
                max_years,
            } => {
                one("above_threshold", above_threshold, ABOVE_RANGE);
                one("max_years", max_years, WINDOW_YEARS_RANGE);
            }
            Window::Fixed { years } => one("years", years, WINDOW_YEARS_RANGE),
        }
    }

    fn resolve<'a>(
        &'a mut self,
        segs: &[Seg<'_>],
        path: &mut String,
    ) -> Result<Target<'a>, PathError> {
        let here = path.clone();
        let expects = "a number of years or capability points, or a distribution";
        match (self, segs) {
            (
                Window::Decisive {
                    above_threshold, ..
                },
                [Seg::Field("above_threshold"), rest @ ..],
            ) => {
                push_field(path, "above_threshold");
                resolve_leaf(above_threshold, rest, path, Some(ABOVE_RANGE), expects)
            }
            (Window::Decisive { max_years, .. }, [Seg::Field("max_years"), rest @ ..]) => {
                push_field(path, "max_years");
                resolve_leaf(max_years, rest, path, Some(WINDOW_YEARS_RANGE), expects)
            }
            (Window::Fixed { years }, [Seg::Field("years"), rest @ ..]) => {
                push_field(path, "years");
                resolve_leaf(years, rest, path, Some(WINDOW_YEARS_RANGE), expects)
            }
            (this, _) => {
                let (now, fields, other) = match this {
                    Window::Decisive { .. } => (
                        "Decisive",
                        "above_threshold, max_years",
                        format!("`{here}=Fixed(years: 1.0)`"),
                    ),
                    Window::Fixed { .. } => (
                        "Fixed",
                        "years",
                        format!("`{here}=Decisive(above_threshold: 1.0, max_years: 2.0)`"),
                    ),
                };
                let wrong = seg_text(segs);
                Err(PathError {
                    at: format!("{here}{}", seg_text(segs.get(..1).unwrap_or(&[]))),
                    message: format!(
                        "`{here}` is `{now}(..)`, whose fields are {fields}; `{wrong}` is not one of them"
                    ),
                    hint: Some(format!("to switch the window rule, set it whole: {other}")),
                    candidates: fields.split(", ").map(str::to_string).collect(),
                })
            }
        }
    }

    fn check_syntax(node: &SyntaxNode, cx: &mut SyntaxCx<'_>, path: &mut String) {
        let (variant, fields, ranges): (&str, &[&str], &[Range]) = match &node.value {
            Value::Struct { name: Some(n), .. } if n == "Decisive" => (
                "Decisive",
                &["above_threshold", "max_years"],
                &[ABOVE_RANGE, WINDOW_YEARS_RANGE],
            ),
            Value::Struct { name: Some(n), .. } if n == "Fixed" => {
                ("Fixed", &["years"], &[WINDOW_YEARS_RANGE])
            }
            _ => {
                let _ = cx.leaf::<Window<Num>>(node, path, WINDOW_EXPECTS);
                return;
            }
        };
        let Some(values) = struct_fields(node, cx, path, variant, fields) else {
            return;
        };
        for ((v, name), range) in values.iter().zip(fields).zip(ranges) {
            if let Some(v) = v {
                let len = push_field(path, name);
                check_num(v, cx, path, *range);
                path.truncate(len);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The schema: every struct of the model's parameters with its fields and valid ranges
// ---------------------------------------------------------------------------------------------

schema_struct!(Scenario, Scenario<Num> => Scenario<f64>, "Scenario", has_id = false, {
    name: text,
    description: text,
    study: node,
    blocs: node,
    nations: node,
    firms: node,
    fabs: node,
    policy: node,
    technology: node,
    economics: node,
    outcome: node,
});

schema_struct!(Study, Study => Study, "Study", has_id = false, {
    start_year: plain,
    horizon_year: plain,
    steps_per_year: plain,
    seed: plain,
    runs: plain,
});

schema_struct!(Bloc, Bloc => Bloc, "Bloc", has_id = true, {
    id: id,
});

schema_struct!(Nation, Nation<Num> => Nation<f64>, "Nation", has_id = true, {
    id: id,
    bloc: text,
    tier: plain,
    controller: plain,
    gdp_usd: num(0.0, INF),
    industrial_policy: num(0.0, 10.0),
    equipment_access: plain,
});

schema_struct!(Firm, Firm<Num> => Firm<f64>, "Firm", has_id = true, {
    id: id,
    nation: text,
    funding_usd_per_year: num(0.0, INF),
    funding_growth_per_year: num(0.0, 1000.0),
    revenue_usd_per_year: num(0.0, INF),
    fleet_h100e: num(0.0, INF),
    reinvest_share: num(0.0, 1.0),
    algo_efficiency: num(0.0, 1000.0),
    training_share: num(0.0, 1.0),
    cash_usd: num(0.0, INF),
});

schema_struct!(Fab, Fab<Num> => Fab<f64>, "Fab", has_id = true, {
    id: id,
    nation: text,
    capacity_chips_per_year: num(0.0, INF),
    capacity_growth_per_year: num(0.0, 1000.0),
    h100e_per_chip: num(0.0, 1.0e6),
    perf_growth_per_year: num(0.0, 1000.0),
    yield_share: num(0.0, 1.0),
    yield_max: num(0.0, 1.0),
    yield_learning_per_year: num(0.0, 1.0),
    cost_per_h100e_usd: num(1.0, INF),
});

schema_struct!(Policy, Policy<Num> => Policy<f64>, "Policy", has_id = false, {
    rules: node,
});

schema_struct!(Rule, Rule<Num> => Rule<f64>, "Rule", has_id = true, {
    id: id,
    start_year: plain,
    end_year: plain,
    announcement_lead_years: num(0.0, 100.0),
    threshold_h100e_per_chip: num(0.0, 1.0e6),
    tier1: node,
    tier2: node,
    tier3: node,
    compliant_variants: plain,
    compliant_h100e_per_chip: num(0.0, 1.0e6),
    compliant_price_ratio: num(0.001, 100.0),
    enforcement: num(0.0, 1.0),
    smuggling_markup: num(0.0, 100.0),
    smuggling_scale_chips_per_year: num(1.0, INF),
    cloud_access_share: num(0.0, 1.0),
    cloud_markup: num(0.0, 100.0),
    equipment_controls: plain,
});

schema_struct!(Multiplier, Multiplier<Num> => Multiplier<f64>, "Multiplier", has_id = false, {
    factor: num(1.0, 1.0e6),
    rate_per_year: num(0.0, 1000.0),
});

schema_struct!(Paradigm, Paradigm<Num> => Paradigm<f64>, "Paradigm", has_id = false, {
    arrival_year: num(1900.0, 2500.0),
    discoverer: plain,
    adoption_lag_in_bloc_years: num(0.0, 100.0),
    adoption_lag_cross_bloc_years: num(0.0, 100.0),
    gain_per_decade: num(0.0, 100.0),
    max_gain_decades: num(0.0, 100.0),
    base_compute_flop: num(1.0, 1.0e60),
    useful_compute_flop: num(1.0, 1.0e60),
    useful_compute_growth_per_year: num(1.0, 1.0e6),
});

schema_struct!(Technology, Technology<Num> => Technology<f64>, "Technology", has_id = false, {
    algo_progress_per_year: num(1.0, 1000.0),
    multipliers: node,
    diffusion_lag_in_bloc_years: num(0.0, 100.0),
    diffusion_lag_cross_bloc_years: num(0.0, 100.0),
    catchup_cost_decline_per_year: num(1.0, 1.0e9),
    ai_gain_diffusion_share: num(0.0, 1.0),
    ai_rnd_multiplier: num(1.0, 1.0e4),
    flop_per_h100e_second: num(0.0, 1.0e30),
    utilization: num(0.0, 1.0),
    run_length_years: num(0.001, 100.0),
    training_share_max: num(0.0, 1.0),
    training_share_growth_per_year: num(0.0, 1.0),
    capability_per_decade: num(0.0, 1000.0),
    fleet_retirement_per_year: num(0.0, 1.0),
    equipment_control_progress_share: num(0.0, 1.0),
    equipment_control_yield_factor: num(0.0, 1.0),
    cost_decline_per_year: num(1.0, 1000.0),
    paradigm: node,
});

schema_struct!(Economics, Economics<Num> => Economics<f64>, "Economics", has_id = false, {
    revenue_growth_per_year: num(0.0, 1000.0),
    revenue_capability_elasticity: num(0.0, 1000.0),
    revenue_reinvested_share: num(0.0, 1.0),
    budget_ceiling_gdp_share: num(0.0, 1.0),
    price_margin: num(0.0, 100.0),
    price_scarcity_elasticity: num(0.0, 100.0),
    source_preference_sharpness: num(0.0, 1000.0),
});

schema_struct!(OutcomeRule, OutcomeRule<Num> => OutcomeRule<f64>, "OutcomeRule", has_id = false, {
    threshold: num(-1.0e6, 1.0e6),
    window: node,
});
