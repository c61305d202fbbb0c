//! The WooCommerce failover and switchover end to end on a self-managed MariaDB pair: the compiled
//! workflows run in the local engine with the real activities, in process, against a real
//! replicating MariaDB pair (primary and replica on loopback, the WooCommerce fixture loaded), a real Redis, a Store
//! API imitation, and moto (WAF, EventBridge Scheduler, Secrets Manager, SSM, Route 53, Auto
//! Scaling, SNS). Orders are taken on the primary, replication is cut, three more orders are
//! taken (the gap), and the primary region is declared down.
//!
//! It asserts, from the execution history, that the old region's background jobs were paused and
//! writes gated before the promotion, and that order ids were reserved, the cache flushed, writes
//! opened, DNS switched, the shop smoke-tested and the DR runner started after it, in that order;
//! and from the systems themselves: the runners' and gates' state in moto, `read_only` on the old
//! primary, a new order's id above every id the lost primary used, the Redis database empty, and
//! a reconciliation report listing exactly the three orders of the gap.
//!
//! Stand-ins, where nothing here can play the part:
//! - `assess_outage`: moto's GetHealthCheckStatus reports every checker healthy, so the "down"
//!   verdict is stood in;
//! - the smoke test's target: the imitation speaks plain HTTP on a loopback port, so the test
//!   rewrites the smoke test's input to `http://`, `connect_to: 127.0.0.1` and that port, and drops
//!   the plain GETs of the public name (there is no DNS for it here). The checks are the real ones;
//! - time: the engine's clock is virtual, the MariaDB replica's delay is real, so a failed lag
//!   check sleeps 0.5 s of real time before the workflow's Retry (10 s virtual) tries again.

#[path = "support/shop_base.rs"]
mod shop_base;
#[path = "support/shop_edges.rs"]
mod shop_edges;

use serde_json::{json, Value};
use std::sync::Arc;
use wfc_adapters::aws::AwsEnv;
use wfc_compiler::dsl::activity_of_placeholder;
use wfc_engine::dispatch::{Handlers, TaskOutcome, TaskRequest};
use wfc_engine::{Engine, Options, Outcome};
use wfc_stack::Stack;
use wfc_testkit::mariadb::{create_order, MariaDb, MariaDbPair};
use wfc_testkit::redis::RedisServer;
use wfc_testkit::store_api::StoreApi;
use wfc_testkit::MotoServer;

use shop_base::{config, ShopBase, DR, PRIMARY};

const CANARY: u64 = 13;

/// The example stack on this machine's servers: the MariaDB pair as a self-managed database, the
/// Redis on loopback, moto's ids.
fn stack_text(
    pair: &MariaDbPair,
    redis: &RedisServer,
    ids: &ShopBase,
    edges: &shop_edges::ShopEdges,
) -> String {
    let database = |role: &str, id: &str, db: &MariaDb| {
        format!(
            r#"database = {{ kind = "self_managed", role = "{role}", server_id = "{id}", host = "127.0.0.1", port = {}, tls = false }}"#,
            db.port()
        )
    };
    let mut text = String::new();
    for line in wfc_workflows::EXAMPLE_STACK.lines() {
        let line = if line.starts_with("database = ") && line.contains("\"primary\"") {
            database("primary", "woo-db-use1", &pair.primary)
        } else if line.starts_with("database = ") && line.contains("\"replica\"") {
            database("replica", "woo-db-usw2", &pair.replica)
        } else if line.starts_with("cache = ") {
            let group = if line.contains("use1") {
                "woo-cache-use1"
            } else {
                "woo-cache-usw2"
            };
            format!(
                r#"cache = {{ replication_group_id = "{group}", host = "127.0.0.1", port = {}, tls = false, database = 1 }}"#,
                redis.port()
            )
        } else if line.starts_with("fence = ") {
            r#"fence = { method = "read_only" }"#.to_string()
        } else if line.starts_with("approval = ") {
            r#"approval = "none""#.to_string()
        } else if line.starts_with("canary_product_id") {
            format!("canary_product_id = {CANARY}")
        } else {
            line.to_string()
        };
        text.push_str(&line);
        text.push('\n');
    }
    edges.apply(&ids.apply(&text))
}

