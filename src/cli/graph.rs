//! `wfc graph`: draws one of our workflows, or any ASL file.

use super::{OK, PROBLEMS, UNUSABLE};
use std::path::PathBuf;
use wfc_compiler::asl::parse;
use wfc_compiler::graph::{render, Format};

#[derive(clap::Args)]
pub struct Args {
    /// The workflow to draw (e.g. `example`).
    #[arg(required_unless_present = "asl", conflicts_with = "asl")]
    workflow: Option<String>,
    /// Draw this ASL file instead of one of our workflows.
    #[arg(long)]
    asl: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormat,
    /// The shop's stack description. Default: the built-in example stack.
    #[arg(long, conflicts_with = "asl")]
    config: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

pub fn run(args: Args) -> u8 {
    let format = match args.format {
        GraphFormat::Mermaid => Format::Mermaid,
        GraphFormat::Dot => Format::Dot,
    };
    let machine = if let Some(path) = &args.asl {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return UNUSABLE;
            }
        };
        match parse(&text, &path.display().to_string()) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("error: {} does not parse as ASL: {e:?}", path.display());
                return UNUSABLE;
            }
        }
    } else {
        let name = args.workflow.unwrap_or_default();
        if let Err(e) = super::stack::known(&name) {
            eprintln!("error: {e}");
            return UNUSABLE;
        }
        let built = super::stack::load(args.config.as_deref())
            .and_then(|stack| super::stack::build(&name, &stack));
        match built {
            Ok(c) => c.machine,
            Err(e) => {
                eprintln!("error: {e}");
                return PROBLEMS;
            }
        }
    };
    print!("{}", render(&machine, format));
    OK
}
