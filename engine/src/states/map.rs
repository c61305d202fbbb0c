//! Map: runs its `ItemProcessor` once per item, at most `MaxConcurrency` at a time (0: all at
//! once) on the virtual clock; the result is the iterations' outputs in item order.
//!
//! - Items: `ItemsPath` (JSONPath, default `$`) or `Items` (JSONata, default the input). Each
//!   item is reshaped by `ItemSelector` (or the deprecated `Parameters`), which sees the item as
//!   `$$.Map.Item.Value` and its position as `$$.Map.Item.Index`.
//! - Inline: an iteration's failure fails the Map with that error and stops the others.
//! - Distributed Maps run here the same way (their child executions are iterations), except
//!   that they cannot read outer variables and failures are counted against
//!   `ToleratedFailureCount`/`ToleratedFailurePercentage` (`…Path` too): beyond them the Map
//!   fails with `States.ExceedToleratedFailureThreshold`. A tolerated failure leaves its error
//!   output (`{Error, Cause}`) at its place in the result.
//! - `ItemBatcher` groups items into `{"Items": […], "BatchInput": …}`.
//! - `ItemReader` and `ResultWriter` read and write S3, which does not exist locally: a Map that
//!   uses them fails with `States.Runtime` saying so (give the items inline instead).

use super::{
    apply_template, attempted_from_array, child_frame, input_path, jsonata_field, run_concurrently,
    run_scope, run_scope_now, states_binding, with_error_handling, Attempted, LocalFuture, Output,
    Step,
};
use crate::data::path;
use crate::data::template::Template;
use crate::error::{names, Failure};
use crate::jsonata;
use crate::runtime::{json_size, ContextExtra, Frame, Runtime, StateInfo};
use serde_json::{json, Value};
use std::borrow::Cow;
use wfc_compiler::asl::{IntOrExpr, ItemBatcher, Map, ProcessorMode, QueryLanguage};

