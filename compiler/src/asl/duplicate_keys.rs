//! Keys written twice in one JSON object, with the line and column of each occurrence.
//!
//! serde_json silently keeps the last of two equal keys and has no hook that sees the repeat with
//! its position, so this small scanner walks the text itself. It runs only to find repeats: it
//! gives up (finding nothing) on text that is not JSON, and leaves reporting that to serde_json.

use std::collections::HashMap;
use std::fmt;

/// Nesting deeper than this is left to serde_json (which refuses past 128): no deep recursion.
const MAX_DEPTH: usize = 128;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A line and a column, both counted from 1 (columns in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A key written again in the same object: the path to it (ending with the key), where it was
/// first written and where it was written again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub path: Vec<Segment>,
    pub first: Position,
    pub again: Position,
}

/// Every repeated key of `text`, in text order; empty when the text is not JSON.
pub fn duplicate_keys(text: &str) -> Vec<DuplicateKey> {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        line_start: 0,
        text,
        found: Vec::new(),
    };
    let mut path = Vec::new();
    match scanner.value(&mut path, 0) {
        Ok(()) => scanner.found,
        Err(NotJson) => Vec::new(),
    }
}

struct NotJson;

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
    /// Byte offset where the current line starts.
    line_start: usize,
    found: Vec<DuplicateKey>,
}

impl Scanner<'_> {
    fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.text[self.line_start..self.pos].chars().count() + 1,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
    }

    fn eat(&mut self, expected: u8) -> Result<(), NotJson> {
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&expected) {
            self.pos += 1;
            Ok(())
        } else {
            Err(NotJson)
        }
    }

    fn value(&mut self, path: &mut Vec<Segment>, depth: usize) -> Result<(), NotJson> {
        if depth > MAX_DEPTH {
            return Err(NotJson);
        }
        self.skip_whitespace();
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(path, depth),
            Some(b'[') => self.array(path, depth),
            Some(b'"') => self.string().map(drop),
            Some(_) => {
                // A number, true, false or null: serde_json judges its spelling.
                let start = self.pos;
                while self.bytes.get(self.pos).is_some_and(|b| {
                    !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    self.pos += 1;
                }
                if self.pos == start {
                    Err(NotJson)
                } else {
                    Ok(())
                }
            }
            None => Err(NotJson),
        }
    }

    fn object(&mut self, path: &mut Vec<Segment>, depth: usize) -> Result<(), NotJson> {
        self.pos += 1;
        let mut seen: HashMap<String, Position> = HashMap::new();
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            let at = self.position();
            let key = self.string()?;
            self.eat(b':')?;
            path.push(Segment::Key(key.clone()));
            match seen.get(&key) {
                Some(&first) => self.found.push(DuplicateKey {
                    path: path.clone(),
                    first,
                    again: at,
                }),
                None => {
                    seen.insert(key, at);
                }
            }
            self.value(path, depth + 1)?;
            path.pop();
            self.skip_whitespace();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(NotJson),
            }
        }
    }

    fn array(&mut self, path: &mut Vec<Segment>, depth: usize) -> Result<(), NotJson> {
        self.pos += 1;
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(());
        }
        for index in 0.. {
            path.push(Segment::Index(index));
            self.value(path, depth + 1)?;
            path.pop();
            self.skip_whitespace();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(NotJson),
            }
        }
        unreachable!("the loop returns")
    }

    /// A string at `self.pos`, decoded (so `"a"` and `"\u0061"` are the same key, as for serde).
    fn string(&mut self) -> Result<String, NotJson> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err(NotJson);
        }
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        loop {
            match self.bytes.get(self.pos) {
                None => return Err(NotJson),
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 2;
                }
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => self.pos += 1,
            }
        }
        let raw = self.text.get(start..self.pos).ok_or(NotJson)?;
        if escaped {
            serde_json::from_str(raw).map_err(|_| NotJson)
        } else {
            Ok(raw[1..raw.len() - 1].to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Segment {
        Segment::Key(k.into())
    }

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn finds_each_repeat_with_both_positions_and_its_path() {
        let text = "{\n  \"States\": {\n    \"A\": {\"Next\": \"B\", \"Next\": \"C\"},\n    \"A\": {}\n  },\n  \"List\": [{\"x\": 1, \"x\": 2}]\n}";
        assert_eq!(
            duplicate_keys(text),
            vec![
                DuplicateKey {
                    path: vec![key("States"), key("A"), key("Next")],
                    first: at(3, 11),
                    again: at(3, 24),
                },
                DuplicateKey {
                    path: vec![key("States"), key("A")],
                    first: at(3, 5),
                    again: at(4, 5),
                },
                DuplicateKey {
                    path: vec![key("List"), Segment::Index(0), key("x")],
                    first: at(6, 13),
                    again: at(6, 21),
                },
            ]
        );
    }

    #[test]
    fn keys_compare_decoded_and_columns_count_characters() {
        let found = duplicate_keys(r#"{"é": 1, "a": 2, "\u0061": 3}"#);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, vec![key("a")]);
        assert_eq!((found[0].first, found[0].again), (at(1, 10), at(1, 18)));
    }

    #[test]
    fn three_times_is_two_repeats_of_the_first() {
        let found = duplicate_keys(r#"{"k": 1, "k": 2, "k": 3}"#);
        let places: Vec<_> = found.iter().map(|d| (d.first, d.again)).collect();
        assert_eq!(places, vec![(at(1, 2), at(1, 10)), (at(1, 2), at(1, 18))]);
    }

    #[test]
    fn equal_keys_in_different_objects_and_strings_with_braces_are_fine() {
        let text =
            r#"{"a": {"k": 1}, "b": {"k": "}\"{"}, "c": ["k", "k"], "d": "{\"k\":1,\"k\":2}"}"#;
        assert!(duplicate_keys(text).is_empty());
    }

    #[test]
    fn text_that_is_not_json_finds_nothing() {
        for text in [
            "",
            "{",
            r#"{"a": 1, "a""#,
            r#"{"a" 1, "a": 2}"#,
            "[1, 2",
            &"[".repeat(10_000),
        ] {
            assert!(duplicate_keys(text).is_empty(), "{text:.40}");
        }
    }
}
