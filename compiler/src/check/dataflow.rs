//! Typed data flow. Starting from the execution input's JSON Schema and each task's result
//! schema, the shape of every state's input is computed through the graph, following AWS's
//! pipeline (`InputPath` → `Parameters` → result → `ResultSelector` → `ResultPath` →
//! `OutputPath`). Every path a state reads must exist in the shape it reads from; a miss is an
//! error that lists the fields that do exist there.
//!
//! Only JSONPath states are typed; a JSONata state's output is unknown (`Shape::Any`).

use super::{state_label, CheckContext, Sink};
use crate::asl::intrinsic::{parse_intrinsic, Arg, IntrinsicCall, JsonType as ReturnType};
use crate::asl::path::{JsonPath, PathRoot, PathStep};
use crate::asl::{
    ChoiceRule, ComparisonKind, QueryLanguage, ScopePath, State, StateMachine, States,
};
use crate::diagnostic::Diagnostic;
use serde_json::{Map as JsonMap, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// What is statically known of a JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Nothing is known: every path is accepted.
    Any,
    Null,
    Bool,
    Number,
    String,
    Array(Box<Shape>),
    /// A fixed-length array (Parallel results), element by element.
    Tuple(Vec<Shape>),
    /// An object with known fields. `rest` is the shape of any other key (a map), if allowed.
    Object {
        fields: BTreeMap<String, Field>,
        rest: Option<Box<Shape>>,
    },
    /// One of several shapes (optional fields are `OneOf[T, Null]`).
    OneOf(Vec<Shape>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub shape: Shape,
    pub required: bool,
}

impl Shape {
    pub fn object(fields: impl IntoIterator<Item = (&'static str, Shape)>) -> Shape {
        Shape::Object {
            fields: fields
                .into_iter()
                .map(|(k, s)| {
                    (
                        k.to_string(),
                        Field {
                            shape: s,
                            required: true,
                        },
                    )
                })
                .collect(),
            rest: None,
        }
    }

    /// The shape a JSON Schema describes (draft 2020-12 as `schemars` writes it, `$defs` refs).
    pub fn from_schema(schema: &Value) -> Shape {
        from_schema(schema, schema, 0)
    }

    /// The shape of a literal JSON value.
    pub fn of_value(value: &Value) -> Shape {
        match value {
            Value::Null => Shape::Null,
            Value::Bool(_) => Shape::Bool,
            Value::Number(_) => Shape::Number,
            Value::String(_) => Shape::String,
            Value::Array(items) => Shape::Tuple(items.iter().map(Shape::of_value).collect()),
            Value::Object(map) => Shape::Object {
                fields: map
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            Field {
                                shape: Shape::of_value(v),
                                required: true,
                            },
                        )
                    })
                    .collect(),
                rest: None,
            },
        }
    }

    /// Least upper bound: what a state's input is when control can come from several places.
    pub fn join(self, other: Shape) -> Shape {
        match (self, other) {
            (a, b) if a == b => a,
            (Shape::Any, _) | (_, Shape::Any) => Shape::Any,
            (
                Shape::Object {
                    fields: a,
                    rest: ra,
                },
                Shape::Object {
                    fields: b,
                    rest: rb,
                },
            ) => {
                let mut fields = BTreeMap::new();
                for (name, fa) in &a {
                    let field = match b.get(name) {
                        Some(fb) => Field {
                            shape: fa.shape.clone().join(fb.shape.clone()),
                            required: fa.required && fb.required,
                        },
                        None => Field {
                            shape: fa.shape.clone(),
                            required: false,
                        },
                    };
                    fields.insert(name.clone(), field);
                }
                for (name, fb) in b {
                    fields.entry(name).or_insert(Field {
                        shape: fb.shape,
                        required: false,
                    });
                }
                let rest = match (ra, rb) {
                    (Some(x), Some(y)) => Some(Box::new(x.join(*y))),
                    (x, y) => x.or(y),
                };
                Shape::Object { fields, rest }
            }
            (Shape::OneOf(mut items), other) | (other, Shape::OneOf(mut items)) => {
                if !items.contains(&other) {
                    items.push(other);
                }
                Shape::OneOf(items)
            }
            (a, b) => Shape::OneOf(vec![a, b]),
        }
    }

    fn describe(&self) -> String {
        match self {
            Shape::Any => "any value".into(),
            Shape::Null => "null".into(),
            Shape::Bool => "a boolean".into(),
            Shape::Number => "a number".into(),
            Shape::String => "a string".into(),
            Shape::Array(_) | Shape::Tuple(_) => "an array".into(),
            Shape::Object { .. } => "an object".into(),
            Shape::OneOf(items) => items
                .iter()
                .map(Shape::describe)
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }

    /// Whether a value of this shape can be of the kind a Choice operator compares.
    fn can_be(&self, kind: ComparisonKind) -> bool {
        match self {
            // `IsPresent`, `IsNull`, `IsBoolean`, …: any field may be tested.
            _ if kind == ComparisonKind::TypeTest => true,
            Shape::Any => true,
            Shape::OneOf(items) => items.iter().any(|s| s.can_be(kind)),
            Shape::Number => kind == ComparisonKind::Numeric,
            Shape::String => matches!(kind, ComparisonKind::String | ComparisonKind::Timestamp),
            Shape::Bool => kind == ComparisonKind::Boolean,
            _ => false,
        }
    }
}

