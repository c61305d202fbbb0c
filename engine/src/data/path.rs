//! JSONPath evaluation and the path-valued fields of a state.
//!
//! AWS evaluates paths with Jayway JsonPath, so this follows Jayway: a path made only of `.field`
//! and `[index]` steps selects one node (or nothing); any wildcard, slice, union, filter or `..`
//! makes it select a list, returned as a JSON array. An indefinite path never fails: what it
//! does not find is left out, so one that finds nothing (even before its first wildcard or
//! slice) is `[]`, as AWS records (DIFFERENCES.md, issue 12).

mod filter;

use std::borrow::Cow;

use crate::runtime::{json_size, string_size};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use wfc_compiler::asl::path::{parse_reference_path, JsonPath, PathRoot, PathStep, Segment};

use super::choice::timestamp::parse_timestamp;
use super::{json_text, type_name, DataError, Scope, RESULT_PATH_MATCH_FAILURE};

/// What `path` selects in `scope`: the node for a reference path, an array of every match for
/// any other path, `None` when a reference path finds nothing (or a variable is undefined).
/// Fails only on a filter expression outside the supported subset.
pub fn select(path: &JsonPath, scope: &Scope) -> Result<Option<Value>, DataError> {
    let Some(start) = root(path, scope) else {
        return Ok(None);
    };
    let (prefix, rest) = path.segments.split_at(definite_len(&path.segments));
    let node = walk(start, prefix);
    if rest.is_empty() {
        return Ok(node.cloned());
    }
    let Some(node) = node else {
        return Ok(Some(Value::Array(Vec::new())));
    };
    let mut nodes = vec![node];
    for segment in rest {
        let mut next = Vec::new();
        for node in nodes {
            step(segment, node, &mut next)?;
        }
        nodes = next;
    }
    Ok(Some(Value::Array(nodes.into_iter().cloned().collect())))
}

/// What `path` selects, borrowed from the scope when the path names one node (no copy for
/// `.field`/`[index]` paths); an indefinite path's list is built, as [`select`] does.
pub fn select_cow<'s>(
    path: &JsonPath,
    scope: &Scope<'s>,
) -> Result<Option<Cow<'s, Value>>, DataError> {
    if definite_len(&path.segments) == path.segments.len() {
        return Ok(root(path, scope)
            .and_then(|start| walk(start, &path.segments))
            .map(Cow::Borrowed));
    }
    Ok(select(path, scope)?.map(Cow::Owned))
}

/// A path-valued field parsed once, when the machine is prepared: its text (for causes) and the
/// path, or the syntax error that evaluating it raises (at run time, as before: a state that
/// never runs never fails).
#[derive(Debug, Clone)]
pub struct PathField {
    pub text: String,
    parsed: Result<JsonPath, DataError>,
}

impl PathField {
    pub fn new(text: &str) -> PathField {
        PathField {
            text: text.to_string(),
            parsed: parse(text),
        }
    }

    pub fn path(&self) -> Result<&JsonPath, DataError> {
        self.parsed.as_ref().map_err(Clone::clone)
    }

    /// What the path selects; nothing fails as [`require`] does.
    pub fn require<'s>(&self, scope: &Scope<'s>) -> Result<Cow<'s, Value>, DataError> {
        let path = self.path()?;
        select_cow(path, scope)?
            .ok_or_else(|| DataError::runtime(no_results_cause(&self.text, path, scope)))
    }
}

/// Parses and selects; a path that selects nothing fails with `States.Runtime` and AWS's cause,
/// `Invalid path '$.x' : No results for path: $['x']`. This is how `InputPath`, `OutputPath`
/// and `ItemsPath` fail.
pub fn require(text: &str, scope: &Scope) -> Result<Value, DataError> {
    PathField::new(text).require(scope).map(Cow::into_owned)
}

/// Moves out the array a `.field`/`[index]` path into the state input names (leaving `[]`);
/// `None`, with the input untouched, for any other path or value.
pub fn take_array(field: &PathField, input: &mut Value) -> Option<Vec<Value>> {
    let path = field.path().ok()?;
    if path.root != PathRoot::Input || definite_len(&path.segments) != path.segments.len() {
        return None;
    }
    let mut node = input;
    for segment in &path.segments {
        node = match segment {
            Segment::Field(name) => node.as_object_mut()?.get_mut(name)?,
            Segment::Index(i) => {
                let items = node.as_array_mut()?;
                let at = resolve_index(items.len(), *i)?;
                items.get_mut(at)?
            }
            _ => return None,
        };
    }
    match node {
        Value::Array(items) => Some(std::mem::take(items)),
        _ => None,
    }
}

