//! Fail: ends its scope with an error, `Error`/`Cause` as written or read by `ErrorPath`/
//! `CausePath` (a reference path or a string-valued intrinsic) or, in JSONata, computed by an
//! expression. The enclosing Parallel or Map fails with it, or the execution does.

use super::{jsonata_field, states_binding};
use crate::data::template::Dynamic;
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
                 path: Option<&Dynamic>,
                 name: &str|
     -> Result<Option<String>, Failure> {
        match st.language {
            QueryLanguage::JSONPath => match (written, path) {
                (_, Some(p)) => {
                    let mut random = rt.random.borrow_mut();
                    // A path that selects nothing is States.Runtime, as everywhere else.
                    let value = p.evaluate(&frame.scope(&input, &context), &mut *random)?;
                    string(value, name, p.text()).map(Some)
                }
                (Some(text), None) => Ok(Some(text.clone())),
                // No Error (Cause): the execution fails with none (AWS records neither).
                (None, None) => Ok(None),
            },
            QueryLanguage::JSONata => match written {
                Some(text) => {
                    let states = states_binding(&input, &context, None);
                    let value =
                        jsonata_field(rt, frame, Some(&Value::String(text.clone())), &states)?
                            .unwrap_or(Value::Null);
                    string(value, name, text).map(Some)
                }
                None => Ok(None),
            },
        }
    };
    let c = st.compiled;
    let error = field(&fail.error, c.error_path.as_ref(), "ErrorPath");
    let cause = field(&fail.cause, c.cause_path.as_ref(), "CausePath");
    match (error, cause) {
        (Ok(error), Ok(cause)) => Failure { error, cause },
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
