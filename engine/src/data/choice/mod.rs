//! Choice rules in JSONPath mode: `And`/`Or`/`Not`, and comparisons of a `Variable` (a path,
//! `$$…` or `$name` too) with an operand, or with another path for the `…Path` operators.
//!
//! As the ASL spec and AWS's Choice docs say: a `Variable` (or `…Path` operand) that selects
//! nothing fails the execution with `States.Runtime` ("Invalid path '$.x': The choice state's
//! condition path references an invalid value.") — except under `IsPresent`, which is then
//! false; a value of the wrong type makes a comparison false.

pub mod boolean;
pub mod numeric;
pub mod string;
pub mod timestamp;
pub mod type_test;

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;
use wfc_compiler::asl::{ChoiceRule, ComparisonKind, ComparisonOperator};

use super::path::{select_cow, PathField};
use super::{json_text, DataError, Scope};

/// Whether `rule` holds for `scope` (whose `input` is the Choice state's effective input).
/// `And` and `Or` stop at the first rule that decides, as the spec says.
pub fn matches(rule: &ChoiceRule, scope: &Scope) -> Result<bool, DataError> {
    Rule::new(rule).matches(scope)
}

/// A Choice rule parsed once, when the machine is prepared: paths parsed, the operator and its
/// relation looked up. A malformed rule keeps its error, raised when the rule is evaluated (a
/// rule after the one that matches is never evaluated, so never fails).
#[derive(Debug, Clone)]
pub enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    Compare(Box<Comparison>),
    Invalid(DataError),
}

#[derive(Debug, Clone)]
pub struct Comparison {
    variable: PathField,
    op: ComparisonOperator,
    operand: Operand,
    relation: Result<&'static [Ordering], DataError>,
}

#[derive(Debug, Clone)]
enum Operand {
    Literal(Value),
    Path(PathField),
    /// A `…Path` operator whose operand is not a string.
    NotAPath(DataError),
}

impl Rule {
    pub fn new(rule: &ChoiceRule) -> Rule {
        if let Some(rules) = &rule.and {
            return Rule::And(rules.iter().map(Rule::new).collect());
        }
        if let Some(rules) = &rule.or {
            return Rule::Or(rules.iter().map(Rule::new).collect());
        }
        if let Some(r) = &rule.not {
            return Rule::Not(Box::new(Rule::new(r)));
        }
        if rule.condition.is_some() {
            return Rule::Invalid(DataError::runtime(
                "A JSONata 'Condition' is not a JSONPath Choice rule: evaluate it with JSONata",
            ));
        }
        let mut operators = rule.comparisons();
        let (Some((op, operand)), None) = (operators.next(), operators.next()) else {
            return Rule::Invalid(DataError::runtime(
                "A Choice rule needs 'And', 'Or', 'Not' or exactly one comparison operator",
            ));
        };
        let Some(variable) = rule.variable.as_deref() else {
            return Rule::Invalid(DataError::runtime(format!(
                "The Choice rule with '{}' has no 'Variable'",
                op.name
            )));
        };
        let operand = match (op.is_path, operand.as_str()) {
            (false, _) => Operand::Literal(operand.clone()),
            (true, Some(text)) => Operand::Path(PathField::new(text)),
            (true, None) => Operand::NotAPath(DataError::runtime(format!(
                "{} takes a path, found {}",
                op.name,
                json_text(operand)
            ))),
        };
        Rule::Compare(Box::new(Comparison {
            variable: PathField::new(variable),
            op,
            operand,
            relation: relation(op),
        }))
    }

