//! The input transformer: `InputPathsMap` (variables from JSON paths into the event) and
//! `InputTemplate` (text with `<variable>` placeholders), as in "Amazon EventBridge input
//! transformation" and the `InputTransformer` API type.
//!
//! Documented rules followed here:
//! * "You can define up to 100 variables"; "The keys cannot start with \"AWS.\"" — the
//!   predefined variables `aws.events.rule-arn`, `aws.events.rule-name`, `aws.events.event`,
//!   `aws.events.event.ingestion-time` and `aws.events.event.json` "are reserved".
//! * Paths use "dot notation (for example, `$.detail`), dashes, underscores, alphanumeric
//!   characters, array indices, wildcards (*), forward slashes".
//! * A variable outside quotes in a JSON template gets the JSON value (`<instance>` →
//!   `"i-0123456789"`); inside quotes it is placed as raw text: "EventBridge doesn't escape
//!   values extracted by Input Path" (so a value holding `"` breaks the JSON).
//! * "If you specify a variable to match a JSON path that doesn't exist in the event, that
//!   variable isn't created and won't appear in the output": inside quotes (and in a text
//!   template) it becomes the empty text; outside quotes in a JSON template we put `null`, the
//!   only way for nothing to appear and the template to stay JSON.
//! * "The InputTemplate must be valid JSON" when it is JSON (starts with `{`, `[` or `"`): a
//!   result that is not JSON is an error (AWS fails the delivery; moto answers HTTP 500).
//!   "The JSON that is passed to the target is minified", so JSON results are minified.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most variables `InputPathsMap` may hold.
pub const MAX_INPUT_PATHS: usize = 100;
/// `InputTemplate`: "Length Constraints: Minimum length of 1. Maximum length of 8192."
pub const MAX_TEMPLATE_LENGTH: usize = 8192;

const PREDEFINED: &[&str] = &[
    "aws.events.rule-arn",
    "aws.events.rule-name",
    "aws.events.event",
    "aws.events.event.ingestion-time",
    "aws.events.event.json",
];

/// `InputTransformer` of a target, with AWS casing in serde.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InputTransformer {
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub input_paths_map: IndexMap<String, String>,
    pub input_template: String,
}

/// What the predefined variables other than the event come from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransformContext {
    /// `<aws.events.rule-name>`.
    pub rule_name: String,
    /// `<aws.events.rule-arn>`.
    pub rule_arn: String,
    /// `<aws.events.event.ingestion-time>`: an ISO 8601 timestamp.
    pub ingestion_time: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    #[error("InputPathsMap has {0} entries; at most {MAX_INPUT_PATHS} are allowed")]
    TooManyPaths(usize),
    #[error("InputPathsMap key \"{0}\" is not allowed: keys cannot be empty, start with \"AWS.\" or name a predefined variable")]
    ReservedName(String),
    #[error("InputPathsMap.{name}: \"{path}\" is not a supported JSON path: {message}")]
    BadPath {
        name: String,
        path: String,
        message: String,
    },
    #[error("InputTemplate must be 1 to {MAX_TEMPLATE_LENGTH} characters long, got {0}")]
    TemplateLength(usize),
    #[error("the transformed input is not valid JSON ({message}): {text}")]
    InvalidJson { message: String, text: String },
}

/// One step of an input path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
    Wildcard,
}

fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let Some(mut rest) = path.strip_prefix('$') else {
        return Err("a path starts with \"$\"".into());
    };
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let name = &after[..end];
            if name.is_empty() {
                return Err("empty field name after \".\"".into());
            }
            if name == "*" {
                steps.push(Step::Wildcard);
            } else {
                if let Some(bad) = name.chars().find(|c| {
                    !(c.is_alphanumeric() || matches!(c, '-' | '_' | '/' | '$' | '@' | ':'))
                }) {
                    return Err(format!(
                        "character '{bad}' is not supported in a field name (use dot notation)"
                    ));
                }
                steps.push(Step::Field(name.to_string()));
            }
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(close) = after.find(']') else {
                return Err("unclosed \"[\"".into());
            };
            let inside = &after[..close];
            if inside == "*" {
                steps.push(Step::Wildcard);
            } else {
                let index = inside.parse::<usize>().map_err(|_| {
                    format!("\"[{inside}]\" is not an array index; use dot notation for fields")
                })?;
                steps.push(Step::Index(index));
            }
            rest = &after[close + 1..];
        } else {
            return Err(format!("unexpected text \"{rest}\""));
        }
    }
    Ok(steps)
}

