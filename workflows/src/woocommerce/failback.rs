//! **failback**: returns the shop from the secondary region to the primary after a failover,
//! started by a person (`wfc failback start`). Validate the request; the reconciliation report of
//! the failover's replication gap (unresolved orders stop it, unless the request says they were
//! handled); record the state; create a replica of the serving database in the primary region
//! and wait until it is in sync; manual approval (a maintenance window); gate writes at both load
//! balancers, pause the secondary's background jobs, maintenance mode and read-only on the
//! secondary; lag 0; promote the new replica and wait until writable; flush the primary's cache;
//! scale the primary up; repoint the app, open writes, switch DNS, smoke test; resume background
//! jobs in the primary; scale the secondary down; re-create the DR replica; record; notify. Aurora
//! stacks skip the replica steps: the global cluster keeps its members and switches over.
//!
//! Writes stay paused no longer than the request's `max_write_pause_seconds`: a limit shorter than
//! the promotion is refused before anything changes; the promotion starts only if the pause left
//! has room for it; an RDS promotion still running when the next poll would pass the limit is
//! left behind. Stopping reopens the secondary (its database writable, maintenance off, jobs
//! resumed, writes open), records it as serving and says why and what is true now.

use super::cutover::{self, Promotion};
use super::{failure_chain, guard, notify, phase, shop, stop_with, Sites};
use serde_json::json;
use wfc_activities::create_replica::{CreateReplica, CreateReplicaInput};
use wfc_activities::failover_global_cluster::GlobalMode;
use wfc_activities::notify::Severity;
use wfc_activities::record_state::DrStatus;
use wfc_activities::validate_request::{
    FailbackRequest, ValidateRequest, ValidateRequestInput, ValidateRequestOutput,
};
use wfc_compiler::dsl::{CompileError, Compiled, Condition, Path, StateBuilder, Step, Workflow};
use wfc_compiler::field;
use wfc_stack::{Database, Stack};

/// What starts a failback: the request a person makes (console or `wfc failback start`).
pub type FailbackInput = FailbackRequest;

const INCIDENT: &str = "$.incident_id";

/// How often, and how many times, the new replica is checked while RDS creates it.
const NEW_REPLICA_POLL: (u64, u64) = (60, 60);
/// How often, and how many times, a renamed instance is checked (RDS: about 10 min).
const RENAME_POLL: (u64, u64) = (30, 60);
/// How often, and how many times, lag 0 is checked once writes are stopped.
const LAG_ZERO_POLL: (u64, u64) = (10, 30);

/// Room for the steps that follow a promotion up to open writes, or that reopen the serving
/// region when the failback stops: a few API calls each, with their retries.
const STEPS_SECONDS: u64 = 30;

/// How long the promotion in the primary region typically takes, and what it is: the part of
/// the write pause no request can shorten (../shared/reference/latency-model.md §9:
/// PromoteReadReplica 360 s, SwitchoverGlobalCluster 180 s; a self-managed replica stops
/// replicating at once).
fn promotion_seconds(stack: &Stack) -> (u64, &'static str) {
    match &stack.primary().1.database {
        Database::RdsInstance { .. } => (360, "an RDS promotion typically takes 6 min"),
        Database::AuroraGlobal { .. } => (180, "an Aurora global switchover typically takes 3 min"),
        Database::SelfManaged { .. } => (0, "a self-managed promotion takes seconds"),
    }
}

/// The shortest `max_write_pause_seconds` this stack's failback can keep: the promotion, the
/// poll that sees it done, and the steps up to open writes. A shorter request is refused before
/// anything changes.
pub fn min_write_pause_seconds(stack: &Stack) -> u64 {
    promotion_seconds(stack).0 + cutover::POLL_SECONDS + STEPS_SECONDS
}

/// A JSONata Choice (Step Functions' JSONPath has no time arithmetic): `stop` when fewer than
/// `needed` seconds of the request's write pause are left (the pause began with the fence
/// phase), else `then`.
fn unless_pause_left(wf: &Workflow, name: &str, needed: u64, stop: &Step, then: &Step) -> Step {
    let condition = format!(
        "{{% ($toMillis($states.context.State.EnteredTime) - $toMillis($states.input.phases.fence.at)) / 1000 + {needed} > $states.input.validation.Payload.request.max_write_pause_seconds %}}"
    );
    wf.choice(name)
        .jsonata()
        .when(Condition::raw(json!({ "Condition": condition })), stop)
        .otherwise(then)
}

