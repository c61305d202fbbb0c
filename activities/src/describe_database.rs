//! `describe_database`: the database's status for the poll loop after a promotion or failover
//! (`available`, still a replica or not, endpoint). Events only wake the workflow; this confirms.

use crate::aws::AwsEnv;
use crate::error::{ActivityError, Result};
use crate::lambda::Handler;
use crate::ports::Database;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct DescribeDatabase;

/// Exactly one of `db_instance_id` (RDS) and `db_cluster_id` (Aurora).
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
}

impl Validate for DescribeDatabaseInput {
    fn validate(&self) -> Result<()> {
        validate::optional_region("region", &self.region)?;
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
}

pub async fn run(input: DescribeDatabaseInput, db: &dyn Database) -> Result<DatabaseStatus> {
    input.validate()?;
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
    })
}

impl Activity for DescribeDatabase {
    const NAME: &'static str = "describe_database";
    const ERRORS: &'static [&'static str] = aws_errors![DbInstanceNotFound, DbClusterNotFound];
    type Input = DescribeDatabaseInput;
    type Output = DatabaseStatus;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["rds:DescribeDBInstances"], &[iam::RDS_DB]),
            Permission::new(&["rds:DescribeDBClusters"], &[iam::RDS_CLUSTER]),
        ]
    }
}

impl Handler for DescribeDatabase {
    async fn handle(input: DescribeDatabaseInput, env: &AwsEnv) -> Result<DatabaseStatus> {
        let db = env.database(input.region.as_deref());
        run(input, &db).await
    }
}
