//! `GlobalCache` on ElastiCache.

use super::{optional, AwsFailure};
use async_trait::async_trait;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::cache::{DatastoreMember, GlobalCache, GlobalDatastore};

pub struct AwsGlobalCache {
    client: aws_sdk_elasticache::Client,
}

impl AwsGlobalCache {
    pub fn new(client: aws_sdk_elasticache::Client) -> Self {
        AwsGlobalCache { client }
    }
}

#[async_trait]
impl GlobalCache for AwsGlobalCache {
    async fn global_datastore(&self, id: &str) -> Result<Option<GlobalDatastore>> {
        let out = self
            .client
            .describe_global_replication_groups()
            .global_replication_group_id(id)
            .show_member_info(true)
            .send()
            .await;
        let out = optional(
            out,
            &["GlobalReplicationGroupNotFoundFault"],
            "elasticache",
            "DescribeGlobalReplicationGroups",
        )?;
        Ok(out.and_then(|o| {
            o.global_replication_groups()
                .first()
                .map(|g| GlobalDatastore {
                    id: g.global_replication_group_id().unwrap_or_default().into(),
                    status: g.status().unwrap_or_default().into(),
                    members: g
                        .members()
                        .iter()
                        .map(|m| DatastoreMember {
                            replication_group_id: m
                                .replication_group_id()
                                .unwrap_or_default()
                                .into(),
                            region: m.replication_group_region().unwrap_or_default().into(),
                            role: m.role().unwrap_or_default().to_ascii_uppercase(),
                        })
                        .collect(),
                })
        }))
    }

    async fn failover_global_datastore(
        &self,
        id: &str,
        primary_region: &str,
        primary_group: &str,
    ) -> Result<()> {
        let out = self
            .client
            .failover_global_replication_group()
            .global_replication_group_id(id)
            .primary_region(primary_region)
            .primary_replication_group_id(primary_group)
            .send()
            .await;
        out.map(|_| ()).map_err(|e| {
            let failure = AwsFailure::new(e);
            match failure.code() {
                "GlobalReplicationGroupNotFoundFault" => {
                    ActivityError::GlobalDatastoreNotFound { id: id.into() }
                }
                "InvalidGlobalReplicationGroupState"
                | "InvalidGlobalReplicationGroupStateFault" => ActivityError::GlobalDatastoreBusy {
                    id: id.into(),
                    status: "refused by ElastiCache (InvalidGlobalReplicationGroupState)".into(),
                },
                _ => failure.into_error("elasticache", "FailoverGlobalReplicationGroup"),
            }
        })
    }
}
