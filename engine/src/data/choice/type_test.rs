//! The type tests: `IsNull`, `IsPresent`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp`.

use serde_json::Value;

use super::timestamp::parse_timestamp;
use crate::data::{json_text, DataError};

/// Whether `value` (`None`: the variable selected nothing) passes the test `name` as the
/// operand (`true` or `false`) asks.
pub fn test(name: &str, value: Option<&Value>, operand: &Value) -> Result<bool, DataError> {
    let Some(expected) = operand.as_bool() else {
        return Err(DataError::runtime(format!(
            "{name} takes true or false, found {}",
            json_text(operand)
        )));
    };
    let actual = match name {
        "IsPresent" => value.is_some(),
        "IsNull" => value.is_some_and(Value::is_null),
        "IsNumeric" => value.is_some_and(Value::is_number),
        "IsString" => value.is_some_and(Value::is_string),
        "IsBoolean" => value.is_some_and(Value::is_boolean),
        "IsTimestamp" => value
            .and_then(Value::as_str)
            .and_then(parse_timestamp)
            .is_some(),
        other => return Err(DataError::runtime(format!("Unknown type test '{other}'"))),
    };
    Ok(actual == expected)
}
