//! Which fields each state type accepts in each query language, the fields that exclude each
//! other, `Next`/`End`, and the ranges of numeric fields. The table follows the spec's own
//! (../shared/reference/asl.md §1.2).

use super::{labelled_states, Sink};
use crate::asl::{
    IntOrExpr, ItemProcessor, Map, ProcessorMode, QueryLanguage, State, StateKind, StateMachine,
};
use crate::diagnostic::{did_you_mean, Diagnostic};
use serde_json::Value;

/// Largest value AWS accepts for timeouts and waits.
pub(crate) const MAX_SECONDS: u64 = 99_999_999;

/// A field shared by several state types and the types (per query language) that accept it.
struct SharedField {
    name: &'static str,
    json_path: &'static [StateKind],
    jsonata: &'static [StateKind],
}

use StateKind::*;
const ALL: &[StateKind] = &[Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map];
const FLOWING: &[StateKind] = &[Pass, Task, Wait, Parallel, Map];
const NOT_FAIL: &[StateKind] = &[Pass, Task, Choice, Wait, Succeed, Parallel, Map];
const PRODUCING: &[StateKind] = &[Pass, Task, Parallel, Map];
const RESULT_SHAPING: &[StateKind] = &[Task, Parallel, Map];
const ASSIGNING: &[StateKind] = &[Pass, Task, Choice, Wait, Parallel, Map];

const SHARED: &[SharedField] = &[
    SharedField {
        name: "Comment",
        json_path: ALL,
        jsonata: ALL,
    },
    SharedField {
        name: "QueryLanguage",
        json_path: ALL,
        jsonata: ALL,
    },
    SharedField {
        name: "Next",
        json_path: FLOWING,
        jsonata: FLOWING,
    },
    SharedField {
        name: "End",
        json_path: FLOWING,
        jsonata: FLOWING,
    },
    SharedField {
        name: "InputPath",
        json_path: NOT_FAIL,
        jsonata: &[],
    },
    SharedField {
        name: "OutputPath",
        json_path: NOT_FAIL,
        jsonata: &[],
    },
    SharedField {
        name: "Parameters",
        json_path: PRODUCING,
        jsonata: &[],
    },
    SharedField {
        name: "ResultSelector",
        json_path: RESULT_SHAPING,
        jsonata: &[],
    },
    SharedField {
        name: "ResultPath",
        json_path: PRODUCING,
        jsonata: &[],
    },
    SharedField {
        name: "Arguments",
        json_path: &[],
        jsonata: &[Task, Parallel],
    },
    SharedField {
        name: "Output",
        json_path: &[],
        jsonata: NOT_FAIL,
    },
    SharedField {
        name: "Assign",
        json_path: ASSIGNING,
        jsonata: ASSIGNING,
    },
];

