//! The steps every cutover shares (failover, switchover, failback): promote the target database
//! and wait until it is writable, then move the traffic (repoint the app, switch DNS, smoke test).

use super::{guard, phase, shop, stop_with, Sites};
use serde_json::json;
use wfc_activities::describe_database::{DatabaseStatus, DescribeDatabase, DescribeDatabaseInput};
use wfc_activities::failover_global_cluster::{
    FailoverGlobalCluster, FailoverGlobalClusterInput, GlobalMode,
};
use wfc_activities::ports::compute::ComputeTarget;
use wfc_activities::ports::config::Store as AppStore;
use wfc_activities::ports::mysql::MySqlConnection;
use wfc_activities::promote_replica::{PromoteReplica, PromoteReplicaInput};
use wfc_activities::promotion_waiter::{RegisterWaiter, RegisterWaiterInput};
use wfc_activities::record_state::{DrStatus, RecordState, RecordStateInput};
use wfc_activities::repoint_app::{RepointApp, RepointAppInput};
use wfc_activities::scale_compute::{ScaleCompute, ScaleComputeInput};
use wfc_activities::switch_dns::{
    DnsRecord, DnsTarget, Failover, RecordType, SwitchDns, SwitchDnsInput,
};
use wfc_compiler::dsl::{Catch, Chain, Condition, StateBuilder, Step, TaskStep, Workflow};
use wfc_compiler::field;
use wfc_stack::{Compute, Database, Region, Stack, Store};

/// A piece of a workflow with one way in and one way out.
pub(crate) struct Segment {
    pub start: Step,
    pub end: Step,
}

/// [`promote_and_wait`]'s segment, with the poll loop's count and the deadline's choice it goes
/// on to, so that a caller can put its own check between them (failback's write pause).
pub(crate) struct PromotionWait {
    pub start: Step,
    pub end: Step,
    pub counted: Step,
    pub deadline: Step,
}

/// The set identifiers of the shop's failover records (each name's PRIMARY and SECONDARY, made
/// by the DR region's `dr-<region>.yaml`). A cutover rewrites the PRIMARY record to the serving
/// region, pinned (no health check), so Route 53 answers it whatever any health check says.
pub const PRIMARY_RECORD: &str = "primary";
pub const SECONDARY_RECORD: &str = "secondary";

/// How often the promoted database is polled.
pub(crate) const POLL_SECONDS: u64 = 30;
/// How often once an RDS promotion has reached its reboot, its last minute or so ("RDS reboots
/// the DB instance before making it available"): the poll's slack is orchestration overhead on
/// the critical path, so it is kept to a second where the end is near.
const REBOOT_POLL_SECONDS: u64 = 1;
/// Fast polls at most (10 min): a reboot that never ends falls back to the slow poll's deadline.
const REBOOT_POLLS: u64 = 600;

/// The database to promote in the target region: an RDS instance id, or the Aurora member.
pub(crate) enum Promotion<'a> {
    Instance(String),
    /// A self-managed MySQL/MariaDB replica: stop and reset replication, `read_only` off.
    SelfManaged {
        server_id: &'a str,
        connection: MySqlConnection,
    },
    Aurora {
        global_cluster_id: &'a str,
        cluster_id: &'a str,
        cluster_arn: &'a str,
        mode: GlobalMode,
        /// Where the wait registers its token for `wake_waiter` (see `promotion_waiter`).
        waiter_parameter: String,
    },
}

/// The SSM parameter where a promotion wait leaves its task token for the event to answer.
pub fn waiter_parameter(stack: &Stack) -> String {
    format!("/wfc/{}/waiters/promotion", stack.shop.name)
}

