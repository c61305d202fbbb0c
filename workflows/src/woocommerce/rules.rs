//! The EventBridge rules that start the workflows, in the shape of `PutRule` + `PutTargets`
//! (`wfc compile` writes them to `<out>/events/rules.json`).
//!
//! - CloudWatch alarms and RDS events of the primary region are raised on the primary region's
//!   bus, which may be failing: a rule there forwards them to the DR region's default bus, where
//!   the same pattern starts the failover. Both rules are listed, each with its `Region`.
//! - The failover target is the `start_workflow` function, not the state machine: `PutTargets`
//!   cannot set a Step Functions execution name, and the name, derived from the incident, is what
//!   makes `StartExecution` refuse a second failover for a duplicate event.
//! - Progress events (replication resumed, replica creation failed, Aurora global failover and
//!   switchover steps, write fencing) go to the notification topic.
//! - Aurora only: "global failover completed" and "global switchover finished" run
//!   `wake_waiter`, which ends the workflow's wait between polls early (RDS instances publish no
//!   promotion-completed event, so their promotion is polled).
//! - Preflight runs every 30 minutes from a schedule that targets its state machine directly.
//! - Detection well under a minute (issue 14): every minute a schedule in the DR region runs
//!   `probe_endpoint`, which GETs the primary endpoint six times ten seconds apart and publishes
//!   [`PROBE_METRIC`] at high resolution; the DR template's alarm on it ([`probe_alarm`], 10 s
//!   periods) starts the failover through its own DR-region rule (the alarm is raised on the DR
//!   region's bus: nothing to forward).

use super::Sites;
use serde_json::{json, Value};
use wfc_stack::{Database, Stack};

/// RDS instance events that mean the primary is down (RDS UG, event categories and messages).
const PRIMARY_DOWN: [&str; 6] = [
    "RDS-EVENT-0004",
    "RDS-EVENT-0022",
    "RDS-EVENT-0221",
    "RDS-EVENT-0031",
    "RDS-EVENT-0035",
    "RDS-EVENT-0036",
];
/// Replication stopped or terminated on the DR replica: the primary may be gone.
const REPLICATION_STOPPED: [&str; 2] = ["RDS-EVENT-0045", "RDS-EVENT-0057"];
/// Told to people, never acted on.
const RDS_PROGRESS: [&str; 3] = ["RDS-EVENT-0046", "RDS-EVENT-0202", "RDS-EVENT-0233"];
/// Aurora global switchover (0181–0187), failover (0238, 0239) and write fencing (0390, 0391).
const AURORA_PROGRESS: [&str; 9] = [
    "RDS-EVENT-0181",
    "RDS-EVENT-0184",
    "RDS-EVENT-0185",
    "RDS-EVENT-0186",
    "RDS-EVENT-0187",
    "RDS-EVENT-0238",
    "RDS-EVENT-0239",
    "RDS-EVENT-0390",
    "RDS-EVENT-0391",
];
/// Aurora: the global failover completed, the global switchover finished.
const AURORA_PROMOTED: [&str; 2] = ["RDS-EVENT-0238", "RDS-EVENT-0185"];
/// Aurora cluster events that mean the primary cluster is in trouble (in-region failover failed).
const AURORA_PRIMARY_DOWN: [&str; 1] = ["RDS-EVENT-0069"];

/// Route 53 publishes its health-check metrics to CloudWatch in this region only.
pub const ROUTE53_METRICS_REGION: &str = "us-east-1";

/// The alarm on the primary endpoint's Route 53 health check that the primary region's DR
/// template creates (`dr-<region>.yaml`), matched by the failover rules beside the stack's own
/// alarms. Only when the primary region is where Route 53's metrics are: an alarm elsewhere would
/// raise its event on a bus no rule of this stack listens to.
pub fn endpoint_down_alarm(stack: &Stack) -> Option<String> {
    let primary = &stack.shop.primary_region;
    (primary == ROUTE53_METRICS_REGION)
        .then(|| format!("{}-{primary}-endpoint-down", stack.shop.name))
}

