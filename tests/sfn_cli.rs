//! `wfc failback start`, `wfc status`, `wfc approve` and `wfc reject` against moto's Step
//! Functions interpreter (one moto_server on 127.0.0.1 for the whole file): a `woo-failback`
//! state machine that waits on an SNS `.waitForTaskToken` approval, then succeeds.

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use wfc_testkit::MotoServer;

const REGION: &str = "us-west-2";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stack() -> PathBuf {
    root().join("examples/woocommerce/stack.toml")
}

/// Runs `wfc` with dummy credentials, against moto, with `stdin` on its standard input.
fn wfc(endpoint: &str, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wfc"))
        .args(args)
        .args(["--endpoint-url", endpoint])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("USER", "test-sre")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wfc runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&stdout).to_string(),
        String::from_utf8_lossy(&stderr).to_string(),
    );
    (status.code().unwrap_or(-1), out, err)
}

fn http() -> aws_sdk_sfn::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

async fn sfn(endpoint: &str) -> aws_sdk_sfn::Client {
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
        .region(aws_sdk_sfn::config::Region::new(REGION))
        .http_client(http())
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_sfn::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_sfn::Client::from_conf(config)
}

async fn sns(endpoint: &str) -> aws_sdk_sns::Client {
    let config = aws_sdk_sns::Config::builder()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .region(aws_sdk_sns::config::Region::new(REGION))
        .http_client(http())
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_sns::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_sns::Client::from_conf(config)
}

