//! **failback**: returns the shop from the secondary region to the primary after a failover,
//! started by a person (`wfc failback start`). Validate the request; record the state; create a
//! replica of the serving database in the primary region and wait until it is in sync; manual
//! approval (a maintenance window); maintenance mode and read-only on the secondary; lag 0;
//! promote the new replica and wait until writable; scale the primary up; repoint the app, switch
//! DNS, smoke test; scale the secondary down; re-create the DR replica; record; notify. Aurora
//! stacks skip the replica steps: the global cluster keeps its members and switches over.

use super::cutover::{self, Promotion};
use super::{failure_chain, guard, notify, phase, stop_with, Sites};
use serde_json::json;
use wfc_activities::create_replica::{CreateReplica, CreateReplicaInput};
use wfc_activities::failover_global_cluster::GlobalMode;
use wfc_activities::notify::Severity;
use wfc_activities::record_state::DrStatus;
use wfc_activities::validate_request::{
    FailbackRequest, ValidateRequest, ValidateRequestInput, ValidateRequestOutput,
};
use wfc_compiler::dsl::{CompileError, Compiled, Condition, Path, StateBuilder, Workflow};
use wfc_compiler::field;
use wfc_stack::{Database, Stack};

/// What starts a failback: the request a person makes (console or `wfc failback start`).
pub type FailbackInput = FailbackRequest;

const INCIDENT: &str = "$.incident_id";

/// How often, and how many times, the new replica is checked while RDS creates it.
const NEW_REPLICA_POLL: (u64, u64) = (60, 60);
/// How often, and how many times, lag 0 is checked once writes are stopped.
const LAG_ZERO_POLL: (u64, u64) = (10, 30);

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
        &on_failure,
    );
    let valid = wf
        .choice("Request valid")
        .when(
            Condition::and([
                validate
                    .output(field!(ValidateRequestOutput.valid))
                    .is_true(),
                Path::<String>::raw("$.request.target_region").eq_str(sites.primary),
            ]),
            &record_start,
        )
        .otherwise(&invalid);

    // RDS: the primary region gets a replica of the serving database, under a new id (the old
    // primary still exists, fenced, until a person deletes it after reconciling).
    let rds = match (&sites.p.database, &sites.s.database) {
        (
            Database::RdsInstance {
                instance_id: primary_id,
                instance_class,
                parameter_group,
                subnet_group,
                security_group_ids,
                kms_key_id,
                ..
            },
            Database::RdsInstance {
                instance_id: secondary_id,
                arn: secondary_arn,
                ..
            },
        ) => Some((
            format!("{primary_id}-fb"),
            CreateReplicaInput {
                source_db_arn: secondary_arn.clone(),
                replica_id: format!("{primary_id}-fb"),
                instance_class: instance_class.clone(),
                region: Some(sites.primary.into()),
                kms_key_id: kms_key_id.clone(),
                db_subnet_group: subnet_group.clone(),
                vpc_security_group_ids: security_group_ids.clone(),
                parameter_group: parameter_group.clone(),
                multi_az: false,
            },
            format!("{secondary_id}-dr"),
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
        None => Promotion::of(stack, sites.p, GlobalMode::Switchover),
    };
    let promote = cutover::promote_and_wait(
        &wf,
        sites.primary,
        &promotion,
        policy.promotion_deadline_minutes,
        &on_failure,
    );
    let after_fence = match &rds {
        Some((new_primary, _, _)) => {
            let sync_phase = phase(&wf, "in sync", "in_sync");
            let sync = cutover::await_in_sync(
                &wf,
                "Wait for lag 0",
                sites.primary,
                new_primary,
                0.0,
                LAG_ZERO_POLL,
                &on_failure,
            );
            sync_phase.next(&sync).next(&promote.start);
            sync_phase
        }
        None => promote.start.clone(),
    };
    let fence_phase = phase(&wf, "fence", "fence");
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
    let traffic = cutover::move_traffic(&wf, stack, sites.primary, sites.p, &on_failure);
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
        &on_failure,
    );
    let (summary_text, details) = match &rds {
        Some((new_primary, _, dr_replica)) => (
            format!(
                "States.Format('{shop} failed back from {s} to {p} (incident {{}}): serving from {p} again. stack.toml must now name {new_primary} ({p}) and {dr_replica} ({s}) as the databases. {dr_replica} is still being created (preflight watches it); the old {old} stays fenced until a person deletes it after reconciling.', $.incident_id)",
                shop = stack.shop.name,
                s = sites.secondary,
                p = sites.primary,
                old = new_primary.trim_end_matches("-fb"),
            ),
            json!({
                "phases.$": "$.phases",
                "fence.$": "$.fence.Payload",
                "dns.$": "$.dns.Payload",
                "smoke.$": "$.smoke.Payload",
                "replica.$": "$.replica.Payload",
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
    // (its sync is not awaited here: preflight watches it).
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
            let dr = guard(
                &wf,
                wf.task::<CreateReplica>("Create DR replica").input(
                    &CreateReplicaInput {
                        source_db_arn: format!(
                            "arn:aws:rds:{}:{}:db:{new_primary}",
                            sites.primary, stack.shop.account_id
                        ),
                        replica_id: dr_replica.clone(),
                        instance_class: instance_class.clone(),
                        region: Some(sites.secondary.into()),
                        kms_key_id: kms_key_id.clone(),
                        db_subnet_group: subnet_group.clone(),
                        vpc_security_group_ids: security_group_ids.clone(),
                        parameter_group: secondary_group.clone(),
                        multi_az: false,
                    },
                    &[],
                ),
                &on_failure,
            )
            .result_path("$.dr_replica")
            .step_handle();
            allow.next(&scale_up);
            dr.next(&record_done);
            (allow, dr)
        }
        _ => (scale_up.clone(), record_done.clone()),
    };

    approval_phase.next(&approval).next(&fence_phase);
    fence_phase.next(&fence);
    promote.end.next(&after_promote);
    scale_up.next(&maintenance_off).next(&traffic.start);
    traffic
        .end
        .next(&scale_down)
        .next(&secondary_off)
        .next(&after_secondary_off);
    record_done.next(&summary).next(&done);
    record_start.next(&after_valid);
    wf.compile(start.next(&validate).next(&valid))
}
