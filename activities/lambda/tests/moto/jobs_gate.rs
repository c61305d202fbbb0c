//! Background jobs (`pause_background_jobs`, `resume_background_jobs`, `check_background_jobs`)
//! over EventBridge Scheduler and ECS, and the write gate (`gate_writes`, `open_writes`) over AWS
//! WAF, against moto; the optimistic-lock retry over a fake port.
//!
//! What moto does not model, and so is not covered here: WAF never evaluates a request in moto
//! (no "POST /checkout gets 503 with Retry-After while GET / passes"); the tests assert the rule
//! exactly as stored (statement, Block action, 503, header, body, priority), which is what WAF
//! would run. moto keeps a web ACL's rules or response bodies when an update sends none, so the
//! fixture always has another rule and body left after `open_writes`.

use crate::support::*;
use crate::trials;
use async_trait::async_trait;
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState, Target};
use aws_sdk_wafv2::types as waf;
use libtest_mimic::Trial;
use serde_json::json;
use std::sync::Mutex;
use wfc_activities::background_jobs::{
    self, BackgroundJobsInput, CheckBackgroundJobsInput, PauseBackgroundJobs,
};
use wfc_activities::error::Result;
use wfc_activities::ports::write_gate::{AclRule, GateRule, WebAcl, WebAclRef, WriteGate, Written};
use wfc_activities::record_state::{self, DrStatus, RecordStateInput};
use wfc_activities::validate::parse;
use wfc_activities::write_gate::{self, GateWrites, WriteGateInput};
use wfc_adapters::aws::AwsEnv;
use wfc_lambda::dispatch;

pub fn tests() -> Vec<Trial> {
    trials!["jobs_gate":
        scheduler_pause_and_resume_keep_the_schedule,
        ecs_worker_pause_and_resume,
        missing_runner_is_named,
        check_counts_running_regions,
        gate_and_open_writes_on_a_web_acl,
        gate_on_a_missing_web_acl,
        stale_lock_token_is_reported_by_the_adapter,
        lock_conflicts_are_retried_then_busy,
        invalid_input_makes_no_request,
        record_state_keeps_background_jobs_region,
    ]
}

// ---- fixtures --------------------------------------------------------------------------------

fn scheduler(region: &str) -> aws_sdk_scheduler::Client {
    aws_sdk_scheduler::Client::new(&env(region).config(None))
}

fn ecs(region: &str) -> aws_sdk_ecs::Client {
    aws_sdk_ecs::Client::new(&env(region).config(None))
}

fn wafv2(region: &str) -> aws_sdk_wafv2::Client {
    aws_sdk_wafv2::Client::new(&env(region).config(None))
}

fn cron_target() -> Target {
    Target::builder()
        .arn("arn:aws:ecs:us-east-1:123456789012:cluster/woo")
        .role_arn("arn:aws:iam::123456789012:role/woo-cron-scheduler")
        .input(r#"{"command":"wp action-scheduler run"}"#)
        .build()
        .unwrap()
}

fn window() -> FlexibleTimeWindow {
    FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Flexible)
        .maximum_window_in_minutes(5)
        .build()
        .unwrap()
}

/// An `ENABLED` schedule in the default group, with settings an update must not lose.
async fn schedule(region: &str, name: &str) {
    scheduler(region)
        .create_schedule()
        .name(name)
        .schedule_expression("rate(1 minute)")
        .schedule_expression_timezone("Europe/Berlin")
        .description("WP-Cron and Action Scheduler")
        .flexible_time_window(window())
        .target(cron_target())
        .state(ScheduleState::Enabled)
        .send()
        .await
        .unwrap();
}

async fn schedule_state(
    region: &str,
    name: &str,
) -> aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput {
    scheduler(region)
        .get_schedule()
        .group_name("default")
        .name(name)
        .send()
        .await
        .unwrap()
}

