//! Declarations of the activities the example workflow runs: names, typed input and output,
//! error names, IAM. Only the promises; the implementations come with the activities crate.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

/// Reads the DR replica's status and replication lag.
pub struct CheckReplica;

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct CheckReplicaInput {
    pub db_instance_id: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct CheckReplicaOutput {
    pub is_replica: bool,
    /// Whether CloudWatch reported a lag at all (it does not when the primary is gone).
    pub lag_known: bool,
    pub lag_seconds: f64,
}

impl Activity for CheckReplica {
    const NAME: &'static str = "check_replica";
    const ERRORS: &'static [&'static str] = &["ReplicaNotFound"];
    type Input = CheckReplicaInput;
    type Output = CheckReplicaOutput;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            &["rds:DescribeDBInstances", "cloudwatch:GetMetricStatistics"],
            &["*"],
        )]
    }
}

/// Asks a human to approve, and waits for the answer (a callback).
pub struct ApproveFailover;

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ApprovalRequest {
    pub incident_id: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Approval {
    pub approved_by: String,
}

impl Activity for ApproveFailover {
    const NAME: &'static str = "approve_failover";
    type Input = ApprovalRequest;
    type Output = Approval;
}

/// Promotes the DR read replica to a standalone primary.
pub struct PromoteReplica;

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct PromoteReplicaOutput {
    pub already_promoted: bool,
}

impl Activity for PromoteReplica {
    const NAME: &'static str = "promote_replica";
    const ERRORS: &'static [&'static str] = &["BackupInProgress", "ReplicaNotFound"];
    type Input = CheckReplicaInput;
    type Output = PromoteReplicaOutput;
}

/// Describes the database, for the poll loop.
pub struct DescribeDatabase;

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct DatabaseStatus {
    pub status: String,
    pub is_replica: bool,
    pub endpoint: String,
}

impl Activity for DescribeDatabase {
    const NAME: &'static str = "describe_database";
    type Input = CheckReplicaInput;
    type Output = DatabaseStatus;
}

/// Sets the DR Auto Scaling group's capacity.
pub struct ScaleCompute;

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ScaleComputeInput {
    pub desired_capacity: u32,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ScaleComputeOutput {
    pub in_service: u32,
}

impl Activity for ScaleCompute {
    const NAME: &'static str = "scale_compute";
    type Input = ScaleComputeInput;
    type Output = ScaleComputeOutput;
}

/// Tells people, one region at a time.
pub struct Notify;

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct NotifyInput {
    pub incident_id: String,
    pub region: Option<String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct NotifyOutput {
    pub message_id: String,
}

impl Activity for Notify {
    const NAME: &'static str = "notify";
    type Input = NotifyInput;
    type Output = NotifyOutput;
}
