//! Choice rules: at least one rule; top-level rules have `Next`, nested ones do not; each
//! comparison has a `Variable` and exactly one operator whose operand has the right type; JSONata
//! rules have a `Condition`. A Choice without `Default` is a lint (`States.NoChoiceMatched`).

use super::{
    fields::is_jsonata_expression, fields::is_rfc3339, fields::language_of, labelled_states, Sink,
};
use crate::asl::{ChoiceRule, ComparisonKind, QueryLanguage, State, StateMachine};
use crate::diagnostic::{did_you_mean, Diagnostic};
use serde_json::Value;

pub(super) fn check(machine: &StateMachine, sink: &mut Sink) {
    for (label, _, state) in labelled_states(machine) {
        let State::Choice(choice) = state else {
            continue;
        };
        let language = language_of(state, machine.query_language());
        if choice.choices.is_empty() {
            sink.push(
                Diagnostic::error("empty-choices", "a Choice state needs at least one rule")
                    .at_state(label.clone())
                    .at_field("Choices"),
            );
        }
        for (i, rule) in choice.choices.iter().enumerate() {
            let at = format!("Choices[{i}]");
            if rule.next.is_none() {
                sink.push(
                    Diagnostic::error(
                        "choice-rule-without-next",
                        "a top-level Choice rule needs \"Next\"",
                    )
                    .at_state(label.clone())
                    .at_field(at.clone()),
                );
            }
            match language {
                QueryLanguage::JSONPath => jsonpath_rule(rule, &at, &label, sink),
                QueryLanguage::JSONata => jsonata_rule(rule, &at, &label, sink),
            }
        }
        if choice.default.is_none() {
            sink.push(
                Diagnostic::lint(
                    "choice-without-default",
                    "when no rule matches, the execution fails with States.NoChoiceMatched",
                )
                .at_state(label.clone())
                .at_field("Default")
                .with_hint("add \"Default\" naming the state for everything else"),
            );
        }
    }
}

fn jsonata_rule(rule: &ChoiceRule, at: &str, label: &str, sink: &mut Sink) {
    let mut push = |d: Diagnostic| sink.push(d.at_state(label));
    match &rule.condition {
        None => push(Diagnostic::error("missing-field", "a JSONata Choice rule needs \"Condition\"").at_field(at.to_string())),
        Some(Value::Bool(_)) => {}
        Some(Value::String(s)) if is_jsonata_expression(s) => {}
        Some(other) => push(
            Diagnostic::error("invalid-value", format!("Condition must be a \"{{% boolean expression %}}\" or a boolean, found {other}"))
                .at_field(format!("{at}.Condition")),
        ),
    }
    let jsonpath_fields = ["Variable", "And", "Or", "Not"];
    let written = [
        rule.variable.is_some(),
        rule.and.is_some(),
        rule.or.is_some(),
        rule.not.is_some(),
    ];
    for (field, present) in jsonpath_fields.iter().zip(written) {
        if present {
            push(
                Diagnostic::error(
                    "field-not-allowed",
                    format!("\"{field}\" is a JSONPath Choice field; this state uses JSONata"),
                )
                .at_field(format!("{at}.{field}")),
            );
        }
    }
    for name in rule.operators.keys() {
        push(
            Diagnostic::error(
                "field-not-allowed",
                format!("\"{name}\" is not allowed in a JSONata Choice rule"),
            )
            .at_field(format!("{at}.{name}"))
            .with_hint("write the comparison in \"Condition\""),
        );
    }
}

