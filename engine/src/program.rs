//! A definition compiled once into what the executor walks ([`Program`]): every state of every
//! scope in one vector, transitions (`Next`, `Default`, Choice rules, Catchers) as indices into
//! it, and the JSONPath fields (paths, payload templates with their intrinsic calls, `ResultPath`,
//! Choice rules) parsed. Nothing here decides behaviour: a field that does not parse keeps its
//! error, raised when the state runs, exactly as when it was parsed there (a state that never
//! runs never fails), and a transition to a state that does not exist fails when it is taken.

use crate::data::choice::Rule;
use crate::data::path::{PathField, ResultPathField};
use crate::data::template::{Dynamic, Template};
use serde_json::Value;
use wfc_compiler::asl::{State, StateMachine, States};

/// The index of a state in [`Program::states`].
pub(crate) type StateId = u32;

/// Where a transition goes: a state, or a name that no state of the scope has (the execution
/// fails with `States.Runtime` when the transition is taken, as AWS would never let it start).
#[derive(Debug, Clone)]
pub(crate) enum Target {
    State(StateId),
    Missing(String),
}

/// A machine ready to run.
pub(crate) struct Program {
    pub machine: StateMachine,
    pub states: Vec<Compiled>,
    /// The top-level scope's `StartAt`.
    pub start: Target,
    /// Whether any state reads the context object: only then is the execution input kept for
    /// `$$.Execution.Input`.
    pub reads_context: bool,
}

/// A child scope: a Map's `ItemProcessor` or a Parallel branch.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub start: Target,
    /// Every state of the scope completes without waiting (Pass, Choice, Succeed, Fail): its
    /// runs can be made one after the other, in one call, with no future of their own.
    pub synchronous: bool,
}

/// A Choice rule, compiled.
pub(crate) struct Choice {
    pub rule: Rule,
    pub next: Option<Target>,
    pub assign: Option<Template>,
}

/// A Catcher, compiled: its `Next`, and its JSONPath `ResultPath` and `Assign`.
pub(crate) struct Catcher {
    pub next: Target,
    pub result_path: Option<Option<ResultPathField>>,
    pub assign: Option<Template>,
}

/// One state: its definition (a copy of the machine's), its transitions, and its fields parsed.
pub(crate) struct Compiled {
    pub name: String,
    pub state: State,
    /// `Next`, unless the state ends its scope.
    pub next: Option<Target>,
    /// The state's definition reads the context object (`$$…`, `$states.context`): only for
    /// such states is the context built.
    pub reads_context: bool,
    /// Pass, Choice, Succeed or Fail: never waits.
    pub synchronous: bool,
    /// The output is the input, untouched: a Pass, Choice, Wait or Succeed with no field that
    /// selects, builds or places a value (so it need not be measured or recorded again).
    pub passes_through: bool,
    /// A Pass with no field at all but its transition: in either query language its output is
    /// its input, it assigns nothing and reads no context, so running it is taking `Next`.
    pub plain_pass: bool,
    pub input_path: Option<Option<PathField>>,
    pub output_path: Option<Option<PathField>>,
    pub result_path: Option<Option<ResultPathField>>,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    /// JSONPath `Assign`, as the template it is.
    pub assign: Option<Template>,
    /// Choice: the rules, with their targets and JSONPath `Assign`, and `Default`.
    pub choices: Vec<Choice>,
    pub default: Option<Target>,
    /// `Catch`, in order.
    pub catchers: Vec<Catcher>,
    /// Wait: `SecondsPath`, `TimestampPath`; Task: `TimeoutSecondsPath`, `HeartbeatSecondsPath`.
    pub seconds_path: Option<PathField>,
    pub timestamp_path: Option<PathField>,
    pub timeout_seconds_path: Option<PathField>,
    pub heartbeat_seconds_path: Option<PathField>,
    /// Fail: `ErrorPath`, `CausePath` (a path or an intrinsic call).
    pub error_path: Option<Dynamic>,
    pub cause_path: Option<Dynamic>,
    /// Map: `ItemsPath` (default `$`) and `ItemSelector` (or the deprecated `Parameters`).
    pub items_path: Option<PathField>,
    pub item_selector: Option<Template>,
    /// Map: its `ItemProcessor`; Parallel: its branches, in order.
    pub children: Vec<Scope>,
}

impl Program {
    pub fn new(machine: StateMachine) -> Program {
        let mut states = Vec::new();
        let root = compile_scope(&mut states, &machine.states, &machine.start_at);
        let reads_context = states.iter().any(|s| s.reads_context);
        Program {
            machine,
            states,
            start: root.start,
            reads_context,
        }
    }

    pub fn state(&self, id: StateId) -> &Compiled {
        &self.states[id as usize]
    }
}