pub(super) async fn run<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    map: &'s Map,
    input: Value,
) -> Result<Step<'s>, Failure> {
    let Some(processor) = map.processor() else {
        return Err(Failure::runtime("a Map state needs an ItemProcessor"));
    };
    if map.item_reader.is_some() {
        return Err(Failure::runtime(format!(
            "the Map state '{}' reads its items with ItemReader (from S3), which is not supported locally; give the items in the input (ItemsPath/Items) instead",
            st.name
        )));
    }
    if map.result_writer.is_some() {
        return Err(Failure::runtime(format!(
            "the Map state '{}' writes its results with ResultWriter (to S3), which is not supported locally",
            st.name
        )));
    }
    let distributed = processor.processor_config.as_ref().and_then(|c| c.mode)
        == Some(ProcessorMode::Distributed);
    let context = rt.context(st, ContextExtra::default());
    let Some(scope) = st.compiled.children.first() else {
        return Err(Failure::runtime("a Map state needs an ItemProcessor"));
    };
    let takes_items = takes_items(st, map);
    let attempt = async |frame: &Frame, raw: &mut Value| -> Result<Attempted, Failure> {
        let taken = match (takes_items, &st.compiled.items_path) {
            (true, Some(items_path)) => path::take_array(items_path, raw),
            _ => None,
        };
        let raw = &*raw;
        let mut plan = match st.language {
            QueryLanguage::JSONPath => plan_jsonpath(rt, frame, st, map, raw, &context, taken)?,
            QueryLanguage::JSONata => plan_jsonata(rt, frame, st, map, raw, &context)?,
        };
        let total = plan.inputs.len();
        rt.record(frame, "MapStateStarted", || {
            Some(("mapStateStartedEventDetails", json!({ "length": total })))
        });
        let tolerance = plan.tolerance.or(distributed.then_some(Tolerance::NONE));
        let mut failed = 0usize;
        let mut exceeded = false;
        let keep_going = |_: usize, result: &Result<Output, Failure>| {
            if result.is_ok() {
                return true;
            }
            failed += 1;
            match tolerance {
                Some(t) if t.allows(failed, total) => true,
                Some(_) => {
                    exceeded = true;
                    false
                }
                None => false,
            }
        };
        let language = processor.query_language;
        let iteration_started = |child: &Frame, i: usize| {
            rt.history.record_iteration(
                &child.cursor,
                rt.clock.now(),
                "MapIterationStarted",
                "mapIterationStartedEventDetails",
                st.id,
                i,
            )
        };
        let iteration_ended = |child: &Frame, i: usize, result: &Result<Output, Failure>| {
            let (kind, key) = match result {
                Ok(_) => ("MapIterationSucceeded", "mapIterationSucceededEventDetails"),
                Err(_) => ("MapIterationFailed", "mapIterationFailedEventDetails"),
            };
            rt.history
                .record_iteration(&child.cursor, rt.clock.now(), kind, key, st.id, i)
        };
        let results = if scope.synchronous {
            // Iterations that never wait run one after the other, here: the order of their
            // events is the order in which their futures would have run, and no future is
            // kept for any of them.
            run_one_by_one(
                total,
                |i| {
                    let mut child = child_frame(frame, !distributed, language);
                    iteration_started(&child, i);
                    let input = plan.inputs.take(i);
                    let result = run_scope_now(rt, &mut child, &scope.start, input);
                    iteration_ended(&child, i, &result);
                    result
                },
                keep_going,
            )
        } else {
            let inputs = &mut plan.inputs;
            run_concurrently(
                total,
                plan.max_concurrency,
                |i| -> LocalFuture<'_, Result<Output, Failure>> {
                    let mut child = child_frame(frame, !distributed, language);
                    let input = inputs.take(i);
                    Box::pin(async move {
                        iteration_started(&child, i);
                        let result =
                            run_scope(rt, &mut child, &scope.start, input, (None, None)).await;
                        iteration_ended(&child, i, &result);
                        result
                    })
                },
                keep_going,
            )
            .await
        };
        let mut outputs = Vec::with_capacity(total);
        // The array's size: its brackets, commas and the measured iteration outputs (unknown
        // once a tolerated failure's error output takes a place).
        let mut size = Some(2 + total.saturating_sub(1));
        for result in results {
            match result {
                Some(Ok(output)) => {
                    size = size.map(|s| s + output.size);
                    outputs.push(output.value)
                }
                Some(Err(failure)) if tolerance.is_some() && !exceeded => {
                    size = None;
                    outputs.push(failure.to_error_output())
                }
                Some(Err(failure)) => {
                    rt.record(frame, "MapStateFailed", || None);
                    return Err(if exceeded {
                        Failure::new(
                            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                            format!(
                                "The Map state '{}' failed because {failed} of {total} items failed, more than it tolerates",
                                st.name
                            ),
                        )
                    } else {
                        failure
                    });
                }
                None => size = None,
            }
        }
        rt.record(frame, "MapStateSucceeded", || None);
        attempted_from_array(rt, frame, st, raw, &context, Value::Array(outputs), size)
    };
    with_error_handling(rt, frame, st, input, &context, attempt).await
}

/// Whether the items can be moved out of the state input instead of copied: nothing reads the
/// input again (no Retry or Catch, no `ResultPath`, JSONPath) and nothing but `ItemsPath` reads
/// it while the items are planned (no `InputPath`, `ItemSelector`, `ItemBatcher` or `…Path`
/// numbers).
fn takes_items(st: &StateInfo<'_>, map: &Map) -> bool {
    let c = st.compiled;
    let handled = map.errors.retry.as_ref().is_some_and(|r| !r.is_empty())
        || map.errors.catch.as_ref().is_some_and(|c| !c.is_empty());
    st.language == QueryLanguage::JSONPath
        && !handled
        && c.result_path.is_none()
        && c.input_path.is_none()
        && c.item_selector.is_none()
        && map.item_batcher.is_none()
        && map.max_concurrency_path.is_none()
        && map.tolerated_failure_count_path.is_none()
        && map.tolerated_failure_percentage_path.is_none()
}

