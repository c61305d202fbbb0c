//! `$or`: "$or": [ {…}, {…} ] at any level of the pattern, nested too. The branches are
//! patterns evaluated at the place where `$or` appears; the group matches when any branch does.
//!
//! Validation (Event Ruler, which EventBridge uses): the value must be an array of at least two
//! objects, and inside `$or` the operator names (`prefix`, `numeric`, …) cannot be field names.

use serde_json::Value;

use super::ObjectPattern;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrGroup {
    pub(crate) branches: Vec<ObjectPattern>,
}

impl OrGroup {
    pub(crate) fn matches(&self, node: Option<&Value>) -> bool {
        self.branches.iter().any(|b| b.matches_here(node))
    }
}

/// Names that cannot be field names inside `$or` (Event Ruler's
/// `RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP`).
pub(crate) const RESERVED: &[&str] = &[
    "anything-but",
    "cidr",
    "equals-ignore-case",
    "exactly",
    "exists",
    "numeric",
    "prefix",
    "suffix",
    "wildcard",
];
