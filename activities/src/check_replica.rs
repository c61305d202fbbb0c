//! `check_replica`: the DR replica's status, whether it is still a replica, backups, and its
//! replication lag with an RPO verdict. "Unknown" is a first-class answer: CloudWatch reads -1 or
//! has no datapoint exactly when the primary is gone, and neither may pass as "no lag".
//! A self-managed MySQL/MariaDB replica (`self_managed`) is read with `SHOW REPLICA STATUS`
//! instead of RDS and CloudWatch; the verdict logic is the same.

use crate::error::{ActivityError, Result};
use crate::ports::metrics::{Datapoint, MetricQuery, Metrics};
use crate::ports::mysql::{open_self_managed, MySqlConnection, ReplicaStatus, SessionMode};
use crate::ports::{Clock, ConfigStore, Database, MySql, SystemClock};
use crate::reserve_order_ids::mysql_secret_permission;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wfc_contract::{Activity, Permission};

pub struct CheckReplica;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckReplicaInput {
    pub db_instance_id: String,
    /// Region of the replica; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
    /// The RPO limit: the most replication lag, in seconds, a failover may lose.
    pub max_lag_seconds: f64,
    /// How far back to look for `ReplicaLag` datapoints (60–3600 s).
    #[serde(default = "default_window")]
    pub lag_window_seconds: u32,
    /// A human's explicit acceptance of data loss beyond the limit, or of an unknown lag.
    #[serde(default)]
    pub rpo_override: Option<RpoOverride>,
    /// Fail (`NotAReplica`, `ReplicaLagTooHigh`, `ReplicaLagUnknown`) instead of only reporting.
    #[serde(default)]
    pub enforce: bool,
    /// A self-managed MySQL/MariaDB replica: read over SQL, not RDS (`db_instance_id` then only
    /// names it in the output and errors; `region` and `lag_window_seconds` are not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_managed: Option<MySqlConnection>,
}

