//! Starting workflows: Step Functions executions, by name.

use crate::error::Result;
use async_trait::async_trait;

/// What `start_execution` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// A new execution (or, on AWS, the very same start repeated while it runs: StartExecution is
    /// idempotent for the same name and input).
    Started { execution_arn: String },
    /// An execution with this name exists already (running with another input, or closed).
    AlreadyExists,
}

/// An execution as `describe_execution` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionSummary {
    pub execution_arn: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`, …
    pub status: String,
}

#[async_trait]
pub trait Workflows: Send + Sync {
    /// Starts an execution of `state_machine_arn` named `name` with `input_json`.
    /// Fails with `StateMachineNotFound`.
    async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input_json: &str,
    ) -> Result<StartOutcome>;

    /// The execution, or `None` when there is none with this ARN.
    async fn describe_execution(&self, execution_arn: &str) -> Result<Option<ExecutionSummary>>;

    /// Answers a waiting task. `false` when the token is no longer waited on (the task timed
    /// out, or its execution ended): nothing to wake.
    async fn send_task_success(&self, task_token: &str, output_json: &str) -> Result<bool>;
}
