//! The intrinsic functions (`States.Format(…)`, …), JSONPath mode. Arguments are evaluated
//! first, inner calls before outer ones; a function given the wrong types or values fails with
//! `States.IntrinsicFailure` and a cause naming the function and what was wrong.

mod array;
mod encoding;
mod hash;
mod json;
mod math;
mod string;
mod uuid;

use std::fmt::Display;

use serde_json::{Map, Value};
use wfc_compiler::asl::intrinsic::{Arg, Intrinsic, IntrinsicCall};

use super::path::{root, select};
use super::{json_text, type_name, DataError, RandomSource, Scope};

/// The most characters `States.Base64Encode`, `States.Base64Decode` and `States.Hash` take
/// (AWS docs: "a data string of up to 10,000 characters").
pub const MAX_INPUT_CHARS: usize = 10_000;

/// Evaluates `call` over `scope`; `random` feeds `States.MathRandom` (without a seed) and
/// `States.UUID`.
pub fn evaluate(
    call: &IntrinsicCall,
    scope: &Scope,
    random: &mut dyn RandomSource,
) -> Result<Value, DataError> {
    let f = call.function;
    let (min, max) = f.arity();
    let count = call.args.len();
    if count < min || max.is_some_and(|max| count > max) {
        return Err(fail(f, format!("wrong number of arguments ({count})")));
    }
    // A literal States.Format template stays split at its placeholders, so that an escaped
    // `\{\}` (text) is not taken for a `{}` (placeholder).
    let (template, rest) = match (f, call.args.split_first()) {
        (Intrinsic::Format, Some((Arg::Template(pieces), rest))) => (Some(pieces.as_slice()), rest),
        _ => (None, call.args.as_slice()),
    };
    let args = rest
        .iter()
        .map(|arg| argument(f, arg, scope, random))
        .collect::<Result<Vec<_>, _>>()?;
    match f {
        Intrinsic::Format => string::format(template, &args),
        Intrinsic::StringSplit => string::split(&args),
        Intrinsic::StringToJson => json::string_to_json(&args),
        Intrinsic::JsonToString => Ok(Value::String(json_text(&args[0]))),
        Intrinsic::JsonMerge => json::merge(&args),
        Intrinsic::Array => Ok(Value::Array(args)),
        Intrinsic::ArrayPartition => array::partition(&args),
        Intrinsic::ArrayContains => array::contains(&args),
        Intrinsic::ArrayRange => array::range(&args),
        Intrinsic::ArrayGetItem => array::get_item(&args),
        Intrinsic::ArrayLength => array::length(&args),
        Intrinsic::ArrayUnique => array::unique(&args),
        Intrinsic::Base64Encode => encoding::encode(&args),
        Intrinsic::Base64Decode => encoding::decode(&args),
        Intrinsic::Hash => hash::hash(&args),
        Intrinsic::MathRandom => math::random(&args, random),
        Intrinsic::MathAdd => math::add(&args),
        Intrinsic::Uuid => Ok(uuid::v4(random)),
    }
}

fn argument(
    f: Intrinsic,
    arg: &Arg,
    scope: &Scope,
    random: &mut dyn RandomSource,
) -> Result<Value, DataError> {
    match arg {
        Arg::String(s) => Ok(Value::String(s.clone())),
        Arg::Template(_) => Err(fail(
            f,
            "a '{}' template is only allowed as the first argument of States.Format",
        )),
        Arg::Number(n) => Ok(Value::Number(n.clone())),
        Arg::Bool(b) => Ok(Value::Bool(*b)),
        Arg::Null => Ok(Value::Null),
        // A path argument that selects nothing fails the execution with States.Runtime, not
        // States.IntrinsicFailure; AWS's cause: "The JsonPath argument for the field '$.x'
        // could not be found in the input '…'" (an AWS-recorded failure, see DIFFERENCES.md).
        Arg::Path(path) => select(path, scope)?.ok_or_else(|| {
            let applied_to = root(path, scope).map_or_else(|| "null".into(), json_text);
            DataError::runtime(format!(
                "The JsonPath argument for the field '{path}' could not be found in the input '{applied_to}'"
            ))
        }),
        Arg::Call(inner) => evaluate(inner, scope, random),
    }
}

/// `States.IntrinsicFailure` with a cause that names the function.
pub(super) fn fail(f: Intrinsic, message: impl Display) -> DataError {
    DataError::intrinsic(format!("{f}: {message}"))
}

/// "argument 2 must be an array, found string".
fn wrong(f: Intrinsic, i: usize, wanted: &str, found: &Value) -> DataError {
    fail(
        f,
        format!(
            "argument {} must be {wanted}, found {}",
            i + 1,
            type_name(found)
        ),
    )
}

pub(super) fn want_string(f: Intrinsic, args: &[Value], i: usize) -> Result<&str, DataError> {
    args[i]
        .as_str()
        .ok_or_else(|| wrong(f, i, "a string", &args[i]))
}

/// A string of at most [`MAX_INPUT_CHARS`] characters.
pub(super) fn want_limited_string(
    f: Intrinsic,
    args: &[Value],
    i: usize,
) -> Result<&str, DataError> {
    let text = want_string(f, args, i)?;
    let chars = text.chars().count();
    if chars > MAX_INPUT_CHARS {
        return Err(fail(
            f,
            format!("the input has {chars} characters; at most {MAX_INPUT_CHARS} are allowed"),
        ));
    }
    Ok(text)
}

