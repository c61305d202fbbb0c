//! JSON → compiled pattern, with every validation error AWS documents (and the ones of its
//! matcher, Event Ruler, where the user guide is silent). Each error names the path in the
//! pattern (`detail.state[0]`) and says what was expected.

use serde_json::{Map, Value};

use super::anything_but::AnythingBut;
use super::cidr::Cidr;
use super::exact::Exact;
use super::numeric::{comparable, Bound, NumericRange};
use super::or::{OrGroup, RESERVED};
use super::prefix_suffix::Affix;
use super::wildcard::Wildcard;
use super::{complexity, dotted, FieldPattern, Matcher, ObjectPattern, Pattern, PatternError};

/// `PutRule`'s `EventPattern`: "Length Constraints: Maximum length of 4096."
pub const MAX_PATTERN_LENGTH: usize = 4096;

const ROOT: &str = "(pattern)";

pub(super) fn parse_text(json: &str) -> Result<Pattern, PatternError> {
    let length = json.chars().count();
    if length > MAX_PATTERN_LENGTH {
        return Err(PatternError::new(
            ROOT,
            format!(
                "Event pattern is {length} characters long; the maximum is {MAX_PATTERN_LENGTH}"
            ),
        ));
    }
    let value: Value = serde_json::from_str(json)
        .map_err(|e| PatternError::new(ROOT, format!("Event pattern is not valid JSON: {e}")))?;
    parse_value(&value)
}

