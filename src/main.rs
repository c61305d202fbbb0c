//! `wfc`: compile, check and draw disaster-recovery workflows for AWS Step Functions.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
