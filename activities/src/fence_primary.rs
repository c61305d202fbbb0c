//! `fence_primary`: stop writes to the old primary where it can still be reached (by
//! configuration: `read_only` parameter, stop the instance, or swap its security groups for an
//! isolating one) and put the shop into maintenance mode. It never fails because the primary
//! region is down: it finishes within `timeout_seconds` and reports `fenced`, `unreachable` or
//! `failed`, so the workflow decides (split-brain risk is the workflow's call, with the facts).
//! A self-managed MySQL/MariaDB primary (`read_only_server`) is fenced over SQL with
//! `SET GLOBAL read_only = ON`.

use crate::error::{ActivityError, Result};
use crate::iam;
use crate::ports::mysql::{MySqlConnection, SessionMode};
use crate::ports::{ConfigStore, Database, MySql};
use crate::reserve_order_ids::mysql_secret_permission;
use crate::set_read_only::apply_read_only;
use crate::validate::{self, Validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::time::Duration;
// tokio's clock: the system's on AWS, the paused virtual one in the drill.
use tokio::time::Instant;
use wfc_contract::{Activity, Permission};

pub struct FencePrimary;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FenceMethod {
    /// `read_only=1` on the instance's custom parameter group (or the one given).
    ReadOnly {
        #[serde(default)]
        parameter_group: Option<String>,
    },
    /// `StopDBInstance` (RDS refuses it while the instance has read replicas).
    Stop,
    /// Replace the instance's security groups with these (a group that admits nobody).
    Isolate { security_group_ids: Vec<String> },
    /// A self-managed MySQL/MariaDB server: `SET GLOBAL read_only = ON` over SQL (users without
    /// SUPER, the shop's, can no longer write). `db_instance_id` then only names it.
    ReadOnlyServer { connection: MySqlConnection },
}

/// The flag the shop reads to show a maintenance page and refuse writes (503 + Retry-After).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceFlag {
    /// SSM parameter in the primary region, e.g. `/shop/maintenance`.
    pub parameter_name: String,
    #[serde(default = "on")]
    pub value: String,
}

