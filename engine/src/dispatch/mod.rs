//! Tasks go through one trait, [`TaskHandler`], whatever serves them: a Rust closure in the same
//! process (`in_process.rs`), a Lambda-compatible HTTP endpoint (`lambda_http.rs`), or an outside
//! party answering a task token (`callback.rs`).
//!
//! [`Handlers`] is the registry, keyed by what the `Resource` names: a Lambda function (direct
//! ARN or `lambda:invoke`'s `FunctionName`), an `aws-sdk:<service>:<action>`, or any other
//! resource ARN. The engine hands a handler the effective input and wraps the answer the way the
//! integration does (the `lambda:invoke` envelope), so handlers only see their own data.

pub mod callback;
pub mod in_process;
pub mod lambda_http;

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub use in_process::{echo, lambda_envelope};
pub use lambda_http::LambdaHttp;

/// What a handler is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    /// The `Resource` as written in the definition.
    pub resource: String,
    /// The Task state's name.
    pub state_name: String,
    /// The Lambda function's name (no ARN, no qualifier) for Lambda resources.
    pub function_name: Option<String>,
    /// The handler's input: `Payload` for `lambda:invoke`, the effective input otherwise.
    pub payload: Value,
    /// The task token, for `.waitForTaskToken` tasks.
    pub task_token: Option<String>,
    /// How many times this state was retried before this attempt (`$$.State.RetryCount`).
    pub retry_count: u32,
    /// The execution's virtual clock when the task is invoked (ms since the Unix epoch): what a
    /// simulated world (`wfc drill`) advances to before the task acts on it.
    pub now: crate::clock::Millis,
}

/// What a handler answers.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    Succeeded(Value),
    /// The error name Retry and Catch match (a Lambda's `errorType`, `Lambda.ServiceException`…)
    /// and its cause.
    Failed {
        error: String,
        cause: String,
    },
    /// The work takes `seconds` of virtual time, then ends as `outcome`: how a handler
    /// simulates a slow service, so `TimeoutSeconds` and timing are exercised.
    After {
        seconds: f64,
        outcome: Box<TaskOutcome>,
    },
}

impl TaskOutcome {
    pub fn failed(error: impl Into<String>, cause: impl Into<String>) -> TaskOutcome {
        TaskOutcome::Failed {
            error: error.into(),
            cause: cause.into(),
        }
    }

    pub fn after(seconds: f64, outcome: TaskOutcome) -> TaskOutcome {
        TaskOutcome::After {
            seconds,
            outcome: Box::new(outcome),
        }
    }
}

/// The one trait every task handler implements. Handlers are shared by every execution of an
/// [`crate::Engine`], possibly on several threads, hence `Send + Sync`.
pub trait TaskHandler: Send + Sync {
    fn invoke(&self, request: &TaskRequest) -> TaskOutcome;
}

impl<F> TaskHandler for F
where
    F: Fn(&TaskRequest) -> TaskOutcome + Send + Sync,
{
    fn invoke(&self, request: &TaskRequest) -> TaskOutcome {
        self(request)
    }
}

/// How a Task's `Resource` integrates, read from its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integration {
    /// `arn:aws:lambda:…:function:name[:qualifier]`: the function's output is the result.
    LambdaArn { function: String },
    /// `arn:aws:states:::lambda:invoke`: `FunctionName` and `Payload` come from the parameters
    /// and the result is the Invoke API's envelope.
    LambdaInvoke,
    /// `arn:aws:states:::aws-sdk:<service>:<action>`.
    AwsSdk { service: String, action: String },
    /// `arn:aws:states:…:activity:name`: a worker polls for the task; here the caller answers
    /// it with the task token, like a callback.
    Activity,
    /// Any other optimized integration (`sns:publish`, `states:startExecution`, …), keyed by
    /// its ARN without the `.sync` / `.waitForTaskToken` suffix.
    Service { key: String },
}

/// How Step Functions waits for the integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    RequestResponse,
    /// `.sync` / `.sync:2`: run a job and wait for it. Locally the handler's answer is the job's.
    Sync,
    /// `.waitForTaskToken`: wait for `SendTaskSuccess`/`SendTaskFailure` with the token.
    WaitForTaskToken,
}

/// Reads a Task `Resource`.
pub fn parse_resource(resource: &str) -> (Integration, Pattern) {
    let (base, pattern) = if let Some(base) = resource.strip_suffix(".waitForTaskToken") {
        (base, Pattern::WaitForTaskToken)
    } else if let Some(at) = resource.find(".sync") {
        (&resource[..at], Pattern::Sync)
    } else {
        (resource, Pattern::RequestResponse)
    };
    let parts: Vec<&str> = base.splitn(6, ':').collect();
    let integration = match parts.as_slice() {
        ["arn", _, "lambda", _, _, rest] if rest.starts_with("function:") => {
            Integration::LambdaArn {
                function: function_name(rest),
            }
        }
        ["arn", _, "states", _, _, rest] if rest.starts_with("activity:") => Integration::Activity,
        ["arn", _, "states", "", "", "lambda:invoke"] => Integration::LambdaInvoke,
        ["arn", _, "states", "", "", rest] if rest.starts_with("aws-sdk:") => {
            let mut it = rest["aws-sdk:".len()..].splitn(2, ':');
            Integration::AwsSdk {
                service: it.next().unwrap_or_default().to_string(),
                action: it.next().unwrap_or_default().to_string(),
            }
        }
        _ => Integration::Service {
            key: base.to_string(),
        },
    };
    (integration, pattern)
}

