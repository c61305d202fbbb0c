//! A MySQL/MariaDB server spoken to in SQL: self-managed replication (status, promotion,
//! `read_only`) and the WooCommerce tables `reserve_order_ids` and `reconcile_gap` need. The SQL
//! itself lives in the adapter (`crate::net::MySqlClient`); the logic sees only these types.

use crate::error::{ActivityError, Result};
use crate::ports::config::{ConfigStore, SecretValue};
use crate::validate;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a MySQL/MariaDB server is and how to log in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MySqlConnection {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// Secrets Manager secret (in `region`) holding JSON {"username": …, "password": …} (the RDS
    /// secret format; other keys ignored).
    pub secret_id: String,
    #[serde(default = "default_database")]
    pub database: String,
    /// TLS to the server (RDS: on); the tests use plain TCP on loopback. Certificates are checked
    /// against the Mozilla roots and the system's (`SSL_CERT_FILE` adds a bundle, e.g. RDS's CA).
    #[serde(default = "yes")]
    pub tls: bool,
    /// Region of the secret; default: the function's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

fn default_port() -> u16 {
    3306
}

fn default_database() -> String {
    "wordpress".into()
}

fn yes() -> bool {
    true
}

impl MySqlConnection {
    /// `host:port`, the name errors and reports use.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Checks every field; `field` is where this connection sits in the input.
    pub fn validate(&self, field: &str) -> Result<()> {
        let host_is_ip = self.host.parse::<std::net::IpAddr>().is_ok();
        if !host_is_ip {
            validate::hostname(&format!("{field}.host"), &self.host)?;
        }
        validate::range(&format!("{field}.port"), self.port, 1, 65535)?;
        validate::non_empty(&format!("{field}.secret_id"), &self.secret_id)?;
        sql_identifier(&format!("{field}.database"), &self.database)?;
        validate::optional_region(&format!("{field}.region"), &self.region)
    }

    /// The server with its credentials, read from the secret (never logged or returned).
    pub async fn login(&self, config: &dyn ConfigStore) -> Result<MySqlServer> {
        let secret =
            config
                .secret(&self.secret_id)
                .await?
                .ok_or_else(|| ActivityError::ConfigNotFound {
                    store: "secret".into(),
                    name: self.secret_id.clone(),
                })?;
        let malformed = |reason: &str| ActivityError::SecretMalformed {
            name: self.secret_id.clone(),
            reason: reason.into(),
        };
        // The reason never quotes the secret: serde's message may.
        let json: serde_json::Value =
            serde_json::from_str(secret.expose()).map_err(|_| malformed("not JSON"))?;
        let field = |key: &str| {
            json.get(key)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| malformed(&format!("no `{key}` string")))
        };
        Ok(MySqlServer {
            host: self.host.clone(),
            port: self.port,
            database: self.database.clone(),
            tls: self.tls,
            username: field("username")?.to_string(),
            password: SecretValue::new(field("password")?),
        })
    }
}

/// A table, schema or column name we put into SQL: letters, digits and `_` only (quoted with
/// backticks as well), so no input can change a statement's meaning.
pub fn sql_identifier(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(ActivityError::invalid(
            field,
            "must be 1-64 letters, digits or `_`",
        ));
    }
    Ok(())
}

/// A server with its credentials resolved: what an adapter connects with.
#[derive(Debug, Clone, PartialEq)]
pub struct MySqlServer {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub tls: bool,
    pub username: String,
    pub password: SecretValue,
}

impl MySqlServer {
    /// `host:port`, the name errors and reports use.
    pub fn name(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// What `SHOW REPLICA STATUS` says of a server that replicates from a source.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaStatus {
    /// `host:port` of the source.
    pub source: String,
    pub io_running: bool,
    pub sql_running: bool,
    /// `Seconds_Behind_Master`/`_Source`; `None` is the server's NULL: unknown.
    pub seconds_behind_source: Option<u64>,
    /// The last IO or SQL thread error, empty when none.
    pub last_error: String,
}

/// Whether a session may write; `ReadOnly` sessions run in a read-only transaction, so the
/// server itself refuses any write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionMode {
    ReadWrite,
    ReadOnly,
}

