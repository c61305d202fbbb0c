//! The self-managed replica adapter on a real pair: `check_replica`'s lag against
//! `SHOW REPLICA STATUS` read directly while the replica is behind, stopped replication as
//! "unknown", a primary as "not a replica", and `fence_primary` with `read_only`.

use crate::support::{
    call, closed_connection, connection, db_secret, dr_account, seconds_behind, write_as_app,
};
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use std::time::{Duration, Instant};
use wfc_activities::check_replica::{CheckReplica, CheckReplicaOutput, RpoVerdict};
use wfc_activities::fence_primary::{FenceOutcome, FencePrimary, FencePrimaryOutput};
use wfc_activities::promote_replica::{PromoteReplica, PromoteReplicaOutput};
use wfc_testkit::{create_order, MariaDbPair};

pub fn tests() -> Vec<Trial> {
    trials!["replication":
        lag_matches_show_replica_status,
        promotion_applies_what_was_fetched,
        fence_with_read_only,
    ]
}

async fn lag_matches_show_replica_status() {
    let pair = MariaDbPair::start();
    dr_account(&pair);
    let secret = db_secret().await;
    let check = |max_lag: f64, enforce: bool| {
        json!({
            "db_instance_id": "shop-replica",
            "max_lag_seconds": max_lag,
            "enforce": enforce,
            "self_managed": connection(&pair.replica, &secret),
        })
    };

    // In sync: lag 0, within the limit.
    let out: CheckReplicaOutput = call::<CheckReplica, _>(check(5.0, true)).await.unwrap();
    assert!(out.is_replica && out.lag_known, "{out:?}");
    assert_eq!(out.lag_seconds, Some(0.0));
    assert_eq!(out.rpo_verdict, RpoVerdict::WithinLimit);
    assert!(out.promote_allowed);
    assert_eq!(
        out.replica_source,
        Some(format!("127.0.0.1:{}", pair.primary.port()))
    );

    // Behind: the replica holds events back 30 s; wait until it reports a few seconds behind.
    pair.set_replica_delay(30);
    create_order(&pair.primary, "lag@example.net", "10.00", 10, 1);
    let start = Instant::now();
    while seconds_behind(&pair.replica).unwrap_or(0.0) < 3.0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the replica never fell behind"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let before = seconds_behind(&pair.replica).unwrap();
    let out: CheckReplicaOutput = call::<CheckReplica, _>(check(1.0, false)).await.unwrap();
    let after = seconds_behind(&pair.replica).unwrap();
    let lag = out.lag_seconds.expect("lag known while behind");
    assert!(
        lag >= before && lag <= after,
        "check_replica says {lag} s, SHOW REPLICA STATUS said {before} s before and {after} s after"
    );
    assert!(
        after - before <= 1.0,
        "the readings are more than 1 s apart"
    );
    assert_eq!(out.rpo_verdict, RpoVerdict::TooHigh);
    assert!(!out.promote_allowed);
    let refused = call::<CheckReplica, CheckReplicaOutput>(check(1.0, true))
        .await
        .unwrap_err();
    assert_eq!(refused.name(), "ReplicaLagTooHigh", "{refused}");

    // Replication stopped: the lag is unknown, with the reason, never "no lag".
    pair.cut_replication();
    let out: CheckReplicaOutput = call::<CheckReplica, _>(check(1.0, false)).await.unwrap();
    assert!(out.is_replica && !out.lag_known, "{out:?}");
    assert_eq!(out.rpo_verdict, RpoVerdict::Unknown);
    assert!(out.lag_detail.contains("not running"), "{}", out.lag_detail);
    let refused = call::<CheckReplica, CheckReplicaOutput>(check(1.0, true))
        .await
        .unwrap_err();
    assert_eq!(refused.name(), "ReplicaLagUnknown");
    // ... unless a human accepts the loss.
    let mut overridden = check(1.0, true);
    overridden["rpo_override"] = json!({"reason": "primary region down, approved by on-call"});
    let out: CheckReplicaOutput = call::<CheckReplica, _>(overridden).await.unwrap();
    assert!(out.override_used && out.promote_allowed);

    // The primary is no replica.
    let mut primary = check(1.0, true);
    primary["self_managed"] = connection(&pair.primary, &secret);
    let refused = call::<CheckReplica, CheckReplicaOutput>(primary)
        .await
        .unwrap_err();
    assert_eq!(refused.name(), "NotAReplica");

    // A server that does not answer is named, and retryable.
    let mut gone = check(1.0, false);
    gone["self_managed"] = closed_connection(&secret);
    let error = call::<CheckReplica, CheckReplicaOutput>(gone)
        .await
        .unwrap_err();
    assert_eq!(error.name(), "DatabaseUnreachable", "{error}");
    assert!(error.is_retryable());
}

