//! Dots in field names. EventBridge matches on key paths joined with dots, so a pattern key
//! `"state.status"` names the same field as the nested `{"state": {"status": …}}`, in the
//! pattern and in the event alike (user guide, "Event pattern syntax › Considerations when
//! creating event patterns"; recorded on AWS: LocalStack's `dot_joining_pattern` and
//! `dot_joining_event` templates match, their `_NEG` twins, where the extra nesting makes the
//! path `state.status.status`, do not).
//!
//! Both sides are brought to the nested form: dotted pattern keys at parse time
//! ([`insert_field`]), dotted event keys when matching ([`expand`], which borrows the event
//! untouched when it has no dotted key, the usual case).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{FieldPattern, ObjectPattern};

/// Adds the pattern field `key` (possibly dotted) to `fields`. Fields that end up on the same
/// path are merged: two objects into one (so a sub-pattern still has to hold within one
/// element of an array of objects), two leaves into one list of values (any may match, as
/// Event Ruler keeps one list of patterns per path). A leaf and an object on the same path
/// stay two fields, both required.
pub(crate) fn insert_field(
    fields: &mut Vec<(String, FieldPattern)>,
    key: &str,
    field: FieldPattern,
) {
    match key.split_once('.') {
        None => merge_field(fields, key, field),
        Some((first, rest)) => {
            let mut inner = ObjectPattern {
                fields: Vec::new(),
                ors: Vec::new(),
            };
            insert_field(&mut inner.fields, rest, field);
            merge_field(fields, first, FieldPattern::Object(inner));
        }
    }
}

fn merge_field(fields: &mut Vec<(String, FieldPattern)>, name: &str, field: FieldPattern) {
    let existing = fields.iter_mut().find(|(n, f)| {
        n == name
            && matches!(
                (f, &field),
                (FieldPattern::Object(_), FieldPattern::Object(_))
                    | (FieldPattern::Leaf(_), FieldPattern::Leaf(_))
            )
    });
    match (existing, field) {
        (Some((_, FieldPattern::Object(old))), FieldPattern::Object(new)) => {
            for (n, f) in new.fields {
                insert_field(&mut old.fields, &n, f);
            }
            old.ors.extend(new.ors);
        }
        (Some((_, FieldPattern::Leaf(old))), FieldPattern::Leaf(new)) => old.extend(new),
        (_, field) => fields.push((name.to_string(), field)),
    }
}

/// The event with every dotted key `"a.b": v` turned into `"a": {"b": v}`. Values that land
/// on the same path are merged: objects key by key, anything else into one array (so
/// `{"a": 1, "a.b": 2}` has both the leaf `a` = 1 and the field `a.b` = 2).
pub(crate) fn expand(event: &Value) -> Cow<'_, Value> {
    if has_dotted_key(event) {
        Cow::Owned(expanded(event))
    } else {
        Cow::Borrowed(event)
    }
}

fn has_dotted_key(v: &Value) -> bool {
    match v {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains('.') || has_dotted_key(v)),
        Value::Array(items) => items.iter().any(has_dotted_key),
        _ => false,
    }
}

fn expanded(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let mut segments = key.split('.');
                let first = segments.next().unwrap_or_default();
                // "a.b.c": v becomes "a": {"b": {"c": v}}.
                let rest: Vec<&str> = segments.collect();
                let nested = rest.iter().rev().fold(expanded(value), |inner, segment| {
                    Value::Object(Map::from_iter([(segment.to_string(), inner)]))
                });
                merge_value(&mut out, first, nested);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(expanded).collect()),
        other => other.clone(),
    }
}

fn merge_value(map: &mut Map<String, Value>, name: &str, value: Value) {
    let Some(old) = map.get_mut(name) else {
        map.insert(name.to_string(), value);
        return;
    };
    match (old, value) {
        (Value::Object(old), Value::Object(new)) => {
            for (k, v) in new {
                merge_value(old, &k, v);
            }
        }
        (old, new) => {
            let mut items = match std::mem::take(old) {
                Value::Array(items) => items,
                single => vec![single],
            };
            match new {
                Value::Array(more) => items.extend(more),
                single => items.push(single),
            }
            *old = Value::Array(items);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::Pattern;

    // The rule of "Considerations when creating event patterns" (key paths joined with dots),
    // applied where the AWS-recorded corpus cases (cases/dotted_keys.json) do not reach.

    #[test]
    fn dotted_pattern_key_and_nested_key_on_the_same_path_share_one_object() {
        // Merged into one sub-pattern, both fields must hold in the same array element.
        let p = Pattern::from_value(&json!({"d": {"x.a": [1], "x": {"b": [2]}}})).unwrap();
        assert!(p.matches(&json!({"d": {"x": [{"a": 1, "b": 2}]}})));
        assert!(!p.matches(&json!({"d": {"x": [{"a": 1}, {"b": 2}]}})));
    }

    #[test]
    fn dotted_and_nested_leaves_on_the_same_path_are_one_list_of_values() {
        let p = Pattern::from_value(&json!({"x.a": [1], "x": {"a": [2]}})).unwrap();
        assert!(p.matches(&json!({"x": {"a": 1}})));
        assert!(p.matches(&json!({"x": {"a": 2}})));
        assert!(!p.matches(&json!({"x": {"a": 3}})));
    }

    #[test]
    fn dotted_event_keys_merge_with_nested_ones() {
        let p = Pattern::from_value(&json!({"a": {"b": [2], "c": [3]}})).unwrap();
        assert!(p.matches(&json!({"a": {"c": 3}, "a.b": 2})));
        // A leaf and a deeper field on the same path both stay visible.
        let leaf = Pattern::from_value(&json!({"a": [1], "a.b": [2]})).unwrap();
        assert!(leaf.matches(&json!({"a": 1, "a.b": 2})));
        // Inside arrays of objects too.
        let deep = Pattern::from_value(&json!({"r": {"s": {"t": ["x"]}}})).unwrap();
        assert!(deep.matches(&json!({"r": [{"s.t": "y"}, {"s.t": "x"}]})));
    }
}