/// An ECS cluster with a worker service of `desired` tasks.
async fn worker_service(region: &str, cluster: &str, desired: i32) {
    let ecs = ecs(region);
    ecs.create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .unwrap();
    let family = unique("woo-worker");
    ecs.register_task_definition()
        .family(&family)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("worker")
                .image("wordpress:cli")
                .memory(512)
                .build(),
        )
        .send()
        .await
        .unwrap();
    ecs.create_service()
        .cluster(cluster)
        .service_name("woo-worker")
        .task_definition(&family)
        .desired_count(desired)
        .send()
        .await
        .unwrap();
}

async fn desired_count(region: &str, cluster: &str) -> i32 {
    let out = ecs(region)
        .describe_services()
        .cluster(cluster)
        .services("woo-worker")
        .send()
        .await
        .unwrap();
    out.services()[0].desired_count()
}

fn jobs_input(runner: serde_json::Value, region: &str) -> BackgroundJobsInput {
    parse(json!({"runner": runner, "region": region})).unwrap()
}

// ---- background jobs -------------------------------------------------------------------------

async fn scheduler_pause_and_resume_keep_the_schedule() {
    let name = unique("woo-cron");
    schedule(PRIMARY, &name).await;
    let before = schedule_state(PRIMARY, &name).await;
    let (schedules, compute) = (env(PRIMARY).schedules(None), env(PRIMARY).compute(None));
    let input = jobs_input(json!({"kind": "scheduler", "schedule_name": name}), PRIMARY);

    let paused = background_jobs::pause(input.clone(), &schedules, &compute)
        .await
        .unwrap();
    assert_eq!(paused.runner, format!("schedule default/{name}"));
    assert!(
        paused.was_running && !paused.running && paused.changed,
        "{paused:?}"
    );
    let after = schedule_state(PRIMARY, &name).await;
    assert_eq!(after.state(), Some(&ScheduleState::Disabled));

    let again = background_jobs::pause(input.clone(), &schedules, &compute)
        .await
        .unwrap();
    assert!(
        !again.was_running && !again.running && !again.changed,
        "{again:?}"
    );

    let resumed = background_jobs::resume(input, &schedules, &compute)
        .await
        .unwrap();
    assert!(
        !resumed.was_running && resumed.running && resumed.changed,
        "{resumed:?}"
    );
    let after = schedule_state(PRIMARY, &name).await;
    assert_eq!(after.state(), Some(&ScheduleState::Enabled));
    // UpdateSchedule replaces the whole schedule (moto too): everything else came back as it was.
    assert_eq!(after.target(), before.target());
    assert_eq!(after.target().unwrap().input(), cron_target().input());
    assert_eq!(after.schedule_expression(), Some("rate(1 minute)"));
    assert_eq!(after.schedule_expression_timezone(), Some("Europe/Berlin"));
    assert_eq!(after.flexible_time_window(), Some(&window()));
    assert_eq!(after.description(), Some("WP-Cron and Action Scheduler"));
}

async fn ecs_worker_pause_and_resume() {
    let cluster = unique("woo");
    worker_service(DR, &cluster, 2).await;
    let (schedules, compute) = (env(DR).schedules(None), env(DR).compute(None));
    let runner = json!({"kind": "ecs_service", "cluster": cluster, "service": "woo-worker", "desired_count": 2});
    let input = jobs_input(runner, DR);

    let paused = background_jobs::pause(input.clone(), &schedules, &compute)
        .await
        .unwrap();
    assert_eq!(paused.runner, format!("ECS service {cluster}/woo-worker"));
    assert!(paused.was_running && paused.changed);
    assert_eq!(desired_count(DR, &cluster).await, 0);
    let again = background_jobs::pause(input.clone(), &schedules, &compute)
        .await
        .unwrap();
    assert!(!again.changed && !again.was_running);

    let resumed = background_jobs::resume(input.clone(), &schedules, &compute)
        .await
        .unwrap();
    assert!(resumed.running && resumed.changed);
    assert_eq!(desired_count(DR, &cluster).await, 2);
    let again = background_jobs::resume(input, &schedules, &compute)
        .await
        .unwrap();
    assert!(again.was_running && !again.changed);
}

