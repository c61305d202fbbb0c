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
mod aws_error;
#[cfg(feature = "aws")]
mod deploy;
#[cfg(feature = "aws")]
mod ec2;
#[cfg(feature = "aws")]
mod failback;
#[cfg(feature = "aws")]
mod lambda;
#[cfg(feature = "aws")]
mod sfn;
#[cfg(feature = "aws")]
mod signed;
#[cfg(feature = "aws")]
mod status;
#[cfg(feature = "aws")]
use {
    approve::{ApproveArgs, RejectArgs},
    deploy::Args as DeployArgs,
    failback::Args as FailbackArgs,
    status::Args as StatusArgs,
};
#[cfg(not(feature = "aws"))]
mod without_aws;
#[cfg(not(feature = "aws"))]
use without_aws::{
    Unavailable as FailbackArgs, Unavailable as StatusArgs, Unavailable as ApproveArgs,
    Unavailable as RejectArgs, Unavailable as DeployArgs,
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
    /// With an AWS error, print the SDK's full report under the one-line message.
    #[arg(long, global = true)]
    verbose: bool,
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
    /// Deploy the state machines (versions, `live` alias), EventBridge rules and targets, and
    /// accept the transit gateway peering, without CloudFormation (`--dry-run` to see first).
    Deploy(DeployArgs),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    #[cfg(feature = "aws")]
    aws_error::VERBOSE.store(cli.verbose, std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(feature = "aws"))]
    let _ = cli.verbose; // only the AWS commands have more to say
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
        #[cfg(feature = "aws")]
        Command::Deploy(args) => deploy::run(args),
        #[cfg(not(feature = "aws"))]
        Command::Failback(_) => without_aws::refuse("failback"),
        #[cfg(not(feature = "aws"))]
        Command::Status(_) => without_aws::refuse("status"),
        #[cfg(not(feature = "aws"))]
        Command::Approve(_) => without_aws::refuse("approve"),
        #[cfg(not(feature = "aws"))]
        Command::Reject(_) => without_aws::refuse("reject"),
        #[cfg(not(feature = "aws"))]
        Command::Deploy(_) => without_aws::refuse("deploy"),
    };
    ExitCode::from(code)
}

/// Exit codes shared by the subcommands.
pub const OK: u8 = 0;
pub const PROBLEMS: u8 = 1;
pub const UNUSABLE: u8 = 2;
