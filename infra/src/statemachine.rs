//! A state machine role's policy, read from its definition: `lambda:InvokeFunction` on its own
//! functions (any version: `function:NAME:*`), `sns:Publish` on the topics it publishes to, the
//! IAM action of each `aws-sdk:` task on the resources its parameters name, and X-Ray and the
//! log delivery. An integration this module does not know stops the build, naming the state.

use crate::iam::{self, Statement};
use crate::orchestrator::{function_name, task_activity, tasks, Workflow};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use wfc_stack::Stack;

pub fn statements(
    stack: &Stack,
    region: &str,
    workflow: &Workflow,
) -> Result<Vec<Statement>, String> {
    let partition = iam::partition(region);
    let account = &stack.shop.account_id;
    let mut functions = BTreeSet::new();
    let mut topics = BTreeSet::new();
    // action → resources, in a stable order.
    let mut sdk: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut metric_namespaces = BTreeSet::new();
    for task in tasks(workflow.definition) {
        let resource = task["Resource"].as_str().unwrap_or_default();
        let state = task["Comment"].as_str().unwrap_or(resource);
        if let Some(activity) = task_activity(task) {
            functions.insert(format!(
                "arn:{partition}:lambda:{region}:{account}:function:{}:*",
                function_name(stack, activity)
            ));
        } else if let Some(rest) = resource.strip_prefix("arn:aws:states:::sns:publish") {
            if !rest.is_empty() && rest != ".waitForTaskToken" {
                return Err(unknown(workflow, resource));
            }
            let topic = task["Parameters"]["TopicArn"].as_str().ok_or_else(|| {
                format!(
                    "workflow {}: {state}: sns:publish without a literal TopicArn",
                    workflow.name
                )
            })?;
            topics.insert(topic.to_string());
        } else if let Some(call) = resource.strip_prefix("arn:aws:states:::aws-sdk:") {
            let (service, api) = call
                .split_once(':')
                .ok_or_else(|| unknown(workflow, resource))?;
            let action = format!("{}:{}", iam_prefix(service), upper_first(api));
            let params = &task["Parameters"];
            if action == "cloudwatch:PutMetricData" {
                if let Some(ns) = params["Namespace"].as_str() {
                    metric_namespaces.insert(ns.to_string());
                }
            }
            let resources = sdk_resources(stack, region, &action, params)
                .ok_or_else(|| format!(
                    "workflow {}: task {resource}: no IAM resource scoping for {action}; add it to wfc_infra::statemachine::sdk_resources",
                    workflow.name
                ))?;
            sdk.entry(action).or_default().extend(resources);
        } else {
            return Err(unknown(workflow, resource));
        }
    }

    let mut out = Vec::new();
    if !functions.is_empty() {
        out.push(Statement::new(
            &["lambda:InvokeFunction"],
            functions.into_iter().collect(),
        ));
    }
    if !topics.is_empty() {
        out.push(Statement::new(
            &["sns:Publish"],
            topics.into_iter().collect(),
        ));
        // The topic is encrypted with the stack's key.
        out.push(Statement::on(
            &["kms:Decrypt", "kms:GenerateDataKey"],
            vec![json!({ "Fn::GetAtt": ["Key", "Arn"] })],
        ));
    }
    for (action, resources) in sdk {
        let mut statement = Statement::new(&[action.as_str()], resources.into_iter().collect());
        if action == "cloudwatch:PutMetricData" {
            // Unscopable by resource; the namespace condition keeps it to the shop's metrics.
            statement = statement.with_condition(json!({
                "StringEquals": { "cloudwatch:namespace": metric_namespaces.iter().collect::<Vec<_>>() },
            }));
        }
        out.push(statement);
    }
    out.push(Statement::new(
        &[
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ],
        vec!["*".into()],
    ));
    // Step Functions' log delivery to CloudWatch Logs (Step Functions developer guide, "IAM
    // policies for logging to CloudWatch Logs").
    out.push(Statement::new(
        &[
            "logs:CreateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies",
            "logs:GetLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:UpdateLogDelivery",
        ],
        vec!["*".into()],
    ));
    Ok(out)
}

fn unknown(workflow: &Workflow, resource: &str) -> String {
    format!(
        "workflow {}: task resource {resource}: wfc_infra does not know which IAM permission it needs",
        workflow.name
    )
}

/// The IAM service prefix of an `aws-sdk:` service name.
fn iam_prefix(service: &str) -> &str {
    match service {
        "sfn" => "states",
        other => other,
    }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The resources an `aws-sdk:` call acts on, from its parameters; `None` when unknown here.
fn sdk_resources(stack: &Stack, region: &str, action: &str, params: &Value) -> Option<Vec<String>> {
    let partition = iam::partition(region);
    let account = &stack.shop.account_id;
    Some(match action {
        a if iam::UNSCOPABLE.contains(&a) => vec!["*".into()],
        "route53:ListResourceRecordSets" => vec![format!(
            "arn:{partition}:route53:::hostedzone/{}",
            params["HostedZoneId"].as_str()?
        )],
        "ecs:DescribeServices" => {
            let cluster = params["Cluster"].as_str()?;
            params["Services"]
                .as_array()?
                .iter()
                .map(|s| {
                    Some(format!(
                        "arn:{partition}:ecs:{region}:{account}:service/{cluster}/{}",
                        s.as_str()?
                    ))
                })
                .collect::<Option<Vec<_>>>()?
        }
        // A secret in the state machine's own region (the SDK call goes there).
        "secretsmanager:DescribeSecret" => vec![format!(
            "arn:{partition}:secretsmanager:{region}:{account}:{}",
            iam::secret_resource(params["SecretId"].as_str()?)
        )],
        // The activity roles it simulates live under the shop's path.
        "iam:SimulatePrincipalPolicy" => vec![format!(
            "arn:{partition}:iam::{account}:role{}*",
            crate::orchestrator::role_path(stack)
        )],
        _ => return None,
    })
}
