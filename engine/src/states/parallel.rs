//! Parallel: every branch runs on the same input, side by side on the virtual clock (the state
//! takes as long as its longest branch); the result is the branches' outputs in branch order.
//!
//! A failing branch fails the state with the branch's own error, and the other branches are
//! stopped (their futures dropped). ASL specification: "If any branch fails, due to an
//! unhandled error or by transitioning to a Fail state, the entire Parallel state is considered
//! to have failed and all the branches are terminated. If the error is not handled by the
//! Parallel State, the interpreter should terminate the machine execution with an error." The
//! error is the branch's (a branch's `Fail` with `Error: "X"` is caught on the Parallel by
//! `"ErrorEquals": ["X"]`); `States.BranchFailed` is never raised.

use super::{
    attempted_from_array, child_frame, input_path, jsonata_field, parameters, run_concurrently,
    run_scope, states_binding, with_error_handling, Attempted, LocalFuture, Output, Step,
};
use crate::error::Failure;
use crate::runtime::{ContextExtra, Frame, Runtime, StateInfo};
use serde_json::Value;
use wfc_compiler::asl::{Parallel, QueryLanguage};

pub(super) async fn run<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    parallel: &'s Parallel,
    input: Value,
) -> Result<Step<'s>, Failure> {
    let common = &parallel.common;
    let context = rt.context(st, ContextExtra::default());
    let attempt = async |frame: &Frame, raw: &mut Value| -> Result<Attempted, Failure> {
        let raw = &*raw;
        // Built per attempt: `$$.State.RetryCount` counts the retries so far.
        let context = rt.context(st, ContextExtra::default());
        let branch_input = match st.language {
            QueryLanguage::JSONPath => {
                let effective = input_path(st, raw, frame, &context)?;
                parameters(rt, st, effective, frame, &context)?
                    .0
                    .into_owned()
            }
            QueryLanguage::JSONata => {
                let states = states_binding(raw, &context, None);
                jsonata_field(rt, frame, common.arguments.as_ref(), &states)?
                    .unwrap_or_else(|| raw.clone())
            }
        };
        rt.record(frame, "ParallelStateStarted", || None);
        let branches = &parallel.branches;
        let results = run_concurrently(
            branches.len(),
            0,
            |i| -> LocalFuture<'_, Result<Output, Failure>> {
                let branch = &branches[i];
                let scope = &st.compiled.children[i];
                let mut child = child_frame(frame, true, branch.query_language);
                let input = branch_input.clone();
                Box::pin(async move {
                    run_scope(rt, &mut child, &scope.start, input, (None, None)).await
                })
            },
            |_, result| result.is_ok(),
        )
        .await;
        let mut outputs = Vec::with_capacity(results.len());
        // The array's size: its brackets, commas and the measured branch outputs.
        let mut size = 2 + results.len().saturating_sub(1);
        for result in results {
            match result {
                Some(Ok(output)) => {
                    size += output.size;
                    outputs.push(output.value)
                }
                Some(Err(failure)) => {
                    rt.record(frame, "ParallelStateFailed", || None);
                    return Err(failure);
                }
                None => {}
            }
        }
        rt.record(frame, "ParallelStateSucceeded", || None);
        let size = (outputs.len() == branches.len()).then_some(size);
        attempted_from_array(rt, frame, st, raw, &context, Value::Array(outputs), size)
    };
    with_error_handling(rt, frame, st, input, &context, attempt).await
}
