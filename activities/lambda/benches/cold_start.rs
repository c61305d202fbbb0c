//! Cold start of an activity as AWS Lambda sees it: from process start to the first response
//! posted to the Lambda Runtime API, for our release binary and, in the same run, for a Python
//! handler making the same first AWS call with boto3 (the seed article's approach).
//!
//! Both processes get a fresh, tiny Runtime API server of ours on 127.0.0.1 (GET `…/next` hands
//! them one `describe_database` event; the timer stops when `…/response` arrives), and both call
//! `DescribeDBInstances` on moto (127.0.0.1) through `AWS_ENDPOINT_URL`. Nothing leaves loopback.
//!
//! Run: `cargo bench -p wfc-lambda --bench cold_start` (runs: `WFC_COLD_RUNS`, default 15).
//! Prints a Markdown table for BENCHMARKS.md and the stripped size of the binary. The binary is the
//! bench profile's build, or `WFC_COLD_BINARY` (e.g. the `lambda` profile's, which is what ships:
//! `cargo build --profile lambda -p wfc-lambda`, then `target/lambda/wfc-activities`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const REGION: &str = "us-west-2";
const DB: &str = "shop-db-dr";

/// The same handler in Python: a minimal Runtime API loop (what the managed runtime's bootstrap
/// does) and a boto3 `describe_db_instances`.
const PYTHON_HANDLER: &str = r#"
import json, os, urllib.request
import boto3

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
rds = boto3.client("rds")

def handler(event, context):
    db = rds.describe_db_instances(DBInstanceIdentifier=event["db_instance_id"])["DBInstances"][0]
    endpoint = db.get("Endpoint") or {}
    return {"id": db["DBInstanceIdentifier"], "status": db["DBInstanceStatus"],
            "available": db["DBInstanceStatus"] == "available",
            "is_replica": "ReadReplicaSourceDBInstanceIdentifier" in db,
            "endpoint": endpoint.get("Address"), "port": endpoint.get("Port"), "engine": db["Engine"]}

while True:
    with urllib.request.urlopen(API + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    body = json.dumps(handler(event, None)).encode()
    urllib.request.urlopen(urllib.request.Request(API + request_id + "/response", data=body, method="POST")).read()
"#;

fn main() {
    let runs: usize = std::env::var("WFC_COLD_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let root = wfc_testkit::workspace_root();
    let binary = std::env::var_os("WFC_COLD_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_wfc-activities")));
    let python = root.join(".tools/venv/bin/python");
    assert!(python.exists(), "run `bash scripts/setup-tools.sh` first");
    let work = root.join("target/bench/cold_start");
    std::fs::create_dir_all(&work).unwrap();
    let script = work.join("python_handler.py");
    std::fs::write(&script, PYTHON_HANDLER).unwrap();

    let moto = wfc_testkit::MotoServer::start();
    let moto_ms = create_instance(&moto.endpoint());

    let rust = |api: &str| {
        let mut c = Command::new(&binary);
        lambda_env(&mut c, api, &moto.endpoint(), &work);
        c.env("_HANDLER", "describe_database");
        c
    };
    let py = |api: &str| {
        let mut c = Command::new(&python);
        lambda_env(&mut c, api, &moto.endpoint(), &work);
        c.arg(&script);
        c
    };
    // One discarded run each: the first exec after a build also pays for reading from disk.
    let first_rust = measure(&rust);
    let first_python = measure(&py);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        ours.push(measure(&rust));
        theirs.push(measure(&py));
    }
    let (size, stripped, zipped) = sizes(&binary, &work);
    let (o, t) = (stats(&mut ours), stats(&mut theirs));
    println!("cold start, process start -> first response posted ({runs} runs each, same machine, same moto):");
    println!("| handler | median ms | min ms | max ms | first run ms |");
    println!("|---|---|---|---|---|");
    println!(
        "| Rust `wfc-activities` (describe_database) | {:.1} | {:.1} | {:.1} | {:.1} |",
        o.0, o.1, o.2, first_rust
    );
    println!(
        "| Python 3 + boto3 (same call) | {:.1} | {:.1} | {:.1} | {:.1} |",
        t.0, t.1, t.2, first_python
    );
    println!("ratio Python / Rust (medians): {:.1}x", t.0 / o.0);
    println!("of which moto's answer to DescribeDBInstances (warm, median): {moto_ms:.1} ms");
    println!(
        "binary: {:.1} MB, stripped {:.1} MB, stripped and gzip -9 {:.1} MB",
        mb(size),
        mb(stripped),
        mb(zipped)
    );
    println!(
        "JSON {{\"runs\":{runs},\"rust_median_ms\":{:.2},\"python_median_ms\":{:.2},\"ratio\":{:.2},\"binary_bytes\":{size},\"stripped_bytes\":{stripped},\"gzip_bytes\":{zipped}}}",
        o.0,
        t.0,
        t.0 / o.0
    );
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// (median, min, max) in ms.
fn stats(samples: &mut [f64]) -> (f64, f64, f64) {
    samples.sort_by(|a, b| a.total_cmp(b));
    let n = samples.len();
    let median = if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    };
    (median, samples[0], samples[n - 1])
}

