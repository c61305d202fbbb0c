//! A real MariaDB primary/replica pair on loopback, for the tests of the self-managed MySQL adapter
//! and the WooCommerce activities (`reserve_order_ids`, `reconcile_gap`, replica lag).
//!
//! [`MariaDbPair::start`] runs two `mariadbd` of our own (Debian's `mariadb-server`, installed by
//! `scripts/setup-tools.sh`), each with its own temp data dir, port and socket: the primary writes
//! a ROW binlog, the replica (`read_only=ON`) replicates from it by GTID, and the WooCommerce fixture
//! (`testkit/fixtures/woocommerce.sql`) is loaded on the primary and replicated before `start`
//! returns. Both servers stop and their directories are deleted when the pair is dropped.
//! Users: root over the socket ([`MariaDb::exec`]), the activities' [`MariaDb::USER`] and the
//! shop's [`MariaDb::SHOP_USER`] over TCP; [`create_order`] writes orders the way WooCommerce does.
//!
//! Starting a pair takes about a second alone, 2-3 s when several start at once on two cores (the
//! first on a machine also builds a template data dir, about three seconds more). Tests of one binary usually share one pair: create it in
//! `main` (libtest-mimic) and pass it around, or keep it in a `static OnceLock<MariaDbPair>` — a
//! static is never dropped, so a watchdog stops its servers and deletes their directories when the
//! test process exits. Tests sharing a pair should use their own rows (e.g. their own orders).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::process::{find_binary, ServerProcess};

/// The fixture loaded into [`MariaDb::DATABASE`] on the primary of every pair.
pub const WOOCOMMERCE_FIXTURE: &str = include_str!("../fixtures/woocommerce.sql");

/// The replication account the replica logs in with (on the primary); not for the activities.
const REPLICATION_USER: &str = "wfc_repl";
const REPLICATION_PASSWORD: &str = "wfc-repl-test-password";

/// A MariaDB server of our own on 127.0.0.1: own data dir (a temp dir), own port, own socket;
/// stopped and deleted when dropped.
pub struct MariaDb {
    // Field order matters: the server stops (process) before its directory is deleted (dir).
    process: ServerProcess,
    dir: tempfile::TempDir,
    port: u16,
    server_id: u32,
    role: &'static str,
}

impl MariaDb {
    /// The user the activities (the self-managed adapter) log in with over TCP: `GRANT ALL ON *.*
    /// ... WITH GRANT OPTION`, so SUPER, REPLICATION CLIENT/SLAVE and READ_ONLY ADMIN. MariaDB
    /// 10.11 needs READ_ONLY ADMIN to change `read_only`, and that privilege also lets it write
    /// while `read_only=ON`: to see a fence refuse writes, write as [`MariaDb::SHOP_USER`].
    pub const USER: &'static str = "wfc";
    pub const PASSWORD: &'static str = "wfc-test-password";
    /// The shop's own database user, as WordPress has it: all privileges on `wordpress.*` and
    /// nothing global, so `read_only=ON` refuses its writes like a fenced database should.
    pub const SHOP_USER: &'static str = "wordpress";
    pub const SHOP_PASSWORD: &'static str = "wordpress-test-password";
    pub const DATABASE: &'static str = "wordpress";

    pub fn host(&self) -> &str {
        "127.0.0.1"
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// 1 for the primary, 2 for the replica of a [`MariaDbPair`].
    pub fn server_id(&self) -> u32 {
        self.server_id
    }

    /// The Unix socket root uses in [`MariaDb::exec`].
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("mysqld.sock")
    }

    /// The data directory (binlogs, relay logs and `error.log` live here too).
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// `mysql://wfc:wfc-test-password@127.0.0.1:<port>/wordpress`, for clients that take a URL.
    pub fn url(&self) -> String {
        format!(
            "mysql://{}:{}@127.0.0.1:{}/{}",
            Self::USER,
            Self::PASSWORD,
            self.port,
            Self::DATABASE
        )
    }

