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

use crate::data::path;
use crate::data::template::Template;
use crate::error::Failure;
use crate::history::TextId;
use crate::jsonata::{self, Bindings};
use crate::program::{StateId, Target};
use crate::retry::{find_catcher, RetryState};
use crate::runtime::{json_size, limit_size, Frame, Runtime, StateInfo};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use wfc_compiler::asl::{Common, ErrorHandling, QueryLanguage, State};

/// How a state ends.
pub(crate) struct Step<'s> {
    pub output: Value,
    pub next: Next<'s>,
    /// The output's size in bytes of JSON, when the state knows it without measuring (a Map's
    /// array of measured iteration outputs, a Pass whose output is its measured `Parameters`).
    pub size: Option<usize>,
}

pub(crate) enum Next<'s> {
    /// The state's own `Next` / `End`.
    Default,
    /// A Choice rule's or a Catcher's `Next`.
    To(&'s Target),
    /// Succeed: the scope ends.
    End,
}

impl Step<'_> {
    fn default(output: Value) -> Step<'static> {
        Step {
            output,
            next: Next::Default,
            size: None,
        }
    }
}

/// A scope's output, with its size (every state's output is measured against the payload
/// quota) and, when history is on, the id of its recorded text.
pub(crate) struct Output {
    pub value: Value,
    pub size: usize,
    pub text: Option<TextId>,
}

fn resolve(target: &Target) -> Result<StateId, Failure> {
    match target {
        Target::State(id) => Ok(*id),
        Target::Missing(name) => Err(Failure::runtime(format!(
            "the state machine has no state named '{name}'"
        ))),
    }
}

/// Runs the states of one scope (the machine, a branch, an iteration) from `start` until a
/// state ends it, and returns the scope's output. `known`: the input's size, if it was checked
/// against the quota, and its kept text.
///
/// The value moves from state to state with what is known of it: its size (a state that hands
/// its input on untouched is not measured again) and, with history on, its recorded text (so a
/// value is serialised once for all the events that show it).
pub(crate) async fn run_scope(
    rt: &Runtime,
    frame: &mut Frame,
    start: &Target,
    mut input: Value,
    known: (Option<usize>, Option<TextId>),
) -> Result<Output, Failure> {
    let program = &*rt.program;
    let history = rt.history.enabled();
    let mut id = resolve(start)?;
    // What is known of `input`: its size in bytes and its recorded text.
    let (mut size, mut text) = known;
    // Whether `size` was checked against the payload quota (a size known from a kept text was
    // not).
    let mut checked = size.is_some();
    loop {
        let c = program.state(id);
        if history {
            let t = match text {
                Some(t) => t,
                None => {
                    let (t, len) = rt.history.keep(&input);
                    size = Some(len);
                    t
                }
            };
            text = Some(t);
            let kind = entered_event(&c.state);
            rt.history
                .record_state(&frame.cursor, rt.clock.now(), kind, true, id, t);
        }
        let step = if c.plain_pass {
            // Nothing to do but take `Next`: the hot path of a Pass chain.
            Step::default(input)
        } else {
            let st = StateInfo {
                id,
                compiled: c,
                name: &c.name,
                state: &c.state,
                entered: rt.clock.now(),
                retry_count: Cell::new(0),
                input_size: size,
                language: c.state.common().query_language.unwrap_or(frame.language),
            };
            if c.synchronous {
                run_sync(rt, frame, &st, input)?
            } else {
                run_state(rt, frame, &st, input).await?
            }
        };
        // A state that hands its input on keeps what is known of it.
        if !(c.passes_through && checked) {
            if !c.passes_through {
                text = None;
                size = step.size;
            }
            if history && text.is_none() {
                let (t, len) = rt.history.keep(&step.output);
                text = Some(t);
                size = Some(len);
            }
            let measured = match size {
                Some(n) => n,
                None => json_size(&step.output),
            };
            size = Some(limit_size(measured, || {
                format!("the output of state '{}'", c.name)
            })?);
            checked = true;
        }
        if let Some(t) = text.filter(|_| history) {
            let kind = exited_event(&c.state);
            rt.history
                .record_state(&frame.cursor, rt.clock.now(), kind, false, id, t);
        }
        let next = match step.next {
            Next::To(next) => next,
            Next::Default => match &c.next {
                Some(next) => next,
                None => return Ok(finished(step.output, size, text)),
            },
            Next::End => return Ok(finished(step.output, size, text)),
        };
        id = resolve(next)?;
        input = step.output;
    }
}

