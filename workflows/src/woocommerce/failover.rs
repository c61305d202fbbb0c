//! **failover**: the disaster workflow, started by EventBridge when the primary region's alarms
//! or database events say it is down. Confirm the outage (false alarm → notify and end); anti-flap
//! guard; optional manual approval; RPO gate; fence the old primary; promote; wait until writable;
//! in parallel scale DR compute and prepare the DR cache; repoint the app; switch DNS; smoke test;
//! record the state; notify with a summary.

use super::cutover::{self, Promotion};
use super::{failure_chain, guard, guard_step, notify, phase, Sites};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use wfc_activities::assess_outage::{AssessOutage, AssessOutageInput, AssessOutageOutput};
use wfc_activities::check_failover_guard::{
    CheckFailoverGuard, CheckFailoverGuardInput, CheckFailoverGuardOutput,
};
use wfc_activities::check_replica::{
    CheckReplica, CheckReplicaInput, CheckReplicaOutput, RpoOverride,
};
use wfc_activities::failover_global_cluster::GlobalMode;
use wfc_activities::fence_primary::{FenceMethod, FencePrimaryOutput};
use wfc_activities::notify::Severity;
use wfc_activities::prepare_cache::{PrepareCache, PrepareCacheInput};
use wfc_activities::record_state::DrStatus;
use wfc_compiler::dsl::{CompileError, Compiled, Path, StateBuilder, Step, Workflow};
use wfc_compiler::field;
use wfc_stack::{Approval, Database, Fence, OnApprovalTimeout, Stack};

/// What starts a failover: built by the EventBridge rule's input transformer from the alarm or
/// RDS event (see `wfc compile`'s events/rules.json), or written by a person.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailoverInput {
    /// Names the incident; the execution name is derived from it, so a duplicate event does not
    /// start a second failover.
    pub incident_id: String,
    pub trigger: Trigger,
    /// When the triggering event happened (RFC 3339).
    pub time: String,
    /// A person's acceptance of data loss beyond the RPO limit or of an unknown lag; `null` when
    /// the failover was started by an event.
    #[schemars(required, extend("type" = ["object", "null"]))]
    pub rpo_override: Option<RpoOverride>,
}

/// What set the failover off.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// `alarm`, `rds-event` or `manual`.
    pub source: String,
    /// The alarm name, the RDS event id, or who started it.
    pub name: String,
    /// The region the event came from.
    pub region: String,
}

const INCIDENT: &str = "$.incident_id";

