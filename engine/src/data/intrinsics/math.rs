//! `States.MathRandom` and `States.MathAdd`.

use serde_json::Value;
use wfc_compiler::asl::intrinsic::Intrinsic;

use super::{fail, want_integer};
use crate::data::{DataError, RandomSource, SeededRandom};

/// A random integer with start ≤ n < end (AWS docs: "start number (inclusive) and end number
/// (exclusive)"). With a seed, the same seed always gives the same number; without one, the
/// engine's seeded source decides, so runs are reproducible.
pub(super) fn random(args: &[Value], random: &mut dyn RandomSource) -> Result<Value, DataError> {
    let f = Intrinsic::MathRandom;
    let start = want_integer(f, args, 0)?;
    let end = want_integer(f, args, 1)?;
    if end <= start {
        return Err(fail(
            f,
            format!(
                "the end ({end}) must be greater than the start ({start}): the end is exclusive"
            ),
        ));
    }
    let draw = match args.get(2) {
        Some(_) => SeededRandom::new(want_integer(f, args, 2)? as u64).next_u64(),
        None => random.next_u64(),
    };
    // Scales the draw onto the span without modulo bias: floor(draw * span / 2^64).
    let span = (i128::from(end) - i128::from(start)) as u128;
    let offset = ((u128::from(draw) * span) >> 64) as i128;
    Ok(Value::from((i128::from(start) + offset) as i64))
}

/// The sum of two integers, each in the 32-bit range the AWS docs require.
pub(super) fn add(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::MathAdd;
    let mut sum = 0;
    for i in 0..2 {
        let n = want_integer(f, args, i)?;
        if i32::try_from(n).is_err() {
            return Err(fail(
                f,
                format!(
                    "argument {} must be between -2147483648 and 2147483647, found {n}",
                    i + 1
                ),
            ));
        }
        sum += n;
    }
    Ok(Value::from(sum))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{eval, failure};
    use serde_json::json;

    #[test]
    fn random_stays_in_range_and_seeds_repeat() {
        for seed in 0..200 {
            let v = eval(&format!("States.MathRandom(1, 4, {seed})"), json!({})).unwrap();
            let n = v.as_i64().unwrap();
            assert!((1..4).contains(&n), "{n}");
        }
        let seeded = |s: u32| eval(&format!("States.MathRandom(1, 999, {s})"), json!({}));
        assert_eq!(seeded(7), seeded(7));
        // The engine's source makes unseeded calls reproducible too.
        assert_eq!(
            eval("States.MathRandom(0, 1000)", json!({})),
            eval("States.MathRandom(0, 1000)", json!({}))
        );
        assert_eq!(eval("States.MathRandom(5, 6)", json!({})), Ok(json!(5)));
        assert!(eval(
            "States.MathRandom(-9223372036854775808, 9223372036854775807)",
            json!({})
        )
        .unwrap()
        .is_i64());
        assert!(failure("States.MathRandom(5, 5)", json!({}))
            .contains("must be greater than the start"));
        assert!(failure("States.MathRandom($.s, 5)", json!({"s": "1"}))
            .contains("argument 1 must be an integer"));
    }

    #[test]
    fn add_rounds_and_checks_range() {
        let input = json!({"value1": 111, "step": -1});
        assert_eq!(
            eval("States.MathAdd($.value1, $.step)", input),
            Ok(json!(110))
        );
        assert_eq!(eval("States.MathAdd(1.5, 2.4)", json!({})), Ok(json!(4)));
        assert_eq!(
            eval("States.MathAdd(2147483647, 2147483647)", json!({})),
            Ok(json!(4294967294i64))
        );
        assert_eq!(
            failure("States.MathAdd(2147483648, 1)", json!({})),
            "States.MathAdd: argument 1 must be between -2147483648 and 2147483647, found 2147483648"
        );
        assert!(failure("States.MathAdd(1, null)", json!({}))
            .contains("argument 2 must be an integer, found null"));
    }
}
