//! A small YAML writer for CloudFormation templates held as `serde_json::Value`.
//!
//! Block style, two-space indents, keys in insertion order, and every string double-quoted with
//! JSON's escapes (a JSON string is a valid YAML double-quoted scalar), so no value can be read
//! back as a number, a boolean or a tag. Intrinsic functions are written in their long form
//! (`Fn::Sub:`, `Ref:`), which the JSON model can hold. Same value in, same bytes out.
//! Why not a crate: `serde_yaml` is archived and unmaintained, and its successors quote a string
//! only when they judge it ambiguous; quoting every string is what keeps a template's values
//! exactly what the model says, in a few dozen lines.

use serde_json::Value;

/// The document, ending with a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => write_list(items, 0, &mut out),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn write_map(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (i, (key, value)) in map.iter().enumerate() {
        // The first key of a list item follows its dash, which already indented it.
        if i > 0 || !out.ends_with("- ") {
            push_indent(indent, out);
        }
        out.push_str(&key_text(key));
        out.push(':');
        write_value(value, indent, out);
    }
}

fn write_list(items: &[Value], indent: usize, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !out.ends_with("- ") {
            push_indent(indent, out);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(map, indent + 2, out),
            Value::Array(inner) if !inner.is_empty() => write_list(inner, indent + 2, out),
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

/// After `key:`: a scalar on the same line, a collection on the next lines.
fn write_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_list(items, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn push_indent(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Scalars and empty collections.
fn inline(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        // JSON's string syntax is YAML's double-quoted style; numbers, booleans, null the same.
        other => other.to_string(),
    }
}

/// A key plain when YAML cannot read it as anything but that string, quoted otherwise.
fn key_text(key: &str) -> String {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '$' | '/'))
        && !key.ends_with(':')
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_style_with_quoted_strings() {
        let doc = json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "Topic": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {
                        "TopicName": "woo-dr",
                        "Tags": [{ "Key": "wfc:shop", "Value": "woo" }],
                        "Empty": [],
                        "Nothing": {},
                        "Nested": [["a", 1], { "Fn::Sub": "${AWS::Region}" }],
                    }
                }
            },
            "on": true,
            "2x": "line\nbreak \"quoted\"",
        });
        let expected = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: "AWS::SNS::Topic"
    Properties:
      TopicName: "woo-dr"
      Tags:
        - Key: "wfc:shop"
          Value: "woo"
      Empty: []
      Nothing: {}
      Nested:
        - - "a"
          - 1
        - Fn::Sub: "${AWS::Region}"
"on": true
"2x": "line\nbreak \"quoted\""
"#;
        assert_eq!(to_yaml(&doc), expected);
    }
}
