//! The definitions as they run in each region (placeholders filled with the stack's values, as
//! the template's DefinitionSubstitutions fill them) pass `wfc check` with no error, and both
//! third-party validators the root tests use (tests/validators.rs): asl-validator
//! (WFC_ASL_VALIDATOR) and statelint (WFC_STATELINT, `--ignore=FLOAT`: AWS accepts an integer
//! BackoffRate). Installed by scripts/setup-tools.sh; without them these tests fail.

mod common;

use std::path::PathBuf;
use std::process::Command;
use wfc_compiler::check::{check_source, CheckContext};
use wfc_compiler::Level;

/// Every resolved definition of the examples, written to the test target: `(label, file)`.
fn resolved_files() -> Vec<(String, PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("resolved");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let mut out = Vec::new();
    for (label, text) in common::STACKS {
        let stack = common::stack(text);
        for (name, definition) in common::workflows(&stack) {
            if !wfc_infra::deployed(&name) {
                continue;
            }
            for region in stack.regions.keys() {
                let resolved = wfc_infra::resolve::resolve(&stack, region, &definition).unwrap();
                let text = serde_json::to_string_pretty(&resolved).unwrap();
                assert!(
                    !text.contains("${"),
                    "{label} {region} {name}: a placeholder is left"
                );
                let file = root.join(format!("{label}-{region}-{name}.asl.json"));
                std::fs::write(&file, &text).unwrap();
                out.push((format!("{label} {region} {name}"), file, text));
            }
        }
    }
    out
}

#[test]
fn resolved_definitions_pass_wfc_check() {
    for (at, _, text) in resolved_files() {
        let name = at.rsplit(' ').next().unwrap().to_string();
        let report = check_source(&text, &CheckContext::named(name))
            .unwrap_or_else(|_| panic!("{at}: not a definition"));
        let errors: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .map(|d| d.to_string())
            .collect();
        assert!(errors.is_empty(), "{at}:\n{}", errors.join("\n"));
    }
}

fn validator(var: &str) -> PathBuf {
    let path =
        PathBuf::from(std::env::var_os(var).unwrap_or_else(|| {
            panic!("{var} is not set: run the tests with `bash scripts/test.sh`")
        }));
    assert!(path.is_file(), "{var}={} does not exist", path.display());
    path
}

#[test]
fn resolved_definitions_pass_both_validators() {
    let files: Vec<PathBuf> = resolved_files().into_iter().map(|(_, f, _)| f).collect();
    assert_eq!(files.len(), 3 * 2 * 4);
    let mut asl = Command::new(validator("WFC_ASL_VALIDATOR"));
    for f in &files {
        asl.arg("--json-path").arg(f);
    }
    let mut statelint = Command::new(validator("WFC_STATELINT"));
    statelint.arg("--ignore=FLOAT").args(&files);
    for (name, mut command) in [("asl-validator", asl), ("statelint", statelint)] {
        let out = command
            .output()
            .unwrap_or_else(|e| panic!("{name} starts: {e}"));
        assert!(
            out.status.success(),
            "{name} rejects a resolved definition:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
