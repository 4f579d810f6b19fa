//! A small, forgiving reader of RON's structure, used only to *locate* things.
//!
//! `ron` itself deserializes scenarios; it stops at the first problem and knows nothing of
//! field paths. This module reads the same text into a light syntax tree (structs, tuples,
//! lists, maps and leaves with their byte spans) so that the validator can check every field
//! against the schema at once (unknown, missing, mistyped fields), point semantic problems at
//! the line and column of the offending value, and enforce size limits before `ron` allocates
//! anything. It never panics: nesting deeper than [`MAX_DEPTH`] is an error, and any text it
//! cannot read is reported as a syntax error at a position.

use std::collections::HashMap;

/// Deepest nesting of brackets accepted (a real scenario needs about 8).
pub(crate) const MAX_DEPTH: usize = 64;

/// A value in the syntax tree with its byte span in the source.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SyntaxNode {
    /// The value.
    pub value: Value,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
}

/// The shapes RON text can take.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    /// `(a: 1, b: 2)` or `Name(a: 1)`: fields with the byte offset of each field name, and
    /// the offset of the closing parenthesis.
    Struct {
        /// Struct or variant name, if written.
        name: Option<String>,
        /// (field name, offset of the name, value).
        fields: Vec<(String, usize, SyntaxNode)>,
        /// Offset of the closing `)`.
        close: usize,
    },
    /// `(1, 2)`, `Name(1, 2)`, `Some(x)`, `()`.
    Tuple {
        /// Tuple-struct or variant name, if written.
        name: Option<String>,
        /// The items.
        items: Vec<SyntaxNode>,
        /// Offset of the closing `)`.
        close: usize,
    },
    /// `[a, b]`.
    List(Vec<SyntaxNode>),
    /// `{k: v}`.
    Map(Vec<(SyntaxNode, SyntaxNode)>),
    /// A bare identifier: `true`, `None`, `Barred`, `inf`.
    Ident(String),
    /// A string literal, unescaped as far as the locator needs (ids are plain).
    Str(String),
    /// A number literal.
    Number,
    /// A character or byte literal, or a byte string.
    Other,
}

