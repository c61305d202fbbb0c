//! What every state of one execution shares ([`Runtime`]: clock, history, handlers, tokens,
//! random source, the machine) and what each branch keeps for itself ([`Frame`]: its variables
//! and its place in the history).
//!
//! The execution is one tree of futures on one thread, so sharing is plain references and
//! `RefCell`s; a Parallel branch or a Map iteration is a future with its own `Frame`.

use crate::clock::{format_timestamp, Clock, Millis};
use crate::data::{Scope, SeededRandom};
use crate::dispatch::callback::Callbacks;
use crate::dispatch::Handlers;
use crate::error::{names, Failure};
use crate::history::History;
use crate::program::{Compiled, Program, StateId};
use serde_json::{json, Map, Value};
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use wfc_compiler::asl::{QueryLanguage, State};

/// The largest state input or output, in bytes of JSON (AWS quota: 256 KiB).
pub const PAYLOAD_LIMIT: usize = 262_144;

/// Who this execution is, for the context object and the history.
#[derive(Debug, Clone)]
pub(crate) struct ExecutionInfo {
    pub arn: String,
    pub name: String,
    pub role_arn: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub start_time: Millis,
    /// `$$.Execution.Input`; `null` when no state reads the context (not copied for nothing).
    pub input: Value,
}

pub(crate) struct Runtime {
    pub program: Arc<Program>,
    pub handlers: Arc<Handlers>,
    pub clock: Clock,
    pub history: History,
    pub random: RefCell<SeededRandom>,
    pub callbacks: Callbacks,
    pub info: ExecutionInfo,
}

impl Runtime {
    /// The context object a state sees (`$$`, `$states.context`), or `null` for states that
    /// never read it.
    pub fn context(&self, state: &StateInfo<'_>, extra: ContextExtra<'_>) -> Value {
        if !state.compiled.reads_context {
            return Value::Null;
        }
        let info = &self.info;
        let mut context = json!({
            "Execution": {
                "Id": info.arn,
                "Input": info.input,
                "Name": info.name,
                "RoleArn": info.role_arn,
                "StartTime": format_timestamp(info.start_time),
                "RedriveCount": 0,
            },
            "State": {
                "EnteredTime": format_timestamp(state.entered),
                "Name": state.name,
                "RetryCount": state.retry_count.get(),
            },
            "StateMachine": {"Id": info.state_machine_arn, "Name": info.state_machine_name},
        });
        if let Some(token) = extra.token {
            context["Task"] = json!({ "Token": token });
        }
        if let Some((index, value)) = extra.map_item {
            context["Map"] = json!({"Item": {"Index": index, "Value": value}});
        }
        context
    }

    /// Records a history event after the frame's last one.
    pub fn record(
        &self,
        frame: &Frame,
        kind: &'static str,
        details: impl FnOnce() -> Option<(&'static str, Value)>,
    ) {
        self.history
            .record(&frame.cursor, self.clock.now(), kind, details);
    }
}

/// Extra parts of the context object that only some evaluations have.
#[derive(Default, Clone, Copy)]
pub(crate) struct ContextExtra<'a> {
    pub token: Option<&'a str>,
    pub map_item: Option<(usize, &'a Value)>,
}

/// The state being run: its name, definition, entry time and retry count.
pub(crate) struct StateInfo<'a> {
    pub id: StateId,
    pub compiled: &'a Compiled,
    pub name: &'a str,
    pub state: &'a State,
    pub entered: Millis,
    pub retry_count: Cell<u32>,
    pub language: QueryLanguage,
}

/// One branch of the execution: the top level, a Parallel branch or a Map iteration.
pub(crate) struct Frame {
    /// Variables visible here. An inner scope starts with a copy of the outer scope's (the outer
    /// scope cannot change while its Parallel or Map state runs), so reading outer variables is
    /// a lookup, and what the inner scope assigns stays inside it: "inner scopes read outer,
    /// cannot assign outer".
    pub variables: Map<String, Value>,
    /// The id of this branch's last history event (`previousEventId` of the next one).
    pub cursor: Cell<u64>,
    /// The query language of states that do not say.
    pub language: QueryLanguage,
}

impl Frame {
    pub fn scope<'a>(&'a self, input: &'a Value, context: &'a Value) -> Scope<'a> {
        Scope {
            input,
            context,
            variables: &self.variables,
        }
    }
}

/// Fails with `States.DataLimitExceeded` when `value` is larger than 256 KiB of JSON.
pub(crate) fn check_size(value: &Value, what: impl FnOnce() -> String) -> Result<(), Failure> {
    limit_size(json_size(value), what).map(drop)
}

/// Fails with `States.DataLimitExceeded` when a payload of `size` bytes is over the quota;
/// else the size.
pub(crate) fn limit_size(size: usize, what: impl FnOnce() -> String) -> Result<usize, Failure> {
    if size > PAYLOAD_LIMIT {
        return Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            format!(
                "{} is {size} bytes, more than the {PAYLOAD_LIMIT}-byte payload quota",
                what()
            ),
        ));
    }
    Ok(size)
}

/// The size of the compact JSON text of `value`, without building the text.
pub(crate) fn json_size(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}