/// The replica had fetched an order it had not applied yet (held back by a 3 s delay): the
/// promotion lets it apply it before resetting replication, instead of deleting the relay log.
async fn promotion_applies_what_was_fetched() {
    let pair = MariaDbPair::start();
    dr_account(&pair);
    let secret = db_secret().await;
    pair.set_replica_delay(3);
    let order = create_order(&pair.primary, "late@example.net", "9.99", 11, 1);
    let fetched = pair.primary.value("SELECT @@GLOBAL.gtid_binlog_pos");
    let start = Instant::now();
    while pair.replica.replica_status().unwrap()["Gtid_IO_Pos"] != fetched {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the replica never fetched it"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let count = format!("SELECT COUNT(*) FROM wp_wc_orders WHERE id = {order}");
    assert_eq!(
        pair.replica.value(&count),
        "0",
        "applied before the promotion"
    );

    let started = Instant::now();
    let promoted: PromoteReplicaOutput = call::<PromoteReplica, _>(json!({
        "db_instance_id": "shop-replica",
        "self_managed": connection(&pair.replica, &secret),
    }))
    .await
    .unwrap();
    assert!(promoted.promotion_started);
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        pair.replica.value(&count),
        "1",
        "the fetched order was thrown away"
    );
    assert!(pair.replica.replica_status().is_none());
}

async fn fence_with_read_only() {
    let pair = MariaDbPair::start();
    dr_account(&pair);
    let secret = db_secret().await;
    let fence = |connection: serde_json::Value| {
        json!({
            "primary_region": "us-east-1",
            "db_instance_id": "shop-primary",
            "method": {"kind": "read_only_server", "connection": connection},
            "timeout_seconds": 3,
        })
    };
    let primary = connection(&pair.primary, &secret);
    write_as_app(
        &pair.primary,
        "UPDATE wp_options SET option_value = 'Before' WHERE option_name = 'blogname'",
    )
    .await
    .expect("the app writes before the fence");

    let out: FencePrimaryOutput = call::<FencePrimary, _>(fence(primary.clone()))
        .await
        .unwrap();
    assert_eq!(out.outcome, FenceOutcome::Fenced, "{}", out.detail);
    assert!(!out.already_fenced);
    assert_eq!(pair.primary.value("SELECT @@GLOBAL.read_only"), "1");
    let refused = write_as_app(
        &pair.primary,
        "UPDATE wp_options SET option_value = 'After' WHERE option_name = 'blogname'",
    )
    .await
    .expect_err("the app's write goes through a fenced primary");
    assert!(refused.to_string().contains("read-only"), "{refused}");

    let again: FencePrimaryOutput = call::<FencePrimary, _>(fence(primary)).await.unwrap();
    assert_eq!(again.outcome, FenceOutcome::Fenced);
    assert!(again.already_fenced);

    // Nobody listening: reported unreachable, not raised.
    let out: FencePrimaryOutput = call::<FencePrimary, _>(fence(closed_connection(&secret)))
        .await
        .unwrap();
    assert_eq!(out.outcome, FenceOutcome::Unreachable, "{}", out.detail);

    // A server that accepts the connection and never answers: unreachable within the budget.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let out: FencePrimaryOutput = call::<FencePrimary, _>(fence(json!({
        "host": "127.0.0.1", "port": port, "secret_id": secret, "tls": false
    })))
    .await
    .unwrap();
    assert_eq!(out.outcome, FenceOutcome::Unreachable, "{}", out.detail);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}
