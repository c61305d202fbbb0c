//! `anything-but`: "matches anything except what's provided in the rule."
//!
//! Forms: a string or a number; a list "that contain[s] only strings, or only numbers";
//! `{"prefix": "init"}`; `{"suffix": ".png"}`; `{"equals-ignore-case": "x" | ["x", ...]}`;
//! `{"wildcard": "*/lib/*" | [...]}`. Like the other comparison operators it needs a value:
//! a missing field never matches. When the event field is an array, any element that is not
//! excluded makes it match (as for every operator on arrays).

use serde_json::Value;

use super::exact::Exact;
use super::wildcard::Wildcard;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnythingBut {
    /// Strings only, or numbers only.
    Values(Vec<Exact>),
    Prefix(String),
    Suffix(String),
    IgnoreCase(Vec<String>),
    Wildcard(Vec<Wildcard>),
}

impl AnythingBut {
    pub(crate) fn matches(&self, v: &Value) -> bool {
        match self {
            AnythingBut::Values(values) => !values.iter().any(|e| e.matches(v)),
            AnythingBut::Prefix(p) => !matches!(v, Value::String(s) if s.starts_with(p.as_str())),
            AnythingBut::Suffix(p) => !matches!(v, Value::String(s) if s.ends_with(p.as_str())),
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