/// A table's id counter: its `AUTO_INCREMENT` column's highest value and the next one it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdCounter {
    pub max_id: u64,
    pub auto_increment: u64,
}

/// An order as the old primary holds it (HPOS row, or a legacy `shop_order` post).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrderRecord {
    pub id: u64,
    pub status: String,
    pub currency: String,
    pub total: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_gmt: String,
    pub payment_method: String,
    pub transaction_id: Option<String>,
    pub stripe_intent_id: Option<String>,
    pub billing_email: Option<String>,
}

/// One line of an order: the product (the variation when there is one) and its quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    pub order_id: u64,
    pub product_id: u64,
    pub quantity: f64,
}

/// Logs in to the self-managed server an activity's input names (`self_managed`, required here)
/// and opens a session; returns the connection with it.
pub async fn open_self_managed<'a>(
    connection: Option<&'a MySqlConnection>,
    config: &dyn ConfigStore,
    mysql: &dyn MySql,
    mode: SessionMode,
) -> Result<(&'a MySqlConnection, Box<dyn MySqlSession>)> {
    let connection = connection.ok_or_else(|| {
        ActivityError::invalid("self_managed", "is required for a self-managed server")
    })?;
    let server = connection.login(config).await?;
    Ok((connection, mysql.connect(&server, mode).await?))
}

/// Opens sessions on MySQL/MariaDB servers.
#[async_trait]
pub trait MySql: Send + Sync {
    /// Connects (a few seconds at most); a server that does not answer is `DatabaseUnreachable`.
    async fn connect(
        &self,
        server: &MySqlServer,
        mode: SessionMode,
    ) -> Result<Box<dyn MySqlSession>>;
}

/// One connection. Table names given here are the full names (prefix included), checked with
/// [`sql_identifier`] by the caller.
#[async_trait]
pub trait MySqlSession: Send {
    /// `host:port`.
    fn server(&self) -> String;
    /// `SELECT VERSION()`, e.g. `10.11.6-MariaDB-0+deb12u1`.
    async fn version(&mut self) -> Result<String>;
    /// `None`: the server is not a replica.
    async fn replica_status(&mut self) -> Result<Option<ReplicaStatus>>;
    /// `@@GLOBAL.read_only`.
    async fn read_only(&mut self) -> Result<bool>;
    /// `SET GLOBAL read_only`.
    async fn set_read_only(&mut self, on: bool) -> Result<()>;
    /// Stops replication and forgets the source (`STOP REPLICA; RESET REPLICA ALL`), after
    /// letting the replica apply the events it had already fetched (a few seconds at most).
    async fn stop_replication(&mut self) -> Result<()>;
    /// Which of `tables` exist in the session's database.
    async fn existing_tables(&mut self, tables: &[String]) -> Result<Vec<String>>;
    /// The table's id counter; `None` when it has no `AUTO_INCREMENT` column.
    async fn id_counter(&mut self, table: &str) -> Result<Option<IdCounter>>;
    /// `ALTER TABLE … AUTO_INCREMENT = value`.
    async fn set_auto_increment(&mut self, table: &str, value: u64) -> Result<()>;
    /// Orders with an id above `since` (HPOS rows, and legacy `shop_order` posts without one),
    /// by id.
    async fn orders_above(&mut self, prefix: &str, since: u64) -> Result<Vec<OrderRecord>>;
    /// Which of `ids` are orders here (HPOS row or `shop_order` post).
    async fn existing_orders(&mut self, prefix: &str, ids: &[u64]) -> Result<Vec<u64>>;
    /// The highest order id that is at most `limit`; `None`: no order.
    async fn highest_order_id(&mut self, prefix: &str, limit: u64) -> Result<Option<u64>>;
    /// The product lines of these orders.
    async fn order_lines(&mut self, prefix: &str, order_ids: &[u64]) -> Result<Vec<OrderLine>>;
    /// `_stock` of each product (`None`: no stock kept), in the order asked.
    async fn stock(&mut self, prefix: &str, product_ids: &[u64]) -> Result<Vec<Option<String>>>;
    /// Ends the session (a read-only transaction is rolled back).
    async fn close(self: Box<Self>);
}
