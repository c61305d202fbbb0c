//! CloudWatch: metric datapoints (replica lag, replication backlog), alarm states, and the
//! datapoints the activities publish (the endpoint probe's).

use crate::error::Result;
use async_trait::async_trait;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    /// How far back from now.
    pub window: Duration,
    pub period_seconds: i32,
    /// `Maximum`, `Average`, …
    pub statistic: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datapoint {
    pub at: SystemTime,
    pub value: f64,
}

/// One datapoint to publish (`PutMetricData`).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDatum {
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    pub at: SystemTime,
    pub value: f64,
    /// Stored at one-second resolution (`StorageResolution` 1), so alarms may use 10 s periods.
    pub high_resolution: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

impl AlarmState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub name: String,
    pub state: AlarmState,
    pub reason: String,
}

#[async_trait]
pub trait Metrics: Send + Sync {
    /// Datapoints in time order (oldest first); empty when the metric has none in the window.
    async fn datapoints(&self, query: &MetricQuery) -> Result<Vec<Datapoint>>;
    async fn alarm(&self, name: &str) -> Result<Option<Alarm>>;
    async fn put_datum(&self, datum: &MetricDatum) -> Result<()>;
}
