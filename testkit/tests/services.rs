//! The MariaDB pair and Redis of wfc-testkit against the real servers: replication carries writes,
//! a cut makes a gap, a delay shows up as Seconds_Behind_Master, `create_order` allocates ids the
//! HPOS way, the users log in over TCP (the activities' user can promote and fence, `read_only`
//! refuses the shop's writes), and everything stops on drop, or when the test process exits.
//! Run with `--nocapture` to see the start-up times.

use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use wfc_testkit::create_order;
use wfc_testkit::mariadb::{self, MariaDb, MariaDbPair};
use wfc_testkit::redis::{self, RedisServer};

fn start_pair() -> MariaDbPair {
    assert!(
        mariadb::installed(),
        "MariaDB missing: run `bash scripts/setup-tools.sh`"
    );
    let started = Instant::now();
    let pair = MariaDbPair::start();
    eprintln!("MariaDbPair::start() took {:?}", started.elapsed());
    pair
}

/// Polls `check` every 100 ms until it holds or `limit` passes.
fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    check()
}

/// Runs SQL as the activities' user over TCP, like the adapter does; Err(stderr) when refused.
fn as_app_user(db: &MariaDb, sql: &str) -> Result<String, String> {
    as_user(db, MariaDb::USER, MariaDb::PASSWORD, sql)
}

/// Runs SQL as the shop's own user (WordPress) over TCP.
fn as_shop(db: &MariaDb, sql: &str) -> Result<String, String> {
    as_user(db, MariaDb::SHOP_USER, MariaDb::SHOP_PASSWORD, sql)
}

