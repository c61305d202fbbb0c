//! `pause_background_jobs`, `resume_background_jobs`, `check_background_jobs`: WP-Cron and Action
//! Scheduler must run in exactly one region (renewal charges, emails and outbound webhooks run
//! twice otherwise). Every region has `DISABLE_WP_CRON` and one runner, by configuration: an
//! EventBridge Scheduler schedule (`ENABLED`/`DISABLED`) or an ECS worker service (desired count
//! 0 when paused). Fencing pauses the old region's runner; the new region's starts only once the
//! database is writable and the app repointed. Preflight checks that exactly one runs.
//!
//! Pause reports `running: false` as soon as the control plane accepted the change: a run that
//! had already started goes on (a schedule only stops future invocations; ECS stops tasks with
//! SIGTERM and its stop timeout). An action it leaves `in-progress` is marked failed by Action
//! Scheduler after `action_scheduler_failure_period` (300 s) and is not retried (reference §2.3).

use crate::aws_errors;
use crate::error::{ActivityError, Result};
use crate::ports::background_jobs::Schedules;
use crate::ports::compute::ComputeTarget;
use crate::ports::Compute;
use crate::validate::{self, Validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

/// Schedules in any region: the fencing step pauses the old region's runner from the DR region.
pub const SCHEDULE_ANY_REGION: &str = "arn:${Partition}:scheduler:*:${Account}:schedule/*/*";
pub const ECS_SERVICE_ANY_REGION: &str = "arn:${Partition}:ecs:*:${Account}:service/*/*";
/// `UpdateSchedule` sends the schedule's target role back, which IAM checks as a pass of it.
pub const ROLE: &str = "arn:${Partition}:iam::${Account}:role/*";

/// The one runner of WP-Cron and Action Scheduler in a region (`DISABLE_WP_CRON` everywhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum JobRunner {
    /// An EventBridge Scheduler schedule that runs `wp cron event run --due-now` /
    /// `wp action-scheduler run` (state `ENABLED`/`DISABLED`).
    Scheduler {
        schedule_name: String,
        #[serde(default = "default_group")]
        group_name: String,
    },
    /// An ECS worker service (desired count 0 when paused).
    EcsService {
        cluster: String,
        service: String,
        /// Tasks when running, 1–100.
        #[serde(default = "one")]
        desired_count: u32,
    },
}

fn default_group() -> String {
    "default".into()
}

fn one() -> u32 {
    1
}

impl std::fmt::Display for JobRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobRunner::Scheduler {
                schedule_name,
                group_name,
            } => write!(f, "schedule {group_name}/{schedule_name}"),
            JobRunner::EcsService {
                cluster, service, ..
            } => write!(f, "ECS service {cluster}/{service}"),
        }
    }
}

impl JobRunner {
    fn validate(&self, field: &str) -> Result<()> {
        match self {
            JobRunner::Scheduler {
                schedule_name,
                group_name,
            } => {
                schedule_part(&format!("{field}.schedule_name"), schedule_name)?;
                schedule_part(&format!("{field}.group_name"), group_name)
            }
            JobRunner::EcsService {
                cluster,
                service,
                desired_count,
            } => {
                validate::non_empty(&format!("{field}.cluster"), cluster)?;
                validate::non_empty(&format!("{field}.service"), service)?;
                validate::range(&format!("{field}.desired_count"), *desired_count, 1, 100)
            }
        }
    }

    fn ecs_target(cluster: &str, service: &str) -> ComputeTarget {
        ComputeTarget::EcsService {
            cluster: cluster.into(),
            service: service.into(),
        }
    }

    fn not_found(&self) -> ActivityError {
        ActivityError::JobRunnerNotFound {
            runner: self.to_string(),
        }
    }
}