/// `InputPath`: absent is `$` (the whole input), `null` is `{}`, a path selects.
pub fn input_path(input_path: Option<&Option<String>>, scope: &Scope) -> Result<Value, DataError> {
    let field = input_path.map(|p| p.as_deref().map(PathField::new));
    input_path_field(field.as_ref(), scope).map(Cow::into_owned)
}

/// [`input_path`] over a field parsed once; borrows what it selects where it can.
pub fn input_path_field<'s>(
    input_path: Option<&Option<PathField>>,
    scope: &Scope<'s>,
) -> Result<Cow<'s, Value>, DataError> {
    match input_path {
        None => Ok(Cow::Borrowed(scope.input)),
        Some(None) => Ok(Cow::Owned(Value::Object(Map::new()))),
        Some(Some(field)) => field.require(scope),
    }
}

/// `OutputPath`: the same rules as `InputPath`, with `scope.input` being the state's output.
pub fn output_path(
    output_path: Option<&Option<String>>,
    scope: &Scope,
) -> Result<Value, DataError> {
    input_path(output_path, scope)
}

/// `ItemsPath` (default `$`): must select an array.
pub fn items_path(items_path: Option<&str>, scope: &Scope) -> Result<Vec<Value>, DataError> {
    let field = PathField::new(items_path.unwrap_or("$"));
    items_path_field(&field, scope).map(Cow::into_owned)
}

/// [`items_path`] over a field parsed once; the items are borrowed, not copied, when the path
/// names one node.
pub fn items_path_field<'s>(
    field: &PathField,
    scope: &Scope<'s>,
) -> Result<Cow<'s, [Value]>, DataError> {
    match field.require(scope)? {
        Cow::Borrowed(Value::Array(items)) => Ok(Cow::Borrowed(items.as_slice())),
        Cow::Owned(Value::Array(items)) => Ok(Cow::Owned(items)),
        other => Err(DataError::runtime(format!(
            "Invalid path '{}' : the Map state's ItemsPath must select an array, found {}: {}",
            field.text,
            type_name(&other),
            json_text(&other)
        ))),
    }
}

/// A `…SecondsPath` field (`SecondsPath`, `TimeoutSecondsPath`, `HeartbeatSecondsPath`, …):
/// must select a non-negative integer. `field` names it in the cause, as AWS does.
pub fn seconds_path(field: &str, path: &str, scope: &Scope) -> Result<u64, DataError> {
    seconds_path_field(field, &PathField::new(path), scope)
}

/// [`seconds_path`] with the path parsed once.
pub fn seconds_path_field(field: &str, path: &PathField, scope: &Scope) -> Result<u64, DataError> {
    let value = parameter(field, path, scope)?;
    let path = &path.text;
    if let Some(seconds) = value.as_u64() {
        return Ok(seconds);
    }
    let problem = if value.as_i64().is_some() {
        "references a negative value"
    } else {
        "cannot be parsed as a long value"
    };
    Err(DataError::runtime(format!(
        "The {field} parameter {problem}: {path} == {}",
        json_text(&value)
    )))
}

/// `TimestampPath`: must select an RFC 3339 timestamp with uppercase `T` and `Z`.
pub fn timestamp_path(field: &str, path: &str, scope: &Scope) -> Result<DateTime<Utc>, DataError> {
    timestamp_path_field(field, &PathField::new(path), scope)
}

/// [`timestamp_path`] with the path parsed once.
pub fn timestamp_path_field(
    field: &str,
    path: &PathField,
    scope: &Scope,
) -> Result<DateTime<Utc>, DataError> {
    let value = parameter(field, path, scope)?;
    let path = &path.text;
    value.as_str().and_then(parse_timestamp).ok_or_else(|| {
        let shown = value.as_str().map_or_else(|| json_text(&value), str::to_string);
        DataError::runtime(format!(
            "The {field} parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {shown}"
        ))
    })
}

