//! The `wfc` command line: exit codes, byte-identical output, help on every subcommand.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wfc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wfc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("wfc runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wfc-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for sub in ["statemachines", "schemas", "events", "cloudformation"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            files.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            ));
        }
    }
    files
}

#[test]
fn compile_writes_definitions_and_schemas_byte_identically() {
    let (a, b) = (scratch("a"), scratch("b"));
    for dir in [&a, &b] {
        let out = wfc(&["compile", "--out", dir.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (first, second) = (read_tree(&a), read_tree(&b));
    let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    for workflow in ["example", "failover", "switchover", "failback", "preflight"] {
        let definition = format!("{workflow}.asl.json");
        assert!(names.contains(&definition.as_str()), "{names:?}");
    }
    assert!(names.contains(&"example.input.schema.json"), "{names:?}");
    assert!(names.contains(&"rules.json"), "{names:?}");
    // The CloudFormation templates of both regions (issue 14).
    for kind in ["network", "dr", "orchestrator"] {
        for region in ["us-east-1", "us-west-2"] {
            let template = format!("{kind}-{region}.yaml");
            assert!(names.contains(&template.as_str()), "{names:?}");
        }
    }
    // Every schema has an example input next to it, which it accepts.
    for workflow in ["example", "failover", "switchover", "failback", "preflight"] {
        let read = |suffix: &str| -> serde_json::Value {
            let file = format!("{workflow}.{suffix}");
            let (_, bytes) = first
                .iter()
                .find(|(n, _)| *n == file)
                .unwrap_or_else(|| panic!("{file} missing"));
            serde_json::from_slice(bytes).unwrap()
        };
        let schema = read("input.schema.json");
        let example = read("input.example.json");
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&example)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{workflow}: {errors:?}");
    }
    assert_eq!(first, second, "two runs must write the same bytes");
    let example = first.iter().find(|(n, _)| n == "example.asl.json").unwrap();
    let text = String::from_utf8(example.1.clone()).unwrap();
    assert!(text.starts_with("{\n  \""), "pretty-printed");
    for kind in [
        "\"Type\": \"Pass\"",
        "\"Type\": \"Task\"",
        "\"Type\": \"Choice\"",
        "\"Type\": \"Wait\"",
        "\"Type\": \"Parallel\"",
        "\"Type\": \"Map\"",
        "\"Type\": \"Succeed\"",
        "\"Type\": \"Fail\"",
    ] {
        assert!(
            text.contains(kind),
            "the example uses every state type; missing {kind}"
        );
    }
}

#[test]
fn compile_reports_every_problem_of_a_stack_description_with_its_key_path() {
    let dir = scratch("config");
    let config = dir.join("stack.toml");
    let example = std::fs::read_to_string("examples/woocommerce/stack.toml").unwrap();
    std::fs::write(
        &config,
        example.replace("account_id = \"123456789012\"", "account_id = 5"),
    )
    .unwrap();
    let out = wfc(&[
        "compile",
        "--config",
        config.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("shop.account_id"), "{stderr}");
    assert!(!dir.join("out").exists(), "nothing is written");

    let out = wfc(&[
        "compile",
        "--config",
        "examples/woocommerce/stack.toml",
        "--out",
        dir.join("ok").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_exit_codes_follow_the_contract() {
    let dir = scratch("check");
    let good = dir.join("good.json");
    std::fs::write(
        &good,
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#,
    )
    .unwrap();
    let out = wfc(&["check", "--asl", good.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let linted = dir.join("linted.json");
    std::fs::write(&linted, r#"{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}"#).unwrap();
    let out = wfc(&["check", "--asl", linted.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "lints never fail wfc check");
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning[no-transient-retry]"));

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"StartAt":"Nope","States":{"A":{"Type":"Pass","Next":"Gone"}}}"#,
    )
    .unwrap();
    let out = wfc(&["check", "--asl", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("StartAt: no state named \"Nope\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("› state \"A\" › Next: no state named \"Gone\""),
        "{stderr}"
    );

    let not_json = dir.join("not.json");
    std::fs::write(&not_json, "StartAt: A").unwrap();
    let out = wfc(&["check", "--asl", not_json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not JSON"));

    let out = wfc(&["check", "--asl", dir.join("missing.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn graph_draws_workflows_and_files() {
    let out = wfc(&["graph", "example", "--format", "mermaid"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("flowchart TD"));
    assert!(text.contains("Is writable"));
    assert!(
        text.contains("subgraph"),
        "Parallel and Map bodies are subgraphs"
    );

    let out = wfc(&["graph", "example", "--format", "dot"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph statemachine {"));

    let out = wfc(&["graph", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the workflows are: example"));
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "compile", "check", "graph", "run", "events", "status", "approve", "reject",
    ] {
        let out = wfc(&[sub, "--help"]);
        assert!(out.status.success(), "wfc {sub} --help");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: wfc"),
            "wfc {sub} --help"
        );
    }
}

/// Every example stack compiles to the templates of both its regions (issue 14's acceptance).
#[test]
fn compile_writes_the_templates_of_both_regions_for_every_example_stack() {
    for config in ["stack.toml", "stack-aurora.toml", "stack-self-managed.toml"] {
        let dir = scratch(config);
        let path = format!("examples/woocommerce/{config}");
        let out = wfc(&["compile", "--config", &path, "--out", dir.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{config}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for region in ["us-east-1", "us-west-2"] {
            let file = dir
                .join("cloudformation")
                .join(format!("orchestrator-{region}.yaml"));
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(
                text.contains("AWS::StepFunctions::StateMachineAlias"),
                "{config} {region}"
            );
        }
    }
}