    /// Whether the rule holds for `scope`.
    pub fn matches(&self, scope: &Scope) -> Result<bool, DataError> {
        match self {
            Rule::And(rules) => {
                for r in rules {
                    if !r.matches(scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Rule::Or(rules) => {
                for r in rules {
                    if r.matches(scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Rule::Not(r) => Ok(!r.matches(scope)?),
            Rule::Compare(c) => c.holds(scope),
            Rule::Invalid(e) => Err(e.clone()),
        }
    }
}

impl Comparison {
    /// Reads the variable (and a `…Path` operand), then applies the operator.
    fn holds(&self, scope: &Scope) -> Result<bool, DataError> {
        let op = self.op;
        let variable = &self.variable.text;
        let value = select_cow(self.variable.path()?, scope)?;
        if op.kind == ComparisonKind::TypeTest {
            if value.is_none() && op.name != "IsPresent" {
                return Err(invalid_path(variable));
            }
            let Operand::Literal(operand) = &self.operand else {
                unreachable!("type tests have no Path form")
            };
            return type_test::test(op.name, value.as_deref(), operand);
        }
        let value = value.ok_or_else(|| invalid_path(variable))?;
        let operand = match &self.operand {
            Operand::Literal(operand) => Cow::Borrowed(operand),
            Operand::Path(field) => {
                select_cow(field.path()?, scope)?.ok_or_else(|| invalid_path(&field.text))?
            }
            Operand::NotAPath(e) => return Err(e.clone()),
        };
        if op.name == "StringMatches" {
            return string::matches(&value, &operand);
        }
        let order = match op.kind {
            ComparisonKind::String => string::order(&value, &operand),
            ComparisonKind::Numeric => numeric::order(&value, &operand),
            ComparisonKind::Boolean => boolean::order(&value, &operand),
            ComparisonKind::Timestamp => timestamp::order(&value, &operand),
            ComparisonKind::TypeTest => unreachable!("handled above"),
        };
        let relation = self.relation.clone()?;
        Ok(order.is_some_and(|o| relation.contains(&o)))
    }
}

/// The orderings an operator accepts, from its name: `…Equals`, `…LessThan`, ….
fn relation(op: ComparisonOperator) -> Result<&'static [Ordering], DataError> {
    use Ordering::*;
    let base = if op.is_path {
        op.name.strip_suffix("Path").unwrap_or(op.name)
    } else {
        op.name
    };
    let table: [(&str, &'static [Ordering]); 5] = [
        ("GreaterThanEquals", &[Greater, Equal]),
        ("LessThanEquals", &[Less, Equal]),
        ("GreaterThan", &[Greater]),
        ("LessThan", &[Less]),
        ("Equals", &[Equal]),
    ];
    table
        .into_iter()
        .find(|(suffix, _)| base.ends_with(suffix))
        .map(|(_, orderings)| orderings)
        .ok_or_else(|| DataError::runtime(format!("Unknown comparison operator '{}'", op.name)))
}

fn invalid_path(path: &str) -> DataError {
    DataError::runtime(format!(
        "Invalid path '{path}': The choice state's condition path references an invalid value."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::test_support::Fixture;
    use crate::data::RUNTIME;
    use serde_json::json;

    fn rule(v: Value) -> ChoiceRule {
        serde_json::from_value(v).unwrap()
    }

    fn input() -> Value {
        json!({
            "s": "beta", "s2": "alpha", "n": 5, "f": 5.0, "half": 4.5, "big": 9007199254740993u64,
            "t": true, "ts": "2024-01-01T10:00:00Z", "ts2": "2024-01-01T12:00:00+02:00",
            "null": null, "list": [1], "obj": {"k": "v"}
        })
    }

    fn check(f: &Fixture, r: Value) -> Result<bool, DataError> {
        matches(&rule(r), &f.scope())
    }

    fn holds(r: Value) -> bool {
        check(&Fixture::new(input()), r).unwrap()
    }

    /// (operator, variable, literal operand, expected) for every non-Path comparison operator.
    fn comparison_cases() -> Vec<(&'static str, &'static str, Value, bool)> {
        vec![
            ("StringEquals", "$.s", json!("beta"), true),
            ("StringEquals", "$.s", json!("Beta"), false),
            ("StringLessThan", "$.s", json!("gamma"), true),
            ("StringLessThan", "$.s", json!("beta"), false),
            ("StringGreaterThan", "$.s", json!("alpha"), true),
            ("StringLessThanEquals", "$.s", json!("beta"), true),
            ("StringGreaterThanEquals", "$.s", json!("beta"), true),
            ("StringGreaterThanEquals", "$.s", json!("c"), false),
            ("NumericEquals", "$.n", json!(5), true),
            ("NumericEquals", "$.n", json!(5.0), true),
            ("NumericEquals", "$.f", json!(5), true),
            ("NumericLessThan", "$.half", json!(5), true),
            ("NumericLessThan", "$.n", json!(5), false),
            ("NumericGreaterThan", "$.n", json!(4.99), true),
            ("NumericLessThanEquals", "$.n", json!(5), true),
            ("NumericGreaterThanEquals", "$.n", json!(6), false),
            // Integers beyond 2^53 compare exactly, not as rounded doubles.
            (
                "NumericGreaterThan",
                "$.big",
                json!(9007199254740992u64),
                true,
            ),
            ("BooleanEquals", "$.t", json!(true), true),
            ("BooleanEquals", "$.t", json!(false), false),
            (
                "TimestampEquals",
                "$.ts",
                json!("2024-01-01T10:00:00.000Z"),
                true,
            ),
            // 12:00+02:00 is 10:00Z: compared as instants.
            (
                "TimestampEquals",
                "$.ts2",
                json!("2024-01-01T10:00:00Z"),
                true,
            ),
            (
                "TimestampLessThan",
                "$.ts",
                json!("2024-01-01T10:00:01Z"),
                true,
            ),
            (
                "TimestampGreaterThan",
                "$.ts",
                json!("2023-12-31T23:59:59Z"),
                true,
            ),
            (
                "TimestampLessThanEquals",
                "$.ts",
                json!("2024-01-01T10:00:00Z"),
                true,
            ),
            (
                "TimestampGreaterThanEquals",
                "$.ts",
                json!("2024-01-01T10:00:01Z"),
                false,
            ),
            // Wrong types are false, never an error and never coerced.
            ("StringEquals", "$.n", json!("5"), false),
            ("NumericEquals", "$.s", json!(5), false),
            ("NumericEquals", "$.t", json!(1), false),
            ("BooleanEquals", "$.s", json!(true), false),
            (
                "TimestampEquals",
                "$.s",
                json!("2024-01-01T10:00:00Z"),
                false,
            ),
            ("TimestampEquals", "$.ts", json!("not a time"), false),
            ("StringEquals", "$.null", json!("null"), false),
            // A timestamp is a string too.
            ("StringEquals", "$.ts", json!("2024-01-01T10:00:00Z"), true),
        ]
    }

    #[test]
    fn every_comparison_operator() {
        for (op, var, operand, expected) in comparison_cases() {
            assert_eq!(
                holds(json!({"Variable": var, op: operand.clone()})),
                expected,
                "{var} {op} {operand}"
            );
        }
    }

    #[test]
    fn every_path_operator_reads_its_operand() {
        for (op, var, operand, expected) in comparison_cases() {
            let mut data = input();
            data["other"] = operand.clone();
            let f = Fixture::new(data);
            let path_op = format!("{op}Path");
            let got = check(&f, json!({"Variable": var, path_op.clone(): "$.other"})).unwrap();
            assert_eq!(got, expected, "{var} {path_op} {operand}");
        }
    }

    #[test]
    fn string_matches_wildcards_and_escapes() {
        let f = Fixture::new(json!({"v": "foo23.log", "star": "a*b", "bs": "a\\b"}));
        let m = |var: &str, pattern: &str| {
            check(&f, json!({"Variable": var, "StringMatches": pattern}))
        };
        assert_eq!(m("$.v", "foo*.log"), Ok(true));
        assert_eq!(m("$.v", "*.log"), Ok(true));
        assert_eq!(m("$.v", "foo*.*"), Ok(true));
        assert_eq!(m("$.v", "*"), Ok(true));
        assert_eq!(m("$.v", "foo*3*g"), Ok(true));
        assert_eq!(m("$.v", "foo*.txt"), Ok(false));
        assert_eq!(m("$.v", "foo23.lo"), Ok(false));
        assert_eq!(m("$.v", "f*23*3.log"), Ok(false));
        assert_eq!(m("$.star", "a\\*b"), Ok(true));
        assert_eq!(m("$.v", "foo\\*.log"), Ok(false));
        assert_eq!(m("$.bs", "a\\\\b"), Ok(true));
        assert_eq!(m("$.v", "foo\\d").unwrap_err().error, RUNTIME);
        assert_eq!(m("$.bs", "a\\").unwrap_err().error, RUNTIME);
    }

    #[test]
    fn type_tests() {
        let cases = [
            ("IsNull", "$.null", true),
            ("IsNull", "$.s", false),
            ("IsPresent", "$.null", true),
            ("IsPresent", "$.nope", false),
            ("IsPresent", "$.obj.nope", false),
            ("IsNumeric", "$.half", true),
            ("IsNumeric", "$.s", false),
            ("IsString", "$.s", true),
            ("IsString", "$.n", false),
            ("IsBoolean", "$.t", true),
            ("IsBoolean", "$.null", false),
            ("IsTimestamp", "$.ts", true),
            ("IsTimestamp", "$.ts2", true),
            ("IsTimestamp", "$.s", false),
        ];
        for (op, var, expected) in cases {
            assert_eq!(
                holds(json!({"Variable": var, op: true})),
                expected,
                "{op} {var}"
            );
            assert_eq!(
                holds(json!({"Variable": var, op: false})),
                !expected,
                "{op} {var} false"
            );
        }
    }

    #[test]
    fn missing_variables_fail_except_under_is_present() {
        let f = Fixture::new(input());
        for op in [
            json!({"StringEquals": "x"}),
            json!({"IsNull": true}),
            json!({"IsString": false}),
        ] {
            let mut r = op.clone();
            r["Variable"] = json!("$.nope");
            assert_eq!(
                check(&f, r),
                Err(DataError::runtime(
                    "Invalid path '$.nope': The choice state's condition path references an invalid value."
                )),
                "{op}"
            );
        }
        assert_eq!(
            check(
                &f,
                json!({"Variable": "$.n", "NumericEqualsPath": "$.nope"})
            )
            .unwrap_err()
            .cause,
            "Invalid path '$.nope': The choice state's condition path references an invalid value."
        );
        assert_eq!(
            check(&f, json!({"Variable": "$.nope", "IsPresent": false})),
            Ok(true)
        );
        // A wrong-typed operand of a type test is a definition error.
        assert_eq!(
            check(&f, json!({"Variable": "$.n", "IsNull": "yes"}))
                .unwrap_err()
                .error,
            RUNTIME
        );
    }

    #[test]
    fn combinators_short_circuit() {
        // The second rule of each would fail (missing variable) if it were evaluated.
        let boom = json!({"Variable": "$.nope", "NumericEquals": 1});
        assert!(!holds(
            json!({"And": [{"Variable": "$.n", "NumericEquals": 4}, boom]})
        ));
        assert!(holds(
            json!({"Or": [{"Variable": "$.n", "NumericEquals": 5}, boom]})
        ));
        assert!(holds(
            json!({"Not": {"Variable": "$.s", "StringEquals": "x"}})
        ));
        assert!(holds(json!({"And": [
            {"Variable": "$.n", "IsPresent": true},
            {"Not": {"Or": [{"Variable": "$.t", "BooleanEquals": false}, {"Variable": "$.s", "StringMatches": "z*"}]}}
        ]})));
        let f = Fixture::new(input());
        assert_eq!(
            check(
                &f,
                json!({"Or": [{"Variable": "$.n", "NumericEquals": 4}, boom]})
            )
            .unwrap_err()
            .error,
            RUNTIME
        );
    }

    #[test]
    fn variables_and_context_as_variable() {
        let mut f = Fixture::new(json!({}));
        f.variables.insert("retries".into(), json!(3));
        f.context = json!({"Map": {"Item": {"Index": 0}}});
        assert_eq!(
            check(&f, json!({"Variable": "$retries", "NumericGreaterThan": 2})),
            Ok(true)
        );
        assert_eq!(
            check(
                &f,
                json!({"Variable": "$$.Map.Item.Index", "NumericEquals": 0})
            ),
            Ok(true)
        );
        assert_eq!(
            check(&f, json!({"Variable": "$unset", "IsPresent": true})),
            Ok(false)
        );
        assert_eq!(
            check(&f, json!({"Variable": "$unset", "NumericEquals": 1}))
                .unwrap_err()
                .cause,
            "Invalid path '$unset': The choice state's condition path references an invalid value."
        );
    }

    #[test]
    fn malformed_rules_are_runtime_errors() {
        let f = Fixture::new(input());
        for r in [
            json!({"Variable": "$.n"}),
            json!({"Variable": "$.n", "NumericEquals": 1, "NumericLessThan": 2}),
            json!({"NumericEquals": 1}),
            json!({"Condition": "{% true %}"}),
        ] {
            assert_eq!(check(&f, r.clone()).unwrap_err().error, RUNTIME, "{r}");
        }
    }
}
