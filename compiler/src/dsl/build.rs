//! From handles to ASL: places each state in its scope (the machine, a Parallel branch, a Map
//! body), writes transitions by name, runs every check, and applies the lints allowed at states.

use super::{Chain, Graph, Workflow};
use crate::asl::{
    self, Branch, Catcher, ChoiceRule, ItemProcessor, ProcessorConfig, ProcessorMode, State,
    StateMachine, States,
};
use crate::check::{self, CheckContext, MachineType};
use crate::diagnostic::{Diagnostic, Level};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::fmt;

/// A workflow that compiled: its ASL, its input schema, and the lints it allows (with reasons).
#[derive(Debug, Clone)]
pub struct Compiled {
    pub name: String,
    pub machine: StateMachine,
    pub machine_type: MachineType,
    pub input_schema: Option<Value>,
    /// `(state, lint, reason)` for every lint allowed at a state.
    pub allowed_lints: Vec<(String, String, String)>,
}

/// Every problem found in a workflow.
#[derive(Debug, Clone)]
pub struct CompileError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        write!(f, "{} problem(s)", self.diagnostics.len())
    }
}

impl std::error::Error for CompileError {}

pub(super) fn compile(workflow: &Workflow, start: Chain) -> Result<Compiled, CompileError> {
    let graph = workflow.graph.borrow();
    let mut problems = Vec::new();
    let (scopes, branch_scopes) = place_in_scopes(&graph, start.start.id, &mut problems);
    let mut entries: HashMap<usize, usize> = HashMap::from([(0, start.start.id)]);
    for (&(node, i), &scope) in &branch_scopes {
        entries.insert(scope, graph.nodes[node].branches[i]);
    }
    let placed = Placement {
        scope_of: &scopes,
        branch_scope: &branch_scopes,
        entries,
    };
    let states = build_scope(&graph, &placed, 0, &mut problems);
    let machine = StateMachine {
        comment: graph.comment.clone(),
        query_language: None,
        start_at: graph.nodes[start.start.id].name.clone(),
        states,
        version: None,
        timeout_seconds: graph.timeout_seconds.map(asl::IntOrExpr::from_u64),
        unknown: Default::default(),
    };
    let context = CheckContext {
        workflow: graph.name.clone(),
        machine_type: graph.machine_type,
        input_schema: graph.input_schema.clone(),
        task_results: typed(&graph, &scopes, |n| n.result_schema.clone()),
        task_inputs: typed(&graph, &scopes, |n| n.activity_input.clone()),
        task_errors: typed(&graph, &scopes, |n| {
            n.activity_errors
                .map(|e| e.iter().map(|s| s.to_string()).collect())
        }),
        // What `wfc compile` writes is what gets deployed: measure that.
        source_bytes: Some(machine.to_pretty_json().len()),
    };
    problems.extend(check::check(&machine, &context));

    let mut allowed_lints = Vec::new();
    let allowed: HashMap<&str, &HashMap<String, String>> = graph
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), &n.allowed))
        .collect();
    let mut kept = Vec::new();
    for d in problems {
        let state_name = d
            .state
            .as_deref()
            .map(|s| s.rsplit(" › ").next().unwrap_or(s));
        let reason = state_name
            .and_then(|s| allowed.get(s))
            .and_then(|a| a.get(d.code));
        match (d.level, reason) {
            (Level::Lint, Some(reason)) if !reason.trim().is_empty() => {
                allowed_lints.push((
                    state_name.unwrap_or_default().to_string(),
                    d.code.to_string(),
                    reason.clone(),
                ));
            }
            (Level::Lint, Some(_)) => kept.push(Diagnostic {
                hint: Some(
                    "allowing a lint needs a reason: .allow(\"lint\", \"why it is right here\")"
                        .into(),
                ),
                ..d
            }),
            _ => kept.push(d),
        }
    }
    for node in &graph.nodes {
        for lint in node.allowed.keys() {
            if !allowed_lints
                .iter()
                .any(|(s, l, _)| s == &node.name && l == lint)
                && scopes.contains_key(&node_index(&graph, &node.name))
            {
                kept.push(
                    Diagnostic::lint(
                        "unused-allow",
                        format!("the state allows lint \"{lint}\", which does not fire here"),
                    )
                    .in_workflow(&graph.name)
                    .at_state(node.name.clone())
                    .with_hint("remove the allow"),
                );
            }
        }
    }
    if !kept.is_empty() {
        return Err(CompileError { diagnostics: kept });
    }
    Ok(Compiled {
        name: graph.name.clone(),
        machine,
        machine_type: graph.machine_type,
        input_schema: graph.input_schema.clone(),
        allowed_lints,
    })
}

fn node_index(graph: &Graph, name: &str) -> usize {
    graph
        .nodes
        .iter()
        .position(|n| n.name == name)
        .unwrap_or(usize::MAX)
}

/// Per-state facts for the checks, by state name, for the states that are part of the machine.
fn typed<T>(
    graph: &Graph,
    scopes: &HashMap<usize, usize>,
    get: impl Fn(&super::Node) -> Option<T>,
) -> HashMap<String, T> {
    graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| scopes.contains_key(i))
        .filter_map(|(_, n)| get(n).map(|v| (n.name.clone(), v)))
        .collect()
}

/// Which scope each state is in, and which scope each branch (node, branch index) opens.
struct Placement<'a> {
    scope_of: &'a HashMap<usize, usize>,
    branch_scope: &'a HashMap<(usize, usize), usize>,
    /// The first state of each scope.
    entries: HashMap<usize, usize>,
}

