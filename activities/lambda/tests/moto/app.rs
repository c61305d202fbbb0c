//! The application side: configuration, compute, smoke tests, cache, media and notifications.

use crate::redis_fake::FakeRedis;
use crate::support::*;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use wfc_activities::check_media_replication::{self, CheckMediaReplication, MediaVerdict};
use wfc_activities::notify::{self, Notify};
use wfc_activities::prepare_cache::{self, PrepareCache};
use wfc_activities::repoint_app::{self, RepointApp};
use wfc_activities::scale_compute::{self, ScaleCompute};
use wfc_activities::smoke_test::{self, SmokeTest};
use wfc_activities::validate::parse;

pub fn tests() -> Vec<Trial> {
    trials!["app":
        repoint_app_ssm_twice,
        repoint_app_secret_keeps_other_keys,
        repoint_app_missing_and_malformed,
        scale_compute_asg_twice_and_limits,
        scale_compute_ecs,
        smoke_test_passes_and_fails,
        prepare_cache_flushes_stale_keys,
        check_media_replication_paths,
        notify_sns_and_webhook,
        notify_failures,
    ]
}

async fn repoint_app_ssm_twice() {
    let name = format!("/shop/{}/db_host", unique("ra"));
    put_parameter(DR, &name, "shop-db.east.rds.amazonaws.com").await;
    let config = env(DR).config_store(None);
    let input: repoint_app::RepointAppInput = parse(json!({
        "store": "ssm", "name": name, "endpoint": "shop-db-replica.west.rds.amazonaws.com",
    }))
    .unwrap();
    let out = repoint_app::run(input.clone(), &config).await.unwrap();
    assert!(out.changed);
    assert_eq!(
        out.previous_value.as_deref(),
        Some("shop-db.east.rds.amazonaws.com")
    );
    assert_eq!(
        get_parameter(DR, &name).await,
        "shop-db-replica.west.rds.amazonaws.com"
    );
    let again = repoint_app::run(input, &config).await.unwrap();
    assert!(!again.changed);
}

async fn repoint_app_secret_keeps_other_keys() {
    let name = unique("shop-db-credentials");
    let password = "s3cr3t-Pa55word";
    create_secret(
        DR,
        &name,
        &json!({"username": "shop", "password": password, "host": "old.east.rds.amazonaws.com", "port": 3306})
            .to_string(),
    )
    .await;
    let input: repoint_app::RepointAppInput = parse(json!({
        "store": "secrets_manager", "name": name, "endpoint": "new.west.rds.amazonaws.com", "port": 3307,
    }))
    .unwrap();
    let out = repoint_app::run(input, &env(DR).config_store(None))
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(
        out.previous_value.as_deref(),
        Some("old.east.rds.amazonaws.com:3306")
    );
    assert!(
        !serde_json::to_string(&out).unwrap().contains(password),
        "no secret in the output"
    );
    let stored = secrets(DR)
        .get_secret_value()
        .secret_id(&name)
        .send()
        .await
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(stored.secret_string().unwrap()).unwrap();
    assert_eq!(stored["host"], "new.west.rds.amazonaws.com");
    assert_eq!(stored["port"], 3307);
    assert_eq!(stored["password"], password);
    assert_eq!(stored["username"], "shop");
}

