//! `reconcile_gap`: after a failover, once the old primary answers again (or is restored from its
//! final snapshot), list the orders it took during the replication gap that the new primary
//! lacks, with their payment references and the stock they moved, as JSON and as a Markdown
//! report for the shop's staff (reference §6.4). It never writes: both sessions are read-only
//! transactions, so the servers themselves refuse any write.

use crate::aws_errors;
use crate::error::{ActivityError, Result};
use crate::ports::mysql::{MySqlConnection, OrderRecord, SessionMode};
use crate::ports::{ConfigStore, MySql, MySqlSession};
use crate::reserve_order_ids::{mysql_secret_permission, table_prefix, wp_};
use crate::validate::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use wfc_contract::{Activity, Permission};

pub struct ReconcileGap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileGapInput {
    pub old_primary: MySqlConnection,
    pub new_primary: MySqlConnection,
    #[serde(default = "wp_")]
    pub table_prefix: String,
    /// Orders with a higher id on the old primary are candidates (reserve_order_ids'
    /// `previous_max_order_id`); when absent, the highest order id the new primary has that is
    /// not above the old primary's highest (the last replicated order, when ids were reserved).
    #[serde(default)]
    pub since_order_id: Option<u64>,
    /// Orders staff have already handled (re-created, refunded): listed, not counted as
    /// unresolved.
    #[serde(default)]
    pub handled_order_ids: Vec<u64>,
}

