//! The definitions as they run in a region: every placeholder filled with the stack's values, the
//! way the template's `DefinitionSubstitutions` fill them at deploy time. The version number of a
//! function is only known once it is published: `1` stands for it for the validators
//! ([`resolve`]); `wfc deploy` passes the versions it found in the region ([`resolve_with`]).

use crate::orchestrator::{function_name, role_path};
use serde_json::Value;
use wfc_stack::Stack;

/// The activities whose functions `definition` calls (its `${<activity>_function_arn}`).
pub fn functions(definition: &Value) -> Vec<String> {
    crate::orchestrator::placeholders(definition)
        .into_iter()
        .filter_map(|p| p.strip_suffix("_function_arn").map(String::from))
        .collect()
}

/// `definition` with `${<activity>_function_arn}` and `${<activity>_role_arn}` filled for
/// `region`; an unknown placeholder is an error naming it.
pub fn resolve(stack: &Stack, region: &str, definition: &Value) -> Result<Value, String> {
    resolve_with(stack, region, definition, &|_| Ok("1".into()))
}

/// [`resolve`] with each function's version from `version` (called with the activity's name).
pub fn resolve_with(
    stack: &Stack,
    region: &str,
    definition: &Value,
    version: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Value, String> {
    let partition = crate::iam::partition(region);
    let account = &stack.shop.account_id;
    let mut text = serde_json::to_string(definition).map_err(|e| e.to_string())?;
    for placeholder in crate::orchestrator::placeholders(definition) {
        let value = if let Some(activity) = placeholder.strip_suffix("_function_arn") {
            format!(
                "arn:{partition}:lambda:{region}:{account}:function:{}:{}",
                function_name(stack, activity),
                version(activity)?
            )
        } else if let Some(activity) = placeholder.strip_suffix("_role_arn") {
            format!(
                "arn:{partition}:iam::{account}:role{}{}-{activity}",
                role_path(stack),
                stack.shop.name
            )
        } else {
            return Err(format!("no value for the placeholder ${{{placeholder}}}"));
        };
        text = text.replace(&format!("${{{placeholder}}}"), &value);
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}
