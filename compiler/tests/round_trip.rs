//! Every definition of the valid corpus (`tests/asl/valid/*.asl.json`) parses into the ASL model
//! and serialises back to exactly the same JSON: no field lost, none added, `null` kept apart from
//! absent, and numbers in their written form (`2` stays `2`, `2.0` stays `2.0`).

use serde_json::Value;
use std::path::{Path, PathBuf};
use wfc_compiler::asl::{parse, StateMachine};

/// The corpus must keep at least this many definitions.
const MIN_CORPUS_FILES: usize = 40;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/asl/valid")
}

/// `(file name, text)` of every `*.asl.json` in the corpus, sorted by name.
fn corpus() -> Vec<(String, String)> {
    let dir = corpus_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus directory {}: {e}", dir.display()));
    let mut files: Vec<(String, String)> = entries
        .map(|entry| entry.expect("corpus directory entry").path())
        .filter(|path| path.to_string_lossy().ends_with(".asl.json"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (name, text)
        })
        .collect();
    files.sort();
    files
}

fn parse_or_panic(name: &str, text: &str) -> StateMachine {
    parse(text, name).unwrap_or_else(|failure| panic!("{name} does not parse: {failure:?}"))
}

/// The paths (`/States/A/Retry/0/BackoffRate`) where two JSON values differ, each with both sides.
fn differences(path: &str, original: &Value, back: &Value, out: &mut Vec<String>) {
    match (original, back) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{path}/{key}");
                match b.get(key) {
                    Some(other) => differences(&here, value, other, out),
                    None => out.push(format!("{here}: dropped (was {value})")),
                }
            }
            for (key, value) in b {
                if !a.contains_key(key) {
                    out.push(format!("{path}/{key}: added ({value})"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}/{i}"), x, y, out);
            }
        }
        _ if original != back => out.push(format!("{path}: written {original}, serialised {back}")),
        _ => {}
    }
}

#[test]
fn corpus_has_enough_definitions() {
    let files = corpus();
    assert!(
        files.len() >= MIN_CORPUS_FILES,
        "expected at least {MIN_CORPUS_FILES} definitions in {}, found {}",
        corpus_dir().display(),
        files.len()
    );
}

#[test]
fn every_corpus_definition_round_trips_exactly() {
    let mut failures = Vec::new();
    for (name, text) in corpus() {
        let original: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
        let machine = match parse(&text, &name) {
            Ok(machine) => machine,
            Err(failure) => {
                failures.push(format!("{name}: does not parse: {failure:?}"));
                continue;
            }
        };
        let back = serde_json::to_value(&machine).expect("the model serialises");
        if back != original {
            let mut diffs = Vec::new();
            differences("", &original, &back, &mut diffs);
            failures.push(format!("{name}:\n    {}", diffs.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} definition(s) do not round-trip:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn pretty_json_is_byte_identical_between_runs() {
    for (name, text) in corpus() {
        let machine = parse_or_panic(&name, &text);
        let first = machine.to_pretty_json();
        let second = machine.to_pretty_json();
        assert_eq!(
            first, second,
            "{name}: to_pretty_json differs between two calls"
        );
        // Serialising what was parsed back from the pretty form gives the same bytes again.
        let reparsed = parse_or_panic(&name, &first);
        assert_eq!(
            first,
            reparsed.to_pretty_json(),
            "{name}: to_pretty_json is not stable across a parse of its own output"
        );
    }
}

/// Exact equality must tell `2` from `2.0`, or the round-trip test would not prove number forms.
#[test]
fn json_equality_tells_integer_from_float() {
    let integer: Value = serde_json::from_str("2").unwrap();
    let float: Value = serde_json::from_str("2.0").unwrap();
    assert_ne!(integer, float);
    assert_eq!(serde_json::to_string(&float).unwrap(), "2.0");
}

fn unknown_choice_fields(rule: &wfc_compiler::asl::ChoiceRule, at: &str, out: &mut Vec<String>) {
    for field in rule.unknown_fields() {
        out.push(format!("{at}.{field}"));
    }
    for (label, nested) in rule.nested() {
        unknown_choice_fields(nested, &format!("{at}.{label}"), out);
    }
}

/// A valid definition uses only fields the model knows: nothing lands in an `unknown` bucket.
#[test]
fn valid_corpus_has_no_unknown_fields() {
    use wfc_compiler::asl::State;
    let mut failures = Vec::new();
    for (name, text) in corpus() {
        let machine = parse_or_panic(&name, &text);
        let mut unknown: Vec<String> = machine.unknown.keys().cloned().collect();
        for scoped in machine.all_states() {
            for field in scoped.state.unknown().keys() {
                unknown.push(format!("{}.{field}", scoped.name));
            }
            if let State::Choice(choice) = scoped.state {
                for (i, rule) in choice.choices.iter().enumerate() {
                    unknown_choice_fields(
                        rule,
                        &format!("{}.Choices[{i}]", scoped.name),
                        &mut unknown,
                    );
                }
            }
        }
        if !unknown.is_empty() {
            failures.push(format!("{name}: {}", unknown.join(", ")));
        }
    }
    assert!(
        failures.is_empty(),
        "fields the model does not know:\n{}",
        failures.join("\n")
    );
}
