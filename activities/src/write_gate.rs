//! `gate_writes` / `open_writes`: during cutover, writes to checkout, cart, account and payment
//! webhook paths get 503 with `Retry-After` from a rule of the region's web ACL (AWS WAF on the
//! ALB), while the catalogue stays readable. Payment providers retry a 503 (Stripe for days,
//! PayPal IPN up to 15 times) instead of getting a 2xx from a database that could not record
//! them (reference §3, §6). Both are idempotent.
//!
//! Reads (GET, HEAD, OPTIONS) are never gated, and no gated path may cover `/healthz`: the load
//! balancer's health check must use that static endpoint, or a gated check would mark every
//! target unhealthy and the ALB would fail open (reference §3, health-check hazard).
//!
//! The rule goes first (priority 0; the other rules move down by one if one holds 0), so no
//! Allow rule lets a write through. WAF's optimistic lock: a write that finds the web ACL changed
//! since its read reads it again, up to [`ATTEMPTS`] times, then fails `WebAclBusy` (retryable).

use crate::aws_errors;
use crate::error::{ActivityError, Result};
use crate::ports::write_gate::{split_path, GateRule, WebAclRef, WriteGate, Written};
use crate::validate::{self, Validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wfc_contract::{Activity, Permission};

/// Reads of the web ACL before giving up on a concurrent editor.
pub const ATTEMPTS: u32 = 5;

/// The static health-check endpoint that no gated path may cover.
pub const HEALTH_CHECK_PATH: &str = "/healthz";

pub const WEB_ACL_ANY_REGION: &str = "arn:${Partition}:wafv2:*:${Account}:regional/webacl/*/*";
/// `UpdateWebACL` is also authorized on every IP set, regex set and rule group the web ACL's
/// rules reference (all sent back unchanged).
pub const WAF_REFERENCED: &[&str] = &[
    "arn:${Partition}:wafv2:*:${Account}:regional/ipset/*/*",
    "arn:${Partition}:wafv2:*:${Account}:regional/regexpatternset/*/*",
    "arn:${Partition}:wafv2:*:${Account}:regional/rulegroup/*/*",
    "arn:${Partition}:wafv2:*:${Account}:regional/managedruleset/*/*",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteGateInput {
    /// The regional web ACL associated with the region's ALB.
    pub web_acl_name: String,
    pub web_acl_id: String,
    /// Default `wfc-write-gate`; also the key of its 503 body in the web ACL. A rule of this name
    /// is replaced by the gate.
    #[serde(default = "default_rule")]
    pub rule_name: String,
    /// The `Retry-After` header, 1–86400 s. Default 300.
    #[serde(default = "default_retry_after")]
    pub retry_after_seconds: u32,
    /// Path prefixes whose writes (any method but GET, HEAD, OPTIONS) get 503, matched
    /// case-insensitively. An entry with a query (`/?wc-ajax=`) matches that text anywhere in the
    /// URL-decoded query string, on any path under its path part (WooCommerce answers
    /// `wc-ajax`/`wc-api` on every page). Default: WooCommerce's checkout, cart, account, Store
    /// API, admin-ajax, `wc-ajax` and `wc-api` (payment webhooks) endpoints. None may cover
    /// `/healthz`.
    #[serde(default = "default_paths")]
    pub paths: Vec<String>,
    /// Region of the web ACL; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
}

fn default_rule() -> String {
    "wfc-write-gate".into()
}

fn default_retry_after() -> u32 {
    300
}

pub fn default_paths() -> Vec<String> {
    [
        "/checkout",
        "/cart",
        "/my-account",
        "/wp-json/wc/store",
        "/wp-admin/admin-ajax.php",
        "/?wc-ajax=",
        "/?wc-api=",
        // The same endpoints without pretty permalinks or under their legacy path.
        "/?rest_route=/wc/store",
        "/wc-api/",
    ]
    .map(String::from)
    .to_vec()
}

/// WAF names: 1–128 letters, digits, `_` or `-`.
fn waf_name(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(ActivityError::invalid(
            field,
            "must be 1-128 letters, digits, `_` or `-`",
        ));
    }
    Ok(())
}

fn gated_path(field: &str, entry: &str) -> Result<()> {
    let refuse = |reason: &str| Err(ActivityError::invalid(field, reason));
    let (path, query) = split_path(entry);
    if !path.starts_with('/') {
        return refuse("must start with `/`");
    }
    if entry.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return refuse("must not contain spaces");
    }
    // WAF's limit on a byte-match search string.
    if path.len() > 200 || query.is_some_and(|q| q.len() > 200) {
        return refuse("is longer than 200 bytes");
    }
    match query {
        Some("") => refuse("has an empty query after `?`"),
        None if HEALTH_CHECK_PATH.starts_with(&path.to_lowercase()) => {
            refuse("would gate the load balancer health check /healthz (and every write under it)")
        }
        _ => Ok(()),
    }
}

