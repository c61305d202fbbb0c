//! Drawings of a state machine: Mermaid flowcharts and Graphviz dot. Parallel branches and Map
//! bodies are drawn as subgraphs; Choice rules, defaults and catches are labelled edges.

use crate::asl::{State, StateMachine, States};
use std::collections::HashMap;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

/// Draws the machine. State ids are `s0`, `s1`… in definition order so that any name is safe.
pub fn render(machine: &StateMachine, format: Format) -> String {
    let mut ids = HashMap::new();
    for (i, s) in machine.all_states().iter().enumerate() {
        ids.insert(s.name.to_string(), format!("s{i}"));
    }
    let mut out = String::new();
    match format {
        Format::Mermaid => {
            out.push_str("flowchart TD\n");
            let _ = writeln!(
                out,
                "  start((start)) --> {}",
                ids.get(&machine.start_at).map_or("missing", String::as_str)
            );
        }
        Format::Dot => {
            out.push_str("digraph statemachine {\n  node [shape=box, style=rounded];\n  start [shape=circle, label=\"start\"];\n");
            let _ = writeln!(
                out,
                "  start -> {};",
                ids.get(&machine.start_at).map_or("missing", String::as_str)
            );
        }
    }
    let mut cluster = 0;
    scope(&machine.states, &ids, format, 1, &mut cluster, &mut out);
    if format == Format::Dot {
        out.push_str("}\n");
    }
    out
}

fn scope(
    states: &States,
    ids: &HashMap<String, String>,
    format: Format,
    depth: usize,
    cluster: &mut usize,
    out: &mut String,
) {
    let pad = "  ".repeat(depth);
    for (name, state) in states {
        let id = &ids[name];
        let label = format!("{name}\\n({})", state.kind().as_str()).replace('"', "'");
        match format {
            Format::Mermaid => {
                let label = label.replace("\\n", "<br/>");
                let _ = match state {
                    State::Choice(_) => writeln!(out, "{pad}{id}{{\"{label}\"}}"),
                    State::Succeed(_) | State::Fail(_) => writeln!(out, "{pad}{id}([\"{label}\"])"),
                    _ => writeln!(out, "{pad}{id}[\"{label}\"]"),
                };
            }
            Format::Dot => {
                let shape = match state {
                    State::Choice(_) => ", shape=diamond",
                    State::Succeed(_) | State::Fail(_) => ", shape=doublecircle",
                    _ => "",
                };
                let _ = writeln!(out, "{pad}{id} [label=\"{label}\"{shape}];");
            }
        }
        for child in state.child_scopes() {
            *cluster += 1;
            let title = format!("{name} {}", child.label).replace('"', "'");
            match format {
                Format::Mermaid => {
                    let _ = writeln!(out, "{pad}subgraph c{cluster}[\"{title}\"]");
                }
                Format::Dot => {
                    let _ = writeln!(
                        out,
                        "{pad}subgraph cluster_{cluster} {{\n{pad}  label=\"{title}\";"
                    );
                }
            }
            scope(child.states, ids, format, depth + 1, cluster, out);
            let close = if format == Format::Dot { "}" } else { "end" };
            let _ = writeln!(out, "{pad}{close}");
            if let Some(start) = ids.get(child.start_at) {
                edge(out, format, &pad, id, start, Some(&child.label));
            }
        }
        for (field, target) in state.transitions() {
            let Some(target) = ids.get(target) else {
                continue;
            };
            let label = if field == "Next" {
                None
            } else {
                Some(field.trim_end_matches(".Next"))
            };
            edge(out, format, &pad, id, target, label);
        }
    }
}

fn edge(out: &mut String, format: Format, pad: &str, from: &str, to: &str, label: Option<&str>) {
    let _ = match (format, label) {
        (Format::Mermaid, None) => writeln!(out, "{pad}{from} --> {to}"),
        (Format::Mermaid, Some(l)) => writeln!(out, "{pad}{from} -->|\"{l}\"| {to}"),
        (Format::Dot, None) => writeln!(out, "{pad}{from} -> {to};"),
        (Format::Dot, Some(l)) => {
            writeln!(out, "{pad}{from} -> {to} [label=\"{l}\", style=dashed];")
        }
    };
}
