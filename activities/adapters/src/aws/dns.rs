//! `Dns` on Route 53.

use super::{plain, AwsFailure};
use async_trait::async_trait;
use aws_sdk_route53::types::{
    self as r53, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet,
    ResourceRecordSetFailover, RrType,
};
use aws_sdk_route53::Client;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::dns::{AliasTarget, ChangeStatus, CheckerObservation, Dns, RecordSet};

const ROUTE53: &str = "route53";

pub struct AwsDns {
    client: Client,
}

impl AwsDns {
    pub fn new(client: Client) -> Self {
        AwsDns { client }
    }
}

/// Route 53 writes names with a trailing dot; the ports compare them without.
fn bare(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

fn from_aws(set: &ResourceRecordSet) -> RecordSet {
    RecordSet {
        name: bare(set.name()),
        record_type: set.r#type().as_str().to_string(),
        set_identifier: set.set_identifier().map(str::to_string),
        failover: set.failover().map(|f| f.as_str().to_string()),
        ttl: set.ttl(),
        values: set
            .resource_records()
            .iter()
            .map(|r| r.value().to_string())
            .collect(),
        alias: set.alias_target().map(|a| AliasTarget {
            dns_name: bare(a.dns_name()),
            hosted_zone_id: a.hosted_zone_id().to_string(),
            evaluate_target_health: a.evaluate_target_health(),
        }),
        health_check_id: set.health_check_id().map(str::to_string),
    }
}

fn to_aws(set: &RecordSet) -> Result<ResourceRecordSet> {
    let records = set
        .values
        .iter()
        .map(|v| ResourceRecord::builder().value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(build_error)?;
    let alias = match &set.alias {
        Some(a) => Some(
            r53::AliasTarget::builder()
                .dns_name(&a.dns_name)
                .hosted_zone_id(&a.hosted_zone_id)
                .evaluate_target_health(a.evaluate_target_health)
                .build()
                .map_err(build_error)?,
        ),
        None => None,
    };
    ResourceRecordSet::builder()
        .name(&set.name)
        .r#type(RrType::from(set.record_type.as_str()))
        .set_set_identifier(set.set_identifier.clone())
        .set_failover(set.failover.as_deref().map(ResourceRecordSetFailover::from))
        .set_ttl(set.ttl)
        .set_resource_records((!records.is_empty()).then_some(records))
        .set_alias_target(alias)
        .set_health_check_id(set.health_check_id.clone())
        .build()
        .map_err(build_error)
}

fn build_error(e: aws_smithy_types::error::operation::BuildError) -> ActivityError {
    ActivityError::invalid("records", e.to_string())
}

fn zone_failure(failure: AwsFailure, zone: &str, operation: &str) -> ActivityError {
    match failure.code() {
        "NoSuchHostedZone" => ActivityError::HostedZoneNotFound { zone: zone.into() },
        _ => failure.into_error(ROUTE53, operation),
    }
}

#[async_trait]
impl Dns for AwsDns {
    async fn records(&self, zone: &str, name: &str, record_type: &str) -> Result<Vec<RecordSet>> {
        let wanted = bare(name);
        let mut found = Vec::new();
        let (mut start_name, mut start_id) = (name.to_string(), None::<String>);
        loop {
            let out = self
                .client
                .list_resource_record_sets()
                .hosted_zone_id(zone)
                .start_record_name(&start_name)
                .start_record_type(RrType::from(record_type))
                .set_start_record_identifier(start_id.clone())
                .send()
                .await
                .map_err(|e| zone_failure(AwsFailure::new(e), zone, "ListResourceRecordSets"))?;
            let mut past = false;
            for set in out.resource_record_sets() {
                if bare(set.name()) == wanted && set.r#type().as_str() == record_type {
                    found.push(from_aws(set));
                } else {
                    past = true;
                }
            }
            match out.next_record_name() {
                Some(next) if out.is_truncated() && !past => {
                    start_name = next.to_string();
                    start_id = out.next_record_identifier().map(str::to_string);
                }
                _ => return Ok(found),
            }
        }
    }

    async fn upsert(&self, zone: &str, records: &[RecordSet], comment: &str) -> Result<String> {
        let changes = records
            .iter()
            .map(|set| {
                Change::builder()
                    .action(ChangeAction::Upsert)
                    .resource_record_set(to_aws(set)?)
                    .build()
                    .map_err(build_error)
            })
            .collect::<Result<Vec<_>>>()?;
        let batch = ChangeBatch::builder()
            .comment(comment)
            .set_changes(Some(changes))
            .build()
            .map_err(build_error)?;
        let out = self
            .client
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(batch)
            .send()
            .await
            .map_err(|e| zone_failure(AwsFailure::new(e), zone, "ChangeResourceRecordSets"))?;
        Ok(out
            .change_info()
            .map(|c| c.id().to_string())
            .unwrap_or_default())
    }

    async fn change_status(&self, change_id: &str) -> Result<ChangeStatus> {
        let out = self.client.get_change().id(change_id).send().await;
        let out = plain(out, ROUTE53, "GetChange")?;
        Ok(match out.change_info().map(|c| c.status()) {
            Some(r53::ChangeStatus::Insync) => ChangeStatus::InSync,
            _ => ChangeStatus::Pending,
        })
    }

    async fn health_check_status(&self, id: &str) -> Result<Vec<CheckerObservation>> {
        let out = self
            .client
            .get_health_check_status()
            .health_check_id(id)
            .send()
            .await;
        let out = out.map_err(|e| {
            let failure = AwsFailure::new(e);
            match failure.code() {
                "NoSuchHealthCheck" => ActivityError::HealthCheckNotFound { id: id.into() },
                _ => failure.into_error(ROUTE53, "GetHealthCheckStatus"),
            }
        })?;
        Ok(out
            .health_check_observations()
            .iter()
            .map(|o| CheckerObservation {
                checker_region: o
                    .region()
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
                // Route 53 reports "Success: HTTP Status Code 200, OK" or "Failure: …".
                healthy: o
                    .status_report()
                    .and_then(|r| r.status())
                    .is_some_and(|s| s.starts_with("Success")),
            })
            .collect())
    }
}
