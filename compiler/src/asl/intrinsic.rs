//! Intrinsic function calls (`States.Format('x {}', $.a)` …), JSONPath query language only.
//!
//! Syntax, as AWS documents it: `States.Name(arg, …)`; an argument is a single-quoted string,
//! a number, `true`, `false`, `null`, a path (`$…`, `$$…`, `$var…`) or another call, nested at
//! most 10 deep. Inside string literals `' { } \` are reserved and written `\' \{ \} \\`; any
//! other backslash is an error at run time, so we reject it here. A bare `{` or `}` matters only
//! in the first argument of `States.Format`, where `{}` is a placeholder: AWS accepts
//! `States.StringToJson('{"a": "b"}')` and runs it (LocalStack's AWS-validated
//! `test_json_merge_escaped_argument`), so anywhere else a brace is plain text.

use std::fmt;
use std::str::FromStr;

use serde_json::Number;

use super::path::{parse_path_prefix, JsonPath, PathError};

/// How deep intrinsic calls may nest within one field (the outermost call counts as 1).
pub const MAX_NESTING: usize = 10;

/// The JSON type an intrinsic returns, for the typed data-flow checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonType {
    String,
    Number,
    Boolean,
    Array,
    Object,
    /// Depends on the data (`States.StringToJson`, `States.ArrayGetItem`).
    Any,
}

/// The 18 intrinsic functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    /// `States.UUID` (spelled `Uuid` here because clippy rejects all-caps names).
    Uuid,
}

impl Intrinsic {
    pub const ALL: [Intrinsic; 18] = [
        Intrinsic::Format,
        Intrinsic::StringToJson,
        Intrinsic::JsonToString,
        Intrinsic::Array,
        Intrinsic::ArrayPartition,
        Intrinsic::ArrayContains,
        Intrinsic::ArrayRange,
        Intrinsic::ArrayGetItem,
        Intrinsic::ArrayLength,
        Intrinsic::ArrayUnique,
        Intrinsic::Base64Encode,
        Intrinsic::Base64Decode,
        Intrinsic::Hash,
        Intrinsic::JsonMerge,
        Intrinsic::MathRandom,
        Intrinsic::MathAdd,
        Intrinsic::StringSplit,
        Intrinsic::Uuid,
    ];

    /// The one table: name, (min, max) argument count, return type.
    const fn spec(self) -> (&'static str, (usize, Option<usize>), JsonType) {
        use JsonType as T;
        match self {
            Intrinsic::Format => ("States.Format", (1, None), T::String),
            Intrinsic::StringToJson => ("States.StringToJson", (1, Some(1)), T::Any),
            Intrinsic::JsonToString => ("States.JsonToString", (1, Some(1)), T::String),
            Intrinsic::Array => ("States.Array", (0, None), T::Array),
            Intrinsic::ArrayPartition => ("States.ArrayPartition", (2, Some(2)), T::Array),
            Intrinsic::ArrayContains => ("States.ArrayContains", (2, Some(2)), T::Boolean),
            Intrinsic::ArrayRange => ("States.ArrayRange", (3, Some(3)), T::Array),
            Intrinsic::ArrayGetItem => ("States.ArrayGetItem", (2, Some(2)), T::Any),
            Intrinsic::ArrayLength => ("States.ArrayLength", (1, Some(1)), T::Number),
            Intrinsic::ArrayUnique => ("States.ArrayUnique", (1, Some(1)), T::Array),
            Intrinsic::Base64Encode => ("States.Base64Encode", (1, Some(1)), T::String),
            Intrinsic::Base64Decode => ("States.Base64Decode", (1, Some(1)), T::String),
            Intrinsic::Hash => ("States.Hash", (2, Some(2)), T::String),
            Intrinsic::JsonMerge => ("States.JsonMerge", (3, Some(3)), T::Object),
            Intrinsic::MathRandom => ("States.MathRandom", (2, Some(3)), T::Number),
            Intrinsic::MathAdd => ("States.MathAdd", (2, Some(2)), T::Number),
            Intrinsic::StringSplit => ("States.StringSplit", (2, Some(2)), T::Array),
            Intrinsic::Uuid => ("States.UUID", (0, Some(0)), T::String),
        }
    }

