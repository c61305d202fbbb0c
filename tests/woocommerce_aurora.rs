//! The failover of an Aurora global database (examples/woocommerce/stack-aurora.toml) in the local
//! engine, on virtual time. moto has no global clusters, so the database activities are stood in;
//! what is tested is the workflow: between polls it waits on a task token, and the completion
//! event's rule (`wake_waiter`, here the test) ends that wait early; without an event the poll
//! comes after the 30 s interval. Either way the poll confirms the database is writable.
//!
//! The shop's edges are real, in moto (tests/support/shop_edges.rs): `gate_writes`,
//! `open_writes`, `pause_background_jobs` and `resume_background_jobs` run against its WAF web
//! ACLs and Scheduler schedules. Where moto cannot play a part, the activity is stood in: every
//! database activity (no global clusters; no SQL endpoint for `reserve_order_ids` and
//! `reconcile_gap`), `flush_cache` (no Redis), `smoke_test` (no shop), `notify`, `record_state`.

#[path = "support/shop_edges.rs"]
mod shop_edges;

use serde_json::{json, Value};
use std::sync::Arc;
use wfc_adapters::aws::AwsEnv;
use wfc_compiler::dsl::activity_of_placeholder;
use wfc_engine::dispatch::{Handlers, TaskOutcome, TaskRequest};
use wfc_engine::{Engine, Execution, Options, Outcome};
use wfc_events::{InputTransformer, Pattern};
use wfc_stack::Stack;
use wfc_testkit::MotoServer;

const PRIMARY: &str = "us-east-1";
const DR: &str = "us-west-2";

