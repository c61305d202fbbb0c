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
use crate::error::{names, Failure};
use crate::jsonata;
use crate::program::Target;
use crate::runtime::{ContextExtra, Frame, Runtime, StateInfo};
use serde_json::Value;
use std::borrow::Cow;
use wfc_compiler::asl::{Choice, ChoiceRule, QueryLanguage};

pub(super) fn run<'s>(
    rt: &Runtime,
    frame: &mut Frame,
    st: &StateInfo<'s>,
    choice: &'s Choice,
    input: Value,
) -> Result<Step<'s>, Failure> {
    let c = st.compiled;
    let context = rt.context(st, ContextExtra::default());
    match st.language {
        QueryLanguage::JSONPath => {
            let effective = input_path(st, &input, frame, &context)?;
            let scope = frame.scope(&effective, &context);
            let mut matched = None;
            for (i, compiled) in c.choices.iter().enumerate() {
                if compiled.rule.matches(&scope)? {
                    matched = Some(i);
                    break;
                }
            }
            let next = decide(st, matched)?;
            let assign = match matched {
                Some(i) => c.choices[i].assign.as_ref(),
                None => c.assign.as_ref(),
            };
            let assigned = assign_jsonpath(rt, assign, &effective, frame, &context)?;
            // Without InputPath the input moves on, uncopied.
            let effective = match effective {
                Cow::Borrowed(_) => None,
                Cow::Owned(value) => Some(value),
            };
            let output = output_path(st, effective.unwrap_or(input), frame, &context)?;
            store(frame, assigned);
            Ok(Step {
                output,
                next: Next::To(next),
                size: None,
            })
        }
        QueryLanguage::JSONata => {
            let states = states_binding(&input, &context, None);
            let mut matched = None;
            for (i, rule) in choice.choices.iter().enumerate() {
                if condition(rt, frame, rule, &states)? {
                    matched = Some(i);
                    break;
                }
            }
            let next = decide(st, matched)?;
            let (output_field, assign) = match matched {
                Some(i) => (
                    choice.choices[i].output.as_ref(),
                    choice.choices[i].assign.as_ref(),
                ),
                None => (common_output(choice), choice.common.assign.as_ref()),
            };
            let output = jsonata_field(rt, frame, output_field, &states)?;
            let assigned = assign_jsonata(rt, frame, assign, &states)?;
            store(frame, assigned);
            Ok(Step {
                output: output.unwrap_or(input),
                next: Next::To(next),
                size: None,
            })
        }
    }
}

fn common_output(choice: &Choice) -> Option<&Value> {
    choice.common.output.as_ref()
}

/// The next state: the matched rule's `Next`, else `Default`.
fn decide<'s>(st: &StateInfo<'s>, matched: Option<usize>) -> Result<&'s Target, Failure> {
    let c = st.compiled;
    match matched {
        Some(i) => match &c.choices[i].next {
            Some(next) => Ok(next),
            None => Err(Failure::runtime("a top-level Choice rule has no Next")),
        },
        None => match &c.default {
            Some(default) => Ok(default),
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