fn finished(value: Value, size: Option<usize>, text: Option<TextId>) -> Output {
    Output {
        value,
        size: size.unwrap_or_default(),
        text,
    }
}

/// Runs a scope whose states never wait ([`crate::program::Scope::synchronous`]) to its end,
/// here and now: no future is kept for it.
pub(crate) fn run_scope_now(
    rt: &Runtime,
    frame: &mut Frame,
    start: &Target,
    input: Value,
) -> Result<Output, Failure> {
    let future = std::pin::pin!(run_scope(rt, frame, start, input, (None, None)));
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(Failure::runtime(
            "a scope of Pass, Choice, Succeed and Fail states waited (an engine bug)",
        )),
    }
}

/// Pass, Choice, Succeed and Fail: nothing to wait for, no future.
fn run_sync<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    input: Value,
) -> Result<Step<'s>, Failure> {
    match st.state {
        State::Pass(s) => pass::run(rt, frame, st, s, input),
        State::Choice(s) => choice::run(rt, frame, st, s, input),
        State::Succeed(s) => succeed::run(rt, frame, st, s, input),
        State::Fail(s) => Err(fail::run(rt, frame, st, s, input)),
        _ => unreachable!("only Pass, Choice, Succeed and Fail are synchronous"),
    }
}

/// The states that wait. Task, Parallel and Map are boxed: their futures are large and rare,
/// and a scope's future stays small (a Map iteration's future is one small allocation).
async fn run_state<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    input: Value,
) -> Result<Step<'s>, Failure> {
    match st.state {
        State::Task(s) => {
            let future: LocalFuture<'_, _> = Box::pin(task::run(rt, frame, st, s, input));
            future.await
        }
        State::Wait(s) => wait::run(rt, frame, st, s, input).await,
        State::Parallel(s) => {
            let future: LocalFuture<'_, _> = Box::pin(parallel::run(rt, frame, st, s, input));
            future.await
        }
        State::Map(s) => {
            let future: LocalFuture<'_, _> = Box::pin(map::run(rt, frame, st, s, input));
            future.await
        }
        _ => run_sync(rt, frame, st, input),
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
    st: &StateInfo<'_>,
    input: &'v Value,
    frame: &Frame,
    context: &Value,
) -> Result<Cow<'v, Value>, Failure> {
    match &st.compiled.input_path {
        None => Ok(Cow::Borrowed(input)),
        Some(p) => Ok(Cow::Owned(
            path::input_path_field(Some(p), &frame.scope(input, context))?.into_owned(),
        )),
    }
}

/// `OutputPath` over the state's output.
fn output_path(
    st: &StateInfo<'_>,
    output: Value,
    frame: &Frame,
    context: &Value,
) -> Result<Value, Failure> {
    match &st.compiled.output_path {
        None => Ok(output),
        Some(p) => {
            Ok(path::input_path_field(Some(p), &frame.scope(&output, context))?.into_owned())
        }
    }
}

/// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath `Assign`) over
/// `input`.
fn apply_template(
    rt: &Runtime,
    template: &Template,
    input: &Value,
    frame: &Frame,
    context: &Value,
) -> Result<Value, Failure> {
    let mut random = rt.random.borrow_mut();
    Ok(template.apply(&frame.scope(input, context), &mut *random)?)
}

/// `Parameters` over the effective input, checked against the payload quota ("After
/// `Parameters` processing, the input of a state is larger than the payload size quota");
/// with the size it measured.
fn parameters<'v>(
    rt: &Runtime,
    st: &StateInfo<'_>,
    effective: Cow<'v, Value>,
    frame: &Frame,
    context: &Value,
) -> Result<(Cow<'v, Value>, Option<usize>), Failure> {
    match &st.compiled.parameters {
        None => Ok((effective, None)),
        Some(p) => {
            let value = apply_template(rt, p, &effective, frame, context)?;
            let size = limit_size(json_size(&value), || {
                format!("the input of state '{}' after Parameters", st.name)
            })?;
            Ok((Cow::Owned(value), Some(size)))
        }
    }
}

