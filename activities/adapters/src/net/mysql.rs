//! `MySql` over the MySQL protocol (`mysql_async`): one connection per session, TLS by rustls on
//! ring, a connect timeout and a statement timeout so a dead server costs seconds, not the
//! Lambda's whole budget. Works with MySQL 5.7/8.x (RDS included) and MariaDB 10.x/11.x: the
//! `REPLICA` statements are tried first and the older `SLAVE` ones when the server does not know
//! them. Failures become `DatabaseUnreachable`, `DatabaseNotWritable` or `SqlError`, naming the
//! server and never the credentials.

use async_trait::async_trait;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Row, SslOpts, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::mysql::{
    sql_identifier, IdCounter, MySql, MySqlServer, MySqlSession, OrderLine, OrderRecord,
    ReplicaStatus, SessionMode,
};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Every statement here is a small read or an in-place ALTER; longer means a stuck server
/// (e.g. `SET GLOBAL read_only` waiting behind a long transaction).
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a promotion waits for the replica to apply the events it had already fetched.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

// Server error codes we name.
const ER_PARSE_ERROR: u16 = 1064;
const ER_UNKNOWN_SYSTEM_VARIABLE: u16 = 1193;
const ER_CON_COUNT_ERROR: u16 = 1040;
const ER_SERVER_SHUTDOWN: u16 = 1053;
const ER_OPTION_PREVENTS_STATEMENT: u16 = 1290;

/// `MySql` on real servers.
#[derive(Debug, Default, Clone, Copy)]
pub struct MySqlClient;

#[async_trait]
impl MySql for MySqlClient {
    async fn connect(
        &self,
        server: &MySqlServer,
        mode: SessionMode,
    ) -> Result<Box<dyn MySqlSession>> {
        let name = server.name();
        let mut opts = OptsBuilder::default()
            .ip_or_hostname(server.host.clone())
            .tcp_port(server.port)
            .user(Some(server.username.clone()))
            .pass(Some(server.password.expose().to_string()))
            .db_name(Some(server.database.clone()))
            // Never switch to a local socket: the server named is the one we mean.
            .prefer_socket(false);
        if server.tls {
            opts = opts.ssl_opts(SslOpts::default().with_root_certs(system_roots()));
        }
        let conn = match tokio::time::timeout(CONNECT_TIMEOUT, Conn::new(opts)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(failure(&name, e)),
            Err(_) => {
                return Err(ActivityError::DatabaseUnreachable {
                    server: name,
                    detail: format!("no connection within {} s", CONNECT_TIMEOUT.as_secs()),
                })
            }
        };
        let mut session = Session {
            conn: Some(conn),
            server: name,
            mode,
        };
        match mode {
            SessionMode::ReadOnly => {
                // The server refuses every write in this session, whatever the code asks.
                session.run("SET SESSION TRANSACTION READ ONLY").await?;
                session.run("START TRANSACTION READ ONLY").await?;
            }
            SessionMode::ReadWrite => {
                // MySQL 8 caches information_schema's AUTO_INCREMENT for a day by default;
                // MariaDB has no such cache (nor the variable).
                let expiry = "SET SESSION information_schema_stats_expiry = 0";
                match session.timed(|c| Box::pin(c.query_drop(expiry))).await {
                    Ok(()) => {}
                    Err(Failure::Driver(e))
                        if server_code(&e) == Some(ER_UNKNOWN_SYSTEM_VARIABLE) => {}
                    Err(f) => return Err(session.name(f)),
                }
            }
        }
        Ok(Box::new(session))
    }
}

/// The system's trust store (with `SSL_CERT_FILE`, e.g. the RDS CA bundle shipped with the
/// function) on top of mysql_async's built-in Mozilla roots; read once.
fn system_roots<T: From<Vec<u8>>>() -> Vec<T> {
    static ROOTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            rustls_native_certs::load_native_certs()
                .certs
                .into_iter()
                .map(|c| c.as_ref().to_vec())
                .collect()
        })
        .iter()
        .map(|der| T::from(der.clone()))
        .collect()
}

