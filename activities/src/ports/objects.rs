//! S3 cross-region replication of the media bucket (the backlog comes from `Metrics`).

use crate::error::Result;
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplicationRule {
    pub id: Option<String>,
    pub enabled: bool,
    /// `arn:aws:s3:::bucket`.
    pub destination_bucket_arn: String,
    /// Replication metrics (the backlog figures) are on for this rule.
    pub metrics_enabled: bool,
}

#[async_trait]
pub trait ObjectReplication: Send + Sync {
    /// The bucket's replication rules; `None` when it has no replication configuration.
    /// Fails with `BucketNotFound`.
    async fn replication_rules(&self, bucket: &str) -> Result<Option<Vec<ReplicationRule>>>;
}
