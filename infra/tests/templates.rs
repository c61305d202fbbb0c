//! The orchestrator templates of the three example stacks: what the issue asks of them, asserted
//! on the templates themselves (moto's CloudFormation skips versions, aliases and alarms).
//! CloudFormation reference: AWS::StepFunctions::StateMachineVersion ("publish a new version
//! each time the state machine's revision changes": StateMachineRevisionId), StateMachineAlias,
//! AWS::Lambda::Version (CodeSha256 replaces the version), AWS::Events::Rule Target.

mod common;

use common::{of_type, templates, STACKS};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wfc_infra::orchestrator::{placeholders, task_activity, tasks, ALIAS, RUNTIME};
use wfc_infra::profile::{profile, MUTATING_CONCURRENCY};

#[test]
fn one_template_per_region_byte_identical_between_runs() {
    for (label, text) in STACKS {
        let stack = common::stack(text);
        let first = wfc_infra::templates(&stack, &common::workflows(&stack)).unwrap();
        let second = wfc_infra::templates(&stack, &common::workflows(&stack)).unwrap();
        assert_eq!(first, second, "{label}: two runs differ");
        let paths: Vec<&str> = first.iter().map(|d| d.path.as_str()).collect();
        let expected: Vec<String> = ["network", "dr", "orchestrator"]
            .iter()
            .flat_map(|kind| {
                stack
                    .regions
                    .keys()
                    .map(move |r| format!("cloudformation/{kind}-{r}.yaml"))
            })
            .collect();
        assert_eq!(paths, expected, "{label}");
        assert_eq!(paths.len(), 6);
    }
}

#[test]
fn state_machines_have_a_version_and_the_alias_and_run_function_versions() {
    for (label, stack, region, template) in templates() {
        let machines = of_type(&template, "AWS::StepFunctions::StateMachine");
        assert_eq!(machines.len(), 4, "{label} {region}");
        for (id, machine) in machines {
            let base = id.strip_suffix("StateMachine").unwrap();
            let version = &template["Resources"][format!("{base}Version")];
            assert_eq!(version["Type"], "AWS::StepFunctions::StateMachineVersion");
            assert_eq!(
                version["UpdateReplacePolicy"], "Retain",
                "old versions are kept"
            );
            assert_eq!(version["DeletionPolicy"], "Retain");
            assert_eq!(
                version["Properties"]["StateMachineRevisionId"],
                json!({ "Fn::GetAtt": [id, "StateMachineRevisionId"] })
            );
            let alias = &template["Resources"][format!("{base}Alias")];
            assert_eq!(alias["Type"], "AWS::StepFunctions::StateMachineAlias");
            assert_eq!(alias["Properties"]["Name"], ALIAS);
            assert_eq!(
                alias["Properties"]["RoutingConfiguration"],
                json!([{ "StateMachineVersionArn": { "Ref": format!("{base}Version") }, "Weight": 100 }])
            );

            // Every placeholder is filled: functions by their published version.
            let p = &machine["Properties"];
            let definition = &p["Definition"];
            let subs = p["DefinitionSubstitutions"].as_object().unwrap();
            let used: BTreeSet<String> = placeholders(definition);
            let given: BTreeSet<String> = subs.keys().cloned().collect();
            assert_eq!(used, given, "{label} {region} {id}");
            for (key, value) in subs {
                if let Some(activity) = key.strip_suffix("_function_arn") {
                    let target = value["Ref"].as_str().unwrap();
                    assert_eq!(
                        template["Resources"][target]["Type"], "AWS::Lambda::Version",
                        "{key}"
                    );
                    assert!(target.starts_with(&wfc_infra::names::camel(activity)));
                }
            }

            // Its role may invoke exactly its own functions, at any version.
            let role = p["RoleArn"]["Fn::GetAtt"][0].as_str().unwrap();
            let statements = &template["Resources"][role]["Properties"]["Policies"][0]
                ["PolicyDocument"]["Statement"];
            let invoke: BTreeSet<String> = statements
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["Action"] == json!(["lambda:InvokeFunction"]))
                .flat_map(|s| s["Resource"].as_array().unwrap().clone())
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            let own: BTreeSet<String> = tasks(definition)
                .into_iter()
                .filter_map(task_activity)
                .map(|a| {
                    format!(
                        "arn:aws:lambda:{region}:{}:function:{}-{a}:*",
                        stack.shop.account_id, stack.shop.name
                    )
                })
                .collect();
            assert_eq!(invoke, own, "{label} {region} {id}");

            // ALL events, no execution data, X-Ray on.
            assert_eq!(p["LoggingConfiguration"]["Level"], "ALL");
            assert_eq!(p["LoggingConfiguration"]["IncludeExecutionData"], false);
            assert_eq!(p["TracingConfiguration"]["Enabled"], true);
        }
    }
}

