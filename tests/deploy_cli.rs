//! `wfc deploy` against moto (one moto_server on 127.0.0.1, both regions, Step Functions with its
//! interpreter on: that backend knows versions and aliases and records the version an execution
//! runs). The network the templates would build (two transit gateways, the peering requested
//! from the primary region) is made here with EC2 Query API calls, as CloudFormation would.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use wfc_testkit::MotoServer;

const PRIMARY: &str = "us-east-1";
const DR: &str = "us-west-2";
const ACCOUNT: &str = "123456789012";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn wfc(endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wfc"))
        .args(args)
        .args(["--endpoint-url", endpoint])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("wfc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// `wfc deploy --json`: its changes.
fn deploy(endpoint: &str, config: &Path, extra: &[&str]) -> Vec<Value> {
    let config = config.to_str().unwrap();
    let mut args = vec!["deploy", "--config", config, "--json"];
    args.extend(extra);
    let (code, out, err) = wfc(endpoint, &args);
    assert_eq!(code, 0, "wfc {args:?}:\n{out}\n{err}");
    let doc: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    doc["changes"].as_array().expect("changes").clone()
}

fn resources(changes: &[Value]) -> Vec<String> {
    changes
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["region"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
                c["resource"].as_str().unwrap()
            )
        })
        .collect()
}

/// One EC2 Query API call to moto (moto reads the region from the credential scope and does
/// not check the signature).
fn ec2(endpoint: &str, region: &str, params: &[(&str, &str)]) -> String {
    let body: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let body = format!("Version=2016-11-15&{}", body.join("&"));
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/ec2/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{params:?}: {answer}");
    answer
}

