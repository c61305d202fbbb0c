//! `wfc check --asl FILE`: exit 0 when AWS would accept the definition (lints are printed as
//! warnings), 1 with every error when it would not, 2 when the file is not JSON or not ASL.

use super::{OK, PROBLEMS, UNUSABLE};
use std::path::PathBuf;
use wfc_compiler::check::{check_source, CheckContext, MachineType, Unusable};
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
    let mut context = CheckContext::named(name.clone());
    if args.express {
        context.machine_type = MachineType::Express;
    }
    let report = match check_source(&text, &context) {
        Ok(report) => report,
        Err(Unusable::NotJson(e)) => {
            eprintln!("error: {name} is not JSON: {e}");
            return UNUSABLE;
        }
        Err(Unusable::NotAsl(e)) => {
            eprintln!("error: {name} is not an ASL state machine: {e}");
            return UNUSABLE;
        }
    };
    for d in &report.diagnostics {
        eprintln!("{d}");
    }
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .count();
    let lints = report.diagnostics.len() - errors;
    if errors > 0 {
        eprintln!("{name}: {errors} error(s), {lints} warning(s)");
        PROBLEMS
    } else {
        eprintln!("{name}: ok ({lints} warning(s))");
        OK
    }
}