impl<'a> Promotion<'a> {
    /// How `DescribeDatabase` names this database in `region`.
    pub fn describe_input(&self, region: &str) -> DescribeDatabaseInput {
        let (instance, cluster, self_managed) = match self {
            Promotion::Instance(id) => (Some(id.clone()), None, None),
            Promotion::SelfManaged {
                server_id,
                connection,
            } => (Some(server_id.to_string()), None, Some(connection.clone())),
            Promotion::Aurora { cluster_id, .. } => (None, Some(cluster_id.to_string()), None),
        };
        DescribeDatabaseInput {
            db_instance_id: instance,
            db_cluster_id: cluster,
            region: Some(region.into()),
            self_managed,
        }
    }

    /// The target region's database as the stack lists it.
    pub fn of(stack: &Stack, region: &str, site: &'a Region, mode: GlobalMode) -> Promotion<'a> {
        match &site.database {
            Database::SelfManaged { server_id, .. } => Promotion::SelfManaged {
                server_id,
                connection: shop::connection(stack, region, site).0,
            },
            Database::RdsInstance { instance_id, .. } => Promotion::Instance(instance_id.clone()),
            Database::AuroraGlobal {
                global_cluster_id,
                cluster_id,
                cluster_arn,
                ..
            } => Promotion::Aurora {
                global_cluster_id,
                cluster_id,
                cluster_arn,
                mode,
                waiter_parameter: waiter_parameter(stack),
            },
        }
    }
}

/// Promote (or fail over the global cluster), then poll until the database is available and no
/// longer a replica, with a deadline. RDS publishes no "promotion completed" event (see
/// ../shared/reference/dr-on-aws.md §3), so an RDS promotion is polled every 30 s. Aurora does
/// (RDS-EVENT-0238, -0185): between polls the workflow waits on a task token that the event's
/// rule answers (`wake_waiter`), so it is woken early; the poll still confirms it.
pub(crate) fn promote_and_wait(
    wf: &Workflow,
    region: &str,
    promotion: &Promotion,
    deadline_minutes: u32,
    on_failure: &Step,
) -> PromotionWait {
    let start = phase(wf, "promote", "promote");
    let describe_input = promotion.describe_input(region);
    let promote = match promotion {
        Promotion::Instance(id) => {
            let task = wf.task::<PromoteReplica>("Promote replica").input(
                &PromoteReplicaInput {
                    db_instance_id: id.clone(),
                    region: Some(region.into()),
                    backup_retention_days: None,
                    self_managed: None,
                },
                &[],
            );
            guard(wf, task.result_path("$.promotion"), on_failure)
                .retry(retry_backup_in_progress())
                .step_handle()
        }
        Promotion::SelfManaged {
            server_id,
            connection,
        } => {
            let task = wf.task::<PromoteReplica>("Promote replica").input(
                &PromoteReplicaInput {
                    db_instance_id: server_id.to_string(),
                    region: Some(region.into()),
                    backup_retention_days: None,
                    self_managed: Some(connection.clone()),
                },
                &[],
            );
            guard(wf, task.result_path("$.promotion"), on_failure).step_handle()
        }
        Promotion::Aurora {
            global_cluster_id,
            cluster_arn,
            mode,
            ..
        } => {
            let task = wf
                .task::<FailoverGlobalCluster>("Fail over global cluster")
                .input(
                    &FailoverGlobalClusterInput {
                        global_cluster_id: global_cluster_id.to_string(),
                        target_cluster_arn: cluster_arn.to_string(),
                        mode: *mode,
                        region: Some(region.into()),
                    },
                    &[],
                );
            guard(wf, task.result_path("$.promotion"), on_failure).step_handle()
        }
    };
    let polls = u64::from(deadline_minutes) * 60 / POLL_SECONDS;
    let init = wf
        .pass("Start polling")
        .result(json!({ "count": 0, "fast": 0 }))
        .result_path("$.poll");
    let wait: Chain = match promotion {
        Promotion::Instance(_) => wf.wait_seconds("Wait for promotion", POLL_SECONDS).into(),
        // Stopping replication is done when the call returns: a short wait before the check.
        Promotion::SelfManaged { .. } => wf.wait_seconds("Wait for promotion", 2).into(),
        Promotion::Aurora {
            cluster_id,
            waiter_parameter,
            ..
        } => wait_for_event(wf, region, cluster_id, waiter_parameter, on_failure),
    };
    let describe = guard(
        wf,
        wf.task::<DescribeDatabase>("Describe promoted database")
            .input(&describe_input, &[])
            .result_path("$.database"),
        on_failure,
    );
    let count = wf
        .pass("Count poll")
        .parameters(json!({
            "count.$": "States.MathAdd($.poll.count, 1)",
            "fast.$": "$.poll.fast",
        }))
        .result_path("$.poll");
    let deadline = stop_with(
        wf,
        "Promotion deadline passed",
        "PromotionDeadlineExceeded",
        &format!("the database was not writable {deadline_minutes} min after promotion"),
        on_failure,
    );
    let end = phase(wf, "database writable", "writable");
    let over = wf
        .choice("Promotion deadline")
        .when(
            wfc_compiler::dsl::Path::<f64>::raw("$.poll.count").ge(polls as f64),
            &deadline,
        )
        .otherwise(&wait);
    count.next(&over);
    // An RDS instance in its final reboot is polled every few seconds.
    let not_yet: Step = match promotion {
        Promotion::Instance(_) => {
            let fast = wf
                .pass("Count reboot poll")
                .parameters(json!({
                    "count.$": "$.poll.count",
                    "fast.$": "States.MathAdd($.poll.fast, 1)",
                }))
                .result_path("$.poll");
            fast.next(wf.wait_seconds("Wait for reboot", REBOOT_POLL_SECONDS))
                .next(&describe);
            wf.choice("Rebooting now")
                .when(
                    Condition::and([
                        describe
                            .output(field!(DatabaseStatus.status))
                            .eq_str("rebooting"),
                        wfc_compiler::dsl::Path::<f64>::raw("$.poll.fast").lt(REBOOT_POLLS as f64),
                    ]),
                    &fast,
                )
                .otherwise(&count)
        }
        _ => count.clone(),
    };
    let writable = wf
        .choice("Writable yet")
        .when(
            Condition::and([
                describe.output(field!(DatabaseStatus.available)).is_true(),
                describe
                    .output(field!(DatabaseStatus.is_replica))
                    .is_false(),
            ]),
            &end,
        )
        .otherwise(&not_yet);
    start
        .next(&promote)
        .next(&init)
        .next(&wait)
        .next(&describe)
        .next(&writable);
    PromotionWait {
        start,
        end,
        counted: count,
        deadline: over,
    }
}

/// Waits up to one poll interval for the database event: a timeout is the ordinary way on (to
/// the next poll), an answer the early one. Both end at the returned chain's open end.
fn wait_for_event(
    wf: &Workflow,
    region: &str,
    cluster_id: &str,
    waiter_parameter: &str,
    on_failure: &Step,
) -> Chain {
    let join = wf.pass("Poll promotion");
    let timed_out = wf
        .pass("No promotion event yet")
        .result(json!("no event: polling"))
        .result_path("$.woken");
    timed_out.next(&join);
    let wait = guard(
        wf,
        wf.task::<RegisterWaiter>("Wait for promotion event")
            .input(
                &RegisterWaiterInput {
                    parameter_name: waiter_parameter.into(),
                    task_token: String::new(),
                    waiting_for: format!("promotion of {cluster_id}"),
                    region: Some(region.into()),
                },
                &[("task_token", "$$.Task.Token")],
            )
            .wait_for_task_token()
            .timeout_seconds(POLL_SECONDS)
            .result_path("$.woken")
            .catch(
                Catch::on(&["States.Timeout"]).result_path("$.woken"),
                &timed_out,
            ),
        on_failure,
    );
    wait.next(&join)
}

/// RDS refuses to promote while a backup runs; it ends by itself.
fn retry_backup_in_progress() -> wfc_compiler::dsl::Retry {
    super::poll(&["BackupInProgress"], (60, 10))
}

/// Repoint the app at the database endpoint found at `$.database`, open writes at `site`'s load
/// balancer, switch the shop's records to it, and smoke-test the shop there.
pub(crate) fn move_traffic(
    wf: &Workflow,
    stack: &Stack,
    region: &str,
    site: &Region,
    on_failure: &Step,
) -> Segment {
    let start = phase(wf, "traffic", "traffic");
    let repoint = repoint_app(
        wf,
        stack,
        "Repoint app",
        region,
        "$.database.Payload.endpoint",
        on_failure,
    );
    let open = shop::open_writes(wf, stack, "Open writes", region, site, on_failure);
    let dns = switch_dns(wf, stack, region, site, on_failure);
    let smoke = shop::smoke_test(wf, stack, site, on_failure);
    let end = phase(wf, "serving", "serving");
    start
        .next(&repoint)
        .next(&open)
        .next(&dns)
        .next(&smoke)
        .next(&end);
    Segment { start, end }
}

/// Points `region`'s app at the database endpoint found at `endpoint` (a path), at `$.repoint`.
pub(crate) fn repoint_app(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    region: &str,
    endpoint: &str,
    on_failure: &Step,
) -> Step {
    guard(
        wf,
        wf.task::<RepointApp>(name).input(
            &RepointAppInput {
                store: app_store(stack.app.db_endpoint_store),
                name: stack.app.db_endpoint_name.clone(),
                endpoint: String::new(),
                port: None,
                region: Some(region.into()),
            },
            &[("endpoint", endpoint)],
        ),
        on_failure,
    )
    .result_path("$.repoint")
    .step_handle()
}

/// Switches the shop's records to `site`'s load balancer and waits until the change is INSYNC,
/// at `$.dns`.
pub(crate) fn switch_dns(
    wf: &Workflow,
    stack: &Stack,
    region: &str,
    site: &Region,
    on_failure: &Step,
) -> Step {
    let records = stack
        .dns
        .record_names
        .iter()
        .map(|name| DnsRecord {
            name: name.clone(),
            record_type: RecordType::A,
            set_identifier: Some(PRIMARY_RECORD.into()),
            failover: Some(Failover::Primary),
            target: DnsTarget::Alias {
                dns_name: site.load_balancer.dns_name.clone(),
                hosted_zone_id: site.load_balancer.hosted_zone_id.clone(),
            },
        })
        .collect();
    guard(
        wf,
        wf.task::<SwitchDns>("Switch DNS").input(
            &SwitchDnsInput {
                hosted_zone_id: stack.dns.hosted_zone_id.clone(),
                records,
                comment: format!("wfc: {} serves from {region}", stack.shop.name),
                wait_seconds: 60,
            },
            &[],
        ),
        on_failure,
    )
    .result_path("$.dns")
    .step_handle()
}

/// Sets a region's compute to `desired`.
pub(crate) fn scale(
    wf: &Workflow,
    name: &str,
    region: &str,
    site: &Region,
    desired: u32,
    on_failure: &Step,
) -> Step {
    let target = compute_target(site);
    guard(
        wf,
        wf.task::<ScaleCompute>(name).input(
            &ScaleComputeInput {
                target,
                desired,
                region: Some(region.into()),
            },
            &[],
        ),
        on_failure,
    )
    .discard_result()
    .step_handle()
}

/// A region's Auto Scaling group or ECS service.
pub(crate) fn compute_target(site: &Region) -> ComputeTarget {
    match &site.compute {
        Compute::AutoScalingGroup { name, .. } => {
            ComputeTarget::AutoScalingGroup { name: name.clone() }
        }
        Compute::EcsService {
            cluster, service, ..
        } => ComputeTarget::EcsService {
            cluster: cluster.clone(),
            service: service.clone(),
        },
    }
}

/// A region's active and standby capacity.
pub(crate) fn capacity(site: &Region) -> (u32, u32) {
    match site.compute {
        Compute::AutoScalingGroup {
            active_capacity,
            standby_capacity,
            ..
        }
        | Compute::EcsService {
            active_capacity,
            standby_capacity,
            ..
        } => (active_capacity, standby_capacity),
    }
}

/// Records the DR state (which region serves, what runs, which region owns the background
/// jobs once a cutover has started them) in the DR region.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    active_region: &str,
    status: DrStatus,
    incident: &str,
    background_jobs_region: Option<&str>,
    retired: Option<&str>,
    on_failure: &Step,
) -> Step {
    let task = record_task(
        wf,
        stack,
        name,
        (active_region, status),
        incident,
        background_jobs_region,
        retired,
    );
    guard(wf, task, on_failure).discard_result().step_handle()
}

