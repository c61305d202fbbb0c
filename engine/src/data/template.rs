//! Payload templates: `Parameters`, `ResultSelector`, `ItemSelector`, `Credentials` and
//! JSONPath-mode `Assign`. A field whose name ends in `.$` is renamed without the suffix and
//! its value, a string, is replaced: a path (`$…`, `$$…`, `$name`) by what it selects, an
//! intrinsic call by its result. Objects and arrays are processed at every depth; anything
//! else is copied.

use serde_json::{Map, Value};
use wfc_compiler::asl::intrinsic::parse_intrinsic;

use super::intrinsics;
use super::path::{parse, root, select};
use super::{json_text, DataError, RandomSource, Scope};

/// The payload of `template` over `scope` (`scope.input` is what `$` means: the effective input
/// for `Parameters`, the result for `ResultSelector`, …).
pub fn apply(
    template: &Value,
    scope: &Scope,
    random: &mut dyn RandomSource,
) -> Result<Value, DataError> {
    match template {
        Value::Object(fields) => {
            let mut out = Map::with_capacity(fields.len());
            for (name, value) in fields {
                match (name.strip_suffix(".$"), value) {
                    (Some(bare), Value::String(text)) => {
                        out.insert(bare.to_string(), resolve(name, text, scope, random)?);
                    }
                    (Some(_), other) => {
                        return Err(DataError::runtime(format!(
                            "The value of the field '{name}' must be a path or an intrinsic function, found {}",
                            json_text(other)
                        )))
                    }
                    (None, value) => {
                        out.insert(name.clone(), apply(value, scope, random)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| apply(item, scope, random))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// The value of one `.$` field (`field` is its full name, for the cause): a path, or else an
/// intrinsic call. Also what a Fail state's `ErrorPath` / `CausePath` evaluate.
///
/// A path that selects nothing fails the execution with `States.Runtime` and the cause AWS
/// writes: "The JSONPath '$.x' specified for the field 'x.$' could not be found in the input
/// '{…}'". The Spec names `States.ParameterPathFailure` here, but AWS records `States.Runtime`
/// (LocalStack's AWS snapshots of invalid_jsonpath_in_string_expr_*.json5; DIFFERENCES.md).
pub fn resolve(
    field: &str,
    text: &str,
    scope: &Scope,
    random: &mut dyn RandomSource,
) -> Result<Value, DataError> {
    if !text.starts_with('$') {
        let call = parse_intrinsic(text).map_err(|e| {
            DataError::intrinsic(format!(
                "Invalid intrinsic function in the field '{field}': {e}"
            ))
        })?;
        return intrinsics::evaluate(&call, scope, random);
    }
    let path = parse(text)?;
    select(&path, scope)?.ok_or_else(|| {
        let applied_to = root(&path, scope).map_or_else(|| "null".into(), json_text);
        DataError::runtime(format!(
            "The JSONPath '{text}' specified for the field '{field}' could not be found in the input '{applied_to}'"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::test_support::Fixture;
    use crate::data::{SeededRandom, INTRINSIC_FAILURE, RUNTIME};
    use serde_json::json;

    fn run(f: &Fixture, template: Value) -> Result<Value, DataError> {
        apply(&template, &f.scope(), &mut SeededRandom::new(1))
    }

    #[test]
    fn the_spec_example() {
        let mut f = Fixture::new(json!({"flagged": 7, "vals": [0, 10, 20, 30, 40, 50]}));
        f.context = json!({"DayOfWeek": "TUESDAY"});
        let template = json!({
            "flagged": true,
            "parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[-3:]"},
            "weekday.$": "$$.DayOfWeek",
            "formattedOutput.$": "States.Format('Today is {}', $$.DayOfWeek)"
        });
        assert_eq!(
            run(&f, template),
            Ok(json!({
                "flagged": true,
                "parts": {"first": 0, "last3": [30, 40, 50]},
                "weekday": "TUESDAY",
                "formattedOutput": "Today is TUESDAY"
            }))
        );
    }

    #[test]
    fn nested_arrays_variables_and_map_context() {
        let mut f = Fixture::new(json!({"id": "i-1"}));
        f.context = json!({"Map": {"Item": {"Index": 2, "Value": {"name": "db"}}}});
        f.variables.insert("region".into(), json!("eu-west-1"));
        let template = json!({
            "items": [{"id.$": "$.id"}, "plain", 3, {"deep": [{"r.$": "$region"}]}],
            "index.$": "$$.Map.Item.Index",
            "value.$": "$$.Map.Item.Value.name",
            "literal": {"not.a.path": "$.id"}
        });
        assert_eq!(
            run(&f, template),
            Ok(json!({
                "items": [{"id": "i-1"}, "plain", 3, {"deep": [{"r": "eu-west-1"}]}],
                "index": 2,
                "value": "db",
                "literal": {"not.a.path": "$.id"}
            }))
        );
    }

    #[test]
    fn missing_paths_are_runtime_errors() {
        // AWS records States.Runtime, not the Spec's States.ParameterPathFailure: LocalStack
        // tests/aws/services/stepfunctions/templates/scenarios/statemachines/
        // invalid_jsonpath_in_string_expr_jsonpath.json5 and its AWS snapshot.
        let f = Fixture::new(json!({"a": 1}));
        assert_eq!(
            run(&f, json!({"x.$": "$.x"})),
            Err(DataError::runtime(
                "The JSONPath '$.x' specified for the field 'x.$' could not be found in the input '{\"a\":1}'"
            ))
        );
        assert_eq!(
            run(&f, json!({"deep": [{"v.$": "$undefined"}]})).unwrap_err().cause,
            "The JSONPath '$undefined' specified for the field 'v.$' could not be found in the input 'null'"
        );
    }

    #[test]
    fn bad_values_and_bad_intrinsics() {
        let f = Fixture::new(json!({}));
        assert_eq!(run(&f, json!({"x.$": 5})).unwrap_err().error, RUNTIME);
        assert_eq!(
            run(&f, json!({"x.$": "States.Nope()"})).unwrap_err().error,
            INTRINSIC_FAILURE
        );
        assert_eq!(
            run(&f, json!({"x.$": "not a path"})).unwrap_err().error,
            INTRINSIC_FAILURE
        );
        assert_eq!(run(&f, json!({"x.$": "$.a["})).unwrap_err().error, RUNTIME);
        // Non-object templates pass through.
        assert_eq!(run(&f, json!("text")), Ok(json!("text")));
    }
}