impl SyntaxNode {
    /// The string value of field `name` of a struct node, if it is a string literal.
    pub fn string_field(&self, name: &str) -> Option<&str> {
        match &self.value {
            Value::Struct { fields, .. } => fields.iter().find_map(|(n, _, v)| match &v.value {
                Value::Str(s) if n == name => Some(s.as_str()),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The value of field `name` of a struct node.
    pub fn field(&self, name: &str) -> Option<&SyntaxNode> {
        match &self.value {
            Value::Struct { fields, .. } => {
                fields.iter().find(|(n, _, _)| n == name).map(|(_, _, v)| v)
            }
            _ => None,
        }
    }
}

/// A syntax error at a byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// Whether the error is the nesting limit (then `ron` must not be called on the text).
    pub too_deep: bool,
}

/// Reads `src` into a syntax tree.
pub(crate) fn parse(src: &str) -> Result<SyntaxNode, SyntaxError> {
    let mut p = Parser {
        s: src.as_bytes(),
        i: 0,
        last: 0,
    };
    p.skip_trivia()?;
    // Extensions such as `#![enable(implicit_some)]`.
    while p.peek() == Some(b'#') {
        p.skip_attribute()?;
        p.skip_trivia()?;
    }
    let v = p.value(0)?;
    p.skip_trivia()?;
    if p.i < p.s.len() {
        return Err(p.err("unexpected text after the end of the scenario"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// End of the last complete value, where an error at the end of the file is reported.
    last: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }

    fn err(&self, msg: impl Into<String>) -> SyntaxError {
        // At the end of the file, point just after the last complete value, not at the end
        // of whatever comments follow it.
        let offset = if self.i >= self.s.len() {
            self.last
        } else {
            self.i
        };
        SyntaxError {
            offset,
            message: msg.into(),
            too_deep: false,
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the file".to_string(),
            Some(c) if c.is_ascii_graphic() => format!("`{}`", c as char),
            Some(c) => format!("byte 0x{c:02x}"),
        }
    }

    /// Skips whitespace and comments (`//` to end of line, nested `/* */`).
    fn skip_trivia(&mut self) -> Result<(), SyntaxError> {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if c.is_ascii_whitespace() => self.i += 1,
                (Some(b'/'), Some(b'/')) => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => {
                    let start = self.i;
                    self.i += 2;
                    let mut depth = 1usize;
                    while depth > 0 {
                        match (self.peek(), self.peek_at(1)) {
                            (None, _) => {
                                self.i = start;
                                return Err(self.err("unterminated block comment `/* ...`"));
                            }
                            (Some(b'*'), Some(b'/')) => {
                                depth -= 1;
                                self.i += 2;
                            }
                            (Some(b'/'), Some(b'*')) => {
                                depth += 1;
                                self.i += 2;
                            }
                            _ => self.i += 1,
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn skip_attribute(&mut self) -> Result<(), SyntaxError> {
        // `#![ ... ]` with balanced brackets inside.
        self.i += 1;
        if self.peek() != Some(b'!') {
            return Err(self.err("expected `#![...]` (an extension attribute)"));
        }
        self.i += 1;
        self.skip_trivia()?;
        if self.peek() != Some(b'[') {
            return Err(self.err("expected `[` in `#![...]`"));
        }
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'[' => depth += 1,
                b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        Err(self.err("unterminated `#![...]`"))
    }

    fn ident(&mut self) -> String {
        let start = self.i;
        if self.peek() == Some(b'r') && self.peek_at(1) == Some(b'#') {
            self.i += 2;
        }
        while self.peek().is_some_and(is_ident_char) {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i])
            .trim_start_matches("r#")
            .to_string()
    }

    fn value(&mut self, depth: usize) -> Result<SyntaxNode, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(SyntaxError {
                too_deep: true,
                ..self.err(format!(
                    "the text is nested more than {MAX_DEPTH} levels deep; a scenario needs fewer than 10"
                ))
            });
        }
        self.skip_trivia()?;
        let start = self.i;
        let Some(c) = self.peek() else {
            return Err(self.err("expected a value, found the end of the file"));
        };
        let value = match c {
            b'(' => {
                self.i += 1;
                self.paren_body(None, depth)?
            }
            b'[' => {
                self.i += 1;
                let items = self.seq(b']', depth)?;
                Value::List(items)
            }
            b'{' => {
                self.i += 1;
                self.map(depth)?
            }
            b'"' => Value::Str(self.string()?),
            b'\'' => {
                self.char_lit()?;
                Value::Other
            }
            b'r' if matches!(self.peek_at(1), Some(b'"'))
                || (self.peek_at(1) == Some(b'#')
                    && matches!(self.peek_at(2), Some(b'"') | Some(b'#'))) =>
            {
                self.i += 1;
                Value::Str(self.raw_string()?)
            }
            b'b' if matches!(self.peek_at(1), Some(b'"') | Some(b'\'')) => {
                self.i += 1;
                if self.peek() == Some(b'"') {
                    self.string()?;
                } else {
                    self.char_lit()?;
                }
                Value::Other
            }
            b'b' if self.peek_at(1) == Some(b'r')
                && matches!(self.peek_at(2), Some(b'"') | Some(b'#')) =>
            {
                self.i += 2;
                self.raw_string()?;
                Value::Other
            }
            c if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.') => {
                self.i += 1;
                if matches!(c, b'-' | b'+') && self.peek().is_some_and(is_ident_start) {
                    // `-inf`
                    self.ident();
                } else {
                    self.number_tail();
                }
                Value::Number
            }
            c if is_ident_start(c) => {
                let name = self.ident();
                let after = self.i;
                self.skip_trivia()?;
                if self.peek() == Some(b'(') {
                    self.i += 1;
                    self.paren_body(Some(name), depth)?
                } else {
                    self.i = after;
                    Value::Ident(name)
                }
            }
            _ => return Err(self.err(format!("expected a value, found {}", self.found()))),
        };
        self.last = self.i;
        Ok(SyntaxNode {
            value,
            start,
            end: self.i,
        })
    }

    fn number_tail(&mut self) {
        while let Some(c) = self.peek() {
            let exp_sign = matches!(c, b'+' | b'-')
                && self
                    .i
                    .checked_sub(1)
                    .and_then(|j| self.s.get(j))
                    .is_some_and(|p| matches!(p, b'e' | b'E'));
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exp_sign {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// After `(`: a struct body `a: 1, b: 2)` or a tuple body `1, 2)`.
    fn paren_body(&mut self, name: Option<String>, depth: usize) -> Result<Value, SyntaxError> {
        self.skip_trivia()?;
        // A struct body starts with `ident :` (but not `ident ::`).
        let save = self.i;
        let is_struct = if self.peek().is_some_and(is_ident_start) {
            self.ident();
            self.skip_trivia()?;
            let r = self.peek() == Some(b':') && self.peek_at(1) != Some(b':');
            self.i = save;
            r
        } else {
            false
        };
        if !is_struct {
            let items = self.seq(b')', depth)?;
            let close = self.i.saturating_sub(1);
            return Ok(Value::Tuple { name, items, close });
        }
        let mut fields = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b')') {
                let close = self.i;
                self.i += 1;
                return Ok(Value::Struct {
                    name,
                    fields,
                    close,
                });
            }
            if !self.peek().is_some_and(is_ident_start) {
                return Err(self.err(format!(
                    "expected a field name or `)`, found {}",
                    self.found()
                )));
            }
            let at = self.i;
            let field = self.ident();
            self.skip_trivia()?;
            if self.peek() != Some(b':') {
                return Err(self.err(format!(
                    "expected `:` after field name `{field}`, found {}",
                    self.found()
                )));
            }
            self.i += 1;
            let v = self.value(depth + 1)?;
            fields.push((field, at, v));
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b')') => {}
                _ => {
                    return Err(self.err(format!(
                        "expected `,` or `)` after the value of `{}`, found {}",
                        fields.last().map(|f| f.0.as_str()).unwrap_or(""),
                        self.found()
                    )));
                }
            }
        }
    }

    /// Items separated by commas up to `close` (consumed).
    fn seq(&mut self, close: u8, depth: usize) -> Result<Vec<SyntaxNode>, SyntaxError> {
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(close) {
                self.i += 1;
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(c) if c == close => {}
                _ => {
                    return Err(self.err(format!(
                        "expected `,` or `{}`, found {}",
                        close as char,
                        self.found()
                    )));
                }
            }
        }
    }

    fn map(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        let mut entries = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(Value::Map(entries));
            }
            let k = self.value(depth + 1)?;
            self.skip_trivia()?;
            if self.peek() != Some(b':') {
                return Err(self.err(format!("expected `:` in a map, found {}", self.found())));
            }
            self.i += 1;
            let v = self.value(depth + 1)?;
            entries.push((k, v));
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => {
                    return Err(self.err(format!("expected `,` or `}}`, found {}", self.found())));
                }
            }
        }
    }

