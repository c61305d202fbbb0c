//! `await_replica_in_sync`: during failback, is the new replica `available` and caught up
//! (`ReplicaLag` known and at most the limit)? One look, no sleeping in Lambda: when not yet, it
//! fails with `ReplicaNotInSync` and the workflow's Retry (with backoff) does the waiting.

use crate::aws_errors;
use crate::check_replica::read_lag;
use crate::error::{ActivityError, Result};
use crate::ports::{Clock, Database, Metrics, SystemClock};
use crate::validate::{self, Validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct AwaitReplicaInSync;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwaitReplicaInSyncInput {
    pub db_instance_id: String,
    #[serde(default)]
    pub region: Option<String>,
    /// In sync means a lag of at most this (seconds); 0 for a cutback with writes paused.
    #[serde(default)]
    pub max_lag_seconds: f64,
    #[serde(default = "default_window")]
    pub lag_window_seconds: u32,
}

fn default_window() -> u32 {
    300
}

impl Validate for AwaitReplicaInSyncInput {
    fn validate(&self) -> Result<()> {
        validate::db_identifier("db_instance_id", &self.db_instance_id)?;
        validate::optional_region("region", &self.region)?;
        validate::non_negative("max_lag_seconds", self.max_lag_seconds)?;
        validate::range("lag_window_seconds", self.lag_window_seconds, 60, 3600)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AwaitReplicaInSyncOutput {
    pub db_instance_id: String,
    pub status: String,
    pub lag_seconds: f64,
}

pub async fn run(
    input: AwaitReplicaInSyncInput,
    db: &dyn Database,
    metrics: &dyn Metrics,
) -> Result<AwaitReplicaInSyncOutput> {
    run_at(input, db, metrics, &SystemClock).await
}

/// [`run`] with the clock that datapoints are aged against (the drill's virtual clock).
pub async fn run_at(
    input: AwaitReplicaInSyncInput,
    db: &dyn Database,
    metrics: &dyn Metrics,
    clock: &dyn Clock,
) -> Result<AwaitReplicaInSyncOutput> {
    input.validate()?;
    let id = &input.db_instance_id;
    let instance = db
        .instance(id)
        .await?
        .ok_or_else(|| ActivityError::DbInstanceNotFound { id: id.clone() })?;
    if instance.replica_source.is_none() {
        return Err(ActivityError::NotAReplica {
            id: id.clone(),
            detail: String::new(),
        });
    }
    let not_yet = |detail: String| ActivityError::ReplicaNotInSync {
        id: id.clone(),
        detail,
    };
    if instance.status != "available" {
        return Err(not_yet(format!("status is `{}`", instance.status)));
    }
    let lag = read_lag(metrics, clock, id, input.lag_window_seconds).await?;
    match lag.seconds {
        None => Err(not_yet(lag.detail)),
        Some(s) if s > input.max_lag_seconds => Err(not_yet(format!(
            "lag {s} s is over {} s",
            input.max_lag_seconds
        ))),
        Some(s) => Ok(AwaitReplicaInSyncOutput {
            db_instance_id: id.clone(),
            status: instance.status,
            lag_seconds: s,
        }),
    }
}

impl Activity for AwaitReplicaInSync {
    const NAME: &'static str = "await_replica_in_sync";
    const ERRORS: &'static [&'static str] =
        aws_errors![DbInstanceNotFound, NotAReplica, ReplicaNotInSync];
    type Input = AwaitReplicaInSyncInput;
    type Output = AwaitReplicaInSyncOutput;
    fn permissions() -> Vec<Permission> {
        crate::check_replica::replica_lag_permissions()
    }
}
