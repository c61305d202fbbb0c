//! The workflows, written in the wfc DSL.
//!
//! The WooCommerce workflows (failover, switchover, failback, preflight) are built from a shop's
//! stack description ([`wfc_stack::Stack`]): its ids and policy are written into the definitions,
//! and the execution input carries only what changes per run. `example` uses every state type
//! over example activity declarations and ignores the stack.

pub mod example;
pub mod woocommerce;

use wfc_compiler::dsl::{CompileError, Compiled};
use wfc_stack::Stack;

/// Builds one workflow for a stack: its ASL, or every problem found in it.
pub type Build = fn(&Stack) -> Result<Compiled, CompileError>;

/// Every workflow `wfc compile` builds, by name.
pub fn all() -> Vec<(&'static str, Build)> {
    vec![
        ("example", |_| example::workflow()),
        ("failover", woocommerce::failover::workflow),
        ("switchover", woocommerce::switchover::workflow),
        ("failback", woocommerce::failback::workflow),
        ("preflight", woocommerce::preflight::workflow),
    ]
}

/// Builds the workflow called `name` for `stack`; `None` when there is no such workflow.
pub fn build(name: &str, stack: &Stack) -> Option<Result<Compiled, CompileError>> {
    all()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, build)| build(stack))
}

/// The example stack (examples/woocommerce/stack.toml), used when no `--config` is given.
pub const EXAMPLE_STACK: &str = include_str!("../../examples/woocommerce/stack.toml");

/// Stand-in answers for a workflow's tasks in a local run, until the activities serve them.
#[derive(Clone, Copy)]
pub struct Simulated {
    /// `(activity name, input) -> output`
    pub lambda: fn(&str, &serde_json::Value) -> Option<serde_json::Value>,
    /// `(service, action, parameters) -> response`
    pub aws_sdk: fn(&str, &str, &serde_json::Value) -> Option<serde_json::Value>,
}

/// The stand-in answers of a workflow, if it has them.
pub fn simulated(workflow: &str) -> Option<Simulated> {
    match workflow {
        "example" => Some(Simulated {
            lambda: example::simulated::lambda,
            aws_sdk: example::simulated::aws_sdk,
        }),
        _ => None,
    }
}