async fn missing_runner_is_named() {
    let (schedules, compute) = (env(DR).schedules(None), env(DR).compute(None));
    for runner in [
        json!({"kind": "scheduler", "schedule_name": "no-such-schedule"}),
        json!({"kind": "scheduler", "schedule_name": "x", "group_name": "no-such-group"}),
        json!({"kind": "ecs_service", "cluster": "no-such-cluster", "service": "w"}),
    ] {
        let input = jobs_input(runner, DR);
        let error = assert_error::<PauseBackgroundJobs, _>(
            background_jobs::pause(input, &schedules, &compute).await,
            "JobRunnerNotFound",
        );
        assert!(error.to_string().contains("no-such"), "{error}");
    }
}

async fn check_counts_running_regions() {
    let name = unique("woo-cron");
    let cluster = unique("woo");
    schedule(PRIMARY, &name).await;
    worker_service(DR, &cluster, 1).await;
    let primary = json!({"kind": "scheduler", "schedule_name": name});
    let dr = json!({"kind": "ecs_service", "cluster": cluster, "service": "woo-worker"});
    let input: CheckBackgroundJobsInput = parse(json!({"runners": [
        {"region": PRIMARY, "runner": primary}, {"region": DR, "runner": dr},
    ]}))
    .unwrap();
    let check = || {
        background_jobs::check(input.clone(), |region| {
            (env(region).schedules(None), env(region).compute(None))
        })
    };

    let both = check().await.unwrap();
    assert_eq!(both.running_in, vec![PRIMARY, DR]);
    assert!(!both.exactly_one);
    assert!(
        both.detail.contains(PRIMARY) && both.detail.contains(DR),
        "{}",
        both.detail
    );

    let (schedules, compute) = (env(DR).schedules(None), env(DR).compute(None));
    background_jobs::pause(jobs_input(dr.clone(), DR), &schedules, &compute)
        .await
        .unwrap();
    let one = check().await.unwrap();
    assert_eq!(one.running_in, vec![PRIMARY]);
    assert!(one.exactly_one, "{}", one.detail);

    let (schedules, compute) = (env(PRIMARY).schedules(None), env(PRIMARY).compute(None));
    background_jobs::pause(jobs_input(primary, PRIMARY), &schedules, &compute)
        .await
        .unwrap();
    let none = check().await.unwrap();
    assert!(none.running_in.is_empty());
    assert!(!none.exactly_one);
    assert!(none.detail.starts_with("no region"), "{}", none.detail);
}

// ---- the write gate --------------------------------------------------------------------------

fn visibility(name: &str) -> waf::VisibilityConfig {
    waf::VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(name)
        .build()
        .unwrap()
}

/// The shop's own rule: block `/xmlrpc.php`, at priority 0 (the gate must move it down).
fn xmlrpc_rule() -> waf::Rule {
    let statement = waf::ByteMatchStatement::builder()
        .search_string(aws_sdk_wafv2::primitives::Blob::new("/xmlrpc.php"))
        .field_to_match(
            waf::FieldToMatch::builder()
                .uri_path(waf::UriPath::builder().build())
                .build(),
        )
        .text_transformations(
            waf::TextTransformation::builder()
                .priority(0)
                .r#type(waf::TextTransformationType::None)
                .build()
                .unwrap(),
        )
        .positional_constraint(waf::PositionalConstraint::Exactly)
        .build()
        .unwrap();
    waf::Rule::builder()
        .name("block-xmlrpc")
        .priority(0)
        .statement(
            waf::Statement::builder()
                .byte_match_statement(statement)
                .build(),
        )
        .action(
            waf::RuleAction::builder()
                .block(waf::BlockAction::builder().build())
                .build(),
        )
        .visibility_config(visibility("block-xmlrpc"))
        .build()
        .unwrap()
}