/// `ResultPath`: absent is `$` (the result replaces the input), `null` keeps the input, a
/// reference path sets that node of the raw input, creating missing objects on the way. Fails
/// with `States.ResultPathMatchFailure` when the input cannot hold the node (a field of a
/// non-object, an index past an array's end, an index under a field that does not exist).
pub fn apply_result_path(
    raw_input: Value,
    result_path: Option<&Option<String>>,
    result: Value,
) -> Result<Value, DataError> {
    let field = result_path.map(|p| p.as_deref().map(ResultPathField::new));
    apply_result_path_field(raw_input, field.as_ref(), result)
}

fn result_path_failure(cause: String) -> DataError {
    DataError {
        error: RESULT_PATH_MATCH_FAILURE,
        cause,
    }
}

/// A `ResultPath` parsed once: its text and steps, or the error applying it raises.
#[derive(Debug, Clone)]
pub struct ResultPathField {
    text: String,
    steps: Result<Vec<PathStep>, DataError>,
}

impl ResultPathField {
    pub fn new(text: &str) -> ResultPathField {
        let steps = parse_reference_path(text)
            .map_err(|e| result_path_failure(format!("Invalid ResultPath '{text}': {e}")))
            .and_then(|path| match (&path.root, path.fields()) {
                (PathRoot::Input, Some(steps)) => Ok(steps),
                _ => Err(result_path_failure(format!(
                    "Invalid ResultPath '{text}': it must be a reference path into the state input ('$…')"
                ))),
            });
        ResultPathField {
            text: text.to_string(),
            steps,
        }
    }
}

/// [`apply_result_path`] with the path parsed once.
pub fn apply_result_path_field(
    raw_input: Value,
    result_path: Option<&Option<ResultPathField>>,
    result: Value,
) -> Result<Value, DataError> {
    let field = match result_path {
        None => return Ok(result),
        Some(None) => return Ok(raw_input),
        Some(Some(field)) => field,
    };
    let steps = field.steps.as_ref().map_err(Clone::clone)?;
    // Only the checks of `set` can fail, and they run before it changes anything.
    let mut output = raw_input;
    if set(&mut output, steps, result) {
        Ok(output)
    } else {
        Err(result_path_failure(format!(
            "Unable to apply ReferencePath {} to input {}",
            field.text,
            json_text(&output)
        )))
    }
}

/// The size in bytes of JSON of `raw_input` (`input_size` bytes) once `result` is placed at
/// `field` by [`apply_result_path_field`], measuring only the result and the value it replaces;
/// `None` when placing fails.
pub fn placed_size(
    raw_input: &Value,
    input_size: usize,
    field: &ResultPathField,
    result: &Value,
) -> Option<usize> {
    let steps = field.steps.as_ref().ok()?;
    if steps.is_empty() {
        return Some(json_size(result));
    }
    let mut node = raw_input;
    for (n, step) in steps.iter().enumerate() {
        match step {
            PathStep::Field(name) => {
                let Value::Object(map) = node else {
                    return None;
                };
                let Some(child) = map.get(name) else {
                    // A new member `"name":…` (after a comma unless the object was empty), with
                    // the objects built for the rest of the path around the result.
                    let rest = &steps[n + 1..];
                    let mut built = json_size(result);
                    for step in rest {
                        match step {
                            PathStep::Field(f) => built += 2 + string_size(f) + 1,
                            PathStep::Index(_) => return None,
                        }
                    }
                    let comma = usize::from(!map.is_empty());
                    return Some(input_size + comma + string_size(name) + 1 + built);
                };
                node = child;
            }
            PathStep::Index(i) => {
                let Value::Array(items) = node else {
                    return None;
                };
                node = resolve_index(items.len(), *i).and_then(|i| items.get(i))?;
            }
        }
    }
    (input_size + json_size(result)).checked_sub(json_size(node))
}

/// Whether [`apply_result_path_field`] would place a result in `raw_input` (the same checks,
/// without changing anything).
pub fn result_path_applies(
    raw_input: &Value,
    result_path: Option<&Option<ResultPathField>>,
) -> bool {
    match result_path {
        None | Some(None) => true,
        Some(Some(field)) => field
            .steps
            .as_ref()
            .is_ok_and(|steps| can_set(raw_input, steps)),
    }
}

