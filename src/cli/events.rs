//! `wfc events`: test EventBridge patterns and the stack's rules before deploying them.
//! - `match --pattern <file> --event <file>` prints `true` or `false` (exit 0); an invalid
//!   pattern exits 2 with what is wrong and where.
//! - `test --config <stack.toml> --event <file>` lists the rules that match the event and the
//!   exact input each of their targets would receive.

use super::{OK, PROBLEMS, UNUSABLE};
use serde_json::Value;
use std::path::{Path, PathBuf};
use wfc_events::{InputTransformer, Pattern, TransformContext};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Does this event match this pattern? Prints true or false.
    Match {
        #[arg(long)]
        pattern: PathBuf,
        #[arg(long)]
        event: PathBuf,
    },
    /// Which of the stack's rules match this event, and what their targets would receive.
    Test {
        /// The shop's stack description. Default: the built-in example stack.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        event: PathBuf,
    },
}

pub fn run(command: Command) -> u8 {
    let result = match command {
        Command::Match { pattern, event } => match_one(&pattern, &event),
        Command::Test { config, event } => test_rules(config.as_deref(), &event),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            UNUSABLE
        }
    }
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

fn match_one(pattern: &Path, event: &Path) -> Result<u8, String> {
    let text = std::fs::read_to_string(pattern)
        .map_err(|e| format!("cannot read {}: {e}", pattern.display()))?;
    let pattern = Pattern::parse(&text)
        .map_err(|e| format!("invalid event pattern {}: {e}", pattern.display()))?;
    let event = read_json(event)?;
    println!("{}", pattern.matches(&event));
    Ok(OK)
}

fn test_rules(config: Option<&Path>, event: &Path) -> Result<u8, String> {
    let stack = super::stack::load(config)?;
    let event = read_json(event)?;
    let mut matched = 0;
    for rule in wfc_workflows::woocommerce::rules::rules(&stack) {
        let name = rule["Rule"]["Name"].as_str().unwrap_or_default();
        let region = rule["Region"].as_str().unwrap_or_default();
        let Some(pattern) = rule["Rule"]["EventPattern"].as_str() else {
            continue; // a schedule: not matched against events
        };
        let pattern = Pattern::parse(pattern).map_err(|e| format!("rule {name}: {e}"))?;
        if !pattern.matches(&event) {
            continue;
        }
        matched += 1;
        println!("rule {name} ({region}) matches");
        let context = TransformContext {
            rule_name: name.to_string(),
            rule_arn: format!(
                "arn:aws:events:{region}:{}:rule/{name}",
                stack.shop.account_id
            ),
            ingestion_time: event["time"].as_str().unwrap_or_default().to_string(),
        };
        for target in rule["Targets"].as_array().into_iter().flatten() {
            let arn = target["Arn"].as_str().unwrap_or_default();
            let input = match target.get("InputTransformer") {
                Some(t) => {
                    let transformer: InputTransformer = serde_json::from_value(t.clone())
                        .map_err(|e| format!("rule {name}: {e}"))?;
                    transformer
                        .apply_with(&event, &context)
                        .map_err(|e| format!("rule {name}, target {arn}: {e}"))?
                }
                None => event.to_string(),
            };
            println!("  target {arn}");
            println!("    input: {input}");
        }
    }
    if matched == 0 {
        println!("no rule matches");
        return Ok(PROBLEMS);
    }
    Ok(OK)
}
