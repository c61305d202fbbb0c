//! Retry and Catch builders, with the defaults an SRE would pick.

use crate::asl::{JitterStrategy, Retrier};
use crate::check::TRANSIENT_LAMBDA_ERRORS;
use serde_json::Number;

/// A retrier under construction.
#[derive(Clone)]
pub struct Retry {
    retrier: Retrier,
}

impl Retry {
    /// Retries the named errors with AWS's defaults (1 s, 3 attempts, backoff 2).
    pub fn on(errors: &[&str]) -> Retry {
        Retry {
            retrier: Retrier {
                error_equals: errors.iter().map(|e| e.to_string()).collect(),
                ..Default::default()
            },
        }
    }

    /// Retries every retryable error (`States.ALL`); it must be the last retrier.
    pub fn all() -> Retry {
        Retry::on(&["States.ALL"])
    }

    /// The transient Lambda errors AWS recommends retrying: 2 s, 6 attempts, backoff 2, full jitter.
    pub fn transient_lambda() -> Retry {
        Retry::on(TRANSIENT_LAMBDA_ERRORS)
            .interval(2)
            .max_attempts(6)
            .backoff(2.0)
            .jitter()
    }

    pub fn interval(mut self, seconds: u64) -> Retry {
        self.retrier.interval_seconds = Some(seconds.into());
        self
    }
    pub fn max_attempts(mut self, attempts: u64) -> Retry {
        self.retrier.max_attempts = Some(attempts.into());
        self
    }
    pub fn backoff(mut self, rate: f64) -> Retry {
        self.retrier.backoff_rate = Number::from_f64(rate);
        self
    }
    pub fn max_delay(mut self, seconds: u64) -> Retry {
        self.retrier.max_delay_seconds = Some(seconds.into());
        self
    }
    /// Full jitter, so parallel executions do not retry in lockstep.
    pub fn jitter(mut self) -> Retry {
        self.retrier.jitter_strategy = Some(JitterStrategy::Full);
        self
    }
    pub fn comment(mut self, comment: &str) -> Retry {
        self.retrier.comment = Some(comment.into());
        self
    }

    pub(crate) fn into_retrier(self) -> Retrier {
        self.retrier
    }
}

/// A catcher under construction (its handler is given to `catch`).
#[derive(Clone)]
pub struct Catch {
    pub(crate) errors: Vec<String>,
    /// `None`: the error output replaces the input; `Some(path)`: placed at that path.
    pub(crate) result_path: Option<String>,
}

impl Catch {
    pub fn on(errors: &[&str]) -> Catch {
        Catch {
            errors: errors.iter().map(|e| e.to_string()).collect(),
            result_path: None,
        }
    }
    /// Catches everything `States.ALL` catches; it must be the last catcher.
    pub fn all() -> Catch {
        Catch::on(&["States.ALL"])
    }
    /// Keeps the input and puts `{Error, Cause}` at `path` (e.g. `$.error`).
    pub fn result_path(mut self, path: &str) -> Catch {
        self.result_path = Some(path.to_string());
        self
    }
}
