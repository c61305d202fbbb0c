//! Retry and Catch: `ErrorEquals` lists, `States.ALL` alone and last, the predefined error names,
//! retrier numbers, and the lint for Lambda tasks that do not retry transient Lambda errors.

use super::{labelled_states, Sink};
use crate::asl::{Retrier, State, StateMachine};
use crate::diagnostic::{did_you_mean, Diagnostic};

/// The predefined error names (asl.md §1.11).
pub const PREDEFINED_ERRORS: &[&str] = &[
    "States.ALL",
    "States.Timeout",
    "States.HeartbeatTimeout",
    "States.TaskFailed",
    "States.Permissions",
    "States.ResultPathMatchFailure",
    "States.ParameterPathFailure",
    "States.BranchFailed",
    "States.NoChoiceMatched",
    "States.IntrinsicFailure",
    "States.QueryEvaluationError",
    "States.ExceedToleratedFailureThreshold",
    "States.ItemReaderFailed",
    "States.ResultWriterFailed",
    "States.DataLimitExceeded",
    "States.Runtime",
    "States.Http.Socket",
];

/// Transient Lambda errors AWS recommends retrying.
pub const TRANSIENT_LAMBDA_ERRORS: &[&str] = &[
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
];

const MAX_DELAY: u64 = 31_622_400;

pub(super) fn check(machine: &StateMachine, context: &super::CheckContext, sink: &mut Sink) {
    for (label, name, state) in labelled_states(machine) {
        let Some(handling) = state.error_handling() else {
            continue;
        };
        if let Some(declared) = context.task_errors.get(name) {
            activity_error_names(handling, declared, &label, sink);
        }
        if let Some(retriers) = &handling.retry {
            let lists: Vec<&Vec<String>> = retriers.iter().map(|r| &r.error_equals).collect();
            error_lists(&lists, "Retry", &label, sink);
            for (i, retrier) in retriers.iter().enumerate() {
                retrier_numbers(retrier, &format!("Retry[{i}]"), &label, sink);
            }
        }
        if let Some(catchers) = &handling.catch {
            let lists: Vec<&Vec<String>> = catchers.iter().map(|c| &c.error_equals).collect();
            error_lists(&lists, "Catch", &label, sink);
        }
        if let State::Task(task) = state {
            if is_lambda(&task.resource)
                && !retries_transient(handling.retry.as_deref().unwrap_or(&[]))
            {
                sink.push(
                    Diagnostic::lint("no-transient-retry", "this Lambda task does not retry transient Lambda errors (Lambda.ServiceException, Lambda.AWSLambdaException, Lambda.SdkClientException, Lambda.TooManyRequestsException)")
                        .at_state(label.clone())
                        .at_field("Retry")
                        .with_hint("add a retrier for them, e.g. IntervalSeconds 2, MaxAttempts 6, BackoffRate 2"),
                );
            }
        }
    }
}

fn error_lists(lists: &[&Vec<String>], field: &str, label: &str, sink: &mut Sink) {
    let last = lists.len().saturating_sub(1);
    for (i, names) in lists.iter().enumerate() {
        let at = format!("{field}[{i}].ErrorEquals");
        if names.is_empty() {
            sink.push(
                Diagnostic::error(
                    "empty-error-equals",
                    "ErrorEquals must name at least one error",
                )
                .at_state(label)
                .at_field(at.clone()),
            );
        }
        if names.iter().any(|n| n == "States.ALL") {
            if names.len() > 1 {
                sink.push(
                    Diagnostic::error(
                        "states-all-not-alone",
                        "\"States.ALL\" must be the only name in its ErrorEquals",
                    )
                    .at_state(label)
                    .at_field(at.clone())
                    .with_hint("move the other names to an earlier entry"),
                );
            }
            if i != last {
                sink.push(
                    Diagnostic::error(
                        "states-all-not-last",
                        format!("the {field} entry with \"States.ALL\" must be the last one"),
                    )
                    .at_state(label)
                    .at_field(at.clone())
                    .with_hint("entries after it can never match; move it to the end"),
                );
            }
        }
        for name in names.iter() {
            if name.starts_with("States.") && !PREDEFINED_ERRORS.contains(&name.as_str()) {
                sink.push(
                    Diagnostic::error(
                        "unknown-predefined-error",
                        format!(
                            "\"{name}\" is not a predefined error{}",
                            did_you_mean(name, PREDEFINED_ERRORS.iter().copied())
                        ),
                    )
                    .at_state(label)
                    .at_field(at.clone())
                    .with_hint(
                        "names starting with \"States.\" are reserved for the predefined errors",
                    ),
                );
            }
        }
    }
}

