//! `promote_replica`: RDS MySQL `PromoteReadReplica` on the DR replica. Idempotent: an instance
//! that is no longer a replica is reported as already promoted. There is no "promotion completed"
//! event for RDS MySQL, so completion is polled with `describe_database`.

use crate::aws::AwsEnv;
use crate::error::{ActivityError, Result};
use crate::lambda::Handler;
use crate::ports::Database;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct PromoteReplica;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromoteReplicaInput {
    pub db_instance_id: String,
    /// Region of the replica; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
    /// Backup retention of the promoted instance, in days (1–35); default: unchanged.
    #[serde(default)]
    pub backup_retention_days: Option<i32>,
}

impl Validate for PromoteReplicaInput {
    fn validate(&self) -> Result<()> {
        validate::db_identifier("db_instance_id", &self.db_instance_id)?;
        validate::optional_region("region", &self.region)?;
        if let Some(days) = self.backup_retention_days {
            validate::range("backup_retention_days", days, 1, 35)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PromoteReplicaOutput {
    pub db_instance_id: String,
    /// The instance was no longer a replica: nothing was asked of RDS.
    pub already_promoted: bool,
    /// `PromoteReadReplica` was accepted by this call; poll `describe_database` for `available`
    /// and `is_replica: false`.
    pub promotion_started: bool,
    /// The instance's status before this call.
    pub status: String,
}

pub async fn run(input: PromoteReplicaInput, db: &dyn Database) -> Result<PromoteReplicaOutput> {
    input.validate()?;
    let id = &input.db_instance_id;
    let instance = db
        .instance(id)
        .await?
        .ok_or_else(|| ActivityError::DbInstanceNotFound { id: id.clone() })?;
    if instance.engine.starts_with("aurora") {
        return Err(ActivityError::UnsupportedEngine {
            id: id.clone(),
            engine: instance.engine,
            hint: "Aurora fails over with failover_global_cluster".into(),
        });
    }
    let output = |already_promoted, promotion_started| PromoteReplicaOutput {
        db_instance_id: id.clone(),
        already_promoted,
        promotion_started,
        status: instance.status.clone(),
    };
    if instance.replica_source.is_none() {
        return Ok(output(true, false));
    }
    match instance.status.as_str() {
        "available" => {}
        "backing-up" => return Err(ActivityError::BackupInProgress { id: id.clone() }),
        other => {
            return Err(ActivityError::DbInstanceNotAvailable {
                id: id.clone(),
                status: other.to_string(),
            })
        }
    }
    db.promote_read_replica(id, input.backup_retention_days)
        .await?;
    Ok(output(false, true))
}

impl Activity for PromoteReplica {
    const NAME: &'static str = "promote_replica";
    const ERRORS: &'static [&'static str] = aws_errors![
        DbInstanceNotFound,
        UnsupportedEngine,
        BackupInProgress,
        DbInstanceNotAvailable
    ];
    type Input = PromoteReplicaInput;
    type Output = PromoteReplicaOutput;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            &["rds:DescribeDBInstances", "rds:PromoteReadReplica"],
            &[iam::RDS_DB],
        )]
    }
}

impl Handler for PromoteReplica {
    async fn handle(input: PromoteReplicaInput, env: &AwsEnv) -> Result<PromoteReplicaOutput> {
        let db = env.database(input.region.as_deref());
        run(input, &db).await
    }
}
