//! The Lambda program: one binary for every activity, which one is set by the function's handler
//! (`_HANDLER`, e.g. `promote_replica`). The outer edge of the activities: `lambda_runtime`, the
//! production wiring of each activity to its adapters ([`Handler`], in `handlers.rs`), the
//! dispatch by name, and `main`. Activity logic is in `wfc-activities`, the adapters in
//! `wfc-adapters`.
//!
//! Why one binary: the AWS SDK runtime (smithy, hyper, rustls, tokio) is most of every activity's
//! code, so one binary per activity would build, link and store it each time for little saving
//! per function; the deployment ships one zip to every function and IAM stays per function (each
//! role gets its activity's `permissions()`). Cold start depends on the work done before the first
//! response, not on the file size (the binary is mapped lazily): see BENCHMARKS.md.

mod handlers;

use serde_json::Value;
use std::future::Future;
use wfc_activities::catalog::names;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::validate::parse;
use wfc_adapters::aws::AwsEnv;
use wfc_contract::Activity;

/// An activity with its production wiring: the adapters it runs on, built from the environment.
pub trait Handler: Activity {
    fn handle(
        input: Self::Input,
        env: &AwsEnv,
    ) -> impl Future<Output = Result<Self::Output>> + Send;
}

/// Typed call of one activity on a JSON payload; a payload that does not fit the input type is
/// `InvalidInput` with the path of the field (no request has been made yet).
pub async fn invoke<A: Handler>(payload: Value, env: &AwsEnv) -> Result<Value> {
    let input: A::Input = parse(payload)?;
    let output = A::handle(input, env).await?;
    serde_json::to_value(output).map_err(|e| ActivityError::AwsError {
        service: "wfc".into(),
        operation: A::NAME.into(),
        code: "OutputNotSerializable".into(),
        message: e.to_string(),
    })
}

/// Calls the activity named `name`.
pub async fn dispatch(name: &str, payload: Value, env: &AwsEnv) -> Result<Value> {
    macro_rules! table {
        ($($activity:ty),* $(,)?) => {
            match name {
                $(<$activity as Activity>::NAME => invoke::<$activity>(payload, env).await,)*
                _ => Err(ActivityError::UnknownActivity { name: name.to_string() }),
            }
        };
    }
    wfc_activities::with_activities!(table)
}

/// The handler name Lambda gives a custom runtime: the function's `Handler` setting. A value like
/// `bootstrap.promote_replica` is accepted too (the part after the last dot).
pub fn handler_name() -> Result<String> {
    let raw = std::env::var("_HANDLER").map_err(|_| ActivityError::UnknownActivity {
        name: "(_HANDLER is not set)".into(),
    })?;
    Ok(raw.rsplit('.').next().unwrap_or(&raw).to_string())
}

/// JSON logs on stderr (CloudWatch Logs reads them); level from `RUST_LOG`, `info` by default.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .with_current_span(false)
        .with_writer(std::io::stderr)
        .try_init()
        .ok();
}

/// The Lambda runtime loop for the activity named by `_HANDLER`. Logs the outcome (activity,
/// request id, error name), never the payload: inputs name secrets, and outputs may quote
/// configuration.
pub async fn serve() -> std::result::Result<(), lambda_runtime::Error> {
    init_logging();
    let name = handler_name()?;
    // A wrong handler setting fails the init phase, not every invocation.
    if !names().contains(&name.as_str()) {
        return Err(ActivityError::UnknownActivity { name }.into());
    }
    let env = AwsEnv::from_env().await;
    let (name, env) = (&name, &env);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<Value>| async move {
            let request_id = event.context.request_id.clone();
            let result = dispatch(name, event.payload, env).await;
            match &result {
                Ok(_) => tracing::info!(activity = %name, %request_id, "succeeded"),
                Err(e) => tracing::warn!(activity = %name, %request_id, error = e.name(), message = %e, "failed"),
            }
            result.map_err(Failure)
        },
    ))
    .await
}

/// An activity's failure as Lambda reports it: `errorType` is the name a Retry/Catch matches.
/// (A newtype because neither `ActivityError` nor `Diagnostic` is this crate's.)
#[derive(Debug)]
struct Failure(ActivityError);

impl From<Failure> for lambda_runtime::Diagnostic {
    fn from(Failure(error): Failure) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.name().to_string(),
            error_message: error.to_string(),
        }
    }
}
