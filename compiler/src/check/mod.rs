//! Static checks over the ASL model. Every check adds to one list, so all problems are reported
//! at once. *Errors* are what AWS would reject (or, for typed data flow, what cannot work);
//! *lints* are what AWS accepts but is almost surely a bug.
//!
//! One module per concern, mirroring the spec: fields per state type, the transition graph, names,
//! Retry/Catch, Choice rules, paths and templates, task integrations, size, typed data flow.

mod choice;
mod dataflow;
mod errors;
mod fields;
mod graph;
mod names;
mod paths;
mod size;
mod tasks;

pub use dataflow::Shape;
pub use errors::{PREDEFINED_ERRORS, TRANSIENT_LAMBDA_ERRORS};

use crate::asl::{ScopePath, State, StateMachine};
use crate::diagnostic::Diagnostic;
use std::collections::HashMap;

/// Standard or Express: decides which integration patterns are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MachineType {
    #[default]
    Standard,
    Express,
}

/// What the checks know beyond the definition itself.
#[derive(Debug, Clone, Default)]
pub struct CheckContext {
    /// Names the definition in every diagnostic (a workflow name or a file name).
    pub workflow: String,
    pub machine_type: MachineType,
    /// JSON Schema of the execution input, when known (our own workflows).
    pub input_schema: Option<serde_json::Value>,
    /// JSON Schema of each task's result by state name, when known (typed activities).
    pub task_results: HashMap<String, serde_json::Value>,
    /// The activity each typed task runs and the JSON Schema of its input, by state name.
    pub task_inputs: HashMap<String, (String, serde_json::Value)>,
    /// The error names each typed task's activity declares, by state name.
    pub task_errors: HashMap<String, Vec<String>>,
    /// The size of the definition as it will be sent to AWS, when known (the file, or the
    /// pretty JSON `wfc compile` writes); otherwise the compact serialisation is measured.
    pub source_bytes: Option<usize>,
}

impl CheckContext {
    pub fn named(workflow: impl Into<String>) -> Self {
        CheckContext {
            workflow: workflow.into(),
            ..Default::default()
        }
    }
}

/// Runs every check and returns every problem found, errors and lints, in definition order.
pub fn check(machine: &StateMachine, context: &CheckContext) -> Vec<Diagnostic> {
    let mut sink = Sink {
        workflow: &context.workflow,
        found: Vec::new(),
    };
    fields::check(machine, &mut sink);
    names::check(machine, &mut sink);
    graph::check(machine, &mut sink);
    errors::check(machine, context, &mut sink);
    choice::check(machine, &mut sink);
    paths::check(machine, &mut sink);
    tasks::check(machine, context.machine_type, &mut sink);
    size::check(machine, context.source_bytes, &mut sink);
    if context.input_schema.is_some() {
        dataflow::check(machine, context, &mut sink);
    }
    sink.found
}

/// Collects diagnostics, filling in the workflow name.
pub(crate) struct Sink<'a> {
    workflow: &'a str,
    found: Vec<Diagnostic>,
}

impl Sink<'_> {
    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.found.push(diagnostic.in_workflow(self.workflow));
    }
}

/// How a state is named in diagnostics: nested ones with their scope (`Outer › Branches[0] › Inner`).
pub(crate) fn state_label(scope: &ScopePath, name: &str) -> String {
    if scope.is_root() {
        name.to_string()
    } else {
        format!("{} › {name}", scope.0.join(" › "))
    }
}

/// Every state with its display label, depth-first.
pub(crate) fn labelled_states(machine: &StateMachine) -> Vec<(String, &str, &State)> {
    machine
        .all_states()
        .into_iter()
        .map(|s| (state_label(&s.scope, s.name), s.name, s.state))
        .collect()
}

/// The outcome of checking a definition given as text.
#[derive(Debug, Clone)]
pub struct Report {
    /// The machine, when it parsed without structural errors.
    pub machine: Option<StateMachine>,
    /// Every problem found: structural ones first, then those of the checks.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.level == crate::Level::Error)
    }
}

/// Why a text could not be checked at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    NotJson(String),
    NotAsl(String),
}

/// Parses and checks a definition, reporting everything at once. When some states are broken,
/// the rest of the machine is still checked (with the broken states stood in for), minus the
/// findings that the stand-ins would make up: anything at them, and reachability, which a
/// stand-in's `End` changes. Keys written twice are reported first, and the machine JSON's
/// last-one-wins reading of them is checked as usual.
pub fn check_source(text: &str, context: &CheckContext) -> Result<Report, Unusable> {
    use crate::asl::{parse, ParseFailure};
    let context = CheckContext {
        source_bytes: Some(text.len()),
        ..context.clone()
    };
    match parse(text, &context.workflow) {
        Ok(machine) => {
            let diagnostics = check(&machine, &context);
            Ok(Report {
                machine: Some(machine),
                diagnostics,
            })
        }
        Err(ParseFailure::NotJson(e)) => Err(Unusable::NotJson(e)),
        Err(ParseFailure::NotAsl(e)) => Err(Unusable::NotAsl(e)),
        Err(ParseFailure::Invalid {
            mut diagnostics,
            partial,
        }) => {
            if let Some(partial) = partial {
                const GRAPH_DERIVED: &[&str] =
                    &["unreachable", "never-ends", "spin-loop", "no-terminal"];
                let at_placeholder = |d: &Diagnostic| {
                    d.state
                        .as_ref()
                        .is_some_and(|s| partial.placeholders.contains(s))
                };
                // Without stand-ins (only repeated keys were found) the graph is the real one.
                let stood_in = !partial.placeholders.is_empty();
                diagnostics.extend(check(&partial.machine, &context).into_iter().filter(|d| {
                    !at_placeholder(d) && (!stood_in || !GRAPH_DERIVED.contains(&d.code))
                }));
            }
            Ok(Report {
                machine: None,
                diagnostics,
            })
        }
    }
}
