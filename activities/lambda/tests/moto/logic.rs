//! The logic moto cannot exercise, over the fake ports of `fakes.rs` (each test says why).

use crate::fakes::*;
use crate::support::assert_error;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use std::time::Duration;
use wfc_activities::assess_outage::{self, OutageVerdict};
use wfc_activities::check_replica::{self, RpoVerdict};
use wfc_activities::failover_global_cluster::{self, FailoverGlobalCluster};
use wfc_activities::ports::metrics::AlarmState;
use wfc_activities::prepare_cache::{self, PrepareCache};
use wfc_activities::promote_replica::{self, PromoteReplica};
use wfc_activities::switch_dns::{self, SwitchDns};
use wfc_activities::validate::parse;
use wfc_activities::validate_request::{self, ValidateRequest};

pub fn tests() -> Vec<Trial> {
    trials!["logic":
        promote_twice_asks_once,
        promote_refusals,
        global_cluster_failover_switchover_and_again,
        global_cluster_busy,
        assess_outage_verdicts,
        check_replica_stale_lag_is_unknown,
        switch_dns_pending_change,
        switch_dns_twice_over_fake,
        prepare_cache_global_datastore,
        validate_request_unhealthy_target,
    ]
}

fn promote(id: &str) -> promote_replica::PromoteReplicaInput {
    parse(json!({ "db_instance_id": id })).unwrap()
}

async fn promote_twice_asks_once() {
    // Real RDS clears ReadReplicaSourceDBInstanceIdentifier once promoted; moto does not.
    let db = FakeDatabase::with_instance(replica("shop-dr", "available"));
    let first = promote_replica::run(promote("shop-dr"), &db).await.unwrap();
    assert!(first.promotion_started);
    let second = promote_replica::run(promote("shop-dr"), &db).await.unwrap();
    assert!(second.already_promoted && !second.promotion_started);
    assert_eq!(
        db.calls(),
        ["PromoteReadReplica shop-dr"],
        "the second run asks nothing"
    );
}

async fn promote_refusals() {
    // moto has no backing-up or modifying states: everything is instant there.
    let db = FakeDatabase::with_instance(replica("shop-dr", "backing-up"));
    assert_error::<PromoteReplica, _>(
        promote_replica::run(promote("shop-dr"), &db).await,
        "BackupInProgress",
    );
    let db = FakeDatabase::with_instance(replica("shop-dr", "modifying"));
    assert_error::<PromoteReplica, _>(
        promote_replica::run(promote("shop-dr"), &db).await,
        "DbInstanceNotAvailable",
    );
    let mut aurora = replica("shop-dr", "available");
    aurora.engine = "aurora-mysql".into();
    let db = FakeDatabase::with_instance(aurora);
    assert_error::<PromoteReplica, _>(
        promote_replica::run(promote("shop-dr"), &db).await,
        "UnsupportedEngine",
    );
    assert!(db.calls().is_empty());
}

const EAST: &str = "arn:aws:rds:us-east-1:123456789012:cluster:shop-east";
const WEST: &str = "arn:aws:rds:us-west-2:123456789012:cluster:shop-west";

fn global(mode: &str) -> failover_global_cluster::FailoverGlobalClusterInput {
    parse(json!({"global_cluster_id": "shop-global", "target_cluster_arn": WEST, "mode": mode}))
        .unwrap()
}

async fn global_cluster_failover_switchover_and_again() {
    // moto implements neither FailoverGlobalCluster nor SwitchoverGlobalCluster.
    let db = FakeDatabase::default();
    *db.global.lock().unwrap() = Some(global_cluster("available", EAST, WEST));
    let out = failover_global_cluster::run(global("failover"), &db)
        .await
        .unwrap();
    assert!(!out.already_done);
    assert_eq!(out.previous_writer.as_deref(), Some(EAST));
    let again = failover_global_cluster::run(global("failover"), &db)
        .await
        .unwrap();
    assert!(again.already_done);
    assert_eq!(
        db.calls(),
        [format!(
            "FailoverGlobalCluster shop-global {WEST} AllowDataLoss"
        )]
    );
    let planned = FakeDatabase::default();
    *planned.global.lock().unwrap() = Some(global_cluster("available", EAST, WEST));
    failover_global_cluster::run(global("switchover"), &planned)
        .await
        .unwrap();
    assert_eq!(
        planned.calls(),
        [format!("SwitchoverGlobalCluster shop-global {WEST}")]
    );
}

async fn global_cluster_busy() {
    let db = FakeDatabase::default();
    *db.global.lock().unwrap() = Some(global_cluster("failing-over", EAST, WEST));
    let result = failover_global_cluster::run(global("failover"), &db).await;
    assert_error::<FailoverGlobalCluster, _>(result, "GlobalClusterBusy");
}

