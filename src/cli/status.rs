//! `wfc status <execution-arn>`: where an execution is. Its status and times, the incident of its
//! input, the steps done in order with their durations, the state(s) running now, the error and
//! the state where it failed, and when an approval task waits, the commands that answer it.
//!
//! Exit codes: 0 the calls worked (whatever the execution's status); 1 not an execution ARN;
//! 2 the API failed.

use super::sfn::{self, Endpoint, WaitingTask};
use super::{OK, PROBLEMS, UNUSABLE};
use aws_sdk_sfn::types::HistoryEvent;
use serde_json::{json, Value};

#[derive(clap::Args)]
#[command(after_help = "\
The region is the execution ARN's. Exit codes: 0 the calls worked (whatever the execution's \
status), 1 not an execution ARN, 2 an API error.")]
pub struct Args {
    /// The execution's ARN (printed by `wfc failback start`).
    execution_arn: String,
    #[command(flatten)]
    endpoint: Endpoint,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// A state entered, and exited unless it still runs.
struct Step {
    name: String,
    entered: f64,
    entered_at: String,
    exited: Option<f64>,
}

pub fn run(args: Args) -> u8 {
    let region = match sfn::execution_region(&args.execution_arn) {
        Ok(region) => region.to_string(),
        Err(e) => {
            eprintln!("error: {e}");
            return PROBLEMS;
        }
    };
    let arn = args.execution_arn.as_str();
    sfn::block_on(async {
        let client = sfn::client(&region, &args.endpoint).await;
        let execution = match client.describe_execution().execution_arn(arn).send().await {
            Ok(out) => out,
            Err(e) => {
                let call = args.endpoint.call(&region, "DescribeExecution", arn);
                eprintln!("error: {}", sfn::ApiError::new(&call, e));
                return UNUSABLE;
            }
        };
        let history = args.endpoint.call(&region, "GetExecutionHistory", arn);
        let events = match sfn::history(&client, arn, &history).await {
            Ok(events) => events,
            Err(e) => {
                eprintln!("error: {e}");
                return UNUSABLE;
            }
        };
        let status = execution.status().as_str().to_string();
        let running = status == "RUNNING";
        let steps = steps(&events);
        let waiting = if running {
            sfn::waiting_task(&events)
        } else {
            None
        };
        let incident = execution
            .input()
            .and_then(|i| serde_json::from_str::<Value>(i).ok())
            .and_then(|v| {
                v.get("incident_id")
                    .and_then(Value::as_str)
                    .map(String::from)
            });
        // The error and where: DescribeExecution's, else the last failure event's.
        let (error, cause) = match (execution.error(), execution.cause()) {
            (None, None) => last_failure(&events),
            (e, c) => (e.map(String::from), c.map(String::from)),
        };
        let failed_in = if matches!(status.as_str(), "FAILED" | "TIMED_OUT" | "ABORTED") {
            steps
                .iter()
                .rev()
                .find(|s| s.exited.is_none())
                .map(|s| s.name.clone())
        } else {
            None
        };
        let done: Vec<&Step> = steps.iter().filter(|s| s.exited.is_some()).collect();
        let now: Vec<&Step> = if running {
            steps.iter().filter(|s| s.exited.is_none()).collect()
        } else {
            Vec::new()
        };
        let approve = format!("wfc approve {arn}{}", args.endpoint.flag());
        let reject = format!("wfc reject {arn} --reason \"…\"{}", args.endpoint.flag());
        if args.json {
            let out = json!({
                "execution_arn": arn,
                "status": status,
                "start_date": sfn::timestamp(execution.start_date()),
                "stop_date": execution.stop_date().map(sfn::timestamp),
                "incident_id": incident,
                "state_machine_version_arn": execution.state_machine_version_arn(),
                "state_machine_alias_arn": execution.state_machine_alias_arn(),
                "steps": done.iter().map(|s| json!({
                    "state": s.name,
                    "entered": s.entered_at,
                    "seconds": s.exited.map(|x| round(x - s.entered)),
                })).collect::<Vec<_>>(),
                "running": now.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
                "waiting_for_approval": waiting.as_ref().map(|w: &WaitingTask| json!({
                    "state": w.state, "resource": w.resource, "since": w.since,
                    "approve": approve, "reject": reject,
                })),
                "error": error,
                "cause": cause,
                "failed_in": failed_in,
                "console": sfn::console_link(&region, arn),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&out).expect("JSON prints")
            );
            return OK;
        }
        println!("execution  {arn}");
        println!("status     {status}");
        if let Some(incident) = &incident {
            println!("incident   {incident}");
        }
        // Which definition it runs: a deploy meanwhile changes the alias, not this execution.
        match (
            execution.state_machine_version_arn(),
            execution.state_machine_alias_arn(),
        ) {
            (Some(version), Some(alias)) => {
                let alias = alias.rsplit(':').next().unwrap_or(alias);
                println!("version    {version} (started through the `{alias}` alias)");
            }
            (Some(version), None) => println!("version    {version}"),
            _ => println!("version    none (started on the state machine: its latest revision)"),
        }
        println!("started    {}", sfn::timestamp(execution.start_date()));
        if let Some(stop) = execution.stop_date() {
            println!("stopped    {}", sfn::timestamp(stop));
        }
        println!("console    {}", sfn::console_link(&region, arn));
        if done.is_empty() {
            println!("steps done: none");
        } else {
            println!("steps done:");
            let width = done.iter().map(|s| s.name.len()).max().unwrap_or(0);
            for (i, s) in done.iter().enumerate() {
                let seconds = s.exited.map(|x| x - s.entered).unwrap_or_default();
                println!("  {:>3}. {:<width$}  {}", i + 1, s.name, duration(seconds));
            }
        }
        if !now.is_empty() {
            let names: Vec<&str> = now.iter().map(|s| s.name.as_str()).collect();
            println!("running now: {}", names.join(", "));
        }
        if let Some(w) = &waiting {
            println!(
                "waiting for an approval in state `{}` ({}, since {})",
                w.state.as_deref().unwrap_or("?"),
                w.resource,
                w.since
            );
            println!("  approve: {approve}");
            println!("  reject:  {reject}");
        }
        if !running && (error.is_some() || cause.is_some()) {
            println!(
                "error      {}{}",
                error.as_deref().unwrap_or("(none)"),
                failed_in
                    .as_deref()
                    .map(|s| format!(" in state `{s}`"))
                    .unwrap_or_default()
            );
            if let Some(cause) = &cause {
                println!("cause      {cause}");
            }
        }
        OK
    })
}

/// Every state entered, in order, paired with its exit.
fn steps(events: &[HistoryEvent]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for e in events {
        let kind = e.r#type().as_str();
        let at = e.timestamp().as_secs_f64();
        if kind.ends_with("StateEntered") {
            if let Some(d) = e.state_entered_event_details() {
                steps.push(Step {
                    name: d.name().to_string(),
                    entered: at,
                    entered_at: sfn::timestamp(e.timestamp()),
                    exited: None,
                });
            }
        } else if kind.ends_with("StateExited") {
            if let Some(d) = e.state_exited_event_details() {
                if let Some(step) = steps
                    .iter_mut()
                    .rev()
                    .find(|s| s.exited.is_none() && s.name == d.name())
                {
                    step.exited = Some(at);
                }
            }
        }
    }
    steps
}

/// The error and cause of the latest failure event (execution, task, Lambda, Map, …).
fn last_failure(events: &[HistoryEvent]) -> (Option<String>, Option<String>) {
    for e in events.iter().rev() {
        if let Some(d) = e.execution_failed_event_details() {
            return (d.error().map(String::from), d.cause().map(String::from));
        }
        if let Some(d) = e.execution_timed_out_event_details() {
            return (d.error().map(String::from), d.cause().map(String::from));
        }
        if let Some(d) = e.execution_aborted_event_details() {
            return (d.error().map(String::from), d.cause().map(String::from));
        }
        if let Some(d) = e.task_failed_event_details() {
            return (d.error().map(String::from), d.cause().map(String::from));
        }
        if let Some(d) = e.lambda_function_failed_event_details() {
            return (d.error().map(String::from), d.cause().map(String::from));
        }
    }
    (None, None)
}

fn round(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.3} s")
    } else {
        let s = seconds.round() as u64;
        if s < 3600 {
            format!("{}m{:02}s", s / 60, s % 60)
        } else {
            format!("{}h{:02}m{:02}s", s / 3600, s % 3600 / 60, s % 60)
        }
    }
}
