//! The WooCommerce workflows, built from a shop's [`Stack`]: failover (disaster, started by
//! events), switchover (planned), failback (started by a person) and preflight (every 30 min).
//!
//! The stack's ids and policy are written into the definitions; the execution input carries only
//! what changes per run (incident, trigger, overrides). The state machines run in the DR region.
//!
//! Every activity task is [`guard`]ed the same way: retries for throttling and transient errors,
//! and a catch that records which step failed and hands over to the workflow's failure chain
//! (notify with the precise failure and step, then fail).

pub mod failback;
pub mod failover;
pub mod preflight;
pub mod switchover;

mod cutover;
pub use cutover::{PRIMARY_RECORD, SECONDARY_RECORD};
pub mod rules;

/// The SSM parameter a waiting promotion registers its task token under (the deployment grants
/// the activities access to it).
pub use cutover::waiter_parameter;
mod shop;

use serde_json::{json, Value};
use wfc_activities::notify::{Notify, NotifyInput, Severity};
use wfc_compiler::dsl::{Catch, Retry, StateBuilder, Step, TaskStep, Workflow};
use wfc_stack::{Region, Stack};

/// The two regions of a stack, by role.
pub(crate) struct Sites<'a> {
    pub primary: &'a str,
    pub p: &'a Region,
    pub secondary: &'a str,
    pub s: &'a Region,
}

