//! Task: the effective input goes to the handler the `Resource` names (see `dispatch`), under
//! `TimeoutSeconds` (default 99,999,999) and, for callbacks and activities, `HeartbeatSeconds`,
//! both on the virtual clock; Retry and Catch apply.

use super::{
    apply_template, assign_jsonata, assign_jsonpath, input_path, jsonata_field, parameters,
    states_binding, with_error_handling, Attempted, Step,
};
use crate::clock::{seconds_to_millis, Millis};
use crate::data::{path, RandomSource};
use crate::dispatch::callback::{Callbacks, PendingTask};
use crate::dispatch::{
    function_name, lambda_envelope, parse_resource, Integration, Pattern, TaskOutcome, TaskRequest,
};
use crate::error::{names, Failure};
use crate::history::{error_details, text};
use crate::jsonata::uuid_v4;
use crate::runtime::{check_size, ContextExtra, Frame, Runtime, StateInfo};
use serde_json::{json, Value};
use wfc_compiler::asl::{IntOrExpr, QueryLanguage, Task};

/// AWS's default `TimeoutSeconds` for a Task.
const DEFAULT_TIMEOUT_SECONDS: f64 = 99_999_999.0;

pub(super) async fn run<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    task: &'s Task,
    input: Value,
) -> Result<Step<'s>, Failure> {
    let common = &task.common;
    let (integration, pattern) = parse_resource(&task.resource);
    // Activities are answered with their token too (a worker's SendTaskSuccess).
    let callback = pattern == Pattern::WaitForTaskToken || integration == Integration::Activity;
    let attempt = async |frame: &Frame, raw: &mut Value| -> Result<Attempted, Failure> {
        let raw = &*raw;
        // A fresh token per attempt: `$$.Task.Token` must be in the context before Parameters,
        // and `$$.State.RetryCount` counts the retries so far.
        let token = callback.then(|| Callbacks::new_token(&mut *rt.random.borrow_mut()));
        let context = rt.context(
            st,
            ContextExtra {
                token: token.as_deref(),
                ..Default::default()
            },
        );
        let call = Call {
            task,
            integration: &integration,
            token,
        };
        match st.language {
            QueryLanguage::JSONPath => {
                let effective = input_path(st, raw, frame, &context)?;
                let scope = frame.scope(&effective, &context);
                let c = st.compiled;
                let timeout = match (&task.timeout_seconds, &c.timeout_seconds_path) {
                    (_, Some(p)) => {
                        path::seconds_path_field("TimeoutSecondsPath", p, &scope)? as f64
                    }
                    (Some(n), None) => literal(n, "TimeoutSeconds")?,
                    (None, None) => DEFAULT_TIMEOUT_SECONDS,
                };
                let heartbeat = match (&task.heartbeat_seconds, &c.heartbeat_seconds_path) {
                    (_, Some(p)) => {
                        Some(path::seconds_path_field("HeartbeatSecondsPath", p, &scope)? as f64)
                    }
                    (Some(n), None) => Some(literal(n, "HeartbeatSeconds")?),
                    (None, None) => None,
                };
                let params = parameters(rt, st, effective, frame, &context)?
                    .0
                    .into_owned();
                let raw_result = invoke(rt, frame, st, call, params, timeout, heartbeat).await?;
                let compiled = st.compiled;
                let assigned =
                    assign_jsonpath(rt, compiled.assign.as_ref(), &raw_result, frame, &context)?;
                let result = match &compiled.result_selector {
                    Some(selector) => apply_template(rt, selector, &raw_result, frame, &context)?,
                    None => raw_result,
                };
                Ok(Attempted {
                    result,
                    assigned,
                    size: None,
                })
            }
            QueryLanguage::JSONata => {
                let states = states_binding(raw, &context, None);
                let number = |field: &Option<IntOrExpr>,
                              name: &str|
                 -> Result<Option<f64>, Failure> {
                    match field {
                        None => Ok(None),
                        Some(IntOrExpr::Expr(text)) => {
                            let v = jsonata_field(
                                rt,
                                frame,
                                Some(&Value::String(text.clone())),
                                &states,
                            )?
                            .unwrap_or(Value::Null);
                            v.as_f64().filter(|s| *s > 0.0).map(Some).ok_or_else(|| {
                                Failure::query(format!("{name} must evaluate to a positive integer, but {text} returned {v}"))
                            })
                        }
                        Some(n) => literal(n, name).map(Some),
                    }
                };
                let timeout = number(&task.timeout_seconds, "TimeoutSeconds")?
                    .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
                let heartbeat = number(&task.heartbeat_seconds, "HeartbeatSeconds")?;
                // Without `Arguments`, the task gets the state input.
                let args = jsonata_field(rt, frame, common.arguments.as_ref(), &states)?
                    .unwrap_or_else(|| raw.clone());
                check_size(&args, || format!("the arguments of state '{}'", st.name))?;
                let result = invoke(rt, frame, st, call, args, timeout, heartbeat).await?;
                let states = states_binding(raw, &context, Some(("result", &result)));
                let assigned = assign_jsonata(rt, frame, common.assign.as_ref(), &states)?;
                Ok(Attempted {
                    result,
                    assigned,
                    size: None,
                })
            }
        }
    };
    let context = rt.context(st, ContextExtra::default());
    with_error_handling(rt, frame, st, input, &context, attempt).await
}

