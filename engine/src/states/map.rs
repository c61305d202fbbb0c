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
    run_scope, states_binding, with_error_handling, Attempted, LocalFuture, Step,
};
use crate::data::path;
use crate::error::{names, Failure};
use crate::jsonata;
use crate::runtime::{json_size, ContextExtra, Frame, Runtime, StateInfo};
use serde_json::{json, Value};
use wfc_compiler::asl::{IntOrExpr, ItemBatcher, Map, ProcessorMode, QueryLanguage};

pub(super) async fn run<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    map: &'s Map,
    input: Value,
) -> Result<Step<'s>, Failure> {
    let common = &map.common;
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
    let attempt = async |frame: &Frame, raw: &Value| -> Result<Attempted, Failure> {
        let plan = match st.language {
            QueryLanguage::JSONPath => plan_jsonpath(rt, frame, st, map, raw, &context)?,
            QueryLanguage::JSONata => plan_jsonata(rt, frame, st, map, raw, &context)?,
        };
        let total = plan.inputs.len();
        rt.record(frame, "MapStateStarted", || {
            Some(("mapStateStartedEventDetails", json!({ "length": total })))
        });
        let tolerance = plan.tolerance.or(distributed.then_some(Tolerance::NONE));
        let mut failed = 0usize;
        let mut exceeded = false;
        let results = run_concurrently(
            total,
            plan.max_concurrency,
            |i| -> LocalFuture<'_, Result<Value, Failure>> {
                let mut child = child_frame(frame, !distributed, processor.query_language);
                let input = plan.inputs[i].clone();
                Box::pin(async move {
                    let details = || {
                        Some((
                            "mapIterationStartedEventDetails",
                            json!({"name": st.name, "index": i}),
                        ))
                    };
                    rt.record(&child, "MapIterationStarted", details);
                    let result = run_scope(
                        rt,
                        &mut child,
                        &processor.states,
                        &processor.start_at,
                        input,
                    )
                    .await;
                    let (kind, key) = match result {
                        Ok(_) => ("MapIterationSucceeded", "mapIterationSucceededEventDetails"),
                        Err(_) => ("MapIterationFailed", "mapIterationFailedEventDetails"),
                    };
                    rt.record(&child, kind, || {
                        Some((key, json!({"name": st.name, "index": i})))
                    });
                    result
                })
            },
            |_, result| {
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
            },
        )
        .await;
        let mut outputs = Vec::with_capacity(total);
        for result in results {
            match result {
                Some(Ok(output)) => outputs.push(output),
                Some(Err(failure)) if tolerance.is_some() && !exceeded => {
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
                None => {}
            }
        }
        rt.record(frame, "MapStateSucceeded", || None);
        attempted_from_array(rt, frame, st, common, raw, &context, Value::Array(outputs))
    };
    with_error_handling(rt, frame, st, input, &context, attempt).await
}

/// What the iterations get, and how they run.
struct Plan {
    inputs: Vec<Value>,
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

fn plan_jsonpath(
    rt: &Runtime,
    frame: &Frame,
    st: &StateInfo<'_>,
    map: &Map,
    raw: &Value,
    context: &Value,
) -> Result<Plan, Failure> {
    let effective = input_path(&map.common, raw, frame, context)?;
    let scope = frame.scope(&effective, context);
    let items = path::items_path(map.items_path.as_deref(), &scope)?;
    let selector = map
        .item_selector
        .as_ref()
        .or(map.common.parameters.as_ref());
    let mut inputs = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        inputs.push(match selector {
            Some(selector) => {
                let item_context = rt.context(
                    st,
                    ContextExtra {
                        map_item: Some((index, &item)),
                        ..Default::default()
                    },
                );
                apply_template(rt, selector, &effective, frame, &item_context)?
            }
            None => item,
        });
    }
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
                .map(|b| apply_template(rt, b, &effective, frame, context))
                .transpose()?;
            batch(inputs, batcher, batch_input, |p| {
                Ok(path::require(p, &scope)?)
            })?
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
) -> Result<Plan, Failure> {
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
