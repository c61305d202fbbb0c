//! `assess_outage`: is the primary really down, or is this a false alarm? Reads the Route 53
//! health check (the share of checkers, spread over the world, that see it failing) and the
//! CloudWatch alarm that fired. Route 53 itself calls a check unhealthy when 18 % or fewer of
//! its checkers report healthy, hence the default threshold of 82 % failing.

use crate::error::{ActivityError, Result};
use crate::ports::dns::CheckerObservation;
use crate::ports::metrics::AlarmState;
use crate::ports::{Dns, Metrics};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct AssessOutage;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessOutageInput {
    /// The primary's Route 53 health check.
    pub health_check_id: String,
    /// The alarm that started the workflow (in `region`), if any.
    #[serde(default)]
    pub alarm_name: Option<String>,
    /// Share of checkers failing (0–1) from which the primary counts as down.
    #[serde(default = "default_share")]
    pub down_failing_share: f64,
    /// Region of the alarm; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
    /// What started the workflow (the failover input's `trigger`). When it is an alarm, that
    /// alarm, in its region, is read instead of `alarm_name`: the evidence that fired, not a
    /// slower alarm that has not caught up yet (the DR region's probe alarm fires some 35 s into
    /// an outage, the primary's 1-minute alarms some 4 min in; `wfc drill` found the probe's
    /// failover ending "not confirmed"). Any other trigger reads no alarm: the checkers decide.
    #[serde(default)]
    pub trigger: Option<OutageTrigger>,
}

/// The failover input's `trigger`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutageTrigger {
    /// `alarm`, `rds-event` or `manual`.
    pub source: String,
    /// The alarm name, the RDS event id, or who started it.
    pub name: String,
    /// The region the event came from.
    pub region: String,
}

impl AssessOutageInput {
    /// The alarm to read: the triggering alarm, else `alarm_name` unless another kind of trigger
    /// is given.
    pub fn alarm_name(&self) -> Option<&str> {
        match &self.trigger {
            Some(t) if t.source == "alarm" => Some(&t.name),
            Some(_) => None,
            None => self.alarm_name.as_deref(),
        }
    }

    /// The region of [`Self::alarm_name`]'s alarm (`None`: the function's own).
    pub fn alarm_region(&self) -> Option<&str> {
        match &self.trigger {
            Some(t) if t.source == "alarm" => Some(&t.region),
            _ => self.region.as_deref(),
        }
    }
}

fn default_share() -> f64 {
    0.82
}

impl Validate for AssessOutageInput {
    fn validate(&self) -> Result<()> {
        validate::non_empty("health_check_id", &self.health_check_id)?;
        if let Some(name) = &self.alarm_name {
            validate::non_empty("alarm_name", name)?;
        }
        if !(self.down_failing_share > 0.0 && self.down_failing_share <= 1.0) {
            return Err(ActivityError::invalid(
                "down_failing_share",
                "must be in (0, 1]",
            ));
        }
        validate::optional_region("region", &self.region)?;
        if let Some(t) = &self.trigger {
            validate::non_empty("trigger.name", &t.name)?;
            validate::region("trigger.region", &t.region)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutageVerdict {
    /// The checkers agree it is down (and the alarm, if any, is not OK).
    Down,
    /// The checkers see it healthy: whatever fired, do not fail over.
    FalseAlarm,
    /// No checker reported, or the checkers and the alarm disagree: ask again, or a human.
    Inconclusive,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssessOutageOutput {
    pub verdict: OutageVerdict,
    pub primary_down: bool,
    pub checkers_total: u32,
    pub checkers_failing: u32,
    /// 0–1; null when no checker reported.
    pub failing_share: Option<f64>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub alarm_state: Option<String>,
    pub reason: String,
}

/// (total, failing, failing share) of a health check's observations; shared with
/// `validate_request`.
pub(crate) fn failing_share(observations: &[CheckerObservation]) -> (u32, u32, Option<f64>) {
    let total = observations.len() as u32;
    let failing = observations.iter().filter(|o| !o.healthy).count() as u32;
    let share = (total > 0).then(|| f64::from(failing) / f64::from(total));
    (total, failing, share)
}

pub async fn run(
    input: AssessOutageInput,
    dns: &dyn Dns,
    metrics: &dyn Metrics,
) -> Result<AssessOutageOutput> {
    input.validate()?;
    let observations = dns.health_check_status(&input.health_check_id).await?;
    let (total, failing, share) = failing_share(&observations);
    // CloudWatch is regional: when the primary region is down it does not answer, and the
    // checkers (Route 53's data plane, outside the region) decide alone (`wfc drill --scenario
    // region-down` found the failover stopping here). A missing alarm is still an error.
    let mut alarm_unread = None;
    let alarm = match input.alarm_name() {
        None => None,
        Some(name) => match metrics.alarm(name).await {
            Ok(found) => Some(found.ok_or_else(|| ActivityError::AlarmNotFound {
                name: name.to_string(),
            })?),
            Err(e @ ActivityError::AwsUnavailable { .. }) => {
                alarm_unread = Some(format!("; alarm {name} not read: {e}"));
                None
            }
            Err(e) => return Err(e),
        },
    };
    let alarm_state = alarm.as_ref().map(|a| a.state);
    let checks = format!(
        "{failing} of {total} Route 53 checkers see the primary failing{}",
        alarm_unread.unwrap_or_default()
    );
    let (verdict, reason) = match share {
        None => (
            OutageVerdict::Inconclusive,
            "no Route 53 checker has reported".to_string(),
        ),
        Some(s) if s >= input.down_failing_share => match alarm_state {
            // A region that is down often stops sending the alarm's metric too.
            None | Some(AlarmState::Alarm) | Some(AlarmState::InsufficientData) => {
                (OutageVerdict::Down, checks)
            }
            Some(AlarmState::Ok) => (
                OutageVerdict::Inconclusive,
                format!("{checks}, but the alarm is OK"),
            ),
        },
        Some(_) => (OutageVerdict::FalseAlarm, checks),
    };
    Ok(AssessOutageOutput {
        primary_down: verdict == OutageVerdict::Down,
        verdict,
        checkers_total: total,
        checkers_failing: failing,
        failing_share: share,
        alarm_state: alarm_state.map(|s| s.as_str().to_string()),
        reason,
    })
}

impl Activity for AssessOutage {
    const NAME: &'static str = "assess_outage";
    const ERRORS: &'static [&'static str] = aws_errors![HealthCheckNotFound, AlarmNotFound];
    type Input = AssessOutageInput;
    type Output = AssessOutageOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["route53:GetHealthCheckStatus"], &[iam::HEALTH_CHECK]),
            // It reads the alarm in the region that may be down, from the other one.
            Permission::new(&["cloudwatch:DescribeAlarms"], &[iam::ANY_REGION_ALARM]),
        ]
    }
}
