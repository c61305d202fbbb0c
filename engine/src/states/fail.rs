//! Fail: ends its scope with an error, `Error`/`Cause` as written or read by `ErrorPath`/
//! `CausePath` (a reference path or a string-valued intrinsic) or, in JSONata, computed by an
//! expression. The enclosing Parallel or Map fails with it, or the execution does.

use super::{jsonata_field, states_binding};
use crate::data::{self, template};
use crate::error::Failure;
use crate::runtime::{ContextExtra, Frame, Runtime, StateInfo};
use serde_json::Value;
use wfc_compiler::asl::{Fail, QueryLanguage};

pub(super) fn run(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'_>,
    fail: &Fail,
    input: Value,
) -> Failure {
    let context = rt.context(st, ContextExtra::default());
    let field = |written: &Option<String>,
                 path: &Option<String>,
                 name: &str|
     -> Result<String, Failure> {
        match st.language {
            QueryLanguage::JSONPath => match (written, path) {
                (_, Some(p)) => {
                    let mut random = rt.random.borrow_mut();
                    // ErrorPath/CausePath are paths, not a Parameters template: a path that
                    // selects nothing is a runtime error, as it is for InputPath.
                    let value =
                        template::resolve(name, p, &frame.scope(&input, &context), &mut *random)
                            .map_err(|e| match e.error {
                                data::PARAMETER_PATH_FAILURE => data::DataError::runtime(e.cause),
                                _ => e,
                            })?;
                    string(value, name, p)
                }
                (Some(text), None) => Ok(text.clone()),
                (None, None) => Ok(String::new()),
            },
            QueryLanguage::JSONata => match written {
                Some(text) => {
                    let states = states_binding(&input, &context, None);
                    let value =
                        jsonata_field(rt, frame, Some(&Value::String(text.clone())), &states)?
                            .unwrap_or(Value::Null);
                    string(value, name, text)
                }
                None => Ok(String::new()),
            },
        }
    };
    let error = field(&fail.error, &fail.error_path, "ErrorPath");
    let cause = field(&fail.cause, &fail.cause_path, "CausePath");
    match (error, cause) {
        (Ok(error), Ok(cause)) => Failure::new(error, cause),
        (Err(f), _) | (_, Err(f)) => f,
    }
}

fn string(value: Value, field: &str, written: &str) -> Result<String, Failure> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(Failure::runtime(format!(
            "The {field} '{written}' must resolve to a string, found {other}"
        ))),
    }
}
