//! The one ASL model: serde types for the whole Amazon States Language, both query languages.
//!
//! Every field of the spec lives in exactly one type here. The compiler emits these types, the
//! checks read them, the engine interprets them. Parsing a valid definition and serialising it
//! again gives the same JSON: unknown fields are kept (and reported by the checks), absent and
//! `null` are told apart, and numbers keep their written form (`2` vs `2.0`).

mod choice;
mod duplicate_keys;
pub mod intrinsic;
mod map;
mod parse;
pub mod path;
mod retry;
mod state;

pub use choice::{
    choice_operator_names, ChoiceRule, ComparisonKind, ComparisonOperator, COMPARISON_OPERATORS,
};
pub use map::{
    ItemBatcher, ItemProcessor, ItemReader, ProcessorConfig, ProcessorMode, ReaderConfig,
    ResultWriter, WriterConfig,
};
pub use parse::{parse, ParseFailure, PartialMachine};
pub use retry::{Catcher, ErrorHandling, JitterStrategy, Retrier};
pub use state::{
    Branch, Choice, Common, Fail, IntOrExpr, Map, Parallel, Pass, State, StateKind, Succeed, Task,
    Wait,
};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map as JsonMap, Value};

/// A JSON object of extra fields: whatever the spec does not define at that place.
/// Kept so that round-tripping never drops data; the checks report each one.
pub type Unknown = JsonMap<String, Value>;

/// The states of one scope (the machine, a Parallel branch, a Map processor), in written order.
pub type States = IndexMap<String, State>;

/// A whole state machine definition (the top level of an ASL document).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StateMachine {
    pub comment: Option<String>,
    pub query_language: Option<QueryLanguage>,
    pub start_at: String,
    pub states: States,
    pub version: Option<String>,
    pub timeout_seconds: Option<IntOrExpr>,
    #[serde(flatten)]
    pub unknown: Unknown,
}

/// `QueryLanguage` at the top level or on a state. JSONPath is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueryLanguage {
    JSONPath,
    JSONata,
}

impl StateMachine {
    /// The machine's query language (JSONPath unless said otherwise).
    pub fn query_language(&self) -> QueryLanguage {
        self.query_language.unwrap_or(QueryLanguage::JSONPath)
    }

    /// Pretty JSON, byte-identical between runs (field order is fixed by the model).
    pub fn to_pretty_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("ASL model always serialises");
        text.push('\n');
        text
    }

    /// Every state of the machine, nested ones included, depth-first in written order.
    pub fn all_states(&self) -> Vec<ScopedState<'_>> {
        let mut out = Vec::with_capacity(self.states.len());
        collect_states(&self.states, &ScopePath::root(), &mut out);
        out
    }
}

/// Where a scope sits in the machine: the chain of enclosing states, e.g. `Fan out › Branches[1]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ScopePath(pub Vec<String>);

impl ScopePath {
    pub fn root() -> Self {
        ScopePath(Vec::new())
    }
    pub fn child(&self, part: impl Into<String>) -> Self {
        let mut parts = self.0.clone();
        parts.push(part.into());
        ScopePath(parts)
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

/// A state together with the scope that holds it.
#[derive(Debug, Clone)]
pub struct ScopedState<'a> {
    pub name: &'a str,
    pub state: &'a State,
    pub scope: ScopePath,
}

fn collect_states<'a>(states: &'a States, scope: &ScopePath, out: &mut Vec<ScopedState<'a>>) {
    for_each_scope(states, scope, &mut |scope_states, path| {
        for (name, state) in scope_states {
            out.push(ScopedState {
                name,
                state,
                scope: path.clone(),
            });
        }
    });
}

/// Calls `visit` for each scope (the machine and every nested branch/processor), outermost first.
pub fn for_each_scope<'a>(
    states: &'a States,
    scope: &ScopePath,
    visit: &mut dyn FnMut(&'a States, &ScopePath),
) {
    visit(states, scope);
    for (name, state) in states {
        for child in state.child_scopes() {
            for_each_scope(
                child.states,
                &scope.child(format!("{name} › {}", child.label)),
                visit,
            );
        }
    }
}

/// A nested scope: a Parallel branch, a Map `ItemProcessor` or its deprecated `Iterator`.
#[derive(Debug, Clone)]
pub struct ChildScope<'a> {
    /// `Branches[0]`, `ItemProcessor` or `Iterator`.
    pub label: String,
    pub start_at: &'a str,
    pub states: &'a States,
}