fn from_schema(schema: &Value, root: &Value, depth: usize) -> Shape {
    if depth > 32 {
        return Shape::Any; // recursive types: stop unfolding
    }
    let Some(map) = schema.as_object() else {
        return Shape::Any; // `true` or an odd schema
    };
    if let Some(Value::String(reference)) = map.get("$ref") {
        let target = reference
            .strip_prefix("#/$defs/")
            .and_then(|n| root.get("$defs").and_then(|d| d.get(n)))
            .or_else(|| {
                reference
                    .strip_prefix("#/definitions/")
                    .and_then(|n| root.get("definitions").and_then(|d| d.get(n)))
            });
        return target.map_or(Shape::Any, |t| from_schema(t, root, depth + 1));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = map.get(key) {
            return options
                .iter()
                .map(|o| from_schema(o, root, depth + 1))
                .reduce(Shape::join)
                .unwrap_or(Shape::Any);
        }
    }
    if let Some(Value::Array(values)) = map.get("enum") {
        return values
            .iter()
            .map(Shape::of_value)
            .reduce(Shape::join)
            .unwrap_or(Shape::Any);
    }
    if let Some(value) = map.get("const") {
        return Shape::of_value(value);
    }
    match map.get("type") {
        Some(Value::String(t)) => typed(t, map, root, depth),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .map(|t| typed(t, map, root, depth))
            .reduce(Shape::join)
            .unwrap_or(Shape::Any),
        _ => Shape::Any,
    }
}

fn typed(t: &str, map: &JsonMap<String, Value>, root: &Value, depth: usize) -> Shape {
    match t {
        "null" => Shape::Null,
        "boolean" => Shape::Bool,
        "integer" | "number" => Shape::Number,
        "string" => Shape::String,
        "array" => match map.get("prefixItems") {
            Some(Value::Array(items)) => Shape::Tuple(
                items
                    .iter()
                    .map(|i| from_schema(i, root, depth + 1))
                    .collect(),
            ),
            _ => Shape::Array(Box::new(
                map.get("items")
                    .map_or(Shape::Any, |i| from_schema(i, root, depth + 1)),
            )),
        },
        "object" => {
            let required: Vec<&str> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let properties = map.get("properties").and_then(Value::as_object);
            let fields = properties
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                Field {
                                    shape: from_schema(v, root, depth + 1),
                                    required: required.contains(&k.as_str()),
                                },
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            // A struct (with properties) is closed unless it declares a map of extra keys.
            let rest = match map.get("additionalProperties") {
                Some(Value::Bool(false)) => None,
                Some(extra @ Value::Object(_)) => {
                    Some(Box::new(from_schema(extra, root, depth + 1)))
                }
                _ if properties.is_none() => Some(Box::new(Shape::Any)),
                _ => None,
            };
            Shape::Object { fields, rest }
        }
        _ => Shape::Any,
    }
}

/// A path that does not exist: how far it got, and what exists there instead.
struct Miss {
    /// The path up to and including the step that failed, e.g. `$.replica.lagSeconds`.
    failed_at: String,
    /// The path of the value that was looked into, e.g. `$.replica`.
    parent: String,
    found: String,
}

