//! The drill builds without the AWS SDK (and without MySQL, HTTP or Lambda clients): its world
//! implements the activities' ports itself. Asked of `cargo tree`, like workflows/tests/no_sdk.rs.

use std::process::Command;

const EDGE_ONLY: &[&str] = &[
    "aws-sdk-",
    "aws-config",
    "aws-smithy-",
    "mysql_async",
    "reqwest",
    "lambda_runtime",
];

#[test]
fn the_drill_links_no_sdk() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--manifest-path", manifest, "-p", "wfc-drill"])
        .args([
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deps: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    assert!(deps.iter().any(|d| d == "wfc-drill"), "{deps:?}");
    let edge: Vec<&String> = deps
        .iter()
        .filter(|d| EDGE_ONLY.iter().any(|e| d.starts_with(e)))
        .collect();
    assert!(edge.is_empty(), "wfc-drill links {edge:?}");
}