impl Validate for WriteGateInput {
    fn validate(&self) -> Result<()> {
        waf_name("web_acl_name", &self.web_acl_name)?;
        let id_ok = !self.web_acl_id.is_empty()
            && self.web_acl_id.len() <= 36
            && self
                .web_acl_id
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == '-');
        if !id_ok {
            return Err(ActivityError::invalid(
                "web_acl_id",
                "is not a web ACL id (1-36 hex digits and `-`)",
            ));
        }
        waf_name("rule_name", &self.rule_name)?;
        validate::range("retry_after_seconds", self.retry_after_seconds, 1, 86400)?;
        validate::list("paths", &self.paths, 20)?;
        for (i, p) in self.paths.iter().enumerate() {
            gated_path(&format!("paths[{i}]"), p)?;
        }
        validate::optional_region("region", &self.region)
    }
}

impl WriteGateInput {
    fn acl(&self) -> WebAclRef {
        WebAclRef {
            name: self.web_acl_name.clone(),
            id: self.web_acl_id.clone(),
        }
    }

    fn gate(&self) -> GateRule {
        GateRule {
            rule_name: self.rule_name.clone(),
            retry_after_seconds: self.retry_after_seconds,
            paths: self.paths.clone(),
        }
    }

    fn output(&self, gated: bool, changed: bool) -> WriteGateOutput {
        WriteGateOutput {
            web_acl_name: self.web_acl_name.clone(),
            rule_name: self.rule_name.clone(),
            gated,
            changed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WriteGateOutput {
    pub web_acl_name: String,
    pub rule_name: String,
    /// Writes get 503 now.
    pub gated: bool,
    pub changed: bool,
}

fn not_found(acl: &WebAclRef) -> ActivityError {
    ActivityError::WebAclNotFound {
        name: acl.name.clone(),
        id: acl.id.clone(),
    }
}

/// How one read-then-write went.
enum Attempt {
    /// The web ACL is as asked already: nothing written.
    AsAsked,
    Wrote(Written),
}

/// Runs `attempt` (a read, then a write under its lock token) until the write is not stale;
/// `changed` is whether something was written. `None` from an attempt: the web ACL is gone.
async fn with_lock<F, Fut>(acl: &WebAclRef, mut attempt: F) -> Result<bool>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<Attempt>>>,
{
    for n in 1..=ATTEMPTS {
        match attempt().await? {
            None => return Err(not_found(acl)),
            Some(Attempt::AsAsked) => return Ok(false),
            Some(Attempt::Wrote(Written::Done)) => return Ok(true),
            Some(Attempt::Wrote(Written::Stale)) => {
                tokio::time::sleep(Duration::from_millis(100 * u64::from(n))).await
            }
        }
    }
    Err(ActivityError::WebAclBusy {
        name: acl.name.clone(),
        attempts: ATTEMPTS,
    })
}

/// `gate_writes`: the gate rule at priority 0 with its 503 body; nothing is written when it is
/// there already, as asked.
pub async fn gate(input: WriteGateInput, waf: &dyn WriteGate) -> Result<WriteGateOutput> {
    input.validate()?;
    let (acl, gate) = (&input.acl(), &input.gate());
    let changed = with_lock(acl, || async move {
        let Some(current) = waf.web_acl(acl, gate).await? else {
            return Ok(None);
        };
        if current.gate_current {
            return Ok(Some(Attempt::AsAsked));
        }
        let taken = current
            .rules
            .iter()
            .any(|r| r.name != gate.rule_name && r.priority == 0);
        let shift = i32::from(taken);
        let written = waf.put_gate(acl, &current.lock_token, gate, shift).await?;
        Ok(written.map(Attempt::Wrote))
    })
    .await?;
    Ok(input.output(true, changed))
}

/// `open_writes`: the gate rule and its body removed; nothing is written when there is none.
pub async fn open(input: WriteGateInput, waf: &dyn WriteGate) -> Result<WriteGateOutput> {
    input.validate()?;
    let (acl, gate) = (&input.acl(), &input.gate());
    let changed = with_lock(acl, || async move {
        let Some(current) = waf.web_acl(acl, gate).await? else {
            return Ok(None);
        };
        if !current.rules.iter().any(|r| r.name == gate.rule_name) {
            return Ok(Some(Attempt::AsAsked));
        }
        let written = waf
            .remove_gate(acl, &current.lock_token, &gate.rule_name)
            .await?;
        Ok(written.map(Attempt::Wrote))
    })
    .await?;
    Ok(input.output(false, changed))
}

pub struct GateWrites;
pub struct OpenWrites;

fn permissions() -> Vec<Permission> {
    vec![
        Permission::new(&["wafv2:GetWebACL"], &[WEB_ACL_ANY_REGION]),
        Permission::new(
            &["wafv2:UpdateWebACL"],
            &[&[WEB_ACL_ANY_REGION], WAF_REFERENCED].concat(),
        ),
    ]
}

impl Activity for GateWrites {
    const NAME: &'static str = "gate_writes";
    const ERRORS: &'static [&'static str] = aws_errors![WebAclNotFound, WebAclBusy];
    type Input = WriteGateInput;
    type Output = WriteGateOutput;
    fn permissions() -> Vec<Permission> {
        permissions()
    }
}

impl Activity for OpenWrites {
    const NAME: &'static str = "open_writes";
    const ERRORS: &'static [&'static str] = aws_errors![WebAclNotFound, WebAclBusy];
    type Input = WriteGateInput;
    type Output = WriteGateOutput;
    fn permissions() -> Vec<Permission> {
        permissions()
    }
}