pub fn workflow(stack: &Stack) -> Result<Compiled, CompileError> {
    let sites = Sites::of(stack);
    let policy = &stack.policy;
    let wf = Workflow::new("failback")
        .input::<FailbackInput>()
        .comment(&format!(
            "Failback of {} from {} to {}: validate, replicate back, approve, maintenance and read-only, lag 0, promote, cut over, re-create the DR replica",
            stack.shop.name, sites.secondary, sites.primary
        ))
        .timeout_seconds(12 * 3600);
    let on_failure = failure_chain(&wf, stack, "Failback", INCIDENT);

    let start = wf.pass("Start").parameters(json!({
        "request.$": "$",
        "incident_id.$": "$.incident_id",
        "phases": { "started.$": "$$.Execution.StartTime" },
    }));

    // The request: nothing running, the primary not serving, and healthy.
    let validate = guard(
        &wf,
        wf.task::<ValidateRequest>("Validate request").input(
            &ValidateRequestInput {
                // Replaced by the execution input (`$.request`).
                request: FailbackRequest {
                    target_region: sites.primary.into(),
                    incident_id: String::new(),
                    requested_by: String::new(),
                    reason: None,
                    max_write_pause_seconds: 300,
                    handled_order_ids: Vec::new(),
                    gap_reconciled: false,
                },
                state_parameter_name: stack.app.state_parameter.clone(),
                target_health_check_id: sites.p.health_check_id.clone(),
                target_alarm_name: sites.p.alarms.first().cloned(),
                max_failing_share: 0.2,
                region: Some(sites.secondary.into()),
            },
            &[("request", "$.request")],
        ),
        &on_failure,
    )
    .result_path("$.validation");
    let invalid = notify(
&wf,
stack,
"Notify request invalid",
            INCIDENT,
            "failback.invalid",
            Severity::Warning,
            json!(format!(
                "States.Format('No failback of {}: the request (target {{}}) did not pass its checks. A failback returns to {} only.', $.request.target_region)",
                stack.shop.name, sites.primary
            )),
            json!({
                "request.$": "$.request",
                "checks.$": "$.validation.Payload.checks",
            }),
&on_failure,
);
    invalid.next(wf.fail(
        "Request invalid",
        "FailbackRequestInvalid",
        "the failback request did not pass its checks",
    ));
    let record_start = cutover::record(
        &wf,
        stack,
        "Record failing back",
        sites.secondary,
        DrStatus::FailingBack,
        INCIDENT,
        None,
        None,
        &on_failure,
    );
    // The gap is reconciled before anything is recorded or changed: a refused failback leaves the
    // state as the failover left it, so it can be started again once the orders are handled.
    let reconcile_start = phase(&wf, "reconcile", "reconcile");
    // A limit the promotion alone overruns is refused before the replica is created (half an
    // hour) and writes are paused for nothing.
    let min_pause = min_write_pause_seconds(stack);
    let max_pause = validate
        .output(field!(ValidateRequestOutput.request))
        .at(field!(FailbackRequest.max_write_pause_seconds));
    let too_short = notify(
        &wf,
        stack,
        "Notify write pause too short",
        INCIDENT,
        "failback.write_pause_too_short",
        Severity::Warning,
        json!(format!(
            "States.Format('No failback of {shop}: the request allows writes to be paused {{}} s, and this failback pauses them at least {min_pause} s ({what}, then a poll and the steps up to open writes). Nothing was changed; {s} still serves. Start it again with max_write_pause_seconds of at least {min_pause}.', {limit})",
            shop = stack.shop.name,
            what = promotion_seconds(stack).1,
            s = sites.secondary,
            limit = max_pause.as_str(),
        )),
        json!({ "request.$": "$.request" }),
        &on_failure,
    );
    too_short.next(wf.fail(
        "Write pause too short",
        "WritePauseTooShort",
        "max_write_pause_seconds is shorter than this stack's failback can keep writes paused",
    ));
    let pause_possible = wf
        .choice("Write pause possible")
        .when(max_pause.lt(min_pause as f64), &too_short)
        .otherwise(&reconcile_start);
    let valid = wf
        .choice("Request valid")
        .when(
            Condition::and([
                validate
                    .output(field!(ValidateRequestOutput.valid))
                    .is_true(),
                Path::<String>::raw("$.request.target_region").eq_str(sites.primary),
            ]),
            &pause_possible,
        )
        .otherwise(&invalid);

    // RDS: the primary region gets a replica of the serving database under the old primary's
    // name, which `retire_instance` frees first (the old primary is renamed `-old<N>` and
    // stopped; a person deletes it after reconciling). The stack description, the alarms and the
    // event rules keep naming the databases right: no hand edit before the next failover.
    let rds = match (&sites.p.database, &sites.s.database) {
        (
            Database::RdsInstance {
                instance_id: primary_id,
                instance_class,
                parameter_group,
                subnet_group,
                security_group_ids,
                kms_key_id,
                multi_az,
                ..
            },
            Database::RdsInstance {
                instance_id: secondary_id,
                arn: secondary_arn,
                ..
            },
        ) => Some((
            primary_id.clone(),
            CreateReplicaInput {
                source_db_arn: secondary_arn.clone(),
                replica_id: primary_id.clone(),
                instance_class: instance_class.clone(),
                region: Some(sites.primary.into()),
                kms_key_id: kms_key_id.clone(),
                db_subnet_group: subnet_group.clone(),
                vpc_security_group_ids: security_group_ids.clone(),
                parameter_group: parameter_group.clone(),
                multi_az: *multi_az,
            },
            secondary_id.clone(),
        )),
        _ => None,
    };

    // Approval: always a person for a failback (it pauses writes: a maintenance window).
    let approval_phase = phase(&wf, "approval", "approval");
    let timed_out = stop_with(
        &wf,
        "Approval timed out",
        "ApprovalTimedOut",
        "nobody approved the failback in time",
        &on_failure,
    );
    let approval = cutover::approval(
        &wf,
        stack,
        &format!(
            "failback of {} from {} to {}",
            stack.shop.name, sites.secondary, sites.primary
        ),
        INCIDENT,
        policy.approval_timeout_minutes,
        (&timed_out, "aborted"),
        &wf.succeed("Failback rejected"),
        &on_failure,
    );

    let after_valid = match &rds {
        Some((new_primary, create, _)) => {
            let replica_phase = phase(&wf, "new replica", "new_replica");
            let retire_old = retire(
                &wf,
                "Retire old primary",
                sites.primary,
                new_primary,
                &create.source_db_arn,
                "$.retired_primary",
                &on_failure,
            );
            let create = guard(
                &wf,
                wf.task::<CreateReplica>("Create replica in primary region")
                    .input(create, &[]),
                &on_failure,
            )
            .result_path("$.replica");
            let sync = cutover::await_in_sync(
                &wf,
                "Wait for new replica",
                sites.primary,
                new_primary,
                policy.max_replica_lag_seconds,
                NEW_REPLICA_POLL,
                &on_failure,
            );
            replica_phase
                .next(&retire_old)
                .next(&create)
                .next(&sync)
                .next(&approval_phase);
            replica_phase
        }
        None => approval_phase.clone(),
    };

    // Promote once the new replica has every write (Aurora's switchover waits for it itself).
    let promotion = match &rds {
        Some((new_primary, _, _)) => Promotion::Instance(new_primary.clone()),
        None => Promotion::of(stack, sites.primary, sites.p, GlobalMode::Switchover),
    };
    let promote = cutover::promote_and_wait(
        &wf,
        sites.primary,
        &promotion,
        policy.promotion_deadline_minutes,
        &on_failure,
    );
    // The write pause: the promotion starts only if the request's limit leaves room for it, the
    // poll that sees it done and the steps up to open writes; otherwise, and when an RDS
    // promotion runs so long that the next poll would pass the limit, the failback stops and the
    // secondary serves again. (An Aurora switchover cannot be called back once started, and a
    // self-managed promotion is done in seconds: they are judged before they start only.)
    let stop = stop_in_secondary(&wf, stack, &sites, &on_failure);
    let promote_in_time = unless_pause_left(
        &wf,
        "Write pause left for the promotion",
        min_write_pause_seconds(stack),
        &stop,
        &promote.start,
    );
    if let Promotion::Instance(_) = promotion {
        let in_time = unless_pause_left(
            &wf,
            "Write pause left",
            cutover::POLL_SECONDS + STEPS_SECONDS,
            &stop,
            &promote.deadline,
        );
        promote.counted.next(&in_time);
    }
    let after_fence = match cutover::await_lag_zero(
        &wf,
        stack,
        sites.primary,
        sites.p,
        LAG_ZERO_POLL,
        &on_failure,
    ) {
        Some(sync) => {
            let sync_phase = phase(&wf, "in sync", "in_sync");
            sync_phase.next(&sync).next(&promote_in_time);
            sync_phase
        }
        None => promote_in_time.clone(),
    };
    let fence_phase = phase(&wf, "fence", "fence");
    let gate_secondary = shop::gate_writes(
        &wf,
        stack,
        "Gate writes in secondary region",
        sites.secondary,
        sites.s,
        &on_failure,
    );
    let gate_primary = shop::gate_writes(
        &wf,
        stack,
        "Gate writes in primary region",
        sites.primary,
        sites.p,
        &on_failure,
    );
    let pause = shop::pause_jobs(
        &wf,
        "Pause background jobs in secondary region",
        sites.secondary,
        sites.s,
        &on_failure,
    );
    let fence = cutover::stop_writes(
        &wf,
        stack,
        sites.secondary,
        sites.s,
        "FailbackFenceFailed",
        &after_fence,
        &on_failure,
    );

    let (primary_active, _) = cutover::capacity(sites.p);
    let (_, secondary_standby) = cutover::capacity(sites.s);
    let scale_up = cutover::scale(
        &wf,
        "Scale primary compute up",
        sites.primary,
        sites.p,
        primary_active,
        &on_failure,
    );
    // The primary's flag is still `on` from the failover's fence; it goes off before the smoke
    // test, which must see the shop (nobody reaches the primary before the DNS switch).
    let maintenance_off = cutover::maintenance(
        &wf,
        stack,
        "Leave maintenance mode",
        sites.primary,
        false,
        &on_failure,
    );
    let flush = shop::flush_cache(
        &wf,
        "Flush primary cache",
        sites.primary,
        sites.p,
        &on_failure,
    );
    let traffic = cutover::move_traffic(&wf, stack, sites.primary, sites.p, &on_failure);
    let resume = shop::resume_jobs(
        &wf,
        "Resume background jobs in primary region",
        sites.primary,
        sites.p,
        &on_failure,
    );
    let scale_down = cutover::scale(
        &wf,
        "Scale secondary compute down",
        sites.secondary,
        sites.s,
        secondary_standby,
        &on_failure,
    );
    // The secondary's flag went `on` with this failback's fence; the next failover does not
    // clear it, so it goes off once the secondary no longer serves.
    let secondary_off = cutover::maintenance(
        &wf,
        stack,
        "Clear secondary maintenance mode",
        sites.secondary,
        false,
        &on_failure,
    );
    let record_done = cutover::record(
        &wf,
        stack,
        "Record failed back",
        sites.primary,
        DrStatus::Idle,
        INCIDENT,
        Some(sites.primary),
        rds.as_ref()
            .map(|_| "States.Array($.retired_primary.Payload, $.retired_dr.Payload)"),
        &on_failure,
    );
    let (summary_text, details) = match &rds {
        Some((new_primary, _, dr_replica)) => (
            format!(
                "States.Format('{shop} failed back from {s} to {p} (incident {{}}): serving from {p} again, from a new {new_primary}; the databases keep the names stack.toml gives them. The new DR replica {dr_replica} is still being created (preflight watches it). The old databases are renamed {{}} ({p}) and {{}} ({s}) and stopped until a person deletes them after reconciling (RDS starts a stopped instance again after 7 days).', $.incident_id, $.retired_primary.Payload.retired_id, $.retired_dr.Payload.retired_id)",
                shop = stack.shop.name,
                s = sites.secondary,
                p = sites.primary,
            ),
            json!({
                "phases.$": "$.phases",
                "fence.$": "$.fence.Payload",
                "dns.$": "$.dns.Payload",
                "smoke.$": "$.smoke.Payload",
                "replica.$": "$.replica.Payload",
                "retired_primary.$": "$.retired_primary.Payload",
                "retired_dr.$": "$.retired_dr.Payload",
                "dr_replica.$": "$.dr_replica.Payload",
            }),
        ),
        None => (
            format!(
                "States.Format('{shop} failed back from {s} to {p} (incident {{}}): serving from {p} again.', $.incident_id)",
                shop = stack.shop.name,
                s = sites.secondary,
                p = sites.primary,
            ),
            json!({
                "phases.$": "$.phases",
                "fence.$": "$.fence.Payload",
                "dns.$": "$.dns.Payload",
                "smoke.$": "$.smoke.Payload",
            }),
        ),
    };
    let summary = notify(
        &wf,
        stack,
        "Notify summary",
        INCIDENT,
        "failback.completed",
        Severity::Info,
        json!(summary_text),
        details,
        &on_failure,
    );
    let done = wf.succeed("Failed back");

    // RDS: the promoted replica may keep the `read_only=1` the failover's fence set in the
    // primary region's parameter group; then the shop is protected again by a new DR replica
    // under the DR database's name (its sync is not awaited here: preflight watches it). That
    // group is also the old primary's, which `retire_instance` stopped before the replica was
    // created: `read_only=0` on it cannot make the old primary writable again (two writers;
    // `wfc drill --scenario failback` caught it). The old DR database is retired the same way
    // before its successor takes its name.
    let (after_promote, after_secondary_off) = match (&rds, &sites.p.database, &sites.s.database) {
        (
            Some((new_primary, _, dr_replica)),
            Database::RdsInstance {
                parameter_group, ..
            },
            Database::RdsInstance {
                instance_class,
                parameter_group: secondary_group,
                subnet_group,
                security_group_ids,
                kms_key_id,
                multi_az,
                ..
            },
        ) => {
            let allow = cutover::allow_writes(
                &wf,
                "Allow writes",
                sites.primary,
                new_primary,
                parameter_group.clone(),
                &on_failure,
            );
            let new_primary_arn = format!(
                "arn:aws:rds:{}:{}:db:{new_primary}",
                sites.primary, stack.shop.account_id
            );
            let retire_dr = retire(
                &wf,
                "Retire old DR database",
                sites.secondary,
                dr_replica,
                &new_primary_arn,
                "$.retired_dr",
                &on_failure,
            );
            let dr = guard(
                &wf,
                wf.task::<CreateReplica>("Create DR replica").input(
                    &CreateReplicaInput {
                        source_db_arn: new_primary_arn,
                        replica_id: dr_replica.clone(),
                        instance_class: instance_class.clone(),
                        region: Some(sites.secondary.into()),
                        kms_key_id: kms_key_id.clone(),
                        db_subnet_group: subnet_group.clone(),
                        vpc_security_group_ids: security_group_ids.clone(),
                        parameter_group: secondary_group.clone(),
                        multi_az: *multi_az,
                    },
                    &[],
                ),
                &on_failure,
            )
            .result_path("$.dr_replica")
            .step_handle();
            allow.next(&flush);
            retire_dr.next(&dr).next(&record_done);
            (allow, retire_dr)
        }
        _ => (flush.clone(), record_done.clone()),
    };

    approval_phase.next(&approval).next(&fence_phase);
    fence_phase
        .next(&gate_secondary)
        .next(&gate_primary)
        .next(&pause)
        .next(&fence);
    promote.end.next(&after_promote);
    flush.next(&scale_up);
    scale_up.next(&maintenance_off).next(&traffic.start);
    traffic
        .end
        .next(&resume)
        .next(&scale_down)
        .next(&secondary_off)
        .next(&after_secondary_off);
    record_done.next(&summary).next(&done);
    reconcile_before_cutback(
        &wf,
        stack,
        &sites,
        &reconcile_start,
        &record_start,
        &on_failure,
    );
    record_start.next(&after_valid);
    wf.compile(start.next(&validate).next(&valid))
}