fn literal(n: &IntOrExpr, field: &str) -> Result<f64, Failure> {
    match n {
        IntOrExpr::Number(n) => n
            .as_f64()
            .ok_or_else(|| Failure::runtime(format!("{field} must be a number"))),
        IntOrExpr::Expr(text) => Err(Failure::runtime(format!(
            "{field} is a JSONata expression ({text}) in a JSONPath state"
        ))),
    }
}

/// What one attempt calls.
struct Call<'a> {
    task: &'a Task,
    integration: &'a Integration,
    token: Option<String>,
}

/// Calls the handler (or waits for the token) and records the task's events.
async fn invoke(
    rt: &Runtime,
    frame: &Frame,
    st: &StateInfo<'_>,
    call: Call<'_>,
    params: Value,
    timeout: f64,
    heartbeat: Option<f64>,
) -> Result<Value, Failure> {
    let resource = call.task.resource.as_str();
    let events = Events::of(call.integration);
    let (resource_type, resource_name) = split_resource(resource);
    let region = region(&rt.info.arn);
    rt.record(frame, events.scheduled, || {
        let details = match call.integration {
            Integration::LambdaArn { .. } => json!({
                "resource": resource, "input": text(&params), "inputDetails": {"truncated": false},
                "timeoutInSeconds": timeout as u64,
            }),
            _ => {
                let mut d = json!({
                    "resourceType": resource_type, "resource": resource_name, "region": region,
                    "parameters": text(&params), "timeoutInSeconds": timeout as u64,
                });
                if let Some(h) = heartbeat {
                    d["heartbeatInSeconds"] = json!(h as u64);
                }
                d
            }
        };
        Some((events.scheduled_key, details))
    });
    rt.record(frame, events.started, || {
        (!matches!(call.integration, Integration::LambdaArn { .. })).then(|| {
            (
                events.started_key,
                json!({"resourceType": resource_type, "resource": resource_name}),
            )
        })
    });
    let deadline = rt.clock.now().saturating_add(seconds_to_millis(timeout));
    let result = call_handler(rt, frame, st, &call, params, heartbeat, deadline).await;
    match &result {
        Ok(output) => rt.record(frame, events.succeeded, || {
            Some((
                events.succeeded_key,
                json!({"resourceType": resource_type, "resource": resource_name,
                       "output": text(output), "outputDetails": {"truncated": false}}),
            ))
        }),
        Err(f) => {
            let timed_out = f.name() == names::TIMEOUT || f.name() == names::HEARTBEAT_TIMEOUT;
            let (kind, key) = if timed_out {
                (events.timed_out, events.timed_out_key)
            } else {
                (events.failed, events.failed_key)
            };
            rt.record(frame, kind, || {
                error_details(key, f.error.as_deref(), f.cause.as_deref())
            });
        }
    }
    result
}

