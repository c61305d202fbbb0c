//! The typed workflow DSL. A workflow reads like the plan, CDK-style:
//!
//! ```ignore
//! let wf = Workflow::new("failover").input::<FailoverInput>();
//! let check = wf.task::<CheckReplica>("Check replica").result_path("$.replica").retry(Retry::transient_lambda());
//! let gate = wf.choice("Lag within limit?")
//!     .when(check.output(field!(CheckReplicaOutput.lag_seconds)).le(60), &promote)
//!     .otherwise(&stop);
//! let machine = wf.compile(check.next(&gate))?;
//! ```
//!
//! States are created once, through the workflow, and referred to by handle ([`Step`]), so a
//! name is never written twice: loops, shared failure handlers and reused sub-chains are just
//! handles used in several places. Activities are referred to by their Rust type, so the input
//! and output schemas of every task are known and the data flow is checked.

mod build;
mod choice;
mod retry;
mod task;

pub use build::{CompileError, Compiled};
pub use choice::{BoolLike, Condition, FieldRef, NumberLike, Path, StringLike};
pub use retry::{Catch, Retry};
pub use task::{
    activity_of_placeholder, function_arn_placeholder, role_arn_placeholder, Integration, TaskStep,
};

use crate::asl::{self, QueryLanguage, State};
use crate::check::MachineType;
use schemars::JsonSchema;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A workflow under construction: its name, input type, and the states created through it.
#[derive(Clone)]
pub struct Workflow {
    graph: Rc<RefCell<Graph>>,
}

/// The states of a workflow, by handle index, before they are placed in scopes.
#[derive(Default)]
pub(crate) struct Graph {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) machine_type: MachineType,
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) input_schema: Option<Value>,
    pub(crate) nodes: Vec<Node>,
}

pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) state: State,
    /// Handles this state transitions to, by field: the builder fills in names at compile.
    pub(crate) next: Option<usize>,
    pub(crate) choices: Vec<(Condition, usize)>,
    pub(crate) default: Option<usize>,
    pub(crate) catches: Vec<(Catch, usize)>,
    /// Nested scopes: Parallel branches / Map processor, as chain starts.
    pub(crate) branches: Vec<usize>,
    /// Result schema of the activity a task runs (its raw output, before any envelope).
    pub(crate) result_schema: Option<Value>,
    /// Input schema of the activity, checked against what the state hands it.
    pub(crate) activity_input: Option<(String, Value)>,
    /// Error names the activity declares, for checking Retry/Catch names.
    pub(crate) activity_errors: Option<&'static [&'static str]>,
    /// Lints allowed at this state: code → reason.
    pub(crate) allowed: HashMap<String, String>,
}

impl Workflow {
    /// A Standard workflow with an untyped input (call [`Workflow::input`] to type it).
    pub fn new(name: &str) -> Self {
        let graph = Graph {
            name: name.to_string(),
            ..Default::default()
        };
        Workflow {
            graph: Rc::new(RefCell::new(graph)),
        }
    }

    /// Types the execution input: its JSON Schema starts the data-flow check.
    pub fn input<T: JsonSchema>(self) -> Self {
        self.graph.borrow_mut().input_schema = Some(schema_of::<T>());
        self
    }

    pub fn comment(self, comment: &str) -> Self {
        self.graph.borrow_mut().comment = Some(comment.to_string());
        self
    }

    pub fn express(self) -> Self {
        self.graph.borrow_mut().machine_type = MachineType::Express;
        self
    }

    /// The whole execution's `TimeoutSeconds`.
    pub fn timeout_seconds(self, seconds: u64) -> Self {
        self.graph.borrow_mut().timeout_seconds = Some(seconds);
        self
    }

    pub fn name(&self) -> String {
        self.graph.borrow().name.clone()
    }

    /// The JSON Schema of the execution input, if typed.
    pub fn input_schema(&self) -> Option<Value> {
        self.graph.borrow().input_schema.clone()
    }

    pub(crate) fn add(&self, name: &str, state: State) -> Step {
        let mut graph = self.graph.borrow_mut();
        graph.nodes.push(Node {
            name: name.to_string(),
            state,
            next: None,
            choices: Vec::new(),
            default: None,
            catches: Vec::new(),
            branches: Vec::new(),
            result_schema: None,
            activity_input: None,
            activity_errors: None,
            allowed: HashMap::new(),
        });
        Step {
            graph: self.graph.clone(),
            id: graph.nodes.len() - 1,
        }
    }

    /// A Pass state (passes its input on, or a fixed `Result`).
    pub fn pass(&self, name: &str) -> Step {
        self.add(name, State::Pass(Default::default()))
    }

    /// A Wait state of a fixed number of seconds.
    pub fn wait_seconds(&self, name: &str, seconds: u64) -> Step {
        let wait = asl::Wait {
            seconds: Some(asl::IntOrExpr::from_u64(seconds)),
            ..Default::default()
        };
        self.add(name, State::Wait(wait))
    }

