//! Paths and payload templates in JSONPath states: every path field parses; the fields the spec
//! wants as reference paths (ResultPath, ItemsPath, Choice `Variable`, the `…Path` forms) are
//! reference paths; every `.$` value is a path or an intrinsic call whose name and arguments are
//! right; no two keys of a template are the same once `.$` is stripped.

use super::{fields::language_of, labelled_states, Sink};
use crate::asl::intrinsic::{parse_intrinsic, Intrinsic};
use crate::asl::path::{parse_reference_path, JsonPath};
use crate::asl::{ChoiceRule, QueryLanguage, State, StateMachine};
use crate::diagnostic::Diagnostic;
use serde_json::Value;

/// The intrinsics AWS's language service accepts in Fail `ErrorPath`/`CausePath`.
const STRING_INTRINSICS: &[Intrinsic] = &[
    Intrinsic::ArrayGetItem,
    Intrinsic::Base64Encode,
    Intrinsic::Base64Decode,
    Intrinsic::Format,
    Intrinsic::JsonToString,
    Intrinsic::Hash,
    Intrinsic::Uuid,
];

/// Whether a field takes any path, or only a reference path (one node).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Path,
    Reference,
}

pub(super) fn check(machine: &StateMachine, sink: &mut Sink) {
    for (label, _, state) in labelled_states(machine) {
        if language_of(state, machine.query_language()) == QueryLanguage::JSONata {
            continue;
        }
        let mut at = Checker {
            label: &label,
            sink,
        };
        let common = state.common();
        at.optional("InputPath", &common.input_path, Kind::Path);
        at.optional("OutputPath", &common.output_path, Kind::Path);
        at.optional("ResultPath", &common.result_path, Kind::Reference);
        for (field, template) in [
            ("Parameters", &common.parameters),
            ("ResultSelector", &common.result_selector),
        ] {
            if let Some(template) = template {
                at.template(field, template);
            }
        }
        if let Some(assign) = &common.assign {
            at.template("Assign", &Value::Object(assign.clone()));
        }
        match state {
            State::Task(task) => {
                at.path(
                    "TimeoutSecondsPath",
                    task.timeout_seconds_path.as_deref(),
                    Kind::Reference,
                );
                at.path(
                    "HeartbeatSecondsPath",
                    task.heartbeat_seconds_path.as_deref(),
                    Kind::Reference,
                );
                if let Some(credentials) = &task.credentials {
                    at.template("Credentials", credentials);
                }
            }
            State::Wait(wait) => {
                at.path("SecondsPath", wait.seconds_path.as_deref(), Kind::Reference);
                at.path(
                    "TimestampPath",
                    wait.timestamp_path.as_deref(),
                    Kind::Reference,
                );
            }
            State::Fail(fail) => {
                at.error_or_cause("ErrorPath", fail.error_path.as_deref());
                at.error_or_cause("CausePath", fail.cause_path.as_deref());
            }
            State::Map(map) => {
                at.path("ItemsPath", map.items_path.as_deref(), Kind::Reference);
                at.path(
                    "MaxConcurrencyPath",
                    map.max_concurrency_path.as_deref(),
                    Kind::Reference,
                );
                at.path(
                    "ToleratedFailurePercentagePath",
                    map.tolerated_failure_percentage_path.as_deref(),
                    Kind::Reference,
                );
                at.path(
                    "ToleratedFailureCountPath",
                    map.tolerated_failure_count_path.as_deref(),
                    Kind::Reference,
                );
                if let Some(selector) = &map.item_selector {
                    at.template("ItemSelector", selector);
                }
                if let Some(parameters) =
                    map.item_reader.as_ref().and_then(|r| r.parameters.as_ref())
                {
                    at.template("ItemReader.Parameters", parameters);
                }
                if let Some(input) = map
                    .item_batcher
                    .as_ref()
                    .and_then(|b| b.batch_input.as_ref())
                {
                    at.template("ItemBatcher.BatchInput", input);
                }
            }
            State::Choice(choice) => {
                for (i, rule) in choice.choices.iter().enumerate() {
                    at.rule(rule, &format!("Choices[{i}]"));
                }
            }
            _ => {}
        }
        for (i, catcher) in state
            .error_handling()
            .and_then(|h| h.catch.as_ref())
            .into_iter()
            .flatten()
            .enumerate()
        {
            at.optional(
                &format!("Catch[{i}].ResultPath"),
                &catcher.result_path,
                Kind::Reference,
            );
        }
    }
}