/// A mysql_async error, named: the connection is gone or never came → `DatabaseUnreachable`;
/// the server refused because it is read-only → `DatabaseNotWritable`; anything else `SqlError`.
fn failure(server: &str, error: mysql_async::Error) -> ActivityError {
    let unreachable = |detail: String| ActivityError::DatabaseUnreachable {
        server: server.to_string(),
        detail,
    };
    let sql = |detail: String| ActivityError::SqlError {
        server: server.to_string(),
        detail,
    };
    match error {
        // A certificate the client does not trust will not pass by itself: not retryable.
        mysql_async::Error::Io(mysql_async::IoError::Tls(e)) => sql(format!("TLS: {e}")),
        mysql_async::Error::Io(e) => unreachable(e.to_string()),
        mysql_async::Error::Driver(e @ mysql_async::DriverError::ConnectionClosed) => {
            unreachable(e.to_string())
        }
        mysql_async::Error::Server(e) => {
            let detail = format!("ERROR {} ({}): {}", e.code, e.state, e.message);
            match e.code {
                ER_CON_COUNT_ERROR | ER_SERVER_SHUTDOWN => unreachable(detail),
                ER_OPTION_PREVENTS_STATEMENT
                    if e.message.contains("read-only") || e.message.contains("read_only") =>
                {
                    ActivityError::DatabaseNotWritable {
                        server: server.to_string(),
                        detail,
                    }
                }
                _ => sql(detail),
            }
        }
        // The URL variant cannot happen (no URL is parsed); Driver and Other are client-side.
        other => sql(other.to_string()),
    }
}

fn server_code(error: &mysql_async::Error) -> Option<u16> {
    match error {
        mysql_async::Error::Server(e) => Some(e.code),
        _ => None,
    }
}

/// One statement's work on the connection.
type Work<'c, T> = Pin<Box<dyn Future<Output = mysql_async::Result<T>> + Send + 'c>>;

struct Session {
    /// `None` after close, or after a statement timed out.
    conn: Option<Conn>,
    server: String,
    mode: SessionMode,
}

/// A table name, checked again here (defence in depth) and quoted.
fn quoted(table: &str) -> Result<String> {
    sql_identifier("table", table)?;
    Ok(format!("`{table}`"))
}

/// `?, ?, ?` for `n` values.
fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A result cell as text (`None`: SQL NULL).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Double(d) => Some(d.to_string()),
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

/// The cell of the first of `names` the row has.
fn column(row: &Row, names: &[&str]) -> Option<String> {
    let columns = row.columns_ref();
    names.iter().find_map(|name| {
        let index = columns.iter().position(|c| c.name_str() == *name)?;
        row.as_ref(index).and_then(text)
    })
}

fn cell(row: &Row, index: usize) -> Option<String> {
    row.as_ref(index).and_then(text)
}

fn number(row: &Row, index: usize) -> Option<u64> {
    cell(row, index).and_then(|s| s.trim().parse().ok())
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.trim().is_empty())
}

impl Session {
    fn conn(&mut self) -> Result<&mut Conn> {
        let server = self.server.clone();
        self.conn
            .as_mut()
            .ok_or(ActivityError::DatabaseUnreachable {
                server,
                detail: "session closed".into(),
            })
    }

