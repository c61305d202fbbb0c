//! Tasks. A task runs an activity, named by its Rust type, so its input and output schemas and
//! its error names are known. Three integrations: the optimised `lambda:invoke` (the default; its
//! result is the Invoke envelope, the activity's output under `Payload`), the direct Lambda ARN
//! (the output as is), and the `.waitForTaskToken` callback. `aws-sdk:` calls are untyped steps.

use super::{Path, StateBuilder, Step, Workflow};
use crate::asl::{State, Task};
use crate::dsl::choice::FieldRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map as JsonMap, Value};
use std::marker::PhantomData;
use wfc_contract::Activity;

const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";

/// How a task reaches its activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integration {
    /// `arn:aws:states:::lambda:invoke`: result is `{ExecutedVersion, Payload, StatusCode, …}`.
    LambdaInvoke,
    /// The function ARN as `Resource`: result is the function's output.
    LambdaArn,
    /// `lambda:invoke.waitForTaskToken`: result is what `SendTaskSuccess` sends.
    Callback,
}

/// What a callback activity receives: its input and the token to answer with.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CallbackRequest<I> {
    pub input: I,
    pub task_token: String,
}

/// A task step that runs activity `A`.
pub struct TaskStep<A> {
    step: Step,
    integration: Integration,
    _activity: PhantomData<fn() -> A>,
}

impl<A> Clone for TaskStep<A> {
    fn clone(&self) -> Self {
        TaskStep {
            step: self.step.clone(),
            integration: self.integration,
            _activity: PhantomData,
        }
    }
}

impl<A> StateBuilder for TaskStep<A> {
    fn step(&self) -> &Step {
        &self.step
    }
}

impl<A> super::IntoChain for TaskStep<A> {
    fn into_chain(self) -> super::Chain {
        super::Chain::from(self.step)
    }
}

impl<A> super::IntoChain for &TaskStep<A> {
    fn into_chain(self) -> super::Chain {
        super::Chain::from(self.step.clone())
    }
}

/// The placeholder CloudFormation fills with the activity's function ARN.
pub fn function_arn_placeholder(activity: &str) -> String {
    format!("${{{activity}_function_arn}}")
}

/// The placeholder CloudFormation fills with the ARN of the activity's own IAM role.
pub fn role_arn_placeholder(activity: &str) -> String {
    format!("${{{activity}_role_arn}}")
}

/// The activity a function placeholder stands for (`${notify_function_arn}` → `notify`).
pub fn activity_of_placeholder(function: &str) -> Option<&str> {
    function.strip_prefix("${")?.strip_suffix("_function_arn}")
}

impl Workflow {
    /// A task that runs `A` through `lambda:invoke`, handing it the whole state input.
    pub fn task<A: Activity>(&self, name: &str) -> TaskStep<A> {
        let parameters =
            json!({ "FunctionName": function_arn_placeholder(A::NAME), "Payload.$": "$" });
        self.typed_task::<A>(
            name,
            LAMBDA_INVOKE,
            Some(parameters),
            Integration::LambdaInvoke,
            super::schema_of::<A::Input>(),
        )
    }

    /// A task that runs `A` by its function ARN (no envelope around the result).
    pub fn task_by_arn<A: Activity>(&self, name: &str) -> TaskStep<A> {
        self.typed_task::<A>(
            name,
            &function_arn_placeholder(A::NAME),
            None,
            Integration::LambdaArn,
            super::schema_of::<A::Input>(),
        )
    }

    /// A callback task: `A` receives `{input, task_token}` and the execution waits until someone
    /// answers with the token. Give it a timeout.
    pub fn callback<A: Activity>(&self, name: &str) -> TaskStep<A> {
        let parameters = json!({
            "FunctionName": function_arn_placeholder(A::NAME),
            "Payload": { "input.$": "$", "task_token.$": "$$.Task.Token" }
        });
        let resource = format!("{LAMBDA_INVOKE}.waitForTaskToken");
        self.typed_task::<A>(
            name,
            &resource,
            Some(parameters),
            Integration::Callback,
            super::schema_of::<CallbackRequest<A::Input>>(),
        )
    }

    fn typed_task<A: Activity>(
        &self,
        name: &str,
        resource: &str,
        parameters: Option<Value>,
        integration: Integration,
        input_schema: Value,
    ) -> TaskStep<A> {
        let task = Task {
            resource: resource.to_string(),
            ..Default::default()
        };
        let step = self.add(name, State::Task(task));
        step.with_state(|s| s.common_mut().parameters = parameters);
        step.with_node(|n| {
            n.result_schema = Some(super::schema_of::<A::Output>());
            n.activity_input = Some((A::NAME.to_string(), input_schema));
            n.activity_errors = Some(A::ERRORS);
        });
        TaskStep {
            step,
            integration,
            _activity: PhantomData,
        }
    }

    /// An optimised service integration by its resource ARN (e.g.
    /// `arn:aws:states:::sns:publish.waitForTaskToken`) with its `Parameters`; untyped.
    pub fn service_task(&self, name: &str, resource: &str, parameters: Value) -> Step {
        let task = Task {
            resource: resource.to_string(),
            ..Default::default()
        };
        let step = self.add(name, State::Task(task));
        step.with_state(|s| s.common_mut().parameters = Some(parameters));
        step
    }

    /// An AWS SDK service integration, `arn:aws:states:::aws-sdk:<service>:<action>`. Add its
    /// parameters with [`Step::sdk_param`]; they are written in AWS's casing.
    pub fn aws_sdk(&self, name: &str, service: &str, action: &str) -> Step {
        let task = Task {
            resource: format!("arn:aws:states:::aws-sdk:{service}:{action}"),
            ..Default::default()
        };
        let step = self.add(name, State::Task(task));
        step.with_state(|s| s.common_mut().parameters = Some(Value::Object(JsonMap::new())));
        step
    }
}