/// The `record_state` task of [`record`], unguarded (for a failure chain, whose catch must keep
/// the failed step it reports).
pub(crate) fn record_task(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    (active_region, status): (&str, DrStatus),
    incident: &str,
    background_jobs_region: Option<&str>,
    retired: Option<&str>,
) -> TaskStep<RecordState> {
    // A start is timed on the workflow's clock, as the anti-flap guard reads it (a drill on
    // virtual time measures virtual minutes); an end keeps the recorded time.
    let mut from_state = vec![("incident_id", incident)];
    if let Some(retired) = retired {
        from_state.push(("retired", retired));
    }
    if status != DrStatus::Idle {
        from_state.push(("failover_at", "$$.State.EnteredTime"));
    }
    wf.task::<RecordState>(name).input(
        &RecordStateInput {
            parameter_name: stack.app.state_parameter.clone(),
            active_region: active_region.into(),
            incident_id: String::new(),
            status,
            failover_at: None,
            region: Some(Sites::of(stack).secondary.into()),
            background_jobs_region: background_jobs_region.map(str::to_string),
            retired: Vec::new(),
        },
        &from_state,
    )
}

fn app_store(store: Store) -> AppStore {
    match store {
        Store::Ssm => AppStore::Ssm,
        Store::SecretsManager => AppStore::SecretsManager,
    }
}

