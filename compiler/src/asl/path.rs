//! JSONPath as Step Functions reads it (JSONPath query language).
//!
//! AWS evaluates paths with Jayway JsonPath, so this parser follows Jayway's syntax: dot and
//! bracket fields, indexes (negative too), `*`, `..`, slices `[a:b]` (no step), unions and
//! `[?(…)]` filters, minus functions such as `length()`, which AWS does not support. On top of
//! Jayway, a path may start at the context object (`$$`) or at a workflow variable (`$name`).
//!
//! A *reference path* (ResultPath, ItemsPath, Choice `Variable`, …) may only use `.field`,
//! `['field']` and `[index]`, so it names exactly one node.

use std::fmt;
use std::str::FromStr;

/// Where a path starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathRoot {
    /// `$`: the state's input (or the value a payload template is applied to).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

/// One simple step of a reference path; also the members of a union.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Field(String),
    Index(i64),
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// `.name`, `['name']` or `["name"]`.
    Field(String),
    /// `[2]`; negative counts from the end, as in Jayway.
    Index(i64),
    /// `.*` or `[*]`: every member of an object or element of an array.
    Wildcard,
    /// `[start:end]`, end exclusive; at least one bound is present.
    Slice {
        start: Option<i64>,
        end: Option<i64>,
    },
    /// `['a','b']` or `[0,1]`: two or more fields, or two or more indexes.
    Union(Vec<PathStep>),
    /// `[?(…)]`, keeping the expression between the parentheses as written.
    Filter(String),
    /// `..x`: the segment `x` (a field, `*` or any bracket form) applied at every depth.
    RecursiveDescent(Box<Segment>),
}

/// A parsed path: a root and the segments applied to it in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JsonPath {
    pub root: PathRoot,
    pub segments: Vec<Segment>,
}

/// Why a string is not a (reference) path. Columns count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("empty path: a path starts with '$' (the state input), '$$' (the context object) or '$name' (a variable)")]
    Empty,
    /// `input` is the whole string being parsed: the path, or the intrinsic call holding it.
    #[error("{message} at column {column} in \"{input}\"")]
    Syntax {
        message: String,
        column: usize,
        input: String,
    },
    #[error("expected a reference path (wildcards, filters, '..', unions and slices are not allowed), found '{found}' at column {column} in \"{input}\"")]
    NotReference {
        found: String,
        column: usize,
        input: String,
    },
}

impl JsonPath {
    /// Parses a whole string as a path.
    pub fn parse(s: &str) -> Result<JsonPath, PathError> {
        parse_spanned(s).map(|(path, _)| path)
    }

    /// True when the path names at most one node: only `.field`, `['field']` and `[index]`.
    pub fn is_reference_path(&self) -> bool {
        self.segments
            .iter()
            .all(|s| matches!(s, Segment::Field(_) | Segment::Index(_)))
    }

    /// The steps of a reference path (empty for a bare root); `None` for any other path.
    pub fn fields(&self) -> Option<Vec<PathStep>> {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Field(name) => Some(PathStep::Field(name.clone())),
                Segment::Index(i) => Some(PathStep::Index(*i)),
                _ => None,
            })
            .collect()
    }
}

impl FromStr for JsonPath {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JsonPath::parse(s)
    }
}

/// Parses a path and requires it to be a reference path; the error names the first segment
/// that is not allowed. Callers add the field name ("ResultPath: …").
pub fn parse_reference_path(s: &str) -> Result<JsonPath, PathError> {
    let (path, spans) = parse_spanned(s)?;
    let chars: Vec<char> = s.chars().collect();
    match path
        .segments
        .iter()
        .zip(&spans)
        .find(|(seg, _)| !matches!(seg, Segment::Field(_) | Segment::Index(_)))
    {
        Some((_, &(start, end))) => Err(PathError::NotReference {
            found: chars[start..end].iter().collect(),
            column: start + 1,
            input: s.to_string(),
        }),
        None => Ok(path),
    }
}