/// A regional web ACL with one rule and one response body of its own; returns its id.
async fn web_acl(region: &str, name: &str) -> String {
    let body = waf::CustomResponseBody::builder()
        .content_type(waf::ResponseContentType::TextHtml)
        .content("<h1>Forbidden</h1>")
        .build()
        .unwrap();
    let out = wafv2(region)
        .create_web_acl()
        .name(name)
        .scope(waf::Scope::Regional)
        .default_action(
            waf::DefaultAction::builder()
                .allow(waf::AllowAction::builder().build())
                .build(),
        )
        .visibility_config(visibility(name))
        .rules(xmlrpc_rule())
        .custom_response_bodies("shop-forbidden", body)
        .send()
        .await
        .unwrap();
    out.summary().unwrap().id().unwrap().to_string()
}

async fn read_acl(region: &str, name: &str, id: &str) -> (waf::WebAcl, String) {
    let out = wafv2(region)
        .get_web_acl()
        .scope(waf::Scope::Regional)
        .name(name)
        .id(id)
        .send()
        .await
        .unwrap();
    (
        out.web_acl().unwrap().clone(),
        out.lock_token().unwrap().to_string(),
    )
}

/// The search strings of every byte match under `statement`, with their field.
fn matches(statement: &waf::Statement, out: &mut Vec<(String, String)>) {
    if let Some(b) = statement.byte_match_statement() {
        let field = b.field_to_match().unwrap();
        let kind = if field.method().is_some() {
            "method"
        } else if field.query_string().is_some() {
            "query"
        } else {
            "path"
        };
        let text = String::from_utf8(b.search_string().as_ref().to_vec()).unwrap();
        out.push((kind.to_string(), text));
    }
    let children: Vec<&waf::Statement> = match (
        statement.and_statement(),
        statement.or_statement(),
        statement.not_statement(),
    ) {
        (Some(a), _, _) => a.statements().iter().collect(),
        (_, Some(o), _) => o.statements().iter().collect(),
        (_, _, Some(n)) => n.statement().into_iter().collect(),
        _ => vec![],
    };
    for child in children {
        matches(child, out);
    }
}