struct Checker<'a, 'b> {
    label: &'a str,
    sink: &'a mut Sink<'b>,
}

impl Checker<'_, '_> {
    fn report(&mut self, field: &str, code: &'static str, message: String) {
        self.sink.push(
            Diagnostic::error(code, message)
                .at_state(self.label)
                .at_field(field.to_string()),
        );
    }

    fn optional(&mut self, field: &str, value: &Option<Option<String>>, kind: Kind) {
        if let Some(Some(path)) = value {
            self.path(field, Some(path), kind);
        }
    }

    fn path(&mut self, field: &str, path: Option<&str>, kind: Kind) {
        let Some(path) = path else { return };
        let parsed = match kind {
            Kind::Path => JsonPath::parse(path),
            Kind::Reference => parse_reference_path(path),
        };
        if let Err(e) = parsed {
            let wanted = if kind == Kind::Reference {
                "a reference path"
            } else {
                "a JSONPath"
            };
            self.report(field, "invalid-path", format!("must be {wanted}: {e}"));
        }
    }

    /// ErrorPath and CausePath take a reference path or an intrinsic that returns a string.
    fn error_or_cause(&mut self, field: &str, value: Option<&str>) {
        let Some(text) = value else { return };
        if text.starts_with("States.") {
            match parse_intrinsic(text) {
                Ok(call) if STRING_INTRINSICS.contains(&call.function) => {}
                Ok(call) => self.report(
                    field,
                    "invalid-intrinsic",
                    format!(
                        "takes a string, and {} is not one of the functions AWS allows there",
                        call.function.name()
                    ),
                ),
                Err(e) => self.report(field, "invalid-intrinsic", e.to_string()),
            }
        } else {
            self.path(field, Some(text), Kind::Reference);
        }
    }

    /// A payload template: `.$` keys hold a path or an intrinsic; no duplicate keys after `.$`.
    fn template(&mut self, field: &str, template: &Value) {
        match template {
            Value::Object(map) => {
                let mut seen = std::collections::HashSet::new();
                for (key, value) in map {
                    let at = format!("{field}.{key}");
                    let bare = key.strip_suffix(".$").unwrap_or(key);
                    if !seen.insert(bare) {
                        self.report(
                            &at,
                            "duplicate-key",
                            format!("\"{bare}\" is written twice once \".$\" is removed"),
                        );
                    }
                    match (key.ends_with(".$"), value) {
                        (true, Value::String(text)) => self.dynamic_value(&at, text),
                        (true, other) => self.report(&at, "invalid-path", format!("a key ending in \".$\" needs a path or an intrinsic call as a string, found {other}")),
                        (false, nested) => self.template(&at, nested),
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.template(&format!("{field}[{i}]"), item);
                }
            }
            _ => {}
        }
    }

    fn dynamic_value(&mut self, at: &str, text: &str) {
        if text.starts_with("States.") {
            if let Err(e) = parse_intrinsic(text) {
                self.report(at, "invalid-intrinsic", e.to_string());
            }
        } else if !text.starts_with('$') {
            self.report(at, "invalid-path", format!("\"{text}\" is neither a path nor an intrinsic call; drop \".$\" from the key to pass it as a literal"));
        } else if let Err(e) = JsonPath::parse(text) {
            self.report(at, "invalid-path", e.to_string());
        }
    }

    fn rule(&mut self, rule: &ChoiceRule, at: &str) {
        self.path(
            &format!("{at}.Variable"),
            rule.variable.as_deref(),
            Kind::Reference,
        );
        for (op, operand) in rule.comparisons() {
            if op.is_path {
                // A non-path operand is reported by the Choice check (choice-operand-type).
                if let Some(text) = operand.as_str().filter(|t| t.starts_with('$')) {
                    self.path(&format!("{at}.{}", op.name), Some(text), Kind::Reference);
                }
            }
        }
        if let Some(assign) = &rule.assign {
            self.template(&format!("{at}.Assign"), &Value::Object(assign.clone()));
        }
        for (field, nested) in rule.nested() {
            self.rule(nested, &format!("{at}.{field}"));
        }
    }
}