/// Parses the path that starts at `chars[start]` (a `$`) and stops at the first character that
/// cannot continue it; returns the path and the index just after it. Used for intrinsic
/// arguments, where a path ends at `,` or `)`; errors report columns within `input`.
pub(crate) fn parse_path_prefix(
    chars: &[char],
    start: usize,
    input: &str,
) -> Result<(JsonPath, usize), PathError> {
    let mut p = Parser {
        chars,
        pos: start,
        input,
    };
    let root = p.root()?;
    let segments = p.segments()?.into_iter().map(|(seg, _)| seg).collect();
    Ok((JsonPath { root, segments }, p.pos))
}

/// Parses the whole string, keeping each segment's character range for error messages.
fn parse_spanned(s: &str) -> Result<(JsonPath, Vec<Span>), PathError> {
    if s.is_empty() {
        return Err(PathError::Empty);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut p = Parser {
        chars: &chars,
        pos: 0,
        input: s,
    };
    let root = p.root()?;
    let spanned = p.segments()?;
    if p.pos < chars.len() {
        return Err(p.expected(p.pos, "'.', '[' or the end of the path"));
    }
    let (segments, spans) = spanned.into_iter().unzip();
    Ok((JsonPath { root, segments }, spans))
}

/// A segment's character range in the input, end exclusive.
type Span = (usize, usize);

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    input: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn error(&self, at: usize, message: impl Into<String>) -> PathError {
        PathError::Syntax {
            message: message.into(),
            column: at + 1,
            input: self.input.to_string(),
        }
    }

    /// "expected …", plus what was found instead unless the input ended.
    fn expected(&self, at: usize, what: &str) -> PathError {
        match self.chars.get(at) {
            Some(c) => self.error(at, format!("expected {what}, found '{c}'")),
            None => self.error(at, format!("expected {what}")),
        }
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn root(&mut self) -> Result<PathRoot, PathError> {
        if self.peek() != Some('$') {
            return Err(self.expected(self.pos, "a path starting with '$'"));
        }
        self.pos += 1;
        if self.peek() == Some('$') {
            self.pos += 1;
            return Ok(PathRoot::Context);
        }
        if !self.peek().is_some_and(is_variable_start) {
            return Ok(PathRoot::Input);
        }
        let start = self.pos;
        while self.peek().is_some_and(is_variable_char) {
            self.pos += 1;
        }
        Ok(PathRoot::Variable(
            self.chars[start..self.pos].iter().collect(),
        ))
    }

    /// Reads segments while the next character starts one.
    fn segments(&mut self) -> Result<Vec<(Segment, Span)>, PathError> {
        let mut out = Vec::new();
        loop {
            let start = self.pos;
            let segment = match self.peek() {
                Some('.') => self.dot()?,
                Some('[') => self.bracket()?,
                _ => return Ok(out),
            };
            out.push((segment, (start, self.pos)));
        }
    }

    fn dot(&mut self) -> Result<Segment, PathError> {
        self.pos += 1;
        if self.peek() == Some('.') {
            self.pos += 1;
            let inner = match self.peek() {
                Some('*') => {
                    self.pos += 1;
                    Segment::Wildcard
                }
                Some('[') => self.bracket()?,
                _ => Segment::Field(self.field_name("a field name, '*' or '[' after '..'")?),
            };
            return Ok(Segment::RecursiveDescent(Box::new(inner)));
        }
        match self.peek() {
            Some('*') => {
                self.pos += 1;
                Ok(Segment::Wildcard)
            }
            // Jayway reads `.['a']` as `['a']`; AWS's own docs write `$.abc.['def ghi']`.
            Some('[') => self.bracket(),
            _ => Ok(Segment::Field(self.field_name("a field name after '.'")?)),
        }
    }

    fn field_name(&mut self, what: &str) -> Result<String, PathError> {
        let start = self.pos;
        while self.peek().is_some_and(is_dot_name_char) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.expected(start, what));
        }
        if self.peek() == Some('(') {
            return Err(self.error(
                start,
                "expected a field name, found a function call (Step Functions paths do not support functions such as length())",
            ));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    /// `[…]`: quoted field(s), index(es), slice, `*` or filter.
    fn bracket(&mut self) -> Result<Segment, PathError> {
        self.pos += 1;
        self.skip_whitespace();
        let segment = match self.peek() {
            Some('*') => {
                self.pos += 1;
                Segment::Wildcard
            }
            Some('?') => self.filter()?,
            Some('\'' | '"') => {
                let mut names = self.list(|p| match p.peek() {
                    Some('\'' | '"') => p.quoted(),
                    _ => Err(p.expected(p.pos, "a quoted field name after ','")),
                })?;
                if names.len() == 1 {
                    Segment::Field(names.remove(0))
                } else {
                    Segment::Union(names.into_iter().map(PathStep::Field).collect())
                }
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.index_or_slice()?,
            _ => {
                return Err(self.expected(
                    self.pos,
                    "a quoted field name, an index, '*', a slice or a filter after '['",
                ))
            }
        };
        self.skip_whitespace();
        if self.peek() != Some(']') {
            return Err(self.expected(self.pos, "']' to close '['"));
        }
        self.pos += 1;
        Ok(segment)
    }

    /// One or more items separated by commas (whitespace allowed around them).
    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, PathError>,
    ) -> Result<Vec<T>, PathError> {
        let mut items = vec![item(self)?];
        loop {
            self.skip_whitespace();
            if self.peek() != Some(',') {
                return Ok(items);
            }
            self.pos += 1;
            self.skip_whitespace();
            items.push(item(self)?);
        }
    }

    /// A quoted field name with JSON-like backslash escapes (Jayway unescapes them).
    fn quoted(&mut self) -> Result<String, PathError> {
        let open = self.pos;
        let quote = self.chars[open];
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(self.error(
                        open,
                        format!("unterminated quoted field name: missing closing {quote}"),
                    ))
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    out.push(self.escape()?);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Decodes the escape at `self.pos` (a backslash) and moves past it.
    fn escape(&mut self) -> Result<char, PathError> {
        let at = self.pos;
        let c = match self.chars.get(at + 1) {
            Some(&c @ ('\\' | '\'' | '"' | '/')) => c,
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => {
                let hex: String = self.chars.iter().skip(at + 2).take(4).collect();
                let code = (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .and_then(char::from_u32)
                    .ok_or_else(|| {
                        self.error(at, "expected four hex digits of a character after '\\u'")
                    })?;
                self.pos += 6;
                return Ok(code);
            }
            Some(other) => {
                return Err(self.error(
                    at,
                    format!("invalid escape '\\{other}' in a quoted field name"),
                ))
            }
            None => return Err(self.error(at, "expected a character after '\\'")),
        };
        self.pos += 2;
        Ok(c)
    }

    fn index_or_slice(&mut self) -> Result<Segment, PathError> {
        let start = self.integer()?;
        self.skip_whitespace();
        if self.peek() == Some(':') {
            let colon = self.pos;
            self.pos += 1;
            self.skip_whitespace();
            let end = self.integer()?;
            self.skip_whitespace();
            if self.peek() == Some(':') {
                return Err(self.error(
                    self.pos,
                    "slice steps are not supported (Step Functions' JsonPath has only [start:end])",
                ));
            }
            if start.is_none() && end.is_none() {
                return Err(self.error(colon, "expected a slice bound before or after ':'"));
            }
            return Ok(Segment::Slice { start, end });
        }
        let Some(first) = start else {
            return Err(self.expected(self.pos, "an index"));
        };
        if self.peek() != Some(',') {
            return Ok(Segment::Index(first));
        }
        self.pos += 1;
        self.skip_whitespace();
        let mut indexes = vec![PathStep::Index(first)];
        let rest = self.list(|p| match p.integer()? {
            Some(i) => Ok(PathStep::Index(i)),
            None => Err(p.expected(p.pos, "an index after ','")),
        })?;
        indexes.extend(rest);
        Ok(Segment::Union(indexes))
    }

    /// An optional integer: `-`? digits.
    fn integer(&mut self) -> Result<Option<i64>, PathError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            if self.pos > start {
                return Err(self.expected(self.pos, "digits after '-'"));
            }
            return Ok(None);
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        text.parse()
            .map(Some)
            .map_err(|_| self.error(start, format!("index {text} is too large")))
    }

    /// `?(…)` up to the matching parenthesis; parentheses inside quotes do not count.
    fn filter(&mut self) -> Result<Segment, PathError> {
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() != Some('(') {
            return Err(self.expected(self.pos, "'(' after '?' (a filter is written [?(…)])"));
        }
        let open = self.pos;
        self.pos += 1;
        let mut depth = 1;
        let mut quote = None;
        while let Some(c) = self.peek() {
            match (quote, c) {
                (Some(_), '\\') => self.pos += 1,
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                (None, _) => {}
            }
            self.pos += 1;
        }
        if self.peek() != Some(')') {
            return Err(self.error(
                open,
                "unbalanced parentheses: this '(' of the filter is never closed",
            ));
        }
        let text: String = self.chars[open + 1..self.pos].iter().collect();
        self.pos += 1;
        if text.trim().is_empty() {
            return Err(self.error(open, "expected a filter expression inside '?()'"));
        }
        Ok(Segment::Filter(text))
    }
}

/// First character of a variable name (AWS: a Unicode identifier).
fn is_variable_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_variable_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters allowed in `.name`. Jayway reads a name up to `.` or `[`, so dashes, colons and
/// unicode are fine; we also stop at the characters that delimit paths inside intrinsic calls
/// and at the ones that mean something else in JSONPath.
fn is_dot_name_char(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !".[]()',\"*?@$\\".contains(c)
}

/// Names written with dot notation by `Display`: the JSONPath `member-name-shorthand` rule AWS
/// documents (letters, `_`, non-ASCII, then digits too); anything else gets brackets.
fn is_shorthand(name: &str) -> bool {
    let ok = |c: char, first: bool| {
        c.is_ascii_alphabetic()
            || c == '_'
            || (!first && c.is_ascii_digit())
            || (!c.is_ascii() && is_dot_name_char(c))
    };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| ok(c, true)) && chars.all(|c| ok(c, false))
}

/// Writes `'name'` with the escapes `quoted()` reads back.
fn write_quoted(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    f.write_str("'")?;
    for c in name.chars() {
        match c {
            '\'' => f.write_str("\\'")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("'")
}

fn write_step(f: &mut fmt::Formatter<'_>, step: &PathStep) -> fmt::Result {
    match step {
        PathStep::Field(name) => write_quoted(f, name),
        PathStep::Index(i) => write!(f, "{i}"),
    }
}

impl fmt::Display for Segment {
    /// The canonical form: `.name` for shorthand names, brackets for everything else, `[*]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Field(name) if is_shorthand(name) => write!(f, ".{name}"),
            Segment::Field(name) => {
                f.write_str("[")?;
                write_quoted(f, name)?;
                f.write_str("]")
            }
            Segment::Index(i) => write!(f, "[{i}]"),
            Segment::Wildcard => f.write_str("[*]"),
            Segment::Slice { start, end } => {
                let bound = |b: &Option<i64>| b.map(|i| i.to_string()).unwrap_or_default();
                write!(f, "[{}:{}]", bound(start), bound(end))
            }
            Segment::Union(steps) => {
                f.write_str("[")?;
                for (i, step) in steps.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_step(f, step)?;
                }
                f.write_str("]")
            }
            Segment::Filter(text) => write!(f, "[?({text})]"),
            Segment::RecursiveDescent(inner) => match inner.as_ref() {
                Segment::Field(name) if is_shorthand(name) => write!(f, "..{name}"),
                Segment::Wildcard => f.write_str("..*"),
                other => write!(f, "..{other}"),
            },
        }
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.root {
            PathRoot::Input => f.write_str("$")?,
            PathRoot::Context => f.write_str("$$")?,
            PathRoot::Variable(name) => write!(f, "${name}")?,
        }
        self.segments.iter().try_for_each(|s| write!(f, "{s}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Segment {
        Segment::Field(name.to_string())
    }

    fn input(segments: Vec<Segment>) -> JsonPath {
        JsonPath {
            root: PathRoot::Input,
            segments,
        }
    }

    fn err(s: &str) -> String {
        JsonPath::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn accepts_the_documented_forms() {
        let cases: Vec<(&str, JsonPath)> = vec![
            ("$", input(vec![])),
            ("$.a.b", input(vec![field("a"), field("b")])),
            ("$['a b']", input(vec![field("a b")])),
            ("$[\"x\"]", input(vec![field("x")])),
            ("$.a[0]", input(vec![field("a"), Segment::Index(0)])),
            ("$.a[-1]", input(vec![field("a"), Segment::Index(-1)])),
            ("$.a[*]", input(vec![field("a"), Segment::Wildcard])),
            ("$.a.*", input(vec![field("a"), Segment::Wildcard])),
            (
                "$..a",
                input(vec![Segment::RecursiveDescent(Box::new(field("a")))]),
            ),
            (
                "$..*",
                input(vec![Segment::RecursiveDescent(Box::new(Segment::Wildcard))]),
            ),
            (
                "$..[0]",
                input(vec![Segment::RecursiveDescent(Box::new(Segment::Index(0)))]),
            ),
            (
                "$.a[0:2]",
                input(vec![
                    field("a"),
                    Segment::Slice {
                        start: Some(0),
                        end: Some(2),
                    },
                ]),
            ),
            (
                "$.a[:2]",
                input(vec![
                    field("a"),
                    Segment::Slice {
                        start: None,
                        end: Some(2),
                    },
                ]),
            ),
            (
                "$.a[-2:]",
                input(vec![
                    field("a"),
                    Segment::Slice {
                        start: Some(-2),
                        end: None,
                    },
                ]),
            ),
            (
                "$.a[?(@.x > 1)]",
                input(vec![field("a"), Segment::Filter("@.x > 1".into())]),
            ),
            (
                "$.a[?(@.name == ')(' && (@.x > 1))]",
                input(vec![
                    field("a"),
                    Segment::Filter("@.name == ')(' && (@.x > 1)".into()),
                ]),
            ),
            (
                "$.a[0,1]",
                input(vec![
                    field("a"),
                    Segment::Union(vec![PathStep::Index(0), PathStep::Index(1)]),
                ]),
            ),
            (
                "$['a', \"b\"]",
                input(vec![Segment::Union(vec![
                    PathStep::Field("a".into()),
                    PathStep::Field("b".into()),
                ])]),
            ),
            (
                "$$.Execution.Id",
                JsonPath {
                    root: PathRoot::Context,
                    segments: vec![field("Execution"), field("Id")],
                },
            ),
            (
                "$$.Map.Item.Value",
                JsonPath {
                    root: PathRoot::Context,
                    segments: vec![field("Map"), field("Item"), field("Value")],
                },
            ),
            (
                "$$",
                JsonPath {
                    root: PathRoot::Context,
                    segments: vec![],
                },
            ),
            (
                "$myVar",
                JsonPath {
                    root: PathRoot::Variable("myVar".into()),
                    segments: vec![],
                },
            ),
            (
                "$myVar.field[2]",
                JsonPath {
                    root: PathRoot::Variable("myVar".into()),
                    segments: vec![field("field"), Segment::Index(2)],
                },
            ),
            // Dashes, colons and unicode in dot notation: Jayway and AWS accept them.
            ("$.order-id", input(vec![field("order-id")])),
            ("$.données.été", input(vec![field("données"), field("été")])),
            ("$.arn:aws", input(vec![field("arn:aws")])),
            ("$.0", input(vec![field("0")])),
            // AWS's docs write `.['def ghi']`.
            (
                "$.abc.['def ghi']",
                input(vec![field("abc"), field("def ghi")]),
            ),
            ("$[ 'a' ][ 3 ]", input(vec![field("a"), Segment::Index(3)])),
            ("$['it\\'s']", input(vec![field("it's")])),
            ("$['\\u00e9\\n']", input(vec![field("é\n")])),
        ];
        for (text, expected) in cases {
            assert_eq!(JsonPath::parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn rejects_with_a_located_message() {
        let cases = [
            ("", "empty path: a path starts with '$' (the state input), '$$' (the context object) or '$name' (a variable)"),
            ("a.b", "expected a path starting with '$', found 'a' at column 1 in \"a.b\""),
            ("$.", "expected a field name after '.' at column 3 in \"$.\""),
            ("$.a.", "expected a field name after '.' at column 5 in \"$.a.\""),
            ("$.a..", "expected a field name, '*' or '[' after '..' at column 6 in \"$.a..\""),
            ("$...a", "expected a field name, '*' or '[' after '..', found '.' at column 4 in \"$...a\""),
            ("$.a..b[", "expected a quoted field name, an index, '*', a slice or a filter after '[' at column 8 in \"$.a..b[\""),
            ("$.a[0", "expected ']' to close '[' at column 6 in \"$.a[0\""),
            ("$.a]", "expected '.', '[' or the end of the path, found ']' at column 4 in \"$.a]\""),
            ("$['a'", "expected ']' to close '[' at column 6 in \"$['a'\""),
            ("$['a]", "unterminated quoted field name: missing closing ' at column 3 in \"$['a]\""),
            ("$.a b", "expected '.', '[' or the end of the path, found ' ' at column 4 in \"$.a b\""),
            ("$ ", "expected '.', '[' or the end of the path, found ' ' at column 2 in \"$ \""),
            ("$1", "expected '.', '[' or the end of the path, found '1' at column 2 in \"$1\""),
            ("$.a[?(@.x > 1]", "unbalanced parentheses: this '(' of the filter is never closed at column 6 in \"$.a[?(@.x > 1]\""),
            ("$.a[?()]", "expected a filter expression inside '?()' at column 6 in \"$.a[?()]\""),
            ("$.a[?@.x]", "expected '(' after '?' (a filter is written [?(…)]), found '@' at column 6 in \"$.a[?@.x]\""),
            ("$.a[0:4:2]", "slice steps are not supported (Step Functions' JsonPath has only [start:end]) at column 8 in \"$.a[0:4:2]\""),
            ("$.a[:]", "expected a slice bound before or after ':' at column 5 in \"$.a[:]\""),
            ("$.a[-]", "expected digits after '-', found ']' at column 6 in \"$.a[-]\""),
            ("$.a[0,'b']", "expected an index after ',', found ''' at column 7 in \"$.a[0,'b']\""),
            ("$['a',0]", "expected a quoted field name after ',', found '0' at column 7 in \"$['a',0]\""),
            ("$.a[99999999999999999999]", "index 99999999999999999999 is too large at column 5 in \"$.a[99999999999999999999]\""),
            ("$.a.length()", "expected a field name, found a function call (Step Functions paths do not support functions such as length()) at column 5 in \"$.a.length()\""),
            ("$['\\x']", "invalid escape '\\x' in a quoted field name at column 4 in \"$['\\x']\""),
            ("$$$", "expected '.', '[' or the end of the path, found '$' at column 3 in \"$$$\""),
        ];
        for (text, message) in cases {
            assert_eq!(err(text), message, "{text}");
        }
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        let paths = [
            "$",
            "$$",
            "$.a.b",
            "$['a b']",
            "$.a[0][-1]",
            "$.a[*]",
            "$..a",
            "$..*",
            "$..['x y']",
            "$..[0,1]",
            "$.a[0:2]",
            "$.a[:2]",
            "$.a[3:]",
            "$.a[?(@.x > 1 && @.y == 'z')]",
            "$['a','b']",
            "$[0,1,2]",
            "$$.Execution.Id",
            "$myVar.field",
            "$.order-id",
            "$.données",
            "$['it\\'s \\\\ \\n']",
            "$.abc.['def ghi']",
            "$[\"x\"]",
        ];
        for text in paths {
            let p = JsonPath::parse(text).unwrap();
            let written = p.to_string();
            assert_eq!(
                JsonPath::parse(&written),
                Ok(p.clone()),
                "{text} -> {written}"
            );
        }
        let canonical = |s: &str| JsonPath::parse(s).unwrap().to_string();
        assert_eq!(canonical("$.a.*"), "$.a[*]");
        assert_eq!(canonical("$[\"x\"]"), "$.x");
        assert_eq!(canonical("$.abc.['def ghi']"), "$.abc['def ghi']");
        assert_eq!(canonical("$.order-id"), "$['order-id']");
        assert_eq!(canonical("$.données"), "$.données");
        assert_eq!(canonical("$.0"), "$['0']");
        assert_eq!(canonical("$[ 0 , 1 ]"), "$[0,1]");
        assert_eq!(canonical("$..['a']"), "$..a");
    }

    #[test]
    fn reference_paths() {
        for ok in [
            "$",
            "$.a",
            "$['a b'][0]",
            "$.a[-1]",
            "$$.Map.Item.Value",
            "$v.x",
        ] {
            let p = parse_reference_path(ok).unwrap();
            assert!(p.is_reference_path(), "{ok}");
        }
        let cases = [
            ("$.a[*]", "[*]", 4),
            ("$.a.*", ".*", 4),
            ("$..a", "..a", 2),
            ("$.a[0:1]", "[0:1]", 4),
            ("$.a[0,1]", "[0,1]", 4),
            ("$.a[?(@.b)]", "[?(@.b)]", 4),
        ];
        for (text, found, column) in cases {
            assert_eq!(
                parse_reference_path(text),
                Err(PathError::NotReference {
                    found: found.into(),
                    column,
                    input: text.into()
                }),
                "{text}"
            );
            assert!(!JsonPath::parse(text).unwrap().is_reference_path());
        }
        assert_eq!(
            parse_reference_path("$.a[*]").unwrap_err().to_string(),
            "expected a reference path (wildcards, filters, '..', unions and slices are not allowed), found '[*]' at column 4 in \"$.a[*]\""
        );
        // Syntax errors win over the reference check.
        assert_eq!(
            parse_reference_path("$.").unwrap_err().to_string(),
            "expected a field name after '.' at column 3 in \"$.\""
        );
    }

    #[test]
    fn fields_of_reference_paths() {
        let p = JsonPath::parse("$.a['b c'][2]").unwrap();
        assert_eq!(
            p.fields(),
            Some(vec![
                PathStep::Field("a".into()),
                PathStep::Field("b c".into()),
                PathStep::Index(2),
            ])
        );
        assert_eq!(JsonPath::parse("$").unwrap().fields(), Some(vec![]));
        assert_eq!(JsonPath::parse("$.a[*]").unwrap().fields(), None);
    }

    #[test]
    fn prefix_stops_at_intrinsic_delimiters() {
        let text = "States.Array($.a['x,y'][0,1], $b)";
        let chars: Vec<char> = text.chars().collect();
        let (p, end) = parse_path_prefix(&chars, 13, text).unwrap();
        assert_eq!(p.to_string(), "$.a['x,y'][0,1]");
        assert_eq!(chars[end], ',');
        let (p, end) = parse_path_prefix(&chars, 30, text).unwrap();
        assert_eq!(p.root, PathRoot::Variable("b".into()));
        assert_eq!(chars[end], ')');
    }

    #[test]
    fn from_str_matches_parse() {
        let p: JsonPath = "$.a".parse().unwrap();
        assert_eq!(p, input(vec![field("a")]));
    }
}
