//! How each activity's Lambda function runs: timeout, memory, and whether it changes the world
//! (mutating functions get reserved concurrency). One row per activity; a test holds the table to
//! the catalogue, so a new activity cannot be deployed without a decision here.

/// One activity's function settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    pub timeout_seconds: u32,
    pub memory_mb: u32,
    /// Changes state (AWS, the database, the cache): gets [`MUTATING_CONCURRENCY`] reserved, so
    /// that a runaway elsewhere in the account cannot starve a failover, and no more than that
    /// many copies ever run at once.
    pub mutating: bool,
}

/// The activities that speak MySQL (a self-managed server, or RDS for the order-id reservation
/// and the gap report), over TLS: their functions get the RDS CA bundle (`SSL_CERT_FILE`), which
/// the MySQL adapter adds to its roots. A test holds this list to the Lambda handlers that use
/// the MySQL client.
pub const SPEAKS_MYSQL: &[&str] = &[
    "check_replica",
    "describe_database",
    "fence_primary",
    "promote_replica",
    "reconcile_gap",
    "reserve_order_ids",
];

/// Where the activities' zip carries the RDS CA bundle (global-bundle.pem, docs/deploy.md).
pub const RDS_CA_BUNDLE: &str = "/var/task/rds-global-bundle.pem";

/// Reserved concurrency of a mutating function. Small: every unit is taken from the account's
/// pool, which must keep 100 unreserved (docs/deploy.md).
pub const MUTATING_CONCURRENCY: u32 = 2;

const fn p(timeout_seconds: u32, memory_mb: u32, mutating: bool) -> Profile {
    Profile {
        timeout_seconds,
        memory_mb,
        mutating,
    }
}

/// The settings of `activity`, `None` for an activity this table does not know.
pub fn profile(activity: &str) -> Option<Profile> {
    Some(match activity {
        "assess_outage" => p(30, 256, false),
        "check_replica" => p(60, 256, false),
        // Waits up to 120 s for the old primary to stop or turn read-only.
        "fence_primary" => p(180, 256, true),
        "promote_replica" => p(60, 256, true),
        "failover_global_cluster" => p(60, 256, true),
        "describe_database" => p(60, 256, false),
        "repoint_app" => p(30, 256, true),
        "scale_compute" => p(60, 256, true),
        // Waits up to 300 s for the change to be INSYNC.
        "switch_dns" => p(360, 256, true),
        // Several requests, each up to 30 s.
        "smoke_test" => p(180, 256, false),
        "prepare_cache" => p(60, 256, true),
        // Flushing waits up to 300 s.
        "flush_cache" => p(360, 256, true),
        "check_media_replication" => p(60, 256, false),
        "notify" => p(30, 256, true),
        "record_state" => p(30, 256, true),
        "create_replica" => p(60, 256, true),
        "await_replica_in_sync" => p(60, 256, false),
        "set_read_only" => p(60, 256, true),
        "retire_instance" => p(60, 256, true),
        "validate_request" => p(30, 256, false),
        "start_workflow" => p(30, 256, true),
        "check_failover_guard" => p(30, 256, false),
        "set_maintenance" => p(30, 256, true),
        "register_waiter" => p(30, 256, true),
        "wake_waiter" => p(30, 256, true),
        "reserve_order_ids" => p(120, 256, true),
        // Reads every order since the promotion on both sides.
        "reconcile_gap" => p(300, 512, false),
        "pause_background_jobs" => p(60, 256, true),
        "resume_background_jobs" => p(60, 256, true),
        "check_background_jobs" => p(30, 256, false),
        "gate_writes" => p(60, 256, true),
        "open_writes" => p(60, 256, true),
        "check_shop_identity" => p(60, 256, false),
        // Six probes ten seconds apart, each up to 5 s: at most 60 s of its minute. Publishes
        // datapoints (mutating); one run a minute needs no more than the reserved two.
        "probe_endpoint" => p(70, 256, true),
        _ => return None,
    })
}