/// The execution's status once it has stopped.
async fn wait_until_stopped(
    client: &aws_sdk_sfn::Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = client
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        if *out.status() != ExecutionStatus::Running {
            return out;
        }
        assert!(Instant::now() < deadline, "{arn} still RUNNING");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `wfc status` until it shows a waiting approval (moto runs the execution in a thread).
fn status_when_waiting(endpoint: &str, arn: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (code, out, err) = wfc(endpoint, &["status", arn], None);
        assert_eq!(code, 0, "{out}{err}");
        if out.contains("waiting for an approval") {
            return out;
        }
        assert!(Instant::now() < deadline, "no approval waiting:\n{out}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn execution_arn_in(out: &str) -> String {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("execution: "))
        .unwrap_or_else(|| panic!("no execution ARN in:\n{out}"))
        .trim()
        .to_string()
}

fn request(incident: &str) -> String {
    let path = root().join("examples/woocommerce/failback-input.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["incident_id"] = json!(incident);
    v.to_string()
}

fn start(endpoint: &str, input: &Path) -> (i32, String, String) {
    wfc(
        endpoint,
        &[
            "failback",
            "start",
            "--config",
            stack().to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
        ],
        None,
    )
}

#[test]
fn failback_start_status_approve_reject_on_moto() {
    let moto = MotoServer::start();
    moto.enable_state_machine_execution();
    let endpoint = moto.endpoint();
    let endpoint = endpoint.as_str();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = rt.block_on(sfn(endpoint));

    // Not deployed yet: exit 2, named region.
    let good = root().join("examples/woocommerce/failback-input.json");
    let (code, out, err) = start(endpoint, &good);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("not deployed in us-west-2"), "{err}");

    // The state machine: approval over SNS with the token as a message attribute, then Succeed.
    let topic = rt.block_on(async {
        sns(endpoint)
            .await
            .create_topic()
            .name("woo-dr")
            .send()
            .await
            .unwrap()
            .topic_arn()
            .unwrap()
            .to_string()
    });
    let definition = json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Next": "Approve"},
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
                "Parameters": {
                    "TopicArn": topic,
                    "Message.$": "States.Format('Approve failback of {}', $.incident_id)",
                    "MessageAttributes": {
                        "task_token": {"DataType": "String", "StringValue.$": "$$.Task.Token"}
                    }
                },
                "ResultPath": "$.approval",
                "Next": "Done"
            },
            "Done": {"Type": "Succeed"}
        }
    });
    // Published, with the `live` alias on its version, as `wfc deploy` leaves it: the CLI starts
    // the alias.
    let sm_arn = rt.block_on(async {
        let created = client
            .create_state_machine()
            .name("woo-failback")
            .definition(definition.to_string())
            .role_arn("arn:aws:iam::123456789012:role/woo-dr-sfn")
            .publish(true)
            .send()
            .await
            .unwrap();
        client
            .create_state_machine_alias()
            .name("live")
            .routing_configuration(
                aws_sdk_sfn::types::RoutingConfigurationListItem::builder()
                    .state_machine_version_arn(created.state_machine_version_arn().unwrap())
                    .weight(100)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        created.state_machine_arn().to_string()
    });
    assert_eq!(
        sm_arn,
        "arn:aws:states:us-west-2:123456789012:stateMachine:woo-failback"
    );
    let executions = || {
        rt.block_on(async {
            client
                .list_executions()
                .state_machine_arn(&sm_arn)
                .send()
                .await
                .unwrap()
                .executions()
                .len()
        })
    };

    // A bad request: every violation, exit 1, nothing started.
    let bad = r#"{"target_region": 1, "incident_id": "INC-9", "extra": true}"#;
    let (code, out, err) = wfc(
        endpoint,
        &[
            "failback",
            "start",
            "--config",
            stack().to_str().unwrap(),
            "--input",
            "-",
        ],
        Some(bad),
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("3 problem(s)"), "{err}");
    assert!(err.contains("/target_region"), "{err}");
    assert!(err.contains("requested_by"), "{err}");
    assert!(err.contains("extra"), "{err}");
    assert_eq!(executions(), 0);

    // The example request: started, ARN and console link.
    let (code, out, err) = start(endpoint, &good);
    assert_eq!(code, 0, "{out}{err}");
    let arn = execution_arn_in(&out);
    assert_eq!(
        arn,
        "arn:aws:states:us-west-2:123456789012:execution:woo-failback:failback-INC-2024-0042"
    );
    // Started through the `live` alias, so it keeps that version whatever a deploy publishes.
    let described = rt.block_on(async {
        client
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap()
    });
    assert_eq!(
        described.state_machine_alias_arn(),
        Some(format!("{sm_arn}:live").as_str())
    );
    assert_eq!(
        described.state_machine_version_arn(),
        Some(format!("{sm_arn}:1").as_str())
    );
    assert!(
        out.contains(&format!(
            "https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/{arn}"
        )),
        "{out}"
    );

    // The same failback again: refused, with the first one's ARN.
    let (code, out, err) = start(endpoint, &good);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("already started"), "{err}");
    assert!(err.contains(&arn), "{err}");
    assert_eq!(executions(), 1);

    // Status: running, waiting, with the commands that answer it.
    let status = status_when_waiting(endpoint, &arn);
    assert!(status.contains("status     RUNNING"), "{status}");
    assert!(status.contains("incident   INC-2024-0042"), "{status}");
    assert!(
        status.contains(&format!(
            "version    {sm_arn}:1 (started through the `live` alias)"
        )),
        "{status}"
    );
    assert!(status.contains("Prepare"), "{status}");
    assert!(status.contains("running now: Approve"), "{status}");
    assert!(status.contains(&format!("wfc approve {arn}")), "{status}");
    assert!(
        status.contains(&format!("wfc reject {arn} --reason \"…\"")),
        "{status}"
    );
    let (code, json_out, err) = wfc(endpoint, &["status", &arn, "--json"], None);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(v["status"], "RUNNING");
    assert_eq!(v["waiting_for_approval"]["state"], "Approve");
    assert_eq!(v["state_machine_version_arn"], json!(format!("{sm_arn}:1")));
    assert_eq!(
        v["state_machine_alias_arn"],
        json!(format!("{sm_arn}:live"))
    );

    // Approve: the execution succeeds with the approval in its output.
    let (code, out, err) = wfc(endpoint, &["approve", &arn, "--by", "alice"], None);
    assert_eq!(code, 0, "{out}{err}");
    let done = rt.block_on(wait_until_stopped(&client, &arn));
    assert_eq!(*done.status(), ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output["approval"]["approved"], json!(true), "{output}");
    assert_eq!(output["approval"]["by"], json!("alice"), "{output}");
    assert!(output["approval"]["at"].is_string(), "{output}");
    let (code, out, err) = wfc(endpoint, &["approve", &arn], None);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("is not waiting for an approval (status SUCCEEDED)"),
        "{err}"
    );
    let (code, out, _) = wfc(endpoint, &["status", &arn], None);
    assert_eq!(code, 0);
    assert!(out.contains("status     SUCCEEDED"), "{out}");

    // Another incident, rejected: FAILED with FailoverRejected.
    let (code, out, err) = wfc(
        endpoint,
        &[
            "failback",
            "start",
            "--config",
            stack().to_str().unwrap(),
            "--input",
            "-",
        ],
        Some(&request("INC 43/b")),
    );
    assert_eq!(code, 0, "{out}{err}");
    let second = execution_arn_in(&out);
    assert!(
        second.contains(":execution:woo-failback:failback-INC-43-b-"),
        "{second}"
    );
    status_when_waiting(endpoint, &second);
    let (code, out, err) = wfc(
        endpoint,
        &["reject", &second, "--reason", "primary still degraded"],
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    let done = rt.block_on(wait_until_stopped(&client, &second));
    assert_eq!(*done.status(), ExecutionStatus::Failed);
    assert_eq!(done.error(), Some("FailoverRejected"));
    let (code, out, err) = wfc(endpoint, &["status", &second], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("status     FAILED"), "{out}");
    assert!(out.contains("FailoverRejected"), "{out}");
    assert!(out.contains("in state `Approve`"), "{out}");

    // API errors: exit 2.
    let missing = "arn:aws:states:us-west-2:123456789012:execution:woo-failback:nope";
    let (code, _, err) = wfc(endpoint, &["status", missing], None);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = wfc(endpoint, &["status", "not-an-arn"], None);
    assert_eq!(code, 1, "{err}");
}
