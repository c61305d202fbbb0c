//! The DR plumbing of one region (`cloudformation/dr-<region>.yaml`), from the stack description:
//! the Route 53 health check of the region's endpoint (10-second interval, 2 failures: about
//! 20 s to call it unhealthy), and in the DR region the cross-region read replica (Multi-AZ when
//! the stack asks) or the Aurora global database's secondary cluster. The event forwarding between
//! the regions is in the orchestrator templates (rules.json's forward rules); the RDS CA bundle is
//! on the functions that speak MySQL.
//!
//! **Detection.** In the primary region, when it is us-east-1 (the only region Route 53 publishes
//! health-check metrics to), an alarm on the endpoint check's `HealthCheckStatus`, named by
//! [`endpoint_down_alarm`] so the failover rules match it. Route 53's metrics are
//! standard resolution: the alarm's period is 60 s, the least they allow, so detection is the
//! check's ~20 s plus up to a minute. In the DR region, the alarm on the `probe_endpoint`
//! function's high-resolution metric (a datapoint every 10 s, 10 s periods, 3 of 3) detects in
//! about 30–45 s, well under a minute; its own DR-region rule starts the failover.
//!
//! **Failover records, with the workflow deciding.** The DR region's template makes each of the
//! shop's names a pair of failover alias records: PRIMARY to the primary load balancer, SECONDARY
//! to the DR one. The PRIMARY record's health check is *not* the endpoint's (that would move
//! writes to a replica before it is promoted, the article's flaw the drill shows): it is a
//! `CLOUDWATCH_METRIC` check on a DR-region alarm over `ServeFromDr`, a metric only a person or
//! the workflow publishes, after promotion. No data means healthy, so Route 53 keeps answering
//! PRIMARY until then. Neither record evaluates target health. `switch_dns` rewrites the PRIMARY
//! record (same set identifier) to the serving region with no health check, pinned: after a
//! cutover nothing but another cutover moves the traffic. The gate is the data-plane path for when
//! Route 53's control plane (us-east-1 only) refuses the UPSERT: publish `ServeFromDr = 1` in the
//! DR region and Route 53's health checkers move the answers to SECONDARY. Alias records to a load
//! balancer have its 60 s TTL (an alias record cannot set one).

use serde_json::{json, Map, Value};
use wfc_stack::{Database, Role, Stack};
use wfc_workflows::woocommerce::rules::{
    endpoint_down_alarm, endpoint_health_path, probe_alarm, PROBE_METRIC,
};
use wfc_workflows::woocommerce::{PRIMARY_RECORD, SECONDARY_RECORD};

/// The metric that sends the shop's traffic to the DR region (1) or keeps it on the primary
/// (0), in the DR region under `wfc/<shop>`, dimension `Shop`.
pub const SERVE_FROM_DR_METRIC: &str = "ServeFromDr";

/// The DR-region alarm over [`SERVE_FROM_DR_METRIC`] the PRIMARY records' health check follows.
pub fn serve_from_dr_alarm(stack: &Stack) -> String {
    format!("{}-serve-from-dr", stack.shop.name)
}

