//! `{"exists": true}` / `{"exists": false}`.
//!
//! "Exists matching only works on leaf nodes. It does not work on intermediate nodes." So a
//! field whose value is an object does not exist for `exists` (the docs' example: `exists:
//! false` on `c-count` matches `"c-count": {"c1": 100}` "because c-count isn't a leaf node").
//! A `null` value is a leaf and exists; an empty array has no leaf value and does not.

use serde_json::Value;

pub(crate) fn matches(wanted: bool, leaves: &[&Value]) -> bool {
    // Present means at least one leaf value.
    wanted != leaves.is_empty()
}