pub fn workflow(stack: &Stack) -> Result<Compiled, CompileError> {
    let sites = Sites::of(stack);
    let policy = &stack.policy;
    let wf = Workflow::new("failover")
        .input::<FailoverInput>()
        .comment(&format!(
            "Failover of {} from {} to {}: confirm, guard, approve, RPO gate, fence, promote, cut over",
            stack.shop.name, sites.primary, sites.secondary
        ))
        .timeout_seconds(6 * 3600);
    let on_failure = failure_chain(&wf, stack, "Failover", INCIDENT);

    // Confirm the outage: a false alarm ends here, with a notification.
    let start = wf.pass("Start").parameters(json!({
        "incident_id.$": "$.incident_id",
        "trigger.$": "$.trigger",
        "time.$": "$.time",
        "rpo_override.$": "$.rpo_override",
        "phases": { "started.$": "$$.Execution.StartTime" },
    }));
    let confirm = guard(
        &wf,
        wf.task::<AssessOutage>("Confirm outage").input(
            &AssessOutageInput {
                health_check_id: sites.p.health_check_id.clone(),
                alarm_name: sites.p.alarms.first().cloned(),
                down_failing_share: 0.82,
                region: Some(sites.primary.into()),
            },
            &[],
        ),
        &on_failure,
    )
    .result_path("$.outage");
    let not_down = notify(
        &wf,
        stack,
        "Notify not confirmed",
        INCIDENT,
        "failover.not_confirmed",
        Severity::Warning,
        json!(format!(
            "States.Format('No failover of {}: the outage of {} is not confirmed ({{}})', $.outage.Payload.reason)",
            stack.shop.name, sites.primary
        )),
        json!({ "outage.$": "$.outage.Payload" }),
        &on_failure,
    );
    let false_alarm = wf.succeed("Not confirmed no failover");
    not_down.next(&false_alarm);
    let confirmed_phase = phase(&wf, "confirmed", "confirmed");
    let confirmed = wf
        .choice("Outage confirmed")
        .when(
            confirm
                .output(field!(AssessOutageOutput.primary_down))
                .is_true(),
            &confirmed_phase,
        )
        .otherwise(&not_down);

    // Anti-flap guard: a recent failover, another operation in progress, or the DR region
    // already serving ends the run with a clear status.
    let flap = guard(
        &wf,
        wf.task::<CheckFailoverGuard>("Anti-flap guard").input(
            &CheckFailoverGuardInput {
                parameter_name: stack.app.state_parameter.clone(),
                incident_id: String::new(),
                expected_active_region: sites.primary.into(),
                min_minutes_between_failovers: policy.min_minutes_between_failovers,
                now: String::new(),
                region: Some(sites.secondary.into()),
            },
            &[("incident_id", INCIDENT), ("now", "$$.State.EnteredTime")],
        ),
        &on_failure,
    )
    .result_path("$.guard");
    let refused = notify(
        &wf,
        stack,
        "Notify refused",
        INCIDENT,
        "failover.refused",
        Severity::Warning,
        json!("States.Format('No failover: {}', $.guard.Payload.reason)"),
        json!({ "guard.$": "$.guard.Payload" }),
        &on_failure,
    );
    refused.next(wf.succeed("Refused by the anti-flap guard"));
    let guard_choice = wf.choice("Failover allowed").otherwise(&refused);

    // The RPO gate: lag over the limit or unknown stops the failover, unless overridden.
    let config_override = policy.allow_data_loss_override.then(|| RpoOverride {
        reason: "policy.allow_data_loss_override = true in the stack description".into(),
    });
    let override_from_input: &[(&str, &str)] = if config_override.is_some() {
        &[]
    } else {
        &[("rpo_override", "$.rpo_override")]
    };
    let replica_id = match &sites.s.database {
        Database::RdsInstance { instance_id, .. } => instance_id.clone(),
        // Aurora: the lag gate reads the member cluster's writer-to-be by the cluster id.
        Database::AuroraGlobal { cluster_id, .. } => cluster_id.clone(),
    };
    let gate_start = phase(&wf, "RPO gate", "rpo_gate");
    let check = guard(
        &wf,
        wf.task::<CheckReplica>("Check replica lag").input(
            &CheckReplicaInput {
                db_instance_id: replica_id,
                region: Some(sites.secondary.into()),
                max_lag_seconds: policy.max_replica_lag_seconds,
                lag_window_seconds: 300,
                rpo_override: config_override,
                enforce: false,
            },
            override_from_input,
        ),
        &on_failure,
    )
    .result_path("$.replica");
    let gate_closed = notify(
&wf,
stack,
"Notify RPO gate closed",
            INCIDENT,
            "failover.rpo_gate_closed",
            Severity::Critical,
            json!(format!(
                "States.Format('Failover of {} stopped by the RPO gate: {{}}. Start it again with an rpo_override to accept the loss.', $.replica.Payload.lag_detail)",
                stack.shop.name
            )),
            json!({ "replica.$": "$.replica.Payload" }),
&on_failure,
);
    gate_closed.next(wf.fail(
        "Stopped by the RPO gate",
        "RpoGateClosed",
        "replica lag over the limit or unknown, and no override",
    ));

    // Fence the old primary: unreachable is reported, not fatal; a refused fence stops.
    let fence_start = phase(&wf, "fence", "fence");
    let record_start = cutover::record(
        &wf,
        stack,
        "Record failing over",
        sites.primary,
        DrStatus::FailingOver,
        INCIDENT,
        &on_failure,
    );
    let promote = cutover::promote_and_wait(
        &wf,
        sites.secondary,
        &Promotion::of(stack, sites.s, GlobalMode::Failover),
        policy.promotion_deadline_minutes,
        &on_failure,
    );
    let fence = match &sites.p.database {
        Database::RdsInstance {
            instance_id,
            parameter_group,
            ..
        } => fence_rds(
            &wf,
            stack,
            instance_id,
            parameter_group,
            &promote.start,
            &on_failure,
        ),
        // Aurora's failover fences the old writer itself (RDS-EVENT-0390 when it worked, 0391
        // when it timed out): the workflow puts the old region's app in maintenance mode.
        Database::AuroraGlobal { .. } => {
            let maintenance = cutover::maintenance(
                &wf,
                stack,
                "Maintenance mode in old region",
                sites.primary,
                true,
                &on_failure,
            );
            let noted = wf
                .pass("Fencing left to Aurora")
                .result(json!({ "Payload": { "outcome": "aurora_write_fencing" } }))
                .result_path("$.fence");
            maintenance.next(&noted).next(&promote.start);
            maintenance
        }
    };

    // Scale DR compute and prepare the DR cache at the same time.
    let (active, _) = cutover::capacity(sites.s);
    let prepare_cache = wf
        .task::<PrepareCache>("Prepare DR cache")
        .input(
            &PrepareCacheInput::FlushKeys {
                host: sites.s.cache.host.clone(),
                port: sites.s.cache.port,
                tls: sites.s.cache.tls,
                patterns: vec!["*wc_session*".into(), "*transient*".into()],
                auth_token_secret_id: sites.s.cache.auth_token_secret_id.clone(),
                region: Some(sites.secondary.into()),
                timeout_seconds: 30,
            },
            &[],
        )
        .retry(super::retry_aws())
        .retry(wfc_compiler::dsl::Retry::transient_lambda());
    let scale_branch = wf
        .task::<wfc_activities::scale_compute::ScaleCompute>("Scale DR compute up")
        .input(
            &wfc_activities::scale_compute::ScaleComputeInput {
                target: cutover::compute_target(sites.s),
                desired: active,
                region: Some(sites.secondary.into()),
            },
            &[],
        )
        .retry(super::retry_aws())
        .retry(wfc_compiler::dsl::Retry::transient_lambda());
    let prepare = guard_step(
        &wf,
        wf.parallel("Prepare DR")
            .branch(&scale_branch)
            .branch(&prepare_cache)
            .result_path("$.prepared")
            .step()
            .clone(),
        &on_failure,
    );
    let traffic = cutover::move_traffic(&wf, stack, sites.secondary, sites.s, &on_failure);
    let record_done = cutover::record(
        &wf,
        stack,
        "Record failed over",
        sites.secondary,
        DrStatus::Idle,
        INCIDENT,
        &on_failure,
    );
    let summary = notify(
&wf,
stack,
"Notify summary",
            INCIDENT,
            "failover.completed",
            Severity::Info,
            json!(format!(
                "States.Format('{} failed over from {} to {}: serving again. Lag at promotion: {{}} s; fencing: {{}}.', $.replica.Payload.lag_detail, $.fence.Payload.outcome)",
                stack.shop.name, sites.primary, sites.secondary
            )),
            json!({
                "phases.$": "$.phases",
                "lag_at_promotion.$": "$.replica.Payload.lag_detail",
                "fence.$": "$.fence.Payload",
                "dns.$": "$.dns.Payload",
                "smoke.$": "$.smoke.Payload",
            }),
&on_failure,
);
    let done = wf.succeed("Failed over");

    // Approval, when the policy asks for a person.
    let after_guard = match policy.approval {
        Approval::None => gate_start.clone(),
        Approval::Manual => {
            let on_timeout = match policy.on_approval_timeout {
                OnApprovalTimeout::Abort => "aborted",
                OnApprovalTimeout::Proceed => "carried out without approval",
            };
            let timed_out: Step = match policy.on_approval_timeout {
                OnApprovalTimeout::Proceed => {
                    let go_on = wf
                        .pass("Approval timed out so proceed")
                        .result(json!({ "approved": false, "timed_out": true }))
                        .result_path("$.approval");
                    go_on.next(&gate_start);
                    go_on
                }
                OnApprovalTimeout::Abort => super::stop_with(
                    &wf,
                    "Approval timed out",
                    "ApprovalTimedOut",
                    "nobody approved the failover in time; the policy says abort",
                    &on_failure,
                ),
            };
            let approval = cutover::approval(
                &wf,
                stack,
                &format!(
                    "failover of {} from {} to {}",
                    stack.shop.name, sites.primary, sites.secondary
                ),
                INCIDENT,
                policy.approval_timeout_minutes,
                (&timed_out, on_timeout),
                &wf.succeed("Rejected by a person"),
                &on_failure,
            );
            let approval_phase = phase(&wf, "approval", "approval");
            approval_phase.next(&approval).next(&gate_start);
            approval_phase
        }
    };
    let guard_choice = guard_choice.when(
        flap.output(field!(CheckFailoverGuardOutput.allowed))
            .is_true(),
        &after_guard,
    );
    let gate = wf
        .choice("RPO gate open")
        .when(
            check
                .output(field!(CheckReplicaOutput.promote_allowed))
                .is_true(),
            &fence_start,
        )
        .otherwise(&gate_closed);

    gate_start.next(&check).next(&gate);
    fence_start.next(&record_start).next(&fence);
    promote.end.next(&prepare).next(&traffic.start);
    traffic.end.next(&record_done).next(&summary).next(&done);
    confirmed_phase.next(&flap).next(&guard_choice);
    wf.compile(start.next(&confirm).next(&confirmed))
}

