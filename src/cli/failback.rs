//! `wfc failback start`: starts the failback workflow of a stack on Step Functions, after checking
//! the request against the workflow's input schema (every violation, no call made when there is
//! one). The execution is named after the incident (`failback-<incident id>`, with the same
//! function the `start_workflow` activity uses), so a second start of the same failback is
//! refused instead of running two failbacks.
//!
//! Exit codes: 0 started; 1 the stack or the request has problems, or a failback of this incident
//! was already started; 2 the state machines are not deployed, or the API failed.

use super::sfn::{self, ApiError, Endpoint};
use super::stack;
use super::{OK, PROBLEMS, UNUSABLE};
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;
use wfc_activities::start_workflow::{execution_arn, execution_name, MAX_EXECUTION_NAME};
use wfc_activities::validate;
use wfc_activities::validate_request::FailbackRequest;
use wfc_activities::ActivityError;
use wfc_infra::orchestrator::ALIAS;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Start the failback workflow: `failback-<incident id>` on the stack's state machine.
    #[command(after_help = "\
The request (a JSON object) must fit the failback workflow's input schema \
(`wfc compile` writes it to schemas/failback.input.schema.json); e.g. \
examples/woocommerce/failback-input.json.

Exit codes: 0 started; 1 problems in the stack or the request, or this incident's failback was \
already started; 2 state machines not deployed, or an API error.")]
    Start(StartArgs),
}

#[derive(clap::Args)]
struct StartArgs {
    /// The shop's stack description (its DR region runs the state machines).
    #[arg(long)]
    config: PathBuf,
    /// The failback request: a JSON file, or `-` for stdin.
    #[arg(long)]
    input: String,
    /// The region of the state machines. Default: the stack's DR region.
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    endpoint: Endpoint,
    /// The execution name. Default: `failback-<incident id>`.
    #[arg(long)]
    name: Option<String>,
}

pub fn run(args: Args) -> u8 {
    match args.command {
        Command::Start(args) => start(args),
    }
}

fn start(args: StartArgs) -> u8 {
    let stack = match stack::load(Some(&args.config)) {
        Ok(stack) => stack,
        Err(e) => {
            eprintln!("error: {e}");
            return PROBLEMS;
        }
    };
    let schema = match stack::build("failback", &stack) {
        Ok(compiled) => compiled.input_schema,
        Err(e) => {
            eprintln!("error: {e}");
            return PROBLEMS;
        }
    };
    let schema = schema.unwrap_or_else(|| {
        serde_json::to_value(schemars::schema_for!(FailbackRequest)).unwrap_or_default()
    });
    let request = match read_input(&args.input) {
        Ok(request) => request,
        Err(e) => {
            eprintln!("error: {e}");
            return PROBLEMS;
        }
    };
    let validator = match jsonschema::validator_for(&schema) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: the failback input schema is not usable: {e}");
            return UNUSABLE;
        }
    };
    let mut violations: Vec<String> = validator
        .iter_errors(&request)
        .map(|e| {
            let path = e.instance_path().to_string();
            let path = if path.is_empty() { "(input)" } else { &path };
            format!("{path}: {e}")
        })
        .collect();
    if violations.is_empty() {
        violations = request_checks(&request, &stack);
    }
    if !violations.is_empty() {
        eprintln!(
            "error: {}: {} problem(s) with the failback request (nothing was started):",
            args.input,
            violations.len()
        );
        for v in &violations {
            eprintln!("  {v}");
        }
        return PROBLEMS;
    }
    let incident = request
        .get("incident_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = match &args.name {
        Some(name) => {
            let ok = !name.is_empty()
                && name.len() <= MAX_EXECUTION_NAME
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                eprintln!(
                    "error: --name must be 1-{MAX_EXECUTION_NAME} letters, digits, `-` or `_`"
                );
                return PROBLEMS;
            }
            name.clone()
        }
        None => execution_name("failback", incident),
    };
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| stack.secondary().0.to_string());
    // The alias, as the console and the EventBridge targets: an execution runs the version the
    // alias names when it starts, to its end, whatever a deploy publishes meanwhile.
    let state_machine = format!(
        "arn:aws:states:{region}:{}:stateMachine:{}:{ALIAS}",
        stack.shop.account_id,
        stack.state_machine_name("failback")
    );
    let Ok(expected_arn) = execution_arn(&state_machine, &name) else {
        eprintln!("error: cannot form an execution ARN from {state_machine} and `{name}`");
        return PROBLEMS;
    };
    let input = request.to_string();
    sfn::block_on(async {
        let client = sfn::client(&region, &args.endpoint).await;
        // Asked first: on AWS a repeated StartExecution with the same name and input succeeds
        // while the first one runs (it is idempotent), and would look like a new start.
        let describing = args
            .endpoint
            .call(&region, "DescribeExecution", &expected_arn);
        match describe(&client, &expected_arn, &describing).await {
            Ok(Some(status)) => return already_started(incident, &expected_arn, &status, &region),
            Ok(None) => {}
            Err(e) => {
                eprintln!("error: {e}");
                return UNUSABLE;
            }
        }
        let out = client
            .start_execution()
            .state_machine_arn(&state_machine)
            .name(&name)
            .input(&input)
            .send()
            .await;
        match out {
            Ok(out) => {
                let arn = out.execution_arn();
                println!("started failback of incident {incident}: execution {name}");
                println!("  execution: {arn}");
                println!("  console:   {}", sfn::console_link(&region, arn));
                println!("  follow:    wfc status {arn}{}", args.endpoint.flag());
                OK
            }
            Err(e) => {
                let e = ApiError::new(
                    &args
                        .endpoint
                        .call(&region, "StartExecution", &state_machine),
                    e,
                );
                match e.code.as_str() {
                    "ExecutionAlreadyExists" => {
                        let status = describe(&client, &expected_arn, &describing)
                            .await
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| "unknown".into());
                        already_started(incident, &expected_arn, &status, &region)
                    }
                    "StateMachineDoesNotExist" | "StateMachineDeleting" => {
                        eprintln!(
                            "error: the wfc state machines are not deployed in {region}: {state_machine} does not exist ({}); deploy them (`wfc deploy --config …`, docs/deploy.md)",
                            e.code
                        );
                        UNUSABLE
                    }
                    _ => {
                        eprintln!("error: {e}");
                        UNUSABLE
                    }
                }
            }
        }
    })
}

