//! Choice: the first rule that matches names the next state; else `Default`; else the state
//! fails with `States.NoChoiceMatched`. Rules are evaluated by the data layer (JSONPath) or as
//! JSONata `Condition`s.
//!
//! `Assign` and `Output`: a matching rule's own fields apply; the state's top-level ones apply
//! when `Default` is taken (ASL specification: the top-level `Output` is used "when no Choice
//! Rule matches"; a rule's `Output` "works exactly like a state's top-level `Output`").

use super::{
    assign_jsonata, assign_jsonpath, input_path, jsonata_field, output_path, states_binding, store,
    Next, Step,
};
use crate::data::choice::matches;
use crate::error::{names, Failure};
use crate::jsonata;
use crate::runtime::{ContextExtra, Frame, Runtime, StateInfo};
use serde_json::{Map, Value};
use wfc_compiler::asl::{Choice, ChoiceRule, QueryLanguage};

pub(super) fn run<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    choice: &'s Choice,
    input: Value,
) -> Result<Step<'s>, Failure> {
    let common = &choice.common;
    let context = rt.context(st, ContextExtra::default());
    match st.language {
        QueryLanguage::JSONPath => {
            let effective = input_path(common, &input, frame, &context)?;
            let scope = frame.scope(&effective, &context);
            let mut matched = None;
            for rule in &choice.choices {
                if matches(rule, &scope)? {
                    matched = Some(rule);
                    break;
                }
            }
            let (next, assign) = decide(choice, matched)?;
            let assigned = assign_jsonpath(rt, assign, &effective, frame, &context)?;
            let output = output_path(common, effective.into_owned(), frame, &context)?;
            store(frame, assigned);
            Ok(Step {
                output,
                next: Next::To(next),
            })
        }
        QueryLanguage::JSONata => {
            let states = states_binding(&input, &context, None);
            let mut matched = None;
            for rule in &choice.choices {
                if condition(rt, frame, rule, &states)? {
                    matched = Some(rule);
                    break;
                }
            }
            let (next, assign) = decide(choice, matched)?;
            let output_field = match matched {
                Some(rule) => rule.output.as_ref(),
                None => common.output.as_ref(),
            };
            let output = jsonata_field(rt, frame, output_field, &states)?;
            let assigned = assign_jsonata(rt, frame, assign, &states)?;
            store(frame, assigned);
            Ok(Step {
                output: output.unwrap_or(input),
                next: Next::To(next),
            })
        }
    }
}

/// The next state and the `Assign` that applies.
type Decision<'s> = (&'s str, Option<&'s Map<String, Value>>);

fn decide<'s>(
    choice: &'s Choice,
    matched: Option<&'s ChoiceRule>,
) -> Result<Decision<'s>, Failure> {
    match matched {
        Some(rule) => match &rule.next {
            Some(next) => Ok((next, rule.assign.as_ref())),
            None => Err(Failure::runtime("a top-level Choice rule has no Next")),
        },
        None => match &choice.default {
            Some(default) => Ok((default, choice.common.assign.as_ref())),
            None => Err(Failure::new(
                names::NO_CHOICE_MATCHED,
                "No Choice rule matched and there is no Default",
            )),
        },
    }
}

/// A JSONata rule's `Condition`: a boolean, written or computed.
fn condition(
    rt: &Runtime,
    frame: &Frame,
    rule: &ChoiceRule,
    states: &Value,
) -> Result<bool, Failure> {
    let Some(condition) = &rule.condition else {
        return Err(Failure::runtime(
            "a JSONata Choice rule needs a Condition (Variable and comparison operators are JSONPath only)",
        ));
    };
    let value = jsonata_field(rt, frame, Some(condition), states)?.unwrap_or(Value::Null);
    value.as_bool().ok_or_else(|| {
        Failure::query(format!(
            "The Condition {} must evaluate to a boolean, but returned {value}",
            condition_text(condition)
        ))
    })
}

fn condition_text(condition: &Value) -> String {
    match condition.as_str().and_then(jsonata::expression) {
        Some(expr) => format!("'{expr}'"),
        None => condition.to_string(),
    }
}
