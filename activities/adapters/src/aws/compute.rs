//! `Compute` on Auto Scaling and ECS.

use super::{plain, AwsFailure};
use async_trait::async_trait;
use aws_sdk_autoscaling::types::LifecycleState;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::compute::{Capacity, Compute, ComputeTarget};

pub struct AwsCompute {
    autoscaling: aws_sdk_autoscaling::Client,
    ecs: aws_sdk_ecs::Client,
}

impl AwsCompute {
    pub fn new(autoscaling: aws_sdk_autoscaling::Client, ecs: aws_sdk_ecs::Client) -> Self {
        AwsCompute { autoscaling, ecs }
    }
}

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or_default()
}

#[async_trait]
impl Compute for AwsCompute {
    async fn capacity(&self, target: &ComputeTarget) -> Result<Option<Capacity>> {
        match target {
            ComputeTarget::AutoScalingGroup { name } => {
                let out = self
                    .autoscaling
                    .describe_auto_scaling_groups()
                    .auto_scaling_group_names(name)
                    .send()
                    .await;
                let out = plain(out, "autoscaling", "DescribeAutoScalingGroups")?;
                Ok(out.auto_scaling_groups().first().map(|g| Capacity {
                    desired: count(g.desired_capacity().unwrap_or_default()),
                    max: g.max_size().map(count),
                    in_service: g
                        .instances()
                        .iter()
                        .filter(|i| i.lifecycle_state() == Some(&LifecycleState::InService))
                        .count() as u32,
                }))
            }
            ComputeTarget::EcsService { cluster, service } => {
                let out = self
                    .ecs
                    .describe_services()
                    .cluster(cluster)
                    .services(service)
                    .send()
                    .await;
                let out = match out {
                    Ok(out) => out,
                    Err(e) => {
                        let failure = AwsFailure::new(e);
                        if failure.code() == "ClusterNotFoundException" {
                            return Ok(None);
                        }
                        return Err(failure.into_error("ecs", "DescribeServices"));
                    }
                };
                Ok(out
                    .services()
                    .iter()
                    .find(|s| s.status() != Some("INACTIVE"))
                    .map(|s| Capacity {
                        desired: count(s.desired_count()),
                        max: None,
                        in_service: count(s.running_count()),
                    }))
            }
        }
    }

    async fn set_desired(&self, target: &ComputeTarget, desired: u32) -> Result<()> {
        let desired = i32::try_from(desired)
            .map_err(|_| ActivityError::invalid("desired", "is too large"))?;
        match target {
            ComputeTarget::AutoScalingGroup { name } => {
                let out = self
                    .autoscaling
                    .set_desired_capacity()
                    .auto_scaling_group_name(name)
                    .desired_capacity(desired)
                    .honor_cooldown(false)
                    .send()
                    .await;
                plain(out, "autoscaling", "SetDesiredCapacity").map(|_| ())
            }
            ComputeTarget::EcsService { cluster, service } => {
                let out = self
                    .ecs
                    .update_service()
                    .cluster(cluster)
                    .service(service)
                    .desired_count(desired)
                    .send()
                    .await;
                plain(out, "ecs", "UpdateService").map(|_| ())
            }
        }
    }
}
