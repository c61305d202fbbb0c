//! The compiled event pattern and the traversal of an event.
//!
//! A pattern is an object whose fields are either nested objects or arrays of match values
//! (leaves). The event matches when every field matches (AND), a leaf matches when any of its
//! values matches (OR), and `$or` takes any of its branches.
//!
//! Field names are key paths joined with dots: `"state.status"` and `{"state": {"status"}}` are
//! the same field, in the pattern and in the event (`dotted.rs`).
//!
//! Arrays in events: "If the value in the event is an array, then the event pattern matches if
//! the intersection of the event pattern array and the event array is non-empty." (Arrays in
//! event patterns). Arrays of objects are traversed element by element, as AWS's Event Ruler
//! does: a sub-pattern must match within one element ("refuse to recognize any match in which
//! any two fields are within JSON objects that are in different elements of the same array").

mod anything_but;
mod cidr;
mod complexity;
mod dotted;
mod exact;
mod exists;
mod numeric;
mod or;
mod parse;
mod prefix_suffix;
mod wildcard;

use serde_json::Value;

/// A validated, compiled event pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    root: ObjectPattern,
}

/// An invalid pattern: where in the pattern, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct PatternError {
    /// The path in the pattern, e.g. `detail.state.value[0]`; `(pattern)` for the whole pattern.
    pub path: String,
    pub message: String,
}

impl PatternError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> PatternError {
        PatternError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl Pattern {
    /// Parses and validates the text given as `EventPattern` to `PutRule`.
    pub fn parse(json: &str) -> Result<Pattern, PatternError> {
        parse::parse_text(json)
    }

    /// Validates and compiles an already-parsed pattern.
    pub fn from_value(v: &Value) -> Result<Pattern, PatternError> {
        parse::parse_value(v)
    }

    /// Whether `event` matches this pattern.
    pub fn matches(&self, event: &Value) -> bool {
        self.root.matches(Some(&dotted::expand(event)))
    }
}

/// An object of the pattern: its fields (all must match) and its `$or` groups (each must have
/// a matching branch).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ObjectPattern {
    pub(crate) fields: Vec<(String, FieldPattern)>,
    pub(crate) ors: Vec<or::OrGroup>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldPattern {
    Object(ObjectPattern),
    /// The array of match values of a leaf: any one must match.
    Leaf(Vec<Matcher>),
}

/// One match value of a leaf array.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Matcher {
    Exact(exact::Exact),
    EqualsIgnoreCase(String),
    Prefix(prefix_suffix::Affix),
    Suffix(prefix_suffix::Affix),
    AnythingBut(anything_but::AnythingBut),
    Numeric(numeric::NumericRange),
    Exists(bool),
    Cidr(cidr::Cidr),
    Wildcard(wildcard::Wildcard),
}

impl ObjectPattern {
    /// `node` is the event value at this object's place (`None`: absent).
    fn matches(&self, node: Option<&Value>) -> bool {
        if let Some(Value::Array(items)) = node {
            // An array of objects: the whole sub-pattern must match within one element
            // (nested arrays are flattened). An empty array is the same as no value.
            let mut elements = Vec::new();
            flatten_into(items, &mut elements);
            if elements.is_empty() {
                return self.matches_here(None);
            }
            return elements.into_iter().any(|e| self.matches_here(Some(e)));
        }
        self.matches_here(node)
    }

    fn matches_here(&self, node: Option<&Value>) -> bool {
        let object = node.and_then(Value::as_object);
        self.fields.iter().all(|(name, field)| {
            let child = object.and_then(|o| o.get(name));
            match field {
                FieldPattern::Object(inner) => inner.matches(child),
                FieldPattern::Leaf(matchers) => {
                    let leaves = leaf_values(child);
                    matchers.iter().any(|m| m.matches(&leaves))
                }
            }
        }) && self.ors.iter().all(|group| group.matches(node))
    }
}

fn flatten_into<'a>(items: &'a [Value], out: &mut Vec<&'a Value>) {
    for item in items {
        match item {
            Value::Array(inner) => flatten_into(inner, out),
            other => out.push(other),
        }
    }
}

/// The leaf values of an event field: nothing when the field is absent or is an object (an
/// intermediate node, not a leaf); the scalar elements when it is an array (nested arrays
/// flattened); else the value itself. `null` is a leaf value.
fn leaf_values(node: Option<&Value>) -> Vec<&Value> {
    match node {
        None | Some(Value::Object(_)) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut all = Vec::new();
            flatten_into(items, &mut all);
            all.retain(|v| !v.is_object());
            all
        }
        Some(v) => vec![v],
    }
}

impl Matcher {
    fn matches(&self, leaves: &[&Value]) -> bool {
        match self {
            Matcher::Exists(wanted) => exists::matches(*wanted, leaves),
            other => leaves.iter().any(|v| other.matches_value(v)),
        }
    }

    fn matches_value(&self, v: &Value) -> bool {
        match self {
            Matcher::Exact(e) => e.matches(v),
            Matcher::EqualsIgnoreCase(s) => exact::equals_ignore_case(s, v),
            Matcher::Prefix(a) => a.matches_prefix(v),
            Matcher::Suffix(a) => a.matches_suffix(v),
            Matcher::AnythingBut(a) => a.matches(v),
            Matcher::Numeric(r) => r.matches(v),
            Matcher::Exists(_) => unreachable!("exists looks at all the leaves at once"),
            Matcher::Cidr(c) => c.matches(v),
            Matcher::Wildcard(w) => w.matches(v),
        }
    }
}
