//! Every activity refuses a malformed input with `InvalidInput`, naming the field, before any
//! request: the calls go through the Lambda dispatch to a counting proxy in front of moto, which
//! must see no connection at all.

use crate::support::*;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::{json, Value};
use wfc_activities::catalog::catalog;
use wfc_adapters::aws::AwsEnv;
use wfc_lambda::dispatch;

pub fn tests() -> Vec<Trial> {
    trials!["invalid_input": malformed_inputs_make_no_request, the_proxy_counts_requests]
}

/// (activity, payload, the field the error must name).
fn cases() -> Vec<(&'static str, Value, &'static str)> {
    let proxy_url = "ftp://shop.example.com/";
    vec![
        (
            "assess_outage",
            json!({"health_check_id": "hc", "down_failing_share": 1.5}),
            "down_failing_share",
        ),
        ("assess_outage", json!({"alarm_name": "a"}), "(input)"),
        (
            "check_replica",
            json!({"db_instance_id": "1bad", "max_lag_seconds": 30}),
            "db_instance_id",
        ),
        (
            "check_replica",
            json!({"db_instance_id": "r", "max_lag_seconds": -1}),
            "max_lag_seconds",
        ),
        (
            "fence_primary",
            json!({"primary_region": "east", "db_instance_id": "shop", "method": {"kind": "stop"}}),
            "primary_region",
        ),
        (
            "fence_primary",
            json!({"primary_region": "us-east-1", "db_instance_id": "shop", "method": {"kind": "isolate", "security_group_ids": ["default"]}}),
            "method.security_group_ids[0]",
        ),
        (
            "fence_primary",
            json!({"primary_region": "us-east-1", "db_instance_id": "shop", "method": {"kind": "unplug"}}),
            "method",
        ),
        (
            "promote_replica",
            json!({"db_instance_id": "shop--db"}),
            "db_instance_id",
        ),
        (
            "promote_replica",
            json!({"db_instance_id": "shop", "backup_retention_days": 90}),
            "backup_retention_days",
        ),
        (
            "promote_replica",
            json!({"db_instance_id": "shop", "db_instance_idd": "x"}),
            "",
        ),
        (
            "failover_global_cluster",
            json!({"global_cluster_id": "g", "target_cluster_arn": "arn:aws:rds:us-west-2:1:db:x", "mode": "failover"}),
            "target_cluster_arn",
        ),
        (
            "failover_global_cluster",
            json!({"global_cluster_id": "g", "target_cluster_arn": "arn:aws:rds:us-west-2:1:cluster:x", "mode": "yolo"}),
            "mode",
        ),
        (
            "describe_database",
            json!({"db_instance_id": "a", "db_cluster_id": "b"}),
            "db_instance_id",
        ),
        (
            "repoint_app",
            json!({"store": "ssm", "name": "/shop/db", "endpoint": "http://db"}),
            "endpoint",
        ),
        (
            "repoint_app",
            json!({"store": "vault", "name": "x", "endpoint": "db"}),
            "store",
        ),
        (
            "scale_compute",
            json!({"target": {"kind": "auto_scaling_group", "name": "web"}, "desired": -1}),
            "desired",
        ),
        (
            "scale_compute",
            json!({"target": {"kind": "auto_scaling_group", "name": "web"}, "desired": 5000}),
            "desired",
        ),
        (
            "switch_dns",
            json!({"hosted_zone_id": "Z1", "records": [{"name": "shop.example.com", "type": "A", "target": {"kind": "values", "values": ["not-an-ip"], "ttl": 60}}]}),
            "records[0].target.values[0]",
        ),
        (
            "switch_dns",
            json!({"hosted_zone_id": "Z1", "records": []}),
            "records",
        ),
        (
            "switch_dns",
            json!({"hosted_zone_id": "Z1", "records": [{"name": "shop.example.com", "type": "CNAME", "failover": "PRIMARY", "target": {"kind": "values", "values": ["alb.example.com"], "ttl": 60}}]}),
            "records[0].set_identifier",
        ),
        (
            "smoke_test",
            json!({"checks": [{"url": proxy_url}]}),
            "checks[0].url",
        ),
        (
            "smoke_test",
            json!({"checks": [{"url": "https://shop.example.com/", "timeout_ms": 0}]}),
            "checks[0].timeout_ms",
        ),
        (
            "prepare_cache",
            json!({"mode": "flush_keys", "host": "cache.local", "patterns": ["*"]}),
            "patterns[0]",
        ),
        (
            "prepare_cache",
            json!({"mode": "failover_global_datastore", "global_datastore_id": "g", "primary_region": "west", "primary_replication_group_id": "r"}),
            "primary_region",
        ),
        (
            "flush_cache",
            json!({"host": "cache.local", "database": 16, "auth_token_secret_id": "redis-auth"}),
            "database",
        ),
        (
            "smoke_test",
            json!({"woocommerce": {"site_url": "https://shop.example.com", "canary_product_id": 0}}),
            "woocommerce.canary_product_id",
        ),
        (
            "check_media_replication",
            json!({"source_bucket": "media", "max_pending_operations": -5}),
            "max_pending_operations",
        ),
        (
            "notify",
            json!({"incident_id": "I", "event": "e", "severity": "info", "summary": "s"}),
            "topic_arn",
        ),
        (
            "notify",
            json!({"incident_id": "I", "event": "e", "severity": "panic", "summary": "s", "topic_arn": "arn:aws:sns:us-west-2:1:t"}),
            "severity",
        ),
        (
            "record_state",
            json!({"parameter_name": "/wfc/state", "active_region": "us-west-2", "incident_id": "I", "status": "idle", "failover_at": "yesterday"}),
            "failover_at",
        ),
        (
            "record_state",
            json!({"parameter_name": "/aws/reserved", "active_region": "us-west-2", "incident_id": "I", "status": "idle"}),
            "parameter_name",
        ),
        (
            "create_replica",
            json!({"source_db_arn": "arn:aws:rds:us-east-1:1:db:shop", "replica_id": "r", "instance_class": "m5.large"}),
            "instance_class",
        ),
        // Semantic: the same region as the source (the function's region is us-west-2).
        (
            "create_replica",
            json!({"source_db_arn": "arn:aws:rds:us-west-2:1:db:shop", "replica_id": "r", "instance_class": "db.t3.micro"}),
            "region",
        ),
        (
            "await_replica_in_sync",
            json!({"db_instance_id": "r", "max_lag_seconds": "zero"}),
            "max_lag_seconds",
        ),
        (
            "set_read_only",
            json!({"db_instance_id": "r", "read_only": "yes"}),
            "read_only",
        ),
        (
            "retire_instance",
            json!({"db_instance_id": "shop--db"}),
            "db_instance_id",
        ),
        (
            "validate_request",
            json!({"request": {"target_region": "us-east-1", "incident_id": "", "requested_by": "x"}, "state_parameter_name": "/wfc/state", "target_health_check_id": "hc"}),
            "request.incident_id",
        ),
        (
            "validate_request",
            json!({"request": {"target_region": "mars-1", "incident_id": "I", "requested_by": "x"}, "state_parameter_name": "/wfc/state", "target_health_check_id": "hc"}),
            "request.target_region",
        ),
        (
            "start_workflow",
            json!({"state_machine_arn": "arn:aws:states:us-west-2:123456789012:activity:x", "incident_id": "I", "input": {}}),
            "state_machine_arn",
        ),
        (
            "start_workflow",
            json!({"state_machine_arn": "arn:aws:states:us-west-2:123456789012:stateMachine:woo-failover", "incident_id": "x".repeat(201), "input": {}}),
            "incident_id",
        ),
        (
            "check_failover_guard",
            json!({"parameter_name": "/wfc/state", "incident_id": "I", "expected_active_region": "us-east-1", "min_minutes_between_failovers": 60, "now": "soon"}),
            "now",
        ),
        (
            "check_failover_guard",
            json!({"parameter_name": "/wfc/state", "incident_id": "I", "expected_active_region": "us-east-1", "min_minutes_between_failovers": 20000, "now": "2026-11-26T03:00:00Z"}),
            "min_minutes_between_failovers",
        ),
        (
            "register_waiter",
            json!({"parameter_name": "/wfc/w", "task_token": "", "waiting_for": "promotion"}),
            "task_token",
        ),
        (
            "wake_waiter",
            json!({"parameter_name": "/wfc/w", "event_id": 238}),
            "event_id",
        ),
        (
            "set_maintenance",
            json!({"parameter_name": "/woo/maintenance", "on": "yes"}),
            "on",
        ),
        (
            "check_shop_identity",
            json!({"regions": [{"region": "us-east-1", "salts_secret_id": "s", "config_parameter": "/p"}], "site_url": "https://shop.example.com", "plugins": ["woocommerce"], "dr_region": "us-west-2"}),
            "regions",
        ),
        (
            "reserve_order_ids",
            json!({"connection": {"host": "db.local", "secret_id": "s"}, "table_prefix": "wp_;DROP", "margin": 1000000}),
            "table_prefix",
        ),
        (
            "reconcile_gap",
            json!({"old_primary": {"host": "db.local", "secret_id": "s"}, "new_primary": {"host": "db.local", "secret_id": "s"}}),
            "new_primary",
        ),
        // Background jobs and the write gate.
        (
            "pause_background_jobs",
            json!({"runner": {"kind": "scheduler", "schedule_name": ""}}),
            "runner.schedule_name",
        ),
        (
            "resume_background_jobs",
            json!({"runner": {"kind": "ecs_service", "cluster": "c", "service": "s", "desired_count": 0}}),
            "runner.desired_count",
        ),
        ("check_background_jobs", json!({"runners": []}), "runners"),
        (
            "probe_endpoint",
            json!({"url": "https://shop.example.com/", "namespace": "AWS/Route53", "metric_name": "PrimaryEndpointUp", "shop": "woo"}),
            "namespace",
        ),
        (
            "probe_endpoint",
            json!({"url": "https://shop.example.com/", "namespace": "wfc/woo", "metric_name": "PrimaryEndpointUp", "shop": "woo", "probes": 12}),
            "probes",
        ),
        (
            "gate_writes",
            json!({"web_acl_name": "woo-alb", "web_acl_id": "0b1e3c1a-7f1e-4f8e-9a0b-2c7d0e5f6a11", "retry_after_seconds": 0}),
            "retry_after_seconds",
        ),
        (
            "open_writes",
            json!({"web_acl_name": "woo-alb", "web_acl_id": "0b1e3c1a-7f1e-4f8e-9a0b-2c7d0e5f6a11", "paths": ["checkout"]}),
            "paths[0]",
        ),
    ]
}

