//! Preflight's `aws-sdk:` tasks on the world. Step Functions calls the API in the state
//! machine's own region (the DR region); each answer is read from the world at the task's time,
//! takes one control-plane call (`api_call`), and a service error is named as Step Functions
//! names it (`SecretsManager.ResourceNotFoundException`: service, then the exception).

use crate::world::World;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use wfc_engine::dispatch::{Handlers, TaskOutcome, TaskRequest};

/// One API's answer from the world, seen from a region, for the task's parameters.
type Call = fn(&mut World, &str, &Value) -> TaskOutcome;

/// `handlers` with preflight's SDK tasks, answered from `world` as seen from `region`.
pub fn preflight(handlers: Handlers, world: &Arc<Mutex<World>>, region: &str) -> Handlers {
    let calls: [(&str, Call); 6] = [
        ("aws-sdk:secretsmanager:describeSecret", describe_secret),
        ("aws-sdk:cloudwatch:putMetricData", put_metric_data),
        ("aws-sdk:route53:listResourceRecordSets", list_records),
        (
            "aws-sdk:autoscaling:describeAutoScalingGroups",
            describe_groups,
        ),
        ("aws-sdk:ecs:describeServices", describe_services),
        ("aws-sdk:iam:simulatePrincipalPolicy", simulate),
    ];
    calls
        .into_iter()
        .fold(handlers, |handlers, (resource, call)| {
            let world = world.clone();
            let region = region.to_string();
            handlers.resource(resource, move |request: &TaskRequest| {
                let mut w = world.lock().expect("world");
                w.advance_to(request.now);
                let api = w.lat.get("api_call");
                TaskOutcome::after(api, call(&mut w, &region, &request.payload))
            })
        })
}

/// `DescribeSecret`: the secret's metadata, never its value.
fn describe_secret(w: &mut World, region: &str, p: &Value) -> TaskOutcome {
    let id = p["SecretId"].as_str().unwrap_or_default();
    if !w
        .secrets
        .contains_key(&(region.to_string(), id.to_string()))
    {
        w.note(format!("DescribeSecret {id} in {region}: not found"));
        return TaskOutcome::failed(
            "SecretsManager.ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.",
        );
    }
    let account = &w.stack.shop.account_id;
    TaskOutcome::Succeeded(json!({
        "ARN": format!("arn:aws:secretsmanager:{region}:{account}:secret:{id}-drill0"),
        "Name": id,
    }))
}

/// `PutMetricData`: the `FailoverReady` datapoint (the only metric preflight publishes).
fn put_metric_data(w: &mut World, _region: &str, p: &Value) -> TaskOutcome {
    for datum in p["MetricData"].as_array().into_iter().flatten() {
        if datum["MetricName"] == "FailoverReady" {
            w.publish_failover_ready(datum["Value"].as_f64().unwrap_or(0.0));
        }
    }
    TaskOutcome::Succeeded(json!({}))
}

/// `ListResourceRecordSets`: up to `MaxItems` records from `StartRecordName` on, in Route 53's
/// order (by labels read right to left), names lower-case and fully qualified.
fn list_records(w: &mut World, _region: &str, p: &Value) -> TaskOutcome {
    let key = |name: &str| -> Vec<String> {
        let name = name.trim_end_matches('.').to_lowercase();
        name.rsplit('.').map(str::to_string).collect()
    };
    let start = key(p["StartRecordName"].as_str().unwrap_or_default());
    let max: usize = p["MaxItems"]
        .as_str()
        .and_then(|m| m.parse().ok())
        .unwrap_or(300);
    let mut found: Vec<_> = w.records.iter().filter(|r| key(&r.name) >= start).collect();
    found.sort_by_key(|r| key(&r.name));
    let sets: Vec<Value> = found
        .iter()
        .take(max)
        .map(|r| {
            json!({
                "Name": format!("{}.", r.name.trim_end_matches('.').to_lowercase()),
                "Type": r.record_type,
                "SetIdentifier": r.set_identifier,
                "Failover": r.failover,
            })
        })
        .collect();
    TaskOutcome::Succeeded(json!({
        "ResourceRecordSets": sets,
        "IsTruncated": found.len() > max,
        "MaxItems": max.to_string(),
    }))
}

/// `DescribeAutoScalingGroups`: the named groups of the region (an unknown name is left out).
fn describe_groups(w: &mut World, region: &str, p: &Value) -> TaskOutcome {
    let groups: Vec<Value> = names(&p["AutoScalingGroupNames"])
        .filter_map(|name| {
            let asg = w.asgs.get(name).filter(|a| a.region == region)?;
            Some(json!({
                "AutoScalingGroupName": name,
                "MinSize": 0,
                "MaxSize": asg.max,
                "DesiredCapacity": asg.desired,
            }))
        })
        .collect();
    TaskOutcome::Succeeded(json!({ "AutoScalingGroups": groups }))
}

/// `DescribeServices`: the named services of the region (the world keeps ECS services with
/// the groups), an unknown one under `Failures` as `MISSING`.
fn describe_services(w: &mut World, region: &str, p: &Value) -> TaskOutcome {
    let now = w.now;
    let (mut services, mut failures) = (Vec::new(), Vec::new());
    for name in names(&p["Services"]) {
        match w.asgs.get(name).filter(|a| a.region == region) {
            Some(service) => services.push(json!({
                "ServiceName": name,
                "Status": "ACTIVE",
                "DesiredCount": service.desired,
                "RunningCount": service.in_service(now),
            })),
            None => failures.push(json!({ "Arn": name, "Reason": "MISSING" })),
        }
    }
    TaskOutcome::Succeeded(json!({ "Services": services, "Failures": failures }))
}

/// `SimulatePrincipalPolicy`: the world models no IAM, so every action is allowed
/// (drill/DIFFERENCES.md).
fn simulate(_w: &mut World, _region: &str, p: &Value) -> TaskOutcome {
    let results: Vec<Value> = names(&p["ActionNames"])
        .map(|action| {
            json!({ "EvalActionName": action, "EvalResourceName": "*", "EvalDecision": "allowed" })
        })
        .collect();
    TaskOutcome::Succeeded(json!({ "EvaluationResults": results, "IsTruncated": false }))
}

fn names(list: &Value) -> impl Iterator<Item = &str> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}