/// A manual approval: an SNS message that says how to answer, with the task token in a message
/// attribute (where `wfc approve` finds it in the execution history). `what` names the operation
/// ("failback of woo from us-west-2 to us-east-1"), `incident` is the path of the incident id.
/// `wfc reject` fails the task with `FailoverRejected` (→ `rejected`); no answer in time fails it
/// with `States.Timeout` (→ `timed_out`, whose effect `on_timeout` tells the person: "aborted");
/// any other failure goes to the failure chain.
#[allow(clippy::too_many_arguments)]
pub(crate) fn approval(
    wf: &Workflow,
    stack: &Stack,
    what: &str,
    incident: &str,
    timeout_minutes: u32,
    (timed_out, on_timeout): (&Step, &str),
    rejected: &Step,
    on_failure: &Step,
) -> Step {
    let name = "Ask for approval";
    let mut chars = what.chars();
    let what_capitalised = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect::<String>())
        .unwrap_or_default();
    let message = format!(
        "States.Format('{what_capitalised} is waiting for your approval (incident {{}}). Approve: wfc approve {{}}  Reject: wfc reject {{}} --reason <why>. Without an answer in {timeout_minutes} min it is {on_timeout}.', {incident}, $$.Execution.Id, $$.Execution.Id)",
    );
    let ask = wf
        .service_task(
            name,
            "arn:aws:states:::sns:publish.waitForTaskToken",
            json!({
                "TopicArn": stack.notifications.sns_topic_arn,
                "Subject": format!("wfc: approve {what}?"),
                "Message.$": message,
                "MessageAttributes": {
                    "task_token": { "DataType": "String", "StringValue.$": "$$.Task.Token" },
                    "execution_arn": { "DataType": "String", "StringValue.$": "$$.Execution.Id" },
                },
            }),
        )
        .timeout_seconds(u64::from(timeout_minutes) * 60)
        .result_path("$.approval")
        .catch(
            Catch::on(&["States.Timeout"]).result_path("$.error"),
            timed_out,
        )
        .catch(
            Catch::on(&["FailoverRejected"]).result_path("$.rejection"),
            rejected,
        );
    super::guard_step(wf, ask, on_failure)
}

