//! The one error type of every activity. A variant's name is the `errorType` Step Functions sees,
//! so a workflow's Retry/Catch matches it by that name (`ActivityError::name`).
//!
//! Messages name resources (ids, parameter names, URLs without their query) and never values that
//! may be secret: a secret's contents, a webhook URL, a password.

use serde_json::Value;

pub type Result<T, E = ActivityError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActivityError {
    // ---- the input -------------------------------------------------------------------------
    #[error("invalid input at `{field}`: {reason}")]
    InvalidInput { field: String, reason: String },

    // ---- AWS, whatever the service (retryable ones first) --------------------------------
    #[error("{service} {operation} was throttled")]
    AwsThrottled { service: String, operation: String },
    #[error("{service} {operation} did not answer: {detail}")]
    AwsUnavailable {
        service: String,
        operation: String,
        detail: String,
    },
    #[error("{service} {operation}: access denied")]
    AwsAccessDenied { service: String, operation: String },
    #[error("{service} {operation} failed: {code}: {message}")]
    AwsError {
        service: String,
        operation: String,
        code: String,
        message: String,
    },

    // ---- databases -------------------------------------------------------------------------
    #[error("DB instance {id} not found")]
    DbInstanceNotFound { id: String },
    #[error("DB cluster {id} not found")]
    DbClusterNotFound { id: String },
    #[error("global cluster {id} not found")]
    GlobalClusterNotFound { id: String },
    #[error("{id} is not a read replica{detail}")]
    NotAReplica { id: String, detail: String },
    #[error("{id} is backing up; RDS refuses to promote during a backup")]
    BackupInProgress { id: String },
    #[error("{id} is `{status}`, not `available`")]
    DbInstanceNotAvailable { id: String, status: String },
    #[error("{id} runs {engine}, which this activity does not handle ({hint})")]
    UnsupportedEngine {
        id: String,
        engine: String,
        hint: String,
    },
    #[error("replica {id} lags {lag_seconds} s, over the limit of {limit_seconds} s")]
    ReplicaLagTooHigh {
        id: String,
        lag_seconds: f64,
        limit_seconds: f64,
    },
    #[error("replica {id} lag is unknown ({detail}); promote only with the explicit override")]
    ReplicaLagUnknown { id: String, detail: String },
    #[error("replica {id} is not in sync yet: {detail}")]
    ReplicaNotInSync { id: String, detail: String },
    #[error("global cluster {id} is `{status}`, not `available`")]
    GlobalClusterBusy { id: String, status: String },
    #[error("{target} is not a member of global cluster {global_cluster}")]
    NotAGlobalClusterMember {
        global_cluster: String,
        target: String,
    },
    #[error("{group} is a default parameter group, which RDS does not let anyone modify; attach a custom one")]
    DefaultParameterGroup { group: String },
    #[error("DB parameter group {group} not found")]
    ParameterGroupNotFound { group: String },
    #[error("DB instance id {id} is taken: {detail}")]
    ReplicaIdInUse { id: String, detail: String },
    #[error("source {source_id} is encrypted: a cross-region replica needs a KMS key in the target region (`kms_key_id`)")]
    KmsKeyRequired { source_id: String },
    #[error("database server {server} did not answer: {detail}")]
    DatabaseUnreachable { server: String, detail: String },
    #[error("database server {server} refused a statement: {detail}")]
    SqlError { server: String, detail: String },
    #[error("database server {server} is not writable yet: {detail}")]
    DatabaseNotWritable { server: String, detail: String },

    // ---- configuration store ---------------------------------------------------------------
    #[error("{store} `{name}` not found")]
    ConfigNotFound { store: String, name: String },
    #[error("secret `{name}` is not what was expected: {reason}")]
    SecretMalformed { name: String, reason: String },
    #[error("state parameter `{name}` is not valid state JSON: {reason}")]
    StateMalformed { name: String, reason: String },

    // ---- compute ---------------------------------------------------------------------------
    #[error("compute target {target} not found")]
    ComputeTargetNotFound { target: String },
    #[error("{target}: desired {desired} is above its maximum size {max}")]
    CapacityAboveMaximum {
        target: String,
        desired: u32,
        max: u32,
    },

    // ---- DNS and health --------------------------------------------------------------------
    #[error("hosted zone {zone} not found")]
    HostedZoneNotFound { zone: String },
    #[error("health check {id} not found")]
    HealthCheckNotFound { id: String },
    #[error("CloudWatch alarm {name} not found")]
    AlarmNotFound { name: String },
    #[error("Route 53 change {change_id} is still PENDING")]
    DnsChangePending { change_id: String },
    #[error("record {name} read back differs from what was written: {detail}")]
    DnsReadBackMismatch { name: String, detail: String },
    #[error("smoke test failed: {failures}")]
    SmokeTestFailed { failures: String },

    // ---- cache, media, notifications ---------------------------------------------------------
    #[error("global datastore {id} not found")]
    GlobalDatastoreNotFound { id: String },
    #[error("global datastore {id} is `{status}`, not `available`")]
    GlobalDatastoreBusy { id: String, status: String },
    #[error("{replication_group} is not a member of global datastore {id}")]
    NotAGlobalDatastoreMember {
        id: String,
        replication_group: String,
    },
    #[error("cache {endpoint}: {detail}")]
    CacheUnavailable { endpoint: String, detail: String },
    #[error("bucket {bucket} not found")]
    BucketNotFound { bucket: String },
    #[error("media replication of {bucket} is not configured: {detail}")]
    MediaReplicationNotConfigured { bucket: String, detail: String },
    #[error("media replication backlog of {bucket} is over its threshold: {detail}")]
    MediaReplicationBacklogTooHigh { bucket: String, detail: String },
    #[error("SNS topic {topic} not found")]
    TopicNotFound { topic: String },
    #[error("webhook failed: {detail}")]
    WebhookFailed { detail: String },

    // ---- failback request ------------------------------------------------------------------
    #[error(
        "a failover or failback is already running (state `{status}`, incident {incident_id})"
    )]
    FailoverInProgress { status: String, incident_id: String },
    #[error("target region {region} is not healthy: {detail}")]
    TargetRegionUnhealthy { region: String, detail: String },
    #[error("{region} is already the active region")]
    TargetAlreadyActive { region: String },

    // ---- starting workflows ----------------------------------------------------------------
    #[error("state machine {arn} not found (not deployed in its region?)")]
    StateMachineNotFound { arn: String },

    // ---- background jobs and the write gate --------------------------------------------------
    #[error("background-jobs runner {runner} not found")]
    JobRunnerNotFound { runner: String },
    #[error("web ACL {name} ({id}) not found (regional scope)")]
    WebAclNotFound { name: String, id: String },
    #[error("web ACL {name} kept changing under the write ({attempts} attempts, WAFOptimisticLockException)")]
    WebAclBusy { name: String, attempts: u32 },

    // ---- the Lambda wiring -----------------------------------------------------------------
    #[error("no activity named `{name}` (the function's handler setting)")]
    UnknownActivity { name: String },
}

