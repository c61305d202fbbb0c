//! Every command that calls AWS says in one line what failed and what to do: no credentials
//! (and where they were looked for), endpoint unreachable, access denied, throttled after
//! retries; the SDK's report only under `--verbose`. Access denied and throttling come from a
//! tiny HTTP stub on loopback answering the AWS JSON error, as Step Functions would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const EXECUTION: &str =
    "arn:aws:states:us-west-2:123456789012:execution:woo-failback:failback-INC-1";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stack() -> String {
    root()
        .join("examples/woocommerce/stack.toml")
        .display()
        .to_string()
}

fn request() -> String {
    root()
        .join("examples/woocommerce/failback-input.json")
        .display()
        .to_string()
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// An empty directory to be HOME (no ~/.aws).
fn empty_home(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wfc-aws-errors-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `wfc` with nothing of the caller's environment; `credentials` adds dummy keys.
fn wfc(args: &[&str], home: &PathBuf, credentials: bool) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wfc"));
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    if credentials {
        command
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
    }
    let out = command.output().expect("wfc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Every command that calls AWS, against `endpoint`.
fn commands(endpoint: &str) -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let stack = stack();
    let input = request();
    vec![
        s(&[
            "failback",
            "start",
            "--config",
            &stack,
            "--input",
            &input,
            "--endpoint-url",
            endpoint,
        ]),
        s(&["status", EXECUTION, "--endpoint-url", endpoint]),
        s(&["approve", EXECUTION, "--endpoint-url", endpoint]),
        s(&[
            "reject",
            EXECUTION,
            "--reason",
            "no",
            "--endpoint-url",
            endpoint,
        ]),
        s(&[
            "deploy",
            "--config",
            &stack,
            "--region",
            "us-west-2",
            "--endpoint-url",
            endpoint,
        ]),
    ]
}

fn assert_one_line(args: &[String], code: i32, out: &str, err: &str, expected: &[&str]) {
    assert_eq!(code, 2, "wfc {args:?}: {err}");
    let err = err.trim();
    let first = err.lines().next().unwrap_or_default();
    // deploy adds where it stopped on a second line ("nothing was changed").
    let limit = if args[0] == "deploy" { 2 } else { 1 };
    assert!(err.lines().count() <= limit, "wfc {args:?}:\n{err}");
    assert!(first.starts_with("error: "), "{first}");
    assert!(first.len() < 600, "a line, not a dump: {first}");
    for word in expected {
        assert!(
            first.contains(word),
            "wfc {args:?}: no `{word}` in: {first}"
        );
    }
    for dump in ["DispatchFailure", "ConnectorError", "SdkError", "{ "] {
        assert!(!err.contains(dump), "wfc {args:?}: SDK debug output: {err}");
    }
    assert!(!out.contains("{ "), "{out}");
}

#[test]
fn no_credentials_says_where_they_were_looked_for() {
    let home = empty_home("nocreds");
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    for args in commands(&endpoint) {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = wfc(&argv, &home, false);
        assert_one_line(
            &args,
            code,
            &out,
            &err,
            &[
                "no AWS credentials found",
                "AWS_ACCESS_KEY_ID",
                "~/.aws/credentials",
                "profile `default`",
                "disabled by AWS_EC2_METADATA_DISABLED",
                "aws configure",
            ],
        );
    }
    // --verbose: the SDK's report follows the line.
    let (code, _, err) = wfc(
        &[
            "--verbose",
            "status",
            EXECUTION,
            "--endpoint-url",
            &endpoint,
        ],
        &home,
        false,
    );
    assert_eq!(code, 2);
    assert!(err.lines().count() >= 2, "{err}");
    assert!(err.contains("SDK detail:"), "{err}");
}

#[test]
fn an_unreachable_endpoint_is_named() {
    let home = empty_home("unreachable");
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    for args in commands(&endpoint) {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = wfc(&argv, &home, true);
        assert_one_line(
            &args,
            code,
            &out,
            &err,
            &[&format!("cannot reach {endpoint}"), "--endpoint-url"],
        );
    }
}

/// Answers every request with HTTP 400 and the AWS JSON error `code`; counts the requests.
fn stub(code: &'static str, message: &'static str) -> (String, Arc<AtomicUsize>) {
    serve(move |_| json_error(code, message))
}

fn json_error(code: &str, message: &str) -> (u16, &'static str, String) {
    (
        400,
        "application/x-amz-json-1.0",
        format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
    )
}

/// A loopback HTTP server answering each request (its head and body, as text) with `answer`'s
/// status, content type and body; counts the requests.
fn serve<F>(answer: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(&str) -> (u16, &'static str, String) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut request = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                request.push_str(&line);
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            request.push_str(&String::from_utf8_lossy(&body));
            seen.fetch_add(1, Ordering::SeqCst);
            let (status, content_type, body) = answer(&request);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Error\r\nContent-Type: {content_type}\r\nx-amzn-RequestId: 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (endpoint, count)
}

#[test]
fn access_denied_names_the_action_and_the_resource() {
    let home = empty_home("denied");
    let (endpoint, _) = stub(
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform this action",
    );
    let cases = [
        (0, "allow states:DescribeExecution on arn:aws:states:us-west-2:123456789012:execution:woo-failback:failback-"),
        (1, "allow states:DescribeExecution on arn:aws:states:us-west-2:123456789012:execution:woo-failback:failback-INC-1"),
        (2, "allow states:DescribeExecution on"),
        (3, "allow states:DescribeExecution on"),
        // deploy reads the functions' published versions first (hand-signed, like EC2).
        (4, "allow lambda:ListVersionsByFunction on function woo-"),
    ];
    let all = commands(&endpoint);
    for (index, expected) in cases {
        let args = &all[index];
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = wfc(&argv, &home, true);
        assert_one_line(
            args,
            code,
            &out,
            &err,
            &["access denied", "is not authorized", expected],
        );
    }
}

#[test]
fn throttling_is_reported_after_the_retries() {
    let home = empty_home("throttled");
    let (endpoint, count) = stub("ThrottlingException", "Rate exceeded");
    let (code, out, err) = wfc(
        &["status", EXECUTION, "--endpoint-url", &endpoint],
        &home,
        true,
    );
    let args = vec!["status".to_string()];
    assert_one_line(
        &args,
        code,
        &out,
        &err,
        &[
            "states:DescribeExecution on",
            "throttled by AWS (ThrottlingException) after 3 attempts",
            "run it again",
        ],
    );
    assert_eq!(count.load(Ordering::SeqCst), 3, "the SDK retried twice");
}

#[test]
fn the_hand_signed_ec2_call_reports_like_the_others() {
    // The functions published; nothing deployed in Step Functions or EventBridge; EC2 refuses
    // the peering lookup.
    let (endpoint, _) = serve(|request| {
        if request.contains("/2015-03-31/functions/") {
            assert!(
                request.contains("/lambda/aws4_request"),
                "signed for Lambda: {request}"
            );
            return (
                200,
                "application/json",
                r#"{"Versions": [{"Version": "$LATEST"}, {"Version": "1"}]}"#.into(),
            );
        }
        if request.contains("Action=DescribeTransitGatewayPeeringAttachments") {
            assert!(
                request.contains("/ec2/aws4_request"),
                "signed for EC2: {request}"
            );
            return (
                403,
                "text/xml",
                "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>1</RequestID></Response>".into(),
            );
        }
        if request.contains("AWSStepFunctions") {
            json_error("StateMachineDoesNotExist", "State Machine Does Not Exist")
        } else {
            json_error("ResourceNotFoundException", "Rule does not exist")
        }
    });
    let home = empty_home("ec2");
    let stack = stack();
    let args: Vec<String> = [
        "deploy",
        "--config",
        &stack,
        "--region",
        "us-west-2",
        "--dry-run",
        "--endpoint-url",
        &endpoint,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = wfc(&argv, &home, true);
    assert_one_line(
        &args,
        code,
        &out,
        &err,
        &[
            "ec2:DescribeTransitGatewayPeeringAttachments on the transit gateway attachments of us-west-2",
            "access denied (You are not authorized to perform this operation.)",
            "allow ec2:DescribeTransitGatewayPeeringAttachments",
        ],
    );
}
