//! `retire_instance`: moves an RDS instance that no longer serves out of its name, so that the
//! instance taking its role gets the name the stack description, the alarms and the event rules
//! use: it is renamed `<id>-old<N>` (the lowest free N; AWS's blue/green deployments name a
//! retired instance the same way) and, once the rename is done, stopped. Stopped because it
//! shares its parameter group with its successor: `read_only=0` there would make it writable.
//!
//! RDS keeps metrics and events with the name, not the instance ("Renaming a DB instance", RDS
//! user guide), and a renamed instance is unavailable for about ten minutes: until then this
//! activity fails with `DbInstanceNotAvailable`, which the workflow retries. Idempotent: an
//! instance already retired is stopped if it is not yet; one that already is the successor
//! (`successor_of`) is left as it is.

use crate::error::{ActivityError, Result};
use crate::ports::database::DbInstance;
use crate::ports::Database;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_contract::{Activity, Permission};

pub struct RetireInstance;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireInstanceInput {
    /// The name to free.
    pub db_instance_id: String,
    /// Default: the function's own region.
    #[serde(default)]
    pub region: Option<String>,
    /// The database the successor replicates from (id or ARN): an instance under the name that
    /// already replicates from it is the successor (an earlier run created it), not retired.
    #[serde(default)]
    pub successor_of: Option<String>,
}

impl Validate for RetireInstanceInput {
    fn validate(&self) -> Result<()> {
        validate::db_identifier("db_instance_id", &self.db_instance_id)?;
        // The longest retired name must still be an identifier.
        validate::db_identifier("db_instance_id", &retired_name(&self.db_instance_id, 99))?;
        validate::optional_region("region", &self.region)?;
        if let Some(source) = &self.successor_of {
            validate::non_empty("successor_of", source)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RetireInstanceOutput {
    pub db_instance_id: String,
    /// `retired`: renamed and stopped now or before; `successor`: the name already holds the
    /// successor (and `retired_id` is the newest instance retired from it, if any).
    pub outcome: RetireOutcome,
    /// The retired instance's name (`<id>-old<N>`); `null` when there is none.
    pub retired_id: Option<String>,
    /// The region the instance is in, for the recorded state.
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetireOutcome {
    Retired,
    Successor,
}

fn retired_name(id: &str, n: u32) -> String {
    format!("{id}-old{n}")
}

/// The retired instances of `id`, oldest first, up to the first free number.
async fn retired(db: &dyn Database, id: &str) -> Result<Vec<DbInstance>> {
    let mut found = Vec::new();
    for n in 1..100 {
        match db.instance(&retired_name(id, n)).await? {
            Some(i) => found.push(i),
            None => break,
        }
    }
    Ok(found)
}

fn is_replica_of(instance: &DbInstance, source: &str) -> bool {
    instance.replica_source.as_deref().is_some_and(|s| {
        s == source
            || s.rsplit_once(":db:").is_some_and(|(_, id)| id == source)
            || source.rsplit_once(":db:").is_some_and(|(_, id)| id == s)
    })
}

pub async fn run(input: RetireInstanceInput, db: &dyn Database) -> Result<RetireInstanceOutput> {
    input.validate()?;
    let id = &input.db_instance_id;
    let output = |outcome, retired_id| RetireInstanceOutput {
        db_instance_id: id.clone(),
        outcome,
        retired_id,
        region: input.region.clone(),
    };
    let before = retired(db, id).await?;
    let newest = before.last().map(|i| i.id.clone());
    let current = db.instance(id).await?;
    if let Some(current) = current {
        if let Some(source) = &input.successor_of {
            if is_replica_of(&current, source) {
                return Ok(output(RetireOutcome::Successor, newest));
            }
        }
        // RDS modifies no stopped instance: said at once, not retried for half an hour (an old
        // primary a `stop` fence stopped must be started, fenced, to be reconciled anyway).
        if current.status == "stopped" {
            return Err(ActivityError::invalid(
                "db_instance_id",
                format!("{id} is stopped, and RDS renames only a running instance: start it (it stays fenced), then start the failback again"),
            ));
        }
        if current.status != "available" {
            return Err(ActivityError::DbInstanceNotAvailable {
                id: id.clone(),
                status: current.status,
            });
        }
        let new_id = retired_name(id, before.len() as u32 + 1);
        db.rename_instance(id, &new_id).await?;
        // A rename takes minutes in RDS (moto and the drill's world may be quicker): the stop
        // waits for the next attempt unless it is done already.
        return match db.instance(&new_id).await? {
            Some(renamed) => stop_retired(db, renamed)
                .await
                .map(|_| output(RetireOutcome::Retired, Some(new_id.clone()))),
            None => Err(ActivityError::DbInstanceNotAvailable {
                id: new_id,
                status: "renaming".into(),
            }),
        };
    }
    // The name is free: the newest retired instance is this name's, renamed by an earlier attempt.
    let newest = before
        .into_iter()
        .last()
        .ok_or_else(|| ActivityError::DbInstanceNotFound { id: id.clone() })?;
    let retired_id = newest.id.clone();
    stop_retired(db, newest).await?;
    Ok(output(RetireOutcome::Retired, Some(retired_id)))
}

/// Stops the retired instance once its rename is done (`DbInstanceNotAvailable` until then).
async fn stop_retired(db: &dyn Database, instance: DbInstance) -> Result<()> {
    match instance.status.as_str() {
        "stopped" | "stopping" => Ok(()),
        "available" => db.stop_instance(&instance.id).await,
        _ => Err(ActivityError::DbInstanceNotAvailable {
            id: instance.id,
            status: instance.status,
        }),
    }
}

impl Activity for RetireInstance {
    const NAME: &'static str = "retire_instance";
    const ERRORS: &'static [&'static str] = aws_errors![DbInstanceNotFound, DbInstanceNotAvailable];
    type Input = RetireInstanceInput;
    type Output = RetireInstanceOutput;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            &[
                "rds:DescribeDBInstances",
                "rds:ModifyDBInstance",
                "rds:StopDBInstance",
            ],
            &[iam::RDS_DB],
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_too_long_to_retire_is_refused_before_any_call() {
        let input = RetireInstanceInput {
            db_instance_id: "a".repeat(60),
            region: None,
            successor_of: None,
        };
        let err = input.validate().unwrap_err();
        assert!(err.to_string().contains("db_instance_id"), "{err}");
    }

    #[test]
    fn a_replica_named_by_arn_or_id_is_the_successor() {
        let replica = DbInstance {
            replica_source: Some("arn:aws:rds:us-west-2:123456789012:db:woo-db-usw2".into()),
            ..DbInstance::default()
        };
        assert!(is_replica_of(&replica, "woo-db-usw2"));
        assert!(is_replica_of(
            &replica,
            "arn:aws:rds:us-west-2:123456789012:db:woo-db-usw2"
        ));
        assert!(!is_replica_of(&replica, "woo-db-use1"));
    }
}