    /// The name as written in ASL, e.g. `"States.Format"`.
    pub const fn name(self) -> &'static str {
        self.spec().0
    }

    /// (minimum, maximum) number of arguments; `None` means no maximum.
    pub const fn arity(self) -> (usize, Option<usize>) {
        self.spec().1
    }

    pub const fn returns(self) -> JsonType {
        self.spec().2
    }

    /// Looks a function up by its exact (case-sensitive) ASL name.
    pub fn from_name(name: &str) -> Option<Intrinsic> {
        Intrinsic::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Intrinsic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A string literal, escapes already decoded.
    String(String),
    /// The literal first argument of `States.Format`, split at its `{}` placeholders and
    /// decoded: n placeholders give n + 1 pieces. Kept apart from `String` because `\{\}`
    /// is literal text while `{}` is a placeholder, which decoding would otherwise merge.
    Template(Vec<String>),
    Number(Number),
    Bool(bool),
    Null,
    Path(JsonPath),
    Call(Box<IntrinsicCall>),
}

/// A parsed call such as `States.Format('x {}', $.a)`.
#[derive(Debug, Clone, PartialEq)]
pub struct IntrinsicCall {
    pub function: Intrinsic,
    pub args: Vec<Arg>,
}

impl IntrinsicCall {
    /// How deep calls nest here: 1 for a call with no call among its arguments.
    pub fn depth(&self) -> usize {
        let inner = self.args.iter().map(|a| match a {
            Arg::Call(call) => call.depth(),
            _ => 0,
        });
        1 + inner.max().unwrap_or(0)
    }
}

/// Why a string is not a valid intrinsic call. Columns count characters from 1.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IntrinsicError {
    #[error("{message} at column {column} in \"{input}\"")]
    Syntax {
        message: String,
        column: usize,
        input: String,
    },
    #[error("unknown intrinsic function '{name}'{hint}; the functions are {names}",
        hint = did_you_mean(*.suggestion), names = all_names())]
    UnknownFunction {
        name: String,
        suggestion: Option<Intrinsic>,
    },
    #[error("{function} takes {arity}, found {found}", arity = arity_text(*.function))]
    Arity { function: Intrinsic, found: usize },
    #[error(
        "intrinsic calls nest deeper than {MAX_NESTING} levels at column {column} in \"{input}\""
    )]
    TooDeep { column: usize, input: String },
    #[error("States.Format template has {} but is given {}",
        plural(*.placeholders, "'{}' placeholder"), plural(*.arguments, "argument"))]
    FormatPlaceholders {
        placeholders: usize,
        arguments: usize,
    },
    #[error("invalid escape '\\{escaped}' at column {column} in \"{input}\": inside a string literal only \\', \\{{, \\}} and \\\\ are escapes")]
    InvalidEscape {
        escaped: char,
        column: usize,
        input: String,
    },
    #[error("unescaped '{brace}' at column {column} in \"{input}\": in the States.Format template '{{}}' is a placeholder; write \\{brace} for a literal brace")]
    UnescapedBrace {
        brace: char,
        column: usize,
        input: String,
    },
    #[error(
        "unterminated string literal starting at column {column} in \"{input}\": missing closing '"
    )]
    UnterminatedString { column: usize, input: String },
    #[error("invalid path argument: {0}")]
    Path(#[from] PathError),
}

fn did_you_mean(suggestion: Option<Intrinsic>) -> String {
    suggestion
        .map(|f| format!(" (did you mean '{f}'?)"))
        .unwrap_or_default()
}

