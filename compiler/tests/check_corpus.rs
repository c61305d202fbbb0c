//! The `wfc check --asl` corpora run through `check::check_source` directly, so the compiler
//! crate proves them without building the `wfc` binary (tests/check_corpus.rs at the root runs
//! the same files through the program itself, exit codes included).
//!
//! * tests/asl/valid: no error (lints are allowed).
//! * tests/asl/invalid: every line of the `.expect` after the exit code appears in what
//!   `wfc check` would print; `error: NAME is not JSON` / `is not an ASL state machine` lines
//!   stand for the unusable cases.
//! * tests/asl/lints: no error, and every expected warning appears.

use std::fs;
use std::path::Path;
use wfc_compiler::check::{check_source, CheckContext, MachineType, Unusable};
use wfc_compiler::Level;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// `(relative path, text, expect file contents)` of every definition in a corpus directory.
fn corpus(dir: &str) -> Vec<(String, String, Option<String>)> {
    let full = Path::new(ROOT).join(dir);
    let mut names: Vec<String> = fs::read_dir(&full)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", full.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".asl.json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = fs::read_to_string(full.join(&name)).expect("readable definition");
            let stem = name.trim_end_matches(".asl.json");
            let expect = fs::read_to_string(full.join(format!("{stem}.expect"))).ok();
            (format!("{dir}/{name}"), text, expect)
        })
        .collect()
}

/// What `wfc check --asl` prints for a definition: (has errors, stderr lines).
fn run(path: &str, text: &str, express: bool) -> (bool, String) {
    let mut context = CheckContext::named(path);
    if express {
        context.machine_type = MachineType::Express;
    }
    match check_source(text, &context) {
        Ok(report) => {
            let printed: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
            let errors = report.diagnostics.iter().any(|d| d.level == Level::Error);
            (errors, printed.join("\n"))
        }
        Err(Unusable::NotJson(e)) => (true, format!("error: {path} is not JSON: {e}")),
        Err(Unusable::NotAsl(e)) => (
            true,
            format!("error: {path} is not an ASL state machine: {e}"),
        ),
    }
}

/// The lines an `.expect` asks for, and whether it asks for `--express`.
fn expectations(expect: &str) -> (Vec<&str>, bool) {
    let mut lines = expect.lines().skip(1);
    let mut express = false;
    let mut wanted = Vec::new();
    for line in lines.by_ref() {
        if let Some(args) = line.strip_prefix("args:") {
            express = args.contains("--express");
        } else if !line.trim().is_empty() {
            wanted.push(line);
        }
    }
    (wanted, express)
}

#[test]
fn valid_corpus_has_no_errors() {
    let mut failures = Vec::new();
    for (path, text, expect) in corpus("tests/asl/valid") {
        let express = expect.as_deref().is_some_and(|e| expectations(e).1);
        let (errors, printed) = run(&path, &text, express);
        if errors {
            failures.push(format!("{path}:\n{printed}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn expected_lines_appear(dir: &str, must_fail: bool) {
    let mut failures = Vec::new();
    let files = corpus(dir);
    assert!(!files.is_empty(), "{dir} holds no definitions");
    for (path, text, expect) in files {
        let Some(expect) = expect else {
            failures.push(format!("{path}: no .expect next to it"));
            continue;
        };
        let (wanted, express) = expectations(&expect);
        let (errors, printed) = run(&path, &text, express);
        let missing: Vec<&str> = wanted
            .into_iter()
            .filter(|w| !printed.contains(w))
            .collect();
        if errors != must_fail || !missing.is_empty() {
            failures.push(format!(
                "{path}: errors={errors}, missing:\n  {}\nprinted:\n{printed}",
                missing.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_corpus_reports_every_expected_error() {
    expected_lines_appear("tests/asl/invalid", true);
}

#[test]
fn lint_corpus_has_its_warnings_and_no_error() {
    expected_lines_appear("tests/asl/lints", false);
}

/// Keys written twice are errors placed like every other finding, nested scopes included, and
/// the rest of the machine is still checked in full (reachability too: no state is stood in for).
#[test]
fn duplicate_keys_are_reported_with_everything_else() {
    let text = r#"{"StartAt": "Fan out", "StartAt": "Fan out",
 "States": {
  "Fan out": {"Type": "Parallel", "End": true, "Branches": [
    {"StartAt": "East", "States": {"East": {"Type": "Pass", "Result": 1, "Result": 2, "End": true}}}]},
  "Orphan": {"Type": "Pass", "End": true}}}"#;
    let (errors, printed) = run("t", text, false);
    assert!(errors);
    for line in [
        "error[duplicate-key]: workflow t › StartAt: StartAt is written twice, at 1:2 and at 1:24; JSON keeps only the last, so the definition does not say what was written\n  hint: keep one of the two",
        "error[duplicate-key]: workflow t › state \"Fan out › Branches[0] › East\" › Result: States › \"Fan out\" › Branches[0] › States › \"East\" › Result is written twice, at 4:61 and at 4:74",
        "error[unreachable]: workflow t › state \"Orphan\"",
    ] {
        assert!(printed.contains(line), "missing {line}\nin:\n{printed}");
    }
    // A definition without repeats parses as before.
    assert!(
        !run(
            "t",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#,
            false
        )
        .0
    );
}
