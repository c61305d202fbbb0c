//! The failover of an Aurora global database (examples/woocommerce/stack-aurora.toml) in the local
//! engine, on virtual time. moto has no global clusters, so the activities are stood in; what is
//! tested is the workflow: between polls it waits on a task token, and the completion event's
//! rule (`wake_waiter`, here the test) ends that wait early; without an event the poll comes
//! after the 30 s interval. Either way the poll confirms the database is writable.

use serde_json::{json, Value};
use wfc_compiler::dsl::activity_of_placeholder;
use wfc_engine::dispatch::{Handlers, TaskOutcome, TaskRequest};
use wfc_engine::{Engine, Execution, Options, Outcome};
use wfc_events::{InputTransformer, Pattern};
use wfc_stack::Stack;

fn stack() -> Stack {
    let text = std::fs::read_to_string("examples/woocommerce/stack-aurora.toml").unwrap();
    Stack::load(&text).unwrap_or_else(|e| panic!("{e:?}"))
}

/// What each activity answers: a healthy run where the primary region is down.
fn answer(activity: &str) -> Value {
    match activity {
        "assess_outage" => json!({
            "verdict": "down", "primary_down": true, "checkers_total": 8, "checkers_failing": 8,
            "failing_share": 1.0, "alarm_state": "ALARM", "reason": "8 of 8 checkers fail"}),
        "check_failover_guard" => json!({
            "allowed": true, "reason": "no failover recorded before", "state": null,
            "minutes_since_last_failover": null}),
        "check_replica" => json!({
            "db_instance_id": "woo-usw2", "status": "available", "engine": "aurora-mysql",
            "is_replica": true, "replica_source": null, "backups_enabled": true,
            "backup_retention_days": 7, "backing_up": false, "lag_known": true,
            "lag_seconds": 1.0, "last_known_lag_seconds": 1.0, "lag_detail": "1 s",
            "rpo_verdict": "within_limit", "override_used": false, "promote_allowed": true}),
        "describe_database" => json!({
            "id": "woo-usw2", "status": "available", "available": true, "is_replica": false,
            "replica_source": null, "endpoint": "woo-usw2.cluster-abc.us-west-2.rds.amazonaws.com",
            "port": 3306, "engine": "aurora-mysql"}),
        "register_waiter" => json!({ "woken_by": "registered" }),
        _ => json!({}),
    }
}

fn handlers() -> Handlers {
    let lambda = |request: &TaskRequest| {
        let activity = request
            .function_name
            .as_deref()
            .and_then(activity_of_placeholder)
            .unwrap();
        TaskOutcome::Succeeded(answer(activity))
    };
    Handlers::new()
        .lambda_fallback(lambda)
        .resource("arn:aws:states:::sns:publish", |_: &TaskRequest| {
            TaskOutcome::Succeeded(json!({ "MessageId": "m-1" }))
        })
}

/// Runs the failover; when it waits for the promotion event, `event_after` seconds later the
/// event's rule answers (or never, when `None`). Returns the execution, finished.
fn run(event_after: Option<f64>) -> Execution {
    let compiled = wfc_workflows::build("failover", &stack()).unwrap().unwrap();
    let engine = Engine::new(compiled.machine)
        .with_handlers(handlers())
        .with_options(Options {
            history: true,
            ..Options::default()
        });
    let mut execution = engine.start(json!({
        "incident_id": "INC-7",
        "trigger": {"source": "manual", "name": "oncall", "region": "us-east-1"},
        "time": "2024-01-01T00:00:00Z",
        "rpo_override": null
    }));
    let mut steps = 0;
    while !execution.is_complete() {
        steps += 1;
        assert!(steps < 200, "the run does not end");
        let pending = execution.pending_tasks();
        let approval = pending.iter().find(|t| t.state_name == "Ask for approval");
        let waiter = pending
            .iter()
            .find(|t| t.state_name == "Wait for promotion event");
        if let Some(task) = approval {
            execution
                .send_task_success(&task.token, json!({"approved": true}))
                .unwrap();
        } else if let (Some(task), Some(after)) = (waiter, event_after) {
            let token = task.token.clone();
            execution.advance(after);
            // What `wake_waiter` sends when RDS-EVENT-0238 arrives.
            execution
                .send_task_success(&token, json!({"woken_by": "RDS-EVENT-0238"}))
                .unwrap();
        } else {
            execution.resume();
        }
    }
    execution
}

