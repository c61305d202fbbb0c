//! The states, one module per type, and what they share: running a scope from `StartAt` to its
//! end ([`run_scope`]), the JSONPath/JSONata input–output steps common to several types, the
//! Retry/Catch skeleton of Task, Parallel and Map ([`with_error_handling`]), and running
//! branches or iterations side by side on the virtual clock ([`run_concurrently`]).
//!
//! The JSONPath pipeline follows AWS's order: `InputPath` → `Parameters` → the state's work →
//! `ResultSelector` → `ResultPath` → `OutputPath`. Values move through it: a state without
//! those fields hands its input on without copying it.

mod choice;
mod fail;
mod map;
mod parallel;
mod pass;
mod succeed;
mod task;
mod wait;

use crate::data::{path, template};
use crate::error::Failure;
use crate::history;
use crate::jsonata::{self, Bindings};
use crate::retry::{find_catcher, RetryState};
use crate::runtime::{check_size, Frame, Runtime, StateInfo};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use wfc_compiler::asl::{Common, ErrorHandling, QueryLanguage, State, States};

/// How a state ends.
pub(crate) struct Step<'s> {
    pub output: Value,
    pub next: Next<'s>,
}

pub(crate) enum Next<'s> {
    /// The state's own `Next` / `End`.
    Default,
    /// A Choice rule's or a Catcher's `Next`.
    To(&'s str),
    /// Succeed: the scope ends.
    End,
}

impl Step<'_> {
    fn default(output: Value) -> Step<'static> {
        Step {
            output,
            next: Next::Default,
        }
    }
}

/// Whether a state's output is its input, untouched: a Pass, Choice, Wait or Succeed with no
/// field that selects, builds or places a value.
fn passes_input_through(state: &State) -> bool {
    let c = state.common();
    let untouched = c.input_path.is_none()
        && c.parameters.is_none()
        && c.result_path.is_none()
        && c.output_path.is_none()
        && c.output.is_none();
    untouched
        && match state {
            State::Pass(pass) => pass.result.is_none(),
            State::Choice(choice) => choice.choices.iter().all(|rule| rule.output.is_none()),
            State::Wait(_) | State::Succeed(_) => true,
            _ => false,
        }
}

/// Runs the states of one scope (the machine, a branch, an iteration) from `start_at` until a
/// state ends it, and returns the scope's output.
pub(crate) async fn run_scope(
    rt: &Runtime,
    frame: &mut Frame,
    states: &States,
    start_at: &str,
    mut input: Value,
) -> Result<Value, Failure> {
    let mut name = start_at;
    // Whether `input` is the output of a state of this scope, already measured.
    let mut input_measured = false;
    loop {
        let Some((name_ref, state)) = states.get_key_value(name) else {
            return Err(Failure::runtime(format!(
                "the state machine has no state named '{name}'"
            )));
        };
        let st = StateInfo {
            name: name_ref,
            state,
            entered: rt.clock.now(),
            retry_count: Cell::new(0),
            language: state.common().query_language.unwrap_or(frame.language),
        };
        rt.record(frame, entered_event(state), || {
            history::state_entered(name_ref, &input)
        });
        // Measuring means serialising: skip it where the output is the measured input itself.
        let unchanged = input_measured && passes_input_through(state);
        let step = run_state(rt, frame, &st, input).await?;
        if !unchanged {
            check_size(&step.output, || format!("the output of state '{name_ref}'"))?;
        }
        input_measured = true;
        rt.record(frame, exited_event(state), || {
            history::state_exited(name_ref, &step.output)
        });
        let common = state.common();
        name = match step.next {
            Next::To(next) => next,
            Next::Default if common.end != Some(true) => match &common.next {
                Some(next) => next,
                None => return Ok(step.output),
            },
            Next::Default | Next::End => return Ok(step.output),
        };
        input = step.output;
    }
}

async fn run_state<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    input: Value,
) -> Result<Step<'s>, Failure> {
    match st.state {
        State::Pass(s) => pass::run(rt, frame, st, s, input),
        State::Task(s) => task::run(rt, frame, st, s, input).await,
        State::Choice(s) => choice::run(rt, frame, st, s, input),
        State::Wait(s) => wait::run(rt, frame, st, s, input).await,
        State::Succeed(s) => succeed::run(rt, frame, st, s, input),
        State::Fail(s) => Err(fail::run(rt, frame, st, s, input)),
        State::Parallel(s) => parallel::run(rt, frame, st, s, input).await,
        State::Map(s) => map::run(rt, frame, st, s, input).await,
    }
}

