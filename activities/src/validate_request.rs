//! `validate_request`: a failback request started from the console (or `wfc failback start`) is
//! checked against its schema (any malformed field is `InvalidInput`) and against the current
//! state — no failover or failback running, the target not already active, the target region
//! healthy (Route 53 checkers, and its alarm if given) — before anything changes.

use crate::assess_outage::failing_share;
use crate::error::{ActivityError, Result};
use crate::ports::metrics::AlarmState;
use crate::ports::{ConfigStore, Dns, Metrics};
use crate::record_state::{read_state, DrStatus};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct ValidateRequest;

/// What a person asks for when failing back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailbackRequest {
    /// The region to return to (the old primary).
    pub target_region: String,
    /// The incident this failback closes.
    pub incident_id: String,
    pub requested_by: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// How long writes may be paused for the cutback (10–3600 s).
    #[serde(default = "default_pause")]
    pub max_write_pause_seconds: u32,
    /// Orders of the replication gap that staff have handled (re-created, refunded): the
    /// reconciliation report lists them but does not count them as unresolved. Required in the
    /// schema (may be `[]`): the workflow reads it by path.
    #[serde(default)]
    #[schemars(required)]
    pub handled_order_ids: Vec<u64>,
    /// Staff reconciled the gap another way (the old primary is gone and its snapshot was
    /// checked by hand): the failback goes on without a report or with unresolved orders.
    #[serde(default)]
    #[schemars(required)]
    pub gap_reconciled: bool,
}

fn default_pause() -> u32 {
    300
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequestInput {
    pub request: FailbackRequest,
    /// The DR state parameter `record_state` writes.
    pub state_parameter_name: String,
    /// The target region's Route 53 health check.
    pub target_health_check_id: String,
    /// An alarm in the target region that must be OK.
    #[serde(default)]
    pub target_alarm_name: Option<String>,
    /// The largest share of failing checkers still called healthy (0–1).
    #[serde(default = "default_share")]
    pub max_failing_share: f64,
    /// Region of the state parameter; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
}

fn default_share() -> f64 {
    0.2
}

impl Validate for ValidateRequestInput {
    fn validate(&self) -> Result<()> {
        let r = &self.request;
        validate::region("request.target_region", &r.target_region)?;
        validate::non_empty("request.incident_id", &r.incident_id)?;
        validate::non_empty("request.requested_by", &r.requested_by)?;
        validate::range(
            "request.max_write_pause_seconds",
            r.max_write_pause_seconds,
            10,
            3600,
        )?;
        validate::ssm_parameter_name("state_parameter_name", &self.state_parameter_name)?;
        validate::non_empty("target_health_check_id", &self.target_health_check_id)?;
        if !(0.0..=1.0).contains(&self.max_failing_share) {
            return Err(ActivityError::invalid(
                "max_failing_share",
                "must be in [0, 1]",
            ));
        }
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ValidateRequestOutput {
    /// Always true: anything else is an error.
    pub valid: bool,
    pub request: FailbackRequest,
    pub active_region: String,
    pub checks: Vec<Check>,
}

pub async fn run(
    input: ValidateRequestInput,
    config: &dyn ConfigStore,
    dns: &dyn Dns,
    metrics: &dyn Metrics,
) -> Result<ValidateRequestOutput> {
    input.validate()?;
    let target = input.request.target_region.clone();
    let name = &input.state_parameter_name;
    let state = read_state(config, name)
        .await?
        .ok_or_else(|| ActivityError::ConfigNotFound {
            store: "SSM parameter".into(),
            name: name.clone(),
        })?;
    let mut checks = Vec::new();
    if state.status != DrStatus::Idle {
        return Err(ActivityError::FailoverInProgress {
            status: serde_json::to_value(state.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            incident_id: state.incident_id,
        });
    }
    checks.push(Check {
        name: "nothing running".into(),
        ok: true,
        detail: format!("state is idle (incident {})", state.incident_id),
    });
    if state.active_region == target {
        return Err(ActivityError::TargetAlreadyActive { region: target });
    }
    checks.push(Check {
        name: "target not active".into(),
        ok: true,
        detail: format!("{} serves now", state.active_region),
    });
    let observations = dns
        .health_check_status(&input.target_health_check_id)
        .await?;
    let (total, failing, share) = failing_share(&observations);
    let detail = format!("{failing} of {total} Route 53 checkers see it failing");
    match share {
        Some(s) if s <= input.max_failing_share => checks.push(Check {
            name: "target healthy".into(),
            ok: true,
            detail,
        }),
        None => {
            return Err(ActivityError::TargetRegionUnhealthy {
                region: target,
                detail: "no Route 53 checker has reported".into(),
            })
        }
        Some(_) => {
            return Err(ActivityError::TargetRegionUnhealthy {
                region: target,
                detail,
            })
        }
    }
    if let Some(alarm_name) = &input.target_alarm_name {
        let alarm =
            metrics
                .alarm(alarm_name)
                .await?
                .ok_or_else(|| ActivityError::AlarmNotFound {
                    name: alarm_name.clone(),
                })?;
        if alarm.state != AlarmState::Ok {
            return Err(ActivityError::TargetRegionUnhealthy {
                region: target,
                detail: format!("alarm {alarm_name} is {}", alarm.state.as_str()),
            });
        }
        checks.push(Check {
            name: "target alarm OK".into(),
            ok: true,
            detail: alarm_name.clone(),
        });
    }
    Ok(ValidateRequestOutput {
        valid: true,
        request: input.request,
        active_region: state.active_region,
        checks,
    })
}

impl Activity for ValidateRequest {
    const NAME: &'static str = "validate_request";
    const ERRORS: &'static [&'static str] = aws_errors![
        ConfigNotFound,
        StateMalformed,
        FailoverInProgress,
        TargetAlreadyActive,
        TargetRegionUnhealthy,
        HealthCheckNotFound,
        AlarmNotFound
    ];
    type Input = ValidateRequestInput;
    type Output = ValidateRequestOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["ssm:GetParameter"], &[iam::SSM_PARAMETER]),
            Permission::new(&["route53:GetHealthCheckStatus"], &[iam::HEALTH_CHECK]),
            Permission::new(&["cloudwatch:DescribeAlarms"], &[iam::ANY_REGION_ALARM]),
        ]
    }
}
