//! **switchover**: the planned move of the shop from the primary region to the secondary, with no
//! data loss (a region evacuation, a drill). Record the state; gate writes at both load balancers;
//! pause the primary's background jobs; maintenance mode and read-only on the primary (required);
//! wait until the replica lags 0; promote it and wait until writable; flush the secondary's cache;
//! scale the secondary compute up; leave maintenance mode; repoint the app, open writes, switch
//! DNS, smoke test; resume background jobs in the secondary; record the state; notify. The state
//! machine runs in the secondary region.

use super::cutover::{self, Promotion};
use super::{failure_chain, notify, phase, shop, Sites};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use wfc_activities::failover_global_cluster::GlobalMode;
use wfc_activities::notify::Severity;
use wfc_activities::record_state::DrStatus;
use wfc_compiler::dsl::{CompileError, Compiled, StateBuilder, Workflow};
use wfc_stack::{Database, Stack};

/// What starts a switchover: a change a person plans.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchoverInput {
    /// The change (ticket) this switchover carries out; recorded as the incident id.
    pub change_id: String,
    pub requested_by: String,
    /// Why, for the notifications; `null` when not given.
    // `required` alone drops the `null` from an `Option`'s schema: put it back.
    #[schemars(required, extend("type" = ["string", "null"]))]
    pub reason: Option<String>,
}

const INCIDENT: &str = "$.change_id";

pub fn workflow(stack: &Stack) -> Result<Compiled, CompileError> {
    let sites = Sites::of(stack);
    let policy = &stack.policy;
    let wf = Workflow::new("switchover")
        .input::<SwitchoverInput>()
        .comment(&format!(
            "Switchover of {} from {} to {} with no data loss: maintenance and read-only, lag 0, promote, cut over",
            stack.shop.name, sites.primary, sites.secondary
        ))
        .timeout_seconds(6 * 3600);
    let on_failure = failure_chain(&wf, stack, "Switchover", INCIDENT);

    let start = wf.pass("Start").parameters(json!({
        "change_id.$": "$.change_id",
        "requested_by.$": "$.requested_by",
        "reason.$": "$.reason",
        "phases": { "started.$": "$$.Execution.StartTime" },
    }));
    let record_start = cutover::record(
        &wf,
        stack,
        "Record switching over",
        sites.primary,
        DrStatus::SwitchingOver,
        INCIDENT,
        None,
        None,
        &on_failure,
    );

    // Promote once the replica has every write: RDS and self-managed wait for lag 0, Aurora's
    // managed switchover waits for full sync itself.
    let promote = cutover::promote_and_wait(
        &wf,
        sites.secondary,
        &Promotion::of(stack, sites.secondary, sites.s, GlobalMode::Switchover),
        policy.promotion_deadline_minutes,
        &on_failure,
    );
    let after_fence = match cutover::await_lag_zero(
        &wf,
        stack,
        sites.secondary,
        sites.s,
        (10, 30),
        &on_failure,
    ) {
        Some(sync) => {
            let sync_phase = phase(&wf, "in sync", "in_sync");
            sync_phase.next(&sync).next(&promote.start);
            sync_phase
        }
        None => promote.start.clone(),
    };
    // Writes close at both load balancers and the primary's background jobs stop before its
    // database does.
    let fence_phase = phase(&wf, "fence", "fence");
    let gate_primary = shop::gate_writes(
        &wf,
        stack,
        "Gate writes in primary region",
        sites.primary,
        sites.p,
        &on_failure,
    );
    let gate_secondary = shop::gate_writes(
        &wf,
        stack,
        "Gate writes in secondary region",
        sites.secondary,
        sites.s,
        &on_failure,
    );
    let pause = shop::pause_jobs(
        &wf,
        "Pause background jobs in primary region",
        sites.primary,
        sites.p,
        &on_failure,
    );
    let fence = cutover::stop_writes(
        &wf,
        stack,
        sites.primary,
        sites.p,
        "SwitchoverFenceFailed",
        &after_fence,
        &on_failure,
    );

    let flush = shop::flush_cache(
        &wf,
        "Flush secondary cache",
        sites.secondary,
        sites.s,
        &on_failure,
    );
    let (active, _) = cutover::capacity(sites.s);
    let scale_up = cutover::scale(
        &wf,
        "Scale secondary compute up",
        sites.secondary,
        sites.s,
        active,
        &on_failure,
    );
    let traffic = cutover::move_traffic(&wf, stack, sites.secondary, sites.s, &on_failure);
    let resume = shop::resume_jobs(
        &wf,
        "Resume background jobs in secondary region",
        sites.secondary,
        sites.s,
        &on_failure,
    );
    let maintenance_off = cutover::maintenance(
        &wf,
        stack,
        "Leave maintenance mode",
        sites.secondary,
        false,
        &on_failure,
    );
    let record_done = cutover::record(
        &wf,
        stack,
        "Record switched over",
        sites.secondary,
        DrStatus::Idle,
        INCIDENT,
        Some(sites.secondary),
        None,
        &on_failure,
    );
    let summary = notify(
&wf,
stack,
"Notify summary",
            INCIDENT,
            "switchover.completed",
            Severity::Info,
            json!(format!(
                "States.Format('{} switched over from {} to {} with no data loss (change {{}}): serving again.', $.change_id)",
                stack.shop.name, sites.primary, sites.secondary
            )),
            json!({
                "phases.$": "$.phases",
                "fence.$": "$.fence.Payload",
                "background_jobs.$": "$.jobs",
                "cache.$": "$.cache.Payload",
                "dns.$": "$.dns.Payload",
                "smoke.$": "$.smoke.Payload",
            }),
&on_failure,
);
    let done = wf.succeed("Switched over");

    // A promoted replica keeps its parameter group's read_only: make sure it is writable (an
    // earlier failback fenced this region's group).
    let after_promote = match &sites.s.database {
        Database::RdsInstance {
            instance_id,
            parameter_group,
            ..
        } => {
            let allow = cutover::allow_writes(
                &wf,
                "Allow writes",
                sites.secondary,
                instance_id,
                parameter_group.clone(),
                &on_failure,
            );
            allow.next(&flush);
            allow
        }
        // A self-managed promotion turns read_only off itself.
        Database::AuroraGlobal { .. } | Database::SelfManaged { .. } => flush.clone(),
    };

    fence_phase
        .next(&gate_primary)
        .next(&gate_secondary)
        .next(&pause)
        .next(&fence);
    flush.next(&scale_up);
    // Maintenance mode goes off before the smoke test, which must see the shop, not the
    // maintenance page; nobody reaches the secondary before the DNS switch.
    promote.end.next(&after_promote);
    scale_up.next(&maintenance_off).next(&traffic.start);
    traffic
        .end
        .next(&resume)
        .next(&record_done)
        .next(&summary)
        .next(&done);
    wf.compile(start.next(&record_start).next(&fence_phase))
}
