//! Typed paths and Choice conditions. A [`Path<F>`] is a JSONPath known to point at a value of
//! Rust type `F`; numeric comparisons exist only on numeric paths, boolean tests only on boolean
//! paths, so a wrong operator does not compile. Raw JSONPath is the escape hatch.

use crate::asl::ChoiceRule;
use serde::Serialize;
use serde_json::Value;
use std::marker::PhantomData;

/// A typed reference to a field of `T` whose type is `F`, made by [`field!`](crate::field).
pub struct FieldRef<T, F> {
    suffix: &'static str,
    _types: PhantomData<fn(&T) -> &F>,
}

impl<T, F> FieldRef<T, F> {
    /// `suffix` is `.a.b`; `_get` only proves to rustc that `T` has that field, of type `F`.
    pub fn new(suffix: &'static str, _get: fn(&T) -> &F) -> Self {
        FieldRef {
            suffix,
            _types: PhantomData,
        }
    }
}

/// `field!(CheckReplicaOutput.lag_seconds)`: a typed reference to a (nested) field, checked by
/// rustc. The JSON name is the Rust field name (our activity types do not rename fields).
#[macro_export]
macro_rules! field {
    ($t:ident $(. $f:ident)+) => {
        $crate::dsl::FieldRef::<$t, _>::new(concat!($(".", stringify!($f)),+), |x: &$t| &x $(. $f)+)
    };
}

/// A JSONPath known to point at a value of type `F`.
pub struct Path<F> {
    pub(crate) text: String,
    _type: PhantomData<fn() -> F>,
}

impl<F> Clone for Path<F> {
    fn clone(&self) -> Self {
        Path::raw(&self.text)
    }
}

impl<F> Path<F> {
    /// An untyped escape hatch: the data-flow check still verifies the path exists.
    pub fn raw(text: &str) -> Self {
        Path {
            text: text.to_string(),
            _type: PhantomData,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// A field of the value this path points at.
    pub fn at<G>(&self, field: FieldRef<F, G>) -> Path<G> {
        Path::raw(&format!("{}{}", self.text, field.suffix))
    }

    fn compare(&self, operator: &str, operand: Value) -> Condition {
        let mut rule = ChoiceRule {
            variable: Some(self.text.clone()),
            ..Default::default()
        };
        rule.operators.insert(operator.to_string(), operand);
        Condition { rule }
    }

    /// `IsPresent: true`.
    pub fn is_present(&self) -> Condition {
        self.compare("IsPresent", Value::Bool(true))
    }

    /// `IsNull: true`.
    pub fn is_null(&self) -> Condition {
        self.compare("IsNull", Value::Bool(true))
    }

    /// Equality with a value of the field's own type; the operator follows the value's JSON
    /// type (`StringEquals` for strings and string enums, `NumericEquals`, `BooleanEquals`).
    pub fn equals(&self, value: F) -> Condition
    where
        F: Serialize,
    {
        match serde_json::to_value(value).expect("comparison values serialise") {
            Value::Null => self.is_null(),
            v @ Value::String(_) => self.compare("StringEquals", v),
            v @ Value::Number(_) => self.compare("NumericEquals", v),
            v @ Value::Bool(_) => self.compare("BooleanEquals", v),
            other => panic!("Choice rules compare scalars; {other} is not one"),
        }
    }
}

impl<T> Path<T> {
    /// `$`: the whole state input, typed as `T` (e.g. the workflow input at the first state).
    pub fn root() -> Path<T> {
        Path::raw("$")
    }
}

/// Types a numeric Choice operator can compare.
pub trait NumberLike {}
macro_rules! number_like {
    ($($t:ty),*) => { $(impl NumberLike for $t {} impl NumberLike for Option<$t> {})* };
}
number_like!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, usize, isize);

/// Types a boolean Choice operator can compare.
pub trait BoolLike {}
impl BoolLike for bool {}
impl BoolLike for Option<bool> {}

/// Types a string Choice operator can compare (implement it for string-valued enums).
pub trait StringLike {}
impl StringLike for String {}
impl StringLike for Option<String> {}

impl<F: NumberLike> Path<F> {
    pub fn lt(&self, value: impl Into<f64>) -> Condition {
        self.compare("NumericLessThan", number(value.into()))
    }
    pub fn le(&self, value: impl Into<f64>) -> Condition {
        self.compare("NumericLessThanEquals", number(value.into()))
    }
    pub fn gt(&self, value: impl Into<f64>) -> Condition {
        self.compare("NumericGreaterThan", number(value.into()))
    }
    pub fn ge(&self, value: impl Into<f64>) -> Condition {
        self.compare("NumericGreaterThanEquals", number(value.into()))
    }
    /// `NumericLessThanEqualsPath`: compare with another numeric field.
    pub fn le_path<G: NumberLike>(&self, other: &Path<G>) -> Condition {
        self.compare(
            "NumericLessThanEqualsPath",
            Value::String(other.text.clone()),
        )
    }
}

impl<F: BoolLike> Path<F> {
    pub fn is_true(&self) -> Condition {
        self.compare("BooleanEquals", Value::Bool(true))
    }
    pub fn is_false(&self) -> Condition {
        self.compare("BooleanEquals", Value::Bool(false))
    }
}

impl<F: StringLike> Path<F> {
    pub fn eq_str(&self, value: &str) -> Condition {
        self.compare("StringEquals", Value::String(value.to_string()))
    }
    /// `StringMatches` with `*` wildcards.
    pub fn matches(&self, pattern: &str) -> Condition {
        self.compare("StringMatches", Value::String(pattern.to_string()))
    }
}

/// Whole numbers are written as integers (`60`, not `60.0`), as a person would.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9e15 {
        Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}

/// A Choice condition: a comparison or a combination of conditions.
#[derive(Clone)]
pub struct Condition {
    pub(crate) rule: ChoiceRule,
}

impl Condition {
    pub fn and(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        Condition {
            rule: ChoiceRule {
                and: Some(conditions.into_iter().map(|c| c.rule).collect()),
                ..Default::default()
            },
        }
    }
    pub fn or(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        Condition {
            rule: ChoiceRule {
                or: Some(conditions.into_iter().map(|c| c.rule).collect()),
                ..Default::default()
            },
        }
    }
    /// The escape hatch: a rule written as raw ASL JSON (without `Next`).
    pub fn raw(rule: Value) -> Condition {
        Condition {
            rule: serde_json::from_value(rule).expect("a raw Choice rule is a JSON object"),
        }
    }
}

/// `!condition` is the ASL `Not` combinator.
impl std::ops::Not for Condition {
    type Output = Condition;
    fn not(self) -> Condition {
        Condition {
            rule: ChoiceRule {
                not: Some(Box::new(self.rule)),
                ..Default::default()
            },
        }
    }
}
