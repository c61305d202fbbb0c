//! A replication gap end to end: orders on the primary, replication cut, three more orders (the
//! gap), the replica promoted through the self-managed `promote_replica`, `reserve_order_ids` on
//! it, a new order there, and `reconcile_gap` listing exactly the gap without writing anywhere.

use crate::support::{
    call, closed_connection, connection, db_secret, dr_account, fingerprint, DR_PASSWORD, DR_USER,
};
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use sha2::{Digest, Sha256};
use wfc_activities::describe_database::{DatabaseStatus, DescribeDatabase};
use wfc_activities::ports::config::SecretValue;
use wfc_activities::ports::mysql::{MySqlServer, SessionMode};
use wfc_activities::ports::MySql;
use wfc_activities::promote_replica::{PromoteReplica, PromoteReplicaOutput};
use wfc_activities::reconcile_gap::{ReconcileGap, ReconcileGapOutput};
use wfc_activities::reserve_order_ids::{ReserveOrderIds, ReserveOrderIdsOutput};
use wfc_adapters::net::MySqlClient;
use wfc_testkit::{create_order, MariaDb, MariaDbPair};

pub fn tests() -> Vec<Trial> {
    trials!["gap": gap_orders_reserved_ids_and_reconciliation, reconcile_old_primary_unreachable]
}

/// The highest value of `column` in `table`.
fn max_id(db: &MariaDb, table: &str, column: &str) -> u64 {
    db.value(&format!("SELECT COALESCE(MAX({column}), 0) FROM {table}"))
        .parse()
        .unwrap()
}

fn stock(db: &MariaDb, product: u64) -> String {
    db.value(&format!(
        "SELECT meta_value FROM wp_postmeta WHERE post_id = {product} AND meta_key = '_stock'"
    ))
}

