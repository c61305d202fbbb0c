//! `wfc events match|test`, and the compiled rules checked against the workflows they start: every
//! input a rule's transformer builds from a real-shaped event fits the workflow's input schema.

use serde_json::{json, Value};
use std::process::{Command, Output};
use wfc_events::{InputTransformer, Pattern};

fn wfc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wfc"))
        .args(args)
        .output()
        .unwrap()
}

const ALARM_EVENT: &str = "examples/woocommerce/events/primary-db-alarm.json";

fn scratch(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("wfc-events-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn match_prints_true_or_false_and_refuses_invalid_patterns() {
    // Matching inside the alarm's array of metric objects.
    let inside = scratch(
        "inside.json",
        r#"{"detail":{"configuration":{"metrics":{"metricStat":{"metric":{"namespace":["AWS/RDS"]}}}}}}"#,
    );
    let out = wfc(&[
        "events",
        "match",
        "--pattern",
        &inside,
        "--event",
        ALARM_EVENT,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "true");

    let other = scratch("other.json", r#"{"detail":{"state":{"value":["OK"]}}}"#);
    let out = wfc(&[
        "events",
        "match",
        "--pattern",
        &other,
        "--event",
        ALARM_EVENT,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "false");

    let invalid = scratch(
        "invalid.json",
        r#"{"detail":{"value":[{"numeric":[">", "x"]}]}}"#,
    );
    let out = wfc(&[
        "events",
        "match",
        "--pattern",
        &invalid,
        "--event",
        ALARM_EVENT,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("detail.value[0].numeric"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn test_lists_the_matching_rules_and_what_their_targets_receive() {
    let out = wfc(&["events", "test", "--event", ALARM_EVENT]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("rule woo-failover-primary-alarm-forward (us-east-1) matches"));
    assert!(stdout.contains("rule woo-failover-primary-alarm (us-west-2) matches"));
    assert!(
        stdout.contains(r#""incident_id":"alarm-woo-use1-db-down-2026-11-26T03:04:40.989+0000""#)
    );
    assert!(!stdout.contains("database-event"), "{stdout}");

    let quiet = scratch(
        "ok.json",
        r#"{"source":"aws.cloudwatch","detail-type":"CloudWatch Alarm State Change","region":"us-east-1","detail":{"alarmName":"woo-use1-db-down","state":{"value":"OK"}}}"#,
    );
    let out = wfc(&["events", "test", "--event", &quiet]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no rule matches"));
}

/// Applies `rule`'s first target's transformer to `event`.
fn target_input(rule: &Value, event: &Value) -> Value {
    let transformer: InputTransformer =
        serde_json::from_value(rule["Targets"][0]["InputTransformer"].clone()).unwrap();
    serde_json::from_str(&transformer.apply(event).unwrap()).unwrap()
}

fn schema_of(workflow: &str, stack: &wfc_stack::Stack) -> jsonschema::Validator {
    let compiled = wfc_workflows::build(workflow, stack).unwrap().unwrap();
    jsonschema::validator_for(&compiled.input_schema.unwrap()).unwrap()
}

#[test]
fn every_rule_builds_an_input_its_workflow_accepts() {
    let stack = wfc_stack::Stack::load(wfc_workflows::EXAMPLE_STACK).unwrap();
    let rules = wfc_workflows::woocommerce::rules::rules(&stack);
    let failover = schema_of("failover", &stack);
    let alarm: Value =
        serde_json::from_str(&std::fs::read_to_string(ALARM_EVENT).unwrap()).unwrap();
    let rds = json!({
        "version": "0", "id": "r1", "detail-type": "RDS DB Instance Event", "source": "aws.rds",
        "account": "123456789012", "time": "2026-11-26T03:05:00Z", "region": "us-east-1",
        "resources": ["arn:aws:rds:us-east-1:123456789012:db:woo-db-use1"],
        "detail": {"EventCategories": ["failure"], "SourceType": "DB_INSTANCE",
                   "SourceIdentifier": "woo-db-use1", "EventID": "RDS-EVENT-0031",
                   "Message": "DB instance put into incompatible-restore."}
    });
    for (rule_name, event) in [
        ("woo-failover-primary-alarm", &alarm),
        ("woo-failover-database-event", &rds),
    ] {
        let rule = rules
            .iter()
            .find(|r| r["Rule"]["Name"] == rule_name)
            .unwrap();
        let pattern = Pattern::parse(rule["Rule"]["EventPattern"].as_str().unwrap()).unwrap();
        assert!(pattern.matches(event), "{rule_name}");
        let request = target_input(rule, event);
        let errors: Vec<String> = failover
            .iter_errors(&request["input"])
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{rule_name}: {errors:?}\n{request}");
        // The same event twice gives the same incident, hence the same execution name.
        assert_eq!(target_input(rule, event), request);
        let retry = &rule["Targets"][0]["RetryPolicy"];
        assert_eq!(retry["MaximumRetryAttempts"], 8);
        assert!(rule["Targets"][0]["DeadLetterConfig"]["Arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:sqs:us-west-2:"));
    }
    // A replica event on the DR side matches; the same id on the primary does not.
    let rule = rules
        .iter()
        .find(|r| r["Rule"]["Name"] == "woo-failover-database-event")
        .unwrap();
    let pattern = Pattern::parse(rule["Rule"]["EventPattern"].as_str().unwrap()).unwrap();
    let mut stopped = rds.clone();
    stopped["detail"]["SourceIdentifier"] = json!("woo-db-usw2");
    stopped["detail"]["EventID"] = json!("RDS-EVENT-0045");
    assert!(pattern.matches(&stopped));
    stopped["detail"]["SourceIdentifier"] = json!("woo-db-use1");
    assert!(!pattern.matches(&stopped));

    let schedule = rules
        .iter()
        .find(|r| r["Rule"]["Name"] == "woo-preflight")
        .unwrap();
    assert_eq!(schedule["Rule"]["ScheduleExpression"], "rate(30 minutes)");
    let tick = json!({"version": "0", "id": "s1", "detail-type": "Scheduled Event",
                      "source": "aws.events", "time": "2026-11-26T03:30:00Z",
                      "region": "us-west-2", "resources": [], "detail": {}});
    let input = target_input(schedule, &tick);
    let preflight = schema_of("preflight", &stack);
    assert!(preflight.is_valid(&input), "{input}");
}
