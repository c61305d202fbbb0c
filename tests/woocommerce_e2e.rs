//! The WooCommerce workflows end to end, each compiled for the example shop and run in the local
//! engine with the real activities, in process, against moto (RDS, Route 53, SSM, SNS,
//! CloudWatch, Auto Scaling, S3, Secrets Manager, WAF, EventBridge Scheduler on loopback); then
//! moto's state is checked.
//! - failover: a real-shaped CloudWatch alarm event goes through the compiled EventBridge rules
//!   and the pattern matcher, and its input transformer builds the execution input; writes are
//!   gated at both web ACLs, the old region's job schedule paused, the old primary fenced, the
//!   replica promoted, order ids reserved, the cache flushed, the app repointed, writes opened
//!   in DR, the records switched, DR compute scaled, DR's job schedule resumed, the DR state
//!   recorded; a second alarm is refused by the anti-flap guard.
//! - failback, after that failover: the gap reconciled first (refused with unresolved orders
//!   unless the request says they were handled), a replica re-created in the old region,
//!   promoted, traffic, writes and jobs back, DR scaled down, the DR replica re-created.
//! - switchover: planned, with the primary read-only until the replica has caught up.
//! - preflight: every check against moto (its `aws-sdk:` tasks served by the Rust SDK), the
//!   shop identity, the one job runner and DR's database secret included, the `FailoverReady`
//!   metric read back from moto's CloudWatch; then media replication removed, DR's job schedule
//!   started and DR's database secret scheduled for deletion.
//!
//! Where moto cannot play a part, the test says so and stands in for it:
//! - moto's GetHealthCheckStatus reports every checker healthy, so `assess_outage` answers
//!   "false alarm" through moto (shown by the first run); the second run stands in a "down" verdict;
//! - moto's PromoteReadReplica keeps `ReadReplicaSourceDBInstanceIdentifier`, so the real
//!   `describe_database` answer is passed on with `is_replica` cleared once promotion was asked,
//!   and `retire_instance` on a promoted instance is not told its successor's source (moto would
//!   take the promoted instance for that successor);
//! - moto has no `iam:SimulatePrincipalPolicy`: preflight's permission check is stood in (allowed);
//! - moto's RDS has no SQL endpoint: `reserve_order_ids` and `reconcile_gap` are stood in (the
//!   real ones run against MariaDB in activities/tests/mariadb and
//!   tests/woocommerce_self_managed.rs); there is no Redis and no shop here: `flush_cache` and
//!   `smoke_test` are stood in (a real Redis and a Store API imitation test them in
//!   activities/tests/moto). Each stand-in parses and validates its input as the real activity
//!   does, and answers with the activity's output type;
//! - moto has no SES `GetAccount`: `check_shop_identity` reports SES production access unknown
//!   (reported only, never a failed check).

use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wfc_activities::validate::Validate;
use wfc_adapters::aws::AwsEnv;
use wfc_compiler::dsl::activity_of_placeholder;
use wfc_engine::dispatch::{Handlers, TaskOutcome, TaskRequest};
use wfc_engine::{Engine, Options, Outcome};
use wfc_events::{InputTransformer, Pattern};
use wfc_stack::Stack;
use wfc_testkit::MotoServer;

#[path = "support/shop_base.rs"]
mod shop_base;
#[path = "support/shop_edges.rs"]
mod shop_edges;

use shop_base::{config, ShopBase, DR, PRIMARY};

struct World {
    _moto: MotoServer,
    endpoint: String,
    rt: Arc<tokio::runtime::Runtime>,
    stack: Stack,
    edges: shop_edges::ShopEdges,
    /// Unresolved orders the `reconcile_gap` stand-in finds on the old primary.
    gap_orders: u32,
    /// Instances promoted so far, across executions (moto keeps their replica source).
    promoted: Arc<Mutex<Vec<String>>>,
}

/// The example shop, created in moto; the stack description is the example's with moto's
/// generated ids (hosted zone, health checks, web ACLs) put in.
fn world(replica_lag: f64) -> World {
    let moto = MotoServer::start();
    let endpoint = moto.endpoint();
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
    let ids = rt.block_on(create_shop(&endpoint, replica_lag));
    let edges = rt.block_on(shop_edges::create_write_gates_and_runners(&endpoint));
    let text = ids.apply(wfc_workflows::EXAMPLE_STACK);
    let stack = Stack::load(&edges.apply(&text)).unwrap_or_else(|e| panic!("{e:?}"));
    rt.block_on(shop_identity(&endpoint, &stack));
    rt.block_on(db_credentials(&endpoint, &stack));
    rt.block_on(shop_base::create_state_machines(&endpoint, &stack));
    World {
        _moto: moto,
        endpoint,
        rt,
        stack,
        edges,
        gap_orders: 0,
        promoted: Arc::default(),
    }
}

/// Each region's database credentials secret (preflight describes DR's).
async fn db_credentials(endpoint: &str, stack: &Stack) {
    for (region, site) in &stack.regions {
        aws_sdk_secretsmanager::Client::new(&config(endpoint, region))
            .create_secret()
            .name(&site.db_credentials_secret_id)
            .secret_string(json!({"username": "woo", "password": "moto-db-pass"}).to_string())
            .send()
            .await
            .unwrap();
    }
}

/// The shop's identity as its deploy writes it in both regions (check_shop_identity's formats):
/// the same keys and salts, URLs, environment, Redis prefix and plugin versions.
async fn shop_identity(endpoint: &str, stack: &Stack) {
    use wfc_activities::check_shop_identity::SALT_KEYS;
    let salts: serde_json::Map<String, Value> = SALT_KEYS
        .iter()
        .map(|k| (k.to_string(), json!(format!("{k}-x8#Lq2!vZ0{{p}}Wm"))))
        .collect();
    let site = &stack.app.site_url;
    let identity = json!({
        "site_url": site,
        "home_url": site,
        "environment_type": "production",
        "redis_prefix": "woo:",
        "plugins": {"woocommerce": "9.4.2", "woocommerce-gateway-stripe": "8.9.0"},
    });
    for region in [PRIMARY, DR] {
        aws_sdk_secretsmanager::Client::new(&config(endpoint, region))
            .create_secret()
            .name(&stack.woocommerce.salts_secret_id)
            .secret_string(Value::Object(salts.clone()).to_string())
            .send()
            .await
            .unwrap();
        aws_sdk_ssm::Client::new(&config(endpoint, region))
            .put_parameter()
            .name(&stack.woocommerce.config_parameter)
            .value(identity.to_string())
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .unwrap();
    }
}