/// Whether [`set`] would succeed at `steps` in `node`.
fn can_set(node: &Value, steps: &[PathStep]) -> bool {
    let Some((first, rest)) = steps.split_first() else {
        return true;
    };
    match first {
        PathStep::Field(name) => match node {
            Value::Object(map) => match map.get(name) {
                Some(child) => can_set(child, rest),
                None => !rest.iter().any(|s| matches!(s, PathStep::Index(_))),
            },
            _ => false,
        },
        PathStep::Index(i) => match node {
            Value::Array(items) => resolve_index(items.len(), *i)
                .and_then(|i| items.get(i))
                .is_some_and(|child| can_set(child, rest)),
            _ => false,
        },
    }
}

/// Sets the node at `steps` to `value`; false (with `node` untouched) when it cannot.
fn set(node: &mut Value, steps: &[PathStep], value: Value) -> bool {
    let Some((first, rest)) = steps.split_first() else {
        *node = value;
        return true;
    };
    match first {
        PathStep::Field(name) => {
            let Value::Object(map) = node else {
                return false;
            };
            if let Some(child) = map.get_mut(name) {
                return set(child, rest, value);
            }
            // New objects can be built for missing fields, but not arrays for indexes.
            if rest.iter().any(|s| matches!(s, PathStep::Index(_))) {
                return false;
            }
            let built = rest.iter().rev().fold(value, |inner, step| match step {
                PathStep::Field(name) => Value::Object(Map::from_iter([(name.clone(), inner)])),
                PathStep::Index(_) => unreachable!("checked above"),
            });
            map.insert(name.clone(), built);
            true
        }
        PathStep::Index(i) => {
            let Value::Array(items) = node else {
                return false;
            };
            match resolve_index(items.len(), *i).and_then(|i| items.get_mut(i)) {
                Some(child) => set(child, rest, value),
                None => false,
            }
        }
    }
}

/// AWS's cause for a path that selects nothing: `Invalid path '<text>' : <Jayway's message>`.
pub fn no_results_cause(text: &str, path: &JsonPath, scope: &Scope) -> String {
    let message = match (&path.root, root(path, scope)) {
        (PathRoot::Variable(name), None) => format!("the variable '{name}' is not defined"),
        (_, start) => jayway_miss(start, &path.segments),
    };
    format!("Invalid path '{text}' : {message}")
}

/// Parses a path read at run time; a syntax error is `States.Runtime`.
pub(crate) fn parse(text: &str) -> Result<JsonPath, DataError> {
    JsonPath::parse(text).map_err(|e| DataError::runtime(format!("Invalid path '{text}' : {e}")))
}

/// The value a path starts from; `None` for an undefined variable.
pub(crate) fn root<'s>(path: &JsonPath, scope: &Scope<'s>) -> Option<&'s Value> {
    match &path.root {
        PathRoot::Input => Some(scope.input),
        PathRoot::Context => Some(scope.context),
        PathRoot::Variable(name) => scope.variables.get(name),
    }
}

/// Follows `.field` and `[index]` steps; `None` when one finds nothing.
pub(crate) fn walk<'v>(start: &'v Value, segments: &[Segment]) -> Option<&'v Value> {
    segments
        .iter()
        .try_fold(start, |node, segment| match segment {
            Segment::Field(name) => node.as_object()?.get(name),
            Segment::Index(i) => index(node, *i),
            _ => None,
        })
}

/// A field or `[index]` read that fails on the `…Path` parameters of Wait and Task states.
fn parameter(field: &str, path: &PathField, scope: &Scope) -> Result<Value, DataError> {
    select_cow(path.path()?, scope)?
        .map(Cow::into_owned)
        .ok_or_else(|| {
            DataError::runtime(format!(
                "The {field} parameter does not reference an input value: {}",
                path.text
            ))
        })
}

/// How many leading segments are `.field` / `[index]`.
fn definite_len(segments: &[Segment]) -> usize {
    segments
        .iter()
        .take_while(|s| matches!(s, Segment::Field(_) | Segment::Index(_)))
        .count()
}

