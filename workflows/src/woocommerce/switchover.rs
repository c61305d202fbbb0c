//! The switchover workflow (being written).

use wfc_compiler::dsl::{CompileError, Compiled, Workflow};
use wfc_stack::Stack;

pub fn workflow(_stack: &Stack) -> Result<Compiled, CompileError> {
    let wf = Workflow::new("switchover");
    wf.compile(wf.succeed("Done"))
}
