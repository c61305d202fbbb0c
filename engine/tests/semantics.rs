//! The tricky corners of Step Functions semantics, run through the public API on virtual time.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wfc_engine::{Engine, Handlers, Options, Outcome, Report, TaskOutcome, TaskRequest};

fn engine(definition: Value) -> Engine {
    let machine = serde_json::from_value(definition).expect("a valid definition");
    Engine::new(machine)
}

fn run(definition: Value, input: Value) -> Report {
    engine(definition).run(input)
}

fn run_with(definition: Value, handlers: Handlers, input: Value) -> Report {
    engine(definition).with_handlers(handlers).run(input)
}

#[track_caller]
fn output(report: &Report) -> Value {
    match &report.outcome {
        Outcome::Succeeded { output } => output.clone(),
        other => panic!("expected success, got {other:?}"),
    }
}

#[track_caller]
fn error(report: &Report) -> String {
    match &report.outcome {
        Outcome::Failed { error, .. } => error.clone().unwrap_or_default(),
        other => panic!("expected failure, got {other:?}"),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A Lambda handler that fails with these errors in turn, then succeeds with `{"ok": true}`.
fn failing_with(errors: &[&str]) -> (impl Fn(&TaskRequest) -> TaskOutcome, Arc<AtomicUsize>) {
    let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let handler = move |_: &TaskRequest| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        match errors.get(n) {
            Some(e) => TaskOutcome::failed(e.clone(), format!("attempt {n}")),
            None => TaskOutcome::Succeeded(json!({"ok": true})),
        }
    };
    (handler, calls)
}

const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:work";

#[test]
fn pass_pipeline_parameters_result_path_output_path() {
    let report = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "InputPath": "$.in", "Parameters": {"v.$": "$.x", "k": 1},
                  "ResultPath": "$.out", "OutputPath": "$.out", "Next": "B"},
            "B": {"Type": "Pass", "Result": {"r": 2}, "ResultPath": "$.res", "End": true}
        }}),
        json!({"in": {"x": 7}}),
    );
    assert_eq!(output(&report), json!({"v": 7, "k": 1, "res": {"r": 2}}));
    assert_eq!(report.duration, Duration::ZERO);
}

#[test]
fn result_path_null_keeps_the_input() {
    let report = run_with(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": FN, "ResultPath": null, "End": true}
        }}),
        Handlers::new().lambda("work", |_: &TaskRequest| {
            TaskOutcome::Succeeded(json!("ignored"))
        }),
        json!({"keep": "me"}),
    );
    assert_eq!(output(&report), json!({"keep": "me"}));
}

#[test]
fn caught_errors_skip_output_path_and_land_at_the_catcher_result_path() {
    let (handler, _) = failing_with(&["Boom", "Boom", "Boom", "Boom"]);
    let report = run_with(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": FN, "OutputPath": "$.nowhere",
                  "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.err", "Next": "Done"}],
                  "End": true},
            "Done": {"Type": "Pass", "End": true}
        }}),
        Handlers::new().lambda("work", handler),
        json!({"a": 1}),
    );
    assert_eq!(
        output(&report),
        json!({"a": 1, "err": {"Error": "Boom", "Cause": "attempt 0"}})
    );
}

/// The AWS guide's "complex retry scenario": each retrier counts its own attempts; waits of 1,
/// 2 and 5 seconds, then the exhausted first retrier hands the error to the catcher.
#[test]
fn retriers_count_their_own_attempts_on_the_virtual_clock() {
    let (handler, calls) = failing_with(&["ErrorA", "ErrorB", "ErrorC", "ErrorB"]);
    let report = run_with(
        json!({"StartAt": "X", "States": {
            "X": {"Type": "Task", "Resource": FN,
                  "Retry": [
                      {"ErrorEquals": ["ErrorA", "ErrorB"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 2},
                      {"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Z"}],
                  "End": true},
            "Z": {"Type": "Pass", "End": true}
        }}),
        Handlers::new().lambda("work", handler),
        json!({}),
    );
    assert_eq!(output(&report)["Error"], "ErrorB");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(report.duration, secs(8));
}

#[test]
fn backoff_is_capped_by_max_delay_seconds() {
    let (handler, calls) = failing_with(&["E"; 10]);
    let report = run_with(
        json!({"StartAt": "X", "States": {
            "X": {"Type": "Task", "Resource": FN,
                  "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 3,
                             "BackoffRate": 2, "MaxDelaySeconds": 5}],
                  "End": true}
        }}),
        Handlers::new().lambda("work", handler),
        json!({}),
    );
    assert_eq!(error(&report), "E");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(report.duration, secs(3 + 5 + 5));
}

#[test]
fn max_attempts_zero_never_retries() {
    let (handler, calls) = failing_with(&["E"; 3]);
    let report = run_with(
        json!({"StartAt": "X", "States": {
            "X": {"Type": "Task", "Resource": FN,
                  "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"]}],
                  "End": true}
        }}),
        Handlers::new().lambda("work", handler),
        json!({}),
    );
    assert_eq!(error(&report), "E");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn full_jitter_is_reproducible_and_bounded() {
    let definition = json!({"StartAt": "X", "States": {
        "X": {"Type": "Task", "Resource": FN,
              "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 10, "MaxAttempts": 2,
                         "BackoffRate": 1, "JitterStrategy": "FULL"}],
              "End": true}
    }});
    let timed = |seed| {
        let (handler, _) = failing_with(&["E", "E"]);
        engine(definition.clone())
            .with_handlers(Handlers::new().lambda("work", handler))
            .with_options(Options {
                seed,
                ..Options::default()
            })
            .run(json!({}))
            .duration
    };
    assert_eq!(timed(5), timed(5));
    assert_ne!(timed(5), timed(6));
    assert!(timed(5) <= secs(20));
}

