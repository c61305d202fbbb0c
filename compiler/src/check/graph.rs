//! The transition graph of each scope: targets exist, every state is reachable, the scope can
//! finish, and no loop spins without a Wait or a Task.

use super::{state_label, Sink};
use crate::asl::{ScopePath, State, StateMachine, States};
use crate::diagnostic::{did_you_mean, Diagnostic};
use std::collections::{HashMap, HashSet};

pub(super) fn check(machine: &StateMachine, sink: &mut Sink) {
    let all_names: HashSet<&str> = machine.all_states().iter().map(|s| s.name).collect();
    check_scope(
        &machine.states,
        &machine.start_at,
        &ScopePath::root(),
        None,
        &all_names,
        sink,
    );
    for (name, state) in &machine.states {
        nested(name, state, &ScopePath::root(), &all_names, sink);
    }
}

fn nested(name: &str, state: &State, scope: &ScopePath, all: &HashSet<&str>, sink: &mut Sink) {
    for child in state.child_scopes() {
        let inner = scope.child(format!("{name} › {}", child.label));
        let owner = (state_label(scope, name), format!("{}.StartAt", child.label));
        check_scope(child.states, child.start_at, &inner, Some(owner), all, sink);
        for (n, s) in child.states {
            nested(n, s, &inner, all, sink);
        }
    }
}

/// `owner` is where a nested scope's StartAt is written: (state label, field).
fn check_scope(
    states: &States,
    start_at: &str,
    scope: &ScopePath,
    owner: Option<(String, String)>,
    all: &HashSet<&str>,
    sink: &mut Sink,
) {
    let names: Vec<&str> = states.keys().map(String::as_str).collect();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let kind = if scope.is_root() {
        "the machine"
    } else {
        "this branch"
    };

    let missing_target = |target: &str| {
        let mut d = Diagnostic::error(
            "unknown-target",
            format!(
                "no state named \"{target}\" in {kind}{}",
                did_you_mean(target, names.iter().copied())
            ),
        );
        d = if all.contains(target) {
            d.with_hint("transitions cannot leave or enter a Parallel branch or a Map processor")
        } else {
            d.with_hint(format!(
                "states here: {}",
                crate::diagnostic::quoted_list(names.iter().copied())
            ))
        };
        d
    };

    if !index.contains_key(start_at) {
        let d = missing_target(start_at);
        sink.push(match &owner {
            Some((state, field)) => d.at_state(state.clone()).at_field(field.clone()),
            None => d.at_field("StartAt"),
        });
    }
    // Edges by index; a missing target is reported once and left out of the graph.
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    let mut dangling = false;
    for (i, (name, state)) in states.iter().enumerate() {
        for (field, target) in state.transitions() {
            match index.get(target) {
                Some(&j) => edges[i].push(j),
                None => {
                    dangling = true;
                    sink.push(
                        missing_target(target)
                            .at_state(state_label(scope, name))
                            .at_field(field),
                    )
                }
            }
        }
    }
    if states.is_empty() {
        if let Some((state, field)) = &owner {
            let at = field.trim_end_matches(".StartAt").to_string();
            sink.push(
                Diagnostic::error("empty-states", format!("{at} has no states"))
                    .at_state(state.clone())
                    .at_field(format!("{at}.States")),
            );
        }
        return;
    }

    let terminal: Vec<bool> = states.values().map(State::is_terminal).collect();
    if !terminal.iter().any(|t| *t) {
        let d = Diagnostic::error("no-terminal", format!("{kind} can never finish: no state has \"End\": true and there is no Succeed or Fail state"))
            .with_hint("end the last state with \"End\": true");
        sink.push(match &owner {
            Some((state, field)) => d
                .at_state(state.clone())
                .at_field(field.trim_end_matches(".StartAt").to_string()),
            None => d,
        });
        return; // as AWS does: without an end state, reachability findings are noise
    }

    let Some(&start) = index.get(start_at) else {
        return;
    };
    let reachable = reach(&edges, start);
    for (i, name) in names.iter().enumerate() {
        if !reachable[i] {
            sink.push(
                Diagnostic::error(
                    "unreachable",
                    format!("state \"{name}\" cannot be reached from \"{start_at}\""),
                )
                .at_state(state_label(scope, name))
                .with_hint("point a Next, Default or Catch at it, or remove it"),
            );
        }
    }

    // States from which no terminal state can be reached: walk the reversed graph from terminals.
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, targets) in edges.iter().enumerate() {
        for &j in targets {
            reverse[j].push(i);
        }
    }
    let mut can_finish = vec![false; names.len()];
    let mut stack: Vec<usize> = (0..names.len()).filter(|&i| terminal[i]).collect();
    for &i in &stack {
        can_finish[i] = true;
    }
    while let Some(i) = stack.pop() {
        for &p in &reverse[i] {
            if !can_finish[p] {
                can_finish[p] = true;
                stack.push(p);
            }
        }
    }
    for (i, name) in names.iter().enumerate() {
        // A dangling target already explains why a path seems never to end.
        if reachable[i] && !can_finish[i] && !dangling {
            sink.push(
                Diagnostic::lint("never-ends", format!("from \"{name}\" no path leads to an end state; the execution would run until it times out"))
                    .at_state(state_label(scope, name))
                    .with_hint("give the loop an exit (a Choice branch to an end state)"),
            );
        }
    }

    let states_by_index: Vec<&State> = states.values().collect();
    for cycle in cycles(&edges, &reachable) {
        if !cycle.iter().any(|&i| makes_progress(states_by_index[i])) {
            let first = *cycle.iter().min().expect("a cycle has states");
            let members: Vec<&str> = {
                let mut sorted = cycle.clone();
                sorted.sort_unstable();
                sorted.iter().map(|&i| names[i]).collect()
            };
            sink.push(
                Diagnostic::lint("spin-loop", format!("the loop through {} has no Wait or Task state: it would spin without pause", crate::diagnostic::quoted_list(members)))
                    .at_state(state_label(scope, names[first]))
                    .with_hint("put a Wait state in the loop (poll with a delay)"),
            );
        }
    }
}

fn reach(edges: &[Vec<usize>], start: usize) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(i) = stack.pop() {
        for &j in &edges[i] {
            if !seen[j] {
                seen[j] = true;
                stack.push(j);
            }
        }
    }
    seen
}

/// A Wait or a Task pauses a loop; so does a Parallel or Map that contains one.
fn makes_progress(state: &State) -> bool {
    match state {
        State::Wait(_) | State::Task(_) => true,
        State::Parallel(_) | State::Map(_) => state
            .child_scopes()
            .iter()
            .any(|c| c.states.values().any(makes_progress)),
        _ => false,
    }
}

/// The strongly connected components that contain a cycle (Tarjan's algorithm, iterative so a
/// 100,000-state chain does not overflow the stack).
fn cycles(edges: &[Vec<usize>], reachable: &[bool]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if index[root] != UNSEEN || !reachable[root] {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&(v, next_edge)) = work.last() {
            if next_edge == 0 && index[v] == UNSEEN {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(next_edge) {
                work.last_mut().expect("top of the walk").1 += 1;
                if index[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                loop {
                    let w = stack.pop().expect("Tarjan stack holds the component");
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                let self_loop = component.len() == 1 && edges[v].contains(&v);
                if component.len() > 1 || self_loop {
                    out.push(component);
                }
            }
        }
    }
    out
}