/// Follows reference-path steps through a shape.
fn select(shape: &Shape, root: &str, steps: &[PathStep]) -> Result<Shape, Miss> {
    let mut current = shape.clone();
    let mut walked = root.to_string();
    for step in steps {
        let parent = walked.clone();
        walked.push_str(&step_text(step));
        current = step_into(&current, step).ok_or_else(|| Miss {
            failed_at: walked.clone(),
            parent,
            found: what_is_there(&current),
        })?;
    }
    Ok(current)
}

fn step_text(step: &PathStep) -> String {
    match step {
        PathStep::Field(name) if name.chars().all(|c| c.is_alphanumeric() || c == '_') => {
            format!(".{name}")
        }
        PathStep::Field(name) => format!("['{name}']"),
        PathStep::Index(i) => format!("[{i}]"),
    }
}

fn step_into(shape: &Shape, step: &PathStep) -> Option<Shape> {
    match (shape, step) {
        (Shape::Any, _) => Some(Shape::Any),
        (Shape::OneOf(items), _) => items
            .iter()
            .filter_map(|s| step_into(s, step))
            .reduce(Shape::join),
        (Shape::Object { fields, rest }, PathStep::Field(name)) => fields
            .get(name)
            .map(|f| f.shape.clone())
            .or_else(|| rest.as_ref().map(|r| (**r).clone())),
        (Shape::Array(item), PathStep::Index(_)) => Some((**item).clone()),
        (Shape::Tuple(items), PathStep::Index(i)) => {
            let i = if *i < 0 { items.len() as i64 + i } else { *i };
            usize::try_from(i).ok().and_then(|i| items.get(i).cloned())
        }
        _ => None,
    }
}

