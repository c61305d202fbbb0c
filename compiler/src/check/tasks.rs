//! Task integrations: the Resource is an ARN, heartbeats are shorter than timeouts, callback
//! tasks pass their token and have a timeout, Express machines use request/response only.

use super::{labelled_states, MachineType, Sink};
use crate::asl::{IntOrExpr, State, StateMachine, Task};
use crate::diagnostic::Diagnostic;
use serde_json::Value;

pub(super) fn check(machine: &StateMachine, machine_type: MachineType, sink: &mut Sink) {
    for (label, _, state) in labelled_states(machine) {
        let State::Task(task) = state else { continue };
        let mut push = |d: Diagnostic| sink.push(d.at_state(label.clone()));
        let resource = task.resource.as_str();
        if !(resource.starts_with("arn:") || resource.starts_with("${")) {
            push(
                Diagnostic::error("invalid-resource", format!("Resource must be an ARN, found \"{resource}\""))
                    .at_field("Resource")
                    .with_hint("e.g. arn:aws:states:::lambda:invoke or arn:aws:lambda:us-east-1:123456789012:function:name"),
            );
        }
        let callback = resource.ends_with(".waitForTaskToken");
        let sync = resource.contains(".sync");
        if sync && (resource.contains(":aws-sdk:") || resource.contains(":lambda:invoke")) {
            push(
                Diagnostic::error(
                    "invalid-resource",
                    "this integration does not support the .sync pattern",
                )
                .at_field("Resource"),
            );
        }
        if machine_type == MachineType::Express && (callback || sync) {
            push(
                Diagnostic::error("express-integration", format!("an Express state machine cannot use the {} pattern", if callback { ".waitForTaskToken" } else { ".sync" }))
                    .at_field("Resource")
                    .with_hint("Express workflows support request/response integrations only; use a Standard workflow"),
            );
        }
        if callback {
            if task.timeout_seconds.is_none() && task.timeout_seconds_path.is_none() {
                push(
                    Diagnostic::lint("callback-without-timeout", "this callback task waits for its token with no timeout: a lost token would park the execution for a year")
                        .at_field("TimeoutSeconds")
                        .with_hint("set TimeoutSeconds (and HeartbeatSeconds if the worker can report progress)"),
                );
            }
            let payload = task
                .common
                .parameters
                .as_ref()
                .or(task.common.arguments.as_ref());
            if !payload.is_some_and(passes_token) {
                push(
                    Diagnostic::lint("callback-without-token", "this callback task does not pass its task token, so nobody can complete it")
                        .at_field(if task.common.arguments.is_some() { "Arguments" } else { "Parameters" })
                        .with_hint("pass \"TaskToken.$\": \"$$.Task.Token\" (JSONata: \"{% $states.context.Task.Token %}\")"),
                );
            }
        }
        heartbeat_below_timeout(task, &mut push);
    }
}

fn heartbeat_below_timeout(task: &Task, push: &mut dyn FnMut(Diagnostic)) {
    let literal = |v: &Option<IntOrExpr>| v.as_ref().and_then(IntOrExpr::as_u64);
    if let (Some(heartbeat), Some(timeout)) = (
        literal(&task.heartbeat_seconds),
        literal(&task.timeout_seconds),
    ) {
        if heartbeat >= timeout {
            push(
                Diagnostic::error("heartbeat-not-below-timeout", format!("HeartbeatSeconds ({heartbeat}) must be less than TimeoutSeconds ({timeout})"))
                    .at_field("HeartbeatSeconds"),
            );
        }
    }
}

/// Whether a payload template hands the task token to someone.
fn passes_token(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("$$.Task.Token") || s.contains("$states.context.Task.Token"),
        Value::Array(items) => items.iter().any(passes_token),
        Value::Object(map) => map.values().any(passes_token),
        _ => false,
    }
}