async fn repoint_app_missing_and_malformed() {
    let config = env(DR).config_store(None);
    let input: repoint_app::RepointAppInput =
        parse(json!({"store": "ssm", "name": "/shop/none", "endpoint": "db.example.com"})).unwrap();
    assert_error::<RepointApp, _>(repoint_app::run(input, &config).await, "ConfigNotFound");
    let name = unique("not-json");
    create_secret(DR, &name, "host=db;password=hunter2").await;
    let input: repoint_app::RepointAppInput =
        parse(json!({"store": "secrets_manager", "name": name, "endpoint": "db.example.com"}))
            .unwrap();
    let error =
        assert_error::<RepointApp, _>(repoint_app::run(input, &config).await, "SecretMalformed");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

async fn asg(name: &str, max: i32) {
    let autoscaling = aws_sdk_autoscaling::Client::new(&env(DR).config(None));
    let lc = format!("{name}-lc");
    autoscaling
        .create_launch_configuration()
        .launch_configuration_name(&lc)
        .image_id("ami-12c6146b")
        .instance_type("t3.micro")
        .send()
        .await
        .unwrap();
    autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_configuration_name(&lc)
        .min_size(0)
        .max_size(max)
        .desired_capacity(0)
        .availability_zones("us-west-2a")
        .send()
        .await
        .unwrap();
}

async fn scale_compute_asg_twice_and_limits() {
    let name = unique("shop-web");
    asg(&name, 4).await;
    let compute = env(DR).compute(None);
    let input = |n: u32| -> scale_compute::ScaleComputeInput {
        parse(json!({"target": {"kind": "auto_scaling_group", "name": name}, "desired": n}))
            .unwrap()
    };
    let first = scale_compute::run(input(2), &compute).await.unwrap();
    assert!(first.changed);
    assert_eq!(
        (first.previous_desired, first.desired, first.in_service),
        (0, 2, 2)
    );
    // Idempotency: at the target already, nothing is asked and nothing changes.
    let second = scale_compute::run(input(2), &compute).await.unwrap();
    assert!(!second.changed);
    assert_eq!((second.previous_desired, second.in_service), (2, 2));
    let result = scale_compute::run(input(9), &compute).await;
    assert_error::<ScaleCompute, _>(result, "CapacityAboveMaximum");
    let missing: scale_compute::ScaleComputeInput =
        parse(json!({"target": {"kind": "auto_scaling_group", "name": "nope"}, "desired": 1}))
            .unwrap();
    assert_error::<ScaleCompute, _>(
        scale_compute::run(missing, &compute).await,
        "ComputeTargetNotFound",
    );
}

async fn scale_compute_ecs() {
    let ecs = aws_sdk_ecs::Client::new(&env(DR).config(None));
    let cluster = unique("shop-cluster");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    let family = unique("shop-php");
    ecs.register_task_definition()
        .family(&family)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("php")
                .image("wordpress:php8.3-fpm")
                .memory(512)
                .build(),
        )
        .send()
        .await
        .unwrap();
    ecs.create_service()
        .cluster(&cluster)
        .service_name("web")
        .task_definition(&family)
        .desired_count(0)
        .send()
        .await
        .unwrap();
    let compute = env(DR).compute(None);
    let input: scale_compute::ScaleComputeInput = parse(json!({
        "target": {"kind": "ecs_service", "cluster": cluster, "service": "web"}, "desired": 3,
    }))
    .unwrap();
    let first = scale_compute::run(input.clone(), &compute).await.unwrap();
    assert!(first.changed);
    assert_eq!(first.previous_desired, 0);
    let second = scale_compute::run(input, &compute).await.unwrap();
    assert!(!second.changed);
    assert_eq!(second.previous_desired, 3);
    let missing: scale_compute::ScaleComputeInput = parse(json!({
        "target": {"kind": "ecs_service", "cluster": "no-cluster", "service": "web"}, "desired": 1,
    }))
    .unwrap();
    assert_error::<ScaleCompute, _>(
        scale_compute::run(missing, &compute).await,
        "ComputeTargetNotFound",
    );
}

async fn smoke_test_passes_and_fails() {
    let (base, _) = http_server(vec![
        (
            "/wp-json/wc/store/v1/products",
            200,
            r#"[{"id":1,"prices":{"price":"1000"}}]"#,
        ),
        ("/down", 503, "maintenance"),
        ("/", 200, "<title>Shop</title> WooCommerce"),
    ])
    .await;
    let http = env(DR).http();
    let pass: smoke_test::SmokeTestInput = parse(json!({"checks": [
        {"url": format!("{base}/wp-json/wc/store/v1/products?per_page=1"), "body_contains": "prices"},
        {"url": format!("{base}/"), "body_contains": "WooCommerce"},
    ]}))
    .unwrap();
    let out = smoke_test::run(pass, &http).await.unwrap();
    assert!(out.passed && out.results.iter().all(|r| r.ok));
    assert!(
        !out.results[0].url.contains("per_page"),
        "queries are not repeated"
    );
    let fail: smoke_test::SmokeTestInput = parse(json!({"checks": [
        {"url": format!("{base}/down")},
        {"url": format!("{base}/"), "body_contains": "Checkout"},
        {"url": format!("{base}/slow"), "timeout_ms": 300},
    ]}))
    .unwrap();
    let error = assert_error::<SmokeTest, _>(smoke_test::run(fail, &http).await, "SmokeTestFailed");
    let message = error.to_string();
    assert!(message.contains("status 503"), "{message}");
    assert!(message.contains("lacks \"Checkout\""), "{message}");
    assert!(message.contains("no answer within 300 ms"), "{message}");
}