/// Stops a failback whose write pause would outrun the request's limit, and leaves the shop as
/// it was before the pause: the secondary's database writable again, its maintenance mode off,
/// its background jobs resumed, its writes open; the state recorded (the secondary serves,
/// idle); a notification of why and of what is true now; then the execution fails with
/// `WritePauseLimit`. The primary region stays gated: nothing serves there.
fn stop_in_secondary(wf: &Workflow, stack: &Stack, sites: &Sites, on_failure: &Step) -> Step {
    use wfc_activities::promote_replica::{PromoteReplica, PromoteReplicaInput};
    let start = phase(wf, "stopped", "stopped");
    // The fence made the serving database read-only (RDS: its parameter group; self-managed:
    // the server); Aurora's fence is the maintenance flag alone.
    let (reopen, primary_now) = match (&sites.s.database, &sites.p.database) {
        (
            Database::RdsInstance {
                instance_id,
                parameter_group,
                ..
            },
            Database::RdsInstance {
                instance_id: old, ..
            },
        ) => (
            Some(cutover::allow_writes(
                wf,
                "Reopen serving database",
                sites.secondary,
                instance_id,
                parameter_group.clone(),
                on_failure,
            )),
            format!(
                "The new {old} in {p} is still a replica of {instance_id} (a new failback uses it) or, if its promotion had begun, a standalone that its parameter group keeps read-only (a new failback retires it); nothing uses it. The old primary stays stopped under its retired name ({old}-old<N>).",
                p = sites.primary,
            ),
        ),
        (Database::SelfManaged { server_id, .. }, Database::SelfManaged { server_id: old, .. }) => (
            Some(
                guard(
                    wf,
                    wf.task::<PromoteReplica>("Reopen serving database").input(
                        &PromoteReplicaInput {
                            db_instance_id: server_id.clone(),
                            region: Some(sites.secondary.into()),
                            backup_retention_days: None,
                            self_managed: Some(
                                shop::connection(stack, sites.secondary, sites.s).0,
                            ),
                        },
                        &[],
                    ),
                    on_failure,
                )
                .result_path("$.reopened")
                .step_handle(),
            ),
            format!("{old} in {} is still a replica of {server_id}.", sites.primary),
        ),
        _ => (
            None,
            format!(
                "The global cluster was not switched over: {} is still its secondary.",
                sites.primary
            ),
        ),
    };
    let maintenance_off = cutover::maintenance(
        wf,
        stack,
        "Leave maintenance mode in secondary region",
        sites.secondary,
        false,
        on_failure,
    );
    let resume = shop::resume_jobs(
        wf,
        "Resume background jobs in secondary region",
        sites.secondary,
        sites.s,
        on_failure,
    );
    let open = shop::open_writes(
        wf,
        stack,
        "Open writes in secondary region",
        sites.secondary,
        sites.s,
        on_failure,
    );
    let record = cutover::record(
        wf,
        stack,
        "Record still in secondary region",
        sites.secondary,
        DrStatus::Idle,
        INCIDENT,
        Some(sites.secondary),
        // RDS: the old primary was retired before the new replica took its name.
        matches!(sites.p.database, Database::RdsInstance { .. })
            .then_some("States.Array($.retired_primary.Payload)"),
        on_failure,
    );
    let told = notify(
        wf,
        stack,
        "Notify failback stopped",
        INCIDENT,
        "failback.stopped",
        Severity::Critical,
        json!(format!(
            "States.Format('Failback of {shop} stopped (incident {{}}): writes would have stayed paused longer than max_write_pause_seconds ({{}} s). {s} serves again: its database is writable, its writes and background jobs are open. {primary_now} Writes stay gated in {p}. Start the failback again with a longer limit, in a maintenance window.', $.incident_id, $.validation.Payload.request.max_write_pause_seconds)",
            shop = stack.shop.name,
            s = sites.secondary,
            p = sites.primary,
        )),
        json!({ "phases.$": "$.phases" }),
        on_failure,
    );
    let failed = wf.fail(
        "Failback stopped",
        "WritePauseLimit",
        "writes would have stayed paused longer than max_write_pause_seconds: the failback stopped and the secondary region serves again",
    );
    match &reopen {
        Some(reopen) => start.next(reopen).next(&maintenance_off),
        None => start.next(&maintenance_off),
    };
    maintenance_off
        .next(&resume)
        .next(&open)
        .next(&record)
        .next(&told)
        .next(&failed);
    start
}

