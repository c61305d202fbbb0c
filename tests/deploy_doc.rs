//! docs/deploy.md matches the program: every `wfc …` command in its shell blocks names a real
//! subcommand whose `--help` works, and (with the AWS commands built in, `--features aws`) every
//! flag it uses is one that subcommand has; the scripts and files it names exist (issue 14).

use std::path::Path;
use std::process::Command;

const DOC: &str = include_str!("../docs/deploy.md");
/// The commands the default (offline) build has in full; the others keep only their name there.
const OFFLINE: &[&str] = &["compile", "check", "graph", "run", "events"];

/// Every line of the doc's ```sh blocks, continuation lines joined.
fn shell_lines() -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in DOC.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = trimmed == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        pending.push_str(trimmed.trim_end_matches('\\'));
        pending.push(' ');
        if !trimmed.ends_with('\\') {
            lines.push(pending.trim().to_string());
            pending.clear();
        }
    }
    lines
}

#[test]
fn every_wfc_command_in_the_deploy_doc_exists_with_its_flags() {
    let wfc = env!("CARGO_BIN_EXE_wfc");
    let commands: Vec<String> = shell_lines()
        .into_iter()
        .filter(|l| l.starts_with("wfc "))
        .collect();
    assert!(commands.len() >= 5, "{commands:?}");
    for line in &commands {
        let words: Vec<&str> = line.split_whitespace().skip(1).collect();
        let sub: Vec<&str> = words
            .iter()
            .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase()))
            .copied()
            .collect();
        assert!(!sub.is_empty(), "{line}");
        let full = cfg!(feature = "aws") || OFFLINE.contains(&sub[0]);
        // Without AWS support only the top-level name of an AWS command has its help.
        let asked: &[&str] = if full { &sub[..] } else { &sub[..1] };
        let out = Command::new(wfc)
            .args(asked)
            .arg("--help")
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "wfc {} --help: {help}",
            asked.join(" ")
        );
        if full {
            for flag in words.iter().filter(|w| w.starts_with("--")) {
                assert!(
                    help.contains(flag),
                    "docs/deploy.md: `{line}`: wfc {} has no {flag}:\n{help}",
                    sub.join(" ")
                );
            }
        }
    }
}

#[test]
fn the_scripts_and_files_the_deploy_doc_names_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for line in shell_lines() {
        for word in line.split_whitespace() {
            let word = word.trim_start_matches("file://");
            if (word.starts_with("scripts/") || word.starts_with("examples/"))
                && !word.contains('$')
            {
                assert!(
                    root.join(word).exists(),
                    "docs/deploy.md names {word}, which does not exist"
                );
            }
        }
    }
}