    /// A `"..."` string (cursor on the quote); returns its text with simple escapes resolved.
    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.i;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => {
                    self.i = start;
                    return Err(self.err("unterminated string (a `\"` is missing)"));
                }
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    if let Some(c) = self.peek_at(1) {
                        out.push(match c {
                            b'n' => b'\n',
                            b't' => b'\t',
                            other => other,
                        });
                    }
                    self.i += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// A raw string `r#"..."#` (cursor after the `r`).
    fn raw_string(&mut self) -> Result<String, SyntaxError> {
        let start = self.i;
        let mut hashes = 0usize;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.i += 1;
        }
        if self.peek() != Some(b'"') {
            return Err(self.err("expected `\"` in a raw string"));
        }
        self.i += 1;
        let body = self.i;
        loop {
            match self.peek() {
                None => {
                    self.i = start;
                    return Err(self.err("unterminated raw string"));
                }
                Some(b'"') if (1..=hashes).all(|k| self.peek_at(k) == Some(b'#')) => {
                    let text = String::from_utf8_lossy(&self.s[body..self.i]).into_owned();
                    self.i += 1 + hashes;
                    return Ok(text);
                }
                _ => self.i += 1,
            }
        }
    }

    fn char_lit(&mut self) -> Result<(), SyntaxError> {
        let start = self.i;
        self.i += 1;
        loop {
            match self.peek() {
                None | Some(b'\n') => {
                    self.i = start;
                    return Err(self.err("unterminated character literal"));
                }
                Some(b'\\') => self.i += 2,
                Some(b'\'') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => self.i += 1,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------------------------

/// Converts byte offsets to 1-based line and column (in characters, as `ron` counts them).
pub(crate) struct LineIndex<'s> {
    src: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    /// Indexes the line starts of `src`.
    pub fn new(src: &'s str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            src.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { src, starts }
    }

    /// Line and column of byte `offset` (clamped to the text).
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = self
            .src
            .get(start..offset)
            .map_or(offset - start, |t| t.chars().count());
        (line + 1, col + 1)
    }
}

/// Byte offset of the value at each path of a parsed scenario, for pointing problems at the
/// text. Paths are stored with list elements by position (`firms#3.reinvest_share`); the
/// usual spelling by id or index (`firms[cn-lab-a]`, `multipliers[0]`) is translated through
/// an alias table (the first element with an id wins, so duplicates stay addressable by
/// position).
pub(crate) struct Locations {
    offsets: HashMap<String, usize>,
    aliases: HashMap<String, String>,
}

/// Names that open a distribution rather than a nested field.
fn is_dist_name(n: &str) -> bool {
    crate::dist::DIST_NAMES.contains(&n)
}

impl Locations {
    /// Walks the syntax tree and records every path.
    pub fn new(root: &SyntaxNode) -> Self {
        let mut loc = Locations {
            offsets: HashMap::new(),
            aliases: HashMap::new(),
        };
        let mut path = String::new();
        loc.walk(root, &mut path);
        loc
    }

    fn walk(&mut self, node: &SyntaxNode, path: &mut String) {
        self.offsets.entry(path.clone()).or_insert(node.start);
        match &node.value {
            Value::Struct { fields, .. } => {
                for (name, _, v) in fields {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                    self.walk(v, path);
                    path.truncate(len);
                }
            }
            Value::Tuple {
                name: Some(n),
                items,
                ..
            } if items.len() == 1 && !is_dist_name(n) => {
                if let Some(item) = items.first() {
                    if n == "Some" {
                        // Transparent: the option's value sits at the option's path.
                        self.walk(item, path);
                    } else {
                        let len = path.len();
                        path.push('.');
                        path.push_str(n);
                        self.walk(item, path);
                        path.truncate(len);
                    }
                }
            }
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    let key = match item.string_field("id") {
                        Some(id) => format!("{path}[{id}]"),
                        None => format!("{path}[{i}]"),
                    };
                    path.push_str(&format!("#{i}"));
                    self.aliases.entry(key).or_insert_with(|| path.clone());
                    self.walk(item, path);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// Translates a path written with `[id]`/`[index]` keys to the positional form.
    fn canonical(&self, path: &str) -> String {
        let mut out = String::with_capacity(path.len());
        let mut rest = path;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').unwrap_or(after.len());
                let key = format!("{out}[{}]", &after[..end]);
                out = self.aliases.get(&key).cloned().unwrap_or(key);
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                let end = rest
                    .char_indices()
                    .skip(1)
                    .find(|(_, c)| matches!(c, '.' | '['))
                    .map_or(rest.len(), |(i, _)| i);
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
        }
        out
    }

    /// The offset of the value at `path` (written with ids, indices or `#i` positions), or of
    /// its nearest located ancestor.
    pub fn find(&self, path: &str) -> Option<usize> {
        let canon = self.canonical(path);
        let mut p = canon.as_str();
        loop {
            if let Some(o) = self.offsets.get(p) {
                return Some(*o);
            }
            let cut = p.rfind(['.', '#'])?;
            p = &p[..cut];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_structures() {
        let src = r##"#![enable(implicit_some)]
// comment
(
    name: "x", /* block /* nested */ */
    list: [(id: "a", v: 1.5), (id: "b", v: Uniform(1, 2))],
    opt: Some((a: -inf)),
    w: Decisive(above_threshold: 1, max_years: 2e0),
    t: Capped(5_000),
    raw: r#"q"#,
    m: {"k": 'c'},
)"##;
        let root = parse(src).expect("parses");
        let loc = Locations::new(&root);
        let li = LineIndex::new(src);
        let at = |p: &str| loc.find(p).map(|o| li.position(o));
        assert_eq!(at("list[b].v"), Some((5, 44)));
        assert_eq!(at("w.max_years"), Some((7, 48)));
        assert_eq!(at("t.Capped"), Some((8, 15)));
        assert_eq!(at("opt.a"), Some((6, 19)));
        assert_eq!(root.field("list").map(|l| l.start), loc.find("list"));
    }

    #[test]
    fn errors_never_panic() {
        for src in [
            "", "(", "(a: ", "(a: 1", "[1, 2", "\"abc", "/* x", "(a 1)", "#!", "r#\"x", "'a",
            "(a: 1) x",
        ] {
            assert!(parse(src).is_err(), "{src:?}");
        }
        let deep = "[".repeat(10_000);
        let e = parse(&deep).expect_err("too deep");
        assert!(e.too_deep);
    }

    #[test]
    fn line_index_counts_chars() {
        let src = "ab\n\u{e9}\u{e9}x\n";
        let li = LineIndex::new(src);
        assert_eq!(li.position(0), (1, 1));
        assert_eq!(li.position(3), (2, 1));
        assert_eq!(li.position(7), (2, 3));
        assert_eq!(li.position(999), (3, 1));
    }
}