/// Runs `count` iterations one after the other, until `keep_going` says no after one; each
/// result by index (`None` for those never run), as [`run_concurrently`] returns them.
fn run_one_by_one<T>(
    count: usize,
    mut run: impl FnMut(usize) -> T,
    mut keep_going: impl FnMut(usize, &T) -> bool,
) -> Vec<Option<T>> {
    let mut results = Vec::with_capacity(count);
    for i in 0..count {
        let result = run(i);
        let go_on = keep_going(i, &result);
        results.push(Some(result));
        if !go_on {
            break;
        }
    }
    results.resize_with(count, || None);
    results
}

/// The iterations' inputs: the items themselves, borrowed from the state input when nothing
/// reshapes them (each is copied when its iteration starts), or built for them.
enum Inputs<'a> {
    Borrowed(&'a [Value]),
    Owned(Vec<Value>),
}

impl Inputs<'_> {
    fn len(&self) -> usize {
        match self {
            Inputs::Borrowed(items) => items.len(),
            Inputs::Owned(items) => items.len(),
        }
    }

    /// The input of iteration `i` (taken once: a plan is built for each attempt).
    fn take(&mut self, i: usize) -> Value {
        match self {
            Inputs::Borrowed(items) => items[i].clone(),
            Inputs::Owned(items) => std::mem::take(&mut items[i]),
        }
    }

    fn into_owned(self) -> Vec<Value> {
        match self {
            Inputs::Borrowed(items) => items.to_vec(),
            Inputs::Owned(items) => items,
        }
    }
}

impl<'a> From<Cow<'a, [Value]>> for Inputs<'a> {
    fn from(items: Cow<'a, [Value]>) -> Inputs<'a> {
        match items {
            Cow::Borrowed(items) => Inputs::Borrowed(items),
            Cow::Owned(items) => Inputs::Owned(items),
        }
    }
}

/// What the iterations get, and how they run.
struct Plan<'a> {
    inputs: Inputs<'a>,
    max_concurrency: usize,
    tolerance: Option<Tolerance>,
}

#[derive(Clone, Copy)]
struct Tolerance {
    count: Option<f64>,
    percentage: Option<f64>,
}

impl Tolerance {
    const NONE: Tolerance = Tolerance {
        count: Some(0.0),
        percentage: None,
    };

    /// Whether `failed` failures out of `total` items are within the tolerance.
    fn allows(self, failed: usize, total: usize) -> bool {
        let by_count = self.count.is_none_or(|c| failed as f64 <= c);
        let by_percentage = self
            .percentage
            .is_none_or(|p| total == 0 || failed as f64 * 100.0 / total as f64 <= p);
        by_count && by_percentage
    }
}

