//! `{"wildcard": "arn:aws:s3:::bucket/*.png"}` — `*` matches any run of characters (possibly
//! empty); `\*` is a literal asterisk and `\\` a literal backslash. Strings only.
//!
//! Validation (user guide and Event Ruler): consecutive wildcard characters (`**`) are not
//! allowed, and "a backslash escaping any character other than asterisk or backslash is not
//! allowed".

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    Star,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wildcard {
    tokens: Vec<Token>,
}

impl Wildcard {
    pub(crate) fn parse(text: &str) -> Result<Wildcard, String> {
        let mut tokens = Vec::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(e @ ('*' | '\\')) => tokens.push(Token::Char(e)),
                    Some(other) => {
                        return Err(format!(
                            "Invalid wildcard pattern \"{text}\": a backslash may only escape '*' or '\\', not '{other}'"
                        ))
                    }
                    None => {
                        return Err(format!(
                            "Invalid wildcard pattern \"{text}\": it ends with an unescaped backslash"
                        ))
                    }
                },
                '*' => {
                    if tokens.last() == Some(&Token::Star) {
                        return Err(format!(
                            "Invalid wildcard pattern \"{text}\": consecutive wildcard characters are not allowed"
                        ));
                    }
                    tokens.push(Token::Star);
                }
                other => tokens.push(Token::Char(other)),
            }
        }
        Ok(Wildcard { tokens })
    }

    /// The pattern as EventBridge's matcher stores it, for the complexity limit: UTF-8 bytes
    /// between quotes (escapes resolved), `None` for each `*`.
    pub(crate) fn quoted_bytes(&self) -> super::complexity::Tokens {
        let mut bytes = vec![Some(b'"')];
        for token in &self.tokens {
            match token {
                Token::Star => bytes.push(None),
                Token::Char(c) => {
                    let mut buf = [0u8; 4];
                    bytes.extend(c.encode_utf8(&mut buf).bytes().map(Some));
                }
            }
        }
        bytes.push(Some(b'"'));
        bytes
    }

    pub(crate) fn matches(&self, v: &Value) -> bool {
        match v {
            Value::String(s) => self.matches_str(s),
            _ => false,
        }
    }

    pub(crate) fn matches_str(&self, s: &str) -> bool {
        // Classic glob matching with backtracking to the last star: linear in practice.
        let text: Vec<char> = s.chars().collect();
        let (mut t, mut p) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::Char(c)) if *c == text[t] => {
                    t += 1;
                    p += 1;
                }
                Some(Token::Star) => {
                    star = Some((p, t));
                    p += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|tk| *tk == Token::Star)
    }
}
