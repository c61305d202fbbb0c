//! `start_workflow` on moto's Step Functions: a start, the same incident again (a duplicate, not
//! an error, with the first execution's ARN), another incident (a new execution), and a state
//! machine that is not there. And the anti-flap guard over two running executions of one
//! state machine (two alarms of one outage): the one that started first goes on.

use crate::support::*;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use wfc_activities::check_failover_guard::{self, CheckFailoverGuardInput};
use wfc_activities::start_workflow::{self, StartWorkflow, StartWorkflowOutput};
use wfc_activities::validate::parse;
use wfc_lambda::dispatch;

pub fn tests() -> Vec<Trial> {
    trials!["start_workflow": starts_once_per_incident, missing_state_machine,
            guard_lets_the_first_running_execution_go_on]
}

fn sfn() -> aws_sdk_sfn::Client {
    aws_sdk_sfn::Client::new(&env(DR).config(None))
}

/// A state machine that waits (moto's default backend leaves executions RUNNING anyway).
async fn state_machine(name: &str) -> String {
    let definition = json!({
        "StartAt": "Hold",
        "States": {"Hold": {"Type": "Wait", "Seconds": 600, "End": true}}
    });
    sfn()
        .create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn("arn:aws:iam::123456789012:role/wfc-test")
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_string()
}

async fn start(arn: &str, incident: &str) -> StartWorkflowOutput {
    let payload = json!({
        "state_machine_arn": arn,
        "incident_id": incident,
        "input": {"incident_id": incident, "reason": "alarm"},
    });
    // Through the Lambda dispatch, as EventBridge would call it.
    let out = dispatch("start_workflow", payload, &env(DR)).await.unwrap();
    serde_json::from_value(out).unwrap()
}

async fn starts_once_per_incident() {
    let sm = unique("woo-failover");
    let arn = state_machine(&sm).await;
    let incident = format!("INC {}", unique("x"));
    let first = start(&arn, &incident).await;
    assert!(first.started && !first.duplicate, "{first:?}");
    let prefix = sm.rsplit('-').next().unwrap().to_string();
    assert_eq!(
        first.execution_name,
        start_workflow::execution_name(&prefix, &incident)
    );
    assert_eq!(
        first.execution_arn,
        start_workflow::execution_arn(&arn, &first.execution_name).unwrap()
    );
    let described = sfn()
        .describe_execution()
        .execution_arn(&first.execution_arn)
        .send()
        .await
        .unwrap();
    let input: serde_json::Value = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(input["incident_id"], json!(incident));

    // The same incident again (a flapping alarm, a redelivered event): nothing new.
    let again = start(&arn, &incident).await;
    assert!(!again.started && again.duplicate, "{again:?}");
    assert_eq!(again.execution_arn, first.execution_arn);
    assert_eq!(again.execution_name, first.execution_name);

    // Another incident: its own execution.
    let other = start(&arn, &format!("{incident}-b")).await;
    assert!(other.started && !other.duplicate, "{other:?}");
    assert_ne!(other.execution_arn, first.execution_arn);
    let listed = sfn()
        .list_executions()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.executions().len(), 2);
}

async fn missing_state_machine() {
    let input = parse(json!({
        "state_machine_arn": "arn:aws:states:us-west-2:123456789012:stateMachine:woo-nothing",
        "incident_id": "INC-1",
        "input": {},
    }))
    .unwrap();
    let result = start_workflow::run(input, &env(DR).workflows(None)).await;
    assert_error::<StartWorkflow, _>(result, "StateMachineNotFound");
}

async fn guard_lets_the_first_running_execution_go_on() {
    let arn = state_machine(&unique("woo-failover")).await;
    let first = start(&arn, &format!("INC {}", unique("a"))).await;
    let second = start(&arn, &format!("INC {}", unique("b"))).await;
    let parameter = format!("/wfc/{}/state", unique("guard"));
    let guard = |execution_arn: &str| -> CheckFailoverGuardInput {
        parse(json!({
            "parameter_name": parameter, "incident_id": "INC", "expected_active_region": "us-east-1",
            "min_minutes_between_failovers": 60, "now": "2026-11-26T03:00:00Z",
            // As `$$.StateMachine.Id` may name it: with a qualifier (an alias).
            "execution": {"execution_arn": execution_arn, "state_machine_arn": format!("{arn}:live")},
        }))
        .unwrap()
    };
    let config = env(DR).config_store(None);
    let workflows = env(DR).workflows(None);
    // moto stamps startDate to the second: the two may tie, and the name decides.
    let (older, newer) = if first.execution_name < second.execution_name {
        (&first, &second)
    } else {
        (&second, &first)
    };
    let go_on = check_failover_guard::run(guard(&older.execution_arn), &config, &workflows)
        .await
        .unwrap();
    assert!(go_on.allowed, "{}", go_on.reason);
    let stop = check_failover_guard::run(guard(&newer.execution_arn), &config, &workflows)
        .await
        .unwrap();
    assert!(!stop.allowed, "{}", stop.reason);
    assert!(
        stop.reason.contains(&older.execution_name),
        "{}",
        stop.reason
    );
}
