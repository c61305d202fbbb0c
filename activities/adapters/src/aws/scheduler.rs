//! `Schedules` on EventBridge Scheduler.
//!
//! `UpdateSchedule` replaces the whole schedule: a field left out is reset to its default (no
//! target input, no retry policy, UTC…). So a state change sends back everything `GetSchedule`
//! returned, the state alone changed.

use super::{optional, plain};
use async_trait::async_trait;
use aws_sdk_scheduler::types::ScheduleState;
use std::time::SystemTime;
use wfc_activities::error::Result;
use wfc_activities::ports::background_jobs::Schedules;

pub struct AwsSchedules {
    scheduler: aws_sdk_scheduler::Client,
}

impl AwsSchedules {
    pub fn new(scheduler: aws_sdk_scheduler::Client) -> Self {
        AwsSchedules { scheduler }
    }

    async fn get(
        &self,
        group: &str,
        name: &str,
    ) -> Result<Option<aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput>> {
        let out = self
            .scheduler
            .get_schedule()
            .group_name(group)
            .name(name)
            .send()
            .await;
        optional(
            out,
            &["ResourceNotFoundException"],
            "scheduler",
            "GetSchedule",
        )
    }
}

#[async_trait]
impl Schedules for AwsSchedules {
    async fn schedule_enabled(&self, group: &str, name: &str) -> Result<Option<bool>> {
        let schedule = self.get(group, name).await?;
        Ok(schedule.map(|s| s.state() == Some(&ScheduleState::Enabled)))
    }

    async fn set_schedule_enabled(&self, group: &str, name: &str, enabled: bool) -> Result<()> {
        let Some(s) = self.get(group, name).await? else {
            // Deleted between the read and now: the caller read it a moment ago, so say so.
            return Err(wfc_activities::error::ActivityError::JobRunnerNotFound {
                runner: format!("schedule {group}/{name}"),
            });
        };
        let state = if enabled {
            ScheduleState::Enabled
        } else {
            ScheduleState::Disabled
        };
        // A start date in the past is refused on update ("cannot be earlier than 5 minutes
        // ago"); for a schedule that has started, no start date means the same.
        let start_date = s
            .start_date()
            .filter(|d| super::system_time(d) > SystemTime::now())
            .cloned();
        let out = self
            .scheduler
            .update_schedule()
            .group_name(group)
            .name(name)
            .state(state)
            .set_schedule_expression(s.schedule_expression().map(str::to_string))
            .set_schedule_expression_timezone(s.schedule_expression_timezone().map(str::to_string))
            .set_flexible_time_window(s.flexible_time_window().cloned())
            .set_target(s.target().cloned())
            .set_description(s.description().map(str::to_string))
            .set_start_date(start_date)
            .set_end_date(s.end_date().cloned())
            .set_kms_key_arn(s.kms_key_arn().map(str::to_string))
            .set_action_after_completion(s.action_after_completion().cloned())
            .send()
            .await;
        plain(out, "scheduler", "UpdateSchedule").map(|_| ())
    }
}
