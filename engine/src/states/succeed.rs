//! Succeed: ends its scope (the execution, or just its Parallel branch or Map iteration) with
//! its input, through `InputPath`/`OutputPath` (JSONPath) or `Output` (JSONata).

use super::{input_path, jsonata_field, output_path, states_binding, Next, Step};
use crate::error::Failure;
use crate::runtime::{ContextExtra, Frame, Runtime, StateInfo};
use serde_json::Value;
use std::borrow::Cow;
use wfc_compiler::asl::{QueryLanguage, Succeed};

pub(super) fn run(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'_>,
    succeed: &Succeed,
    input: Value,
) -> Result<Step<'static>, Failure> {
    let common = &succeed.common;
    let context = rt.context(st, ContextExtra::default());
    let output = match st.language {
        QueryLanguage::JSONPath => {
            let effective = match input_path(st, &input, frame, &context)? {
                Cow::Borrowed(_) => None,
                Cow::Owned(value) => Some(value),
            };
            output_path(st, effective.unwrap_or(input), frame, &context)?
        }
        QueryLanguage::JSONata => {
            let states = states_binding(&input, &context, None);
            jsonata_field(rt, frame, common.output.as_ref(), &states)?.unwrap_or(input)
        }
    };
    Ok(Step {
        output,
        next: Next::End,
        size: None,
    })
}
