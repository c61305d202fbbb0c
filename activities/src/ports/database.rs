//! Relational databases: RDS instances, Aurora clusters and global clusters.

use crate::error::Result;
use async_trait::async_trait;

/// What the activities need to know about a DB instance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DbInstance {
    pub id: String,
    pub arn: String,
    /// `available`, `backing-up`, `modifying`, `stopped`, …
    pub status: String,
    pub engine: String,
    pub endpoint: Option<String>,
    pub port: Option<u16>,
    /// The source (id or ARN) while the instance is a read replica.
    pub replica_source: Option<String>,
    pub replicas: Vec<String>,
    pub backup_retention_days: i32,
    pub storage_encrypted: bool,
    pub parameter_groups: Vec<String>,
    pub security_groups: Vec<String>,
    /// Set for an Aurora instance.
    pub cluster_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DbCluster {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub engine: String,
    pub endpoint: Option<String>,
    pub port: Option<u16>,
    /// The source while the cluster replicates from another one (a secondary outside a global
    /// cluster).
    pub replica_source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalCluster {
    pub id: String,
    pub status: String,
    pub members: Vec<GlobalClusterMember>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalClusterMember {
    pub cluster_arn: String,
    pub is_writer: bool,
}

/// A cross-region read replica to create (in the region of the port's client). The source is
/// named by ARN, which tells RDS its region (a pre-signed URL is needed only in GovCloud).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplicaSpec {
    pub replica_id: String,
    pub source_arn: String,
    pub instance_class: String,
    pub kms_key_id: Option<String>,
    pub subnet_group: Option<String>,
    pub security_groups: Vec<String>,
    pub parameter_group: Option<String>,
    pub multi_az: bool,
}

#[async_trait]
pub trait Database: Send + Sync {
    async fn instance(&self, id: &str) -> Result<Option<DbInstance>>;
    async fn cluster(&self, id: &str) -> Result<Option<DbCluster>>;
    async fn global_cluster(&self, id: &str) -> Result<Option<GlobalCluster>>;
    /// `PromoteReadReplica` (RDS MySQL/MariaDB/PostgreSQL instances).
    async fn promote_read_replica(
        &self,
        id: &str,
        backup_retention_days: Option<i32>,
    ) -> Result<()>;
    /// `SwitchoverGlobalCluster`: planned, waits for sync, no data loss.
    async fn switchover_global_cluster(
        &self,
        global_id: &str,
        target_cluster_arn: &str,
    ) -> Result<()>;
    /// `FailoverGlobalCluster` with `AllowDataLoss`: the disaster case.
    async fn failover_global_cluster(
        &self,
        global_id: &str,
        target_cluster_arn: &str,
    ) -> Result<()>;
    async fn create_read_replica(&self, spec: &ReplicaSpec) -> Result<DbInstance>;
    /// A parameter's value in a DB parameter group (`None`: the engine default applies).
    async fn parameter(&self, group: &str, name: &str) -> Result<Option<String>>;
    /// Sets a dynamic parameter, applied immediately.
    async fn set_parameter(&self, group: &str, name: &str, value: &str) -> Result<()>;
    async fn stop_instance(&self, id: &str) -> Result<()>;
    /// `ModifyDBInstance` with a new identifier, applied immediately.
    async fn rename_instance(&self, id: &str, new_id: &str) -> Result<()>;
    /// Replaces the instance's VPC security groups (applied immediately).
    async fn set_security_groups(&self, id: &str, groups: &[String]) -> Result<()>;
}