async fn gate_and_open_writes_on_a_web_acl() {
    let name = unique("woo-alb");
    let id = web_acl(DR, &name).await;
    let waf_port = env(DR).write_gate(None);
    let input: WriteGateInput =
        parse(json!({"web_acl_name": name, "web_acl_id": id, "retry_after_seconds": 120})).unwrap();

    let gated = write_gate::gate(input.clone(), &waf_port).await.unwrap();
    assert!(gated.gated && gated.changed, "{gated:?}");
    assert_eq!(gated.rule_name, "wfc-write-gate");
    let (acl, token) = read_acl(DR, &name, &id).await;
    let rules = acl.rules();
    assert_eq!(rules.len(), 2);
    let gate = rules.iter().find(|r| r.name() == "wfc-write-gate").unwrap();
    assert_eq!(gate.priority(), 0);
    let existing = rules.iter().find(|r| r.name() == "block-xmlrpc").unwrap();
    assert_eq!(
        existing.priority(),
        1,
        "the shop's rule moves down, unchanged otherwise"
    );
    assert_eq!(existing.statement(), xmlrpc_rule().statement());
    // Block with 503, Retry-After and the body kept on the web ACL under the rule's name.
    let response = gate
        .action()
        .unwrap()
        .block()
        .unwrap()
        .custom_response()
        .unwrap();
    assert_eq!(response.response_code(), 503);
    let headers: Vec<_> = response
        .response_headers()
        .iter()
        .map(|h| (h.name(), h.value()))
        .collect();
    assert_eq!(headers, vec![("Retry-After", "120")]);
    assert_eq!(response.custom_response_body_key(), Some("wfc-write-gate"));
    let bodies = acl.custom_response_bodies().unwrap();
    assert!(bodies["wfc-write-gate"].content().contains("120 seconds"));
    assert!(bodies.contains_key("shop-forbidden"));
    // Writes only (not GET/HEAD/OPTIONS), to the WooCommerce paths; wc-ajax in the query.
    let mut found = Vec::new();
    matches(gate.statement().unwrap(), &mut found);
    let has = |kind: &str, text: &str| found.contains(&(kind.to_string(), text.to_string()));
    for method in ["GET", "HEAD", "OPTIONS"] {
        assert!(has("method", method), "{found:?}");
    }
    assert!(gate
        .statement()
        .unwrap()
        .and_statement()
        .unwrap()
        .statements()[0]
        .not_statement()
        .is_some());
    for path in [
        "/checkout",
        "/cart",
        "/my-account",
        "/wp-json/wc/store",
        "/wp-admin/admin-ajax.php",
    ] {
        assert!(has("path", path), "{path}: {found:?}");
    }
    assert!(
        has("query", "wc-ajax=") && has("query", "wc-api="),
        "{found:?}"
    );
    assert!(!found.iter().any(|(_, t)| t.starts_with("/healthz")));

    // Again: nothing written (same lock token).
    let again = write_gate::gate(input.clone(), &waf_port).await.unwrap();
    assert!(again.gated && !again.changed);
    assert_eq!(read_acl(DR, &name, &id).await.1, token);

    // Another Retry-After is a change of the rule.
    let mut longer = input.clone();
    longer.retry_after_seconds = 600;
    assert!(write_gate::gate(longer, &waf_port).await.unwrap().changed);
    let (acl, _) = read_acl(DR, &name, &id).await;
    assert_eq!(acl.rules().len(), 2, "replaced, not added");

    let opened = write_gate::open(input.clone(), &waf_port).await.unwrap();
    assert!(!opened.gated && opened.changed);
    let (acl, token) = read_acl(DR, &name, &id).await;
    let names: Vec<_> = acl.rules().iter().map(|r| r.name()).collect();
    assert_eq!(names, vec!["block-xmlrpc"]);
    assert_eq!(acl.rules()[0].statement(), xmlrpc_rule().statement());
    let bodies = acl.custom_response_bodies().unwrap();
    assert!(!bodies.contains_key("wfc-write-gate") && bodies.contains_key("shop-forbidden"));
    assert!(
        acl.default_action().unwrap().allow().is_some(),
        "default action kept"
    );

    let again = write_gate::open(input, &waf_port).await.unwrap();
    assert!(!again.changed);
    assert_eq!(read_acl(DR, &name, &id).await.1, token);
}

async fn gate_on_a_missing_web_acl() {
    let input: WriteGateInput = parse(json!({
        "web_acl_name": "no-such-acl", "web_acl_id": "0b1e3c1a-7f1e-4f8e-9a0b-2c7d0e5f6a11",
    }))
    .unwrap();
    let waf_port = env(DR).write_gate(None);
    assert_error::<GateWrites, _>(
        write_gate::gate(input.clone(), &waf_port).await,
        "WebAclNotFound",
    );
    assert_error::<GateWrites, _>(write_gate::open(input, &waf_port).await, "WebAclNotFound");
}

