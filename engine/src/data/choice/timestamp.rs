//! Timestamp comparisons, as instants.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// An RFC 3339 timestamp as AWS restricts it: an uppercase `T` between date and time and an
/// uppercase `Z` when there is no numeric offset (chrono alone would also take `t`, `z`, ` `).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if text.len() < 20 || text.as_bytes()[10] != b'T' || text.contains(['t', 'z']) {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The order of two timestamps; `None` unless both are valid timestamp strings.
pub fn order(value: &Value, operand: &Value) -> Option<Ordering> {
    let instant = |v: &Value| v.as_str().and_then(parse_timestamp);
    Some(instant(value)?.cmp(&instant(operand)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uppercase_t_and_z() {
        for ok in [
            "2016-03-14T01:59:00Z",
            "2016-03-14T01:59:00.5Z",
            "2016-03-14T01:59:00+05:30",
            "2016-03-14T01:59:00-00:00",
        ] {
            assert!(parse_timestamp(ok).is_some(), "{ok}");
        }
        for bad in [
            "2016-03-14t01:59:00Z",
            "2016-03-14T01:59:00z",
            "2016-03-14 01:59:00Z",
            "2016-03-14T01:59:00",
            "2016-03-14",
            "2016-13-14T01:59:00Z",
            "",
        ] {
            assert!(parse_timestamp(bad).is_none(), "{bad}");
        }
    }
}