async fn prepare_cache_flushes_stale_keys() {
    // moto has no Redis: a RESP stand-in on 127.0.0.1 (tests/moto/redis_fake.rs). The global
    // datastore failover is not in moto either (logic::prepare_cache_global_datastore).
    let keys: Vec<String> = (0..1200).map(|i| format!("wp:wc_session:{i}")).collect();
    let mut all: Vec<&str> = keys.iter().map(String::as_str).collect();
    all.extend(["wp:transient:feed", "wp:posts:1", "wp:options:alloptions"]);
    let redis = FakeRedis::start(&all, Some("cache-token-1")).await;
    let secret = unique("redis-auth");
    create_secret(DR, &secret, "cache-token-1").await;
    let input: prepare_cache::PrepareCacheInput = parse(json!({
        "mode": "flush_keys", "host": "127.0.0.1", "port": redis.port, "tls": false,
        "patterns": ["wp:wc_session:*", "wp:transient:*"], "auth_token_secret_id": secret,
    }))
    .unwrap();
    let e = env(DR);
    let (cache, config) = (e.global_cache(None), e.config_store(None));
    let out = prepare_cache::run(
        input.clone(),
        &cache,
        &config,
        &wfc_adapters::net::RedisKeys,
    )
    .await
    .unwrap();
    assert_eq!(out.keys_deleted, Some(1201));
    assert_eq!(redis.keys(), ["wp:options:alloptions", "wp:posts:1"]);
    let again = prepare_cache::run(input, &cache, &config, &wfc_adapters::net::RedisKeys)
        .await
        .unwrap();
    assert_eq!(again.keys_deleted, Some(0));
    assert!(again.already_done);
    // A wrong token: the cache refuses, and the token is not in the message.
    let wrong = unique("redis-auth");
    create_secret(DR, &wrong, "not-the-token").await;
    let input: prepare_cache::PrepareCacheInput = parse(json!({
        "mode": "flush_keys", "host": "127.0.0.1", "port": redis.port, "tls": false,
        "patterns": ["wp:wc_session:*"], "auth_token_secret_id": wrong,
    }))
    .unwrap();
    let result = prepare_cache::run(input, &cache, &config, &wfc_adapters::net::RedisKeys).await;
    let error = assert_error::<PrepareCache, _>(result, "CacheUnavailable");
    assert!(!error.to_string().contains("not-the-token"));
}

