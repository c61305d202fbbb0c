//! The table-driven corpus: `tests/cases/*.json` (pattern, event, expected match, note) and
//! `tests/invalid/*.json` (pattern, expected error path and message part). Every failure is
//! collected and reported at once.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wfc_events::Pattern;

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

fn load(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    match serde_json::from_str(&text) {
        Ok(Value::Array(items)) => items,
        other => panic!(
            "{}: expected a JSON array of cases, got {other:?}",
            path.display()
        ),
    }
}

#[test]
fn matching_cases() {
    let mut failures = Vec::new();
    let mut count = 0;
    for path in files("cases") {
        let file = path.file_stem().unwrap().to_string_lossy().into_owned();
        for case in load(&path) {
            count += 1;
            let name = format!("{file}/{}", case["name"].as_str().expect("a name"));
            assert!(case["note"].is_string(), "{name}: no note");
            let expected = case["expected"].as_bool().expect("expected is a boolean");
            match Pattern::from_value(&case["pattern"]) {
                Ok(pattern) => {
                    // `parse` of the text must agree with `from_value`.
                    let text = case["pattern"].to_string();
                    assert_eq!(Pattern::parse(&text).as_ref(), Ok(&pattern), "{name}");
                    let got = pattern.matches(&case["event"]);
                    if got != expected {
                        failures.push(format!(
                            "{name}: expected {expected}, got {got} ({})",
                            case["note"]
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name}: pattern refused: {e}")),
            }
        }
    }
    assert!(
        count >= 100,
        "the corpus has {count} matching cases; keep at least 100"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn invalid_patterns() {
    let mut failures = Vec::new();
    let mut count = 0;
    for path in files("invalid") {
        let file = path.file_stem().unwrap().to_string_lossy().into_owned();
        for case in load(&path) {
            count += 1;
            let name = format!("{file}/{}", case["name"].as_str().expect("a name"));
            let result = match case.get("pattern_text").and_then(Value::as_str) {
                Some(text) => Pattern::parse(text),
                None => Pattern::parse(&case["pattern"].to_string()),
            };
            let want_path = case["path"].as_str().unwrap();
            let want_message = case["message"].as_str().unwrap();
            match result {
                Ok(_) => failures.push(format!(
                    "{name}: accepted, expected `{want_path}: …{want_message}…`"
                )),
                Err(e) => {
                    if e.path != want_path || !e.message.contains(want_message) {
                        failures.push(format!(
                            "{name}: got `{e}`, expected `{want_path}: …{want_message}…`"
                        ));
                    }
                    assert_eq!(e.to_string(), format!("{}: {}", e.path, e.message));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} invalid cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
