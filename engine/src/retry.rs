//! Retry and Catch, as the AWS guide "Handling errors in Step Functions workflows" describes them.
//! The rules, with the guide's words:
//!
//! - Retriers are scanned in order and the first whose `ErrorEquals` names the error decides;
//!   "A retrier's parameters apply across all visits to the retrier in the context of a
//!   single-state execution": each retrier counts its own attempts, and once the matching retrier
//!   is exhausted the error goes to the catchers (the guide's "complex retry scenario").
//! - `IntervalSeconds` (default 1) before the first retry, multiplied by `BackoffRate` (default
//!   2.0) after each, "up to which a retry interval can increase": `MaxDelaySeconds`.
//!   `MaxAttempts` defaults to 3; "A value of 0 specifies that the error is never retried".
//! - `JitterStrategy: FULL`: "the first retry interval is randomized between 0 and 2 seconds,
//!   the second retry interval is randomized between 0 and 4 seconds" — uniform in
//!   `[0, interval]`, drawn from the execution's seeded source.
//! - "Step Functions uses any appropriate retriers first, and only afterward applies the
//!   matching catcher transition if the retry policy fails to resolve the error."
//! - `States.ALL` "matches any known error name" but "cannot catch the
//!   `States.DataLimitExceeded` terminal error or `Runtime` error types"; "A `States.Runtime`
//!   error isn't retriable, and will always cause the execution to fail" (see
//!   [`Failure::is_terminal`]).
//! - `States.TaskFailed` "acts as a wildcard that matches any known error name except for
//!   `States.Timeout`". A heartbeat timeout is a timeout too (`States.Timeout` is "Reported when
//!   a Task state runs longer than the TimeoutSeconds value or failed to send a heartbeat for a
//!   period longer than the HeartbeatSeconds value"), so `States.TaskFailed` does not match
//!   `States.HeartbeatTimeout` and `States.Timeout` does.

use crate::data::RandomSource;
use crate::error::{names, Failure};
use wfc_compiler::asl::{Catcher, JitterStrategy, Retrier};

/// Whether one `ErrorEquals` entry matches an error name.
pub(crate) fn error_matches(pattern: &str, error: &str) -> bool {
    match pattern {
        _ if pattern == error => true,
        names::ALL => true,
        names::TASK_FAILED => error != names::TIMEOUT && error != names::HEARTBEAT_TIMEOUT,
        names::TIMEOUT => error == names::HEARTBEAT_TIMEOUT,
        _ => false,
    }
}

fn handles(error_equals: &[String], failure: &Failure) -> bool {
    !failure.is_terminal()
        && error_equals
            .iter()
            .any(|p| error_matches(p, failure.name()))
}

/// The retry policy of one state execution: how many times each retrier has retried.
pub(crate) struct RetryState<'a> {
    retriers: &'a [Retrier],
    attempts: Vec<u64>,
}

