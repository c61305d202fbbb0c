//! The database activities against moto's RDS and CloudWatch, over HTTP.

use crate::support::*;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use wfc_activities::check_replica::{self, CheckReplica, RpoVerdict};
use wfc_activities::create_replica::{self, CreateReplica};
use wfc_activities::describe_database::{self, DescribeDatabase};
use wfc_activities::failover_global_cluster::{self, FailoverGlobalCluster};
use wfc_activities::fence_primary::{self, FenceOutcome, MaintenanceOutcome};
use wfc_activities::promote_replica::{self, PromoteReplica};
use wfc_activities::retire_instance::{self, RetireInstance, RetireOutcome};
use wfc_activities::set_read_only::{self, SetReadOnly};
use wfc_activities::validate::parse;
use wfc_activities::{
    await_replica_in_sync as await_sync, await_replica_in_sync::AwaitReplicaInSync,
};
use wfc_lambda::invoke;

pub fn tests() -> Vec<Trial> {
    trials!["database":
        check_replica_within_limit,
        check_replica_lag_too_high_enforced,
        check_replica_unknown_lag_and_override,
        check_replica_minus_one_is_unknown,
        check_replica_not_a_replica_and_missing,
        promote_replica_happy_and_twice,
        promote_replica_missing,
        describe_database_instance_and_cluster,
        set_read_only_twice_and_default_group,
        fence_primary_read_only_with_maintenance,
        fence_primary_stop_and_isolate,
        fence_primary_refused_is_failed,
        fence_primary_unreachable_within_timeout,
        create_replica_cross_region_and_again,
        create_replica_id_in_use_and_kms,
        retire_instance_renames_stops_and_frees_the_name,
        await_replica_in_sync_paths,
        failover_global_cluster_moto_paths,
    ]
}

fn check_input(id: &str, limit: f64) -> check_replica::CheckReplicaInput {
    parse(json!({ "db_instance_id": id, "max_lag_seconds": limit })).unwrap()
}

async fn check_replica_within_limit() {
    let (p, r) = (unique("cr-p"), unique("cr-r"));
    primary_and_replica(&p, &r).await;
    replica_lag(DR, &r, 2.0).await;
    // Through the Lambda entry point: JSON in, JSON out.
    let out = invoke::<CheckReplica>(
        json!({"db_instance_id": r, "max_lag_seconds": 30}),
        &env(DR),
    )
    .await
    .unwrap();
    assert_eq!(out["is_replica"], true);
    assert_eq!(out["lag_known"], true);
    assert_eq!(out["lag_seconds"], 2.0);
    assert_eq!(out["rpo_verdict"], "within_limit");
    assert_eq!(out["promote_allowed"], true);
    assert_eq!(out["backups_enabled"], true);
    assert_eq!(out["engine"], "mysql");
}

async fn check_replica_lag_too_high_enforced() {
    let (p, r) = (unique("cr-p"), unique("cr-r"));
    primary_and_replica(&p, &r).await;
    replica_lag(DR, &r, 120.0).await;
    let e = env(DR);
    let report = check_replica::run(check_input(&r, 30.0), &e.database(None), &e.metrics(None))
        .await
        .unwrap();
    assert_eq!(report.rpo_verdict, RpoVerdict::TooHigh);
    assert!(!report.promote_allowed);
    let mut input = check_input(&r, 30.0);
    input.enforce = true;
    let result = check_replica::run(input, &e.database(None), &e.metrics(None)).await;
    assert_error::<CheckReplica, _>(result, "ReplicaLagTooHigh");
}

async fn check_replica_unknown_lag_and_override() {
    let (p, r) = (unique("cr-p"), unique("cr-r"));
    primary_and_replica(&p, &r).await;
    let e = env(DR);
    // No datapoint at all: what CloudWatch shows when the primary is gone.
    let mut input = check_input(&r, 30.0);
    input.enforce = true;
    let result = check_replica::run(input.clone(), &e.database(None), &e.metrics(None)).await;
    assert_error::<CheckReplica, _>(result, "ReplicaLagUnknown");
    input.rpo_override = Some(check_replica::RpoOverride {
        reason: "primary region lost, accepted by the on-call".into(),
    });
    let out = check_replica::run(input, &e.database(None), &e.metrics(None))
        .await
        .unwrap();
    assert_eq!(out.rpo_verdict, RpoVerdict::Unknown);
    assert!(!out.lag_known);
    assert_eq!(out.lag_seconds, None);
    assert!(out.override_used && out.promote_allowed);
}

