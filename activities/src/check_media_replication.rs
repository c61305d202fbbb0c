//! `check_media_replication`: S3 cross-region replication of the media bucket is configured
//! (an enabled rule to the expected destination) and its backlog (replication metrics
//! `OperationsPendingReplication`, `BytesPendingReplication`) is within thresholds. Reported;
//! blocking (failing) only if configured to be.

use crate::error::{ActivityError, Result};
use crate::ports::metrics::MetricQuery;
use crate::ports::{Metrics, ObjectReplication};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wfc_contract::{Activity, Permission};

pub struct CheckMediaReplication;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckMediaReplicationInput {
    pub source_bucket: String,
    /// The DR bucket the rule must replicate to; default: any.
    #[serde(default)]
    pub destination_bucket: Option<String>,
    /// The rule to look at; default: every enabled rule.
    #[serde(default)]
    pub rule_id: Option<String>,
    #[serde(default)]
    pub max_pending_operations: Option<f64>,
    #[serde(default)]
    pub max_pending_bytes: Option<f64>,
    /// Fail (`MediaReplicationNotConfigured`, `MediaReplicationBacklogTooHigh`) instead of
    /// only reporting.
    #[serde(default)]
    pub blocking: bool,
    /// The source bucket's region (where its replication metrics are); default: the function's.
    #[serde(default)]
    pub region: Option<String>,
    /// 300–86400 s.
    #[serde(default = "default_window")]
    pub metrics_window_seconds: u32,
}

fn default_window() -> u32 {
    900
}

impl Validate for CheckMediaReplicationInput {
    fn validate(&self) -> Result<()> {
        validate::non_empty("source_bucket", &self.source_bucket)?;
        if let Some(b) = &self.destination_bucket {
            validate::non_empty("destination_bucket", b)?;
        }
        if let Some(v) = self.max_pending_operations {
            validate::non_negative("max_pending_operations", v)?;
        }
        if let Some(v) = self.max_pending_bytes {
            validate::non_negative("max_pending_bytes", v)?;
        }
        validate::range(
            "metrics_window_seconds",
            self.metrics_window_seconds,
            300,
            86_400,
        )?;
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaVerdict {
    Ok,
    BacklogTooHigh,
    /// Configured, but no backlog figure (replication metrics off, or no datapoint).
    BacklogUnknown,
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckMediaReplicationOutput {
    pub source_bucket: String,
    pub configured: bool,
    pub enabled_rules: u32,
    pub metrics_enabled: bool,
    pub pending_operations: Option<f64>,
    pub pending_bytes: Option<f64>,
    pub verdict: MediaVerdict,
    pub detail: String,
    pub blocking: bool,
}

/// `arn:aws:s3:::media` → `media` (any partition); a plain name stays as it is.
fn bucket_name(arn_or_name: &str) -> &str {
    arn_or_name
        .rsplit_once(":::")
        .map_or(arn_or_name, |(_, name)| name)
}

pub async fn run(
    input: CheckMediaReplicationInput,
    objects: &dyn ObjectReplication,
    metrics: &dyn Metrics,
) -> Result<CheckMediaReplicationOutput> {
    input.validate()?;
    let bucket = &input.source_bucket;
    let rules = objects.replication_rules(bucket).await?.unwrap_or_default();
    let rules: Vec<_> = rules
        .into_iter()
        .filter(|r| r.enabled)
        .filter(|r| input.rule_id.is_none() || r.id == input.rule_id)
        .filter(|r| {
            input
                .destination_bucket
                .as_deref()
                .is_none_or(|d| bucket_name(&r.destination_bucket_arn) == d)
        })
        .collect();
    let mut output = CheckMediaReplicationOutput {
        source_bucket: bucket.clone(),
        configured: !rules.is_empty(),
        enabled_rules: rules.len() as u32,
        metrics_enabled: rules.iter().any(|r| r.metrics_enabled),
        pending_operations: None,
        pending_bytes: None,
        verdict: MediaVerdict::NotConfigured,
        detail: String::new(),
        blocking: input.blocking,
    };
    if rules.is_empty() {
        output.detail = "no enabled replication rule matches".into();
        if input.blocking {
            return Err(ActivityError::MediaReplicationNotConfigured {
                bucket: bucket.clone(),
                detail: output.detail,
            });
        }
        return Ok(output);
    }
    // The latest figure of a metric, summed over the rules; None when no rule has one.
    let latest = |metric: &'static str| {
        let rules = &rules;
        async move {
            let mut total = None;
            for rule in rules {
                let query = MetricQuery {
                    namespace: "AWS/S3".into(),
                    metric: metric.into(),
                    dimensions: vec![
                        ("SourceBucket".into(), bucket.clone()),
                        (
                            "DestinationBucket".into(),
                            bucket_name(&rule.destination_bucket_arn).into(),
                        ),
                        ("RuleId".into(), rule.id.clone().unwrap_or_default()),
                    ],
                    window: Duration::from_secs(input.metrics_window_seconds.into()),
                    period_seconds: 60,
                    statistic: "Maximum".into(),
                };
                if let Some(p) = metrics.datapoints(&query).await?.last() {
                    total = Some(total.unwrap_or(0.0) + p.value);
                }
            }
            Ok::<_, ActivityError>(total)
        }
    };
    output.pending_operations = latest("OperationsPendingReplication").await?;
    output.pending_bytes = latest("BytesPendingReplication").await?;
    let over = |value: Option<f64>, limit: Option<f64>| match (value, limit) {
        (Some(v), Some(l)) => Some(v > l),
        (None, Some(_)) => None,
        (_, None) => Some(false),
    };
    let checks = [
        over(output.pending_operations, input.max_pending_operations),
        over(output.pending_bytes, input.max_pending_bytes),
    ];
    output.verdict = if checks.contains(&Some(true)) {
        MediaVerdict::BacklogTooHigh
    } else if checks.contains(&None) {
        MediaVerdict::BacklogUnknown
    } else {
        MediaVerdict::Ok
    };
    output.detail = format!(
        "pending operations {:?}, bytes {:?} (limits {:?}, {:?})",
        output.pending_operations,
        output.pending_bytes,
        input.max_pending_operations,
        input.max_pending_bytes
    );
    if input.blocking && output.verdict == MediaVerdict::BacklogTooHigh {
        return Err(ActivityError::MediaReplicationBacklogTooHigh {
            bucket: bucket.clone(),
            detail: output.detail,
        });
    }
    Ok(output)
}

impl Activity for CheckMediaReplication {
    const NAME: &'static str = "check_media_replication";
    const ERRORS: &'static [&'static str] = aws_errors![
        BucketNotFound,
        MediaReplicationNotConfigured,
        MediaReplicationBacklogTooHigh
    ];
    type Input = CheckMediaReplicationInput;
    type Output = CheckMediaReplicationOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["s3:GetReplicationConfiguration"], &[iam::S3_BUCKET]),
            Permission::new(&["cloudwatch:GetMetricStatistics"], &[iam::ANY]),
        ]
    }
}
