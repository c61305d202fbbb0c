//! `States.Format` and `States.StringSplit`.

use serde_json::Value;
use wfc_compiler::asl::intrinsic::Intrinsic;

use super::{fail, want_string};
use crate::data::{json_text, DataError};

/// Fills each `{}` of the template with the next argument. `template` is the literal first
/// argument, already split at its placeholders; without it the first argument is a string read
/// from a path, split at every `{}` (escapes belong to literals only).
pub(super) fn format(template: Option<&[String]>, args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::Format;
    let read;
    let (pieces, values) = match template {
        Some(pieces) => (pieces, args),
        None => {
            read = want_string(f, args, 0)?
                .split("{}")
                .map(str::to_string)
                .collect::<Vec<_>>();
            (read.as_slice(), &args[1..])
        }
    };
    if pieces.len() != values.len() + 1 {
        return Err(fail(
            f,
            format!(
                "the template has {} '{{}}' placeholders but {} arguments follow it",
                pieces.len() - 1,
                values.len()
            ),
        ));
    }
    let mut out = pieces[0].clone();
    for (value, piece) in values.iter().zip(&pieces[1..]) {
        out.push_str(&render(value));
        out.push_str(piece);
    }
    Ok(Value::String(out))
}

/// A value as AWS writes it into a `States.Format` placeholder: strings without quotes, other
/// scalars as JSON, arrays as `[a, b]` and objects as `{k=v, …}` (Java's `toString`, which
/// is what LocalStack recorded from AWS; the ASL spec only allows scalars).
fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", render(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        other => json_text(other),
    }
}

/// Splits at every character of the delimiter string (AWS docs: "This.is+a,test=string" by
/// ".+,=" gives five strings); empty pieces are dropped, as AWS does.
pub(super) fn split(args: &[Value]) -> Result<Value, DataError> {
    let f = Intrinsic::StringSplit;
    let text = want_string(f, args, 0)?;
    let delimiters = want_string(f, args, 1)?;
    Ok(Value::Array(
        text.split(|c| delimiters.contains(c))
            .filter(|piece| !piece.is_empty())
            .map(Value::from)
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{eval, failure};
    use serde_json::json;

    #[test]
    fn format_literal_and_path_templates() {
        let input = json!({"name": "Arnav", "template": "Hello, my name is {}."});
        assert_eq!(
            eval(
                "States.Format('Hello, my name is {}.', $.name)",
                input.clone()
            ),
            Ok(json!("Hello, my name is Arnav."))
        );
        assert_eq!(
            eval("States.Format($.template, $.name)", input.clone()),
            Ok(json!("Hello, my name is Arnav."))
        );
        assert_eq!(
            eval("States.Format('no placeholders')", input.clone()),
            Ok(json!("no placeholders"))
        );
        assert_eq!(
            failure("States.Format($.template)", input),
            "States.Format: the template has 1 '{}' placeholders but 0 arguments follow it"
        );
    }

    #[test]
    fn format_escapes_keep_literal_braces() {
        // In JSON these are written \\{ \\} \\' \\\\.
        assert_eq!(
            eval(
                r"States.Format('\{\} is literal, {} is not; it\'s a \\ too', 'this')",
                json!({})
            ),
            Ok(json!(r"{} is literal, this is not; it's a \ too"))
        );
        // An argument that contains braces is not re-read as a template.
        assert_eq!(
            eval(
                "States.Format('{}{}', $.a, $.b)",
                json!({"a": "{}", "b": "x"})
            ),
            Ok(json!("{}x"))
        );
    }

    #[test]
    fn format_renders_values() {
        let input = json!({"n": 2020, "f": 1.5, "t": true, "z": null, "l": ["a", 1], "o": {"Arg1": 1, "Arg2": []}});
        assert_eq!(
            eval(
                "States.Format('{}|{}|{}|{}|{}|{}', $.n, $.f, $.t, $.z, $.l, $.o)",
                input
            ),
            Ok(json!("2020|1.5|true|null|[a, 1]|{Arg1=1, Arg2=[]}"))
        );
    }

    #[test]
    fn string_split() {
        assert_eq!(
            eval(
                "States.StringSplit($.s, $.d)",
                json!({"s": "1,2,3,4,5", "d": ","})
            ),
            Ok(json!(["1", "2", "3", "4", "5"]))
        );
        assert_eq!(
            eval(
                "States.StringSplit($.s, $.d)",
                json!({"s": "This.is+a,test=string", "d": ".+,="})
            ),
            Ok(json!(["This", "is", "a", "test", "string"]))
        );
        assert_eq!(
            eval("States.StringSplit(',a,,b,', ',')", json!({})),
            Ok(json!(["a", "b"]))
        );
        assert_eq!(
            eval("States.StringSplit('abc', '')", json!({})),
            Ok(json!(["abc"]))
        );
        assert!(failure("States.StringSplit(1, ',')", json!({}))
            .contains("argument 1 must be a string, found number"));
    }
}