fn as_user(db: &MariaDb, user: &str, password: &str, sql: &str) -> Result<String, String> {
    let output = Command::new("mariadb")
        .args([
            "--no-defaults",
            "--protocol=tcp",
            "--batch",
            "--skip-column-names",
        ])
        .arg(format!("--host={}", db.host()))
        .arg(format!("--port={}", db.port()))
        .arg(format!("--user={user}"))
        .arg(format!("--database={}", MariaDb::DATABASE))
        .args(["-e", sql])
        // The password goes through the environment, not the command line.
        .env("MYSQL_PWD", password)
        .output()
        .expect("mariadb client runs");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

#[test]
fn replication_carries_writes_stops_at_a_cut_and_reports_delay() {
    let pair = start_pair();

    // The fixture is on both sides, with the binlog in ROW format and the replica read-only.
    for db in [&pair.primary, &pair.replica] {
        assert_eq!(
            db.value("SELECT option_value FROM wp_options WHERE option_name = 'siteurl'"),
            "https://shop.example.com"
        );
        assert_eq!(db.value("SELECT COUNT(*) FROM wp_wc_orders"), "3");
    }
    assert_eq!(pair.primary.value("SELECT @@GLOBAL.binlog_format"), "ROW");
    assert_eq!(pair.primary.value("SELECT @@GLOBAL.read_only"), "0");
    assert_eq!(pair.replica.value("SELECT @@GLOBAL.read_only"), "1");
    let status = pair
        .replica
        .replica_status()
        .expect("the replica has a status");
    assert_eq!(status["Slave_IO_Running"], "Yes");
    assert_eq!(status["Slave_SQL_Running"], "Yes");
    assert_eq!(status["Using_Gtid"], "Slave_Pos");

    // A write on the primary arrives on the replica.
    pair.primary.exec(
        "INSERT INTO wp_options (option_name, option_value) VALUES ('wfc_probe', 'before-cut')",
    );
    pair.wait_in_sync();
    assert_eq!(
        pair.replica
            .value("SELECT option_value FROM wp_options WHERE option_name = 'wfc_probe'"),
        "before-cut"
    );

    // After a cut, writes stay on the primary: the gap.
    pair.cut_replication();
    pair.primary
        .exec("UPDATE wp_options SET option_value = 'in-gap' WHERE option_name = 'wfc_probe'");
    let gap_order = create_order(&pair.primary, "gap@example.net", "25.00", 10, 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        pair.replica
            .value("SELECT option_value FROM wp_options WHERE option_name = 'wfc_probe'"),
        "before-cut"
    );
    assert_eq!(
        pair.replica.value(&format!(
            "SELECT COUNT(*) FROM wp_wc_orders WHERE id = {gap_order}"
        )),
        "0",
        "a gap order must not reach the replica"
    );
    let status = pair.replica.replica_status().expect("status");
    assert_eq!(status["Slave_IO_Running"], "No");
    assert_eq!(status["Slave_SQL_Running"], "No");

    // Resumed, the replica catches up with the gap.
    pair.resume_replication();
    pair.wait_in_sync();
    assert_eq!(
        pair.replica.value(&format!(
            "SELECT billing_email FROM wp_wc_orders WHERE id = {gap_order}"
        )),
        "gap@example.net"
    );

    // With a 5 s delay, a new write makes the replica report a real lag before it applies it.
    pair.set_replica_delay(5);
    assert_eq!(
        pair.replica.replica_status().expect("status")["SQL_Delay"],
        "5"
    );
    let written = Instant::now();
    pair.primary
        .exec("UPDATE wp_options SET option_value = 'delayed' WHERE option_name = 'wfc_probe'");
    let mut lag_seen = None;
    let lagging = eventually(Duration::from_secs(5), || {
        let status = pair.replica.replica_status().expect("status");
        let lag: u64 = status["Seconds_Behind_Master"].parse().unwrap_or(0);
        if lag > 0 {
            lag_seen = Some(lag);
        }
        lag > 0
    });
    assert!(
        lagging,
        "Seconds_Behind_Master stayed 0 while the replica was delayed"
    );
    assert_eq!(
        pair.replica
            .value("SELECT option_value FROM wp_options WHERE option_name = 'wfc_probe'"),
        "in-gap",
        "the delayed write must not be applied yet"
    );
    pair.wait_in_sync();
    assert!(
        written.elapsed() >= Duration::from_secs(4),
        "the delayed write arrived after {:?}",
        written.elapsed()
    );
    eprintln!(
        "Seconds_Behind_Master reached {lag_seen:?}; the delayed write arrived after {:?}",
        written.elapsed()
    );
    pair.set_replica_delay(0);
    assert_eq!(
        pair.replica.replica_status().expect("status")["SQL_Delay"],
        "0"
    );
}

#[test]
fn orders_take_ids_from_wp_posts_and_the_users_can_promote_and_are_fenced() {
    let pair = start_pair();
    let db = &pair.primary;
    let next_post_id: u64 = db
        .value(
            "SELECT AUTO_INCREMENT FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = 'wordpress' AND TABLE_NAME = 'wp_posts'",
        )
        .parse()
        .expect("a number");
    assert_eq!(next_post_id, 23, "the fixture's last post is order 22");

    let first = create_order(db, "dave@example.net", "25.00", 10, 1);
    let second = create_order(db, "o'brien@example.net", "30.00", 11, 2);
    assert_eq!(first, next_post_id);
    assert!(second > first, "ids increase: {first} then {second}");

    for (id, email, total) in [
        (first, "dave@example.net", "25.00000000"),
        (second, "o'brien@example.net", "30.00000000"),
    ] {
        // The id is reserved by a placeholder post and shared with the HPOS row.
        assert_eq!(
            db.value(&format!("SELECT post_type FROM wp_posts WHERE ID = {id}")),
            "shop_order_placehold"
        );
        assert_eq!(
            db.rows(&format!(
                "SELECT billing_email, total_amount, transaction_id FROM wp_wc_orders WHERE id = {id}"
            )),
            vec![vec![
                email.to_string(),
                total.to_string(),
                format!("ch_wfc_{id}")
            ]]
        );
        assert_eq!(
            db.value(&format!(
                "SELECT meta_value FROM wp_wc_orders_meta
                 WHERE order_id = {id} AND meta_key = '_stripe_intent_id'"
            )),
            format!("pi_wfc_{id}")
        );
    }
    assert_eq!(
        db.value("SELECT meta_value FROM wp_postmeta WHERE post_id = 10 AND meta_key = '_stock'"),
        "99"
    );
    assert_eq!(
        db.value("SELECT meta_value FROM wp_postmeta WHERE post_id = 11 AND meta_key = '_stock'"),
        "48"
    );
    // A post created afterwards (say a product) takes the next id: one counter for both.
    db.exec(
        "INSERT INTO wp_posts (post_content, post_title, post_excerpt, to_ping, pinged,
           post_content_filtered, post_type) VALUES ('', 'New product', '', '', '', '', 'product')",
    );
    assert_eq!(
        db.value("SELECT MAX(ID) FROM wp_posts"),
        (second + 1).to_string()
    );

    // Both users log in over TCP; read_only stops the shop's writes on the replica, not those of
    // the activities' user (it holds READ_ONLY ADMIN, which MariaDB needs to change read_only).
    pair.wait_in_sync();
    assert_eq!(
        as_shop(&pair.replica, "SELECT COUNT(*) FROM wp_wc_orders").expect("the shop reads"),
        "5"
    );
    let refused = as_shop(
        &pair.replica,
        "UPDATE wp_options SET option_value = 'x' WHERE option_name = 'blogname'",
    )
    .expect_err("read_only must refuse the shop's write");
    assert!(refused.contains("read-only"), "{refused}");
    as_shop(
        &pair.primary,
        "UPDATE wp_options SET option_value = 'Renamed' WHERE option_name = 'blogname'",
    )
    .expect("the shop writes on the primary");
    as_app_user(
        &pair.replica,
        "INSERT INTO wp_options (option_name, option_value) VALUES ('wfc_admin_write', 'y')",
    )
    .expect("READ_ONLY ADMIN writes through read_only");

    // The activities' user can do what the self-managed adapter does: read the replica's status,
    // promote it (stop and reset replication, read_only off), fence a primary (read_only on).
    let status = as_app_user(&pair.replica, "SHOW REPLICA STATUS").expect("reads status");
    assert!(status.contains("127.0.0.1"), "{status}");
    as_app_user(
        &pair.replica,
        "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF",
    )
    .expect("the activities' user promotes the replica");
    assert!(
        pair.replica.replica_status().is_none(),
        "no replication left after RESET SLAVE ALL"
    );
    as_shop(
        &pair.replica,
        "UPDATE wp_options SET option_value = 'Promoted' WHERE option_name = 'blogname'",
    )
    .expect("the promoted replica takes the shop's writes");
    as_app_user(&pair.primary, "SET GLOBAL read_only = ON")
        .expect("the activities' user fences the primary");
    let fenced = as_shop(
        &pair.primary,
        "UPDATE wp_options SET option_value = 'late' WHERE option_name = 'blogname'",
    )
    .expect_err("a fenced primary refuses the shop's write");
    assert!(fenced.contains("read-only"), "{fenced}");
}

