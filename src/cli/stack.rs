//! The stack description the workflows are built for: `--config <stack.toml>`, or the example
//! stack (examples/woocommerce/stack.toml, built in) when none is given.

use std::path::Path;
use wfc_compiler::dsl::Compiled;
use wfc_stack::Stack;

/// Reads and validates the stack; every problem is printed, with its key path.
pub fn load(config: Option<&Path>) -> Result<Stack, String> {
    let (text, origin) = match config {
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            path.display().to_string(),
        ),
        None => (
            wfc_workflows::EXAMPLE_STACK.to_string(),
            "examples/woocommerce/stack.toml (built in; pass --config for your shop)".to_string(),
        ),
    };
    Stack::load(&text).map_err(|errors| {
        for e in &errors {
            eprintln!("error: {origin}: {e}");
        }
        format!(
            "{origin}: {} problem(s) in the stack description",
            errors.len()
        )
    })
}

/// Whether `name` is one of our workflows; the error lists them.
pub fn known(name: &str) -> Result<(), String> {
    let names: Vec<&str> = wfc_workflows::all().iter().map(|(n, _)| *n).collect();
    if names.contains(&name) {
        return Ok(());
    }
    Err(format!(
        "no workflow named \"{name}\"; the workflows are: {}",
        names.join(", ")
    ))
}

/// Builds the workflow called `name` for `stack`, printing its problems when it does not compile.
pub fn build(name: &str, stack: &Stack) -> Result<Compiled, String> {
    known(name)?;
    let result = wfc_workflows::build(name, stack).expect("a known workflow");
    result.map_err(|e| {
        for d in &e.diagnostics {
            eprintln!("{d}");
        }
        format!("workflow {name}: {} problem(s)", e.diagnostics.len())
    })
}