#[test]
fn task_timeout_on_the_virtual_clock() {
    let report = run_with(
        json!({"StartAt": "Slow", "States": {
            "Slow": {"Type": "Task", "Resource": FN, "TimeoutSeconds": 5,
                     "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"},
                               {"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"}],
                     "End": true},
            "Wrong": {"Type": "Fail", "Error": "Wrong"},
            "TimedOut": {"Type": "Pass", "End": true}
        }}),
        Handlers::new().lambda("work", |_: &TaskRequest| {
            TaskOutcome::after(60.0, TaskOutcome::Succeeded(json!(1)))
        }),
        json!({}),
    );
    assert_eq!(output(&report)["Error"], "States.Timeout");
    assert_eq!(report.duration, secs(5));
}

#[test]
fn states_all_does_not_catch_or_retry_runtime_errors() {
    let report = run(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                  "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                  "End": true},
            "Caught": {"Type": "Pass", "End": true}
        }}),
        json!({}),
    );
    assert_eq!(error(&report), "States.Runtime");
    assert_eq!(report.duration, Duration::ZERO, "not retried");
}

#[test]
fn data_limit_exceeded_is_terminal() {
    let big = "x".repeat(300_000);
    let report = run_with(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": FN,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Pass", "End": true}
        }}),
        Handlers::new().lambda("work", move |_: &TaskRequest| {
            TaskOutcome::Succeeded(json!(big.clone()))
        }),
        json!({}),
    );
    assert_eq!(error(&report), "States.DataLimitExceeded");
}

#[test]
fn a_lambda_without_handler_is_resource_not_found_and_catchable() {
    let report = run(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "nobody", "Payload.$": "$"},
                  "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Pass", "End": true}
        }}),
        json!({}),
    );
    assert_eq!(output(&report)["Error"], "Lambda.ResourceNotFoundException");
}

#[test]
fn lambda_invoke_returns_the_envelope() {
    let report = run_with(
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:double:$LATEST",
                                 "Payload": {"n.$": "$.n"}},
                  "ResultSelector": {"doubled.$": "$.Payload.n", "status.$": "$.StatusCode"},
                  "End": true}
        }}),
        Handlers::new().lambda("double", |r: &TaskRequest| {
            TaskOutcome::Succeeded(json!({"n": r.payload["n"].as_i64().unwrap() * 2}))
        }),
        json!({"n": 21}),
    );
    assert_eq!(output(&report), json!({"doubled": 42, "status": 200}));
}

#[test]
fn map_max_concurrency_shapes_the_timing() {
    let definition = |max: u64| {
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": max,
                  "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
                  "ItemProcessor": {"StartAt": "W", "States": {
                      "W": {"Type": "Wait", "Seconds": 10, "End": true}}},
                  "End": true}
        }})
    };
    let input = json!({"items": ["a", "b", "c", "d"]});
    let limited = run(definition(2), input.clone());
    assert_eq!(limited.duration, secs(20));
    assert_eq!(
        output(&limited),
        json!([{"index": 0, "value": "a"}, {"index": 1, "value": "b"},
               {"index": 2, "value": "c"}, {"index": 3, "value": "d"}])
    );
    assert_eq!(run(definition(0), input.clone()).duration, secs(10));
    assert_eq!(run(definition(1), input).duration, secs(40));
}

#[test]
fn parallel_takes_its_longest_branch_and_keeps_branch_order() {
    let report = run(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Slow", "States": {"Slow": {"Type": "Wait", "Seconds": 7, "Next": "One"},
                                                "One": {"Type": "Pass", "Result": 1, "End": true}}},
                {"StartAt": "Fast", "States": {"Fast": {"Type": "Wait", "Seconds": 5, "Next": "Two"},
                                                "Two": {"Type": "Pass", "Result": 2, "End": true}}}
            ]}
        }}),
        json!({}),
    );
    assert_eq!(output(&report), json!([1, 2]));
    assert_eq!(report.duration, secs(7));
}

#[test]
fn a_failing_branch_fails_the_parallel_with_its_error_and_stops_the_others() {
    let report = run(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Next": "Unreached", "Branches": [
                {"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 100, "End": true}}},
                {"StartAt": "Later", "States": {"Later": {"Type": "Wait", "Seconds": 3, "Next": "Boom"},
                                                 "Boom": {"Type": "Fail", "Error": "BranchBoom", "Cause": "b2"}}}
            ], "Catch": [{"ErrorEquals": ["BranchBoom"], "Next": "Handled"}]},
            "Unreached": {"Type": "Pass", "End": true},
            "Handled": {"Type": "Pass", "End": true}
        }}),
        json!({}),
    );
    assert_eq!(
        output(&report),
        json!({"Error": "BranchBoom", "Cause": "b2"})
    );
    assert_eq!(report.duration, secs(3), "the 100 s branch was stopped");
}

#[test]
fn machine_timeout_seconds() {
    let report = run(
        json!({"TimeoutSeconds": 10, "StartAt": "W", "States": {
            "W": {"Type": "Wait", "Seconds": 100, "End": true}
        }}),
        json!({}),
    );
    assert!(
        matches!(report.outcome, Outcome::TimedOut { .. }),
        "{:?}",
        report.outcome
    );
    assert_eq!(report.outcome.status(), "TIMED_OUT");
    assert_eq!(report.duration, secs(10));
}

#[test]
fn wait_by_seconds_path_and_timestamp() {
    let report = run(
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Wait", "SecondsPath": "$.s", "Next": "B"},
            "B": {"Type": "Wait", "Timestamp": "2024-01-01T00:01:00Z", "Next": "C"},
            "C": {"Type": "Wait", "TimestampPath": "$.t", "End": true}
        }}),
        json!({"s": 30, "t": "2024-01-01T00:00:10Z"}),
    );
    // 30 s, then until 00:01:00, then a timestamp already past.
    assert_eq!(report.duration, secs(60));
}

#[test]
fn assign_is_evaluated_with_values_as_of_state_entry() {
    let report = run(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"a": 1, "b": 2}, "Next": "Swap"},
            "Swap": {"Type": "Pass", "Assign": {"a.$": "$b", "b.$": "$a"}, "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"a.$": "$a", "b.$": "$b"}, "End": true}
        }}),
        json!({}),
    );
    assert_eq!(output(&report), json!({"a": 2, "b": 1}));
}