/// The bare function name from any of the forms Lambda accepts for `FunctionName`: `name`,
/// `name:alias`, `123456789012:function:name` or a full or qualified function ARN.
pub fn function_name(text: &str) -> String {
    let after = match text.find("function:") {
        Some(at) => &text[at + "function:".len()..],
        None => text,
    };
    after.split(':').next().unwrap_or_default().to_string()
}

/// The handlers an engine dispatches to.
#[derive(Clone, Default)]
pub struct Handlers {
    lambdas: HashMap<String, Arc<dyn TaskHandler>>,
    resources: HashMap<String, Arc<dyn TaskHandler>>,
    lambda_fallback: Option<Arc<dyn TaskHandler>>,
}

impl Handlers {
    pub fn new() -> Handlers {
        Handlers::default()
    }

    /// Serves the Lambda function `name` (direct ARN tasks and `lambda:invoke` alike). The
    /// handler gets the payload and returns the function's output.
    pub fn lambda(mut self, name: &str, handler: impl TaskHandler + 'static) -> Handlers {
        self.lambdas.insert(function_name(name), Arc::new(handler));
        self
    }

    /// Serves `arn:aws:states:::aws-sdk:<service>:<action>`; the handler gets the parameters
    /// and returns the API response.
    pub fn aws_sdk(
        self,
        service: &str,
        action: &str,
        handler: impl TaskHandler + 'static,
    ) -> Handlers {
        self.resource(&format!("aws-sdk:{service}:{action}"), handler)
    }

    /// Serves any other resource, by its ARN (`arn:aws:states:::sns:publish`) or, for SDK
    /// integrations, `aws-sdk:<service>:<action>`. A `.sync`/`.waitForTaskToken` suffix is
    /// ignored: one handler serves every pattern of a resource.
    pub fn resource(mut self, resource: &str, handler: impl TaskHandler + 'static) -> Handlers {
        self.resources
            .insert(resource_key(resource), Arc::new(handler));
        self
    }

    /// Serves every Lambda function that has no handler of its own: an HTTP endpoint
    /// ([`LambdaHttp`]), or [`echo`] (what moto's Lambda does).
    pub fn lambda_fallback(mut self, handler: impl TaskHandler + 'static) -> Handlers {
        self.lambda_fallback = Some(Arc::new(handler));
        self
    }

    /// The handler for a resource, if any.
    pub(crate) fn find(
        &self,
        integration: &Integration,
        function: Option<&str>,
    ) -> Option<&Arc<dyn TaskHandler>> {
        match integration {
            Integration::LambdaArn { .. } | Integration::LambdaInvoke => function
                .and_then(|f| self.lambdas.get(f))
                .or(self.lambda_fallback.as_ref()),
            Integration::AwsSdk { service, action } => {
                self.resources.get(&format!("aws-sdk:{service}:{action}"))
            }
            Integration::Service { key } => self.resources.get(key),
            Integration::Activity => None,
        }
    }
}

/// The registry key of a resource: SDK integrations by `aws-sdk:<service>:<action>`, others by
/// their ARN without the integration-pattern suffix.
fn resource_key(resource: &str) -> String {
    match parse_resource(resource).0 {
        Integration::AwsSdk { service, action } => format!("aws-sdk:{service}:{action}"),
        Integration::Service { key } => key,
        _ => resource.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_are_classified() {
        let lambda = parse_resource("arn:aws:lambda:us-east-1:123456789012:function:probe:live");
        assert_eq!(
            lambda,
            (
                Integration::LambdaArn {
                    function: "probe".into()
                },
                Pattern::RequestResponse
            )
        );
        assert_eq!(
            parse_resource("arn:aws:states:::lambda:invoke.waitForTaskToken"),
            (Integration::LambdaInvoke, Pattern::WaitForTaskToken)
        );
        assert_eq!(
            parse_resource("arn:aws:states:::aws-sdk:rds:promoteReadReplica"),
            (
                Integration::AwsSdk {
                    service: "rds".into(),
                    action: "promoteReadReplica".into()
                },
                Pattern::RequestResponse
            )
        );
        assert_eq!(
            parse_resource("arn:aws:states:::states:startExecution.sync:2"),
            (
                Integration::Service {
                    key: "arn:aws:states:::states:startExecution".into()
                },
                Pattern::Sync
            )
        );
        assert_eq!(
            parse_resource("arn:aws:states:us-east-1:123456789012:activity:approve").0,
            Integration::Activity
        );
    }

    #[test]
    fn function_names_in_every_form() {
        for text in [
            "probe",
            "probe:live",
            "123456789012:function:probe",
            "arn:aws:lambda:us-east-1:123456789012:function:probe",
            "arn:aws:lambda:us-east-1:123456789012:function:probe:$LATEST",
        ] {
            assert_eq!(function_name(text), "probe", "{text}");
        }
    }

    #[test]
    fn registry_finds_by_function_and_resource() {
        let handlers = Handlers::new()
            .lambda("arn:aws:lambda:us-east-1:1:function:probe", echo)
            .resource(
                "arn:aws:states:::sns:publish.waitForTaskToken",
                |_: &TaskRequest| TaskOutcome::Succeeded(json!("sent")),
            );
        assert!(handlers
            .find(&Integration::LambdaInvoke, Some("probe"))
            .is_some());
        assert!(handlers
            .find(&Integration::LambdaInvoke, Some("other"))
            .is_none());
        let (sns, _) = parse_resource("arn:aws:states:::sns:publish");
        assert!(handlers.find(&sns, None).is_some());
    }
}
