//! The DR plumbing of one region (`cloudformation/dr-<region>.yaml`), from the stack description:
//! the Route 53 health check of the region's endpoint (10-second interval, 3 failures: about
//! 30 s to detect), and in the DR region the cross-region read replica (Multi-AZ when the stack
//! asks) or the Aurora global database's secondary cluster. The event forwarding between the
//! regions is in the orchestrator templates (rules.json's forward rules); the RDS CA bundle is
//! on the functions that speak MySQL.
//!
//! Not generated, with the reason in the template's Metadata: Route 53 failover records. The
//! workflows pin the shop's records as simple alias records (`switch_dns`: no health check, so
//! Route 53 never fails back by itself to a stale primary), and Route 53 refuses a simple record
//! beside failover records of the same name.

use serde_json::{json, Map, Value};
use wfc_stack::{Database, Role, Stack};

pub fn template(stack: &Stack, region: &str) -> Option<Value> {
    let site = stack.regions.get(region)?;
    let shop = &stack.shop.name;
    let mut resources = Map::new();
    let mut parameters = Map::new();
    let mut outputs = Map::new();
    let path = stack
        .app
        .smoke_paths
        .first()
        .map(|p| p.split('?').next().unwrap_or("/").to_string())
        .unwrap_or_else(|| "/".into());
    resources.insert(
        "EndpointHealthCheck".into(),
        json!({
            "Type": "AWS::Route53::HealthCheck",
            "Properties": {
                "HealthCheckConfig": {
                    "Type": "HTTPS",
                    "FullyQualifiedDomainName": site.load_balancer.dns_name,
                    "Port": 443,
                    "ResourcePath": path,
                    "EnableSNI": true,
                    // Route 53 DG: fast interval × threshold ≈ 30 s to call it unhealthy.
                    "RequestInterval": 10,
                    "FailureThreshold": 3,
                },
                "HealthCheckTags": [{ "Key": "Name", "Value": format!("{shop}-{region}-endpoint") }],
            },
        }),
    );
    outputs.insert(
        "HealthCheckId".into(),
        json!({
            "Description": format!("regions.{region}.health_check_id in the stack description"),
            "Value": { "Ref": "EndpointHealthCheck" },
        }),
    );

    match &site.database {
        Database::RdsInstance {
            role: Role::Replica,
            instance_id,
            instance_class,
            parameter_group,
            subnet_group,
            security_group_ids,
            kms_key_id,
            multi_az,
            ..
        } => {
            let (_, primary) = stack.primary();
            let Database::RdsInstance { arn: source, .. } = &primary.database else {
                return None;
            };
            let mut p = json!({
                "DBInstanceIdentifier": instance_id,
                // Cross-region: the source by ARN.
                "SourceDBInstanceIdentifier": source,
                "SourceRegion": stack.shop.primary_region,
                "DBInstanceClass": instance_class,
                "MultiAZ": multi_az,
                "PubliclyAccessible": false,
                "AutoMinorVersionUpgrade": true,
                "CopyTagsToSnapshot": true,
                "DeletionProtection": true,
                "EnableIAMDatabaseAuthentication": true,
                "EnableCloudwatchLogsExports": ["error", "slowquery"],
                "MonitoringInterval": 0,
            });
            if let Some(group) = parameter_group {
                p["DBParameterGroupName"] = json!(group);
            }
            if let Some(group) = subnet_group {
                p["DBSubnetGroupName"] = json!(group);
            }
            if !security_group_ids.is_empty() {
                p["VPCSecurityGroups"] = json!(security_group_ids);
            }
            if let Some(key) = kms_key_id {
                // An encrypted source needs a key of this region for the replica.
                p["KmsKeyId"] = json!(key);
            }
            let mut skips = vec![skip(
                "CKV_AWS_118",
                "Enhanced monitoring needs a monitoring role the stack does not describe; the orchestrator reads ReplicaLag from CloudWatch",
            )];
            if !multi_az {
                skips.push(skip(
                    "CKV_AWS_157",
                    "The stack asks for a single-AZ replica (multi_az = false): the DR region is pilot light until promoted",
                ));
            }
            if kms_key_id.is_none() {
                skips.push(skip(
                    "CKV_AWS_16",
                    "A read replica inherits the source's encryption; the stack names no key for an encrypted source",
                ));
            }
            resources.insert(
                "Replica".into(),
                json!({
                    "Type": "AWS::RDS::DBInstance",
                    // A replica holds the shop's data: deleting the stack must not delete it.
                    "DeletionPolicy": "Retain",
                    "UpdateReplacePolicy": "Retain",
                    "Metadata": { "checkov": { "skip": skips } },
                    "Properties": p,
                }),
            );
            outputs.insert(
                "ReplicaEndpoint".into(),
                json!({ "Value": { "Fn::GetAtt": ["Replica", "Endpoint.Address"] } }),
            );
        }
        Database::AuroraGlobal {
            role: Role::Replica,
            global_cluster_id,
            cluster_id,
            ..
        } => {
            parameters.insert(
                "AuroraEngineVersion".into(),
                json!({
                    "Type": "String",
                    "Description": "The global cluster's engine version (the primary cluster's, e.g. 8.0.mysql_aurora.3.08.0)",
                    "MinLength": 1,
                }),
            );
            parameters.insert(
                "AuroraInstanceClass".into(),
                json!({ "Type": "String", "Default": "db.r6g.large", "Description": "The secondary cluster's instance class" }),
            );
            parameters.insert(
                "DBSubnetGroupName".into(),
                json!({ "Type": "String", "Description": format!("A DB subnet group in {region}") , "MinLength": 1 }),
            );
            resources.insert(
                "SecondaryCluster".into(),
                json!({
                    "Type": "AWS::RDS::DBCluster",
                    "DeletionPolicy": "Retain",
                    "UpdateReplacePolicy": "Retain",
                    "Metadata": { "checkov": { "skip": [
                        skip("CKV_AWS_327", "Encrypted with the global cluster's key (a secondary joins the primary's encryption)"),
                    ] } },
                    "Properties": {
                        "DBClusterIdentifier": cluster_id,
                        "GlobalClusterIdentifier": global_cluster_id,
                        "Engine": "aurora-mysql",
                        "EngineVersion": { "Ref": "AuroraEngineVersion" },
                        "DBSubnetGroupName": { "Ref": "DBSubnetGroupName" },
                        "StorageEncrypted": true,
                        "CopyTagsToSnapshot": true,
                        "DeletionProtection": true,
                        "EnableIAMDatabaseAuthentication": true,
                        "BackupRetentionPeriod": 7,
                        "EnableCloudwatchLogsExports": ["error", "slowquery"],
                    },
                }),
            );
            resources.insert(
                "SecondaryInstance".into(),
                json!({
                    "Type": "AWS::RDS::DBInstance",
                    "DeletionPolicy": "Retain",
                    "UpdateReplacePolicy": "Retain",
                    "Metadata": { "checkov": { "skip": [
                        skip("CKV_AWS_118", "Enhanced monitoring needs a monitoring role the stack does not describe"),
                    ] } },
                    "Properties": {
                        "DBInstanceIdentifier": format!("{cluster_id}-1"),
                        "DBClusterIdentifier": { "Ref": "SecondaryCluster" },
                        "Engine": "aurora-mysql",
                        "DBInstanceClass": { "Ref": "AuroraInstanceClass" },
                        "PubliclyAccessible": false,
                        "AutoMinorVersionUpgrade": true,
                        "MonitoringInterval": 0,
                    },
                }),
            );
        }
        // The primary exists already; a self-managed database is the shop's own.
        _ => {}
    }

    Some(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "wfc DR plumbing of {shop} in {region}: endpoint health check{}. Generated by `wfc compile`.",
            if resources.len() > 1 { ", the DR copy of the database" } else { "" }
        ),
        "Metadata": { "wfc": {
            "shop": shop,
            "region": region,
            "deploy": "docs/deploy.md",
            "not_generated": {
                "failover_records": "The workflows pin the shop's records as simple alias records (switch_dns, no health check, so Route 53 cannot fail back by itself to a stale primary); Route 53 refuses a simple record beside failover records of the same name. Alias records to a load balancer have its 60 s TTL.",
            },
        } },
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    }))
}

fn skip(id: &str, comment: &str) -> Value {
    json!({ "id": id, "comment": comment })
}
