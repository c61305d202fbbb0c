//! `{"numeric": [">", 0, "<=", 5]}`, `{"numeric": ["<", 10]}`, `{"numeric": ["=", 3.018e2]}`.
//!
//! "Numeric matching works with values that are JSON numbers. It is limited to values between
//! -5.0e9 and +5.0e9 inclusive, with 15 digits of precision, or six digits to the right of the
//! decimal point." Numbers are compared as fixed-point integers of millionths, so
//! `0.0000001 > 0` is false, as in AWS's matcher. Event values outside the range never match.

use serde_json::{Number, Value};

/// The documented range of numeric matching.
pub(crate) const LIMIT: f64 = 5.0e9;

/// A number as millionths, when it is inside the numeric range.
pub(crate) fn comparable(n: &Number) -> Option<i64> {
    let x = n.as_f64()?;
    if !x.is_finite() || x.abs() > LIMIT {
        return None;
    }
    Some((x * 1e6).round() as i64)
}

/// A bound: the value in millionths and whether it is included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bound {
    pub(crate) value: i64,
    pub(crate) inclusive: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumericRange {
    pub(crate) lower: Option<Bound>,
    pub(crate) upper: Option<Bound>,
}

impl NumericRange {
    pub(crate) fn matches(&self, v: &Value) -> bool {
        let Some(x) = v.as_number().and_then(comparable) else {
            return false;
        };
        let above = self.lower.is_none_or(|b| {
            if b.inclusive {
                x >= b.value
            } else {
                x > b.value
            }
        });
        let below = self.upper.is_none_or(|b| {
            if b.inclusive {
                x <= b.value
            } else {
                x < b.value
            }
        });
        above && below
    }
}
