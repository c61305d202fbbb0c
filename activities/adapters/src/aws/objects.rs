//! `ObjectReplication` on S3.

use super::AwsFailure;
use async_trait::async_trait;
use aws_sdk_s3::types::{MetricsStatus, ReplicationRuleStatus};
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::objects::{ObjectReplication, ReplicationRule};

pub struct AwsObjectReplication {
    client: aws_sdk_s3::Client,
}

impl AwsObjectReplication {
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        AwsObjectReplication { client }
    }
}

#[async_trait]
impl ObjectReplication for AwsObjectReplication {
    async fn replication_rules(&self, bucket: &str) -> Result<Option<Vec<ReplicationRule>>> {
        let out = self
            .client
            .get_bucket_replication()
            .bucket(bucket)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(e) => {
                let failure = AwsFailure::new(e);
                return match failure.code() {
                    "ReplicationConfigurationNotFoundError" => Ok(None),
                    "NoSuchBucket" => Err(ActivityError::BucketNotFound {
                        bucket: bucket.into(),
                    }),
                    _ if failure.status() == Some(404) => Err(ActivityError::BucketNotFound {
                        bucket: bucket.into(),
                    }),
                    _ => Err(failure.into_error("s3", "GetBucketReplication")),
                };
            }
        };
        let rules = out
            .replication_configuration()
            .map(|c| c.rules())
            .unwrap_or_default();
        Ok(Some(
            rules
                .iter()
                .map(|r| ReplicationRule {
                    id: r.id().map(str::to_string),
                    enabled: r.status() == &ReplicationRuleStatus::Enabled,
                    destination_bucket_arn: r
                        .destination()
                        .map(|d| d.bucket().to_string())
                        .unwrap_or_default(),
                    metrics_enabled: r
                        .destination()
                        .and_then(|d| d.metrics())
                        .is_some_and(|m| m.status() == &MetricsStatus::Enabled),
                })
                .collect(),
        ))
    }
}
