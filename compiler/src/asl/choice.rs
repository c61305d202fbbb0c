//! Choice rules: comparisons (`Variable` + one operator), the `And`/`Or`/`Not` combinators, and
//! JSONata `Condition`s. Operators are kept by their written name so that an unknown or a second
//! operator is reported by `check::choice` with every other problem, not by the parser.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map as JsonMap, Value};

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChoiceRule {
    pub comment: Option<String>,
    pub variable: Option<String>,
    pub and: Option<Vec<ChoiceRule>>,
    pub or: Option<Vec<ChoiceRule>>,
    pub not: Option<Box<ChoiceRule>>,
    /// JSONata: a `{% boolean %}` expression (or a literal boolean).
    pub condition: Option<Value>,
    pub next: Option<String>,
    pub assign: Option<JsonMap<String, Value>>,
    /// JSONata: the output when this rule matches; `null` is a value.
    #[serde(default, deserialize_with = "super::state::present")]
    pub output: Option<Value>,
    /// Comparison operators and anything else written on the rule, by name.
    #[serde(flatten)]
    pub operators: IndexMap<String, Value>,
}

impl ChoiceRule {
    /// The operators this rule carries that are known comparison operators.
    pub fn comparisons(&self) -> impl Iterator<Item = (ComparisonOperator, &Value)> {
        self.operators
            .iter()
            .filter_map(|(name, value)| ComparisonOperator::from_name(name).map(|op| (op, value)))
    }

    /// Written fields that are neither rule fields nor comparison operators.
    pub fn unknown_fields(&self) -> impl Iterator<Item = &str> {
        self.operators
            .keys()
            .map(String::as_str)
            .filter(|name| ComparisonOperator::from_name(name).is_none())
    }

    /// The nested rules of `And`, `Or` and `Not`, with the field that holds each.
    pub fn nested(&self) -> Vec<(String, &ChoiceRule)> {
        let mut out = Vec::new();
        for (i, rule) in self.and.iter().flatten().enumerate() {
            out.push((format!("And[{i}]"), rule));
        }
        for (i, rule) in self.or.iter().flatten().enumerate() {
            out.push((format!("Or[{i}]"), rule));
        }
        if let Some(rule) = &self.not {
            out.push(("Not".to_string(), rule.as_ref()));
        }
        out
    }
}

/// What a comparison operator compares, which decides the type of its operand and of the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonKind {
    String,
    Numeric,
    Boolean,
    Timestamp,
    /// `IsNull`, `IsPresent`, `IsNumeric`, …: the operand is a boolean, the field any type.
    TypeTest,
}

/// A comparison operator: its kind, its relation, and whether it compares to another path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComparisonOperator {
    pub name: &'static str,
    pub kind: ComparisonKind,
    /// The `…Path` form: the operand is a reference path, not a literal.
    pub is_path: bool,
}

/// Every comparison operator of the spec, by name.
pub const COMPARISON_OPERATORS: &[ComparisonOperator] = &{
    use ComparisonKind::*;
    const fn op(name: &'static str, kind: ComparisonKind, is_path: bool) -> ComparisonOperator {
        ComparisonOperator {
            name,
            kind,
            is_path,
        }
    }
    [
        op("StringEquals", String, false),
        op("StringEqualsPath", String, true),
        op("StringLessThan", String, false),
        op("StringLessThanPath", String, true),
        op("StringGreaterThan", String, false),
        op("StringGreaterThanPath", String, true),
        op("StringLessThanEquals", String, false),
        op("StringLessThanEqualsPath", String, true),
        op("StringGreaterThanEquals", String, false),
        op("StringGreaterThanEqualsPath", String, true),
        op("StringMatches", String, false),
        op("NumericEquals", Numeric, false),
        op("NumericEqualsPath", Numeric, true),
        op("NumericLessThan", Numeric, false),
        op("NumericLessThanPath", Numeric, true),
        op("NumericGreaterThan", Numeric, false),
        op("NumericGreaterThanPath", Numeric, true),
        op("NumericLessThanEquals", Numeric, false),
        op("NumericLessThanEqualsPath", Numeric, true),
        op("NumericGreaterThanEquals", Numeric, false),
        op("NumericGreaterThanEqualsPath", Numeric, true),
        op("BooleanEquals", Boolean, false),
        op("BooleanEqualsPath", Boolean, true),
        op("TimestampEquals", Timestamp, false),
        op("TimestampEqualsPath", Timestamp, true),
        op("TimestampLessThan", Timestamp, false),
        op("TimestampLessThanPath", Timestamp, true),
        op("TimestampGreaterThan", Timestamp, false),
        op("TimestampGreaterThanPath", Timestamp, true),
        op("TimestampLessThanEquals", Timestamp, false),
        op("TimestampLessThanEqualsPath", Timestamp, true),
        op("TimestampGreaterThanEquals", Timestamp, false),
        op("TimestampGreaterThanEqualsPath", Timestamp, true),
        op("IsNull", TypeTest, false),
        op("IsPresent", TypeTest, false),
        op("IsNumeric", TypeTest, false),
        op("IsString", TypeTest, false),
        op("IsBoolean", TypeTest, false),
        op("IsTimestamp", TypeTest, false),
    ]
};

impl ComparisonOperator {
    pub fn from_name(name: &str) -> Option<ComparisonOperator> {
        COMPARISON_OPERATORS
            .iter()
            .copied()
            .find(|op| op.name == name)
    }
}

/// The names of every comparison operator (for hints).
pub fn choice_operator_names() -> Vec<&'static str> {
    COMPARISON_OPERATORS.iter().map(|op| op.name).collect()
}
