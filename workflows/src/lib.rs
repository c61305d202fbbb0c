//! The workflows, written in the wfc DSL.
//!
//! Until the WooCommerce workflows arrive (with their stack description), this crate holds one
//! example workflow that uses every state type, over example activity declarations.

pub mod example;

use wfc_compiler::dsl::{CompileError, Compiled};

/// Builds one workflow: its ASL, or every problem found in it.
pub type Build = fn() -> Result<Compiled, CompileError>;

/// Every workflow `wfc compile` builds, by name.
pub fn all() -> Vec<(&'static str, Build)> {
    vec![("example", example::workflow)]
}

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