/// Stops writes on the database that serves now (`site`, in `region`) and puts that region's app
/// in maintenance mode, then continues with `then`; returns the first step. RDS: `fence_primary`
/// with `read_only` (required for zero data loss: any outcome but `fenced` stops with `error`).
/// Aurora: maintenance mode only; the managed switchover of the global cluster stops writes and
/// waits for full sync itself. The result is at `$.fence` either way.
pub(crate) fn stop_writes(
    wf: &Workflow,
    stack: &Stack,
    region: &str,
    site: &Region,
    error: &str,
    then: &Step,
    on_failure: &Step,
) -> Step {
    use wfc_activities::fence_primary::FencePrimaryOutput;
    match fence_method(stack, region, site) {
        Some((instance_id, method)) => {
            let fence = fence_task(
                wf,
                stack,
                "Stop writes",
                region,
                &instance_id,
                method,
                on_failure,
            );
            let refused = stop_with(
                wf,
                "Writes not stopped",
                error,
                &format!(
                    "{instance_id} in {region} could not be made read-only; without it the cutover would lose writes"
                ),
                on_failure,
            );
            let fenced = wf
                .choice("Writes stopped")
                .when(
                    wfc_compiler::dsl::Path::<String>::raw(
                        fence.output(field!(FencePrimaryOutput.outcome)).as_str(),
                    )
                    .eq_str("fenced"),
                    then,
                )
                .otherwise(&refused);
            fence.next(&fenced);
            fence.step_handle()
        }
        None => {
            let on = maintenance(wf, stack, "Maintenance mode on", region, true, on_failure)
                .result_path("$.fence");
            on.next(then);
            on
        }
    }
}