/// The value at `steps`, `None` when missing. A wildcard gives the array of what it reaches.
fn select(event: &Value, steps: &[Step]) -> Option<Value> {
    let Some((first, rest)) = steps.split_first() else {
        return Some(event.clone());
    };
    match first {
        Step::Field(name) => event.as_object()?.get(name).and_then(|v| select(v, rest)),
        Step::Index(i) => event.as_array()?.get(*i).and_then(|v| select(v, rest)),
        Step::Wildcard => {
            let children: Vec<&Value> = match event {
                Value::Array(items) => items.iter().collect(),
                Value::Object(map) => map.values().collect(),
                _ => return None,
            };
            let found: Vec<Value> = children
                .into_iter()
                .filter_map(|c| select(c, rest))
                .collect();
            if found.is_empty() {
                None
            } else {
                Some(Value::Array(found))
            }
        }
    }
}

impl InputTransformer {
    pub fn new(
        input_paths_map: IndexMap<String, String>,
        input_template: impl Into<String>,
    ) -> Self {
        InputTransformer {
            input_paths_map,
            input_template: input_template.into(),
        }
    }

    /// The checks `PutTargets` makes: number of variables, reserved names, path syntax,
    /// template length.
    pub fn validate(&self) -> Result<(), TransformError> {
        self.compiled().map(|_| ())
    }

    fn compiled(&self) -> Result<Vec<(&str, Vec<Step>)>, TransformError> {
        if self.input_paths_map.len() > MAX_INPUT_PATHS {
            return Err(TransformError::TooManyPaths(self.input_paths_map.len()));
        }
        let length = self.input_template.chars().count();
        if length == 0 || length > MAX_TEMPLATE_LENGTH {
            return Err(TransformError::TemplateLength(length));
        }
        self.input_paths_map
            .iter()
            .map(|(name, path)| {
                if name.is_empty()
                    || name.to_ascii_lowercase().starts_with("aws.")
                    || PREDEFINED.contains(&name.as_str())
                {
                    return Err(TransformError::ReservedName(name.clone()));
                }
                let steps = parse_path(path).map_err(|message| TransformError::BadPath {
                    name: name.clone(),
                    path: path.clone(),
                    message,
                })?;
                Ok((name.as_str(), steps))
            })
            .collect()
    }

    /// The text the target receives for `event`, with empty rule name, ARN and ingestion time.
    pub fn apply(&self, event: &Value) -> Result<String, TransformError> {
        self.apply_with(event, &TransformContext::default())
    }

    /// The text the target receives for `event`, the predefined variables taken from `context`.
    pub fn apply_with(
        &self,
        event: &Value,
        context: &TransformContext,
    ) -> Result<String, TransformError> {
        let mut variables: IndexMap<&str, Option<Value>> = IndexMap::new();
        for (name, steps) in self.compiled()? {
            variables.insert(name, select(event, &steps));
        }
        variables.insert("aws.events.event", Some(event.clone()));
        variables.insert("aws.events.event.json", Some(event.clone()));
        variables.insert(
            "aws.events.rule-name",
            Some(Value::String(context.rule_name.clone())),
        );
        variables.insert(
            "aws.events.rule-arn",
            Some(Value::String(context.rule_arn.clone())),
        );
        variables.insert(
            "aws.events.event.ingestion-time",
            Some(Value::String(context.ingestion_time.clone())),
        );

        let template = &self.input_template;
        let is_json = matches!(template.trim_start().chars().next(), Some('{' | '[' | '"'));
        let text = substitute(template, &variables, is_json);
        if !is_json {
            return Ok(text);
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(value) => Ok(serde_json::to_string(&value).expect("a JSON value serializes")),
            Err(e) => Err(TransformError::InvalidJson {
                message: e.to_string(),
                text,
            }),
        }
    }
}

/// Raw text of a value placed inside quotes (or in a text template): strings unescaped.
fn raw(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn substitute(template: &str, variables: &IndexMap<&str, Option<Value>>, is_json: bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(end) = rest[1..].find('>') {
                let name = &rest[1..1 + end];
                if let Some(value) = variables.get(name) {
                    let text = match (value, is_json && !in_string) {
                        (Some(v), true) => v.to_string(),
                        (Some(v), false) => raw(v),
                        (None, true) => "null".to_string(),
                        (None, false) => String::new(),
                    };
                    out.push_str(&text);
                    rest = &rest[end + 2..];
                    escaped = false;
                    continue;
                }
            }
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("$.detail.state-x[2].y").unwrap(),
            vec![
                Step::Field("detail".into()),
                Step::Field("state-x".into()),
                Step::Index(2),
                Step::Field("y".into())
            ]
        );
        assert_eq!(parse_path("$").unwrap(), vec![]);
        assert!(parse_path("detail").is_err());
        assert!(parse_path("$['detail']").is_err());
        assert!(parse_path("$.a..b").is_err());
    }
}
