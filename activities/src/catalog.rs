//! Every activity's promise as data (names, error names, IAM permissions, JSON Schemas): for the
//! IAM derivation, schema export and tests. Pure: building it calls nothing.

use serde_json::Value;
use wfc_contract::Activity;

/// The names of every activity (cheap: no schema is built).
pub fn names() -> Vec<&'static str> {
    macro_rules! names {
        ($($activity:ty),* $(,)?) => { vec![$(<$activity as Activity>::NAME),*] };
    }
    crate::with_activities!(names)
}

/// What an activity promises, in data: for tooling (IAM derivation, schema export) and tests.
#[derive(Debug, Clone)]
pub struct ActivityInfo {
    pub name: &'static str,
    pub errors: &'static [&'static str],
    pub permissions: Vec<wfc_contract::Permission>,
    pub input_schema: Value,
    pub output_schema: Value,
}

/// Every activity, in the order of [`crate::with_activities`].
pub fn catalog() -> Vec<ActivityInfo> {
    macro_rules! infos {
        ($($activity:ty),* $(,)?) => {
            vec![$(ActivityInfo {
                name: <$activity as Activity>::NAME,
                errors: <$activity as Activity>::ERRORS,
                permissions: <$activity as Activity>::permissions(),
                input_schema: serde_json::to_value(
                    schemars::schema_for!(<$activity as Activity>::Input),
                ).unwrap_or_default(),
                output_schema: serde_json::to_value(
                    schemars::schema_for!(<$activity as Activity>::Output),
                ).unwrap_or_default(),
            }),*]
        };
    }
    crate::with_activities!(infos)
}