/// The reconciliation report of the failover's replication gap, before anything is cut back:
/// the orders the old primary has and the serving database lacks. The failback goes on when the
/// report lists no unresolved order, or when the request says the gap was reconciled; otherwise
/// it notifies the report and stops with `UnreconciledOrders`.
fn reconcile_before_cutback(
    wf: &Workflow,
    stack: &Stack,
    sites: &Sites,
    start: &Step,
    then: &Step,
    on_failure: &Step,
) {
    use wfc_activities::describe_database::{DescribeDatabase, DescribeDatabaseInput};
    use wfc_activities::reconcile_gap::ReconcileGapOutput;
    // The serving database's endpoint (`$.database`), and the old primary's (`$.old_primary`).
    let describe = |name: &str, region: &str, site: &wfc_stack::Region, at: &str| {
        let input = match &site.database {
            Database::RdsInstance { instance_id, .. } => DescribeDatabaseInput {
                db_instance_id: Some(instance_id.clone()),
                db_cluster_id: None,
                region: Some(region.into()),
                self_managed: None,
            },
            Database::AuroraGlobal { cluster_id, .. } => DescribeDatabaseInput {
                db_instance_id: None,
                db_cluster_id: Some(cluster_id.clone()),
                region: Some(region.into()),
                self_managed: None,
            },
            Database::SelfManaged { .. } => return None,
        };
        Some(
            wf.task::<DescribeDatabase>(name)
                .input(&input, &[])
                .result_path(at),
        )
    };
    let report = guard(
        wf,
        shop::reconcile_gap(
            wf,
            stack,
            (sites.primary, sites.p, None),
            (sites.secondary, sites.s),
            None,
            Some("$.request.handled_order_ids"),
        ),
        on_failure,
    );
    let unreconciled = notify(
        wf,
        stack,
        "Notify unreconciled orders",
        INCIDENT,
        "failback.unreconciled",
        Severity::Critical,
        json!(format!(
            "No failback of {}: the old primary holds orders the serving database lacks, or could not be read. Handle them (see the report), then start the failback again with handled_order_ids, or gap_reconciled = true.",
            stack.shop.name
        )),
        json!({ "reconcile.$": "$.reconcile" }),
        on_failure,
    );
    unreconciled.next(wf.fail(
        "Unreconciled orders",
        "UnreconciledOrders",
        "the replication gap's orders are not reconciled",
    ));
    let reconciled = wf
        .choice("Gap reconciled")
        .when(
            Path::<bool>::raw("$.request.gap_reconciled").is_true(),
            then,
        )
        .when(
            Condition::and([
                Path::<bool>::raw("$.reconcile.Payload.old_primary_reachable").is_present(),
                report
                    .output(field!(ReconcileGapOutput.old_primary_reachable))
                    .is_true(),
                report
                    .output(field!(ReconcileGapOutput.unresolved_orders))
                    .le(0),
            ]),
            then,
        )
        .otherwise(&unreconciled);
    report.next(&reconciled);
    match (
        describe(
            "Describe serving database",
            sites.secondary,
            sites.s,
            "$.database",
        ),
        describe(
            "Describe old primary",
            sites.primary,
            sites.p,
            "$.old_primary",
        ),
    ) {
        (Some(serving), Some(old)) => {
            let serving = guard(wf, serving, on_failure);
            // A deleted old primary is no report: the choice asks for `gap_reconciled`.
            let old = shop::best_effort(wf, old, "$.old_primary");
            let answered = wf
                .choice("Old primary answered")
                .when(
                    Path::<String>::raw("$.old_primary.Payload.endpoint").is_present(),
                    report.step_handle(),
                )
                .otherwise(&reconciled);
            start.next(&serving).next(&old.start);
            old.end.next(&answered);
        }
        _ => {
            start.next(&report);
        }
    }
}

/// Frees `instance_id`'s name in `region` for its successor (a replica of `successor_of`): the
/// instance is renamed `<id>-old<N>` and stopped (`retire_instance`), retried every 30 s while
/// RDS renames it (about 10 min). The outcome is at `result_path`.
fn retire(
    wf: &Workflow,
    name: &str,
    region: &str,
    instance_id: &str,
    successor_of: &str,
    result_path: &str,
    on_failure: &Step,
) -> Step {
    use wfc_activities::retire_instance::{RetireInstance, RetireInstanceInput};
    let task = wf
        .task::<RetireInstance>(name)
        .input(
            &RetireInstanceInput {
                db_instance_id: instance_id.into(),
                region: Some(region.into()),
                successor_of: Some(successor_of.into()),
            },
            &[],
        )
        .result_path(result_path)
        .retry(super::poll(&["DbInstanceNotAvailable"], RENAME_POLL));
    guard(wf, task, on_failure).step_handle()
}
