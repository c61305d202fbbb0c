//! Payload templates: `Parameters`, `ResultSelector`, `ItemSelector`, `Credentials` and
//! JSONPath-mode `Assign`. A field whose name ends in `.$` is renamed without the suffix and
//! its value, a string, is replaced: a path (`$…`, `$$…`, `$name`) by what it selects, an
//! intrinsic call by its result. Objects and arrays are processed at every depth; anything
//! else is copied.

use std::borrow::Cow;

use serde_json::{Map, Value};
use wfc_compiler::asl::intrinsic::{parse_intrinsic, IntrinsicCall};
use wfc_compiler::asl::path::JsonPath;

use super::intrinsics;
use super::path::{parse, root, select_cow};
use super::{json_text, DataError, RandomSource, Scope};

/// The payload of `template` over `scope` (`scope.input` is what `$` means: the effective input
/// for `Parameters`, the result for `ResultSelector`, …).
pub fn apply(
    template: &Value,
    scope: &Scope,
    random: &mut dyn RandomSource,
) -> Result<Value, DataError> {
    Template::new(template).apply(scope, random)
}

/// A payload template parsed once, when the machine is prepared: its paths and intrinsic calls
/// are parsed, and the parts without any `.$` field are kept as literals to copy. Errors in it
/// (a `.$` value that is not a string, a bad path or call) are raised when it is applied, at the
/// field where the tree walk meets them, as before.
#[derive(Debug, Clone)]
pub enum Template {
    /// No `.$` field anywhere below: copied as it is.
    Literal(Value),
    Object(Vec<(String, Field)>),
    Array(Vec<Template>),
}

#[derive(Debug, Clone)]
pub enum Field {
    Template(Template),
    Dynamic(Dynamic),
    Invalid(DataError),
}

/// One `.$` field's value, parsed: see [`resolve`].
#[derive(Debug, Clone)]
pub struct Dynamic {
    field: String,
    text: String,
    parsed: Result<Parsed, DataError>,
}

#[derive(Debug, Clone)]
enum Parsed {
    Path(JsonPath),
    Call(IntrinsicCall),
}

impl Dynamic {
    /// `field` is the full name (`x.$`), `text` the path or intrinsic call.
    pub fn new(field: &str, text: &str) -> Dynamic {
        let parsed = if text.starts_with('$') {
            parse(text).map(Parsed::Path)
        } else {
            parse_intrinsic(text).map(Parsed::Call).map_err(|e| {
                DataError::intrinsic(format!(
                    "Invalid intrinsic function in the field '{field}': {e}"
                ))
            })
        };
        Dynamic {
            field: field.to_string(),
            text: text.to_string(),
            parsed,
        }
    }

    /// The path or call as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn evaluate(
        &self,
        scope: &Scope,
        random: &mut dyn RandomSource,
    ) -> Result<Value, DataError> {
        match self.parsed.as_ref().map_err(Clone::clone)? {
            Parsed::Call(call) => intrinsics::evaluate(call, scope, random),
            Parsed::Path(path) => select_cow(path, scope)?.map(Cow::into_owned).ok_or_else(|| {
                let applied_to = root(path, scope).map_or_else(|| "null".into(), json_text);
                DataError::runtime(format!(
                    "The JSONPath '{}' specified for the field '{}' could not be found in the input '{applied_to}'",
                    self.text, self.field
                ))
            }),
        }
    }
}

impl Template {
    pub fn new(template: &Value) -> Template {
        match template {
            Value::Object(fields) => {
                let compiled: Vec<(String, Field)> = fields
                    .iter()
                    .map(|(name, value)| match (name.strip_suffix(".$"), value) {
                        (Some(bare), Value::String(text)) => {
                            (bare.to_string(), Field::Dynamic(Dynamic::new(name, text)))
                        }
                        (Some(bare), other) => (
                            bare.to_string(),
                            Field::Invalid(DataError::runtime(format!(
                                "The value of the field '{name}' must be a path or an intrinsic function, found {}",
                                json_text(other)
                            ))),
                        ),
                        (None, value) => (name.clone(), Field::Template(Template::new(value))),
                    })
                    .collect();
                let literal = compiled
                    .iter()
                    .all(|(_, f)| matches!(f, Field::Template(Template::Literal(_))));
                if literal {
                    Template::Literal(template.clone())
                } else {
                    Template::Object(compiled)
                }
            }
            Value::Array(items) => {
                let compiled: Vec<Template> = items.iter().map(Template::new).collect();
                if compiled.iter().all(|t| matches!(t, Template::Literal(_))) {
                    Template::Literal(template.clone())
                } else {
                    Template::Array(compiled)
                }
            }
            other => Template::Literal(other.clone()),
        }
    }

    /// The payload over `scope`.
    pub fn apply(&self, scope: &Scope, random: &mut dyn RandomSource) -> Result<Value, DataError> {
        match self {
            Template::Literal(value) => Ok(value.clone()),
            Template::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (name, field) in fields {
                    let value = match field {
                        Field::Template(t) => t.apply(scope, random)?,
                        Field::Dynamic(d) => d.evaluate(scope, random)?,
                        Field::Invalid(e) => return Err(e.clone()),
                    };
                    out.insert(name.clone(), value);
                }
                Ok(Value::Object(out))
            }
            Template::Array(items) => items
                .iter()
                .map(|item| item.apply(scope, random))
                .collect::<Result<_, _>>()
                .map(Value::Array),
        }
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
    Dynamic::new(field, text).evaluate(scope, random)
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