    /// Runs SQL (one or more statements) through the `mariadb` client as root over the socket, in
    /// database `wordpress`; panics with the SQL and stderr on failure; returns stdout (batch mode,
    /// tab-separated, no column names; the client escapes tab, newline and `\` in values as `\t`,
    /// `\n`, `\\`). Root bypasses `read_only`, so this writes on the replica too.
    pub fn exec(&self, sql: &str) -> String {
        self.client(Some(Self::DATABASE), false, sql)
    }

    /// Rows of a query, each a Vec of column strings (NULL as "NULL").
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        split_rows(&self.exec(sql))
    }

    /// The single value of a one-row one-column query.
    pub fn value(&self, sql: &str) -> String {
        let rows = self.rows(sql);
        match rows.as_slice() {
            [row] if row.len() == 1 => row[0].clone(),
            _ => panic!(
                "expected one row with one column from the {} (port {}), got {rows:?}\nSQL: {sql}",
                self.role, self.port
            ),
        }
    }

    /// Rows of a query as column name → value (NULL as "NULL"), e.g. for `SHOW REPLICA STATUS`.
    pub fn named_rows(&self, sql: &str) -> Vec<BTreeMap<String, String>> {
        named_rows(&self.client(Some(Self::DATABASE), true, sql))
    }

    /// `SHOW REPLICA STATUS` as column name → value (`Seconds_Behind_Master`, `Slave_IO_Running`,
    /// `Gtid_IO_Pos`, `Last_SQL_Error`, ...); None when the server is not a replica.
    pub fn replica_status(&self) -> Option<BTreeMap<String, String>> {
        // No default database, so it also works while `wordpress` is still being replicated.
        named_rows(&self.client(None, true, "SHOW REPLICA STATUS"))
            .into_iter()
            .next()
    }

    /// Starts a server (retrying with another port if a parallel test took ours) and waits until
    /// it accepts connections.
    fn start(server_id: u32, role: &'static str, read_only: bool) -> MariaDb {
        let template = template_data_dir();
        let mut last_error = String::new();
        for _attempt in 0..3 {
            match Self::try_start(template, server_id, role, read_only) {
                Ok(server) => return server,
                Err(error) => last_error = error,
            }
        }
        panic!("MariaDB {role} did not start: {last_error}");
    }

    fn try_start(
        template: &Path,
        server_id: u32,
        role: &'static str,
        read_only: bool,
    ) -> Result<MariaDb, String> {
        let dir = tempfile::Builder::new()
            .prefix("wfc-mariadb-")
            .tempdir()
            .expect("a temp dir for MariaDB");
        copy_dir(template, dir.path());
        let port = crate::free_port();
        let data = dir.path();
        let stderr = std::fs::File::create(data.join("stderr.log")).expect("stderr.log");
        let mut command = Command::new(mariadbd());
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", data.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", data.join("mysqld.pid").display()))
            .arg(format!("--log-error={}", data.join("error.log").display()))
            .arg(format!("--port={port}"))
            .arg(format!("--server-id={server_id}"))
            .arg(format!(
                "--read-only={}",
                if read_only { "ON" } else { "OFF" }
            ))
            .args(SERVER_OPTIONS)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        if running_as_root() {
            command.arg("--user=root");
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", mariadbd().display()))?;
        let mut server = MariaDb {
            process: ServerProcess::new(child, data, Duration::from_secs(5)),
            dir,
            port,
            server_id,
            role,
        };
        server.wait_until_ready(Duration::from_secs(30))?;
        Ok(server)
    }

    fn wait_until_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.process.has_exited() {
                return Err(format!(
                    "mariadbd (port {}) exited while starting:\n{}",
                    self.port,
                    self.log_tail()
                ));
            }
            if self.socket().exists() && self.try_client(None, false, "SELECT 1").is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "mariadbd (pid {}, port {}) not ready within {limit:?}:\n{}",
            self.process.pid(),
            self.port,
            self.log_tail()
        ))
    }

    fn log_tail(&self) -> String {
        let mut log = String::new();
        for name in ["stderr.log", "error.log"] {
            if let Ok(text) = std::fs::read_to_string(self.dir.path().join(name)) {
                log.push_str(&text);
            }
        }
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn client(&self, database: Option<&str>, column_names: bool, sql: &str) -> String {
        self.try_client(database, column_names, sql)
            .unwrap_or_else(|stderr| {
                panic!(
                    "SQL failed on the MariaDB {} (port {}): {stderr}\nSQL: {sql}",
                    self.role, self.port
                )
            })
    }

    fn try_client(
        &self,
        database: Option<&str>,
        column_names: bool,
        sql: &str,
    ) -> Result<String, String> {
        let mut command = Command::new(client_binary());
        command
            .arg("--no-defaults")
            .arg("--user=root")
            .arg("--protocol=socket")
            .arg(format!("--socket={}", self.socket().display()))
            .arg("--batch")
            .arg("--default-character-set=utf8mb4");
        if !column_names {
            command.arg("--skip-column-names");
        }
        if let Some(database) = database {
            command.arg(format!("--database={database}"));
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", client_binary().display()))?;
        // Written from a thread: a large script must not block on a full stdout pipe.
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input = sql.to_string();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child
            .wait_with_output()
            .map_err(|e| format!("mariadb client: {e}"))?;
        let _ = writer.join();
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
        }
    }
}

