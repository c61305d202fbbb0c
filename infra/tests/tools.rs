//! cfn-lint and checkov on every template of the three example stacks: no cfn-lint error (or
//! warning), no failed checkov check. A checkov skip is written into the template next to the
//! resource it concerns (`Metadata: checkov: skip: [{id, comment}]`), each with its reason; a
//! test holds that every skip has one.
//!
//! The tools are pinned and installed by scripts/setup-tools.sh (cfn-lint in .tools/venv,
//! checkov in .tools/checkov); `bash scripts/test.sh` exports WFC_CFN_LINT and WFC_CHECKOV.
//! Without them these tests fail, they do not skip: a green run must mean the tools ran.

mod common;

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn tool(var: &str) -> PathBuf {
    let path = std::env::var_os(var).unwrap_or_else(|| {
        panic!(
            "{var} is not set. Run the tests with `bash scripts/test.sh` (it installs the pinned \
             cfn-lint and checkov into .tools/ and exports WFC_CFN_LINT and WFC_CHECKOV)."
        )
    });
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{var}={} does not exist; run `bash scripts/setup-tools.sh`",
        path.display()
    );
    path
}

#[test]
fn cfn_lint_passes_every_template() {
    let files = common::written("cfn-lint");
    assert_eq!(
        files.len(),
        18,
        "network, DR plumbing and orchestrator × two regions × three stacks"
    );
    let out = Command::new(tool("WFC_CFN_LINT"))
        .args(["--format", "parseable"])
        .args(&files)
        .output()
        .expect("cfn-lint runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim().is_empty(),
        "cfn-lint (exit {:?}):\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn checkov_finds_no_failed_check() {
    let files = common::written("checkov");
    let dir = files[0].ancestors().nth(3).unwrap().to_path_buf();
    // --skip-download: no call to the vendor's platform; the built-in checks only.
    // `--directory .` from inside the directory: checkov adds each file's path to every mapping
    // it parses (`__file__`), and CKV_AWS_45 scans the Lambda environment's mapping for 40-char
    // runs of [A-Za-z0-9/+=] (an AWS secret key). An absolute path depends on where the clone
    // lives (`/check/work/main/target/tmp/checkov/self` is such a run, and failed CI); a relative
    // one is ours.
    let out = Command::new(tool("WFC_CHECKOV"))
        .current_dir(&dir)
        .args([
            "--skip-download",
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--quiet",
            "--compact",
        ])
        .args(["--directory", "."])
        .output()
        .expect("checkov runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov's report is not JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let summary = &report["summary"];
    assert_eq!(
        summary["failed"], 0,
        "failed checks:\n{:#}",
        report["results"]["failed_checks"]
    );
    assert_eq!(summary["parsing_errors"], 0, "{summary}");
    assert!(
        summary["passed"].as_u64().unwrap() > 100,
        "checkov checked little: {summary}"
    );
    assert!(out.status.success(), "checkov exit {:?}", out.status.code());
}

/// Every checkov skip carries its reason.
#[test]
fn every_skip_has_a_reason() {
    for (label, _, region, template) in common::templates() {
        for (id, resource) in template["Resources"].as_object().unwrap() {
            for skip in resource["Metadata"]["checkov"]["skip"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let comment = skip["comment"].as_str().unwrap_or_default();
                assert!(
                    comment.len() > 20,
                    "{label} {region} {id}: skip {} without a reason",
                    skip["id"]
                );
            }
        }
    }
}

/// The YAML writer is faithful: PyYAML (in the tools' venv) reads each file back as the template.
#[test]
fn yaml_reads_back_as_the_template() {
    let python = tool("WFC_CFN_LINT").with_file_name("python");
    for (label, stack, region, template) in common::templates() {
        let text = wfc_infra::yaml::to_yaml(&template);
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("read-back-{label}-{region}.yaml"));
        std::fs::write(&path, &text).unwrap();
        let out = Command::new(&python)
            .args([
                "-c",
                "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
            ])
            .arg(&path)
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let back: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(back, template, "{label} {region} ({})", stack.shop.name);
    }
}
