//! `start_workflow` on moto's Step Functions: a start, the same incident again (a duplicate, not
//! an error, with the first execution's ARN), another incident (a new execution), and a state
//! machine that is not there.

use crate::support::*;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use wfc_activities::start_workflow::{self, StartWorkflow, StartWorkflowOutput};
use wfc_activities::validate::parse;
use wfc_lambda::dispatch;

pub fn tests() -> Vec<Trial> {
    trials!["start_workflow": starts_once_per_incident, missing_state_machine]
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