#[test]
fn inner_scopes_read_outer_variables_but_cannot_assign_them() {
    let report = run(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "P"},
            "P": {"Type": "Parallel", "Next": "After", "Branches": [
                {"StartAt": "Inner", "States": {
                    "Inner": {"Type": "Pass", "Assign": {"inner": "i", "outer": "changed"},
                              "Next": "Read"},
                    "Read": {"Type": "Pass", "Parameters": {"outer.$": "$outer", "inner.$": "$inner"},
                             "End": true}}}
            ]},
            "After": {"Type": "Pass", "Parameters": {"branch.$": "$[0]", "outer.$": "$outer"},
                      "Next": "Inner?"},
            "Inner?": {"Type": "Pass", "Parameters": {"inner.$": "$inner"}, "End": true}
        }}),
        json!({}),
    );
    // The branch saw the outer variable and its own; the outer scope kept its value, and the
    // branch's variable does not exist outside it.
    assert!(
        matches!(&report.outcome, Outcome::Failed { cause: Some(cause), .. } if cause.contains("inner")),
        "{:?}",
        report.outcome
    );
    let report = run(
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "P"},
            "P": {"Type": "Parallel", "Next": "After", "Branches": [
                {"StartAt": "Inner", "States": {
                    "Inner": {"Type": "Pass", "Assign": {"inner": "i", "outer": "changed"},
                              "Next": "Read"},
                    "Read": {"Type": "Pass", "Parameters": {"outer.$": "$outer", "inner.$": "$inner"},
                             "End": true}}}
            ]},
            "After": {"Type": "Pass", "Parameters": {"branch.$": "$[0]", "outer.$": "$outer"},
                      "End": true}
        }}),
        json!({}),
    );
    assert_eq!(
        output(&report),
        json!({"branch": {"outer": "changed", "inner": "i"}, "outer": "o"})
    );
}

#[test]
fn choice_without_match_or_default_fails() {
    let report = run(
        json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [
                {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}]},
            "Big": {"Type": "Succeed"}
        }}),
        json!({"n": 1}),
    );
    assert_eq!(error(&report), "States.NoChoiceMatched");
}

#[test]
fn callback_parks_until_the_token_is_answered() {
    let e = engine(json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"MessageBody": {"token.$": "$$.Task.Token", "q.$": "$.q"}},
                "End": true}
    }}));
    let mut execution = e.start(json!({"q": "approve?"}));
    let tasks = match execution.outcome() {
        Outcome::Parked { tasks } => tasks.clone(),
        other => panic!("expected parked, got {other:?}"),
    };
    assert_eq!(tasks.len(), 1);
    let token = tasks[0].token.clone();
    assert_eq!(tasks[0].input["MessageBody"]["token"], json!(token));
    assert!(execution
        .send_task_success("not-a-token", json!(1))
        .is_err());
    let outcome = execution
        .send_task_success(&token, json!({"approved": true}))
        .unwrap();
    assert_eq!(
        outcome,
        &Outcome::Succeeded {
            output: json!({"approved": true})
        }
    );
    assert!(
        execution.send_task_success(&token, json!(2)).is_err(),
        "the token is spent"
    );
}

#[test]
fn heartbeat_timeout_while_parked() {
    let e = engine(json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}},
                "HeartbeatSeconds": 10, "TimeoutSeconds": 100,
                "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "NoHeartbeat"}],
                "End": true},
        "NoHeartbeat": {"Type": "Pass", "End": true}
    }}))
    .with_handlers(Handlers::new().lambda("notify", |_: &TaskRequest| {
        TaskOutcome::Succeeded(json!({}))
    }));
    let mut execution = e.start(json!({}));
    let token = execution.pending_tasks()[0].token.clone();
    // Nothing happens while parked until the caller lets time pass.
    execution.advance(6.0);
    assert!(matches!(execution.outcome(), Outcome::Parked { .. }));
    execution.send_task_heartbeat(&token).unwrap();
    execution.advance(9.0);
    assert!(
        matches!(execution.outcome(), Outcome::Parked { .. }),
        "the heartbeat at 6 s moved the deadline to 16 s"
    );
    let outcome = execution.resume().clone();
    assert_eq!(
        outcome,
        Outcome::Succeeded {
            output: json!({"Error": "States.HeartbeatTimeout",
                           "Cause": "no heartbeat was received within HeartbeatSeconds"})
        }
    );
    assert_eq!(execution.duration(), secs(16));
}

#[test]
fn send_task_failure_reaches_retry_and_catch() {
    let e = engine(json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
                "Parameters": {"Message.$": "$$.Task.Token"},
                "Retry": [{"ErrorEquals": ["Rejected"], "IntervalSeconds": 2, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["Rejected"], "Next": "No"}], "End": true},
        "No": {"Type": "Pass", "End": true}
    }}));
    let mut execution = e.start(json!({}));
    let first = execution.pending_tasks()[0].token.clone();
    execution
        .send_task_failure(&first, "Rejected", "no")
        .unwrap();
    // Retried after 2 s with a fresh token.
    let second = execution.pending_tasks()[0].token.clone();
    assert_ne!(first, second);
    assert_eq!(execution.duration(), secs(2));
    let outcome = execution
        .send_task_failure(&second, "Rejected", "still no")
        .unwrap();
    assert_eq!(
        outcome,
        &Outcome::Succeeded {
            output: json!({"Error": "Rejected", "Cause": "still no"})
        }
    );
}

