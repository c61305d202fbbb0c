//! What the commands that talk to Step Functions share (`failback start`, `status`, `approve`,
//! `reject`): the client (region from the stack, `--region` or the execution ARN; endpoint from
//! `--endpoint-url` or the standard `AWS_ENDPOINT_URL`, which the SDK honours by itself;
//! credentials from the usual chain), API error text, the execution history, and the callback
//! task an execution is waiting on.

pub use super::aws_error::{ApiError, Call};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sfn::types::HistoryEvent;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use serde_json::Value;
use std::future::Future;

/// `--endpoint-url`, shared by every command here.
#[derive(clap::Args, Clone, Debug)]
pub struct Endpoint {
    /// Send the API calls here instead of AWS (an emulator such as moto). Default: the
    /// `AWS_ENDPOINT_URL` environment variable, if set.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl Endpoint {
    /// ` --endpoint-url URL` when one was given, to repeat in printed commands.
    pub fn flag(&self) -> String {
        self.endpoint_url
            .as_deref()
            .map(|u| format!(" --endpoint-url {u}"))
            .unwrap_or_default()
    }

    /// Where calls to `service` (its endpoint prefix: `states`, `events`, `ec2`) in `region` go,
    /// for error messages: `--endpoint-url`, else the SDK's environment variables, else AWS.
    pub fn url(&self, service: &str, region: &str) -> String {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let service_env = match service {
            "states" => "AWS_ENDPOINT_URL_SFN".to_string(),
            "events" => "AWS_ENDPOINT_URL_EVENTBRIDGE".to_string(),
            other => format!("AWS_ENDPOINT_URL_{}", other.to_uppercase()),
        };
        self.endpoint_url
            .clone()
            .or_else(|| env(&service_env))
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| {
                let domain = if region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!("https://{service}.{region}.{domain}")
            })
    }

    /// A Step Functions call in `region`, for its error message.
    pub fn call(&self, region: &str, action: &str, resource: &str) -> Call {
        Call::new(
            &format!("states:{action}"),
            resource,
            &self.url("states", region),
        )
    }
}

/// Runs one command's async body on a current-thread runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

/// The SDK configuration for `region`: credentials from the default chain, the endpoint.
pub async fn sdk_config(region: &str, endpoint: &Endpoint) -> SdkConfig {
    // rustls on ring, as the activities: no C toolchain in the build.
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .http_client(http);
    if let Some(url) = &endpoint.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// A Step Functions client for `region`.
pub async fn client(region: &str, endpoint: &Endpoint) -> aws_sdk_sfn::Client {
    aws_sdk_sfn::Client::new(&sdk_config(region, endpoint).await)
}

/// The region of an execution ARN (`arn:<partition>:states:<region>:<account>:execution:<sm>:<name>`,
/// or `…:express:…`), or why it is not one.
pub fn execution_region(arn: &str) -> Result<&str, String> {
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() >= 8
        && parts[0] == "arn"
        && parts[2] == "states"
        && !parts[3].is_empty()
        && matches!(parts[5], "execution" | "express")
        && !parts[6].is_empty()
        && !parts[7].is_empty();
    if ok {
        Ok(parts[3])
    } else {
        Err(format!(
            "`{arn}` is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)"
        ))
    }
}

/// The execution's whole history, oldest first (every page).
pub async fn history(
    client: &aws_sdk_sfn::Client,
    execution_arn: &str,
    call: &Call,
) -> Result<Vec<HistoryEvent>, ApiError> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_execution_history()
            .execution_arn(execution_arn)
            .max_results(1000)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| ApiError::new(call, e))?;
        events.extend(page.events().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    events.sort_by_key(|e| e.id());
    Ok(events)
}

/// A `.waitForTaskToken` task nobody has answered yet.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingTask {
    /// The state it belongs to (the latest Task state entered before it was scheduled).
    pub state: Option<String>,
    pub resource: String,
    pub token: String,
    /// When it was scheduled (RFC 3339).
    pub since: String,
}

const TASK_ENDS: &[&str] = &[
    "TaskSucceeded",
    "TaskFailed",
    "TaskTimedOut",
    "TaskSubmitFailed",
    "TaskStartFailed",
];

/// The latest `.waitForTaskToken` task of `events` that no TaskSucceeded / TaskFailed /
/// TaskTimedOut / TaskSubmitFailed answers (found by `previousEventId` chains, or by order when a
/// chain does not lead to a scheduled task), with its token.
pub fn waiting_task(events: &[HistoryEvent]) -> Option<WaitingTask> {
    let kind = |e: &HistoryEvent| e.r#type().as_str().to_string();
    let by_id: std::collections::HashMap<i64, &HistoryEvent> =
        events.iter().map(|e| (e.id(), e)).collect();
    let mut open: Vec<i64> = Vec::new(); // TaskScheduled ids, in order
    for event in events {
        let k = kind(event);
        if k == "TaskScheduled" {
            open.push(event.id());
            continue;
        }
        if !TASK_ENDS.contains(&k.as_str()) {
            continue;
        }
        // Follow previousEventId back to a TaskScheduled (…Succeeded → Started → Scheduled).
        let mut at = event.previous_event_id();
        let mut found = None;
        for _ in 0..8 {
            let Some(prev) = by_id.get(&at) else { break };
            if kind(prev) == "TaskScheduled" {
                found = Some(prev.id());
                break;
            }
            at = prev.previous_event_id();
        }
        let closed = match found {
            Some(id) if open.contains(&id) => Some(id),
            // No chain: the latest task still open before this event.
            _ => open.iter().rev().find(|id| **id < event.id()).copied(),
        };
        open.retain(|id| Some(*id) != closed);
    }
    open.iter().rev().find_map(|id| {
        let event = by_id.get(id)?;
        let details = event.task_scheduled_event_details()?;
        if !details.resource().ends_with(".waitForTaskToken") {
            return None;
        }
        let parameters: Value = serde_json::from_str(details.parameters()).ok()?;
        let token = task_token(&parameters)?;
        let state = events
            .iter()
            .take_while(|e| e.id() < *id)
            .filter(|e| kind(e).ends_with("StateEntered"))
            .filter_map(|e| e.state_entered_event_details())
            .map(|d| d.name().to_string())
            .last();
        Some(WaitingTask {
            state,
            resource: format!(
                "arn:aws:states:::{}:{}",
                details.resource_type(),
                details.resource()
            ),
            token,
            since: timestamp(event.timestamp()),
        })
    })
}