    /// A Wait state whose seconds are read from the input.
    pub fn wait_seconds_at<F: choice::NumberLike>(&self, name: &str, seconds: Path<F>) -> Step {
        let wait = asl::Wait {
            seconds_path: Some(seconds.text),
            ..Default::default()
        };
        self.add(name, State::Wait(wait))
    }

    /// A Wait state until a timestamp read from the input.
    pub fn wait_until_at<F>(&self, name: &str, timestamp: Path<F>) -> Step {
        let wait = asl::Wait {
            timestamp_path: Some(timestamp.text),
            ..Default::default()
        };
        self.add(name, State::Wait(wait))
    }

    pub fn succeed(&self, name: &str) -> Step {
        self.add(name, State::Succeed(Default::default()))
    }

    /// A Fail state with a fixed error name and cause.
    pub fn fail(&self, name: &str, error: &str, cause: &str) -> Step {
        let fail = asl::Fail {
            error: Some(error.into()),
            cause: Some(cause.into()),
            ..Default::default()
        };
        self.add(name, State::Fail(fail))
    }

    /// A Fail state whose error and cause are read from the input (e.g. a caught error).
    pub fn fail_from<E, C>(&self, name: &str, error: Path<E>, cause: Path<C>) -> Step {
        let fail = asl::Fail {
            error_path: Some(error.text),
            cause_path: Some(cause.text),
            ..Default::default()
        };
        self.add(name, State::Fail(fail))
    }

    /// A Choice state; add rules with [`Step::when`] and the default with [`Step::otherwise`].
    pub fn choice(&self, name: &str) -> Step {
        self.add(name, State::Choice(Default::default()))
    }

    /// A Parallel state; add branches with [`Step::branch`].
    pub fn parallel(&self, name: &str) -> Step {
        self.add(name, State::Parallel(Default::default()))
    }

    /// An inline Map state over the array at `items`; set the body with [`Step::processor`].
    pub fn map<F>(&self, name: &str, items: Path<Vec<F>>) -> Step {
        let map = asl::Map {
            items_path: Some(items.text),
            ..Default::default()
        };
        self.add(name, State::Map(Box::new(map)))
    }

    /// Checks the workflow and turns it into ASL: every problem at once, lints included unless
    /// allowed at their state with a reason.
    pub fn compile(&self, start: impl IntoChain) -> Result<Compiled, CompileError> {
        build::compile(self, start.into_chain())
    }
}

/// JSON Schema of a type, as the data-flow check reads it.
pub fn schema_of<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("schemas serialise")
}

/// A handle to one state of a workflow.
#[derive(Clone)]
pub struct Step {
    pub(crate) graph: Rc<RefCell<Graph>>,
    pub(crate) id: usize,
}

impl Step {
    pub(crate) fn with_state(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.graph.borrow_mut().nodes[self.id].state);
    }

    pub(crate) fn with_node(&self, change: impl FnOnce(&mut Node)) {
        change(&mut self.graph.borrow_mut().nodes[self.id]);
    }

    /// The state's name.
    pub fn name(&self) -> String {
        self.graph.borrow().nodes[self.id].name.clone()
    }

    /// The path of this state's whole output, typed as `T` (an escape hatch when the type is known).
    pub fn output_as<T>(&self, path: &str) -> Path<T> {
        Path::raw(path)
    }
}

impl StateBuilder for Step {
    fn step(&self) -> &Step {
        self
    }
}

/// The builder methods every state handle has. Each applies to the state types the spec allows
/// it on; a misplaced one is reported when the workflow compiles.
pub trait StateBuilder: Sized {
    fn step(&self) -> &Step;

    /// Continue with `next` after this state: returns the chain, open at `next`'s ends.
    fn next(&self, next: impl IntoChain) -> Chain {
        Chain::from(self.step().clone()).next(next)
    }

    fn comment(self, comment: &str) -> Self {
        self.step()
            .with_state(|s| s.common_mut().comment = Some(comment.into()));
        self
    }

    /// Sets `InputPath`.
    fn input_path<F>(self, path: Path<F>) -> Self {
        self.step()
            .with_state(|s| s.common_mut().input_path = Some(Some(path.text)));
        self
    }

    /// Sets `Parameters` (a payload template; keys ending in `.$` read paths).
    fn parameters(self, template: Value) -> Self {
        self.step()
            .with_state(|s| s.common_mut().parameters = Some(template));
        self
    }

    /// Sets `ResultSelector` (a payload template over the state's raw result).
    fn result_selector(self, template: Value) -> Self {
        self.step()
            .with_state(|s| s.common_mut().result_selector = Some(template));
        self
    }

    /// Sets `ResultPath`: where the state's result goes in its input.
    fn result_path(self, path: &str) -> Self {
        self.step()
            .with_state(|s| s.common_mut().result_path = Some(Some(path.into())));
        self
    }

    /// `ResultPath: null`: the result is discarded and the input passes through.
    fn discard_result(self) -> Self {
        self.step()
            .with_state(|s| s.common_mut().result_path = Some(None));
        self
    }

    /// Sets `OutputPath`.
    fn output_path(self, path: &str) -> Self {
        self.step()
            .with_state(|s| s.common_mut().output_path = Some(Some(path.into())));
        self
    }

