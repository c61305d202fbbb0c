//! `promote_replica`: RDS MySQL `PromoteReadReplica` on the DR replica. Idempotent: an instance
//! that is no longer a replica is reported as already promoted. There is no "promotion completed"
//! event for RDS MySQL, so completion is polled with `describe_database`.
//! A self-managed MySQL/MariaDB replica (`self_managed`) is promoted over SQL: replication
//! stopped and forgotten (`STOP REPLICA; RESET REPLICA ALL`), then `read_only` off.

use crate::check_replica::self_managed_elsewhere;
use crate::error::{ActivityError, Result};
use crate::ports::mysql::{open_self_managed, MySqlConnection, SessionMode};
use crate::ports::{ConfigStore, Database, MySql};
use crate::reserve_order_ids::mysql_secret_permission;
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
    /// A self-managed MySQL/MariaDB replica: promoted over SQL, not RDS (`db_instance_id` then
    /// only names it in the output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_managed: Option<MySqlConnection>,
}

impl Validate for PromoteReplicaInput {
    fn validate(&self) -> Result<()> {
        validate::db_identifier("db_instance_id", &self.db_instance_id)?;
        validate::optional_region("region", &self.region)?;
        if let Some(days) = self.backup_retention_days {
            validate::range("backup_retention_days", days, 1, 35)?;
        }
        if let Some(c) = &self.self_managed {
            c.validate("self_managed")?;
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
    if input.self_managed.is_some() {
        return Err(self_managed_elsewhere());
    }
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

/// A self-managed replica: stop and reset replication, then `read_only` off. Idempotent: a server
/// that is no longer a replica and is writable is `already_promoted`; one that is no longer a
/// replica but still read-only (a retry after a half-done promotion) only gets `read_only` off.
/// `status` is the server's state before the call: `replica`, `read-only` or `writable`.
pub async fn run_self_managed(
    input: PromoteReplicaInput,
    config: &dyn ConfigStore,
    mysql: &dyn MySql,
) -> Result<PromoteReplicaOutput> {
    input.validate()?;
    let (_, mut session) = open_self_managed(
        input.self_managed.as_ref(),
        config,
        mysql,
        SessionMode::ReadWrite,
    )
    .await?;
    let promote = async {
        let replica = session.replica_status().await?.is_some();
        let read_only = session.read_only().await?;
        let status = match (replica, read_only) {
            (true, _) => "replica",
            (false, true) => "read-only",
            (false, false) => "writable",
        };
        if replica {
            session.stop_replication().await?;
        }
        if read_only {
            session.set_read_only(false).await?;
        }
        Ok::<_, ActivityError>(PromoteReplicaOutput {
            db_instance_id: input.db_instance_id.clone(),
            already_promoted: !replica && !read_only,
            promotion_started: replica || read_only,
            status: status.into(),
        })
    }
    .await;
    session.close().await;
    promote
}

impl Activity for PromoteReplica {
    const NAME: &'static str = "promote_replica";
    const ERRORS: &'static [&'static str] = aws_errors![
        DbInstanceNotFound,
        UnsupportedEngine,
        BackupInProgress,
        DbInstanceNotAvailable,
        ConfigNotFound,
        SecretMalformed,
        DatabaseUnreachable,
        SqlError
    ];
    type Input = PromoteReplicaInput;
    type Output = PromoteReplicaOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                &["rds:DescribeDBInstances", "rds:PromoteReadReplica"],
                &[iam::RDS_DB],
            ),
            mysql_secret_permission(),
        ]
    }
}
