//! The invariant that keeps a newcomer's first build in minutes: the workflows, the activity
//! logic they take their types from, the drill's world, the deployable documents (`infra`) and the
//! offline `wfc` link no AWS SDK, no MySQL or HTTP client and no Lambda runtime (one file for every
//! pure crate, so the rule is written once). Those live at the edge (`wfc-adapters`, `wfc-lambda`, and `wfc`
//! with `--features aws`). Asked of `cargo tree` itself, so a new dependency cannot slip in.

use std::process::Command;

/// Crates that only the edge may link.
const EDGE_ONLY: &[&str] = &[
    "aws-sdk-",
    "aws-config",
    "aws-smithy-",
    "mysql_async",
    "reqwest",
    "lambda_runtime",
];

/// The normal (non-dev) dependencies of `package` with the given cargo flags, one name a line.
fn dependencies(package: &str, flags: &[&str]) -> Vec<String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--manifest-path", manifest, "-p", package])
        .args([
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .args(flags)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| line.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

fn assert_offline(package: &str, flags: &[&str]) {
    let deps = dependencies(package, flags);
    assert!(
        deps.iter().any(|d| d == package),
        "{package} is in its own tree: {deps:?}"
    );
    let edge: Vec<&String> = deps
        .iter()
        .filter(|d| EDGE_ONLY.iter().any(|e| d.starts_with(e)))
        .collect();
    assert!(edge.is_empty(), "{package} {flags:?} links {edge:?}");
}

#[test]
fn activity_logic_links_no_sdk() {
    assert_offline("wfc-activities", &[]);
}

#[test]
fn workflows_link_no_sdk() {
    assert_offline("wfc-workflows", &[]);
}

#[test]
fn the_drill_links_no_sdk() {
    assert_offline("wfc-drill", &[]);
}

#[test]
fn infra_links_no_sdk() {
    assert_offline("wfc-infra", &[]);
}

#[test]
fn offline_wfc_links_no_sdk() {
    assert_offline("wfc", &["--no-default-features"]);
}

/// The check above would pass on an empty tree: the edge crates do link the SDK.
#[test]
fn the_edge_does_link_it() {
    let deps = dependencies("wfc-lambda", &[]);
    for crate_name in ["aws-sdk-rds", "mysql_async", "reqwest", "lambda_runtime"] {
        assert!(
            deps.iter().any(|d| d == crate_name),
            "wfc-lambda links {crate_name}"
        );
    }
    let deps = dependencies("wfc", &["--features", "aws"]);
    assert!(
        deps.iter().any(|d| d == "aws-sdk-sfn"),
        "wfc --features aws links aws-sdk-sfn"
    );
}