/// A JSONPath rule: either a combinator (`And`/`Or`/`Not`) or a comparison.
fn jsonpath_rule(rule: &ChoiceRule, at: &str, label: &str, sink: &mut Sink) {
    if rule.condition.is_some() {
        sink.push(
            Diagnostic::error(
                "field-not-allowed",
                "\"Condition\" is a JSONata field; this state uses JSONPath",
            )
            .at_state(label)
            .at_field(format!("{at}.Condition")),
        );
    }
    if rule.output.is_some() {
        sink.push(
            Diagnostic::error(
                "field-not-allowed",
                "\"Output\" is a JSONata field; this state uses JSONPath",
            )
            .at_state(label)
            .at_field(format!("{at}.Output")),
        );
    }
    for name in rule.unknown_fields() {
        let known = crate::asl::choice_operator_names();
        sink.push(
            Diagnostic::error(
                "unknown-operator",
                format!(
                    "unknown Choice operator \"{name}\"{}",
                    did_you_mean(name, known.iter().copied())
                ),
            )
            .at_state(label)
            .at_field(format!("{at}.{name}")),
        );
    }
    let combinators = [rule.and.is_some(), rule.or.is_some(), rule.not.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    let comparisons: Vec<_> = rule.comparisons().collect();
    let operators = combinators + comparisons.len();
    // An unknown operator is reported on its own; counting it as "none" would mislead.
    let unknown_operators = rule.unknown_fields().count();
    if operators != 1 && !(operators == 0 && unknown_operators > 0) {
        let found = if operators == 0 {
            "none".to_string()
        } else {
            let mut names: Vec<&str> = comparisons.iter().map(|(op, _)| op.name).collect();
            for (present, name) in [
                (rule.and.is_some(), "And"),
                (rule.or.is_some(), "Or"),
                (rule.not.is_some(), "Not"),
            ] {
                if present {
                    names.push(name);
                }
            }
            names.join(", ")
        };
        sink.push(
            Diagnostic::error("choice-operator-count", format!("a Choice rule needs exactly one operator (a comparison, And, Or or Not), found {found}"))
                .at_state(label)
                .at_field(at.to_string()),
        );
    }
    if combinators > 0 && rule.variable.is_some() {
        sink.push(
            Diagnostic::error(
                "field-not-allowed",
                "\"Variable\" does not go with And, Or or Not",
            )
            .at_state(label)
            .at_field(format!("{at}.Variable")),
        );
    }
    if !comparisons.is_empty() && rule.variable.is_none() {
        sink.push(
            Diagnostic::error("missing-field", "a comparison needs \"Variable\"")
                .at_state(label)
                .at_field(at.to_string()),
        );
    }
    for (op, operand) in &comparisons {
        if let Some(problem) = operand_problem(op.kind, op.is_path, op.name, operand) {
            sink.push(
                Diagnostic::error("choice-operand-type", problem)
                    .at_state(label)
                    .at_field(format!("{at}.{}", op.name)),
            );
        }
    }
    for (field, nested) in rule.nested() {
        let nested_at = format!("{at}.{field}");
        if nested.next.is_some() {
            sink.push(
                Diagnostic::error(
                    "nested-rule-with-next",
                    "a rule nested in And, Or or Not cannot have \"Next\"",
                )
                .at_state(label)
                .at_field(format!("{nested_at}.Next"))
                .with_hint("only top-level rules transition"),
            );
        }
        jsonpath_rule(nested, &nested_at, label, sink);
    }
    for (field, list) in [("And", &rule.and), ("Or", &rule.or)] {
        if list.as_ref().is_some_and(Vec::is_empty) {
            sink.push(
                Diagnostic::error(
                    "empty-choices",
                    format!("\"{field}\" needs at least one rule"),
                )
                .at_state(label)
                .at_field(format!("{at}.{field}")),
            );
        }
    }
}

/// What is wrong with an operator's operand, if anything.
fn operand_problem(
    kind: ComparisonKind,
    is_path: bool,
    name: &str,
    operand: &Value,
) -> Option<String> {
    if is_path {
        return match operand {
            Value::String(s) if s.starts_with('$') => None,
            other => Some(format!("{name} takes a path (\"$.field\"), found {other}")),
        };
    }
    let ok = match kind {
        ComparisonKind::String => operand.is_string(),
        ComparisonKind::Numeric => operand.is_number(),
        ComparisonKind::Boolean | ComparisonKind::TypeTest => operand.is_boolean(),
        ComparisonKind::Timestamp => operand.as_str().is_some_and(is_rfc3339),
    };
    let expected = match kind {
        ComparisonKind::String => "a string",
        ComparisonKind::Numeric => "a number",
        ComparisonKind::Boolean | ComparisonKind::TypeTest => "true or false",
        ComparisonKind::Timestamp => "an RFC 3339 timestamp string",
    };
    (!ok).then(|| format!("{name} takes {expected}, found {operand}"))
}