async fn stale_lock_token_is_reported_by_the_adapter() {
    let name = unique("woo-alb");
    let id = web_acl(DR, &name).await;
    let acl = WebAclRef {
        name: name.clone(),
        id: id.clone(),
    };
    let gate = GateRule {
        rule_name: "wfc-write-gate".into(),
        retry_after_seconds: 60,
        paths: vec!["/checkout".into()],
    };
    let waf_port = env(DR).write_gate(None);
    let read = waf_port.web_acl(&acl, &gate).await.unwrap().unwrap();
    assert!(!read.gate_current);
    assert_eq!(
        read.rules,
        vec![AclRule {
            name: "block-xmlrpc".into(),
            priority: 0
        }]
    );
    // Someone else writes in between: our token is stale, and nothing of ours is written.
    assert_eq!(
        waf_port
            .put_gate(&acl, &read.lock_token, &gate, 1)
            .await
            .unwrap(),
        Some(Written::Done)
    );
    assert_eq!(
        waf_port
            .remove_gate(&acl, &read.lock_token, "wfc-write-gate")
            .await
            .unwrap(),
        Some(Written::Stale)
    );
    let (current, _) = read_acl(DR, &name, &id).await;
    assert_eq!(current.rules().len(), 2);
}

/// A web ACL that someone else keeps editing: the first `stale` writes find a newer lock token.
/// (moto cannot race a write between our read and our write, so this is a fake.)
struct ContestedAcl {
    stale: Mutex<u32>,
    reads: Mutex<u32>,
    writes: Mutex<Vec<(String, i32)>>,
}

#[async_trait]
impl WriteGate for ContestedAcl {
    async fn web_acl(&self, _acl: &WebAclRef, _gate: &GateRule) -> Result<Option<WebAcl>> {
        let mut reads = self.reads.lock().unwrap();
        *reads += 1;
        Ok(Some(WebAcl {
            lock_token: format!("token-{reads}"),
            rules: vec![AclRule {
                name: "shop-rule".into(),
                priority: 0,
            }],
            gate_current: false,
        }))
    }
    async fn put_gate(
        &self,
        _acl: &WebAclRef,
        token: &str,
        _gate: &GateRule,
        shift: i32,
    ) -> Result<Option<Written>> {
        let mut stale = self.stale.lock().unwrap();
        if *stale > 0 {
            *stale -= 1;
            return Ok(Some(Written::Stale));
        }
        self.writes.lock().unwrap().push((token.to_string(), shift));
        Ok(Some(Written::Done))
    }
    async fn remove_gate(
        &self,
        _acl: &WebAclRef,
        _token: &str,
        _rule: &str,
    ) -> Result<Option<Written>> {
        unreachable!("the gate is never there in this fake")
    }
}

async fn lock_conflicts_are_retried_then_busy() {
    let input: WriteGateInput = parse(json!({
        "web_acl_name": "woo-alb", "web_acl_id": "0b1e3c1a-7f1e-4f8e-9a0b-2c7d0e5f6a11",
    }))
    .unwrap();
    let contested = ContestedAcl {
        stale: Mutex::new(2),
        reads: Mutex::new(0),
        writes: Mutex::new(vec![]),
    };
    let out = write_gate::gate(input.clone(), &contested).await.unwrap();
    assert!(out.changed);
    // Read again after each conflict, and written with the third read's token, shifting the
    // shop's rule off priority 0.
    assert_eq!(*contested.reads.lock().unwrap(), 3);
    assert_eq!(
        *contested.writes.lock().unwrap(),
        vec![("token-3".to_string(), 1)]
    );

    let hopeless = ContestedAcl {
        stale: Mutex::new(100),
        reads: Mutex::new(0),
        writes: Mutex::new(vec![]),
    };
    let error =
        assert_error::<GateWrites, _>(write_gate::gate(input, &hopeless).await, "WebAclBusy");
    assert!(error.is_retryable());
    assert_eq!(*hopeless.reads.lock().unwrap(), write_gate::ATTEMPTS);
}

// ---- malformed input ---------------------------------------------------------------------------

