//! `check_failover_guard`: the anti-flap guard, read-only. Refuses a failover when one ran within
//! the configured minutes, when another operation is in progress, when the DR region already
//! serves, or when another execution of the same state machine started first and still runs.
//! Reads the state `record_state` writes; it writes nothing, so a failover stopped before its
//! first change (false alarm, approval refused, RPO gate) leaves no trace that would block the
//! next one.
//!
//! Why the running executions: two alarms of one outage start two executions within a second;
//! both read "no failover recorded" before either records one. The oldest running execution
//! (start time, then name) goes on, and every other one sees it and stops. Both see each other,
//! so the choice needs no write and no lock.

use crate::error::Result;
use crate::ports::workflows::{unqualified, RunningExecution};
use crate::ports::{ConfigStore, Workflows};
use crate::record_state::{read_state, DrState, DrStatus};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;
use wfc_contract::{Activity, Permission};

pub struct CheckFailoverGuard;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckFailoverGuardInput {
    /// The state parameter `record_state` writes.
    pub parameter_name: String,
    /// The incident this failover is for; a re-run for the same incident is allowed.
    pub incident_id: String,
    /// The region that should be serving now (the one being failed over from).
    pub expected_active_region: String,
    pub min_minutes_between_failovers: u32,
    /// RFC 3339 time to measure from (the workflow passes `$$.State.EnteredTime`, so a drill on
    /// virtual time measures virtual minutes).
    pub now: String,
    /// Region of the parameter; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
    /// This execution (`$$.Execution.Id`) and its state machine (`$$.StateMachine.Id`): when
    /// given, an older running execution of the same state machine refuses this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ThisExecution>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThisExecution {
    pub execution_arn: String,
    pub state_machine_arn: String,
}

impl Validate for CheckFailoverGuardInput {
    fn validate(&self) -> Result<()> {
        validate::ssm_parameter_name("parameter_name", &self.parameter_name)?;
        validate::non_empty("incident_id", &self.incident_id)?;
        validate::region("expected_active_region", &self.expected_active_region)?;
        validate::range(
            "min_minutes_between_failovers",
            self.min_minutes_between_failovers,
            0,
            10080,
        )?;
        validate::timestamp("now", &self.now)?;
        if let Some(e) = &self.execution {
            validate::non_empty("execution.execution_arn", &e.execution_arn)?;
            validate::non_empty("execution.state_machine_arn", &e.state_machine_arn)?;
        }
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckFailoverGuardOutput {
    /// Whether the failover may go on.
    pub allowed: bool,
    /// Why (one line, for the notification and the execution history).
    pub reason: String,
    /// The recorded state; `null` when none was recorded yet.
    pub state: Option<DrState>,
    pub minutes_since_last_failover: Option<f64>,
}

pub async fn run(
    input: CheckFailoverGuardInput,
    config: &dyn ConfigStore,
    workflows: &dyn Workflows,
) -> Result<CheckFailoverGuardOutput> {
    input.validate()?;
    let state = read_state(config, &input.parameter_name).await?;
    let now = parse_time(&input.now);
    let minutes_since = state
        .as_ref()
        .and_then(|s| s.last_failover_at.as_deref())
        .map(|at| minutes_between(parse_time(at), now));
    let (mut allowed, mut reason) = verdict(&input, state.as_ref(), minutes_since);
    if let (true, Some(this)) = (allowed, &input.execution) {
        let running = workflows
            .running_executions(unqualified(&this.state_machine_arn))
            .await?;
        if let Some(first) = started_first(&running, &this.execution_arn) {
            allowed = false;
            reason = format!(
                "execution {} started first and is running: it handles this outage",
                first.name
            );
        }
    }
    Ok(CheckFailoverGuardOutput {
        allowed,
        reason,
        state,
        minutes_since_last_failover: minutes_since,
    })
}

fn verdict(
    input: &CheckFailoverGuardInput,
    state: Option<&DrState>,
    minutes_since: Option<f64>,
) -> (bool, String) {
    let Some(state) = state else {
        return (true, "no failover recorded before".into());
    };
    if state.status != DrStatus::Idle {
        if state.incident_id == input.incident_id {
            return (
                true,
                format!(
                    "resuming incident {} (recorded {:?})",
                    state.incident_id, state.status
                ),
            );
        }
        return (
            false,
            format!(
                "another operation is in progress: {:?} for incident {}",
                state.status, state.incident_id
            ),
        );
    }
    if state.active_region != input.expected_active_region {
        return (
            false,
            format!(
                "{} already serves (recorded by incident {}); nothing to fail over",
                state.active_region, state.incident_id
            ),
        );
    }
    match minutes_since {
        Some(m) if m < f64::from(input.min_minutes_between_failovers) => (
            false,
            format!(
                "the last failover was {m:.0} min ago, within the {} min anti-flap window",
                input.min_minutes_between_failovers
            ),
        ),
        Some(m) => (true, format!("the last failover was {m:.0} min ago")),
        None => (true, "no failover recorded before".into()),
    }
}

/// The running execution that started before `this` (start time, then name), if any. `this`
/// itself may be missing from the list (ListExecutions is eventually consistent): then any other
/// running execution is older.
fn started_first<'a>(running: &'a [RunningExecution], this: &str) -> Option<&'a RunningExecution> {
    let key = |e: &'a RunningExecution| (e.start_millis, e.name.as_str());
    let me = running.iter().find(|e| e.execution_arn == this).map(key);
    running
        .iter()
        .filter(|e| e.execution_arn != this)
        .filter(|e| me.is_none_or(|me| key(e) < me))
        .min_by_key(|e| key(e))
}

/// Validated timestamps; an unreadable one (written by hand) counts as long ago.
fn parse_time(text: &str) -> SystemTime {
    humantime::parse_rfc3339_weak(text).unwrap_or(SystemTime::UNIX_EPOCH)
}

fn minutes_between(earlier: SystemTime, later: SystemTime) -> f64 {
    later
        .duration_since(earlier)
        .map(|d| d.as_secs_f64() / 60.0)
        .unwrap_or(0.0)
}

impl Activity for CheckFailoverGuard {
    const NAME: &'static str = "check_failover_guard";
    const ERRORS: &'static [&'static str] = aws_errors![StateMalformed];
    type Input = CheckFailoverGuardInput;
    type Output = CheckFailoverGuardOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["ssm:GetParameter"], &[iam::SSM_PARAMETER]),
            Permission::new(&["states:ListExecutions"], &[iam::STATE_MACHINE]),
        ]
    }
}
