//! `Metrics` on CloudWatch.
//!
//! aws-sdk-cloudwatch is pinned to 1.60.0, the last version that speaks the query protocol: later
//! ones speak Smithy RPC v2 CBOR, which moto does not answer, and testing this adapter over HTTP
//! against moto was worth more than the newer client (real CloudWatch answers both).

use super::{aws_time, plain, system_time};
use async_trait::async_trait;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum as AwsDatum, StateValue, Statistic};
use std::time::SystemTime;
use wfc_activities::error::Result;
use wfc_activities::ports::metrics::{
    Alarm, AlarmState, Datapoint, MetricDatum, MetricQuery, Metrics,
};

pub struct AwsMetrics {
    client: aws_sdk_cloudwatch::Client,
}

impl AwsMetrics {
    pub fn new(client: aws_sdk_cloudwatch::Client) -> Self {
        AwsMetrics { client }
    }
}

fn dimensions(dimensions: &[(String, String)]) -> Vec<Dimension> {
    dimensions
        .iter()
        .map(|(name, value)| Dimension::builder().name(name).value(value).build())
        .collect()
}

fn state(value: Option<&StateValue>) -> AlarmState {
    match value {
        Some(StateValue::Alarm) => AlarmState::Alarm,
        Some(StateValue::Ok) => AlarmState::Ok,
        _ => AlarmState::InsufficientData,
    }
}

#[async_trait]
impl Metrics for AwsMetrics {
    async fn datapoints(&self, query: &MetricQuery) -> Result<Vec<Datapoint>> {
        let now = SystemTime::now();
        let start = now
            .checked_sub(query.window)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        // End one period ahead so the current, partial period is in (an end of `now` rounded
        // down to the second can leave out a datapoint of this very second).
        let end = now + std::time::Duration::from_secs(query.period_seconds.max(1) as u64);
        let statistic = Statistic::from(query.statistic.as_str());
        let out = self
            .client
            .get_metric_statistics()
            .namespace(&query.namespace)
            .metric_name(&query.metric)
            .set_dimensions(Some(dimensions(&query.dimensions)))
            .start_time(aws_time(start))
            .end_time(aws_time(end))
            .period(query.period_seconds)
            .statistics(statistic.clone())
            .send()
            .await;
        let out = plain(out, "cloudwatch", "GetMetricStatistics")?;
        let mut points: Vec<Datapoint> = out
            .datapoints()
            .iter()
            .filter_map(|d| {
                let value = match statistic {
                    Statistic::Average => d.average(),
                    Statistic::Minimum => d.minimum(),
                    Statistic::Sum => d.sum(),
                    Statistic::SampleCount => d.sample_count(),
                    _ => d.maximum(),
                }?;
                Some(Datapoint {
                    at: d.timestamp().map(system_time)?,
                    value,
                })
            })
            .collect();
        points.sort_by_key(|p| p.at);
        Ok(points)
    }

    async fn alarm(&self, name: &str) -> Result<Option<Alarm>> {
        let out = self.client.describe_alarms().alarm_names(name).send().await;
        let out = plain(out, "cloudwatch", "DescribeAlarms")?;
        let metric = out.metric_alarms().first().map(|a| Alarm {
            name: name.to_string(),
            state: state(a.state_value()),
            reason: a.state_reason().unwrap_or_default().to_string(),
        });
        let composite = || {
            out.composite_alarms().first().map(|a| Alarm {
                name: name.to_string(),
                state: state(a.state_value()),
                reason: a.state_reason().unwrap_or_default().to_string(),
            })
        };
        Ok(metric.or_else(composite))
    }

    async fn put_datum(&self, datum: &MetricDatum) -> Result<()> {
        let aws = AwsDatum::builder()
            .metric_name(&datum.metric)
            .set_dimensions(Some(dimensions(&datum.dimensions)))
            .timestamp(aws_time(datum.at))
            .value(datum.value)
            .storage_resolution(if datum.high_resolution { 1 } else { 60 })
            .build();
        let out = self
            .client
            .put_metric_data()
            .namespace(&datum.namespace)
            .metric_data(aws)
            .send()
            .await;
        plain(out, "cloudwatch", "PutMetricData")?;
        Ok(())
    }
}
