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

/// An example execution input of the workflow called `name` (written by `wfc compile` next to its
/// schema, which it satisfies: a test holds them together).
pub fn example_input(name: &str, stack: &Stack) -> Option<serde_json::Value> {
    let (primary, _) = stack.primary();
    let example = match name {
        "example" => {
            serde_json::from_str(include_str!("../../examples/example-input.json")).ok()?
        }
        "failover" => serde_json::json!({
            "incident_id": "alarm-woo-use1-db-down-2026-11-26T03:04:40.989+0000",
            "trigger": { "source": "alarm", "name": stack.regions[primary].alarms.first(), "region": primary },
            "time": "2026-11-26T03:04:40Z",
            "rpo_override": null
        }),
        "switchover" => serde_json::json!({
            "change_id": "CHG-1234",
            "requested_by": "sre-oncall@example.com",
            "reason": "quarterly DR exercise"
        }),
        "failback" => serde_json::json!({
            "target_region": primary,
            "incident_id": "INC-2024-0042",
            "requested_by": "sre-oncall@example.com",
            "reason": format!("{primary} is healthy again; return the shop to its primary region"),
            "max_write_pause_seconds": 900,
            "handled_order_ids": [],
            "gap_reconciled": false
        }),
        "preflight" => serde_json::json!({ "time": "2026-11-26T03:30:00Z" }),
        _ => return None,
    };
    Some(example)
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
