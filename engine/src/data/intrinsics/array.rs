//! `States.Array…`: partition, contains, range, get item, length, unique. (`States.Array`
//! itself is just its arguments, in `mod.rs`.)

use std::collections::HashSet;

use serde_json::Value;
use wfc_compiler::asl::intrinsic::Intrinsic;

use super::{fail, want_array, want_integer};
use crate::data::{json_text, DataError};

/// The most elements `States.ArrayRange` may produce (AWS docs).
pub const MAX_RANGE: i128 = 1000;

pub(super) fn partition(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::ArrayPartition;
    let items = want_array(f, args, 0)?;
    let size = want_integer(f, args, 1)?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .ok_or_else(|| {
            fail(
                f,
                format!("the chunk size must be a positive integer, found {size}"),
            )
        })?;
    Ok(Value::Array(
        items
            .chunks(size)
            .map(|chunk| Value::Array(chunk.to_vec()))
            .collect(),
    ))
}

/// Plain JSON equality, as Jackson's: `1` and `1.0` differ, object key order does not matter.
pub(super) fn contains(args: &[Value]) -> Result<Value, DataError> {
    let items = want_array(Intrinsic::ArrayContains, args, 0)?;
    Ok(Value::Bool(items.contains(&args[1])))
}

/// From start to end inclusive by step (not 0); empty when step points away from end.
pub(super) fn range(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::ArrayRange;
    let [start, end, step] = [0, 1, 2].map(|i| want_integer(f, args, i));
    let (start, end, step) = (i128::from(start?), i128::from(end?), i128::from(step?));
    if step == 0 {
        return Err(fail(f, "the step (argument 3) must not be 0"));
    }
    let count = if (end - start).signum() * step.signum() >= 0 {
        (end - start) / step + 1
    } else {
        0
    };
    if count > MAX_RANGE {
        return Err(fail(
            f,
            format!("the range would have {count} elements; at most {MAX_RANGE} are allowed"),
        ));
    }
    Ok(Value::Array(
        (0..count)
            .map(|k| Value::from((start + k * step) as i64))
            .collect(),
    ))
}

pub(super) fn get_item(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::ArrayGetItem;
    let items = want_array(f, args, 0)?;
    let index = want_integer(f, args, 1)?;
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or_else(|| {
            fail(
                f,
                format!(
                    "index {index} is out of bounds for an array of {} elements",
                    items.len()
                ),
            )
        })
}

pub(super) fn length(args: &[Value]) -> Result<Value, DataError> {
    Ok(Value::from(
        want_array(Intrinsic::ArrayLength, args, 0)?.len(),
    ))
}

/// Keeps the first of equal elements, in order.
pub(super) fn unique(args: &[Value]) -> Result<Value, DataError> {
    let items = want_array(Intrinsic::ArrayUnique, args, 0)?;
    let mut seen = HashSet::new();
    Ok(Value::Array(
        items
            .iter()
            .filter(|v| seen.insert(canonical(v)))
            .cloned()
            .collect(),
    ))
}

