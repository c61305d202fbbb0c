//! `wfc deploy`'s direct mode, planned: what a region should hold (the state machines with the
//! `live` alias on their newest version, the region's EventBridge rules and targets, the transit
//! gateway peering accepted), compared with what it holds, gives the changes to make. Pure: the
//! CLI reads the current state with the SDK, asks [`plan`], and makes the changes in order.
//!
//! The desired state comes from the same compile `wfc compile` does and is resolved the way
//! [`crate::resolve`] resolves it for the validators, except that the function version ARNs carry
//! the newest version published in the region (the CLI reads them: [`functions`] says which), not
//! `1`; the activity roles under `/wfc/<shop>/`, and one role per state machine named by
//! [`state_machine_role_arn`] (direct mode creates no IAM role and no function: docs/deploy.md
//! says which it expects).

use crate::iam::partition;
use crate::orchestrator::ALIAS;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wfc_stack::Stack;

/// A state machine as the region should hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachineSpec {
    pub workflow: String,
    pub name: String,
    pub arn: String,
    /// Resolved: no `${…}` placeholder left.
    pub definition: Value,
    pub role_arn: String,
    /// Its CloudWatch Logs group (`/aws/vendedlogs/states/<name>`), as a logging destination.
    pub log_group_arn: String,
}

/// A rule as `PutRule` takes it, and its targets as `PutTargets` takes them (JSON, by `Id`).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub name: String,
    pub description: String,
    pub state: String,
    pub event_pattern: Option<Value>,
    pub schedule: Option<String>,
    pub targets: Vec<Value>,
}

/// The peering the primary region requested, to be accepted in the DR region.
#[derive(Debug, Clone, PartialEq)]
pub struct PeeringSpec {
    pub requester_region: String,
    pub accepter_region: String,
    pub account: String,
}

/// What one region should hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub region: String,
    pub state_machines: Vec<StateMachineSpec>,
    pub rules: Vec<RuleSpec>,
    /// Only in the DR region of a stack that describes a network.
    pub peering: Option<PeeringSpec>,
}

/// A state machine as the region holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentStateMachine {
    pub definition: Value,
    pub role_arn: String,
    /// The `live` alias, when it exists.
    pub alias: Option<CurrentAlias>,
}

/// Where the `live` alias points, and what that version runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentAlias {
    pub arn: String,
    pub version_arn: String,
    pub definition: Value,
    pub role_arn: String,
}

/// A rule as the region holds it (targets as JSON, in `PutTargets`' shape).
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentRule {
    pub description: String,
    pub state: String,
    pub event_pattern: Option<Value>,
    pub schedule: Option<String>,
    pub targets: Vec<Value>,
}

/// A transit gateway peering attachment seen from the accepter region.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: String,
    pub state: String,
    pub requester_region: String,
    pub requester_owner: String,
    pub accepter_region: String,
}

/// What one region holds, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Current {
    pub state_machines: BTreeMap<String, CurrentStateMachine>,
    pub rules: BTreeMap<String, CurrentRule>,
    pub attachments: Vec<Attachment>,
}

/// One change to one resource, in the order they must be made.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Create the state machine and publish its first version.
    CreateStateMachine { name: String },
    /// Update the state machine and publish a version of it (`why`: what differs).
    UpdateStateMachine { name: String, why: Vec<String> },
    /// The state machine is as it should be, but the alias does not run it: publish it.
    PublishVersion { name: String, why: String },
    /// Create `live` on the version just published.
    CreateAlias { state_machine: String },
    /// Move `live` from `from` to the version just published.
    MoveAlias { state_machine: String, from: String },
    /// Create or update a rule.
    PutRule {
        name: String,
        create: bool,
        why: Vec<String>,
    },
    /// Put these targets (new or changed) on the rule.
    PutTargets { rule: String, ids: Vec<String> },
    /// Remove targets the compile no longer has.
    RemoveTargets { rule: String, ids: Vec<String> },
    /// Accept the peering attachment from the primary region.
    AcceptPeering { id: String, from: String },
}

