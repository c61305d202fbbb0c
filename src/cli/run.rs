//! `wfc run`: runs a state machine in-process with the local engine, on virtual time.
//!
//! Exit codes: 0 the execution succeeded (its output is printed on stdout); 1 it failed or timed
//! out (`{"Error": …, "Cause": …}` is printed on stdout); 2 the definition or the input is
//! unusable (not JSON, not ASL, or a definition AWS would reject; lints do not stop a run).

use super::{OK, PROBLEMS, UNUSABLE};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::PathBuf;
use wfc_compiler::asl::StateMachine;
use wfc_compiler::check::{check_source, CheckContext, Unusable};
use wfc_compiler::dsl::activity_of_placeholder;
use wfc_compiler::Level;
use wfc_engine::{
    dispatch, Engine, Execution, Handlers, LambdaHttp, Options, Outcome, TaskOutcome, TaskRequest,
};
use wfc_workflows::Simulated;

#[derive(clap::Args)]
#[command(after_help = "\
Tasks: `wfc run <workflow>` serves every Lambda task with an in-process handler that echoes its \
payload, because the activities do not exist yet. With --asl, Lambda tasks need --echo-lambda \
(each function returns its payload, as moto's Lambda does) or --lambda-endpoint (a Lambda Invoke \
API such as `cargo lambda watch`); other resources have no handler and fail with States.Runtime. \
A callback task (.waitForTaskToken) that nobody can answer here runs into its TimeoutSeconds.

Exit codes: 0 succeeded (output on stdout), 1 failed or timed out ({\"Error\", \"Cause\"} on \
stdout), 2 unusable definition or input.")]
pub struct Args {
    /// One of our workflows, by name (see `wfc compile`); or use --asl.
    workflow: Option<String>,
    /// Any ASL definition to run instead of one of our workflows.
    #[arg(long, conflicts_with = "workflow")]
    asl: Option<PathBuf>,
    /// The execution input: a JSON file, or `-` for stdin. Default: `{}`.
    #[arg(long)]
    input: Option<String>,
    /// The shop's stack description. Default: the built-in example stack.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Write the execution history here, one event per line (GetExecutionHistory's shape).
    #[arg(long)]
    history: Option<PathBuf>,
    /// Seeds retry jitter, task tokens, UUIDs and random numbers: same seed, same run.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Serve every Lambda task by echoing its payload (what moto's Lambda does).
    #[arg(long)]
    echo_lambda: bool,
    /// Serve Lambda tasks through the Lambda Invoke API at this URL (e.g. http://127.0.0.1:9000).
    #[arg(long, conflicts_with = "echo_lambda")]
    lambda_endpoint: Option<String>,
    /// The virtual start time (RFC 3339). Default: now.
    #[arg(long)]
    start_time: Option<String>,
    /// `$$.Execution.Name`. Default: a UUID drawn from the seed.
    #[arg(long)]
    execution_name: Option<String>,
}

pub fn run(args: Args) -> u8 {
    match prepare(&args) {
        Ok((machine, handlers, input, options)) => {
            execute(&args, machine, handlers, input, options)
        }
        Err(message) => {
            eprintln!("error: {message}");
            UNUSABLE
        }
    }
}

type Prepared = (StateMachine, Handlers, Value, Options);

fn prepare(args: &Args) -> Result<Prepared, String> {
    let (machine, mut handlers) = match (&args.workflow, &args.asl) {
        (Some(name), None) => {
            let stack = super::stack::load(args.config.as_deref())?;
            let machine = super::stack::build(name, &stack)?.machine;
            let handlers = match wfc_workflows::simulated(name) {
                Some(simulated) => simulated_handlers(&machine, simulated),
                None => Handlers::new().lambda_fallback(dispatch::echo),
            };
            (machine, handlers)
        }
        (None, Some(path)) => (definition(path)?, Handlers::new()),
        _ => return Err("name a workflow or give --asl <definition.json>".into()),
    };
    if args.echo_lambda {
        handlers = handlers.lambda_fallback(dispatch::echo);
    }
    if let Some(endpoint) = &args.lambda_endpoint {
        handlers = handlers.lambda_fallback(LambdaHttp::new(endpoint.clone()));
    }
    let input = read_input(args.input.as_deref())?;
    let mut options = Options {
        seed: args.seed,
        history: args.history.is_some(),
        execution_name: args.execution_name.clone(),
        start_time: now_millis(),
        ..Options::default()
    };
    if let Some(ts) = &args.start_time {
        options = options
            .start_at(ts)
            .map_err(|e| format!("--start-time: {e}"))?;
    }
    Ok((machine, handlers, input, options))
}

/// Our workflow's tasks answered by its stand-ins (`wfc_workflows::simulated`); a Lambda
/// task the stand-ins do not know echoes its payload.
fn simulated_handlers(machine: &StateMachine, simulated: Simulated) -> Handlers {
    let lambda = move |request: &TaskRequest| {
        let activity = request
            .function_name
            .as_deref()
            .and_then(activity_of_placeholder);
        match activity.and_then(|a| (simulated.lambda)(a, &request.payload)) {
            Some(output) => TaskOutcome::Succeeded(output),
            None => dispatch::echo(request),
        }
    };
    let mut handlers = Handlers::new().lambda_fallback(lambda);
    for (_, state) in machine.all_states().iter().map(|s| (s.name, s.state)) {
        let wfc_compiler::asl::State::Task(task) = state else {
            continue;
        };
        let Some(call) = task.resource.strip_prefix("arn:aws:states:::aws-sdk:") else {
            continue;
        };
        let Some((service, action)) = call.split_once(':') else {
            continue;
        };
        let (service, action) = (service.to_string(), action.to_string());
        handlers = handlers.resource(
            &task.resource,
            move |request: &TaskRequest| match (simulated.aws_sdk)(
                &service,
                &action,
                &request.payload,
            ) {
                Some(response) => TaskOutcome::Succeeded(response),
                None => TaskOutcome::Failed {
                    error: "States.Runtime".into(),
                    cause: format!("no stand-in answer for aws-sdk:{service}:{action}"),
                },
            },
        );
    }
    handlers
}

/// Answers the callback tasks that wait on a token with the stand-ins, as a person or worker
/// would; returns whether any was answered.
fn answer_callbacks(execution: &mut Execution, simulated: Option<Simulated>) -> bool {
    let Some(simulated) = simulated else {
        return false;
    };
    let mut answered = false;
    for task in execution.pending_tasks() {
        // Our callback tasks hand their activity `{input, task_token}` (dsl::CallbackRequest).
        let function = task.function_name.as_deref();
        let input = task.input.get("input").cloned().unwrap_or(Value::Null);
        let output = function
            .and_then(activity_of_placeholder)
            .and_then(|a| (simulated.lambda)(a, &input));
        if let Some(output) = output {
            answered |= execution.send_task_success(&task.token, output).is_ok();
        }
    }
    answered
}

/// An ASL file, checked as `wfc check --asl` does: errors make it unusable, lints are shown.
fn definition(path: &std::path::Path) -> Result<StateMachine, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let report = match check_source(&text, &CheckContext::named(name.clone())) {
        Ok(report) => report,
        Err(Unusable::NotJson(e)) => return Err(format!("{name} is not JSON: {e}")),
        Err(Unusable::NotAsl(e)) => return Err(format!("{name} is not an ASL state machine: {e}")),
    };
    for d in &report.diagnostics {
        eprintln!("{d}");
    }
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .count();
    match report.machine {
        Some(machine) if errors == 0 => Ok(machine),
        _ => Err(format!(
            "{name}: {errors} error(s): AWS would reject this definition, so it is not run"
        )),
    }
}

