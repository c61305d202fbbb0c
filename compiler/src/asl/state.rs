//! The eight state types. Fields shared by several types live once, in [`Common`]; which type
//! may carry which of them is a check (`check::fields`), as it is in the spec's own table.

use super::{ChildScope, ErrorHandling, QueryLanguage, States, Unknown};
use super::{ChoiceRule, ItemBatcher, ItemProcessor, ItemReader, ResultWriter};
use serde::{Deserialize, Serialize};
use serde_json::{Map as JsonMap, Number, Value};
use serde_with::rust::double_option;

/// One state, tagged by its `Type`. `Map` is boxed: it has three times the fields of the others,
/// and unboxed it made every state 2 KB (BENCHMARKS.md, compiler hot spots).
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
    Map(Box<Map>),
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
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Common {
    pub comment: Option<String>,
    pub query_language: Option<QueryLanguage>,
    pub next: Option<String>,
    pub end: Option<bool>,
    /// `Some(None)` is an explicit `null` (an empty object in AWS's pipeline).
    #[serde(default, with = "double_option")]
    pub input_path: Option<Option<String>>,
    pub parameters: Option<Value>,
    pub result_selector: Option<Value>,
    /// `Some(None)` is `ResultPath: null`: the result is discarded, the input passes through.
    #[serde(default, with = "double_option")]
    pub result_path: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub output_path: Option<Option<String>>,
    /// JSONata: the state's arguments (Task, Parallel).
    pub arguments: Option<Value>,
    /// JSONata: the state's output. `"Output": null` is `Some(Value::Null)`: the output `null`.
    #[serde(default, deserialize_with = "present")]
    pub output: Option<Value>,
    /// Workflow variables assigned when the state completes (both query languages).
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

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pass {
    #[serde(flatten)]
    pub common: Common,
    pub result: Option<Value>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Task {
    #[serde(flatten)]
    pub common: Common,
    pub resource: String,
    pub credentials: Option<Value>,
    pub timeout_seconds: Option<IntOrExpr>,
    pub timeout_seconds_path: Option<String>,
    pub heartbeat_seconds: Option<IntOrExpr>,
    pub heartbeat_seconds_path: Option<String>,
    #[serde(flatten)]
    pub errors: ErrorHandling,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Choice {
    #[serde(flatten)]
    pub common: Common,
    pub choices: Vec<ChoiceRule>,
    pub default: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Wait {
    #[serde(flatten)]
    pub common: Common,
    pub seconds: Option<IntOrExpr>,
    pub seconds_path: Option<String>,
    pub timestamp: Option<String>,
    pub timestamp_path: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Succeed {
    #[serde(flatten)]
    pub common: Common,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fail {
    #[serde(flatten)]
    pub common: Common,
    pub error: Option<String>,
    pub error_path: Option<String>,
    pub cause: Option<String>,
    pub cause_path: Option<String>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parallel {
    #[serde(flatten)]
    pub common: Common,
    pub branches: Vec<Branch>,
    #[serde(flatten)]
    pub errors: ErrorHandling,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// A Parallel branch: a small state machine of its own.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub comment: Option<String>,
    pub query_language: Option<QueryLanguage>,
    pub start_at: String,
    pub states: States,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Map {
    #[serde(flatten)]
    pub common: Common,
    pub items_path: Option<String>,
    /// JSONata: an array, an object, or an expression.
    pub items: Option<Value>,
    pub item_selector: Option<Value>,
    pub item_processor: Option<ItemProcessor>,
    /// Deprecated spelling of `ItemProcessor` (without `ProcessorConfig`).
    pub iterator: Option<ItemProcessor>,
    pub item_reader: Option<ItemReader>,
    pub item_batcher: Option<ItemBatcher>,
    pub result_writer: Option<ResultWriter>,
    pub max_concurrency: Option<IntOrExpr>,
    pub max_concurrency_path: Option<String>,
    pub label: Option<String>,
    pub tolerated_failure_percentage: Option<IntOrExpr>,
    pub tolerated_failure_percentage_path: Option<String>,
    pub tolerated_failure_count: Option<IntOrExpr>,
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

/// Applies the same expression to whichever variant a state is (all have `common`, `unknown`).
macro_rules! each_state {
    ($state:expr, $s:ident => $e:expr) => {
        match $state {
            State::Pass($s) => $e,
            State::Task($s) => $e,
            State::Choice($s) => $e,
            State::Wait($s) => $e,
            State::Succeed($s) => $e,
            State::Fail($s) => $e,
            State::Parallel($s) => $e,
            State::Map($s) => $e,
        }
    };
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
        each_state!(self, s => &s.common)
    }

    pub fn common_mut(&mut self) -> &mut Common {
        each_state!(self, s => &mut s.common)
    }

    /// Fields the model does not know at this place (kept for round-tripping, reported by checks).
    pub fn unknown(&self) -> &Unknown {
        each_state!(self, s => &s.unknown)
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

/// A JSON value that is present, `null` included (serde's `Option` reads `null` as absent).
/// For JSONata `Output`, where `null` is a value like any other.
pub(super) fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `"Output": null` outputs `null` (issue 12: AWS-recorded JSONata executions); absent
    /// `Output` passes the state's result on.
    #[test]
    fn output_null_is_a_value() {
        let read = |text: &str| serde_json::from_str::<Common>(text).unwrap().output;
        assert_eq!(read(r#"{"Output": null}"#), Some(Value::Null));
        assert_eq!(read("{}"), None);
        let written = serde_json::to_string(&Common {
            output: Some(Value::Null),
            ..Common::default()
        })
        .unwrap();
        assert_eq!(written, r#"{"Output":null}"#);
    }
}
