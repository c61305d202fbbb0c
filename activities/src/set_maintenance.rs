//! `set_maintenance`: turns the shop's maintenance mode on or off in one region (the SSM
//! parameter the app reads, `on`/`off`). Idempotent: an unchanged value is not written again.

use crate::error::Result;
use crate::ports::ConfigStore;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct SetMaintenance;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMaintenanceInput {
    /// e.g. `/shop/prod/maintenance`.
    pub parameter_name: String,
    /// `true`: `on`; `false`: `off`.
    pub on: bool,
    /// Region of the parameter; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
}

impl Validate for SetMaintenanceInput {
    fn validate(&self) -> Result<()> {
        validate::ssm_parameter_name("parameter_name", &self.parameter_name)?;
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SetMaintenanceOutput {
    /// `null`: the parameter did not exist.
    pub previous: Option<String>,
    pub value: String,
    pub changed: bool,
}

pub async fn run(
    input: SetMaintenanceInput,
    config: &dyn ConfigStore,
) -> Result<SetMaintenanceOutput> {
    input.validate()?;
    let value = if input.on { "on" } else { "off" };
    let previous = config
        .parameter(&input.parameter_name)
        .await?
        .map(|(v, _)| v.expose().to_string());
    let changed = previous.as_deref() != Some(value);
    if changed {
        config
            .put_parameter(&input.parameter_name, value, false)
            .await?;
    }
    Ok(SetMaintenanceOutput {
        previous,
        value: value.into(),
        changed,
    })
}

impl Activity for SetMaintenance {
    const NAME: &'static str = "set_maintenance";
    const ERRORS: &'static [&'static str] = aws_errors![];
    type Input = SetMaintenanceInput;
    type Output = SetMaintenanceOutput;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            &["ssm:GetParameter", "ssm:PutParameter"],
            &[iam::SSM_PARAMETER],
        )]
    }
}
