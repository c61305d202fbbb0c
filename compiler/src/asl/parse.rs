//! From JSON text to the model, with every structural problem reported at once.
//!
//! The fast path deserialises the whole definition in one go. Only when that fails does the slow
//! path visit each state on its own, so that a definition with ten bad states gets ten messages;
//! it also builds a *partial* machine, with each broken state replaced by a placeholder, so the
//! checks can still report everything else.

use super::StateMachine;
use crate::diagnostic::Diagnostic;
use serde::de::DeserializeOwned;
use serde_json::{json, Map as JsonMap, Value};

/// Why a text could not be turned into a [`StateMachine`].
#[derive(Debug, Clone, PartialEq)]
pub enum ParseFailure {
    /// The text is not JSON.
    NotJson(String),
    /// It is JSON, but not a state machine at all (no object with `States`).
    NotAsl(String),
    /// It is a state machine with structural errors (every one is listed), and, when the top
    /// level is sound, the machine with each broken state replaced by a placeholder.
    Invalid {
        diagnostics: Vec<Diagnostic>,
        partial: Option<Box<PartialMachine>>,
    },
}

/// A machine whose broken states were replaced by `{"Type": "Pass", "End": true}`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialMachine {
    pub machine: StateMachine,
    /// Labels (`Outer › Branches[0] › Inner`) of the replaced states.
    pub placeholders: Vec<String>,
}

/// Parses an ASL definition. `workflow` names it in diagnostics (a file name for `--asl`).
pub fn parse(text: &str, workflow: &str) -> Result<StateMachine, ParseFailure> {
    if let Ok(machine) = serde_json::from_str::<StateMachine>(text) {
        return Ok(machine);
    }
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| ParseFailure::NotJson(e.to_string()))?;
    let Some(top) = value.as_object_mut() else {
        return Err(ParseFailure::NotAsl(format!(
            "expected a JSON object with \"StartAt\" and \"States\", found {}",
            json_type(&value)
        )));
    };
    if !top.contains_key("States") {
        return Err(ParseFailure::NotAsl(
            "the object has no \"States\" field, so it is not an Amazon States Language definition"
                .into(),
        ));
    }
    let mut found = Found {
        workflow,
        diagnostics: Vec::new(),
        placeholders: Vec::new(),
    };
    // A non-object `States` is reported by the top-level pass below.
    if let Some(Value::Object(states)) = top.get_mut("States") {
        repair_scope(states, &[], &mut found);
    }
    let mut top_only = Value::Object(top.clone());
    top_only["States"] = Value::Object(Default::default());
    let top_ok = found.check::<StateMachine>(top_only, None).is_ok();
    let partial = if top_ok {
        serde_json::from_value::<StateMachine>(value.clone())
            .ok()
            .map(|machine| {
                Box::new(PartialMachine {
                    machine,
                    placeholders: found.placeholders.clone(),
                })
            })
    } else {
        None
    };
    if found.diagnostics.is_empty() {
        // Nothing found piecewise (should not happen): report the whole-document error.
        let e = serde_json::from_value::<StateMachine>(value)
            .err()
            .map(|e| e.to_string());
        found.diagnostics.push(
            Diagnostic::error(
                "schema",
                e.unwrap_or_else(|| "definition does not parse".into()),
            )
            .in_workflow(workflow),
        );
    }
    Err(ParseFailure::Invalid {
        diagnostics: found.diagnostics,
        partial,
    })
}

/// Fields that hold a whole number or a JSONata expression.
const NUMBER_FIELDS: &[&str] = &[
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "Seconds",
    "MaxConcurrency",
    "ToleratedFailurePercentage",
    "ToleratedFailureCount",
];

struct Found<'a> {
    workflow: &'a str,
    diagnostics: Vec<Diagnostic>,
    placeholders: Vec<String>,
}

impl Found<'_> {
    /// Deserialises `value` as `T`, recording the error (at `state`, with serde's field path).
    fn check<T: DeserializeOwned>(&mut self, value: Value, state: Option<&str>) -> Result<(), ()> {
        let Err(e) = serde_path_to_error::deserialize::<_, T>(value.clone()) else {
            return Ok(());
        };
        let mut field = e.path().to_string();
        if field == "." || field.is_empty() {
            // Inside flattened fields serde loses the path; find the number-or-expression field
            // whose value is neither.
            field = NUMBER_FIELDS
                .iter()
                .find(|f| {
                    value
                        .get(**f)
                        .is_some_and(|v| !(v.is_number() || v.is_string()))
                })
                .map_or(field, |f| f.to_string());
        }
        let mut d = Diagnostic::error("schema", e.inner().to_string()).in_workflow(self.workflow);
        if let Some(state) = state {
            d = d.at_state(state);
        }
        if field != "." && !field.is_empty() {
            d = d.at_field(field);
        }
        self.diagnostics.push(d);
        Err(())
    }
}

/// Diagnoses each state of a scope (nested scopes first), replacing broken ones by placeholders.
fn repair_scope(states: &mut JsonMap<String, Value>, scope: &[String], found: &mut Found) {
    for (name, raw) in states.iter_mut() {
        let mut label = scope.to_vec();
        label.push(name.clone());
        for (field, nested) in nested_scopes_mut(raw) {
            if let Some(Value::Object(inner)) = nested.get_mut("States") {
                let mut inner_scope = scope.to_vec();
                inner_scope.push(format!("{name} › {field}"));
                repair_scope(inner, &inner_scope, found);
            }
        }
        // The state on its own: nested states were judged above.
        let mut shallow = raw.clone();
        for (_, nested) in nested_scopes_mut(&mut shallow) {
            if nested.get("States").is_some_and(Value::is_object) {
                nested["States"] = Value::Object(Default::default());
            }
        }
        let display = label.join(" › ");
        if found
            .check::<super::State>(shallow, Some(&display))
            .is_err()
        {
            *raw = json!({ "Type": "Pass", "End": true });
            found.placeholders.push(display);
        }
    }
}

/// `(label, scope object)` for each nested scope written in a raw state.
fn nested_scopes_mut(raw: &mut Value) -> Vec<(String, &mut Value)> {
    let Some(object) = raw.as_object_mut() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in object.iter_mut() {
        match (key.as_str(), value) {
            ("Branches", Value::Array(branches)) => out.extend(
                branches
                    .iter_mut()
                    .enumerate()
                    .map(|(i, b)| (format!("Branches[{i}]"), b)),
            ),
            ("ItemProcessor" | "Iterator", processor) => out.push((key.clone(), processor)),
            _ => {}
        }
    }
    out
}

pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
