//! Malformed input is refused before anything is asked: no secret read, no connection. Fake
//! ports count the calls (a real server could not show that nothing reached it).

use crate::support::call;
use crate::trials;
use async_trait::async_trait;
use libtest_mimic::Trial;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::config::SecretValue;
use wfc_activities::ports::mysql::{MySqlServer, SessionMode};
use wfc_activities::ports::{ConfigStore, MySql, MySqlSession};
use wfc_activities::reconcile_gap::{self, ReconcileGap, ReconcileGapOutput};
use wfc_activities::reserve_order_ids::{self, ReserveOrderIdsOutput};
use wfc_activities::validate::parse;
use wfc_activities::{check_replica, describe_database, fence_primary, promote_replica};

pub fn tests() -> Vec<Trial> {
    trials!["invalid_input": refused_before_any_call, unknown_fields_are_refused]
}

/// Counts every call; answers none.
#[derive(Default)]
struct Counting {
    calls: AtomicUsize,
}

impl Counting {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn called(&self) -> ActivityError {
        self.calls.fetch_add(1, Ordering::SeqCst);
        ActivityError::DatabaseUnreachable {
            server: "fake".into(),
            detail: "called".into(),
        }
    }
}

#[async_trait]
impl ConfigStore for Counting {
    async fn parameter(&self, _: &str) -> Result<Option<(SecretValue, bool)>> {
        Err(self.called())
    }
    async fn put_parameter(&self, _: &str, _: &str, _: bool) -> Result<()> {
        Err(self.called())
    }
    async fn secret(&self, _: &str) -> Result<Option<SecretValue>> {
        Err(self.called())
    }
    async fn put_secret(&self, _: &str, _: &SecretValue) -> Result<()> {
        Err(self.called())
    }
}

#[async_trait]
impl MySql for Counting {
    async fn connect(&self, _: &MySqlServer, _: SessionMode) -> Result<Box<dyn MySqlSession>> {
        Err(self.called())
    }
}

fn connection() -> Value {
    json!({"host": "db.internal.example", "secret_id": "shop/db"})
}

/// The error is `InvalidInput` at `field`.
#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T>, field: &str) {
    match result {
        Err(ActivityError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected InvalidInput at {field}, got {other:?}"),
    }
}

async fn refused_before_any_call() {
    let fake = Counting::default();
    let reserve = |changes: Value| {
        let mut input = json!({"connection": connection(), "margin": 1_000_000});
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        parse::<reserve_order_ids::ReserveOrderIdsInput>(input).unwrap()
    };
    for (changes, field) in [
        (json!({"table_prefix": "wp_;DROP"}), "table_prefix"),
        (json!({"table_prefix": ""}), "table_prefix"),
        (json!({"margin": 0}), "margin"),
        (json!({"margin": 1_000_000_001u64}), "margin"),
        (json!({"extra_tables": ["plugin`log"]}), "extra_tables[0]"),
        (
            json!({"connection": {"host": "db;x", "secret_id": "s"}}),
            "connection.host",
        ),
        (
            json!({"connection": {"host": "db", "secret_id": " "}}),
            "connection.secret_id",
        ),
        (
            json!({"connection": {"host": "db", "secret_id": "s", "database": "wp`x"}}),
            "connection.database",
        ),
        (
            json!({"connection": {"host": "db", "secret_id": "s", "region": "mars"}}),
            "connection.region",
        ),
    ] {
        let result: Result<ReserveOrderIdsOutput> =
            reserve_order_ids::run(reserve(changes), &fake, &fake).await;
        assert_invalid(result, field);
    }

    let gap = |changes: Value| {
        let mut input = json!({
            "old_primary": connection(),
            "new_primary": {"host": "db2.internal.example", "secret_id": "shop/db"},
        });
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        parse::<reconcile_gap::ReconcileGapInput>(input).unwrap()
    };
    for (changes, field) in [
        (json!({"table_prefix": "wp_;DROP"}), "table_prefix"),
        (json!({"new_primary": connection()}), "new_primary"),
        (
            json!({"old_primary": {"host": "", "secret_id": "s"}}),
            "old_primary.host",
        ),
    ] {
        let result: Result<ReconcileGapOutput> =
            reconcile_gap::run(gap(changes), &fake, &fake, &fake).await;
        assert_invalid(result, field);
    }

    let bad = json!({"host": "db", "port": 0, "secret_id": "s"});
    let check =
        parse(json!({"db_instance_id": "r", "max_lag_seconds": 1, "self_managed": bad})).unwrap();
    assert_invalid(
        check_replica::run_self_managed(check, &fake, &fake).await,
        "self_managed.port",
    );
    let promote = parse(json!({"db_instance_id": "r", "self_managed": bad})).unwrap();
    assert_invalid(
        promote_replica::run_self_managed(promote, &fake, &fake).await,
        "self_managed.port",
    );
    let describe = parse(json!({"db_cluster_id": "c", "self_managed": connection()})).unwrap();
    assert_invalid(
        describe_database::run_self_managed(describe, &fake, &fake).await,
        "db_cluster_id",
    );
    let fence = parse(json!({
        "primary_region": "us-east-1",
        "db_instance_id": "p",
        "method": {"kind": "read_only_server", "connection": bad},
    }))
    .unwrap();
    assert_invalid(
        fence_primary::run_self_managed(fence, &fake, &fake, &fake).await,
        "method.connection.port",
    );
    assert_eq!(fake.calls(), 0, "a call was made for malformed input");
}

async fn unknown_fields_are_refused() {
    // Through the Lambda wiring: a misspelt field is named, nothing is called.
    let error = call::<ReconcileGap, ReconcileGapOutput>(json!({
        "old_primary": connection(),
        "new_primary": {"host": "db2", "secret_id": "s", "passwd": "x"},
    }))
    .await
    .unwrap_err();
    match error {
        ActivityError::InvalidInput { field, .. } => assert_eq!(field, "new_primary.passwd"),
        other => panic!("{other:?}"),
    }
}