/// How `read_only` is turned on for `site`'s database: its parameter group (RDS) or the server
/// itself (self-managed); `None` for Aurora, whose managed switchover and failover fence the
/// writer themselves.
pub(crate) fn fence_method(
    stack: &Stack,
    region: &str,
    site: &Region,
) -> Option<(String, wfc_activities::fence_primary::FenceMethod)> {
    use wfc_activities::fence_primary::FenceMethod;
    match &site.database {
        Database::RdsInstance {
            instance_id,
            parameter_group,
            ..
        } => Some((
            instance_id.clone(),
            FenceMethod::ReadOnly {
                parameter_group: parameter_group.clone(),
            },
        )),
        Database::SelfManaged { server_id, .. } => Some((
            server_id.clone(),
            FenceMethod::ReadOnlyServer {
                connection: shop::connection(stack, region, site).0,
            },
        )),
        Database::AuroraGlobal { .. } => None,
    }
}

/// Fences the database `instance_id` in `region` by `method`, with the app's maintenance flag on
/// there; the outcome (`fenced`, `unreachable`, `failed`) is at `$.fence` for the caller to judge.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fence_task(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    region: &str,
    instance_id: &str,
    method: wfc_activities::fence_primary::FenceMethod,
    on_failure: &Step,
) -> TaskStep<wfc_activities::fence_primary::FencePrimary> {
    use wfc_activities::fence_primary::{FencePrimary, FencePrimaryInput, MaintenanceFlag};
    guard(
        wf,
        wf.task::<FencePrimary>(name).input(
            &FencePrimaryInput {
                primary_region: region.into(),
                db_instance_id: instance_id.into(),
                method,
                maintenance: Some(MaintenanceFlag {
                    parameter_name: stack.app.maintenance_parameter.clone(),
                    value: "on".into(),
                }),
                timeout_seconds: 60,
            },
            &[],
        ),
        on_failure,
    )
    .result_path("$.fence")
}