fn entered_event(state: &State) -> &'static str {
    match state {
        State::Pass(_) => "PassStateEntered",
        State::Task(_) => "TaskStateEntered",
        State::Choice(_) => "ChoiceStateEntered",
        State::Wait(_) => "WaitStateEntered",
        State::Succeed(_) => "SucceedStateEntered",
        State::Fail(_) => "FailStateEntered",
        State::Parallel(_) => "ParallelStateEntered",
        State::Map(_) => "MapStateEntered",
    }
}

fn exited_event(state: &State) -> &'static str {
    match state {
        State::Pass(_) => "PassStateExited",
        State::Task(_) => "TaskStateExited",
        State::Choice(_) => "ChoiceStateExited",
        State::Wait(_) => "WaitStateExited",
        State::Succeed(_) => "SucceedStateExited",
        State::Fail(_) => "FailStateExited",
        State::Parallel(_) => "ParallelStateExited",
        State::Map(_) => "MapStateExited",
    }
}

// ---------------------------------------------------------------------------------------------
// JSONPath steps.

/// `InputPath`: the effective input. Without one the input itself is used, not a copy.
fn input_path<'v>(
    common: &Common,
    input: &'v Value,
    frame: &Frame,
    context: &Value,
) -> Result<Cow<'v, Value>, Failure> {
    match &common.input_path {
        None => Ok(Cow::Borrowed(input)),
        Some(p) => Ok(Cow::Owned(path::input_path(
            Some(p),
            &frame.scope(input, context),
        )?)),
    }
}

/// `OutputPath` over the state's output.
fn output_path(
    common: &Common,
    output: Value,
    frame: &Frame,
    context: &Value,
) -> Result<Value, Failure> {
    match &common.output_path {
        None => Ok(output),
        Some(p) => Ok(path::output_path(Some(p), &frame.scope(&output, context))?),
    }
}

/// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath `Assign`) over
/// `input`.
fn apply_template(
    rt: &Runtime,
    template_value: &Value,
    input: &Value,
    frame: &Frame,
    context: &Value,
) -> Result<Value, Failure> {
    let mut random = rt.random.borrow_mut();
    Ok(template::apply(
        template_value,
        &frame.scope(input, context),
        &mut *random,
    )?)
}

/// `Parameters` over the effective input, checked against the payload quota ("After
/// `Parameters` processing, the input of a state is larger than the payload size quota").
fn parameters<'v>(
    rt: &Runtime,
    st: &StateInfo<'_>,
    common: &Common,
    effective: Cow<'v, Value>,
    frame: &Frame,
    context: &Value,
) -> Result<Cow<'v, Value>, Failure> {
    match &common.parameters {
        None => Ok(effective),
        Some(p) => {
            let value = apply_template(rt, p, &effective, frame, context)?;
            check_size(&value, || {
                format!("the input of state '{}' after Parameters", st.name)
            })?;
            Ok(Cow::Owned(value))
        }
    }
}

/// JSONPath `Assign`: the values to assign, evaluated over `input` with the variables as of
/// state entry; they are stored only once the state succeeds.
fn assign_jsonpath(
    rt: &Runtime,
    assign: Option<&Map<String, Value>>,
    input: &Value,
    frame: &Frame,
    context: &Value,
) -> Result<Option<Map<String, Value>>, Failure> {
    let Some(assign) = assign else {
        return Ok(None);
    };
    match apply_template(rt, &Value::Object(assign.clone()), input, frame, context)? {
        Value::Object(values) => Ok(Some(values)),
        _ => unreachable!("a template object evaluates to an object"),
    }
}

// ---------------------------------------------------------------------------------------------
// JSONata steps.

/// `$states` for an expression: `input` and `context`, plus `result` or `errorOutput`.
fn states_binding(input: &Value, context: &Value, extra: Option<(&str, &Value)>) -> Value {
    let mut states = json!({ "input": input, "context": context });
    if let Some((key, value)) = extra {
        states[key] = value.clone();
    }
    states
}

fn bindings<'b>(rt: &'b Runtime, frame: &'b Frame, states: &'b Value) -> Bindings<'b> {
    Bindings {
        states,
        variables: &frame.variables,
        now: rt.clock.now(),
        random: &rt.random,
    }
}