#[test]
fn functions_follow_their_profile() {
    let names = wfc_activities::catalog::names();
    for (label, _, region, template) in templates() {
        let functions = of_type(&template, "AWS::Lambda::Function");
        assert!(!functions.is_empty());
        for (id, function) in functions {
            let p = &function["Properties"];
            let activity = p["Handler"].as_str().unwrap();
            // The handler is what the Lambda binary dispatches on (`_HANDLER`): the catalogue's
            // names are `with_activities!`, the list the dispatch is generated from.
            assert!(
                names.contains(&activity),
                "{label} {region} {id}: handler {activity}"
            );
            let profile = profile(activity).unwrap();
            assert_eq!(p["Runtime"], RUNTIME);
            assert_eq!(p["Architectures"], json!(["arm64"]));
            assert_eq!(p["Timeout"], profile.timeout_seconds);
            assert_eq!(p["MemorySize"], profile.memory_mb);
            if profile.mutating {
                assert_eq!(p["ReservedConcurrentExecutions"], MUTATING_CONCURRENCY);
            } else {
                assert!(p.get("ReservedConcurrentExecutions").is_none());
            }
            let version = &template["Resources"][id.replace("Function", "Version")];
            assert_eq!(version["Type"], "AWS::Lambda::Version");
            assert_eq!(version["UpdateReplacePolicy"], "Retain");
            assert_eq!(
                version["Properties"]["CodeSha256"],
                json!({ "Ref": "ActivitiesCodeSha256" })
            );
        }
    }
}

#[test]
fn every_activity_has_a_profile_and_mutating_declarations_are_mutating() {
    for info in wfc_activities::catalog::catalog() {
        let profile = profile(info.name).unwrap_or_else(|| panic!("{} has no profile", info.name));
        let mutating: Vec<&str> = info
            .permissions
            .iter()
            .flat_map(|p| p.actions.iter().copied())
            .filter(|a| wfc_infra::iam::is_mutating(a))
            .collect();
        assert!(
            mutating.is_empty() || profile.mutating,
            "{} declares {mutating:?} but its profile says read-only",
            info.name
        );
    }
}