fn on() -> String {
    "on".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FencePrimaryInput {
    /// The old primary's region (not the function's).
    pub primary_region: String,
    pub db_instance_id: String,
    pub method: FenceMethod,
    #[serde(default)]
    pub maintenance: Option<MaintenanceFlag>,
    /// Everything is given up after this long (1–120 s); keep it under the Task's timeout.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_timeout() -> u32 {
    20
}

impl Validate for FencePrimaryInput {
    fn validate(&self) -> Result<()> {
        validate::region("primary_region", &self.primary_region)?;
        validate::db_identifier("db_instance_id", &self.db_instance_id)?;
        validate::range("timeout_seconds", self.timeout_seconds, 1, 120)?;
        match &self.method {
            FenceMethod::ReadOnly {
                parameter_group: Some(group),
            } => validate::parameter_group_name("method.parameter_group", group)?,
            FenceMethod::ReadOnlyServer { connection } => {
                connection.validate("method.connection")?;
            }
            FenceMethod::Isolate { security_group_ids } => {
                validate::list("method.security_group_ids", security_group_ids, 5)?;
                for (i, sg) in security_group_ids.iter().enumerate() {
                    if !sg.starts_with("sg-") {
                        return Err(ActivityError::invalid(
                            format!("method.security_group_ids[{i}]"),
                            "is not a security group id (sg-…)",
                        ));
                    }
                }
            }
            _ => {}
        }
        if let Some(m) = &self.maintenance {
            validate::ssm_parameter_name("maintenance.parameter_name", &m.parameter_name)?;
            validate::non_empty("maintenance.value", &m.value)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FenceOutcome {
    /// Writes are stopped (now, or already before this call).
    Fenced,
    /// The primary region did not answer in time: nothing is known to have changed.
    Unreachable,
    /// The region answered but refused (not found, not allowed, wrong state): see `detail`.
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceOutcome {
    Set,
    Unreachable,
    Failed,
    NotConfigured,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FencePrimaryOutput {
    pub outcome: FenceOutcome,
    pub detail: String,
    /// Fenced before this call already (nothing changed).
    pub already_fenced: bool,
    pub maintenance: MaintenanceOutcome,
    pub maintenance_detail: String,
    pub elapsed_ms: u64,
}

/// The old primary, fenced by `method`; `Ok(already)` when writes are stopped.
async fn fence(db: &dyn Database, input: &FencePrimaryInput) -> Result<bool> {
    let id = &input.db_instance_id;
    let instance = db
        .instance(id)
        .await?
        .ok_or_else(|| ActivityError::DbInstanceNotFound { id: id.clone() })?;
    match &input.method {
        FenceMethod::ReadOnly { parameter_group } => {
            let change = apply_read_only(db, &instance, parameter_group.as_deref(), true).await?;
            Ok(!change.changed)
        }
        FenceMethod::Stop => {
            if matches!(instance.status.as_str(), "stopped" | "stopping") {
                return Ok(true);
            }
            db.stop_instance(id).await?;
            Ok(false)
        }
        FenceMethod::ReadOnlyServer { .. } => Err(self_managed_elsewhere()),
        FenceMethod::Isolate { security_group_ids } => {
            let mut current = instance.security_groups.clone();
            let mut wanted = security_group_ids.clone();
            current.sort();
            wanted.sort();
            if current == wanted {
                return Ok(true);
            }
            db.set_security_groups(id, security_group_ids).await?;
            Ok(false)
        }
    }
}

/// A self-managed server, `read_only` on; `Ok(already)`.
async fn fence_server(
    connection: &MySqlConnection,
    secrets: &dyn ConfigStore,
    mysql: &dyn MySql,
) -> Result<bool> {
    let server = connection.login(secrets).await?;
    let mut session = mysql.connect(&server, SessionMode::ReadWrite).await?;
    let fenced = async {
        if session.read_only().await? {
            return Ok(true);
        }
        session.set_read_only(true).await?;
        Ok(false)
    }
    .await;
    session.close().await;
    fenced
}

fn self_managed_elsewhere() -> ActivityError {
    ActivityError::invalid(
        "method",
        "read_only_server is fenced over SQL (run_self_managed; the Lambda handler picks it)",
    )
}

/// Reachability, not success, decides between `unreachable` and `failed`.
fn unreachable(error: &ActivityError) -> bool {
    matches!(
        error,
        ActivityError::AwsUnavailable { .. }
            | ActivityError::AwsThrottled { .. }
            | ActivityError::DatabaseUnreachable { .. }
    )
}

/// RDS methods (`read_only`, `stop`, `isolate`).
pub async fn run(
    input: FencePrimaryInput,
    db: &dyn Database,
    config: &dyn ConfigStore,
) -> Result<FencePrimaryOutput> {
    input.validate()?;
    if matches!(input.method, FenceMethod::ReadOnlyServer { .. }) {
        return Err(self_managed_elsewhere());
    }
    finish(&input, fence(db, &input), config).await
}

/// `read_only_server`: the credentials' secret is read through `secrets` (the connection's
/// region), the maintenance flag written through `config` (the primary region).
pub async fn run_self_managed(
    input: FencePrimaryInput,
    secrets: &dyn ConfigStore,
    config: &dyn ConfigStore,
    mysql: &dyn MySql,
) -> Result<FencePrimaryOutput> {
    input.validate()?;
    let FenceMethod::ReadOnlyServer { connection } = &input.method else {
        return Err(ActivityError::invalid(
            "method",
            "run_self_managed fences only read_only_server",
        ));
    };
    finish(&input, fence_server(connection, secrets, mysql), config).await
}

/// Fences the database (`database`) and sets the maintenance flag at once, each within the
/// time budget, and reports what happened.
async fn finish(
    input: &FencePrimaryInput,
    database: impl Future<Output = Result<bool>>,
    config: &dyn ConfigStore,
) -> Result<FencePrimaryOutput> {
    let started = Instant::now();
    let limit = Duration::from_secs(input.timeout_seconds.into());
    let timed_out = || format!("no answer within {} s", input.timeout_seconds);
    // Both at once: each gets the whole time budget, and a dead region costs it only once.
    let database = tokio::time::timeout(limit, database);
    let maintenance = async {
        match &input.maintenance {
            None => None,
            Some(flag) => Some(
                tokio::time::timeout(
                    limit,
                    config.put_parameter(&flag.parameter_name, &flag.value, false),
                )
                .await,
            ),
        }
    };
    let (database, maintenance) = tokio::join!(database, maintenance);
    let (outcome, already_fenced, detail) = match database {
        Ok(Ok(already)) => {
            let how = match &input.method {
                FenceMethod::ReadOnly { .. } => "read_only=1",
                FenceMethod::Stop => "stopped",
                FenceMethod::Isolate { .. } => "isolated by security groups",
                FenceMethod::ReadOnlyServer { .. } => "read_only=ON on the server",
            };
            let when = if already { " (already)" } else { "" };
            (FenceOutcome::Fenced, already, format!("{how}{when}"))
        }
        Ok(Err(e)) if unreachable(&e) => (FenceOutcome::Unreachable, false, e.to_string()),
        Ok(Err(e)) => (FenceOutcome::Failed, false, format!("{}: {e}", e.name())),
        Err(_) => (FenceOutcome::Unreachable, false, timed_out()),
    };
    let (maintenance, maintenance_detail) = match maintenance {
        None => (MaintenanceOutcome::NotConfigured, String::new()),
        Some(Ok(Ok(()))) => (MaintenanceOutcome::Set, String::new()),
        Some(Ok(Err(e))) if unreachable(&e) => (MaintenanceOutcome::Unreachable, e.to_string()),
        Some(Ok(Err(e))) => (MaintenanceOutcome::Failed, format!("{}: {e}", e.name())),
        Some(Err(_)) => (MaintenanceOutcome::Unreachable, timed_out()),
    };
    Ok(FencePrimaryOutput {
        outcome,
        detail,
        already_fenced,
        maintenance,
        maintenance_detail,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

impl Activity for FencePrimary {
    const NAME: &'static str = "fence_primary";
    /// Everything past the input is reported in the output, not raised.
    const ERRORS: &'static [&'static str] = &["InvalidInput"];
    type Input = FencePrimaryInput;
    type Output = FencePrimaryOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                &[
                    "rds:DescribeDBInstances",
                    "rds:StopDBInstance",
                    "rds:ModifyDBInstance",
                ],
                &[iam::RDS_ANY_REGION_DB],
            ),
            Permission::new(
                &["rds:DescribeDBParameters", "rds:ModifyDBParameterGroup"],
                &[iam::RDS_ANY_REGION_PARAMETER_GROUP],
            ),
            Permission::new(&["ssm:PutParameter"], &[iam::SSM_ANY_REGION_PARAMETER]),
            mysql_secret_permission(),
        ]
    }
}
