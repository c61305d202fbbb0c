//! Wait: for `Seconds`/`SecondsPath`, or until `Timestamp`/`TimestampPath`, on the virtual clock.
//! A timestamp in the past does not wait.

use super::{
    assign_jsonata, assign_jsonpath, input_path, jsonata_field, output_path, states_binding, store,
    Step,
};
use crate::clock::{parse_timestamp, seconds_to_millis, Millis};
use crate::data::{self, path};
use crate::error::Failure;
use crate::runtime::{ContextExtra, Frame, Runtime, StateInfo};
use serde_json::Value;
use std::borrow::Cow;
use wfc_compiler::asl::{IntOrExpr, QueryLanguage, Wait};

pub(super) async fn run(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'_>,
    wait: &Wait,
    input: Value,
) -> Result<Step<'static>, Failure> {
    let common = &wait.common;
    let context = rt.context(st, ContextExtra::default());
    match st.language {
        QueryLanguage::JSONPath => {
            let effective = input_path(st, &input, frame, &context)?;
            let scope = frame.scope(&effective, &context);
            let until = if let Some(seconds) = &wait.seconds {
                after_seconds(rt, literal_seconds(seconds)?)
            } else if let Some(p) = &st.compiled.seconds_path {
                after_seconds(
                    rt,
                    path::seconds_path_field("SecondsPath", p, &scope)? as f64,
                )
            } else if let Some(text) = &wait.timestamp {
                timestamp(text)?
            } else if let Some(p) = &st.compiled.timestamp_path {
                path::timestamp_path_field("TimestampPath", p, &scope)?.timestamp_millis()
            } else {
                return Err(no_duration());
            };
            rt.clock.sleep_until(until).await;
            let assigned =
                assign_jsonpath(rt, st.compiled.assign.as_ref(), &effective, frame, &context)?;
            // Without InputPath the input moves on, uncopied.
            let effective = match effective {
                Cow::Borrowed(_) => None,
                Cow::Owned(value) => Some(value),
            };
            let output = output_path(st, effective.unwrap_or(input), frame, &context)?;
            store(frame, assigned);
            Ok(Step::default(output))
        }
        QueryLanguage::JSONata => {
            let states = states_binding(&input, &context, None);
            let until = if let Some(seconds) = &wait.seconds {
                let seconds = match seconds {
                    IntOrExpr::Expr(text) => {
                        let value =
                            jsonata_field(rt, frame, Some(&Value::String(text.clone())), &states)?
                                .unwrap_or(Value::Null);
                        value.as_u64().ok_or_else(|| {
                            Failure::query(format!(
                                "The Seconds field must evaluate to a non-negative integer, but {text} returned {value}"
                            ))
                        })? as f64
                    }
                    literal => literal_seconds(literal)?,
                };
                after_seconds(rt, seconds)
            } else if let Some(text) = &wait.timestamp {
                let value = jsonata_field(rt, frame, Some(&Value::String(text.clone())), &states)?
                    .unwrap_or(Value::Null);
                // RFC 3339 with an uppercase `T` and a zone, as for TimestampPath; anything else
                // is a failed evaluation (AWS: States.QueryEvaluationError).
                match value.as_str().and_then(data::choice::timestamp::parse_timestamp) {
                    Some(t) => t.timestamp_millis(),
                    None => {
                        return Err(Failure::query(format!(
                            "The Timestamp field must evaluate to an RFC 3339 timestamp string (an uppercase 'T' and a time zone, e.g. 2016-03-14T01:59:00Z), but {text} returned {value}"
                        )))
                    }
                }
            } else {
                return Err(no_duration());
            };
            rt.clock.sleep_until(until).await;
            let output = jsonata_field(rt, frame, common.output.as_ref(), &states)?;
            let assigned = assign_jsonata(rt, frame, common.assign.as_ref(), &states)?;
            store(frame, assigned);
            Ok(Step::default(output.unwrap_or(input)))
        }
    }
}

fn after_seconds(rt: &Runtime, seconds: f64) -> Millis {
    rt.clock.now().saturating_add(seconds_to_millis(seconds))
}

fn literal_seconds(seconds: &IntOrExpr) -> Result<f64, Failure> {
    match seconds {
        IntOrExpr::Number(n) => n.as_f64().filter(|s| *s >= 0.0).ok_or_else(|| {
            Failure::runtime(format!("Seconds must be a non-negative number, found {n}"))
        }),
        IntOrExpr::Expr(text) => Err(Failure::runtime(format!(
            "Seconds is a JSONata expression ({text}) in a JSONPath state"
        ))),
    }
}

fn timestamp(text: &str) -> Result<Millis, Failure> {
    parse_timestamp(text).ok_or_else(|| {
        Failure::runtime(format!(
            "The Timestamp field is not a valid ISO-8601 extended offset date-time format string: {text}"
        ))
    })
}

fn no_duration() -> Failure {
    Failure::runtime("a Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath")
}
