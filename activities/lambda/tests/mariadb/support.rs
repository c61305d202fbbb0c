//! What the tests here share: moto's endpoint and the real AWS adapters on it, the credentials'
//! secret, connection inputs for a test server, calls through the Lambda wiring, and readings of a
//! server's state (checksums, GTID position) to prove nothing was written.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use wfc_activities::error::ActivityError;
use wfc_adapters::aws::AwsEnv;
use wfc_lambda::{invoke, Handler};
use wfc_testkit::{MariaDb, MariaDbPair};

pub const REGION: &str = "us-east-1";

static ENDPOINT: OnceLock<String> = OnceLock::new();

pub fn set_endpoint(endpoint: String) {
    ENDPOINT.set(endpoint).expect("endpoint set once");
}

/// The adapters' environment on moto.
pub fn env() -> AwsEnv {
    AwsEnv::local(ENDPOINT.get().expect("moto started"), REGION)
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The DR automation's account. Promoting and fencing set `read_only`, which takes READ_ONLY
/// ADMIN on MariaDB (SUPER or SYSTEM_VARIABLES_ADMIN on MySQL), a privilege the shop's own
/// account must not have (it would write through the fence); `MariaDb::USER` lacks it.
pub const DR_USER: &str = "wfc_dr";
pub const DR_PASSWORD: &str = "wfc-dr-test-password";

/// Creates the DR account on the pair's primary and waits until the replica has it too.
pub fn dr_account(pair: &MariaDbPair) {
    pair.primary.exec(&format!(
        "CREATE USER '{DR_USER}'@'%' IDENTIFIED BY '{DR_PASSWORD}';
         GRANT ALL PRIVILEGES ON *.* TO '{DR_USER}'@'%' WITH GRANT OPTION;"
    ));
    pair.wait_in_sync();
}

/// A new Secrets Manager secret in the RDS format with the DR account's login.
pub async fn db_secret() -> String {
    let name = unique("shop/db");
    let secret = json!({
        "engine": "mariadb",
        "username": DR_USER,
        "password": DR_PASSWORD,
    });
    aws_sdk_secretsmanager::Client::new(&env().config(None))
        .create_secret()
        .name(&name)
        .secret_string(secret.to_string())
        .send()
        .await
        .expect("secret created in moto");
    name
}

/// `MySqlConnection` JSON for a test server (plain TCP on loopback).
pub fn connection(db: &MariaDb, secret: &str) -> Value {
    json!({"host": db.host(), "port": db.port(), "secret_id": secret, "tls": false})
}

/// A `MySqlConnection` to a port nobody listens on.
pub fn closed_connection(secret: &str) -> Value {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    json!({"host": "127.0.0.1", "port": port, "secret_id": secret, "tls": false})
}

/// Calls activity `A` the way Lambda does (JSON in, the handler's own wiring) and reads the
/// output back as `O`.
pub async fn call<A: Handler, O: DeserializeOwned>(input: Value) -> Result<O, ActivityError> {
    let output = invoke::<A>(input, &env()).await?;
    Ok(serde_json::from_value(output).expect("output has the declared type"))
}

pub use crate::trial::trial;

#[macro_export]
macro_rules! trials {
    ($module:literal: $($test:ident),* $(,)?) => {
        vec![$($crate::support::trial(concat!($module, "::", stringify!($test)), $test)),*]
    };
}

/// Everything a write would change: every table's row count and checksum, and the binlog's
/// GTID position (any committed write moves it).
pub fn fingerprint(db: &MariaDb) -> Vec<String> {
    let tables = db.rows("SHOW TABLES");
    let mut state: Vec<String> = tables
        .iter()
        .map(|t| {
            let table = &t[0];
            let count = db.value(&format!("SELECT COUNT(*) FROM `{table}`"));
            let checksum = db.rows(&format!("CHECKSUM TABLE `{table}`"))[0][1].clone();
            format!("{table}: {count} rows, checksum {checksum}")
        })
        .collect();
    state.push(format!(
        "gtid_binlog_pos {}",
        db.value("SELECT @@GLOBAL.gtid_binlog_pos")
    ));
    state
}

/// `SHOW REPLICA STATUS`' `Seconds_Behind_Master` read directly (None: NULL or not a replica).
pub fn seconds_behind(db: &MariaDb) -> Option<f64> {
    db.replica_status()?
        .get("Seconds_Behind_Master")?
        .parse()
        .ok()
}

/// Runs `sql` as a shop application user (DML only, no SUPER): what `read_only` must stop.
pub async fn write_as_app(db: &MariaDb, sql: &str) -> Result<(), mysql_async::Error> {
    let app = "shop_app";
    db.exec(&format!(
        "CREATE USER IF NOT EXISTS '{app}'@'%' IDENTIFIED BY 'shop-app-test';
         GRANT SELECT, INSERT, UPDATE, DELETE ON {}.* TO '{app}'@'%';",
        MariaDb::DATABASE
    ));
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(db.host())
        .tcp_port(db.port())
        .user(Some(app))
        .pass(Some("shop-app-test"))
        .db_name(Some(MariaDb::DATABASE))
        .prefer_socket(false);
    let mut conn = mysql_async::Conn::new(opts).await?;
    let result = mysql_async::prelude::Queryable::query_drop(&mut conn, sql).await;
    let _ = conn.disconnect().await;
    result
}
