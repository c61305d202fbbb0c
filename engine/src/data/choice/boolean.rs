//! `BooleanEquals` / `BooleanEqualsPath`.

use std::cmp::Ordering;

use serde_json::Value;

/// The order of two booleans (only `Equal` matters); `None` unless both are booleans.
pub fn order(value: &Value, operand: &Value) -> Option<Ordering> {
    Some(value.as_bool()?.cmp(&operand.as_bool()?))
}
