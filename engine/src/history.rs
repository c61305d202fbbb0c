//! Execution history in the shape of `GetExecutionHistory`: typed events with ids, the id of the
//! event that led to each (`previousEventId`), timestamps on the virtual clock, and the details
//! object AWS names after the event type (`stateEnteredEventDetails`, `taskFailedEventDetails`…).
//!
//! History is optional. When it is off, `record` returns before building anything: no JSON is
//! serialised or cloned for it, which is what keeps a Pass chain above a million transitions a
//! second.

use crate::clock::{format_timestamp, Millis};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};

/// One history event.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    pub id: u64,
    /// The event that led to this one; 0 for `ExecutionStarted`. Within a Parallel branch or a
    /// Map iteration, events chain to the previous event of the same branch.
    pub previous_event_id: u64,
    pub timestamp: Millis,
    /// `ExecutionStarted`, `PassStateEntered`, `TaskScheduled`, …
    pub kind: &'static str,
    /// The details object and the key AWS gives it (`stateEnteredEventDetails`), if any.
    pub details: Option<(&'static str, Value)>,
}

impl HistoryEvent {
    /// The event as `GetExecutionHistory` returns it.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("timestamp".into(), format_timestamp(self.timestamp).into());
        out.insert("type".into(), self.kind.into());
        out.insert("id".into(), self.id.into());
        out.insert("previousEventId".into(), self.previous_event_id.into());
        if let Some((key, details)) = &self.details {
            out.insert((*key).into(), details.clone());
        }
        Value::Object(out)
    }
}

/// The recorder shared by every branch of one execution.
pub(crate) struct History {
    enabled: bool,
    events: RefCell<Vec<HistoryEvent>>,
}

impl History {
    pub fn new(enabled: bool) -> History {
        History {
            enabled,
            events: RefCell::new(Vec::new()),
        }
    }

    /// Appends an event after the one `cursor` points at, and moves the cursor to it. `details`
    /// is only called when history is on.
    pub fn record(
        &self,
        cursor: &Cell<u64>,
        now: Millis,
        kind: &'static str,
        details: impl FnOnce() -> Option<(&'static str, Value)>,
    ) {
        if !self.enabled {
            return;
        }
        let mut events = self.events.borrow_mut();
        let id = events.len() as u64 + 1;
        events.push(HistoryEvent {
            id,
            previous_event_id: cursor.get(),
            timestamp: now,
            kind,
            details: details(),
        });
        cursor.set(id);
    }

    /// The id of the latest event (0 when none).
    pub fn last_id(&self) -> u64 {
        self.events.borrow().len() as u64
    }

    pub fn events(&self) -> Vec<HistoryEvent> {
        self.events.borrow().clone()
    }
}

/// Compact JSON text: history carries inputs and outputs as strings, as AWS does.
pub(crate) fn text(value: &Value) -> Value {
    Value::String(serde_json::to_string(value).unwrap_or_default())
}

/// `{"name": …, "input": "…", "inputDetails": {"truncated": false}}`.
pub(crate) fn state_entered(name: &str, input: &Value) -> Option<(&'static str, Value)> {
    Some((
        "stateEnteredEventDetails",
        json!({"name": name, "input": text(input), "inputDetails": {"truncated": false}}),
    ))
}

/// `{"name": …, "output": "…", "outputDetails": {"truncated": false}}`.
pub(crate) fn state_exited(name: &str, output: &Value) -> Option<(&'static str, Value)> {
    Some((
        "stateExitedEventDetails",
        json!({"name": name, "output": text(output), "outputDetails": {"truncated": false}}),
    ))
}

/// `{"error": …, "cause": …}` under the given key; an absent one is left out, as AWS does.
pub(crate) fn error_details(
    key: &'static str,
    error: Option<&str>,
    cause: Option<&str>,
) -> Option<(&'static str, Value)> {
    let mut details = serde_json::Map::new();
    for (name, value) in [("error", error), ("cause", cause)] {
        if let Some(value) = value {
            details.insert(name.into(), json!(value));
        }
    }
    Some((key, Value::Object(details)))
}