/// Applies one segment to one node, pushing what it selects.
fn step<'v>(segment: &Segment, node: &'v Value, out: &mut Vec<&'v Value>) -> Result<(), DataError> {
    match segment {
        Segment::Field(name) => out.extend(node.as_object().and_then(|o| o.get(name))),
        Segment::Index(i) => out.extend(index(node, *i)),
        Segment::Wildcard => out.extend(children(node)),
        Segment::Slice { start, end } => {
            if let Value::Array(items) = node {
                let (from, to) = slice_bounds(items.len(), *start, *end);
                out.extend(&items[from..to]);
            }
        }
        Segment::Union(steps) => {
            for s in steps {
                match s {
                    PathStep::Field(name) => out.extend(node.as_object().and_then(|o| o.get(name))),
                    PathStep::Index(i) => out.extend(index(node, *i)),
                }
            }
        }
        // Jayway filters an array's elements, and tests an object itself.
        Segment::Filter(text) => {
            let filter = filter::Filter::parse(text)?;
            match node {
                Value::Array(items) => out.extend(items.iter().filter(|e| filter.accepts(e))),
                Value::Object(_) if filter.accepts(node) => out.push(node),
                _ => {}
            }
        }
        Segment::RecursiveDescent(inner) => {
            let mut all = Vec::new();
            descendants(node, &mut all);
            for n in all {
                step(inner, n, out)?;
            }
        }
    }
    Ok(())
}

fn index(node: &Value, i: i64) -> Option<&Value> {
    let items = node.as_array()?;
    items.get(resolve_index(items.len(), i)?)
}

/// A Jayway index: negative counts from the end.
fn resolve_index(len: usize, i: i64) -> Option<usize> {
    let i = if i < 0 { i + len as i64 } else { i };
    usize::try_from(i).ok()
}

/// `[start:end]` as Jayway reads it: negative bounds count from the end, both are clamped.
fn slice_bounds(len: usize, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let len_i = len as i64;
    let at = |b: i64| (if b < 0 { len_i + b } else { b }).clamp(0, len_i) as usize;
    let from = start.map_or(0, at);
    let to = end.map_or(len, at);
    (from, to.max(from))
}

fn children(node: &Value) -> Vec<&Value> {
    match node {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => Vec::new(),
    }
}

/// The node and everything below it, parents first (the nodes `..` visits).
fn descendants<'v>(node: &'v Value, out: &mut Vec<&'v Value>) {
    out.push(node);
    for child in children(node) {
        descendants(child, out);
    }
}

/// Jayway's message for a path that finds nothing: "Missing property in path $['a']" when a
/// field before the last step is missing from an object, else "No results for path: $['a']['b']".
fn jayway_miss(start: Option<&Value>, segments: &[Segment]) -> String {
    let mut node = start;
    for (i, segment) in segments.iter().enumerate().take(definite_len(segments)) {
        let next = node.and_then(|n| walk(n, std::slice::from_ref(segment)));
        if next.is_none() {
            let before_last = i + 1 < segments.len();
            if before_last
                && matches!(segment, Segment::Field(_))
                && node.is_some_and(Value::is_object)
            {
                return format!("Missing property in path {}", jayway_text(&segments[..=i]));
            }
            break;
        }
        node = next;
    }
    format!("No results for path: {}", jayway_text(segments))
}