async fn check_replica_minus_one_is_unknown() {
    let (p, r) = (unique("cr-p"), unique("cr-r"));
    primary_and_replica(&p, &r).await;
    replica_lag(DR, &r, -1.0).await;
    let e = env(DR);
    let out = check_replica::run(check_input(&r, 30.0), &e.database(None), &e.metrics(None))
        .await
        .unwrap();
    assert_eq!(out.rpo_verdict, RpoVerdict::Unknown, "-1 is not a lag");
    assert_eq!(out.lag_seconds, None);
    assert!(out.lag_detail.contains("-1"), "{}", out.lag_detail);
}

async fn check_replica_not_a_replica_and_missing() {
    let p = unique("cr-p");
    primary(&p, false).await;
    replica_lag(PRIMARY, &p, 0.0).await;
    let e = env(PRIMARY);
    let mut input = check_input(&p, 30.0);
    input.enforce = true;
    let result = check_replica::run(input, &e.database(None), &e.metrics(None)).await;
    assert_error::<CheckReplica, _>(result, "NotAReplica");
    let result = check_replica::run(
        check_input("nope", 30.0),
        &e.database(None),
        &e.metrics(None),
    )
    .await;
    assert_error::<CheckReplica, _>(result, "DbInstanceNotFound");
}

async fn promote_replica_happy_and_twice() {
    let (p, r) = (unique("pr-p"), unique("pr-r"));
    primary_and_replica(&p, &r).await;
    let input: promote_replica::PromoteReplicaInput =
        parse(json!({"db_instance_id": r, "backup_retention_days": 7})).unwrap();
    let db = env(DR).database(None);
    let first = promote_replica::run(input.clone(), &db).await.unwrap();
    assert!(first.promotion_started && !first.already_promoted);
    // Idempotency: the second run succeeds and changes nothing visible. moto's
    // promote_read_replica keeps ReadReplicaSourceDBInstanceIdentifier (it only flips an internal
    // flag), so here the second run asks RDS again and moto accepts; that the second run asks
    // nothing once RDS has cleared the source is shown over a fake port in
    // `logic::promote_twice_asks_once`.
    let before = rds(DR)
        .describe_db_instances()
        .db_instance_identifier(&r)
        .send()
        .await
        .unwrap();
    let second = promote_replica::run(input, &db).await.unwrap();
    let after = rds(DR)
        .describe_db_instances()
        .db_instance_identifier(&r)
        .send()
        .await
        .unwrap();
    assert_eq!(
        before.db_instances()[0].db_instance_status(),
        after.db_instances()[0].db_instance_status()
    );
    assert_eq!(
        before.db_instances()[0].read_replica_source_db_instance_identifier(),
        after.db_instances()[0].read_replica_source_db_instance_identifier()
    );
    assert_eq!(second.db_instance_id, r);
}

async fn promote_replica_missing() {
    let input: promote_replica::PromoteReplicaInput =
        parse(json!({"db_instance_id": "gone"})).unwrap();
    // Describe first: moto answers a promotion of a missing id with HTTP 500, RDS with
    // DBInstanceNotFound; describing first gives the right name on both.
    let result = promote_replica::run(input, &env(DR).database(None)).await;
    assert_error::<PromoteReplica, _>(result, "DbInstanceNotFound");
}

