//! Execution history in the shape of `GetExecutionHistory`: typed events with ids, the id of the
//! event that led to each (`previousEventId`), timestamps on the virtual clock, and the details
//! object AWS names after the event type (`stateEnteredEventDetails`, `taskFailedEventDetails`…).
//!
//! History is optional. When it is off, nothing is recorded or built for it. When it is on, the
//! execution appends small typed events to a vector: a state's input or output is kept once, as
//! its JSON text (what the event carries), and shared by every event that shows the same value
//! (a Pass chain records its input once for all its states); the state's name is its index in
//! the program. The events' JSON details are built only when the history is read
//! ([`EventLog`] dereferences to [`HistoryEvent`]s, built on first use).

use crate::clock::{format_timestamp, Millis};
use crate::program::{Program, StateId};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::sync::{Arc, OnceLock};

/// One history event, as read.
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

/// The index of a payload's text in [`Log::texts`].
pub(crate) type TextId = u32;

/// An event as recorded: its id is its place in the log, plus one.
#[derive(Debug, Clone)]
struct Event {
    previous: u64,
    timestamp: Millis,
    kind: &'static str,
    details: Details,
}

#[derive(Debug, Clone)]
enum Details {
    None,
    /// `stateEnteredEventDetails` (`input`) or `stateExitedEventDetails` (`output`).
    State {
        entered: bool,
        state: StateId,
        text: TextId,
    },
    /// `mapIteration…EventDetails`: `{"name", "index"}`.
    Iteration {
        key: &'static str,
        state: StateId,
        index: u32,
    },
    ExecutionStarted {
        text: TextId,
    },
    ExecutionSucceeded {
        text: TextId,
    },
    /// Anything else (rare events), built when recorded.
    Json(Box<(&'static str, Value)>),
}

/// The events of one execution, as recorded.
#[derive(Debug, Clone, Default)]
struct Log {
    events: Vec<Event>,
    /// Payloads' JSON texts, shared by the events that show them.
    texts: Vec<String>,
}

/// The recorder shared by every branch of one execution.
pub(crate) struct History {
    enabled: bool,
    log: RefCell<Log>,
}

impl History {
    pub fn new(enabled: bool) -> History {
        History {
            enabled,
            log: RefCell::new(Log::default()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn push(&self, cursor: &Cell<u64>, now: Millis, kind: &'static str, details: Details) {
        let mut log = self.log.borrow_mut();
        let id = log.events.len() as u64 + 1;
        log.events.push(Event {
            previous: cursor.get(),
            timestamp: now,
            kind,
            details,
        });
        cursor.set(id);
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
        let details = match details() {
            Some(d) => Details::Json(Box::new(d)),
            None => Details::None,
        };
        self.push(cursor, now, kind, details);
    }

    /// Keeps a payload's JSON text for the events that show it; returns its id and its length
    /// (the payload's size). Only called when history is on.
    pub fn keep(&self, value: &Value) -> (TextId, usize) {
        let text = serde_json::to_string(value).unwrap_or_default();
        let len = text.len();
        let mut log = self.log.borrow_mut();
        log.texts.push(text);
        ((log.texts.len() - 1) as TextId, len)
    }

    /// `…StateEntered` (input) or `…StateExited` (output) of `state`, showing a kept text.
    pub fn record_state(
        &self,
        cursor: &Cell<u64>,
        now: Millis,
        kind: &'static str,
        entered: bool,
        state: StateId,
        text: TextId,
    ) {
        self.push(
            cursor,
            now,
            kind,
            Details::State {
                entered,
                state,
                text,
            },
        );
    }

    /// `MapIterationStarted` and its ends: `{"name": <the Map state>, "index": i}`.
    pub fn record_iteration(
        &self,
        cursor: &Cell<u64>,
        now: Millis,
        kind: &'static str,
        key: &'static str,
        state: StateId,
        index: usize,
    ) {
        if !self.enabled {
            return;
        }
        let index = index as u32;
        self.push(cursor, now, kind, Details::Iteration { key, state, index });
    }

    /// `ExecutionStarted` (input) or `ExecutionSucceeded` (output), showing a kept text.
    pub fn record_execution(&self, cursor: &Cell<u64>, now: Millis, started: bool, text: TextId) {
        let (kind, details) = if started {
            ("ExecutionStarted", Details::ExecutionStarted { text })
        } else {
            ("ExecutionSucceeded", Details::ExecutionSucceeded { text })
        };
        self.push(cursor, now, kind, details);
    }

    /// The id of the latest event (0 when none).
    pub fn last_id(&self) -> u64 {
        self.log.borrow().events.len() as u64
    }

    /// The events so far, as they are read.
    pub fn events(&self, program: &Program, role_arn: &str) -> Vec<HistoryEvent> {
        materialise(&self.log.borrow(), program, role_arn)
    }

    /// Takes the events out (the execution is over), to be read later.
    pub fn take(&self, program: Arc<Program>, role_arn: String) -> EventLog {
        EventLog {
            log: std::mem::take(&mut *self.log.borrow_mut()),
            program: Some(program),
            role_arn,
            read: OnceLock::new(),
        }
    }
}

/// The history of a finished run ([`crate::Report::history`]): read it as a slice of
/// [`HistoryEvent`]s (`.iter()`, `.len()`, `[i]`, `for e in &history`), built on first read.
#[derive(Clone, Default)]
pub struct EventLog {
    log: Log,
    program: Option<Arc<Program>>,
    role_arn: String,
    read: OnceLock<Vec<HistoryEvent>>,
}

impl EventLog {
    /// The events, as `GetExecutionHistory` shapes them.
    pub fn events(&self) -> &[HistoryEvent] {
        self.read.get_or_init(|| match &self.program {
            Some(program) => materialise(&self.log, program, &self.role_arn),
            None => Vec::new(),
        })
    }

    /// The events, owned.
    pub fn to_vec(&self) -> Vec<HistoryEvent> {
        self.events().to_vec()
    }
}

impl std::ops::Deref for EventLog {
    type Target = [HistoryEvent];

    fn deref(&self) -> &[HistoryEvent] {
        self.events()
    }
}

impl<'a> IntoIterator for &'a EventLog {
    type Item = &'a HistoryEvent;
    type IntoIter = std::slice::Iter<'a, HistoryEvent>;

    fn into_iter(self) -> Self::IntoIter {
        self.events().iter()
    }
}

impl IntoIterator for EventLog {
    type Item = HistoryEvent;
    type IntoIter = std::vec::IntoIter<HistoryEvent>;

    fn into_iter(self) -> Self::IntoIter {
        self.to_vec().into_iter()
    }
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.events()).finish()
    }
}

impl PartialEq for EventLog {
    fn eq(&self, other: &EventLog) -> bool {
        self.events() == other.events()
    }
}

/// Builds the events' details as AWS shapes them.
fn materialise(log: &Log, program: &Program, role_arn: &str) -> Vec<HistoryEvent> {
    let text = |id: TextId| Value::String(log.texts[id as usize].clone());
    let name = |state: StateId| program.state(state).name.as_str();
    log.events
        .iter()
        .enumerate()
        .map(|(i, e)| HistoryEvent {
            id: i as u64 + 1,
            previous_event_id: e.previous,
            timestamp: e.timestamp,
            kind: e.kind,
            details: match &e.details {
                Details::None => None,
                Details::State {
                    entered: true,
                    state,
                    text: t,
                } => Some((
                    "stateEnteredEventDetails",
                    json!({"name": name(*state), "input": text(*t), "inputDetails": {"truncated": false}}),
                )),
                Details::State { state, text: t, .. } => Some((
                    "stateExitedEventDetails",
                    json!({"name": name(*state), "output": text(*t), "outputDetails": {"truncated": false}}),
                )),
                Details::Iteration { key, state, index } => {
                    Some((*key, json!({"name": name(*state), "index": index})))
                }
                Details::ExecutionStarted { text: t } => Some((
                    "executionStartedEventDetails",
                    json!({"input": text(*t), "inputDetails": {"truncated": false},
                       "roleArn": role_arn}),
                )),
                Details::ExecutionSucceeded { text: t } => Some((
                    "executionSucceededEventDetails",
                    json!({"output": text(*t), "outputDetails": {"truncated": false}}),
                )),
                Details::Json(d) => Some((d.0, d.1.clone())),
            },
        })
        .collect()
}

/// Compact JSON text: history carries inputs and outputs as strings, as AWS does.
pub(crate) fn text(value: &Value) -> Value {
    Value::String(serde_json::to_string(value).unwrap_or_default())
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