/// The task token in a task's parameters: `MessageAttributes.task_token.StringValue` (the SNS
/// approval), else a `TaskToken` / `task_token` key anywhere (a string, or an SNS/SQS message
/// attribute holding it as `StringValue`).
pub fn task_token(parameters: &Value) -> Option<String> {
    if let Some(token) = parameters
        .pointer("/MessageAttributes/task_token/StringValue")
        .and_then(Value::as_str)
    {
        return Some(token.to_string());
    }
    match parameters {
        Value::Object(map) => {
            for (key, value) in map {
                if matches!(key.as_str(), "TaskToken" | "task_token" | "taskToken") {
                    match value {
                        Value::String(token) => return Some(token.clone()),
                        Value::Object(attr) => {
                            if let Some(Value::String(token)) = attr.get("StringValue") {
                                return Some(token.clone());
                            }
                        }
                        _ => {}
                    }
                }
            }
            map.values().find_map(task_token)
        }
        Value::Array(items) => items.iter().find_map(task_token),
        _ => None,
    }
}

/// RFC 3339, UTC, to the millisecond.
pub fn timestamp(time: &aws_sdk_sfn::primitives::DateTime) -> String {
    match std::time::SystemTime::try_from(*time) {
        Ok(t) => humantime::format_rfc3339_millis(t).to_string(),
        Err(_) => time.secs().to_string(),
    }
}

/// The console page of an execution.
pub fn console_link(region: &str, execution_arn: &str) -> String {
    format!(
        "https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{execution_arn}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_in_parameters() {
        let sns = json!({"TopicArn": "t", "MessageAttributes": {"task_token": {"DataType": "String", "StringValue": "tok1"}}});
        assert_eq!(task_token(&sns).as_deref(), Some("tok1"));
        let lambda = json!({"FunctionName": "f", "Payload": {"input": {}, "task_token": "tok2"}});
        assert_eq!(task_token(&lambda).as_deref(), Some("tok2"));
        let sqs = json!({"MessageBody": {"items": [{"TaskToken": "tok3"}]}});
        assert_eq!(task_token(&sqs).as_deref(), Some("tok3"));
        assert_eq!(task_token(&json!({"a": 1})), None);
    }

    fn event(id: i64, previous: i64, kind: &str, token: Option<&str>) -> HistoryEvent {
        use aws_sdk_sfn::types::{
            HistoryEventType, StateEnteredEventDetails, TaskScheduledEventDetails,
        };
        let mut b = HistoryEvent::builder()
            .id(id)
            .previous_event_id(previous)
            .timestamp(aws_sdk_sfn::primitives::DateTime::from_secs(id))
            .r#type(HistoryEventType::from(kind));
        if kind == "TaskStateEntered" {
            b = b.state_entered_event_details(
                StateEnteredEventDetails::builder()
                    .name("Approve")
                    .build()
                    .unwrap(),
            );
        }
        if let Some(token) = token {
            let parameters = json!({"MessageAttributes": {"task_token": {"StringValue": token}}});
            b = b.task_scheduled_event_details(
                TaskScheduledEventDetails::builder()
                    .resource_type("sns")
                    .resource("publish.waitForTaskToken")
                    .region("us-west-2")
                    .parameters(parameters.to_string())
                    .build()
                    .unwrap(),
            );
        }
        b.build().unwrap()
    }

    #[test]
    fn the_unanswered_callback_is_waiting() {
        let mut events = vec![
            event(1, 0, "ExecutionStarted", None),
            event(2, 1, "TaskStateEntered", None),
            event(3, 2, "TaskScheduled", Some("old")),
            event(4, 3, "TaskStarted", None),
            event(5, 4, "TaskFailed", None),
            event(6, 5, "TaskScheduled", Some("new")),
            event(7, 6, "TaskStarted", None),
        ];
        let waiting = waiting_task(&events).unwrap();
        assert_eq!(waiting.token, "new");
        assert_eq!(waiting.state.as_deref(), Some("Approve"));
        assert_eq!(
            waiting.resource,
            "arn:aws:states:::sns:publish.waitForTaskToken"
        );
        events.push(event(8, 7, "TaskSucceeded", None));
        assert_eq!(waiting_task(&events), None);
        // No previousEventId chain: answered by order.
        events.truncate(7);
        events.push(event(8, 0, "TaskTimedOut", None));
        assert_eq!(waiting_task(&events), None);
    }

    #[test]
    fn execution_arns() {
        let arn = "arn:aws:states:us-west-2:123456789012:execution:woo-failback:failback-INC-1";
        assert_eq!(execution_region(arn), Ok("us-west-2"));
        assert!(execution_region("arn:aws:states:us-west-2:123456789012:stateMachine:x").is_err());
        assert!(execution_region("nope").is_err());
    }
}
