//! String comparisons and `StringMatches`.

use std::cmp::Ordering;

use serde_json::Value;

use crate::data::DataError;

/// The order of two strings; `None` unless both are strings.
pub fn order(value: &Value, operand: &Value) -> Option<Ordering> {
    Some(compare_strings(value.as_str()?, operand.as_str()?))
}

/// Java's `String.compareTo`, which AWS's Choice docs point to: UTF-16 code units, no folding or
/// normalisation. (It differs from Rust's byte order for characters above U+FFFF.)
pub fn compare_strings(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// `StringMatches`: `*` matches any run of characters (none too), `\*` is a literal star, `\\` a
/// literal backslash; any other backslash is a runtime error, as the spec says. False unless the
/// value is a string.
pub fn matches(value: &Value, pattern: &Value) -> Result<bool, DataError> {
    let (Some(text), Some(pattern)) = (value.as_str(), pattern.as_str()) else {
        return Ok(false);
    };
    Ok(wildcard_match(&literal_pieces(pattern)?, text))
}

/// The literal text between the unescaped stars of a pattern, escapes decoded.
fn literal_pieces(pattern: &str) -> Result<Vec<String>, DataError> {
    let mut pieces = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => pieces.push(String::new()),
            '\\' => match chars.next() {
                Some(escaped @ ('*' | '\\')) => pieces.last_mut().expect("never empty").push(escaped),
                _ => {
                    return Err(DataError::runtime(format!(
                        "Invalid StringMatches pattern '{pattern}': a backslash must escape '*' or '\\'"
                    )))
                }
            },
            c => pieces.last_mut().expect("never empty").push(c),
        }
    }
    Ok(pieces)
}

/// The first piece must start the text, the last end it, and the others occur in order between;
/// taking each middle piece at its leftmost place is always the best choice.
fn wildcard_match(pieces: &[String], text: &str) -> bool {
    let [first, middle @ .., last] = pieces else {
        return pieces.first().is_some_and(|only| only == text);
    };
    if text.len() < first.len() + last.len()
        || !text.starts_with(first.as_str())
        || !text.ends_with(last.as_str())
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in middle {
        match rest.find(piece.as_str()) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_order_like_java() {
        assert_eq!(compare_strings("a", "b"), Ordering::Less);
        assert_eq!(compare_strings("B", "a"), Ordering::Less);
        assert_eq!(compare_strings("ab", "a"), Ordering::Greater);
        // U+FF5E vs U+1F600: Rust's UTF-8 order says Less, Java's UTF-16 order says Greater.
        assert_eq!(compare_strings("\u{FF5E}", "\u{1F600}"), Ordering::Greater);
    }

    #[test]
    fn a_single_piece_is_an_exact_match() {
        assert!(wildcard_match(&["abc".into()], "abc"));
        assert!(!wildcard_match(&["abc".into()], "abcd"));
        // "a*a" needs two a's: the pieces may not overlap.
        assert!(!wildcard_match(&["a".into(), "a".into()], "a"));
    }
}