async fn describe_database_instance_and_cluster() {
    let (p, r) = (unique("dd-p"), unique("dd-r"));
    primary_and_replica(&p, &r).await;
    let db = env(DR).database(None);
    let out = describe_database::run(parse(json!({"db_instance_id": r})).unwrap(), &db)
        .await
        .unwrap();
    assert!(out.available && out.is_replica);
    assert!(out.endpoint.is_some() && out.port.is_some());
    let cluster = unique("dd-c");
    rds(DR)
        .create_db_cluster()
        .db_cluster_identifier(&cluster)
        .engine("aurora-mysql")
        .master_username("admin")
        .master_user_password("password-not-secret")
        .send()
        .await
        .unwrap();
    let out = describe_database::run(parse(json!({"db_cluster_id": cluster})).unwrap(), &db)
        .await
        .unwrap();
    assert_eq!(out.id, cluster);
    assert!(!out.is_replica);
    assert!(out.endpoint.is_some());
    let result =
        describe_database::run(parse(json!({"db_instance_id": "gone"})).unwrap(), &db).await;
    assert_error::<DescribeDatabase, _>(result, "DbInstanceNotFound");
    let result =
        describe_database::run(parse(json!({"db_cluster_id": "gone"})).unwrap(), &db).await;
    assert_error::<DescribeDatabase, _>(result, "DbClusterNotFound");
}

async fn set_read_only_twice_and_default_group() {
    let p = unique("ro-p");
    primary(&p, false).await;
    let db = env(PRIMARY).database(None);
    let input: set_read_only::SetReadOnlyInput = parse(json!({"db_instance_id": p})).unwrap();
    let first = set_read_only::run(input.clone(), &db).await.unwrap();
    assert!(first.changed && first.read_only);
    assert_eq!(first.parameter_group, format!("{p}-pg"));
    let second = set_read_only::run(input, &db).await.unwrap();
    assert!(!second.changed);
    assert_eq!(second.previous_value.as_deref(), Some("1"));
    let back: set_read_only::SetReadOnlyInput =
        parse(json!({"db_instance_id": p, "read_only": false})).unwrap();
    assert!(set_read_only::run(back, &db).await.unwrap().changed);
    let result = set_read_only::run(
        parse(json!({"db_instance_id": p, "parameter_group": "default.mysql8.0"})).unwrap(),
        &db,
    )
    .await;
    assert_error::<SetReadOnly, _>(result, "DefaultParameterGroup");
    let result = set_read_only::run(
        parse(json!({"db_instance_id": p, "parameter_group": "no-such-group"})).unwrap(),
        &db,
    )
    .await;
    assert_error::<SetReadOnly, _>(result, "ParameterGroupNotFound");
}

fn fence_input(
    id: &str,
    method: serde_json::Value,
    extra: serde_json::Value,
) -> fence_primary::FencePrimaryInput {
    let mut v = json!({"primary_region": PRIMARY, "db_instance_id": id, "method": method});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    parse(v).unwrap()
}

async fn fence_primary_read_only_with_maintenance() {
    let p = unique("fp-p");
    primary(&p, false).await;
    let flag = format!("/shop/{p}/maintenance");
    put_parameter(PRIMARY, &flag, "off").await;
    let e = env(DR);
    let (db, config) = (e.database(Some(PRIMARY)), e.config_store(Some(PRIMARY)));
    let input = fence_input(
        &p,
        json!({"kind": "read_only"}),
        json!({"maintenance": {"parameter_name": flag}}),
    );
    let out = fence_primary::run(input.clone(), &db, &config)
        .await
        .unwrap();
    assert_eq!(out.outcome, FenceOutcome::Fenced, "{}", out.detail);
    assert!(!out.already_fenced);
    assert_eq!(out.maintenance, MaintenanceOutcome::Set);
    assert_eq!(get_parameter(PRIMARY, &flag).await, "on");
    let again = fence_primary::run(input, &db, &config).await.unwrap();
    assert_eq!(again.outcome, FenceOutcome::Fenced);
    assert!(again.already_fenced);
}