impl Step {
    /// A parameter of an `aws-sdk:` task: `db_instance_identifier` is written `DbInstanceIdentifier`.
    pub fn sdk_param(self, name: &str, value: impl Into<Value>) -> Self {
        let key = aws_casing(name);
        self.with_state(|s| insert_parameter(s, key, value.into()));
        self
    }

    /// A parameter of an `aws-sdk:` task read from the input.
    pub fn sdk_param_from<F>(self, name: &str, path: &Path<F>) -> Self {
        let key = format!("{}.$", aws_casing(name));
        let value = Value::String(path.text.clone());
        self.with_state(|s| insert_parameter(s, key, value));
        self
    }
}

fn insert_parameter(state: &mut State, key: String, value: Value) {
    if let Some(Value::Object(map)) = &mut state.common_mut().parameters {
        map.insert(key, value);
    }
}

/// AWS SDK integrations take the service API's member names (`DbInstanceIdentifier`); snake_case
/// is turned into that form, names already capitalised are kept.
pub fn aws_casing(name: &str) -> String {
    if name.chars().next().is_some_and(char::is_uppercase) {
        return name.to_string();
    }
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

impl<A: Activity> TaskStep<A> {
    /// The path, in this task's output, of a field of the activity's output: it follows the
    /// task's `ResultPath` and, for `lambda:invoke`, the `Payload` envelope.
    pub fn output<F>(&self, field: FieldRef<A::Output, F>) -> Path<F> {
        self.output_root().at(field)
    }

    /// The path of the activity's whole output in this task's output.
    pub fn output_root(&self) -> Path<A::Output> {
        let graph = self.step.graph.borrow();
        let base = match &graph.nodes[self.step.id].state.common().result_path {
            None => "$".to_string(),
            Some(Some(path)) => path.clone(),
            Some(None) => "$".to_string(), // discarded: the data-flow check reports any read
        };
        let base = if base == "$" {
            String::new()
        } else {
            base.trim_start_matches('$').to_string()
        };
        let envelope = if self.integration == Integration::LambdaInvoke {
            ".Payload"
        } else {
            ""
        };
        Path::raw(&format!("${base}{envelope}"))
    }

    /// Hands the activity a payload built from paths of the state input, instead of the whole
    /// input: `[("db_instance_id", path.as_str())]`.
    pub fn payload(self, fields: &[(&str, &str)]) -> Self {
        let mut payload = JsonMap::new();
        for (name, path) in fields {
            payload.insert(format!("{name}.$"), Value::String(path.to_string()));
        }
        self.payload_template(Value::Object(payload))
    }

    /// Hands the activity a fixed input known when the workflow is built (typed, so it conforms
    /// by construction), with the named fields (`connection.host` for a nested one) read from the
    /// state input instead:
    /// `.input(&CheckReplicaInput { .. }, &[("rpo_override", "$.rpo_override")])`.
    pub fn input(self, fixed: &A::Input, from_state: &[(&str, &str)]) -> Self
    where
        A: Activity,
    {
        let mut payload = match serde_json::to_value(fixed) {
            Ok(Value::Object(map)) => map,
            _ => JsonMap::new(),
        };
        for (name, path) in from_state {
            // `connection.host` names a field of a nested object of the input.
            let mut fields: Vec<&str> = name.split('.').collect();
            let last = fields.pop().unwrap_or_default();
            let mut map = &mut payload;
            for field in fields {
                let entry = map
                    .entry(field.to_string())
                    .or_insert_with(|| Value::Object(JsonMap::new()));
                if !entry.is_object() {
                    *entry = Value::Object(JsonMap::new());
                }
                map = entry.as_object_mut().expect("made an object above");
            }
            map.remove(last);
            map.insert(format!("{last}.$"), Value::String(path.to_string()));
        }
        self.payload_template(Value::Object(payload))
    }

    /// Makes this `lambda:invoke` task wait for its token (`.waitForTaskToken`): the function
    /// gets its payload (give it `$$.Task.Token`) and returns at once; the task ends when someone
    /// answers the token, with what they send, typed as the activity's output.
    pub fn wait_for_task_token(mut self) -> Self {
        if self.integration == Integration::LambdaInvoke {
            self.step.with_state(|s| {
                if let State::Task(t) = s {
                    t.resource = format!("{LAMBDA_INVOKE}.waitForTaskToken");
                }
            });
            self.integration = Integration::Callback;
        }
        self
    }

    /// Hands the activity this payload template (keys ending in `.$` read paths or intrinsics).
    pub fn payload_template(self, template: Value) -> Self {
        self.step.with_state(|s| {
            if let Some(Value::Object(parameters)) = &mut s.common_mut().parameters {
                parameters.remove("Payload.$");
                parameters.insert("Payload".into(), template.clone());
            }
        });
        self
    }

    pub fn integration(&self) -> Integration {
        self.integration
    }

    /// The untyped handle (to use where any step goes).
    pub fn step_handle(&self) -> Step {
        self.step.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::aws_casing;

    #[test]
    fn aws_casing_follows_the_sdk_member_names() {
        assert_eq!(aws_casing("db_instance_identifier"), "DbInstanceIdentifier");
        assert_eq!(aws_casing("DBInstanceIdentifier"), "DBInstanceIdentifier");
        assert_eq!(aws_casing("topic_arn"), "TopicArn");
    }
}