#[test]
fn history_has_the_shape_of_get_execution_history() {
    let report = engine(json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "T"},
        "T": {"Type": "Task", "Resource": FN, "End": true}
    }}))
    .with_handlers(Handlers::new().lambda("work", wfc_engine::dispatch::echo))
    .with_options(Options {
        history: true,
        ..Options::default()
    })
    .run(json!({"x": 1}));
    let kinds: Vec<&str> = report.history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    for (i, event) in report.history.iter().enumerate() {
        assert_eq!(event.id, i as u64 + 1);
        assert_eq!(event.previous_event_id, i as u64);
    }
    let entered = report.history[1].to_json();
    assert_eq!(entered["stateEnteredEventDetails"]["name"], "A");
    assert_eq!(entered["stateEnteredEventDetails"]["input"], r#"{"x":1}"#);
    assert_eq!(entered["timestamp"], "2024-01-01T00:00:00.000Z");
}

#[test]
fn context_object_fields() {
    let report = engine(json!({"StartAt": "A", "States": {
        "A": {"Type": "Wait", "Seconds": 3, "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {
            "name.$": "$$.Execution.Name", "input.$": "$$.Execution.Input",
            "state.$": "$$.State.Name", "entered.$": "$$.State.EnteredTime",
            "start.$": "$$.Execution.StartTime", "machine.$": "$$.StateMachine.Id",
            "retries.$": "$$.State.RetryCount"}, "End": true}
    }}))
    .with_options(Options {
        execution_name: Some("drill-1".into()),
        ..Options::default()
    })
    .run(json!({"in": true}));
    assert_eq!(
        output(&report),
        json!({"name": "drill-1", "input": {"in": true}, "state": "B",
               "entered": "2024-01-01T00:00:03.000Z", "start": "2024-01-01T00:00:00.000Z",
               "machine": "arn:aws:states:us-east-1:123456789012:stateMachine:local",
               "retries": 0})
    );
}

#[test]
fn tolerated_failures_in_a_distributed_map() {
    let definition = |tolerated: u64| {
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "ToleratedFailureCount": tolerated,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "C", "States": {
                      "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "Bad"}],
                            "Default": "Good"},
                      "Bad": {"Type": "Fail", "Error": "TooBig"},
                      "Good": {"Type": "Succeed"}}},
                  "End": true}
        }})
    };
    let input = json!([1, 2, 3, 4]);
    assert_eq!(
        error(&run(definition(1), input.clone())),
        "States.ExceedToleratedFailureThreshold"
    );
    let report = run(definition(2), input);
    assert_eq!(output(&report)[0], json!(1));
    assert_eq!(output(&report)[2]["Error"], "TooBig");
}

#[test]
fn item_reader_is_not_supported_locally() {
    let report = run(
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                                                "Parameters": {"Bucket": "b", "Key": "k"}},
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                  "End": true}
        }}),
        json!({}),
    );
    assert!(
        matches!(&report.outcome, Outcome::Failed { error: Some(error), cause: Some(cause) }
        if error == "States.Runtime" && cause.contains("not supported locally"))
    );
}

#[test]
fn jsonata_states() {
    let report = run(
        json!({"QueryLanguage": "JSONata", "StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"limit": "{% $states.input.limit %}"}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [
                {"Condition": "{% $states.input.value > $limit %}", "Next": "High",
                 "Output": {"level": "high"}}],
                "Default": "Low"},
            "High": {"Type": "Pass", "Output": {"msg": "{% $states.input.level & '!' %}", "n": "{% $limit * 2 %}"},
                     "End": true},
            "Low": {"Type": "Succeed"}
        }}),
        json!({"limit": 5, "value": 9}),
    );
    assert_eq!(output(&report), json!({"msg": "high!", "n": 10}));
}

#[test]
fn jsonata_errors_are_never_ignored() {
    let report = run(
        json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Output": "{% $states.input.missing %}", "End": true}
        }}),
        json!({}),
    );
    assert_eq!(error(&report), "States.QueryEvaluationError");
}

#[test]
fn jsonata_task_arguments_output_and_catch() {
    let report = run_with(
        json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Arguments": {"FunctionName": "work", "Payload": {"v": "{% $states.input.v %}"}},
                  "Output": "{% $states.result.Payload.v + 1 %}",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops",
                             "Output": {"caught": "{% $states.errorOutput.Error %}"}}],
                  "End": true},
            "Oops": {"Type": "Pass", "End": true}
        }}),
        Handlers::new().lambda("work", wfc_engine::dispatch::echo),
        json!({"v": 41}),
    );
    assert_eq!(output(&report), json!(42));
}

#[test]
fn engines_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    // A report (its history too) can be sent to another thread, as before.
    assert_send_sync::<Report>();
    let e = engine(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let e = e.clone();
            std::thread::spawn(move || output(&e.run(json!(i))))
        })
        .collect();
    let outputs: Vec<Value> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(outputs, vec![json!(0), json!(1), json!(2), json!(3)]);
}

#[test]
fn parallel_callbacks_answered_out_of_order_keep_branch_order() {
    let branch = |name: &str| {
        json!({"StartAt": name, "States": {name: {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"MessageBody.$": "$$.Task.Token"}, "End": true}}})
    };
    let e = engine(json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": true, "Branches": [branch("First"), branch("Second")]}
    }}));
    let mut execution = e.start(json!({}));
    let tasks = execution.pending_tasks();
    assert_eq!(
        tasks
            .iter()
            .map(|t| t.state_name.as_str())
            .collect::<Vec<_>>(),
        ["First", "Second"]
    );
    execution.advance(4.0);
    execution
        .send_task_success(&tasks[1].token, json!("second"))
        .unwrap();
    assert_eq!(execution.pending_tasks().len(), 1);
    execution.advance(2.0);
    let outcome = execution
        .send_task_success(&tasks[0].token, json!("first"))
        .unwrap();
    assert_eq!(
        outcome,
        &Outcome::Succeeded {
            output: json!(["first", "second"])
        }
    );
    assert_eq!(execution.duration(), secs(6));
}