    /// Runs `work` on the connection within the statement timeout, naming its failure. A
    /// connection that timed out is dropped: its state is unknown.
    async fn timed<T, F>(&mut self, work: F) -> std::result::Result<T, Failure>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> Work<'c, T>,
    {
        let conn = self.conn().map_err(Failure::Named)?;
        let outcome = tokio::time::timeout(STATEMENT_TIMEOUT, work(conn)).await;
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(Failure::Driver(e)),
            Err(_) => {
                self.conn = None;
                Err(Failure::Named(ActivityError::DatabaseUnreachable {
                    server: self.server.clone(),
                    detail: format!("no answer within {} s", STATEMENT_TIMEOUT.as_secs()),
                }))
            }
        }
    }

    fn name(&self, raw: Failure) -> ActivityError {
        match raw {
            Failure::Named(e) => e,
            Failure::Driver(e) => failure(&self.server, e),
        }
    }

    /// A statement without results.
    async fn run(&mut self, sql: &'static str) -> Result<()> {
        self.timed(|c| Box::pin(c.query_drop(sql)))
            .await
            .map_err(|f| self.name(f))
    }

    /// `modern`, or `legacy` when the server does not parse `modern` (the `REPLICA` words).
    async fn run_either(&mut self, modern: &'static str, legacy: &'static str) -> Result<()> {
        match self.timed(|c| Box::pin(c.query_drop(modern))).await {
            Ok(()) => Ok(()),
            Err(Failure::Driver(e)) if server_code(&e) == Some(ER_PARSE_ERROR) => {
                self.run(legacy).await
            }
            Err(f) => Err(self.name(f)),
        }
    }

    /// Rows of a text-protocol query (statements built only from checked identifiers).
    async fn rows(&mut self, sql: String) -> Result<Vec<Row>> {
        self.timed(move |c| Box::pin(async move { c.query::<Row, _>(sql).await }))
            .await
            .map_err(|f| self.name(f))
    }

    /// Rows of a prepared statement with `params`.
    async fn rows_with(&mut self, sql: String, params: Vec<Value>) -> Result<Vec<Row>> {
        self.timed(move |c| Box::pin(async move { c.exec::<Row, _, _>(sql, params).await }))
            .await
            .map_err(|f| self.name(f))
    }

    /// `SHOW REPLICA STATUS` (MySQL 8.0.22+, MariaDB 10.5.1+), or `SHOW SLAVE STATUS` where the
    /// server does not know the new name.
    async fn replica_status_rows(&mut self) -> Result<Vec<Row>> {
        match self
            .timed(|c| Box::pin(c.query::<Row, _>("SHOW REPLICA STATUS")))
            .await
        {
            Ok(rows) => Ok(rows),
            Err(Failure::Driver(e)) if server_code(&e) == Some(ER_PARSE_ERROR) => {
                self.rows("SHOW SLAVE STATUS".into()).await
            }
            Err(f) => Err(self.name(f)),
        }
    }

    /// Whether the SQL thread has applied everything the IO thread fetched (or cannot apply
    /// more: stopped, or no longer a replica).
    async fn relay_log_applied(&mut self) -> Result<bool> {
        let rows = self.replica_status_rows().await?;
        let Some(row) = rows.first() else {
            return Ok(true);
        };
        if column(row, &["Replica_SQL_Running", "Slave_SQL_Running"]).as_deref() != Some("Yes") {
            return Ok(true);
        }
        let read = (
            column(row, &["Source_Log_File", "Master_Log_File"]),
            column(row, &["Read_Source_Log_Pos", "Read_Master_Log_Pos"]),
        );
        let executed = (
            column(row, &["Relay_Source_Log_File", "Relay_Master_Log_File"]),
            column(row, &["Exec_Source_Log_Pos", "Exec_Master_Log_Pos"]),
        );
        Ok(read == executed)
    }

    async fn table_exists(&mut self, table: &str) -> Result<bool> {
        Ok(!self.existing_tables(&[table.to_string()]).await?.is_empty())
    }
}

/// A failure before it is named (the parse-error fallback needs the raw code).
enum Failure {
    Named(ActivityError),
    Driver(mysql_async::Error),
}

fn ids(values: &[u64]) -> Vec<Value> {
    values.iter().map(|id| Value::UInt(*id)).collect()
}

#[async_trait]
impl MySqlSession for Session {
    fn server(&self) -> String {
        self.server.clone()
    }

    async fn version(&mut self) -> Result<String> {
        let rows = self.rows("SELECT VERSION()".into()).await?;
        Ok(rows.first().and_then(|r| cell(r, 0)).unwrap_or_default())
    }