async fn fence_primary_stop_and_isolate() {
    let (a, b) = (unique("fp-stop"), unique("fp-iso"));
    primary(&a, false).await;
    primary(&b, false).await;
    let e = env(DR);
    let (db, config) = (e.database(Some(PRIMARY)), e.config_store(Some(PRIMARY)));
    let out = fence_primary::run(
        fence_input(&a, json!({"kind": "stop"}), json!({})),
        &db,
        &config,
    )
    .await
    .unwrap();
    assert_eq!(out.outcome, FenceOutcome::Fenced, "{}", out.detail);
    assert_eq!(out.maintenance, MaintenanceOutcome::NotConfigured);
    let status = rds(PRIMARY)
        .describe_db_instances()
        .db_instance_identifier(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status.db_instances()[0].db_instance_status(),
        Some("stopped")
    );
    let again = fence_primary::run(
        fence_input(&a, json!({"kind": "stop"}), json!({})),
        &db,
        &config,
    )
    .await
    .unwrap();
    assert!(again.already_fenced);
    let isolate = json!({"kind": "isolate", "security_group_ids": ["sg-0fence"]});
    let out = fence_primary::run(fence_input(&b, isolate, json!({})), &db, &config)
        .await
        .unwrap();
    assert_eq!(out.outcome, FenceOutcome::Fenced, "{}", out.detail);
    let described = rds(PRIMARY)
        .describe_db_instances()
        .db_instance_identifier(&b)
        .send()
        .await
        .unwrap();
    let groups: Vec<_> = described.db_instances()[0]
        .vpc_security_groups()
        .iter()
        .filter_map(|g| g.vpc_security_group_id())
        .collect();
    assert_eq!(groups, ["sg-0fence"]);
}

async fn fence_primary_refused_is_failed() {
    // RDS refuses to stop a read replica: the region answered, so `failed`, not `unreachable`.
    let (p, r) = (unique("fp-p"), unique("fp-r"));
    primary_and_replica(&p, &r).await;
    let e = env(PRIMARY);
    let input: fence_primary::FencePrimaryInput =
        parse(json!({"primary_region": DR, "db_instance_id": r, "method": {"kind": "stop"}}))
            .unwrap();
    let out = fence_primary::run(input, &e.database(Some(DR)), &e.config_store(Some(DR)))
        .await
        .unwrap();
    assert_eq!(out.outcome, FenceOutcome::Failed, "{}", out.detail);
    let input = fence_input("never-existed", json!({"kind": "stop"}), json!({}));
    let out = fence_primary::run(input, &e.database(None), &e.config_store(None))
        .await
        .unwrap();
    assert_eq!(out.outcome, FenceOutcome::Failed);
    assert!(out.detail.contains("DbInstanceNotFound"), "{}", out.detail);
}

async fn fence_primary_unreachable_within_timeout() {
    // The primary region accepts connections and never answers.
    let dead = wfc_adapters::aws::AwsEnv::local(&silent_endpoint().await, PRIMARY);
    let input = fence_input(
        "shop-db",
        json!({"kind": "read_only"}),
        json!({"timeout_seconds": 2, "maintenance": {"parameter_name": "/shop/maintenance"}}),
    );
    let started = std::time::Instant::now();
    let out = fence_primary::run(input, &dead.database(None), &dead.config_store(None))
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(out.outcome, FenceOutcome::Unreachable, "{}", out.detail);
    assert_eq!(out.maintenance, MaintenanceOutcome::Unreachable);
    assert!(
        took < std::time::Duration::from_millis(3500),
        "took {took:?}"
    );
}

fn replica_input(source_arn: &str, replica: &str) -> create_replica::CreateReplicaInput {
    parse(json!({
        "source_db_arn": source_arn,
        "replica_id": replica,
        "instance_class": "db.t3.micro",
        "region": PRIMARY,
    }))
    .unwrap()
}