/// A primary and a replica replicating from it (binlog, ROW format, GTID), with the WooCommerce
/// fixture loaded on the primary and already replicated.
pub struct MariaDbPair {
    pub primary: MariaDb,
    pub replica: MariaDb,
}

impl MariaDbPair {
    /// Starts both servers in parallel, sets up replication, loads `testkit/fixtures/woocommerce.sql`
    /// into database `wordpress` on the primary and waits until the replica has it.
    pub fn start() -> MariaDbPair {
        assert!(
            installed(),
            "MariaDB is not installed (need mariadbd, mariadb-install-db and the mariadb client); run `bash scripts/setup-tools.sh` (or the whole `bash scripts/test.sh`)"
        );
        let (primary, replica) = std::thread::scope(|scope| {
            let primary = scope.spawn(|| MariaDb::start(1, "primary", false));
            let replica = scope.spawn(|| MariaDb::start(2, "replica", true));
            let primary = primary.join();
            let replica = replica.join();
            match (primary, replica) {
                (Ok(primary), Ok(replica)) => (primary, replica),
                (Err(panic), _) | (_, Err(panic)) => std::panic::resume_unwind(panic),
            }
        });
        // Created on the primary only: the replica gets the users and the database through the
        // binlog, like every later write.
        primary.client(
            None,
            false,
            &format!(
                "CREATE USER '{user}'@'%' IDENTIFIED BY '{password}';
                 GRANT ALL PRIVILEGES ON *.* TO '{user}'@'%' WITH GRANT OPTION;
                 CREATE USER '{shop_user}'@'%' IDENTIFIED BY '{shop_password}';
                 GRANT ALL PRIVILEGES ON {database}.* TO '{shop_user}'@'%';
                 CREATE USER '{REPLICATION_USER}'@'%' IDENTIFIED BY '{REPLICATION_PASSWORD}';
                 GRANT REPLICATION SLAVE ON *.* TO '{REPLICATION_USER}'@'%';
                 CREATE DATABASE {database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;",
                user = MariaDb::USER,
                password = MariaDb::PASSWORD,
                shop_user = MariaDb::SHOP_USER,
                shop_password = MariaDb::SHOP_PASSWORD,
                database = MariaDb::DATABASE,
            ),
        );
        primary.exec(WOOCOMMERCE_FIXTURE);
        replica.client(
            None,
            false,
            &format!(
                "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={port},
                   MASTER_USER='{REPLICATION_USER}', MASTER_PASSWORD='{REPLICATION_PASSWORD}',
                   MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos;
                 START SLAVE;",
                port = primary.port,
            ),
        );
        let pair = MariaDbPair { primary, replica };
        pair.wait_in_sync();
        pair
    }

    /// Waits (up to 30 s) until the replica has applied everything the primary wrote (the
    /// primary's `gtid_binlog_pos` reached by the replica's `gtid_slave_pos`, via
    /// `MASTER_GTID_WAIT`); panics otherwise, with the replica's status.
    pub fn wait_in_sync(&self) {
        // No default database: `wordpress` itself may still be on its way to the replica.
        let position = self
            .primary
            .client(None, false, "SELECT @@GLOBAL.gtid_binlog_pos")
            .trim()
            .to_string();
        if position.is_empty() {
            return;
        }
        let reached = self.replica.client(
            None,
            false,
            &format!("SELECT MASTER_GTID_WAIT('{position}', 30)"),
        );
        if reached.trim() != "0" {
            panic!(
                "the replica did not reach the primary's GTID position {position} within 30 s; \
                 replica gtid_slave_pos {}, status: {}",
                self.replica
                    .client(None, false, "SELECT @@GLOBAL.gtid_slave_pos")
                    .trim(),
                self.replica_status_summary()
            );
        }
    }

    /// STOP SLAVE on the replica: the "gap" — writes on the primary after this are not replicated.
    /// It does not wait for the replica to catch up first: call [`MariaDbPair::wait_in_sync`]
    /// before it when the gap must start exactly here.
    pub fn cut_replication(&self) {
        self.replica.exec("STOP SLAVE");
    }

    /// START SLAVE on the replica; it catches up from where it stopped.
    pub fn resume_replication(&self) {
        self.replica.exec("START SLAVE");
    }

    /// Delayed replication (CHANGE MASTER TO MASTER_DELAY = seconds), so `SHOW REPLICA STATUS`
    /// reports a real Seconds_Behind_Master > 0 while the replica is behind. 0 turns it off.
    /// Replication is left running or stopped as it was.
    pub fn set_replica_delay(&self, seconds: u32) {
        let running = self.replica.replica_status().is_some_and(|status| {
            status.get("Slave_SQL_Running").map(String::as_str) == Some("Yes")
        });
        self.replica.exec(&format!(
            "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = {seconds};"
        ));
        if running {
            self.replica.exec("START SLAVE");
        }
    }

    fn replica_status_summary(&self) -> String {
        let Some(status) = self.replica.replica_status() else {
            return "not a replica".to_string();
        };
        [
            "Slave_IO_Running",
            "Slave_SQL_Running",
            "Last_IO_Error",
            "Last_SQL_Error",
            "SQL_Delay",
            "Seconds_Behind_Master",
        ]
        .iter()
        .map(|name| format!("{name}={}", status.get(*name).map_or("?", String::as_str)))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// Whether the MariaDB binaries are installed (for a clear panic message pointing at
/// `bash scripts/setup-tools.sh`).
pub fn installed() -> bool {
    ["mariadbd", "mariadb-install-db", "mariadb"]
        .iter()
        .all(|name| find_binary(name).is_some())
}

/// Creates an order the WooCommerce (HPOS) way, in one transaction: a `shop_order_placehold` post
/// takes the id from wp_posts' AUTO_INCREMENT, `wp_wc_orders` gets a row with that id (plus its
/// address and operational data), `_transaction_id`/`_stripe_intent_id` meta, a line item, an order
/// note, and the product's `_stock` meta goes down by `qty`. Returns the order id. Tests create
/// "gap" orders with it on the primary after [`MariaDbPair::cut_replication`].
pub fn create_order(db: &MariaDb, email: &str, total: &str, product_id: u64, qty: u32) -> u64 {
    assert!(
        !total.is_empty() && total.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "create_order: total must be a plain decimal like \"42.50\", got {total:?}"
    );
    let email = quote(email);
    let sql = format!(
        "START TRANSACTION;
INSERT INTO wp_posts (post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt,
  post_status, comment_status, ping_status, post_password, post_name, to_ping, pinged, post_modified,
  post_modified_gmt, post_content_filtered, post_parent, guid, menu_order, post_type, post_mime_type, comment_count)
VALUES (0, NOW(), UTC_TIMESTAMP(), '', '', '', 'draft', 'closed', 'closed', '', '', '', '', NOW(),
  UTC_TIMESTAMP(), '', 0, '', 0, 'shop_order_placehold', '', 0);
SET @order_id = LAST_INSERT_ID();
INSERT INTO wp_wc_orders (id, status, currency, type, tax_amount, total_amount, customer_id, billing_email,
  date_created_gmt, date_updated_gmt, parent_order_id, payment_method, payment_method_title, transaction_id,
  ip_address, user_agent, customer_note)
VALUES (@order_id, 'wc-processing', 'EUR', 'shop_order', 0, {total}, 0, {email}, UTC_TIMESTAMP(),
  UTC_TIMESTAMP(), 0, 'stripe', 'Credit card (Stripe)', CONCAT('ch_wfc_', @order_id), '203.0.113.7',
  'Mozilla/5.0 (wfc test)', '');
INSERT INTO wp_wc_order_addresses (order_id, address_type, first_name, last_name, address_1, city,
  postcode, country, email)
VALUES (@order_id, 'billing', 'Test', 'Customer', '1 Test Street', 'Dublin', 'D01 F5P2', 'IE', {email});
INSERT INTO wp_wc_order_operational_data (order_id, created_via, woocommerce_version, prices_include_tax,
  coupon_usages_are_counted, download_permission_granted, cart_hash, new_order_email_sent, order_key,
  order_stock_reduced, date_paid_gmt, shipping_tax_amount, shipping_total_amount, discount_tax_amount,
  discount_total_amount, recorded_sales)
VALUES (@order_id, 'checkout', '9.4.2', 1, 1, 1, MD5(@order_id), 1, CONCAT('wc_order_', MD5(@order_id)),
  1, UTC_TIMESTAMP(), 0, 0, 0, 0, 1);
INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value) VALUES
  (@order_id, '_transaction_id', CONCAT('ch_wfc_', @order_id)),
  (@order_id, '_stripe_intent_id', CONCAT('pi_wfc_', @order_id));
INSERT INTO wp_woocommerce_order_items (order_item_name, order_item_type, order_id)
  SELECT post_title, 'line_item', @order_id FROM wp_posts WHERE ID = {product_id};
SET @item_id = LAST_INSERT_ID();
INSERT INTO wp_woocommerce_order_itemmeta (order_item_id, meta_key, meta_value) VALUES
  (@item_id, '_product_id', '{product_id}'), (@item_id, '_qty', '{qty}'),
  (@item_id, '_line_total', '{total}'), (@item_id, '_reduced_stock', '{qty}');
UPDATE wp_postmeta SET meta_value = CAST(meta_value AS SIGNED) - {qty}
  WHERE post_id = {product_id} AND meta_key = '_stock';
UPDATE wp_postmeta SET meta_value = CAST(meta_value AS SIGNED) + {qty}
  WHERE post_id = {product_id} AND meta_key = 'total_sales';
INSERT INTO wp_comments (comment_post_ID, comment_author, comment_author_email, comment_author_url,
  comment_author_IP, comment_date, comment_date_gmt, comment_content, comment_karma, comment_approved,
  comment_agent, comment_type, comment_parent, user_id)
VALUES (@order_id, 'WooCommerce', 'woocommerce@shop.example.com', '', '', NOW(), UTC_TIMESTAMP(),
  CONCAT('Stripe charge complete (Charge ID: ch_wfc_', @order_id, ')'), 0, '1', 'WooCommerce', 'order_note', 0, 0);
COMMIT;
SELECT @order_id;"
    );
    let id = db.value(&sql);
    let items = db.value(&format!(
        "SELECT COUNT(*) FROM wp_woocommerce_order_items WHERE order_id = {id}"
    ));
    assert_eq!(items, "1", "create_order: no product with ID {product_id}");
    id.parse()
        .unwrap_or_else(|_| panic!("create_order: order id {id:?} is not a number"))
}

/// A SQL string literal for `text` (quotes and backslashes escaped), for test-built SQL.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Options shared by every server: small memory, loopback only, ROW binlog with the replicas'
/// updates logged too (so a promoted replica can feed the old primary back), speed over durability.
const SERVER_OPTIONS: &[&str] = &[
    "--bind-address=127.0.0.1",
    "--skip-networking=0",
    "--skip-name-resolve",
    "--log-bin=binlog",
    "--relay-log=relay-bin",
    "--binlog-format=ROW",
    "--log-slave-updates",
    "--default-time-zone=+00:00",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_520_ci",
    "--performance-schema=OFF",
    "--innodb-buffer-pool-size=16M",
    "--innodb-log-file-size=8M",
    "--innodb-flush-log-at-trx-commit=2",
    "--skip-innodb-doublewrite",
    // Many servers at once can exhaust the kernel's AIO slots; simulated AIO is plenty here.
    "--innodb-use-native-aio=0",
    "--max-connections=200",
    "--innodb-fast-shutdown=3",
];

/// Options `mariadb-install-db` needs to build a data dir these servers can open.
const INSTALL_OPTIONS: &[&str] = &[
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    "--skip-name-resolve",
    "--innodb-log-file-size=8M",
    "--innodb-buffer-pool-size=16M",
];

/// A data dir made once by `mariadb-install-db` (about 3 s) and copied for every server (a few
/// ms). It is kept in the temp dir, keyed by the server version, so later test binaries reuse it;
/// it is built under another name and renamed into place, so a concurrent binary never sees half.
fn template_data_dir() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let version = Command::new(mariadbd())
            .arg("--version")
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
            .unwrap_or_default();
        let version: String = version
            .split_whitespace()
            .nth(2)
            .unwrap_or("unknown")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        // Bump the "v1" when INSTALL_OPTIONS change, so an old template is not reused.
        let template = std::env::temp_dir().join(format!("wfc-testkit-mariadb-v1-{version}"));
        if template.join("mysql").is_dir() && template.join("ibdata1").is_file() {
            return template;
        }
        let staging = tempfile::Builder::new()
            .prefix("wfc-testkit-mariadb-template-")
            .tempdir()
            .expect("a temp dir for the MariaDB template");
        let data = staging.path().join("data");
        let mut command =
            Command::new(find_binary("mariadb-install-db").expect("mariadb-install-db"));
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(INSTALL_OPTIONS);
        if running_as_root() {
            command.arg("--user=root");
        }
        let output = command.output().expect("mariadb-install-db runs");
        assert!(
            output.status.success(),
            "mariadb-install-db failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        // Losing the race to a concurrent test binary is fine: its template is just as good.
        if std::fs::rename(&data, &template).is_err() {
            assert!(
                template.join("mysql").is_dir(),
                "cannot put the MariaDB template at {}",
                template.display()
            );
        }
        template
    })
}

/// Copies the template data dir with `cp -a` (a recursive copy keeping modes; std has none).
fn copy_dir(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .expect("cp runs");
    assert!(
        status.success(),
        "cannot copy {} to {}",
        from.display(),
        to.display()
    );
}

fn split_rows(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

/// Batch output with a header line as column name → value maps.
fn named_rows(out: &str) -> Vec<BTreeMap<String, String>> {
    let mut rows = split_rows(out).into_iter();
    let Some(names) = rows.next() else {
        return Vec::new();
    };
    rows.map(|row| names.iter().cloned().zip(row).collect())
        .collect()
}

fn mariadbd() -> PathBuf {
    find_binary("mariadbd").unwrap_or_else(|| PathBuf::from("mariadbd"))
}

fn client_binary() -> PathBuf {
    find_binary("mariadb").unwrap_or_else(|| PathBuf::from("mariadb"))
}

fn running_as_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