/// JSONPath `Assign`: the values to assign, evaluated over `input` with the variables as of
/// state entry; they are stored only once the state succeeds.
fn assign_jsonpath(
    rt: &Runtime,
    assign: Option<&Template>,
    input: &Value,
    frame: &Frame,
    context: &Value,
) -> Result<Option<Map<String, Value>>, Failure> {
    let Some(assign) = assign else {
        return Ok(None);
    };
    match apply_template(rt, assign, input, frame, context)? {
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
    /// The result's size, when known without measuring.
    pub size: Option<usize>,
}

/// The result of a Parallel or Map (the array of branch or iteration outputs) through `Assign`
/// and `ResultSelector` (JSONPath) or `Assign` (JSONata).
fn attempted_from_array(
    rt: &Runtime,
    frame: &Frame,
    st: &StateInfo<'_>,
    raw: &Value,
    context: &Value,
    result: Value,
    size: Option<usize>,
) -> Result<Attempted, Failure> {
    let common = st.state.common();
    match st.language {
        QueryLanguage::JSONPath => {
            let compiled = st.compiled;
            let assigned = assign_jsonpath(rt, compiled.assign.as_ref(), &result, frame, context)?;
            let (result, size) = match &compiled.result_selector {
                Some(selector) => (apply_template(rt, selector, &result, frame, context)?, None),
                None => (result, size),
            };
            Ok(Attempted {
                result,
                assigned,
                size,
            })
        }
        QueryLanguage::JSONata => {
            let states = states_binding(raw, context, Some(("result", &result)));
            let assigned = assign_jsonata(rt, frame, common.assign.as_ref(), &states)?;
            Ok(Attempted {
                result,
                assigned,
                size,
            })
        }
    }
}

/// Runs `attempt` (given the raw state input; it may take from it only when no retry, catcher
/// or `ResultPath` will read it again) until it succeeds, retrying as the retriers say (waiting on the virtual
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
    F: AsyncFnMut(&Frame, &mut Value) -> Result<Attempted, Failure>,
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
        let failure = match attempt(frame, &mut raw_input).await {
            Ok(done) => {
                // Placing the result can fail (States.ResultPathMatchFailure), and that failure is
                // retried and caught like the task's own; keep the input for that case.
                // Only when placing can fail: a JSONPath ResultPath that does not fit, or an
                // OutputPath or JSONata Output after it (a large state is not copied per task).
                let can_fail = match st.language {
                    QueryLanguage::JSONPath => {
                        st.compiled.output_path.is_some()
                            || !path::result_path_applies(
                                &raw_input,
                                st.compiled.result_path.as_ref(),
                            )
                    }
                    QueryLanguage::JSONata => true,
                };
                let keep = ((common.result_path.is_some() || common.output.is_some()) && can_fail)
                    .then(|| raw_input.clone());
                match finish(rt, frame, common, st, raw_input, context, done) {
                    Ok((output, size)) => {
                        return Ok(Step {
                            output,
                            next: Next::Default,
                            size,
                        })
                    }
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
        let Some((index, catcher)) = find_catcher(catchers, &failure) else {
            return Err(failure);
        };
        let error_output = failure.to_error_output();
        let compiled = &st.compiled.catchers[index];
        let (output, assigned) = match st.language {
            QueryLanguage::JSONPath => {
                let assign = compiled.assign.as_ref();
                let assigned = assign_jsonpath(rt, assign, &error_output, frame, context)?;
                let output = path::apply_result_path_field(
                    raw_input,
                    compiled.result_path.as_ref(),
                    error_output,
                )?;
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
            next: Next::To(&compiled.next),
            size: None,
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
) -> Result<(Value, Option<usize>), Failure> {
    let compiled = st.compiled;
    let (output, size) = match st.language {
        QueryLanguage::JSONPath => {
            // The output is the result itself without ResultPath and OutputPath.
            let size = done
                .size
                .filter(|_| compiled.result_path.is_none() && compiled.output_path.is_none());
            // With a ResultPath, the output's size from the input's and the result's, without
            // measuring the whole output (a large state grows by a small result at every task).
            let placed_size = match (&compiled.result_path, &compiled.output_path, st.input_size) {
                (Some(Some(field)), None, Some(n)) => {
                    path::placed_size(&raw_input, n, field, &done.result)
                }
                _ => None,
            };
            let placed = path::apply_result_path_field(
                raw_input,
                compiled.result_path.as_ref(),
                done.result,
            )?;
            debug_assert!(
                placed_size.is_none_or(|n| n == json_size(&placed)),
                "placed_size {placed_size:?} for {placed}"
            );
            (
                output_path(st, placed, frame, context)?,
                size.or(placed_size),
            )
        }
        QueryLanguage::JSONata => {
            let states = states_binding(&raw_input, context, Some(("result", &done.result)));
            match jsonata_field(rt, frame, common.output.as_ref(), &states)? {
                Some(output) => (output, None),
                None => (done.result, done.size),
            }
        }
    };
    store(frame, done.assigned);
    Ok((output, size))
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
