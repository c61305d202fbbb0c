//! The steps a WooCommerce shop needs beyond a generic database failover
//! (../shared/reference/woocommerce.md §10): the write gate, the one background-job runner,
//! reserving order ids on the promoted database, flushing the object cache, the shop's smoke
//! test, and the reconciliation report of the replication gap.

use super::cutover::Segment;
use super::guard;
use serde_json::json;
use wfc_activities::background_jobs::{
    BackgroundJobsInput, JobRunner, PauseBackgroundJobs, ResumeBackgroundJobs,
};
use wfc_activities::flush_cache::{FlushCache, FlushCacheInput};
use wfc_activities::ports::mysql::MySqlConnection;
use wfc_activities::reconcile_gap::{ReconcileGap, ReconcileGapInput};
use wfc_activities::reserve_order_ids::{ReserveOrderIds, ReserveOrderIdsInput};
use wfc_activities::smoke_test::{HttpCheck, ShopSmokeTest, SmokeTest, SmokeTestInput};
use wfc_activities::write_gate::{GateWrites, OpenWrites, WriteGateInput};
use wfc_compiler::dsl::{Catch, StateBuilder, Step, TaskStep, Workflow};
use wfc_stack::{Database, Region, Stack};

/// Where the database of a region is reached: known from the stack (self-managed), or read from
/// the state (`$.database.Payload.endpoint`, what describing the promoted RDS/Aurora database
/// found) by the returned path.
pub(crate) fn connection(
    stack: &Stack,
    region: &str,
    site: &Region,
) -> (MySqlConnection, Option<&'static str>) {
    let (host, port, tls, from_state) = match &site.database {
        Database::SelfManaged {
            host, port, tls, ..
        } => (host.clone(), *port, *tls, None),
        Database::RdsInstance { .. } | Database::AuroraGlobal { .. } => (
            String::new(),
            3306,
            true,
            Some("$.database.Payload.endpoint"),
        ),
    };
    (
        MySqlConnection {
            host,
            port,
            secret_id: site.db_credentials_secret_id.clone(),
            database: stack.woocommerce.database_name.clone(),
            tls,
            region: Some(region.into()),
        },
        from_state,
    )
}

/// Closes checkout, cart and payment-webhook writes at `region`'s load balancer (503 with
/// `Retry-After`, so payment providers retry) while the catalogue stays readable.
pub(crate) fn gate_writes(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    region: &str,
    site: &Region,
    on_failure: &Step,
) -> Step {
    guard(wf, gate_task(wf, stack, name, region, site), on_failure).step_handle()
}

/// [`gate_writes`] in a region that may be down (the old primary's, in a failover): a failure
/// is noted at `$.gates.<region>` and the workflow goes on.
pub(crate) fn try_gate_writes(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    region: &str,
    site: &Region,
) -> Segment {
    let at = format!("$.gates.{}", key(region));
    best_effort(wf, gate_task(wf, stack, name, region, site), &at)
}

fn gate_task(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    region: &str,
    site: &Region,
) -> TaskStep<GateWrites> {
    wf.task::<GateWrites>(name)
        .input(&gate_input(stack, region, site), &[])
        .result_path(&format!("$.gates.{}", key(region)))
        .retry(retry_web_acl_busy())
}

/// Someone else kept changing the web ACL while the activity retried: it passes by itself.
fn retry_web_acl_busy() -> wfc_compiler::dsl::Retry {
    wfc_compiler::dsl::Retry::on(&["WebAclBusy"])
        .interval(5)
        .max_attempts(3)
        .backoff(2.0)
}

/// Opens writes again at `region`'s load balancer.
pub(crate) fn open_writes(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    region: &str,
    site: &Region,
    on_failure: &Step,
) -> Step {
    guard(
        wf,
        wf.task::<OpenWrites>(name)
            .input(&gate_input(stack, region, site), &[])
            .result_path(&format!("$.gates.{}_open", key(region)))
            .retry(retry_web_acl_busy()),
        on_failure,
    )
    .step_handle()
}

fn gate_input(stack: &Stack, region: &str, site: &Region) -> WriteGateInput {
    WriteGateInput {
        web_acl_name: site.write_gate.web_acl_name.clone(),
        web_acl_id: site.write_gate.web_acl_id.clone(),
        rule_name: "wfc-write-gate".into(),
        retry_after_seconds: stack.woocommerce.retry_after_seconds,
        paths: wfc_activities::write_gate::default_paths(),
        region: Some(region.into()),
    }
}

