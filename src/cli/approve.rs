//! `wfc approve <execution-arn>` and `wfc reject <execution-arn> --reason …`: answer the approval
//! an execution waits on. The task token is read from the execution's history (the latest
//! `.waitForTaskToken` task nobody answered; the failover's approval publishes it to SNS as the
//! message attribute `task_token`), so nobody has to copy a token out of an e-mail.
//!
//! Approve sends SendTaskSuccess with `{"approved": true, "by", "at"}`; reject sends
//! SendTaskFailure with the error `FailoverRejected` and the reason as the cause.
//!
//! Exit codes: 0 answered; 1 not an execution ARN, or nothing is waiting for an approval (or the
//! approval has just timed out); 2 an API error.

use super::sfn::{self, ApiError, Call, Endpoint, WaitingTask};
use super::{OK, PROBLEMS, UNUSABLE};
use serde_json::json;
use std::time::SystemTime;

/// The error a rejected approval fails with; the workflows catch it by this name.
pub const REJECTED: &str = "FailoverRejected";

#[derive(clap::Args)]
#[command(after_help = "\
Exit codes: 0 approved; 1 not an execution ARN, or the execution is not waiting for an approval; \
2 an API error.")]
pub struct ApproveArgs {
    /// The execution's ARN (see `wfc status`).
    execution_arn: String,
    /// Who approves. Default: $USER.
    #[arg(long)]
    by: Option<String>,
    #[command(flatten)]
    endpoint: Endpoint,
}

#[derive(clap::Args)]
#[command(after_help = "\
The execution's approval task fails with the error FailoverRejected. Exit codes: 0 rejected; 1 not \
an execution ARN, or the execution is not waiting for an approval; 2 an API error.")]
pub struct RejectArgs {
    /// The execution's ARN (see `wfc status`).
    execution_arn: String,
    /// Why: the cause the execution fails with.
    #[arg(long)]
    reason: String,
    /// Who rejects. Default: $USER.
    #[arg(long)]
    by: Option<String>,
    #[command(flatten)]
    endpoint: Endpoint,
}

pub fn approve(args: ApproveArgs) -> u8 {
    let by = who(args.by);
    answer(
        &args.execution_arn,
        &args.endpoint,
        |client, task, call| async move {
            let output = json!({ "approved": true, "by": by, "at": now() });
            client
                .send_task_success()
                .task_token(&task.token)
                .output(output.to_string())
                .send()
                .await
                .map(|_| format!("approved by {by}"))
                .map_err(|e| ApiError::new(&call.action("SendTaskSuccess"), e))
        },
    )
}

pub fn reject(args: RejectArgs) -> u8 {
    let by = who(args.by);
    let reason = args.reason.trim().to_string();
    if reason.is_empty() {
        eprintln!("error: --reason must say why");
        return PROBLEMS;
    }
    answer(
        &args.execution_arn,
        &args.endpoint,
        |client, task, call| async move {
            let cause = format!("{reason} (rejected by {by} at {})", now());
            client
                .send_task_failure()
                .task_token(&task.token)
                .error(REJECTED)
                .cause(cause)
                .send()
                .await
                .map(|_| format!("rejected by {by} ({REJECTED}: {reason})"))
                .map_err(|e| ApiError::new(&call.action("SendTaskFailure"), e))
        },
    )
}

/// Finds the waiting task and calls `send` with it.
fn answer<F, Fut>(arn: &str, endpoint: &Endpoint, send: F) -> u8
where
    F: FnOnce(aws_sdk_sfn::Client, WaitingTask, Call) -> Fut,
    Fut: std::future::Future<Output = Result<String, ApiError>>,
{
    let region = match sfn::execution_region(arn) {
        Ok(region) => region.to_string(),
        Err(e) => {
            eprintln!("error: {e}");
            return PROBLEMS;
        }
    };
    sfn::block_on(async {
        let client = sfn::client(&region, endpoint).await;
        let status = match client.describe_execution().execution_arn(arn).send().await {
            Ok(out) => out.status().as_str().to_string(),
            Err(e) => {
                let call = endpoint.call(&region, "DescribeExecution", arn);
                eprintln!("error: {}", ApiError::new(&call, e));
                return UNUSABLE;
            }
        };
        let history = endpoint.call(&region, "GetExecutionHistory", arn);
        let events = match sfn::history(&client, arn, &history).await {
            Ok(events) => events,
            Err(e) => {
                eprintln!("error: {e}");
                return UNUSABLE;
            }
        };
        let waiting = if status == "RUNNING" {
            sfn::waiting_task(&events)
        } else {
            None
        };
        let Some(task) = waiting else {
            eprintln!("error: execution {arn} is not waiting for an approval (status {status})");
            return PROBLEMS;
        };
        let state = task.state.clone().unwrap_or_else(|| "?".into());
        // The answer acts on the execution's task: the action is set by `send`.
        let call = endpoint.call(&region, "SendTask", arn);
        match send(client, task, call).await {
            Ok(what) => {
                println!("{what}: state `{state}` of {arn}");
                println!("  follow: wfc status {arn}{}", endpoint.flag());
                OK
            }
            Err(e) if matches!(e.code.as_str(), "TaskTimedOut" | "TaskDoesNotExist") => {
                eprintln!(
                    "error: the approval in state `{state}` of {arn} is no longer waiting ({})",
                    e.code
                );
                PROBLEMS
            }
            Err(e) => {
                eprintln!("error: {e}");
                UNUSABLE
            }
        }
    })
}

fn who(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}