/// A path the way Jayway prints it: `$['a'][0]`.
fn jayway_text(segments: &[Segment]) -> String {
    let mut out = String::from("$");
    for segment in segments {
        match segment {
            Segment::Field(name) => out.push_str(&format!("['{name}']")),
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::test_support::Fixture;
    use crate::data::RUNTIME;
    use serde_json::json;

    fn sel(input: Value, path: &str) -> Option<Value> {
        let f = Fixture::new(input);
        select(&JsonPath::parse(path).unwrap(), &f.scope()).unwrap()
    }

    fn store() -> Value {
        json!({
            "store": {
                "book": [
                    {"title": "A", "price": 8.95, "tags": ["x"]},
                    {"title": "B", "price": 12, "isbn": "1"},
                    {"title": "C", "price": 22.99, "isbn": "2"}
                ],
                "bicycle": {"price": 19.95}
            },
            "n": null
        })
    }

    #[test]
    fn reference_paths_select_one_node() {
        assert_eq!(sel(store(), "$"), Some(store()));
        assert_eq!(sel(store(), "$.store.book[1].title"), Some(json!("B")));
        assert_eq!(sel(store(), "$.store.book[-1].title"), Some(json!("C")));
        assert_eq!(
            sel(store(), "$['store']['bicycle']"),
            Some(json!({"price": 19.95}))
        );
        assert_eq!(sel(store(), "$.n"), Some(Value::Null));
        assert_eq!(sel(store(), "$.missing"), None);
        assert_eq!(sel(store(), "$.store.book[9]"), None);
        assert_eq!(sel(json!("text"), "$.a"), None);
    }

    #[test]
    fn indefinite_paths_select_arrays() {
        assert_eq!(
            sel(store(), "$.store.book[*].title"),
            Some(json!(["A", "B", "C"]))
        );
        assert_eq!(
            sel(store(), "$.store.book[0:2].title"),
            Some(json!(["A", "B"]))
        );
        assert_eq!(sel(store(), "$.store.book[-1:].title"), Some(json!(["C"])));
        assert_eq!(sel(store(), "$.store.book[:-2].title"), Some(json!(["A"])));
        assert_eq!(sel(store(), "$.store.book[5:9]"), Some(json!([])));
        assert_eq!(
            sel(store(), "$.store.book[0,2].title"),
            Some(json!(["A", "C"]))
        );
        assert_eq!(
            sel(store(), "$.store.bicycle['price','nope']"),
            Some(json!([19.95]))
        );
        assert_eq!(
            sel(store(), "$..price"),
            Some(json!([8.95, 12, 22.99, 19.95]))
        );
        assert_eq!(
            sel(store(), "$.store.book[*].isbn"),
            Some(json!(["1", "2"]))
        );
        assert_eq!(
            sel(json!({"a": {"x": 1, "y": 2}}), "$.a.*"),
            Some(json!([1, 2]))
        );
        // An indefinite path whose definite start is missing selects nothing: AWS gives `[]`
        // (issue 12's AWS-recorded executions), where Jayway's default configuration throws.
        assert_eq!(sel(store(), "$.nothing[*]"), Some(json!([])));
        assert_eq!(sel(store(), "$.nothing.deeper[1:5].x"), Some(json!([])));
    }

    /// Escaped quotes and backslashes in a bracketed key select the key with the unescaped
    /// name. Source: LocalStack tests/aws/services/stepfunctions/templates/scenarios/
    /// statemachines/escape_sequences_jsonpath.json5 (`$['Test\\\"…']`, run on AWS) and
    /// issue 12's AWS-recorded executions.
    #[test]
    fn bracket_keys_unescape_quotes_and_backslashes() {
        let input = json!({"Test\"Name": 1, "a\\b": 2, "it's": 3, "Test\\\"\"Name\"": 4});
        assert_eq!(sel(input.clone(), r#"$['Test\"Name']"#), Some(json!(1)));
        assert_eq!(sel(input.clone(), r#"$["Test\"Name"]"#), Some(json!(1)));
        assert_eq!(sel(input.clone(), r#"$['a\\b']"#), Some(json!(2)));
        assert_eq!(sel(input.clone(), r#"$['it\'s']"#), Some(json!(3)));
        assert_eq!(sel(input, r#"$['Test\\\"\"Name\"']"#), Some(json!(4)));
    }

    #[test]
    fn filters_compare_and_combine() {
        let titles = |filter: &str| sel(store(), &format!("$.store.book[?({filter})].title"));
        assert_eq!(titles("@.price > 10"), Some(json!(["B", "C"])));
        assert_eq!(titles("@.price <= 12"), Some(json!(["A", "B"])));
        assert_eq!(titles("@.price == 12.0"), Some(json!(["B"])));
        assert_eq!(titles("@.title != 'B'"), Some(json!(["A", "C"])));
        assert_eq!(titles("@.title == \"C\""), Some(json!(["C"])));
        assert_eq!(titles("@.isbn"), Some(json!(["B", "C"])));
        assert_eq!(
            titles("@.price > 10 && @.price < 20 || @.title == 'A'"),
            Some(json!(["A", "B"]))
        );
        assert_eq!(
            titles("(@.title == 'A' || @.title == 'C') && @.price > 10"),
            Some(json!(["C"]))
        );
        assert_eq!(titles("@['title'] >= 'B'"), Some(json!(["B", "C"])));
        // A missing field is unequal to everything and in no order.
        assert_eq!(titles("@.isbn != '1'"), Some(json!(["A", "C"])));
        assert_eq!(titles("@.isbn < '9'"), Some(json!(["B", "C"])));
        // Types do not mix: a string is never less than a number.
        assert_eq!(titles("@.title < 5"), Some(json!([])));
        let flags = json!([{"on": true}, {"on": false}, {"on": null}]);
        assert_eq!(
            sel(flags.clone(), "$[?(@.on == true)]"),
            Some(json!([{"on": true}]))
        );
        assert_eq!(
            sel(flags, "$[?(@.on == null)]"),
            Some(json!([{"on": null}]))
        );
    }

    #[test]
    fn unsupported_filters_fail_loudly() {
        let f = Fixture::new(store());
        for filter in [
            "@.title =~ /A.*/",
            "@.tags.length() > 0",
            "@.price in [1, 2]",
            "$.n == null",
            "@.a[*] == 1",
        ] {
            let path = JsonPath::parse(&format!("$.store.book[?({filter})]")).unwrap();
            let err = select(&path, &f.scope()).unwrap_err();
            assert_eq!(err.error, RUNTIME, "{filter}");
            assert!(
                err.cause.starts_with("Unsupported filter expression"),
                "{filter}: {}",
                err.cause
            );
        }
    }

    #[test]
    fn context_and_variable_roots() {
        let mut f = Fixture::new(json!({}));
        f.context = json!({"Map": {"Item": {"Index": 3, "Value": {"id": "a"}}}});
        f.variables.insert("limit".into(), json!({"max": 5}));
        let scope = f.scope();
        let s = |p: &str| select(&JsonPath::parse(p).unwrap(), &scope).unwrap();
        assert_eq!(s("$$.Map.Item.Index"), Some(json!(3)));
        assert_eq!(s("$$.Map.Item.Value.id"), Some(json!("a")));
        assert_eq!(s("$limit.max"), Some(json!(5)));
        assert_eq!(s("$nope"), None);
    }

    #[test]
    fn input_and_output_path() {
        let f = Fixture::new(json!({"a": {"b": 1}}));
        let scope = f.scope();
        assert_eq!(input_path(None, &scope), Ok(json!({"a": {"b": 1}})));
        assert_eq!(input_path(Some(&None), &scope), Ok(json!({})));
        assert_eq!(
            input_path(Some(&Some("$.a".into())), &scope),
            Ok(json!({"b": 1}))
        );
        assert_eq!(
            output_path(Some(&Some("$.a.b".into())), &scope),
            Ok(json!(1))
        );
        let err = |p: &str| input_path(Some(&Some(p.into())), &scope).unwrap_err();
        assert_eq!(
            err("$.x"),
            DataError::runtime("Invalid path '$.x' : No results for path: $['x']")
        );
        assert_eq!(
            err("$.a.c"),
            DataError::runtime("Invalid path '$.a.c' : No results for path: $['a']['c']")
        );
        assert_eq!(
            err("$.x.y"),
            DataError::runtime("Invalid path '$.x.y' : Missing property in path $['x']")
        );
        assert_eq!(err("$.a.").error, RUNTIME);
        assert_eq!(
            err("$v"),
            DataError::runtime("Invalid path '$v' : the variable 'v' is not defined")
        );
    }

    #[test]
    fn items_path_needs_an_array() {
        let f = Fixture::new(json!({"list": [1, 2], "one": 1}));
        let scope = f.scope();
        assert_eq!(
            items_path(Some("$.list"), &scope),
            Ok(vec![json!(1), json!(2)])
        );
        let err = items_path(None, &scope).unwrap_err();
        assert_eq!(err.error, RUNTIME);
        assert!(err.cause.contains("must select an array, found object"));
        assert_eq!(
            items_path(Some("$.none"), &scope).unwrap_err().cause,
            "Invalid path '$.none' : No results for path: $['none']"
        );
    }

    #[test]
    fn seconds_and_timestamp_paths() {
        let f = Fixture::new(json!({
            "s": 30, "neg": -1, "half": 1.5, "text": "9",
            "at": "2016-03-14T01:59:00Z", "lower": "2016-03-14t01:59:00z"
        }));
        let scope = f.scope();
        assert_eq!(seconds_path("SecondsPath", "$.s", &scope), Ok(30));
        let cause = |r: Result<u64, DataError>| r.unwrap_err().cause;
        assert_eq!(
            cause(seconds_path("SecondsPath", "$.none", &scope)),
            "The SecondsPath parameter does not reference an input value: $.none"
        );
        assert_eq!(
            cause(seconds_path("TimeoutSecondsPath", "$.neg", &scope)),
            "The TimeoutSecondsPath parameter references a negative value: $.neg == -1"
        );
        assert_eq!(
            cause(seconds_path("SecondsPath", "$.half", &scope)),
            "The SecondsPath parameter cannot be parsed as a long value: $.half == 1.5"
        );
        assert_eq!(
            cause(seconds_path("SecondsPath", "$.text", &scope)),
            "The SecondsPath parameter cannot be parsed as a long value: $.text == \"9\""
        );
        let at = timestamp_path("TimestampPath", "$.at", &scope).unwrap();
        assert_eq!(at.to_rfc3339(), "2016-03-14T01:59:00+00:00");
        assert_eq!(
            timestamp_path("TimestampPath", "$.lower", &scope).unwrap_err().cause,
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.lower == 2016-03-14t01:59:00z"
        );
    }

    #[test]
    fn result_path_absent_null_and_root() {
        let input = json!({"a": 1});
        assert_eq!(
            apply_result_path(input.clone(), None, json!("r")),
            Ok(json!("r"))
        );
        assert_eq!(
            apply_result_path(input.clone(), Some(&None), json!("r")),
            Ok(input.clone())
        );
        assert_eq!(
            apply_result_path(input, Some(&Some("$".into())), json!("r")),
            Ok(json!("r"))
        );
    }

    #[test]
    fn result_path_sets_and_creates() {
        let rp = |input: Value, path: &str, result: Value| {
            apply_result_path(input, Some(&Some(path.to_string())), result)
        };
        // The spec's examples.
        let master = json!({"master": {"detail": [1, 2, 3]}});
        assert_eq!(
            rp(master.clone(), "$.master.detail", json!(6)),
            Ok(json!({"master": {"detail": 6}}))
        );
        assert_eq!(
            rp(master, "$.master.result.sum", json!(6)),
            Ok(json!({"master": {"detail": [1, 2, 3], "result": {"sum": 6}}}))
        );
        assert_eq!(
            rp(json!({"a": 1}), "$.b.greeting", json!("Hi!")),
            Ok(json!({"a": 1, "b": {"greeting": "Hi!"}}))
        );
        assert_eq!(
            rp(json!({"l": [1, 2]}), "$.l[1]", json!(9)),
            Ok(json!({"l": [1, 9]}))
        );
        assert_eq!(
            rp(json!({"l": [1, 2]}), "$.l[-1]", json!(9)),
            Ok(json!({"l": [1, 9]}))
        );
        assert_eq!(
            rp(json!({"odd key": 1}), "$['odd key']", json!(2)),
            Ok(json!({"odd key": 2}))
        );
    }

    #[test]
    fn result_path_match_failures() {
        let rp = |input: Value, path: &str| {
            apply_result_path(input, Some(&Some(path.to_string())), json!(1)).unwrap_err()
        };
        let err = rp(json!("foo"), "$.x");
        assert_eq!(err.error, RESULT_PATH_MATCH_FAILURE);
        assert_eq!(
            err.cause,
            "Unable to apply ReferencePath $.x to input \"foo\""
        );
        assert_eq!(
            rp(json!({"a": 5}), "$.a.b").cause,
            "Unable to apply ReferencePath $.a.b to input {\"a\":5}"
        );
        assert_eq!(
            rp(json!({"l": [1]}), "$.l[3]").error,
            RESULT_PATH_MATCH_FAILURE
        );
        // No array is invented for an index, and the input is left as it was.
        assert_eq!(
            rp(json!({}), "$.new.list[0]").cause,
            "Unable to apply ReferencePath $.new.list[0] to input {}"
        );
        assert!(rp(json!({}), "$.a[*]")
            .cause
            .starts_with("Invalid ResultPath '$.a[*]'"));
        assert!(rp(json!({}), "$$.Execution")
            .cause
            .contains("into the state input"));
    }
}
