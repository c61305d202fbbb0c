//! The command line. Each subcommand is a module; this one parses arguments and maps outcomes
//! to exit codes (0 success, 1 the input has problems, 2 the input is unusable).

mod check;
mod compile;
mod drill;
mod events;
mod graph;
mod run;
mod stack;

// The commands that call AWS link the AWS SDK: only with `--features aws` (see Cargo.toml).
#[cfg(feature = "aws")]
mod approve;
#[cfg(feature = "aws")]
mod failback;
#[cfg(feature = "aws")]
mod sfn;
#[cfg(feature = "aws")]
mod status;
#[cfg(feature = "aws")]
use {
    approve::{ApproveArgs, RejectArgs},
    failback::Args as FailbackArgs,
    status::Args as StatusArgs,
};
#[cfg(not(feature = "aws"))]
mod without_aws;
#[cfg(not(feature = "aws"))]
use without_aws::{
    Unavailable as FailbackArgs, Unavailable as StatusArgs, Unavailable as ApproveArgs,
    Unavailable as RejectArgs,
};

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "wfc",
    version,
    about = "Compile, check and draw disaster-recovery workflows for AWS Step Functions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the workflows and write their ASL definitions, input schemas, EventBridge rules and
    /// CloudFormation templates (network, DR plumbing, orchestrator; per region).
    Compile(compile::Args),
    /// Check a standalone ASL definition (any ASL, not only ours).
    Check(check::Args),
    /// Draw a workflow or an ASL file as a Mermaid or Graphviz graph.
    Graph(graph::Args),
    /// Run a workflow or any ASL definition in-process, on virtual time.
    Run(run::Args),
    /// The whole disaster on a simulated two-region world, on virtual time: RTO, RPO, invariants.
    Drill(drill::Args),
    /// Test EventBridge patterns and the stack's rules against events.
    #[command(subcommand)]
    Events(events::Command),
    /// Start a failback on Step Functions (`wfc failback start --config … --input …`).
    Failback(FailbackArgs),
    /// Where an execution is: steps done, running now, waiting approvals, errors.
    Status(StatusArgs),
    /// Approve the failover an execution is waiting on (SendTaskSuccess).
    Approve(ApproveArgs),
    /// Reject the failover an execution is waiting on (SendTaskFailure FailoverRejected).
    Reject(RejectArgs),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Compile(args) => compile::run(args),
        Command::Check(args) => check::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Run(args) => run::run(args),
        Command::Drill(args) => drill::run(args),
        Command::Events(command) => events::run(command),
        #[cfg(feature = "aws")]
        Command::Failback(args) => failback::run(args),
        #[cfg(feature = "aws")]
        Command::Status(args) => status::run(args),
        #[cfg(feature = "aws")]
        Command::Approve(args) => approve::approve(args),
        #[cfg(feature = "aws")]
        Command::Reject(args) => approve::reject(args),
        #[cfg(not(feature = "aws"))]
        Command::Failback(_) => without_aws::refuse("failback"),
        #[cfg(not(feature = "aws"))]
        Command::Status(_) => without_aws::refuse("status"),
        #[cfg(not(feature = "aws"))]
        Command::Approve(_) => without_aws::refuse("approve"),
        #[cfg(not(feature = "aws"))]
        Command::Reject(_) => without_aws::refuse("reject"),
    };
    ExitCode::from(code)
}

/// Exit codes shared by the subcommands.
pub const OK: u8 = 0;
pub const PROBLEMS: u8 = 1;
pub const UNUSABLE: u8 = 2;