/// Fences the old RDS primary by the policy's method, with the maintenance flag on; goes on to
/// `then` unless the primary answered and refused (an unreachable primary is reported, not fatal).
fn fence_rds(
    wf: &Workflow,
    stack: &Stack,
    instance_id: &str,
    parameter_group: &Option<String>,
    then: &Step,
    on_failure: &Step,
) -> Step {
    let method = match &stack.policy.fence {
        Fence::ReadOnly => FenceMethod::ReadOnly {
            parameter_group: parameter_group.clone(),
        },
        Fence::Stop => FenceMethod::Stop,
        Fence::Isolate { security_group_ids } => FenceMethod::Isolate {
            security_group_ids: security_group_ids.clone(),
        },
    };
    let primary = Sites::of(stack).primary;
    let fence = cutover::fence_task(
        wf,
        stack,
        "Fence old primary",
        primary,
        instance_id,
        method,
        on_failure,
    );
    let refused = super::stop_with(
        wf,
        "Fence refused",
        "FenceFailed",
        "the old primary answered but could not be fenced; promoting now would risk two writers",
        on_failure,
    );
    let result = wf
        .choice("Fence result")
        .when(
            Path::<String>::raw(fence.output(field!(FencePrimaryOutput.outcome)).as_str())
                .eq_str("failed"),
            &refused,
        )
        .otherwise(then);
    fence.next(&result);
    fence.step().clone()
}
