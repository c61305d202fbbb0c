//! `start_workflow`: starts a Step Functions execution under a name derived from the incident, so
//! that the same incident never runs the same workflow twice.
//!
//! Why this activity exists: an EventBridge rule can target a state machine directly, but
//! `PutTargets` cannot set the execution's name, so every matching event (a duplicate delivery,
//! a flapping alarm going OK → ALARM again) would start another failover. Rules target this
//! function instead; it starts the execution as `<prefix>-<incident id>` ([`execution_name`]) and
//! lets `StartExecution` deduplicate: a second start of the same incident finds the name taken
//! and reports `duplicate: true` with the existing execution's ARN, which is not an error.
//! `wfc failback start` derives its execution names with the same function.

use crate::error::{ActivityError, Result};
use crate::ports::workflows::{StartOutcome, Workflows};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wfc_contract::{Activity, Permission};

pub struct StartWorkflow;

/// Step Functions' limit on an execution name.
pub const MAX_EXECUTION_NAME: usize = 80;
/// Longest incident id accepted.
pub const MAX_INCIDENT_ID: usize = 200;
/// Longest name prefix accepted (leaves room for the incident).
const MAX_PREFIX: usize = 40;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartWorkflowInput {
    /// `arn:aws:states:<region>:<account>:stateMachine:<name>`; the execution runs in its region.
    pub state_machine_arn: String,
    /// The incident the execution handles; the execution is named after it.
    pub incident_id: String,
    /// The execution's input, passed as is.
    pub input: Map<String, Value>,
    /// The execution name's prefix. Default: the workflow part of the state machine's name
    /// (`woo-failover` → `failover`), the prefix `wfc failback start` uses too.
    #[serde(default)]
    pub name_prefix: Option<String>,
}