/// The probe's metric (1 up, 0 down) in the DR region, namespace `wfc/<shop>`, dimension `Shop`.
pub const PROBE_METRIC: &str = "PrimaryEndpointUp";

/// The DR-region alarm on [`PROBE_METRIC`] (created by the DR region's `dr-<region>.yaml`).
pub fn probe_alarm(stack: &Stack) -> String {
    format!(
        "{}-{}-probe-down",
        stack.shop.name, stack.shop.primary_region
    )
}

/// The DR-region schedule that runs `probe_endpoint` every minute. The drill leaves it out: it
/// models the probe's datapoints and alarm directly (drill/DIFFERENCES.md).
pub fn probe_rule(stack: &Stack) -> String {
    format!("{}-probe-primary", stack.shop.name)
}

/// The path Route 53's endpoint checks and the probe request: the first smoke path without its
/// query, else `/`.
pub fn endpoint_health_path(stack: &Stack) -> String {
    stack
        .app
        .smoke_paths
        .first()
        .map(|p| p.split('?').next().unwrap_or("/").to_string())
        .unwrap_or_else(|| "/".into())
}

/// Every rule of the stack, in a stable order.
pub fn rules(stack: &Stack) -> Vec<Value> {
    let sites = Sites::of(stack);
    let mut rules = Vec::new();
    let alarm = alarm_pattern(stack);
    let mut sources = vec![("primary-alarm", alarm, alarm_input(stack))];
    // A self-managed database publishes no RDS events: its alarms start the failover.
    if let Some(database) = database_pattern(stack) {
        sources.push(("database-event", database, database_input(stack)));
    }
    for (suffix, pattern, template) in sources {
        let name = format!("{}-failover-{suffix}", stack.shop.name);
        rules.push(rule(
            sites.primary,
            &format!("{name}-forward"),
            &format!(
                "Forwards the primary region's {suffix} events to {}",
                sites.secondary
            ),
            &pattern,
            None,
            vec![forward_target(stack)],
        ));
        rules.push(rule(
            sites.secondary,
            &name,
            &format!("Starts the failover of {} on a {suffix}", stack.shop.name),
            &pattern,
            None,
            vec![start_failover_target(stack, template)],
        ));
    }
    if let Some(progress) = progress_pattern(stack) {
        rules.push(rule(
            sites.secondary,
            &format!("{}-database-progress", stack.shop.name),
            "Tells people of replication and promotion progress",
            &progress,
            None,
            vec![progress_target(stack)],
        ));
    }
    if let Database::AuroraGlobal { .. } = &sites.s.database {
        rules.push(rule(
            sites.secondary,
            &format!("{}-promotion-completed", stack.shop.name),
            "Wakes a workflow waiting for the global cluster's promotion",
            &json!({
                "source": ["aws.rds"],
                "detail-type": ["RDS DB Cluster Event"],
                "detail": { "EventID": AURORA_PROMOTED },
            }),
            None,
            vec![wake_target(stack)],
        ));
    }
    rules.push(rule(
        sites.secondary,
        &format!("{}-failover-probe-alarm", stack.shop.name),
        &format!(
            "Starts the failover of {} when the probe finds the primary endpoint down",
            stack.shop.name
        ),
        &json!({
            "source": ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
            "region": [sites.secondary],
            "detail": {
                "alarmName": [probe_alarm(stack)],
                "state": { "value": ["ALARM"] },
            },
        }),
        None,
        vec![start_failover_target(stack, alarm_input(stack))],
    ));
    rules.push(rule(
        sites.secondary,
        &probe_rule(stack),
        "Probes the primary endpoint every 10 seconds for the probe alarm",
        &Value::Null,
        Some("rate(1 minute)"),
        vec![probe_target(stack)],
    ));
    rules.push(rule(
        sites.secondary,
        &format!("{}-preflight", stack.shop.name),
        "Checks every 30 minutes that a failover would work",
        &Value::Null,
        Some("rate(30 minutes)"),
        vec![preflight_target(stack)],
    ));
    rules
}