fn retrier_numbers(retrier: &Retrier, at: &str, label: &str, sink: &mut Sink) {
    let mut bad = |field: &str, message: String| {
        sink.push(
            Diagnostic::error("invalid-value", message)
                .at_state(label)
                .at_field(format!("{at}.{field}")),
        );
    };
    if let Some(n) = &retrier.interval_seconds {
        if !n
            .as_u64()
            .is_some_and(|v| (1..=super::fields::MAX_SECONDS).contains(&v))
        {
            bad(
                "IntervalSeconds",
                format!("must be a whole number from 1 to 99999999, found {n}"),
            );
        }
    }
    if let Some(n) = &retrier.max_attempts {
        if n.as_u64().is_none_or(|v| v > super::fields::MAX_SECONDS) {
            bad(
                "MaxAttempts",
                format!("must be a whole number from 0 to 99999999, found {n}"),
            );
        }
    }
    if let Some(n) = &retrier.backoff_rate {
        if !n.as_f64().is_some_and(|v| v >= 1.0) {
            bad("BackoffRate", format!("must be at least 1.0, found {n}"));
        }
    }
    if let Some(n) = &retrier.max_delay_seconds {
        if !n.as_u64().is_some_and(|v| (1..=MAX_DELAY).contains(&v)) {
            bad(
                "MaxDelaySeconds",
                format!("must be a whole number from 1 to {MAX_DELAY}, found {n}"),
            );
        }
    }
}

/// A Lambda function, by ARN or through the optimised integration.
pub(crate) fn is_lambda(resource: &str) -> bool {
    resource.starts_with("arn:aws:states:::lambda:invoke")
        || (resource.contains(":lambda:") && resource.contains(":function:"))
}

fn retries_transient(retriers: &[Retrier]) -> bool {
    TRANSIENT_LAMBDA_ERRORS.iter().all(|error| {
        retriers.iter().any(|r| {
            r.attempts() > 0
                && r.error_equals
                    .iter()
                    .any(|e| e == error || e == "States.ALL" || e == "States.TaskFailed")
        })
    })
}

/// On a task that runs a typed activity, every custom error name must be one it declares:
/// a typo in ErrorEquals silently never matches.
fn activity_error_names(
    handling: &crate::asl::ErrorHandling,
    declared: &[String],
    label: &str,
    sink: &mut Sink,
) {
    let retry = handling
        .retry
        .iter()
        .flatten()
        .map(|r| (&r.error_equals, "Retry"));
    let catch = handling
        .catch
        .iter()
        .flatten()
        .map(|c| (&c.error_equals, "Catch"));
    let mut index: std::collections::HashMap<&str, usize> = Default::default();
    for (names, field) in retry.chain(catch) {
        let i = index.entry(field).or_insert(0);
        for name in names {
            let known = name.starts_with("States.")
                || name.starts_with("Lambda.")
                || declared.contains(name);
            if !known {
                sink.push(
                    Diagnostic::error(
                        "unknown-error-name",
                        format!(
                            "the activity never raises \"{name}\"{}",
                            did_you_mean(name, declared.iter().map(String::as_str))
                        ),
                    )
                    .at_state(label)
                    .at_field(format!("{field}[{i}].ErrorEquals"))
                    .with_hint(format!(
                        "it raises: {}",
                        crate::diagnostic::quoted_list(declared.iter().map(String::as_str))
                    )),
                );
            }
        }
        *i += 1;
    }
}
