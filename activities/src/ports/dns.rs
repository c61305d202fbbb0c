//! DNS records and health checks (Route 53).

use crate::error::Result;
use async_trait::async_trait;

/// One resource record set. Names are compared without their trailing dot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordSet {
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, …
    pub record_type: String,
    pub set_identifier: Option<String>,
    /// `PRIMARY` or `SECONDARY` for failover routing.
    pub failover: Option<String>,
    pub ttl: Option<i64>,
    pub values: Vec<String>,
    pub alias: Option<AliasTarget>,
    pub health_check_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AliasTarget {
    pub dns_name: String,
    pub hosted_zone_id: String,
    pub evaluate_target_health: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeStatus {
    Pending,
    InSync,
}

/// What one Route 53 health checker last saw.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckerObservation {
    pub checker_region: String,
    pub healthy: bool,
}

#[async_trait]
pub trait Dns: Send + Sync {
    /// The record sets of `name` and `record_type` (every set identifier). Fails with
    /// `HostedZoneNotFound`.
    async fn records(&self, zone: &str, name: &str, record_type: &str) -> Result<Vec<RecordSet>>;
    /// UPSERTs the records in one change batch; returns the change id.
    async fn upsert(&self, zone: &str, records: &[RecordSet], comment: &str) -> Result<String>;
    async fn change_status(&self, change_id: &str) -> Result<ChangeStatus>;
    /// The last observation of every checker. Fails with `HealthCheckNotFound`.
    async fn health_check_status(&self, id: &str) -> Result<Vec<CheckerObservation>>;
}
