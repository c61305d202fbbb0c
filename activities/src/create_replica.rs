//! `create_replica`: re-protect after a failover, or prepare a failback — a cross-region
//! `CreateDBInstanceReadReplica` of the current primary, with the KMS key and subnet group of the
//! target region from configuration. Idempotent: a replica with this id of this source already
//! existing is success.

use crate::error::{ActivityError, Result};
use crate::ports::database::ReplicaSpec;
use crate::ports::Database;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct CreateReplica;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReplicaInput {
    /// ARN of the current primary (its region is the source region).
    pub source_db_arn: String,
    pub replica_id: String,
    /// e.g. `db.r6g.large`.
    pub instance_class: String,
    /// The region to create the replica in; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
    /// KMS key in the target region; required when the source is encrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub db_subnet_group: Option<String>,
    #[serde(default)]
    pub vpc_security_group_ids: Vec<String>,
    #[serde(default)]
    pub parameter_group: Option<String>,
    #[serde(default)]
    pub multi_az: bool,
}

impl Validate for CreateReplicaInput {
    fn validate(&self) -> Result<()> {
        validate::arn("source_db_arn", &self.source_db_arn, "rds")?;
        if source_id(&self.source_db_arn).is_none() {
            return Err(ActivityError::invalid(
                "source_db_arn",
                "must be a DB instance ARN (…:db:<id>)",
            ));
        }
        validate::db_identifier("replica_id", &self.replica_id)?;
        if !self.instance_class.starts_with("db.") || self.instance_class.len() < 5 {
            return Err(ActivityError::invalid(
                "instance_class",
                "is not a DB instance class (db.…)",
            ));
        }
        validate::optional_region("region", &self.region)?;
        if let Some(key) = &self.kms_key_id {
            validate::non_empty("kms_key_id", key)?;
        }
        if let Some(group) = &self.db_subnet_group {
            validate::non_empty("db_subnet_group", group)?;
        }
        if let Some(group) = &self.parameter_group {
            validate::parameter_group_name("parameter_group", group)?;
        }
        for (i, sg) in self.vpc_security_group_ids.iter().enumerate() {
            if !sg.starts_with("sg-") {
                return Err(ActivityError::invalid(
                    format!("vpc_security_group_ids[{i}]"),
                    "is not a security group id (sg-…)",
                ));
            }
        }
        Ok(())
    }
}

/// `…:db:<id>` → `<id>`.
fn source_id(arn: &str) -> Option<&str> {
    arn.split_once(":db:")
        .map(|(_, id)| id)
        .filter(|id| !id.is_empty())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateReplicaOutput {
    pub replica_id: String,
    pub arn: String,
    pub status: String,
    pub already_existed: bool,
    pub source_db_arn: String,
}

/// `source` is the database port of the source region, `target` that of the replica's region.
pub async fn run(
    input: CreateReplicaInput,
    source: &dyn Database,
    target: &dyn Database,
    target_region: &str,
) -> Result<CreateReplicaOutput> {
    input.validate()?;
    let source_region = validate::arn_region(&input.source_db_arn).unwrap_or_default();
    if source_region == target_region {
        return Err(ActivityError::invalid(
            "region",
            format!("the replica must be in another region than its source ({source_region})"),
        ));
    }
    let output = |arn: String, status: String, already_existed| CreateReplicaOutput {
        replica_id: input.replica_id.clone(),
        arn,
        status,
        already_existed,
        source_db_arn: input.source_db_arn.clone(),
    };
    if let Some(existing) = target.instance(&input.replica_id).await? {
        let source_id = source_id(&input.source_db_arn).unwrap_or_default();
        let same_source = existing
            .replica_source
            .as_deref()
            .is_some_and(|s| s == input.source_db_arn || s == source_id);
        if !same_source {
            return Err(ActivityError::ReplicaIdInUse {
                id: input.replica_id.clone(),
                detail: match existing.replica_source {
                    Some(s) => format!("it replicates from {s}"),
                    None => "it is not a replica".into(),
                },
            });
        }
        return Ok(output(existing.arn, existing.status, true));
    }
    let id = source_id(&input.source_db_arn).unwrap_or_default();
    let primary = source
        .instance(id)
        .await?
        .ok_or_else(|| ActivityError::DbInstanceNotFound {
            id: input.source_db_arn.clone(),
        })?;
    if primary.storage_encrypted && input.kms_key_id.is_none() {
        return Err(ActivityError::KmsKeyRequired {
            source_id: input.source_db_arn.clone(),
        });
    }
    let spec = ReplicaSpec {
        replica_id: input.replica_id.clone(),
        source_arn: input.source_db_arn.clone(),
        instance_class: input.instance_class.clone(),
        kms_key_id: input.kms_key_id.clone(),
        subnet_group: input.db_subnet_group.clone(),
        security_groups: input.vpc_security_group_ids.clone(),
        parameter_group: input.parameter_group.clone(),
        multi_az: input.multi_az,
    };
    let created = target.create_read_replica(&spec).await?;
    Ok(output(created.arn, created.status, false))
}

impl Activity for CreateReplica {
    const NAME: &'static str = "create_replica";
    const ERRORS: &'static [&'static str] =
        aws_errors![DbInstanceNotFound, ReplicaIdInUse, KmsKeyRequired];
    type Input = CreateReplicaInput;
    type Output = CreateReplicaOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                &["rds:DescribeDBInstances", "rds:CreateDBInstanceReadReplica"],
                &[
                    iam::RDS_ANY_REGION_DB,
                    iam::RDS_SUBNET_GROUP,
                    iam::RDS_PARAMETER_GROUP,
                    iam::RDS_SECURITY_GROUP,
                ],
            ),
            // Encrypted cross-region replicas: RDS uses the target region's key on our behalf.
            Permission::new(&["kms:CreateGrant", "kms:DescribeKey"], &[iam::KMS_KEY]),
        ]
    }
}