    /// A Pass state's fixed `Result`.
    fn result(self, value: Value) -> Self {
        self.step().with_state(|s| {
            if let State::Pass(p) = s {
                p.result = Some(value)
            }
        });
        self
    }

    /// Allows one lint at this state, with the reason it is right here.
    fn allow(self, lint: &str, reason: &str) -> Self {
        self.step().with_node(|n| {
            n.allowed.insert(lint.to_string(), reason.to_string());
        });
        self
    }

    /// Adds a retrier (Task, Parallel, Map).
    fn retry(self, retry: Retry) -> Self {
        self.step().with_state(|s| {
            let errors = match s {
                State::Task(asl::Task { errors, .. })
                | State::Parallel(asl::Parallel { errors, .. }) => Some(errors),
                State::Map(m) => Some(&mut m.errors),
                _ => None,
            };
            if let Some(errors) = errors {
                errors
                    .retry
                    .get_or_insert_with(Vec::new)
                    .push(retry.into_retrier());
            }
        });
        self
    }

    /// Adds a catcher that hands control to `handler` (Task, Parallel, Map).
    fn catch(self, catch: Catch, handler: impl IntoChain) -> Self {
        let handler = handler.into_chain();
        self.step()
            .with_node(|n| n.catches.push((catch, handler.start.id)));
        self
    }

    /// Adds a rule to a Choice state.
    fn when(self, condition: Condition, then: impl IntoChain) -> Self {
        let then = then.into_chain();
        self.step()
            .with_node(|n| n.choices.push((condition, then.start.id)));
        self
    }

    /// The Choice state's `Default`.
    fn otherwise(self, then: impl IntoChain) -> Self {
        let then = then.into_chain();
        self.step().with_node(|n| n.default = Some(then.start.id));
        self
    }

    /// Adds a branch to a Parallel state.
    fn branch(self, branch: impl IntoChain) -> Self {
        let branch = branch.into_chain();
        self.step().with_node(|n| n.branches.push(branch.start.id));
        self
    }

    /// The body a Map state runs for each item.
    fn processor(self, body: impl IntoChain) -> Self {
        let body = body.into_chain();
        self.step().with_node(|n| n.branches = vec![body.start.id]);
        self
    }

    /// A Map state's `MaxConcurrency` (0 = no limit).
    fn max_concurrency(self, limit: u64) -> Self {
        self.step().with_state(|s| {
            if let State::Map(m) = s {
                m.max_concurrency = Some(asl::IntOrExpr::from_u64(limit))
            }
        });
        self
    }

    /// A Map state's `ItemSelector`.
    fn item_selector(self, template: Value) -> Self {
        self.step().with_state(|s| {
            if let State::Map(m) = s {
                m.item_selector = Some(template)
            }
        });
        self
    }

    /// A Task's `TimeoutSeconds`.
    fn timeout_seconds(self, seconds: u64) -> Self {
        self.step().with_state(|s| {
            if let State::Task(t) = s {
                t.timeout_seconds = Some(asl::IntOrExpr::from_u64(seconds))
            }
        });
        self
    }

    /// A Task's `HeartbeatSeconds`.
    fn heartbeat_seconds(self, seconds: u64) -> Self {
        self.step().with_state(|s| {
            if let State::Task(t) = s {
                t.heartbeat_seconds = Some(asl::IntOrExpr::from_u64(seconds))
            }
        });
        self
    }

    /// Runs this state in JSONata mode.
    fn jsonata(self) -> Self {
        self.step()
            .with_state(|s| s.common_mut().query_language = Some(QueryLanguage::JSONata));
        self
    }
}

/// A sequence of states with a start and the open ends that `next` continues.
#[derive(Clone)]
pub struct Chain {
    pub(crate) start: Step,
    pub(crate) ends: Vec<Step>,
}

impl Chain {
    /// Links every open end of this chain to `next`.
    pub fn next(self, next: impl IntoChain) -> Chain {
        let next = next.into_chain();
        for end in &self.ends {
            end.with_node(|n| n.next = Some(next.start.id));
        }
        Chain {
            start: self.start,
            ends: next.ends,
        }
    }
}

impl From<Step> for Chain {
    fn from(step: Step) -> Chain {
        // Choice, Succeed and Fail never continue: they close the chain.
        let open = !matches!(
            step.graph.borrow().nodes[step.id].state,
            State::Choice(_) | State::Succeed(_) | State::Fail(_)
        );
        Chain {
            ends: if open { vec![step.clone()] } else { Vec::new() },
            start: step,
        }
    }
}

/// Anything that can start a chain: a step, a typed task, or a chain.
pub trait IntoChain {
    fn into_chain(self) -> Chain;
}

impl IntoChain for Chain {
    fn into_chain(self) -> Chain {
        self
    }
}

impl IntoChain for Step {
    fn into_chain(self) -> Chain {
        Chain::from(self)
    }
}

impl IntoChain for &Step {
    fn into_chain(self) -> Chain {
        Chain::from(self.clone())
    }
}

impl IntoChain for &Chain {
    fn into_chain(self) -> Chain {
        self.clone()
    }
}