/// The Aurora stack as written, for what needs no AWS.
fn stack() -> Stack {
    let text = std::fs::read_to_string("examples/woocommerce/stack-aurora.toml").unwrap();
    Stack::load(&text).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The shop's edges created in moto, and the Aurora stack naming moto's web ACLs.
struct Edges {
    _moto: MotoServer,
    endpoint: String,
    rt: Arc<tokio::runtime::Runtime>,
    stack: Stack,
    created: shop_edges::ShopEdges,
}

fn edges() -> Edges {
    let moto = MotoServer::start();
    let endpoint = moto.endpoint();
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
    let created = rt.block_on(shop_edges::create_write_gates_and_runners(&endpoint));
    let text = std::fs::read_to_string("examples/woocommerce/stack-aurora.toml").unwrap();
    let stack = Stack::load(&created.apply(&text)).unwrap_or_else(|e| panic!("{e:?}"));
    Edges {
        _moto: moto,
        endpoint,
        rt,
        stack,
        created,
    }
}

/// The activities that run against moto (the shop's edges); the others are stood in.
const REAL: [&str; 4] = [
    "gate_writes",
    "open_writes",
    "pause_background_jobs",
    "resume_background_jobs",
];

/// What each stood-in activity answers: a healthy run where the primary region is down.
fn answer(activity: &str, payload: &Value) -> Value {
    match activity {
        "assess_outage" => json!({
            "verdict": "down", "primary_down": true, "checkers_total": 8, "checkers_failing": 8,
            "failing_share": 1.0, "alarm_state": "ALARM", "reason": "8 of 8 checkers fail"}),
        "check_failover_guard" => json!({
            "allowed": true, "reason": "no failover recorded before", "state": null,
            "minutes_since_last_failover": null}),
        "check_replica" => json!({
            "db_instance_id": "woo-usw2", "status": "available", "engine": "aurora-mysql",
            "is_replica": true, "replica_source": null, "backups_enabled": true,
            "backup_retention_days": 7, "backing_up": false, "lag_known": true,
            "lag_seconds": 1.0, "last_known_lag_seconds": 1.0, "lag_detail": "1 s",
            "rpo_verdict": "within_limit", "override_used": false, "promote_allowed": true}),
        // The cluster asked for: the promoted one (DR) or the old primary.
        "describe_database" => {
            let id = payload["db_cluster_id"].as_str().unwrap_or("woo-usw2");
            let region = payload["region"].as_str().unwrap_or(DR);
            json!({
                "id": id, "status": "available", "available": true, "is_replica": false,
                "replica_source": null,
                "endpoint": format!("{id}.cluster-abc.{region}.rds.amazonaws.com"),
                "port": 3306, "engine": "aurora-mysql"})
        }
        "register_waiter" => json!({ "woken_by": "registered" }),
        "reserve_order_ids" => json!({
            "tables": [{"table": "wp_posts", "max_id": 1041, "auto_increment_before": 1042,
                        "auto_increment_after": 1001042, "changed": true}],
            "absent": [], "previous_max_order_id": 1041, "order_id_floor": 1001042}),
        "flush_cache" => json!({ "keys_before": 12, "database": 0, "flushed": true }),
        "smoke_test" => json!({ "passed": true, "results": [], "shop_checks": [] }),
        "reconcile_gap" => json!({
            "old_primary_reachable": true, "detail": "no order in the gap", "since_order_id": 1041,
            "orders": [], "stock_changes": [], "unresolved_orders": 0, "report_markdown": ""}),
        _ => json!({}),
    }
}

fn handlers(edges: &Edges) -> Handlers {
    let env = Arc::new(AwsEnv::local(&edges.endpoint, DR));
    let rt = edges.rt.clone();
    let lambda = move |request: &TaskRequest| {
        let activity = request
            .function_name
            .as_deref()
            .and_then(activity_of_placeholder)
            .unwrap();
        if !REAL.contains(&activity) {
            return TaskOutcome::Succeeded(answer(activity, &request.payload));
        }
        let result = rt.block_on(wfc_lambda::dispatch(
            activity,
            request.payload.clone(),
            &env,
        ));
        match result {
            Ok(output) => TaskOutcome::Succeeded(output),
            Err(e) => TaskOutcome::failed(e.name(), e.to_string()),
        }
    };
    Handlers::new()
        .lambda_fallback(lambda)
        .resource("arn:aws:states:::sns:publish", |_: &TaskRequest| {
            TaskOutcome::Succeeded(json!({ "MessageId": "m-1" }))
        })
}

/// Runs the failover; when it waits for the promotion event, `event_after` seconds later the
/// event's rule answers (or never, when `None`). Returns the execution, finished.
fn run(edges: &Edges, event_after: Option<f64>) -> Execution {
    let compiled = wfc_workflows::build("failover", &edges.stack)
        .unwrap()
        .unwrap();
    let engine = Engine::new(compiled.machine)
        .with_handlers(handlers(edges))
        .with_options(Options {
            history: true,
            ..Options::default()
        });
    let mut execution = engine.start(json!({
        "incident_id": "INC-7",
        "trigger": {"source": "manual", "name": "oncall", "region": "us-east-1"},
        "time": "2024-01-01T00:00:00Z",
        "rpo_override": null
    }));
    let mut steps = 0;
    while !execution.is_complete() {
        steps += 1;
        assert!(steps < 200, "the run does not end");
        let pending = execution.pending_tasks();
        let approval = pending.iter().find(|t| t.state_name == "Ask for approval");
        let waiter = pending
            .iter()
            .find(|t| t.state_name == "Wait for promotion event");
        if let Some(task) = approval {
            execution
                .send_task_success(&task.token, json!({"approved": true}))
                .unwrap();
        } else if let (Some(task), Some(after)) = (waiter, event_after) {
            let token = task.token.clone();
            execution.advance(after);
            // What `wake_waiter` sends when RDS-EVENT-0238 arrives.
            execution
                .send_task_success(&token, json!({"woken_by": "RDS-EVENT-0238"}))
                .unwrap();
        } else {
            execution.resume();
        }
    }
    execution
}

/// Seconds from entering `from` to entering `to` (their first entries).
fn seconds_between(execution: &Execution, from: &str, to: &str) -> f64 {
    let entered = |name: &str| {
        execution
            .history()
            .iter()
            .find(|e| {
                e.kind.ends_with("StateEntered")
                    && e.details.as_ref().is_some_and(|(_, d)| d["name"] == name)
            })
            .unwrap_or_else(|| panic!("{name} was not entered"))
            .timestamp
    };
    (entered(to) - entered(from)) as f64 / 1000.0
}

/// Writes were gated at both web ACLs and the old region's jobs paused before the global
/// failover; DNS moved while it ran; ids reserved and the cache flushed before writes opened in
/// DR; DR's jobs resumed last. In moto: DR open and running jobs, the old region gated and paused.
fn assert_edges_moved(edges: &Edges, execution: &Execution) {
    let states: Vec<String> = execution
        .history()
        .iter()
        .filter(|e| e.kind.ends_with("StateEntered"))
        .filter_map(|e| Some(e.details.as_ref()?.1["name"].as_str()?.to_string()))
        .collect();
    let at = |name: &str| {
        states
            .iter()
            .position(|s| *s == name)
            .unwrap_or_else(|| panic!("{name} not run: {states:?}"))
    };
    // DNS moves to DR (still gated) while the global cluster fails over.
    let orders: [&[&str]; 6] = [
        &["Gate writes in old region", "Fail over global cluster"],
        &["Gate writes in DR region", "Fail over global cluster"],
        &[
            "Pause background jobs in old region",
            "Fail over global cluster",
        ],
        &[
            "Fail over global cluster",
            "Describe promoted database",
            "Reserve order ids",
            "Open writes",
            "Resume background jobs in DR region",
        ],
        &[
            "Describe promoted database",
            "Flush DR cache",
            "Open writes",
        ],
        &[
            "Gate writes in DR region",
            "Switch DNS",
            "Reserve order ids",
        ],
    ];
    for order in orders {
        for pair in order.windows(2) {
            assert!(at(pair[0]) < at(pair[1]), "{pair:?}: {states:?}");
        }
    }
    let (rt, endpoint, created) = (&edges.rt, &edges.endpoint, &edges.created);
    assert!(!rt.block_on(created.gated(endpoint, DR)));
    assert!(rt.block_on(created.gated(endpoint, PRIMARY)));
    assert!(rt.block_on(created.schedule_enabled(endpoint, DR)));
    assert!(!rt.block_on(created.schedule_enabled(endpoint, PRIMARY)));
}

#[test]
fn the_completion_event_wakes_the_wait_early_and_the_poll_confirms() {
    let edges = edges();
    let execution = run(&edges, Some(4.0));
    assert!(
        matches!(execution.outcome(), Outcome::Succeeded { .. }),
        "{:?}",
        execution.outcome()
    );
    let waited = seconds_between(
        &execution,
        "Wait for promotion event",
        "Describe promoted database",
    );
    assert_eq!(
        waited, 4.0,
        "woken by the event after 4 s, not the 30 s poll"
    );
    assert_edges_moved(&edges, &execution);
}

#[test]
fn without_an_event_the_wait_times_out_into_the_poll() {
    let edges = edges();
    let execution = run(&edges, None);
    assert!(
        matches!(execution.outcome(), Outcome::Succeeded { .. }),
        "{:?}",
        execution.outcome()
    );
    let waited = seconds_between(
        &execution,
        "Wait for promotion event",
        "Describe promoted database",
    );
    assert_eq!(waited, 30.0);
    assert_edges_moved(&edges, &execution);
    let entered_timeout = execution.history().iter().any(|e| {
        e.details
            .as_ref()
            .is_some_and(|(_, d)| d["name"] == "No promotion event yet")
    });
    assert!(entered_timeout);
}

#[test]
fn the_completion_rule_hands_wake_waiter_the_event_and_the_waiter_parameter() {
    let rules = wfc_workflows::woocommerce::rules::rules(&stack());
    let rule = rules
        .iter()
        .find(|r| r["Rule"]["Name"] == "woo-promotion-completed")
        .expect("an Aurora stack has the wake-up rule");
    let event = json!({
        "version": "0", "id": "e1", "detail-type": "RDS DB Cluster Event", "source": "aws.rds",
        "account": "123456789012", "time": "2026-11-26T03:20:00Z", "region": "us-west-2",
        "resources": ["arn:aws:rds:us-west-2:123456789012:cluster:woo-usw2"],
        "detail": {"EventCategories": ["global-failover"], "SourceType": "CLUSTER",
                   "SourceIdentifier": "woo-usw2", "EventID": "RDS-EVENT-0238",
                   "Message": "Global failover to DB cluster woo-usw2 completed."}
    });
    let pattern = Pattern::parse(rule["Rule"]["EventPattern"].as_str().unwrap()).unwrap();
    assert!(pattern.matches(&event));
    let target = &rule["Targets"][0];
    assert_eq!(target["Arn"], "${wake_waiter_function_arn}");
    let transformer: InputTransformer =
        serde_json::from_value(target["InputTransformer"].clone()).unwrap();
    let input: Value = serde_json::from_str(&transformer.apply(&event).unwrap()).unwrap();
    assert_eq!(
        input,
        json!({"parameter_name": "/wfc/woo/waiters/promotion", "event_id": "RDS-EVENT-0238"})
    );
    // The input is what the activity takes.
    let _: wfc_activities::promotion_waiter::WakeWaiterInput =
        serde_json::from_value(input).unwrap();
}