    async fn replica_status(&mut self) -> Result<Option<ReplicaStatus>> {
        let rows = self.replica_status_rows().await?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let host = column(row, &["Source_Host", "Master_Host"]).unwrap_or_default();
        // After `RESET SLAVE` without `ALL`, MariaDB keeps an empty row: no source, no replica.
        if host.is_empty() {
            return Ok(None);
        }
        let port = column(row, &["Source_Port", "Master_Port"]).unwrap_or_default();
        let running = |names: &[&str]| column(row, names).as_deref() == Some("Yes");
        let last_error = [
            column(row, &["Last_IO_Error"]),
            column(row, &["Last_SQL_Error"]),
        ]
        .into_iter()
        .flatten()
        .filter(|e| !e.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
        Ok(Some(ReplicaStatus {
            source: format!("{host}:{port}"),
            io_running: running(&["Replica_IO_Running", "Slave_IO_Running"]),
            sql_running: running(&["Replica_SQL_Running", "Slave_SQL_Running"]),
            seconds_behind_source: column(row, &["Seconds_Behind_Source", "Seconds_Behind_Master"])
                .and_then(|s| s.parse().ok()),
            last_error,
        }))
    }

    async fn read_only(&mut self) -> Result<bool> {
        let rows = self.rows("SELECT @@GLOBAL.read_only".into()).await?;
        Ok(rows.first().and_then(|r| cell(r, 0)).as_deref() == Some("1"))
    }

    async fn set_read_only(&mut self, on: bool) -> Result<()> {
        self.run(if on {
            "SET GLOBAL read_only = ON"
        } else {
            "SET GLOBAL read_only = OFF"
        })
        .await
    }

    async fn stop_replication(&mut self) -> Result<()> {
        // RESET deletes the relay log: first let the SQL thread apply what was already fetched
        // from the source (every event applied is an order not lost), within DRAIN_TIMEOUT.
        self.run_either("STOP REPLICA IO_THREAD", "STOP SLAVE IO_THREAD")
            .await?;
        let started = std::time::Instant::now();
        while started.elapsed() < DRAIN_TIMEOUT && !self.relay_log_applied().await? {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        self.run_either("STOP REPLICA", "STOP SLAVE").await?;
        self.run_either("RESET REPLICA ALL", "RESET SLAVE ALL")
            .await
    }

    async fn existing_tables(&mut self, tables: &[String]) -> Result<Vec<String>> {
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({})",
            placeholders(tables.len())
        );
        let params = tables.iter().map(|t| Value::from(t.as_str())).collect();
        let rows = self.rows_with(sql, params).await?;
        let found: Vec<String> = rows.iter().filter_map(|r| cell(r, 0)).collect();
        // In the order asked.
        Ok(tables
            .iter()
            .filter(|t| found.contains(t))
            .cloned()
            .collect())
    }

    async fn id_counter(&mut self, table: &str) -> Result<Option<IdCounter>> {
        let name = quoted(table)?;
        let columns = self
            .rows_with(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                 AND TABLE_NAME = ? AND EXTRA LIKE '%auto_increment%'"
                    .into(),
                vec![Value::from(table)],
            )
            .await?;
        let Some(column) = columns.first().and_then(|r| cell(r, 0)) else {
            return Ok(None);
        };
        let column = quoted(&column)?;
        let max = self
            .rows(format!("SELECT COALESCE(MAX({column}), 0) FROM {name}"))
            .await?;
        let counter = self
            .rows_with(
                "SELECT AUTO_INCREMENT FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
                    .into(),
                vec![Value::from(table)],
            )
            .await?;
        let max_id = max.first().and_then(|r| number(r, 0)).unwrap_or(0);
        Ok(Some(IdCounter {
            max_id,
            // NULL (no counter yet) behaves as the next id after the highest.
            auto_increment: counter
                .first()
                .and_then(|r| number(r, 0))
                .unwrap_or(max_id + 1),
        }))
    }

    async fn set_auto_increment(&mut self, table: &str, value: u64) -> Result<()> {
        // InnoDB changes the counter in place, without rebuilding the table.
        let sql = format!("ALTER TABLE {} AUTO_INCREMENT = {value}", quoted(table)?);
        self.timed(move |c| Box::pin(async move { c.query_drop(sql).await }))
            .await
            .map_err(|f| self.name(f))
    }

    async fn orders_above(&mut self, prefix: &str, since: u64) -> Result<Vec<OrderRecord>> {
        let (orders, orders_meta, posts, postmeta) = (
            quoted(&format!("{prefix}wc_orders"))?,
            quoted(&format!("{prefix}wc_orders_meta"))?,
            quoted(&format!("{prefix}posts"))?,
            quoted(&format!("{prefix}postmeta"))?,
        );
        let hpos = self.table_exists(&format!("{prefix}wc_orders")).await?;
        let hpos_meta = self
            .table_exists(&format!("{prefix}wc_orders_meta"))
            .await?;
        let mut records = Vec::new();
        if hpos {
            let intent = if hpos_meta {
                format!(
                    "(SELECT m.meta_value FROM {orders_meta} m WHERE m.order_id = o.id \
                     AND m.meta_key = '_stripe_intent_id' ORDER BY m.id LIMIT 1)"
                )
            } else {
                "NULL".into()
            };
            let sql = format!(
                "SELECT o.id, o.status, o.currency, o.total_amount, \
                 DATE_FORMAT(o.date_created_gmt, '%Y-%m-%d %H:%i:%s'), o.payment_method, \
                 o.transaction_id, o.billing_email, {intent} \
                 FROM {orders} o WHERE o.id > ? AND o.type = 'shop_order' ORDER BY o.id"
            );
            let rows = self.rows_with(sql, vec![Value::UInt(since)]).await?;
            records.extend(rows.iter().map(order_record));
        }
        // Legacy orders (HPOS off, or orders from before it) live in posts + postmeta.
        let meta = |key: &str| {
            format!(
                "(SELECT pm.meta_value FROM {postmeta} pm WHERE pm.post_id = p.ID \
                 AND pm.meta_key = '{key}' ORDER BY pm.meta_id LIMIT 1)"
            )
        };
        let not_in_hpos = if hpos {
            format!("AND NOT EXISTS (SELECT 1 FROM {orders} o WHERE o.id = p.ID)")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT p.ID, p.post_status, {}, {}, \
             DATE_FORMAT(p.post_date_gmt, '%Y-%m-%d %H:%i:%s'), {}, {}, {}, {} \
             FROM {posts} p WHERE p.ID > ? AND p.post_type = 'shop_order' {not_in_hpos} \
             ORDER BY p.ID",
            meta("_order_currency"),
            meta("_order_total"),
            meta("_payment_method"),
            meta("_transaction_id"),
            meta("_billing_email"),
            meta("_stripe_intent_id"),
        );
        let rows = self.rows_with(sql, vec![Value::UInt(since)]).await?;
        records.extend(rows.iter().map(order_record));
        records.sort_by_key(|r| r.id);
        Ok(records)
    }

    async fn existing_orders(&mut self, prefix: &str, wanted: &[u64]) -> Result<Vec<u64>> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        if self.table_exists(&format!("{prefix}wc_orders")).await? {
            let sql = format!(
                "SELECT id FROM {} WHERE id IN ({})",
                quoted(&format!("{prefix}wc_orders"))?,
                placeholders(wanted.len())
            );
            found.extend(
                self.rows_with(sql, ids(wanted))
                    .await?
                    .iter()
                    .filter_map(|r| number(r, 0)),
            );
        }
        let sql = format!(
            "SELECT ID FROM {} WHERE post_type = 'shop_order' AND ID IN ({})",
            quoted(&format!("{prefix}posts"))?,
            placeholders(wanted.len())
        );
        found.extend(
            self.rows_with(sql, ids(wanted))
                .await?
                .iter()
                .filter_map(|r| number(r, 0)),
        );
        found.sort_unstable();
        found.dedup();
        Ok(found)
    }

