//! `States.Base64Encode` and `States.Base64Decode` (standard alphabet, padded).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use wfc_compiler::asl::intrinsic::Intrinsic;

use super::{fail, want_limited_string};
use crate::data::DataError;

pub(super) fn encode(args: &[Value]) -> Result<Value, DataError> {
    let text = want_limited_string(Intrinsic::Base64Encode, args, 0)?;
    Ok(Value::String(STANDARD.encode(text)))
}

/// The decoded bytes must be UTF-8 text: a JSON string cannot hold anything else.
pub(super) fn decode(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::Base64Decode;
    let bytes = STANDARD
        .decode(want_limited_string(f, args, 0)?)
        .map_err(|e| fail(f, format!("the string is not Base64: {e}")))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| fail(f, "the decoded data is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{eval, failure};
    use serde_json::json;

    #[test]
    fn round_trip_and_limits() {
        assert_eq!(
            eval(
                "States.Base64Encode($.input)",
                json!({"input": "Data to encode"})
            ),
            Ok(json!("RGF0YSB0byBlbmNvZGU="))
        );
        assert_eq!(
            eval(
                "States.Base64Decode($.b)",
                json!({"b": "RGF0YSB0byBlbmNvZGU="})
            ),
            Ok(json!("Data to encode"))
        );
        assert_eq!(
            eval(
                "States.Base64Decode(States.Base64Encode('héllo ✓'))",
                json!({})
            ),
            Ok(json!("héllo ✓"))
        );
        let at_limit = "é".repeat(10_000);
        assert!(eval("States.Base64Encode($.s)", json!({"s": at_limit})).is_ok());
        assert_eq!(
            failure("States.Base64Encode($.s)", json!({"s": "a".repeat(10_001)})),
            "States.Base64Encode: the input has 10001 characters; at most 10000 are allowed"
        );
        assert!(
            failure("States.Base64Decode($.s)", json!({"s": "A".repeat(10_004)}))
                .contains("at most 10000")
        );
        assert!(failure("States.Base64Decode('not base64!')", json!({})).contains("not Base64"));
        assert!(failure("States.Base64Decode('//79')", json!({})).contains("not UTF-8"));
        assert!(failure("States.Base64Encode(1)", json!({})).contains("must be a string"));
    }
}
