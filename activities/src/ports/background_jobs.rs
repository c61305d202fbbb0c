//! The background-jobs runner's schedule: an EventBridge Scheduler schedule that runs WP-Cron and
//! Action Scheduler (`wp cron event run --due-now`, `wp action-scheduler run`) in one region.
//! An ECS worker service runner goes through [`super::Compute`] (desired count) instead.

use crate::error::Result;
use async_trait::async_trait;

#[async_trait]
pub trait Schedules: Send + Sync {
    /// Whether the schedule is `ENABLED`; `Ok(None)`: no such schedule (or group).
    async fn schedule_enabled(&self, group: &str, name: &str) -> Result<Option<bool>>;
    /// Sets the schedule `ENABLED` or `DISABLED`, keeping everything else about it (target,
    /// expression, time zone, flexible window, …) as it is.
    async fn set_schedule_enabled(&self, group: &str, name: &str, enabled: bool) -> Result<()>;
}
