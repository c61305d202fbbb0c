//! `wfc compile`: every workflow is checked (all problems at once); only when all pass are the
//! definitions and input schemas written, so a failed compile never leaves half an output.

use super::{OK, PROBLEMS, UNUSABLE};
use std::fs;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The shop's stack description (regions, databases, policy). Default: the built-in example,
    /// examples/woocommerce/stack.toml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to write statemachines/, schemas/, events/rules.json and cloudformation/.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> u8 {
    let stack = match super::stack::load(args.config.as_deref()) {
        Ok(stack) => stack,
        Err(e) => {
            eprintln!("error: {e}");
            return PROBLEMS;
        }
    };
    let compiled = match build_all(&stack) {
        Ok(compiled) => compiled,
        Err(failed) => {
            eprintln!("error: {failed} workflow(s) did not compile; nothing was written");
            return PROBLEMS;
        }
    };
    let rules = wfc_workflows::woocommerce::rules::rules(&stack);
    let definitions = definitions(&compiled);
    let templates = match wfc_infra::templates(&stack, &definitions) {
        Ok(templates) => templates,
        Err(e) => {
            eprintln!("error: the CloudFormation templates: {e}; nothing was written");
            return PROBLEMS;
        }
    };
    let examples: Vec<(String, serde_json::Value)> = compiled
        .iter()
        .filter_map(|c| {
            Some((
                c.name.clone(),
                wfc_workflows::example_input(&c.name, &stack)?,
            ))
        })
        .collect();
    let written = write_all(&args.out, &compiled)
        .and_then(|()| write_examples(&args.out, &examples))
        .and_then(|()| write_rules(&args.out, &rules))
        .and_then(|()| write_documents(&args.out, &templates));
    match written {
        Ok(()) => OK,
        Err(e) => {
            eprintln!("error: writing to {}: {e}", args.out.display());
            UNUSABLE
        }
    }
}

/// Every workflow built for `stack`, or how many did not compile (their problems printed).
pub fn build_all(stack: &wfc_stack::Stack) -> Result<Vec<wfc_compiler::dsl::Compiled>, usize> {
    let mut compiled = Vec::new();
    let mut failed = 0;
    for (name, _) in wfc_workflows::all() {
        match super::stack::build(name, stack) {
            Ok(c) => compiled.push(c),
            Err(e) => {
                failed += 1;
                eprintln!("{e}");
            }
        }
    }
    if failed > 0 {
        return Err(failed);
    }
    Ok(compiled)
}

/// `(name, definition)` of each compiled workflow, as the templates and `wfc deploy` take them.
pub fn definitions(compiled: &[wfc_compiler::dsl::Compiled]) -> Vec<(String, serde_json::Value)> {
    compiled
        .iter()
        .map(|c| {
            let definition = serde_json::from_str(&c.machine.to_pretty_json())
                .expect("a compiled definition is JSON");
            (c.name.clone(), definition)
        })
        .collect()
}

/// `<out>/schemas/<workflow>.input.example.json`: an input each schema accepts.
fn write_examples(out: &Path, examples: &[(String, serde_json::Value)]) -> std::io::Result<()> {
    for (name, example) in examples {
        let path = out
            .join("schemas")
            .join(format!("{name}.input.example.json"));
        let mut text = serde_json::to_string_pretty(example).expect("examples serialise");
        text.push('\n');
        fs::write(&path, text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// `<out>/events/rules.json`: every rule as `{Region, Rule (PutRule), Targets (PutTargets)}`.
fn write_rules(out: &Path, rules: &[serde_json::Value]) -> std::io::Result<()> {
    fs::create_dir_all(out.join("events"))?;
    let path = out.join("events").join("rules.json");
    let mut text = serde_json::to_string_pretty(rules).expect("rules serialise");
    text.push('\n');
    fs::write(&path, text)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// `<out>/cloudformation/orchestrator-<region>.yaml`, one per region.
fn write_documents(out: &Path, documents: &[wfc_infra::Document]) -> std::io::Result<()> {
    for document in documents {
        let path = out.join(&document.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, &document.text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn write_all(out: &Path, compiled: &[wfc_compiler::dsl::Compiled]) -> std::io::Result<()> {
    fs::create_dir_all(out.join("statemachines"))?;
    fs::create_dir_all(out.join("schemas"))?;
    for c in compiled {
        let definition = out
            .join("statemachines")
            .join(format!("{}.asl.json", c.name));
        fs::write(&definition, c.machine.to_pretty_json())?;
        println!("wrote {}", definition.display());
        if let Some(schema) = &c.input_schema {
            let path = out
                .join("schemas")
                .join(format!("{}.input.schema.json", c.name));
            let mut text = serde_json::to_string_pretty(schema).expect("schemas serialise");
            text.push('\n');
            fs::write(&path, text)?;
            println!("wrote {}", path.display());
        }
        for (state, lint, reason) in &c.allowed_lints {
            eprintln!(
                "note: workflow {} › state \"{state}\": lint {lint} allowed: {reason}",
                c.name
            );
        }
    }
    Ok(())
}