/// Evaluates a JSONata field (`Arguments`, `Output`, …) if present.
fn jsonata_field(
    rt: &Runtime,
    frame: &Frame,
    field: Option<&Value>,
    states: &Value,
) -> Result<Option<Value>, Failure> {
    field
        .map(|f| jsonata::evaluate_template(f, &bindings(rt, frame, states)))
        .transpose()
}

/// JSONata `Assign`: every value evaluated before any is stored (values as of state entry).
fn assign_jsonata(
    rt: &Runtime,
    frame: &Frame,
    assign: Option<&Map<String, Value>>,
    states: &Value,
) -> Result<Option<Map<String, Value>>, Failure> {
    let Some(assign) = assign else {
        return Ok(None);
    };
    let b = bindings(rt, frame, states);
    assign
        .iter()
        .map(|(k, v)| Ok((k.clone(), jsonata::evaluate_template(v, &b)?)))
        .collect::<Result<Map<_, _>, Failure>>()
        .map(Some)
}

/// Stores assigned variables in the current scope.
fn store(frame: &mut Frame, assigned: Option<Map<String, Value>>) {
    if let Some(values) = assigned {
        frame.variables.extend(values);
    }
}

// ---------------------------------------------------------------------------------------------
// Retry and Catch for Task, Parallel and Map.

/// One successful attempt of a Task, Parallel or Map: its result (after `ResultSelector` in
/// JSONPath mode) and the variables it assigns.
pub(crate) struct Attempted {
    pub result: Value,
    pub assigned: Option<Map<String, Value>>,
}

/// The result of a Parallel or Map (the array of branch or iteration outputs) through `Assign`
/// and `ResultSelector` (JSONPath) or `Assign` (JSONata).
fn attempted_from_array(
    rt: &Runtime,
    frame: &Frame,
    st: &StateInfo<'_>,
    common: &Common,
    raw: &Value,
    context: &Value,
    result: Value,
) -> Result<Attempted, Failure> {
    match st.language {
        QueryLanguage::JSONPath => {
            let assigned = assign_jsonpath(rt, common.assign.as_ref(), &result, frame, context)?;
            let result = match &common.result_selector {
                Some(selector) => apply_template(rt, selector, &result, frame, context)?,
                None => result,
            };
            Ok(Attempted { result, assigned })
        }
        QueryLanguage::JSONata => {
            let states = states_binding(raw, context, Some(("result", &result)));
            let assigned = assign_jsonata(rt, frame, common.assign.as_ref(), &states)?;
            Ok(Attempted { result, assigned })
        }
    }
}

/// Runs `attempt` (given the raw state input) until it succeeds, retrying as the retriers say (waiting on the virtual
/// clock); then applies `ResultPath` and `OutputPath` (JSONPath) or `Output` (JSONata). When
/// retries are exhausted, the first matching catcher decides the output and the next state.
///
/// What an attempt covers follows AWS (and LocalStack's port of it): the work, `Assign`,
/// `ResultSelector` and `ResultPath` are retried and caught; `InputPath` happened before and
/// `OutputPath` / `Output` happen after, outside error handling. A caught error's output is not
/// filtered by the state's `OutputPath`.
async fn with_error_handling<'s, F>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    raw_input: Value,
    context: &Value,
    mut attempt: F,
) -> Result<Step<'s>, Failure>
where
    F: AsyncFnMut(&Frame, &Value) -> Result<Attempted, Failure>,
{
    let common = st.state.common();
    // Only Task, Parallel and Map come here, and they all have Retry/Catch fields.
    static NONE: ErrorHandling = ErrorHandling {
        retry: None,
        catch: None,
    };
    let handling = st.state.error_handling().unwrap_or(&NONE);
    let mut retry = RetryState::new(handling.retry.as_deref().unwrap_or(&[]));
    let mut raw_input = raw_input;
    loop {
        let failure = match attempt(frame, &raw_input).await {
            Ok(done) => {
                // Placing the result can fail (States.ResultPathMatchFailure), and that failure is
                // retried and caught like the task's own; keep the input for that case.
                let keep = (common.result_path.is_some() || common.output.is_some())
                    .then(|| raw_input.clone());
                match finish(rt, frame, common, st, raw_input, context, done) {
                    Ok(output) => return Ok(Step::default(output)),
                    Err(failure) => match keep {
                        Some(kept) => {
                            raw_input = kept;
                            failure
                        }
                        None => return Err(failure),
                    },
                }
            }
            Err(failure) => failure,
        };
        let delay = retry.next_delay(&failure, &mut *rt.random.borrow_mut());
        if let Some(seconds) = delay {
            rt.clock.sleep(seconds).await;
            st.retry_count.set(st.retry_count.get() + 1);
            continue;
        }
        let catchers = handling.catch.as_deref().unwrap_or(&[]);
        let Some(catcher) = find_catcher(catchers, &failure) else {
            return Err(failure);
        };
        let error_output = failure.to_error_output();
        let (output, assigned) = match st.language {
            QueryLanguage::JSONPath => {
                let assigned =
                    assign_jsonpath(rt, catcher.assign.as_ref(), &error_output, frame, context)?;
                let output =
                    path::apply_result_path(raw_input, catcher.result_path.as_ref(), error_output)?;
                (output, assigned)
            }
            QueryLanguage::JSONata => {
                let states =
                    states_binding(&raw_input, context, Some(("errorOutput", &error_output)));
                let assigned = assign_jsonata(rt, frame, catcher.assign.as_ref(), &states)?;
                let output = jsonata_field(rt, frame, catcher.output.as_ref(), &states)?
                    .unwrap_or(error_output);
                (output, assigned)
            }
        };
        store(frame, assigned);
        return Ok(Step {
            output,
            next: Next::To(&catcher.next),
        });
    }
}

