//! `check_failover_guard`: the anti-flap guard, read-only. Refuses a failover when one ran within
//! the configured minutes, when another operation is in progress, or when the DR region already
//! serves. Reads the state `record_state` writes; it writes nothing, so a failover stopped before
//! its first change (false alarm, approval refused, RPO gate) leaves no trace that would block
//! the next one.

use crate::error::Result;
use crate::ports::ConfigStore;
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
) -> Result<CheckFailoverGuardOutput> {
    input.validate()?;
    let state = read_state(config, &input.parameter_name).await?;
    let now = parse_time(&input.now);
    let minutes_since = state
        .as_ref()
        .and_then(|s| s.last_failover_at.as_deref())
        .map(|at| minutes_between(parse_time(at), now));
    let (allowed, reason) = verdict(&input, state.as_ref(), minutes_since);
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
        vec![Permission::new(
            &["ssm:GetParameter"],
            &[iam::SSM_PARAMETER],
        )]
    }
}