fn what_is_there(shape: &Shape) -> String {
    match shape {
        Shape::Object { fields, .. } if !fields.is_empty() => {
            format!(
                "fields that exist there: {}",
                fields
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Shape::Object { .. } => "it is an empty object".into(),
        Shape::OneOf(items) => {
            let names: Vec<&str> = items
                .iter()
                .filter_map(|s| match s {
                    Shape::Object { fields, .. } => Some(fields.keys().map(String::as_str)),
                    _ => None,
                })
                .flatten()
                .collect();
            if names.is_empty() {
                format!("it is {}", shape.describe())
            } else {
                format!("fields that exist there: {}", names.join(", "))
            }
        }
        other => format!("it is {}", other.describe()),
    }
}

/// Writes `value` at a reference path inside `target`, as `ResultPath` does.
fn place(target: &Shape, steps: &[PathStep], value: Shape) -> Shape {
    let Some((first, rest)) = steps.split_first() else {
        return value;
    };
    match (target, first) {
        (
            Shape::Object {
                fields,
                rest: extra,
            },
            PathStep::Field(name),
        ) => {
            let mut fields = fields.clone();
            let inner = fields
                .get(name)
                .map(|f| f.shape.clone())
                .unwrap_or(Shape::object([]));
            fields.insert(
                name.clone(),
                Field {
                    shape: place(&inner, rest, value),
                    required: true,
                },
            );
            Shape::Object {
                fields,
                rest: extra.clone(),
            }
        }
        (Shape::Any, _) => Shape::Any,
        (_, PathStep::Field(name)) if matches!(target, Shape::Null) => {
            let mut fields = BTreeMap::new();
            fields.insert(
                name.clone(),
                Field {
                    shape: place(&Shape::object([]), rest, value),
                    required: true,
                },
            );
            Shape::Object { fields, rest: None }
        }
        _ => Shape::Any,
    }
}

fn context_shape(input: &Shape, map_item: Option<&Shape>) -> Shape {
    let item = Shape::object([
        ("Index", Shape::Number),
        ("Value", map_item.cloned().unwrap_or(Shape::Any)),
        ("Key", Shape::String),
        ("Source", Shape::String),
    ]);
    Shape::object([
        (
            "Execution",
            Shape::object([
                ("Id", Shape::String),
                ("Input", input.clone()),
                ("Name", Shape::String),
                ("RoleArn", Shape::String),
                ("StartTime", Shape::String),
                ("RedriveCount", Shape::Number),
                ("RedriveTime", Shape::String),
            ]),
        ),
        (
            "State",
            Shape::object([
                ("EnteredTime", Shape::String),
                ("Name", Shape::String),
                ("RetryCount", Shape::Number),
            ]),
        ),
        (
            "StateMachine",
            Shape::object([("Id", Shape::String), ("Name", Shape::String)]),
        ),
        ("Task", Shape::object([("Token", Shape::String)])),
        ("Map", Shape::object([("Item", item)])),
    ])
}

/// The error output a Catch hands on.
fn error_output() -> Shape {
    Shape::object([("Error", Shape::String), ("Cause", Shape::String)])
}

/// What one scope's walk needs to know.
struct Scope<'a> {
    label: ScopePath,
    states: &'a States,
    start_at: &'a str,
    /// The shape of `$$` here (Execution.Input and, inside a Map, the item).
    context: Shape,
}

struct Flow<'a, 'b> {
    context: &'a CheckContext,
    language: QueryLanguage,
    execution_input: Shape,
    sink: Option<&'a mut Sink<'b>>,
}

pub(super) fn check(machine: &StateMachine, context: &CheckContext, sink: &mut Sink) {
    let input = context
        .input_schema
        .as_ref()
        .map_or(Shape::Any, Shape::from_schema);
    let mut flow = Flow {
        context,
        language: machine.query_language(),
        execution_input: input.clone(),
        sink: Some(sink),
    };
    let scope = Scope {
        label: ScopePath::root(),
        states: &machine.states,
        start_at: &machine.start_at,
        context: context_shape(&input, None),
    };
    flow.run_scope(&scope, input);
}

impl Flow<'_, '_> {
    /// Propagates shapes through one scope to a fixed point, then reports once with the final
    /// input shapes. Returns the join of the outputs of its end states.
    fn run_scope(&mut self, scope: &Scope, input: Shape) -> Shape {
        let mut inputs: HashMap<&str, Shape> = HashMap::new();
        let mut visits: HashMap<&str, usize> = HashMap::new();
        let mut queue: VecDeque<&str> = VecDeque::new();
        if !scope.states.contains_key(scope.start_at) {
            return Shape::Any;
        }
        inputs.insert(scope.start_at, input);
        queue.push_back(scope.start_at);
        // Fixed point without reporting: a state is re-run when its input grows; after a few
        // rounds its input is widened to Any so loops always terminate.
        let reporting = self.sink.take();
        while let Some(name) = queue.pop_front() {
            let Some(state) = scope.states.get(name) else {
                continue;
            };
            *visits.entry(name).or_insert(0) += 1;
            let state_input = inputs[name].clone();
            for (target, shape) in self.successors(scope, name, state, &state_input) {
                let Some((key, _)) = scope.states.get_key_value(target) else {
                    continue;
                };
                let joined = match inputs.get(key.as_str()) {
                    Some(old) => old.clone().join(shape),
                    None => shape,
                };
                if inputs.get(key.as_str()) != Some(&joined) {
                    // After a few rounds a growing input is widened to Any, the top, so loops end.
                    let widened = if visits.get(key.as_str()).copied().unwrap_or(0) >= 6 {
                        Shape::Any
                    } else {
                        joined
                    };
                    inputs.insert(key.as_str(), widened);
                    queue.push_back(key.as_str());
                }
            }
        }
        self.sink = reporting;
        let mut end_output: Option<Shape> = None;
        for (name, state) in scope.states {
            let Some(state_input) = inputs.get(name.as_str()).cloned() else {
                continue;
            };
            let output = self.output(scope, name, state, &state_input);
            if state.is_terminal() && !matches!(state, State::Fail(_)) {
                end_output = Some(match end_output {
                    Some(o) => o.join(output),
                    None => output,
                });
            }
        }
        end_output.unwrap_or(Shape::Any)
    }

    /// The shapes handed to each successor of a state (silent: used during the fixed point).
    fn successors<'s>(
        &mut self,
        scope: &Scope,
        name: &str,
        state: &'s State,
        input: &Shape,
    ) -> Vec<(&'s str, Shape)> {
        let output = self.output(scope, name, state, input);
        let mut out = Vec::new();
        if let Some(next) = &state.common().next {
            out.push((next.as_str(), output.clone()));
        }
        if let State::Choice(choice) = state {
            for rule in &choice.choices {
                if let Some(next) = &rule.next {
                    out.push((next.as_str(), output.clone()));
                }
            }
            if let Some(default) = &choice.default {
                out.push((default.as_str(), output.clone()));
            }
        }
        if let Some(handling) = state.error_handling() {
            for catcher in handling.catch.iter().flatten() {
                let shape = match &catcher.result_path {
                    None => error_output(),
                    Some(None) => input.clone(),
                    Some(Some(path)) => self.place_at(input, path, error_output()),
                };
                out.push((catcher.next.as_str(), shape));
            }
        }
        out
    }

    /// The output of a state given its input; reports problems when a sink is attached.
    fn output(&mut self, scope: &Scope, name: &str, state: &State, input: &Shape) -> Shape {
        let label = state_label(&scope.label, name);
        let language = state.common().query_language.unwrap_or(self.language);
        if language == QueryLanguage::JSONata {
            // A JSONata Choice without an `Output` passes its input on as it is.
            if let State::Choice(choice) = state {
                if choice.common.output.is_none()
                    && choice.choices.iter().all(|r| r.output.is_none())
                {
                    return input.clone();
                }
            }
            return Shape::Any;
        }
        let common = state.common();
        let effective = match &common.input_path {
            None => input.clone(),
            Some(None) => Shape::object([]),
            Some(Some(path)) => self.read(input, path, &scope.context, &label, "InputPath"),
        };
        let parameters = common
            .parameters
            .as_ref()
            .map(|t| self.template(t, &effective, &scope.context, &label, "Parameters"));
        let after_parameters = parameters.clone().unwrap_or_else(|| effective.clone());
        let result = match state {
            State::Pass(pass) => pass
                .result
                .as_ref()
                .map_or(after_parameters, Shape::of_value),
            State::Task(task) => {
                for (field, path) in [
                    ("TimeoutSecondsPath", &task.timeout_seconds_path),
                    ("HeartbeatSecondsPath", &task.heartbeat_seconds_path),
                ] {
                    if let Some(path) = path {
                        self.read_typed(
                            &effective,
                            path,
                            &scope.context,
                            &label,
                            field,
                            ComparisonKind::Numeric,
                        );
                    }
                }
                self.activity_input(name, task, parameters.as_ref(), &after_parameters, &label);
                self.task_result(name, &task.resource)
            }
            State::Choice(choice) => {
                for (i, rule) in choice.choices.iter().enumerate() {
                    self.rule(
                        rule,
                        &effective,
                        &scope.context,
                        &label,
                        &format!("Choices[{i}]"),
                    );
                }
                return self.output_path(&effective, common, &scope.context, &label);
            }
            State::Wait(wait) => {
                if let Some(path) = &wait.seconds_path {
                    self.read_typed(
                        &effective,
                        path,
                        &scope.context,
                        &label,
                        "SecondsPath",
                        ComparisonKind::Numeric,
                    );
                }
                if let Some(path) = &wait.timestamp_path {
                    self.read_typed(
                        &effective,
                        path,
                        &scope.context,
                        &label,
                        "TimestampPath",
                        ComparisonKind::Timestamp,
                    );
                }
                return self.output_path(&effective, common, &scope.context, &label);
            }
            State::Succeed(_) => {
                return self.output_path(&effective, common, &scope.context, &label)
            }
            State::Fail(fail) => {
                for (field, path) in [
                    ("ErrorPath", &fail.error_path),
                    ("CausePath", &fail.cause_path),
                ] {
                    if let Some(path) = path {
                        self.value_source(path, &effective, &scope.context, &label, field);
                    }
                }
                return Shape::Any;
            }
            State::Parallel(parallel) => {
                let mut outputs = Vec::new();
                for (i, branch) in parallel.branches.iter().enumerate() {
                    let inner = Scope {
                        label: scope.label.child(format!("{name} › Branches[{i}]")),
                        states: &branch.states,
                        start_at: &branch.start_at,
                        context: scope.context.clone(),
                    };
                    outputs.push(self.run_scope(&inner, after_parameters.clone()));
                }
                Shape::Tuple(outputs)
            }
            State::Map(map) => {
                let items = match &map.items_path {
                    Some(path) => self.read(&effective, path, &scope.context, &label, "ItemsPath"),
                    None => effective.clone(),
                };
                let item = match &items {
                    Shape::Array(item) => (**item).clone(),
                    Shape::Tuple(items) => items
                        .iter()
                        .cloned()
                        .reduce(Shape::join)
                        .unwrap_or(Shape::Any),
                    Shape::Any | Shape::OneOf(_) => Shape::Any,
                    other if map.item_reader.is_none() => {
                        self.report(
                            Diagnostic::error(
                                "dataflow-type",
                                format!(
                                    "ItemsPath must select an array, but it selects {}",
                                    other.describe()
                                ),
                            )
                            .at_state(label.clone())
                            .at_field("ItemsPath"),
                        );
                        Shape::Any
                    }
                    _ => Shape::Any,
                };
                let context = context_shape(&self.execution_input, Some(&item));
                let selector = map.item_selector.as_ref().or(common.parameters.as_ref());
                let item_input = match selector {
                    Some(t) => self.template(
                        t,
                        &effective,
                        &context,
                        &label,
                        if map.item_selector.is_some() {
                            "ItemSelector"
                        } else {
                            "Parameters"
                        },
                    ),
                    None if map.item_batcher.is_some() => Shape::object([
                        ("Items", Shape::Array(Box::new(item.clone()))),
                        ("BatchInput", Shape::Any),
                    ]),
                    None => item.clone(),
                };
                let result = match map.processor() {
                    Some(processor) => {
                        let inner = Scope {
                            label: scope.label.child(format!(
                                "{name} › {}",
                                if map.item_processor.is_some() {
                                    "ItemProcessor"
                                } else {
                                    "Iterator"
                                }
                            )),
                            states: &processor.states,
                            start_at: &processor.start_at,
                            context,
                        };
                        self.run_scope(&inner, item_input)
                    }
                    None => Shape::Any,
                };
                if map.result_writer.is_some() {
                    Shape::Any
                } else {
                    Shape::Array(Box::new(result))
                }
            }
        };
        let selected = match &common.result_selector {
            Some(t) => self.template(t, &result, &scope.context, &label, "ResultSelector"),
            None => result,
        };
        let combined = match &common.result_path {
            None => selected,
            Some(None) => input.clone(),
            Some(Some(path)) => self.place_at(input, path, selected),
        };
        self.output_path(&combined, common, &scope.context, &label)
    }

    fn output_path(
        &mut self,
        shape: &Shape,
        common: &crate::asl::Common,
        context: &Shape,
        label: &str,
    ) -> Shape {
        match &common.output_path {
            None => shape.clone(),
            Some(None) => Shape::object([]),
            Some(Some(path)) => self.read(shape, path, context, label, "OutputPath"),
        }
    }

    /// A task's raw result: the activity's output, inside the `lambda:invoke` envelope when
    /// the optimised integration is used.
    fn task_result(&self, name: &str, resource: &str) -> Shape {
        let Some(schema) = self.context.task_results.get(name) else {
            return Shape::Any;
        };
        let output = Shape::from_schema(schema);
        if resource.starts_with("arn:aws:states:::lambda:invoke")
            && !resource.ends_with(".waitForTaskToken")
        {
            Shape::object([
                ("ExecutedVersion", Shape::String),
                ("Payload", output),
                ("StatusCode", Shape::Number),
                ("SdkHttpMetadata", Shape::Any),
                ("SdkResponseMetadata", Shape::Any),
            ])
        } else {
            output
        }
    }

    /// What the task hands its activity must have what the activity's input type requires.
    fn activity_input(
        &mut self,
        name: &str,
        task: &crate::asl::Task,
        parameters: Option<&Shape>,
        effective: &Shape,
        label: &str,
    ) {
        let Some((activity, schema)) = self.context.task_inputs.get(name) else {
            return;
        };
        let invoke = task.resource.starts_with("arn:aws:states:::lambda:invoke");
        let (given, field) = match (invoke, parameters) {
            (true, Some(p)) => (
                step_into(p, &PathStep::Field("Payload".into())).unwrap_or(Shape::Any),
                "Parameters.Payload",
            ),
            (true, None) => (Shape::Any, "Parameters"),
            (false, _) => (effective.clone(), "Parameters"),
        };
        let wanted = Shape::from_schema(schema);
        let mut problems = Vec::new();
        conforms(&given, &wanted, "$", &mut problems);
        for problem in problems {
            self.report(
                Diagnostic::error(
                    "activity-input",
                    format!("the activity {activity} {problem}"),
                )
                .at_state(label.to_string())
                .at_field(field)
                .with_hint(format!(
                    "the payload has {}",
                    what_is_there(&given).trim_start_matches("fields that exist there: ")
                )),
            );
        }
    }

    fn place_at(&self, target: &Shape, path: &str, value: Shape) -> Shape {
        match JsonPath::parse(path).ok().and_then(|p| p.fields()) {
            Some(steps) => place(target, &steps, value),
            None => Shape::Any,
        }
    }

    /// A payload template (`Parameters`, `ResultSelector`, `ItemSelector`): its shape, checking
    /// every `.$` path against `source`.
    fn template(
        &mut self,
        template: &Value,
        source: &Shape,
        context: &Shape,
        label: &str,
        field: &str,
    ) -> Shape {
        match template {
            Value::Object(map) => {
                let mut fields = BTreeMap::new();
                for (key, value) in map {
                    let at = format!("{field}.{key}");
                    let (name, shape) = match (key.strip_suffix(".$"), value) {
                        (Some(name), Value::String(source_text)) => (
                            name,
                            self.value_source(source_text, source, context, label, &at),
                        ),
                        (Some(name), _) => (name, Shape::Any),
                        (None, nested) => (
                            key.as_str(),
                            self.template(nested, source, context, label, &at),
                        ),
                    };
                    fields.insert(
                        name.to_string(),
                        Field {
                            shape,
                            required: true,
                        },
                    );
                }
                Shape::Object { fields, rest: None }
            }
            Value::Array(items) => Shape::Tuple(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        self.template(v, source, context, label, &format!("{field}[{i}]"))
                    })
                    .collect(),
            ),
            literal => Shape::of_value(literal),
        }
    }

    /// The shape of a `.$` value: a path, a context path, a variable, or an intrinsic call.
    fn value_source(
        &mut self,
        text: &str,
        source: &Shape,
        context: &Shape,
        label: &str,
        field: &str,
    ) -> Shape {
        if text.starts_with("States.") {
            return match parse_intrinsic(text) {
                Ok(call) => self.intrinsic(&call, source, context, label, field),
                Err(_) => Shape::Any, // syntax is reported by the paths check
            };
        }
        self.read(source, text, context, label, field)
    }

    fn intrinsic(
        &mut self,
        call: &IntrinsicCall,
        source: &Shape,
        context: &Shape,
        label: &str,
        field: &str,
    ) -> Shape {
        for arg in &call.args {
            match arg {
                Arg::Path(path) => {
                    self.read(source, &path.to_string(), context, label, field);
                }
                Arg::Call(inner) => {
                    self.intrinsic(inner, source, context, label, field);
                }
                _ => {}
            }
        }
        match call.function.returns() {
            ReturnType::String => Shape::String,
            ReturnType::Number => Shape::Number,
            ReturnType::Boolean => Shape::Bool,
            ReturnType::Array => Shape::Array(Box::new(Shape::Any)),
            _ => Shape::Any,
        }
    }

    /// Reads a path from `source` (or `$$` from `context`); reports a path that does not exist.
    fn read(
        &mut self,
        source: &Shape,
        text: &str,
        context: &Shape,
        label: &str,
        field: &str,
    ) -> Shape {
        let Ok(path) = JsonPath::parse(text) else {
            return Shape::Any;
        };
        let Some(steps) = path.fields() else {
            return Shape::Any;
        };
        let (root, base) = match &path.root {
            PathRoot::Input => (source, "$"),
            PathRoot::Context => (context, "$$"),
            PathRoot::Variable(_) => return Shape::Any,
        };
        match select(root, base, &steps) {
            Ok(shape) => shape,
            Err(miss) => {
                let what = if base == "$$" {
                    "the context object"
                } else {
                    "this state's input"
                };
                self.report(
                    Diagnostic::error(
                        "unknown-path",
                        format!(
                            "{text} does not exist in {what}: {} has no {}",
                            miss.parent,
                            &miss.failed_at[miss.parent.len()..].trim_start_matches('.')
                        ),
                    )
                    .at_state(label.to_string())
                    .at_field(field.to_string())
                    .with_hint(miss.found),
                );
                Shape::Any
            }
        }
    }

    fn read_typed(
        &mut self,
        source: &Shape,
        text: &str,
        context: &Shape,
        label: &str,
        field: &str,
        kind: ComparisonKind,
    ) {
        let shape = self.read(source, text, context, label, field);
        if !shape.can_be(kind) {
            let wanted = match kind {
                ComparisonKind::Numeric => "a number",
                _ => "a timestamp string",
            };
            self.report(
                Diagnostic::error(
                    "dataflow-type",
                    format!("must point at {wanted}, but {text} is {}", shape.describe()),
                )
                .at_state(label.to_string())
                .at_field(field.to_string()),
            );
        }
    }

    fn rule(&mut self, rule: &ChoiceRule, input: &Shape, context: &Shape, label: &str, at: &str) {
        if let Some(variable) = &rule.variable {
            let shape = self.read(input, variable, context, label, &format!("{at}.Variable"));
            for (op, operand) in rule.comparisons() {
                if !shape.can_be(op.kind) {
                    let compares = match op.kind {
                        ComparisonKind::String => "strings",
                        ComparisonKind::Numeric => "numbers",
                        ComparisonKind::Boolean => "booleans",
                        ComparisonKind::Timestamp => "timestamps",
                        ComparisonKind::TypeTest => "any value",
                    };
                    self.report(
                        Diagnostic::error(
                            "choice-type-mismatch",
                            format!(
                                "{} compares {compares}, but {variable} is {}",
                                op.name,
                                shape.describe()
                            ),
                        )
                        .at_state(label.to_string())
                        .at_field(format!("{at}.{}", op.name))
                        .with_hint("use the operator family that matches the field's type"),
                    );
                }
                if op.is_path {
                    if let Some(other) = operand.as_str() {
                        self.read(input, other, context, label, &format!("{at}.{}", op.name));
                    }
                }
            }
        }
        for (field, nested) in rule.nested() {
            self.rule(nested, input, context, label, &format!("{at}.{field}"));
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        if let Some(sink) = self.sink.as_deref_mut() {
            sink.push(diagnostic);
        }
    }
}