impl Validate for ReconcileGapInput {
    fn validate(&self) -> Result<()> {
        self.old_primary.validate("old_primary")?;
        self.new_primary.validate("new_primary")?;
        table_prefix("table_prefix", &self.table_prefix)?;
        if self.old_primary.server() == self.new_primary.server()
            && self.old_primary.database == self.new_primary.database
        {
            return Err(ActivityError::invalid(
                "new_primary",
                "is the same database as old_primary",
            ));
        }
        if self.handled_order_ids.len() > 10_000 {
            return Err(ActivityError::invalid(
                "handled_order_ids",
                "has more than 10000 items",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GapItem {
    /// The variation when the line has one (stock is kept there), else the product.
    pub product_id: u64,
    pub quantity: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GapOrder {
    pub id: u64,
    /// Without the `wc-` prefix: `processing`, `pending`, …
    pub status: String,
    pub currency: String,
    pub total: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_gmt: String,
    pub payment_method: String,
    pub transaction_id: Option<String>,
    pub stripe_intent_id: Option<String>,
    /// sha256 (hex) of the lower-cased billing email: staff match by it; the email itself is
    /// never in the output.
    pub customer_email_hash: Option<String>,
    pub items: Vec<GapItem>,
    /// Listed in `handled_order_ids`.
    pub handled: bool,
    /// What to do with it (reference §6.4), from what the old primary shows.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StockChange {
    pub product_id: u64,
    pub old_primary_stock: Option<String>,
    pub new_primary_stock: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReconcileGapOutput {
    /// false: the old primary could not be reached (no report; `detail` says why) — not an
    /// error, a failover goes on.
    pub old_primary_reachable: bool,
    pub detail: String,
    pub since_order_id: u64,
    pub orders: Vec<GapOrder>,
    /// Products of the gap's orders whose `_stock` differs between the two servers.
    pub stock_changes: Vec<StockChange>,
    pub unresolved_orders: u32,
    /// For the shop's staff: orders, stock differences and what to do; no personal data.
    pub report_markdown: String,
}

/// Failures that mean "the old primary is not there", which this activity reports, not raises.
fn unreachable(error: &ActivityError) -> bool {
    matches!(
        error,
        ActivityError::DatabaseUnreachable { .. }
            | ActivityError::AwsUnavailable { .. }
            | ActivityError::AwsThrottled { .. }
    )
}

pub async fn run(
    input: ReconcileGapInput,
    old_config: &dyn ConfigStore,
    new_config: &dyn ConfigStore,
    mysql: &dyn MySql,
) -> Result<ReconcileGapOutput> {
    input.validate()?;
    // The old primary first: when it is gone there is nothing to compare, and the new primary
    // need not be asked.
    let old = async {
        let server = input.old_primary.login(old_config).await?;
        mysql.connect(&server, SessionMode::ReadOnly).await
    };
    let mut old = match old.await {
        Ok(session) => session,
        Err(e) if unreachable(&e) => {
            let detail = format!("old primary {}: {e}", input.old_primary.server());
            return Ok(ReconcileGapOutput {
                old_primary_reachable: false,
                since_order_id: input.since_order_id.unwrap_or(0),
                orders: Vec::new(),
                stock_changes: Vec::new(),
                unresolved_orders: 0,
                report_markdown: format!(
                    "# Replication gap\n\nThe old primary could not be reached, so the orders of \
                     the gap are not known yet. Keep it (or its final snapshot) and run this \
                     report again before any failback.\n\n{}\n",
                    escape(&detail)
                ),
                detail,
            });
        }
        Err(e) => return Err(e),
    };
    let new = async {
        let server = input.new_primary.login(new_config).await?;
        mysql.connect(&server, SessionMode::ReadOnly).await
    };
    let mut new = match new.await {
        Ok(session) => session,
        Err(e) => {
            old.close().await;
            return Err(e);
        }
    };
    let result = compare(&input, old.as_mut(), new.as_mut()).await;
    old.close().await;
    new.close().await;
    result
}

async fn compare(
    input: &ReconcileGapInput,
    old: &mut dyn MySqlSession,
    new: &mut dyn MySqlSession,
) -> Result<ReconcileGapOutput> {
    let prefix = &input.table_prefix;
    let since = match input.since_order_id {
        Some(since) => since,
        None => match old.highest_order_id(prefix, u64::MAX).await? {
            None => 0,
            Some(old_max) => new.highest_order_id(prefix, old_max).await?.unwrap_or(0),
        },
    };
    let candidates = old.orders_above(prefix, since).await?;
    let ids: Vec<u64> = candidates.iter().map(|o| o.id).collect();
    let present = new.existing_orders(prefix, &ids).await?;
    let gap: Vec<OrderRecord> = candidates
        .into_iter()
        .filter(|o| !present.contains(&o.id))
        .collect();
    let gap_ids: Vec<u64> = gap.iter().map(|o| o.id).collect();
    let lines = old.order_lines(prefix, &gap_ids).await?;
    let mut products: Vec<u64> = lines.iter().map(|l| l.product_id).collect();
    products.sort_unstable();
    products.dedup();
    let old_stock = old.stock(prefix, &products).await?;
    let new_stock = new.stock(prefix, &products).await?;
    let stock_changes: Vec<StockChange> = products
        .iter()
        .zip(old_stock.into_iter().zip(new_stock))
        .filter(|(_, (old, new))| old != new)
        .map(|(id, (old, new))| StockChange {
            product_id: *id,
            old_primary_stock: old,
            new_primary_stock: new,
        })
        .collect();
    let orders: Vec<GapOrder> = gap
        .into_iter()
        .map(|o| {
            let status = o
                .status
                .strip_prefix("wc-")
                .unwrap_or(&o.status)
                .to_string();
            let action = action(&status, &o);
            GapOrder {
                id: o.id,
                items: lines
                    .iter()
                    .filter(|l| l.order_id == o.id)
                    .map(|l| GapItem {
                        product_id: l.product_id,
                        quantity: l.quantity,
                    })
                    .collect(),
                handled: input.handled_order_ids.contains(&o.id),
                customer_email_hash: o.billing_email.as_deref().map(email_hash),
                status,
                currency: o.currency,
                total: money(&o.total),
                created_gmt: o.created_gmt,
                payment_method: o.payment_method,
                transaction_id: o.transaction_id,
                stripe_intent_id: o.stripe_intent_id,
                action,
            }
        })
        .collect();
    let unresolved_orders = orders.iter().filter(|o| !o.handled).count() as u32;
    let detail = format!(
        "{} order(s) on the old primary {} after order #{since} that the new primary {} lacks; {unresolved_orders} unresolved",
        orders.len(),
        old.server(),
        new.server()
    );
    let report_markdown = report(since, &orders, &stock_changes, unresolved_orders);
    Ok(ReconcileGapOutput {
        old_primary_reachable: true,
        detail,
        since_order_id: since,
        orders,
        stock_changes,
        unresolved_orders,
        report_markdown,
    })
}

/// What staff should do with one order of the gap (reference §6.4, step 4), from its status on
/// the old primary; the payment provider has the last word.
fn action(status: &str, order: &OrderRecord) -> String {
    let reference = order
        .transaction_id
        .as_deref()
        .or(order.stripe_intent_id.as_deref());
    match status {
        "processing" | "completed" | "on-hold" => format!(
            "Paid on the old primary{}: confirm with {}, then re-create the order (new number), \
             attach the payment, note the old number #{}, adjust stock, send the email deliberately.",
            reference.map(|r| format!(" ({r})")).unwrap_or_default(),
            provider(order),
            order.id
        ),
        "refunded" => format!(
            "Refunded on the old primary: confirm the refund with {}; nothing to re-create.",
            provider(order)
        ),
        _ => format!(
            "Not paid on the old primary ({status}): look for a payment with {} in the window \
             (match by order id metadata and amount); if paid, re-create the order, else nothing to do.",
            provider(order)
        ),
    }
}

fn provider(order: &OrderRecord) -> String {
    if order.payment_method.is_empty() {
        "the payment provider".into()
    } else {
        format!("the provider (`{}`)", order.payment_method)
    }
}

/// An amount as people write it: HPOS stores `decimal(26,8)` (`50.00000000` → `50.00`).
fn money(amount: &str) -> String {
    let amount = amount.trim();
    let Some((whole, fraction)) = amount.split_once('.') else {
        return amount.to_string();
    };
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return amount.to_string();
    }
    let fraction = fraction.trim_end_matches('0');
    format!("{whole}.{fraction:0<2}")
}

/// sha256 (hex) of the trimmed, lower-cased email.
fn email_hash(email: &str) -> String {
    format!(
        "{:x}",
        Sha256::digest(email.trim().to_lowercase().as_bytes())
    )
}

/// A Markdown table cell: no pipes or line breaks from the data.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn report(since: u64, orders: &[GapOrder], stock: &[StockChange], unresolved: u32) -> String {
    let mut md = String::from("# Replication gap: orders the new primary lacks\n\n");
    if orders.is_empty() {
        let _ = writeln!(
            md,
            "No order on the old primary after order #{since} is missing from the new primary. \
             Nothing to reconcile in the database; still check the payment providers for \
             payments in the window."
        );
        return md;
    }
    let _ = writeln!(
        md,
        "{} order(s) after order #{since} exist only on the old primary; {unresolved} not handled yet.\n",
        orders.len()
    );
    md.push_str("| Order | Created (UTC) | Status | Total | Payment method | Transaction | Handled | What to do |\n");
    md.push_str("|---|---|---|---|---|---|---|---|\n");
    for o in orders {
        let _ = writeln!(
            md,
            "| #{} | {} | {} | {} {} | {} | {} | {} | {} |",
            o.id,
            escape(&o.created_gmt),
            escape(&o.status),
            escape(&o.total),
            escape(&o.currency),
            escape(&o.payment_method),
            escape(
                o.transaction_id
                    .as_deref()
                    .or(o.stripe_intent_id.as_deref())
                    .unwrap_or("—")
            ),
            if o.handled { "yes" } else { "no" },
            escape(&o.action)
        );
    }
    if !stock.is_empty() {
        md.push_str(
            "\n## Stock that differs\n\n| Product | Old primary | New primary |\n|---|---|---|\n",
        );
        for s in stock {
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                s.product_id,
                escape(s.old_primary_stock.as_deref().unwrap_or("—")),
                escape(s.new_primary_stock.as_deref().unwrap_or("—"))
            );
        }
    }
    md.push_str(
        "\n## What to do\n\n\
         1. Keep the old primary (or its final snapshot) until every order here is handled.\n\
         2. Pull the providers' view of the window (Stripe PaymentIntents and charges by time, \
         PayPal transaction search) and match payments by order id metadata and amount, not by \
         order number alone.\n\
         3. Paid and missing: re-create the order (it gets a new number), attach the payment, note \
         the old number. Paid but pending or cancelled: mark it paid. Paid twice: refund.\n\
         4. Adjust stock for re-created orders and send customer emails deliberately.\n\
         5. List the handled order numbers in `handled_order_ids` and run this report again: \
         failback waits until nothing is unresolved.\n",
    );
    md
}

impl Activity for ReconcileGap {
    const NAME: &'static str = "reconcile_gap";
    const ERRORS: &'static [&'static str] = aws_errors![
        ConfigNotFound,
        SecretMalformed,
        DatabaseUnreachable,
        SqlError
    ];
    type Input = ReconcileGapInput;
    type Output = ReconcileGapOutput;
    fn permissions() -> Vec<Permission> {
        vec![mysql_secret_permission()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_drops_the_storage_zeros() {
        assert_eq!(money("50.00000000"), "50.00");
        assert_eq!(money("12.50000000"), "12.50");
        assert_eq!(money("0.01"), "0.01");
        assert_eq!(money("19.999"), "19.999");
        assert_eq!(money("42"), "42");
    }

    #[test]
    fn email_hash_is_of_the_lower_cased_email() {
        assert_eq!(
            email_hash(" Ann@Example.COM "),
            email_hash("ann@example.com")
        );
        assert_eq!(
            email_hash("ann@example.com"),
            // printf 'ann@example.com' | sha256sum
            "71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476"
        );
    }
}
