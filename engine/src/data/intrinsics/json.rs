//! `States.StringToJson` and `States.JsonMerge`. (`States.JsonToString` is one line in `mod.rs`.)

use serde_json::Value;
use wfc_compiler::asl::intrinsic::Intrinsic;

use super::{fail, want_bool, want_object, want_string};
use crate::data::DataError;

/// An empty or blank string is `null`, as AWS returns it (issue 12); other text must be JSON.
pub(super) fn string_to_json(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::StringToJson;
    let text = want_string(f, args, 0)?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text).map_err(|e| fail(f, format!("the string is not JSON: {e}")))
}

/// A shallow merge: the second object's fields replace the first's. The third argument must be
/// `false`: "Currently, Step Functions only supports the shallow merging mode" (AWS docs).
pub(super) fn merge(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::JsonMerge;
    let first = want_object(f, args, 0)?;
    let second = want_object(f, args, 1)?;
    if want_bool(f, args, 2)? {
        return Err(fail(
            f,
            "deep merging is not supported: Step Functions only supports the shallow merging mode, so the third argument must be false",
        ));
    }
    let mut merged = first.clone();
    for (key, value) in second {
        merged.insert(key.clone(), value.clone());
    }
    Ok(Value::Object(merged))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{eval, failure};
    use serde_json::json;

    #[test]
    fn string_to_json_and_back() {
        assert_eq!(
            eval(
                "States.StringToJson($.s)",
                json!({"s": "{\"foo\": \"bar\", \"n\": [1, 2.5]}"})
            ),
            Ok(json!({"foo": "bar", "n": [1, 2.5]}))
        );
        assert_eq!(eval("States.StringToJson('42')", json!({})), Ok(json!(42)));
        assert!(failure("States.StringToJson($.s)", json!({"s": "{oops"}))
            .starts_with("States.StringToJson: the string is not JSON"));
        assert!(failure("States.StringToJson($.s)", json!({"s": {}})).contains("must be a string"));
        assert_eq!(
            eval(
                "States.JsonToString($.j)",
                json!({"j": {"name": "Foo", "year": 2020}})
            ),
            Ok(json!("{\"name\":\"Foo\",\"year\":2020}"))
        );
        assert_eq!(
            eval("States.JsonToString($.j)", json!({"j": "x"})),
            Ok(json!("\"x\""))
        );
    }

    /// `States.StringToJson` of an empty or blank string is `null`. Source: issue 12's replay of
    /// AWS-recorded executions (LocalStack's AWS snapshot
    /// v2/intrinsic_functions/test_json_manipulation.snapshot.json, `test_string_to_json`,
    /// runs it on empty and blank strings).
    #[test]
    fn string_to_json_of_a_blank_string_is_null() {
        for blank in ["", " ", "\t\n "] {
            assert_eq!(
                eval("States.StringToJson($.s)", json!({ "s": blank })),
                Ok(json!(null)),
                "{blank:?}"
            );
        }
    }

    #[test]
    fn json_merge_is_shallow() {
        let input = json!({
            "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
            "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}
        });
        let merged = eval("States.JsonMerge($.json1, $.json2, false)", input.clone()).unwrap();
        assert_eq!(merged, json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}));
        // The first object's key order is kept; new keys follow.
        let keys: Vec<&String> = merged.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(
            failure("States.JsonMerge($.json1, $.json2, true)", input.clone())
                .contains("shallow merging mode")
        );
        assert!(
            failure("States.JsonMerge($.json1, $.json2, 'false')", input.clone())
                .contains("argument 3 must be a boolean")
        );
        assert!(
            failure("States.JsonMerge($.json1, $.json1.b, false)", input)
                .contains("argument 2 must be an object, found number")
        );
    }
}