async fn call_handler(
    rt: &Runtime,
    frame: &Frame,
    st: &StateInfo<'_>,
    call: &Call<'_>,
    params: Value,
    heartbeat: Option<f64>,
    deadline: Millis,
) -> Result<Value, Failure> {
    let function = match call.integration {
        Integration::LambdaArn { function } => Some(function.clone()),
        Integration::LambdaInvoke => match params.get("FunctionName").and_then(Value::as_str) {
            Some(name) => Some(function_name(name)),
            None => {
                return Err(Failure::runtime(format!(
                    "the parameters of {} must name the function in FunctionName",
                    call.task.resource
                )))
            }
        },
        _ => None,
    };
    let payload = match call.integration {
        Integration::LambdaInvoke => params.get("Payload").cloned().unwrap_or(json!({})),
        _ => params,
    };
    let request = TaskRequest {
        resource: call.task.resource.clone(),
        state_name: st.name.to_string(),
        function_name: function.clone(),
        payload,
        task_token: call.token.clone(),
        retry_count: st.retry_count.get(),
        now: rt.clock.now(),
    };
    let handler = rt.handlers.find(call.integration, function.as_deref());
    if let Some(token) = &call.token {
        // The message that carries the token is sent by the handler, if there is one; then
        // the task waits for the answer (or the caller answers from `pending_tasks`).
        if let Some(handler) = handler {
            settle(rt, handler.invoke(&request), deadline).await?;
        }
        rt.record(frame, "TaskSubmitted", || {
            let (resource_type, resource) = split_resource(&call.task.resource);
            Some((
                "taskSubmittedEventDetails",
                json!({"resourceType": resource_type, "resource": resource, "output": "{}"}),
            ))
        });
        let pending = PendingTask {
            token: token.clone(),
            state_name: st.name.to_string(),
            resource: call.task.resource.clone(),
            function_name: function.clone(),
            input: request.payload,
        };
        return rt
            .callbacks
            .wait(&rt.clock, pending, heartbeat, deadline)
            .await;
    }
    let Some(handler) = handler else {
        return Err(no_handler(call, function.as_deref()));
    };
    let output = settle(rt, handler.invoke(&request), deadline).await?;
    check_size(&output, || {
        format!("the result of the task in state '{}'", st.name)
    })?;
    Ok(match call.integration {
        Integration::LambdaInvoke => {
            let (a, b) = {
                let mut random = rt.random.borrow_mut();
                (random.next_u64(), random.next_u64())
            };
            let date = chrono::DateTime::from_timestamp_millis(rt.clock.now())
                .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
                .unwrap_or_default();
            lambda_envelope(output, &uuid_v4(a, b), &date)
        }
        _ => output,
    })
}

/// Turns a handler's answer into the task's, spending the virtual time it says the work takes;
/// past the deadline the task fails with `States.Timeout`.
async fn settle(rt: &Runtime, outcome: TaskOutcome, deadline: Millis) -> Result<Value, Failure> {
    let mut finish = rt.clock.now();
    let mut outcome = outcome;
    let result = loop {
        match outcome {
            TaskOutcome::Succeeded(v) => break Ok(v),
            TaskOutcome::Failed { error, cause } => break Err(Failure::new(error, cause)),
            TaskOutcome::After {
                seconds,
                outcome: next,
            } => {
                finish = finish.saturating_add(seconds_to_millis(seconds));
                outcome = *next;
            }
        }
    };
    if finish > deadline {
        rt.clock.sleep_until(deadline).await;
        return Err(Failure::new(
            names::TIMEOUT,
            "the task did not complete within its TimeoutSeconds",
        ));
    }
    rt.clock.sleep_until(finish).await;
    result
}