/// Fields only one type has, and whether they are JSONPath-only (`…Path` forms), JSONata-only,
/// or both.
const OWN: &[(StateKind, &str, Lang)] = &[
    (Pass, "Result", Lang::JsonPath),
    (Task, "Resource", Lang::Both),
    (Task, "Credentials", Lang::Both),
    (Task, "TimeoutSeconds", Lang::Both),
    (Task, "TimeoutSecondsPath", Lang::JsonPath),
    (Task, "HeartbeatSeconds", Lang::Both),
    (Task, "HeartbeatSecondsPath", Lang::JsonPath),
    (Task, "Retry", Lang::Both),
    (Task, "Catch", Lang::Both),
    (Choice, "Choices", Lang::Both),
    (Choice, "Default", Lang::Both),
    (Wait, "Seconds", Lang::Both),
    (Wait, "SecondsPath", Lang::JsonPath),
    (Wait, "Timestamp", Lang::Both),
    (Wait, "TimestampPath", Lang::JsonPath),
    (Fail, "Error", Lang::Both),
    (Fail, "ErrorPath", Lang::JsonPath),
    (Fail, "Cause", Lang::Both),
    (Fail, "CausePath", Lang::JsonPath),
    (Parallel, "Branches", Lang::Both),
    (Parallel, "Retry", Lang::Both),
    (Parallel, "Catch", Lang::Both),
    (Map, "ItemsPath", Lang::JsonPath),
    (Map, "Items", Lang::JSONata),
    (Map, "ItemSelector", Lang::Both),
    (Map, "ItemProcessor", Lang::Both),
    (Map, "Iterator", Lang::Both),
    (Map, "ItemReader", Lang::Both),
    (Map, "ItemBatcher", Lang::Both),
    (Map, "ResultWriter", Lang::Both),
    (Map, "MaxConcurrency", Lang::Both),
    (Map, "MaxConcurrencyPath", Lang::JsonPath),
    (Map, "Label", Lang::Both),
    (Map, "ToleratedFailurePercentage", Lang::Both),
    (Map, "ToleratedFailurePercentagePath", Lang::JsonPath),
    (Map, "ToleratedFailureCount", Lang::Both),
    (Map, "ToleratedFailureCountPath", Lang::JsonPath),
    (Map, "Retry", Lang::Both),
    (Map, "Catch", Lang::Both),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    JsonPath,
    #[allow(clippy::upper_case_acronyms)]
    JSONata,
    Both,
}

impl Lang {
    fn allows(self, language: QueryLanguage) -> bool {
        match self {
            Lang::Both => true,
            Lang::JsonPath => language == QueryLanguage::JSONPath,
            Lang::JSONata => language == QueryLanguage::JSONata,
        }
    }
}

/// The fields a state of `kind` may carry in `language`, in spec order (for hints).
pub(crate) fn allowed_fields(kind: StateKind, language: QueryLanguage) -> Vec<&'static str> {
    let mut out = vec!["Type"];
    for field in SHARED {
        let kinds = match language {
            QueryLanguage::JSONPath => field.json_path,
            QueryLanguage::JSONata => field.jsonata,
        };
        if kinds.contains(&kind) {
            out.push(field.name);
        }
    }
    for (owner, name, lang) in OWN {
        if *owner == kind && lang.allows(language) && !out.contains(name) {
            out.push(name);
        }
    }
    out
}

fn is_spec_field(name: &str) -> bool {
    SHARED.iter().any(|f| f.name == name) || OWN.iter().any(|(_, n, _)| *n == name)
}