/// EventBridge invokes Lambda asynchronously: its targets get a dead-letter queue; the rules
/// start state machines through their alias (SAM #3624 called the unqualified one).
#[test]
fn rules_target_aliases_with_dead_letters_retries_and_roles() {
    for (label, stack, region, template) in templates() {
        let rules = of_type(&template, "AWS::Events::Rule");
        let expected = wfc_workflows::woocommerce::rules::rules(&stack)
            .into_iter()
            .filter(|r| r["Region"] == region.as_str())
            .count();
        assert_eq!(rules.len(), expected, "{label} {region}");
        for (id, rule) in rules {
            for target in rule["Properties"]["Targets"].as_array().unwrap() {
                let at = format!("{label} {region} {id} {}", target["Id"]);
                assert_eq!(
                    target["DeadLetterConfig"]["Arn"],
                    json!({ "Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"] }),
                    "{at}"
                );
                assert_eq!(
                    target["RetryPolicy"]["MaximumRetryAttempts"],
                    stack.events.maximum_retry_attempts,
                    "{at}"
                );
                let text = target.to_string();
                assert!(
                    !text.contains(&format!("{}\\\"", stack.state_machine_arn("failover"))),
                    "{at}: {text}"
                );
                let arn = &target["Arn"];
                if let Some(r) = arn["Ref"].as_str() {
                    let kind = &template["Resources"][r]["Type"];
                    match kind.as_str().unwrap() {
                        "AWS::StepFunctions::StateMachineAlias" => {
                            assert_eq!(
                                target["RoleArn"],
                                json!({ "Fn::GetAtt": ["EventsRole", "Arn"] }),
                                "{at}"
                            )
                        }
                        "AWS::Lambda::Version" => {
                            let function = r.replace("Version", "Function");
                            let f = &template["Resources"][function]["Properties"];
                            assert!(
                                f.get("DeadLetterConfig").is_some(),
                                "{at}: async function without DLQ"
                            );
                        }
                        "AWS::SNS::Topic" => {}
                        other => panic!("{at}: target {other}"),
                    }
                } else {
                    assert!(arn.as_str().unwrap().contains(":event-bus/"), "{at}");
                    assert_eq!(
                        target["RoleArn"],
                        json!({ "Fn::GetAtt": ["EventsRole", "Arn"] }),
                        "{at}"
                    );
                }
            }
        }
        // The failover is started through its alias.
        if let Some((_, rule)) = of_type(&template, "AWS::Events::Rule")
            .into_iter()
            .find(|(id, _)| id.ends_with("PrimaryAlarmRule"))
        {
            let input = rule["Properties"]["Targets"][0]["InputTransformer"]["InputTemplate"]
                .as_str()
                .unwrap();
            assert!(
                input.contains(&format!(
                    ":stateMachine:{}-failover:{ALIAS}\"",
                    stack.shop.name
                )),
                "{input}"
            );
        }
        // The events role starts executions through the alias only: Step Functions authorizes an
        // alias by the unqualified ARN, the qualifier condition narrows it (Step Functions
        // developer guide, "Authorization for versions and aliases").
        let events_role = &template["Resources"]["EventsRole"]["Properties"]["Policies"][0]
            ["PolicyDocument"]["Statement"];
        for s in events_role.as_array().unwrap() {
            if s["Action"] == json!(["states:StartExecution"]) {
                let arn = s["Resource"][0].as_str().unwrap();
                assert!(
                    arn.ends_with(&format!(":stateMachine:{}-preflight", stack.shop.name)),
                    "{arn}"
                );
                assert_eq!(
                    s["Condition"]["StringEquals"]["states:StateMachineQualifier"],
                    ALIAS
                );
            }
        }
        // The dead-letter queue lets exactly this region's rules in.
        let policy = &template["Resources"]["EventsDeadLetterQueuePolicy"]["Properties"]
            ["PolicyDocument"]["Statement"][0];
        assert_eq!(
            policy["Principal"],
            json!({ "Service": "events.amazonaws.com" })
        );
        assert_eq!(
            policy["Condition"]["ArnEquals"]["aws:SourceArn"]
                .as_array()
                .unwrap()
                .len(),
            expected
        );
    }
}

#[test]
fn preflight_alarm_where_preflight_runs() {
    for (label, stack, region, template) in templates() {
        let alarm = &template["Resources"]["FailoverReadyAlarm"];
        let dr = stack.secondary().0 == region;
        assert_eq!(alarm.is_object(), dr, "{label} {region}");
        if dr {
            let p = &alarm["Properties"];
            assert_eq!(p["MetricName"], "FailoverReady");
            assert_eq!(p["Namespace"], format!("wfc/{}", stack.shop.name));
            assert_eq!(p["TreatMissingData"], "breaching");
            assert_eq!(p["AlarmActions"], json!([{ "Ref": "Topic" }]));
        }
        // The topic is encrypted with the stack's key.
        assert_eq!(
            template["Resources"]["Topic"]["Properties"]["KmsMasterKeyId"],
            json!({ "Ref": "Key" })
        );
    }
}

