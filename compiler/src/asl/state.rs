//! The eight state types. Fields shared by several types live once, in [`Common`]; which type
//! may carry which of them is a check (`check::fields`), as it is in the spec's own table.

use super::{ChildScope, ErrorHandling, QueryLanguage, States, Unknown};
use super::{ChoiceRule, ItemBatcher, ItemProcessor, ItemReader, ResultWriter};
use serde::{Deserialize, Serialize};
use serde_json::{Map as JsonMap, Number, Value};
use serde_with::rust::double_option;

/// One state, tagged by its `Type`.
// Variants differ in size (Map has the most fields); boxing them would only add indirection to
// a model that is built once and read many times.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "Type")]
pub enum State {
    Pass(Pass),
    Task(Task),
    Choice(Choice),
    Wait(Wait),
    Succeed(Succeed),
    Fail(Fail),
    Parallel(Parallel),
    Map(Map),
}

/// The `Type` of a state, without its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateKind {
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

impl StateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Pass => "Pass",
            StateKind::Task => "Task",
            StateKind::Choice => "Choice",
            StateKind::Wait => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail => "Fail",
            StateKind::Parallel => "Parallel",
            StateKind::Map => "Map",
        }
    }
}

/// Fields that several state types share. A field that appears on a type that does not allow
/// it is reported by `check::fields`, not by the parser, so every such problem is listed at once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Common {
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(
        rename = "QueryLanguage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub query_language: Option<QueryLanguage>,
    #[serde(rename = "Next", default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(rename = "End", default, skip_serializing_if = "Option::is_none")]
    pub end: Option<bool>,
    /// `Some(None)` is an explicit `null` (an empty object in AWS's pipeline).
    #[serde(
        rename = "InputPath",
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub input_path: Option<Option<String>>,
    #[serde(
        rename = "Parameters",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parameters: Option<Value>,
    #[serde(
        rename = "ResultSelector",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_selector: Option<Value>,
    /// `Some(None)` is `ResultPath: null`: the result is discarded, the input passes through.
    #[serde(
        rename = "ResultPath",
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub result_path: Option<Option<String>>,
    #[serde(
        rename = "OutputPath",
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub output_path: Option<Option<String>>,
    /// JSONata: the state's arguments (Task, Parallel).
    #[serde(rename = "Arguments", default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    /// JSONata: the state's output.
    #[serde(rename = "Output", default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// Workflow variables assigned when the state completes (both query languages).
    #[serde(rename = "Assign", default, skip_serializing_if = "Option::is_none")]
    pub assign: Option<JsonMap<String, Value>>,
}

/// A whole number, or a JSONata `{% %}` expression where the query language allows one.
/// Written numbers keep their form (`3` vs `3.0`) so that a definition round-trips exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a whole number or a JSONata \"{% expression %}\" string"
)]
pub enum IntOrExpr {
    Number(Number),
    Expr(String),
}

