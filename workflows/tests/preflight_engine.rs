//! The preflight workflow for the example stack, run in the local engine with in-process
//! stand-ins: all well → "Ready" and FailoverReady 1; replica lag over the RPO and a denied
//! permission → "Not ready", FailoverReady 0 and a notification naming both failing checks; the
//! DR database's credentials secret not found → "Not ready" naming that check.

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use wfc_engine::{Engine, Handlers, Options, Outcome, TaskOutcome, TaskRequest};

type Calls = Arc<Mutex<Vec<(String, Value)>>>;

struct World {
    rpo_verdict: &'static str,
    denied: Option<&'static str>,
    /// Route 53 refuses the record lookup.
    records_refused: bool,
    /// Background jobs run in both regions (a failover's old runner came back).
    two_job_runners: bool,
    /// The DR database's credentials secret is not found.
    secret_missing: bool,
    /// The stack description (default: the example).
    stack: &'static str,
}

fn handlers(world: World, calls: &Calls) -> Handlers {
    let record = |calls: &Calls, what: &str, payload: &Value| {
        calls
            .lock()
            .unwrap()
            .push((what.to_string(), payload.clone()));
    };
    let c = calls.clone();
    let verdict = world.rpo_verdict;
    // A self-managed server's backups are not visible over SQL: `check_replica` says none.
    let backups = !world.stack.contains(r#"kind = "self_managed""#);
    let replica = move |r: &TaskRequest| {
        record(&c, "check_replica", &r.payload);
        TaskOutcome::Succeeded(json!({
            "db_instance_id": r.payload["db_instance_id"],
            "status": "available", "engine": "mysql", "is_replica": true,
            "replica_source": "woo-db-use1", "backups_enabled": backups,
            "backup_retention_days": 7, "backing_up": false, "lag_known": true,
            "lag_seconds": if verdict == "within_limit" { 3.0 } else { 900.0 },
            "last_known_lag_seconds": null,
            "lag_detail": if verdict == "within_limit" { "3 s" } else { "900 s" },
            "rpo_verdict": verdict, "override_used": false,
            "promote_allowed": verdict == "within_limit",
        }))
    };
    let media = |_: &TaskRequest| {
        TaskOutcome::Succeeded(json!({
            "source_bucket": "b", "configured": true, "enabled_rules": 1, "metrics_enabled": true,
            "pending_operations": 0.0, "pending_bytes": 0.0, "verdict": "ok",
            "detail": "in sync", "blocking": false,
        }))
    };
    let outage = |_: &TaskRequest| {
        TaskOutcome::Succeeded(json!({
            "verdict": "false_alarm", "primary_down": false, "checkers_total": 16,
            "checkers_failing": 0, "failing_share": 0.0, "alarm_state": null,
            "reason": "every checker reports healthy",
        }))
    };
    let c = calls.clone();
    let notify = move |r: &TaskRequest| {
        record(&c, "notify", &r.payload);
        TaskOutcome::Succeeded(json!({ "delivered": ["sns"] }))
    };
    let refused = world.records_refused;
    let records = move |r: &TaskRequest| {
        if refused {
            return TaskOutcome::failed("Route53.AccessDeniedException", "not authorized");
        }
        let name = r.payload["StartRecordName"].as_str().unwrap_or_default();
        TaskOutcome::Succeeded(json!({
            "ResourceRecordSets": [{ "Name": format!("{name}."), "Type": "A" }],
            "IsTruncated": true, "MaxItems": "1",
        }))
    };
    let groups = |r: &TaskRequest| {
        TaskOutcome::Succeeded(json!({
            "AutoScalingGroups": [{
                "AutoScalingGroupName": r.payload["AutoScalingGroupNames"][0],
                "MinSize": 1, "MaxSize": 8, "DesiredCapacity": 1,
            }],
        }))
    };
    let denied = world.denied;
    let c = calls.clone();
    let simulate = move |r: &TaskRequest| {
        record(&c, "simulate", &r.payload);
        let results: Vec<Value> = r.payload["ActionNames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|action| {
                let decision = if Some(action.as_str().unwrap()) == denied {
                    "implicitDeny"
                } else {
                    "allowed"
                };
                json!({ "EvalActionName": action, "EvalResourceName": "*", "EvalDecision": decision })
            })
            .collect();
        TaskOutcome::Succeeded(json!({ "EvaluationResults": results, "IsTruncated": false }))
    };
    let c = calls.clone();
    let metric = move |r: &TaskRequest| {
        record(&c, "putMetricData", &r.payload);
        TaskOutcome::Succeeded(json!({}))
    };
    let identity = |_: &TaskRequest| {
        TaskOutcome::Succeeded(json!({
            "identical": true,
            "checks": [{ "name": "salts", "ok": true, "detail": "equal" }],
            "ses_production_access": true, "ses_detail": "production access",
            "dr_egress_ips": ["198.51.100.20"], "summary": "identical in both regions",
        }))
    };
    let two = world.two_job_runners;
    let jobs = move |r: &TaskRequest| {
        let regions: Vec<&Value> = r.payload["runners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|runner| &runner["region"])
            .collect();
        let running_in = if two {
            json!(regions)
        } else {
            json!([regions[0]])
        };
        TaskOutcome::Succeeded(json!({
            "running_in": running_in, "exactly_one": !two,
            "detail": if two { "runners run in 2 regions" } else { "one runner" },
        }))
    };
    let secret_missing = world.secret_missing;
    let secret = move |r: &TaskRequest| {
        if secret_missing {
            return TaskOutcome::failed(
                "SecretsManager.ResourceNotFoundException",
                "Secrets Manager can't find the specified secret.",
            );
        }
        TaskOutcome::Succeeded(
            json!({ "ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:woo/prod/db-usw2-AbCdEf", "Name": r.payload["SecretId"] }),
        )
    };
    Handlers::new()
        .lambda("${check_shop_identity_function_arn}", identity)
        .lambda("${check_background_jobs_function_arn}", jobs)
        .lambda("${check_replica_function_arn}", replica)
        .lambda("${check_media_replication_function_arn}", media)
        .lambda("${assess_outage_function_arn}", outage)
        .lambda("${notify_function_arn}", notify)
        .resource("aws-sdk:route53:listResourceRecordSets", records)
        .resource("aws-sdk:autoscaling:describeAutoScalingGroups", groups)
        .resource("aws-sdk:iam:simulatePrincipalPolicy", simulate)
        .resource("aws-sdk:cloudwatch:putMetricData", metric)
        .resource("aws-sdk:secretsmanager:describeSecret", secret)
}

/// Runs preflight; returns the outcome, the Succeed state it ended at, and the recorded calls.
fn run(world: World) -> (Outcome, String, Vec<(String, Value)>) {
    let stack = wfc_stack::Stack::load(world.stack).expect("example stack");
    let compiled = wfc_workflows::woocommerce::preflight::workflow(&stack).expect("compiles");
    let calls: Calls = Arc::default();
    let engine = Engine::new(compiled.machine)
        .with_handlers(handlers(world, &calls))
        .with_options(Options {
            history: true,
            execution_name: Some("preflight-run".into()),
            ..Options::default()
        });
    let report = engine.run(json!({ "time": "2024-01-01T00:00:00Z" }));
    let end = report
        .history
        .iter()
        .rev()
        .filter(|e| e.kind == "SucceedStateEntered")
        .filter_map(|e| e.details.as_ref()?.1["name"].as_str().map(String::from))
        .next()
        .unwrap_or_default();
    let calls = calls.lock().unwrap().clone();
    (report.outcome, end, calls)
}

fn published(calls: &[(String, Value)]) -> Vec<Value> {
    calls
        .iter()
        .filter(|(what, _)| what == "putMetricData")
        .map(|(_, p)| {
            assert_eq!(p["Namespace"], "wfc/woo");
            assert_eq!(p["MetricData"][0]["MetricName"], "FailoverReady");
            assert_eq!(p["MetricData"][0]["Dimensions"][0]["Value"], "woo");
            p["MetricData"][0]["Value"].clone()
        })
        .collect()
}

#[test]
fn all_well_is_ready() {
    let (outcome, end, calls) = run(World {
        rpo_verdict: "within_limit",
        denied: None,
        records_refused: false,
        two_job_runners: false,
        secret_missing: false,
        stack: wfc_workflows::EXAMPLE_STACK,
    });
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert_eq!(end, "Ready");
    assert_eq!(published(&calls), vec![json!(1)]);
    assert!(!calls.iter().any(|(what, _)| what == "notify"));
    let Outcome::Succeeded { output } = outcome else {
        unreachable!()
    };
    let checks = output["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 9);
    assert!(checks.iter().all(|c| c["ok"] == json!(true)), "{checks:#?}");
    assert_eq!(output["failing"], json!([]));
}

#[test]
fn lag_and_a_denied_permission_are_not_ready() {
    let (outcome, end, calls) = run(World {
        rpo_verdict: "too_high",
        denied: Some("rds:PromoteReadReplica"),
        records_refused: false,
        two_job_runners: false,
        secret_missing: false,
        stack: wfc_workflows::EXAMPLE_STACK,
    });
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert_eq!(end, "Not ready");
    assert_eq!(published(&calls), vec![json!(0)]);
    let notified: Vec<&Value> = calls
        .iter()
        .filter(|(what, _)| what == "notify")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(notified.len(), 1);
    let payload = notified[0];
    assert_eq!(payload["event"], "preflight.not_ready");
    assert_eq!(payload["severity"], "warning");
    assert_eq!(payload["incident_id"], "preflight-run");
    let failing = payload["details"]["failing"].as_array().unwrap();
    let names: Vec<&str> = failing
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["replica", "permissions"]);
    assert!(failing.iter().all(|c| c["ok"] == json!(false)));
    assert_eq!(
        failing[1]["detail"]["denied"],
        json!(["rds:PromoteReadReplica"])
    );
    assert_eq!(failing[0]["detail"]["rpo_verdict"], "too_high");
    // One role per activity (issue 14): the denial names the activity whose role lacks it.
    let by_activity = failing[1]["detail"]["by_activity"].as_array().unwrap();
    let denied_to: Vec<&Value> = by_activity
        .iter()
        .filter(|r| r["denied"] != json!([]))
        .collect();
    assert_eq!(
        denied_to,
        [&json!({ "activity": "promote_replica", "denied": ["rds:PromoteReadReplica"] })]
    );
    let roles: Vec<&Value> = calls
        .iter()
        .filter(|(what, _)| what == "simulate")
        .map(|(_, p)| &p["PolicySourceArn"])
        .collect();
    assert_eq!(roles.len(), by_activity.len());
    assert!(
        roles.contains(&&json!("${promote_replica_role_arn}")),
        "{roles:?}"
    );
}

#[test]
fn a_failing_lookup_is_a_failing_check_not_a_failed_run() {
    let (outcome, end, calls) = run(World {
        rpo_verdict: "within_limit",
        denied: None,
        records_refused: true,
        two_job_runners: false,
        secret_missing: false,
        stack: wfc_workflows::EXAMPLE_STACK,
    });
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert_eq!(end, "Not ready");
    assert_eq!(published(&calls), vec![json!(0)]);
    let (_, payload) = calls.iter().find(|(what, _)| what == "notify").unwrap();
    let failing = &payload["details"]["failing"];
    assert_eq!(failing[0]["check"], "records");
    assert_eq!(
        failing[0]["detail"]["Error"],
        "Route53.AccessDeniedException"
    );
}

#[test]
fn background_jobs_in_two_regions_are_not_ready() {
    let (outcome, end, calls) = run(World {
        rpo_verdict: "within_limit",
        denied: None,
        records_refused: false,
        two_job_runners: true,
        secret_missing: false,
        stack: wfc_workflows::EXAMPLE_STACK,
    });
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert_eq!(end, "Not ready");
    assert_eq!(published(&calls), vec![json!(0)]);
    let notified = calls
        .iter()
        .find(|(what, _)| what == "notify")
        .map(|(_, p)| p)
        .expect("notified");
    let failing = notified["details"]["failing"].as_array().unwrap();
    assert_eq!(failing.len(), 1, "{failing:#?}");
    assert_eq!(failing[0]["check"], "background_jobs");
    assert_eq!(
        failing[0]["detail"]["running_in"],
        json!(["us-east-1", "us-west-2"])
    );
}

#[test]
fn a_self_managed_replica_is_ready_without_visible_backups() {
    let (outcome, end, calls) = run(World {
        rpo_verdict: "within_limit",
        denied: None,
        records_refused: false,
        two_job_runners: false,
        secret_missing: false,
        stack: include_str!("../../examples/woocommerce/stack-self-managed.toml"),
    });
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert_eq!(end, "Ready");
    assert_eq!(published(&calls), vec![json!(1)]);
}

#[test]
fn a_missing_dr_database_secret_is_not_ready() {
    let (outcome, end, calls) = run(World {
        rpo_verdict: "within_limit",
        denied: None,
        records_refused: false,
        two_job_runners: false,
        secret_missing: true,
        stack: wfc_workflows::EXAMPLE_STACK,
    });
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert_eq!(end, "Not ready");
    assert_eq!(published(&calls), vec![json!(0)]);
    let (_, payload) = calls.iter().find(|(what, _)| what == "notify").unwrap();
    let failing = payload["details"]["failing"].as_array().unwrap();
    assert_eq!(failing.len(), 1, "{failing:#?}");
    assert_eq!(failing[0]["check"], "database_credentials");
    assert_eq!(
        failing[0]["detail"]["Error"],
        "SecretsManager.ResourceNotFoundException"
    );
}