#[test]
fn jsonata_map_items_and_item_selector() {
    let report = run(
        json!({"QueryLanguage": "JSONata", "StartAt": "M", "States": {
            "M": {"Type": "Map", "Items": "{% $states.input.xs %}",
                  "ItemSelector": {"i": "{% $states.context.Map.Item.Index %}",
                                   "v": "{% $states.context.Map.Item.Value * 10 %}"},
                  "ItemProcessor": {"StartAt": "P", "States": {
                      "P": {"Type": "Pass", "Output": "{% $states.input.i + $states.input.v %}", "End": true}}},
                  "Output": {"sum": "{% $sum($states.result) %}"},
                  "End": true}
        }}),
        json!({"xs": [1, 2, 3]}),
    );
    assert_eq!(output(&report), json!({"sum": 63}));
}

#[test]
fn activities_are_answered_with_their_token() {
    let e = engine(json!({"StartAt": "Approve", "States": {
        "Approve": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:approve",
                    "TimeoutSeconds": 300, "End": true}
    }}));
    let mut execution = e.start(json!({"change": 1}));
    let task = execution.pending_tasks().remove(0);
    assert_eq!(task.input, json!({"change": 1}));
    execution.advance(299.0);
    assert!(matches!(execution.outcome(), Outcome::Parked { .. }));
    let outcome = execution.resume().clone();
    assert!(
        matches!(&outcome, Outcome::Failed { error: Some(error), .. } if error == "States.Timeout"),
        "{outcome:?}"
    );
    assert_eq!(execution.duration(), secs(300));
}

// ---------------------------------------------------------------------------------------------
// Issue 12: where AWS's recorded behaviour differs from the documents, AWS decides.
// "LocalStack" below is github.com/localstack/localstack: its tests under
// tests/aws/services/stepfunctions/ are recorded against real AWS (`*.snapshot.json`).
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn failure(report: &Report) -> (Option<String>, Option<String>) {
    match &report.outcome {
        Outcome::Failed { error, cause } => (error.clone(), cause.clone()),
        other => panic!("expected failure, got {other:?}"),
    }
}

/// A wildcard or slice that selects nothing is an empty list in a payload template, not a
/// failure, even when the field before the wildcard is missing. Source: issue 12's replay of
/// executions recorded on AWS (`$.items[*]`, `$.items[1:]`, `$.items[:1]`,
/// `$.item.items[1:5].x` give `[]`).
#[test]
fn indefinite_paths_that_select_nothing_are_empty_lists() {
    let report = run_with(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Parameters": {
                    "all.$": "$.items[*]", "tail.$": "$.items[1:]", "head.$": "$.items[:1]",
                    "deep.$": "$.item.items[1:5].x", "none.$": "$.missing[*]"},
                  "Next": "T"},
            "T": {"Type": "Task", "Resource": FN,
                  "ResultSelector": {"r.$": "$.list[*].v", "gone.$": "$.nothing[0:2]",
                                     "kept.$": "$.all", "deep.$": "$.deep"},
                  "End": true}
        }}),
        Handlers::new().lambda("work", |r: &TaskRequest| {
            let mut out = r.payload.clone();
            out["list"] = json!([]);
            TaskOutcome::Succeeded(out)
        }),
        json!({"items": [], "item": {"other": 1}}),
    );
    assert_eq!(
        output(&report),
        json!({"r": [], "gone": [], "kept": [], "deep": []})
    );
}

/// A reference path that selects nothing, in a payload template or an intrinsic argument, fails
/// the execution with `States.Runtime` (not the Spec's `States.ParameterPathFailure` or
/// `States.IntrinsicFailure`), which no `States.ALL` catcher handles. Sources: LocalStack
/// tests/aws/services/stepfunctions/templates/scenarios/statemachines/
/// invalid_jsonpath_in_string_expr_jsonpath.json5 and invalid_jsonpath_in_string_expr_contextpath.json5
/// (Parameters `"value.$": "$.no_such_jsonpath"` / `"$$.Execution.Input.no_such_jsonpath"`,
/// recorded in v2/scenarios/test_base_scenarios.snapshot.json); AWS executions quoted in
/// engine/DIFFERENCES.md (`States.Runtime`, "The JSONPath '…' specified for the field '…' could
/// not be found in the input '…'", and for an intrinsic argument "The JsonPath argument for the
/// field '…' could not be found in the input '…'").
#[test]
fn reference_paths_that_select_nothing_fail_with_states_runtime() {
    let definition = |state: Value| {
        json!({"StartAt": "S", "States": {
            "S": state,
            "Caught": {"Type": "Pass", "End": true}
        }})
    };
    let catch = json!([{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]);
    let cases = [
        json!({"Type": "Pass", "Parameters": {"value.$": "$.no_such_field"}, "Catch": catch, "Next": "Caught"}),
        json!({"Type": "Pass", "Parameters": {"value.$": "$$.Execution.Inputx"}, "Next": "Caught"}),
        json!({"Type": "Pass", "Parameters": {"value.$": "States.Format('{}', $.no_such_field)"}, "Next": "Caught"}),
        json!({"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}],
               "ResultSelector": {"value.$": "$.no_such_field"}, "Catch": catch, "Next": "Caught"}),
        json!({"Type": "Map", "ItemsPath": "$.list", "ItemSelector": {"value.$": "$.no_such_field"},
               "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
               "Catch": catch, "Next": "Caught"}),
    ];
    for state in cases {
        let report = run(definition(state.clone()), json!({"list": [1]}));
        let (error, cause) = failure(&report);
        assert_eq!(error.as_deref(), Some("States.Runtime"), "{state}");
        let cause = cause.unwrap_or_default();
        assert!(
            cause.contains("could not be found in the input"),
            "{state}: {cause}"
        );
    }
}

/// A Fail state without `Error` / `Cause` ends the execution with neither: AWS's
/// `executionFailedEventDetails` is `{}` and DescribeExecution has no `error`/`cause`. Source:
/// LocalStack tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json,
/// `TestSnfBase::test_state_fail_empty` (template base/statemachines/raise_empty_failure.json5).
#[test]
fn a_fail_state_without_error_or_cause_ends_with_neither() {
    let report = engine(json!({"StartAt": "F", "States": {"F": {"Type": "Fail"}}}))
        .with_options(Options {
            history: true,
            ..Options::default()
        })
        .run(json!({}));
    assert_eq!(failure(&report), (None, None));
    assert_eq!(
        report.outcome.error_output(),
        Some(json!({"Error": null, "Cause": null}))
    );
    let failed = report.history.last().unwrap().to_json();
    assert_eq!(failed["type"], "ExecutionFailed");
    assert_eq!(failed["executionFailedEventDetails"], json!({}));
    let report = run(
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Only"}}}),
        json!({}),
    );
    assert_eq!(failure(&report), (Some("Only".into()), None));
}

/// `MaxConcurrencyPath`, `ToleratedFailureCountPath` and `ToleratedFailurePercentagePath` are
/// reference paths, and a reference path may start at a variable. Source: AWS Step Functions
/// Developer Guide, workflow-variables.html (variables are referenced as `$name` in JSONPath
/// fields) and state-map-distributed.html (the `…Path` fields take a reference path).
#[test]
fn variables_in_map_concurrency_and_tolerance_paths() {
    let definition = |count: u64| {
        json!({"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"limits": {"c": 1, "n": count, "p": 50}}, "Next": "M"},
            "M": {"Type": "Map", "MaxConcurrencyPath": "$limits.c",
                  "ToleratedFailureCountPath": "$limits.n",
                  "ToleratedFailurePercentagePath": "$limits.p",
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "C", "States": {
                      "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "Bad"}],
                            "Default": "Good"},
                      "Bad": {"Type": "Fail", "Error": "TooBig"},
                      "Good": {"Type": "Succeed"}}},
                  "End": true}
        }})
    };
    let report = run(definition(1), json!([1, 2, 3]));
    assert_eq!(output(&report)[2]["Error"], "TooBig");
    let report = run(definition(0), json!([1, 2, 3]));
    assert_eq!(error(&report), "States.ExceedToleratedFailureThreshold");
}