pub(super) fn parse_value(v: &Value) -> Result<Pattern, PatternError> {
    match v {
        Value::Object(map) => {
            let root = object(map, "", false)?;
            check_complexity(&root, "")?;
            Ok(Pattern { root })
        }
        other => Err(PatternError::new(
            ROOT,
            format!(
                "Filter is not an object: expected a JSON object, got {}",
                kind(other)
            ),
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        ROOT
    } else {
        path
    }
}

fn object(
    map: &Map<String, Value>,
    path: &str,
    in_or: bool,
) -> Result<ObjectPattern, PatternError> {
    if map.is_empty() {
        return Err(PatternError::new(
            shown(path),
            "Empty objects are not allowed: expected at least one field",
        ));
    }
    let mut fields = Vec::new();
    let mut ors = Vec::new();
    for (key, value) in map {
        let here = join(path, key);
        if key == "$or" {
            ors.push(or_group(value, &here)?);
            continue;
        }
        if in_or && RESERVED.contains(&key.as_str()) {
            return Err(PatternError::new(
                here,
                format!("\"{key}\" is a reserved operator name and cannot be used as a field name inside $or"),
            ));
        }
        let field = match value {
            Value::Object(inner) => FieldPattern::Object(object(inner, &here, in_or)?),
            Value::Array(items) => FieldPattern::Leaf(leaf(items, &here)?),
            other => {
                return Err(PatternError::new(
                    here,
                    format!(
                        "\"{key}\" must be an object or an array: expected an object (nested fields) or an array of match values, got {}",
                        kind(other)
                    ),
                ))
            }
        };
        dotted::insert_field(&mut fields, key, field);
    }
    Ok(ObjectPattern { fields, ors })
}

/// Refuses a field whose wildcard patterns are too complex for EventBridge (`complexity.rs`).
/// Checked once the pattern is built, so fields merged from dotted keys count together.
fn check_complexity(object: &ObjectPattern, path: &str) -> Result<(), PatternError> {
    for (name, field) in &object.fields {
        let here = join(path, name);
        match field {
            FieldPattern::Object(inner) => check_complexity(inner, &here)?,
            FieldPattern::Leaf(matchers) => {
                let wildcards: Vec<_> = matchers
                    .iter()
                    .filter_map(|m| match m {
                        Matcher::Wildcard(w) => Some(w.quoted_bytes()),
                        _ => None,
                    })
                    .collect();
                if complexity::score(&wildcards, complexity::LIMIT) >= complexity::LIMIT {
                    return Err(PatternError::new(
                        here,
                        format!(
                            "{}: one value can match {} or more prefixes of these wildcard patterns at once, EventBridge's limit",
                            complexity::TOO_COMPLEX,
                            complexity::LIMIT
                        ),
                    ));
                }
            }
        }
    }
    for group in &object.ors {
        for (i, branch) in group.branches.iter().enumerate() {
            check_complexity(branch, &join(path, &format!("$or[{i}]")))?;
        }
    }
    Ok(())
}

fn or_group(value: &Value, here: &str) -> Result<OrGroup, PatternError> {
    let Value::Array(items) = value else {
        return Err(PatternError::new(
            here,
            format!(
                "$or must be an array of at least 2 objects, got {}",
                kind(value)
            ),
        ));
    };
    if items.len() < 2 {
        return Err(PatternError::new(
            here,
            format!(
                "$or must be an array of at least 2 objects, got {} element(s)",
                items.len()
            ),
        ));
    }
    let mut branches = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{here}[{i}]");
        match item {
            // Branch fields are relative to the place of `$or`; error paths show `$or[i]`.
            Value::Object(map) => branches.push(object(map, &at, true)?),
            other => {
                return Err(PatternError::new(
                    at,
                    format!(
                        "Only JSON objects are allowed in the $or array, got {}",
                        kind(other)
                    ),
                ))
            }
        }
    }
    Ok(OrGroup { branches })
}

fn leaf(items: &[Value], here: &str) -> Result<Vec<Matcher>, PatternError> {
    if items.is_empty() {
        return Err(PatternError::new(
            here,
            "Empty arrays are not allowed: expected at least one match value",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{here}[{i}]");
            match item {
                Value::String(s) => Ok(Matcher::Exact(Exact::String(s.clone()))),
                Value::Number(n) => Ok(Matcher::Exact(Exact::Number(n.clone()))),
                Value::Bool(b) => Ok(Matcher::Exact(Exact::Bool(*b))),
                Value::Null => Ok(Matcher::Exact(Exact::Null)),
                Value::Object(map) => operator(map, &at),
                Value::Array(_) => Err(PatternError::new(
                    at,
                    "Match value must be String, number, true, false, null, or an operator object; got an array",
                )),
            }
        })
        .collect()
}

fn operator(map: &Map<String, Value>, at: &str) -> Result<Matcher, PatternError> {
    let mut entries = map.iter();
    let Some((name, operand)) = entries.next() else {
        return Err(PatternError::new(
            at,
            "Match expression name not found: expected one operator such as {\"prefix\": \"...\"}",
        ));
    };
    if map.len() > 1 {
        let names: Vec<&str> = map.keys().map(String::as_str).collect();
        return Err(PatternError::new(
            at,
            format!(
                "Only one key allowed in match expression, got {}",
                names.join(", ")
            ),
        ));
    }
    let here = format!("{at}.{name}");
    let fail = |message: String| Err(PatternError::new(here.clone(), message));
    match name.as_str() {
        "prefix" | "suffix" => match affix(name, operand) {
            Ok(a) if name == "prefix" => Ok(Matcher::Prefix(a)),
            Ok(a) => Ok(Matcher::Suffix(a)),
            Err(m) => fail(m),
        },
        "equals-ignore-case" => match operand {
            Value::String(s) => Ok(Matcher::EqualsIgnoreCase(s.clone())),
            other => fail(format!(
                "equals-ignore-case match pattern must be a string, got {}",
                kind(other)
            )),
        },
        "anything-but" => anything_but(operand, &here).map(Matcher::AnythingBut),
        "numeric" => numeric(operand, &here).map(Matcher::Numeric),
        "exists" => match operand {
            Value::Bool(b) => Ok(Matcher::Exists(*b)),
            other => fail(format!(
                "exists match pattern must be either true or false, got {}",
                kind(other)
            )),
        },
        "cidr" => match operand {
            Value::String(s) => Cidr::parse(s).map(Matcher::Cidr).or_else(fail),
            other => fail(format!(
                "cidr match pattern must be a string such as \"10.0.0.0/24\", got {}",
                kind(other)
            )),
        },
        "wildcard" => match operand {
            Value::String(s) => Wildcard::parse(s).map(Matcher::Wildcard).or_else(fail),
            other => fail(format!(
                "wildcard match pattern must be a string, got {}",
                kind(other)
            )),
        },
        other => fail(format!(
            "Unrecognized match type {other}: expected one of prefix, suffix, equals-ignore-case, anything-but, numeric, exists, cidr, wildcard"
        )),
    }
}

/// `"text"` or `{"equals-ignore-case": "text"}`.
fn affix(name: &str, operand: &Value) -> Result<Affix, String> {
    match operand {
        Value::String(s) => Ok(Affix {
            text: s.clone(),
            ignore_case: false,
        }),
        Value::Object(inner) if inner.len() == 1 && inner.contains_key("equals-ignore-case") => {
            match &inner["equals-ignore-case"] {
                Value::String(s) => Ok(Affix {
                    text: s.clone(),
                    ignore_case: true,
                }),
                other => Err(format!(
                    "{name} equals-ignore-case match pattern must be a string, got {}",
                    kind(other)
                )),
            }
        }
        Value::Object(_) => Err(format!(
            "{name} match pattern must be a string or {{\"equals-ignore-case\": \"...\"}}"
        )),
        other => Err(format!(
            "{name} match pattern must be a string, got {}",
            kind(other)
        )),
    }
}

fn anything_but(operand: &Value, here: &str) -> Result<AnythingBut, PatternError> {
    let err = |path: String, m: String| Err(PatternError::new(path, m));
    match operand {
        Value::String(s) => Ok(AnythingBut::Values(vec![Exact::String(s.clone())])),
        Value::Number(n) => {
            number_in_range(n, here)?;
            Ok(AnythingBut::Values(vec![Exact::Number(n.clone())]))
        }
        Value::Array(items) => {
            if items.is_empty() {
                return err(
                    here.to_string(),
                    "Empty arrays are not allowed: anything-but needs at least one string or number".into(),
                );
            }
            let strings = items.iter().filter(|v| v.is_string()).count();
            let numbers = items.iter().filter(|v| v.is_number()).count();
            for (i, item) in items.iter().enumerate() {
                if !(item.is_string() || item.is_number()) {
                    return err(
                        format!("{here}[{i}]"),
                        format!(
                            "Inside anything but list, start|null|boolean is not supported. (only strings or numbers are allowed, got {})",
                            kind(item)
                        ),
                    );
                }
                if let Value::Number(n) = item {
                    number_in_range(n, &format!("{here}[{i}]"))?;
                }
            }
            if strings > 0 && numbers > 0 {
                return err(
                    here.to_string(),
                    "Inside anything-but list, either all values are number or string, mixed type is not supported".into(),
                );
            }
            Ok(AnythingBut::Values(
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Exact::String(s.clone()),
                        Value::Number(n) => Exact::Number(n.clone()),
                        _ => unreachable!("checked above"),
                    })
                    .collect(),
            ))
        }
        Value::Object(inner) => {
            let mut entries = inner.iter();
            let (Some((name, value)), None) = (entries.next(), entries.next()) else {
                return err(
                    here.to_string(),
                    "anything-but takes one of prefix, suffix, equals-ignore-case, wildcard: expected exactly one key".into(),
                );
            };
            let at = format!("{here}.{name}");
            match name.as_str() {
                "prefix" | "suffix" => {
                    let affixes = anything_but_strings(value, &at, |v| match v {
                        Value::String(s) if s.is_empty() => {
                            Err("Null prefix/suffix not allowed: expected a non-empty string".into())
                        }
                        Value::String(s) => Ok(s.clone()),
                        // AWS: {"prefix": {"equals-ignore-case": ...}} inside anything-but is refused
                        // with this message (LocalStack content_anything_prefix_ignorecase_EXC).
                        Value::Object(_) => Err(
                            "Value of anything-but must be an array or single string/number value. (equals-ignore-case cannot be combined with prefix or suffix inside anything-but)".into(),
                        ),
                        other => Err(format!(
                            "prefix/suffix match pattern must be a string, got {}",
                            kind(other)
                        )),
                    })?;
                    Ok(if name == "prefix" {
                        AnythingBut::Prefix(affixes)
                    } else {
                        AnythingBut::Suffix(affixes)
                    })
                }
                "equals-ignore-case" => anything_but_strings(value, &at, |v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(format!(
                        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported. (expected strings, got {})",
                        kind(other)
                    )),
                })
                .map(AnythingBut::IgnoreCase),
                "wildcard" => {
                    let texts = anything_but_strings(value, &at, |v| match v {
                        Value::String(s) => Ok(s.clone()),
                        other => Err(format!(
                            "wildcard match pattern must be a string, got {}",
                            kind(other)
                        )),
                    })?;
                    let mut compiled = Vec::new();
                    for t in texts {
                        compiled.push(Wildcard::parse(&t).map_err(|m| PatternError::new(at.clone(), m))?);
                    }
                    Ok(AnythingBut::Wildcard(compiled))
                }
                other => err(
                    at,
                    format!("Unsupported anything-but pattern: {other}: expected prefix, suffix, equals-ignore-case or wildcard"),
                ),
            }
        }
        other => err(
            here.to_string(),
            format!(
                "Value of anything-but must be an array or single string/number value, got {}",
                kind(other)
            ),
        ),
    }
}

