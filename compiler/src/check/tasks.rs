//! Task integrations: the Resource is an ARN, `.sync` only where AWS offers it, heartbeats are
//! shorter than timeouts, callback tasks pass their token and have a timeout, Express machines
//! use request/response only (no `.sync`, callbacks, activities or distributed Maps).

use super::{labelled_states, MachineType, Sink};
use crate::asl::{IntOrExpr, ProcessorMode, State, StateMachine, Task};
use crate::diagnostic::Diagnostic;
use serde_json::Value;

/// Optimised integrations that offer the .sync (run a job) pattern.
const SYNC_SERVICES: &[&str] = &[
    "states:startExecution",
    "ecs:runTask",
    "batch:submitJob",
    "glue:startJobRun",
    "athena:startQueryExecution",
    "codebuild:startBuild",
    "elasticmapreduce:",
    "emr-containers:",
    "emr-serverless:",
    "eks:runJob",
    "sagemaker:",
    "databrew:startJobRun",
    "mediaconvert:createJob",
    "bedrock:createModelCustomizationJob",
];

pub(super) fn check(machine: &StateMachine, machine_type: MachineType, sink: &mut Sink) {
    for (label, _, state) in labelled_states(machine) {
        if machine_type == MachineType::Express && is_distributed_map(state) {
            sink.push(
                Diagnostic::error(
                    "express-integration",
                    "an Express state machine cannot run a distributed Map",
                )
                .at_state(label.clone())
                .with_hint("use an inline Map, or a Standard workflow"),
            );
        }
        let State::Task(task) = state else { continue };
        let mut push = |d: Diagnostic| sink.push(d.at_state(label.clone()));
        integration(task, machine_type, &mut push);
        callback(task, &mut push);
        heartbeat_below_timeout(task, &mut push);
    }
}

fn is_distributed_map(state: &State) -> bool {
    let State::Map(map) = state else { return false };
    map.processor()
        .and_then(|p| p.processor_config.as_ref())
        .and_then(|c| c.mode)
        == Some(ProcessorMode::Distributed)
}

fn integration(task: &Task, machine_type: MachineType, push: &mut dyn FnMut(Diagnostic)) {
    let resource = task.resource.as_str();
    if !(resource.starts_with("arn:") || resource.starts_with("${")) {
        push(
            Diagnostic::error("invalid-resource", format!("must be an ARN, found \"{resource}\""))
                .at_field("Resource")
                .with_hint("e.g. arn:aws:states:::lambda:invoke or arn:aws:lambda:us-east-1:123456789012:function:name"),
        );
    }
    let sync = resource.contains(".sync");
    if sync && !supports_sync(resource) {
        push(
            Diagnostic::error(
                "invalid-resource",
                "this integration does not support the .sync (run a job) pattern",
            )
            .at_field("Resource")
            .with_hint(format!(".sync is offered by: {}", SYNC_SERVICES.join(", "))),
        );
    }
    if machine_type != MachineType::Express {
        return;
    }
    let refused = if resource.ends_with(".waitForTaskToken") {
        Some("the .waitForTaskToken pattern")
    } else if sync {
        Some("the .sync pattern")
    } else if resource.contains(":activity:") {
        Some("activities")
    } else {
        None
    };
    if let Some(what) = refused {
        push(
            Diagnostic::error("express-integration", format!("an Express state machine cannot use {what}"))
                .at_field("Resource")
                .with_hint("Express workflows support request/response integrations only; use a Standard workflow"),
        );
    }
}

fn supports_sync(resource: &str) -> bool {
    resource
        .strip_prefix("arn:aws:states:::")
        .is_some_and(|rest| {
            SYNC_SERVICES
                .iter()
                .any(|service| rest.starts_with(service))
        })
}

fn callback(task: &Task, push: &mut dyn FnMut(Diagnostic)) {
    if !task.resource.ends_with(".waitForTaskToken") {
        return;
    }
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

fn heartbeat_below_timeout(task: &Task, push: &mut dyn FnMut(Diagnostic)) {
    let literal = |v: &Option<IntOrExpr>| v.as_ref().and_then(IntOrExpr::as_u64);
    if let (Some(heartbeat), Some(timeout)) = (
        literal(&task.heartbeat_seconds),
        literal(&task.timeout_seconds),
    ) {
        // An invalid timeout (0) is reported on its own; comparing with it would only add noise.
        if timeout >= 1 && heartbeat >= timeout {
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