async fn assess_outage_verdicts() {
    // moto's health checkers always report success, and its alarms change only when told.
    let input = |alarm: bool| -> assess_outage::AssessOutageInput {
        let mut v = json!({"health_check_id": "hc-1"});
        if alarm {
            v["alarm_name"] = json!("alb-5xx");
        }
        parse(v).unwrap()
    };
    let cases = [
        (checkers(15, 1), None, false, OutageVerdict::Down),
        (
            checkers(16, 0),
            Some(AlarmState::Alarm),
            true,
            OutageVerdict::Down,
        ),
        (
            checkers(16, 0),
            Some(AlarmState::InsufficientData),
            true,
            OutageVerdict::Down,
        ),
        (
            checkers(16, 0),
            Some(AlarmState::Ok),
            true,
            OutageVerdict::Inconclusive,
        ),
        (
            checkers(8, 8),
            Some(AlarmState::Alarm),
            true,
            OutageVerdict::FalseAlarm,
        ),
        (checkers(0, 0), None, false, OutageVerdict::Inconclusive),
    ];
    for (observations, alarm, with_alarm, expected) in cases {
        let failing = observations.iter().filter(|o| !o.healthy).count();
        let dns = FakeDns {
            observations,
            ..FakeDns::default()
        };
        let metrics = FakeMetrics {
            alarm,
            ..FakeMetrics::default()
        };
        let out = assess_outage::run(input(with_alarm), &dns, &metrics)
            .await
            .unwrap();
        assert_eq!(
            out.verdict, expected,
            "{failing} failing, alarm {alarm:?}: {}",
            out.reason
        );
        assert_eq!(out.primary_down, expected == OutageVerdict::Down);
    }
}

async fn check_replica_stale_lag_is_unknown() {
    // The metric stops when the primary is gone: the last datapoint (4 s lag, 10 minutes ago)
    // must not pass for the lag now.
    let db = FakeDatabase::with_instance(replica("shop-dr", "available"));
    let metrics = FakeMetrics {
        points: vec![
            (Duration::from_secs(600), 4.0),
            (Duration::from_secs(660), 3.0),
        ],
        ..FakeMetrics::default()
    };
    let input: check_replica::CheckReplicaInput = parse(
        json!({"db_instance_id": "shop-dr", "max_lag_seconds": 30, "lag_window_seconds": 900}),
    )
    .unwrap();
    let out = check_replica::run(input, &db, &metrics).await.unwrap();
    assert_eq!(out.rpo_verdict, RpoVerdict::Unknown);
    assert_eq!(out.last_known_lag_seconds, Some(4.0));
    assert!(!out.promote_allowed);
}

fn dns_input(wait: u32) -> switch_dns::SwitchDnsInput {
    parse(json!({
        "hosted_zone_id": "Z1", "wait_seconds": wait,
        "records": [{"name": "shop.example.com", "type": "A",
                     "target": {"kind": "values", "values": ["192.0.2.20"], "ttl": 60}}],
    }))
    .unwrap()
}

async fn switch_dns_pending_change() {
    // moto's changes are INSYNC at once.
    let dns = FakeDns {
        pending: true,
        ..FakeDns::default()
    };
    assert_error::<SwitchDns, _>(
        switch_dns::run(dns_input(0), &dns).await,
        "DnsChangePending",
    );
}

async fn switch_dns_twice_over_fake() {
    let dns = FakeDns::default();
    assert!(switch_dns::run(dns_input(0), &dns).await.unwrap().changed);
    let second = switch_dns::run(dns_input(0), &dns).await.unwrap();
    assert!(!second.changed);
}

fn datastore_input() -> prepare_cache::PrepareCacheInput {
    parse(json!({
        "mode": "failover_global_datastore", "global_datastore_id": "ldgnf-shop",
        "primary_region": "us-west-2", "primary_replication_group_id": "shop-west",
    }))
    .unwrap()
}

async fn prepare_cache_global_datastore() {
    // moto does not implement ElastiCache global datastores.
    let (config, keys) = (FakeConfig::default(), wfc_adapters::net::RedisKeys);
    let cache = FakeGlobalCache::default();
    *cache.datastore.lock().unwrap() = Some(datastore("available", "SECONDARY"));
    let out = prepare_cache::run(datastore_input(), &cache, &config, &keys)
        .await
        .unwrap();
    assert!(!out.already_done);
    assert_eq!(
        *cache.calls.lock().unwrap(),
        ["FailoverGlobalReplicationGroup ldgnf-shop us-west-2 shop-west"]
    );
    *cache.datastore.lock().unwrap() = Some(datastore("available", "PRIMARY"));
    assert!(
        prepare_cache::run(datastore_input(), &cache, &config, &keys)
            .await
            .unwrap()
            .already_done
    );
    *cache.datastore.lock().unwrap() = Some(datastore("primary-only", "SECONDARY"));
    let result = prepare_cache::run(datastore_input(), &cache, &config, &keys).await;
    assert_error::<PrepareCache, _>(result, "GlobalDatastoreBusy");
    *cache.datastore.lock().unwrap() = None;
    let result = prepare_cache::run(datastore_input(), &cache, &config, &keys).await;
    assert_error::<PrepareCache, _>(result, "GlobalDatastoreNotFound");
}

async fn validate_request_unhealthy_target() {
    // moto's health checkers are always healthy.
    let config = FakeConfig::default();
    config.parameters.lock().unwrap().insert(
        "/wfc/state".into(),
        json!({"active_region": "us-west-2", "incident_id": "INC-7", "status": "idle", "last_failover_at": null})
            .to_string(),
    );
    let dns = FakeDns {
        observations: checkers(6, 10),
        ..FakeDns::default()
    };
    let input: validate_request::ValidateRequestInput = parse(json!({
        "request": {"target_region": "us-east-1", "incident_id": "INC-7", "requested_by": "sre"},
        "state_parameter_name": "/wfc/state", "target_health_check_id": "hc-east",
    }))
    .unwrap();
    let result = validate_request::run(input, &config, &dns, &FakeMetrics::default()).await;
    assert_error::<ValidateRequest, _>(result, "TargetRegionUnhealthy");
}
