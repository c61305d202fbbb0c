//! JSONata mode (`QueryLanguage: JSONata`): `{% expression %}` strings anywhere in `Arguments`,
//! `Output`, `Assign`, `Condition`, `Items`, `Seconds`, `Timestamp`, Fail's `Error`/`Cause`, with
//! `$states` (`input`, `result`, `errorOutput`, `context`) and workflow variables bound.
//!
//! Evaluation is done by the `jsonata-rs` crate (a Rust JSONata that passes most of the
//! reference test suite). What it lacks, and what AWS adds, is handled here:
//! - Step Functions' functions `$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`;
//! - determinism: `$now()`, `$millis()`, `$random()` and `$uuid()` read the virtual clock and the
//!   execution's seeded random source (the crate's own versions read the wall clock and the OS
//!   random source, and cannot be replaced, so calls to them are renamed before parsing);
//! - AWS's rule that an expression must not evaluate to nothing: "undefined" is
//!   `States.QueryEvaluationError`, as are parse and evaluation errors, each naming the
//!   expression.
//!
//! Known difference: objects built by an expression come back with their keys in the crate's
//! order, not the written one (JSON objects are unordered, so values compare equal).

use crate::clock::{format_timestamp, Millis};
use crate::data::{RandomSource, SeededRandom};
use crate::error::Failure;
use bumpalo::Bump;
use jsonata_rs::{ArrayFlags, FunctionContext, JsonAta, Value as JValue};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// The text of a `{% … %}` expression, if `text` is one: it must start with `{%` and end with
/// `%}` exactly, so `" {% x %} "` is a literal string (as AWS treats it).
pub(crate) fn expression(text: &str) -> Option<&str> {
    text.strip_prefix("{%")
        .and_then(|t| t.strip_suffix("%}"))
        .map(str::trim)
}

/// What an expression can see.
pub(crate) struct Bindings<'a> {
    /// `$states`: `{input, context}` plus `result` / `errorOutput` where they exist.
    pub states: &'a Value,
    pub variables: &'a Map<String, Value>,
    pub now: Millis,
    pub random: &'a RefCell<SeededRandom>,
}