impl Change {
    /// The resource it changes, e.g. `state machine woo-failover`.
    pub fn resource(&self) -> String {
        match self {
            Change::CreateStateMachine { name }
            | Change::UpdateStateMachine { name, .. }
            | Change::PublishVersion { name, .. } => format!("state machine {name}"),
            Change::CreateAlias { state_machine } | Change::MoveAlias { state_machine, .. } => {
                format!("alias {state_machine}:{ALIAS}")
            }
            Change::PutRule { name, .. } => format!("rule {name}"),
            Change::PutTargets { rule, .. } | Change::RemoveTargets { rule, .. } => {
                format!("targets of rule {rule}")
            }
            Change::AcceptPeering { id, .. } => format!("transit gateway peering {id}"),
        }
    }

    /// A verb: create, update, publish, move, put, remove, accept.
    pub fn action(&self) -> &'static str {
        match self {
            Change::CreateStateMachine { .. } | Change::CreateAlias { .. } => "create",
            Change::UpdateStateMachine { .. } => "update",
            Change::PublishVersion { .. } => "publish",
            Change::MoveAlias { .. } => "move",
            Change::PutRule { create: true, .. } => "create",
            Change::PutRule { create: false, .. } => "update",
            Change::PutTargets { .. } => "put",
            Change::RemoveTargets { .. } => "remove",
            Change::AcceptPeering { .. } => "accept",
        }
    }

    /// What and why, in a few words.
    pub fn detail(&self) -> String {
        match self {
            Change::CreateStateMachine { .. } => "new; publishes version 1".into(),
            Change::UpdateStateMachine { why, .. } => {
                format!("{} changed; publishes a new version", why.join(" and "))
            }
            Change::PublishVersion { why, .. } => format!("{why}; publishes a version"),
            Change::CreateAlias { .. } => "on the version published above".into(),
            Change::MoveAlias { from, .. } => {
                format!("from {from} to the version published above (executions started before keep theirs)")
            }
            Change::PutRule { create: true, .. } => "new".into(),
            Change::PutRule { why, .. } => format!("{} changed", why.join(" and ")),
            Change::PutTargets { ids, .. } => format!("new or changed: {}", ids.join(", ")),
            Change::RemoveTargets { ids, .. } => format!("no longer compiled: {}", ids.join(", ")),
            Change::AcceptPeering { from, .. } => {
                format!("requested from {from}, pending acceptance here")
            }
        }
    }

    /// `{"region", "resource", "action", "detail"}` for `--json`.
    pub fn to_json(&self, region: &str) -> Value {
        json!({
            "region": region,
            "resource": self.resource(),
            "action": self.action(),
            "detail": self.detail(),
        })
    }
}

/// The plan of one region: its changes, and what the operator should know but is no change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub notes: Vec<String>,
}

/// `arn:<partition>:iam::<account>:role/wfc/<shop>/<shop>-<workflow>-state-machine`: the role
/// direct mode gives a state machine (created beforehand; docs/deploy.md).
pub fn state_machine_role_arn(stack: &Stack, region: &str, workflow: &str) -> String {
    format!(
        "arn:{}:iam::{}:role{}{}-{workflow}-state-machine",
        partition(region),
        stack.shop.account_id,
        crate::orchestrator::role_path(stack),
        stack.shop.name
    )
}

/// The state machine's ARN in `region`.
pub fn state_machine_arn(stack: &Stack, region: &str, workflow: &str) -> String {
    format!(
        "arn:{}:states:{region}:{}:stateMachine:{}",
        partition(region),
        stack.shop.account_id,
        stack.state_machine_name(workflow)
    )
}

/// The `live` alias of the workflow's state machine in `region`: what rules target (never the
/// unqualified state machine: SAM #3624).
pub fn alias_arn(stack: &Stack, region: &str, workflow: &str) -> String {
    format!("{}:{ALIAS}", state_machine_arn(stack, region, workflow))
}

/// The published version of each activity function in a region (`promote_replica` → `"7"`):
/// what the definitions and rule targets call.
pub type FunctionVersions = BTreeMap<String, String>;

/// The activities whose functions `region`'s state machines and rules call, sorted: the
/// versions [`desired`] needs.
pub fn functions(stack: &Stack, region: &str, workflows: &[(String, Value)]) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    for (_, definition) in workflows.iter().filter(|(n, _)| crate::deployed(n)) {
        out.extend(crate::resolve::functions(definition));
    }
    for rule in wfc_workflows::woocommerce::rules::rules(stack) {
        if rule["Region"] == region {
            out.extend(crate::resolve::functions(&rule["Targets"]));
        }
    }
    out.into_iter().collect()
}