/// A tolerated failure percentage over 100 fails the execution with `States.Runtime`. Source:
/// LocalStack templates/scenarios/statemachines/map_state_tolerated_failure_percentage_path.json5
/// (run on AWS with out-of-range values), and the Developer Guide, state-map-distributed.html:
/// the percentage is "between 0 and 100".
#[test]
fn tolerated_failure_percentage_path_over_100_is_a_runtime_error() {
    let report = run(
        json!({"StartAt": "M", "States": {
            "M": {"Type": "Map", "ItemsPath": "$.Items",
                  "ToleratedFailurePercentagePath": "$.ToleratedFailurePercentage",
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "H", "States": {"H": {"Type": "Pass", "End": true}}},
                  "End": true}
        }}),
        json!({"Items": [1], "ToleratedFailurePercentage": 101}),
    );
    assert_eq!(error(&report), "States.Runtime");
}

/// JSONata `Wait.Timestamp` must be an RFC 3339 timestamp with `T` and a zone; anything else is
/// `States.QueryEvaluationError`. Sources: Developer Guide, state-wait.html ("Timestamps must
/// conform to the RFC3339 profile of ISO 8601, with the further restrictions that an uppercase T
/// must separate the date and the time portions, and an uppercase Z must denote that a numeric
/// time zone offset is not present"); issue 12's replay of AWS executions (the error name).
#[test]
fn jsonata_wait_timestamps_must_be_rfc3339() {
    for bad in [
        "2016-03-14 01:59:00Z",
        "2016-03-14T01:59:00",
        "20160314T01:59:00Z",
        "2016-02-30T01:59:00Z",
        "2016-03-14T25:59:00Z",
        "not a date",
    ] {
        let report = run(
            json!({"QueryLanguage": "JSONata", "StartAt": "W", "States": {
                "W": {"Type": "Wait", "Timestamp": "{% $states.input.t %}", "End": true}
            }}),
            json!({"t": bad}),
        );
        assert_eq!(error(&report), "States.QueryEvaluationError", "{bad}");
    }
    let report = run(
        json!({"QueryLanguage": "JSONata", "StartAt": "W", "States": {
            "W": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "End": true}
        }}),
        json!({}),
    );
    assert!(matches!(report.outcome, Outcome::Succeeded { .. }));
}

/// Only a string that starts with `{%` and ends with `%}` is an expression; `"Output": null` is
/// the output `null`; a JSONata sequence of one value is that value. Sources: Developer Guide,
/// transforming-data.html ("JSONata expressions … enclosed in `{%` `%}`"); issue 12's replay of
/// AWS executions (`" {% … %} "` kept as text, `null` output, `$range(1, 9, 9)` is `1`).
#[test]
fn jsonata_expression_delimiters_null_output_and_singleton_sequences() {
    let pass = |output: Value| {
        run(
            json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
                "P": {"Type": "Pass", "Output": output, "End": true}
            }}),
            json!({"a": 1}),
        )
    };
    assert_eq!(
        output(&pass(json!(" {% $states.input %} "))),
        json!(" {% $states.input %} ")
    );
    assert_eq!(output(&pass(Value::Null)), Value::Null);
    assert_eq!(output(&pass(json!("{% $range(1, 9, 9) %}"))), json!(1));
    assert_eq!(
        output(&pass(json!("{% $range(1, 3, 1) %}"))),
        json!([1, 2, 3])
    );
}