async fn malformed_inputs_make_no_request() {
    let proxy = CountingProxy::start().await;
    let env = AwsEnv::local(&proxy.endpoint, DR);
    let cases = cases();
    for activity in catalog() {
        assert!(
            cases.iter().any(|(name, _, _)| *name == activity.name),
            "no malformed-input case for {}",
            activity.name
        );
    }
    for (name, payload, field) in cases {
        let error = dispatch(name, payload.clone(), &env)
            .await
            .expect_err(&format!("{name} accepted {payload}"));
        match &error {
            wfc_activities::ActivityError::InvalidInput { field: got, .. } => {
                assert!(
                    got.starts_with(field),
                    "{name}: field `{got}`, expected `{field}` ({error})"
                )
            }
            other => panic!("{name} {payload}: expected InvalidInput, got {other}"),
        }
        assert_eq!(
            proxy.connections(),
            0,
            "{name} made a request before refusing {payload}"
        );
    }
}

async fn the_proxy_counts_requests() {
    // The control: a valid input through the same proxy does reach moto.
    let proxy = CountingProxy::start().await;
    let env = AwsEnv::local(&proxy.endpoint, DR);
    let error = dispatch(
        "describe_database",
        json!({"db_instance_id": "nothing-here"}),
        &env,
    )
    .await
    .unwrap_err();
    assert_eq!(error.name(), "DbInstanceNotFound");
    assert!(proxy.connections() > 0);
}