fn plan_jsonpath<'a>(
    rt: &Runtime,
    frame: &'a Frame,
    st: &StateInfo<'_>,
    map: &Map,
    raw: &'a Value,
    context: &'a Value,
    taken: Option<Vec<Value>>,
) -> Result<Plan<'a>, Failure> {
    let items_path = st
        .compiled
        .items_path
        .as_ref()
        .expect("a Map state's ItemsPath is compiled");
    let effective = input_path(st, raw, frame, context)?;
    // Without InputPath the items are borrowed from the state input, not copied.
    let (items, effective): (Inputs<'a>, Cow<'a, Value>) = match effective {
        // Moved out of the input already (see `takes_items`).
        Cow::Borrowed(input) if taken.is_some() => (
            Inputs::Owned(taken.unwrap_or_default()),
            Cow::Borrowed(input),
        ),
        Cow::Borrowed(input) => {
            let items = path::items_path_field(items_path, &frame.scope(input, context))?;
            (items.into(), Cow::Borrowed(input))
        }
        Cow::Owned(input) => {
            let items =
                path::items_path_field(items_path, &frame.scope(&input, context))?.into_owned();
            (Inputs::Owned(items), Cow::Owned(input))
        }
    };
    let scope = frame.scope(&effective, context);
    let inputs = match &st.compiled.item_selector {
        None => items,
        Some(selector) => {
            let items = match &items {
                Inputs::Borrowed(items) => *items,
                Inputs::Owned(items) => items.as_slice(),
            };
            let mut inputs = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let item_context = rt.context(
                    st,
                    ContextExtra {
                        map_item: Some((index, item)),
                        ..Default::default()
                    },
                );
                inputs.push(apply_template(
                    rt,
                    selector,
                    &effective,
                    frame,
                    &item_context,
                )?);
            }
            Inputs::Owned(inputs)
        }
    };
    let number = |value: Option<&IntOrExpr>, path_field: Option<&String>, name: &str| {
        read_number(value, path_field, name, |p| Ok(path::require(p, &scope)?))
    };
    let max_concurrency = number(
        map.max_concurrency.as_ref(),
        map.max_concurrency_path.as_ref(),
        "MaxConcurrency",
    )?
    .unwrap_or(0.0) as usize;
    let tolerance = tolerance(
        number(
            map.tolerated_failure_count.as_ref(),
            map.tolerated_failure_count_path.as_ref(),
            "ToleratedFailureCount",
        )?,
        at_most_100(number(
            map.tolerated_failure_percentage.as_ref(),
            map.tolerated_failure_percentage_path.as_ref(),
            "ToleratedFailurePercentage",
        )?)?,
    );
    let inputs = match &map.item_batcher {
        Some(batcher) => {
            let batch_input = batcher
                .batch_input
                .as_ref()
                .map(|b| apply_template(rt, &Template::new(b), &effective, frame, context))
                .transpose()?;
            Inputs::Owned(batch(inputs.into_owned(), batcher, batch_input, |p| {
                Ok(path::require(p, &scope)?)
            })?)
        }
        None => inputs,
    };
    Ok(Plan {
        inputs,
        max_concurrency,
        tolerance,
    })
}

fn plan_jsonata(
    rt: &Runtime,
    frame: &Frame,
    st: &StateInfo<'_>,
    map: &Map,
    raw: &Value,
    context: &Value,
) -> Result<Plan<'static>, Failure> {
    let states = states_binding(raw, context, None);
    let items = match jsonata_field(rt, frame, map.items.as_ref(), &states)? {
        Some(items) => items,
        None => raw.clone(),
    };
    let Value::Array(items) = items else {
        return Err(Failure::query(format!(
            "The Items of the Map state '{}' must be an array, found {items}",
            st.name
        )));
    };
    let mut inputs = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        inputs.push(match &map.item_selector {
            Some(selector) => {
                let mut item_context = rt.context(st, ContextExtra::default());
                if item_context.is_object() {
                    item_context["Map"] = json!({"Item": {"Index": index, "Value": item}});
                }
                let item_states = states_binding(raw, &item_context, None);
                jsonata_field(rt, frame, Some(selector), &item_states)?.unwrap_or(Value::Null)
            }
            None => item,
        });
    }
    let expr = |text: &str| -> Result<Value, Failure> {
        jsonata::evaluate(
            jsonata::expression(text).unwrap_or(text),
            &super::bindings(rt, frame, &states),
        )
    };
    let number = |value: Option<&IntOrExpr>, name: &str| read_number(value, None, name, expr);
    let max_concurrency =
        number(map.max_concurrency.as_ref(), "MaxConcurrency")?.unwrap_or(0.0) as usize;
    let tolerance = tolerance(
        number(
            map.tolerated_failure_count.as_ref(),
            "ToleratedFailureCount",
        )?,
        number(
            map.tolerated_failure_percentage.as_ref(),
            "ToleratedFailurePercentage",
        )?,
    );
    let inputs = match &map.item_batcher {
        Some(batcher) => {
            let batch_input = jsonata_field(rt, frame, batcher.batch_input.as_ref(), &states)?;
            batch(inputs, batcher, batch_input, expr)?
        }
        None => inputs,
    };
    let inputs = Inputs::Owned(inputs);
    Ok(Plan {
        inputs,
        max_concurrency,
        tolerance,
    })
}

