//! Resource ARNs for `permissions()`, with the placeholders the deployment fills in
//! (`${Partition}`, `${Region}`, `${Account}`). Resources are as narrow as IAM allows for each
//! action; `*` only where the action has no resource-level permissions.

/// Actions that IAM does not scope to a resource (CloudWatch GetMetricStatistics, Auto Scaling
/// Describe*): the only valid resource is `*`.
pub const ANY: &str = "*";
pub const RDS_DB: &str = "arn:${Partition}:rds:${Region}:${Account}:db:*";
pub const RDS_ANY_REGION_DB: &str = "arn:${Partition}:rds:*:${Account}:db:*";
pub const RDS_CLUSTER: &str = "arn:${Partition}:rds:${Region}:${Account}:cluster:*";
pub const RDS_ANY_REGION_CLUSTER: &str = "arn:${Partition}:rds:*:${Account}:cluster:*";
pub const RDS_GLOBAL_CLUSTER: &str = "arn:${Partition}:rds::${Account}:global-cluster:*";
pub const RDS_PARAMETER_GROUP: &str = "arn:${Partition}:rds:${Region}:${Account}:pg:*";
pub const RDS_ANY_REGION_PARAMETER_GROUP: &str = "arn:${Partition}:rds:*:${Account}:pg:*";
pub const RDS_SUBNET_GROUP: &str = "arn:${Partition}:rds:${Region}:${Account}:subgrp:*";
pub const RDS_SECURITY_GROUP: &str = "arn:${Partition}:rds:${Region}:${Account}:secgrp:*";
pub const KMS_KEY: &str = "arn:${Partition}:kms:${Region}:${Account}:key/*";
pub const HOSTED_ZONE: &str = "arn:${Partition}:route53:::hostedzone/*";
pub const ROUTE53_CHANGE: &str = "arn:${Partition}:route53:::change/*";
pub const HEALTH_CHECK: &str = "arn:${Partition}:route53:::healthcheck/*";
pub const ALARM: &str = "arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:*";
pub const ANY_REGION_ALARM: &str = "arn:${Partition}:cloudwatch:*:${Account}:alarm:*";
pub const ASG: &str =
    "arn:${Partition}:autoscaling:${Region}:${Account}:autoScalingGroup:*:autoScalingGroupName/*";
pub const ECS_SERVICE: &str = "arn:${Partition}:ecs:${Region}:${Account}:service/*/*";
pub const SSM_PARAMETER: &str = "arn:${Partition}:ssm:${Region}:${Account}:parameter/*";
pub const SSM_ANY_REGION_PARAMETER: &str = "arn:${Partition}:ssm:*:${Account}:parameter/*";
pub const SECRET: &str = "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:*";
pub const SNS_TOPIC: &str = "arn:${Partition}:sns:${Region}:${Account}:*";
pub const GLOBAL_DATASTORE: &str =
    "arn:${Partition}:elasticache::${Account}:globalreplicationgroup:*";
pub const ELASTICACHE_REPLICATION_GROUP: &str =
    "arn:${Partition}:elasticache:*:${Account}:replicationgroup:*";
pub const S3_BUCKET: &str = "arn:${Partition}:s3:::*";
/// Any region: a workflow's state machines are deployed in both regions under one name.
pub const STATE_MACHINE: &str = "arn:${Partition}:states:*:${Account}:stateMachine:*";
