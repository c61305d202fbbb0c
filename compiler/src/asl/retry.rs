//! Retry and Catch: the error handling of Task, Parallel and Map.

use serde::{Deserialize, Serialize};
use serde_json::{Map as JsonMap, Number, Value};
use serde_with::rust::double_option;

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorHandling {
    pub retry: Option<Vec<Retrier>>,
    pub catch: Option<Vec<Catcher>>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: Option<Number>,
    pub max_attempts: Option<Number>,
    pub backoff_rate: Option<Number>,
    pub max_delay_seconds: Option<Number>,
    pub jitter_strategy: Option<JitterStrategy>,
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

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: String,
    #[serde(default, with = "double_option")]
    pub result_path: Option<Option<String>>,
    /// JSONata: output of the catcher (`$states.errorOutput` is the error); `null` is a value.
    #[serde(default, deserialize_with = "super::state::present")]
    pub output: Option<Value>,
    pub assign: Option<JsonMap<String, Value>>,
    pub comment: Option<String>,
}
