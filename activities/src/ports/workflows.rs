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

/// A running execution as `running_executions` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningExecution {
    pub execution_arn: String,
    pub name: String,
    /// When it started, in milliseconds since the Unix epoch (Step Functions' `startDate`).
    pub start_millis: i64,
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

    /// The executions of `state_machine_arn` (unqualified) that are running now.
    async fn running_executions(&self, state_machine_arn: &str) -> Result<Vec<RunningExecution>>;

    /// The execution, or `None` when there is none with this ARN.
    async fn describe_execution(&self, execution_arn: &str) -> Result<Option<ExecutionSummary>>;

    /// Answers a waiting task. `false` when the token is no longer waited on (the task timed
    /// out, or its execution ended): nothing to wake.
    async fn send_task_success(&self, task_token: &str, output_json: &str) -> Result<bool>;
}

/// A state machine's ARN without a version or alias qualifier
/// (`arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:QUALIFIER]`).
pub fn unqualified(state_machine_arn: &str) -> &str {
    match state_machine_arn.match_indices(':').nth(6) {
        Some((at, _)) => &state_machine_arn[..at],
        None => state_machine_arn,
    }
}