/// Seconds from entering `from` to entering `to` (their first entries).
fn seconds_between(execution: &Execution, from: &str, to: &str) -> f64 {
    let entered = |name: &str| {
        execution
            .history()
            .iter()
            .find(|e| {
                e.kind.ends_with("StateEntered")
                    && e.details.as_ref().is_some_and(|(_, d)| d["name"] == name)
            })
            .unwrap_or_else(|| panic!("{name} was not entered"))
            .timestamp
    };
    (entered(to) - entered(from)) as f64 / 1000.0
}

#[test]
fn the_completion_event_wakes_the_wait_early_and_the_poll_confirms() {
    let execution = run(Some(4.0));
    assert!(
        matches!(execution.outcome(), Outcome::Succeeded { .. }),
        "{:?}",
        execution.outcome()
    );
    let waited = seconds_between(
        &execution,
        "Wait for promotion event",
        "Describe promoted database",
    );
    assert_eq!(
        waited, 4.0,
        "woken by the event after 4 s, not the 30 s poll"
    );
}

#[test]
fn without_an_event_the_wait_times_out_into_the_poll() {
    let execution = run(None);
    assert!(
        matches!(execution.outcome(), Outcome::Succeeded { .. }),
        "{:?}",
        execution.outcome()
    );
    let waited = seconds_between(
        &execution,
        "Wait for promotion event",
        "Describe promoted database",
    );
    assert_eq!(waited, 30.0);
    let entered_timeout = execution.history().iter().any(|e| {
        e.details
            .as_ref()
            .is_some_and(|(_, d)| d["name"] == "No promotion event yet")
    });
    assert!(entered_timeout);
}

#[test]
fn the_completion_rule_hands_wake_waiter_the_event_and_the_waiter_parameter() {
    let rules = wfc_workflows::woocommerce::rules::rules(&stack());
    let rule = rules
        .iter()
        .find(|r| r["Rule"]["Name"] == "woo-promotion-completed")
        .expect("an Aurora stack has the wake-up rule");
    let event = json!({
        "version": "0", "id": "e1", "detail-type": "RDS DB Cluster Event", "source": "aws.rds",
        "account": "123456789012", "time": "2026-11-26T03:20:00Z", "region": "us-west-2",
        "resources": ["arn:aws:rds:us-west-2:123456789012:cluster:woo-usw2"],
        "detail": {"EventCategories": ["global-failover"], "SourceType": "CLUSTER",
                   "SourceIdentifier": "woo-usw2", "EventID": "RDS-EVENT-0238",
                   "Message": "Global failover to DB cluster woo-usw2 completed."}
    });
    let pattern = Pattern::parse(rule["Rule"]["EventPattern"].as_str().unwrap()).unwrap();
    assert!(pattern.matches(&event));
    let target = &rule["Targets"][0];
    assert_eq!(target["Arn"], "${wake_waiter_function_arn}");
    let transformer: InputTransformer =
        serde_json::from_value(target["InputTransformer"].clone()).unwrap();
    let input: Value = serde_json::from_str(&transformer.apply(&event).unwrap()).unwrap();
    assert_eq!(
        input,
        json!({"parameter_name": "/wfc/woo/waiters/promotion", "event_id": "RDS-EVENT-0238"})
    );
    // The input is what the activity takes.
    let _: wfc_activities::promotion_waiter::WakeWaiterInput =
        serde_json::from_value(input).unwrap();
}