/// Sets the maintenance flag the app in `region` reads (`on` or `off`).
pub(crate) fn maintenance(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    region: &str,
    on: bool,
    on_failure: &Step,
) -> Step {
    use wfc_activities::set_maintenance::{SetMaintenance, SetMaintenanceInput};
    guard(
        wf,
        wf.task::<SetMaintenance>(name).input(
            &SetMaintenanceInput {
                parameter_name: stack.app.maintenance_parameter.clone(),
                on,
                region: Some(region.into()),
            },
            &[],
        ),
        on_failure,
    )
    .discard_result()
    .step_handle()
}

/// Waits until the replica `db_instance_id` in `region` lags at most `max_lag_seconds`, retrying
/// `ReplicaNotInSync` (raised while it is not available yet, too) every `interval` s up to
/// `attempts` times. The result is at `$.sync`.
pub(crate) fn await_in_sync(
    wf: &Workflow,
    name: &str,
    region: &str,
    db_instance_id: &str,
    max_lag_seconds: f64,
    (interval, attempts): (u64, u64),
    on_failure: &Step,
) -> Step {
    use wfc_activities::await_replica_in_sync::{AwaitReplicaInSync, AwaitReplicaInSyncInput};
    let task = wf
        .task::<AwaitReplicaInSync>(name)
        .input(
            &AwaitReplicaInSyncInput {
                db_instance_id: db_instance_id.into(),
                region: Some(region.into()),
                max_lag_seconds,
                lag_window_seconds: 300,
            },
            &[],
        )
        .result_path("$.sync")
        .retry(super::poll(&["ReplicaNotInSync"], (interval, attempts)));
    guard(wf, task, on_failure).step_handle()
}

/// Makes a promoted RDS instance writable again: `read_only=0` in its parameter group, which may
/// still hold the `read_only=1` of an earlier fence (a promoted replica keeps its group's value).
pub(crate) fn allow_writes(
    wf: &Workflow,
    name: &str,
    region: &str,
    db_instance_id: &str,
    parameter_group: Option<String>,
    on_failure: &Step,
) -> Step {
    use wfc_activities::set_read_only::{SetReadOnly, SetReadOnlyInput};
    guard(
        wf,
        wf.task::<SetReadOnly>(name).input(
            &SetReadOnlyInput {
                db_instance_id: db_instance_id.into(),
                region: Some(region.into()),
                read_only: false,
                parameter_group,
            },
            &[],
        ),
        on_failure,
    )
    .result_path("$.writes")
    .step_handle()
}

/// Waits until `site`'s replica has every write (lag 0) after writes stopped: RDS by its
/// `ReplicaLag`, a self-managed replica by `SHOW REPLICA STATUS`. `None` for Aurora, whose
/// managed switchover waits for full sync itself.
pub(crate) fn await_lag_zero(
    wf: &Workflow,
    stack: &Stack,
    region: &str,
    site: &Region,
    poll: (u64, u64),
    on_failure: &Step,
) -> Option<Step> {
    use wfc_activities::check_replica::{CheckReplica, CheckReplicaInput};
    let name = "Wait for lag 0";
    match &site.database {
        Database::RdsInstance { instance_id, .. } => Some(await_in_sync(
            wf,
            name,
            region,
            instance_id,
            0.0,
            poll,
            on_failure,
        )),
        Database::SelfManaged { server_id, .. } => {
            let task = wf
                .task::<CheckReplica>(name)
                .input(
                    &CheckReplicaInput {
                        db_instance_id: server_id.clone(),
                        region: Some(region.into()),
                        max_lag_seconds: 0.0,
                        lag_window_seconds: 300,
                        rpo_override: None,
                        enforce: true,
                        self_managed: Some(shop::connection(stack, region, site).0),
                    },
                    &[],
                )
                .result_path("$.sync")
                .retry(super::poll(
                    &["ReplicaLagTooHigh", "ReplicaLagUnknown"],
                    poll,
                ));
            Some(guard(wf, task, on_failure).step_handle())
        }
        Database::AuroraGlobal { .. } => None,
    }
}