fn all_names() -> String {
    Intrinsic::ALL.map(Intrinsic::name).join(", ")
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn arity_text(f: Intrinsic) -> String {
    match f.arity() {
        (0, Some(0)) => "no arguments".to_string(),
        (min, Some(max)) if min == max => plural(min, "argument"),
        (min, Some(max)) if max == min + 1 => format!("{min} or {max} arguments"),
        (min, Some(max)) => format!("{min} to {max} arguments"),
        (min, None) => format!("at least {}", plural(min, "argument")),
    }
}

/// The closest known function to a misspelt name: compares the part after the last '.',
/// ignoring case, so `states.format`, `State.Format` and `States.Fromat` all find Format.
fn closest(name: &str) -> Option<Intrinsic> {
    let bare = |n: &str| n.rsplit('.').next().unwrap_or(n).to_lowercase();
    let wanted = bare(name);
    Intrinsic::ALL
        .into_iter()
        .map(|f| {
            let candidate = bare(f.name());
            (
                edit_distance(&wanted, &candidate),
                candidate.chars().count(),
                f,
            )
        })
        .filter(|&(distance, len, _)| distance * 3 <= len)
        .min_by_key(|&(distance, _, _)| distance)
        .map(|(_, _, f)| f)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// True when `s` is shaped like a call: `States.` then an identifier then `(`. Use it to tell
/// intrinsic calls from paths in `.$` fields; `parse_intrinsic` then reports what is wrong.
pub fn looks_like_intrinsic(s: &str) -> bool {
    s.strip_prefix("States.").is_some_and(|rest| {
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        name_len > 0 && rest[name_len..].starts_with('(')
    })
}

/// Parses a whole string as one intrinsic call.
pub fn parse_intrinsic(s: &str) -> Result<IntrinsicCall, IntrinsicError> {
    let chars: Vec<char> = s.chars().collect();
    let mut p = Parser {
        chars: &chars,
        pos: 0,
        input: s,
    };
    let call = p.call(1)?;
    if p.pos < chars.len() {
        return Err(p.expected("the end of the intrinsic call"));
    }
    Ok(call)
}

impl FromStr for IntrinsicCall {
    type Err = IntrinsicError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_intrinsic(s)
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    input: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn error_at(&self, at: usize, message: impl Into<String>) -> IntrinsicError {
        IntrinsicError::Syntax {
            message: message.into(),
            column: at + 1,
            input: self.input.to_string(),
        }
    }

    /// "expected …" at the current position, plus what was found unless the input ended.
    fn expected(&self, what: &str) -> IntrinsicError {
        match self.peek() {
            Some(c) => self.error_at(self.pos, format!("expected {what}, found '{c}'")),
            None => self.error_at(self.pos, format!("expected {what}")),
        }
    }

    fn skip_whitespace(&mut self) {
        while self
            .peek()
            .is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
        {
            self.pos += 1;
        }
    }

    /// A dotted name such as `States.Format` (or a misspelling of one), or a keyword.
    fn word(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// `Name(args)` at `self.pos`; `depth` is 1 for the outermost call.
    fn call(&mut self, depth: usize) -> Result<IntrinsicCall, IntrinsicError> {
        let start = self.pos;
        let name = self.word();
        if name.is_empty() {
            return Err(self.expected("an intrinsic function name such as States.Format"));
        }
        self.skip_whitespace();
        if self.peek() != Some('(') {
            return Err(self.expected(&format!("'(' after '{name}'")));
        }
        let function =
            Intrinsic::from_name(&name).ok_or_else(|| IntrinsicError::UnknownFunction {
                suggestion: closest(&name),
                name,
            })?;
        if depth > MAX_NESTING {
            return Err(IntrinsicError::TooDeep {
                column: start + 1,
                input: self.input.to_string(),
            });
        }
        self.pos += 1;
        self.skip_whitespace();
        let mut args = Vec::new();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                let is_template = function == Intrinsic::Format && args.is_empty();
                args.push(self.arg(depth, is_template)?);
                self.skip_whitespace();
                match self.peek() {
                    Some(',') => {
                        self.pos += 1;
                        self.skip_whitespace();
                    }
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.expected("',' or ')' after an argument")),
                }
            }
        }
        let (min, max) = function.arity();
        if args.len() < min || max.is_some_and(|max| args.len() > max) {
            return Err(IntrinsicError::Arity {
                function,
                found: args.len(),
            });
        }
        if let Some(Arg::Template(pieces)) = args.first() {
            if pieces.len() != args.len() {
                return Err(IntrinsicError::FormatPlaceholders {
                    placeholders: pieces.len() - 1,
                    arguments: args.len() - 1,
                });
            }
        }
        Ok(IntrinsicCall { function, args })
    }

    fn arg(&mut self, depth: usize, is_template: bool) -> Result<Arg, IntrinsicError> {
        let start = self.pos;
        match self.peek() {
            Some('\'') => {
                let mut pieces = self.string(is_template)?;
                if is_template {
                    Ok(Arg::Template(pieces))
                } else {
                    Ok(Arg::String(pieces.remove(0)))
                }
            }
            Some('$') => {
                let (path, end) = parse_path_prefix(self.chars, start, self.input)?;
                self.pos = end;
                Ok(Arg::Path(path))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() => {
                let word = self.word();
                let after = self.pos;
                self.skip_whitespace();
                if self.peek() == Some('(') {
                    self.pos = start;
                    return Ok(Arg::Call(Box::new(self.call(depth + 1)?)));
                }
                self.pos = after;
                match word.as_str() {
                    "true" => Ok(Arg::Bool(true)),
                    "false" => Ok(Arg::Bool(false)),
                    "null" => Ok(Arg::Null),
                    _ => {
                        self.pos = start;
                        Err(self.expected(ARGUMENT))
                    }
                }
            }
            _ => Err(self.expected(ARGUMENT)),
        }
    }

    /// A JSON number (no leading `+`, no leading zeros), as AWS's grammar allows.
    fn number(&mut self) -> Result<Arg, IntrinsicError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        Number::from_str(&text)
            .map(Arg::Number)
            .map_err(|_| self.error_at(start, format!("expected a number, found '{text}'")))
    }

    /// A single-quoted literal, decoded. A `States.Format` template is split at its unescaped
    /// `{}` (a lone brace there is an error); any other literal is one piece, braces and all.
    fn string(&mut self, is_template: bool) -> Result<Vec<String>, IntrinsicError> {
        let open = self.pos;
        self.pos += 1;
        let mut pieces = vec![String::new()];
        loop {
            let Some(c) = self.peek() else {
                return Err(IntrinsicError::UnterminatedString {
                    column: open + 1,
                    input: self.input.to_string(),
                });
            };
            let piece = pieces.last_mut().expect("starts with one piece");
            match (c, self.chars.get(self.pos + 1).copied()) {
                ('\'', _) => {
                    self.pos += 1;
                    return Ok(pieces);
                }
                ('\\', Some(escaped @ ('\'' | '{' | '}' | '\\'))) => {
                    piece.push(escaped);
                    self.pos += 2;
                }
                ('\\', Some(escaped)) => {
                    return Err(IntrinsicError::InvalidEscape {
                        escaped,
                        column: self.pos + 1,
                        input: self.input.to_string(),
                    })
                }
                ('{', Some('}')) if is_template => {
                    pieces.push(String::new());
                    self.pos += 2;
                }
                ('{' | '}', _) if is_template => {
                    return Err(IntrinsicError::UnescapedBrace {
                        brace: c,
                        column: self.pos + 1,
                        input: self.input.to_string(),
                    })
                }
                // A backslash that ends the input leaves the literal open.
                (c, _) => {
                    piece.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

const ARGUMENT: &str =
    "an argument (a 'string', a number, true, false, null, a path or an intrinsic call)";

/// Writes a literal's text with the reserved characters escaped.
fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for c in text.chars() {
        if matches!(c, '\'' | '{' | '}' | '\\') {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    Ok(())
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::String(text) => {
                f.write_str("'")?;
                write_escaped(f, text)?;
                f.write_str("'")
            }
            Arg::Template(pieces) => {
                f.write_str("'")?;
                for (i, piece) in pieces.iter().enumerate() {
                    if i > 0 {
                        f.write_str("{}")?;
                    }
                    write_escaped(f, piece)?;
                }
                f.write_str("'")
            }
            Arg::Number(n) => write!(f, "{n}"),
            Arg::Bool(b) => write!(f, "{b}"),
            Arg::Null => f.write_str("null"),
            Arg::Path(path) => write!(f, "{path}"),
            Arg::Call(call) => write!(f, "{call}"),
        }
    }
}

impl fmt::Display for IntrinsicCall {
    /// The canonical form: arguments separated by ", ", reserved characters escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.function)?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg}")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::path::PathRoot;

    fn parse(s: &str) -> IntrinsicCall {
        parse_intrinsic(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> String {
        parse_intrinsic(s).unwrap_err().to_string()
    }

    fn path(s: &str) -> Arg {
        Arg::Path(JsonPath::parse(s).unwrap())
    }

    fn num(s: &str) -> Arg {
        Arg::Number(s.parse().unwrap())
    }

    fn string(s: &str) -> Arg {
        Arg::String(s.into())
    }

    #[test]
    fn table_is_complete_and_consistent() {
        assert_eq!(Intrinsic::ALL.len(), 18);
        for f in Intrinsic::ALL {
            assert_eq!(Intrinsic::from_name(f.name()), Some(f));
            assert!(f.name().starts_with("States."));
        }
        assert_eq!(Intrinsic::Uuid.name(), "States.UUID");
        assert_eq!(Intrinsic::MathRandom.arity(), (2, Some(3)));
        assert_eq!(Intrinsic::Array.arity(), (0, None));
        assert_eq!(Intrinsic::ArrayContains.returns(), JsonType::Boolean);
        assert_eq!(Intrinsic::JsonMerge.returns(), JsonType::Object);
        assert_eq!(Intrinsic::from_name("states.format"), None);
    }

    #[test]
    fn parses_every_function() {
        let cases: Vec<(&str, Intrinsic, Vec<Arg>)> = vec![
            (
                "States.Format('Hello, my name is {}.', $.name)",
                Intrinsic::Format,
                vec![
                    Arg::Template(vec!["Hello, my name is ".into(), ".".into()]),
                    path("$.name"),
                ],
            ),
            (
                "States.Format($.template, $.name)",
                Intrinsic::Format,
                vec![path("$.template"), path("$.name")],
            ),
            (
                "States.StringToJson($.escapedJsonString)",
                Intrinsic::StringToJson,
                vec![path("$.escapedJsonString")],
            ),
            (
                "States.JsonToString($.unescapedJson)",
                Intrinsic::JsonToString,
                vec![path("$.unescapedJson")],
            ),
            (
                "States.Array('Foo', 2022, $.someJson, null)",
                Intrinsic::Array,
                vec![string("Foo"), num("2022"), path("$.someJson"), Arg::Null],
            ),
            ("States.Array()", Intrinsic::Array, vec![]),
            (
                "States.ArrayPartition($.inputArray,4)",
                Intrinsic::ArrayPartition,
                vec![path("$.inputArray"), num("4")],
            ),
            (
                "States.ArrayContains($.inputArray, $.lookingFor)",
                Intrinsic::ArrayContains,
                vec![path("$.inputArray"), path("$.lookingFor")],
            ),
            (
                "States.ArrayRange(1, 9, 2)",
                Intrinsic::ArrayRange,
                vec![num("1"), num("9"), num("2")],
            ),
            (
                "States.ArrayGetItem($.inputArray, $.index)",
                Intrinsic::ArrayGetItem,
                vec![path("$.inputArray"), path("$.index")],
            ),
            (
                "States.ArrayLength($.inputArray)",
                Intrinsic::ArrayLength,
                vec![path("$.inputArray")],
            ),
            (
                "States.ArrayUnique($.inputArray)",
                Intrinsic::ArrayUnique,
                vec![path("$.inputArray")],
            ),
            (
                "States.Base64Encode($.input)",
                Intrinsic::Base64Encode,
                vec![path("$.input")],
            ),
            (
                "States.Base64Decode($.base64)",
                Intrinsic::Base64Decode,
                vec![path("$.base64")],
            ),
            (
                "States.Hash($.Data, 'SHA-256')",
                Intrinsic::Hash,
                vec![path("$.Data"), string("SHA-256")],
            ),
            (
                "States.JsonMerge($.json1, $.json2, false)",
                Intrinsic::JsonMerge,
                vec![path("$.json1"), path("$.json2"), Arg::Bool(false)],
            ),
            (
                "States.MathRandom($.start, $.end)",
                Intrinsic::MathRandom,
                vec![path("$.start"), path("$.end")],
            ),
            (
                "States.MathRandom(1, 999, 42)",
                Intrinsic::MathRandom,
                vec![num("1"), num("999"), num("42")],
            ),
            (
                "States.MathAdd($.value1, -1)",
                Intrinsic::MathAdd,
                vec![path("$.value1"), num("-1")],
            ),
            (
                "States.StringSplit($.inputString, ',')",
                Intrinsic::StringSplit,
                vec![path("$.inputString"), string(",")],
            ),
            ("States.UUID()", Intrinsic::Uuid, vec![]),
        ];
        for (text, function, args) in cases {
            assert_eq!(parse(text), IntrinsicCall { function, args }, "{text}");
        }
    }

    #[test]
    fn literals_paths_and_whitespace() {
        let call = parse("States.Array( 1.5 ,-2, 3e2, true,false ,null, $$.Execution.Id, $myVar.x, $, $.a[0,1], $['a,b)'] )");
        assert_eq!(
            call.args,
            vec![
                num("1.5"),
                num("-2"),
                num("3e2"),
                Arg::Bool(true),
                Arg::Bool(false),
                Arg::Null,
                path("$$.Execution.Id"),
                path("$myVar.x"),
                path("$"),
                path("$.a[0,1]"),
                path("$['a,b)']"),
            ]
        );
        match &call.args[7] {
            Arg::Path(p) => assert_eq!(p.root, PathRoot::Variable("myVar".into())),
            other => panic!("{other:?}"),
        }
        // A filter with a comma and parentheses stays one path argument.
        let call = parse("States.ArrayLength($.items[?(@.tag in ('a', 'b'))])");
        assert_eq!(call.args, vec![path("$.items[?(@.tag in ('a', 'b'))]")]);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            parse(r"States.Array('it\'s', '\{x\}', 'a\\b', 'ünï')").args,
            vec![string("it's"), string("{x}"), string(r"a\b"), string("ünï")]
        );
        // Escaped braces in a template are text, not placeholders.
        assert_eq!(
            parse(r"States.Format('\{\} {} \\{}', $.a, $.b)").args,
            vec![
                Arg::Template(vec!["{} ".into(), r" \".into(), "".into()]),
                path("$.a"),
                path("$.b"),
            ]
        );
        assert_eq!(
            parse(r"States.Format('\{\}')").args,
            vec![Arg::Template(vec!["{}".into()])]
        );
    }

    /// Only the first argument of States.Format reads `{}` as a placeholder; AWS runs
    /// `States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), …, false)`
    /// (localstack/localstack, tests/aws/services/stepfunctions/templates/intrinsicfunctions/
    /// statemachines/json_manipulation/json_merge_escaped_argument.json5, AWS-validated).
    #[test]
    fn braces_outside_the_format_template_are_text() {
        assert_eq!(
            parse(r#"States.JsonMerge(States.StringToJson('{"a": "b"}'), $.x, false)"#).args[0],
            Arg::Call(Box::new(IntrinsicCall {
                function: Intrinsic::StringToJson,
                args: vec![string(r#"{"a": "b"}"#)],
            }))
        );
        assert_eq!(
            parse("States.Array('a{b', '}', '{}')").args,
            vec![string("a{b"), string("}"), string("{}")]
        );
        // The second argument of Format is not a template: one placeholder, one argument.
        assert_eq!(
            parse("States.Format('x {}', '{}')").args,
            vec![Arg::Template(vec!["x ".into(), "".into()]), string("{}")]
        );
        assert_eq!(
            err("States.Format('{} {}', '{}')"),
            "States.Format template has 2 '{}' placeholders but is given 1 argument"
        );
        // Written back, a literal brace is escaped, and reads back the same.
        let call = parse("States.StringToJson('{\"k\": {}}')");
        assert_eq!(parse(&call.to_string()), call);
    }

    #[test]
    fn nested_calls_and_the_depth_limit() {
        // AWS's nesting example, verbatim: its template has three '{}' for two arguments.
        let doc_example = "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))";
        assert_eq!(
            err(doc_example),
            "States.Format template has 3 '{}' placeholders but is given 2 arguments"
        );
        assert_eq!(
            parse(&doc_example.replacen("{}.{}.{}", "{}.{}", 1)).depth(),
            5
        );

        let nest = |n: usize| "States.Array(".repeat(n) + &")".repeat(n);
        assert_eq!(parse(&nest(MAX_NESTING)).depth(), MAX_NESTING);
        let eleven = nest(MAX_NESTING + 1);
        assert_eq!(
            parse_intrinsic(&eleven),
            Err(IntrinsicError::TooDeep {
                column: 131,
                input: eleven.clone()
            })
        );
        assert_eq!(
            err(&eleven),
            format!("intrinsic calls nest deeper than 10 levels at column 131 in \"{eleven}\"")
        );
    }

    #[test]
    fn unknown_functions_list_the_names_and_suggest() {
        let names = "States.Format, States.StringToJson, States.JsonToString, States.Array, States.ArrayPartition, States.ArrayContains, States.ArrayRange, States.ArrayGetItem, States.ArrayLength, States.ArrayUnique, States.Base64Encode, States.Base64Decode, States.Hash, States.JsonMerge, States.MathRandom, States.MathAdd, States.StringSplit, States.UUID";
        assert_eq!(
            err("States.Fromat('x')"),
            format!("unknown intrinsic function 'States.Fromat' (did you mean 'States.Format'?); the functions are {names}")
        );
        assert_eq!(
            err("States.Nope()"),
            format!("unknown intrinsic function 'States.Nope'; the functions are {names}")
        );
        let suggestion = |s: &str| match parse_intrinsic(s) {
            Err(IntrinsicError::UnknownFunction { suggestion, .. }) => suggestion,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(suggestion("states.format()"), Some(Intrinsic::Format));
        assert_eq!(suggestion("State.Format()"), Some(Intrinsic::Format));
        assert_eq!(
            suggestion("States.ArrayLen($.a)"),
            Some(Intrinsic::ArrayLength)
        );
        assert_eq!(suggestion("States.Uuid()"), Some(Intrinsic::Uuid));
        assert_eq!(suggestion("States.Array(Foo(1))"), None);
    }

    #[test]
    fn argument_counts() {
        let cases = [
            (
                "States.ArrayRange(1, 2)",
                "States.ArrayRange takes 3 arguments, found 2",
            ),
            (
                "States.ArrayLength()",
                "States.ArrayLength takes 1 argument, found 0",
            ),
            ("States.UUID(1)", "States.UUID takes no arguments, found 1"),
            (
                "States.MathRandom(1)",
                "States.MathRandom takes 2 or 3 arguments, found 1",
            ),
            (
                "States.Format()",
                "States.Format takes at least 1 argument, found 0",
            ),
            (
                "States.Array(States.MathAdd(1, 2, 3))",
                "States.MathAdd takes 2 arguments, found 3",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(err(text), message, "{text}");
        }
    }

    #[test]
    fn format_placeholders_must_match_arguments() {
        assert_eq!(
            err("States.Format('{} and {}', $.a)"),
            "States.Format template has 2 '{}' placeholders but is given 1 argument"
        );
        assert_eq!(
            err("States.Format('no placeholder', $.a, $.b)"),
            "States.Format template has 0 '{}' placeholders but is given 2 arguments"
        );
        assert_eq!(
            err("States.Format('{}')"),
            "States.Format template has 1 '{}' placeholder but is given 0 arguments"
        );
        // A template read from the input is checked at run time, not here.
        parse("States.Format($.t)");
    }

    #[test]
    fn string_literal_errors() {
        let cases = [
            (
                r"States.Array('a\nb')",
                r#"invalid escape '\n' at column 16 in "States.Array('a\nb')": inside a string literal only \', \{, \} and \\ are escapes"#,
            ),
            (
                "States.Format('a}', $.x)",
                r#"unescaped '}' at column 17 in "States.Format('a}', $.x)": in the States.Format template '{}' is a placeholder; write \} for a literal brace"#,
            ),
            (
                "States.Format('{ {}', $.x)",
                r#"unescaped '{' at column 16 in "States.Format('{ {}', $.x)": in the States.Format template '{}' is a placeholder; write \{ for a literal brace"#,
            ),
            (
                "States.Array('abc",
                r#"unterminated string literal starting at column 14 in "States.Array('abc": missing closing '"#,
            ),
            (
                r"States.Array('abc\",
                r#"unterminated string literal starting at column 14 in "States.Array('abc\": missing closing '"#,
            ),
        ];
        for (text, message) in cases {
            assert_eq!(err(text), message, "{text}");
        }
    }

    #[test]
    fn syntax_errors() {
        let cases = [
            (
                "",
                r#"expected an intrinsic function name such as States.Format at column 1 in """#,
            ),
            (
                "$.a",
                r#"expected an intrinsic function name such as States.Format, found '$' at column 1 in "$.a""#,
            ),
            (
                "States.Format",
                r#"expected '(' after 'States.Format' at column 14 in "States.Format""#,
            ),
            (
                "States.Array(1",
                r#"expected ',' or ')' after an argument at column 15 in "States.Array(1""#,
            ),
            (
                "States.Array(1,)",
                r#"expected an argument (a 'string', a number, true, false, null, a path or an intrinsic call), found ')' at column 16 in "States.Array(1,)""#,
            ),
            (
                "States.Array(1 2)",
                r#"expected ',' or ')' after an argument, found '2' at column 16 in "States.Array(1 2)""#,
            ),
            (
                "States.Array(\"x\")",
                r#"expected an argument (a 'string', a number, true, false, null, a path or an intrinsic call), found '"' at column 14 in "States.Array("x")""#,
            ),
            (
                "States.Array(abc)",
                r#"expected an argument (a 'string', a number, true, false, null, a path or an intrinsic call), found 'a' at column 14 in "States.Array(abc)""#,
            ),
            (
                "States.Array(01)",
                r#"expected a number, found '01' at column 14 in "States.Array(01)""#,
            ),
            (
                "States.Array(1) x",
                r#"expected the end of the intrinsic call, found ' ' at column 16 in "States.Array(1) x""#,
            ),
            (
                "States.Array($.a.)",
                r#"invalid path argument: expected a field name after '.', found ')' at column 18 in "States.Array($.a.)""#,
            ),
        ];
        for (text, message) in cases {
            assert_eq!(err(text), message, "{text}");
        }
    }

    #[test]
    fn recognises_intrinsic_shaped_strings() {
        for yes in [
            "States.Format('x')",
            "States.UUID()",
            "States.Nope(",
            "States.A_1()",
        ] {
            assert!(looks_like_intrinsic(yes), "{yes}");
        }
        for no in [
            "$.States.Format",
            "States.Format",
            "States.(",
            "States.Format ('x')",
            " States.UUID()",
            "Format('x')",
            "",
        ] {
            assert!(!looks_like_intrinsic(no), "{no}");
        }
    }

    #[test]
    fn display_round_trips() {
        let calls = [
            "States.Format('Hello, {}! \\{literal\\} it\\'s \\\\', $.name)",
            "States.Array('Foo', 2022, -1.5, 1e3, $.someJson, null, true, false)",
            "States.Array()",
            "States.UUID()",
            "States.Hash(States.JsonToString($$.Execution.Input), 'SHA-256')",
            "States.ArrayGetItem(States.StringSplit($v['a b'], ','), 0)",
            "States.Format($.t, $.a[?(@.x > 1)], $..b)",
        ];
        for text in calls {
            let call = parse(text);
            let written = call.to_string();
            assert_eq!(parse(&written), call, "{text} -> {written}");
        }
        assert_eq!(
            parse("States.Array(1,'a',$[\"x\"])").to_string(),
            "States.Array(1, 'a', $.x)"
        );
    }
}