/// A percentage read by `ToleratedFailurePercentagePath` must be at most 100; AWS fails the
/// execution with `States.Runtime` otherwise (a written one over 100 is refused by the checks).
fn at_most_100(percentage: Option<f64>) -> Result<Option<f64>, Failure> {
    match percentage {
        Some(p) if p > 100.0 => Err(Failure::runtime(format!(
            "ToleratedFailurePercentage must be between 0 and 100, found {p}"
        ))),
        _ => Ok(percentage),
    }
}

fn tolerance(count: Option<f64>, percentage: Option<f64>) -> Option<Tolerance> {
    (count.is_some() || percentage.is_some()).then_some(Tolerance { count, percentage })
}

/// A numeric field written as a number, an expression (JSONata) or read by its `…Path`.
fn read_number(
    value: Option<&IntOrExpr>,
    path_field: Option<&String>,
    name: &str,
    evaluate: impl Fn(&str) -> Result<Value, Failure>,
) -> Result<Option<f64>, Failure> {
    let found = match (value, path_field) {
        (_, Some(p)) => evaluate(p)?,
        (Some(IntOrExpr::Number(n)), None) => Value::Number(n.clone()),
        (Some(IntOrExpr::Expr(text)), None) => evaluate(text)?,
        (None, None) => return Ok(None),
    };
    match found.as_f64() {
        Some(n) if n >= 0.0 => Ok(Some(n)),
        _ => Err(Failure::runtime(format!(
            "{name} must be a non-negative number, found {found}"
        ))),
    }
}

/// Groups item inputs into batches by `MaxItemsPerBatch` and `MaxInputBytesPerBatch`.
fn batch(
    inputs: Vec<Value>,
    batcher: &ItemBatcher,
    batch_input: Option<Value>,
    evaluate: impl Fn(&str) -> Result<Value, Failure>,
) -> Result<Vec<Value>, Failure> {
    let limit = |value: &Option<Value>, path_field: &Option<String>, name: &str| {
        let found = match (value, path_field) {
            (_, Some(p)) => Some(evaluate(p)?),
            (Some(Value::String(text)), None) => Some(evaluate(text)?),
            (Some(v), None) => Some(v.clone()),
            (None, None) => None,
        };
        found
            .map(|v| {
                v.as_u64()
                    .filter(|n| *n > 0)
                    .map(|n| n as usize)
                    .ok_or_else(|| {
                        Failure::runtime(format!("{name} must be a positive integer, found {v}"))
                    })
            })
            .transpose()
    };
    let max_items = limit(
        &batcher.max_items_per_batch,
        &batcher.max_items_per_batch_path,
        "MaxItemsPerBatch",
    )?
    .unwrap_or(usize::MAX);
    let max_bytes = limit(
        &batcher.max_input_bytes_per_batch,
        &batcher.max_input_bytes_per_batch_path,
        "MaxInputBytesPerBatch",
    )?
    .unwrap_or(usize::MAX);
    let mut batches: Vec<Vec<Value>> = Vec::new();
    let mut bytes = 0;
    for input in inputs {
        let size = json_size(&input);
        let fits = batches
            .last()
            .is_some_and(|b| b.len() < max_items && bytes + size <= max_bytes);
        if !fits {
            batches.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        batches
            .last_mut()
            .expect("a batch was just pushed")
            .push(input);
    }
    Ok(batches
        .into_iter()
        .map(|items| {
            let mut b = json!({ "Items": items });
            if let Some(input) = &batch_input {
                b["BatchInput"] = input.clone();
            }
            b
        })
        .collect())
}