/// Stops `region`'s background-job runner (WP-Cron and Action Scheduler).
pub(crate) fn pause_jobs(
    wf: &Workflow,
    name: &str,
    region: &str,
    site: &Region,
    on_failure: &Step,
) -> Step {
    guard(wf, pause_task(wf, name, region, site), on_failure).step_handle()
}

/// [`pause_jobs`] in a region that may be down: a failure is noted at `$.jobs.<region>` and the
/// workflow goes on (preflight raises its alarm if that runner still runs once the region is
/// back).
pub(crate) fn try_pause_jobs(wf: &Workflow, name: &str, region: &str, site: &Region) -> Segment {
    let at = format!("$.jobs.{}", key(region));
    best_effort(wf, pause_task(wf, name, region, site), &at)
}

fn pause_task(
    wf: &Workflow,
    name: &str,
    region: &str,
    site: &Region,
) -> TaskStep<PauseBackgroundJobs> {
    wf.task::<PauseBackgroundJobs>(name)
        .input(&jobs_input(region, site), &[])
        .result_path(&format!("$.jobs.{}", key(region)))
}

/// Starts `region`'s runner: the only one once this step is done.
pub(crate) fn resume_jobs(
    wf: &Workflow,
    name: &str,
    region: &str,
    site: &Region,
    on_failure: &Step,
) -> Step {
    guard(
        wf,
        wf.task::<ResumeBackgroundJobs>(name)
            .input(&jobs_input(region, site), &[])
            .result_path(&format!("$.jobs.{}", key(region))),
        on_failure,
    )
    .step_handle()
}

pub(crate) fn job_runner(site: &Region) -> JobRunner {
    match &site.background_jobs {
        wfc_stack::JobRunner::Scheduler {
            schedule_name,
            group_name,
        } => JobRunner::Scheduler {
            schedule_name: schedule_name.clone(),
            group_name: group_name.clone(),
        },
        wfc_stack::JobRunner::EcsService {
            cluster,
            service,
            desired_count,
        } => JobRunner::EcsService {
            cluster: cluster.clone(),
            service: service.clone(),
            desired_count: *desired_count,
        },
    }
}

fn jobs_input(region: &str, site: &Region) -> BackgroundJobsInput {
    BackgroundJobsInput {
        runner: job_runner(site),
        region: Some(region.into()),
    }
}

/// Raises AUTO_INCREMENT on the promoted database (in `region`) above the highest ids, so ids
/// the lost primary handed out in the replication gap are never used again. Result at
/// `$.order_ids` (its `previous_max_order_id` starts the reconciliation).
pub(crate) fn reserve_order_ids(
    wf: &Workflow,
    stack: &Stack,
    region: &str,
    site: &Region,
    on_failure: &Step,
) -> Step {
    let (connection, host_path) = connection(stack, region, site);
    let from_state: Vec<(&str, &str)> = host_path
        .map(|path| ("connection.host", path))
        .into_iter()
        .collect();
    let task = wf
        .task::<ReserveOrderIds>("Reserve order ids")
        .input(
            &ReserveOrderIdsInput {
                connection,
                table_prefix: stack.woocommerce.table_prefix.clone(),
                margin: stack.woocommerce.order_id_margin,
                extra_tables: stack.woocommerce.extra_id_tables.clone(),
            },
            &from_state,
        )
        .result_path("$.order_ids")
        // A just-promoted database can stay read-only for a few seconds.
        .retry(
            wfc_compiler::dsl::Retry::on(&["DatabaseNotWritable", "DatabaseUnreachable"])
                .interval(5)
                .max_attempts(6)
                .backoff(2.0),
        );
    guard(wf, task, on_failure).step_handle()
}

/// Flushes the shop's Redis object cache in `region` (asynchronously): sessions, carts and
/// transients are read from it before the database, and it may be ahead of the promoted one.
pub(crate) fn flush_cache(
    wf: &Workflow,
    name: &str,
    region: &str,
    site: &Region,
    on_failure: &Step,
) -> Step {
    guard(
        wf,
        wf.task::<FlushCache>(name)
            .input(
                &FlushCacheInput {
                    host: site.cache.host.clone(),
                    port: site.cache.port,
                    tls: site.cache.tls,
                    database: site.cache.database,
                    auth_token_secret_id: site.cache.auth_token_secret_id.clone(),
                    region: Some(region.into()),
                    timeout_seconds: 30,
                },
                &[],
            )
            .result_path("$.cache"),
        on_failure,
    )
    .step_handle()
}

