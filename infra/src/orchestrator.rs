//! The orchestrator stack of one region: the activity functions (each with its own role), the
//! state machines (each with a version and the `live` alias), the EventBridge rules of that region,
//! the notification topic, the dead-letter queues, the logs and the preflight alarm.
//!
//! Deployed in both regions: failover runs from the DR region, failback from the primary. The
//! definitions reference Lambda *version* ARNs and the state machine roles may invoke
//! `function:NAME:*`, so an execution that is running keeps the code and the permission it
//! started with while a deploy publishes new versions; EventBridge targets the alias.

use crate::iam::{self, Statement};
use crate::names::{camel, fnv_hex};
use crate::profile::{profile, MUTATING_CONCURRENCY};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use wfc_compiler::dsl::activity_of_placeholder;
use wfc_stack::Stack;

/// The alias EventBridge and the CLI start: it always points at the newest version.
pub const ALIAS: &str = "live";
/// Log retention of the functions and state machines (a year: an incident's audit trail).
const LOG_RETENTION_DAYS: u32 = 365;
/// The runtime of the activities' one binary, `wfc-activities` (activities/lambda).
pub const RUNTIME: &str = "provided.al2023";

/// A workflow as `wfc compile` built it for the stack.
pub struct Workflow<'a> {
    pub name: &'a str,
    pub definition: &'a Value,
}

/// What the template needs to know about one activity function.
struct Function {
    activity: String,
    /// Invoked asynchronously (an EventBridge target): gets a dead-letter queue.
    asynchronous: bool,
}

/// The orchestrator template of `region`, or what stops it being built (a named activity or
/// action).
pub fn template(stack: &Stack, region: &str, workflows: &[Workflow]) -> Result<Value, String> {
    let account = stack.shop.account_id.as_str();
    let partition = iam::partition(region);
    let rules: Vec<Value> = wfc_workflows::woocommerce::rules::rules(stack)
        .into_iter()
        .filter(|r| r["Region"] == region)
        .collect();
    let functions = functions(workflows, &rules)?;
    let catalog = wfc_activities::catalog::catalog();

    let mut resources = Map::new();
    let mut outputs = Map::new();
    let ctx = Ctx {
        stack,
        region,
        account,
        partition,
    };

    resources.insert("Key".into(), ctx.key());
    resources.insert(
        "Topic".into(),
        json!({
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": iam::topic_name(stack),
                "DisplayName": format!("wfc {}", stack.shop.name),
                "KmsMasterKeyId": { "Ref": "Key" },
            },
        }),
    );

    // Activity functions.
    let any_async = functions.iter().any(|f| f.asynchronous);
    if any_async {
        resources.insert(
            "ActivitiesDeadLetterQueue".into(),
            queue(&format!("{}-activities-dlq", stack.shop.name)),
        );
    }
    for function in &functions {
        let info = catalog
            .iter()
            .find(|i| i.name == function.activity)
            .ok_or_else(|| format!("no activity named {} in the catalogue", function.activity))?;
        let profile = profile(&function.activity).ok_or_else(|| {
            format!(
                "activity {}: no function settings in wfc_infra::profile (timeout, memory, mutating)",
                function.activity
            )
        })?;
        let statements = iam::activity_statements(info.name, &info.permissions, stack, region)?;
        ctx.activity(&mut resources, function, &statements, profile);
    }

    // State machines.
    for workflow in workflows {
        ctx.state_machine(&mut resources, workflow)?;
        let id = camel(workflow.name);
        outputs.insert(
            format!("{id}AliasArn"),
            json!({
                "Description": format!("Start the {} workflow here (its `{ALIAS}` alias)", workflow.name),
                "Value": { "Ref": format!("{id}Alias") },
            }),
        );
    }

    // EventBridge.
    if !rules.is_empty() {
        ctx.rules(&mut resources, &rules)?;
    }
    let preflight_here = rules
        .iter()
        .any(|r| r["Rule"]["Name"] == format!("{}-preflight", stack.shop.name));
    if preflight_here {
        resources.insert("FailoverReadyAlarm".into(), ctx.failover_ready_alarm());
    }
    resources.insert(
        "TopicPolicy".into(),
        ctx.topic_policy(&rules, preflight_here),
    );
    outputs.insert(
        "TopicArn".into(),
        json!({
            "Description": "Subscribe the on-call people here, and confirm the subscription",
            "Value": { "Ref": "Topic" },
        }),
    );

    let role = if region == stack.shop.primary_region {
        "primary region: forwards its alarm and RDS events to the DR region; its state machines can run a failback"
    } else {
        "DR region: runs failover, switchover, preflight and failback"
    };
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "wfc orchestrator of {} in {region} ({role}). Generated by `wfc compile`; do not edit.",
            stack.shop.name
        ),
        "Metadata": {
            "wfc": {
                "shop": stack.shop.name,
                "region": region,
                "deploy": "docs/deploy.md",
            },
        },
        "Parameters": {
            "ActivitiesCodeBucket": {
                "Type": "String",
                "Description": format!("S3 bucket in {region} holding the activities' zip (wfc package)"),
                "AllowedPattern": "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            },
            "ActivitiesCodeKey": {
                "Type": "String",
                "Description": "S3 key of the activities' zip (bootstrap = the wfc-activities binary)",
                "MinLength": 1,
            },
            "ActivitiesCodeSha256": {
                "Type": "String",
                "Description": "Base64 SHA-256 of the zip: a new value publishes new function versions",
                "AllowedPattern": "^[A-Za-z0-9+/]{43}=$",
            },
        },
        "Resources": resources,
        "Outputs": outputs,
    }))
}