impl Validate for StartWorkflowInput {
    fn validate(&self) -> Result<()> {
        state_machine_parts(&self.state_machine_arn)?;
        validate::non_empty("incident_id", &self.incident_id)?;
        if self.incident_id.chars().count() > MAX_INCIDENT_ID {
            return Err(ActivityError::invalid(
                "incident_id",
                format!("is longer than {MAX_INCIDENT_ID} characters"),
            ));
        }
        if let Some(prefix) = &self.name_prefix {
            let ok =
                !prefix.is_empty() && prefix.len() <= MAX_PREFIX && prefix.chars().all(name_char);
            if !ok {
                return Err(ActivityError::invalid(
                    "name_prefix",
                    format!("must be 1-{MAX_PREFIX} letters, digits, `-` or `_`"),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StartWorkflowOutput {
    pub execution_arn: String,
    pub execution_name: String,
    /// A new execution was started.
    pub started: bool,
    /// An execution of this incident existed already (running or closed); nothing was started.
    pub duplicate: bool,
}

/// The parts of a state machine ARN the activity needs.
struct StateMachineArn<'a> {
    partition: &'a str,
    region: &'a str,
    account: &'a str,
    name: &'a str,
}

fn state_machine_parts(arn: &str) -> Result<StateMachineArn<'_>> {
    const FIELD: &str = "state_machine_arn";
    validate::arn(FIELD, arn, "states")?;
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let bad = |reason: &str| Err(ActivityError::invalid(FIELD, reason));
    if parts.len() != 7 || parts[5] != "stateMachine" {
        return bad(
            "is not a state machine ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>`)",
        );
    }
    validate::region(FIELD, parts[3])?;
    if parts[4].len() != 12 || !parts[4].chars().all(|c| c.is_ascii_digit()) {
        return bad("has no 12-digit account id");
    }
    // A version or an alias (`<name>:<qualifier>`) runs as the state machine `<name>`: its
    // executions are named after it (Step Functions developer guide, "How Step Functions
    // associates executions with a version or alias").
    let name = match parts[6].split_once(':') {
        Some((name, qualifier)) if !qualifier.is_empty() && qualifier.chars().all(name_char) => {
            name
        }
        Some(_) => return bad("has no valid version or alias after the state machine name"),
        None => parts[6],
    };
    if name.is_empty() || name.len() > MAX_EXECUTION_NAME || !name.chars().all(name_char) {
        return bad("has no valid state machine name");
    }
    Ok(StateMachineArn {
        partition: parts[1],
        region: parts[3],
        account: parts[4],
        name,
    })
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The execution name for an incident: `<prefix>-<incident id>`, with every character outside
/// `[A-Za-z0-9_-]` replaced by `-`, at most 80 characters. When the id had to be changed
/// (characters replaced, or too long: then it is truncated) a short hash of the original id is
/// appended, so two different incidents do not share a name; the same incident always gives the
/// same name, which is what lets StartExecution refuse a second start.
pub fn execution_name(prefix: &str, incident_id: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if name_char(c) { c } else { '-' })
            .collect()
    };
    let prefix: String = clean(prefix).chars().take(MAX_PREFIX).collect();
    let id = clean(incident_id);
    let plain = format!("{prefix}-{id}");
    if id == incident_id && !id.is_empty() && plain.len() <= MAX_EXECUTION_NAME {
        return plain;
    }
    let hash = format!("{:016x}", fnv1a(incident_id.as_bytes()));
    let hash = &hash[..10];
    // `<prefix>-<id…>-<hash>`: the id gets what is left.
    let room = MAX_EXECUTION_NAME - prefix.len() - 1 - hash.len() - 1;
    let id: String = id.chars().take(room).collect();
    let id = id.trim_end_matches('-');
    if id.is_empty() {
        format!("{prefix}-{hash}")
    } else {
        format!("{prefix}-{id}-{hash}")
    }
}

/// 64-bit FNV-1a: stable across builds and platforms (std's hasher is not).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The ARN of the execution `name` of `state_machine_arn`.
pub fn execution_arn(state_machine_arn: &str, name: &str) -> Result<String> {
    let sm = state_machine_parts(state_machine_arn)?;
    Ok(format!(
        "arn:{}:states:{}:{}:execution:{}:{name}",
        sm.partition, sm.region, sm.account, sm.name
    ))
}

/// The default prefix: `<shop>-<workflow>` → `<workflow>` (workflow names have no `-`).
fn default_prefix(state_machine_name: &str) -> &str {
    state_machine_name
        .rsplit('-')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(state_machine_name)
}

pub async fn run(
    input: StartWorkflowInput,
    workflows: &dyn Workflows,
) -> Result<StartWorkflowOutput> {
    input.validate()?;
    let sm = state_machine_parts(&input.state_machine_arn)?;
    let prefix = input
        .name_prefix
        .as_deref()
        .unwrap_or_else(|| default_prefix(sm.name));
    let name = execution_name(prefix, &input.incident_id);
    let existing_arn = execution_arn(&input.state_machine_arn, &name)?;
    let duplicate = |execution_arn: String| StartWorkflowOutput {
        execution_arn,
        execution_name: name.clone(),
        started: false,
        duplicate: true,
    };
    // Asked first: on AWS, StartExecution with the same name *and input* while the first one
    // runs succeeds again (it is idempotent), which would look like a new start.
    if let Some(existing) = workflows.describe_execution(&existing_arn).await? {
        return Ok(duplicate(existing.execution_arn));
    }
    let text = serde_json::to_string(&input.input)
        .map_err(|e| ActivityError::invalid("input", e.to_string()))?;
    match workflows
        .start_execution(&input.state_machine_arn, &name, &text)
        .await?
    {
        StartOutcome::Started { execution_arn } => Ok(StartWorkflowOutput {
            execution_arn,
            execution_name: name.clone(),
            started: true,
            duplicate: false,
        }),
        // Started by someone else between the two calls.
        StartOutcome::AlreadyExists => Ok(duplicate(existing_arn.clone())),
    }
}

impl Activity for StartWorkflow {
    const NAME: &'static str = "start_workflow";
    const ERRORS: &'static [&'static str] = aws_errors![StateMachineNotFound];
    type Input = StartWorkflowInput;
    type Output = StartWorkflowOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["states:StartExecution"], &[iam::STATE_MACHINE]),
            Permission::new(
                &["states:DescribeExecution"],
                &["arn:${Partition}:states:*:${Account}:execution:*:*"],
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_incidents() {
        assert_eq!(execution_name("failback", "INC-42"), "failback-INC-42");
        assert_eq!(execution_name("failback", "inc_7"), "failback-inc_7");
        let odd = execution_name("failback", "INC 42/ö");
        assert!(odd.starts_with("failback-INC-42-"), "{odd}");
        assert_ne!(odd, execution_name("failback", "INC:42/ö"));
        assert_eq!(odd, execution_name("failback", "INC 42/ö"));
        let long = "x".repeat(200);
        let name = execution_name("failback", &long);
        assert_eq!(name.len(), MAX_EXECUTION_NAME, "{name}");
        assert_ne!(name, execution_name("failback", &"x".repeat(199)));
        assert!(execution_name("failback", "///").starts_with("failback-"));
        for n in [odd, name, execution_name("fail back!", "é")] {
            assert!(
                n.len() <= MAX_EXECUTION_NAME && n.chars().all(name_char),
                "{n}"
            );
        }
    }

    #[test]
    fn arns() {
        let sm = "arn:aws:states:us-west-2:123456789012:stateMachine:woo-failover";
        assert_eq!(
            execution_arn(sm, "failover-INC-1").unwrap(),
            "arn:aws:states:us-west-2:123456789012:execution:woo-failover:failover-INC-1"
        );
        // Started through the alias or a version: still an execution of `woo-failover`.
        for qualified in [format!("{sm}:live"), format!("{sm}:7")] {
            assert_eq!(
                execution_arn(&qualified, "failover-INC-1").unwrap(),
                execution_arn(sm, "failover-INC-1").unwrap()
            );
        }
        assert_eq!(default_prefix("woo-failover"), "failover");
        let input = |incident: String, prefix: Option<&str>| StartWorkflowInput {
            state_machine_arn: sm.into(),
            incident_id: incident,
            input: Map::new(),
            name_prefix: prefix.map(String::from),
        };
        let field = |i: StartWorkflowInput| match i.validate() {
            Err(ActivityError::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert!(input("INC-1".into(), None).validate().is_ok());
        assert_eq!(field(input("x".repeat(201), None)), "incident_id");
        assert_eq!(field(input(" ".into(), None)), "incident_id");
        assert_eq!(field(input("I".into(), Some("a b"))), "name_prefix");
        for bad in [
            "arn:aws:states:us-west-2:123456789012:activity:x",
            "arn:aws:lambda:us-west-2:123456789012:function:x",
            "arn:aws:states:us-west-2:1234:stateMachine:x",
            "arn:aws:states:us-west-2:123456789012:stateMachine:",
            "arn:aws:states:us-west-2:123456789012:stateMachine:x:",
            "arn:aws:states:us-west-2:123456789012:stateMachine:x:a:b",
        ] {
            assert!(execution_arn(bad, "n").is_err(), "{bad}");
        }
    }
}