async fn create_shop(endpoint: &str, replica_lag: f64) -> ShopBase {
    let rds = |r| aws_sdk_rds::Client::new(&config(endpoint, r));
    let ssm = |r| aws_sdk_ssm::Client::new(&config(endpoint, r));
    for region in [PRIMARY, DR] {
        rds(region)
            .create_db_parameter_group()
            .db_parameter_group_name("woo-mysql80")
            .db_parameter_group_family("mysql8.0")
            .description("woo")
            .send()
            .await
            .unwrap();
    }
    let primary = rds(PRIMARY)
        .create_db_instance()
        .db_instance_identifier("woo-db-use1")
        .engine("mysql")
        .engine_version("8.0.35")
        .db_instance_class("db.r6g.large")
        .allocated_storage(100)
        .master_username("admin")
        .master_user_password("password-not-secret")
        .db_parameter_group_name("woo-mysql80")
        .backup_retention_period(7)
        .send()
        .await
        .unwrap();
    let arn = primary.db_instance().unwrap().db_instance_arn().unwrap();
    rds(DR)
        .create_db_instance_read_replica()
        .db_instance_identifier("woo-db-usw2")
        .source_db_instance_identifier(arn)
        .db_instance_class("db.r6g.large")
        .send()
        .await
        .unwrap();

    use aws_sdk_cloudwatch::types::StateValue;
    let cw = |r| aws_sdk_cloudwatch::Client::new(&config(endpoint, r));
    replica_lag_now(endpoint, DR, "woo-db-usw2", replica_lag).await;
    cw(PRIMARY)
        .put_metric_alarm()
        .alarm_name("woo-use1-db-down")
        .namespace("AWS/RDS")
        .metric_name("DatabaseConnections")
        .statistic(aws_sdk_cloudwatch::types::Statistic::SampleCount)
        .period(60)
        .evaluation_periods(3)
        .threshold(1.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::LessThanThreshold)
        .send()
        .await
        .unwrap();
    cw(PRIMARY)
        .set_alarm_state()
        .alarm_name("woo-use1-db-down")
        .state_value(StateValue::Alarm)
        .state_reason("the primary stopped answering")
        .send()
        .await
        .unwrap();

    let base = shop_base::create_dns_compute_and_topic(endpoint).await;

    // The app's configuration in each region: database host and maintenance flag.
    for (region, name, value) in [
        (
            DR,
            "/woo/prod/db_host",
            "woo-db-use1.abc.us-east-1.rds.amazonaws.com",
        ),
        (
            PRIMARY,
            "/woo/prod/db_host",
            "woo-db-use1.abc.us-east-1.rds.amazonaws.com",
        ),
        (PRIMARY, "/woo/prod/maintenance", "off"),
    ] {
        ssm(region)
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .unwrap();
    }

    media_buckets(endpoint).await;
    base
}

fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config(endpoint, PRIMARY))
            .force_path_style(true)
            .build(),
    )
}

