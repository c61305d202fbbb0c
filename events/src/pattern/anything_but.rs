//! `anything-but`: "matches anything except what's provided in the rule."
//!
//! Forms: a string or a number; a list "that contain[s] only strings, or only numbers";
//! `{"prefix": "init" | ["init", "test"]}`; `{"suffix": ".png" | [".txt", ".jpg"]}`;
//! `{"equals-ignore-case": "x" | ["x", ...]}`; `{"wildcard": "*/lib/*" | [...]}`. A list
//! excludes a value that any of its entries would match.
//!
//! Like the other comparison operators it needs a value: a missing field never matches. `null`
//! is a value that is not excluded (it is no string, so it has no prefix, suffix or case), so
//! it matches every form. Both are recorded on AWS: LocalStack's
//! `tests/aws/services/events/event_pattern_templates/content_anything_*_null.json5` (match)
//! and `*_missing_NEG.json5` (no match). When the event field is an array, any element that is
//! not excluded makes it match (as for every operator on arrays).

use serde_json::Value;

use super::exact::Exact;
use super::wildcard::Wildcard;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnythingBut {
    /// Strings only, or numbers only.
    Values(Vec<Exact>),
    /// Non-empty prefixes: a string starting with any of them is excluded.
    Prefix(Vec<String>),
    /// Non-empty suffixes: a string ending with any of them is excluded.
    Suffix(Vec<String>),
    IgnoreCase(Vec<String>),
    Wildcard(Vec<Wildcard>),
}

impl AnythingBut {
    pub(crate) fn matches(&self, v: &Value) -> bool {
        match self {
            AnythingBut::Values(values) => !values.iter().any(|e| e.matches(v)),
            AnythingBut::Prefix(ps) => {
                !matches!(v, Value::String(s) if ps.iter().any(|p| s.starts_with(p.as_str())))
            }
            AnythingBut::Suffix(ps) => {
                !matches!(v, Value::String(s) if ps.iter().any(|p| s.ends_with(p.as_str())))
            }
            AnythingBut::IgnoreCase(values) => match v {
                Value::String(s) => {
                    let lower = s.to_lowercase();
                    !values.iter().any(|x| x.to_lowercase() == lower)
                }
                _ => true,
            },
            AnythingBut::Wildcard(patterns) => match v {
                Value::String(s) => !patterns.iter().any(|w| w.matches_str(s)),
                _ => true,
            },
        }
    }
}