/// The names of the fields written on a state (from the model, so in spec order).
fn written_fields(state: &State) -> Vec<String> {
    match serde_json::to_value(state) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The query language a state runs in: its own, else the machine's.
pub(crate) fn language_of(state: &State, machine: QueryLanguage) -> QueryLanguage {
    state.common().query_language.unwrap_or(machine)
}

pub(super) fn check(machine: &StateMachine, sink: &mut Sink) {
    top_level(machine, sink);
    let machine_language = machine.query_language();
    for (label, _, state) in labelled_states(machine) {
        let language = language_of(state, machine_language);
        let at = |d: Diagnostic| d.at_state(label.clone());
        if machine_language == QueryLanguage::JSONata && language == QueryLanguage::JSONPath {
            sink.push(at(Diagnostic::error(
                "query-language",
                "a JSONata state machine cannot contain JSONPath states",
            )
            .at_field("QueryLanguage")
            .with_hint("remove \"QueryLanguage\": \"JSONPath\", or make the machine JSONPath and set JSONata per state")));
        }
        allowed(state, language, &label, sink);
        transition(state, &label, sink);
        exclusive(state, &label, sink);
        numbers(state, language, &label, sink);
        if let State::Map(map) = state {
            map_mode(map, &label, sink);
            map_enumerations(map, &label, sink);
        }
        catchers(state, language, &label, sink);
        if let State::Parallel(p) = state {
            if p.branches.is_empty() {
                sink.push(
                    at(Diagnostic::error(
                        "empty-branches",
                        "a Parallel state needs at least one branch",
                    ))
                    .at_field("Branches"),
                );
            }
        }
    }
}

fn top_level(machine: &StateMachine, sink: &mut Sink) {
    for name in machine.unknown.keys() {
        let known = [
            "Comment",
            "QueryLanguage",
            "StartAt",
            "States",
            "Version",
            "TimeoutSeconds",
        ];
        sink.push(
            Diagnostic::error(
                "unknown-field",
                format!(
                    "unknown top-level field \"{name}\"{}",
                    did_you_mean(name, known)
                ),
            )
            .at_field(name.clone())
            .with_hint(format!("the top level has: {}", known.join(", "))),
        );
    }
    if let Some(version) = &machine.version {
        if version != "1.0" {
            sink.push(
                Diagnostic::error(
                    "invalid-value",
                    format!("must be \"1.0\", found \"{version}\""),
                )
                .at_field("Version"),
            );
        }
    }
    if let Some(timeout) = &machine.timeout_seconds {
        seconds_value(
            timeout,
            "TimeoutSeconds",
            1,
            machine.query_language(),
            None,
            sink,
        );
    }
    if machine.states.is_empty() {
        sink.push(
            Diagnostic::error("empty-states", "the machine has no states").at_field("States"),
        );
    }
}

fn allowed(state: &State, language: QueryLanguage, label: &str, sink: &mut Sink) {
    let kind = state.kind();
    let allowed = allowed_fields(kind, language);
    for field in written_fields(state) {
        if allowed.contains(&field.as_str()) {
            continue;
        }
        let spec = is_spec_field(&field);
        let other_language = match language {
            QueryLanguage::JSONPath => QueryLanguage::JSONata,
            QueryLanguage::JSONata => QueryLanguage::JSONPath,
        };
        let message = if spec && allowed_fields(kind, other_language).contains(&field.as_str()) {
            format!(
                "\"{field}\" is a {other_language:?} field; this {} state uses {language:?}",
                kind.as_str()
            )
        } else if spec {
            format!("a {} state cannot have \"{field}\"", kind.as_str())
        } else {
            format!(
                "unknown field \"{field}\" on a {} state{}",
                kind.as_str(),
                did_you_mean(&field, allowed.iter().copied())
            )
        };
        let code = if spec {
            "field-not-allowed"
        } else {
            "unknown-field"
        };
        sink.push(
            Diagnostic::error(code, message)
                .at_state(label)
                .at_field(field.clone())
                .with_hint(format!(
                    "a {language:?} {} state accepts: {}",
                    kind.as_str(),
                    allowed.join(", ")
                )),
        );
    }
}

fn transition(state: &State, label: &str, sink: &mut Sink) {
    let common = state.common();
    if !matches!(state.kind(), Pass | Task | Wait | Parallel | Map) {
        return; // Next/End on Choice, Succeed and Fail are reported as fields not allowed.
    }
    match (&common.next, common.end) {
        (Some(_), Some(true)) => sink.push(
            Diagnostic::error(
                "next-and-end",
                "a state cannot have both \"Next\" and \"End\": true",
            )
            .at_state(label)
            .at_field("End")
            .with_hint("keep \"Next\" to continue, or \"End\": true to finish"),
        ),
        (None, None) => sink.push(
            Diagnostic::error(
                "missing-next-or-end",
                "the state has neither \"Next\" nor \"End\": true",
            )
            .at_state(label)
            .with_hint("add \"Next\": \"<state>\" or \"End\": true"),
        ),
        (_, Some(false)) => sink.push(
            Diagnostic::error("invalid-value", "\"End\" must be true when present")
                .at_state(label)
                .at_field("End")
                .with_hint("leave \"End\" out and use \"Next\""),
        ),
        _ => {}
    }
}

/// Pairs (and groups) of fields of which at most one, or exactly one, may be written.
fn exclusive(state: &State, label: &str, sink: &mut Sink) {
    let written = written_fields(state);
    let has = |f: &str| written.iter().any(|w| w == f);
    let mut at_most_one = |fields: &[&str]| {
        let present: Vec<&str> = fields.iter().copied().filter(|f| has(f)).collect();
        if present.len() > 1 {
            sink.push(
                Diagnostic::error(
                    "mutually-exclusive",
                    format!(
                        "only one of {} may be set, found {}",
                        fields.join(", "),
                        present.join(" and ")
                    ),
                )
                .at_state(label)
                .at_field(present[1]),
            );
        }
    };
    match state.kind() {
        Task => {
            at_most_one(&["TimeoutSeconds", "TimeoutSecondsPath"]);
            at_most_one(&["HeartbeatSeconds", "HeartbeatSecondsPath"]);
        }
        Fail => {
            at_most_one(&["Error", "ErrorPath"]);
            at_most_one(&["Cause", "CausePath"]);
        }
        Wait => at_most_one(&["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]),
        Map => {
            at_most_one(&["ItemProcessor", "Iterator"]);
            at_most_one(&["Items", "ItemsPath"]);
            at_most_one(&["ItemSelector", "Parameters"]);
            at_most_one(&["MaxConcurrency", "MaxConcurrencyPath"]);
            at_most_one(&[
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
            ]);
            at_most_one(&["ToleratedFailureCount", "ToleratedFailureCountPath"]);
        }
        _ => {}
    }
    let missing = |fields: &[&str]| !fields.iter().any(|f| has(f));
    if state.kind() == Wait && missing(&["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]) {
        sink.push(
            Diagnostic::error(
                "missing-field",
                "a Wait state needs one of Seconds, SecondsPath, Timestamp, TimestampPath",
            )
            .at_state(label),
        );
    }
    if state.kind() == Map && missing(&["ItemProcessor", "Iterator"]) {
        sink.push(
            Diagnostic::error("missing-field", "a Map state needs an \"ItemProcessor\"")
                .at_state(label)
                .with_hint("add \"ItemProcessor\": {\"StartAt\": …, \"States\": {…}}"),
        );
    }
}

fn numbers(state: &State, language: QueryLanguage, label: &str, sink: &mut Sink) {
    let mut check = |value: &Option<IntOrExpr>, field: &str, min: u64| {
        if let Some(value) = value {
            seconds_value(value, field, min, language, Some(label), sink);
        }
    };
    match state {
        State::Task(t) => {
            check(&t.timeout_seconds, "TimeoutSeconds", 1);
            check(&t.heartbeat_seconds, "HeartbeatSeconds", 1);
        }
        State::Wait(w) => {
            check(&w.seconds, "Seconds", 0);
            if let Some(ts) = &w.timestamp {
                let expression = language == QueryLanguage::JSONata && is_jsonata_expression(ts);
                if !expression && !is_rfc3339(ts) {
                    sink.push(
                        Diagnostic::error(
                            "invalid-value",
                            format!("Timestamp \"{ts}\" is not an RFC 3339 timestamp"),
                        )
                        .at_state(label)
                        .at_field("Timestamp")
                        .with_hint("write it like 2026-03-14T01:59:00Z (uppercase T and Z)"),
                    );
                }
            }
        }
        State::Map(m) => {
            check(&m.max_concurrency, "MaxConcurrency", 0);
            check(&m.tolerated_failure_count, "ToleratedFailureCount", 0);
            if let Some(IntOrExpr::Number(n)) = &m.tolerated_failure_percentage {
                let p = n.as_f64().unwrap_or(-1.0);
                if !(0.0..=100.0).contains(&p) {
                    sink.push(
                        Diagnostic::error(
                            "invalid-value",
                            format!("must be between 0 and 100, found {n}"),
                        )
                        .at_state(label)
                        .at_field("ToleratedFailurePercentage"),
                    );
                }
            }
        }
        _ => {}
    }
}

/// A whole number of seconds (or a count) in range, or a JSONata expression where allowed.
pub(crate) fn seconds_value(
    value: &IntOrExpr,
    field: &str,
    min: u64,
    language: QueryLanguage,
    state: Option<&str>,
    sink: &mut Sink,
) {
    let problem = match value {
        IntOrExpr::Number(n) => match n.as_u64() {
            Some(v) if v >= min && v <= MAX_SECONDS => None,
            _ => Some(format!(
                "must be a whole number from {min} to {MAX_SECONDS}, found {n}"
            )),
        },
        IntOrExpr::Expr(text) if language == QueryLanguage::JSONata => {
            (!is_jsonata_expression(text))
                .then(|| format!("must be a number or a \"{{% expression %}}\", found \"{text}\""))
        }
        IntOrExpr::Expr(text) => Some(format!(
            "must be a whole number in JSONPath, found the string \"{text}\"{}",
            if field_has_path_form(field) {
                format!("; use {field}Path to read it from the input")
            } else {
                String::new()
            }
        )),
    };
    if let Some(message) = problem {
        let mut d = Diagnostic::error("invalid-value", message).at_field(field);
        if let Some(state) = state {
            d = d.at_state(state);
        }
        sink.push(d);
    }
}

fn field_has_path_form(field: &str) -> bool {
    matches!(
        field,
        "TimeoutSeconds"
            | "HeartbeatSeconds"
            | "Seconds"
            | "MaxConcurrency"
            | "ToleratedFailureCount"
    )
}

/// `{% … %}`: a JSONata expression as Step Functions writes one.
pub(crate) fn is_jsonata_expression(text: &str) -> bool {
    text.starts_with("{%") && text.ends_with("%}") && text.len() >= 4
}

/// RFC 3339 as Step Functions accepts it: `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`, uppercase T and Z.
pub(crate) fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        range
            .clone()
            .all(|i| b.get(i).is_some_and(u8::is_ascii_digit))
    };
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
    {
        return false;
    }
    if b[10] != b'T'
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2] if (*sign == b'+' || *sign == b'-') => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// Distributed-only fields on an inline Map (errors), and failure tolerances there (lints).
fn map_mode(map: &Map, label: &str, sink: &mut Sink) {
    let distributed = map
        .processor()
        .and_then(|p: &ItemProcessor| p.processor_config.as_ref())
        .and_then(|c| c.mode)
        == Some(ProcessorMode::Distributed);
    if distributed {
        return;
    }
    let only_distributed = [
        ("ItemReader", map.item_reader.is_some()),
        ("ItemBatcher", map.item_batcher.is_some()),
        ("ResultWriter", map.result_writer.is_some()),
        ("Label", map.label.is_some()),
    ];
    for (field, present) in only_distributed {
        if present {
            sink.push(
                Diagnostic::error("distributed-only", format!("\"{field}\" is only allowed on a distributed Map"))
                    .at_state(label)
                    .at_field(field)
                    .with_hint("set ItemProcessor.ProcessorConfig.Mode to \"DISTRIBUTED\", or remove the field"),
            );
        }
    }
    // AWS accepts these on an inline Map (it ran one, issue 12), but documents them only as a
    // distributed Map Run's failure threshold: an author likely expects a tolerance AWS may not apply.
    let tolerance = [
        (
            "ToleratedFailurePercentage",
            map.tolerated_failure_percentage.is_some(),
        ),
        (
            "ToleratedFailurePercentagePath",
            map.tolerated_failure_percentage_path.is_some(),
        ),
        (
            "ToleratedFailureCount",
            map.tolerated_failure_count.is_some(),
        ),
        (
            "ToleratedFailureCountPath",
            map.tolerated_failure_count_path.is_some(),
        ),
    ];
    for (field, _) in tolerance.into_iter().filter(|(_, present)| *present) {
        sink.push(
            Diagnostic::lint(
                "inline-tolerated-failure",
                format!("\"{field}\" on an inline Map: AWS accepts it, but documents it only as the failure threshold of a distributed Map Run, so it may not let any iteration fail here"),
            )
            .at_state(label)
            .at_field(field)
            .with_hint("set ItemProcessor.ProcessorConfig.Mode to \"DISTRIBUTED\" to tolerate failed items, or catch failures inside the ItemProcessor"),
        );
    }
}

/// Catchers carry `ResultPath` in JSONPath states and `Output` in JSONata states.
fn catchers(state: &State, language: QueryLanguage, label: &str, sink: &mut Sink) {
    let Some(catchers) = state.error_handling().and_then(|h| h.catch.as_ref()) else {
        return;
    };
    for (i, catcher) in catchers.iter().enumerate() {
        let (field, present, other) = match language {
            QueryLanguage::JSONPath => ("Output", catcher.output.is_some(), "JSONata"),
            QueryLanguage::JSONata => ("ResultPath", catcher.result_path.is_some(), "JSONPath"),
        };
        if present {
            sink.push(
                Diagnostic::error(
                    "field-not-allowed",
                    format!("\"{field}\" is a {other} field; this state uses {language:?}"),
                )
                .at_state(label)
                .at_field(format!("Catch[{i}].{field}")),
            );
        }
    }
}

/// The enumerations of a distributed Map's reader, processor and writer.
fn map_enumerations(map: &Map, label: &str, sink: &mut Sink) {
    let mut check = |field: &str, value: Option<&String>, allowed: &[&str]| {
        if let Some(value) = value {
            if !allowed.contains(&value.as_str()) {
                sink.push(
                    Diagnostic::error(
                        "invalid-value",
                        format!("must be one of {}, found \"{value}\"", allowed.join(", ")),
                    )
                    .at_state(label)
                    .at_field(field.to_string()),
                );
            }
        }
    };
    if let Some(config) = map
        .item_reader
        .as_ref()
        .and_then(|r| r.reader_config.as_ref())
    {
        check(
            "ItemReader.ReaderConfig.InputType",
            config.input_type.as_ref(),
            &["CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"],
        );
        check(
            "ItemReader.ReaderConfig.CSVHeaderLocation",
            config.csv_header_location.as_ref(),
            &["FIRST_ROW", "GIVEN"],
        );
        check(
            "ItemReader.ReaderConfig.CSVDelimiter",
            config.csv_delimiter.as_ref(),
            &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
        );
        check(
            "ItemReader.ReaderConfig.Transformation",
            config.transformation.as_ref(),
            &["NONE", "LOAD_AND_FLATTEN"],
        );
        check(
            "ItemReader.ReaderConfig.ManifestType",
            config.manifest_type.as_ref(),
            &["ATHENA_DATA", "S3_INVENTORY"],
        );
    }
    if let Some(config) = map.processor().and_then(|p| p.processor_config.as_ref()) {
        let field = if map.item_processor.is_some() {
            "ItemProcessor.ProcessorConfig.ExecutionType"
        } else {
            "Iterator.ProcessorConfig.ExecutionType"
        };
        check(
            field,
            config.execution_type.as_ref(),
            &["STANDARD", "EXPRESS"],
        );
    }
    if let Some(config) = map
        .result_writer
        .as_ref()
        .and_then(|w| w.writer_config.as_ref())
    {
        check(
            "ResultWriter.WriterConfig.OutputType",
            config.output_type.as_ref(),
            &["JSON", "JSONL"],
        );
        check(
            "ResultWriter.WriterConfig.Transformation",
            config.transformation.as_ref(),
            &["NONE", "COMPACT", "FLATTEN"],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert!(is_rfc3339("2016-03-14T01:59:00Z"));
        assert!(is_rfc3339("2016-03-14T01:59:00.123+02:00"));
        assert!(!is_rfc3339("2016-03-14t01:59:00z"));
        assert!(!is_rfc3339("2016-03-14 01:59:00Z"));
        assert!(!is_rfc3339("yesterday"));
    }
}