/// The media buckets, versioned, the primary's replicating to the DR one.
async fn media_buckets(endpoint: &str) {
    use aws_sdk_s3::types::*;
    let s3 = s3(endpoint);
    for bucket in ["woo-media-use1", "woo-media-usw2"] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
        s3.put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let rule = ReplicationRule::builder()
        .id("media")
        .status(ReplicationRuleStatus::Enabled)
        .priority(1)
        .filter(ReplicationRuleFilter::builder().prefix("").build())
        .delete_marker_replication(
            DeleteMarkerReplication::builder()
                .status(DeleteMarkerReplicationStatus::Disabled)
                .build(),
        )
        .destination(
            Destination::builder()
                .bucket("arn:aws:s3:::woo-media-usw2")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    s3.put_bucket_replication()
        .bucket("woo-media-use1")
        .replication_configuration(
            ReplicationConfiguration::builder()
                .role("arn:aws:iam::123456789012:role/woo-media-crr")
                .rules(rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// One `ReplicaLag` datapoint for `id`, now.
async fn replica_lag_now(endpoint: &str, region: &str, id: &str, seconds: f64) {
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
    aws_sdk_cloudwatch::Client::new(&config(endpoint, region))
        .put_metric_data()
        .namespace("AWS/RDS")
        .metric_data(
            MetricDatum::builder()
                .metric_name("ReplicaLag")
                .dimensions(
                    Dimension::builder()
                        .name("DBInstanceIdentifier")
                        .value(id)
                        .build(),
                )
                .value(seconds)
                .timestamp(std::time::SystemTime::now().into())
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The failover's execution input, as EventBridge would build it from the alarm event: through
/// the compiled rules (the DR-region rule must match) and its input transformer.
fn input_from_alarm(stack: &Stack) -> Value {
    let event: Value = serde_json::from_str(include_str!(
        "../examples/woocommerce/events/primary-db-alarm.json"
    ))
    .unwrap();
    let rules = wfc_workflows::woocommerce::rules::rules(stack);
    let matching: Vec<&Value> = rules
        .iter()
        .filter(|rule| {
            rule["Rule"]["EventPattern"]
                .as_str()
                .is_some_and(|p| Pattern::parse(p).unwrap().matches(&event))
        })
        .collect();
    let names: Vec<&str> = matching
        .iter()
        .map(|r| r["Rule"]["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "woo-failover-primary-alarm-forward",
            "woo-failover-primary-alarm"
        ]
    );
    let start = &matching[1]["Targets"][0];
    assert_eq!(start["Arn"], "${start_workflow_function_arn}");
    let transformer: InputTransformer =
        serde_json::from_value(start["InputTransformer"].clone()).unwrap();
    let request: Value = serde_json::from_str(&transformer.apply(&event).unwrap()).unwrap();
    assert_eq!(
        request["state_machine_arn"],
        "arn:aws:states:us-west-2:123456789012:stateMachine:woo-failover"
    );
    request["input"].clone()
}

/// What the run saw: the approval requests, whether promotion was asked, and the stand-ins'
/// inputs (activity, payload), in order.
#[derive(Default)]
struct Seen {
    approval_messages: Mutex<Vec<String>>,
    promoted: AtomicBool,
    stood_in: Mutex<Vec<(String, Value)>>,
}

impl Seen {
    /// The input the stand-in for `activity` got last.
    fn input_of(&self, activity: &str) -> Value {
        let stood_in = self.stood_in.lock().unwrap();
        let (_, payload) = stood_in
            .iter()
            .rev()
            .find(|(a, _)| a == activity)
            .unwrap_or_else(|| panic!("{activity} was not run"));
        payload.clone()
    }
}

/// Fails the test unless the real activity takes its input: `parsed` as it parses it, then
/// validated as it validates it.
fn accepted<T: Validate>(activity: &str, parsed: wfc_activities::Result<T>) {
    if let Err(e) = parsed.and_then(|input| input.validate()) {
        panic!("{activity} would refuse its input: {e}");
    }
}

/// The answer of the activities that need a real MySQL, Redis or shop (see the module doc), as
/// their output types; `None` for the others. `gap_orders`: the old primary's unresolved orders.
fn stand_in(activity: &str, payload: &Value, gap_orders: u32) -> Option<Value> {
    use wfc_activities::validate::parse;
    use wfc_activities::{flush_cache, reconcile_gap, reserve_order_ids, smoke_test};
    let output = match activity {
        "reserve_order_ids" => {
            accepted(
                activity,
                parse::<reserve_order_ids::ReserveOrderIdsInput>(payload.clone()),
            );
            json!(reserve_order_ids::ReserveOrderIdsOutput {
                tables: vec![reserve_order_ids::ReservedTable {
                    table: "wp_posts".into(),
                    max_id: 1041,
                    auto_increment_before: 1042,
                    auto_increment_after: 1_001_042,
                    changed: true,
                }],
                absent: vec![],
                previous_max_order_id: 1041,
                order_id_floor: 1_001_042,
            })
        }
        "reconcile_gap" => {
            accepted(
                activity,
                parse::<reconcile_gap::ReconcileGapInput>(payload.clone()),
            );
            let orders: Vec<reconcile_gap::GapOrder> = (1..=gap_orders as u64)
                .map(|n| reconcile_gap::GapOrder {
                    id: 1041 + n,
                    status: "processing".into(),
                    currency: "EUR".into(),
                    total: "49.90".into(),
                    created_gmt: format!("2026-11-26 03:04:{n:02}"),
                    payment_method: "stripe".into(),
                    transaction_id: Some(format!("pi_gap{n}")),
                    stripe_intent_id: Some(format!("pi_gap{n}")),
                    customer_email_hash: None,
                    items: vec![reconcile_gap::GapItem {
                        product_id: 17,
                        quantity: 1.0,
                    }],
                    handled: false,
                    action: "re-create the paid order on the new primary".into(),
                })
                .collect();
            json!(reconcile_gap::ReconcileGapOutput {
                old_primary_reachable: true,
                detail: format!("{gap_orders} order(s) in the gap (stood in)"),
                since_order_id: 1041,
                orders,
                stock_changes: vec![],
                unresolved_orders: gap_orders,
                report_markdown: "# Replication gap (stood in)\n".into(),
            })
        }
        "flush_cache" => {
            accepted(
                activity,
                parse::<flush_cache::FlushCacheInput>(payload.clone()),
            );
            json!(flush_cache::FlushCacheOutput {
                keys_before: 12,
                database: 0,
                flushed: true,
            })
        }
        "smoke_test" => {
            accepted(
                activity,
                parse::<smoke_test::SmokeTestInput>(payload.clone()),
            );
            json!(smoke_test::SmokeTestOutput {
                passed: true,
                results: vec![],
                shop_checks: vec![],
            })
        }
        _ => return None,
    };
    Some(output)
}

/// The real activities against moto, with the stand-ins the module doc lists.
fn handlers(world: &World, outage_down: bool, seen: Arc<Seen>) -> Handlers {
    let env = Arc::new(AwsEnv::local(&world.endpoint, DR));
    let rt = world.rt.clone();
    let gap_orders = world.gap_orders;
    let promoted = world.promoted.clone();
    let seen_lambda = seen.clone();
    let lambda = move |request: &TaskRequest| {
        let activity = request
            .function_name
            .as_deref()
            .and_then(activity_of_placeholder)
            .expect("every Lambda task names an activity placeholder")
            .to_string();
        if let Some(output) = stand_in(&activity, &request.payload, gap_orders) {
            seen_lambda
                .stood_in
                .lock()
                .unwrap()
                .push((activity, request.payload.clone()));
            return TaskOutcome::Succeeded(output);
        }
        match activity.as_str() {
            "assess_outage" if outage_down => {
                return TaskOutcome::Succeeded(json!({
                    "verdict": "down", "primary_down": true, "checkers_total": 8,
                    "checkers_failing": 8, "failing_share": 1.0, "alarm_state": "ALARM",
                    "reason": "8 of 8 checkers fail (stood in: moto reports every checker healthy)"
                }))
            }
            "promote_replica" => {
                seen_lambda.promoted.store(true, Ordering::SeqCst);
                let id = request.payload["db_instance_id"]
                    .as_str()
                    .unwrap_or_default();
                promoted.lock().unwrap().push(id.to_string());
            }
            _ => {}
        }
        let mut payload = request.payload.clone();
        if activity == "retire_instance"
            && promoted
                .lock()
                .unwrap()
                .iter()
                .any(|id| payload["db_instance_id"] == id.as_str())
        {
            // moto still lists a promoted instance as a replica: it is not its own successor.
            payload.as_object_mut().unwrap().remove("successor_of");
        }
        let result = rt.block_on(wfc_lambda::dispatch(&activity, payload, &env));
        match result {
            Ok(mut output) => {
                if activity == "describe_database" && seen_lambda.promoted.load(Ordering::SeqCst) {
                    output["is_replica"] = json!(false); // moto keeps the replica source
                }
                TaskOutcome::Succeeded(output)
            }
            Err(e) => TaskOutcome::failed(e.name(), e.to_string()),
        }
    };
    let approval = move |request: &TaskRequest| {
        let message = request.payload["Message"].as_str().unwrap_or_default();
        seen.approval_messages
            .lock()
            .unwrap()
            .push(message.to_string());
        TaskOutcome::Succeeded(json!({ "MessageId": "m-1" }))
    };
    Handlers::new()
        .lambda_fallback(lambda)
        .resource("arn:aws:states:::sns:publish", approval)
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Runs the failover to its end, approving every approval request.
fn run_failover(
    world: &World,
    input: Value,
    outage_down: bool,
    seen: Arc<Seen>,
) -> (Outcome, Vec<String>) {
    run_workflow(world, "failover", input, outage_down, seen)
}

/// Runs `workflow` to its end, approving every approval request; the states entered, in order.
fn run_workflow(
    world: &World,
    workflow: &str,
    input: Value,
    outage_down: bool,
    seen: Arc<Seen>,
) -> (Outcome, Vec<String>) {
    let compiled = wfc_workflows::build(workflow, &world.stack)
        .unwrap()
        .unwrap();
    let engine = Engine::new(compiled.machine)
        .with_handlers(handlers(world, outage_down, seen))
        .with_options(Options {
            start_time: now_millis(),
            history: true,
            execution_name: Some(format!("{workflow}-e2e")),
            state_machine_arn: world.stack.state_machine_arn(workflow),
            ..Options::default()
        });
    let mut execution = engine.start(input);
    let mut guard = 0;
    while !execution.is_complete() {
        guard += 1;
        assert!(guard < 1000, "the run does not end");
        for task in execution.pending_tasks() {
            execution
                .send_task_success(&task.token, json!({"approved": true, "by": "oncall"}))
                .unwrap();
        }
        execution.resume();
    }
    let states: Vec<String> = execution
        .history()
        .iter()
        .filter(|e| e.kind.ends_with("StateEntered"))
        .filter_map(|e| {
            let (_, details) = e.details.as_ref()?;
            details["name"].as_str().map(str::to_string)
        })
        .collect();
    (execution.outcome().clone(), states)
}

fn parameter(world: &World, region: &'static str, name: &str) -> String {
    let client = aws_sdk_ssm::Client::new(&config(&world.endpoint, region));
    world.rt.block_on(async {
        client
            .get_parameter()
            .name(name)
            .send()
            .await
            .unwrap()
            .parameter()
            .unwrap()
            .value()
            .unwrap()
            .to_string()
    })
}

/// Where each of the shop's records points (its alias target).
fn records(world: &World) -> Vec<(String, String)> {
    let client = aws_sdk_route53::Client::new(&config(&world.endpoint, DR));
    let out = world.rt.block_on(
        client
            .list_resource_record_sets()
            .hosted_zone_id(&world.stack.dns.hosted_zone_id)
            .send(),
    );
    out.unwrap()
        .resource_record_sets()
        .iter()
        .filter_map(|r| {
            Some((
                r.name().to_string(),
                r.alias_target()?.dns_name().to_string(),
            ))
        })
        .collect()
}

fn desired_capacity(world: &World, region: &'static str, group: &str) -> Option<i32> {
    let client = aws_sdk_autoscaling::Client::new(&config(&world.endpoint, region));
    let out = world.rt.block_on(
        client
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(group)
            .send(),
    );
    out.unwrap().auto_scaling_groups()[0].desired_capacity()
}

fn db_instance(world: &World, region: &'static str, id: &str) -> aws_sdk_rds::types::DbInstance {
    let client = aws_sdk_rds::Client::new(&config(&world.endpoint, region));
    let out = world.rt.block_on(
        client
            .describe_db_instances()
            .db_instance_identifier(id)
            .send(),
    );
    out.unwrap().db_instances()[0].clone()
}

fn read_only(world: &World, region: &'static str) -> Option<String> {
    let client = aws_sdk_rds::Client::new(&config(&world.endpoint, region));
    let out = world.rt.block_on(
        client
            .describe_db_parameters()
            .db_parameter_group_name("woo-mysql80")
            .send(),
    );
    out.unwrap()
        .parameters()
        .iter()
        .find(|p| p.parameter_name() == Some("read_only"))
        .and_then(|p| p.parameter_value().map(str::to_string))
}

/// Whether `region`'s web ACL holds the write gate's rule.
fn gated(world: &World, region: &str) -> bool {
    world
        .rt
        .block_on(world.edges.gated(&world.endpoint, region))
}

/// Whether `region`'s job schedule is `ENABLED`.
fn jobs_running(world: &World, region: &str) -> bool {
    world
        .rt
        .block_on(world.edges.schedule_enabled(&world.endpoint, region))
}

/// The DR state the workflows record (in the DR region).
fn recorded_state(world: &World) -> Value {
    serde_json::from_str(&parameter(world, DR, "/wfc/woo/state")).unwrap()
}

/// The endpoint moto gives the database `id` in `region`.
fn endpoint_of(world: &World, region: &'static str, id: &str) -> String {
    let instance = db_instance(world, region, id);
    instance.endpoint().unwrap().address().unwrap().to_string()
}

fn assert_order(states: &[String], names: &[&str]) {
    let at = |name: &str| {
        states
            .iter()
            .position(|s| s == name)
            .unwrap_or_else(|| panic!("{name} not run: {states:?}"))
    };
    for pair in names.windows(2) {
        assert!(
            at(pair[0]) < at(pair[1]),
            "{} before {}: {states:?}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn failover_from_an_alarm_event_through_rules_engine_and_activities_against_moto() {
    let world = world(4.0);
    let input = input_from_alarm(&world.stack);
    assert_eq!(input["trigger"]["name"], "woo-use1-db-down");
    assert!(input["incident_id"]
        .as_str()
        .unwrap()
        .starts_with("alarm-woo-use1-db-down-2026-11-26T03:04:40"));

    // moto's health checkers are all healthy: the outage is not confirmed, nothing changes.
    let (outcome, states) = run_failover(&world, input.clone(), false, Arc::default());
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert!(
        states.contains(&"Not confirmed no failover".to_string()),
        "{states:?}"
    );
    assert!(!states.contains(&"Promote replica".to_string()));
    assert!(!gated(&world, PRIMARY) && !gated(&world, DR));
    assert!(jobs_running(&world, PRIMARY) && !jobs_running(&world, DR));

    // The primary is down: the whole failover runs, with an approval answered by a person.
    let seen = Arc::new(Seen::default());
    let (outcome, states) = run_failover(&world, input, true, seen.clone());
    let Outcome::Succeeded { output } = &outcome else {
        panic!("failover did not succeed: {outcome:?}\nstates: {states:?}");
    };
    // The fence (the old region's gate before its database) and DR's gate before the promotion;
    // DNS moves to DR (gated) while it runs; ids reserved, the cache flushed and the app
    // repointed before writes open; the DR runner after the smoke test.
    assert_order(
        &states,
        &[
            "Ask for approval",
            "Record failing over",
            "Promote replica",
            "Describe promoted database",
            "Reserve order ids",
            "Open writes",
            "Smoke test",
            "Resume background jobs in DR region",
            "Record failed over",
            "Describe old primary",
            "Reconcile gap",
            "Notify summary",
            "Failed over",
        ],
    );
    for before_promotion in [
        "Anti-flap guard",
        "Check replica lag",
        "Gate writes in DR region",
        "Pause background jobs in old region",
        "Scale DR compute up",
    ] {
        assert_order(&states, &[before_promotion, "Promote replica"]);
    }
    assert_order(
        &states,
        &[
            "Gate writes in old region",
            "Fence old primary",
            "Promote replica",
        ],
    );
    assert_order(
        &states,
        &[
            "Gate writes in DR region",
            "Point app at DR replica",
            "Switch DNS",
            "Reserve order ids",
        ],
    );
    for ready in ["Flush DR cache", "Repoint app"] {
        assert_order(
            &states,
            &["Describe promoted database", ready, "Open writes"],
        );
    }
    assert_eq!(states.last().unwrap(), "Failed over");
    let messages = seen.approval_messages.lock().unwrap();
    assert!(
        messages[0].contains("wfc approve arn:aws:states:") && messages[0].contains("wfc reject"),
        "the approval request says how to answer: {}",
        messages[0]
    );
    assert_eq!(output["fence"]["Payload"]["outcome"], "fenced");
    assert_eq!(output["replica"]["Payload"]["lag_seconds"], 4.0);
    let key = |region: &str| region.replace('-', "_");
    assert_eq!(output["gates"][key(PRIMARY)]["Payload"]["gated"], true);
    assert_eq!(output["gates"][key(DR)]["Payload"]["gated"], true);
    assert_eq!(output["jobs"][key(PRIMARY)]["Payload"]["running"], false);
    assert_eq!(output["jobs"][key(DR)]["Payload"]["running"], true);
    assert_eq!(output["order_ids"]["Payload"]["order_id_floor"], 1_001_042);
    assert_eq!(output["reconcile"]["Payload"]["unresolved_orders"], 0);

    // What the stand-ins were asked: the promoted database (its endpoint, as moto describes
    // it) for the ids, the gap from the old primary to it since the highest id at promotion,
    // DR's cache, and the shop through DR's load balancer.
    let dr_db = endpoint_of(&world, DR, "woo-db-usw2");
    let old_db = endpoint_of(&world, PRIMARY, "woo-db-use1");
    let reserve = seen.input_of("reserve_order_ids");
    assert_eq!(reserve["connection"]["host"], dr_db.as_str());
    assert_eq!(reserve["connection"]["secret_id"], "woo/prod/db-usw2");
    assert_eq!(reserve["margin"], 1_000_000);
    let reconcile = seen.input_of("reconcile_gap");
    assert_eq!(reconcile["old_primary"]["host"], old_db.as_str());
    assert_eq!(reconcile["new_primary"]["host"], dr_db.as_str());
    assert_eq!(reconcile["since_order_id"], 1041);
    let dr_site = &world.stack.regions[DR];
    assert_eq!(
        seen.input_of("flush_cache")["host"],
        dr_site.cache.host.as_str()
    );
    let smoke = seen.input_of("smoke_test");
    assert_eq!(
        smoke["woocommerce"]["connect_to"],
        dr_site.load_balancer.dns_name.as_str()
    );

    // What moto holds now.
    let host = parameter(&world, DR, "/woo/prod/db_host");
    assert!(host.contains("woo-db-usw2"), "app repointed: {host}");
    assert_eq!(parameter(&world, PRIMARY, "/woo/prod/maintenance"), "on");
    let state = recorded_state(&world);
    assert_eq!(state["active_region"], DR);
    assert_eq!(state["status"], "idle");
    assert_eq!(state["background_jobs_region"], DR);
    let records = records(&world);
    for name in ["shop.example.com.", "www.shop.example.com."] {
        let (_, alias) = records
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(alias.starts_with("woo-usw2-"), "{name} → {alias}");
    }
    assert_eq!(desired_capacity(&world, DR, "woo-web-usw2"), Some(4));
    assert_eq!(
        read_only(&world, PRIMARY).as_deref(),
        Some("1"),
        "the old primary is fenced"
    );
    assert!(!gated(&world, DR), "writes open where the shop now serves");
    assert!(
        gated(&world, PRIMARY),
        "the old region stays gated (its gate was best effort, and moto answered)"
    );
    assert!(!jobs_running(&world, PRIMARY), "the old runner is stopped");
    assert!(jobs_running(&world, DR), "the DR runner is the only one");

    // A second alarm right after: the anti-flap guard refuses (the DR region already serves).
    let input = json!({
        "incident_id": "alarm-woo-use1-db-down-later",
        "trigger": {"source": "alarm", "name": "woo-use1-db-down", "region": PRIMARY},
        "time": "2026-11-26T03:10:00Z",
        "rpo_override": null
    });
    let (outcome, states) = run_failover(&world, input, true, Arc::default());
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert!(
        states.contains(&"Refused by the anti-flap guard".to_string()),
        "{states:?}"
    );
    assert!(!states.contains(&"Fence old primary".to_string()));
}

/// The example shop failed over to DR, its old region healthy again and ready for a failback.
fn failed_over(gap_orders: u32) -> World {
    let mut world = world(4.0);
    world.gap_orders = gap_orders;
    let input = input_from_alarm(&world.stack);
    let (outcome, _) = run_failover(&world, input, true, Arc::default());
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");

    // The old region is healthy again (its alarm OK), and the new replica there will be in sync.
    world.rt.block_on(async {
        aws_sdk_cloudwatch::Client::new(&config(&world.endpoint, PRIMARY))
            .set_alarm_state()
            .alarm_name("woo-use1-db-down")
            .state_value(aws_sdk_cloudwatch::types::StateValue::Ok)
            .state_reason("recovered")
            .send()
            .await
            .unwrap();
        // The lag of the replica the failback creates under the old primary's name.
        replica_lag_now(&world.endpoint, PRIMARY, "woo-db-use1", 0.0).await;
    });
    world
}

/// The example failback request (examples/woocommerce/failback-input.json).
fn failback_request() -> Value {
    serde_json::from_str(include_str!("../examples/woocommerce/failback-input.json")).unwrap()
}

#[test]
fn failback_after_a_failover_returns_the_shop_and_protects_it_again() {
    let world = failed_over(0);
    let seen = Arc::new(Seen::default());
    let (outcome, states) =
        run_workflow(&world, "failback", failback_request(), true, seen.clone());
    assert!(
        matches!(outcome, Outcome::Succeeded { .. }),
        "{outcome:?}\nstates: {states:?}"
    );
    assert_order(
        &states,
        &[
            "Validate request",
            "Describe serving database",
            "Describe old primary",
            "Reconcile gap",
            "Record failing back",
            "Retire old primary",
            "Create replica in primary region",
            "Wait for new replica",
            "Ask for approval",
            "Gate writes in secondary region",
            "Gate writes in primary region",
            "Pause background jobs in secondary region",
            "Stop writes",
            "Wait for lag 0",
            "Promote replica",
            "Allow writes",
            "Flush primary cache",
            "Scale primary compute up",
            "Repoint app",
            "Open writes",
            "Switch DNS",
            "Smoke test",
            "Resume background jobs in primary region",
            "Scale secondary compute down",
            "Retire old DR database",
            "Create DR replica",
            "Record failed back",
            "Failed back",
        ],
    );
    // The gap is read from the old primary against the database that serves now.
    let reconcile = seen.input_of("reconcile_gap");
    assert_eq!(
        reconcile["old_primary"]["host"],
        endpoint_of(&world, PRIMARY, "woo-db-use1").as_str()
    );
    assert_eq!(
        reconcile["new_primary"]["host"],
        endpoint_of(&world, DR, "woo-db-usw2").as_str()
    );
    assert_eq!(reconcile["handled_order_ids"], json!([]));

    // What moto holds now: the shop served from us-east-1 by the new primary, DR protected again.
    let host = parameter(&world, PRIMARY, "/woo/prod/db_host");
    assert!(host.starts_with("woo-db-use1."), "app repointed: {host}");
    for (name, target) in records(&world) {
        assert!(target.starts_with("woo-use1-"), "{name} → {target}");
    }
    assert_eq!(desired_capacity(&world, PRIMARY, "woo-web-use1"), Some(4));
    assert_eq!(desired_capacity(&world, DR, "woo-web-usw2"), Some(1));
    // The new databases have the names the stack gives them; the old ones are retired, stopped.
    let dr = db_instance(&world, DR, "woo-db-usw2");
    assert_eq!(
        dr.read_replica_source_db_instance_identifier(),
        Some("arn:aws:rds:us-east-1:123456789012:db:woo-db-use1")
    );
    for (region, retired) in [(PRIMARY, "woo-db-use1-old1"), (DR, "woo-db-usw2-old1")] {
        assert_eq!(
            db_instance(&world, region, retired).db_instance_status(),
            Some("stopped"),
            "{retired}"
        );
    }
    assert_eq!(
        read_only(&world, PRIMARY).as_deref(),
        Some("0"),
        "the new primary takes writes"
    );
    assert_eq!(parameter(&world, PRIMARY, "/woo/prod/maintenance"), "off");
    let state = recorded_state(&world);
    assert_eq!(state["active_region"], PRIMARY);
    assert_eq!(state["status"], "idle");
    assert_eq!(state["background_jobs_region"], PRIMARY);
    // Which instance is which, in the recorded state rather than a hand edit of stack.toml.
    assert_eq!(
        state["retired_databases"],
        json!([
            {"id": "woo-db-use1-old1", "was": "woo-db-use1", "region": PRIMARY, "incident_id": state["incident_id"]},
            {"id": "woo-db-usw2-old1", "was": "woo-db-usw2", "region": DR, "incident_id": state["incident_id"]},
        ]),
        "{state}"
    );
    assert!(
        !gated(&world, PRIMARY),
        "writes open where the shop serves again"
    );
    assert!(gated(&world, DR), "the DR region stays gated");
    assert!(jobs_running(&world, PRIMARY), "the primary runner is back");
    assert!(!jobs_running(&world, DR), "the DR runner is stopped");
}

#[test]
fn failback_stops_before_cutting_back_while_the_gap_has_unresolved_orders_and_can_start_again() {
    let world = failed_over(2);
    let (outcome, states) =
        run_workflow(&world, "failback", failback_request(), true, Arc::default());
    let Outcome::Failed { error, .. } = &outcome else {
        panic!("the failback went on: {outcome:?}\nstates: {states:?}");
    };
    assert_eq!(error.as_deref(), Some("UnreconciledOrders"));
    assert_order(
        &states,
        &[
            "Reconcile gap",
            "Gap reconciled",
            "Notify unreconciled orders",
        ],
    );
    for step in [
        "Create replica in primary region",
        "Gate writes in secondary region",
        "Pause background jobs in secondary region",
        "Stop writes",
        "Promote replica",
        "Switch DNS",
    ] {
        assert!(!states.iter().any(|s| s == step), "{step} ran: {states:?}");
    }

    // Nothing was cut back: the shop still serves from DR, open, with its runner.
    for (name, target) in records(&world) {
        assert!(target.starts_with("woo-usw2-"), "{name} → {target}");
    }
    let replicas = world.rt.block_on(
        aws_sdk_rds::Client::new(&config(&world.endpoint, PRIMARY))
            .describe_db_instances()
            .db_instance_identifier("woo-db-use1-old1")
            .send(),
    );
    assert!(
        replicas.is_err(),
        "the old primary is not retired: no replica was created in its name"
    );
    assert!(parameter(&world, DR, "/woo/prod/db_host").contains("woo-db-usw2"));
    // The state is as the failover left it, so the failback can be started again once the
    // orders are handled (a `failing_back` state would refuse it as already running).
    let state = recorded_state(&world);
    assert_eq!(state["active_region"], DR);
    assert_eq!(state["status"], "idle", "{state}");
    assert!(!states.iter().any(|s| s == "Record failing back"));
    assert!(!gated(&world, DR), "DR still takes orders");
    assert!(jobs_running(&world, DR) && !jobs_running(&world, PRIMARY));

    // Staff handled the orders: the same failback, started again, goes on.
    let mut request = failback_request();
    request["gap_reconciled"] = json!(true);
    let (outcome, states) = run_workflow(&world, "failback", request, true, Arc::default());
    assert!(
        matches!(outcome, Outcome::Succeeded { .. }),
        "{outcome:?}\nstates: {states:?}"
    );
    assert_order(
        &states,
        &[
            "Reconcile gap",
            "Gap reconciled",
            "Record failing back",
            "Promote replica",
            "Switch DNS",
            "Failed back",
        ],
    );
    for (name, target) in records(&world) {
        assert!(target.starts_with("woo-use1-"), "{name} → {target}");
    }
    assert_eq!(recorded_state(&world)["background_jobs_region"], PRIMARY);
}

#[test]
fn switchover_moves_the_shop_with_the_primary_read_only_until_the_replica_caught_up() {
    let world = world(0.0);
    let input = json!({"change_id": "CHG-1234", "requested_by": "sre@example.com", "reason": null});
    let seen = Arc::new(Seen::default());
    let (outcome, states) = run_workflow(&world, "switchover", input, true, seen.clone());
    assert!(
        matches!(outcome, Outcome::Succeeded { .. }),
        "{outcome:?}\nstates: {states:?}"
    );
    assert_order(
        &states,
        &[
            "Record switching over",
            "Gate writes in primary region",
            "Gate writes in secondary region",
            "Pause background jobs in primary region",
            "Stop writes",
            "Wait for lag 0",
            "Promote replica",
            "Allow writes",
            "Flush secondary cache",
            "Scale secondary compute up",
            "Leave maintenance mode",
            "Repoint app",
            "Open writes",
            "Switch DNS",
            "Smoke test",
            "Resume background jobs in secondary region",
            "Record switched over",
            "Switched over",
        ],
    );
    // No data loss, so no order ids to reserve and no gap to reconcile.
    let stood_in: Vec<String> = seen
        .stood_in
        .lock()
        .unwrap()
        .iter()
        .map(|(a, _)| a.clone())
        .collect();
    assert_eq!(stood_in, ["flush_cache", "smoke_test"]);
    assert_eq!(
        read_only(&world, PRIMARY).as_deref(),
        Some("1"),
        "the old primary is read-only"
    );
    assert_eq!(parameter(&world, PRIMARY, "/woo/prod/maintenance"), "on");
    assert_eq!(parameter(&world, DR, "/woo/prod/maintenance"), "off");
    assert!(parameter(&world, DR, "/woo/prod/db_host").contains("woo-db-usw2"));
    for (name, target) in records(&world) {
        assert!(target.starts_with("woo-usw2-"), "{name} → {target}");
    }
    assert_eq!(desired_capacity(&world, DR, "woo-web-usw2"), Some(4));
    let state = recorded_state(&world);
    assert_eq!(state["active_region"], DR);
    assert_eq!(state["incident_id"], "CHG-1234");
    assert_eq!(state["background_jobs_region"], DR);
    assert!(!gated(&world, DR) && gated(&world, PRIMARY));
    assert!(jobs_running(&world, DR) && !jobs_running(&world, PRIMARY));
}

/// Preflight's `aws-sdk:` tasks, served by the Rust SDK against moto: the parameters in, the
/// response's fields the workflow reads out (the integration's AWS casing).
fn sdk_handlers(world: &World, handlers: Handlers) -> Handlers {
    let (rt, endpoint) = (world.rt.clone(), world.endpoint.clone());
    let records = move |r: &TaskRequest| {
        let client = aws_sdk_route53::Client::new(&config(&endpoint, DR));
        let out = rt.block_on(
            client
                .list_resource_record_sets()
                .hosted_zone_id(r.payload["HostedZoneId"].as_str().unwrap())
                .start_record_name(r.payload["StartRecordName"].as_str().unwrap())
                .max_items(
                    r.payload["MaxItems"]
                        .as_str()
                        .unwrap()
                        .parse::<i32>()
                        .unwrap(),
                )
                .send(),
        );
        let sets: Vec<Value> = out
            .unwrap()
            .resource_record_sets()
            .iter()
            .map(|r| json!({ "Name": r.name(), "Type": r.r#type().as_str() }))
            .collect();
        TaskOutcome::Succeeded(json!({ "ResourceRecordSets": sets }))
    };
    let (rt, endpoint) = (world.rt.clone(), world.endpoint.clone());
    let groups = move |r: &TaskRequest| {
        let client = aws_sdk_autoscaling::Client::new(&config(&endpoint, DR));
        let names: Vec<String> =
            serde_json::from_value(r.payload["AutoScalingGroupNames"].clone()).unwrap();
        let out = rt.block_on(
            client
                .describe_auto_scaling_groups()
                .set_auto_scaling_group_names(Some(names))
                .send(),
        );
        let groups: Vec<Value> = out
            .unwrap()
            .auto_scaling_groups()
            .iter()
            .map(|g| {
                json!({
                    "AutoScalingGroupName": g.auto_scaling_group_name(),
                    "MinSize": g.min_size(), "MaxSize": g.max_size(),
                    "DesiredCapacity": g.desired_capacity(),
                })
            })
            .collect();
        TaskOutcome::Succeeded(json!({ "AutoScalingGroups": groups }))
    };
    let (rt, endpoint) = (world.rt.clone(), world.endpoint.clone());
    let metric = move |r: &TaskRequest| {
        use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
        let data: Vec<MetricDatum> = r.payload["MetricData"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let dimensions = d["Dimensions"].as_array().unwrap().iter().map(|x| {
                    Dimension::builder()
                        .name(x["Name"].as_str().unwrap())
                        .value(x["Value"].as_str().unwrap())
                        .build()
                });
                MetricDatum::builder()
                    .metric_name(d["MetricName"].as_str().unwrap())
                    .value(d["Value"].as_f64().unwrap())
                    .unit(StandardUnit::from(d["Unit"].as_str().unwrap()))
                    .set_dimensions(Some(dimensions.collect()))
                    .build()
            })
            .collect();
        let client = aws_sdk_cloudwatch::Client::new(&config(&endpoint, DR));
        rt.block_on(
            client
                .put_metric_data()
                .namespace(r.payload["Namespace"].as_str().unwrap())
                .set_metric_data(Some(data))
                .send(),
        )
        .unwrap();
        TaskOutcome::Succeeded(json!({}))
    };
    let simulate = |r: &TaskRequest| {
        let results: Vec<Value> = r.payload["ActionNames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| json!({ "EvalActionName": a, "EvalResourceName": "*", "EvalDecision": "allowed" }))
            .collect();
        TaskOutcome::Succeeded(json!({ "EvaluationResults": results, "IsTruncated": false }))
    };
    let (rt, endpoint) = (world.rt.clone(), world.endpoint.clone());
    let secret = move |r: &TaskRequest| {
        use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
        let client = aws_sdk_secretsmanager::Client::new(&config(&endpoint, DR));
        let id = r.payload["SecretId"].as_str().unwrap();
        match rt.block_on(client.describe_secret().secret_id(id).send()) {
            Ok(out) => {
                let mut described = json!({ "ARN": out.arn(), "Name": out.name() });
                // Absent unless scheduled for deletion (the workflow tests its presence).
                if let Some(deleted) = out.deleted_date() {
                    described["DeletedDate"] = json!(deleted.secs());
                }
                TaskOutcome::Succeeded(described)
            }
            // Step Functions names an SDK error `<Service>.<Exception>`.
            Err(e) => TaskOutcome::failed(
                format!("SecretsManager.{}", e.code().unwrap_or("Unknown")),
                e.message().unwrap_or_default().to_string(),
            ),
        }
    };
    handlers
        .resource("aws-sdk:secretsmanager:describeSecret", secret)
        .resource("aws-sdk:route53:listResourceRecordSets", records)
        .resource("aws-sdk:autoscaling:describeAutoScalingGroups", groups)
        .resource("aws-sdk:cloudwatch:putMetricData", metric)
        .resource("aws-sdk:iam:simulatePrincipalPolicy", simulate)
}

/// The `FailoverReady` values preflight published to moto's CloudWatch, (min, max).
fn failover_ready(world: &World) -> (f64, f64) {
    use aws_sdk_cloudwatch::types::{Dimension, Statistic};
    let client = aws_sdk_cloudwatch::Client::new(&config(&world.endpoint, DR));
    let now = std::time::SystemTime::now();
    let out = world.rt.block_on(
        client
            .get_metric_statistics()
            .namespace("wfc/woo")
            .metric_name("FailoverReady")
            .dimensions(Dimension::builder().name("Shop").value("woo").build())
            .start_time((now - std::time::Duration::from_secs(600)).into())
            .end_time((now + std::time::Duration::from_secs(60)).into())
            .period(3600)
            .statistics(Statistic::Minimum)
            .statistics(Statistic::Maximum)
            .send(),
    );
    let out = out.unwrap();
    let points = out.datapoints();
    assert_eq!(points.len(), 1, "{points:?}");
    (points[0].minimum().unwrap(), points[0].maximum().unwrap())
}

#[test]
fn preflight_checks_the_shop_in_moto_and_publishes_failover_ready() {
    let world = world(4.0);
    // The records the shop serves exist (preflight looks them up).
    world.rt.block_on(async {
        use aws_sdk_route53::types::*;
        let changes = ["shop.example.com", "www.shop.example.com"].map(|name| {
            Change::builder()
                .action(ChangeAction::Upsert)
                .resource_record_set(
                    ResourceRecordSet::builder()
                        .name(name)
                        .r#type(RrType::A)
                        .alias_target(
                            AliasTarget::builder()
                                .dns_name("woo-use1-1234567890.us-east-1.elb.amazonaws.com")
                                .hosted_zone_id("Z35SXDOTRQ7X7K")
                                .evaluate_target_health(false)
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        });
        aws_sdk_route53::Client::new(&config(&world.endpoint, DR))
            .change_resource_record_sets()
            .hosted_zone_id(&world.stack.dns.hosted_zone_id)
            .change_batch(
                ChangeBatch::builder()
                    .set_changes(Some(changes.to_vec()))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    let run = |world: &World| {
        let compiled = wfc_workflows::build("preflight", &world.stack)
            .unwrap()
            .unwrap();
        let handlers = sdk_handlers(world, handlers(world, false, Arc::default()));
        let engine = Engine::new(compiled.machine)
            .with_handlers(handlers)
            .with_options(Options {
                start_time: now_millis(),
                history: true,
                ..Options::default()
            });
        let report = engine.run(json!({ "time": "2026-11-26T03:30:00Z" }));
        let ends: Vec<String> = report
            .history
            .iter()
            .filter(|e| e.kind == "SucceedStateEntered")
            .filter_map(|e| e.details.as_ref()?.1["name"].as_str().map(String::from))
            .collect();
        (report.outcome, ends)
    };
    // Each check's `{check, ok, detail}`, by name.
    let check = |outcome: &Outcome, name: &str| {
        let Outcome::Succeeded { output } = outcome else {
            panic!("{outcome:?}")
        };
        let checks = output["checks"].as_array().unwrap();
        let found = checks.iter().find(|c| c["check"] == name);
        found
            .unwrap_or_else(|| panic!("no {name} check: {checks:?}"))
            .clone()
    };
    let (outcome, ends) = run(&world);
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert_eq!(ends, ["Ready"]);
    assert_eq!(failover_ready(&world), (1.0, 1.0));
    // Read from both regions' Secrets Manager and SSM, and both regions' schedules.
    let identity = check(&outcome, "identity");
    assert_eq!(identity["ok"], true, "{identity}");
    assert!(
        identity["detail"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("shop identity equal in us-east-1 and us-west-2"),
        "{identity}"
    );
    let jobs = check(&outcome, "background_jobs");
    assert_eq!(jobs["ok"], true, "{jobs}");
    assert_eq!(jobs["detail"]["running_in"], json!([PRIMARY]));
    let secret = check(&outcome, "database_credentials");
    assert_eq!(secret["ok"], true, "{secret}");

    // Media replication switched off: failover would leave the shop without its images. The
    // DR job runner started by mistake: renewals would be charged twice. And DR's database
    // secret scheduled for deletion: the promoted database could not be logged in to.
    world
        .rt
        .block_on(
            aws_sdk_secretsmanager::Client::new(&config(&world.endpoint, DR))
                .delete_secret()
                .secret_id("woo/prod/db-usw2")
                .recovery_window_in_days(7)
                .send(),
        )
        .unwrap();
    world
        .rt
        .block_on(
            s3(&world.endpoint)
                .delete_bucket_replication()
                .bucket("woo-media-use1")
                .send(),
        )
        .unwrap();
    let runner =
        json!({"runner": {"kind": "scheduler", "schedule_name": "woo-cron-usw2"}, "region": DR});
    let env = AwsEnv::local(&world.endpoint, DR);
    world
        .rt
        .block_on(wfc_lambda::dispatch("resume_background_jobs", runner, &env))
        .unwrap();
    let (outcome, ends) = run(&world);
    assert!(matches!(outcome, Outcome::Succeeded { .. }), "{outcome:?}");
    assert_eq!(ends, ["Not ready"]);
    let Outcome::Succeeded { output } = &outcome else {
        unreachable!()
    };
    let failing: Vec<&str> = output["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(
        failing,
        ["media", "background_jobs", "database_credentials"]
    );
    let secret = check(&outcome, "database_credentials");
    assert!(secret["detail"]["deleted_date"].is_number(), "{secret}");
    assert_eq!(
        check(&outcome, "background_jobs")["detail"]["running_in"],
        json!([PRIMARY, DR])
    );
    assert_eq!(
        failover_ready(&world),
        (0.0, 1.0),
        "a 0 published after the 1"
    );
}