/// Evaluates every `{% %}` string inside `template` (objects and arrays at any depth); other
/// values are kept as written.
pub(crate) fn evaluate_template(template: &Value, b: &Bindings<'_>) -> Result<Value, Failure> {
    match template {
        Value::String(text) => match expression(text) {
            Some(expr) => evaluate(expr, b),
            None => Ok(template.clone()),
        },
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| Ok((k.clone(), evaluate_template(v, b)?)))
            .collect::<Result<Map<_, _>, Failure>>()
            .map(Value::Object),
        Value::Array(items) => items
            .iter()
            .map(|v| evaluate_template(v, b))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Per-evaluation state the native functions read (they are plain `fn`s, so it cannot be
/// captured).
struct Native {
    now: Millis,
    random: SeededRandom,
}

thread_local! {
    static NATIVE: RefCell<Option<Native>> = const { RefCell::new(None) };
}

/// Evaluates one expression (the text between `{%` and `%}`).
pub(crate) fn evaluate(expr: &str, b: &Bindings<'_>) -> Result<Value, Failure> {
    let fail = |what: String| Failure::query(format!("{what} in the JSONata expression '{expr}'"));
    let arena = Bump::new();
    let rewritten = rename_clock_and_random(expr);
    let jsonata = JsonAta::new(&rewritten, &arena).map_err(|e| fail(format!("{e}")))?;
    register_functions(&jsonata);
    // Only the variables the expression names are converted into the evaluator's values.
    let mut bindings: HashMap<&str, &Value> = HashMap::new();
    bindings.insert("states", b.states);
    for (name, value) in b.variables {
        if mentions_variable(expr, name) {
            bindings.insert(name.as_str(), value);
        }
    }
    let seed = b.random.borrow_mut().next_u64();
    NATIVE.with(|n| {
        *n.borrow_mut() = Some(Native {
            now: b.now,
            random: SeededRandom::new(seed),
        })
    });
    let result = jsonata.evaluate(None, Some(&bindings));
    NATIVE.with(|n| n.borrow_mut().take());
    let value = result.map_err(|e| fail(format!("{e}")))?;
    if value.is_undefined() {
        return Err(Failure::query(format!(
            "The JSONata expression '{expr}' returned nothing (undefined)"
        )));
    }
    serde_json::from_str(&value.serialize(false))
        .map_err(|e| fail(format!("the result is not JSON ({e})")))
}

/// Whether `$name` appears in `expr` as a whole variable name.
fn mentions_variable(expr: &str, name: &str) -> bool {
    let needle = format!("${name}");
    expr.match_indices(&needle).any(|(at, _)| {
        !expr[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The crate binds `$now`, `$millis`, `$random` and `$uuid` to the wall clock and the OS random
/// source after any function we register, so calls to them are renamed to ours. String literals
/// are left alone.
fn rename_clock_and_random(expr: &str) -> String {
    const RENAMED: [(&str, &str); 4] = [
        ("$now(", "$__wfc_now("),
        ("$millis(", "$__wfc_millis("),
        ("$random(", "$__wfc_random("),
        ("$uuid(", "$__wfc_uuid("),
    ];
    let mut out = String::with_capacity(expr.len());
    let mut quote: Option<char> = None;
    let mut rest = expr;
    while let Some(c) = rest.chars().next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    let escaped: String = rest.chars().take(2).collect();
                    out.push_str(&escaped);
                    rest = &rest[escaped.len()..];
                    continue;
                }
                if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None => {
                if let Some((from, to)) = RENAMED.iter().find(|(from, _)| rest.starts_with(from)) {
                    out.push_str(to);
                    rest = &rest[from.len()..];
                    continue;
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

type NativeResult<'a> = jsonata_rs::Result<&'a JValue<'a>>;

fn register_functions(j: &JsonAta<'_>) {
    j.register_function("__wfc_now", 0, fn_now);
    j.register_function("__wfc_millis", 0, fn_millis);
    j.register_function("__wfc_random", 0, fn_random);
    j.register_function("__wfc_uuid", 0, fn_uuid);
    j.register_function("partition", 2, fn_partition);
    j.register_function("range", 3, fn_range);
    j.register_function("parse", 1, fn_parse);
    j.register_function("hash", 2, fn_hash);
}

fn with_native<T>(f: impl FnOnce(&mut Native) -> T) -> T {
    NATIVE.with(|n| {
        let mut n = n.borrow_mut();
        let native = n.get_or_insert_with(|| Native {
            now: 0,
            random: SeededRandom::new(0),
        });
        f(native)
    })
}

fn arg_error(name: &str, what: &str) -> jsonata_rs::Error {
    jsonata_rs::Error::D3137Error(format!("${name}: {what}"))
}

fn fn_now<'a>(ctx: FunctionContext<'a, '_>, _args: &[&'a JValue<'a>]) -> NativeResult<'a> {
    let now = with_native(|n| n.now);
    Ok(JValue::string(ctx.arena, &format_timestamp(now)))
}

fn fn_millis<'a>(ctx: FunctionContext<'a, '_>, _args: &[&'a JValue<'a>]) -> NativeResult<'a> {
    let now = with_native(|n| n.now);
    Ok(JValue::number(ctx.arena, now as f64))
}

/// `$random([seed])`: a number in [0, 1). With a seed, the same seed gives the same number.
fn fn_random<'a>(ctx: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> NativeResult<'a> {
    let draw = match args.first().filter(|a| a.is_number()) {
        Some(seed) => SeededRandom::new(seed.as_f64().to_bits()).next_u64(),
        None => with_native(|n| n.random.next_u64()),
    };
    let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
    Ok(JValue::number(ctx.arena, unit))
}

fn fn_uuid<'a>(ctx: FunctionContext<'a, '_>, _args: &[&'a JValue<'a>]) -> NativeResult<'a> {
    let (a, b) = with_native(|n| (n.random.next_u64(), n.random.next_u64()));
    Ok(JValue::string(ctx.arena, &uuid_v4(a, b)))
}

/// A version-4 UUID from 128 random bits.
pub(crate) fn uuid_v4(a: u64, b: u64) -> String {
    let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000;
    let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// `$partition(array, size)`: the array in chunks of `size`.
fn fn_partition<'a>(ctx: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> NativeResult<'a> {
    let (Some(array), Some(size)) = (args.first(), args.get(1)) else {
        return Err(arg_error("partition", "expects an array and a chunk size"));
    };
    let size = size.as_f64();
    if !array.is_array() || size.is_nan() || size < 1.0 {
        return Err(arg_error(
            "partition",
            "expects an array and a chunk size of at least 1",
        ));
    }
    let members: Vec<&'a JValue<'a>> = array.members().collect();
    let out = JValue::array_with_capacity(ctx.arena, members.len(), ArrayFlags::empty());
    for chunk in members.chunks(size as usize) {
        let part = JValue::array_with_capacity(ctx.arena, chunk.len(), ArrayFlags::empty());
        for m in chunk {
            part.push(m);
        }
        out.push(part);
    }
    Ok(out)
}

/// `$range(start, end, step)`: integers from `start` to `end` inclusive.
fn fn_range<'a>(ctx: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> NativeResult<'a> {
    let nums: Vec<f64> = args.iter().map(|a| a.as_f64()).collect();
    let [start, end, step] = nums[..] else {
        return Err(arg_error("range", "expects start, end and step"));
    };
    if step == 0.0 || !start.is_finite() || !end.is_finite() {
        return Err(arg_error("range", "the step must not be 0"));
    }
    let count = ((end - start) / step).floor() + 1.0;
    if count > 1000.0 {
        return Err(arg_error("range", "at most 1000 elements"));
    }
    // A JSONata sequence, as AWS's `$range` returns: one number comes out as that number
    // (`$range(1, 9, 9)` is `1`). An empty range stays `[]` rather than becoming undefined.
    let flags = if count >= 1.0 {
        ArrayFlags::SEQUENCE
    } else {
        ArrayFlags::empty()
    };
    let out = JValue::array_with_capacity(ctx.arena, count.max(0.0) as usize, flags);
    let mut x = start;
    while (step > 0.0 && x <= end) || (step < 0.0 && x >= end) {
        out.push(JValue::number(ctx.arena, x));
        x += step;
    }
    Ok(out)
}

/// `$parse(text)`: the JSON value a string holds.
fn fn_parse<'a>(ctx: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> NativeResult<'a> {
    let Some(text) = args.first().filter(|a| a.is_string()) else {
        return Err(arg_error("parse", "expects a string"));
    };
    let value: Value = serde_json::from_str(&text.as_str())
        .map_err(|e| arg_error("parse", &format!("not JSON: {e}")))?;
    Ok(to_jsonata(ctx.arena, &value))
}

/// `$hash(data, algorithm)`: MD5, SHA-1, SHA-256, SHA-384 or SHA-512 of a string, in hex.
fn fn_hash<'a>(ctx: FunctionContext<'a, '_>, args: &[&'a JValue<'a>]) -> NativeResult<'a> {
    use sha2::Digest;
    let (Some(data), Some(algorithm)) = (args.first(), args.get(1)) else {
        return Err(arg_error("hash", "expects data and an algorithm"));
    };
    let data = data.as_str();
    let bytes = data.as_bytes();
    let digest: Vec<u8> = match algorithm.as_str().as_ref() {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA-1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
        other => {
            return Err(arg_error(
                "hash",
                &format!("unknown algorithm '{other}' (MD5, SHA-1, SHA-256, SHA-384, SHA-512)"),
            ))
        }
    };
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(JValue::string(ctx.arena, &hex))
}

fn to_jsonata<'a>(arena: &'a Bump, value: &Value) -> &'a JValue<'a> {
    match value {
        Value::Null => JValue::null(arena),
        Value::Bool(b) => JValue::bool(*b),
        Value::Number(n) => JValue::number(arena, n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JValue::string(arena, s),
        Value::Array(items) => {
            let out = JValue::array_with_capacity(arena, items.len(), ArrayFlags::empty());
            for item in items {
                out.push(to_jsonata(arena, item));
            }
            out
        }
        Value::Object(fields) => {
            let out = JValue::object_with_capacity(arena, fields.len());
            for (k, v) in fields {
                out.insert(k, to_jsonata(arena, v));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(expr: &str, states: Value, variables: Value) -> Result<Value, Failure> {
        let random = RefCell::new(SeededRandom::new(1));
        let variables = variables.as_object().cloned().unwrap_or_default();
        evaluate(
            expr,
            &Bindings {
                states: &states,
                variables: &variables,
                now: 1_704_067_200_000,
                random: &random,
            },
        )
    }

    #[test]
    fn evaluates_with_states_and_variables() {
        let states = json!({"input": {"a": 2, "name": "db"}});
        assert_eq!(
            eval("$states.input.a * $x", states.clone(), json!({"x": 3})).unwrap(),
            json!(6)
        );
        assert_eq!(
            eval("$states.input.name & '-1'", states.clone(), json!({})).unwrap(),
            json!("db-1")
        );
        assert_eq!(
            eval("$now()", states.clone(), json!({})).unwrap(),
            json!("2024-01-01T00:00:00.000Z")
        );
        assert_eq!(
            eval("'$now()'", states.clone(), json!({})).unwrap(),
            json!("$now()"),
            "string literals are not renamed"
        );
        assert_eq!(
            eval("$partition([1,2,3], 2)", states.clone(), json!({})).unwrap(),
            json!([[1, 2], [3]])
        );
        assert_eq!(
            eval("$range(0, 6, 2)", states.clone(), json!({})).unwrap(),
            json!([0, 2, 4, 6])
        );
        assert_eq!(
            eval("$parse('{\"k\": [1]}').k", states.clone(), json!({})).unwrap(),
            json!([1])
        );
        assert_eq!(
            eval("$hash('abc', 'SHA-256')", states, json!({})).unwrap(),
            json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[test]
    fn undefined_and_errors_are_query_evaluation_errors() {
        let e = eval("$states.input.missing", json!({"input": {}}), json!({})).unwrap_err();
        assert_eq!(e.name(), "States.QueryEvaluationError");
        assert!(e.to_string().contains("$states.input.missing"), "{e}");
        let e = eval("1 +", json!({}), json!({})).unwrap_err();
        assert_eq!(e.name(), "States.QueryEvaluationError");
    }

    #[test]
    fn templates_evaluate_nested_expressions_only() {
        let random = RefCell::new(SeededRandom::new(1));
        let states = json!({"input": {"a": 1}});
        let variables = Map::new();
        let b = Bindings {
            states: &states,
            variables: &variables,
            now: 0,
            random: &random,
        };
        let out = evaluate_template(
            &json!({"x": "{% $states.input.a + 1 %}", "y": ["plain", "{% 'z' %}"], "n": 5}),
            &b,
        )
        .unwrap();
        assert_eq!(out, json!({"x": 2, "y": ["plain", "z"], "n": 5}));
    }

    #[test]
    fn uuids_are_version_4() {
        let u = uuid_v4(u64::MAX, 0);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