async fn media_buckets(source: &str, destination: &str, replicate: bool) -> aws_sdk_s3::Client {
    use aws_sdk_s3::types::*;
    let config = env(PRIMARY).config(None);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    for bucket in [source, destination] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
        s3.put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    if replicate {
        let rule = ReplicationRule::builder()
            .id("media")
            .status(ReplicationRuleStatus::Enabled)
            .priority(1)
            .filter(ReplicationRuleFilter::builder().prefix("").build())
            .delete_marker_replication(
                DeleteMarkerReplication::builder()
                    .status(DeleteMarkerReplicationStatus::Disabled)
                    .build(),
            )
            .destination(
                Destination::builder()
                    .bucket(format!("arn:aws:s3:::{destination}"))
                    .metrics(
                        Metrics::builder()
                            .status(MetricsStatus::Enabled)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        s3.put_bucket_replication()
            .bucket(source)
            .replication_configuration(
                ReplicationConfiguration::builder()
                    .role("arn:aws:iam::123456789012:role/s3-crr")
                    .rules(rule)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    s3
}

async fn pending(source: &str, destination: &str, metric: &str, value: f64) {
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
    let dims = [
        ("SourceBucket", source),
        ("DestinationBucket", destination),
        ("RuleId", "media"),
    ];
    let datum = MetricDatum::builder()
        .metric_name(metric)
        .set_dimensions(Some(
            dims.iter()
                .map(|(n, v)| Dimension::builder().name(*n).value(*v).build())
                .collect(),
        ))
        .value(value)
        .timestamp(aws_sdk_cloudwatch::primitives::DateTime::from(
            std::time::SystemTime::now(),
        ))
        .build();
    cloudwatch(PRIMARY)
        .put_metric_data()
        .namespace("AWS/S3")
        .metric_data(datum)
        .send()
        .await
        .unwrap();
}

async fn check_media_replication_paths() {
    let (src, dst) = (unique("media-east"), unique("media-west"));
    media_buckets(&src, &dst, true).await;
    let e = env(PRIMARY);
    let (objects, metrics) = (e.object_replication(None), e.metrics(None));
    let input = |blocking: bool| -> check_media_replication::CheckMediaReplicationInput {
        parse(json!({
            "source_bucket": src, "destination_bucket": dst,
            "max_pending_operations": 1000, "blocking": blocking,
        }))
        .unwrap()
    };
    let unknown = check_media_replication::run(input(true), &objects, &metrics)
        .await
        .unwrap();
    assert!(unknown.configured && unknown.metrics_enabled);
    assert_eq!(unknown.verdict, MediaVerdict::BacklogUnknown);
    pending(&src, &dst, "OperationsPendingReplication", 12.0).await;
    let ok = check_media_replication::run(input(true), &objects, &metrics)
        .await
        .unwrap();
    assert_eq!(ok.verdict, MediaVerdict::Ok);
    assert_eq!(ok.pending_operations, Some(12.0));
    pending(&src, &dst, "OperationsPendingReplication", 50_000.0).await;
    let report = check_media_replication::run(input(false), &objects, &metrics)
        .await
        .unwrap();
    assert_eq!(report.verdict, MediaVerdict::BacklogTooHigh);
    let result = check_media_replication::run(input(true), &objects, &metrics).await;
    assert_error::<CheckMediaReplication, _>(result, "MediaReplicationBacklogTooHigh");
    let (plain, other) = (unique("media-plain"), unique("media-x"));
    media_buckets(&plain, &other, false).await;
    let not: check_media_replication::CheckMediaReplicationInput =
        parse(json!({"source_bucket": plain, "blocking": true})).unwrap();
    let result = check_media_replication::run(not, &objects, &metrics).await;
    assert_error::<CheckMediaReplication, _>(result, "MediaReplicationNotConfigured");
    let missing: check_media_replication::CheckMediaReplicationInput =
        parse(json!({"source_bucket": unique("no-bucket")})).unwrap();
    let result = check_media_replication::run(missing, &objects, &metrics).await;
    assert_error::<CheckMediaReplication, _>(result, "BucketNotFound");
}

async fn notify_sns_and_webhook() {
    let sns = aws_sdk_sns::Client::new(&env(DR).config(None));
    let topic = sns
        .create_topic()
        .name(unique("dr-events"))
        .send()
        .await
        .unwrap();
    let topic = topic.topic_arn().unwrap().to_string();
    let (base, mut bodies) = http_server(vec![("/hooks/", 200, "ok")]).await;
    let secret = unique("slack-webhook");
    create_secret(DR, &secret, &format!("{base}/hooks/T000/B000/XXXX")).await;
    let input: notify::NotifyInput = parse(json!({
        "incident_id": "INC-42", "event": "failover.completed", "severity": "critical",
        "summary": "Shop serves from us-west-2", "details": {"lag_seconds": 3, "rto_seconds": 412},
        "topic_arn": topic, "webhook_secret_id": secret,
    }))
    .unwrap();
    let e = env(DR);
    let out = notify::run(input, &e.notifier(None), &e.config_store(None))
        .await
        .unwrap();
    assert!(out.message_id.is_some());
    assert_eq!(out.webhook_status, Some(200));
    assert!(out.failures.is_empty());
    let body: serde_json::Value = serde_json::from_str(&bodies.recv().await.unwrap()).unwrap();
    assert!(body["text"]
        .as_str()
        .unwrap()
        .contains("failover.completed"));
    assert_eq!(body["wfc"]["details"]["rto_seconds"], 412);
}

async fn notify_failures() {
    let e = env(DR);
    let (notifier, config) = (e.notifier(None), e.config_store(None));
    let missing: notify::NotifyInput = parse(json!({
        "incident_id": "INC-43", "event": "failover.started", "severity": "warning", "summary": "s",
        "topic_arn": "arn:aws:sns:us-west-2:123456789012:no-such-topic",
    }))
    .unwrap();
    assert_error::<Notify, _>(
        notify::run(missing, &notifier, &config).await,
        "TopicNotFound",
    );
    // The webhook answers 500 while SNS works: reported, not raised.
    let sns = aws_sdk_sns::Client::new(&e.config(None));
    let topic = sns
        .create_topic()
        .name(unique("dr-events"))
        .send()
        .await
        .unwrap();
    let (base, _) = http_server(vec![("/hooks/", 500, "boom")]).await;
    let secret = unique("slack-webhook");
    create_secret(DR, &secret, &format!("{base}/hooks/secret-path")).await;
    let both: notify::NotifyInput = parse(json!({
        "incident_id": "INC-43", "event": "failover.started", "severity": "warning", "summary": "s",
        "topic_arn": topic.topic_arn().unwrap(), "webhook_secret_id": secret,
    }))
    .unwrap();
    let out = notify::run(both, &notifier, &config).await.unwrap();
    assert!(out.message_id.is_some());
    assert_eq!(out.failures.len(), 1);
    assert!(
        !out.failures[0].contains("secret-path"),
        "{:?}",
        out.failures
    );
    let only_webhook: notify::NotifyInput = parse(json!({
        "incident_id": "INC-43", "event": "failover.started", "severity": "warning", "summary": "s",
        "webhook_secret_id": secret,
    }))
    .unwrap();
    assert_error::<Notify, _>(
        notify::run(only_webhook, &notifier, &config).await,
        "WebhookFailed",
    );
}