/// After a successful attempt: `ResultPath` then `OutputPath` (JSONPath), or `Output` (JSONata,
/// default the result); then the assigned variables are stored.
fn finish(
    rt: &Runtime,
    frame: &mut Frame,
    common: &Common,
    st: &StateInfo<'_>,
    raw_input: Value,
    context: &Value,
    done: Attempted,
) -> Result<Value, Failure> {
    let output = match st.language {
        QueryLanguage::JSONPath => {
            let placed =
                path::apply_result_path(raw_input, common.result_path.as_ref(), done.result)?;
            output_path(common, placed, frame, context)?
        }
        QueryLanguage::JSONata => {
            let states = states_binding(&raw_input, context, Some(("result", &done.result)));
            jsonata_field(rt, frame, common.output.as_ref(), &states)?.unwrap_or(done.result)
        }
    };
    store(frame, done.assigned);
    Ok(output)
}

// ---------------------------------------------------------------------------------------------
// Branches and iterations side by side.

pub(crate) type LocalFuture<'f, T> = Pin<Box<dyn Future<Output = T> + 'f>>;

/// Runs `count` futures made by `start`, at most `limit` at a time (0: no limit), as the
/// virtual clock allows: a slot freed at time t starts the next one at time t. After each
/// completes, `keep_going` decides whether to go on; when it says no, the futures still running
/// are dropped (cancelled). Returns each result by index (`None` for those never finished).
pub(crate) async fn run_concurrently<'f, T>(
    count: usize,
    limit: usize,
    mut start: impl FnMut(usize) -> LocalFuture<'f, T>,
    mut keep_going: impl FnMut(usize, &T) -> bool,
) -> Vec<Option<T>> {
    let limit = if limit == 0 { count } else { limit };
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    // One closure, so every pushed future has the same type.
    let mut launch = |i: usize| {
        let future = start(i);
        async move { (i, future.await) }
    };
    let mut running = FuturesUnordered::new();
    let mut next = 0;
    while next < count.min(limit) {
        running.push(launch(next));
        next += 1;
    }
    while let Some((index, result)) = running.next().await {
        let go_on = keep_going(index, &result);
        results[index] = Some(result);
        if !go_on {
            break;
        }
        if next < count {
            running.push(launch(next));
            next += 1;
        }
    }
    results
}

/// A child scope's frame: the outer variables (copied, see [`Frame::variables`]) unless the
/// scope may not read them, and the parent's place in the history.
fn child_frame(frame: &Frame, inherit_variables: bool, language: Option<QueryLanguage>) -> Frame {
    Frame {
        variables: if inherit_variables {
            frame.variables.clone()
        } else {
            Map::new()
        },
        cursor: Cell::new(frame.cursor.get()),
        language: language.unwrap_or(frame.language),
    }
}
