//! `record_state`: the DR state — active region, incident id, time of the last failover, whether
//! a failover or failback is running, and which region owns background jobs — as JSON in an SSM
//! parameter. The anti-flap guard and `validate_request` read it. Idempotent: the same state is
//! not written twice.

use crate::error::{ActivityError, Result};
use crate::ports::{Clock, ConfigStore, SystemClock};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct RecordState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DrStatus {
    /// Nothing running; `active_region` serves.
    Idle,
    FailingOver,
    FailingBack,
    SwitchingOver,
}

/// What the parameter holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DrState {
    pub active_region: String,
    pub incident_id: String,
    pub status: DrStatus,
    /// RFC 3339; the anti-flap guard measures from here.
    pub last_failover_at: Option<String>,
    /// The region whose runner runs WP-Cron and Action Scheduler (absent: never recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_jobs_region: Option<String>,
    /// The databases a failback retired (renamed `<id>-old<N>`, stopped), so that anyone can
    /// tell which instance is which: the stack's names are the serving and DR databases; these
    /// hold what they held before, until a person deletes them. Kept across records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired_databases: Vec<RetiredDatabase>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RetiredDatabase {
    /// Its name now (`woo-db-use1-old1`).
    pub id: String,
    /// The name it had, which its successor has now.
    pub was: String,
    pub region: Option<String>,
    /// The incident whose failback retired it.
    pub incident_id: String,
}

/// A retirement to record: `retire_instance`'s output (`retired_id` null: nothing retired).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Retirement {
    pub db_instance_id: String,
    #[serde(default)]
    pub retired_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordStateInput {
    /// e.g. `/wfc/shop/state`.
    pub parameter_name: String,
    pub active_region: String,
    pub incident_id: String,
    pub status: DrStatus,
    /// RFC 3339. Default: now when a failover, failback or switchover starts; otherwise the
    /// recorded one is kept.
    #[serde(default)]
    pub failover_at: Option<String>,
    /// Region of the parameter; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
    /// The region that owns background jobs now (its runner was resumed); default: the
    /// recorded one is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_jobs_region: Option<String>,
    /// Databases this run retired, added to the recorded ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<Retirement>,
}

impl Validate for RecordStateInput {
    fn validate(&self) -> Result<()> {
        validate::ssm_parameter_name("parameter_name", &self.parameter_name)?;
        validate::region("active_region", &self.active_region)?;
        validate::non_empty("incident_id", &self.incident_id)?;
        if let Some(at) = &self.failover_at {
            validate::timestamp("failover_at", at)?;
        }
        validate::optional_region("background_jobs_region", &self.background_jobs_region)?;
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordStateOutput {
    /// `null`: no state before, or one that was not valid state JSON (overwritten).
    pub previous: Option<DrState>,
    pub current: DrState,
    pub changed: bool,
}

/// The recorded state, if any; shared with `validate_request`.
pub(crate) async fn read_state(config: &dyn ConfigStore, name: &str) -> Result<Option<DrState>> {
    let Some((value, _)) = config.parameter(name).await? else {
        return Ok(None);
    };
    serde_json::from_str(value.expose())
        .map(Some)
        .map_err(|e| ActivityError::StateMalformed {
            name: name.into(),
            reason: e.to_string(),
        })
}

pub async fn run(input: RecordStateInput, config: &dyn ConfigStore) -> Result<RecordStateOutput> {
    run_at(input, config, &SystemClock).await
}

/// [`run`] with the clock that dates a failover (the drill's virtual clock).
pub async fn run_at(
    input: RecordStateInput,
    config: &dyn ConfigStore,
    clock: &dyn Clock,
) -> Result<RecordStateOutput> {
    input.validate()?;
    let previous = match read_state(config, &input.parameter_name).await {
        Err(ActivityError::StateMalformed { .. }) => None,
        other => other?,
    };
    let last_failover_at = match (&input.failover_at, input.status) {
        (Some(at), _) => Some(at.clone()),
        (None, DrStatus::Idle) => previous.as_ref().and_then(|p| p.last_failover_at.clone()),
        (None, _) => Some(humantime::format_rfc3339_seconds(clock.now()).to_string()),
    };
    let background_jobs_region = input.background_jobs_region.clone().or_else(|| {
        previous
            .as_ref()
            .and_then(|p| p.background_jobs_region.clone())
    });
    let mut retired_databases = previous
        .as_ref()
        .map(|p| p.retired_databases.clone())
        .unwrap_or_default();
    for r in &input.retired {
        let Some(id) = &r.retired_id else { continue };
        if !retired_databases
            .iter()
            .any(|d| &d.id == id && d.region == r.region)
        {
            retired_databases.push(RetiredDatabase {
                id: id.clone(),
                was: r.db_instance_id.clone(),
                region: r.region.clone(),
                incident_id: input.incident_id.clone(),
            });
        }
    }
    let current = DrState {
        active_region: input.active_region,
        incident_id: input.incident_id,
        status: input.status,
        last_failover_at,
        background_jobs_region,
        retired_databases,
    };
    // A start with no explicit time is the same start if everything else is the same.
    let same = previous.as_ref().is_some_and(|p| {
        p.active_region == current.active_region
            && p.incident_id == current.incident_id
            && p.status == current.status
            && p.background_jobs_region == current.background_jobs_region
            && p.retired_databases == current.retired_databases
            && (input.failover_at.is_none() || p.last_failover_at == current.last_failover_at)
    });
    if same {
        let current = previous.clone().unwrap_or(current);
        return Ok(RecordStateOutput {
            previous,
            current,
            changed: false,
        });
    }
    let text = serde_json::to_string(&current).map_err(|e| ActivityError::StateMalformed {
        name: input.parameter_name.clone(),
        reason: e.to_string(),
    })?;
    config
        .put_parameter(&input.parameter_name, &text, false)
        .await?;
    Ok(RecordStateOutput {
        previous,
        current,
        changed: true,
    })
}

impl Activity for RecordState {
    const NAME: &'static str = "record_state";
    const ERRORS: &'static [&'static str] = aws_errors![];
    type Input = RecordStateInput;
    type Output = RecordStateOutput;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            &["ssm:GetParameter", "ssm:PutParameter"],
            &[iam::SSM_PARAMETER],
        )]
    }
}
