//! `reserve_order_ids`: after promotion and before writes open, raise `AUTO_INCREMENT` on
//! `wp_posts` (orders take their ids there, even with HPOS) and the other id tables to `margin`
//! above their highest id, so ids the lost primary handed out during the replication gap are
//! never handed out again (no second order #1234, no Stripe idempotency-key collision).
//! Idempotent: a counter already at or above its target is left alone.

use crate::aws_errors;
use crate::error::{ActivityError, Result};
use crate::ports::mysql::{sql_identifier, MySqlConnection, SessionMode};
use crate::ports::{ConfigStore, MySql, MySqlSession};
use crate::validate::{self, Validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct ReserveOrderIds;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReserveOrderIdsInput {
    /// The promoted (new primary) database.
    pub connection: MySqlConnection,
    #[serde(default = "wp_")]
    pub table_prefix: String,
    /// How far above the current highest id new ids start (1..=1_000_000_000; the reference
    /// suggests 1,000,000).
    pub margin: u64,
    /// Plugin tables with an AUTO_INCREMENT id, beyond the built-in list (without the prefix).
    #[serde(default)]
    pub extra_tables: Vec<String>,
}

pub(crate) fn wp_() -> String {
    "wp_".into()
}

/// The WordPress and WooCommerce tables with an id counter, without the prefix (reference §7).
pub const BUILT_IN_TABLES: &[&str] = &[
    "posts",
    "postmeta",
    "comments",
    "commentmeta",
    "woocommerce_order_items",
    "woocommerce_order_itemmeta",
    "wc_orders_meta",
    "wc_order_addresses",
    "wc_order_operational_data",
    "actionscheduler_actions",
    "actionscheduler_logs",
    "users",
    "usermeta",
    "woocommerce_sessions",
];

/// The table prefix: `[A-Za-z0-9_]`, like every name that goes into SQL.
pub(crate) fn table_prefix(field: &str, prefix: &str) -> Result<()> {
    sql_identifier(field, prefix)
}

impl Validate for ReserveOrderIdsInput {
    fn validate(&self) -> Result<()> {
        self.connection.validate("connection")?;
        table_prefix("table_prefix", &self.table_prefix)?;
        validate::range("margin", self.margin, 1, 1_000_000_000)?;
        if self.extra_tables.len() > 50 {
            return Err(ActivityError::invalid(
                "extra_tables",
                "has more than 50 items",
            ));
        }
        for (i, table) in self.extra_tables.iter().enumerate() {
            let field = format!("extra_tables[{i}]");
            sql_identifier(&field, table)?;
            sql_identifier(&field, &format!("{}{table}", self.table_prefix))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReservedTable {
    /// The full name, prefix included.
    pub table: String,
    pub max_id: u64,
    pub auto_increment_before: u64,
    pub auto_increment_after: u64,
    /// Whether this call raised the counter (false: it was at or above the target already).
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReserveOrderIdsOutput {
    pub tables: Vec<ReservedTable>,
    /// Tables of the list that this database does not have (plugins not installed, HPOS off),
    /// or that have no AUTO_INCREMENT column: skipped.
    pub absent: Vec<String>,
    /// wp_posts' highest id before the reservation: orders above it on the old primary may be in
    /// the replication gap (reconcile_gap's `since_order_id`).
    pub previous_max_order_id: u64,
    /// The first id a new order can get (wp_posts' AUTO_INCREMENT after).
    pub order_id_floor: u64,
}

pub async fn run(
    input: ReserveOrderIdsInput,
    config: &dyn ConfigStore,
    mysql: &dyn MySql,
) -> Result<ReserveOrderIdsOutput> {
    input.validate()?;
    let server = input.connection.login(config).await?;
    let mut session = mysql.connect(&server, SessionMode::ReadWrite).await?;
    let result = reserve(&input, session.as_mut()).await;
    session.close().await;
    result
}

async fn reserve(
    input: &ReserveOrderIdsInput,
    session: &mut dyn MySqlSession,
) -> Result<ReserveOrderIdsOutput> {
    // Raising counters on a server that still replicates, or that refuses writes, would be
    // undone or fail halfway: the promotion has not finished.
    if let Some(replica) = session.replica_status().await? {
        return Err(ActivityError::DatabaseNotWritable {
            server: session.server(),
            detail: format!("still a replica of {}", replica.source),
        });
    }
    if session.read_only().await? {
        return Err(ActivityError::DatabaseNotWritable {
            server: session.server(),
            detail: "read_only is ON".into(),
        });
    }
    let prefix = &input.table_prefix;
    let posts = format!("{prefix}posts");
    let mut wanted: Vec<String> = Vec::new();
    for table in BUILT_IN_TABLES
        .iter()
        .map(|t| t.to_string())
        .chain(input.extra_tables.iter().cloned())
    {
        let table = format!("{prefix}{table}");
        if !wanted.contains(&table) {
            wanted.push(table);
        }
    }
    let existing = session.existing_tables(&wanted).await?;
    if !existing.contains(&posts) {
        return Err(ActivityError::SqlError {
            server: session.server(),
            detail: format!("no table {posts} in this database: wrong database or table_prefix?"),
        });
    }
    let mut tables = Vec::new();
    let mut absent: Vec<String> = wanted
        .iter()
        .filter(|t| !existing.contains(t))
        .cloned()
        .collect();
    for table in existing {
        let Some(counter) = session.id_counter(&table).await? else {
            absent.push(table);
            continue;
        };
        let target = counter.max_id.saturating_add(input.margin);
        let changed = counter.auto_increment < target;
        if changed {
            session.set_auto_increment(&table, target).await?;
        }
        tables.push(ReservedTable {
            table,
            max_id: counter.max_id,
            auto_increment_before: counter.auto_increment,
            auto_increment_after: if changed {
                target
            } else {
                counter.auto_increment
            },
            changed,
        });
    }
    let posts_row =
        tables
            .iter()
            .find(|t| t.table == posts)
            .ok_or_else(|| ActivityError::SqlError {
                server: session.server(),
                detail: format!("{posts} has no AUTO_INCREMENT id column"),
            })?;
    Ok(ReserveOrderIdsOutput {
        previous_max_order_id: posts_row.max_id,
        order_id_floor: posts_row.auto_increment_after,
        tables,
        absent,
    })
}

/// Reading a MySQL connection's credentials: its secret may be in another region (`region`).
/// The SQL itself needs no IAM (password login).
pub(crate) fn mysql_secret_permission() -> Permission {
    Permission::new(
        &["secretsmanager:GetSecretValue"],
        &["arn:${Partition}:secretsmanager:*:${Account}:secret:*"],
    )
}

impl Activity for ReserveOrderIds {
    const NAME: &'static str = "reserve_order_ids";
    const ERRORS: &'static [&'static str] = aws_errors![
        ConfigNotFound,
        SecretMalformed,
        DatabaseUnreachable,
        DatabaseNotWritable,
        SqlError
    ];
    type Input = ReserveOrderIdsInput;
    type Output = ReserveOrderIdsOutput;
    fn permissions() -> Vec<Permission> {
        vec![mysql_secret_permission()]
    }
}
