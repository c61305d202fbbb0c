//! `scale_compute`: set the DR region's Auto Scaling group capacity (or ECS desired count) to a
//! target and report what is in service. Idempotent: at the target already, nothing is asked.
//! It does not wait for instances: the workflow polls (Retry) on `in_service`.

use crate::error::{ActivityError, Result};
use crate::ports::compute::ComputeTarget;
use crate::ports::Compute;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct ScaleCompute;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleComputeInput {
    pub target: ComputeTarget,
    /// Instances (ASG) or tasks (ECS) wanted, 0–1000.
    pub desired: u32,
    /// Default: the function's own region.
    #[serde(default)]
    pub region: Option<String>,
}

impl Validate for ScaleComputeInput {
    fn validate(&self) -> Result<()> {
        match &self.target {
            ComputeTarget::AutoScalingGroup { name } => validate::non_empty("target.name", name)?,
            ComputeTarget::EcsService { cluster, service } => {
                validate::non_empty("target.cluster", cluster)?;
                validate::non_empty("target.service", service)?;
            }
        }
        validate::range("desired", self.desired, 0, 1000)?;
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScaleComputeOutput {
    pub previous_desired: u32,
    pub desired: u32,
    /// Instances `InService` (ASG) or running tasks (ECS) right now.
    pub in_service: u32,
    pub changed: bool,
}

pub async fn run(input: ScaleComputeInput, compute: &dyn Compute) -> Result<ScaleComputeOutput> {
    input.validate()?;
    let target = &input.target;
    let not_found = || ActivityError::ComputeTargetNotFound {
        target: target.to_string(),
    };
    let before = compute.capacity(target).await?.ok_or_else(not_found)?;
    if let Some(max) = before.max.filter(|max| input.desired > *max) {
        return Err(ActivityError::CapacityAboveMaximum {
            target: target.to_string(),
            desired: input.desired,
            max,
        });
    }
    let changed = before.desired != input.desired;
    let after = if changed {
        compute.set_desired(target, input.desired).await?;
        compute.capacity(target).await?.ok_or_else(not_found)?
    } else {
        before
    };
    Ok(ScaleComputeOutput {
        previous_desired: before.desired,
        desired: input.desired,
        in_service: after.in_service,
        changed,
    })
}

impl Activity for ScaleCompute {
    const NAME: &'static str = "scale_compute";
    const ERRORS: &'static [&'static str] =
        aws_errors![ComputeTargetNotFound, CapacityAboveMaximum];
    type Input = ScaleComputeInput;
    type Output = ScaleComputeOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["autoscaling:DescribeAutoScalingGroups"], &[iam::ANY]),
            Permission::new(&["autoscaling:SetDesiredCapacity"], &[iam::ASG]),
            Permission::new(
                &["ecs:DescribeServices", "ecs:UpdateService"],
                &[iam::ECS_SERVICE],
            ),
        ]
    }
}
