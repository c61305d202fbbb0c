//! Numeric comparisons.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// The order of two numbers; `None` unless both are numbers.
pub fn order(value: &Value, operand: &Value) -> Option<Ordering> {
    match (value, operand) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b),
        _ => None,
    }
}

/// Compares by value, so `5 == 5.0`: exactly when both are integers (even past 2^53), as
/// doubles otherwise.
pub fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    let integer = |n: &Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}
