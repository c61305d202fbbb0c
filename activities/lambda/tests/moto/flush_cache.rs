//! `flush_cache` against a real redis-server on 127.0.0.1 (`wfc_testkit::RedisServer`; moto has
//! no Redis). The AUTH secret comes from moto's Secrets Manager.

use crate::support::*;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use wfc_activities::flush_cache::{self, FlushCache, FlushCacheInput};
use wfc_activities::validate::parse;
use wfc_adapters::net::RedisKeys;
use wfc_testkit::RedisServer;

pub fn tests() -> Vec<Trial> {
    trials!["flush_cache":
        flushes_one_database_only,
        replica_refuses_and_is_retryable,
        unreachable_cache,
        missing_auth_secret,
        input_refused_before_connecting,
    ]
}

fn input(port: u16, database: u32) -> FlushCacheInput {
    parse(json!({
        "host": "127.0.0.1", "port": port, "tls": false, "database": database,
        "timeout_seconds": 5,
    }))
    .unwrap()
}

/// Connections the server has accepted so far (this redis-cli call included).
fn connections(redis: &RedisServer) -> u64 {
    let stats = redis.cli(&["INFO", "stats"]);
    stats
        .lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("total_connections_received in INFO stats")
}

async fn flushes_one_database_only() {
    let redis = RedisServer::start();
    // db 1 is the shop's object cache; db 0 belongs to something else on the same server.
    let shop_keys = [
        "wp:options:alloptions",
        "wp:wc_session:7",
        "wp:transient:wc_products",
    ];
    let mut mset = vec!["-n", "1", "MSET"];
    for key in &shop_keys {
        mset.extend([*key, "stale"]);
    }
    assert_eq!(redis.cli(&mset), "OK");
    assert_eq!(redis.cli(&["-n", "0", "SET", "queue:jobs", "keep"]), "OK");
    let config = env(DR).config_store(None);
    let out = flush_cache::run(input(redis.port(), 1), &config, &RedisKeys)
        .await
        .unwrap();
    assert_eq!(out.keys_before, 3);
    assert_eq!(out.database, 1);
    assert!(out.flushed);
    assert_eq!(redis.cli(&["-n", "1", "DBSIZE"]), "0");
    assert_eq!(redis.cli(&["-n", "0", "DBSIZE"]), "1");
    assert_eq!(redis.cli(&["-n", "0", "GET", "queue:jobs"]), "keep");
    // Again: nothing left to count, still a success.
    let again = flush_cache::run(input(redis.port(), 1), &config, &RedisKeys)
        .await
        .unwrap();
    assert_eq!(again.keys_before, 0);
}

async fn replica_refuses_and_is_retryable() {
    // A DR cache that is still a replica (its promotion not finished) refuses writes: READONLY.
    let primary = RedisServer::start();
    let replica = RedisServer::start();
    let port = primary.port().to_string();
    assert_eq!(replica.cli(&["REPLICAOF", "127.0.0.1", &port]), "OK");
    let config = env(DR).config_store(None);
    let result = flush_cache::run(input(replica.port(), 0), &config, &RedisKeys).await;
    let error = assert_error::<FlushCache, _>(result, "CacheUnavailable");
    assert!(error.to_string().contains("READONLY"), "{error}");
    assert!(error.is_retryable());
}

async fn unreachable_cache() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = env(DR).config_store(None);
    let result = flush_cache::run(input(port, 1), &config, &RedisKeys).await;
    let error = assert_error::<FlushCache, _>(result, "CacheUnavailable");
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
    assert!(error.is_retryable());
}

async fn missing_auth_secret() {
    let redis = RedisServer::start();
    let before = connections(&redis);
    let secret = unique("no-such-redis-auth");
    let with_secret: FlushCacheInput = parse(json!({
        "host": "127.0.0.1", "port": redis.port(), "tls": false,
        "auth_token_secret_id": secret,
    }))
    .unwrap();
    let config = env(DR).config_store(None);
    let result = flush_cache::run(with_secret, &config, &RedisKeys).await;
    assert_error::<FlushCache, _>(result, "ConfigNotFound");
    // Only the second INFO call connected: the activity never did.
    assert_eq!(connections(&redis), before + 1);
}

async fn input_refused_before_connecting() {
    let redis = RedisServer::start();
    assert_eq!(redis.cli(&["-n", "0", "SET", "k", "v"]), "OK");
    let before = connections(&redis);
    let config = env(DR).config_store(None);
    let cases = [
        (
            json!({"host": "127.0.0.1", "port": redis.port(), "database": 16}),
            "database",
        ),
        (json!({"host": "127.0.0.1", "port": 0}), "port"),
        (
            json!({"host": "127.0.0.1", "port": redis.port(), "timeout_seconds": 0}),
            "timeout_seconds",
        ),
        (
            json!({"host": "redis://127.0.0.1", "port": redis.port()}),
            "host",
        ),
    ];
    for (payload, field) in cases {
        let input: FlushCacheInput = parse(payload).unwrap();
        let result = flush_cache::run(input, &config, &RedisKeys).await;
        let error = assert_error::<FlushCache, _>(result, "InvalidInput");
        assert!(error.to_string().contains(&format!("`{field}`")), "{error}");
    }
    assert_eq!(connections(&redis), before + 1);
    assert_eq!(redis.cli(&["-n", "0", "DBSIZE"]), "1");
}
