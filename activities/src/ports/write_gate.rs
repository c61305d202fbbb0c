//! The write gate: one rule of a regional web ACL (AWS WAF on the region's load balancer) that
//! answers writes to checkout, cart and payment-webhook paths with 503 and `Retry-After`, while
//! reads pass. The port speaks of the rule in the shop's terms; the adapter builds the WAF rule.

use crate::error::Result;
use async_trait::async_trait;

/// A web ACL, by the two things WAF needs to find it (scope: regional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAclRef {
    pub name: String,
    pub id: String,
}

impl std::fmt::Display for WebAclRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "web ACL {} ({})", self.name, self.id)
    }
}

/// What the gate rule does: block writes (every method but GET, HEAD and OPTIONS) to `paths`
/// with 503, `Retry-After: retry_after_seconds` and a short body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRule {
    /// Also the key of its response body in the web ACL's custom response bodies.
    pub rule_name: String,
    pub retry_after_seconds: u32,
    /// Path prefixes (`/checkout`); an entry with a query (`/?wc-ajax=`) matches the query
    /// parameter on any path under its path part.
    pub paths: Vec<String>,
}

/// One rule of the web ACL, as far as the gate logic cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclRule {
    pub name: String,
    pub priority: i32,
}

/// A read of the web ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebAcl {
    /// WAF's optimistic lock: a write with an older token is refused.
    pub lock_token: String,
    pub rules: Vec<AclRule>,
    /// A rule named `gate.rule_name` exists and is exactly what [`WriteGate::put_gate`] would
    /// write for `gate` (statement, action, response and its body), at priority 0.
    pub gate_current: bool,
}

/// The outcome of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The web ACL changed since it was read (`WAFOptimisticLockException`): read it again.
    Stale,
}

#[async_trait]
pub trait WriteGate: Send + Sync {
    /// `Ok(None)`: no such web ACL.
    async fn web_acl(&self, acl: &WebAclRef, gate: &GateRule) -> Result<Option<WebAcl>>;
    /// Writes `gate` at priority 0 (replacing a rule of that name), every other rule kept with
    /// its priority plus `shift`, and the gate's response body; all else in the web ACL as it was
    /// at `lock_token`. `Ok(None)`: the web ACL is gone.
    async fn put_gate(
        &self,
        acl: &WebAclRef,
        lock_token: &str,
        gate: &GateRule,
        shift: i32,
    ) -> Result<Option<Written>>;
    /// Removes the rule `rule_name` and the response body of that key, all else as it was at
    /// `lock_token`. `Ok(None)`: the web ACL is gone.
    async fn remove_gate(
        &self,
        acl: &WebAclRef,
        lock_token: &str,
        rule_name: &str,
    ) -> Result<Option<Written>>;
}

/// An entry of [`GateRule::paths`] split at `?`: the path prefix and, for an entry like
/// `/?wc-ajax=`, the text the query string must contain (`wc-ajax=`).
pub fn split_path(entry: &str) -> (&str, Option<&str>) {
    match entry.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (entry, None),
    }
}
