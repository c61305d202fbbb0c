//! Retry and Catch: the error handling of Task, Parallel and Map.

use serde::{Deserialize, Serialize};
use serde_json::{Map as JsonMap, Number, Value};
use serde_with::rust::double_option;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorHandling {
    #[serde(rename = "Retry", default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Vec<Retrier>>,
    #[serde(rename = "Catch", default, skip_serializing_if = "Option::is_none")]
    pub catch: Option<Vec<Catcher>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retrier {
    #[serde(rename = "ErrorEquals")]
    pub error_equals: Vec<String>,
    #[serde(
        rename = "IntervalSeconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub interval_seconds: Option<Number>,
    #[serde(
        rename = "MaxAttempts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_attempts: Option<Number>,
    #[serde(
        rename = "BackoffRate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub backoff_rate: Option<Number>,
    #[serde(
        rename = "MaxDelaySeconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_delay_seconds: Option<Number>,
    #[serde(
        rename = "JitterStrategy",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub jitter_strategy: Option<JitterStrategy>,
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Retrier {
    /// `IntervalSeconds`, default 1.
    pub fn interval(&self) -> f64 {
        self.interval_seconds
            .as_ref()
            .and_then(Number::as_f64)
            .unwrap_or(1.0)
    }
    /// `MaxAttempts`, default 3.
    pub fn attempts(&self) -> u64 {
        self.max_attempts
            .as_ref()
            .and_then(Number::as_u64)
            .unwrap_or(3)
    }
    /// `BackoffRate`, default 2.0.
    pub fn backoff(&self) -> f64 {
        self.backoff_rate
            .as_ref()
            .and_then(Number::as_f64)
            .unwrap_or(2.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JitterStrategy {
    #[serde(rename = "FULL")]
    Full,
    #[serde(rename = "NONE")]
    None,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catcher {
    #[serde(rename = "ErrorEquals")]
    pub error_equals: Vec<String>,
    #[serde(rename = "Next")]
    pub next: String,
    #[serde(
        rename = "ResultPath",
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub result_path: Option<Option<String>>,
    /// JSONata: output of the catcher (`$states.errorOutput` is the error).
    #[serde(rename = "Output", default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(rename = "Assign", default, skip_serializing_if = "Option::is_none")]
    pub assign: Option<JsonMap<String, Value>>,
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}
