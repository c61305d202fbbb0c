//! Errors as Step Functions names them: a state fails with an error name and a cause, which
//! Retry and Catch match by name (`retry.rs`) and which end the execution when nothing catches.

use crate::data::DataError;
use serde_json::{json, Value};
use std::fmt;

/// The predefined error names of the Amazon States Language that the engine raises or matches.
pub mod names {
    pub const ALL: &str = "States.ALL";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const RUNTIME: &str = "States.Runtime";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
}

/// A state's failure: the error name Retry/Catch match and the human-readable cause. Either
/// may be absent: a Fail state without `Error`/`Cause` fails with neither (AWS records
/// `"executionFailedEventDetails": {}` for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub error: Option<String>,
    pub cause: Option<String>,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure {
            error: Some(error.into()),
            cause: Some(cause.into()),
        }
    }

    /// The error name Retry and Catch match; empty when there is none (only `States.ALL`,
    /// which matches any error, can handle it).
    pub fn name(&self) -> &str {
        self.error.as_deref().unwrap_or_default()
    }

    pub fn runtime(cause: impl Into<String>) -> Failure {
        Failure::new(names::RUNTIME, cause)
    }

    pub fn query(cause: impl Into<String>) -> Failure {
        Failure::new(names::QUERY_EVALUATION_ERROR, cause)
    }

    /// The error output a Catcher hands on: `{"Error": …, "Cause": …}`.
    pub fn to_error_output(&self) -> Value {
        json!({ "Error": self.error, "Cause": self.cause })
    }

    /// Whether no Retry or Catch may handle this failure, whatever it names.
    ///
    /// AWS, "Handling errors in Step Functions workflows": "A `States.Runtime` error isn't
    /// retriable, and will always cause the execution to fail." and `States.DataLimitExceeded`
    /// is "A terminal error which cannot be caught by the `States.ALL` error type". We read
    /// "terminal" as: no retrier or catcher handles it, even one naming it explicitly.
    pub fn is_terminal(&self) -> bool {
        self.name() == names::RUNTIME || self.name() == names::DATA_LIMIT_EXCEEDED
    }
}

impl From<DataError> for Failure {
    fn from(e: DataError) -> Failure {
        Failure::new(e.error, e.cause)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.name(),
            self.cause.as_deref().unwrap_or_default()
        )
    }
}

impl std::error::Error for Failure {}
