//! The shop's Redis cache: an ElastiCache global datastore, and the keys of one cluster (stale
//! ones deleted by pattern, or a whole logical database flushed).

use super::config::SecretValue;
use crate::error::Result;
use async_trait::async_trait;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalDatastore {
    pub id: String,
    pub status: String,
    pub members: Vec<DatastoreMember>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatastoreMember {
    pub replication_group_id: String,
    pub region: String,
    /// `PRIMARY` or `SECONDARY`.
    pub role: String,
}

#[async_trait]
pub trait GlobalCache: Send + Sync {
    async fn global_datastore(&self, id: &str) -> Result<Option<GlobalDatastore>>;
    /// `FailoverGlobalReplicationGroup`: makes `primary_group` (in `primary_region`) the primary.
    async fn failover_global_datastore(
        &self,
        id: &str,
        primary_region: &str,
        primary_group: &str,
    ) -> Result<()>;
}

/// A Redis endpoint (an ElastiCache primary endpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct CacheEndpoint {
    pub host: String,
    pub port: u16,
    /// In-transit encryption (ElastiCache `TransitEncryptionEnabled`).
    pub tls: bool,
    pub auth_token: Option<SecretValue>,
}

/// The keys of a Redis endpoint.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Deletes every key matching one of the glob patterns within `timeout`; returns how many
    /// were deleted. Fails with `CacheUnavailable`.
    async fn delete_matching(
        &self,
        endpoint: &CacheEndpoint,
        patterns: &[String],
        timeout: Duration,
    ) -> Result<u64>;

    /// Empties one logical database (`SELECT`, `DBSIZE`, `FLUSHDB ASYNC`) within `timeout`;
    /// returns how many keys it held just before. Fails with `CacheUnavailable`; a database the
    /// server will not select (out of range, cluster mode) is `InvalidInput` at `database`.
    async fn flush_database(
        &self,
        endpoint: &CacheEndpoint,
        database: u32,
        timeout: Duration,
    ) -> Result<u64>;
}