/// JSON text with object keys sorted, so that equal values give equal text.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut fields: Vec<_> = map.iter().collect();
            fields.sort_by(|a, b| a.0.cmp(b.0));
            let fields: Vec<String> = fields
                .into_iter()
                .map(|(k, v)| format!("{}:{}", json_text(&Value::from(k.as_str())), canonical(v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => json_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{eval, failure};
    use serde_json::json;

    #[test]
    fn array_and_partition() {
        assert_eq!(
            eval(
                "States.Array('Foo', 2020, $.someJson, null)",
                json!({"someJson": {"random": "abcdefg"}})
            ),
            Ok(json!(["Foo", 2020, {"random": "abcdefg"}, null]))
        );
        assert_eq!(eval("States.Array()", json!({})), Ok(json!([])));
        let nine = json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]});
        assert_eq!(
            eval("States.ArrayPartition($.a, 4)", nine.clone()),
            Ok(json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]))
        );
        assert_eq!(
            eval("States.ArrayPartition($.a, 3.6)", nine.clone()),
            Ok(json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]))
        );
        assert_eq!(
            eval("States.ArrayPartition($.e, 2)", json!({"e": []})),
            Ok(json!([]))
        );
        assert_eq!(
            failure("States.ArrayPartition($.a, 0)", nine.clone()),
            "States.ArrayPartition: the chunk size must be a positive integer, found 0"
        );
        assert!(failure("States.ArrayPartition($.a, -2)", nine).contains("positive"));
    }

    #[test]
    fn contains_uses_json_equality() {
        let input = json!({"a": [1, "x", {"k": [1, 2]}, null], "o": {"k": [1, 2]}});
        assert_eq!(
            eval("States.ArrayContains($.a, 1)", input.clone()),
            Ok(json!(true))
        );
        assert_eq!(
            eval("States.ArrayContains($.a, 'x')", input.clone()),
            Ok(json!(true))
        );
        assert_eq!(
            eval("States.ArrayContains($.a, $.o)", input.clone()),
            Ok(json!(true))
        );
        assert_eq!(
            eval("States.ArrayContains($.a, null)", input.clone()),
            Ok(json!(true))
        );
        assert_eq!(
            eval("States.ArrayContains($.a, 'y')", input.clone()),
            Ok(json!(false))
        );
        assert!(failure("States.ArrayContains($.o, 1)", input)
            .contains("argument 1 must be an array, found object"));
    }

    #[test]
    fn range_is_inclusive_and_limited() {
        let r = |text: &str| eval(text, json!({}));
        assert_eq!(r("States.ArrayRange(1, 9, 2)"), Ok(json!([1, 3, 5, 7, 9])));
        assert_eq!(r("States.ArrayRange(1, 10, 2)"), Ok(json!([1, 3, 5, 7, 9])));
        assert_eq!(r("States.ArrayRange(5, 1, -2)"), Ok(json!([5, 3, 1])));
        assert_eq!(r("States.ArrayRange(3, 3, 1)"), Ok(json!([3])));
        assert_eq!(r("States.ArrayRange(5, 1, 1)"), Ok(json!([])));
        assert_eq!(r("States.ArrayRange(1.4, 2.5, 1)"), Ok(json!([1, 2, 3])));
        assert_eq!(
            r("States.ArrayRange(1, 1000, 1)")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            1000
        );
        assert_eq!(
            failure("States.ArrayRange(0, 1000, 1)", json!({})),
            "States.ArrayRange: the range would have 1001 elements; at most 1000 are allowed"
        );
        assert!(failure(
            "States.ArrayRange(-9000000000000000000, 9000000000000000000, 1)",
            json!({})
        )
        .contains("at most 1000"));
        assert_eq!(
            failure("States.ArrayRange(1, 9, 0)", json!({})),
            "States.ArrayRange: the step (argument 3) must not be 0"
        );
        assert!(failure("States.ArrayRange(1, 9, 0.4)", json!({})).contains("must not be 0"));
        assert!(failure("States.ArrayRange('1', 9, 1)", json!({}))
            .contains("argument 1 must be an integer"));
    }

    #[test]
    fn get_item_length_unique() {
        let input = json!({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5});
        assert_eq!(
            eval("States.ArrayGetItem($.a, $.index)", input.clone()),
            Ok(json!(6))
        );
        assert_eq!(
            failure("States.ArrayGetItem($.a, 9)", input.clone()),
            "States.ArrayGetItem: index 9 is out of bounds for an array of 9 elements"
        );
        assert!(failure("States.ArrayGetItem($.a, -1)", input.clone()).contains("out of bounds"));
        assert_eq!(eval("States.ArrayLength($.a)", input), Ok(json!(9)));
        assert_eq!(
            eval(
                "States.ArrayUnique($.a)",
                json!({"a": [1, 2, 3, 3, 3, 3, 3, 3, 4]})
            ),
            Ok(json!([1, 2, 3, 4]))
        );
        assert_eq!(
            eval(
                "States.ArrayUnique($.a)",
                json!({"a": [{"x": 1, "y": 2}, "1", 1, {"y": 2, "x": 1}, 1.0, [1], [1], "1"]})
            ),
            Ok(json!([{"x": 1, "y": 2}, "1", 1, 1.0, [1]]))
        );
    }
}