/// What moto holds for the shop: credentials, app parameters, DNS, compute, the topic.
async fn create_shop(endpoint: &str) -> ShopBase {
    for (region, short) in [(PRIMARY, "use1"), (DR, "usw2")] {
        aws_sdk_secretsmanager::Client::new(&config(endpoint, region))
            .create_secret()
            .name(format!("woo/prod/db-{short}"))
            .secret_string(
                json!({ "username": MariaDb::USER, "password": MariaDb::PASSWORD }).to_string(),
            )
            .send()
            .await
            .unwrap();
        let ssm = aws_sdk_ssm::Client::new(&config(endpoint, region));
        for (name, value) in [
            ("/woo/prod/db_host", "127.0.0.1"),
            ("/woo/prod/maintenance", "off"),
        ] {
            ssm.put_parameter()
                .name(name)
                .value(value)
                .r#type(aws_sdk_ssm::types::ParameterType::String)
                .send()
                .await
                .unwrap();
        }
    }
    shop_base::create_dns_compute_and_topic(endpoint).await
}

/// The real activities, with the stand-ins the module doc lists.
fn handlers(env: Arc<AwsEnv>, rt: Arc<tokio::runtime::Runtime>, shop_port: u16) -> Handlers {
    Handlers::new().lambda_fallback(move |request: &TaskRequest| {
        let activity = request
            .function_name
            .as_deref()
            .and_then(activity_of_placeholder)
            .expect("every Lambda task names an activity placeholder")
            .to_string();
        let mut payload = request.payload.clone();
        match activity.as_str() {
            "assess_outage" => {
                return TaskOutcome::Succeeded(json!({
                    "verdict": "down", "primary_down": true, "checkers_total": 8,
                    "checkers_failing": 8, "failing_share": 1.0, "alarm_state": "ALARM",
                    "reason": "8 of 8 checkers fail (stood in: moto reports every checker healthy)"
                }))
            }
            "smoke_test" => {
                payload["checks"] = json!([]);
                let shop = &mut payload["woocommerce"];
                let site = shop["site_url"]
                    .as_str()
                    .unwrap()
                    .replace("https://", "http://");
                shop["site_url"] = json!(site);
                shop["connect_to"] = json!("127.0.0.1");
                shop["connect_port"] = json!(shop_port);
            }
            _ => {}
        }
        match rt.block_on(wfc_lambda::dispatch(&activity, payload, &env)) {
            Ok(output) => TaskOutcome::Succeeded(output),
            Err(e) => {
                // The engine's clock is virtual, the replica's delay is real: a lag check that
                // failed lets some real time pass, standing for part of its retry interval.
                if matches!(e.name(), "ReplicaLagTooHigh" | "ReplicaLagUnknown") {
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
                TaskOutcome::failed(e.name(), e.to_string())
            }
        }
    })
}

/// The position of the first event of `kind` for state `name` in the history.
fn position(history: &[(String, String)], kind: &str, name: &str) -> usize {
    history
        .iter()
        .position(|(k, n)| k == kind && n == name)
        .unwrap_or_else(|| panic!("no {kind} of {name:?} in the history:\n{history:#?}"))
}

/// The shop on this machine's servers, with moto for the AWS side.
struct World {
    pair: MariaDbPair,
    redis: RedisServer,
    shop: StoreApi,
    _moto: MotoServer,
    endpoint: String,
    rt: Arc<tokio::runtime::Runtime>,
    edges: shop_edges::ShopEdges,
    stack: Stack,
}

fn world() -> World {
    let pair = MariaDbPair::start();
    let redis = RedisServer::start();
    let shop = StoreApi::start("shop.example.com", CANARY);
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
    let edges = rt.block_on(shop_edges::create_write_gates_and_runners(&endpoint));
    let stack =
        Stack::load(&stack_text(&pair, &redis, &ids, &edges)).unwrap_or_else(|e| panic!("{e:?}"));
    rt.block_on(shop_base::create_state_machines(&endpoint, &stack));
    World {
        pair,
        redis,
        shop,
        _moto: moto,
        endpoint,
        rt,
        edges,
        stack,
    }
}

/// Runs `workflow` to its end; its output (it must succeed) and its history as (event kind,
/// name of the state the event belongs to).
fn run(world: &World, workflow: &str, input: Value) -> (Value, Vec<(String, String)>) {
    let compiled = wfc_workflows::build(workflow, &world.stack)
        .unwrap()
        .unwrap();
    let env = Arc::new(AwsEnv::local(&world.endpoint, DR));
    let engine = Engine::new(compiled.machine)
        .with_handlers(handlers(env, world.rt.clone(), world.shop.port()))
        .with_options(Options {
            start_time: 1_764_126_000_000,
            history: true,
            execution_name: Some(format!("{workflow}-self-managed")),
            state_machine_arn: world.stack.state_machine_arn(workflow),
            ..Options::default()
        });
    let report = engine.run(input);
    let output = match &report.outcome {
        Outcome::Succeeded { output } => output.clone(),
        other => panic!("the {workflow} did not succeed: {other:#?}"),
    };
    let mut history = Vec::new();
    let mut current = String::new();
    for event in &report.history {
        if let Some((_, details)) = &event.details {
            if let Some(name) = details["name"].as_str() {
                current = name.to_string();
            }
        }
        history.push((event.kind.to_string(), current.clone()));
    }
    (output, history)
}

/// The recorded DR state.
fn recorded_state(world: &World) -> Value {
    let value = world.rt.block_on(async {
        aws_sdk_ssm::Client::new(&config(&world.endpoint, DR))
            .get_parameter()
            .name("/wfc/woo/state")
            .send()
            .await
            .unwrap()
            .parameter()
            .unwrap()
            .value()
            .unwrap()
            .to_string()
    });
    serde_json::from_str(&value).unwrap()
}

#[test]
fn failover_on_a_self_managed_mariadb_pair_protects_orders_jobs_and_cache() {
    let world = world();
    let (pair, redis, shop, rt, edges, endpoint) = (
        &world.pair,
        &world.redis,
        &world.shop,
        &world.rt,
        &world.edges,
        world.endpoint.as_str(),
    );

    // Orders before the outage replicate; the three of the gap do not.
    let before: Vec<u64> = (0..2)
        .map(|i| create_order(&pair.primary, &format!("a{i}@example.com"), "19.90", 10, 1))
        .collect();
    pair.wait_in_sync();
    pair.cut_replication();
    let gap: Vec<u64> = (0..3)
        .map(|i| create_order(&pair.primary, &format!("g{i}@example.com"), "42.00", 11, 2))
        .collect();
    // Sessions and carts in the DR cache (database 1); another database is left alone.
    redis.cli(&["-n", "1", "SET", "wp:wc_session:1", "stale cart"]);
    redis.cli(&["-n", "1", "SET", "wp:transient:x", "stale"]);
    redis.cli(&["-n", "0", "SET", "other", "kept"]);

    // Replication stopped, so the lag is unknown: the person who starts the failover accepts it.
    let input = json!({
        "incident_id": "INC-7",
        "trigger": { "source": "manual", "name": "oncall", "region": PRIMARY },
        "time": "2026-11-26T03:00:00Z",
        "rpo_override": { "reason": "us-east-1 is down; accept the replication gap" },
    });
    let (output, history) = run(&world, "failover", input);

    let done = |name: &str| position(&history, "TaskSucceeded", name);
    let entered = |name: &str| position(&history, "TaskStateEntered", name);
    // Writes gated and the old runner stopped before the promotion, and the database fenced.
    assert!(done("Gate writes in old region") < entered("Promote replica"));
    assert!(done("Gate writes in DR region") < entered("Promote replica"));
    assert!(done("Pause background jobs in old region") < entered("Promote replica"));
    assert!(done("Fence old primary") < entered("Promote replica"));
    // DNS moved to DR (gated) beside the promotion; then, in this order: ids reserved, writes
    // open, smoke test, the DR runner started, the state recorded.
    assert!(done("Gate writes in DR region") < done("Switch DNS"));
    assert!(done("Switch DNS") < done("Reserve order ids"));
    assert!(done("Flush DR cache") < done("Open writes"));
    assert!(done("Repoint app") < done("Open writes"));
    let order = [
        "Promote replica",
        "Reserve order ids",
        "Open writes",
        "Smoke test",
        "Resume background jobs in DR region",
        "Record failed over",
        "Reconcile gap",
        "Notify summary",
    ];
    let at: Vec<usize> = order.iter().map(|name| done(name)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} at {at:?}");

    // The runners and the gates, read back from moto.
    assert!(!rt.block_on(edges.schedule_enabled(endpoint, PRIMARY)));
    assert!(rt.block_on(edges.schedule_enabled(endpoint, DR)));
    assert!(
        rt.block_on(edges.gated(endpoint, PRIMARY)),
        "the old region stays gated"
    );
    assert!(
        !rt.block_on(edges.gated(endpoint, DR)),
        "DR writes are open"
    );

    // The old primary is fenced; the new one is writable and no longer a replica.
    assert_eq!(pair.primary.value("SELECT @@global.read_only"), "1");
    assert_eq!(pair.replica.value("SELECT @@global.read_only"), "0");
    assert!(pair.replica.replica_status().is_none(), "still a replica");

    // No order id can collide: a new order on the promoted database gets an id above every id
    // the lost primary handed out, and above the reserved floor.
    let floor = output["order_ids"]["Payload"]["order_id_floor"]
        .as_u64()
        .unwrap();
    let lost_max: u64 = pair
        .primary
        .value("SELECT MAX(ID) FROM wp_posts")
        .parse()
        .unwrap();
    let new_order = create_order(&pair.replica, "after@example.com", "10.00", 10, 1);
    assert!(
        new_order >= floor,
        "order {new_order} below the floor {floor}"
    );
    assert!(
        new_order > lost_max,
        "order {new_order} collides with the lost primary's ids (max {lost_max})"
    );
    assert!(gap.iter().all(|id| *id <= lost_max) && before.iter().all(|id| *id < gap[0]));

    // The DR cache's database was flushed; the other one was not.
    assert_eq!(redis.cli(&["-n", "1", "DBSIZE"]), "0");
    assert_eq!(redis.cli(&["-n", "0", "GET", "other"]), "kept");
    assert_eq!(output["cache"]["Payload"]["keys_before"], json!(2));

    // The smoke test used the production Host and left no cart behind.
    let requests = shop.requests();
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|r| r.host.starts_with("shop.example.com")),
        "{requests:#?}"
    );
    assert!(!requests.iter().any(|r| r.path.contains("checkout")));
    assert_eq!(shop.carts_with_items(), 0);

    // The reconciliation report lists exactly the orders of the gap.
    let reconcile = &output["reconcile"]["Payload"];
    assert_eq!(
        reconcile["old_primary_reachable"],
        json!(true),
        "{reconcile:#}"
    );
    let listed: Vec<u64> = reconcile["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    assert_eq!(listed, gap);
    assert_eq!(reconcile["unresolved_orders"], json!(3));
    assert!(reconcile["report_markdown"]
        .as_str()
        .unwrap()
        .contains(&gap[0].to_string()));

    // The recorded state: DR serves, and owns the background jobs.
    let state = recorded_state(&world);
    assert_eq!(state["active_region"], DR);
    assert_eq!(state["background_jobs_region"], DR);
}