fn rule(
    region: &str,
    name: &str,
    description: &str,
    pattern: &Value,
    schedule: Option<&str>,
    targets: Vec<Value>,
) -> Value {
    let mut put_rule = json!({
        "Name": name,
        "Description": description,
        "State": "ENABLED",
    });
    if let Some(schedule) = schedule {
        put_rule["ScheduleExpression"] = json!(schedule);
    } else {
        // PutRule takes the pattern as a JSON string.
        put_rule["EventPattern"] = json!(pattern.to_string());
    }
    json!({ "Region": region, "Rule": put_rule, "Targets": targets })
}

fn delivery(stack: &Stack) -> Value {
    json!({
        "DeadLetterConfig": { "Arn": stack.events.dead_letter_queue_arn },
        "RetryPolicy": {
            "MaximumRetryAttempts": stack.events.maximum_retry_attempts,
            "MaximumEventAgeInSeconds": stack.events.maximum_event_age_seconds,
        },
    })
}

fn with_delivery(stack: &Stack, mut target: Value) -> Value {
    if let (Some(t), Value::Object(d)) = (target.as_object_mut(), delivery(stack)) {
        t.extend(d);
    }
    target
}

fn forward_target(stack: &Stack) -> Value {
    let sites = Sites::of(stack);
    with_delivery(
        stack,
        json!({
            "Id": "dr-bus",
            "Arn": format!("arn:aws:events:{}:{}:event-bus/default", sites.secondary, stack.shop.account_id),
            "RoleArn": stack.events.role_arn,
        }),
    )
}

fn start_failover_target(stack: &Stack, (paths, template): (Value, String)) -> Value {
    with_delivery(
        stack,
        json!({
            "Id": "start-failover",
            "Arn": wfc_compiler::dsl::function_arn_placeholder("start_workflow"),
            "InputTransformer": { "InputPathsMap": paths, "InputTemplate": template },
        }),
    )
}

fn progress_target(stack: &Stack) -> Value {
    with_delivery(
        stack,
        json!({
            "Id": "notify",
            "Arn": stack.notifications.sns_topic_arn,
            "InputTransformer": {
                "InputPathsMap": {
                    "id": "$.detail.EventID",
                    "source": "$.detail.SourceIdentifier",
                    "message": "$.detail.Message",
                    "region": "$.region",
                },
                "InputTemplate": format!(
                    "\"{}: <source> in <region>: <id> <message>\"",
                    stack.shop.name
                ),
            },
        }),
    )
}

fn wake_target(stack: &Stack) -> Value {
    let parameter = super::cutover::waiter_parameter(stack);
    with_delivery(
        stack,
        json!({
            "Id": "wake-waiter",
            "Arn": wfc_compiler::dsl::function_arn_placeholder("wake_waiter"),
            "InputTransformer": {
                "InputPathsMap": { "event": "$.detail.EventID" },
                "InputTemplate": format!("{{\"parameter_name\": \"{parameter}\", \"event_id\": <event>}}"),
            },
        }),
    )
}

/// `probe_endpoint` with a constant input: the primary's load balancer, with the production Host
/// and SNI (its certificate is the site's), at the path Route 53's check probes.
fn probe_target(stack: &Stack) -> Value {
    let sites = Sites::of(stack);
    let site = stack.app.site_url.trim_end_matches('/');
    let input = json!({
        "url": format!("{site}{}", endpoint_health_path(stack)),
        "connect_to": sites.p.load_balancer.dns_name,
        "namespace": format!("wfc/{}", stack.shop.name),
        "metric_name": PROBE_METRIC,
        "shop": stack.shop.name,
        "probes": 6,
        "interval_seconds": 10,
        "timeout_seconds": 5,
        "expect_status": 200,
    });
    with_delivery(
        stack,
        json!({
            "Id": "probe-primary",
            "Arn": wfc_compiler::dsl::function_arn_placeholder("probe_endpoint"),
            // PutTargets takes the constant input as a JSON string.
            "Input": input.to_string(),
        }),
    )
}

