//! **failover**: the disaster workflow, started by EventBridge when the primary region's alarms
//! or database events say it is down. Confirm the outage (false alarm → notify and end); anti-flap
//! guard; RPO gate; optional manual approval; fence (gate writes at both load balancers, pause the
//! old region's background jobs, fence the old database); scale DR compute; promote and wait until
//! writable; reserve order ids; flush the DR cache; repoint the app; open writes; switch DNS; smoke
//! test; resume background jobs in DR; record the state; the reconciliation report when the old
//! primary answers; notify with a summary; then, if the old region did not answer its fence,
//! wait for it and fence it when it answers.

use super::cutover::{self, Promotion};
use super::{concurrently, failure_chain, guard, notify, phase, shop, Branch, Sites};
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
use wfc_activities::describe_database::{DescribeDatabase, DescribeDatabaseInput};
use wfc_activities::failover_global_cluster::GlobalMode;
use wfc_activities::fence_primary::{FenceMethod, FencePrimaryOutput};
use wfc_activities::notify::Severity;
use wfc_activities::record_state::DrStatus;
use wfc_compiler::dsl::{
    Catch, CompileError, Compiled, Condition, Path, StateBuilder, Step, Workflow,
};
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
            "Failover of {} from {} to {}: confirm, guard, RPO gate, approve, fence, promote, cut over",
            stack.shop.name, sites.primary, sites.secondary
        ))
        .timeout_seconds(6 * 3600);
    // A failover that began to cut over and then failed says so in the recorded state (its own
    // record may be what failed): another incident's failover (a second alarm of the same
    // outage) is then refused, and a person decides; this one may be started again. `wfc drill
    // --faults` found a second alarm's failover cutting over after the first failed mid-fence.
    let notify_failure = failure_chain(&wf, stack, "Failover", INCIDENT);
    let record_failed = super::retried(cutover::record_task(
        &wf,
        stack,
        "Record failed failover",
        (sites.primary, DrStatus::FailingOver),
        INCIDENT,
        None,
        None,
    ))
    .discard_result()
    .catch(Catch::all().result_path("$.record_error"), &notify_failure);
    record_failed.next(&notify_failure);
    let on_failure = wf
        .choice("Cutover began")
        .when(
            Path::<String>::raw("$.phases.fence.at").is_present(),
            record_failed.step_handle(),
        )
        .otherwise(&notify_failure);

    // Confirm the outage: a false alarm ends here, with a notification.
    let start = wf.pass("Start").parameters(json!({
        "incident_id.$": "$.incident_id",
        "trigger.$": "$.trigger",
        "time.$": "$.time",
        "rpo_override.$": "$.rpo_override",
        "phases": { "started.$": "$$.Execution.StartTime" },
        // For the anti-flap guard: the oldest running execution handles the outage.
        "execution": {
            "execution_arn.$": "$$.Execution.Id",
            "state_machine_arn.$": "$$.StateMachine.Id",
        },
    }));
    // Confirm the outage, the anti-flap guard and the RPO gate's reading: three reads, at once
    // (each one is a second of the outage); then decided in that order.
    let assess_failed = super::branch_failed(&wf, "Confirm outage branch failed");
    let confirm = guard(
        &wf,
        wf.task::<AssessOutage>("Confirm outage").input(
            // Checked against the alarm that started it (`trigger`), when an alarm did.
            &AssessOutageInput {
                health_check_id: sites.p.health_check_id.clone(),
                alarm_name: None,
                down_failing_share: 0.82,
                region: Some(sites.primary.into()),
                trigger: None,
            },
            &[("trigger", "$.trigger")],
        ),
        &assess_failed,
    )
    .result_path("$.outage");
    let flap_failed = super::branch_failed(&wf, "Anti-flap guard branch failed");
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
                execution: None,
            },
            &[
                ("incident_id", INCIDENT),
                ("now", "$$.State.EnteredTime"),
                ("execution", "$.execution"),
            ],
        ),
        &flap_failed,
    )
    .result_path("$.guard");
    // The RPO gate, before any person is asked: lag over the limit or unknown stops the failover,
    // unless overridden; the approval request can then say what will be lost.
    let config_override = policy.allow_data_loss_override.then(|| RpoOverride {
        reason: "policy.allow_data_loss_override = true in the stack description".into(),
    });
    let override_from_input: &[(&str, &str)] = if config_override.is_some() {
        &[]
    } else {
        &[("rpo_override", "$.rpo_override")]
    };
    // Aurora: the lag gate reads the member cluster's writer-to-be by the cluster id.
    let (replica_id, self_managed) = super::shop::replica(stack, sites.secondary, sites.s);
    let check_failed = super::branch_failed(&wf, "Check replica lag branch failed");
    let check = guard(
        &wf,
        wf.task::<CheckReplica>("Check replica lag").input(
            &CheckReplicaInput {
                db_instance_id: replica_id,
                region: Some(sites.secondary.into()),
                max_lag_seconds: policy.max_replica_lag_seconds,
                // Back to before the outage began (detection takes minutes): a replication that
                // stopped with the primary is judged by its lag when it stopped.
                lag_window_seconds: 600,
                rpo_override: config_override,
                enforce: false,
                self_managed,
            },
            override_from_input,
        ),
        &check_failed,
    )
    .result_path("$.replica");
    let assess = concurrently(
        &wf,
        "Assess outage",
        vec![
            Branch {
                start: confirm.step_handle(),
                writes: vec!["$.outage".into()],
            },
            Branch {
                start: flap.step_handle(),
                writes: vec!["$.guard".into()],
            },
            Branch {
                start: check.step_handle(),
                writes: vec!["$.replica".into()],
            },
        ],
        &on_failure,
    );
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

    // Fence, all at once: record the failover, close writes at both load balancers (the old
    // region's may not answer), stop the old region's background jobs, fence its database (after
    // its gate: a checkout there gets a 503, not a database error), scale DR compute. Unreachable
    // is reported, not fatal; a refused fence stops.
    let fence_start = phase(&wf, "fence", "fence");
    let branch = |name: &str| super::branch_failed(&wf, &format!("{name} branch failed"));
    let record_start = cutover::record(
        &wf,
        stack,
        "Record failing over",
        sites.primary,
        DrStatus::FailingOver,
        INCIDENT,
        None,
        None,
        &branch("Record failing over"),
    );
    let gate_old = shop::try_gate_writes(
        &wf,
        stack,
        "Gate writes in old region",
        sites.primary,
        sites.p,
    );
    let gate_dr = shop::gate_writes(
        &wf,
        stack,
        "Gate writes in DR region",
        sites.secondary,
        sites.s,
        &branch("Gate writes in DR region"),
    );
    let pause_old = shop::try_pause_jobs(
        &wf,
        "Pause background jobs in old region",
        sites.primary,
        sites.p,
    );
    // DR instances boot while the database is promoted; writes stay gated until the promoted
    // database has its new order ids.
    let (active, _) = cutover::capacity(sites.s);
    let scale_dr = cutover::scale(
        &wf,
        "Scale DR compute up",
        sites.secondary,
        sites.s,
        active,
        &branch("Scale DR compute up"),
    );
    let fenced = wf.pass("Old primary fenced or unreachable");
    let (fence, fence_writes) = match old_primary_fence(stack, &sites) {
        Some((id, method)) => {
            let fence = fence_database(&wf, stack, &id, method, &fenced);
            (fence, vec!["$.fence".to_string()])
        }
        // Aurora's failover fences the old writer itself (RDS-EVENT-0390 when it worked, 0391
        // when it timed out): the workflow puts the old region's app in maintenance mode.
        // Best effort, like the RDS fence: a region that is down does not answer (`wfc drill
        // --scenario region-down --stack aurora` found the failover stopping here).
        None => {
            let maintenance =
                old_region_maintenance(&wf, stack, &sites, "Maintenance mode in old region");
            let noted = wf
                .pass("Fencing left to Aurora")
                .result(json!({ "Payload": { "outcome": "aurora_write_fencing" } }))
                .result_path("$.fence");
            maintenance.end.next(&noted).next(&fenced);
            (
                maintenance.start,
                vec!["$.fence".to_string(), "$.old_maintenance".to_string()],
            )
        }
    };
    gate_old.end.next(&fence);
    let key = |region: &str| region.replace('-', "_");
    let fence_all = concurrently(
        &wf,
        "Fence old region",
        vec![
            Branch {
                start: record_start,
                writes: vec![],
            },
            Branch {
                start: gate_old.start,
                writes: [format!("$.gates.{}", key(sites.primary))]
                    .into_iter()
                    .chain(fence_writes)
                    .collect(),
            },
            Branch {
                start: gate_dr,
                writes: vec![format!("$.gates.{}", key(sites.secondary))],
            },
            Branch {
                start: pause_old.start,
                writes: vec![format!("$.jobs.{}", key(sites.primary))],
            },
            Branch {
                start: scale_dr,
                writes: vec![],
            },
        ],
        &on_failure,
    );

    // Promote; meanwhile the traffic moves to DR, which serves the catalogue read-only from the
    // replica and answers checkouts 503 + Retry-After (the old region answers nothing better):
    // DNS INSYNC and the clients' TTL then pass during the promotion, not after it.
    let promotion = Promotion::of(stack, sites.secondary, sites.s, GlobalMode::Failover);
    let promote = cutover::promote_and_wait(
        &wf,
        sites.secondary,
        &promotion,
        policy.promotion_deadline_minutes,
        &branch("Promote replica"),
    );
    let traffic_failed = branch("Describe DR database");
    let describe_dr = guard(
        &wf,
        wf.task::<DescribeDatabase>("Describe DR database")
            .input(&promotion.describe_input(sites.secondary), &[])
            .result_path("$.dr_database"),
        &traffic_failed,
    );
    let read_only_app = cutover::repoint_app(
        &wf,
        stack,
        "Point app at DR replica",
        sites.secondary,
        "$.dr_database.Payload.endpoint",
        &traffic_failed,
    );
    let dns = cutover::switch_dns(&wf, stack, sites.secondary, sites.s, &traffic_failed);
    describe_dr.next(&read_only_app).next(&dns);
    let promote_all = concurrently(
        &wf,
        "Promote while traffic moves",
        vec![
            Branch {
                start: promote.start,
                writes: ["$.phases", "$.promotion", "$.database"]
                    .map(String::from)
                    .to_vec(),
            },
            Branch {
                start: describe_dr.step_handle(),
                writes: ["$.dr_database", "$.dns"].map(String::from).to_vec(),
            },
        ],
        &on_failure,
    );

    // Before anyone writes to the promoted database: new ids above any the lost primary used,
    // an empty object cache (it may hold what the old primary had and the replica never got),
    // the app on the promoted endpoint (unchanged for an RDS instance). Then writes open.
    let reserve = shop::reserve_order_ids(
        &wf,
        stack,
        sites.secondary,
        sites.s,
        &branch("Reserve order ids"),
    );
    let flush = shop::flush_cache(
        &wf,
        "Flush DR cache",
        sites.secondary,
        sites.s,
        &branch("Flush DR cache"),
    );
    let repoint = cutover::repoint_app(
        &wf,
        stack,
        "Repoint app",
        sites.secondary,
        "$.database.Payload.endpoint",
        &branch("Repoint app"),
    );
    // RDS: a failback's fence set `read_only=1` in DR's parameter group, which the DR replica it
    // created uses, and a promoted replica keeps its group's value (`wfc drill --scenario
    // second-failover` caught it): writes are allowed there first.
    let (reserve, reserve_writes) = match &sites.s.database {
        Database::RdsInstance {
            instance_id,
            parameter_group: Some(group),
            ..
        } => {
            let allow = cutover::allow_writes(
                &wf,
                "Allow writes on DR database",
                sites.secondary,
                instance_id,
                Some(group.clone()),
                &branch("Allow writes on DR database"),
            );
            allow.next(&reserve);
            (allow, vec!["$.writes".into(), "$.order_ids".into()])
        }
        _ => (reserve, vec!["$.order_ids".into()]),
    };
    let ready = concurrently(
        &wf,
        "Ready for writes",
        vec![
            Branch {
                start: reserve,
                writes: reserve_writes,
            },
            Branch {
                start: flush,
                writes: vec!["$.cache".into()],
            },
            Branch {
                start: repoint,
                writes: vec!["$.repoint".into()],
            },
        ],
        &on_failure,
    );
    let open = shop::open_writes(
        &wf,
        stack,
        "Open writes",
        sites.secondary,
        sites.s,
        &on_failure,
    );
    let serving = phase(&wf, "serving", "serving");
    let smoke = shop::smoke_test(&wf, stack, sites.s, &on_failure);
    let resume = shop::resume_jobs(
        &wf,
        "Resume background jobs in DR region",
        sites.secondary,
        sites.s,
        &on_failure,
    );
    let record_done = cutover::record(
        &wf,
        stack,
        "Record failed over",
        sites.secondary,
        DrStatus::Idle,
        INCIDENT,
        Some(sites.secondary),
        None,
        &on_failure,
    );
    // The report of the replication gap, when the old primary answers (it usually does not
    // during a regional outage: then failback makes it, before cutting back).
    let reconcile = reconcile_report(&wf, stack, &sites);
    let summary = notify(
        &wf,
        stack,
        "Notify summary",
        INCIDENT,
        "failover.completed",
        Severity::Info,
        json!(format!(
            "States.Format('{} failed over from {} to {}: serving again. Lag at promotion: {{}}; fencing: {{}}. New order ids start at {{}}.', $.replica.Payload.lag_detail, $.fence.Payload.outcome, $.order_ids.Payload.order_id_floor)",
            stack.shop.name, sites.primary, sites.secondary
        )),
        json!({
            "phases.$": "$.phases",
            "lag_at_promotion.$": "$.replica.Payload.lag_detail",
            "fence.$": "$.fence.Payload",
            "write_gates.$": "$.gates",
            "background_jobs.$": "$.jobs",
            "order_ids.$": "$.order_ids.Payload",
            "cache.$": "$.cache.Payload",
            "dns.$": "$.dns.Payload",
            "smoke.$": "$.smoke.Payload",
            "reconcile.$": "$.reconcile",
        }),
        &on_failure,
    );
    let done = wf.succeed("Failed over");
    // What the old region did not let us fence (it did not answer) is fenced when it answers.
    let fence_late = fence_when_back(&wf, stack, &sites, &done, &on_failure);

    // Approval, when the policy asks for a person, once the RPO gate is open.
    let after_gate = match policy.approval {
        Approval::None => fence_start.clone(),
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
                    go_on.next(&fence_start);
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
            approval_phase.next(&approval).next(&fence_start);
            approval_phase
        }
    };
    let gate = wf
        .choice("RPO gate open")
        .when(
            check
                .output(field!(CheckReplicaOutput.promote_allowed))
                .is_true(),
            &after_gate,
        )
        .otherwise(&gate_closed);
    let guard_choice = guard_choice.when(
        flap.output(field!(CheckFailoverGuardOutput.allowed))
            .is_true(),
        &gate,
    );

    fence_start.next(&fence_all.start);
    fence_all.end.next(&promote_all.start);
    promote_all.end.next(&ready.start);
    ready
        .end
        .next(&open)
        .next(&serving)
        .next(&smoke)
        .next(&resume)
        .next(&record_done)
        .next(&reconcile.start);
    reconcile.end.next(&summary).next(&fence_late);
    confirmed_phase.next(&guard_choice);
    assess.end.next(&confirmed);
    wf.compile(start.next(&assess.start))
}