#[test]
fn switchover_on_a_self_managed_mariadb_pair_loses_no_order() {
    let world = world();
    let pair = &world.pair;
    // Orders keep coming while the replica is a few seconds behind.
    pair.set_replica_delay(2);
    let orders: Vec<u64> = (0..3)
        .map(|i| create_order(&pair.primary, &format!("s{i}@example.com"), "9.90", 10, 1))
        .collect();
    let input = json!({ "change_id": "CHG-42", "requested_by": "sre@example.com", "reason": null });
    let (_, history) = run(&world, "switchover", input);

    let done = |name: &str| position(&history, "TaskSucceeded", name);
    let order = [
        "Gate writes in primary region",
        "Gate writes in secondary region",
        "Pause background jobs in primary region",
        "Stop writes",
        "Wait for lag 0",
        "Promote replica",
        "Flush secondary cache",
        "Repoint app",
        "Open writes",
        "Switch DNS",
        "Smoke test",
        "Resume background jobs in secondary region",
        "Record switched over",
    ];
    let at: Vec<usize> = order.iter().map(|name| done(name)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} at {at:?}");

    // Every order reached the new primary: writes stopped, lag 0, then the promotion.
    for id in &orders {
        assert_eq!(
            pair.replica.value(&format!(
                "SELECT COUNT(*) FROM wp_wc_orders WHERE id = {id}"
            )),
            "1",
            "order {id} lost"
        );
    }
    assert_eq!(pair.primary.value("SELECT @@global.read_only"), "1");
    assert_eq!(pair.replica.value("SELECT @@global.read_only"), "0");
    assert!(pair.replica.replica_status().is_none(), "still a replica");
    let rt = &world.rt;
    assert!(!rt.block_on(world.edges.schedule_enabled(&world.endpoint, PRIMARY)));
    assert!(rt.block_on(world.edges.schedule_enabled(&world.endpoint, DR)));
    assert!(!rt.block_on(world.edges.gated(&world.endpoint, DR)));
    let state = recorded_state(&world);
    assert_eq!(state["active_region"], DR);
    assert_eq!(state["background_jobs_region"], DR);
}