/// Compiles the states of one scope into `out` (the scope's states first, in order, then the
/// scopes nested in them) and returns where it starts.
fn compile_scope(out: &mut Vec<Compiled>, states: &States, start_at: &str) -> Scope {
    let base = out.len();
    let target = |name: &str| match states.get_index_of(name) {
        Some(i) => Target::State((base + i) as StateId),
        None => Target::Missing(name.to_string()),
    };
    // Reserve the scope's places first, so that its transitions are known before nesting.
    let mut compiled: Vec<Compiled> = states
        .iter()
        .map(|(name, state)| compile_state(name, state, &target))
        .collect();
    let synchronous = compiled.iter().all(|c| c.synchronous);
    out.append(&mut compiled);
    for (i, (_, state)) in states.iter().enumerate() {
        let children: Vec<Scope> = match state {
            State::Map(map) => map
                .processor()
                .map(|p| compile_scope(out, &p.states, &p.start_at))
                .into_iter()
                .collect(),
            State::Parallel(parallel) => parallel
                .branches
                .iter()
                .map(|b| compile_scope(out, &b.states, &b.start_at))
                .collect(),
            _ => Vec::new(),
        };
        out[base + i].children = children;
    }
    Scope {
        start: target(start_at),
        synchronous,
    }
}

fn compile_state(name: &str, state: &State, target: &impl Fn(&str) -> Target) -> Compiled {
    let common = state.common();
    let text = serde_json::to_string(state).unwrap_or_default();
    let path = |p: &Option<Option<String>>| p.as_ref().map(|p| p.as_deref().map(PathField::new));
    let (choices, default) = match state {
        State::Choice(choice) => (
            choice
                .choices
                .iter()
                .map(|rule| Choice {
                    rule: Rule::new(rule),
                    next: rule.next.as_deref().map(target),
                    assign: rule.assign.as_ref().map(assign_template),
                })
                .collect(),
            choice.default.as_deref().map(target),
        ),
        _ => (Vec::new(), None),
    };
    let catchers = state
        .error_handling()
        .and_then(|h| h.catch.as_deref())
        .unwrap_or(&[])
        .iter()
        .map(|c| Catcher {
            next: target(&c.next),
            result_path: c
                .result_path
                .as_ref()
                .map(|p| p.as_deref().map(ResultPathField::new)),
            assign: c.assign.as_ref().map(assign_template),
        })
        .collect();
    let field = |p: &Option<String>| p.as_deref().map(PathField::new);
    let (seconds_path, timestamp_path, timeout_seconds_path, heartbeat_seconds_path) = match state {
        State::Wait(w) => (field(&w.seconds_path), field(&w.timestamp_path), None, None),
        State::Task(t) => (
            None,
            None,
            field(&t.timeout_seconds_path),
            field(&t.heartbeat_seconds_path),
        ),
        _ => (None, None, None, None),
    };
    let (error_path, cause_path) = match state {
        State::Fail(f) => (
            f.error_path
                .as_deref()
                .map(|p| Dynamic::new("ErrorPath", p)),
            f.cause_path
                .as_deref()
                .map(|p| Dynamic::new("CausePath", p)),
        ),
        _ => (None, None),
    };
    let (items_path, item_selector) = match state {
        State::Map(map) => (
            Some(PathField::new(map.items_path.as_deref().unwrap_or("$"))),
            map.item_selector
                .as_ref()
                .or(common.parameters.as_ref())
                .map(Template::new),
        ),
        _ => (None, None),
    };
    Compiled {
        name: name.to_string(),
        next: match (common.end, &common.next) {
            (Some(true), _) | (_, None) => None,
            (_, Some(next)) => Some(target(next)),
        },
        reads_context: text.contains("$$") || text.contains("$states"),
        synchronous: matches!(
            state,
            State::Pass(_) | State::Choice(_) | State::Succeed(_) | State::Fail(_)
        ),
        passes_through: passes_input_through(state),
        plain_pass: match state {
            State::Pass(pass) => {
                passes_input_through(state) && pass.result.is_none() && common.assign.is_none()
            }
            _ => false,
        },
        input_path: path(&common.input_path),
        output_path: path(&common.output_path),
        result_path: common
            .result_path
            .as_ref()
            .map(|p| p.as_deref().map(ResultPathField::new)),
        parameters: common.parameters.as_ref().map(Template::new),
        result_selector: common.result_selector.as_ref().map(Template::new),
        assign: common.assign.as_ref().map(assign_template),
        choices,
        default,
        catchers,
        seconds_path,
        timestamp_path,
        timeout_seconds_path,
        heartbeat_seconds_path,
        error_path,
        cause_path,
        items_path,
        item_selector,
        children: Vec::new(),
        state: state.clone(),
    }
}

/// JSONPath `Assign` is a payload template.
pub(crate) fn assign_template(assign: &serde_json::Map<String, Value>) -> Template {
    Template::new(&Value::Object(assign.clone()))
}

/// Whether a state's output is its input, untouched: a Pass, Choice, Wait or Succeed with no
/// field that selects, builds or places a value.
fn passes_input_through(state: &State) -> bool {
    let c = state.common();
    let untouched = c.input_path.is_none()
        && c.parameters.is_none()
        && c.result_path.is_none()
        && c.output_path.is_none()
        && c.output.is_none();
    untouched
        && match state {
            State::Pass(pass) => pass.result.is_none(),
            State::Choice(choice) => choice.choices.iter().all(|rule| rule.output.is_none()),
            State::Wait(_) | State::Succeed(_) => true,
            _ => false,
        }
}