/// The operand of `anything-but`'s `prefix`, `suffix`, `equals-ignore-case` and `wildcard`:
/// one value or a non-empty list of them, each checked by `one` (its error is reported at the
/// value's own path).
fn anything_but_strings(
    value: &Value,
    at: &str,
    one: impl Fn(&Value) -> Result<String, String>,
) -> Result<Vec<String>, PatternError> {
    match value {
        Value::Array(items) if items.is_empty() => Err(PatternError::new(
            at,
            "Empty arrays are not allowed: expected at least one value",
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| one(item).map_err(|m| PatternError::new(format!("{at}[{i}]"), m)))
            .collect(),
        single => one(single)
            .map(|s| vec![s])
            .map_err(|m| PatternError::new(at, m)),
    }
}

fn number_in_range(n: &serde_json::Number, at: &str) -> Result<i64, PatternError> {
    comparable(n).ok_or_else(|| {
        PatternError::new(
            at,
            format!(
                "Value {n} is out of the numeric range: expected a number between -5.0e9 and 5.0e9"
            ),
        )
    })
}

fn numeric(operand: &Value, here: &str) -> Result<NumericRange, PatternError> {
    let Value::Array(items) = operand else {
        return Err(PatternError::new(
            here,
            format!(
                "Value of numeric must be an array such as [\">\", 0, \"<=\", 5], got {}",
                kind(operand)
            ),
        ));
    };
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return Err(PatternError::new(
            here,
            format!(
                "numeric takes one or two (operator, number) pairs such as [\">\", 0, \"<=\", 5], got {} element(s)",
                items.len()
            ),
        ));
    }
    let mut range = NumericRange {
        lower: None,
        upper: None,
    };
    let mut equals = false;
    for (pair, chunk) in items.chunks(2).enumerate() {
        let op_at = format!("{here}[{}]", pair * 2);
        let value_at = format!("{here}[{}]", pair * 2 + 1);
        let Value::String(op) = &chunk[0] else {
            return Err(PatternError::new(
                op_at,
                format!("Invalid member in numeric match: expected an operator (<, <=, =, >=, >), got {}", kind(&chunk[0])),
            ));
        };
        let Value::Number(n) = &chunk[1] else {
            return Err(PatternError::new(
                value_at,
                format!("Value of {op} must be numeric, got {}", kind(&chunk[1])),
            ));
        };
        let value = number_in_range(n, &value_at)?;
        match op.as_str() {
            "=" if pair == 0 && items.len() == 2 => {
                equals = true;
                range.lower = Some(Bound { value, inclusive: true });
                range.upper = Some(Bound { value, inclusive: true });
            }
            "=" => {
                return Err(PatternError::new(
                    op_at,
                    "\"=\" cannot be combined with another operator: expected [\"=\", number]",
                ))
            }
            ">" | ">=" if pair == 0 => {
                range.lower = Some(Bound { value, inclusive: op == ">=" });
            }
            ">" | ">=" => {
                return Err(PatternError::new(
                    op_at,
                    format!("Bad numeric range operator: {op}: a range has at most one lower bound (> or >=), and it comes first"),
                ))
            }
            "<" | "<=" if pair == 0 && items.len() == 4 => {
                return Err(PatternError::new(
                    op_at,
                    format!("Bad numeric range operator order: {op} comes first; expected the lower bound (> or >=) first, then the upper bound (< or <=)"),
                ))
            }
            "<" | "<=" => {
                range.upper = Some(Bound { value, inclusive: op == "<=" });
            }
            other => {
                return Err(PatternError::new(
                    op_at,
                    format!("Unrecognized numeric range operator: {other}: expected <, <=, =, >=, or >"),
                ))
            }
        }
    }
    if !equals {
        if let (Some(lo), Some(hi)) = (range.lower, range.upper) {
            if lo.value >= hi.value {
                return Err(PatternError::new(
                    here,
                    "Bottom must be less than top: the lower bound must be below the upper bound",
                ));
            }
        }
    }
    Ok(range)
}