/// A task nobody serves. A Lambda function that does not exist fails on AWS with the Lambda
/// service's `ResourceNotFoundException`, which Step Functions reports as
/// `Lambda.ResourceNotFoundException` (catchable, as there). Any other resource without a
/// handler is a gap in the local setup, not behaviour of the workflow, so it is
/// `States.Runtime`, which no Retry or Catch hides.
fn no_handler(call: &Call<'_>, function: Option<&str>) -> Failure {
    match (call.integration, function) {
        (Integration::LambdaArn { .. } | Integration::LambdaInvoke, Some(f)) => Failure::new(
            "Lambda.ResourceNotFoundException",
            format!(
                "Function not found: {f} (no handler serves this Lambda function: register one, or serve Lambdas with an echo or HTTP fallback, e.g. `wfc run --echo-lambda`)"
            ),
        ),
        _ => Failure::runtime(format!(
            "no handler is registered for the resource {} (register one with Handlers::resource or Handlers::aws_sdk)",
            call.task.resource
        )),
    }
}

/// `arn:aws:states:::lambda:invoke` → (`lambda`, `invoke`); `…:aws-sdk:rds:promoteReadReplica`
/// → (`aws-sdk:rds`, `promoteReadReplica`), as the history's `resourceType`/`resource`.
fn split_resource(resource: &str) -> (&str, &str) {
    let tail = resource
        .strip_prefix("arn:aws:states:::")
        .unwrap_or(resource);
    tail.rsplit_once(':').unwrap_or(("", tail))
}

fn region(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or("us-east-1")
}

/// History event names: Lambda function ARNs and activities have their own; every other
/// integration uses the `Task…` events.
struct Events {
    scheduled: &'static str,
    scheduled_key: &'static str,
    started: &'static str,
    started_key: &'static str,
    succeeded: &'static str,
    succeeded_key: &'static str,
    failed: &'static str,
    failed_key: &'static str,
    timed_out: &'static str,
    timed_out_key: &'static str,
}

impl Events {
    fn of(integration: &Integration) -> Events {
        match integration {
            Integration::LambdaArn { .. } => Events {
                scheduled: "LambdaFunctionScheduled",
                scheduled_key: "lambdaFunctionScheduledEventDetails",
                started: "LambdaFunctionStarted",
                started_key: "lambdaFunctionStartedEventDetails",
                succeeded: "LambdaFunctionSucceeded",
                succeeded_key: "lambdaFunctionSucceededEventDetails",
                failed: "LambdaFunctionFailed",
                failed_key: "lambdaFunctionFailedEventDetails",
                timed_out: "LambdaFunctionTimedOut",
                timed_out_key: "lambdaFunctionTimedOutEventDetails",
            },
            Integration::Activity => Events {
                scheduled: "ActivityScheduled",
                scheduled_key: "activityScheduledEventDetails",
                started: "ActivityStarted",
                started_key: "activityStartedEventDetails",
                succeeded: "ActivitySucceeded",
                succeeded_key: "activitySucceededEventDetails",
                failed: "ActivityFailed",
                failed_key: "activityFailedEventDetails",
                timed_out: "ActivityTimedOut",
                timed_out_key: "activityTimedOutEventDetails",
            },
            _ => Events {
                scheduled: "TaskScheduled",
                scheduled_key: "taskScheduledEventDetails",
                started: "TaskStarted",
                started_key: "taskStartedEventDetails",
                succeeded: "TaskSucceeded",
                succeeded_key: "taskSucceededEventDetails",
                failed: "TaskFailed",
                failed_key: "taskFailedEventDetails",
                timed_out: "TaskTimedOut",
                timed_out_key: "taskTimedOutEventDetails",
            },
        }
    }
}
