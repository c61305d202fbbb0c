//! `wfc check --asl FILE`: exit 0 when AWS would accept the definition (lints are printed as
//! warnings), 1 with every error when it would not, 2 when the file is not JSON or not ASL.

use super::{OK, PROBLEMS, UNUSABLE};
use std::path::PathBuf;
use wfc_compiler::asl::{parse, ParseFailure};
use wfc_compiler::check::{check, CheckContext, MachineType};
use wfc_compiler::Level;

#[derive(clap::Args)]
pub struct Args {
    /// The ASL definition to check.
    #[arg(long)]
    asl: PathBuf,
    /// Check as an Express state machine (request/response integrations only).
    #[arg(long)]
    express: bool,
}

pub fn run(args: Args) -> u8 {
    let name = args.asl.display().to_string();
    let text = match std::fs::read_to_string(&args.asl) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {name}: {e}");
            return UNUSABLE;
        }
    };
    let machine = match parse(&text, &name) {
        Ok(machine) => machine,
        Err(ParseFailure::NotJson(e)) => {
            eprintln!("error: {name} is not JSON: {e}");
            return UNUSABLE;
        }
        Err(ParseFailure::NotAsl(e)) => {
            eprintln!("error: {name} is not an ASL state machine: {e}");
            return UNUSABLE;
        }
        Err(ParseFailure::Invalid(diagnostics)) => {
            for d in &diagnostics {
                eprintln!("{d}");
            }
            eprintln!("{name}: {} error(s)", diagnostics.len());
            return PROBLEMS;
        }
    };
    let mut context = CheckContext::named(name.clone());
    if args.express {
        context.machine_type = MachineType::Express;
    }
    let diagnostics = check(&machine, &context);
    for d in &diagnostics {
        eprintln!("{d}");
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .count();
    let lints = diagnostics.len() - errors;
    if errors > 0 {
        eprintln!("{name}: {errors} error(s), {lints} warning(s)");
        PROBLEMS
    } else {
        eprintln!("{name}: ok ({lints} warning(s))");
        OK
    }
}