#[test]
fn servers_stop_and_their_directories_go_when_dropped() {
    let pair = start_pair();
    let ports = [pair.primary.port(), pair.replica.port()];
    let dirs = [
        pair.primary.data_dir().to_path_buf(),
        pair.replica.data_dir().to_path_buf(),
    ];
    assert!(dirs.iter().all(|dir| dir.join("ibdata1").exists()));
    let stopping = Instant::now();
    drop(pair);
    eprintln!("dropping a MariaDbPair took {:?}", stopping.elapsed());
    for port in ports {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still open after drop"
        );
    }
    for dir in dirs {
        assert!(!dir.exists(), "{} still exists after drop", dir.display());
    }
}

#[test]
fn redis_sets_gets_and_stops() {
    assert!(
        redis::redis_installed(),
        "redis missing: run `bash scripts/setup-tools.sh`"
    );
    let started = Instant::now();
    let redis = RedisServer::start();
    eprintln!("RedisServer::start() took {:?}", started.elapsed());
    assert_eq!(redis.host(), "127.0.0.1");
    assert_eq!(redis.cli(&["SET", "wc_session:42", "cart"]), "OK");
    assert_eq!(redis.cli(&["GET", "wc_session:42"]), "cart");
    assert_eq!(redis.cli(&["DBSIZE"]), "1");
    assert_eq!(redis.cli(&["CONFIG", "GET", "save"]), "save");
    assert_eq!(
        redis.cli(&["CONFIG", "GET", "appendonly"]),
        "appendonly\nno"
    );
    let port = redis.port();
    drop(redis);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "redis still listening after drop"
    );
}

/// Servers kept past the end of the test process (a `static` is never dropped; here they are
/// forgotten) are stopped, and their directories deleted, by the watchdog. The child half runs in
/// a second copy of this test binary.
#[test]
fn servers_left_behind_are_stopped_when_the_test_process_exits() {
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "watchdog_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WFC_TESTKIT_WATCHDOG_CHILD", "1")
        .output()
        .expect("the child test runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|line| line.split_once("LEFT BEHIND ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("child printed no servers: {stdout}"));
    let mut fields = line.split(' ');
    let ports: Vec<u16> = fields
        .by_ref()
        .take(3)
        .map(|port| port.parse().expect("a port"))
        .collect();
    let dirs: Vec<std::path::PathBuf> = fields.map(std::path::PathBuf::from).collect();
    assert_eq!((ports.len(), dirs.len()), (3, 2), "{line}");
    let gone = eventually(Duration::from_secs(15), || {
        ports
            .iter()
            .all(|port| TcpStream::connect(("127.0.0.1", *port)).is_err())
            && dirs.iter().all(|dir| !dir.exists())
    });
    assert!(gone, "servers or directories left behind: {line}");
}

/// The child half of the test above; does nothing in a normal run.
#[test]
fn watchdog_child() {
    if std::env::var_os("WFC_TESTKIT_WATCHDOG_CHILD").is_none() {
        return;
    }
    let pair = MariaDbPair::start();
    let redis = RedisServer::start();
    println!(
        "LEFT BEHIND {} {} {} {} {}",
        pair.primary.port(),
        pair.replica.port(),
        redis.port(),
        pair.primary.data_dir().display(),
        pair.replica.data_dir().display()
    );
    std::mem::forget(pair);
    std::mem::forget(redis);
}
