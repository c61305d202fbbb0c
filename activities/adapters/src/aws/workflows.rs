//! `Workflows` on Step Functions.

use super::AwsFailure;
use async_trait::async_trait;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::workflows::{
    ExecutionSummary, RunningExecution, StartOutcome, Workflows,
};

pub struct AwsWorkflows {
    sfn: aws_sdk_sfn::Client,
}

impl AwsWorkflows {
    pub fn new(sfn: aws_sdk_sfn::Client) -> Self {
        AwsWorkflows { sfn }
    }
}

#[async_trait]
impl Workflows for AwsWorkflows {
    async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input_json: &str,
    ) -> Result<StartOutcome> {
        let out = self
            .sfn
            .start_execution()
            .state_machine_arn(state_machine_arn)
            .name(name)
            .input(input_json)
            .send()
            .await;
        match out {
            Ok(out) => Ok(StartOutcome::Started {
                execution_arn: out.execution_arn().to_string(),
            }),
            Err(e) => {
                let failure = AwsFailure::new(e);
                match failure.code() {
                    "ExecutionAlreadyExists" => Ok(StartOutcome::AlreadyExists),
                    "StateMachineDoesNotExist" | "StateMachineDeleting" => {
                        Err(ActivityError::StateMachineNotFound {
                            arn: state_machine_arn.into(),
                        })
                    }
                    _ => Err(failure.into_error("states", "StartExecution")),
                }
            }
        }
    }

    async fn running_executions(&self, state_machine_arn: &str) -> Result<Vec<RunningExecution>> {
        let mut pages = self
            .sfn
            .list_executions()
            .state_machine_arn(state_machine_arn)
            .status_filter(aws_sdk_sfn::types::ExecutionStatus::Running)
            .into_paginator()
            .send();
        let mut running = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| AwsFailure::new(e).into_error("states", "ListExecutions"))?;
            running.extend(page.executions().iter().map(|e| RunningExecution {
                execution_arn: e.execution_arn().to_string(),
                name: e.name().to_string(),
                start_millis: e.start_date().to_millis().unwrap_or_default(),
            }));
        }
        Ok(running)
    }

    async fn describe_execution(&self, execution_arn: &str) -> Result<Option<ExecutionSummary>> {
        let out = super::optional(
            self.sfn
                .describe_execution()
                .execution_arn(execution_arn)
                .send()
                .await,
            &["ExecutionDoesNotExist"],
            "states",
            "DescribeExecution",
        )?;
        Ok(out.map(|out| ExecutionSummary {
            execution_arn: out.execution_arn().to_string(),
            status: out.status().as_str().to_string(),
        }))
    }

    async fn send_task_success(&self, task_token: &str, output_json: &str) -> Result<bool> {
        let out = self
            .sfn
            .send_task_success()
            .task_token(task_token)
            .output(output_json)
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) => {
                let failure = AwsFailure::new(e);
                match failure.code() {
                    "TaskTimedOut" | "TaskDoesNotExist" | "InvalidToken" => Ok(false),
                    _ => Err(failure.into_error("states", "SendTaskSuccess")),
                }
            }
        }
    }
}