pub fn template(stack: &Stack, region: &str) -> Option<Value> {
    let site = stack.regions.get(region)?;
    let shop = &stack.shop.name;
    let mut resources = Map::new();
    let mut parameters = Map::new();
    let mut outputs = Map::new();
    let path = endpoint_health_path(stack);
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
                    // Route 53 DG: fast interval × threshold ≈ 20 s to call it unhealthy (the
                    // failover confirms the outage on the checkers' own reports before acting).
                    "RequestInterval": 10,
                    "FailureThreshold": 2,
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

    if endpoint_down_alarm(stack).is_some() && region == stack.shop.primary_region {
        resources.insert("EndpointDownAlarm".into(), endpoint_down(stack));
    }
    let mut conditions = Map::new();
    if region != stack.shop.primary_region {
        resources.insert("ProbeDownAlarm".into(), probe_down(stack));
        failover_records(stack, &mut resources);
        // CloudFormation cannot adopt records (coverage roadmap #560), and Route 53 refuses
        // failover records beside a simple record of the same name: a shop that serves already
        // swaps its records in one atomic change batch and says `false` (docs/deploy.md).
        parameters.insert(
            "CreateFailoverRecords".into(),
            json!({
                "Type": "String",
                "AllowedValues": ["true", "false"],
                "Default": "true",
                "Description": "false when the shop's names are already failover records made outside this stack",
            }),
        );
        conditions.insert(
            "CreatesFailoverRecords".into(),
            json!({ "Fn::Equals": [{ "Ref": "CreateFailoverRecords" }, "true"] }),
        );
        outputs.insert(
            "PrimaryRecordsHealthCheckId".into(),
            json!({
                "Description": "The health check of the PRIMARY failover records (the gate)",
                "Value": { "Ref": "ServeFromDrHealthCheck" },
            }),
        );
    }

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
            "wfc DR plumbing of {shop} in {region}: endpoint health check{}{}{}{}. Generated by `wfc compile`.",
            if resources.contains_key("EndpointDownAlarm") { " and its alarm" } else { "" },
            if resources.contains_key("ProbeDownAlarm") { ", the primary endpoint probe's alarm" } else { "" },
            if resources.contains_key("ServeFromDrHealthCheck") { ", the shop's failover records and their gate" } else { "" },
            if resources.contains_key("Replica") || resources.contains_key("SecondaryCluster") { ", the DR copy of the database" } else { "" }
        ),
        "Metadata": { "wfc": metadata(stack, region) },
        "Parameters": parameters,
        "Conditions": conditions,
        "Resources": resources,
        "Outputs": outputs,
    }))
}

/// "The primary's endpoint is down": Route 53's status of its check, minimum over a minute below 1.
fn endpoint_down(stack: &Stack) -> Value {
    let shop = &stack.shop.name;
    json!({
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": endpoint_down_alarm(stack),
            "AlarmDescription": format!(
                "The endpoint of {shop} in {} fails Route 53's health check: starts the failover (which confirms the outage first)",
                stack.shop.primary_region
            ),
            "Namespace": "AWS/Route53",
            "MetricName": "HealthCheckStatus",
            "Dimensions": [{ "Name": "HealthCheckId", "Value": { "Ref": "EndpointHealthCheck" } }],
            "Statistic": "Minimum",
            // Route 53's metrics have one-minute resolution: a shorter period has no data.
            "Period": 60,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            // A gap in Route 53's metric is not an outage of the shop; the checkers' reports are.
            "TreatMissingData": "notBreaching",
        },
    })
}

/// "The primary's endpoint is down", fast: every probe of 30 s failed. The probe
/// (`probe_endpoint`, every minute from the DR region's schedule) publishes one datapoint every
/// 10 s at high resolution, so the periods may be 10 s, and such an alarm is evaluated every 10 s
/// (CloudWatch UG, "Create a CloudWatch alarm based on a static threshold"; PutMetricAlarm
/// `Period`): ALARM some 30–45 s after the endpoint stops answering, plus the seconds of a probe's
/// timeout and of ingestion.
fn probe_down(stack: &Stack) -> Value {
    let shop = &stack.shop.name;
    json!({
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": probe_alarm(stack),
            "AlarmDescription": format!(
                "Every probe of {shop}'s endpoint in {} failed for 30 s: starts the failover (which confirms the outage first)",
                stack.shop.primary_region
            ),
            "Namespace": format!("wfc/{shop}"),
            "MetricName": PROBE_METRIC,
            "Dimensions": [{ "Name": "Shop", "Value": shop }],
            // 1 up, 0 down: the maximum is below 1 only when every probe of the period failed.
            "Statistic": "Maximum",
            "Period": 10,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 3,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            // A dead probe is no outage: with `missing`, a range without datapoints goes to
            // INSUFFICIENT_DATA, never ALARM, so the probe alone cannot start a failover (which
            // confirms the outage on Route 53's checkers before acting anyway). `breaching` would.
            "TreatMissingData": "missing",
        },
    })
}