fn default_window() -> u32 {
    300
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RpoOverride {
    /// Why data loss is accepted (kept in the execution history).
    pub reason: String,
}

impl Validate for CheckReplicaInput {
    fn validate(&self) -> Result<()> {
        validate::db_identifier("db_instance_id", &self.db_instance_id)?;
        validate::optional_region("region", &self.region)?;
        validate::non_negative("max_lag_seconds", self.max_lag_seconds)?;
        validate::range("lag_window_seconds", self.lag_window_seconds, 60, 3600)?;
        if let Some(o) = &self.rpo_override {
            validate::non_empty("rpo_override.reason", &o.reason)?;
        }
        if let Some(c) = &self.self_managed {
            c.validate("self_managed")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RpoVerdict {
    WithinLimit,
    TooHigh,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckReplicaOutput {
    pub db_instance_id: String,
    pub status: String,
    pub engine: String,
    pub is_replica: bool,
    pub replica_source: Option<String>,
    pub backups_enabled: bool,
    pub backup_retention_days: i32,
    /// RDS refuses to promote while a backup runs.
    pub backing_up: bool,
    /// Whether CloudWatch gave a usable, recent lag (not -1, not missing, not stale).
    pub lag_known: bool,
    /// The lag in seconds; null when unknown.
    pub lag_seconds: Option<f64>,
    /// The last usable lag before it became unknown, if any (a hint for the human override).
    pub last_known_lag_seconds: Option<f64>,
    /// When replication stopped within the window (`ReplicaLag` -1, as when the primary dies):
    /// the lag just before it stopped, the most of the last two datapoints that directly precede
    /// the stop. It is what the writes in flight were when the source went away, and the gate
    /// judges it like a current lag; `null` when replication runs or stopped out of sight.
    pub lag_at_stop_seconds: Option<f64>,
    pub lag_detail: String,
    pub rpo_verdict: RpoVerdict,
    pub override_used: bool,
    /// Whether the lag gate lets a promotion go ahead (verdict, or the explicit override).
    pub promote_allowed: bool,
}

/// A lag reading from CloudWatch `ReplicaLag`.
#[derive(Debug, Clone, PartialEq)]
pub struct LagReading {
    pub seconds: Option<f64>,
    pub last_known_seconds: Option<f64>,
    /// See [`CheckReplicaOutput::lag_at_stop_seconds`].
    pub at_stop_seconds: Option<f64>,
    pub detail: String,
}

const PERIOD_SECONDS: i32 = 60;
/// A datapoint older than this no longer describes the replica (the metric stops when the
/// primary is gone).
const STALE_AFTER: Duration = Duration::from_secs(3 * PERIOD_SECONDS as u64);

/// Reads `AWS/RDS ReplicaLag` (Maximum per minute) for `id`; shared with `await_replica_in_sync`.
pub(crate) async fn read_lag(
    metrics: &dyn Metrics,
    clock: &dyn Clock,
    id: &str,
    window_seconds: u32,
) -> Result<LagReading> {
    let query = MetricQuery {
        namespace: "AWS/RDS".into(),
        metric: "ReplicaLag".into(),
        dimensions: vec![("DBInstanceIdentifier".into(), id.into())],
        window: Duration::from_secs(window_seconds.into()),
        period_seconds: PERIOD_SECONDS,
        statistic: "Maximum".into(),
    };
    let points = metrics.datapoints(&query).await?;
    let last_known = points
        .iter()
        .rev()
        .find(|p| p.value >= 0.0)
        .map(|p| p.value);
    let Some(latest) = points.last() else {
        return Ok(LagReading {
            seconds: None,
            last_known_seconds: None,
            at_stop_seconds: None,
            detail: format!("no ReplicaLag datapoint in the last {window_seconds} s"),
        });
    };
    let age = clock.now().duration_since(latest.at).unwrap_or_default();
    let at_stop_seconds = lag_at_stop(&points);
    let (seconds, detail) = if latest.value < 0.0 {
        let detail = match at_stop_seconds {
            Some(s) => format!(
                "ReplicaLag is -1: replication stopped; the lag just before it stopped was {s} s"
            ),
            None => "ReplicaLag is -1: replication is not running".to_string(),
        };
        (None, detail)
    } else if age > STALE_AFTER {
        (
            None,
            format!("the latest ReplicaLag datapoint is {} s old", age.as_secs()),
        )
    } else {
        (Some(latest.value), format!("ReplicaLag {} s", latest.value))
    };
    Ok(LagReading {
        seconds,
        last_known_seconds: last_known,
        at_stop_seconds,
        detail,
    })
}

/// The lag when replication stopped: the datapoints end in a run of -1, and the period right
/// before that run (no gap: replication ran until it stopped, inside the window) has a value.
/// The most of the last two such periods, since the minute of the stop may hide the last lag.
fn lag_at_stop(points: &[Datapoint]) -> Option<f64> {
    let first_stopped = points.iter().rposition(|p| p.value >= 0.0)? + 1;
    let stopped = points.get(first_stopped)?;
    let before = &points[..first_stopped];
    let last = before.last()?;
    let period = Duration::from_secs(PERIOD_SECONDS as u64);
    if stopped.at.duration_since(last.at).ok()? != period {
        return None;
    }
    let recent = &before[before.len().saturating_sub(2)..];
    recent.iter().map(|p| p.value).reduce(f64::max)
}

/// What the verdict is made from, however the replica was read.
struct ReplicaFacts {
    status: String,
    engine: String,
    replica_source: Option<String>,
    backup_retention_days: i32,
    lag: LagReading,
}

/// The refusal of a `run` that is given a self-managed server (it has no RDS instance).
pub(crate) fn self_managed_elsewhere() -> ActivityError {
    ActivityError::invalid(
        "self_managed",
        "a self-managed server is read over SQL (run_self_managed; the Lambda handler picks it)",
    )
}

/// RDS: the instance from `DescribeDBInstances`, the lag from CloudWatch `ReplicaLag`.
pub async fn run(
    input: CheckReplicaInput,
    db: &dyn Database,
    metrics: &dyn Metrics,
) -> Result<CheckReplicaOutput> {
    run_at(input, db, metrics, &SystemClock).await
}

/// [`run`] with the clock that datapoints are aged against (the drill's virtual clock).
pub async fn run_at(
    input: CheckReplicaInput,
    db: &dyn Database,
    metrics: &dyn Metrics,
    clock: &dyn Clock,
) -> Result<CheckReplicaOutput> {
    input.validate()?;
    if input.self_managed.is_some() {
        return Err(self_managed_elsewhere());
    }
    let id = &input.db_instance_id;
    let instance = db
        .instance(id)
        .await?
        .ok_or_else(|| ActivityError::DbInstanceNotFound { id: id.clone() })?;
    let lag = read_lag(metrics, clock, id, input.lag_window_seconds).await?;
    verdict(
        &input,
        ReplicaFacts {
            status: instance.status,
            engine: instance.engine,
            replica_source: instance.replica_source,
            backup_retention_days: instance.backup_retention_days,
            lag,
        },
    )
}

/// The lag of a self-managed replica: `Seconds_Behind_Master` while both replication threads
/// run; stopped threads or NULL are "unknown", with the reason.
pub(crate) fn replica_lag(replica: Option<&ReplicaStatus>) -> LagReading {
    let unknown = |detail: String| LagReading {
        seconds: None,
        last_known_seconds: None,
        at_stop_seconds: None,
        detail,
    };
    match replica {
        None => unknown("not a replica: SHOW REPLICA STATUS is empty".into()),
        Some(r) if !r.io_running || !r.sql_running => unknown(format!(
            "replication is not running (IO thread {}, SQL thread {}){}",
            if r.io_running { "running" } else { "stopped" },
            if r.sql_running { "running" } else { "stopped" },
            if r.last_error.is_empty() {
                String::new()
            } else {
                format!(": {}", r.last_error)
            }
        )),
        Some(ReplicaStatus {
            seconds_behind_source: None,
            ..
        }) => unknown("Seconds_Behind_Master is NULL".into()),
        Some(ReplicaStatus {
            seconds_behind_source: Some(s),
            ..
        }) => LagReading {
            seconds: Some(*s as f64),
            last_known_seconds: Some(*s as f64),
            at_stop_seconds: None,
            detail: format!("Seconds_Behind_Master {s} s"),
        },
    }
}

/// A self-managed MySQL/MariaDB replica (`self_managed`), read with `SHOW REPLICA STATUS`.
/// Backups are not visible over SQL: reported as not enabled.
pub async fn run_self_managed(
    input: CheckReplicaInput,
    config: &dyn ConfigStore,
    mysql: &dyn MySql,
) -> Result<CheckReplicaOutput> {
    input.validate()?;
    let (_, mut session) = open_self_managed(
        input.self_managed.as_ref(),
        config,
        mysql,
        SessionMode::ReadOnly,
    )
    .await?;
    let read = async {
        let version = session.version().await?;
        let replica = session.replica_status().await?;
        Ok::<_, ActivityError>((version, replica))
    }
    .await;
    session.close().await;
    let (version, replica) = read?;
    let facts = ReplicaFacts {
        status: "available".into(),
        engine: engine_of(&version),
        replica_source: replica.as_ref().map(|r| r.source.clone()),
        backup_retention_days: 0,
        lag: replica_lag(replica.as_ref()),
    };
    verdict(&input, facts)
}

/// `mariadb` or `mysql`, from `SELECT VERSION()`.
pub(crate) fn engine_of(version: &str) -> String {
    if version.to_ascii_lowercase().contains("mariadb") {
        "mariadb".into()
    } else {
        "mysql".into()
    }
}

/// The RPO verdict and the gate, the same for every kind of replica.
fn verdict(input: &CheckReplicaInput, facts: ReplicaFacts) -> Result<CheckReplicaOutput> {
    let id = &input.db_instance_id;
    let ReplicaFacts {
        status,
        engine,
        replica_source,
        backup_retention_days,
        lag,
    } = facts;
    // A replication that stopped inside the window is judged by its lag when it stopped: that
    // is what a dead primary leaves, and refusing it would make every real outage need a person.
    let verdict = match lag.seconds.or(lag.at_stop_seconds) {
        None => RpoVerdict::Unknown,
        Some(s) if s <= input.max_lag_seconds => RpoVerdict::WithinLimit,
        Some(_) => RpoVerdict::TooHigh,
    };
    let override_used = verdict != RpoVerdict::WithinLimit && input.rpo_override.is_some();
    let is_replica = replica_source.is_some();
    let output = CheckReplicaOutput {
        db_instance_id: id.clone(),
        backing_up: status == "backing-up",
        status,
        engine,
        is_replica,
        replica_source,
        backups_enabled: backup_retention_days > 0,
        backup_retention_days,
        lag_known: lag.seconds.is_some(),
        lag_seconds: lag.seconds,
        last_known_lag_seconds: lag.last_known_seconds,
        lag_at_stop_seconds: lag.at_stop_seconds,
        lag_detail: lag.detail.clone(),
        rpo_verdict: verdict,
        override_used,
        promote_allowed: is_replica && (verdict == RpoVerdict::WithinLimit || override_used),
    };
    if input.enforce && !output.promote_allowed {
        return Err(if !is_replica {
            ActivityError::NotAReplica {
                id: id.clone(),
                detail: " (it has no replication source: promoted already, or never a replica)"
                    .into(),
            }
        } else if verdict == RpoVerdict::Unknown {
            ActivityError::ReplicaLagUnknown {
                id: id.clone(),
                detail: lag.detail,
            }
        } else {
            ActivityError::ReplicaLagTooHigh {
                id: id.clone(),
                lag_seconds: lag.seconds.or(lag.at_stop_seconds).unwrap_or_default(),
                limit_seconds: input.max_lag_seconds,
            }
        });
    }
    Ok(output)
}

/// What reading a replica and its `ReplicaLag` needs; shared with `await_replica_in_sync`.
pub(crate) fn replica_lag_permissions() -> Vec<Permission> {
    vec![
        Permission::new(&["rds:DescribeDBInstances"], &[iam::RDS_DB]),
        Permission::new(&["cloudwatch:GetMetricStatistics"], &[iam::ANY]),
    ]
}

impl Activity for CheckReplica {
    const NAME: &'static str = "check_replica";
    const ERRORS: &'static [&'static str] = aws_errors![
        DbInstanceNotFound,
        NotAReplica,
        ReplicaLagTooHigh,
        ReplicaLagUnknown,
        ConfigNotFound,
        SecretMalformed,
        DatabaseUnreachable,
        SqlError
    ];
    type Input = CheckReplicaInput;
    type Output = CheckReplicaOutput;
    fn permissions() -> Vec<Permission> {
        let mut permissions = replica_lag_permissions();
        permissions.push(mysql_secret_permission());
        permissions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    /// One datapoint a minute from t = 0, with these values.
    fn minutes(values: &[f64]) -> Vec<Datapoint> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Datapoint {
                at: SystemTime::UNIX_EPOCH + Duration::from_secs(60 * i as u64),
                value: *v,
            })
            .collect()
    }

    #[test]
    fn a_dead_primary_leaves_the_lag_it_had_when_replication_stopped() {
        assert_eq!(
            lag_at_stop(&minutes(&[1.0, 4.0, 2.0, -1.0, -1.0])),
            Some(4.0)
        );
        assert_eq!(lag_at_stop(&minutes(&[7.0, -1.0])), Some(7.0));
    }

    #[test]
    fn running_replication_or_a_stop_out_of_sight_has_no_lag_at_stop() {
        assert_eq!(lag_at_stop(&minutes(&[1.0, 2.0])), None);
        assert_eq!(lag_at_stop(&minutes(&[-1.0, -1.0])), None);
        // A missing minute between the last value and the stop: when it stopped is not known.
        let mut points = minutes(&[3.0, -1.0, -1.0]);
        points.remove(1);
        assert_eq!(lag_at_stop(&points), None);
    }

    fn input(max_lag_seconds: f64) -> CheckReplicaInput {
        CheckReplicaInput {
            db_instance_id: "shop-dr".into(),
            region: None,
            max_lag_seconds,
            lag_window_seconds: 600,
            rpo_override: None,
            enforce: false,
            self_managed: None,
        }
    }

    fn facts(at_stop_seconds: Option<f64>) -> ReplicaFacts {
        ReplicaFacts {
            status: "available".into(),
            engine: "mysql".into(),
            replica_source: Some("shop-primary".into()),
            backup_retention_days: 7,
            lag: LagReading {
                seconds: None,
                last_known_seconds: at_stop_seconds,
                at_stop_seconds,
                detail: "ReplicaLag is -1".into(),
            },
        }
    }

    #[test]
    fn the_gate_judges_the_lag_at_the_stop_like_a_current_lag() {
        let within = verdict(&input(60.0), facts(Some(2.0))).unwrap();
        assert_eq!(within.rpo_verdict, RpoVerdict::WithinLimit);
        assert!(within.promote_allowed && !within.lag_known && !within.override_used);
        let over = verdict(&input(60.0), facts(Some(90.0))).unwrap();
        assert_eq!(over.rpo_verdict, RpoVerdict::TooHigh);
        assert!(!over.promote_allowed);
        let unknown = verdict(&input(60.0), facts(None)).unwrap();
        assert_eq!(unknown.rpo_verdict, RpoVerdict::Unknown);
        assert!(!unknown.promote_allowed);
    }
}
