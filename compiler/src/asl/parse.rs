//! From JSON text to the model, with every structural problem reported at once.
//!
//! The fast path deserialises the whole definition in one go. Only when that fails does the slow
//! path visit each state on its own, so that a definition with ten bad states gets ten messages.

use super::StateMachine;
use crate::diagnostic::Diagnostic;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a text could not be turned into a [`StateMachine`].
#[derive(Debug, Clone, PartialEq)]
pub enum ParseFailure {
    /// The text is not JSON.
    NotJson(String),
    /// It is JSON, but not a state machine at all (no object with `States`).
    NotAsl(String),
    /// It is a state machine, with structural errors (every one is listed).
    Invalid(Vec<Diagnostic>),
}

/// Parses an ASL definition. `workflow` names it in diagnostics (a file name for `--asl`).
pub fn parse(text: &str, workflow: &str) -> Result<StateMachine, ParseFailure> {
    if let Ok(machine) = serde_json::from_str::<StateMachine>(text) {
        return Ok(machine);
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| ParseFailure::NotJson(e.to_string()))?;
    let Some(top) = value.as_object() else {
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
    let mut diagnostics = Vec::new();
    let mut top_only = value.clone();
    top_only["States"] = Value::Object(Default::default());
    if let Some(StartAtOnly(d)) = deserialize_at::<StateMachine>(top_only, None, workflow) {
        diagnostics.push(d);
    }
    // A non-object `States` was already reported by the top-level pass.
    if let Some(Value::Object(states)) = top.get("States") {
        scope_diagnostics(states, &[], workflow, &mut diagnostics);
    }
    if diagnostics.is_empty() {
        // Nothing found piecewise (should not happen): report the whole-document error.
        let e = serde_json::from_value::<StateMachine>(value)
            .err()
            .map(|e| e.to_string());
        diagnostics.push(
            Diagnostic::error(
                "schema",
                e.unwrap_or_else(|| "definition does not parse".into()),
            )
            .in_workflow(workflow),
        );
    }
    Err(ParseFailure::Invalid(diagnostics))
}

struct StartAtOnly(Diagnostic);

fn scope_diagnostics(
    states: &serde_json::Map<String, Value>,
    scope: &[String],
    workflow: &str,
    out: &mut Vec<Diagnostic>,
) {
    for (name, raw) in states {
        let mut path = scope.to_vec();
        path.push(name.clone());
        let display = path.join(" › ");
        // Check the state with its nested scopes emptied; the nested states get their own pass.
        let mut shallow = raw.clone();
        for (field, _) in nested_scopes(raw) {
            empty_nested_states(&mut shallow, &field);
        }
        if let Some(StartAtOnly(d)) =
            deserialize_at::<super::State>(shallow, Some(&display), workflow)
        {
            out.push(d);
        }
        for (field, nested) in nested_scopes(raw) {
            let mut inner = scope.to_vec();
            inner.push(format!("{name} › {field}"));
            out_nested(nested, &inner, workflow, out);
        }
    }
}

fn out_nested(nested: &Value, scope: &[String], workflow: &str, out: &mut Vec<Diagnostic>) {
    if let Some(Value::Object(states)) = nested.get("States") {
        scope_diagnostics(states, scope, workflow, out);
    }
}

/// `(label, scope object)` for each nested scope written in a raw state.
fn nested_scopes(raw: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    if let Some(Value::Array(branches)) = raw.get("Branches") {
        for (i, branch) in branches.iter().enumerate() {
            out.push((format!("Branches[{i}]"), branch));
        }
    }
    for field in ["ItemProcessor", "Iterator"] {
        if let Some(processor) = raw.get(field) {
            out.push((field.to_string(), processor));
        }
    }
    out
}

fn empty_nested_states(state: &mut Value, label: &str) {
    let target = if let Some(index) = label.strip_prefix("Branches[") {
        let i: usize = index.trim_end_matches(']').parse().unwrap_or(usize::MAX);
        state.get_mut("Branches").and_then(|b| b.get_mut(i))
    } else {
        state.get_mut(label)
    };
    if let Some(Value::Object(scope)) = target {
        if scope.get("States").is_some_and(Value::is_object) {
            scope.insert("States".into(), Value::Object(Default::default()));
        }
    }
}

fn deserialize_at<T: DeserializeOwned>(
    value: Value,
    state: Option<&str>,
    workflow: &str,
) -> Option<StartAtOnly> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(_) => None,
        Err(e) => {
            let field = e.path().to_string();
            let mut d = Diagnostic::error("schema", e.inner().to_string()).in_workflow(workflow);
            if let Some(state) = state {
                d = d.at_state(state);
            }
            if field != "." && !field.is_empty() {
                d = d.at_field(field);
            }
            Some(StartAtOnly(d))
        }
    }
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
