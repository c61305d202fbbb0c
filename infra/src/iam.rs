//! Least privilege from the code: an activity's IAM policy is exactly the actions its
//! `Activity::permissions()` declares, on the resource patterns it declares narrowed to the
//! stack's own resources (its instances, clusters, hosted zone, parameters, secrets, topic, web
//! ACLs, schedules). `Resource: "*"` survives only for the actions in [`UNSCOPABLE`].

use serde_json::{json, Value};
use std::collections::BTreeSet;
use wfc_stack::{Database, Stack, Store};
use wfc_workflows::woocommerce::rules;

/// Actions that have no resource type, so IAM accepts only `Resource: "*"` for them. Source: the
/// AWS Service Authorization Reference ("Actions, resources, and condition keys for <service>"),
/// where these actions list no resource type; the Step Functions developer guide says the same of
/// the CloudWatch Logs delivery actions a state machine's logging needs.
pub const UNSCOPABLE: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:PutMetricData",
    "ec2:DescribeNetworkInterfaces",
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
    "ses:GetAccount",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
    "states:SendTaskSuccess",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// The partition of a region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// One `Allow` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub actions: Vec<String>,
    /// ARNs, or intrinsic functions for ARNs only the deployment knows (the key's).
    pub resources: Vec<Value>,
    pub condition: Option<Value>,
}

impl Statement {
    pub fn new(actions: &[&str], resources: Vec<String>) -> Self {
        Self::on(actions, resources.into_iter().map(Value::String).collect())
    }

    pub fn on(actions: &[&str], resources: Vec<Value>) -> Self {
        Statement {
            actions: actions.iter().map(|a| a.to_string()).collect(),
            resources,
            condition: None,
        }
    }

    pub fn with_condition(mut self, condition: Value) -> Self {
        self.condition = Some(condition);
        self
    }

    pub fn to_json(&self) -> Value {
        let mut s = json!({
            "Effect": "Allow",
            "Action": self.actions,
            "Resource": self.resources,
        });
        if let Some(c) = &self.condition {
            s["Condition"] = c.clone();
        }
        s
    }
}

/// A policy document from statements.
pub fn document(statements: &[Statement]) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(Statement::to_json).collect::<Vec<_>>(),
    })
}

/// The trust policy of a role one service assumes, for `source_arn` (ARN pattern) in `account`.
/// Without a source ARN only the account is pinned.
pub fn trust_policy(service: &str, account: &str, source_arn: Option<&str>) -> Value {
    let mut condition = json!({ "StringEquals": { "aws:SourceAccount": account } });
    if let Some(arn) = source_arn {
        condition["ArnLike"] = json!({ "aws:SourceArn": arn });
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole",
            "Condition": condition,
        }],
    })
}

/// The policy statements of an activity's own role in `region`: its declared permissions, each
/// resource narrowed to the stack's resources. Errors name the activity and the action when an
/// action would get `Resource: "*"` but IAM can scope it.
pub fn activity_statements(
    activity: &str,
    permissions: &[wfc_contract::Permission],
    stack: &Stack,
    region: &str,
) -> Result<Vec<Statement>, String> {
    let mut statements = Vec::new();
    for permission in permissions {
        let mut resources = BTreeSet::new();
        for pattern in &permission.resources {
            resources.extend(scope(pattern, stack, region));
        }
        if resources.contains("*") {
            if let Some(action) = permission.actions.iter().find(|a| !UNSCOPABLE.contains(a)) {
                return Err(format!(
                    "activity {activity}: {action} is declared on Resource \"*\", but IAM can scope it \
                     (it is not in wfc_infra::iam::UNSCOPABLE); declare its resource ARN pattern"
                ));
            }
        }
        let mut statement = Statement::new(&permission.actions, resources.into_iter().collect());
        if permission.actions.contains(&"cloudwatch:PutMetricData") {
            // Unscopable by resource; the namespace condition keeps it to the shop's metrics.
            statement = statement.with_condition(json!({
                "StringEquals": { "cloudwatch:namespace": format!("wfc/{}", stack.shop.name) },
            }));
        }
        statements.push(statement);
    }
    Ok(statements)
}

