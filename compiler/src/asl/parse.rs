//! From JSON text to the model, with every structural problem reported at once.
//!
//! The fast path deserialises the whole definition in one go. Only when that fails does the slow
//! path visit each state on its own, so that a definition with ten bad states gets ten messages;
//! it also builds a *partial* machine, with each broken state replaced by a placeholder, so the
//! checks can still report everything else.

use super::duplicate_keys::{duplicate_keys, DuplicateKey, Segment};
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
///
/// A key written twice in one object is an error: JSON readers keep only the last, so the
/// definition would not mean what its author wrote. It is reported with everything else.
pub fn parse(text: &str, workflow: &str) -> Result<StateMachine, ParseFailure> {
    let duplicates = duplicate_keys(text);
    if duplicates.is_empty() {
        if let Ok(machine) = serde_json::from_str::<StateMachine>(text) {
            return Ok(machine);
        }
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
        diagnostics: duplicates
            .iter()
            .map(|d| duplicate_diagnostic(d).in_workflow(workflow))
            .collect(),
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

/// A repeated key, placed like every other diagnostic (`state "Outer › Branches[0] › Inner" ›
/// Parameters.region.$`), its message naming the JSON path and both positions.
fn duplicate_diagnostic(duplicate: &DuplicateKey) -> Diagnostic {
    let path = &duplicate.path;
    let mut json_path = Vec::new();
    // Scope labels as the checks write them, and where in `path` the current state starts.
    let mut label: Vec<String> = Vec::new();
    let mut state_at = None;
    let mut i = 0;
    while i < path.len() {
        let in_states = i > 0 && path[i - 1] == Segment::Key("States".into());
        match &path[i] {
            Segment::Key(name) if in_states && nests_states(path, i - 1, state_at) => {
                if let Some(start) = state_at {
                    // Entering a nested scope: "Outer › Branches[0]" or "Outer › ItemProcessor".
                    let scope: Vec<String> =
                        field_path(&path[start + 1..i - 1]).into_iter().collect();
                    let last = label.pop().unwrap_or_default();
                    label.push(format!("{last} › {}", scope.join("")));
                }
                label.push(name.clone());
                state_at = Some(i);
                json_path.push(format!("\"{name}\""));
            }
            Segment::Key(name) => json_path.push(name.clone()),
            Segment::Index(n) => match json_path.last_mut() {
                Some(last) => last.push_str(&format!("[{n}]")),
                None => json_path.push(format!("[{n}]")),
            },
        }
        i += 1;
    }
    let message = format!(
        "{} is written twice, at {} and at {}; JSON keeps only the last, so the definition does not say what was written",
        json_path.join(" › "),
        duplicate.first,
        duplicate.again
    );
    let is_state_name = state_at == Some(path.len() - 1);
    let mut d = Diagnostic::error("duplicate-key", message).with_hint(if is_state_name {
        "rename one of the two states: a name is unique across the whole machine"
    } else {
        "keep one of the two"
    });
    let field_start = match state_at {
        Some(start) => {
            d = d.at_state(label.join(" › "));
            start + 1
        }
        None => 0,
    };
    if let Some(field) = field_path(&path[field_start..]) {
        d = d.at_field(field);
    }
    d
}

/// Whether the `States` key at `states_key` holds a scope's states: the machine's own, or a
/// `Branches[i]`/`ItemProcessor`/`Iterator` scope directly inside the current state.
fn nests_states(path: &[Segment], states_key: usize, state_at: Option<usize>) -> bool {
    let between = &path[state_at.map_or(0, |s| s + 1)..states_key];
    match (state_at, between) {
        (None, []) => true,
        (Some(_), [Segment::Key(k), Segment::Index(_)]) => k == "Branches",
        (Some(_), [Segment::Key(k)]) => k == "ItemProcessor" || k == "Iterator",
        _ => false,
    }
}

/// `Parameters.region.$`, `Choices[0].Next`: a field inside a state as the checks name it.
fn field_path(segments: &[Segment]) -> Option<String> {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Key(k) if out.is_empty() => out.push_str(k),
            Segment::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Segment::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    (!out.is_empty()).then_some(out)
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
