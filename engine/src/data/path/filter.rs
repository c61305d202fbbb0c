//! Filter expressions `[?(…)]`, in the subset workflows use: comparisons (`==`, `!=`, `<`, `<=`,
//! `>`, `>=`) between `@`-paths and number, string, boolean or `null` literals, existence tests
//! (`@.x`), `&&`, `||` and parentheses. Anything else (regexes, `in`, functions, `$` inside a
//! filter, …) is refused with `States.Runtime` rather than guessed at.
//!
//! Comparisons follow Jayway: numbers compare by value (`1 == 1.0`), strings by UTF-16 code
//! units, values of different types are unequal and unordered, and a missing `@`-path is unequal
//! to everything.

use std::cmp::Ordering;

use serde_json::{Number, Value};
use wfc_compiler::asl::path::{JsonPath, Segment};

use super::walk;
use crate::data::choice::{numeric::compare_numbers, string::compare_strings};
use crate::data::DataError;

/// A parsed filter, ready to test elements.
#[derive(Debug)]
pub(super) struct Filter {
    expr: Expr,
}

#[derive(Debug)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Compare(Operand, Op, Operand),
    /// `@.x` alone: true when the path exists.
    Exists(Vec<Segment>),
}

#[derive(Debug)]
enum Operand {
    /// `@…`: the steps after `@` (a reference path).
    Current(Vec<Segment>),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Op(Op),
    Operand(Operand),
}

impl Filter {
    pub(super) fn parse(text: &str) -> Result<Filter, DataError> {
        let unsupported = |reason: &str| {
            DataError::runtime(format!(
                "Unsupported filter expression '{text}': {reason}. Supported: comparisons (==, !=, <, <=, >, >=) between @-paths and number, string, boolean or null literals, existence tests (@.x), && and || and parentheses"
            ))
        };
        let tokens = tokenize(text).map_err(|r| unsupported(&r))?;
        let mut parser = Parser { tokens, pos: 0 };
        let expr = parser.or().map_err(|r| unsupported(&r))?;
        if parser.pos < parser.tokens.len() {
            return Err(unsupported("unexpected text after the expression"));
        }
        Ok(Filter { expr })
    }

    pub(super) fn accepts(&self, element: &Value) -> bool {
        eval(&self.expr, element)
    }
}

fn eval(expr: &Expr, element: &Value) -> bool {
    match expr {
        Expr::Or(a, b) => eval(a, element) || eval(b, element),
        Expr::And(a, b) => eval(a, element) && eval(b, element),
        Expr::Exists(steps) => walk(element, steps).is_some(),
        Expr::Compare(left, op, right) => {
            let value = |operand: &Operand| match operand {
                Operand::Current(steps) => walk(element, steps).cloned(),
                Operand::Literal(v) => Some(v.clone()),
            };
            compare(value(left).as_ref(), *op, value(right).as_ref())
        }
    }
}

fn compare(left: Option<&Value>, op: Op, right: Option<&Value>) -> bool {
    let (Some(l), Some(r)) = (left, right) else {
        return op == Op::Ne;
    };
    let order = match (l, r) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b),
        (Value::String(a), Value::String(b)) => Some(compare_strings(a, b)),
        _ if l == r => Some(Ordering::Equal),
        _ => None,
    };
    match op {
        Op::Eq => order == Some(Ordering::Equal),
        Op::Ne => order != Some(Ordering::Equal),
        Op::Lt => order == Some(Ordering::Less),
        Op::Le => matches!(order, Some(Ordering::Less | Ordering::Equal)),
        Op::Gt => order == Some(Ordering::Greater),
        Op::Ge => matches!(order, Some(Ordering::Greater | Ordering::Equal)),
    }
}