    async fn highest_order_id(&mut self, prefix: &str, limit: u64) -> Result<Option<u64>> {
        let mut highest = None;
        if self.table_exists(&format!("{prefix}wc_orders")).await? {
            let sql = format!(
                "SELECT MAX(id) FROM {} WHERE id <= ? AND type = 'shop_order'",
                quoted(&format!("{prefix}wc_orders"))?
            );
            let rows = self.rows_with(sql, vec![Value::UInt(limit)]).await?;
            highest = rows.first().and_then(|r| number(r, 0));
        }
        let sql = format!(
            "SELECT MAX(ID) FROM {} WHERE ID <= ? AND post_type = 'shop_order'",
            quoted(&format!("{prefix}posts"))?
        );
        let rows = self.rows_with(sql, vec![Value::UInt(limit)]).await?;
        let legacy = rows.first().and_then(|r| number(r, 0));
        Ok(highest.max(legacy))
    }

    async fn order_lines(&mut self, prefix: &str, order_ids: &[u64]) -> Result<Vec<OrderLine>> {
        if order_ids.is_empty() {
            return Ok(Vec::new());
        }
        let (items, itemmeta) = (
            quoted(&format!("{prefix}woocommerce_order_items"))?,
            quoted(&format!("{prefix}woocommerce_order_itemmeta"))?,
        );
        let sql = format!(
            "SELECT i.order_id, \
             MAX(CASE WHEN m.meta_key = '_product_id' THEN m.meta_value END), \
             MAX(CASE WHEN m.meta_key = '_variation_id' THEN m.meta_value END), \
             MAX(CASE WHEN m.meta_key = '_qty' THEN m.meta_value END) \
             FROM {items} i JOIN {itemmeta} m ON m.order_item_id = i.order_item_id \
             WHERE i.order_item_type = 'line_item' AND i.order_id IN ({}) \
             GROUP BY i.order_item_id, i.order_id ORDER BY i.order_id, i.order_item_id",
            placeholders(order_ids.len())
        );
        let rows = self.rows_with(sql, ids(order_ids)).await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let product = number(row, 1).unwrap_or(0);
                let variation = number(row, 2).unwrap_or(0);
                // Stock of a variable product is kept on the variation.
                let product_id = if variation > 0 { variation } else { product };
                (product_id > 0).then(|| OrderLine {
                    order_id: number(row, 0).unwrap_or_default(),
                    product_id,
                    quantity: cell(row, 3)
                        .and_then(|q| q.trim().parse().ok())
                        .unwrap_or(0.0),
                })
            })
            .collect())
    }

    async fn stock(&mut self, prefix: &str, product_ids: &[u64]) -> Result<Vec<Option<String>>> {
        if product_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT post_id, meta_value FROM {} WHERE meta_key = '_stock' AND post_id IN ({}) \
             ORDER BY meta_id",
            quoted(&format!("{prefix}postmeta"))?,
            placeholders(product_ids.len())
        );
        let rows = self.rows_with(sql, ids(product_ids)).await?;
        Ok(product_ids
            .iter()
            .map(|id| {
                rows.iter()
                    .find(|r| number(r, 0) == Some(*id))
                    .and_then(|r| non_empty(cell(r, 1)))
            })
            .collect())
    }

    async fn close(mut self: Box<Self>) {
        if let Some(mut conn) = self.conn.take() {
            if self.mode == SessionMode::ReadOnly {
                let _ = tokio::time::timeout(CONNECT_TIMEOUT, conn.query_drop("ROLLBACK")).await;
            }
            let _ = tokio::time::timeout(CONNECT_TIMEOUT, conn.disconnect()).await;
        }
    }
}

/// An order row of either query above: id, status, currency, total, created, payment method,
/// transaction id, billing email, Stripe intent, in that column order.
fn order_record(row: &Row) -> OrderRecord {
    OrderRecord {
        id: number(row, 0).unwrap_or_default(),
        status: cell(row, 1).unwrap_or_default(),
        currency: cell(row, 2).unwrap_or_default(),
        total: cell(row, 3).unwrap_or_default(),
        created_gmt: cell(row, 4).unwrap_or_default(),
        payment_method: cell(row, 5).unwrap_or_default(),
        transaction_id: non_empty(cell(row, 6)),
        billing_email: non_empty(cell(row, 7)),
        stripe_intent_id: non_empty(cell(row, 8)),
    }
}
