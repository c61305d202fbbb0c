//! The failover workflow (being written).

use wfc_compiler::dsl::{CompileError, Compiled, Workflow};
use wfc_stack::Stack;

pub fn workflow(_stack: &Stack) -> Result<Compiled, CompileError> {
    let wf = Workflow::new("failover");
    wf.compile(wf.succeed("Done"))
}
