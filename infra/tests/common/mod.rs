//! The three example stacks (examples/woocommerce/), their workflows and templates.
#![allow(dead_code)]

use serde_json::Value;
use wfc_stack::Stack;

pub const STACKS: [(&str, &str); 3] = [
    (
        "rds",
        include_str!("../../../examples/woocommerce/stack.toml"),
    ),
    (
        "aurora",
        include_str!("../../../examples/woocommerce/stack-aurora.toml"),
    ),
    (
        "self-managed",
        include_str!("../../../examples/woocommerce/stack-self-managed.toml"),
    ),
];

pub fn stack(text: &str) -> Stack {
    Stack::load(text).unwrap_or_else(|e| panic!("example stack loads: {e:?}"))
}

/// The workflows `wfc compile` builds, as `(name, definition)`.
pub fn workflows(stack: &Stack) -> Vec<(String, Value)> {
    wfc_workflows::all()
        .into_iter()
        .map(|(name, build)| {
            let compiled = build(stack).unwrap_or_else(|e| panic!("{name} compiles: {e:?}"));
            let definition = serde_json::from_str(&compiled.machine.to_pretty_json()).unwrap();
            (name.to_string(), definition)
        })
        .collect()
}

/// Every (stack label, stack, region, template) of the examples.
pub fn templates() -> Vec<(&'static str, Stack, String, Value)> {
    let mut out = Vec::new();
    for (label, text) in STACKS {
        let stack = stack(text);
        let workflows = workflows(&stack);
        let deployed: Vec<wfc_infra::orchestrator::Workflow> = workflows
            .iter()
            .filter(|(name, _)| wfc_infra::deployed(name))
            .map(|(name, definition)| wfc_infra::orchestrator::Workflow { name, definition })
            .collect();
        for region in stack.regions.keys() {
            let template = wfc_infra::orchestrator::template(&stack, region, &deployed)
                .unwrap_or_else(|e| panic!("{label} {region}: {e}"));
            out.push((label, stack.clone(), region.clone(), template));
        }
    }
    out
}

/// The resources of a template of the given type, as `(logical id, resource)`.
pub fn of_type<'t>(template: &'t Value, kind: &str) -> Vec<(&'t String, &'t Value)> {
    template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

/// The written documents of every example stack, in a directory of the test target.
pub fn written(dir_name: &str) -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(dir_name);
    let _ = std::fs::remove_dir_all(&root);
    let mut files = Vec::new();
    for (label, text) in STACKS {
        let stack = stack(text);
        for document in wfc_infra::templates(&stack, &workflows(&stack)).unwrap() {
            let path = root.join(label).join(&document.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &document.text).unwrap();
            files.push(path);
        }
    }
    files
}
