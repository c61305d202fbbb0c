//! The `wfc check --asl` corpus: definitions AWS rejects (tests/asl/invalid), definitions AWS
//! accepts with lints (tests/asl/lints) and definitions AWS accepts cleanly (tests/asl/valid).
//!
//! Each `NN-name.asl.json` in invalid/ and lints/ has a `NN-name.expect`:
//!
//! ```text
//! 1                      <- the exit code wfc must return (0, 1 or 2)
//! args: --express        <- optional: extra arguments for `wfc check`
//! error[code]: workflow tests/asl/invalid/NN-name.asl.json › state "S" › Field: message
//! …                      <- every further non-empty line must appear in stderr
//! ```
//!
//! wfc runs from the repository root with the relative path, because the workflow name in every
//! diagnostic is the path as given on the command line. Every mismatch of the whole corpus is
//! collected and reported in one panic message.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const WFC: &str = env!("CARGO_BIN_EXE_wfc");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Error codes the checks emit for any ASL definition; each needs a case in tests/asl/invalid.
const ERROR_CODES: &[&str] = &[
    "schema",
    "unknown-target",
    "unreachable",
    "no-terminal",
    "duplicate-name",
    "name-length",
    "name-characters",
    "states-all-not-alone",
    "states-all-not-last",
    "empty-error-equals",
    "unknown-predefined-error",
    "field-not-allowed",
    "unknown-field",
    "next-and-end",
    "missing-next-or-end",
    "mutually-exclusive",
    "missing-field",
    "invalid-value",
    "query-language",
    "distributed-only",
    "empty-branches",
    "empty-choices",
    "empty-states",
    "choice-rule-without-next",
    "nested-rule-with-next",
    "choice-operator-count",
    "choice-operand-type",
    "unknown-operator",
    "invalid-path",
    "duplicate-key",
    "invalid-intrinsic",
    "heartbeat-not-below-timeout",
    "invalid-resource",
    "express-integration",
    "definition-too-large",
];

/// Lint codes; each needs a case in tests/asl/lints.
const LINT_CODES: &[&str] = &[
    "spin-loop",
    "never-ends",
    "no-transient-retry",
    "callback-without-timeout",
    "callback-without-token",
    "choice-without-default",
    "name-characters",
    "inline-tolerated-failure",
];

/// Codes that only fire for typed DSL workflows (they need schemas or declarations that a bare
/// ASL file does not carry), so `wfc check --asl` can never show them.
const DSL_ONLY_CODES: &[&str] = &[
    "activity-input",
    "unknown-error-name",
    "crosses-scope",
    "unused-allow",
    "choice-type-mismatch",
    "unknown-path",
    "dataflow-type",
];

/// Codes covered by a test below rather than by a committed file (a >1 MB file is not committed).
const GENERATED_CODES: &[&str] = &["definition-too-large"];

/// What one `.expect` file asks for.
struct Expectation {
    exit_code: i32,
    args: Vec<String>,
    substrings: Vec<String>,
}

fn parse_expect(path: &Path) -> Result<Expectation, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let first = lines.next().ok_or("empty .expect file")?;
    let exit_code = first
        .trim()
        .parse()
        .map_err(|_| format!("first line must be the exit code, found {first:?}"))?;
    let mut args = Vec::new();
    let mut substrings = Vec::new();
    for (i, line) in lines.enumerate() {
        if let Some(rest) = line.strip_prefix("args:") {
            if i != 0 {
                return Err("\"args:\" must be the second line".into());
            }
            args = rest.split_whitespace().map(String::from).collect();
        } else if !line.is_empty() {
            substrings.push(line.to_string());
        }
    }
    Ok(Expectation {
        exit_code,
        args,
        substrings,
    })
}

/// The `.asl.json` files of a corpus directory, sorted, as paths relative to the repository root.
fn definitions(dir: &str) -> Vec<String> {
    let full = Path::new(ROOT).join(dir);
    let mut out: Vec<String> = fs::read_dir(&full)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", full.display()))
        .map(|entry| entry.expect("directory entry").file_name())
        .filter_map(|name| name.to_str().map(String::from))
        .filter(|name| name.ends_with(".asl.json"))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    out.sort();
    out
}

fn expect_path(definition: &str) -> PathBuf {
    let stem = definition.trim_end_matches(".asl.json");
    Path::new(ROOT).join(format!("{stem}.expect"))
}

