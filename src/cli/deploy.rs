//! `wfc deploy`: the direct mode, for teams without CloudFormation pipelines. Per region: the
//! state machines (created or updated, a version published when the definition or role changed,
//! the `live` alias moved to it), the EventBridge rules and their targets (the alias, with the
//! dead-letter queue, retry policy and role of the stack), and in the DR region the acceptance of
//! the transit gateway peering the primary region requested (CloudFormation cannot accept one).
//!
//! What to change is planned by `wfc_infra::deploy::plan` (pure, unit-tested) from what the
//! compile says and what the region holds; this module only reads the region and makes the
//! changes. A second run finds nothing to change.
//!
//! Exit codes: 0 deployed (or nothing to change, or `--dry-run`); 1 the stack or its workflows
//! have problems; 2 an AWS call failed (the line says which, on what, and what to do).

use super::ec2::Ec2;
use super::lambda::{Lambda, Published};
use super::sfn::{self, ApiError, Call, Endpoint};
use super::{OK, PROBLEMS, UNUSABLE};
use aws_sdk_eventbridge::types::{
    DeadLetterConfig, InputTransformer, RetryPolicy, RuleState, Target,
};
use aws_sdk_sfn::types::{
    CloudWatchLogsLogGroup, LogDestination, LogLevel, LoggingConfiguration,
    RoutingConfigurationListItem, StateMachineType, TracingConfiguration,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use wfc_infra::deploy::{
    plan, Change, Current, CurrentAlias, CurrentRule, CurrentStateMachine, Desired, RuleSpec,
    StateMachineSpec,
};
use wfc_infra::orchestrator::ALIAS;

#[derive(clap::Args)]
#[command(after_help = "\
Direct mode: the state machines (a new version on each change, the `live` alias moved to it), \
the EventBridge rules and targets, and the acceptance of the transit gateway peering in the DR \
region. The activity functions and the roles are not created here (docs/deploy.md); the \
definitions call each function's newest published version in the region. \
Exit codes: 0 deployed, nothing to change, or --dry-run; 1 problems in the stack or the \
workflows; 2 an AWS call failed.")]
pub struct Args {
    /// The shop's stack description.
    #[arg(long)]
    config: PathBuf,
    /// Deploy this region only. Default: every region of the stack, in its order.
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    endpoint: Endpoint,
    /// Print what would change, resource by resource, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print `{"changes": [...]}` (an empty list when nothing changes) instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> u8 {
    let stack = match super::stack::load(Some(&args.config)) {
        Ok(stack) => stack,
        Err(e) => {
            eprintln!("error: {e}");
            return PROBLEMS;
        }
    };
    let compiled = match super::compile::build_all(&stack) {
        Ok(compiled) => compiled,
        Err(failed) => {
            eprintln!("error: {failed} workflow(s) did not compile; nothing was deployed");
            return PROBLEMS;
        }
    };
    let workflows = super::compile::definitions(&compiled);
    let regions: Vec<String> = match &args.region {
        Some(region) if !stack.regions.contains_key(region) => {
            let known: Vec<&str> = stack.regions.keys().map(String::as_str).collect();
            eprintln!(
                "error: --region {region} is not a region of the stack ({})",
                known.join(", ")
            );
            return PROBLEMS;
        }
        Some(region) => vec![region.clone()],
        None => stack.regions.keys().cloned().collect(),
    };
    sfn::block_on(async {
        // Every region's desired state before any change: the functions' published versions are
        // read from each region, and a function missing or unpublished stops the deploy here.
        let mut desired = Vec::new();
        for region in &regions {
            let aws = Region::connect(region, &args.endpoint).await;
            let versions = match aws.function_versions(&stack, &workflows).await {
                Ok(versions) => versions,
                Err(e) => {
                    eprintln!("error: {region}: {e}");
                    eprintln!("  nothing was deployed");
                    return UNUSABLE;
                }
            };
            match wfc_infra::deploy::desired(&stack, region, &workflows, &versions) {
                Ok(d) => desired.push(d),
                Err(e) => {
                    eprintln!("error: {region}: {e}; nothing was deployed");
                    return PROBLEMS;
                }
            }
        }
        let mut reported: Vec<Value> = Vec::new();
        for desired in &desired {
            let region = desired.region.as_str();
            let aws = Region::connect(region, &args.endpoint).await;
            let current = match aws.read(desired).await {
                Ok(current) => current,
                Err(e) => {
                    eprintln!("error: {region}: reading what is deployed: {e}");
                    eprintln!("  nothing was changed in {region}");
                    print(&args, &reported, None);
                    return UNUSABLE;
                }
            };
            let plan = plan(desired, &current);
            for note in &plan.notes {
                eprintln!("note: {region}: {note}");
            }
            let mut published: BTreeMap<String, String> = BTreeMap::new();
            for (done, change) in plan.changes.iter().enumerate() {
                if !args.dry_run {
                    if let Err(e) = aws.apply(desired, change, &mut published).await {
                        eprintln!(
                            "error: {region}: {} {}: {e}",
                            change.action(),
                            change.resource()
                        );
                        eprintln!(
                            "  {done} of {} change(s) in {region} were made before it; fix this and run wfc deploy again (it continues from what is deployed)",
                            plan.changes.len()
                        );
                        print(&args, &reported, None);
                        return UNUSABLE;
                    }
                }
                if !args.json {
                    let verb = if args.dry_run { "would " } else { "" };
                    println!(
                        "{region}: {verb}{} {}: {}",
                        change.action(),
                        change.resource(),
                        change.detail()
                    );
                }
                reported.push(change.to_json(region));
            }
        }
        print(&args, &reported, Some(&regions));
        OK
    })
}

/// The JSON document, or the text summary.
fn print(args: &Args, changes: &[Value], regions: Option<&[String]>) {
    if args.json {
        println!("{}", json!({ "changes": changes }));
        return;
    }
    let Some(regions) = regions else { return };
    let regions = regions.join(", ");
    match (changes.len(), args.dry_run) {
        (0, _) => println!("no change: what the stack compiles to is deployed in {regions}"),
        (n, true) => {
            println!("{n} change(s) would be made in {regions} (--dry-run: nothing was changed)")
        }
        (n, false) => println!("{n} change(s) made in {regions}"),
    }
}

/// The clients of one region.
struct Region {
    name: String,
    endpoint: Endpoint,
    sfn: aws_sdk_sfn::Client,
    events: aws_sdk_eventbridge::Client,
    ec2: Ec2,
    lambda: Lambda,
}

impl Region {
    async fn connect(region: &str, endpoint: &Endpoint) -> Region {
        let config = sfn::sdk_config(region, endpoint).await;
        Region {
            name: region.to_string(),
            endpoint: endpoint.clone(),
            sfn: aws_sdk_sfn::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            ec2: Ec2::new(&config, region, &endpoint.url("ec2", region)),
            lambda: Lambda::new(&config, region, &endpoint.url("lambda", region)),
        }
    }

    /// The newest published version of each activity function the region's definitions and
    /// rules call: what they will call (never a guessed `:1`). A function that is missing or
    /// has only `$LATEST` is an error saying what to do.
    async fn function_versions(
        &self,
        stack: &wfc_stack::Stack,
        workflows: &[(String, Value)],
    ) -> Result<wfc_infra::deploy::FunctionVersions, String> {
        let region = &self.name;
        let mut versions = wfc_infra::deploy::FunctionVersions::new();
        for activity in wfc_infra::deploy::functions(stack, region, workflows) {
            let function = wfc_infra::orchestrator::function_name(stack, &activity);
            match self.lambda.newest_version(&function).await {
                Ok(Published::Version(v)) => {
                    versions.insert(activity, v);
                }
                Ok(Published::Unpublished) => return Err(format!(
                    "function {function} has no published version, only $LATEST; the definitions call a version so that a running execution keeps its code: publish one (aws lambda publish-version --region {region} --function-name {function}) and run wfc deploy again"
                )),
                Ok(Published::NotFound) => return Err(format!(
                    "function {function} does not exist; direct mode creates no function: deploy the orchestrator template, or create it (docs/deploy.md), then run wfc deploy again"
                )),
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(versions)
    }

    fn states(&self, action: &str, resource: &str) -> Call {
        self.endpoint.call(&self.name, action, resource)
    }

    fn events_call(&self, action: &str, rule: &str) -> Call {
        Call::new(
            &format!("events:{action}"),
            &format!("rule {rule}"),
            &self.endpoint.url("events", &self.name),
        )
    }

    /// What the region holds of what `desired` names.
    async fn read(&self, desired: &Desired) -> Result<Current, ApiError> {
        let mut current = Current::default();
        for spec in &desired.state_machines {
            if let Some(machine) = self.state_machine(spec).await? {
                current.state_machines.insert(spec.name.clone(), machine);
            }
        }
        for spec in &desired.rules {
            if let Some(rule) = self.rule(&spec.name).await? {
                current.rules.insert(spec.name.clone(), rule);
            }
        }
        if desired.peering.is_some() {
            current.attachments = self.ec2.peering_attachments().await?;
        }
        Ok(current)
    }

    /// The definition and role of a state machine or version, `None` when it does not exist.
    async fn describe(&self, arn: &str) -> Result<Option<(Value, String)>, ApiError> {
        match self
            .sfn
            .describe_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
        {
            Ok(out) => Ok(Some((
                definition(out.definition()),
                out.role_arn().to_string(),
            ))),
            Err(e) => {
                let e = ApiError::new(&self.states("DescribeStateMachine", arn), e);
                if e.code == "StateMachineDoesNotExist" {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    async fn state_machine(
        &self,
        spec: &StateMachineSpec,
    ) -> Result<Option<CurrentStateMachine>, ApiError> {
        let Some((definition, role_arn)) = self.describe(&spec.arn).await? else {
            return Ok(None);
        };
        let aliases = self
            .sfn
            .list_state_machine_aliases()
            .state_machine_arn(&spec.arn)
            .send()
            .await
            .map_err(|e| ApiError::new(&self.states("ListStateMachineAliases", &spec.arn), e))?;
        let alias_arn = format!("{}:{ALIAS}", spec.arn);
        let mut alias = None;
        if aliases
            .state_machine_aliases()
            .iter()
            .any(|a| a.state_machine_alias_arn() == alias_arn)
        {
            let out = self
                .sfn
                .describe_state_machine_alias()
                .state_machine_alias_arn(&alias_arn)
                .send()
                .await
                .map_err(|e| {
                    ApiError::new(&self.states("DescribeStateMachineAlias", &alias_arn), e)
                })?;
            // `live` routes all of its traffic to one version (wfc never splits it).
            let version_arn = out
                .routing_configuration()
                .iter()
                .max_by_key(|r| r.weight())
                .map(|r| r.state_machine_version_arn().to_string())
                .unwrap_or_default();
            if let Some((definition, role_arn)) = self.describe(&version_arn).await? {
                alias = Some(CurrentAlias {
                    arn: alias_arn,
                    version_arn,
                    definition,
                    role_arn,
                });
            }
        }
        Ok(Some(CurrentStateMachine {
            definition,
            role_arn,
            alias,
        }))
    }

    async fn rule(&self, name: &str) -> Result<Option<CurrentRule>, ApiError> {
        let out = match self.events.describe_rule().name(name).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = ApiError::new(&self.events_call("DescribeRule", name), e);
                return if e.code == "ResourceNotFoundException" {
                    Ok(None)
                } else {
                    Err(e)
                };
            }
        };
        let mut targets = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .events
                .list_targets_by_rule()
                .rule(name)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| ApiError::new(&self.events_call("ListTargetsByRule", name), e))?;
            targets.extend(page.targets().iter().map(target_json));
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(Some(CurrentRule {
            description: out.description().unwrap_or_default().to_string(),
            state: out
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            event_pattern: out.event_pattern().map(definition),
            schedule: out.schedule_expression().map(String::from),
            targets,
        }))
    }

    /// Makes one change; a published version is remembered for the alias change after it.
    async fn apply(
        &self,
        desired: &Desired,
        change: &Change,
        published: &mut BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        let machine = |name: &str| desired.state_machines.iter().find(|s| s.name == name);
        let rule = |name: &str| desired.rules.iter().find(|r| r.name == name);
        match change {
            Change::CreateStateMachine { name } => {
                let spec = machine(name).expect("planned from the desired state");
                let out = self
                    .sfn
                    .create_state_machine()
                    .name(&spec.name)
                    .definition(spec.definition.to_string())
                    .role_arn(&spec.role_arn)
                    .r#type(StateMachineType::Standard)
                    .logging_configuration(logging(spec))
                    .tracing_configuration(TracingConfiguration::builder().enabled(true).build())
                    .publish(true)
                    .version_description("published by wfc deploy")
                    .send()
                    .await
                    .map_err(|e| ApiError::new(&self.states("CreateStateMachine", &spec.arn), e))?;
                let version = out.state_machine_version_arn().unwrap_or_default();
                published.insert(spec.name.clone(), version.to_string());
            }
            Change::UpdateStateMachine { name, .. } => {
                let spec = machine(name).expect("planned from the desired state");
                let out = self
                    .sfn
                    .update_state_machine()
                    .state_machine_arn(&spec.arn)
                    .definition(spec.definition.to_string())
                    .role_arn(&spec.role_arn)
                    .logging_configuration(logging(spec))
                    .tracing_configuration(TracingConfiguration::builder().enabled(true).build())
                    .publish(true)
                    .version_description("published by wfc deploy")
                    .send()
                    .await
                    .map_err(|e| ApiError::new(&self.states("UpdateStateMachine", &spec.arn), e))?;
                let version = out.state_machine_version_arn().unwrap_or_default();
                published.insert(spec.name.clone(), version.to_string());
            }
            Change::PublishVersion { name, .. } => {
                let spec = machine(name).expect("planned from the desired state");
                let out = self
                    .sfn
                    .publish_state_machine_version()
                    .state_machine_arn(&spec.arn)
                    .description("published by wfc deploy")
                    .send()
                    .await
                    .map_err(|e| {
                        ApiError::new(&self.states("PublishStateMachineVersion", &spec.arn), e)
                    })?;
                published.insert(
                    spec.name.clone(),
                    out.state_machine_version_arn().to_string(),
                );
            }
            Change::CreateAlias { state_machine } | Change::MoveAlias { state_machine, .. } => {
                let spec = machine(state_machine).expect("planned from the desired state");
                let alias_arn = format!("{}:{ALIAS}", spec.arn);
                let version = published.get(state_machine).cloned().unwrap_or_default();
                let routing = RoutingConfigurationListItem::builder()
                    .state_machine_version_arn(&version)
                    .weight(100)
                    .build()
                    .expect("version and weight are set");
                if matches!(change, Change::CreateAlias { .. }) {
                    self.sfn
                        .create_state_machine_alias()
                        .name(ALIAS)
                        .description(
                            "The newest version: EventBridge and wfc start executions here",
                        )
                        .routing_configuration(routing)
                        .send()
                        .await
                        .map_err(|e| {
                            ApiError::new(&self.states("CreateStateMachineAlias", &alias_arn), e)
                        })?;
                } else {
                    self.sfn
                        .update_state_machine_alias()
                        .state_machine_alias_arn(&alias_arn)
                        .routing_configuration(routing)
                        .send()
                        .await
                        .map_err(|e| {
                            ApiError::new(&self.states("UpdateStateMachineAlias", &alias_arn), e)
                        })?;
                }
            }
            Change::PutRule { name, .. } => {
                let spec = rule(name).expect("planned from the desired state");
                self.events
                    .put_rule()
                    .name(&spec.name)
                    .description(&spec.description)
                    .state(RuleState::from(spec.state.as_str()))
                    .set_event_pattern(spec.event_pattern.as_ref().map(Value::to_string))
                    .set_schedule_expression(spec.schedule.clone())
                    .send()
                    .await
                    .map_err(|e| ApiError::new(&self.events_call("PutRule", name), e))?;
            }
            Change::PutTargets { rule: name, ids } => {
                let spec = rule(name).expect("planned from the desired state");
                let call = self.events_call("PutTargets", name);
                let targets = spec
                    .targets
                    .iter()
                    .filter(|t| ids.iter().any(|id| t["Id"] == id.as_str()))
                    .map(|t| sdk_target(spec, t))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|message| {
                        ApiError::from_parts(
                            &call,
                            super::aws_error::Kind::Other,
                            String::new(),
                            message,
                            String::new(),
                        )
                    })?;
                let out = self
                    .events
                    .put_targets()
                    .rule(name)
                    .set_targets(Some(targets))
                    .send()
                    .await
                    .map_err(|e| ApiError::new(&call, e))?;
                if out.failed_entry_count() > 0 {
                    let failed: Vec<String> = out
                        .failed_entries()
                        .iter()
                        .map(|f| {
                            format!(
                                "target {}: {} {}",
                                f.target_id().unwrap_or("?"),
                                f.error_code().unwrap_or_default(),
                                f.error_message().unwrap_or_default()
                            )
                        })
                        .collect();
                    return Err(ApiError::from_parts(
                        &call,
                        super::aws_error::Kind::Service,
                        String::new(),
                        failed.join("; "),
                        String::new(),
                    ));
                }
            }
            Change::RemoveTargets { rule: name, ids } => {
                self.events
                    .remove_targets()
                    .rule(name)
                    .set_ids(Some(ids.clone()))
                    .send()
                    .await
                    .map_err(|e| ApiError::new(&self.events_call("RemoveTargets", name), e))?;
            }
            Change::AcceptPeering { id, .. } => {
                self.ec2.accept_peering(id).await?;
            }
        }
        Ok(())
    }
}

/// A definition or pattern as JSON (a text that is not JSON stays a string: it differs).
fn definition(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// ALL events without the execution data (inputs carry incident details), as the template.
fn logging(spec: &StateMachineSpec) -> LoggingConfiguration {
    LoggingConfiguration::builder()
        .level(LogLevel::All)
        .include_execution_data(false)
        .destinations(
            LogDestination::builder()
                .cloud_watch_logs_log_group(
                    CloudWatchLogsLogGroup::builder()
                        .log_group_arn(&spec.log_group_arn)
                        .build(),
                )
                .build(),
        )
        .build()
}

/// A deployed target in the compiled targets' JSON shape (the fields wfc sets).
fn target_json(target: &Target) -> Value {
    let mut t = Map::new();
    t.insert("Id".into(), json!(target.id()));
    t.insert("Arn".into(), json!(target.arn()));
    if let Some(role) = target.role_arn() {
        t.insert("RoleArn".into(), json!(role));
    }
    if let Some(input) = target.input() {
        t.insert("Input".into(), json!(input));
    }
    if let Some(path) = target.input_path() {
        t.insert("InputPath".into(), json!(path));
    }
    if let Some(transformer) = target.input_transformer() {
        let mut x = Map::new();
        if let Some(paths) = transformer.input_paths_map() {
            x.insert("InputPathsMap".into(), json!(paths));
        }
        x.insert("InputTemplate".into(), json!(transformer.input_template()));
        t.insert("InputTransformer".into(), Value::Object(x));
    }
    if let Some(dlq) = target.dead_letter_config().and_then(|d| d.arn()) {
        t.insert("DeadLetterConfig".into(), json!({ "Arn": dlq }));
    }
    if let Some(retry) = target.retry_policy() {
        let mut r = Map::new();
        if let Some(n) = retry.maximum_retry_attempts() {
            r.insert("MaximumRetryAttempts".into(), json!(n));
        }
        if let Some(n) = retry.maximum_event_age_in_seconds() {
            r.insert("MaximumEventAgeInSeconds".into(), json!(n));
        }
        t.insert("RetryPolicy".into(), Value::Object(r));
    }
    Value::Object(t)
}

/// A compiled target as the SDK's `Target`; a field wfc does not know is an error (never
/// silently dropped).
fn sdk_target(rule: &RuleSpec, t: &Value) -> Result<Target, String> {
    let known = [
        "Id",
        "Arn",
        "RoleArn",
        "Input",
        "InputPath",
        "InputTransformer",
        "DeadLetterConfig",
        "RetryPolicy",
    ];
    let id = t["Id"].as_str().unwrap_or_default();
    if let Some(key) = t
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .find(|k| !known.contains(&k.as_str()))
    {
        return Err(format!(
            "rule {}: target {id}: wfc deploy cannot set {key} yet",
            rule.name
        ));
    }
    let text = |v: &Value| v.as_str().map(String::from);
    let int = |v: &Value| v.as_i64().and_then(|n| i32::try_from(n).ok());
    let mut b = Target::builder()
        .id(id)
        .set_arn(text(&t["Arn"]))
        .set_role_arn(text(&t["RoleArn"]))
        .set_input(text(&t["Input"]))
        .set_input_path(text(&t["InputPath"]));
    if let Some(x) = t.get("InputTransformer") {
        let paths = x["InputPathsMap"].as_object().map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        });
        b = b.input_transformer(
            InputTransformer::builder()
                .set_input_paths_map(paths)
                .set_input_template(text(&x["InputTemplate"]))
                .build()
                .map_err(|e| format!("rule {}: target {id}: {e}", rule.name))?,
        );
    }
    if let Some(dlq) = t.get("DeadLetterConfig") {
        b = b.dead_letter_config(
            DeadLetterConfig::builder()
                .set_arn(text(&dlq["Arn"]))
                .build(),
        );
    }
    if let Some(retry) = t.get("RetryPolicy") {
        b = b.retry_policy(
            RetryPolicy::builder()
                .set_maximum_retry_attempts(int(&retry["MaximumRetryAttempts"]))
                .set_maximum_event_age_in_seconds(int(&retry["MaximumEventAgeInSeconds"]))
                .build(),
        );
    }
    b.build()
        .map_err(|e| format!("rule {}: target {id}: {e}", rule.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_survives_the_round_trip_through_the_sdk() {
        let rule = RuleSpec {
            name: "woo-preflight".into(),
            description: String::new(),
            state: "ENABLED".into(),
            event_pattern: None,
            schedule: None,
            targets: vec![],
        };
        let target = json!({
            "Id": "preflight",
            "Arn": "arn:aws:states:us-west-2:123456789012:stateMachine:woo-preflight:live",
            "RoleArn": "arn:aws:iam::123456789012:role/woo-dr-events",
            "InputTransformer": { "InputPathsMap": { "time": "$.time" }, "InputTemplate": "{\"time\": <time>}" },
            "DeadLetterConfig": { "Arn": "arn:aws:sqs:us-west-2:123456789012:woo-dr-events-dlq" },
            "RetryPolicy": { "MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 3600 },
        });
        let sdk = sdk_target(&rule, &target).unwrap();
        assert_eq!(target_json(&sdk), target);
        let mut odd = target.clone();
        odd["SqsParameters"] = json!({});
        assert!(sdk_target(&rule, &odd)
            .unwrap_err()
            .contains("SqsParameters"));
    }
}
