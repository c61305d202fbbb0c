//! `describe_database`: the database's status for the poll loop after a promotion or failover
//! (`available`, still a replica or not, endpoint). Events only wake the workflow; this confirms.
//! A self-managed MySQL/MariaDB server (`self_managed`) is asked over SQL: `available` means it
//! answers and is writable (`read_only` off), so the "wait until writable" loop is the same.

use crate::check_replica::{engine_of, self_managed_elsewhere};
use crate::error::{ActivityError, Result};
use crate::ports::mysql::{open_self_managed, MySqlConnection, SessionMode};
use crate::ports::{ConfigStore, Database, MySql};
use crate::reserve_order_ids::mysql_secret_permission;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct DescribeDatabase;

/// Exactly one of `db_instance_id` (RDS) and `db_cluster_id` (Aurora); or `self_managed`, with
/// `db_instance_id` as an optional name for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeDatabaseInput {
    #[serde(default)]
    pub db_instance_id: Option<String>,
    #[serde(default)]
    pub db_cluster_id: Option<String>,
    /// Default: the function's own region.
    #[serde(default)]
    pub region: Option<String>,
    /// A self-managed MySQL/MariaDB server: asked over SQL, not RDS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_managed: Option<MySqlConnection>,
}

impl Validate for DescribeDatabaseInput {
    fn validate(&self) -> Result<()> {
        validate::optional_region("region", &self.region)?;
        if let Some(c) = &self.self_managed {
            c.validate("self_managed")?;
            if self.db_cluster_id.is_some() {
                return Err(ActivityError::invalid(
                    "db_cluster_id",
                    "a self-managed server is not an Aurora cluster",
                ));
            }
            return match &self.db_instance_id {
                Some(id) => validate::db_identifier("db_instance_id", id),
                None => Ok(()),
            };
        }
        match (&self.db_instance_id, &self.db_cluster_id) {
            (Some(id), None) => validate::db_identifier("db_instance_id", id),
            (None, Some(id)) => validate::db_identifier("db_cluster_id", id),
            _ => Err(ActivityError::invalid(
                "db_instance_id",
                "give exactly one of db_instance_id and db_cluster_id",
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DatabaseStatus {
    pub id: String,
    pub status: String,
    /// `status` is `available`.
    pub available: bool,
    pub is_replica: bool,
    pub replica_source: Option<String>,
    /// The writer endpoint's host name (what the application connects to).
    pub endpoint: Option<String>,
    pub port: Option<u16>,
    pub engine: String,
    /// Self-managed only: `read_only` is off (absent for RDS and Aurora).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writable: Option<bool>,
}

pub async fn run(input: DescribeDatabaseInput, db: &dyn Database) -> Result<DatabaseStatus> {
    input.validate()?;
    if input.self_managed.is_some() {
        return Err(self_managed_elsewhere());
    }
    if let Some(id) = &input.db_instance_id {
        let i = db
            .instance(id)
            .await?
            .ok_or_else(|| ActivityError::DbInstanceNotFound { id: id.clone() })?;
        return Ok(DatabaseStatus {
            available: i.status == "available",
            is_replica: i.replica_source.is_some(),
            id: i.id,
            status: i.status,
            replica_source: i.replica_source,
            endpoint: i.endpoint,
            port: i.port,
            engine: i.engine,
            writable: None,
        });
    }
    let id = input.db_cluster_id.unwrap_or_default();
    let c = db
        .cluster(&id)
        .await?
        .ok_or(ActivityError::DbClusterNotFound { id })?;
    Ok(DatabaseStatus {
        available: c.status == "available",
        is_replica: c.replica_source.is_some(),
        id: c.id,
        status: c.status,
        replica_source: c.replica_source,
        endpoint: c.endpoint,
        port: c.port,
        engine: c.engine,
        writable: None,
    })
}

/// A self-managed server: `status` is `available` when it is writable, else `read-only`.
pub async fn run_self_managed(
    input: DescribeDatabaseInput,
    config: &dyn ConfigStore,
    mysql: &dyn MySql,
) -> Result<DatabaseStatus> {
    input.validate()?;
    let (connection, mut session) = open_self_managed(
        input.self_managed.as_ref(),
        config,
        mysql,
        SessionMode::ReadOnly,
    )
    .await?;
    let read = async {
        let version = session.version().await?;
        let replica = session.replica_status().await?;
        let read_only = session.read_only().await?;
        Ok::<_, ActivityError>((version, replica, read_only))
    }
    .await;
    session.close().await;
    let (version, replica, read_only) = read?;
    Ok(DatabaseStatus {
        id: input
            .db_instance_id
            .clone()
            .unwrap_or_else(|| connection.server()),
        status: if read_only { "read-only" } else { "available" }.into(),
        available: !read_only,
        is_replica: replica.is_some(),
        replica_source: replica.map(|r| r.source),
        endpoint: Some(connection.host.clone()),
        port: Some(connection.port),
        engine: engine_of(&version),
        writable: Some(!read_only),
    })
}

impl Activity for DescribeDatabase {
    const NAME: &'static str = "describe_database";
    const ERRORS: &'static [&'static str] = aws_errors![
        DbInstanceNotFound,
        DbClusterNotFound,
        ConfigNotFound,
        SecretMalformed,
        DatabaseUnreachable,
        SqlError
    ];
    type Input = DescribeDatabaseInput;
    type Output = DatabaseStatus;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["rds:DescribeDBInstances"], &[iam::RDS_DB]),
            Permission::new(&["rds:DescribeDBClusters"], &[iam::RDS_CLUSTER]),
            mysql_secret_permission(),
        ]
    }
}