/// Runs `wfc check --asl <path> [args]` from the repository root: (exit code, stderr).
fn wfc_check(path: &str, args: &[String]) -> (Option<i32>, String) {
    let output = Command::new(WFC)
        .current_dir(ROOT)
        .args(["check", "--asl", path])
        .args(args)
        .output()
        .expect("wfc runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Checks every definition of `dir` against its `.expect`; returns one report per mismatch.
fn check_corpus(dir: &str) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let files = definitions(dir);
    for definition in &files {
        let expect_file = expect_path(definition);
        let expectation = match parse_expect(&expect_file) {
            Ok(e) => e,
            Err(problem) => {
                failures.push(format!(
                    "{definition}: bad or missing {}: {problem}",
                    expect_file.display()
                ));
                continue;
            }
        };
        let (code, stderr) = wfc_check(definition, &expectation.args);
        let missing: Vec<&String> = expectation
            .substrings
            .iter()
            .filter(|s| !stderr.contains(s.as_str()))
            .collect();
        if code != Some(expectation.exit_code) || !missing.is_empty() {
            let mut report = format!(
                "{definition} (args {:?}):\n  expected exit code {}, got {code:?}\n",
                expectation.args, expectation.exit_code
            );
            for s in &missing {
                let _ = writeln!(report, "  missing from stderr: {s}");
            }
            let _ = write!(report, "  actual stderr:\n{}", indent(&stderr));
            failures.push(report);
        }
    }
    // An .expect without its definition is a case that silently stopped running.
    let full = Path::new(ROOT).join(dir);
    for entry in fs::read_dir(&full).expect("corpus directory") {
        let name = entry.expect("directory entry").file_name();
        let name = name.to_string_lossy();
        if let Some(stem) = name.strip_suffix(".expect") {
            if !full.join(format!("{stem}.asl.json")).exists() {
                failures.push(format!("{dir}/{name}: no {stem}.asl.json next to it"));
            }
        }
    }
    (files.len(), failures)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} corpus case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn invalid_corpus_reports_every_expected_error() {
    let (count, failures) = check_corpus("tests/asl/invalid");
    assert_no_failures(&failures);
    assert!(
        count >= 40,
        "tests/asl/invalid should hold at least 40 definitions, found {count}"
    );
}

#[test]
fn lint_corpus_passes_with_expected_warnings() {
    let (count, failures) = check_corpus("tests/asl/lints");
    assert_no_failures(&failures);
    assert!(
        count >= 8,
        "tests/asl/lints should hold at least 8 definitions, found {count}"
    );
    // AWS accepts these: every .expect must say exit code 0 and expect warnings only.
    let mut wrong = Vec::new();
    for definition in definitions("tests/asl/lints") {
        if let Ok(e) = parse_expect(&expect_path(&definition)) {
            if e.exit_code != 0 || e.substrings.iter().any(|s| s.contains("error[")) {
                wrong.push(definition);
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "lint cases must expect exit code 0 and no errors: {wrong:?}"
    );
}

#[test]
fn valid_corpus_is_accepted_without_errors() {
    let files = definitions("tests/asl/valid");
    assert!(!files.is_empty(), "tests/asl/valid holds no definitions");
    let mut failures = Vec::new();
    for definition in &files {
        // A valid case may carry an optional .expect, only for its arguments (e.g. --express).
        let args = parse_expect(&expect_path(definition))
            .map(|e| e.args)
            .unwrap_or_default();
        let (code, stderr) = wfc_check(definition, &args);
        if code != Some(0) || stderr.contains("error[") {
            failures.push(format!(
                "{definition} (args {args:?}): expected exit code 0 and no errors, got {code:?}\n  actual stderr:\n{}",
                indent(&stderr)
            ));
        }
    }
    assert_no_failures(&failures);
}

/// The codes named in the `.expect` files of a corpus directory, for the given level.
fn codes_in_expect_files(dir: &str, level: &str) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let prefix = format!("{level}[");
    for definition in definitions(dir) {
        let Ok(text) = fs::read_to_string(expect_path(&definition)) else {
            continue;
        };
        let mut rest = text.as_str();
        while let Some(start) = rest.find(&prefix) {
            rest = &rest[start + prefix.len()..];
            if let Some(end) = rest.find(']') {
                codes.insert(rest[..end].to_string());
            }
        }
    }
    codes
}

#[test]
fn every_check_code_has_a_corpus_case() {
    let errors = codes_in_expect_files("tests/asl/invalid", "error");
    let lints = codes_in_expect_files("tests/asl/lints", "warning");
    let mut missing = Vec::new();
    for code in ERROR_CODES {
        if !errors.contains(*code) && !GENERATED_CODES.contains(code) {
            missing.push(format!("error[{code}] (add a case to tests/asl/invalid)"));
        }
    }
    for code in LINT_CODES {
        if !lints.contains(*code) {
            missing.push(format!("warning[{code}] (add a case to tests/asl/lints)"));
        }
    }
    // Every code the check sources emit must be listed above, so that a new check without a
    // corpus case fails here instead of going untested.
    for (level, code) in codes_in_check_sources() {
        let listed = match level {
            "error" => ERROR_CODES.contains(&code.as_str()),
            _ => LINT_CODES.contains(&code.as_str()),
        };
        if !listed && !DSL_ONLY_CODES.contains(&code.as_str()) {
            missing.push(format!(
                "{level}[{code}] is emitted by compiler/src but has no corpus case; add one and list it in tests/check_corpus.rs"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "codes without a corpus case:\n  {}",
        missing.join("\n  ")
    );
}

/// `(level, code)` for each literal code passed to `Diagnostic::error`/`Diagnostic::lint` or to a
/// checker's `report(field, "code", …)` in the check modules and the parser.
fn codes_in_check_sources() -> BTreeSet<(&'static str, String)> {
    let mut sources: Vec<PathBuf> = fs::read_dir(Path::new(ROOT).join("compiler/src/check"))
        .expect("compiler/src/check")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    sources.push(Path::new(ROOT).join("compiler/src/asl/parse.rs"));
    let mut found = BTreeSet::new();
    for source in sources {
        let text = fs::read_to_string(&source).expect("check source");
        for (marker, level) in [
            ("Diagnostic::error(", "error"),
            ("Diagnostic::lint(", "warning"),
            ("report(", "error"),
        ] {
            let mut rest = text.as_str();
            while let Some(start) = rest.find(marker) {
                rest = &rest[start + marker.len()..];
                let after = if marker == "report(" {
                    // report(field, "code", message): the code is the second argument.
                    match rest.find(',') {
                        Some(comma) => &rest[comma + 1..],
                        None => continue,
                    }
                } else {
                    rest
                };
                if let Some(literal) = after.trim_start().strip_prefix('"') {
                    if let Some(end) = literal.find('"') {
                        let code = &literal[..end];
                        if !code.is_empty()
                            && code.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                        {
                            found.insert((level, code.to_string()));
                        }
                    }
                }
            }
        }
    }
    found
}

/// Writes `definition` to a file under the test temp dir and runs `wfc check` on it.
fn check_generated(name: &str, definition: &serde_json::Value) -> (PathBuf, Option<i32>, String) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    fs::write(
        &path,
        serde_json::to_string(definition).expect("serialises"),
    )
    .expect("writes");
    let (code, stderr) = wfc_check(&path.display().to_string(), &[]);
    (path, code, stderr)
}

/// A chain of Pass states padded with comments, just over `bytes` bytes once written compactly.
fn padded_definition(bytes: usize) -> serde_json::Value {
    let padding = "x".repeat(1000);
    let mut states = serde_json::Map::new();
    // `{"StartAt":"Step 0","States":{}}` plus one comma between states.
    let mut size = 32;
    let mut i = 0;
    while size <= bytes {
        let state = serde_json::json!({ "Type": "Pass", "Comment": padding, "Next": format!("Step {}", i + 1) });
        let name = format!("Step {i}");
        size += name.len() + 3 + serde_json::to_string(&state).unwrap().len() + 1;
        states.insert(name, state);
        i += 1;
    }
    let last = states.values_mut().last().expect("at least one state");
    last.as_object_mut().unwrap().remove("Next");
    last["End"] = true.into();
    serde_json::json!({ "StartAt": "Step 0", "States": states })
}

#[test]
fn definition_over_one_megabyte_is_rejected() {
    let definition = padded_definition(1_100_000);
    let size = serde_json::to_string(&definition).unwrap().len();
    assert!(
        size > 1_048_576,
        "generated definition is only {size} bytes"
    );
    let (path, code, stderr) = check_generated("definition-too-large.asl.json", &definition);
    let expected = format!(
        "error[definition-too-large]: workflow {}: the definition is {size} bytes; AWS accepts at most 1048576",
        path.display()
    );
    assert_eq!(code, Some(1), "stderr:\n{stderr}");
    assert!(
        stderr.contains(&expected),
        "missing from stderr: {expected}\nactual stderr:\n{stderr}"
    );
}

#[test]
fn definition_just_under_one_megabyte_is_accepted() {
    let definition = padded_definition(1_040_000);
    let size = serde_json::to_string(&definition).unwrap().len();
    assert!(
        (1_040_000..=1_048_576).contains(&size),
        "generated definition is {size} bytes"
    );
    let (_, code, stderr) = check_generated("definition-under-limit.asl.json", &definition);
    assert_eq!(code, Some(0), "stderr:\n{stderr}");
    assert!(
        !stderr.contains("definition-too-large"),
        "stderr:\n{stderr}"
    );
}