async fn gap_orders_reserved_ids_and_reconciliation() {
    let pair = MariaDbPair::start();
    dr_account(&pair);
    let (old, new) = (&pair.primary, &pair.replica);
    let secret = db_secret().await;
    let replica = connection(new, &secret);

    // Orders that replicate, then the gap: three orders only the old primary has.
    create_order(old, "dana@example.net", "25.00", 10, 1);
    create_order(old, "eve@example.net", "12.50", 12, 1);
    pair.wait_in_sync();
    pair.cut_replication();
    let gap = [
        create_order(old, "Gap.One@Example.net", "50.00", 10, 2),
        create_order(old, "gap.two@example.net", "15.00", 11, 1),
        create_order(old, "gap.three@example.net", "30.00", 11, 2),
    ];

    // Before promotion: a replica, read-only; reserving ids there is refused (retryable).
    let status: DatabaseStatus = call::<DescribeDatabase, _>(json!({"self_managed": replica}))
        .await
        .unwrap();
    assert!(status.is_replica && !status.available, "{status:?}");
    assert_eq!(status.writable, Some(false));
    assert_eq!(status.engine, "mariadb");
    let refused = call::<ReserveOrderIds, ReserveOrderIdsOutput>(
        json!({"connection": replica, "margin": 1_000_000}),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.name(), "DatabaseNotWritable", "{refused}");
    assert!(refused.is_retryable());

    // Promotion: replication stopped and forgotten, read_only off; a retry changes nothing.
    let promoted: PromoteReplicaOutput = call::<PromoteReplica, _>(
        json!({"db_instance_id": "shop-replica", "self_managed": replica}),
    )
    .await
    .unwrap();
    assert!(
        promoted.promotion_started && !promoted.already_promoted,
        "{promoted:?}"
    );
    assert_eq!(promoted.status, "replica");
    assert!(new.replica_status().is_none(), "still a replica");
    assert_eq!(new.value("SELECT @@GLOBAL.read_only"), "0");
    let again: PromoteReplicaOutput = call::<PromoteReplica, _>(
        json!({"db_instance_id": "shop-replica", "self_managed": replica}),
    )
    .await
    .unwrap();
    assert!(
        again.already_promoted && !again.promotion_started,
        "{again:?}"
    );
    let status: DatabaseStatus = call::<DescribeDatabase, _>(json!({"self_managed": replica}))
        .await
        .unwrap();
    assert!(status.available && !status.is_replica, "{status:?}");

    // Reserve: every id counter at its max + margin.
    let posts_max_before = max_id(new, "wp_posts", "ID");
    assert!(posts_max_before < gap[0], "the gap did not replicate");
    let margin = 1_000_000;
    let reserved: ReserveOrderIdsOutput =
        call::<ReserveOrderIds, _>(json!({"connection": replica, "margin": margin}))
            .await
            .unwrap();
    assert_eq!(reserved.previous_max_order_id, posts_max_before);
    assert_eq!(reserved.order_id_floor, posts_max_before + margin);
    assert_eq!(
        reserved.absent,
        ["wp_commentmeta", "wp_users", "wp_usermeta"],
        "tables the fixture does not have are skipped"
    );
    assert_eq!(reserved.tables.len(), 11, "{:?}", reserved.tables);
    for t in &reserved.tables {
        assert!(t.changed, "{t:?}");
        assert_eq!(t.auto_increment_after, t.max_id + margin, "{t:?}");
    }

    // A retry (writes still gated) changes nothing.
    let retry: ReserveOrderIdsOutput =
        call::<ReserveOrderIds, _>(json!({"connection": replica, "margin": margin}))
            .await
            .unwrap();
    assert!(
        retry.tables.iter().all(|t| !t.changed),
        "{:?}",
        retry.tables
    );
    assert_eq!(retry.order_id_floor, reserved.order_id_floor);

    // A new order on the new primary collides with nothing the old primary handed out.
    let new_order = create_order(new, "frank@example.net", "12.50", 12, 1);
    assert!(new_order >= reserved.order_id_floor, "{new_order}");
    assert!(new_order > max_id(old, "wp_wc_orders", "id"));
    // The new order's rows are the newest of each table it wrote to.
    for (table, column) in [
        ("wp_posts", "ID"),
        ("wp_wc_orders_meta", "id"),
        ("wp_woocommerce_order_items", "order_item_id"),
        ("wp_woocommerce_order_itemmeta", "meta_id"),
        ("wp_wc_order_addresses", "id"),
        ("wp_wc_order_operational_data", "id"),
        ("wp_comments", "comment_ID"),
    ] {
        let newest = max_id(new, table, column);
        let floor = reserved
            .tables
            .iter()
            .find(|t| t.table == table)
            .unwrap_or_else(|| panic!("{table} not reserved"))
            .auto_increment_after;
        assert!(
            newest >= floor,
            "{table}: new id {newest} below the reserved {floor}"
        );
        assert!(
            newest > max_id(old, table, column),
            "{table}: new id {newest} collides with the old primary's"
        );
    }

    // Reconcile: exactly the gap, and no write on either server.
    let (old_before, new_before) = (fingerprint(old), fingerprint(new));
    let input = json!({
        "old_primary": connection(old, &secret),
        "new_primary": replica,
        "since_order_id": reserved.previous_max_order_id,
    });
    let report: ReconcileGapOutput = call::<ReconcileGap, _>(input.clone()).await.unwrap();
    assert!(report.old_primary_reachable, "{}", report.detail);
    let ids: Vec<u64> = report.orders.iter().map(|o| o.id).collect();
    assert_eq!(ids, gap, "{}", report.report_markdown);
    let totals: Vec<&str> = report.orders.iter().map(|o| o.total.as_str()).collect();
    assert_eq!(totals, ["50.00", "15.00", "30.00"]);
    for o in &report.orders {
        assert_eq!(
            o.transaction_id.as_deref(),
            Some(format!("ch_wfc_{}", o.id).as_str())
        );
        assert_eq!(
            o.stripe_intent_id.as_deref(),
            Some(format!("pi_wfc_{}", o.id).as_str())
        );
        assert_eq!(o.status, "processing");
        assert_eq!(o.payment_method, "stripe");
        assert!(!o.handled);
    }
    assert_eq!(report.orders[1].items.len(), 1);
    assert_eq!(report.orders[1].items[0].product_id, 11);
    assert_eq!(report.orders[2].items[0].quantity, 2.0);
    // Staff match customers by the hash of the lower-cased email; the email never appears.
    let expected = format!("{:x}", Sha256::digest(b"gap.one@example.net"));
    assert_eq!(report.orders[0].customer_email_hash, Some(expected));
    let json = serde_json::to_string(&report).unwrap();
    assert!(
        !json.to_lowercase().contains("example.net"),
        "an email leaked: {json}"
    );
    // The stock the gap's orders moved: products 10 and 11 (12's order replicated).
    let changes: Vec<(u64, Option<String>, Option<String>)> = report
        .stock_changes
        .iter()
        .map(|s| {
            (
                s.product_id,
                s.old_primary_stock.clone(),
                s.new_primary_stock.clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            (10, Some(stock(old, 10)), Some(stock(new, 10))),
            (11, Some(stock(old, 11)), Some(stock(new, 11))),
        ]
    );
    assert_eq!(stock(old, 11), "47");
    assert_eq!(stock(new, 11), "50");
    assert_eq!(report.unresolved_orders, 3);
    let md = &report.report_markdown;
    for id in gap {
        assert!(md.contains(&format!("| #{id} |")), "{md}");
        assert!(md.contains(&format!("ch_wfc_{id}")), "{md}");
    }
    assert!(!md.contains("example.net"), "{md}");

    // Without since_order_id: the last order both servers have, the same gap.
    let mut defaulted = input.clone();
    defaulted.as_object_mut().unwrap().remove("since_order_id");
    let report2: ReconcileGapOutput = call::<ReconcileGap, _>(defaulted).await.unwrap();
    let ids2: Vec<u64> = report2.orders.iter().map(|o| o.id).collect();
    assert_eq!(ids2, gap);

    // One handled by staff: listed, not counted.
    let mut handled = input.clone();
    handled["handled_order_ids"] = json!([gap[1]]);
    let report3: ReconcileGapOutput = call::<ReconcileGap, _>(handled).await.unwrap();
    assert_eq!(report3.orders.len(), 3);
    assert_eq!(report3.unresolved_orders, 2);
    assert!(report3.orders[1].handled);

    // The sessions reconcile_gap reads in are read-only on the server's side: a write in one is
    // refused by the server itself (ALTER with the table's current counter: a no-op if allowed).
    let server = MySqlServer {
        host: old.host().into(),
        port: old.port(),
        database: MariaDb::DATABASE.into(),
        tls: false,
        username: DR_USER.into(),
        password: SecretValue::new(DR_PASSWORD),
    };
    let mut session = MySqlClient
        .connect(&server, SessionMode::ReadOnly)
        .await
        .unwrap();
    let current: u64 = old
        .value("SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'wordpress' AND TABLE_NAME = 'wp_posts'")
        .parse()
        .unwrap();
    let refused = session.set_auto_increment("wp_posts", current).await;
    session.close().await;
    match refused {
        Err(e) => assert!(e.to_string().contains("READ ONLY transaction"), "{e}"),
        Ok(()) => panic!("a read-only session wrote"),
    }

    assert_eq!(
        fingerprint(old),
        old_before,
        "reconcile_gap wrote on the old primary"
    );
    assert_eq!(
        fingerprint(new),
        new_before,
        "reconcile_gap wrote on the new primary"
    );
}

async fn reconcile_old_primary_unreachable() {
    let secret = db_secret().await;
    // Neither server listens: the old one is reported unreachable, and the new one is not asked
    // (else this would fail with DatabaseUnreachable).
    let report: ReconcileGapOutput = call::<ReconcileGap, _>(json!({
        "old_primary": closed_connection(&secret),
        "new_primary": closed_connection(&secret),
        "since_order_id": 42,
    }))
    .await
    .unwrap();
    assert!(!report.old_primary_reachable);
    assert!(report.detail.contains("127.0.0.1"), "{}", report.detail);
    assert!(report.orders.is_empty() && report.unresolved_orders == 0);
    assert_eq!(report.since_order_id, 42);
}
