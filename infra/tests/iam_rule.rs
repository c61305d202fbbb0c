//! Our own IAM rule, on every template of the three example stacks. checkov's `*`-action check
//! misses `rds:*` and cfn-lint passes it (issue 14), so the rule is ours:
//! - no action is `*`, `service:*` or `service:Prefix*`, in any policy (roles, key, queue, topic);
//! - a role's `Resource: "*"` only for actions IAM cannot scope (wfc_infra::iam::UNSCOPABLE,
//!   from the AWS Service Authorization Reference);
//! - each activity's role allows exactly the actions the activity declares
//!   (`Activity::permissions()`), statement by statement.

mod common;

use common::{of_type, templates};
use serde_json::{json, Value};
use wfc_infra::iam::UNSCOPABLE;

/// Every problem of the rule in a template, each naming where.
fn violations(template: &Value) -> Vec<String> {
    let mut found = Vec::new();
    wildcard_actions(template, "", &mut found);
    for (id, role) in of_type(template, "AWS::IAM::Role") {
        for policy in role["Properties"]["Policies"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for (i, s) in policy["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
            {
                let resources = list(&s["Resource"]);
                if resources.iter().any(|r| r == &json!("*")) {
                    for action in list(&s["Action"]) {
                        let action = action.as_str().unwrap_or_default();
                        if !UNSCOPABLE.contains(&action) {
                            found.push(format!(
                                "{id} › {} › Statement[{i}]: {action} on Resource \"*\" but IAM can scope it",
                                policy["PolicyName"]
                            ));
                        }
                    }
                }
            }
        }
    }
    found
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

fn wildcard_actions(v: &Value, at: &str, found: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let here = format!("{at} › {k}");
                if k == "Action" || k == "NotAction" {
                    for a in list(child) {
                        if a.as_str().is_some_and(|a| a.contains('*')) {
                            found.push(format!("{here}: wildcard action {a}"));
                        }
                    }
                }
                wildcard_actions(child, &here, found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                wildcard_actions(child, &format!("{at}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn the_rule_holds_on_every_template() {
    for (label, _, region, template) in templates() {
        let found = violations(&template);
        assert!(found.is_empty(), "{label} {region}:\n{}", found.join("\n"));
    }
}

/// The rule is not vacuous: it finds what checkov and cfn-lint let through.
#[test]
fn the_rule_finds_service_wildcards_and_scopable_star_resources() {
    let template = json!({ "Resources": { "R": {
        "Type": "AWS::IAM::Role",
        "Properties": { "Policies": [{ "PolicyName": "p", "PolicyDocument": { "Statement": [
            { "Effect": "Allow", "Action": ["rds:*"], "Resource": "arn:aws:rds:us-east-1:1:db:x" },
            { "Effect": "Allow", "Action": "rds:Describe*", "Resource": "arn:aws:rds:us-east-1:1:db:x" },
            { "Effect": "Allow", "Action": ["rds:PromoteReadReplica", "cloudwatch:GetMetricStatistics"], "Resource": "*" },
        ] } }] },
    } } });
    let found = violations(&template);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found[0].contains("rds:*"));
    assert!(found[1].contains("rds:Describe*"));
    assert!(found[2].contains("rds:PromoteReadReplica on Resource \"*\""));
}

#[test]
fn each_activity_role_allows_exactly_what_the_activity_declares() {
    let catalog = wfc_activities::catalog::catalog();
    for (label, _, region, template) in templates() {
        for (id, function) in of_type(&template, "AWS::Lambda::Function") {
            let activity = function["Properties"]["Handler"].as_str().unwrap();
            let info = catalog.iter().find(|i| i.name == activity).unwrap();
            let role = function["Properties"]["Role"]["Fn::GetAtt"][0]
                .as_str()
                .unwrap();
            let policies = &template["Resources"][role]["Properties"]["Policies"];
            let own = policies
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["PolicyName"] == "activity")
                .unwrap_or_else(|| panic!("{id}: no activity policy"));
            let allowed: Vec<Vec<Value>> = own["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| list(&s["Action"]))
                .collect();
            let declared: Vec<Vec<Value>> = info
                .permissions
                .iter()
                .map(|p| p.actions.iter().map(|a| json!(a)).collect())
                .collect();
            assert_eq!(allowed, declared, "{label} {region} {role}");
            // Scoped to the account: no resource of another account.
            for s in own["PolicyDocument"]["Statement"].as_array().unwrap() {
                for r in list(&s["Resource"]) {
                    let r = r.as_str().unwrap();
                    assert!(r == "*" || r.starts_with("arn:aws:"), "{role}: {r}");
                    let account = r.split(':').nth(4).unwrap_or("");
                    assert!(
                        account.is_empty() || account == "123456789012",
                        "{role}: {r}"
                    );
                }
            }
            // The other policy is the runtime's: its log group, X-Ray, and for asynchronous
            // functions their dead-letter queue.
            for p in policies.as_array().unwrap() {
                assert!(["activity", "runtime"].contains(&p["PolicyName"].as_str().unwrap()));
            }
        }
    }
}

/// Narrowed to the stack: the RDS example's promote_replica may act on its DR instance only.
#[test]
fn declared_patterns_are_narrowed_to_the_stacks_resources() {
    let (_, _, _, template) = templates()
        .into_iter()
        .find(|(label, _, region, _)| *label == "rds" && region == "us-west-2")
        .unwrap();
    let statements = &template["Resources"]["PromoteReplicaRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"];
    assert_eq!(
        statements[0]["Resource"],
        json!(["arn:aws:rds:us-west-2:123456789012:db:woo-db-usw2*"])
    );
    let switch = &template["Resources"]["SwitchDnsRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"];
    assert_eq!(
        switch[0]["Resource"],
        json!(["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"])
    );
}

/// The failover's assess_outage runs in the DR region and reads the primary region's alarm
/// (workflows/src/woocommerce/failover.rs: `region: primary`): its role must allow
/// DescribeAlarms there, on the alarms the stack names.
#[test]
fn assess_outage_may_read_the_primary_regions_alarms() {
    let (_, stack, _, template) = templates()
        .into_iter()
        .find(|(label, stack, region, _)| *label == "rds" && region == stack.secondary().0)
        .unwrap();
    let statements = &template["Resources"]["AssessOutageRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"];
    let describe = statements
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"] == json!(["cloudwatch:DescribeAlarms"]))
        .unwrap();
    let (primary, site) = stack.primary();
    for alarm in &site.alarms {
        let arn = format!("arn:aws:cloudwatch:{primary}:123456789012:alarm:{alarm}");
        assert!(
            list(&describe["Resource"]).contains(&json!(arn)),
            "{arn} not in {}",
            describe["Resource"]
        );
    }
}