/// A declared resource pattern (with `${Partition}`, `${Region}`, `${Account}`, and `*` for
/// any region or name) as the stack's own ARNs. `${Region}` is the region the role is used in;
/// `*` in the region field means both of the stack's regions. Where the stack names no resource
/// of that type the pattern is kept, pinned to the account and region(s) (never widened).
pub fn scope(pattern: &str, stack: &Stack, region: &str) -> Vec<String> {
    if pattern == "*" {
        return vec!["*".into()];
    }
    let account = &stack.shop.account_id;
    let filled = pattern
        .replace("${Partition}", partition(region))
        .replace("${Account}", account)
        .replace("${Region}", region);
    let parts: Vec<&str> = filled.splitn(6, ':').collect();
    let [_, partition, service, arn_region, _, resource] = parts[..] else {
        return vec![filled];
    };
    let regions: Vec<&str> = if arn_region == "*" {
        stack.regions.keys().map(String::as_str).collect()
    } else {
        vec![arn_region]
    };
    let mut out = Vec::new();
    for r in regions {
        let arn = |resource: &str| format!("arn:{partition}:{service}:{r}:{account}:{resource}");
        let named = names(stack, r, service, resource);
        if named.is_empty() {
            out.push(arn(resource));
        } else {
            out.extend(named.iter().map(|n| {
                // Global services (S3, Route 53, IAM) have no region or account in their ARNs.
                if service == "s3" || service == "route53" {
                    format!("arn:{partition}:{service}:::{n}")
                } else if resource.starts_with("global-cluster:")
                    || resource.starts_with("globalreplicationgroup:")
                {
                    format!("arn:{partition}:{service}::{account}:{n}")
                } else {
                    arn(n)
                }
            }));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The stack's resources (ARN resource parts) in `region` for a declared resource pattern, or
/// nothing when the stack names none of that type.
fn names(stack: &Stack, region: &str, service: &str, resource: &str) -> Vec<String> {
    let site = stack.regions.get(region);
    let mut out = Vec::new();
    match (service, resource) {
        ("rds", "db:*") => {
            if let Some(Database::RdsInstance { instance_id, .. }) = site.map(|s| &s.database) {
                // A retired instance is renamed `<id>-old<N>` (`retire_instance`).
                out.push(format!("db:{instance_id}*"));
            }
        }
        ("rds", "cluster:*") => {
            if let Some(Database::AuroraGlobal { cluster_id, .. }) = site.map(|s| &s.database) {
                out.push(format!("cluster:{cluster_id}"));
            }
        }
        ("rds", "global-cluster:*") => {
            for s in stack.regions.values() {
                if let Database::AuroraGlobal {
                    global_cluster_id, ..
                } = &s.database
                {
                    out.push(format!("global-cluster:{global_cluster_id}"));
                }
            }
        }
        ("rds", "pg:*") => {
            if let Some(Database::RdsInstance {
                parameter_group: Some(group),
                ..
            }) = site.map(|s| &s.database)
            {
                out.push(format!("pg:{group}"));
            }
        }
        ("rds", "subgrp:*") => {
            if let Some(Database::RdsInstance {
                subnet_group: Some(group),
                ..
            }) = site.map(|s| &s.database)
            {
                out.push(format!("subgrp:{group}"));
            }
        }
        ("route53", "hostedzone/*") => out.push(format!("hostedzone/{}", stack.dns.hosted_zone_id)),
        ("route53", "healthcheck/*") => {
            for s in stack.regions.values() {
                out.push(format!("healthcheck/{}", s.health_check_id));
            }
        }
        ("cloudwatch", "alarm:*") => {
            if let Some(s) = site {
                out.extend(s.alarms.iter().map(|a| format!("alarm:{a}")));
            }
            // The DR templates' alarms start the failover too, which reads the one that did.
            let primary = region == stack.shop.primary_region;
            if !primary && site.is_some() {
                out.push(format!("alarm:{}", rules::probe_alarm(stack)));
            }
            if let Some(alarm) = rules::endpoint_down_alarm(stack).filter(|_| primary) {
                out.push(format!("alarm:{alarm}"));
            }
        }
        ("autoscaling", r) if r.starts_with("autoScalingGroup:") => {
            if let Some(wfc_stack::Compute::AutoScalingGroup { name, .. }) =
                site.map(|s| &s.compute)
            {
                out.push(format!("autoScalingGroup:*:autoScalingGroupName/{name}"));
            }
        }
        ("ecs", "service/*/*") => {
            if let Some(s) = site {
                if let wfc_stack::Compute::EcsService {
                    cluster, service, ..
                } = &s.compute
                {
                    out.push(format!("service/{cluster}/{service}"));
                }
                if let wfc_stack::JobRunner::EcsService {
                    cluster, service, ..
                } = &s.background_jobs
                {
                    out.push(format!("service/{cluster}/{service}"));
                }
            }
        }
        ("ssm", "parameter/*") => {
            for name in parameters(stack) {
                out.push(format!("parameter/{}", name.trim_start_matches('/')));
            }
        }
        ("secretsmanager", "secret:*") => {
            out.extend(secrets(stack, region).iter().map(|id| secret_resource(id)));
        }
        // Each region's orchestrator stack has the notification topic, under the same name.
        ("sns", "*") => out.push(topic_name(stack).to_string()),
        ("elasticache", "replicationgroup:*") => {
            if let Some(s) = site {
                out.push(format!("replicationgroup:{}", s.cache.replication_group_id));
            }
        }
        ("s3", "*") => {
            for s in stack.regions.values() {
                out.push(s.media_bucket.clone());
            }
        }
        ("wafv2", "regional/webacl/*/*") => {
            if let Some(s) = site {
                out.push(format!(
                    "regional/webacl/{}/{}",
                    s.write_gate.web_acl_name, s.write_gate.web_acl_id
                ));
            }
        }
        ("scheduler", r) if r.starts_with("schedule/") => {
            if let Some(wfc_stack::JobRunner::Scheduler {
                schedule_name,
                group_name,
            }) = site.map(|s| &s.background_jobs)
            {
                out.push(format!("schedule/{group_name}/{schedule_name}"));
            }
        }
        // Step Functions authorizes a start through a version or an alias by the unqualified
        // state machine ARN (developer guide, "Authorization for versions and aliases").
        ("states", "stateMachine:*") => {
            for workflow in wfc_stack::WORKFLOWS {
                out.push(format!(
                    "stateMachine:{}",
                    stack.state_machine_name(workflow)
                ));
            }
        }
        ("states", "execution:*:*") => {
            for workflow in wfc_stack::WORKFLOWS {
                out.push(format!(
                    "execution:{}:*",
                    stack.state_machine_name(workflow)
                ));
            }
        }
        _ => {}
    }
    out
}

/// The ARN resource part of a secret the stack names by `id` (a name or an ARN).
pub fn secret_resource(id: &str) -> String {
    match id.split_once(":secret:") {
        // Given as an ARN: its name already carries the suffix.
        Some((_, name)) => format!("secret:{name}"),
        // Secrets Manager appends `-` and six random characters to a secret's name.
        None => format!("secret:{id}-??????"),
    }
}

/// The notification topic's name (the last part of `notifications.sns_topic_arn`).
pub fn topic_name(stack: &Stack) -> &str {
    let arn = &stack.notifications.sns_topic_arn;
    arn.rsplit(':').next().unwrap_or(arn)
}

/// Every SSM parameter the stack names (the app's, wfc's state and the promotion waiter).
pub fn parameters(stack: &Stack) -> Vec<String> {
    let mut names = vec![
        stack.app.maintenance_parameter.clone(),
        stack.app.state_parameter.clone(),
        stack.woocommerce.config_parameter.clone(),
        wfc_workflows::woocommerce::waiter_parameter(stack),
    ];
    if stack.app.db_endpoint_store == Store::Ssm {
        names.push(stack.app.db_endpoint_name.clone());
    }
    names.sort();
    names.dedup();
    names
}

/// Every Secrets Manager secret the stack names that lives in `region`.
fn secrets(stack: &Stack, region: &str) -> Vec<String> {
    let mut ids = vec![stack.woocommerce.salts_secret_id.clone()];
    if let Some(webhook) = &stack.notifications.webhook_secret_id {
        ids.push(webhook.clone());
    }
    if stack.app.db_endpoint_store == Store::SecretsManager {
        ids.push(stack.app.db_endpoint_name.clone());
    }
    if let Some(site) = stack.regions.get(region) {
        ids.push(site.db_credentials_secret_id.clone());
        if let Some(token) = &site.cache.auth_token_secret_id {
            ids.push(token.clone());
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Whether an action changes something (anything but a read).
pub fn is_mutating(action: &str) -> bool {
    let name = action.split(':').nth(1).unwrap_or(action);
    !["Describe", "Get", "List", "Simulate"]
        .iter()
        .any(|read| name.starts_with(read))
}