/// The shop's smoke test against `site`'s load balancer with the production Host header: the
/// REST root, the Store API catalogue, a cart token, and adding and removing the canary product
/// (the real write path, without an order); plus the stack's plain GETs of the public site.
pub(crate) fn smoke_test(wf: &Workflow, stack: &Stack, site: &Region, on_failure: &Step) -> Step {
    let checks = stack
        .app
        .smoke_paths
        .iter()
        .map(|path| HttpCheck {
            url: format!("{}{path}", stack.app.site_url.trim_end_matches('/')),
            expected_status: 200,
            body_contains: None,
            timeout_ms: 5000,
        })
        .collect();
    let task = wf
        .task::<SmokeTest>("Smoke test")
        .input(
            &SmokeTestInput {
                checks,
                woocommerce: Some(ShopSmokeTest {
                    site_url: stack.app.site_url.clone(),
                    connect_to: Some(site.load_balancer.dns_name.clone()),
                    connect_port: None,
                    canary_product_id: stack.woocommerce.canary_product_id,
                    timeout_ms: 5000,
                }),
            },
            &[],
        )
        .result_path("$.smoke")
        // New instances and the DNS change can take a minute to serve.
        .retry(
            wfc_compiler::dsl::Retry::on(&["SmokeTestFailed"])
                .interval(15)
                .max_attempts(4)
                .backoff(2.0),
        );
    guard(wf, task, on_failure).step_handle()
}

/// The reconciliation report: the orders, payment data and stock changes the old primary (in
/// `old_region`, reached at `old_host_path` or the stack's host) has after the last replicated
/// transaction and the new one (at `$.database.Payload.endpoint` or the stack's host) lacks.
/// Never writes. Result at `$.reconcile`; `handled_path` names the request's handled order ids.
/// Unguarded: the caller decides whether a failure stops the workflow.
pub(crate) fn reconcile_gap(
    wf: &Workflow,
    stack: &Stack,
    (old_region, old_site, old_host_path): (&str, &Region, Option<&'static str>),
    (new_region, new_site): (&str, &Region),
    since_path: Option<&'static str>,
    handled_path: Option<&'static str>,
) -> TaskStep<ReconcileGap> {
    let (old_primary, old_default_path) = connection(stack, old_region, old_site);
    let (new_primary, new_path) = connection(stack, new_region, new_site);
    let mut from_state = Vec::new();
    if let Some(path) = old_host_path.or(old_default_path.map(|_| "$.old_primary.Payload.endpoint"))
    {
        from_state.push(("old_primary.host", path));
    }
    if let Some(path) = new_path {
        from_state.push(("new_primary.host", path));
    }
    if let Some(path) = since_path {
        from_state.push(("since_order_id", path));
    }
    if let Some(path) = handled_path {
        from_state.push(("handled_order_ids", path));
    }
    wf.task::<ReconcileGap>("Reconcile gap")
        .input(
            &ReconcileGapInput {
                old_primary,
                new_primary,
                table_prefix: stack.woocommerce.table_prefix.clone(),
                since_order_id: None,
                handled_order_ids: Vec::new(),
            },
            &from_state,
        )
        .result_path("$.reconcile")
}

/// A step whose failure must not stop the workflow: retried like the others, then any error is
/// noted at `at` (`done: false` with the error) and the workflow goes on at the segment's end.
pub(crate) fn best_effort<A: wfc_contract::Activity>(
    wf: &Workflow,
    task: TaskStep<A>,
    at: &str,
) -> Segment {
    let name = task.step().name();
    let end = wf.pass(&format!("{name} done"));
    let noted = wf
        .pass(&format!("{name} not done"))
        .parameters(json!({
            "done": false,
            "error.$": format!("{at}.Error"),
            "cause.$": format!("{at}.Cause"),
        }))
        .result_path(at);
    noted.next(&end);
    let start = super::retried(task)
        .catch(Catch::all().result_path(at), &noted)
        .step_handle();
    start.next(&end);
    Segment { start, end }
}

/// A region name as a JSON key (`us_east_1`).
fn key(region: &str) -> String {
    region.replace('-', "_")
}

/// The id the lag checks name `site`'s replica by (the RDS instance, the Aurora member cluster,
/// the self-managed server) and, for a self-managed server, how to reach it.
pub(crate) fn replica(
    stack: &Stack,
    region: &str,
    site: &Region,
) -> (String, Option<MySqlConnection>) {
    match &site.database {
        Database::RdsInstance { instance_id, .. } => (instance_id.clone(), None),
        Database::AuroraGlobal { cluster_id, .. } => (cluster_id.clone(), None),
        Database::SelfManaged { server_id, .. } => {
            (server_id.clone(), Some(connection(stack, region, site).0))
        }
    }
}