async fn create_replica_cross_region_and_again() {
    // Failback: the primary is now in the DR region; re-protect into the old primary region.
    let source = unique("cre-src");
    let group = format!("{source}-pg");
    parameter_group(&group).await;
    let arn = rds(DR)
        .create_db_instance()
        .db_instance_identifier(&source)
        .engine("mysql")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin")
        .master_user_password("password-not-secret")
        .db_parameter_group_name(&group)
        .send()
        .await
        .unwrap()
        .db_instance()
        .unwrap()
        .db_instance_arn()
        .unwrap()
        .to_string();
    let replica = unique("cre-rep");
    let e = env(DR);
    let (src, dst) = (e.database(Some(DR)), e.database(Some(PRIMARY)));
    let out = create_replica::run(replica_input(&arn, &replica), &src, &dst, PRIMARY)
        .await
        .unwrap();
    assert!(!out.already_existed);
    let described = rds(PRIMARY)
        .describe_db_instances()
        .db_instance_identifier(&replica)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.db_instances()[0].read_replica_source_db_instance_identifier(),
        Some(arn.as_str())
    );
    let again = create_replica::run(replica_input(&arn, &replica), &src, &dst, PRIMARY)
        .await
        .unwrap();
    assert!(again.already_existed);
    let result = create_replica::run(
        replica_input(
            "arn:aws:rds:us-west-2:123456789012:db:gone",
            &unique("cre-x"),
        ),
        &src,
        &dst,
        PRIMARY,
    )
    .await;
    assert_error::<CreateReplica, _>(result, "DbInstanceNotFound");
}

/// The failback's retirement of an old primary: renamed `-old1` and stopped, the name free for a
/// replica of the serving database; a second run keeps that replica (the successor) and names
/// the retired one; a second retirement takes `-old2`.
async fn retire_instance_renames_stops_and_frees_the_name() {
    let (old, serving) = (unique("ret-old"), unique("ret-src"));
    primary(&old, false).await;
    let serving_arn = primary(&serving, false).await;
    let db = env(DR).database(Some(PRIMARY));
    let input: retire_instance::RetireInstanceInput =
        parse(json!({"db_instance_id": old, "successor_of": serving_arn})).unwrap();
    let out = retire_instance::run(input.clone(), &db).await.unwrap();
    let retired = format!("{old}-old1");
    assert_eq!(out.outcome, RetireOutcome::Retired);
    assert_eq!(out.retired_id.as_deref(), Some(retired.as_str()));
    let status = |id: String| async move {
        rds(PRIMARY)
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .ok()
            .and_then(|o| o.db_instances()[0].db_instance_status().map(str::to_string))
    };
    assert_eq!(status(retired.clone()).await.as_deref(), Some("stopped"));
    assert_eq!(status(old.clone()).await, None, "the name is free");
    // Retried (a Lambda retry after the rename): the same retirement, nothing more.
    let again = retire_instance::run(input.clone(), &db).await.unwrap();
    assert_eq!(again.retired_id.as_deref(), Some(retired.as_str()));
    // The successor takes the name: a later run leaves it alone.
    rds(PRIMARY)
        .create_db_instance_read_replica()
        .db_instance_identifier(&old)
        .source_db_instance_identifier(&serving_arn)
        .db_instance_class("db.t3.micro")
        .send()
        .await
        .unwrap();
    let kept = retire_instance::run(input, &db).await.unwrap();
    assert_eq!(kept.outcome, RetireOutcome::Successor);
    assert_eq!(kept.retired_id.as_deref(), Some(retired.as_str()));
    assert_eq!(status(old.clone()).await.as_deref(), Some("available"));
    // A name retired twice (a second failback): `-old2`.
    let twice = unique("ret-twice");
    primary(&twice, false).await;
    let input: retire_instance::RetireInstanceInput =
        parse(json!({"db_instance_id": twice})).unwrap();
    retire_instance::run(input.clone(), &db).await.unwrap();
    // Its successor (moto names automated snapshots by instance and minute, so it is created
    // under another name and renamed).
    let successor = unique("ret-next");
    primary(&successor, false).await;
    rds(PRIMARY)
        .modify_db_instance()
        .db_instance_identifier(&successor)
        .new_db_instance_identifier(&twice)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let second = retire_instance::run(input, &db).await.unwrap();
    assert_eq!(second.retired_id, Some(format!("{twice}-old2")));
    let result = retire_instance::run(
        parse(json!({"db_instance_id": unique("ret-gone")})).unwrap(),
        &db,
    )
    .await;
    assert_error::<RetireInstance, _>(result, "DbInstanceNotFound");
    // A stopped instance (a `stop` fence) is refused at once, not retried while RDS cannot act.
    let stopped = unique("ret-stopped");
    primary(&stopped, false).await;
    rds(PRIMARY)
        .stop_db_instance()
        .db_instance_identifier(&stopped)
        .send()
        .await
        .unwrap();
    let result =
        retire_instance::run(parse(json!({"db_instance_id": stopped})).unwrap(), &db).await;
    assert_error::<RetireInstance, _>(result, "InvalidInput");
}