/// What Lambda sets for a custom runtime, and the endpoint override (moto) and dummy keys.
fn lambda_env(c: &mut Command, api: &str, endpoint: &str, work: &Path) {
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", work)
        .env("AWS_LAMBDA_RUNTIME_API", api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "describe_database")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/describe_database")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_REGION", REGION)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
}

/// Starts the process against a fresh Runtime API and returns ms until its first response.
fn measure(command: &dyn Fn(&str) -> Command) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let api = listener.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel::<(Instant, String)>();
    std::thread::spawn(move || serve_runtime_api(listener, tx));
    let started = Instant::now();
    let mut child = command(&api).spawn().expect("handler starts");
    let outcome = rx.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    let (at, body) = outcome.expect("a response within 60 s");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(answer["available"], true, "unexpected response: {body}");
    at.duration_since(started).as_secs_f64() * 1000.0
}

fn serve_runtime_api(listener: TcpListener, tx: mpsc::Sender<(Instant, String)>) {
    let served = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { return };
        let (tx, served) = (tx.clone(), served.clone());
        std::thread::spawn(move || connection(stream, tx, served));
    }
}

/// One connection, possibly keep-alive (the Rust runtime reuses it; urllib does not).
fn connection(
    stream: TcpStream,
    tx: mpsc::Sender<(Instant, String)>,
    served: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or_default();
        if path.ends_with("/invocation/next") {
            if served.swap(true, std::sync::atomic::Ordering::SeqCst) {
                // The one event is out: hold the poll until the process is stopped.
                std::thread::sleep(Duration::from_secs(120));
                return;
            }
            let event = format!("{{\"db_instance_id\":\"{DB}\",\"region\":\"{REGION}\"}}");
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: req-1\r\nlambda-runtime-deadline-ms: {deadline}\r\nlambda-runtime-invoked-function-arn: arn:aws:lambda:{REGION}:123456789012:function:describe_database\r\nlambda-runtime-trace-id: Root=1-00000000-000000000000000000000000\r\ncontent-length: {}\r\n\r\n{event}",
                event.len()
            );
            if writer.write_all(response.as_bytes()).is_err() {
                return;
            }
        } else {
            let at = Instant::now();
            let _ = writer.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}");
            let text = String::from_utf8_lossy(&body).into_owned();
            let _ = tx.send((
                at,
                if path.ends_with("/response") {
                    text
                } else {
                    format!("error: {text}")
                },
            ));
        }
    }
}

/// Creates the instance both handlers describe; returns the median warm `DescribeDBInstances`
/// round trip to moto in ms (the part of a cold start that is moto's, not the handler's).
fn create_instance(endpoint: &str) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let env = wfc_adapters::aws::AwsEnv::local(endpoint, REGION);
        let rds = aws_sdk_rds::Client::new(&env.config(None));
        rds.create_db_instance()
            .db_instance_identifier(DB)
            .engine("mysql")
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("admin")
            .master_user_password("password-not-secret")
            .send()
            .await
            .expect("fixture instance");
        let mut samples = Vec::new();
        for _ in 0..11 {
            let started = Instant::now();
            let describe = rds.describe_db_instances().db_instance_identifier(DB);
            describe.send().await.expect("describe");
            samples.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        stats(&mut samples).0
    })
}

/// (size, stripped size, gzip -9 of the stripped one ≈ the deployment zip) of the binary.
fn sizes(binary: &Path, work: &Path) -> (u64, u64, u64) {
    let size = std::fs::metadata(binary).unwrap().len();
    let stripped = work.join("bootstrap.stripped");
    let status = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(binary)
        .status();
    let stripped_size = match status {
        Ok(s) if s.success() => std::fs::metadata(&stripped).unwrap().len(),
        _ => 0,
    };
    let zipped = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&stripped)
        .output()
        .map(|o| o.stdout.len() as u64)
        .unwrap_or(0);
    (size, stripped_size, zipped)
}