/// A bracketed key with escaped quotes or backslashes selects the key with the unescaped name,
/// wherever a path is read. Source: LocalStack tests/aws/services/stepfunctions/templates/
/// scenarios/statemachines/escape_sequences_jsonpath.json5 (`"value.$": "$['Test\\\"…']"`, run
/// on AWS) and issue 12's replay of AWS-recorded executions.
#[test]
fn bracket_keys_with_escapes_select_the_unescaped_name() {
    let report = run(
        json!({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "InputPath": "$['in\\\\put']",
                  "Parameters": {"quote.$": "$['Test\\\"Name']", "slash.$": "$['a\\\\b']",
                                 "dq.$": "$[\"Test\\\"Name\"]",
                                 "fn.$": "States.Array($['a\\\\b'])"},
                  "ResultPath": "$['out\\\"put']", "OutputPath": "$['out\\\"put']", "End": true}
        }}),
        json!({"in\\put": {"Test\"Name": 1, "a\\b": 2}}),
    );
    assert_eq!(
        output(&report),
        json!({"quote": 1, "slash": 2, "dq": 1, "fn": [2]})
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 15 (engine speed): the compiled fast paths keep AWS's behaviour. Each test below runs a
// corner that a fast path (carried sizes, items moved out of the input, iterations run one by
// one, typed history) could get wrong.

fn with_history(definition: Value, history: bool) -> Engine {
    engine(definition).with_options(Options {
        history,
        ..Options::default()
    })
}

/// Every state output counts against the 256 KiB payload quota, history on or off, even when
/// a Map iteration's input (which is not checked on its own) is handed on by a plain Pass.
/// AWS: "Maximum input or output size for a task, state, or execution: 256 KiB of data as a
/// UTF-8 encoded string" (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
#[test]
fn an_oversized_map_item_fails_its_plain_pass_with_history_on_and_off() {
    // ItemSelector doubles a 140,000-character item: the iteration's input is over the quota,
    // and the plain Pass that hands it on fails.
    let direct = json!({"StartAt": "Fan", "States": {
        "Fan": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                "ItemSelector": {"v.$": "States.Format('{}{}', $$.Map.Item.Value, $$.Map.Item.Value)"},
                "ItemProcessor": {"StartAt": "Body", "States": {"Body": {"Type": "Pass", "End": true}}}},
    }});
    for history in [false, true] {
        let report =
            with_history(direct.clone(), history).run(json!({ "items": ["y".repeat(140_000)] }));
        let Outcome::Failed { error, cause } = &report.outcome else {
            panic!("expected failure, got {:?}", report.outcome)
        };
        assert_eq!(
            error.as_deref(),
            Some("States.DataLimitExceeded"),
            "history {history}"
        );
        assert!(
            cause
                .as_deref()
                .unwrap_or_default()
                .contains("the output of state 'Body'"),
            "history {history}: {cause:?}"
        );
    }
}

/// A Map's output is its iterations' outputs in an array; its size is counted exactly (the
/// array's brackets and commas around the measured outputs): at the quota it passes, one byte
/// over it fails, and the cause gives the size. Quota: see the test above.
#[test]
fn a_map_output_at_the_quota_passes_and_one_byte_more_fails() {
    // Three iterations, each `"<L characters>"`: the array is 2 + 3 (L + 2) + 2 = 3L + 10 bytes.
    let map = |len: usize| {
        json!({"StartAt": "Fan", "States": {
            "Fan": {"Type": "Map", "End": true,
                    "ItemProcessor": {"StartAt": "Body", "States": {
                        "Body": {"Type": "Pass", "Result": "z".repeat(len), "End": true}}}},
        }})
    };
    let at_quota = (262_144 - 10) / 3;
    assert_eq!(3 * at_quota + 10, 262_144);
    for history in [false, true] {
        let report = with_history(map(at_quota), history).run(json!([1, 2, 3]));
        assert_eq!(output(&report).as_array().map(Vec::len), Some(3));
        let report = with_history(map(at_quota + 1), history).run(json!([1, 2, 3]));
        let Outcome::Failed { error, cause } = &report.outcome else {
            panic!("expected failure, got {:?}", report.outcome)
        };
        assert_eq!(error.as_deref(), Some("States.DataLimitExceeded"));
        assert_eq!(
            cause.as_deref(),
            Some("the output of state 'Fan' is 262147 bytes, more than the 262144-byte payload quota")
        );
    }
}