pub(super) fn want_array(f: Intrinsic, args: &[Value], i: usize) -> Result<&Vec<Value>, DataError> {
    args[i]
        .as_array()
        .ok_or_else(|| wrong(f, i, "an array", &args[i]))
}

pub(super) fn want_object(
    f: Intrinsic,
    args: &[Value],
    i: usize,
) -> Result<&Map<String, Value>, DataError> {
    args[i]
        .as_object()
        .ok_or_else(|| wrong(f, i, "an object", &args[i]))
}

pub(super) fn want_bool(f: Intrinsic, args: &[Value], i: usize) -> Result<bool, DataError> {
    args[i]
        .as_bool()
        .ok_or_else(|| wrong(f, i, "a boolean", &args[i]))
}

/// An integer argument. AWS docs: "If you specify a non-integer value …, Step Functions will
/// round it off to the nearest integer"; halves round up, as Java's `Math.round` does.
pub(super) fn want_integer(f: Intrinsic, args: &[Value], i: usize) -> Result<i64, DataError> {
    let Value::Number(n) = &args[i] else {
        return Err(wrong(f, i, "an integer", &args[i]));
    };
    if let Some(integer) = n.as_i64() {
        return Ok(integer);
    }
    let rounded = n.as_f64().map(|x| (x + 0.5).floor()).unwrap_or(f64::NAN);
    if rounded.is_finite() && rounded.abs() < 9.2e18 {
        Ok(rounded as i64)
    } else {
        Err(fail(
            f,
            format!("argument {} is not a usable integer: {n}", i + 1),
        ))
    }
}

/// Lowercase hexadecimal, as AWS prints hashes and UUIDs.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::data::test_support::Fixture;
    use crate::data::{SeededRandom, INTRINSIC_FAILURE};
    use serde_json::json;
    use wfc_compiler::asl::intrinsic::parse_intrinsic;

    /// Evaluates an intrinsic call written as in ASL, over `input`.
    pub fn eval(text: &str, input: Value) -> Result<Value, DataError> {
        let f = Fixture::new(input);
        let call = parse_intrinsic(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        evaluate(&call, &f.scope(), &mut SeededRandom::new(42))
    }

    /// The cause of a call that must fail with `States.IntrinsicFailure`.
    pub fn failure(text: &str, input: Value) -> String {
        let err = eval(text, input).unwrap_err();
        assert_eq!(err.error, INTRINSIC_FAILURE, "{text}");
        err.cause
    }

    #[test]
    fn nested_calls_evaluate_inner_first() {
        // AWS's nesting example, with a template that fits its two arguments.
        let input = json!({"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123:image-recipe/my-recipe.v1/1.0.2"}});
        assert_eq!(
            eval("States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))", input),
            Ok(json!("1.0"))
        );
        assert_eq!(
            eval(
                "States.ArrayLength(States.Array(States.UUID(), States.MathAdd(1, 2), $.a))",
                json!({"a": []})
            ),
            Ok(json!(3))
        );
        assert_eq!(
            eval("States.Hash(States.JsonToString($$), 'MD5')", json!({})),
            Ok(json!("99914b932bd37a50b983c5e7c90ae93b"))
        );
    }

    #[test]
    fn argument_errors() {
        // AWS: States.Runtime, not States.IntrinsicFailure (DIFFERENCES.md, issue 12).
        assert_eq!(
            eval("States.ArrayLength($.missing)", json!({"a": 1})),
            Err(DataError::runtime(
                "The JsonPath argument for the field '$.missing' could not be found in the input '{\"a\":1}'"
            ))
        );
        assert_eq!(
            failure("States.ArrayLength($.a)", json!({"a": "x"})),
            "States.ArrayLength: argument 1 must be an array, found string"
        );
        // A call built by hand with the wrong arity is refused, not indexed out of bounds.
        let call = IntrinsicCall {
            function: Intrinsic::ArrayLength,
            args: vec![],
        };
        let f = Fixture::new(json!({}));
        assert_eq!(
            evaluate(&call, &f.scope(), &mut SeededRandom::new(0))
                .unwrap_err()
                .cause,
            "States.ArrayLength: wrong number of arguments (0)"
        );
        let call = IntrinsicCall {
            function: Intrinsic::ArrayLength,
            args: vec![Arg::Template(vec!["a".into()])],
        };
        assert!(evaluate(&call, &f.scope(), &mut SeededRandom::new(0))
            .unwrap_err()
            .cause
            .contains("only allowed as the first argument of States.Format"));
    }

    #[test]
    fn integers_round_half_up() {
        let round = |x: Value| want_integer(Intrinsic::MathAdd, &[x], 0);
        assert_eq!(round(json!(2.5)), Ok(3));
        assert_eq!(round(json!(2.49)), Ok(2));
        assert_eq!(round(json!(-2.5)), Ok(-2));
        assert_eq!(round(json!(-2.51)), Ok(-3));
        assert_eq!(round(json!(7)), Ok(7));
        assert!(round(json!(1e300)).is_err());
        assert!(round(json!("1")).is_err());
    }
}
