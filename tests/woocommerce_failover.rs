//! The failover workflow end to end: a real-shaped CloudWatch alarm event goes through the
//! compiled EventBridge rules and the pattern matcher, its input transformer builds the
//! execution input, and the compiled failover runs in the local engine with the real activities,
//! in process, against moto (RDS, Route 53, SSM, SNS, CloudWatch, Auto Scaling on loopback).
//! Then moto's state is checked: the replica promoted, the app repointed, the records switched,
//! DR compute scaled, the old primary fenced, the DR state recorded.
//!
//! Where moto cannot play a part, the test says so and stands in for it:
//! - moto's GetHealthCheckStatus reports every checker healthy, so `assess_outage` answers
//!   "false alarm" through moto (shown by the first run); the second run stands in a "down" verdict;
//! - moto's PromoteReadReplica keeps `ReadReplicaSourceDBInstanceIdentifier`, so the real
//!   `describe_database` answer is passed on with `is_replica` cleared once promotion was asked;
//! - there is no Redis and no shop on this machine: `prepare_cache` and `smoke_test` are stood in
//!   (the WooCommerce issue brings a real Redis and a Store API imitation).

use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wfc_activities::aws::AwsEnv;
use wfc_compiler::dsl::activity_of_placeholder;
use wfc_engine::dispatch::{Handlers, TaskOutcome, TaskRequest};
use wfc_engine::{Engine, Options, Outcome};
use wfc_events::{InputTransformer, Pattern};
use wfc_stack::Stack;
use wfc_testkit::MotoServer;

const PRIMARY: &str = "us-east-1";
const DR: &str = "us-west-2";

struct World {
    _moto: MotoServer,
    endpoint: String,
    rt: Arc<tokio::runtime::Runtime>,
    stack: Stack,
}

fn config(endpoint: &str, region: &str) -> aws_types::SdkConfig {
    AwsEnv::local(endpoint, region).config(None)
}

/// The example shop, created in moto; the stack description is the example's with moto's
/// generated ids (hosted zone, health checks) put in.
fn world() -> World {
    let moto = MotoServer::start();
    let endpoint = moto.endpoint();
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
    let ids = rt.block_on(create_shop(&endpoint));
    let text = wfc_workflows::EXAMPLE_STACK
        .replace("Z0123456789ABCDEFGHIJ", &ids.zone)
        .replace("0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", &ids.primary_check)
        .replace("1c2d3e4f-5061-4b7c-9d8e-0f1a2b3c4d5e", &ids.dr_check);
    let stack = Stack::load(&text).unwrap_or_else(|e| panic!("{e:?}"));
    World {
        _moto: moto,
        endpoint,
        rt,
        stack,
    }
}

struct Ids {
    zone: String,
    primary_check: String,
    dr_check: String,
}