/// The old primary's id and how the policy fences it (`None`: Aurora, which fences its old
/// writer itself).
fn old_primary_fence(stack: &Stack, sites: &Sites) -> Option<(String, FenceMethod)> {
    let (id, read_only) = cutover::fence_method(stack, sites.primary, sites.p)?;
    let method = match (&stack.policy.fence, &sites.p.database) {
        (Fence::Stop, Database::RdsInstance { .. }) => FenceMethod::Stop,
        (Fence::Isolate { security_group_ids }, Database::RdsInstance { .. }) => {
            FenceMethod::Isolate {
                security_group_ids: security_group_ids.clone(),
            }
        }
        _ => read_only,
    };
    Some((id, method))
}

/// The old region's app in maintenance mode, best effort (a region that is down does not
/// answer), at `$.old_maintenance`.
fn old_region_maintenance(
    wf: &Workflow,
    stack: &Stack,
    sites: &Sites,
    name: &str,
) -> cutover::Segment {
    use wfc_activities::set_maintenance::{SetMaintenance, SetMaintenanceInput};
    let maintenance = wf
        .task::<SetMaintenance>(name)
        .input(
            &SetMaintenanceInput {
                parameter_name: stack.app.maintenance_parameter.clone(),
                on: true,
                region: Some(sites.primary.into()),
            },
            &[],
        )
        .result_path("$.old_maintenance");
    shop::best_effort(wf, maintenance, "$.old_maintenance")
}

