//! State names: unique across the whole machine (nested branches included), at most 80
//! characters, no control characters; and, as a lint, no characters that AWS names elsewhere
//! forbid and CloudWatch logging dislikes.

use super::{labelled_states, Sink};
use crate::asl::StateMachine;
use crate::diagnostic::Diagnostic;
use std::collections::HashMap;

const MAX_NAME: usize = 80;
const DISCOURAGED: &[char] = &[
    '<', '>', '{', '}', '[', ']', '?', '*', '"', '#', '%', '\\', '^', '|', '~', '`', '$', '&', ',',
    ';', ':', '/',
];

pub(super) fn check(machine: &StateMachine, sink: &mut Sink) {
    let mut first_seen: HashMap<&str, String> = HashMap::new();
    for (label, name, _) in labelled_states(machine) {
        if let Some(earlier) = first_seen.get(name) {
            let place = match earlier.rsplit_once(" › ") {
                Some((scope, _)) => format!("in {scope}"),
                None => "at the top level".to_string(),
            };
            sink.push(
                Diagnostic::error(
                    "duplicate-name",
                    format!("the state name \"{name}\" is already used by a state {place}"),
                )
                .at_state(label.clone())
                .with_hint(
                    "state names must be unique across the whole machine, nested branches included",
                ),
            );
        } else {
            first_seen.insert(name, label.clone());
        }
        let length = name.chars().count();
        if length == 0 || length > MAX_NAME {
            sink.push(
                Diagnostic::error(
                    "name-length",
                    format!(
                        "a state name must have 1 to {MAX_NAME} characters, this one has {length}"
                    ),
                )
                .at_state(label.clone()),
            );
        }
        if name.chars().any(char::is_control) {
            sink.push(
                Diagnostic::error(
                    "name-characters",
                    "the state name contains a control character",
                )
                .at_state(label.clone()),
            );
        } else if let Some(c) = name.chars().find(|c| DISCOURAGED.contains(c)) {
            sink.push(
                Diagnostic::lint("name-characters", format!("the state name contains '{c}', which AWS forbids in other names and which breaks log and metric filters"))
                    .at_state(label.clone())
                    .with_hint("keep to letters, digits, spaces, '-' and '_'"),
            );
        }
    }
}
