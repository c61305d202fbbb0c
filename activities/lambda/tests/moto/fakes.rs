//! In-memory ports for what moto does not model (each use says what and why). They log every
//! mutating call, so a test can say "the second run asked nothing".

use async_trait::async_trait;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::cache::{DatastoreMember, GlobalCache, GlobalDatastore};
use wfc_activities::ports::database::{
    Database, DbCluster, DbInstance, GlobalCluster, GlobalClusterMember, ReplicaSpec,
};
use wfc_activities::ports::dns::{ChangeStatus, CheckerObservation, Dns, RecordSet};
use wfc_activities::ports::metrics::{
    Alarm, AlarmState, Datapoint, MetricDatum, MetricQuery, Metrics,
};

/// A database whose promotion really ends replication (moto's does not).
#[derive(Default)]
pub struct FakeDatabase {
    pub instances: Mutex<Vec<DbInstance>>,
    pub global: Mutex<Option<GlobalCluster>>,
    pub calls: Mutex<Vec<String>>,
}

impl FakeDatabase {
    pub fn with_instance(instance: DbInstance) -> Self {
        let db = FakeDatabase::default();
        db.instances.lock().unwrap().push(instance);
        db
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn log(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
}

pub fn replica(id: &str, status: &str) -> DbInstance {
    DbInstance {
        id: id.into(),
        arn: format!("arn:aws:rds:us-west-2:123456789012:db:{id}"),
        status: status.into(),
        engine: "mysql".into(),
        replica_source: Some("arn:aws:rds:us-east-1:123456789012:db:shop".into()),
        backup_retention_days: 7,
        parameter_groups: vec!["shop-pg".into()],
        ..DbInstance::default()
    }
}

#[async_trait]
impl Database for FakeDatabase {
    async fn instance(&self, id: &str) -> Result<Option<DbInstance>> {
        Ok(self
            .instances
            .lock()
            .unwrap()
            .iter()
            .find(|i| i.id == id)
            .cloned())
    }
    async fn cluster(&self, _id: &str) -> Result<Option<DbCluster>> {
        Ok(None)
    }
    async fn global_cluster(&self, _id: &str) -> Result<Option<GlobalCluster>> {
        Ok(self.global.lock().unwrap().clone())
    }
    async fn promote_read_replica(&self, id: &str, _days: Option<i32>) -> Result<()> {
        self.log(format!("PromoteReadReplica {id}"));
        for i in self
            .instances
            .lock()
            .unwrap()
            .iter_mut()
            .filter(|i| i.id == id)
        {
            i.replica_source = None;
            i.status = "modifying".into();
        }
        Ok(())
    }
    async fn switchover_global_cluster(&self, global_id: &str, target: &str) -> Result<()> {
        self.log(format!("SwitchoverGlobalCluster {global_id} {target}"));
        self.make_writer(target);
        Ok(())
    }
    async fn failover_global_cluster(&self, global_id: &str, target: &str) -> Result<()> {
        self.log(format!(
            "FailoverGlobalCluster {global_id} {target} AllowDataLoss"
        ));
        self.make_writer(target);
        Ok(())
    }
    async fn create_read_replica(&self, spec: &ReplicaSpec) -> Result<DbInstance> {
        self.log(format!("CreateDBInstanceReadReplica {}", spec.replica_id));
        Ok(DbInstance::default())
    }
    async fn parameter(&self, _group: &str, _name: &str) -> Result<Option<String>> {
        Ok(None)
    }
    async fn set_parameter(&self, group: &str, name: &str, value: &str) -> Result<()> {
        self.log(format!("ModifyDBParameterGroup {group} {name}={value}"));
        Ok(())
    }
    async fn stop_instance(&self, id: &str) -> Result<()> {
        self.log(format!("StopDBInstance {id}"));
        Ok(())
    }
    async fn rename_instance(&self, id: &str, new_id: &str) -> Result<()> {
        self.log(format!(
            "ModifyDBInstance {id} NewDBInstanceIdentifier={new_id}"
        ));
        Ok(())
    }
    async fn set_security_groups(&self, id: &str, _groups: &[String]) -> Result<()> {
        self.log(format!("ModifyDBInstance {id}"));
        Ok(())
    }
}

impl FakeDatabase {
    fn make_writer(&self, target: &str) {
        if let Some(g) = self.global.lock().unwrap().as_mut() {
            for m in &mut g.members {
                m.is_writer = m.cluster_arn == target;
            }
        }
    }
}

pub fn global_cluster(status: &str, writer: &str, secondary: &str) -> GlobalCluster {
    GlobalCluster {
        id: "shop-global".into(),
        status: status.into(),
        members: vec![
            GlobalClusterMember {
                cluster_arn: writer.into(),
                is_writer: true,
            },
            GlobalClusterMember {
                cluster_arn: secondary.into(),
                is_writer: false,
            },
        ],
    }
}

/// Route 53 health checkers that can fail (moto's always report success), and changes that can
/// stay PENDING (moto's are INSYNC at once).
#[derive(Default)]
pub struct FakeDns {
    pub observations: Vec<CheckerObservation>,
    pub pending: bool,
    pub records: Mutex<Vec<RecordSet>>,
}

pub fn checkers(failing: usize, healthy: usize) -> Vec<CheckerObservation> {
    (0..failing + healthy)
        .map(|i| CheckerObservation {
            checker_region: format!("region-{i}"),
            healthy: i >= failing,
        })
        .collect()
}

#[async_trait]
impl Dns for FakeDns {
    async fn records(&self, _zone: &str, name: &str, record_type: &str) -> Result<Vec<RecordSet>> {
        Ok(self
            .records
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.name == name && r.record_type == record_type)
            .cloned()
            .collect())
    }
    async fn upsert(&self, _zone: &str, records: &[RecordSet], _comment: &str) -> Result<String> {
        let mut stored = self.records.lock().unwrap();
        for r in records {
            stored.retain(|s| !(s.name == r.name && s.set_identifier == r.set_identifier));
            stored.push(r.clone());
        }
        Ok("/change/C1".into())
    }
    async fn change_status(&self, _id: &str) -> Result<ChangeStatus> {
        Ok(if self.pending {
            ChangeStatus::Pending
        } else {
            ChangeStatus::InSync
        })
    }
    async fn health_check_status(&self, id: &str) -> Result<Vec<CheckerObservation>> {
        if id == "missing" {
            return Err(ActivityError::HealthCheckNotFound { id: id.into() });
        }
        Ok(self.observations.clone())
    }
}

/// CloudWatch with datapoints of any age and alarms in any state, set by the test.
#[derive(Default)]
pub struct FakeMetrics {
    pub points: Vec<(Duration, f64)>,
    pub alarm: Option<AlarmState>,
}

#[async_trait]
impl Metrics for FakeMetrics {
    async fn datapoints(&self, _query: &MetricQuery) -> Result<Vec<Datapoint>> {
        let now = SystemTime::now();
        let mut points: Vec<Datapoint> = self
            .points
            .iter()
            .map(|(age, value)| Datapoint {
                at: now - *age,
                value: *value,
            })
            .collect();
        points.sort_by_key(|p| p.at);
        Ok(points)
    }
    async fn alarm(&self, name: &str) -> Result<Option<Alarm>> {
        Ok(self.alarm.map(|state| Alarm {
            name: name.into(),
            state,
            reason: "fake".into(),
        }))
    }
    async fn put_datum(&self, _datum: &MetricDatum) -> Result<()> {
        unreachable!("no test publishes through the fake")
    }
}

/// An ElastiCache global datastore (moto does not implement global datastores).
#[derive(Default)]
pub struct FakeGlobalCache {
    pub datastore: Mutex<Option<GlobalDatastore>>,
    pub calls: Mutex<Vec<String>>,
}

pub fn datastore(status: &str, dr_role: &str) -> GlobalDatastore {
    let primary_role = if dr_role == "PRIMARY" {
        "SECONDARY"
    } else {
        "PRIMARY"
    };
    GlobalDatastore {
        id: "ldgnf-shop".into(),
        status: status.into(),
        members: vec![
            DatastoreMember {
                replication_group_id: "shop-east".into(),
                region: "us-east-1".into(),
                role: primary_role.into(),
            },
            DatastoreMember {
                replication_group_id: "shop-west".into(),
                region: "us-west-2".into(),
                role: dr_role.into(),
            },
        ],
    }
}

#[async_trait]
impl GlobalCache for FakeGlobalCache {
    async fn global_datastore(&self, _id: &str) -> Result<Option<GlobalDatastore>> {
        Ok(self.datastore.lock().unwrap().clone())
    }
    async fn failover_global_datastore(&self, id: &str, region: &str, group: &str) -> Result<()> {
        self.calls.lock().unwrap().push(format!(
            "FailoverGlobalReplicationGroup {id} {region} {group}"
        ));
        Ok(())
    }
}

/// SSM parameters in memory.
#[derive(Default)]
pub struct FakeConfig {
    pub parameters: Mutex<std::collections::HashMap<String, String>>,
}

#[async_trait]
impl wfc_activities::ports::ConfigStore for FakeConfig {
    async fn parameter(
        &self,
        name: &str,
    ) -> Result<Option<(wfc_activities::ports::config::SecretValue, bool)>> {
        Ok(self.parameters.lock().unwrap().get(name).map(|v| {
            (
                wfc_activities::ports::config::SecretValue::new(v.clone()),
                false,
            )
        }))
    }
    async fn put_parameter(&self, name: &str, value: &str, _secure: bool) -> Result<()> {
        self.parameters
            .lock()
            .unwrap()
            .insert(name.into(), value.into());
        Ok(())
    }
    async fn secret(
        &self,
        _id: &str,
    ) -> Result<Option<wfc_activities::ports::config::SecretValue>> {
        Ok(None)
    }
    async fn put_secret(
        &self,
        _id: &str,
        _value: &wfc_activities::ports::config::SecretValue,
    ) -> Result<()> {
        Ok(())
    }
}