/// The functions the region needs: every activity the definitions invoke, and the rules' Lambda
/// targets (invoked asynchronously by EventBridge), sorted by activity name.
fn functions(workflows: &[Workflow], rules: &[Value]) -> Result<Vec<Function>, String> {
    let mut sync = BTreeSet::new();
    for workflow in workflows {
        for task in tasks(workflow.definition) {
            if let Some(activity) = task_activity(task) {
                sync.insert(activity.to_string());
            }
        }
    }
    let mut asynchronous = BTreeSet::new();
    for rule in rules {
        for target in rule["Targets"].as_array().into_iter().flatten() {
            if let Some(activity) = target["Arn"].as_str().and_then(activity_of_placeholder) {
                asynchronous.insert(activity.to_string());
            }
        }
    }
    let all: BTreeSet<&String> = sync.iter().chain(&asynchronous).collect();
    Ok(all
        .into_iter()
        .map(|activity| Function {
            activity: activity.clone(),
            asynchronous: asynchronous.contains(activity),
        })
        .collect())
}

/// Every Task state of a definition, nested ones (Parallel branches, Map processors) included.
pub fn tasks(definition: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    collect_tasks(definition, &mut out);
    out
}

fn collect_tasks<'v>(scope: &'v Value, out: &mut Vec<&'v Value>) {
    for state in scope["States"]
        .as_object()
        .into_iter()
        .flat_map(|s| s.values())
    {
        if state["Type"] == "Task" {
            out.push(state);
        }
        for branch in state["Branches"].as_array().into_iter().flatten() {
            collect_tasks(branch, out);
        }
        for key in ["Iterator", "ItemProcessor"] {
            if state.get(key).is_some() {
                collect_tasks(&state[key], out);
            }
        }
    }
}

/// The activity a Task runs (by `lambda:invoke`'s `FunctionName`, or its function as `Resource`).
pub fn task_activity(task: &Value) -> Option<&str> {
    let function = task["Parameters"]["FunctionName"]
        .as_str()
        .or_else(|| task["Resource"].as_str())?;
    activity_of_placeholder(function)
}

/// The IAM path of the activity roles, `/wfc/<shop>/`: what preflight may simulate.
pub fn role_path(stack: &Stack) -> String {
    format!("/wfc/{}/", stack.shop.name)
}

/// `<shop>-<activity>`: the function's name (the same in both regions).
pub fn function_name(stack: &Stack, activity: &str) -> String {
    format!("{}-{activity}", stack.shop.name)
}