/// The gate (alarm and health check) and each name's PRIMARY and SECONDARY alias records.
fn failover_records(stack: &Stack, resources: &mut Map<String, Value>) {
    let shop = &stack.shop.name;
    let (_, primary) = stack.primary();
    let (dr, secondary) = stack.secondary();
    resources.insert(
        "ServeFromDrAlarm".into(),
        json!({
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": serve_from_dr_alarm(stack),
                "AlarmDescription": format!(
                    "{shop}'s traffic goes to {dr}: someone published {SERVE_FROM_DR_METRIC} = 1 after the database was promoted. Publish 0 to return it"
                ),
                "Namespace": format!("wfc/{shop}"),
                "MetricName": SERVE_FROM_DR_METRIC,
                "Dimensions": [{ "Name": "Shop", "Value": shop }],
                "Statistic": "Maximum",
                // Standard resolution: Route 53 cannot follow an alarm on a high-resolution metric.
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                // The metric is published once per decision: the alarm keeps the last one.
                "TreatMissingData": "ignore",
            },
        }),
    );
    resources.insert(
        "ServeFromDrHealthCheck".into(),
        json!({
            "Type": "AWS::Route53::HealthCheck",
            "Properties": {
                "HealthCheckConfig": {
                    "Type": "CLOUDWATCH_METRIC",
                    "AlarmIdentifier": { "Name": serve_from_dr_alarm(stack), "Region": dr },
                    // Unhealthy (answer SECONDARY) while the alarm is in ALARM. Never published,
                    // or CloudWatch unsure: healthy, the shop stays where it is.
                    "InsufficientDataHealthStatus": "Healthy",
                },
                "HealthCheckTags": [{ "Key": "Name", "Value": format!("{shop}-primary-records-gate") }],
            },
            "DependsOn": "ServeFromDrAlarm",
        }),
    );
    for (i, name) in stack.dns.record_names.iter().enumerate() {
        let record = |set: &str, failover: &str, lb: &wfc_stack::LoadBalancer| {
            json!({
                "Type": "AWS::Route53::RecordSet",
                "Condition": "CreatesFailoverRecords",
                "Properties": {
                    "HostedZoneId": stack.dns.hosted_zone_id,
                    "Name": name,
                    "Type": "A",
                    "SetIdentifier": set,
                    "Failover": failover,
                    "AliasTarget": {
                        "DNSName": lb.dns_name,
                        "HostedZoneId": lb.hosted_zone_id,
                        // The load balancer's own health would move writes before promotion.
                        "EvaluateTargetHealth": false,
                    },
                },
            })
        };
        let mut p = record(PRIMARY_RECORD, "PRIMARY", &primary.load_balancer);
        p["Properties"]["HealthCheckId"] = json!({ "Ref": "ServeFromDrHealthCheck" });
        resources.insert(format!("Record{}Primary", i + 1), p);
        resources.insert(
            format!("Record{}Secondary", i + 1),
            record(SECONDARY_RECORD, "SECONDARY", &secondary.load_balancer),
        );
    }
}

fn metadata(stack: &Stack, region: &str) -> Value {
    let mut m = json!({
        "shop": stack.shop.name,
        "region": region,
        "deploy": "docs/deploy.md",
    });
    if region == stack.shop.primary_region {
        m["failover_records"] = json!(format!(
            "In dr-{}.yaml, with their gate: the workflows decide when traffic moves",
            stack.secondary().0
        ));
        if endpoint_down_alarm(stack).is_none() {
            m["not_generated"] = json!({ "endpoint_down_alarm": format!(
                "Route 53 publishes health-check metrics only in {}: an alarm there would raise its event where no rule of this stack listens. Name an alarm of {region} in regions.{region}.alarms",
                wfc_workflows::woocommerce::rules::ROUTE53_METRICS_REGION
            ) });
        }
    } else {
        m["failover_records"] = json!(format!(
            "PRIMARY ({PRIMARY_RECORD}) to the primary load balancer, gated by the {} alarm (metric wfc/{}/{SERVE_FROM_DR_METRIC}, published only after promotion); SECONDARY ({SECONDARY_RECORD}) to this region's. switch_dns rewrites the PRIMARY record to the serving region with no health check (pinned). Replaces simple records of the same names: see docs/deploy.md",
            serve_from_dr_alarm(stack), stack.shop.name
        ));
    }
    m
}

fn skip(id: &str, comment: &str) -> Value {
    json!({ "id": id, "comment": comment })
}