/// Every node reachable from `start`, mapped to its scope number (0 = the machine; each
/// Parallel branch and Map body gets the next number). A node reached from two scopes is an
/// error: ASL cannot jump into or out of a branch.
fn place_in_scopes(
    graph: &Graph,
    start: usize,
    problems: &mut Vec<Diagnostic>,
) -> (HashMap<usize, usize>, HashMap<(usize, usize), usize>) {
    let mut scope_of: HashMap<usize, usize> = HashMap::new();
    let mut branch_scope = HashMap::new();
    let mut scope_starts: VecDeque<(usize, usize)> = VecDeque::from([(start, 0)]);
    let mut next_scope = 1;
    while let Some((entry, scope)) = scope_starts.pop_front() {
        let mut queue = VecDeque::from([entry]);
        while let Some(id) = queue.pop_front() {
            match scope_of.get(&id) {
                Some(&s) if s == scope => continue,
                Some(_) => {
                    problems.push(
                        Diagnostic::error("crosses-scope", "this state is used both inside and outside a Parallel branch or Map body")
                            .in_workflow(&graph.name)
                            .at_state(graph.nodes[id].name.clone())
                            .with_hint("create a separate state for each place (a function that builds the sub-chain can make both)"),
                    );
                    continue;
                }
                None => {}
            }
            scope_of.insert(id, scope);
            let node = &graph.nodes[id];
            queue.extend(node.next);
            queue.extend(node.choices.iter().map(|(_, t)| *t));
            queue.extend(node.default);
            queue.extend(node.catches.iter().map(|(_, t)| *t));
            for (i, &branch) in node.branches.iter().enumerate() {
                if branch_scope.contains_key(&(id, i)) {
                    continue;
                }
                branch_scope.insert((id, i), next_scope);
                scope_starts.push_back((branch, next_scope));
                next_scope += 1;
            }
        }
    }
    (scope_of, branch_scope)
}

/// The states of one scope, in creation order, with names written in for every handle.
fn build_scope(
    graph: &Graph,
    placed: &Placement,
    scope: usize,
    problems: &mut Vec<Diagnostic>,
) -> States {
    let mut states = States::new();
    let name = |id: usize| graph.nodes[id].name.clone();
    for id in reading_order(graph, placed, scope) {
        let node = &graph.nodes[id];
        let mut state = node.state.clone();
        let flowing = matches!(
            state,
            State::Pass(_) | State::Task(_) | State::Wait(_) | State::Parallel(_) | State::Map(_)
        );
        {
            let common = state.common_mut();
            common.next = node.next.map(name);
            common.end = (flowing && node.next.is_none()).then_some(true);
        }
        match &mut state {
            State::Choice(choice) => {
                choice.choices = node
                    .choices
                    .iter()
                    .map(|(condition, target)| ChoiceRule {
                        next: Some(name(*target)),
                        ..condition.rule.clone()
                    })
                    .collect();
                choice.default = node.default.map(name);
            }
            State::Parallel(parallel) => {
                parallel.branches = node
                    .branches
                    .iter()
                    .enumerate()
                    .map(|(i, &start)| Branch {
                        start_at: name(start),
                        states: build_scope(graph, placed, placed.branch_scope[&(id, i)], problems),
                        ..Default::default()
                    })
                    .collect();
            }
            State::Map(map) => {
                if let Some(&start) = node.branches.first() {
                    map.item_processor = Some(ItemProcessor {
                        processor_config: Some(ProcessorConfig {
                            mode: Some(ProcessorMode::Inline),
                            execution_type: None,
                        }),
                        start_at: name(start),
                        states: build_scope(graph, placed, placed.branch_scope[&(id, 0)], problems),
                        ..Default::default()
                    });
                }
            }
            _ => {}
        }
        if !node.catches.is_empty() {
            let catchers = node
                .catches
                .iter()
                .map(|(catch, target)| Catcher {
                    error_equals: catch.errors.clone(),
                    next: name(*target),
                    result_path: catch.result_path.clone().map(Some),
                    ..Default::default()
                })
                .collect();
            match &mut state {
                State::Task(asl::Task { errors, .. })
                | State::Parallel(asl::Parallel { errors, .. }) => errors.catch = Some(catchers),
                State::Map(m) => m.errors.catch = Some(catchers),
                other => problems.push(
                    Diagnostic::error(
                        "field-not-allowed",
                        format!("a {} state cannot catch errors", other.kind().as_str()),
                    )
                    .in_workflow(&graph.name)
                    .at_state(node.name.clone())
                    .at_field("Catch"),
                ),
            }
        }
        if states.contains_key(&node.name) {
            problems.push(
                Diagnostic::error(
                    "duplicate-name",
                    format!("two states are named \"{}\"", node.name),
                )
                .in_workflow(&graph.name)
                .at_state(node.name.clone())
                .with_hint("state names must be unique across the whole machine"),
            );
            continue;
        }
        states.insert(node.name.clone(), state);
    }
    states
}

/// The states of a scope in the order a reader follows them: breadth-first from the scope's
/// start along Next, Choice rules, Default and Catch (then any others, in creation order).
fn reading_order(graph: &Graph, placed: &Placement, scope: usize) -> Vec<usize> {
    let in_scope = |id: &usize| placed.scope_of.get(id) == Some(&scope);
    let entry = placed.entries.get(&scope).copied();
    let mut order: Vec<usize> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut queue: VecDeque<usize> = entry.into_iter().collect();
    while let Some(id) = queue.pop_front() {
        if !in_scope(&id) || !seen.insert(id) {
            continue;
        }
        order.push(id);
        let node = &graph.nodes[id];
        queue.extend(node.next);
        queue.extend(node.choices.iter().map(|(_, t)| *t));
        queue.extend(node.default);
        queue.extend(node.catches.iter().map(|(_, t)| *t));
    }
    order.extend((0..graph.nodes.len()).filter(|id| in_scope(id) && !seen.contains(id)));
    order
}