/// A Map may move its items out of its input only when nothing reads the input again. With a
/// `ResultPath`, the output is the input with the result placed in it; with a Catch, the
/// catcher's `ResultPath` places the error in the input as it was; with a Retry, the retried
/// attempt sees all the items. (ResultPath and Catch: https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultpath.html,
/// https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html.)
#[test]
fn a_map_keeps_its_input_for_result_path_catch_and_retry() {
    let body = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Boom"}],
                  "Default": "Ok"},
        "Boom": {"Type": "Fail", "Error": "Two", "Cause": "item 2"},
        "Ok": {"Type": "Pass", "End": true},
    }});
    let input = json!({"items": [1, 3], "keep": "me"});
    let placed = run(
        json!({"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "ItemsPath": "$.items",
            "ResultPath": "$.out", "ItemProcessor": body.clone(), "End": true}}}),
        input.clone(),
    );
    assert_eq!(
        output(&placed),
        json!({"items": [1, 3], "keep": "me", "out": [1, 3]})
    );
    let caught = run(
        json!({"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": body.clone(),
            "Catch": [{"ErrorEquals": ["Two"], "ResultPath": "$.error", "Next": "Done"}], "End": true},
            "Done": {"Type": "Pass", "End": true}}}),
        json!({"items": [1, 2, 3], "keep": "me"}),
    );
    assert_eq!(
        output(&caught),
        json!({"items": [1, 2, 3], "keep": "me", "error": {"Error": "Two", "Cause": "item 2"}})
    );
    // The retried attempt runs every item again (the failure is retried, then caught).
    let retried = engine(json!({"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": body,
            "Retry": [{"ErrorEquals": ["Two"], "MaxAttempts": 1, "IntervalSeconds": 1}],
            "Catch": [{"ErrorEquals": ["Two"], "ResultPath": "$.error", "Next": "Done"}], "End": true},
            "Done": {"Type": "Pass", "End": true}}}))
    .with_options(Options {
        history: true,
        ..Options::default()
    })
    .run(json!({"items": [1, 2], "keep": "me"}));
    assert_eq!(
        output(&retried)["items"],
        json!([1, 2]),
        "the catcher sees the input as it was"
    );
    let started: Vec<u64> = retried
        .history
        .iter()
        .filter(|e| e.kind == "MapIterationStarted")
        .map(|e| {
            e.to_json()["mapIterationStartedEventDetails"]["index"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(started, [0, 1, 0, 1], "both attempts run both items");
    assert_eq!(retried.duration, secs(1));
}

/// A Map whose iterations never wait runs them one after the other; the history is the one its
/// futures gave: per iteration, `MapIterationStarted`, the states' events, then
/// `MapIterationSucceeded`, each chained to the event before it in that iteration, and with
/// `MaxConcurrency` the same. (Event types: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html.)
#[test]
fn a_synchronous_map_records_each_iteration_in_order() {
    for max in [0, 1] {
        let report = with_history(
            json!({"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "MaxConcurrency": max, "End": true,
                "ItemProcessor": {"StartAt": "Body", "States": {"Body": {"Type": "Pass", "End": true}}}}}}),
            true,
        )
        .run(json!([{"i": 1}, {"i": 2}]));
        let events: Vec<Value> = report.history.iter().map(|e| e.to_json()).collect();
        let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            [
                "ExecutionStarted",
                "MapStateEntered",
                "MapStateStarted",
                "MapIterationStarted",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "MapIterationStarted",
                "PassStateEntered",
                "PassStateExited",
                "MapIterationSucceeded",
                "MapStateSucceeded",
                "MapStateExited",
                "ExecutionSucceeded"
            ]
        );
        assert_eq!(
            events[7]["mapIterationStartedEventDetails"],
            json!({"name": "Fan", "index": 1})
        );
        assert_eq!(
            events[7]["previousEventId"], 3,
            "an iteration chains to MapStateStarted"
        );
        assert_eq!(events[8]["stateEnteredEventDetails"]["input"], r#"{"i":2}"#);
        assert_eq!(events[9]["stateExitedEventDetails"]["output"], r#"{"i":2}"#);
        assert_eq!(
            events[12]["stateExitedEventDetails"]["output"],
            r#"[{"i":1},{"i":2}]"#
        );
    }
}

/// The history reads as a slice of events (`iter`, `len`, `[i]`, `for … in &history`), the same
/// from `Report::history` as from `Execution::history`, and the same for the same seed.
#[test]
fn the_history_reads_the_same_from_a_report_an_execution_and_a_second_run() {
    let definition = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()"}, "Next": "B"},
        "B": {"Type": "Pass", "Next": "C"},
        "C": {"Type": "Pass", "End": true}
    }});
    let engine = with_history(definition, true);
    let report = engine.run(json!({}));
    let again = engine.run(json!({}));
    let execution = engine.start(json!({}));
    let as_json = |events: &[wfc_engine::HistoryEvent]| -> Vec<Value> {
        events.iter().map(|e| e.to_json()).collect()
    };
    assert_eq!(as_json(&report.history), as_json(&again.history));
    assert_eq!(as_json(&report.history), as_json(&execution.history()));
    let mut count = 0;
    for event in &report.history {
        assert_eq!(event.id, count + 1);
        count += 1;
    }
    assert_eq!(count as usize, report.history.len());
    // B and C hand A's output on: the same text in each of their events.
    let id = report.history[2].details.as_ref().unwrap().1["output"].clone();
    assert!(id.as_str().is_some_and(|t| t.contains("\"id\"")), "{id}");
    for i in [3, 4, 5, 6, 7] {
        let details = &report.history[i].details.as_ref().unwrap().1;
        assert_eq!(details.get("input").or(details.get("output")), Some(&id));
    }
}

/// A transition to a state that does not exist fails when it is taken (AWS refuses such a
/// definition; locally it is `States.Runtime`, and a run that never takes it is unaffected).
#[test]
fn a_transition_to_a_missing_state_fails_only_when_taken() {
    let definition = json!({"StartAt": "Pick", "States": {
        "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "Done"}],
                 "Default": "Nowhere"},
        "Done": {"Type": "Succeed"}
    }});
    assert_eq!(
        output(&run(definition.clone(), json!({"go": true}))),
        json!({"go": true})
    );
    let report = run(definition, json!({"go": false}));
    let Outcome::Failed { error, cause } = &report.outcome else {
        panic!("expected failure, got {:?}", report.outcome)
    };
    assert_eq!(error.as_deref(), Some("States.Runtime"));
    assert_eq!(
        cause.as_deref(),
        Some("the state machine has no state named 'Nowhere'")
    );
}

/// Stepped executions (`Options::stepped`): the caller moves the clock with `run_until`, so that
/// several executions and a simulated world share one clock (`wfc drill`); nothing runs past it,
/// not even after an answered task token.
#[test]
fn a_stepped_execution_never_runs_past_the_callers_clock() {
    let start = wfc_engine::DEFAULT_START_TIME;
    let engine = engine(json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 30, "Next": "T"},
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
              "Parameters": {"FunctionName": "work", "Payload": {"token.$": "$$.Task.Token"}},
              "Next": "W2"},
        "W2": {"Type": "Wait", "Seconds": 10, "End": true}
    }}))
    .with_handlers(Handlers::new().lambda("work", wfc_engine::dispatch::echo))
    .with_options(Options {
        stepped: true,
        ..Options::default()
    });
    let mut execution = engine.start(json!({}));
    assert_eq!(execution.now(), start, "started, not run on");
    assert!(!execution.is_complete());
    execution.run_until(start + 10_000);
    assert_eq!(execution.now(), start + 10_000);
    assert!(execution.pending_tasks().is_empty(), "still waiting in W");
    execution.run_until(start + 31_000);
    let token = execution.pending_tasks()[0].token.clone();
    execution
        .send_task_success(&token, json!({"ok": true}))
        .unwrap();
    assert_eq!(
        execution.now(),
        start + 31_000,
        "the answer does not run W2 on"
    );
    assert!(!execution.is_complete());
    execution.run_until(start + 45_000);
    assert!(execution.is_complete());
    assert_eq!(execution.outcome().status(), "SUCCEEDED");
    assert_eq!(execution.now(), start + 41_000, "ended when W2 did");
}
