//! Pass: hands its input (or `Result`, or `Parameters`) on, through `ResultPath`/`OutputPath`
//! (JSONPath) or `Output` (JSONata). A Pass with none of those fields moves its input on
//! untouched, the hot path of a long Pass chain.

use super::{
    assign_jsonata, assign_jsonpath, input_path, jsonata_field, output_path, parameters,
    states_binding, store, Next, Step,
};
use crate::data::path;
use crate::error::Failure;
use crate::runtime::{ContextExtra, Frame, Runtime, StateInfo};
use serde_json::Value;
use wfc_compiler::asl::{Pass, QueryLanguage};

pub(super) fn run(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'_>,
    pass: &Pass,
    input: Value,
) -> Result<Step<'static>, Failure> {
    let common = &pass.common;
    let context = rt.context(st, ContextExtra::default());
    match st.language {
        QueryLanguage::JSONPath => {
            let plain = common.input_path.is_none()
                && common.parameters.is_none()
                && pass.result.is_none()
                && common.result_path.is_none()
                && common.output_path.is_none()
                && common.assign.is_none();
            if plain {
                return Ok(Step::default(input));
            }
            let c = st.compiled;
            let effective = input_path(st, &input, frame, &context)?;
            let (effective, measured) = parameters(rt, st, effective, frame, &context)?;
            // `Result` is the output of the "virtual task"; it wins over `Parameters`.
            let result = match &pass.result {
                Some(r) => r.clone(),
                None => effective.into_owned(),
            };
            let assigned = assign_jsonpath(rt, c.assign.as_ref(), &result, frame, &context)?;
            // The output is what Parameters built (and measured) without Result, ResultPath and
            // OutputPath.
            let size = measured.filter(|_| {
                pass.result.is_none() && c.result_path.is_none() && c.output_path.is_none()
            });
            // With a ResultPath, the output's size from the input's and the result's.
            let placed_size = match (&c.result_path, &c.output_path, st.input_size) {
                (Some(Some(field)), None, Some(n)) => path::placed_size(&input, n, field, &result),
                _ => None,
            };
            let placed = path::apply_result_path_field(input, c.result_path.as_ref(), result)?;
            debug_assert!(
                placed_size.is_none_or(|n| n == crate::runtime::json_size(&placed)),
                "placed_size {placed_size:?} for {placed}"
            );
            let output = output_path(st, placed, frame, &context)?;
            store(frame, assigned);
            Ok(Step {
                output,
                next: Next::Default,
                size: size.or(placed_size),
            })
        }
        QueryLanguage::JSONata => {
            let states = states_binding(&input, &context, None);
            let output = jsonata_field(rt, frame, common.output.as_ref(), &states)?;
            let assigned = assign_jsonata(rt, frame, common.assign.as_ref(), &states)?;
            store(frame, assigned);
            Ok(Step::default(output.unwrap_or(input)))
        }
    }
}