async fn create_replica_id_in_use_and_kms() {
    let taken = unique("cre-taken");
    primary(&taken, false).await;
    let encrypted = unique("cre-enc");
    let arn = primary(&encrypted, true).await;
    let e = env(DR);
    let (src, dst) = (e.database(Some(PRIMARY)), e.database(Some(DR)));
    let mut input = replica_input(&arn, &unique("cre-r"));
    input.region = Some(DR.into());
    let result = create_replica::run(input.clone(), &src, &dst, DR).await;
    assert_error::<CreateReplica, _>(result, "KmsKeyRequired");
    // An id already used in the target region by something that is not this source's replica.
    let (p2, r2) = (unique("cre-p2"), unique("cre-r2"));
    primary_and_replica(&p2, &r2).await;
    input.replica_id = r2;
    input.kms_key_id = Some("alias/rds-dr".into());
    let result = create_replica::run(input, &src, &dst, DR).await;
    assert_error::<CreateReplica, _>(result, "ReplicaIdInUse");
}

async fn await_replica_in_sync_paths() {
    let (p, r) = (unique("as-p"), unique("as-r"));
    primary_and_replica(&p, &r).await;
    let e = env(DR);
    let input: await_sync::AwaitReplicaInSyncInput =
        parse(json!({"db_instance_id": r, "max_lag_seconds": 1})).unwrap();
    let result = await_sync::run(input.clone(), &e.database(None), &e.metrics(None)).await;
    assert_error::<AwaitReplicaInSync, _>(result, "ReplicaNotInSync");
    replica_lag(DR, &r, 0.0).await;
    let out = await_sync::run(input, &e.database(None), &e.metrics(None))
        .await
        .unwrap();
    assert_eq!(out.lag_seconds, 0.0);
    let input: await_sync::AwaitReplicaInSyncInput = parse(json!({"db_instance_id": p})).unwrap();
    let pe = env(PRIMARY);
    let result = await_sync::run(input, &pe.database(None), &pe.metrics(None)).await;
    assert_error::<AwaitReplicaInSync, _>(result, "NotAReplica");
}

async fn failover_global_cluster_moto_paths() {
    // moto has no FailoverGlobalCluster or SwitchoverGlobalCluster (HTTP 500), and lists a
    // global cluster's source as IsWriter=false: the calls and the already-writer answer are
    // covered over a fake port (`logic::global_cluster_*`). Against moto: lookup and membership.
    let cluster = unique("gc-src");
    let arn = rds(PRIMARY)
        .create_db_cluster()
        .db_cluster_identifier(&cluster)
        .engine("aurora-mysql")
        .master_username("admin")
        .master_user_password("password-not-secret")
        .send()
        .await
        .unwrap()
        .db_cluster()
        .unwrap()
        .db_cluster_arn()
        .unwrap()
        .to_string();
    let global = unique("gc");
    rds(PRIMARY)
        .create_global_cluster()
        .global_cluster_identifier(&global)
        .source_db_cluster_identifier(&arn)
        .send()
        .await
        .unwrap();
    let db = env(PRIMARY).database(None);
    let input = |target: &str| -> failover_global_cluster::FailoverGlobalClusterInput {
        parse(
            json!({"global_cluster_id": global, "target_cluster_arn": target, "mode": "failover"}),
        )
        .unwrap()
    };
    let result = failover_global_cluster::run(
        input("arn:aws:rds:us-west-2:123456789012:cluster:not-a-member"),
        &db,
    )
    .await;
    assert_error::<FailoverGlobalCluster, _>(result, "NotAGlobalClusterMember");
    let mut missing = input(&arn);
    missing.global_cluster_id = "gone".into();
    let result = failover_global_cluster::run(missing, &db).await;
    assert_error::<FailoverGlobalCluster, _>(result, "GlobalClusterNotFound");
}
