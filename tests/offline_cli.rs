//! A `wfc` built without `--features aws` (the default, so that the first build takes minutes):
//! the commands that call AWS keep their names and help, and answer with how to get them, exit 2.
//! The test command runs this file without features (`cargo test -p wfc --test offline_cli`);
//! with `--features aws` it has nothing to test.
#![cfg(not(feature = "aws"))]

use std::process::Command;

fn wfc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wfc"))
        .args(args)
        .output()
        .expect("wfc runs")
}

#[test]
fn aws_commands_say_how_to_get_them() {
    let cases: [&[&str]; 5] = [
        &[
            "failback",
            "start",
            "--config",
            "examples/woocommerce/stack.toml",
            "--input",
            "-",
        ],
        &[
            "status",
            "arn:aws:states:us-west-2:123456789012:execution:failback:x",
        ],
        &[
            "approve",
            "arn:aws:states:us-west-2:123456789012:execution:failover:x",
        ],
        &[
            "reject",
            "arn:aws:states:us-west-2:123456789012:execution:failover:x",
            "--reason",
            "no",
        ],
        &[
            "deploy",
            "--config",
            "examples/woocommerce/stack.toml",
            "--dry-run",
        ],
    ];
    for args in cases {
        let out = wfc(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "wfc {args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "wfc {args:?} printed on stdout");
        let line = stderr.trim();
        assert_eq!(line.lines().count(), 1, "one line: {line}");
        assert!(
            line.contains(&format!("`wfc {}` calls AWS", args[0])),
            "{line}"
        );
        assert!(
            line.contains("cargo install --path . --features aws"),
            "{line}"
        );
        assert!(!line.contains("panicked"), "{line}");
    }
    // The global --verbose changes nothing here.
    let out = wfc(&["--verbose", "deploy", "--config", "x.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim().lines().count(),
        1
    );
}

#[test]
fn aws_commands_keep_their_help() {
    for sub in ["failback", "status", "approve", "reject", "deploy"] {
        let out = wfc(&[sub, "--help"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "wfc {sub} --help");
        assert!(stdout.contains("Usage: wfc"), "{stdout}");
        assert!(stdout.contains("--features aws"), "{stdout}");
    }
}

#[test]
fn offline_commands_work() {
    let out = wfc(&["graph", "example", "--format", "mermaid"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