impl IntOrExpr {
    /// The value when it is a non-negative whole number.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            IntOrExpr::Number(n) => n.as_u64(),
            IntOrExpr::Expr(_) => None,
        }
    }
    pub fn from_u64(value: u64) -> Self {
        IntOrExpr::Number(value.into())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pass {
    #[serde(flatten)]
    pub common: Common,
    #[serde(rename = "Result", default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Task {
    #[serde(flatten)]
    pub common: Common,
    #[serde(rename = "Resource")]
    pub resource: String,
    #[serde(
        rename = "Credentials",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub credentials: Option<Value>,
    #[serde(
        rename = "TimeoutSeconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout_seconds: Option<IntOrExpr>,
    #[serde(
        rename = "TimeoutSecondsPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout_seconds_path: Option<String>,
    #[serde(
        rename = "HeartbeatSeconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub heartbeat_seconds: Option<IntOrExpr>,
    #[serde(
        rename = "HeartbeatSecondsPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub heartbeat_seconds_path: Option<String>,
    #[serde(flatten)]
    pub errors: ErrorHandling,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    #[serde(flatten)]
    pub common: Common,
    #[serde(rename = "Choices")]
    pub choices: Vec<ChoiceRule>,
    #[serde(rename = "Default", default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Wait {
    #[serde(flatten)]
    pub common: Common,
    #[serde(rename = "Seconds", default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<IntOrExpr>,
    #[serde(
        rename = "SecondsPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub seconds_path: Option<String>,
    #[serde(rename = "Timestamp", default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(
        rename = "TimestampPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_path: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Succeed {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fail {
    #[serde(flatten)]
    pub common: Common,
    #[serde(rename = "Error", default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(rename = "ErrorPath", default, skip_serializing_if = "Option::is_none")]
    pub error_path: Option<String>,
    #[serde(rename = "Cause", default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(rename = "CausePath", default, skip_serializing_if = "Option::is_none")]
    pub cause_path: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Parallel {
    #[serde(flatten)]
    pub common: Common,
    #[serde(rename = "Branches")]
    pub branches: Vec<Branch>,
    #[serde(flatten)]
    pub errors: ErrorHandling,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// A Parallel branch: a small state machine of its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(
        rename = "QueryLanguage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub query_language: Option<QueryLanguage>,
    #[serde(rename = "StartAt")]
    pub start_at: String,
    #[serde(rename = "States")]
    pub states: States,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Map {
    #[serde(flatten)]
    pub common: Common,
    #[serde(rename = "ItemsPath", default, skip_serializing_if = "Option::is_none")]
    pub items_path: Option<String>,
    /// JSONata: an array, an object, or an expression.
    #[serde(rename = "Items", default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Value>,
    #[serde(
        rename = "ItemSelector",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub item_selector: Option<Value>,
    #[serde(
        rename = "ItemProcessor",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub item_processor: Option<ItemProcessor>,
    /// Deprecated spelling of `ItemProcessor` (without `ProcessorConfig`).
    #[serde(rename = "Iterator", default, skip_serializing_if = "Option::is_none")]
    pub iterator: Option<ItemProcessor>,
    #[serde(
        rename = "ItemReader",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub item_reader: Option<ItemReader>,
    #[serde(
        rename = "ItemBatcher",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub item_batcher: Option<ItemBatcher>,
    #[serde(
        rename = "ResultWriter",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_writer: Option<ResultWriter>,
    #[serde(
        rename = "MaxConcurrency",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_concurrency: Option<IntOrExpr>,
    #[serde(
        rename = "MaxConcurrencyPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_concurrency_path: Option<String>,
    #[serde(rename = "Label", default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(
        rename = "ToleratedFailurePercentage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tolerated_failure_percentage: Option<IntOrExpr>,
    #[serde(
        rename = "ToleratedFailurePercentagePath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tolerated_failure_percentage_path: Option<String>,
    #[serde(
        rename = "ToleratedFailureCount",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tolerated_failure_count: Option<IntOrExpr>,
    #[serde(
        rename = "ToleratedFailureCountPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tolerated_failure_count_path: Option<String>,
    #[serde(flatten)]
    pub errors: ErrorHandling,
    #[serde(flatten)]
    pub unknown: Unknown,
}

impl Map {
    /// The processor, whichever spelling the definition used.
    pub fn processor(&self) -> Option<&ItemProcessor> {
        self.item_processor.as_ref().or(self.iterator.as_ref())
    }
}

impl State {
    pub fn kind(&self) -> StateKind {
        match self {
            State::Pass(_) => StateKind::Pass,
            State::Task(_) => StateKind::Task,
            State::Choice(_) => StateKind::Choice,
            State::Wait(_) => StateKind::Wait,
            State::Succeed(_) => StateKind::Succeed,
            State::Fail(_) => StateKind::Fail,
            State::Parallel(_) => StateKind::Parallel,
            State::Map(_) => StateKind::Map,
        }
    }

    pub fn common(&self) -> &Common {
        match self {
            State::Pass(s) => &s.common,
            State::Task(s) => &s.common,
            State::Choice(s) => &s.common,
            State::Wait(s) => &s.common,
            State::Succeed(s) => &s.common,
            State::Fail(s) => &s.common,
            State::Parallel(s) => &s.common,
            State::Map(s) => &s.common,
        }
    }

    pub fn common_mut(&mut self) -> &mut Common {
        match self {
            State::Pass(s) => &mut s.common,
            State::Task(s) => &mut s.common,
            State::Choice(s) => &mut s.common,
            State::Wait(s) => &mut s.common,
            State::Succeed(s) => &mut s.common,
            State::Fail(s) => &mut s.common,
            State::Parallel(s) => &mut s.common,
            State::Map(s) => &mut s.common,
        }
    }

    /// Fields the model does not know at this place (kept for round-tripping, reported by checks).
    pub fn unknown(&self) -> &Unknown {
        match self {
            State::Pass(s) => &s.unknown,
            State::Task(s) => &s.unknown,
            State::Choice(s) => &s.unknown,
            State::Wait(s) => &s.unknown,
            State::Succeed(s) => &s.unknown,
            State::Fail(s) => &s.unknown,
            State::Parallel(s) => &s.unknown,
            State::Map(s) => &s.unknown,
        }
    }

    /// Retry and Catch, on the three types that may have them.
    pub fn error_handling(&self) -> Option<&ErrorHandling> {
        match self {
            State::Task(s) => Some(&s.errors),
            State::Parallel(s) => Some(&s.errors),
            State::Map(s) => Some(&s.errors),
            _ => None,
        }
    }

    /// Every state this one can hand control to, with the field that names it
    /// (`Next`, `Default`, `Choices[2].Next`, `Catch[0].Next`).
    pub fn transitions(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        if let Some(next) = &self.common().next {
            out.push(("Next".to_string(), next.as_str()));
        }
        if let State::Choice(choice) = self {
            for (i, rule) in choice.choices.iter().enumerate() {
                if let Some(next) = &rule.next {
                    out.push((format!("Choices[{i}].Next"), next.as_str()));
                }
            }
            if let Some(default) = &choice.default {
                out.push(("Default".to_string(), default.as_str()));
            }
        }
        if let Some(errors) = self.error_handling() {
            for (i, catcher) in errors.catch.iter().flatten().enumerate() {
                out.push((format!("Catch[{i}].Next"), catcher.next.as_str()));
            }
        }
        out
    }

    /// Whether the state ends its scope: Succeed, Fail, or `End: true`.
    pub fn is_terminal(&self) -> bool {
        matches!(self, State::Succeed(_) | State::Fail(_)) || self.common().end == Some(true)
    }

    /// Nested scopes: Parallel branches and the Map processor.
    pub fn child_scopes(&self) -> Vec<ChildScope<'_>> {
        match self {
            State::Parallel(p) => p
                .branches
                .iter()
                .enumerate()
                .map(|(i, b)| ChildScope {
                    label: format!("Branches[{i}]"),
                    start_at: &b.start_at,
                    states: &b.states,
                })
                .collect(),
            State::Map(m) => {
                let mut out = Vec::new();
                if let Some(p) = &m.item_processor {
                    out.push(ChildScope {
                        label: "ItemProcessor".into(),
                        start_at: &p.start_at,
                        states: &p.states,
                    });
                }
                if let Some(p) = &m.iterator {
                    out.push(ChildScope {
                        label: "Iterator".into(),
                        start_at: &p.start_at,
                        states: &p.states,
                    });
                }
                out
            }
            _ => Vec::new(),
        }
    }
}
