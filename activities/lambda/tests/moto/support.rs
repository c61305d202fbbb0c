//! What every test here shares: the one moto server's endpoint, clients for setting up fixtures,
//! unique names, error assertions, and small local servers (a counting proxy, HTTP, Redis) on
//! 127.0.0.1 only.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use wfc_activities::error::ActivityError;
use wfc_adapters::aws::AwsEnv;
use wfc_contract::Activity;

pub const PRIMARY: &str = "us-east-1";
pub const DR: &str = "us-west-2";

static ENDPOINT: OnceLock<String> = OnceLock::new();

pub fn set_endpoint(endpoint: String) {
    ENDPOINT.set(endpoint).expect("endpoint set once");
}

pub fn endpoint() -> &'static str {
    ENDPOINT.get().expect("moto started")
}

/// The adapters' environment, on moto, in `region`.
pub fn env(region: &str) -> AwsEnv {
    AwsEnv::local(endpoint(), region)
}

/// A name no other test uses (tests share one moto and run in parallel).
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub use crate::trial::trial;

#[macro_export]
macro_rules! trials {
    ($module:literal: $($test:ident),* $(,)?) => {
        vec![$($crate::support::trial(concat!($module, "::", stringify!($test)), $test)),*]
    };
}

/// The error must have this name, and the activity must declare it in `ERRORS`.
#[track_caller]
pub fn assert_error<A: Activity, T: std::fmt::Debug>(
    result: Result<T, ActivityError>,
    name: &str,
) -> ActivityError {
    let error = result.expect_err(&format!("expected {name}"));
    assert_eq!(error.name(), name, "{error}");
    assert!(
        A::ERRORS.contains(&name),
        "{} returns {name} but does not declare it in ERRORS",
        A::NAME
    );
    error
}

// ---- fixtures --------------------------------------------------------------------------------

pub fn rds(region: &str) -> aws_sdk_rds::Client {
    aws_sdk_rds::Client::new(&env(region).config(None))
}

pub fn cloudwatch(region: &str) -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::new(&env(region).config(None))
}

pub fn ssm(region: &str) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&env(region).config(None))
}

pub fn secrets(region: &str) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&env(region).config(None))
}

pub fn route53() -> aws_sdk_route53::Client {
    aws_sdk_route53::Client::new(&env(DR).config(None))
}

/// A parameter group with this name in both regions (a cross-region replica keeps its source's
/// group name, and moto fails when the DR region has none).
pub async fn parameter_group(name: &str) {
    for region in [PRIMARY, DR] {
        rds(region)
            .create_db_parameter_group()
            .db_parameter_group_name(name)
            .db_parameter_group_family("mysql8.0")
            .description("wfc test")
            .send()
            .await
            .unwrap();
    }
}

/// A MySQL primary in `PRIMARY` with its own parameter group; returns its ARN.
pub async fn primary(id: &str, encrypted: bool) -> String {
    let group = format!("{id}-pg");
    parameter_group(&group).await;
    let out = rds(PRIMARY)
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("mysql")
        .engine_version("8.0.35")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("password-not-secret")
        .db_parameter_group_name(&group)
        .backup_retention_period(7)
        .storage_encrypted(encrypted)
        .send()
        .await
        .unwrap();
    out.db_instance()
        .unwrap()
        .db_instance_arn()
        .unwrap()
        .to_string()
}

/// A primary in `PRIMARY` and its cross-region replica `replica` in `DR`.
pub async fn primary_and_replica(primary_id: &str, replica: &str) -> String {
    let arn = primary(primary_id, false).await;
    rds(DR)
        .create_db_instance_read_replica()
        .db_instance_identifier(replica)
        .source_db_instance_identifier(&arn)
        .db_instance_class("db.t3.micro")
        .send()
        .await
        .unwrap();
    arn
}

/// One `ReplicaLag` datapoint for `id`, now.
pub async fn replica_lag(region: &str, id: &str, seconds: f64) {
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
    let datum = MetricDatum::builder()
        .metric_name("ReplicaLag")
        .dimensions(
            Dimension::builder()
                .name("DBInstanceIdentifier")
                .value(id)
                .build(),
        )
        .value(seconds)
        .timestamp(aws_sdk_cloudwatch::primitives::DateTime::from(
            std::time::SystemTime::now(),
        ))
        .build();
    cloudwatch(region)
        .put_metric_data()
        .namespace("AWS/RDS")
        .metric_data(datum)
        .send()
        .await
        .unwrap();
}

/// A Route 53 health check; returns its id.
pub async fn health_check(host: &str) -> String {
    use aws_sdk_route53::types::{HealthCheckConfig, HealthCheckType};
    let config = HealthCheckConfig::builder()
        .r#type(HealthCheckType::Https)
        .fully_qualified_domain_name(host)
        .port(443)
        .resource_path("/")
        .build()
        .unwrap();
    let out = route53()
        .create_health_check()
        .caller_reference(unique("ref"))
        .health_check_config(config)
        .send()
        .await
        .unwrap();
    out.health_check().unwrap().id().to_string()
}

/// A metric alarm in `region` set to `state` (`OK`, `ALARM`).
pub async fn alarm(region: &str, name: &str, state: &str) {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, StateValue, Statistic};
    let cw = cloudwatch(region);
    cw.put_metric_alarm()
        .alarm_name(name)
        .namespace("AWS/ApplicationELB")
        .metric_name("HTTPCode_Target_5XX_Count")
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(2)
        .threshold(10.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    cw.set_alarm_state()
        .alarm_name(name)
        .state_value(StateValue::from(state))
        .state_reason("set by the test")
        .send()
        .await
        .unwrap();
}

pub async fn put_parameter(region: &str, name: &str, value: &str) {
    ssm(region)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

pub async fn get_parameter(region: &str, name: &str) -> String {
    let out = ssm(region).get_parameter().name(name).send().await.unwrap();
    out.parameter().unwrap().value().unwrap().to_string()
}

pub async fn create_secret(region: &str, name: &str, value: &str) {
    secrets(region)
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .unwrap();
}

// ---- local servers (127.0.0.1 only) ------------------------------------------------------------

/// A TCP proxy in front of moto that counts the connections made through it: zero means no
/// request reached moto.
pub struct CountingProxy {
    pub endpoint: String,
    connections: Arc<AtomicUsize>,
}

impl CountingProxy {
    pub async fn start() -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let upstream = endpoint_addr(self::endpoint());
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        CountingProxy {
            endpoint,
            connections,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn endpoint_addr(endpoint: &str) -> String {
    endpoint.trim_start_matches("http://").to_string()
}

/// A listener that accepts connections and never answers: a region that is down.
pub async fn silent_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    endpoint
}

/// A tiny HTTP server: `GET <path>` answers `(status, body)` from `routes` (404 otherwise),
/// after `delay_ms` for paths starting with `/slow`; every request's body is sent to `bodies`.
pub async fn http_server(
    routes: Vec<(&'static str, u16, &'static str)>,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (routes, tx) = (routes.clone(), tx.clone());
            tokio::spawn(async move {
                let mut reader = BufReader::new(socket);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).await.is_err() {
                    return;
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_string();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body).await;
                let _ = tx.send(String::from_utf8_lossy(&body).into_owned());
                if path.starts_with("/slow") {
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                }
                let route = routes.iter().find(|(p, _, _)| path.starts_with(p));
                let (status, text) = route.map_or((404, "not found"), |(_, s, t)| (*s, *t));
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = reader.get_mut().write_all(response.as_bytes()).await;
            });
        }
    });
    (base, rx)
}
