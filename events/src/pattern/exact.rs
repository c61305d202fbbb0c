//! Exact values (`"running"`, `300`, `true`, `null`, `""`) and `equals-ignore-case`.
//!
//! "For strings, EventBridge uses exact character-by-character matching without case-folding
//! or any other string normalization." Null and the empty string are different values: "Null
//! values and empty strings are not interchangeable in pattern matching."
//!
//! Numbers: the user guide says "For numbers, EventBridge uses string representation. For
//! example, 300, 300.0, and 3.0e2 are not considered equal", but AWS's matcher (Event Ruler,
//! `JsonRuleCompiler.writeRules`) inserts "matchers for both the literal expression and the
//! ComparableNumber form", so `[300]` does match `300.0`. We follow the matcher and compare
//! numerically (within Event Ruler's range and six decimals), or by exact equality otherwise
//! (e.g. 12-digit account numbers beyond the numeric range).

use serde_json::{Number, Value};

use super::numeric::comparable;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Exact {
    String(String),
    Number(Number),
    Bool(bool),
    Null,
}

impl Exact {
    pub(crate) fn matches(&self, v: &Value) -> bool {
        match (self, v) {
            (Exact::String(a), Value::String(b)) => a == b,
            (Exact::Number(a), Value::Number(b)) => numbers_equal(a, b),
            (Exact::Bool(a), Value::Bool(b)) => a == b,
            (Exact::Null, Value::Null) => true,
            _ => false,
        }
    }
}

pub(crate) fn numbers_equal(a: &Number, b: &Number) -> bool {
    if a == b {
        return true;
    }
    match (comparable(a), comparable(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// `{"equals-ignore-case": "alice"}`: strings only.
pub(crate) fn equals_ignore_case(wanted: &str, v: &Value) -> bool {
    match v {
        Value::String(s) => s.to_lowercase() == wanted.to_lowercase(),
        _ => false,
    }
}
