//! The failback workflow (being written).

use wfc_activities::validate_request::FailbackRequest;
use wfc_compiler::dsl::{CompileError, Compiled, Workflow};
use wfc_stack::Stack;

/// What starts a failback: the request a person makes (console or `wfc failback start`).
pub type FailbackInput = FailbackRequest;

pub fn workflow(_stack: &Stack) -> Result<Compiled, CompileError> {
    let wf = Workflow::new("failback").input::<FailbackInput>();
    wf.compile(wf.succeed("Done"))
}