async fn invalid_input_makes_no_request() {
    // Through the Lambda dispatch to a counting proxy in front of moto: no connection allowed.
    let proxy = CountingProxy::start().await;
    let env = AwsEnv::local(&proxy.endpoint, DR);
    let acl =
        json!({"web_acl_name": "woo-alb", "web_acl_id": "0b1e3c1a-7f1e-4f8e-9a0b-2c7d0e5f6a11"});
    let with = |extra: serde_json::Value| {
        let mut v = acl.clone();
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    let cases = [
        (
            "pause_background_jobs",
            json!({"runner": {"kind": "scheduler", "schedule_name": ""}}),
            "runner.schedule_name",
        ),
        (
            "resume_background_jobs",
            json!({"runner": {"kind": "ecs_service", "cluster": "c", "service": "s", "desired_count": 0}}),
            "runner.desired_count",
        ),
        (
            "resume_background_jobs",
            json!({"runner": {"kind": "cron_tab"}}),
            "runner",
        ),
        ("check_background_jobs", json!({"runners": []}), "runners"),
        (
            "check_background_jobs",
            json!({"runners": [{"region": "east", "runner": {"kind": "scheduler", "schedule_name": "s"}}]}),
            "runners[0].region",
        ),
        (
            "gate_writes",
            with(json!({"retry_after_seconds": 0})),
            "retry_after_seconds",
        ),
        (
            "gate_writes",
            with(json!({"paths": ["checkout"]})),
            "paths[0]",
        ),
        (
            "gate_writes",
            with(json!({"paths": ["/checkout", "/"]})),
            "paths[1]",
        ),
        (
            "gate_writes",
            with(json!({"paths": ["/health"]})),
            "paths[0]",
        ),
        ("gate_writes", with(json!({"paths": ["/?"]})), "paths[0]"),
        (
            "open_writes",
            json!({"web_acl_name": "woo alb", "web_acl_id": "x"}),
            "web_acl_name",
        ),
        (
            "open_writes",
            with(json!({"rule_name": "wfc gate"})),
            "rule_name",
        ),
    ];
    for (name, payload, field) in cases {
        let error = dispatch(name, payload.clone(), &env)
            .await
            .expect_err(&format!("{name} accepted {payload}"));
        match &error {
            wfc_activities::ActivityError::InvalidInput { field: got, .. } => {
                assert!(
                    got.starts_with(field),
                    "{name}: field `{got}`, expected `{field}` ({error})"
                )
            }
            other => panic!("{name} {payload}: expected InvalidInput, got {other}"),
        }
    }
    assert_eq!(proxy.connections(), 0, "a malformed input made a request");
}

// ---- the recorded state ------------------------------------------------------------------------

async fn record_state_keeps_background_jobs_region() {
    let parameter = format!("/wfc/{}/state", unique("shop"));
    let config = env(DR).config_store(None);
    let input = |jobs: Option<&str>, status| RecordStateInput {
        parameter_name: parameter.clone(),
        active_region: DR.into(),
        incident_id: "INC-7".into(),
        status,
        failover_at: Some("2026-11-26T03:00:00Z".into()),
        region: None,
        background_jobs_region: jobs.map(str::to_string),
        retired: Vec::new(),
    };
    let first = record_state::run(input(Some(DR), DrStatus::FailingOver), &config)
        .await
        .unwrap();
    assert_eq!(first.current.background_jobs_region.as_deref(), Some(DR));
    let stored: serde_json::Value =
        serde_json::from_str(&get_parameter(DR, &parameter).await).unwrap();
    assert_eq!(stored["background_jobs_region"], DR);
    // Not said again: the recorded owner is kept.
    let idle = record_state::run(input(None, DrStatus::Idle), &config)
        .await
        .unwrap();
    assert!(idle.changed);
    assert_eq!(idle.current.background_jobs_region.as_deref(), Some(DR));
    // A state written before the field existed still reads.
    put_parameter(DR, &parameter, r#"{"active_region":"us-east-1","incident_id":"I","status":"idle","last_failover_at":null}"#).await;
    let old = record_state::run(input(None, DrStatus::Idle), &config)
        .await
        .unwrap();
    assert_eq!(old.previous.unwrap().background_jobs_region, None);
}