impl<'a> RetryState<'a> {
    pub fn new(retriers: &'a [Retrier]) -> RetryState<'a> {
        RetryState {
            retriers,
            attempts: vec![0; retriers.len()],
        }
    }

    /// The wait in seconds before retrying after `failure`, or `None` when the error goes on
    /// to the catchers.
    pub fn next_delay(&mut self, failure: &Failure, random: &mut dyn RandomSource) -> Option<f64> {
        let index = self
            .retriers
            .iter()
            .position(|r| handles(&r.error_equals, failure))?;
        let retrier = &self.retriers[index];
        let done = self.attempts[index];
        if done >= retrier.attempts() {
            return None;
        }
        self.attempts[index] += 1;
        Some(delay(retrier, done, random))
    }
}

/// The interval before retry number `done + 1` of this retrier.
fn delay(retrier: &Retrier, done: u64, random: &mut dyn RandomSource) -> f64 {
    let exponent = i32::try_from(done).unwrap_or(i32::MAX);
    let mut seconds = retrier.interval() * retrier.backoff().powi(exponent);
    if let Some(max) = retrier
        .max_delay_seconds
        .as_ref()
        .and_then(serde_json::Number::as_f64)
    {
        seconds = seconds.min(max);
    }
    if retrier.jitter_strategy == Some(JitterStrategy::Full) {
        // Uniform in [0, seconds]: 53 random bits, the precision of an f64 in [0, 1).
        let unit = (random.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        seconds *= unit;
    }
    seconds
}

/// The first catcher that handles `failure`, with its place in `Catch`.
pub(crate) fn find_catcher<'a>(
    catchers: &'a [Catcher],
    failure: &Failure,
) -> Option<(usize, &'a Catcher)> {
    catchers
        .iter()
        .enumerate()
        .find(|(_, c)| handles(&c.error_equals, failure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SeededRandom;
    use serde_json::json;

    fn retrier(value: serde_json::Value) -> Retrier {
        serde_json::from_value(value).unwrap()
    }

    fn fail(error: &str) -> Failure {
        Failure::new(error, "")
    }

    #[test]
    fn wildcards_follow_the_guide() {
        assert!(error_matches("States.ALL", "Custom"));
        assert!(error_matches("States.TaskFailed", "Lambda.Unknown"));
        assert!(!error_matches("States.TaskFailed", "States.Timeout"));
        assert!(!error_matches(
            "States.TaskFailed",
            "States.HeartbeatTimeout"
        ));
        assert!(error_matches("States.Timeout", "States.HeartbeatTimeout"));
        assert!(!error_matches("ErrorA", "ErrorB"));
        for terminal in ["States.Runtime", "States.DataLimitExceeded"] {
            assert!(!handles(&["States.ALL".into()], &fail(terminal)));
            assert!(!handles(&[terminal.into()], &fail(terminal)));
            assert!(!handles(&["States.TaskFailed".into()], &fail(terminal)));
        }
    }

    /// The guide's example: ErrorA, ErrorB, ErrorC, ErrorB → waits 1, 2, 5, 4, then the catcher
    /// (the first retrier is exhausted after two retries).
    #[test]
    fn each_retrier_counts_its_own_attempts() {
        let retriers = vec![
            retrier(
                json!({"ErrorEquals": ["ErrorA", "ErrorB"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 2}),
            ),
            retrier(json!({"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5})),
        ];
        let mut state = RetryState::new(&retriers);
        let mut random = SeededRandom::new(1);
        let waits: Vec<Option<f64>> = ["ErrorA", "ErrorB", "ErrorC", "ErrorB"]
            .iter()
            .map(|e| state.next_delay(&fail(e), &mut random))
            .collect();
        assert_eq!(waits, vec![Some(1.0), Some(2.0), Some(5.0), None]);
    }

    #[test]
    fn backoff_max_delay_and_zero_attempts() {
        let capped = [retrier(
            json!({"ErrorEquals": ["X"], "IntervalSeconds": 3, "MaxAttempts": 3, "BackoffRate": 2, "MaxDelaySeconds": 5}),
        )];
        let mut state = RetryState::new(&capped);
        let mut random = SeededRandom::new(1);
        let waits: Vec<_> = (0..4)
            .map(|_| state.next_delay(&fail("X"), &mut random))
            .collect();
        assert_eq!(waits, vec![Some(3.0), Some(5.0), Some(5.0), None]);

        let never = [retrier(json!({"ErrorEquals": ["X"], "MaxAttempts": 0}))];
        assert_eq!(
            RetryState::new(&never).next_delay(&fail("X"), &mut random),
            None
        );
    }

    #[test]
    fn full_jitter_stays_within_the_interval_and_is_seeded() {
        let jittered = [retrier(
            json!({"ErrorEquals": ["X"], "IntervalSeconds": 2, "MaxAttempts": 3, "JitterStrategy": "FULL"}),
        )];
        let draw = |seed| {
            let mut state = RetryState::new(&jittered);
            let mut random = SeededRandom::new(seed);
            (0..3)
                .map(|_| state.next_delay(&fail("X"), &mut random).unwrap())
                .collect::<Vec<f64>>()
        };
        let waits = draw(42);
        assert_eq!(waits, draw(42));
        assert_ne!(waits, draw(43));
        for (i, w) in waits.iter().enumerate() {
            assert!((0.0..=2.0 * 2f64.powi(i as i32)).contains(w), "{waits:?}");
        }
    }
}
