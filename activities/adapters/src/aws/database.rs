//! `Database` on RDS.

use super::{optional, plain, AwsFailure};
use async_trait::async_trait;
use aws_sdk_rds::types::{ApplyMethod, Parameter};
use aws_sdk_rds::Client;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::database::{
    Database, DbCluster, DbInstance, GlobalCluster, GlobalClusterMember, ReplicaSpec,
};

const RDS: &str = "rds";

pub struct AwsDatabase {
    client: Client,
}

impl AwsDatabase {
    pub fn new(client: Client) -> Self {
        AwsDatabase { client }
    }
}

fn instance(db: &aws_sdk_rds::types::DbInstance) -> DbInstance {
    let text = |s: Option<&str>| s.unwrap_or_default().to_string();
    DbInstance {
        id: text(db.db_instance_identifier()),
        arn: text(db.db_instance_arn()),
        status: text(db.db_instance_status()),
        engine: text(db.engine()),
        endpoint: db.endpoint().and_then(|e| e.address()).map(str::to_string),
        port: db
            .endpoint()
            .and_then(|e| e.port())
            .and_then(|p| u16::try_from(p).ok()),
        replica_source: db
            .read_replica_source_db_instance_identifier()
            .map(str::to_string),
        replicas: db.read_replica_db_instance_identifiers().to_vec(),
        backup_retention_days: db.backup_retention_period().unwrap_or_default(),
        storage_encrypted: db.storage_encrypted().unwrap_or_default(),
        parameter_groups: db
            .db_parameter_groups()
            .iter()
            .filter_map(|g| g.db_parameter_group_name().map(str::to_string))
            .collect(),
        security_groups: db
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
        cluster_id: db.db_cluster_identifier().map(str::to_string),
    }
}

#[async_trait]
impl Database for AwsDatabase {
    async fn instance(&self, id: &str) -> Result<Option<DbInstance>> {
        let out = self
            .client
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await;
        let out = optional(out, &["DBInstanceNotFound"], RDS, "DescribeDBInstances")?;
        // Match the id: an emulator may ignore the filter and list everything.
        Ok(out.and_then(|o| {
            o.db_instances()
                .iter()
                .find(|i| i.db_instance_identifier() == Some(id) || i.db_instance_arn() == Some(id))
                .map(instance)
        }))
    }

    async fn cluster(&self, id: &str) -> Result<Option<DbCluster>> {
        let out = self
            .client
            .describe_db_clusters()
            .db_cluster_identifier(id)
            .send()
            .await;
        let out = optional(
            out,
            &["DBClusterNotFoundFault", "DBClusterNotFound"],
            RDS,
            "DescribeDBClusters",
        )?;
        Ok(out.and_then(|o| {
            o.db_clusters()
                .iter()
                .find(|c| c.db_cluster_identifier() == Some(id) || c.db_cluster_arn() == Some(id))
                .map(|c| DbCluster {
                    id: c.db_cluster_identifier().unwrap_or_default().to_string(),
                    arn: c.db_cluster_arn().unwrap_or_default().to_string(),
                    status: c.status().unwrap_or_default().to_string(),
                    engine: c.engine().unwrap_or_default().to_string(),
                    endpoint: c.endpoint().map(str::to_string),
                    port: c.port().and_then(|p| u16::try_from(p).ok()),
                    replica_source: c.replication_source_identifier().map(str::to_string),
                })
        }))
    }

    async fn global_cluster(&self, id: &str) -> Result<Option<GlobalCluster>> {
        let out = self
            .client
            .describe_global_clusters()
            .global_cluster_identifier(id)
            .send()
            .await;
        let out = optional(
            out,
            &["GlobalClusterNotFoundFault", "GlobalClusterNotFound"],
            RDS,
            "DescribeGlobalClusters",
        )?;
        Ok(out.and_then(|o| {
            o.global_clusters()
                .iter()
                .find(|g| g.global_cluster_identifier() == Some(id))
                .map(|g| GlobalCluster {
                    id: g
                        .global_cluster_identifier()
                        .unwrap_or_default()
                        .to_string(),
                    status: g.status().unwrap_or_default().to_string(),
                    members: g
                        .global_cluster_members()
                        .iter()
                        .map(|m| GlobalClusterMember {
                            cluster_arn: m.db_cluster_arn().unwrap_or_default().to_string(),
                            is_writer: m.is_writer().unwrap_or_default(),
                        })
                        .collect(),
                })
        }))
    }

    async fn promote_read_replica(&self, id: &str, retention: Option<i32>) -> Result<()> {
        let out = self
            .client
            .promote_read_replica()
            .db_instance_identifier(id)
            .set_backup_retention_period(retention)
            .send()
            .await;
        out.map(|_| ())
            .map_err(|e| instance_failure(AwsFailure::new(e), id, "PromoteReadReplica"))
    }

    async fn switchover_global_cluster(&self, global_id: &str, target: &str) -> Result<()> {
        let out = self
            .client
            .switchover_global_cluster()
            .global_cluster_identifier(global_id)
            .target_db_cluster_identifier(target)
            .send()
            .await;
        out.map(|_| ())
            .map_err(|e| global_failure(AwsFailure::new(e), global_id, "SwitchoverGlobalCluster"))
    }