/// Where `given` cannot be a value of `wanted`: missing required fields and clashing scalars.
fn conforms(given: &Shape, wanted: &Shape, at: &str, problems: &mut Vec<String>) {
    match (given, wanted) {
        (Shape::Any, _) | (_, Shape::Any) => {}
        (Shape::OneOf(items), _) => {
            // Optional values (T or null) are judged by their non-null part.
            let present: Vec<&Shape> = items.iter().filter(|s| **s != Shape::Null).collect();
            if let [only] = present.as_slice() {
                conforms(only, wanted, at, problems);
            }
        }
        (_, Shape::OneOf(options)) => {
            let fits = options.iter().any(|o| {
                let mut p = Vec::new();
                conforms(given, o, at, &mut p);
                p.is_empty()
            });
            if !fits {
                problems.push(format!(
                    "needs {} at {at}, but it gets {}",
                    wanted.describe(),
                    given.describe()
                ));
            }
        }
        (
            Shape::Object { fields, rest },
            Shape::Object {
                fields: wanted_fields,
                ..
            },
        ) => {
            for (name, field) in wanted_fields {
                match fields.get(name) {
                    Some(have) => {
                        conforms(&have.shape, &field.shape, &format!("{at}.{name}"), problems)
                    }
                    None if field.required && rest.is_none() => problems.push(format!(
                        "needs {at}.{name} ({}), which the state does not hand it",
                        field.shape.describe()
                    )),
                    None => {}
                }
            }
        }
        (Shape::Tuple(_) | Shape::Array(_), Shape::Array(_) | Shape::Tuple(_)) => {}
        (Shape::Number, Shape::Number)
        | (Shape::String, Shape::String)
        | (Shape::Bool, Shape::Bool)
        | (Shape::Null, Shape::Null) => {}
        _ => problems.push(format!(
            "needs {} at {at}, but it gets {}",
            wanted.describe(),
            given.describe()
        )),
    }
}