/// Splits the expression into tokens; `Err` says what is not supported.
fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let (token, len) = match (c, two.as_str()) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            ('(', _) => (Token::Open, 1),
            (')', _) => (Token::Close, 1),
            (_, "&&") => (Token::And, 2),
            (_, "||") => (Token::Or, 2),
            (_, "==") => (Token::Op(Op::Eq), 2),
            (_, "!=") => (Token::Op(Op::Ne), 2),
            (_, "<=") => (Token::Op(Op::Le), 2),
            (_, ">=") => (Token::Op(Op::Ge), 2),
            ('<', _) => (Token::Op(Op::Lt), 1),
            ('>', _) => (Token::Op(Op::Gt), 1),
            ('\'' | '"', _) => {
                let (s, len) = string_literal(&chars[i..])?;
                (Token::Operand(Operand::Literal(Value::String(s))), len)
            }
            ('@', _) => {
                let len = path_len(&chars[i..]);
                let text: String = chars[i + 1..i + len].iter().collect();
                (Token::Operand(Operand::Current(current_path(&text)?)), len)
            }
            (c, _) if c == '-' || c.is_ascii_digit() => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
                    .count();
                let text: String = chars[i..i + len].iter().collect();
                let number: Number = text
                    .parse()
                    .map_err(|_| format!("'{text}' is not a number"))?;
                (Token::Operand(Operand::Literal(Value::Number(number))), len)
            }
            (c, _) if c.is_ascii_alphabetic() => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                let word: String = chars[i..i + len].iter().collect();
                let literal = match word.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" => Value::Null,
                    _ => return Err(format!("'{word}' is not supported")),
                };
                (Token::Operand(Operand::Literal(literal)), len)
            }
            (c, _) => return Err(format!("'{c}' is not supported")),
        };
        tokens.push(token);
        i += len;
    }
    Ok(tokens)
}

/// A quoted literal at `chars[0]` with backslash escapes; returns it and its length in chars.
fn string_literal(chars: &[char]) -> Result<(String, usize), String> {
    let quote = chars[0];
    let mut out = String::new();
    let mut i = 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                out.extend(chars.get(i + 1));
                i += 2;
            }
            c if c == quote => return Ok((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err("unterminated string literal".into())
}

/// The length of the `@`-path at `chars[0]`: up to whitespace or an operator outside brackets.
fn path_len(chars: &[char]) -> usize {
    let mut depth = 0;
    let mut quote = None;
    for (i, &c) in chars.iter().enumerate() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => depth -= 1,
            (None, c) if depth == 0 && (c.is_whitespace() || "()=!<>&|".contains(c)) => return i,
            _ => {}
        }
    }
    chars.len()
}

/// The steps of `@…`, read with the ASL path parser; only a reference path is supported.
fn current_path(after_at: &str) -> Result<Vec<Segment>, String> {
    let path = JsonPath::parse(&format!("${after_at}"))
        .map_err(|e| format!("'@{after_at}' is not a supported path ({e})"))?;
    if !path.is_reference_path() {
        return Err(format!("'@{after_at}' is not a reference path"));
    }
    Ok(path.segments)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn next_is(&self, test: impl Fn(&Token) -> bool) -> bool {
        self.tokens.get(self.pos).is_some_and(test)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.next_is(|t| matches!(t, Token::Or)) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.primary()?;
        while self.next_is(|t| matches!(t, Token::And)) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        if self.next_is(|t| matches!(t, Token::Open)) {
            self.pos += 1;
            let inner = self.or()?;
            if !self.next_is(|t| matches!(t, Token::Close)) {
                return Err("a '(' is never closed".into());
            }
            self.pos += 1;
            return Ok(inner);
        }
        let left = self.operand()?;
        let Some(Token::Op(op)) = self.tokens.get(self.pos) else {
            return match left {
                Operand::Current(steps) => Ok(Expr::Exists(steps)),
                Operand::Literal(_) => Err("a literal alone is not a condition".into()),
            };
        };
        let op = *op;
        self.pos += 1;
        Ok(Expr::Compare(left, op, self.operand()?))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.tokens.get_mut(self.pos) {
            Some(Token::Operand(operand)) => {
                // Taken out of the token list: each token is read once.
                let operand = std::mem::replace(operand, Operand::Literal(Value::Null));
                self.pos += 1;
                Ok(operand)
            }
            _ => Err("expected an @-path or a literal".into()),
        }
    }
}