async fn create_shop(endpoint: &str) -> Ids {
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

    // Replication lag of the DR replica: 4 s, now.
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StateValue};
    let cw = |r| aws_sdk_cloudwatch::Client::new(&config(endpoint, r));
    cw(DR)
        .put_metric_data()
        .namespace("AWS/RDS")
        .metric_data(
            MetricDatum::builder()
                .metric_name("ReplicaLag")
                .dimensions(
                    Dimension::builder()
                        .name("DBInstanceIdentifier")
                        .value("woo-db-usw2")
                        .build(),
                )
                .value(4.0)
                .timestamp(std::time::SystemTime::now().into())
                .build(),
        )
        .send()
        .await
        .unwrap();
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

    // DNS: the zone, the shop's alias records on the primary ALB, and a health check per region.
    let r53 = aws_sdk_route53::Client::new(&config(endpoint, DR));
    let zone = r53
        .create_hosted_zone()
        .name("shop.example.com.")
        .caller_reference("woo-zone")
        .send()
        .await
        .unwrap();
    let zone = zone
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string();
    let mut checks = Vec::new();
    for host in ["woo-use1.example.com", "woo-usw2.example.com"] {
        use aws_sdk_route53::types::{HealthCheckConfig, HealthCheckType};
        let out = r53
            .create_health_check()
            .caller_reference(host)
            .health_check_config(
                HealthCheckConfig::builder()
                    .r#type(HealthCheckType::Https)
                    .fully_qualified_domain_name(host)
                    .port(443)
                    .resource_path("/")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        checks.push(out.health_check().unwrap().id().to_string());
    }

    // The app's configuration: database host in the DR region, maintenance flag in the primary.
    ssm(DR)
        .put_parameter()
        .name("/woo/prod/db_host")
        .value("woo-db-use1.abc.us-east-1.rds.amazonaws.com")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
    ssm(PRIMARY)
        .put_parameter()
        .name("/woo/prod/maintenance")
        .value("off")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();

    // DR compute: a pilot-light Auto Scaling group of one.
    let asg = aws_sdk_autoscaling::Client::new(&config(endpoint, DR));
    asg.create_launch_configuration()
        .launch_configuration_name("woo-web")
        .image_id("ami-12c6146b")
        .instance_type("t3.small")
        .send()
        .await
        .unwrap();
    asg.create_auto_scaling_group()
        .auto_scaling_group_name("woo-web-usw2")
        .launch_configuration_name("woo-web")
        .min_size(0)
        .max_size(10)
        .desired_capacity(1)
        .availability_zones("us-west-2a")
        .send()
        .await
        .unwrap();

    aws_sdk_sns::Client::new(&config(endpoint, DR))
        .create_topic()
        .name("woo-dr")
        .send()
        .await
        .unwrap();
    Ids {
        zone,
        primary_check: checks[0].clone(),
        dr_check: checks[1].clone(),
    }
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

/// What the run saw: the approval requests, and whether promotion was asked.
#[derive(Default)]
struct Seen {
    approval_messages: Mutex<Vec<String>>,
    promoted: AtomicBool,
}

/// The real activities against moto, with the stand-ins the module doc lists.
fn handlers(world: &World, outage_down: bool, seen: Arc<Seen>) -> Handlers {
    let env = Arc::new(AwsEnv::local(&world.endpoint, DR));
    let rt = world.rt.clone();
    let seen_lambda = seen.clone();
    let lambda = move |request: &TaskRequest| {
        let activity = request
            .function_name
            .as_deref()
            .and_then(activity_of_placeholder)
            .expect("every Lambda task names an activity placeholder")
            .to_string();
        match activity.as_str() {
            "assess_outage" if outage_down => {
                return TaskOutcome::Succeeded(json!({
                    "verdict": "down", "primary_down": true, "checkers_total": 8,
                    "checkers_failing": 8, "failing_share": 1.0, "alarm_state": "ALARM",
                    "reason": "8 of 8 checkers fail (stood in: moto reports every checker healthy)"
                }))
            }
            "prepare_cache" => {
                return TaskOutcome::Succeeded(json!({"mode": "flush_keys", "detail": "stood in"}))
            }
            "smoke_test" => return TaskOutcome::Succeeded(json!({"passed": true, "results": []})),
            "promote_replica" => seen_lambda.promoted.store(true, Ordering::SeqCst),
            _ => {}
        }
        let result = rt.block_on(wfc_activities::lambda::dispatch(
            &activity,
            request.payload.clone(),
            &env,
        ));
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
    let compiled = wfc_workflows::build("failover", &world.stack)
        .unwrap()
        .unwrap();
    let engine = Engine::new(compiled.machine)
        .with_handlers(handlers(world, outage_down, seen))
        .with_options(Options {
            start_time: now_millis(),
            history: true,
            execution_name: Some("alarm-woo-use1-db-down".into()),
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

#[test]
fn failover_from_an_alarm_event_through_rules_engine_and_activities_against_moto() {
    let world = world();
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

    // The primary is down: the whole failover runs, with an approval answered by a person.
    let seen = Arc::new(Seen::default());
    let (outcome, states) = run_failover(&world, input, true, seen.clone());
    let Outcome::Succeeded { output } = &outcome else {
        panic!("failover did not succeed: {outcome:?}\nstates: {states:?}");
    };
    let order = |name: &str| {
        states
            .iter()
            .position(|s| s == name)
            .unwrap_or_else(|| panic!("{name} not run: {states:?}"))
    };
    assert!(order("Anti-flap guard") < order("Ask for approval"));
    assert!(order("Ask for approval") < order("Check replica lag"));
    assert!(order("Check replica lag") < order("Fence old primary"));
    assert!(order("Fence old primary") < order("Promote replica"));
    assert!(order("Promote replica") < order("Prepare DR"));
    assert!(order("Prepare DR") < order("Repoint app"));
    assert!(order("Repoint app") < order("Switch DNS"));
    assert!(order("Switch DNS") < order("Smoke test"));
    assert!(order("Smoke test") < order("Record failed over"));
    assert_eq!(states.last().unwrap(), "Failed over");
    let messages = seen.approval_messages.lock().unwrap();
    assert!(
        messages[0].contains("wfc approve arn:aws:states:") && messages[0].contains("wfc reject"),
        "the approval request says how to answer: {}",
        messages[0]
    );
    assert_eq!(output["fence"]["Payload"]["outcome"], "fenced");
    assert_eq!(output["replica"]["Payload"]["lag_seconds"], 4.0);

    // What moto holds now.
    world.rt.block_on(async {
        let ssm = |r| aws_sdk_ssm::Client::new(&config(&world.endpoint, r));
        let get = |r: &'static str, name: &'static str| {
            let client = ssm(r);
            async move {
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
            }
        };
        let host = get(DR, "/woo/prod/db_host").await;
        assert!(host.contains("woo-db-usw2"), "app repointed: {host}");
        assert_eq!(get(PRIMARY, "/woo/prod/maintenance").await, "on");
        let state: Value = serde_json::from_str(&get(DR, "/wfc/woo/state").await).unwrap();
        assert_eq!(state["active_region"], DR);
        assert_eq!(state["status"], "idle");

        let records = aws_sdk_route53::Client::new(&config(&world.endpoint, DR))
            .list_resource_record_sets()
            .hosted_zone_id(&world.stack.dns.hosted_zone_id)
            .send()
            .await
            .unwrap();
        for name in ["shop.example.com.", "www.shop.example.com."] {
            let record = records
                .resource_record_sets()
                .iter()
                .find(|r| r.name() == name)
                .unwrap_or_else(|| panic!("{name} missing"));
            let alias = record.alias_target().unwrap().dns_name();
            assert!(alias.starts_with("woo-usw2-"), "{name} → {alias}");
        }

        let groups = aws_sdk_autoscaling::Client::new(&config(&world.endpoint, DR))
            .describe_auto_scaling_groups()
            .auto_scaling_group_names("woo-web-usw2")
            .send()
            .await
            .unwrap();
        assert_eq!(groups.auto_scaling_groups()[0].desired_capacity(), Some(4));

        let params = aws_sdk_rds::Client::new(&config(&world.endpoint, PRIMARY))
            .describe_db_parameters()
            .db_parameter_group_name("woo-mysql80")
            .send()
            .await
            .unwrap();
        let read_only = params
            .parameters()
            .iter()
            .find(|p| p.parameter_name() == Some("read_only"))
            .and_then(|p| p.parameter_value());
        assert_eq!(read_only, Some("1"), "the old primary is fenced");
    });

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
