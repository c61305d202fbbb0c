//! The definition must fit AWS's hard limit of 1 MB (1,048,576 characters).

use super::Sink;
use crate::asl::StateMachine;
use crate::diagnostic::Diagnostic;

pub const MAX_DEFINITION_BYTES: usize = 1_048_576;

pub(super) fn check(machine: &StateMachine, source_bytes: Option<usize>, sink: &mut Sink) {
    let size =
        source_bytes.unwrap_or_else(|| serde_json::to_vec(machine).map(|v| v.len()).unwrap_or(0));
    if size > MAX_DEFINITION_BYTES {
        sink.push(
            Diagnostic::error("definition-too-large", format!("the definition is {size} bytes; AWS accepts at most {MAX_DEFINITION_BYTES}"))
                .with_hint("split it into child state machines, or move repeated values into variables or DefinitionSubstitutions"),
        );
    }
}
