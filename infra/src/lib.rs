//! The deployable documents of a shop, generated from the same stack description and activity
//! declarations as the workflows, so the deployed permissions and rules cannot drift from the code.
//!
//! - [`network`]: the transit gateways, their peering (accepted by `wfc deploy`) and the routes,
//!   per region (`cloudformation/network-<region>.yaml`). [`data`]: the DR plumbing
//!   (`cloudformation/dr-<region>.yaml`): the endpoint health check, the replica or Aurora
//!   secondary.
//! - [`orchestrator`]: one CloudFormation template per region (`cloudformation/orchestrator-<region>.yaml`):
//!   the activity functions with one least-privilege role each, the state machines with versions
//!   and the `live` alias, the EventBridge rules, topic, queues, logs and the preflight alarm.
//! - [`iam`]: an activity's declared permissions narrowed to the stack's resources; the list of
//!   actions IAM cannot scope. [`statemachine`]: a state machine role from its definition.
//! - [`profile`]: each activity function's timeout, memory and whether it mutates.
//! - [`resolve`]: the definitions with their placeholders filled with the stack's values, for
//!   `wfc check` and the validators.
//! - [`yaml`]: the deterministic YAML writer.
//! - [`deploy`]: `wfc deploy`'s direct mode planned: what a region should hold against what it
//!   holds gives the changes (the CLI reads and changes the region with the SDK).
//!
//! **Invariant: pure.** It writes documents and calls nothing: no AWS SDK, no I/O (the caller
//! writes the files; `workflows/tests/no_sdk.rs` asks `cargo tree`).

pub mod data;
pub mod deploy;
pub mod iam;
pub mod names;
pub mod network;
pub mod orchestrator;
pub mod profile;
pub mod resolve;
pub mod statemachine;
pub mod yaml;

use serde_json::Value;
use wfc_stack::Stack;

/// A document to write: its path under the output directory and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub path: String,
    pub text: String,
}

/// The workflows of the orchestrator stack (the example workflow is not deployed).
pub fn deployed(name: &str) -> bool {
    wfc_stack::WORKFLOWS.contains(&name)
}

/// Every template of the stack: per region (in the stack's order) the network (when the stack
/// describes one), the DR plumbing and the orchestrator, from the workflows `wfc compile` built
/// (`(name, definition)`; others than the shop's four are ignored).
pub fn templates(stack: &Stack, workflows: &[(String, Value)]) -> Result<Vec<Document>, String> {
    let deployed: Vec<orchestrator::Workflow> = workflows
        .iter()
        .filter(|(name, _)| deployed(name))
        .map(|(name, definition)| orchestrator::Workflow { name, definition })
        .collect();
    let mut documents = Vec::new();
    let document = |kind: &str, region: &str, template: &Value| Document {
        path: format!("cloudformation/{kind}-{region}.yaml"),
        text: yaml::to_yaml(&without_empty_sections(template.clone())),
    };
    for region in stack.regions.keys() {
        if let Some(template) = network::template(stack, region) {
            documents.push(document("network", region, &template));
        }
    }
    for region in stack.regions.keys() {
        if let Some(template) = data::template(stack, region) {
            documents.push(document("dr", region, &template));
        }
    }
    for region in stack.regions.keys() {
        let template = orchestrator::template(stack, region, &deployed)?;
        documents.push(document("orchestrator", region, &template));
    }
    Ok(documents)
}

/// CloudFormation refuses an empty `Parameters`, `Conditions` or `Outputs` section.
fn without_empty_sections(mut template: Value) -> Value {
    if let Value::Object(map) = &mut template {
        map.retain(|_, v| !v.as_object().is_some_and(|o| o.is_empty()));
    }
    template
}
