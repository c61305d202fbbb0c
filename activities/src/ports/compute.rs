//! Application compute: an Auto Scaling group or an ECS service.

use crate::error::Result;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where the shop's PHP runs in a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ComputeTarget {
    AutoScalingGroup { name: String },
    EcsService { cluster: String, service: String },
}

impl std::fmt::Display for ComputeTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComputeTarget::AutoScalingGroup { name } => write!(f, "Auto Scaling group {name}"),
            ComputeTarget::EcsService { cluster, service } => {
                write!(f, "ECS service {cluster}/{service}")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capacity {
    pub desired: u32,
    /// The group's maximum size (`None` for ECS, which has none).
    pub max: Option<u32>,
    /// Instances `InService` (ASG) or running tasks (ECS).
    pub in_service: u32,
}

#[async_trait]
pub trait Compute: Send + Sync {
    async fn capacity(&self, target: &ComputeTarget) -> Result<Option<Capacity>>;
    async fn set_desired(&self, target: &ComputeTarget, desired: u32) -> Result<()>;
}