/// A schedule or group name: 1–64 letters, digits, `-`, `_`, `.` (the Scheduler API's pattern).
fn schedule_part(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !ok {
        return Err(ActivityError::invalid(
            field,
            "must be 1-64 letters, digits, `-`, `_` or `.`",
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackgroundJobsInput {
    pub runner: JobRunner,
    /// Region of the runner; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
}

impl Validate for BackgroundJobsInput {
    fn validate(&self) -> Result<()> {
        self.runner.validate("runner")?;
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackgroundJobsOutput {
    /// e.g. `schedule default/woo-cron-use1` or `ECS service woo/woo-worker`.
    pub runner: String,
    pub was_running: bool,
    pub running: bool,
    pub changed: bool,
}

/// Whether the runner runs now: a schedule `ENABLED`, a service with desired count above 0.
pub async fn is_running(
    runner: &JobRunner,
    schedules: &dyn Schedules,
    compute: &dyn Compute,
) -> Result<bool> {
    match runner {
        JobRunner::Scheduler {
            schedule_name,
            group_name,
        } => schedules
            .schedule_enabled(group_name, schedule_name)
            .await?
            .ok_or_else(|| runner.not_found()),
        JobRunner::EcsService {
            cluster, service, ..
        } => {
            let capacity = compute
                .capacity(&JobRunner::ecs_target(cluster, service))
                .await?
                .ok_or_else(|| runner.not_found())?;
            Ok(capacity.desired > 0)
        }
    }
}

/// Pause or resume; nothing is written when the runner is as asked already.
async fn set_running(
    input: BackgroundJobsInput,
    running: bool,
    schedules: &dyn Schedules,
    compute: &dyn Compute,
) -> Result<BackgroundJobsOutput> {
    input.validate()?;
    let runner = &input.runner;
    let (was_running, changed) = match runner {
        JobRunner::Scheduler {
            schedule_name,
            group_name,
        } => {
            let enabled = schedules
                .schedule_enabled(group_name, schedule_name)
                .await?
                .ok_or_else(|| runner.not_found())?;
            let changed = enabled != running;
            if changed {
                schedules
                    .set_schedule_enabled(group_name, schedule_name, running)
                    .await?;
            }
            (enabled, changed)
        }
        JobRunner::EcsService {
            cluster,
            service,
            desired_count,
        } => {
            let target = JobRunner::ecs_target(cluster, service);
            let before = compute
                .capacity(&target)
                .await?
                .ok_or_else(|| runner.not_found())?;
            // Resuming sets the configured count, also over a different non-zero one.
            let wanted = if running { *desired_count } else { 0 };
            let changed = before.desired != wanted;
            if changed {
                compute.set_desired(&target, wanted).await?;
            }
            (before.desired > 0, changed)
        }
    };
    Ok(BackgroundJobsOutput {
        runner: runner.to_string(),
        was_running,
        running,
        changed,
    })
}

/// `pause_background_jobs`: the runner stops (schedule `DISABLED`, service desired count 0).
pub async fn pause(
    input: BackgroundJobsInput,
    schedules: &dyn Schedules,
    compute: &dyn Compute,
) -> Result<BackgroundJobsOutput> {
    set_running(input, false, schedules, compute).await
}

/// `resume_background_jobs`: the runner starts (schedule `ENABLED`, service `desired_count`).
pub async fn resume(
    input: BackgroundJobsInput,
    schedules: &dyn Schedules,
    compute: &dyn Compute,
) -> Result<BackgroundJobsOutput> {
    set_running(input, true, schedules, compute).await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionRunner {
    pub region: String,
    pub runner: JobRunner,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBackgroundJobsInput {
    /// Every region's runner (1–10).
    pub runners: Vec<RegionRunner>,
}

impl Validate for CheckBackgroundJobsInput {
    fn validate(&self) -> Result<()> {
        validate::list("runners", &self.runners, 10)?;
        for (i, r) in self.runners.iter().enumerate() {
            validate::region(&format!("runners[{i}].region"), &r.region)?;
            r.runner.validate(&format!("runners[{i}].runner"))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckBackgroundJobsOutput {
    /// The region of each runner that runs, in input order.
    pub running_in: Vec<String>,
    /// Exactly one runner runs.
    pub exactly_one: bool,
    pub detail: String,
}

/// `check_background_jobs` (read-only, for preflight): which runners run. A runner that does not
/// exist is `JobRunnerNotFound` (a failover could not start it). `ports(region)` gives the
/// adapters of a region.
pub async fn check<S, C, F>(
    input: CheckBackgroundJobsInput,
    ports: F,
) -> Result<CheckBackgroundJobsOutput>
where
    S: Schedules,
    C: Compute,
    F: Fn(&str) -> (S, C),
{
    input.validate()?;
    let mut running_in = Vec::new();
    let mut described = Vec::new();
    for RegionRunner { region, runner } in &input.runners {
        let (schedules, compute) = ports(region);
        let running = is_running(runner, &schedules, &compute).await?;
        if running {
            running_in.push(region.clone());
        }
        let state = if running { "running" } else { "paused" };
        described.push(format!("{region}: {runner} {state}"));
    }
    let exactly_one = running_in.len() == 1;
    let verdict = match running_in.len() {
        0 => "no region runs background jobs (renewals, webhooks and emails wait)".to_string(),
        1 => format!("only {} runs background jobs", running_in[0]),
        _ => format!(
            "background jobs run in {}: renewals may be charged twice",
            running_in.join(" and ")
        ),
    };
    Ok(CheckBackgroundJobsOutput {
        running_in,
        exactly_one,
        detail: format!("{verdict} ({})", described.join("; ")),
    })
}

pub struct PauseBackgroundJobs;
pub struct ResumeBackgroundJobs;
pub struct CheckBackgroundJobs;

fn runner_permissions(write: bool) -> Vec<Permission> {
    if !write {
        return vec![
            Permission::new(&["scheduler:GetSchedule"], &[SCHEDULE_ANY_REGION]),
            Permission::new(&["ecs:DescribeServices"], &[ECS_SERVICE_ANY_REGION]),
        ];
    }
    vec![
        Permission::new(
            &["scheduler:GetSchedule", "scheduler:UpdateSchedule"],
            &[SCHEDULE_ANY_REGION],
        ),
        Permission::new(&["iam:PassRole"], &[ROLE]),
        Permission::new(
            &["ecs:DescribeServices", "ecs:UpdateService"],
            &[ECS_SERVICE_ANY_REGION],
        ),
    ]
}

impl Activity for PauseBackgroundJobs {
    const NAME: &'static str = "pause_background_jobs";
    const ERRORS: &'static [&'static str] = aws_errors![JobRunnerNotFound];
    type Input = BackgroundJobsInput;
    type Output = BackgroundJobsOutput;
    fn permissions() -> Vec<Permission> {
        runner_permissions(true)
    }
}

impl Activity for ResumeBackgroundJobs {
    const NAME: &'static str = "resume_background_jobs";
    const ERRORS: &'static [&'static str] = aws_errors![JobRunnerNotFound];
    type Input = BackgroundJobsInput;
    type Output = BackgroundJobsOutput;
    fn permissions() -> Vec<Permission> {
        runner_permissions(true)
    }
}

impl Activity for CheckBackgroundJobs {
    const NAME: &'static str = "check_background_jobs";
    const ERRORS: &'static [&'static str] = aws_errors![JobRunnerNotFound];
    type Input = CheckBackgroundJobsInput;
    type Output = CheckBackgroundJobsOutput;
    fn permissions() -> Vec<Permission> {
        runner_permissions(false)
    }
}
