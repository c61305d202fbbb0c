//! `set_read_only`: MySQL `read_only` on the instance's (custom) parameter group, applied at once;
//! for the controlled cutback of a failback, and the `read_only` fencing of `fence_primary`.
//! RDS's master user has no SUPER privilege, so `read_only=1` stops the shop's writes.

use crate::error::{ActivityError, Result};
use crate::ports::database::DbInstance;
use crate::ports::Database;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct SetReadOnly;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetReadOnlyInput {
    pub db_instance_id: String,
    /// Default: the function's own region.
    #[serde(default)]
    pub region: Option<String>,
    /// `true` stops writes, `false` allows them again.
    #[serde(default = "yes")]
    pub read_only: bool,
    /// The parameter group to change; default: the instance's own (which must not be a
    /// `default.*` group).
    #[serde(default)]
    pub parameter_group: Option<String>,
}

fn yes() -> bool {
    true
}

impl Validate for SetReadOnlyInput {
    fn validate(&self) -> Result<()> {
        validate::db_identifier("db_instance_id", &self.db_instance_id)?;
        validate::optional_region("region", &self.region)?;
        if let Some(group) = &self.parameter_group {
            validate::parameter_group_name("parameter_group", group)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SetReadOnlyOutput {
    pub db_instance_id: String,
    pub parameter_group: String,
    pub read_only: bool,
    /// `read_only` before this call (`null`: the engine default).
    pub previous_value: Option<String>,
    pub changed: bool,
}

/// What setting `read_only` did; shared with `fence_primary`.
pub(crate) struct ReadOnlyChange {
    pub group: String,
    pub previous: Option<String>,
    pub changed: bool,
}

pub(crate) async fn apply_read_only(
    db: &dyn Database,
    instance: &DbInstance,
    group: Option<&str>,
    read_only: bool,
) -> Result<ReadOnlyChange> {
    let group = match group {
        Some(g) => g.to_string(),
        None => instance.parameter_groups.first().cloned().ok_or_else(|| {
            ActivityError::ParameterGroupNotFound {
                group: format!("(none attached to {})", instance.id),
            }
        })?,
    };
    if group.starts_with("default.") {
        return Err(ActivityError::DefaultParameterGroup { group });
    }
    let wanted = if read_only { "1" } else { "0" };
    let previous = db.parameter(&group, "read_only").await?;
    let changed = previous.as_deref() != Some(wanted);
    if changed {
        db.set_parameter(&group, "read_only", wanted).await?;
    }
    Ok(ReadOnlyChange {
        group,
        previous,
        changed,
    })
}

pub async fn run(input: SetReadOnlyInput, db: &dyn Database) -> Result<SetReadOnlyOutput> {
    input.validate()?;
    let id = &input.db_instance_id;
    let instance = db
        .instance(id)
        .await?
        .ok_or_else(|| ActivityError::DbInstanceNotFound { id: id.clone() })?;
    let change = apply_read_only(
        db,
        &instance,
        input.parameter_group.as_deref(),
        input.read_only,
    )
    .await?;
    Ok(SetReadOnlyOutput {
        db_instance_id: id.clone(),
        parameter_group: change.group,
        read_only: input.read_only,
        previous_value: change.previous,
        changed: change.changed,
    })
}

impl Activity for SetReadOnly {
    const NAME: &'static str = "set_read_only";
    const ERRORS: &'static [&'static str] = aws_errors![
        DbInstanceNotFound,
        DefaultParameterGroup,
        ParameterGroupNotFound
    ];
    type Input = SetReadOnlyInput;
    type Output = SetReadOnlyOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["rds:DescribeDBInstances"], &[iam::RDS_DB]),
            Permission::new(
                &["rds:DescribeDBParameters", "rds:ModifyDBParameterGroup"],
                &[iam::RDS_PARAMETER_GROUP],
            ),
        ]
    }
}