/// One raw request to moto, signed for `service` in `region` (moto does not check signatures);
/// the status line and the body.
fn raw(
    endpoint: &str,
    service: &str,
    region: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (String, String) {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.lines().next().unwrap_or_default().to_string();
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

/// The activity functions `woo-<activity>` in `region` (an empty zip: moto runs nothing), each
/// with `$LATEST` only.
fn create_functions(endpoint: &str, region: &str, role: &str) {
    for info in wfc_activities::catalog::catalog() {
        let body = serde_json::json!({
            "FunctionName": format!("woo-{}", info.name),
            "Runtime": "provided.al2023",
            "Role": role,
            "Handler": info.name,
            // An empty zip archive (its end-of-central-directory record only).
            "Code": { "ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==" },
            "Publish": false,
        });
        let (status, answer) = raw(
            endpoint,
            "lambda",
            region,
            "POST",
            "/2015-03-31/functions",
            "application/json",
            &body.to_string(),
        );
        assert!(
            status.contains(" 201"),
            "create woo-{}: {status} {answer}",
            info.name
        );
    }
}

/// Publishes a version of `woo-<activity>` in `region`; its number.
fn publish(endpoint: &str, region: &str, activity: &str) -> String {
    let path = format!("/2015-03-31/functions/woo-{activity}/versions");
    let (status, answer) = raw(
        endpoint,
        "lambda",
        region,
        "POST",
        &path,
        "application/json",
        "{}",
    );
    assert!(
        status.contains(" 201"),
        "publish woo-{activity}: {status} {answer}"
    );
    let version: Value = serde_json::from_str(&answer).unwrap();
    version["Version"].as_str().unwrap().to_string()
}

/// The text of the first `<tag>` in `xml`.
fn first(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no {tag} in {xml}"))
        + open.len();
    let end = xml[start..].find("</").unwrap() + start;
    xml[start..end].to_string()
}

fn peering_state(endpoint: &str, region: &str, id: &str) -> String {
    let answer = ec2(
        endpoint,
        region,
        &[
            ("Action", "DescribeTransitGatewayPeeringAttachments"),
            ("TransitGatewayAttachmentIds.1", id),
        ],
    );
    first(&answer, "state")
}

fn sdk_config(endpoint: &str, region: &str) -> aws_types::SdkConfig {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_types::SdkConfig::builder()
        .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(region.to_string()))
        .http_client(http)
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_sfn::config::SharedCredentialsProvider::new(
            aws_sdk_sfn::config::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .build()
}

fn machine_arn(region: &str, workflow: &str) -> String {
    format!("arn:aws:states:{region}:{ACCOUNT}:stateMachine:woo-{workflow}")
}

/// The versions of a state machine (moto has no ListStateMachineVersions: probed by
/// DescribeStateMachine on `<arn>:<n>`), and the version its `live` alias runs.
async fn versions_and_alias(
    sfn: &aws_sdk_sfn::Client,
    region: &str,
    workflow: &str,
) -> (Vec<String>, String) {
    let arn = machine_arn(region, workflow);
    let mut versions = Vec::new();
    for n in 1..=4 {
        let version = format!("{arn}:{n}");
        let found = sfn
            .describe_state_machine()
            .state_machine_arn(&version)
            .send()
            .await;
        if found.is_ok() {
            versions.push(version);
        }
    }
    let alias = sfn
        .describe_state_machine_alias()
        .state_machine_alias_arn(format!("{arn}:live"))
        .send()
        .await
        .unwrap();
    let live = alias.routing_configuration()[0]
        .state_machine_version_arn()
        .to_string();
    (versions, live)
}

async fn definition_of(sfn: &aws_sdk_sfn::Client, arn: &str) -> String {
    sfn.describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .unwrap()
        .definition()
        .to_string()
}

/// Starts an execution through `alias`, as the alarm rule does; its ARN.
async fn start_through(sfn: &aws_sdk_sfn::Client, alias: &str, name: &str) -> String {
    sfn.start_execution()
        .state_machine_arn(alias)
        .name(format!("failover-{name}"))
        .input(format!(r#"{{"incident_id": "INC-{name}"}}"#))
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string()
}

/// The version an execution runs, as DescribeExecution gives it, and the definition it runs
/// (DescribeStateMachineForExecution). It was started through the alias.
async fn executed(sfn: &aws_sdk_sfn::Client, execution: &str) -> (String, String) {
    let described = sfn
        .describe_execution()
        .execution_arn(execution)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.state_machine_alias_arn(),
        Some(format!("{}:live", described.state_machine_arn()).as_str())
    );
    let definition = sfn
        .describe_state_machine_for_execution()
        .execution_arn(execution)
        .send()
        .await
        .unwrap()
        .definition()
        .to_string();
    (
        described.state_machine_version_arn().unwrap().to_string(),
        definition,
    )
}

/// The example stack with `min_minutes_between_failovers` changed: only the failover definition
/// depends on it (asserted below from the changes).
fn changed_stack(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("examples/woocommerce/stack.toml")).unwrap();
    let changed = text.replace(
        "min_minutes_between_failovers = 60",
        "min_minutes_between_failovers = 90",
    );
    assert_ne!(
        text, changed,
        "the example stack sets min_minutes_between_failovers = 60"
    );
    let path = dir.join("stack.toml");
    std::fs::write(&path, changed).unwrap();
    path
}

#[test]
fn deploy_is_idempotent_publishes_what_changed_and_accepts_the_peering() {
    let moto = MotoServer::start();
    moto.enable_state_machine_execution();
    let endpoint = moto.endpoint();
    let stack = root().join("examples/woocommerce/stack.toml");

    // The network stacks: a gateway per region, the peering requested from the primary.
    let gateway = |region| {
        first(
            &ec2(&endpoint, region, &[("Action", "CreateTransitGateway")]),
            "transitGatewayId",
        )
    };
    let (here, there) = (gateway(PRIMARY), gateway(DR));
    let requested = ec2(
        &endpoint,
        PRIMARY,
        &[
            ("Action", "CreateTransitGatewayPeeringAttachment"),
            ("TransitGatewayId", &here),
            ("PeerTransitGatewayId", &there),
            ("PeerAccountId", ACCOUNT),
            ("PeerRegion", DR),
        ],
    );
    let peering = first(&requested, "transitGatewayAttachmentId");
    assert_eq!(peering_state(&endpoint, DR, &peering), "pendingAcceptance");

    // The definitions call the functions' newest published versions, read from each region:
    // deploy refuses, and says what to do, while a function is missing or unpublished.
    let refused = |what: &str| {
        let (code, out, err) = wfc(
            &endpoint,
            &["deploy", "--config", stack.to_str().unwrap(), "--dry-run"],
        );
        assert_eq!(code, 2, "{out}\n{err}");
        assert!(
            err.contains(what) && err.contains("nothing was deployed"),
            "{err}"
        );
    };
    refused("does not exist; direct mode creates no function");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let encoded: String = trust
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let (status, answer) = raw(
        &endpoint,
        "iam",
        PRIMARY,
        "POST",
        "/",
        "application/x-www-form-urlencoded",
        &format!("Action=CreateRole&Version=2010-05-08&RoleName=woo-activities&AssumeRolePolicyDocument={encoded}"),
    );
    assert!(status.contains(" 200"), "{status} {answer}");
    let role = format!("arn:aws:iam::{ACCOUNT}:role/woo-activities");
    for region in [PRIMARY, DR] {
        create_functions(&endpoint, region, &role);
    }
    refused("has no published version, only $LATEST");
    for region in [PRIMARY, DR] {
        for info in wfc_activities::catalog::catalog() {
            assert_eq!(publish(&endpoint, region, info.name), "1");
        }
    }

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sfn = |region| aws_sdk_sfn::Client::new(&sdk_config(&endpoint, region));
    let events = aws_sdk_eventbridge::Client::new(&sdk_config(&endpoint, DR));

    // --dry-run: every change listed, resource by resource; nothing made.
    let planned = deploy(&endpoint, &stack, &["--dry-run"]);
    let listed = resources(&planned);
    for region in [PRIMARY, DR] {
        for workflow in ["failover", "switchover", "failback", "preflight"] {
            let machine = format!("{region} create state machine woo-{workflow}");
            assert!(listed.contains(&machine), "{machine} in {listed:#?}");
            let alias = format!("{region} create alias woo-{workflow}:live");
            assert!(listed.contains(&alias), "{alias} in {listed:#?}");
        }
    }
    assert!(
        listed.contains(&format!("{DR} create rule woo-preflight")),
        "{listed:#?}"
    );
    assert!(
        listed.contains(&format!("{DR} accept transit gateway peering {peering}")),
        "{listed:#?}"
    );
    assert!(
        !listed
            .iter()
            .any(|l| l.starts_with(PRIMARY) && l.contains("peering")),
        "the primary region requested it, the DR region accepts it"
    );
    runtime.block_on(async {
        for region in [PRIMARY, DR] {
            let machines = sfn(region).list_state_machines().send().await.unwrap();
            assert!(
                machines.state_machines().is_empty(),
                "--dry-run created state machines"
            );
        }
        let rules = events.list_rules().send().await.unwrap();
        assert!(rules.rules().is_empty(), "--dry-run created rules");
    });
    assert_eq!(peering_state(&endpoint, DR, &peering), "pendingAcceptance");

    // First deploy: what the dry run said.
    let made = deploy(&endpoint, &stack, &[]);
    assert_eq!(resources(&made), listed);
    assert_eq!(peering_state(&endpoint, DR, &peering), "available");

    // Second deploy: nothing to change, in JSON and in text.
    assert_eq!(deploy(&endpoint, &stack, &[]), Vec::<Value>::new());
    let (code, out, err) = wfc(
        &endpoint,
        &["deploy", "--config", stack.to_str().unwrap(), "--dry-run"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("no change:"), "{out}");

    // Rules and targets: the alias, never the state machine; DLQ, retry policy, role.
    runtime.block_on(async {
        let targets = events
            .list_targets_by_rule()
            .rule("woo-preflight")
            .send()
            .await
            .unwrap();
        let target = &targets.targets()[0];
        assert_eq!(
            target.arn(),
            format!("{}:live", machine_arn(DR, "preflight"))
        );
        assert_eq!(
            target.role_arn(),
            Some("arn:aws:iam::123456789012:role/woo-dr-events")
        );
        let rules = events.list_rules().send().await.unwrap();
        let names: Vec<&str> = rules.rules().iter().filter_map(|r| r.name()).collect();
        assert!(names.contains(&"woo-failover-primary-alarm"), "{names:?}");
        for name in names {
            let targets = events
                .list_targets_by_rule()
                .rule(name)
                .send()
                .await
                .unwrap();
            for target in targets.targets() {
                assert_eq!(
                    target.dead_letter_config().and_then(|d| d.arn()),
                    Some("arn:aws:sqs:us-west-2:123456789012:woo-dr-events-dlq"),
                    "{name}"
                );
                let retry = target.retry_policy().expect("a retry policy");
                assert_eq!(retry.maximum_retry_attempts(), Some(8), "{name}");
                assert_eq!(retry.maximum_event_age_in_seconds(), Some(3600), "{name}");
                assert!(!target.arn().contains("${"), "{name}: {}", target.arn());
                if target.arn().contains(":stateMachine:") {
                    assert!(target.arn().ends_with(":live"), "{name}: {}", target.arn());
                    assert!(target.role_arn().is_some(), "{name}");
                }
                if let Some(template) = target.input_transformer().map(|t| t.input_template()) {
                    if template.contains(":stateMachine:") {
                        assert!(template.contains(":live\""), "{name}: {template}");
                    }
                }
            }
        }
        // Forwarding from the primary region's bus: its role.
        let primary = aws_sdk_eventbridge::Client::new(&sdk_config(&endpoint, PRIMARY));
        let forward = primary
            .list_targets_by_rule()
            .rule("woo-failover-primary-alarm-forward")
            .send()
            .await
            .unwrap();
        assert!(forward.targets()[0].arn().contains(":event-bus/default"));
        assert!(forward.targets()[0].role_arn().is_some());
    });

    // Before the change: version 1, the alias on it, and an execution started through the alias
    // as the alarm rule starts it. (moto alone cannot run an execution of a version or an alias:
    // testkit/moto/moto_server.py adds it as the Step Functions developer guide describes it.)
    let alias = format!("{}:live", machine_arn(DR, "failover"));
    let (v1, before) = runtime.block_on(async {
        let (versions, live) = versions_and_alias(&sfn(DR), DR, "failover").await;
        assert_eq!(versions, vec![format!("{}:1", machine_arn(DR, "failover"))]);
        assert_eq!(live, versions[0]);
        (live, start_through(&sfn(DR), &alias, "before-deploy").await)
    });

    // Third deploy, one workflow changed: a new version of it, in both regions, its alias moved.
    let dir = std::env::temp_dir().join(format!("wfc-deploy-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let changed = changed_stack(&dir);
    let preview = deploy(&endpoint, &changed, &["--dry-run"]);
    let made = deploy(&endpoint, &changed, &[]);
    assert_eq!(made, preview);
    let mut expected = Vec::new();
    for region in [PRIMARY, DR] {
        expected.push(format!("{region} update state machine woo-failover"));
        expected.push(format!("{region} move alias woo-failover:live"));
    }
    assert_eq!(resources(&made), expected, "{made:#?}");
    assert!(made[0]["detail"].as_str().unwrap().contains("definition"));

    runtime.block_on(async {
        let dr = sfn(DR);
        let (versions, live) = versions_and_alias(&dr, DR, "failover").await;
        let v2 = format!("{}:2", machine_arn(DR, "failover"));
        assert_eq!(versions.len(), 2, "{versions:?}");
        assert_eq!(live, v2);
        for workflow in ["switchover", "failback", "preflight"] {
            let (versions, live) = versions_and_alias(&dr, DR, workflow).await;
            assert_eq!(versions.len(), 1, "{workflow}: {versions:?}");
            assert!(live.ends_with(":1"), "{workflow}: {live}");
        }
        // The new version runs the new definition; the old one is kept as it was.
        let new = definition_of(&dr, &v2).await;
        let old = definition_of(&dr, &v1).await;
        assert!(
            new.contains("\"min_minutes_between_failovers\":90"),
            "{new}"
        );
        assert!(
            old.contains("\"min_minutes_between_failovers\":60"),
            "{old}"
        );
        assert_eq!(new, definition_of(&dr, &machine_arn(DR, "failover")).await);

        // The execution started before the deploy keeps version 1 and its definition; one
        // started through the alias now runs version 2.
        assert_eq!(executed(&dr, &before).await, (v1.clone(), old.clone()));
        let after = start_through(&dr, &alias, "after-deploy").await;
        assert_eq!(executed(&dr, &after).await, (v2, new));
    });

    // And the changed stack deployed again: nothing.
    assert_eq!(deploy(&endpoint, &changed, &[]), Vec::<Value>::new());

    // A new version of one function in the DR region: the state machines there that call it get
    // a new version calling it; nothing else changes.
    // (Lambda publishes no version of an unchanged function: change its configuration first.)
    let (status, answer) = raw(
        &endpoint,
        "lambda",
        DR,
        "PUT",
        "/2015-03-31/functions/woo-promote_replica/configuration",
        "application/json",
        r#"{"Description": "new code"}"#,
    );
    assert!(status.contains(" 200"), "{status} {answer}");
    assert_eq!(publish(&endpoint, DR, "promote_replica"), "2");
    let made = deploy(&endpoint, &changed, &[]);
    let listed = resources(&made);
    assert!(
        listed.contains(&format!("{DR} update state machine woo-failover")),
        "{listed:#?}"
    );
    assert!(listed.iter().all(|l| l.starts_with(DR)), "{listed:#?}");
    runtime.block_on(async {
        let (_, live) = versions_and_alias(&sfn(DR), DR, "failover").await;
        let definition = definition_of(&sfn(DR), &live).await;
        assert!(
            definition.contains("function:woo-promote_replica:2\""),
            "{definition}"
        );
        assert!(
            !definition.contains("function:woo-promote_replica:1\""),
            "{definition}"
        );
        // The execution started before still runs the definition that calls version 1, and
        // Lambda still has version 1 (nothing deletes a published version).
        let (_, kept) = executed(&sfn(DR), &before).await;
        assert!(kept.contains("function:woo-promote_replica:1\""), "{kept}");
    });
    let (status, answer) = raw(
        &endpoint,
        "lambda",
        DR,
        "GET",
        "/2015-03-31/functions/woo-promote_replica?Qualifier=1",
        "application/json",
        "",
    );
    assert!(status.contains(" 200"), "{status} {answer}");
    assert_eq!(deploy(&endpoint, &changed, &[]), Vec::<Value>::new());
    let _ = std::fs::remove_dir_all(&dir);
}
