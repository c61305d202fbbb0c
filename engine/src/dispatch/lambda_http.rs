//! A client for the AWS Lambda Invoke REST API (`POST /2015-03-31/functions/{name}/invocations`)
//! against any Lambda-compatible endpoint: `cargo lambda watch`, a Lambda runtime emulator, moto.
//! It serves every Lambda task registered to it (usually as [`super::Handlers::lambda_fallback`]).
//!
//! Errors are named the way Step Functions names them, so Retry and Catch behave as on AWS:
//! a function error (`X-Amz-Function-Error` with `{errorType, errorMessage}`) is its
//! `errorType` with the error JSON as cause (`Lambda.Unknown` when there is no `errorType`);
//! failures of the Lambda service itself are `Lambda.<Exception>`.

use super::{TaskHandler, TaskOutcome, TaskRequest};
use serde_json::Value;
use std::time::Duration;

/// A Lambda Invoke API endpoint, e.g. `http://127.0.0.1:9000` for `cargo lambda watch`.
pub struct LambdaHttp {
    endpoint: String,
    agent: ureq::Agent,
}

impl LambdaHttp {
    pub fn new(endpoint: impl Into<String>) -> LambdaHttp {
        let agent = ureq::Agent::config_builder()
            // Status codes are Lambda's answer, mapped below, not transport errors.
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(900)))
            .build()
            .into();
        LambdaHttp {
            endpoint: endpoint.into().trim_end_matches('/').to_string(),
            agent,
        }
    }

    fn url(&self, function: &str) -> String {
        format!(
            "{}/2015-03-31/functions/{}/invocations",
            self.endpoint,
            percent_encode(function)
        )
    }
}

impl TaskHandler for LambdaHttp {
    fn invoke(&self, request: &TaskRequest) -> TaskOutcome {
        let Some(function) = request.function_name.as_deref() else {
            return TaskOutcome::failed(
                "States.Runtime",
                format!(
                    "the Lambda HTTP client serves Lambda functions only, not {}",
                    request.resource
                ),
            );
        };
        let body = serde_json::to_string(&request.payload).unwrap_or_default();
        let response = self
            .agent
            .post(&self.url(function))
            .header("Content-Type", "application/json")
            .header("X-Amz-Invocation-Type", "RequestResponse")
            .send(body.as_str());
        let mut response = match response {
            Ok(r) => r,
            Err(e) => {
                return TaskOutcome::failed(
                    "Lambda.SdkClientException",
                    format!("cannot reach the Lambda endpoint {}: {e}", self.endpoint),
                )
            }
        };
        let status = response.status().as_u16();
        let function_error = response
            .headers()
            .get("X-Amz-Function-Error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = match response.body_mut().read_to_string() {
            Ok(t) => t,
            Err(e) => {
                return TaskOutcome::failed(
                    "Lambda.SdkClientException",
                    format!("reading the response of {function}: {e}"),
                )
            }
        };
        classify(status, function_error.is_some(), &text)
    }
}

/// Maps an Invoke API response to the task's outcome.
fn classify(status: u16, function_error: bool, body: &str) -> TaskOutcome {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    if (200..300).contains(&status) && !function_error {
        // The function's output; a body that is not JSON is passed on as a string, as AWS does.
        return TaskOutcome::Succeeded(parsed.unwrap_or_else(|| Value::String(body.to_string())));
    }
    if function_error {
        let error = parsed
            .as_ref()
            .and_then(|v| v.get("errorType"))
            .and_then(Value::as_str)
            .unwrap_or("Lambda.Unknown");
        return TaskOutcome::failed(error, body);
    }
    // The service refused or failed: AWS reports the exception name with the `Lambda.` prefix.
    let exception = parsed
        .as_ref()
        .and_then(|v| v.get("Type").or_else(|| v.get("__type")))
        .and_then(Value::as_str)
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_string());
    let exception = exception.unwrap_or_else(|| {
        match status {
            404 => "ResourceNotFoundException",
            429 => "TooManyRequestsException",
            400..=499 => "AWSLambdaException",
            _ => "ServiceException",
        }
        .to_string()
    });
    TaskOutcome::failed(format!("Lambda.{exception}"), body)
}

/// Percent-encodes a function name for the URL path (names are `[A-Za-z0-9-_]`, but ARNs and
/// qualifiers bring `:`).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    #[test]
    fn responses_map_to_outcomes() {
        assert_eq!(
            classify(200, false, r#"{"a":1}"#),
            TaskOutcome::Succeeded(json!({"a": 1}))
        );
        assert_eq!(
            classify(200, false, "plain"),
            TaskOutcome::Succeeded(json!("plain"))
        );
        let err = r#"{"errorType":"ReplicaLagging","errorMessage":"lag 30s"}"#;
        assert_eq!(
            classify(200, true, err),
            TaskOutcome::failed("ReplicaLagging", err)
        );
        assert_eq!(
            classify(200, true, "{}"),
            TaskOutcome::failed("Lambda.Unknown", "{}")
        );
        assert_eq!(
            classify(404, false, r#"{"Type":"User","Message":"nope"}"#),
            TaskOutcome::failed("Lambda.User", r#"{"Type":"User","Message":"nope"}"#)
        );
        assert_eq!(
            classify(429, false, ""),
            TaskOutcome::failed("Lambda.TooManyRequestsException", "")
        );
        assert_eq!(
            classify(502, false, ""),
            TaskOutcome::failed("Lambda.ServiceException", "")
        );
    }

    /// A one-request server on loopback that answers like `cargo lambda watch` with an error.
    #[test]
    fn invokes_over_http_and_reads_function_errors() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let answer = r#"{"errorType":"Boom","errorMessage":"no"}"#;
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nX-Amz-Function-Error: Unhandled\r\nContent-Length: {}\r\n\r\n{answer}",
                answer.len()
            )
            .unwrap();
            (request_line, String::from_utf8(body).unwrap())
        });
        let client = LambdaHttp::new(format!("http://127.0.0.1:{port}/"));
        let outcome = client.invoke(&TaskRequest {
            resource: "arn:aws:states:::lambda:invoke".into(),
            state_name: "Probe".into(),
            function_name: Some("probe".into()),
            payload: json!({"x": 1}),
            task_token: None,
            retry_count: 0,
            now: 0,
        });
        let (request_line, body) = server.join().unwrap();
        assert_eq!(
            request_line.trim(),
            "POST /2015-03-31/functions/probe/invocations HTTP/1.1"
        );
        assert_eq!(body, r#"{"x":1}"#);
        assert_eq!(
            outcome,
            TaskOutcome::failed("Boom", r#"{"errorType":"Boom","errorMessage":"no"}"#)
        );
    }

    #[test]
    fn unreachable_endpoint_is_an_sdk_client_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = LambdaHttp::new(format!("http://127.0.0.1:{port}"));
        let outcome = client.invoke(&TaskRequest {
            resource: "arn:aws:lambda:us-east-1:1:function:f".into(),
            state_name: "S".into(),
            function_name: Some("f".into()),
            payload: json!(null),
            task_token: None,
            retry_count: 0,
            now: 0,
        });
        assert!(
            matches!(&outcome, TaskOutcome::Failed { error, .. } if error == "Lambda.SdkClientException"),
            "{outcome:?}"
        );
    }
}
