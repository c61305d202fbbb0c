//! `failover_global_cluster`: Aurora global database, `SwitchoverGlobalCluster` when planned (no
//! data loss; call it in the primary's region) or `FailoverGlobalCluster` with `AllowDataLoss`
//! in a disaster (call it in the secondary's region). Without `AllowDataLoss` the API does a
//! switchover, which never completes while the primary region is down. Idempotent: if the target
//! is already the writer, it says so and asks nothing.

use crate::error::{ActivityError, Result};
use crate::ports::Database;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct FailoverGlobalCluster;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GlobalMode {
    /// Planned: waits for full sync, RPO 0.
    Switchover,
    /// Disaster: `AllowDataLoss`; RPO is the lag at the time of failure.
    Failover,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailoverGlobalClusterInput {
    pub global_cluster_id: String,
    /// ARN of the secondary cluster to become the writer.
    pub target_cluster_arn: String,
    pub mode: GlobalMode,
    /// Region to call in; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
}

impl Validate for FailoverGlobalClusterInput {
    fn validate(&self) -> Result<()> {
        validate::db_identifier("global_cluster_id", &self.global_cluster_id)?;
        validate::arn("target_cluster_arn", &self.target_cluster_arn, "rds")?;
        if !self.target_cluster_arn.contains(":cluster:") {
            return Err(ActivityError::invalid(
                "target_cluster_arn",
                "must be a DB cluster ARN (…:cluster:<id>)",
            ));
        }
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FailoverGlobalClusterOutput {
    pub global_cluster_id: String,
    pub mode: GlobalMode,
    /// The target was already the writer: nothing was asked.
    pub already_done: bool,
    /// The writer before this call.
    pub previous_writer: Option<String>,
    pub target_cluster_arn: String,
}

pub async fn run(
    input: FailoverGlobalClusterInput,
    db: &dyn Database,
) -> Result<FailoverGlobalClusterOutput> {
    input.validate()?;
    let id = &input.global_cluster_id;
    let global = db
        .global_cluster(id)
        .await?
        .ok_or_else(|| ActivityError::GlobalClusterNotFound { id: id.clone() })?;
    let target = global
        .members
        .iter()
        .find(|m| m.cluster_arn == input.target_cluster_arn)
        .ok_or_else(|| ActivityError::NotAGlobalClusterMember {
            global_cluster: id.clone(),
            target: input.target_cluster_arn.clone(),
        })?;
    let previous_writer = global
        .members
        .iter()
        .find(|m| m.is_writer)
        .map(|m| m.cluster_arn.clone());
    let output = |already_done| FailoverGlobalClusterOutput {
        global_cluster_id: id.clone(),
        mode: input.mode,
        already_done,
        previous_writer: previous_writer.clone(),
        target_cluster_arn: input.target_cluster_arn.clone(),
    };
    if target.is_writer {
        return Ok(output(true));
    }
    if global.status != "available" {
        return Err(ActivityError::GlobalClusterBusy {
            id: id.clone(),
            status: global.status,
        });
    }
    match input.mode {
        GlobalMode::Switchover => {
            db.switchover_global_cluster(id, &input.target_cluster_arn)
                .await?
        }
        GlobalMode::Failover => {
            db.failover_global_cluster(id, &input.target_cluster_arn)
                .await?
        }
    }
    Ok(output(false))
}

impl Activity for FailoverGlobalCluster {
    const NAME: &'static str = "failover_global_cluster";
    const ERRORS: &'static [&'static str] = aws_errors![
        GlobalClusterNotFound,
        NotAGlobalClusterMember,
        GlobalClusterBusy
    ];
    type Input = FailoverGlobalClusterInput;
    type Output = FailoverGlobalClusterOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["rds:DescribeGlobalClusters"], &[iam::RDS_GLOBAL_CLUSTER]),
            Permission::new(
                &["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"],
                &[iam::RDS_GLOBAL_CLUSTER, iam::RDS_ANY_REGION_CLUSTER],
            ),
        ]
    }
}