/// The execution's status and start, or `None` when there is no such execution.
async fn describe(
    client: &aws_sdk_sfn::Client,
    arn: &str,
    call: &sfn::Call,
) -> Result<Option<String>, ApiError> {
    match client.describe_execution().execution_arn(arn).send().await {
        Ok(out) => Ok(Some(format!(
            "{}, started {}",
            out.status().as_str(),
            sfn::timestamp(out.start_date())
        ))),
        Err(e) => {
            let e = ApiError::new(call, e);
            if e.code == "ExecutionDoesNotExist" {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

fn already_started(incident: &str, arn: &str, status: &str, region: &str) -> u8 {
    eprintln!("error: a failback for incident {incident} was already started ({status}); nothing new was started");
    eprintln!("  execution: {arn}");
    eprintln!("  console:   {}", sfn::console_link(region, arn));
    eprintln!("  (a new attempt for the same incident needs --name)");
    PROBLEMS
}

/// What the schema cannot say and the workflow's first step would refuse (the checks of the
/// `validate_request` activity), plus: the target is one of the stack's regions.
fn request_checks(request: &Value, stack: &wfc_stack::Stack) -> Vec<String> {
    let request: FailbackRequest = match serde_json::from_value(request.clone()) {
        Ok(r) => r,
        Err(e) => return vec![format!("(input): {e}")],
    };
    let checks = [
        (
            "/target_region",
            validate::region("target_region", &request.target_region),
        ),
        (
            "/incident_id",
            validate::non_empty("incident_id", &request.incident_id),
        ),
        (
            "/requested_by",
            validate::non_empty("requested_by", &request.requested_by),
        ),
        (
            "/max_write_pause_seconds",
            validate::range(
                "max_write_pause_seconds",
                request.max_write_pause_seconds,
                10,
                3600,
            ),
        ),
    ];
    let mut problems: Vec<String> = checks
        .into_iter()
        .filter_map(|(path, result)| match result {
            Err(ActivityError::InvalidInput { reason, .. }) => Some(format!("{path}: {reason}")),
            Err(other) => Some(format!("{path}: {other}")),
            Ok(()) => None,
        })
        .collect();
    let regions: Vec<&str> = stack.regions.keys().map(String::as_str).collect();
    if !regions.contains(&request.target_region.as_str())
        && !problems.iter().any(|p| p.starts_with("/target_region"))
    {
        problems.push(format!(
            "/target_region: {} is not a region of the stack ({})",
            request.target_region,
            regions.join(", ")
        ));
    }
    problems
}

fn read_input(source: &str) -> Result<Value, String> {
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        text
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| format!("{source} is not JSON: {e}"))
}