fn queue(name: &str) -> Value {
    json!({
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": name,
            // 14 days, the most SQS keeps a message: time to look at what was not delivered.
            "MessageRetentionPeriod": 1_209_600,
            "KmsMasterKeyId": { "Ref": "Key" },
        },
    })
}

struct Ctx<'a> {
    stack: &'a Stack,
    region: &'a str,
    account: &'a str,
    partition: &'static str,
}

impl Ctx<'_> {
    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account
        )
    }

    fn log_group(&self, name: &str) -> Value {
        json!({
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "LogGroupName": name,
                "RetentionInDays": LOG_RETENTION_DAYS,
                "KmsKeyId": { "Fn::GetAtt": ["Key", "Arn"] },
            },
        })
    }

    /// The stack's one customer managed key: the topic, the queues and the log groups. Key
    /// policies name their actions (no `kms:*`); `Resource: "*"` in a key policy means this key.
    fn key(&self) -> Value {
        let root = format!("arn:{}:iam::{}:root", self.partition, self.account);
        let use_key = ["kms:Decrypt", "kms:GenerateDataKey"];
        let service = |principal: &str, condition: Value| {
            json!({
                "Sid": format!("Use by {principal}"),
                "Effect": "Allow",
                "Principal": { "Service": principal },
                "Action": use_key,
                "Resource": "*",
                "Condition": condition,
            })
        };
        let same_account = json!({ "StringEquals": { "aws:SourceAccount": self.account } });
        json!({
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": format!("wfc {}: notifications, dead letters and logs", self.stack.shop.name),
                "EnableKeyRotation": true,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "Administered and used through IAM in this account",
                            "Effect": "Allow",
                            "Principal": { "AWS": root },
                            "Action": [
                                "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant",
                                "kms:Decrypt", "kms:DeleteAlias", "kms:DescribeKey", "kms:DisableKey",
                                "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
                                "kms:Encrypt", "kms:GenerateDataKey", "kms:GetKeyPolicy",
                                "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants",
                                "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RetireGrant",
                                "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:TagResource",
                                "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
                            ],
                            "Resource": "*",
                        },
                        {
                            "Sid": "Log groups of this region",
                            "Effect": "Allow",
                            "Principal": { "Service": format!("logs.{}.amazonaws.com", self.region) },
                            // CloudWatch Logs' documented Encrypt*, Decrypt*, ReEncrypt*,
                            // GenerateDataKey*, Describe*, spelled out (no wildcard actions).
                            "Action": [
                                "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
                                "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                            ],
                            "Resource": "*",
                            "Condition": { "ArnLike": {
                                "kms:EncryptionContext:aws:logs:arn": self.arn("logs", "log-group:*"),
                            } },
                        },
                        // EventBridge delivers to the encrypted topic and dead-letter queue,
                        // CloudWatch alarms notify the topic.
                        service("events.amazonaws.com", same_account.clone()),
                        service("cloudwatch.amazonaws.com", same_account),
                    ],
                },
            },
        })
    }

    fn activity(
        &self,
        resources: &mut Map<String, Value>,
        function: &Function,
        statements: &[Statement],
        profile: crate::profile::Profile,
    ) {
        let id = camel(&function.activity);
        let name = function_name(self.stack, &function.activity);
        let log_group = format!("/aws/lambda/{name}");
        let log_group_arn = self.arn("logs", &format!("log-group:{log_group}"));
        resources.insert(format!("{id}LogGroup"), self.log_group(&log_group));

        // What every function needs to run, kept apart from what the activity declared.
        let mut runtime = vec![
            Statement::new(
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                vec![format!("{log_group_arn}:*")],
            ),
            Statement::new(
                &["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                vec!["*".into()],
            ),
        ];
        if function.asynchronous {
            runtime.push(Statement::new(
                &["sqs:SendMessage"],
                vec![self.arn("sqs", &format!("{}-activities-dlq", self.stack.shop.name))],
            ));
        }
        // The dead-letter queue and the topic are encrypted with the stack's key.
        let publishes = statements
            .iter()
            .any(|s| s.actions.iter().any(|a| a == "sns:Publish"));
        if function.asynchronous || publishes {
            runtime.push(Statement::on(
                &["kms:Decrypt", "kms:GenerateDataKey"],
                vec![json!({ "Fn::GetAtt": ["Key", "Arn"] })],
            ));
        }
        // Lambda documents aws:SourceAccount for its execution roles; aws:SourceArn is not set
        // when Lambda assumes one, and a condition on it would make the role unusable.
        let trust = iam::trust_policy("lambda.amazonaws.com", self.account, None);
        resources.insert(
            format!("{id}Role"),
            json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": format!("wfc activity {}: exactly its declared permissions", function.activity),
                    "Path": role_path(self.stack),
                    "AssumeRolePolicyDocument": trust,
                    "Policies": [
                        { "PolicyName": "activity", "PolicyDocument": iam::document(statements) },
                        { "PolicyName": "runtime", "PolicyDocument": iam::document(&runtime) },
                    ],
                },
            }),
        );

        let mut properties = json!({
            "FunctionName": name,
            "Description": format!("wfc activity {}", function.activity),
            "Handler": function.activity,
            "Runtime": RUNTIME,
            "Architectures": ["arm64"],
            "Code": {
                "S3Bucket": { "Ref": "ActivitiesCodeBucket" },
                "S3Key": { "Ref": "ActivitiesCodeKey" },
            },
            "Role": { "Fn::GetAtt": [format!("{id}Role"), "Arn"] },
            "Timeout": profile.timeout_seconds,
            "MemorySize": profile.memory_mb,
            "TracingConfig": { "Mode": "Active" },
            "LoggingConfig": { "LogGroup": { "Ref": format!("{id}LogGroup") }, "LogFormat": "JSON" },
        });
        if crate::profile::SPEAKS_MYSQL.contains(&function.activity.as_str()) {
            // TLS to RDS: the MySQL adapter trusts the system roots plus this bundle.
            properties["Environment"] =
                json!({ "Variables": { "SSL_CERT_FILE": crate::profile::RDS_CA_BUNDLE } });
        }
        let mut skips = vec![
            skip("CKV_AWS_117", "Calls AWS APIs only; a VPC needs NAT or endpoints the stack does not describe"),
            skip("CKV_AWS_173", "The only variable is SSL_CERT_FILE, a file path and nothing secret; Lambda encrypts it at rest with its own key"),
            skip("CKV_AWS_272", "Code signing needs a signing profile the stack does not describe; the zip's SHA-256 is pinned by the ActivitiesCodeSha256 parameter"),
        ];
        if profile.mutating {
            properties["ReservedConcurrentExecutions"] = json!(MUTATING_CONCURRENCY);
        } else {
            skips.push(skip(
                "CKV_AWS_115",
                "Read-only activity: only mutating functions reserve concurrency from the account's pool",
            ));
        }
        if function.asynchronous {
            properties["DeadLetterConfig"] =
                json!({ "TargetArn": { "Fn::GetAtt": ["ActivitiesDeadLetterQueue", "Arn"] } });
        } else {
            skips.push(skip(
                "CKV_AWS_116",
                "Invoked synchronously by Step Functions only: a failure returns to the execution's Retry/Catch, a dead-letter queue would never receive anything",
            ));
        }
        let function_resource = json!({
            "Type": "AWS::Lambda::Function",
            "Metadata": { "checkov": { "skip": skips } },
            "Properties": properties,
        });
        // A version per code or configuration change, kept when replaced: an execution that
        // runs keeps the version it started with.
        let config = fnv_hex(&function_resource["Properties"].to_string());
        resources.insert(format!("{id}Function"), function_resource);
        resources.insert(
            format!("{id}Version"),
            json!({
                "Type": "AWS::Lambda::Version",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "FunctionName": { "Ref": format!("{id}Function") },
                    "CodeSha256": { "Ref": "ActivitiesCodeSha256" },
                    "Description": format!("wfc activity {} (configuration {config})", function.activity),
                },
            }),
        );
    }

    fn state_machine(
        &self,
        resources: &mut Map<String, Value>,
        workflow: &Workflow,
    ) -> Result<(), String> {
        let id = camel(workflow.name);
        let name = self.stack.state_machine_name(workflow.name);
        let log_group = format!("/aws/vendedlogs/states/{name}");
        resources.insert(format!("{id}LogGroup"), self.log_group(&log_group));

        let mut substitutions = BTreeMap::new();
        for placeholder in placeholders(workflow.definition) {
            let value = if let Some(activity) = placeholder.strip_suffix("_function_arn") {
                json!({ "Ref": format!("{}Version", camel(activity)) })
            } else if let Some(activity) = placeholder.strip_suffix("_role_arn") {
                json!({ "Fn::GetAtt": [format!("{}Role", camel(activity)), "Arn"] })
            } else {
                return Err(format!(
                    "workflow {}: placeholder ${{{placeholder}}} has no value in the template",
                    workflow.name
                ));
            };
            substitutions.insert(placeholder, value);
        }
        let statements = crate::statemachine::statements(self.stack, self.region, workflow)?;
        resources.insert(
            format!("{id}Role"),
            json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": format!("wfc state machine {name}: its functions and service integrations"),
                    "AssumeRolePolicyDocument": iam::trust_policy(
                        "states.amazonaws.com",
                        self.account,
                        Some(&self.arn("states", &format!("stateMachine:{name}"))),
                    ),
                    "Policies": [{ "PolicyName": "state-machine", "PolicyDocument": iam::document(&statements) }],
                },
            }),
        );
        resources.insert(
            format!("{id}StateMachine"),
            json!({
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": name,
                    "StateMachineType": "STANDARD",
                    "RoleArn": { "Fn::GetAtt": [format!("{id}Role"), "Arn"] },
                    "Definition": workflow.definition,
                    "DefinitionSubstitutions": substitutions,
                    // ALL events, without the execution data: inputs carry incident details.
                    "LoggingConfiguration": {
                        "Level": "ALL",
                        "IncludeExecutionData": false,
                        "Destinations": [{ "CloudWatchLogsLogGroup": {
                            "LogGroupArn": { "Fn::GetAtt": [format!("{id}LogGroup"), "Arn"] },
                        } }],
                    },
                    "TracingConfiguration": { "Enabled": true },
                },
            }),
        );
        // A new version on every revision (the revision id changes), the old one retained.
        resources.insert(
            format!("{id}Version"),
            json!({
                "Type": "AWS::StepFunctions::StateMachineVersion",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "StateMachineArn": { "Ref": format!("{id}StateMachine") },
                    "StateMachineRevisionId": { "Fn::GetAtt": [format!("{id}StateMachine"), "StateMachineRevisionId"] },
                    "Description": format!("{name}, published by its orchestrator stack"),
                },
            }),
        );
        resources.insert(
            format!("{id}Alias"),
            json!({
                "Type": "AWS::StepFunctions::StateMachineAlias",
                "Properties": {
                    "Name": ALIAS,
                    "Description": "The newest version: EventBridge and wfc start executions here",
                    "RoutingConfiguration": [{
                        "StateMachineVersionArn": { "Ref": format!("{id}Version") },
                        "Weight": 100,
                    }],
                },
            }),
        );
        Ok(())
    }

    /// The alias ARN of a workflow's state machine in this region.
    fn alias_arn(&self, workflow: &str) -> String {
        self.arn(
            "states",
            &format!(
                "stateMachine:{}:{ALIAS}",
                self.stack.state_machine_name(workflow)
            ),
        )
    }

    fn rule_arn(&self, name: &str) -> String {
        self.arn("events", &format!("rule/{name}"))
    }

    /// The region's rules (`rules.json` as CloudFormation), the role they start executions and
    /// forward events with, their dead-letter queue and its policy, and the functions' invoke
    /// permissions.
    fn rules(&self, resources: &mut Map<String, Value>, rules: &[Value]) -> Result<(), String> {
        let stack = self.stack;
        let dlq_name = stack
            .events
            .dead_letter_queue_arn
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_string();
        resources.insert("EventsDeadLetterQueue".into(), queue(&dlq_name));
        let rule_arns: Vec<String> = rules
            .iter()
            .map(|r| self.rule_arn(r["Rule"]["Name"].as_str().unwrap_or_default()))
            .collect();
        resources.insert(
            "EventsDeadLetterQueuePolicy".into(),
            json!({
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {
                    "Queues": [{ "Ref": "EventsDeadLetterQueue" }],
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "Undelivered events of this region's rules",
                            "Effect": "Allow",
                            "Principal": { "Service": "events.amazonaws.com" },
                            "Action": "sqs:SendMessage",
                            "Resource": { "Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"] },
                            "Condition": { "ArnEquals": { "aws:SourceArn": rule_arns } },
                        }],
                    },
                },
            }),
        );

        let mut events_role = Vec::new();
        for rule in rules {
            let name = rule["Rule"]["Name"].as_str().unwrap_or_default();
            let rule_id = format!("{}Rule", camel(name));
            let mut targets = Vec::new();
            for target in rule["Targets"].as_array().into_iter().flatten() {
                let mut t = target.clone();
                let arn = target["Arn"].as_str().unwrap_or_default();
                t["DeadLetterConfig"] =
                    json!({ "Arn": { "Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"] } });
                if let Some(activity) = activity_of_placeholder(arn) {
                    let version = format!("{}Version", camel(activity));
                    t["Arn"] = json!({ "Ref": version });
                    resources.insert(
                        format!("{}{}Permission", camel(name), camel(activity)),
                        json!({
                            "Type": "AWS::Lambda::Permission",
                            "Properties": {
                                "Action": "lambda:InvokeFunction",
                                "FunctionName": { "Ref": version },
                                "Principal": "events.amazonaws.com",
                                "SourceAccount": self.account,
                                "SourceArn": { "Fn::GetAtt": [rule_id.clone(), "Arn"] },
                            },
                        }),
                    );
                } else if let Some(workflow) = wfc_stack::WORKFLOWS
                    .iter()
                    .find(|w| stack.state_machine_arn(w) == arn)
                {
                    // The alias, never the unqualified state machine (SAM #3624).
                    t["Arn"] = json!({ "Ref": format!("{}Alias", camel(workflow)) });
                    t["RoleArn"] = json!({ "Fn::GetAtt": ["EventsRole", "Arn"] });
                    // Step Functions authorizes an alias by the state machine's unqualified ARN;
                    // the qualifier condition keeps it to the alias (Step Functions developer
                    // guide, "Authorization for versions and aliases").
                    events_role.push(
                        Statement::new(
                            &["states:StartExecution"],
                            vec![self.arn(
                                "states",
                                &format!("stateMachine:{}", stack.state_machine_name(workflow)),
                            )],
                        )
                        .with_condition(json!({
                            "StringEquals": { "states:StateMachineQualifier": ALIAS },
                        })),
                    );
                } else if arn.contains(":event-bus/") {
                    t["RoleArn"] = json!({ "Fn::GetAtt": ["EventsRole", "Arn"] });
                    events_role.push(Statement::new(&["events:PutEvents"], vec![arn.to_string()]));
                } else if arn == stack.notifications.sns_topic_arn {
                    t["Arn"] = json!({ "Ref": "Topic" });
                } else {
                    return Err(format!(
                        "rule {name}: target {arn} is not a function, state machine, event bus or the topic of the stack"
                    ));
                }
                // The transformer starts the failover through its alias too.
                if let Some(template) = t["InputTransformer"]["InputTemplate"].as_str() {
                    let mut text = template.to_string();
                    for workflow in wfc_stack::WORKFLOWS {
                        let unqualified = format!("\"{}\"", stack.state_machine_arn(workflow));
                        let alias = format!("\"{}\"", self.alias_arn(workflow));
                        text = text.replace(&unqualified, &alias);
                    }
                    t["InputTransformer"]["InputTemplate"] = json!(text);
                }
                targets.push(t);
            }
            let mut properties = json!({
                "Name": name,
                "Description": rule["Rule"]["Description"],
                "State": "ENABLED",
                "Targets": targets,
            });
            if let Some(schedule) = rule["Rule"]["ScheduleExpression"].as_str() {
                properties["ScheduleExpression"] = json!(schedule);
            }
            if let Some(pattern) = rule["Rule"]["EventPattern"].as_str() {
                let pattern: Value = serde_json::from_str(pattern)
                    .map_err(|e| format!("rule {name}: its pattern is not JSON: {e}"))?;
                properties["EventPattern"] = pattern;
            }
            resources.insert(
                rule_id,
                json!({ "Type": "AWS::Events::Rule", "Properties": properties }),
            );
        }
        if !events_role.is_empty() {
            resources.insert(
                "EventsRole".into(),
                json!({
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "Description": format!("wfc {}: EventBridge rules of {} start executions and forward events", stack.shop.name, self.region),
                        "AssumeRolePolicyDocument": iam::trust_policy(
                            "events.amazonaws.com",
                            self.account,
                            Some(&self.rule_arn(&format!("{}-*", stack.shop.name))),
                        ),
                        "Policies": [{ "PolicyName": "targets", "PolicyDocument": iam::document(&events_role) }],
                    },
                }),
            );
        }
        Ok(())
    }

    /// Preflight publishes `FailoverReady` (1 ready, 0 not) every 30 minutes: an alarm when it
    /// says 0, or says nothing for an hour (preflight itself broken).
    fn failover_ready_alarm(&self) -> Value {
        let shop = &self.stack.shop.name;
        json!({
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": format!("{shop}-failover-not-ready"),
                "AlarmDescription": format!("A failover of {shop} would not succeed now (preflight), or preflight did not report for an hour"),
                "Namespace": format!("wfc/{shop}"),
                "MetricName": "FailoverReady",
                "Dimensions": [{ "Name": "Shop", "Value": shop }],
                "Statistic": "Minimum",
                "Period": 3600,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "LessThanThreshold",
                "TreatMissingData": "breaching",
                "AlarmActions": [{ "Ref": "Topic" }],
                "OKActions": [{ "Ref": "Topic" }],
            },
        })
    }

    fn topic_policy(&self, rules: &[Value], alarm: bool) -> Value {
        let mut statements = Vec::new();
        let publishing: Vec<String> = rules
            .iter()
            .filter(|r| {
                r["Targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|t| t["Arn"] == self.stack.notifications.sns_topic_arn.as_str())
            })
            .map(|r| self.rule_arn(r["Rule"]["Name"].as_str().unwrap_or_default()))
            .collect();
        if !publishing.is_empty() {
            statements.push(json!({
                "Sid": "Progress events of this region's rules",
                "Effect": "Allow",
                "Principal": { "Service": "events.amazonaws.com" },
                "Action": "sns:Publish",
                "Resource": { "Ref": "Topic" },
                "Condition": { "ArnEquals": { "aws:SourceArn": publishing } },
            }));
        }
        if alarm {
            statements.push(json!({
                "Sid": "The failover-readiness alarm",
                "Effect": "Allow",
                "Principal": { "Service": "cloudwatch.amazonaws.com" },
                "Action": "sns:Publish",
                "Resource": { "Ref": "Topic" },
                "Condition": { "ArnEquals": { "aws:SourceArn":
                    self.arn("cloudwatch", &format!("alarm:{}-failover-not-ready", self.stack.shop.name)),
                } },
            }));
        }
        // Without a service to let in, the topic's owner account alone may publish.
        if statements.is_empty() {
            statements.push(json!({
                "Sid": "This account only",
                "Effect": "Allow",
                "Principal": { "AWS": format!("arn:{}:iam::{}:root", self.partition, self.account) },
                "Action": "sns:Publish",
                "Resource": { "Ref": "Topic" },
            }));
        }
        json!({
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{ "Ref": "Topic" }],
                "PolicyDocument": { "Version": "2012-10-17", "Statement": statements },
            },
        })
    }
}

fn skip(id: &str, comment: &str) -> Value {
    json!({ "id": id, "comment": comment })
}

/// Every `${name}` in the strings of a definition, sorted.
pub fn placeholders(definition: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_placeholders(definition, &mut out);
    out
}

fn collect_placeholders(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                let after = &rest[start + 2..];
                let Some(end) = after.find('}') else { break };
                out.insert(after[..end].to_string());
                rest = &after[end + 1..];
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_placeholders(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_placeholders(v, out)),
        _ => {}
    }
}