fn read_input(input: Option<&str>) -> Result<Value, String> {
    let text = match input {
        None => return Ok(json!({})),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("reading the input from stdin: {e}"))?;
            text
        }
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the input {path}: {e}"))?,
    };
    serde_json::from_str(&text).map_err(|e| format!("the input is not JSON: {e}"))
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn execute(
    args: &Args,
    machine: StateMachine,
    handlers: Handlers,
    input: Value,
    options: Options,
) -> u8 {
    let engine = Engine::new(machine)
        .with_handlers(handlers)
        .with_options(options);
    let mut execution = engine.start(input);
    // Nobody can answer a task token from here: let virtual time run, so such a task meets
    // its TimeoutSeconds (or heartbeat) as it would on AWS if no one ever answered.
    let simulated = args.workflow.as_deref().and_then(wfc_workflows::simulated);
    while !execution.is_complete() {
        if answer_callbacks(&mut execution, simulated) {
            continue;
        }
        let before = execution.now();
        execution.resume();
        if execution.now() == before && !execution.is_complete() {
            break;
        }
    }
    if let Some(path) = &args.history {
        if let Err(e) = write_history(path, &execution.history()) {
            eprintln!("error: writing the history to {}: {e}", path.display());
            return UNUSABLE;
        }
    }
    let (printed, code) = match execution.outcome() {
        Outcome::Succeeded { output } => (output.clone(), OK),
        Outcome::Parked { tasks } => {
            let tokens: Vec<&str> = tasks.iter().map(|t| t.state_name.as_str()).collect();
            (
                json!({"Error": "States.Runtime",
                       "Cause": format!("the execution waits for task tokens that nobody answers (states: {})", tokens.join(", "))}),
                PROBLEMS,
            )
        }
        // An absent error or cause (a Fail state without Error/Cause) prints as null, as AWS
        // reports none; never as an empty string.
        failed => (failed.error_output().unwrap_or(Value::Null), PROBLEMS),
    };
    println!("{printed}");
    eprintln!(
        "wfc run: {} in {:.3} s of virtual time",
        execution.outcome().status(),
        execution.duration().as_secs_f64()
    );
    code
}

fn write_history(
    path: &std::path::Path,
    events: &[wfc_engine::HistoryEvent],
) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    for event in events {
        writeln!(file, "{}", event.to_json())?;
    }
    file.flush()
}