/// Fences the old primary (`id`) by `method`, with the maintenance flag on, inside the fence's
/// Parallel branch; goes on to `then` unless the primary answered and refused (an unreachable
/// primary is reported, not fatal): then the branch fails with `FenceFailed`.
fn fence_database(
    wf: &Workflow,
    stack: &Stack,
    id: &str,
    method: FenceMethod,
    then: &Step,
) -> Step {
    let primary = Sites::of(stack).primary;
    let fence = cutover::fence_task(
        wf,
        stack,
        "Fence old primary",
        primary,
        id,
        method,
        &super::branch_failed(wf, "Fence old primary branch failed"),
    );
    let refused = wf.fail(
        "Fence refused",
        "FenceFailed",
        "the old primary answered but could not be fenced; promoting now would risk two writers",
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

/// Describes the old primary (RDS, Aurora: its endpoint is not in the stack) and makes the
/// reconciliation report; any failure is noted at `$.reconcile` and the failover goes on.
fn reconcile_report(wf: &Workflow, stack: &Stack, sites: &Sites) -> cutover::Segment {
    let report = shop::reconcile_gap(
        wf,
        stack,
        (sites.primary, sites.p, None),
        (sites.secondary, sites.s),
        Some("$.order_ids.Payload.previous_max_order_id"),
        None,
    );
    let report = shop::best_effort(wf, report, "$.reconcile");
    let describe = match &sites.p.database {
        Database::SelfManaged { .. } => return report,
        Database::RdsInstance { instance_id, .. } => DescribeDatabaseInput {
            db_instance_id: Some(instance_id.clone()),
            db_cluster_id: None,
            region: Some(sites.primary.into()),
            self_managed: None,
        },
        Database::AuroraGlobal { cluster_id, .. } => DescribeDatabaseInput {
            db_instance_id: None,
            db_cluster_id: Some(cluster_id.clone()),
            region: Some(sites.primary.into()),
            self_managed: None,
        },
    };
    let describe = wf
        .task::<DescribeDatabase>("Describe old primary")
        .input(&describe, &[])
        .result_path("$.old_primary");
    let describe = shop::best_effort(wf, describe, "$.old_primary");
    // No endpoint, no report: the old primary did not answer. `$.reconcile` says so (the summary
    // reads it; without it the failover failed with States.Runtime after serving again, which
    // no Catch sees: `wfc drill --scenario region-down` found it).
    let no_report = wf
        .pass("No reconciliation report")
        .result(json!({
            "done": false,
            "reason": "the old primary did not answer: the failback makes the report",
        }))
        .result_path("$.reconcile");
    no_report.next(&report.end);
    let answered = wf
        .choice("Old primary answered")
        .when(
            Path::<String>::raw("$.old_primary.Payload.endpoint").is_present(),
            &report.start,
        )
        .otherwise(&no_report);
    describe.end.next(&answered);
    cutover::Segment {
        start: describe.start,
        end: report.end,
    }
}

/// Probes of the old region after the failover, one a minute plus the probe's own time (each
/// step in a region that does not answer gives up within a minute): 1 to 3 h, within the
/// failover's 6 h timeout.
const OLD_REGION_PROBES: u32 = 60;
const OLD_REGION_PROBE_SECONDS: u64 = 60;

/// The old region's fence, finished when the region answers again. A fence that could not reach
/// the old region (a whole region down, a dead database host) is not a fence: when it returns,
/// its database is writable (nothing set `read_only`), its job runner runs, its load balancer
/// takes writes. The failover, which knows what it could not do, waits for it (after the summary,
/// so the on-call hears at once that the shop serves) and, a probe a minute, fences the database,
/// pauses the job runner and gates writes there until all three are done: a visible running
/// execution, trusted more than the 30-minute preflight (a check that changes nothing) and than
/// a person remembering at 3 a.m. All done at once: straight to `done`.
fn fence_when_back(
    wf: &Workflow,
    stack: &Stack,
    sites: &Sites,
    done: &Step,
    on_failure: &Step,
) -> Step {
    let old = sites.primary.replace('-', "_");
    // The database: fenced again (it reports `unreachable` within its timeout); on Aurora, which
    // demotes the old writer itself, the old region's maintenance flag.
    let (fence, database_fenced): (cutover::Segment, Condition) =
        match old_primary_fence(stack, sites) {
            Some((id, method)) => {
                let fence = cutover::fence_task(
                    wf,
                    stack,
                    "Fence old primary again",
                    sites.primary,
                    &id,
                    method,
                    on_failure,
                )
                .step_handle();
                let fenced = Path::<String>::raw("$.fence.Payload.outcome").eq_str("fenced");
                (
                    cutover::Segment {
                        start: fence.clone(),
                        end: fence,
                    },
                    fenced,
                )
            }
            None => {
                let maintenance = old_region_maintenance(
                    wf,
                    stack,
                    sites,
                    "Maintenance mode in old region again",
                );
                // Set: the result is there (a failure leaves `done: false` instead).
                let set = Path::<bool>::raw("$.old_maintenance.Payload").is_present();
                (maintenance, set)
            }
        };
    // Paused and gated: the best-effort steps leave `done: false` at their place when they fail.
    let all_done = || {
        Condition::and([
            database_fenced.clone(),
            !Path::<bool>::raw(&format!("$.jobs.{old}.done")).is_present(),
            !Path::<bool>::raw(&format!("$.gates.{old}.done")).is_present(),
        ])
    };
    let details = json!({
        "fence.$": "$.fence.Payload",
        "background_jobs.$": format!("$.jobs.{old}"),
        "write_gate.$": format!("$.gates.{old}"),
    });
    let start_waiting = wf
        .pass("Start waiting for old region")
        .result(json!({ "count": 0 }))
        .result_path("$.old_region_poll");
    let fenced = wf
        .choice("Old region fenced")
        .when(all_done(), done)
        .otherwise(&start_waiting);
    let wait = wf.wait_seconds("Wait for old region", OLD_REGION_PROBE_SECONDS);
    let pause = shop::try_pause_jobs(
        wf,
        "Pause background jobs in old region again",
        sites.primary,
        sites.p,
    );
    let gate = shop::try_gate_writes(
        wf,
        stack,
        "Gate writes in old region again",
        sites.primary,
        sites.p,
    );
    let fenced_late = notify(
        wf,
        stack,
        "Notify old region fenced late",
        INCIDENT,
        "failover.old_region_fenced_late",
        // Until now it may have held a writable database and a running job runner: people must
        // check what it did in between.
        Severity::Critical,
        json!(format!(
            "States.Format('{} in {} answers again after the failover and was fenced late (database: {{}}); job runner and write gate in the details. Check what it did before the fence; the failback makes the reconciliation report.', $.fence.Payload.outcome)",
            stack.shop.name, sites.primary
        )),
        details.clone(),
        on_failure,
    );
    fenced_late.next(done);
    let count = wf
        .pass("Count old region probe")
        .parameters(json!({ "count.$": "States.MathAdd($.old_region_poll.count, 1)" }))
        .result_path("$.old_region_poll");
    let fenced_now = wf
        .choice("Old region fenced now")
        .when(all_done(), &fenced_late)
        .otherwise(&count);
    let given_up = notify(
        wf,
        stack,
        "Notify old region not fenced",
        INCIDENT,
        "failover.old_region_not_fenced",
        Severity::Critical,
        json!(format!(
            "{} in {} is not fenced: it did not answer for an hour or more after the failover. When it returns, fence its database and pause its job runner by hand, or fail back (which stops the old primary first).",
            stack.shop.name, sites.primary
        )),
        details,
        on_failure,
    );
    given_up.next(done);
    let probes_left = wf
        .choice("Old region probes left")
        .when(
            Path::<f64>::raw("$.old_region_poll.count").ge(f64::from(OLD_REGION_PROBES)),
            &given_up,
        )
        .otherwise(&wait);
    // The job runner and the gate first: they answer when the region does, even if its
    // database host does not.
    start_waiting.next(&wait).next(&pause.start);
    pause.end.next(&gate.start);
    gate.end.next(&fence.start);
    fence.end.next(&fenced_now);
    count.next(&probes_left);
    fenced
}