    async fn failover_global_cluster(&self, global_id: &str, target: &str) -> Result<()> {
        let out = self
            .client
            .failover_global_cluster()
            .global_cluster_identifier(global_id)
            .target_db_cluster_identifier(target)
            .allow_data_loss(true)
            .send()
            .await;
        out.map(|_| ())
            .map_err(|e| global_failure(AwsFailure::new(e), global_id, "FailoverGlobalCluster"))
    }

    async fn create_read_replica(&self, spec: &ReplicaSpec) -> Result<DbInstance> {
        let out = self
            .client
            .create_db_instance_read_replica()
            .db_instance_identifier(&spec.replica_id)
            .source_db_instance_identifier(&spec.source_arn)
            .db_instance_class(&spec.instance_class)
            .set_kms_key_id(spec.kms_key_id.clone())
            .set_db_subnet_group_name(spec.subnet_group.clone())
            .set_vpc_security_group_ids(
                (!spec.security_groups.is_empty()).then(|| spec.security_groups.clone()),
            )
            .set_db_parameter_group_name(spec.parameter_group.clone())
            .multi_az(spec.multi_az)
            .send()
            .await;
        match out {
            Ok(out) => Ok(out.db_instance().map(instance).unwrap_or_default()),
            Err(e) => {
                let failure = AwsFailure::new(e);
                Err(match failure.code() {
                    "DBInstanceAlreadyExists" | "DBInstanceAlreadyExistsFault" => {
                        ActivityError::ReplicaIdInUse {
                            id: spec.replica_id.clone(),
                            detail: "an instance with this id exists".into(),
                        }
                    }
                    "DBInstanceNotFound" => ActivityError::DbInstanceNotFound {
                        id: spec.source_arn.clone(),
                    },
                    _ => failure.into_error(RDS, "CreateDBInstanceReadReplica"),
                })
            }
        }
    }

    async fn parameter(&self, group: &str, name: &str) -> Result<Option<String>> {
        let mut marker = None;
        loop {
            let out = self
                .client
                .describe_db_parameters()
                .db_parameter_group_name(group)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| group_failure(AwsFailure::new(e), group, "DescribeDBParameters"))?;
            if let Some(p) = out
                .parameters()
                .iter()
                .find(|p| p.parameter_name() == Some(name))
            {
                return Ok(p.parameter_value().map(str::to_string));
            }
            match out.marker() {
                Some(next) if !next.is_empty() => marker = Some(next.to_string()),
                _ => return Ok(None),
            }
        }
    }

    async fn set_parameter(&self, group: &str, name: &str, value: &str) -> Result<()> {
        let parameter = Parameter::builder()
            .parameter_name(name)
            .parameter_value(value)
            .apply_method(ApplyMethod::Immediate)
            .build();
        self.client
            .modify_db_parameter_group()
            .db_parameter_group_name(group)
            .parameters(parameter)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| group_failure(AwsFailure::new(e), group, "ModifyDBParameterGroup"))
    }

    async fn stop_instance(&self, id: &str) -> Result<()> {
        let out = self
            .client
            .stop_db_instance()
            .db_instance_identifier(id)
            .send()
            .await;
        out.map(|_| ())
            .map_err(|e| instance_failure(AwsFailure::new(e), id, "StopDBInstance"))
    }

    async fn rename_instance(&self, id: &str, new_id: &str) -> Result<()> {
        let out = self
            .client
            .modify_db_instance()
            .db_instance_identifier(id)
            .new_db_instance_identifier(new_id)
            .apply_immediately(true)
            .send()
            .await;
        out.map(|_| ())
            .map_err(|e| instance_failure(AwsFailure::new(e), id, "ModifyDBInstance"))
    }

    async fn set_security_groups(&self, id: &str, groups: &[String]) -> Result<()> {
        let out = self
            .client
            .modify_db_instance()
            .db_instance_identifier(id)
            .set_vpc_security_group_ids(Some(groups.to_vec()))
            .apply_immediately(true)
            .send()
            .await;
        plain(out, RDS, "ModifyDBInstance").map(|_| ())
    }
}

fn instance_failure(failure: AwsFailure, id: &str, operation: &str) -> ActivityError {
    match failure.code() {
        "DBInstanceNotFound" => ActivityError::DbInstanceNotFound { id: id.into() },
        "InvalidDBInstanceState" | "InvalidDBInstanceStateFault" => {
            ActivityError::DbInstanceNotAvailable {
                id: id.into(),
                status: "refused by RDS (InvalidDBInstanceState)".into(),
            }
        }
        _ => failure.into_error(RDS, operation),
    }
}

fn global_failure(failure: AwsFailure, id: &str, operation: &str) -> ActivityError {
    match failure.code() {
        "GlobalClusterNotFoundFault" => ActivityError::GlobalClusterNotFound { id: id.into() },
        "InvalidGlobalClusterStateFault" | "InvalidDBClusterStateFault" => {
            ActivityError::GlobalClusterBusy {
                id: id.into(),
                status: format!("refused by RDS ({})", failure.code()),
            }
        }
        _ => failure.into_error(RDS, operation),
    }
}

fn group_failure(failure: AwsFailure, group: &str, operation: &str) -> ActivityError {
    match failure.code() {
        "DBParameterGroupNotFound" => ActivityError::ParameterGroupNotFound {
            group: group.into(),
        },
        _ => failure.into_error(RDS, operation),
    }
}