fn preflight_target(stack: &Stack) -> Value {
    with_delivery(
        stack,
        json!({
            "Id": "preflight",
            "Arn": stack.state_machine_arn("preflight"),
            "RoleArn": stack.events.role_arn,
            "InputTransformer": {
                "InputPathsMap": { "time": "$.time" },
                "InputTemplate": "{\"time\": <time>}",
            },
        }),
    )
}

fn alarm_pattern(stack: &Stack) -> Value {
    let sites = Sites::of(stack);
    let mut alarms = sites.p.alarms.clone();
    alarms.extend(endpoint_down_alarm(stack));
    json!({
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "region": [sites.primary],
        "detail": {
            "alarmName": alarms,
            "state": { "value": ["ALARM"] },
        },
    })
}

fn database_pattern(stack: &Stack) -> Option<Value> {
    let sites = Sites::of(stack);
    Some(match (&sites.p.database, &sites.s.database) {
        (
            Database::RdsInstance { instance_id: p, .. },
            Database::RdsInstance { instance_id: s, .. },
        ) => json!({
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Instance Event"],
            "detail": { "$or": [
                { "SourceIdentifier": [p], "EventID": PRIMARY_DOWN },
                { "SourceIdentifier": [s], "EventID": REPLICATION_STOPPED },
            ]},
        }),
        (Database::AuroraGlobal { cluster_id: p, .. }, _) => json!({
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Cluster Event"],
            "detail": { "SourceIdentifier": [p], "EventID": AURORA_PRIMARY_DOWN },
        }),
        (Database::RdsInstance { instance_id: p, .. }, _) => json!({
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Instance Event"],
            "detail": { "SourceIdentifier": [p], "EventID": PRIMARY_DOWN },
        }),
        (Database::SelfManaged { .. }, _) => return None,
    })
}

fn progress_pattern(stack: &Stack) -> Option<Value> {
    let sites = Sites::of(stack);
    Some(match &sites.s.database {
        Database::AuroraGlobal { .. } => json!({
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Cluster Event", "RDS DB Instance Event"],
            "detail": { "EventID": AURORA_PROGRESS },
        }),
        Database::RdsInstance { .. } => json!({
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Instance Event"],
            "detail": { "EventID": RDS_PROGRESS },
        }),
        Database::SelfManaged { .. } => return None,
    })
}

/// `start_workflow`'s input: the state machine, the incident, and the failover's input.
/// Values inside quotes are inserted as raw text, outside as JSON (EventBridge's rules).
fn start_input(stack: &Stack, incident: &str, source: &str, name: &str) -> String {
    format!(
        "{{\"state_machine_arn\": \"{arn}\", \"incident_id\": \"{incident}\", \"input\": {{\"incident_id\": \"{incident}\", \"trigger\": {{\"source\": \"{source}\", \"name\": {name}, \"region\": <region>}}, \"time\": <time>, \"rpo_override\": null}}}}",
        arn = stack.state_machine_arn("failover"),
    )
}

fn alarm_input(stack: &Stack) -> (Value, String) {
    let paths = json!({
        "alarm": "$.detail.alarmName",
        "changed": "$.detail.state.timestamp",
        "region": "$.region",
        "time": "$.time",
    });
    (
        paths,
        start_input(stack, "alarm-<alarm>-<changed>", "alarm", "<alarm>"),
    )
}

fn database_input(stack: &Stack) -> (Value, String) {
    let paths = json!({
        "db": "$.detail.SourceIdentifier",
        "event": "$.detail.EventID",
        "region": "$.region",
        "time": "$.time",
    });
    (
        paths,
        start_input(stack, "rds-<db>-<event>-<time>", "rds-event", "<event>"),
    )
}