/// What `region` should hold, from the compiled workflows (`(name, definition)`, as
/// [`crate::templates`] takes them), the stack's rules and the functions' published versions
/// there (every activity [`functions`] names).
pub fn desired(
    stack: &Stack,
    region: &str,
    workflows: &[(String, Value)],
    versions: &FunctionVersions,
) -> Result<Desired, String> {
    let version = |activity: &str| {
        versions.get(activity).cloned().ok_or_else(|| {
            format!(
                "no published version of {} known in {region}",
                crate::orchestrator::function_name(stack, activity)
            )
        })
    };
    let mut state_machines = Vec::new();
    for (workflow, definition) in workflows.iter().filter(|(n, _)| crate::deployed(n)) {
        let name = stack.state_machine_name(workflow);
        let definition = crate::resolve::resolve_with(stack, region, definition, &version)
            .map_err(|e| format!("workflow {workflow}: {e}"))?;
        state_machines.push(StateMachineSpec {
            workflow: workflow.clone(),
            arn: state_machine_arn(stack, region, workflow),
            log_group_arn: format!(
                "arn:{}:logs:{region}:{}:log-group:/aws/vendedlogs/states/{name}:*",
                partition(region),
                stack.shop.account_id
            ),
            name,
            definition,
            role_arn: state_machine_role_arn(stack, region, workflow),
        });
    }
    let mut rules = Vec::new();
    for rule in wfc_workflows::woocommerce::rules::rules(stack) {
        if rule["Region"] != region {
            continue;
        }
        let name = rule["Rule"]["Name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let event_pattern = match rule["Rule"]["EventPattern"].as_str() {
            Some(text) => Some(
                serde_json::from_str(text)
                    .map_err(|e| format!("rule {name}: its pattern is not JSON: {e}"))?,
            ),
            None => None,
        };
        let mut targets = Vec::new();
        for target in rule["Targets"].as_array().into_iter().flatten() {
            targets.push(target_here(stack, region, &name, target, &version)?);
        }
        rules.push(RuleSpec {
            description: rule["Rule"]["Description"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            state: rule["Rule"]["State"]
                .as_str()
                .unwrap_or("ENABLED")
                .to_string(),
            schedule: rule["Rule"]["ScheduleExpression"]
                .as_str()
                .map(String::from),
            event_pattern,
            targets,
            name,
        });
    }
    let networked = stack.regions.values().all(|r| r.network.is_some());
    let (dr, _) = stack.secondary();
    let peering = (networked && region == dr).then(|| PeeringSpec {
        requester_region: stack.shop.primary_region.clone(),
        accepter_region: dr.to_string(),
        account: stack.shop.account_id.clone(),
    });
    Ok(Desired {
        region: region.to_string(),
        state_machines,
        rules,
        peering,
    })
}

/// A compiled target as it is put in `region`: functions by their resolved version ARN, state
/// machines (and the ARNs in the input template) by their alias; the dead-letter queue, retry
/// policy and role stay as the stack gives them.
fn target_here(
    stack: &Stack,
    region: &str,
    rule: &str,
    target: &Value,
    version: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Value, String> {
    let mut t = crate::resolve::resolve_with(stack, region, target, version)
        .map_err(|e| format!("rule {rule}: target {}: {e}", target["Id"]))?;
    for workflow in wfc_stack::WORKFLOWS {
        let unqualified = stack.state_machine_arn(workflow);
        let alias = alias_arn(stack, region, workflow);
        if t["Arn"] == unqualified.as_str() {
            t["Arn"] = json!(alias);
        }
        if let Some(template) = t["InputTransformer"]["InputTemplate"].as_str() {
            let text = template.replace(&format!("\"{unqualified}\""), &format!("\"{alias}\""));
            t["InputTransformer"]["InputTemplate"] = json!(text);
        }
    }
    Ok(t)
}

/// The changes that make `current` what `desired` says, in order.
pub fn plan(desired: &Desired, current: &Current) -> Plan {
    let mut plan = Plan::default();
    // The network first: the peering's routes wait on it (docs/deploy.md, section 2).
    if let Some(peering) = &desired.peering {
        peering_changes(peering, &current.attachments, &mut plan);
    }
    for spec in &desired.state_machines {
        state_machine_changes(spec, current.state_machines.get(&spec.name), &mut plan);
    }
    for spec in &desired.rules {
        rule_changes(spec, current.rules.get(&spec.name), &mut plan);
    }
    plan
}

fn state_machine_changes(
    spec: &StateMachineSpec,
    current: Option<&CurrentStateMachine>,
    plan: &mut Plan,
) {
    let name = spec.name.clone();
    let Some(current) = current else {
        plan.changes
            .push(Change::CreateStateMachine { name: name.clone() });
        plan.changes.push(Change::CreateAlias {
            state_machine: name,
        });
        return;
    };
    let mut why = Vec::new();
    if current.definition != spec.definition {
        why.push("definition".to_string());
    }
    if current.role_arn != spec.role_arn {
        why.push("role".to_string());
    }
    let alias_runs_it = current
        .alias
        .as_ref()
        .is_some_and(|a| a.definition == spec.definition && a.role_arn == spec.role_arn);
    if !why.is_empty() {
        plan.changes.push(Change::UpdateStateMachine {
            name: name.clone(),
            why,
        });
    } else if !alias_runs_it {
        let why = if current.alias.is_some() {
            format!("alias {ALIAS} runs an older version")
        } else {
            format!("no alias {ALIAS}")
        };
        plan.changes.push(Change::PublishVersion {
            name: name.clone(),
            why,
        });
    } else {
        return;
    }
    plan.changes.push(match &current.alias {
        Some(alias) => Change::MoveAlias {
            state_machine: name,
            from: alias.version_arn.clone(),
        },
        None => Change::CreateAlias {
            state_machine: name,
        },
    });
}

fn rule_changes(spec: &RuleSpec, current: Option<&CurrentRule>, plan: &mut Plan) {
    let name = spec.name.clone();
    let no_targets = Vec::new();
    let current_targets = match current {
        None => {
            plan.changes.push(Change::PutRule {
                name: name.clone(),
                create: true,
                why: Vec::new(),
            });
            &no_targets
        }
        Some(current) => {
            let mut why = Vec::new();
            if current.description != spec.description {
                why.push("description".to_string());
            }
            if current.state != spec.state {
                why.push("state".to_string());
            }
            if current.event_pattern != spec.event_pattern {
                why.push("event pattern".to_string());
            }
            if current.schedule != spec.schedule {
                why.push("schedule".to_string());
            }
            if !why.is_empty() {
                plan.changes.push(Change::PutRule {
                    name: name.clone(),
                    create: false,
                    why,
                });
            }
            &current.targets
        }
    };
    let by_id = |targets: &[Value], id: &Value| targets.iter().find(|t| &t["Id"] == id).cloned();
    let put: Vec<String> = spec
        .targets
        .iter()
        .filter(|t| by_id(current_targets, &t["Id"]).as_ref() != Some(*t))
        .map(|t| t["Id"].as_str().unwrap_or_default().to_string())
        .collect();
    let remove: Vec<String> = current_targets
        .iter()
        .filter(|t| by_id(&spec.targets, &t["Id"]).is_none())
        .map(|t| t["Id"].as_str().unwrap_or_default().to_string())
        .collect();
    if !put.is_empty() {
        plan.changes.push(Change::PutTargets {
            rule: name.clone(),
            ids: put,
        });
    }
    if !remove.is_empty() {
        plan.changes.push(Change::RemoveTargets {
            rule: name,
            ids: remove,
        });
    }
}

/// States in which an attachment is gone or going (EC2 API reference,
/// TransitGatewayAttachmentState).
const GONE: [&str; 5] = ["deleted", "deleting", "failed", "rejected", "rejecting"];

fn peering_changes(spec: &PeeringSpec, attachments: &[Attachment], plan: &mut Plan) {
    let ours: Vec<&Attachment> = attachments
        .iter()
        .filter(|a| {
            a.requester_region == spec.requester_region
                && a.requester_owner == spec.account
                && a.accepter_region == spec.accepter_region
                && !GONE.contains(&a.state.as_str())
        })
        .collect();
    let pending: Vec<&&Attachment> = ours
        .iter()
        .filter(|a| a.state == "pendingAcceptance")
        .collect();
    if ours.is_empty() {
        plan.notes.push(format!(
            "no transit gateway peering from {} in {} yet: deploy cloudformation/network-{}.yaml with \
             PeerTransitGatewayId first (docs/deploy.md), then run wfc deploy again to accept it",
            spec.requester_region, spec.accepter_region, spec.requester_region
        ));
    } else if pending.len() > 1 {
        let ids: Vec<&str> = pending.iter().map(|a| a.id.as_str()).collect();
        plan.notes.push(format!(
            "{} peering attachments from {} wait for acceptance in {} ({}): accept the one the \
             network stack's PeeringAttachmentId output names (aws ec2 accept-transit-gateway-peering-attachment), \
             and delete the others",
            pending.len(),
            spec.requester_region,
            spec.accepter_region,
            ids.join(", ")
        ));
    } else if let Some(attachment) = pending.first() {
        plan.changes.push(Change::AcceptPeering {
            id: attachment.id.clone(),
            from: spec.requester_region.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> Stack {
        Stack::load(wfc_workflows::EXAMPLE_STACK).expect("the example stack loads")
    }

    fn machine(name: &str, definition: Value) -> StateMachineSpec {
        StateMachineSpec {
            workflow: name.into(),
            name: format!("woo-{name}"),
            arn: format!("arn:aws:states:us-west-2:123456789012:stateMachine:woo-{name}"),
            definition,
            role_arn: format!("arn:aws:iam::123456789012:role/wfc/woo/woo-{name}-state-machine"),
            log_group_arn: "arn:aws:logs:us-west-2:123456789012:log-group:x:*".into(),
        }
    }

    fn deployed(spec: &StateMachineSpec) -> CurrentStateMachine {
        CurrentStateMachine {
            definition: spec.definition.clone(),
            role_arn: spec.role_arn.clone(),
            alias: Some(CurrentAlias {
                arn: format!("{}:live", spec.arn),
                version_arn: format!("{}:1", spec.arn),
                definition: spec.definition.clone(),
                role_arn: spec.role_arn.clone(),
            }),
        }
    }

    fn rule() -> RuleSpec {
        RuleSpec {
            name: "woo-preflight".into(),
            description: "every 30 minutes".into(),
            state: "ENABLED".into(),
            event_pattern: None,
            schedule: Some("rate(30 minutes)".into()),
            targets: vec![json!({
                "Id": "preflight",
                "Arn": "arn:aws:states:us-west-2:123456789012:stateMachine:woo-preflight:live",
                "RoleArn": "arn:aws:iam::123456789012:role/woo-dr-events",
                "DeadLetterConfig": { "Arn": "arn:aws:sqs:us-west-2:123456789012:dlq" },
                "RetryPolicy": { "MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600 },
            })],
        }
    }

    fn as_deployed(spec: &RuleSpec) -> CurrentRule {
        CurrentRule {
            description: spec.description.clone(),
            state: spec.state.clone(),
            event_pattern: spec.event_pattern.clone(),
            schedule: spec.schedule.clone(),
            targets: spec.targets.clone(),
        }
    }

    fn desired(machines: Vec<StateMachineSpec>, rules: Vec<RuleSpec>) -> Desired {
        Desired {
            region: "us-west-2".into(),
            state_machines: machines,
            rules,
            peering: None,
        }
    }

    #[test]
    fn an_empty_region_gets_everything() {
        let d = desired(vec![machine("failover", json!({"a": 1}))], vec![rule()]);
        let plan = plan(&d, &Current::default());
        assert_eq!(
            plan.changes,
            vec![
                Change::CreateStateMachine {
                    name: "woo-failover".into()
                },
                Change::CreateAlias {
                    state_machine: "woo-failover".into()
                },
                Change::PutRule {
                    name: "woo-preflight".into(),
                    create: true,
                    why: vec![]
                },
                Change::PutTargets {
                    rule: "woo-preflight".into(),
                    ids: vec!["preflight".into()]
                },
            ]
        );
    }

    #[test]
    fn a_deployed_region_needs_nothing() {
        let machines = vec![
            machine("failover", json!({"a": 1})),
            machine("failback", json!({"b": 2})),
        ];
        let mut current = Current::default();
        for m in &machines {
            current.state_machines.insert(m.name.clone(), deployed(m));
        }
        current
            .rules
            .insert("woo-preflight".into(), as_deployed(&rule()));
        let plan = plan(&desired(machines, vec![rule()]), &current);
        assert_eq!(plan, Plan::default());
    }

    #[test]
    fn a_changed_definition_publishes_that_machine_only_and_moves_its_alias() {
        let old = machine("failover", json!({"a": 1}));
        let other = machine("failback", json!({"b": 2}));
        let mut current = Current::default();
        current
            .state_machines
            .insert(old.name.clone(), deployed(&old));
        current
            .state_machines
            .insert(other.name.clone(), deployed(&other));
        let new = machine("failover", json!({"a": 2}));
        let plan = plan(&desired(vec![new, other], vec![]), &current);
        assert_eq!(
            plan.changes,
            vec![
                Change::UpdateStateMachine {
                    name: "woo-failover".into(),
                    why: vec!["definition".into()]
                },
                Change::MoveAlias {
                    state_machine: "woo-failover".into(),
                    from: format!("{}:1", old.arn)
                },
            ]
        );
    }

    #[test]
    fn a_changed_role_is_a_new_version_too() {
        let spec = machine("failover", json!({"a": 1}));
        let mut current = Current::default();
        let mut was = deployed(&spec);
        was.role_arn = "arn:aws:iam::123456789012:role/old".into();
        current.state_machines.insert(spec.name.clone(), was);
        let plan = plan(&desired(vec![spec], vec![]), &current);
        assert!(matches!(
            &plan.changes[0],
            Change::UpdateStateMachine { why, .. } if why == &vec!["role".to_string()]
        ));
        assert_eq!(plan.changes.len(), 2);
    }

    #[test]
    fn an_updated_machine_whose_alias_lags_is_published_and_the_alias_moved() {
        // An earlier run updated the machine and stopped before moving the alias.
        let spec = machine("failover", json!({"a": 2}));
        let mut was = deployed(&spec);
        was.alias.as_mut().unwrap().definition = json!({"a": 1});
        let mut current = Current::default();
        current.state_machines.insert(spec.name.clone(), was);
        let plan = plan(&desired(vec![spec], vec![]), &current);
        assert!(matches!(&plan.changes[0], Change::PublishVersion { .. }));
        assert!(matches!(&plan.changes[1], Change::MoveAlias { .. }));
        // No alias at all: published, and the alias created.
        let spec = machine("failover", json!({"a": 2}));
        let mut was = deployed(&spec);
        was.alias = None;
        let mut current = Current::default();
        current.state_machines.insert(spec.name.clone(), was);
        let plan = super::plan(&desired(vec![spec], vec![]), &current);
        assert!(matches!(&plan.changes[0], Change::PublishVersion { .. }));
        assert!(matches!(&plan.changes[1], Change::CreateAlias { .. }));
    }

    #[test]
    fn targets_are_put_when_new_or_changed_and_removed_when_gone() {
        let spec = rule();
        let mut was = as_deployed(&spec);
        // The deployed target lost its dead-letter queue, and an old target lingers.
        was.targets[0]
            .as_object_mut()
            .unwrap()
            .remove("DeadLetterConfig");
        was.targets
            .push(json!({"Id": "old", "Arn": "arn:aws:sns:us-west-2:1:t"}));
        was.schedule = Some("rate(1 hour)".into());
        let mut current = Current::default();
        current.rules.insert(spec.name.clone(), was);
        let plan = plan(&desired(vec![], vec![spec]), &current);
        assert_eq!(
            plan.changes,
            vec![
                Change::PutRule {
                    name: "woo-preflight".into(),
                    create: false,
                    why: vec!["schedule".into()]
                },
                Change::PutTargets {
                    rule: "woo-preflight".into(),
                    ids: vec!["preflight".into()]
                },
                Change::RemoveTargets {
                    rule: "woo-preflight".into(),
                    ids: vec!["old".into()]
                },
            ]
        );
    }

    fn attachment(id: &str, state: &str) -> Attachment {
        Attachment {
            id: id.into(),
            state: state.into(),
            requester_region: "us-east-1".into(),
            requester_owner: "123456789012".into(),
            accepter_region: "us-west-2".into(),
        }
    }

    #[test]
    fn the_pending_peering_is_accepted_once() {
        let mut d = desired(vec![], vec![]);
        d.peering = Some(PeeringSpec {
            requester_region: "us-east-1".into(),
            accepter_region: "us-west-2".into(),
            account: "123456789012".into(),
        });
        let mut current = Current {
            attachments: vec![
                attachment("tgw-attach-0old", "deleted"),
                attachment("tgw-attach-0new", "pendingAcceptance"),
            ],
            ..Current::default()
        };
        assert_eq!(
            plan(&d, &current).changes,
            vec![Change::AcceptPeering {
                id: "tgw-attach-0new".into(),
                from: "us-east-1".into()
            }]
        );
        current.attachments[1].state = "available".into();
        assert_eq!(plan(&d, &current), Plan::default());
        // Another account's or region's request is not ours to accept.
        current.attachments = vec![Attachment {
            requester_owner: "999999999999".into(),
            ..attachment("tgw-attach-0x", "pendingAcceptance")
        }];
        let p = plan(&d, &current);
        assert!(p.changes.is_empty());
        assert!(p.notes[0].contains("no transit gateway peering from us-east-1"));
    }

    #[test]
    fn the_example_stack_targets_aliases_and_resolved_functions() {
        let stack = stack();
        let workflows = vec![(
            "failover".to_string(),
            json!({"StartAt": "A", "States": {"A": {"Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "${promote_replica_function_arn}"}, "End": true}}}),
        )];
        // The versions found in the region, never a guessed one.
        let needed = super::functions(&stack, "us-west-2", &workflows);
        assert_eq!(
            needed,
            ["probe_endpoint", "promote_replica", "start_workflow"]
        );
        let mut versions: super::FunctionVersions = needed
            .iter()
            .map(|a| (a.clone(), "7".to_string()))
            .collect();
        let d = super::desired(&stack, "us-west-2", &workflows, &versions).unwrap();
        assert_eq!(d.state_machines.len(), 1);
        let text = d.state_machines[0].definition.to_string();
        assert!(!text.contains("${"), "{text}");
        assert!(text.contains("function:woo-promote_replica:7\""), "{text}");
        versions.remove("promote_replica");
        let missing = super::desired(&stack, "us-west-2", &workflows, &versions).unwrap_err();
        assert!(missing.contains("woo-promote_replica"), "{missing}");
        assert_eq!(
            d.state_machines[0].role_arn,
            "arn:aws:iam::123456789012:role/wfc/woo/woo-failover-state-machine"
        );
        assert!(d.peering.is_some(), "the DR region accepts the peering");
        let all: Vec<&Value> = d.rules.iter().flat_map(|r| &r.targets).collect();
        assert!(!all.is_empty());
        for target in &all {
            let arn = target["Arn"].as_str().unwrap();
            assert!(!arn.contains("${"), "{target}");
            if arn.contains(":stateMachine:") {
                assert!(
                    arn.ends_with(":live"),
                    "the alias, never the machine: {arn}"
                );
                assert!(target["RoleArn"].is_string(), "{target}");
            }
            let template = target["InputTransformer"]["InputTemplate"]
                .as_str()
                .unwrap_or_default();
            if let Some(at) = template.find(":stateMachine:") {
                assert!(template[at..].contains(":live\""), "{template}");
            }
            assert!(target["DeadLetterConfig"]["Arn"].is_string(), "{target}");
            assert!(target["RetryPolicy"]["MaximumRetryAttempts"].is_u64());
        }
        // The primary region accepts nothing.
        let needed = super::functions(&stack, "us-east-1", &workflows);
        let versions = needed
            .iter()
            .map(|a| (a.clone(), "1".to_string()))
            .collect();
        let p = super::desired(&stack, "us-east-1", &workflows, &versions).unwrap();
        assert!(p.peering.is_none());
    }
}
