//! CloudWatch: metric datapoints (replica lag, replication backlog) and alarm states.

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
}