/// Every error name an activity can return (the variants of [`ActivityError`]).
pub const ALL: &[&str] = &[
    "InvalidInput",
    "AwsThrottled",
    "AwsUnavailable",
    "AwsAccessDenied",
    "AwsError",
    "DbInstanceNotFound",
    "DbClusterNotFound",
    "GlobalClusterNotFound",
    "NotAReplica",
    "BackupInProgress",
    "DbInstanceNotAvailable",
    "UnsupportedEngine",
    "ReplicaLagTooHigh",
    "ReplicaLagUnknown",
    "ReplicaNotInSync",
    "GlobalClusterBusy",
    "NotAGlobalClusterMember",
    "DefaultParameterGroup",
    "ParameterGroupNotFound",
    "ReplicaIdInUse",
    "KmsKeyRequired",
    "DatabaseUnreachable",
    "SqlError",
    "DatabaseNotWritable",
    "ConfigNotFound",
    "SecretMalformed",
    "StateMalformed",
    "ComputeTargetNotFound",
    "CapacityAboveMaximum",
    "HostedZoneNotFound",
    "HealthCheckNotFound",
    "AlarmNotFound",
    "DnsChangePending",
    "DnsReadBackMismatch",
    "SmokeTestFailed",
    "GlobalDatastoreNotFound",
    "GlobalDatastoreBusy",
    "NotAGlobalDatastoreMember",
    "CacheUnavailable",
    "BucketNotFound",
    "MediaReplicationNotConfigured",
    "MediaReplicationBacklogTooHigh",
    "TopicNotFound",
    "WebhookFailed",
    "FailoverInProgress",
    "TargetRegionUnhealthy",
    "TargetAlreadyActive",
    "StateMachineNotFound",
    "JobRunnerNotFound",
    "WebAclNotFound",
    "WebAclBusy",
    "UnknownActivity",
];

/// The error names a workflow should retry with backoff: the condition passes by itself.
pub const RETRYABLE: &[&str] = &[
    "AwsThrottled",
    "AwsUnavailable",
    "BackupInProgress",
    "DbInstanceNotAvailable",
    "GlobalClusterBusy",
    "GlobalDatastoreBusy",
    "DnsChangePending",
    "ReplicaNotInSync",
    "SmokeTestFailed",
    "CacheUnavailable",
    "DatabaseUnreachable",
    // A just-promoted server (RDS applying the promotion) stays read_only for a few seconds.
    "DatabaseNotWritable",
    // Someone else was editing the web ACL; a later read gets a fresh lock token.
    "WebAclBusy",
];

