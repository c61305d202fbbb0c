//! The MySQL/MariaDB activities against real servers: MariaDB primary/replica pairs on loopback
//! (`wfc_testkit::MariaDbPair`, Debian's `mariadb-server`) and one moto_server holding the
//! credentials' secret, read through the real Secrets Manager adapter. libtest-mimic gives the
//! usual test command line and output.
//!
//! - `gap.rs`: orders in a replication gap, the self-managed promotion, `reserve_order_ids`
//!   (no id can collide, a retry changes nothing) and `reconcile_gap` (exactly the gap, no
//!   write on either server).
//! - `replication.rs`: `check_replica`'s lag against `SHOW REPLICA STATUS`, `describe_database`,
//!   fencing with `read_only`, unreachable servers.
//! - `invalid_input.rs`: malformed input refused before any secret read or connection.

mod gap;
mod invalid_input;
mod replication;
mod support;
#[path = "../common/trial.rs"]
mod trial;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    assert!(
        wfc_testkit::mariadb::installed(),
        "MariaDB is not installed (mariadbd, mariadb-install-db, mariadb): run `bash scripts/setup-tools.sh`"
    );
    let moto = wfc_testkit::MotoServer::start();
    support::set_endpoint(moto.endpoint());
    let mut trials = Vec::new();
    trials.extend(gap::tests());
    trials.extend(replication::tests());
    trials.extend(invalid_input::tests());
    let conclusion = libtest_mimic::run(&args, trials);
    drop(moto);
    conclusion.exit();
}