#[test]
fn trust_policies_name_one_service_and_pin_the_account() {
    for (label, stack, region, template) in templates() {
        for (id, role) in of_type(&template, "AWS::IAM::Role") {
            let statements = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
                .as_array()
                .unwrap();
            assert_eq!(statements.len(), 1, "{label} {region} {id}");
            let s = &statements[0];
            let service = s["Principal"]["Service"].as_str().unwrap();
            assert_eq!(s["Principal"].as_object().unwrap().len(), 1);
            assert_eq!(
                s["Condition"]["StringEquals"]["aws:SourceAccount"],
                json!(stack.shop.account_id)
            );
            if service != "lambda.amazonaws.com" {
                let source: &Value = &s["Condition"]["ArnLike"]["aws:SourceArn"];
                assert!(
                    source.as_str().unwrap().starts_with("arn:aws:"),
                    "{id}: {source}"
                );
            }
        }
    }
}

/// The functions that get the RDS CA bundle are the ones whose Lambda handler uses the MySQL
/// client (activities/lambda/src/handlers.rs, read as text: wfc-lambda links the SDK).
#[test]
fn mysql_functions_get_the_rds_ca_bundle() {
    let handlers = include_str!("../../activities/lambda/src/handlers.rs");
    let mut module = "";
    let mut speaking = Vec::new();
    for line in handlers.lines() {
        if let Some(name) = line.strip_prefix("mod ").and_then(|l| l.strip_suffix(" {")) {
            module = name;
        }
        if line.contains("MySqlClient;") {
            speaking.push(module);
        }
    }
    speaking.sort();
    assert_eq!(speaking, wfc_infra::profile::SPEAKS_MYSQL);
    for (label, _, region, template) in templates() {
        for (id, function) in of_type(&template, "AWS::Lambda::Function") {
            let p = &function["Properties"];
            let activity = p["Handler"].as_str().unwrap();
            let bundle = &p["Environment"]["Variables"]["SSL_CERT_FILE"];
            if speaking.contains(&activity) {
                assert_eq!(
                    bundle,
                    wfc_infra::profile::RDS_CA_BUNDLE,
                    "{label} {region} {id}"
                );
            } else {
                assert!(bundle.is_null(), "{label} {region} {id}");
            }
        }
    }
}

/// Alarm and RDS events reach only their own region's default bus: the primary region forwards
/// them to the DR region's bus with a role that may put events there and nowhere else.
#[test]
fn the_primary_region_forwards_to_the_dr_bus() {
    for (label, stack, region, template) in templates() {
        if region != stack.shop.primary_region {
            continue;
        }
        let dr_bus = format!(
            "arn:aws:events:{}:{}:event-bus/default",
            stack.secondary().0,
            stack.shop.account_id
        );
        let rules = of_type(&template, "AWS::Events::Rule");
        assert!(!rules.is_empty(), "{label}");
        for (id, rule) in rules {
            assert!(
                id.ends_with("ForwardRule"),
                "{label}: {id} in the primary region"
            );
            assert_eq!(rule["Properties"]["Targets"][0]["Arn"], dr_bus.as_str());
        }
        let role = &template["Resources"]["EventsRole"]["Properties"]["Policies"][0]
            ["PolicyDocument"]["Statement"];
        for s in role.as_array().unwrap() {
            assert_eq!(s["Action"], json!(["events:PutEvents"]), "{label}");
            assert_eq!(s["Resource"], json!([dr_bus]), "{label}");
        }
    }
}