impl<'a> Sites<'a> {
    pub fn of(stack: &'a Stack) -> Sites<'a> {
        let (primary, p) = stack.primary();
        let (secondary, s) = stack.secondary();
        Sites {
            primary,
            p,
            secondary,
            s,
        }
    }
}

/// Throttling and transient AWS errors, as the activities name them.
pub(crate) fn retry_aws() -> Retry {
    Retry::on(&["AwsThrottled", "AwsUnavailable"])
        .interval(2)
        .max_attempts(5)
        .backoff(2.0)
        .jitter()
}

/// A poll expressed as a retry: `errors` mean "not yet", asked again every `interval` s, up to
/// `attempts` times, without backoff.
pub(crate) fn poll(errors: &[&str], (interval, attempts): (u64, u64)) -> Retry {
    Retry::on(errors)
        .interval(interval)
        .max_attempts(attempts)
        .backoff(1.0)
}

/// Retries for throttling and transient errors, and a catch that records the step's name at
/// `$.failed_step` (the error at `$.error`) before `on_failure` runs.
pub(crate) fn guard<A: wfc_contract::Activity>(
    wf: &Workflow,
    task: TaskStep<A>,
    on_failure: &Step,
) -> TaskStep<A> {
    let name = task.step().name();
    let mark = failed_at(wf, &name, on_failure);
    retried(task).catch(Catch::all().result_path("$.error"), &mark)
}

/// The retries every activity task gets: throttling and transient AWS errors (only where the
/// activity can raise them: the checker holds us to it) and Lambda's transient errors.
pub(crate) fn retried<A: wfc_contract::Activity>(task: TaskStep<A>) -> TaskStep<A> {
    let task = if A::ERRORS.contains(&"AwsThrottled") {
        task.retry(retry_aws())
    } else {
        task
    };
    task.retry(Retry::transient_lambda())
}

/// The same catch for a Parallel or any other step that can fail.
pub(crate) fn guard_step(wf: &Workflow, step: Step, on_failure: &Step) -> Step {
    let mark = failed_at(wf, &step.name(), on_failure);
    step.catch(Catch::all().result_path("$.error"), &mark)
}

/// One branch of [`concurrently`]: its first step and the paths its steps write (`$.fence`,
/// `$.gates.us_east_1`), which must exist whichever way the branch ends.
pub(crate) struct Branch {
    pub start: Step,
    pub writes: Vec<String>,
}

/// Runs `branches` at once (a Parallel state) and puts what each wrote back where running them
/// one after another would have left it: `ResultSelector` picks each branch's paths, then
/// `States.JsonMerge` lays them over the first branch's output (shallow: a top-level key written
/// by a branch is replaced whole, so two branches share a key only below it, as
/// `gates.<region>`). A failing branch fails the Parallel, whose catch hands over to
/// `on_failure`; inside a branch the failure chain is out of scope, so branches end their
/// failures with [`branch_failed`].
pub(crate) fn concurrently(
    wf: &Workflow,
    name: &str,
    branches: Vec<Branch>,
    on_failure: &Step,
) -> cutover::Segment {
    let mut selector = serde_json::Map::new();
    let mut parallel = wf.parallel(name);
    for (i, branch) in branches.into_iter().enumerate() {
        parallel = parallel.branch(&branch.start);
        for path in &branch.writes {
            let keys: Vec<&str> = path.trim_start_matches("$.").split('.').collect();
            let (last, parents) = keys.split_last().expect("a path below $");
            let mut at = &mut selector;
            for key in parents {
                at = at
                    .entry(key.to_string())
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("branches write below the same key, never at it");
            }
            at.insert(format!("{last}.$"), json!(format!("$[{i}].{}", &path[2..])));
        }
    }
    // The first branch's output is the state as it came in plus that branch's writes.
    let parallel = parallel.result_selector(json!({
        "state.$": "$[0]",
        "writes": Value::Object(selector),
    }));
    let start = guard_step(wf, parallel, on_failure);
    let end = wf
        .pass(&format!("{name} merged"))
        .parameters(json!({ "state.$": "States.JsonMerge($.state, $.writes, false)" }))
        .output_path("$.state");
    start.next(&end);
    cutover::Segment { start, end }
}

/// The end of a failing step inside a Parallel branch (see [`concurrently`]): fails the branch
/// with the step's error name, so that a Retry/Catch outside still matches it, and a cause that
/// names the step.
pub(crate) fn branch_failed(wf: &Workflow, name: &str) -> Step {
    wf.fail_from(
        name,
        wfc_compiler::dsl::Path::<String>::raw("$.error.Error"),
        wfc_compiler::dsl::Path::<String>::raw(
            "States.Format('{} failed: {}', $.failed_step, States.JsonToString($.error))",
        ),
    )
}

fn failed_at(wf: &Workflow, name: &str, on_failure: &Step) -> Step {
    let mark = wf
        .pass(&format!("{name} failed"))
        .result(json!(name))
        .result_path("$.failed_step");
    mark.next(on_failure);
    mark
}

/// Turns a stop the workflow decides on (a deadline, a refused fence) into the failure chain's
/// shape: `$.error` and `$.failed_step`, as a caught error would leave them.
pub(crate) fn stop_with(
    wf: &Workflow,
    name: &str,
    error: &str,
    cause: &str,
    on_failure: &Step,
) -> Step {
    let stop = wf
        .pass(name)
        .result(json!({ "Error": error, "Cause": cause }))
        .result_path("$.error");
    let mark = wf
        .pass(&format!("{name} step"))
        .result(json!(name))
        .result_path("$.failed_step");
    stop.next(&mark).next(on_failure);
    stop
}

/// The failure chain: tell people exactly what failed and where, then fail the execution with the
/// original error. The recorded DR state is left as the last step wrote it (a `failing_over` state
/// tells the next run and the on-call that a failover is unfinished).
pub(crate) fn failure_chain(wf: &Workflow, stack: &Stack, what: &str, incident: &str) -> Step {
    let failed = wf.fail_from(
        "Failed",
        wfc_compiler::dsl::Path::<String>::raw("$.error.Error"),
        wfc_compiler::dsl::Path::<String>::raw("$.error.Cause"),
    );
    let summary = format!(
        "States.Format('{what} of {shop} failed at step {{}}: {{}}', $.failed_step, $.error.Error)",
        shop = stack.shop.name
    );
    let notify = wf
        .task::<Notify>("Notify failure")
        .payload_template(json!({
            "incident_id.$": incident,
            "event": format!("{}.failed", what.to_lowercase()),
            "severity": "critical",
            "summary.$": summary,
            "details": {
                "step.$": "$.failed_step",
                "error.$": "$.error.Error",
                "cause.$": "$.error.Cause",
            },
            "topic_arn": stack.notifications.sns_topic_arn,
            "region": Sites::of(stack).secondary,
        }))
        .discard_result()
        .retry(retry_aws())
        .retry(Retry::transient_lambda())
        // The one message saying the run failed: retried on any error too (a function timeout,
        // `Sandbox.Timedout`, is not transient; `wfc drill --faults` lost it that way).
        .retry(
            Retry::on(&["States.ALL"])
                .interval(5)
                .max_attempts(3)
                .backoff(2.0),
        )
        .catch(Catch::all().result_path("$.notify_error"), &failed);
    notify.next(&failed);
    notify.step_handle()
}

/// A guarded `notify` task whose result is discarded: tells the stack's topic `summary` (text,
/// or a `States.Format`/path) with `details` (a payload template).
#[allow(clippy::too_many_arguments)]
pub(crate) fn notify(
    wf: &Workflow,
    stack: &Stack,
    name: &str,
    incident: &str,
    event: &str,
    severity: Severity,
    summary: Value,
    details: Value,
    on_failure: &Step,
) -> Step {
    let task = wf.task::<Notify>(name).payload_template(notify_payload(
        stack, incident, event, severity, summary, details,
    ));
    guard(wf, task, on_failure).discard_result().step_handle()
}

/// A notify payload: fixed fields from the stack, `summary` and `details` from the caller.
fn notify_payload(
    stack: &Stack,
    incident: &str,
    event: &str,
    severity: Severity,
    summary: Value,
    details: Value,
) -> Value {
    let fixed = NotifyInput {
        incident_id: String::new(),
        event: event.into(),
        severity,
        summary: String::new(),
        details: Default::default(),
        topic_arn: Some(stack.notifications.sns_topic_arn.clone()),
        webhook_secret_id: stack.notifications.webhook_secret_id.clone(),
        region: Some(Sites::of(stack).secondary.to_string()),
    };
    let mut payload = serde_json::to_value(fixed).expect("notify input serialises");
    let map = payload.as_object_mut().expect("an object");
    map.remove("incident_id");
    map.insert("incident_id.$".into(), json!(incident));
    map.remove("summary");
    match summary {
        Value::String(s) if s.starts_with("States.") || s.starts_with('$') => {
            map.insert("summary.$".into(), json!(s))
        }
        other => map.insert("summary".into(), other),
    };
    map.remove("details");
    map.insert("details".into(), details);
    payload
}

/// A Pass that notes when a phase began, at `$.phases.<key>` (for the summary's timings).
pub(crate) fn phase(wf: &Workflow, label: &str, key: &str) -> Step {
    wf.pass(&format!("Phase {label}"))
        .parameters(json!({ "at.$": "$$.State.EnteredTime" }))
        .result_path(&format!("$.phases.{key}"))
}