/// The errors any activity that calls AWS can return besides its own.
pub const AWS_ERRORS: &[&str] = &[
    "InvalidInput",
    "AwsThrottled",
    "AwsUnavailable",
    "AwsAccessDenied",
    "AwsError",
];

/// `ERRORS` of an activity that calls AWS: the common names ([`AWS_ERRORS`]) and its own.
#[macro_export]
macro_rules! aws_errors {
    ($($name:ident),* $(,)?) => {
        &[
            "InvalidInput", "AwsThrottled", "AwsUnavailable", "AwsAccessDenied", "AwsError",
            $(stringify!($name)),*
        ]
    };
}

impl ActivityError {
    /// The `errorType` Step Functions matches: the variant's name.
    pub fn name(&self) -> &'static str {
        use ActivityError::*;
        match self {
            InvalidInput { .. } => "InvalidInput",
            AwsThrottled { .. } => "AwsThrottled",
            AwsUnavailable { .. } => "AwsUnavailable",
            AwsAccessDenied { .. } => "AwsAccessDenied",
            AwsError { .. } => "AwsError",
            DbInstanceNotFound { .. } => "DbInstanceNotFound",
            DbClusterNotFound { .. } => "DbClusterNotFound",
            GlobalClusterNotFound { .. } => "GlobalClusterNotFound",
            NotAReplica { .. } => "NotAReplica",
            BackupInProgress { .. } => "BackupInProgress",
            DbInstanceNotAvailable { .. } => "DbInstanceNotAvailable",
            UnsupportedEngine { .. } => "UnsupportedEngine",
            ReplicaLagTooHigh { .. } => "ReplicaLagTooHigh",
            ReplicaLagUnknown { .. } => "ReplicaLagUnknown",
            ReplicaNotInSync { .. } => "ReplicaNotInSync",
            GlobalClusterBusy { .. } => "GlobalClusterBusy",
            NotAGlobalClusterMember { .. } => "NotAGlobalClusterMember",
            DefaultParameterGroup { .. } => "DefaultParameterGroup",
            ParameterGroupNotFound { .. } => "ParameterGroupNotFound",
            ReplicaIdInUse { .. } => "ReplicaIdInUse",
            KmsKeyRequired { .. } => "KmsKeyRequired",
            DatabaseUnreachable { .. } => "DatabaseUnreachable",
            SqlError { .. } => "SqlError",
            DatabaseNotWritable { .. } => "DatabaseNotWritable",
            ConfigNotFound { .. } => "ConfigNotFound",
            SecretMalformed { .. } => "SecretMalformed",
            StateMalformed { .. } => "StateMalformed",
            ComputeTargetNotFound { .. } => "ComputeTargetNotFound",
            CapacityAboveMaximum { .. } => "CapacityAboveMaximum",
            HostedZoneNotFound { .. } => "HostedZoneNotFound",
            HealthCheckNotFound { .. } => "HealthCheckNotFound",
            AlarmNotFound { .. } => "AlarmNotFound",
            DnsChangePending { .. } => "DnsChangePending",
            DnsReadBackMismatch { .. } => "DnsReadBackMismatch",
            SmokeTestFailed { .. } => "SmokeTestFailed",
            GlobalDatastoreNotFound { .. } => "GlobalDatastoreNotFound",
            GlobalDatastoreBusy { .. } => "GlobalDatastoreBusy",
            NotAGlobalDatastoreMember { .. } => "NotAGlobalDatastoreMember",
            CacheUnavailable { .. } => "CacheUnavailable",
            BucketNotFound { .. } => "BucketNotFound",
            MediaReplicationNotConfigured { .. } => "MediaReplicationNotConfigured",
            MediaReplicationBacklogTooHigh { .. } => "MediaReplicationBacklogTooHigh",
            TopicNotFound { .. } => "TopicNotFound",
            WebhookFailed { .. } => "WebhookFailed",
            FailoverInProgress { .. } => "FailoverInProgress",
            TargetRegionUnhealthy { .. } => "TargetRegionUnhealthy",
            TargetAlreadyActive { .. } => "TargetAlreadyActive",
            StateMachineNotFound { .. } => "StateMachineNotFound",
            JobRunnerNotFound { .. } => "JobRunnerNotFound",
            WebAclNotFound { .. } => "WebAclNotFound",
            WebAclBusy { .. } => "WebAclBusy",
            UnknownActivity { .. } => "UnknownActivity",
        }
    }

    pub fn is_retryable(&self) -> bool {
        RETRYABLE.contains(&self.name())
    }

    /// `InvalidInput` for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ActivityError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The payload a Lambda error carries (`errorType`, `errorMessage`).
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "errorType": self.name(), "errorMessage": self.to_string() })
    }
}
