//! The world as the activities see it: every port of `wfc-activities`, served by the simulated
//! world of one region. Each call spends the latency model's control-plane time on tokio's paused
//! clock, then moves the world to the call's virtual time and acts on it.

use crate::world::{secs, Millis, World};
use async_trait::async_trait;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::background_jobs::Schedules;
use wfc_activities::ports::cache::{CacheEndpoint, GlobalCache, GlobalDatastore, KeyStore};
use wfc_activities::ports::compute::{Capacity, Compute, ComputeTarget};
use wfc_activities::ports::config::{ConfigStore, SecretValue};
use wfc_activities::ports::database::{
    Database, DbCluster, DbInstance, GlobalCluster, GlobalClusterMember, ReplicaSpec,
};
use wfc_activities::ports::dns::{ChangeStatus, CheckerObservation, Dns, RecordSet};
use wfc_activities::ports::http::{HttpAnswer, HttpProbe, HttpRequest, HttpResponse, Method};
use wfc_activities::ports::metrics::{
    Alarm, AlarmState, Datapoint, MetricDatum, MetricQuery, Metrics,
};
use wfc_activities::ports::mysql::{
    IdCounter, MySql, MySqlServer, MySqlSession, OrderLine, OrderRecord, ReplicaStatus, SessionMode,
};
use wfc_activities::ports::notifier::Notifier;
use wfc_activities::ports::workflows::{
    unqualified, ExecutionSummary, RunningExecution, StartOutcome, Workflows,
};
use wfc_activities::ports::write_gate::{AclRule, GateRule, WebAcl, WebAclRef, WriteGate, Written};
use wfc_activities::ports::Clock;

/// Where an activity call started: the virtual time of its invocation, and tokio's paused clock
/// at that moment (what its own sleeps advance).
#[derive(Clone, Copy)]
pub struct CallClock {
    pub origin: Millis,
    pub base: tokio::time::Instant,
}

impl CallClock {
    pub fn now(&self) -> Millis {
        self.origin + (tokio::time::Instant::now() - self.base).as_millis() as Millis
    }
}

/// The world of one region, as one activity call sees it.
#[derive(Clone)]
pub struct Sim {
    pub world: Arc<Mutex<World>>,
    pub region: String,
    pub clock: CallClock,
    /// The activity acting (named in violations).
    pub activity: String,
}

impl Sim {
    /// Spends one control-plane call, then the world at the call's time; a call the world
    /// throttles (the `dr-throttling` scenario) fails as the AWS adapters name it.
    async fn call(&self) -> Result<MutexGuard<'_, World>> {
        let api = self.world.lock().expect("world").lat.get("api_call");
        tokio::time::sleep(Duration::from_secs_f64(api)).await;
        let attempts = {
            let mut w = self.at_now();
            w.throttled_attempts(&self.region)
        };
        match attempts {
            // The SDK's backoff between attempts (standard mode: up to 1 s, then 2 s).
            Some(1) => {}
            Some(n) => {
                let backoff: f64 = (1..n).map(|k| 0.5 * f64::from(k)).sum();
                tokio::time::sleep(Duration::from_secs_f64(backoff + api * f64::from(n - 1))).await;
            }
            None => {
                tokio::time::sleep(Duration::from_secs_f64(1.5 + api * 2.0)).await;
                return Err(ActivityError::AwsThrottled {
                    service: "simulated".into(),
                    operation: self.activity.clone(),
                });
            }
        }
        Ok(self.at_now())
    }

    fn at_now(&self) -> MutexGuard<'_, World> {
        let mut w = self.world.lock().expect("world");
        let t = self.clock.now();
        w.advance_to(t);
        if w.step
            .as_deref()
            .is_none_or(|s| !s.ends_with(&self.activity))
        {
            w.step = Some(format!("activity {}", self.activity));
        }
        w
    }

    fn in_region(&self, w: &World) -> Result<()> {
        if w.regions_down.contains(&self.region) {
            return Err(ActivityError::AwsUnavailable {
                service: "simulated".into(),
                operation: self.activity.clone(),
                detail: format!("{} does not answer", self.region),
            });
        }
        Ok(())
    }
}

/// After an action the invariants are checked at once (not only at the next world step).
fn acted(w: &mut World) {
    crate::invariants::check(w);
}

fn system_time(t: Millis) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(t.max(0) as u64)
}

impl Clock for Sim {
    fn now(&self) -> SystemTime {
        system_time(self.clock.now())
    }
}

#[async_trait]
impl Database for Sim {
    async fn instance(&self, id: &str) -> Result<Option<DbInstance>> {
        let w = self.call().await?;
        self.in_region(&w)?;
        let Some(i) = w.instances.get(id).filter(|i| i.region == self.region) else {
            return Ok(None);
        };
        let replicas = w
            .instances
            .values()
            .filter(|r| r.source.as_deref() == Some(id))
            .map(|r| r.arn.clone())
            .collect();
        Ok(Some(DbInstance {
            id: i.id.clone(),
            arn: i.arn.clone(),
            status: if i.stopped {
                "stopped".into()
            } else {
                i.status.clone()
            },
            engine: "mysql".into(),
            endpoint: Some(i.endpoint.clone()),
            port: Some(3306),
            replica_source: i.source.as_ref().map(|s| {
                w.instances
                    .get(s)
                    .map(|x| x.arn.clone())
                    .unwrap_or_else(|| s.clone())
            }),
            replicas,
            backup_retention_days: i.backup_retention_days,
            // The example stacks name no KMS key: their databases are unencrypted (the API default).
            storage_encrypted: false,
            parameter_groups: i.parameter_group.iter().cloned().collect(),
            security_groups: i.security_groups.clone(),
            cluster_id: None,
        }))
    }

    async fn cluster(&self, id: &str) -> Result<Option<DbCluster>> {
        let w = self.call().await?;
        self.in_region(&w)?;
        Ok(w.instances
            .get(id)
            .filter(|i| i.region == self.region && i.global_cluster.is_some())
            .map(|i| DbCluster {
                id: i.id.clone(),
                arn: i.arn.clone(),
                status: if i.alive {
                    i.status.clone()
                } else {
                    "inaccessible-encryption-credentials-recoverable".into()
                },
                engine: "aurora-mysql".into(),
                endpoint: Some(i.endpoint.clone()),
                port: Some(3306),
                // A member of a global cluster has no replication source of its own.
                replica_source: None,
            }))
    }

    async fn global_cluster(&self, id: &str) -> Result<Option<GlobalCluster>> {
        let w = self.call().await?;
        let members: Vec<GlobalClusterMember> = w
            .instances
            .values()
            .filter(|i| i.global_cluster.as_deref() == Some(id))
            .map(|i| GlobalClusterMember {
                cluster_arn: i.arn.clone(),
                is_writer: i.source.is_none(),
            })
            .collect();
        if members.is_empty() {
            return Ok(None);
        }
        let busy = w
            .instances
            .values()
            .any(|i| i.global_cluster.as_deref() == Some(id) && i.global_failover.is_some());
        Ok(Some(GlobalCluster {
            id: id.into(),
            status: if busy { "failing-over" } else { "available" }.into(),
            members,
        }))
    }

    async fn promote_read_replica(&self, id: &str, _retention: Option<i32>) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        w.promote(id).map_err(|e| ActivityError::AwsError {
            service: "rds".into(),
            operation: "PromoteReadReplica".into(),
            code: "Simulated".into(),
            message: format!("{id}: {e}"),
        })?;
        acted(&mut w);
        Ok(())
    }

    async fn switchover_global_cluster(&self, g: &str, target_arn: &str) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        let target = w
            .instances
            .values()
            .find(|i| i.arn == target_arn && i.global_cluster.as_deref() == Some(g))
            .map(|i| i.id.clone())
            .ok_or_else(|| ActivityError::GlobalClusterNotFound { id: g.into() })?;
        w.start_global_switchover(&target)
            .map_err(|e| ActivityError::GlobalClusterNotFound {
                id: format!("{g}: {e}"),
            })?;
        acted(&mut w);
        Ok(())
    }

    async fn failover_global_cluster(&self, g: &str, target_arn: &str) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        let target = w
            .instances
            .values()
            .find(|i| i.arn == target_arn && i.global_cluster.as_deref() == Some(g))
            .map(|i| i.id.clone())
            .ok_or_else(|| ActivityError::GlobalClusterNotFound { id: g.into() })?;
        w.start_global_failover(&target)
            .map_err(|e| ActivityError::GlobalClusterNotFound {
                id: format!("{g}: {e}"),
            })?;
        acted(&mut w);
        Ok(())
    }

    async fn create_read_replica(&self, spec: &ReplicaSpec) -> Result<DbInstance> {
        {
            let mut w = self.call().await?;
            self.in_region(&w)?;
            w.create_replica(
                &spec.replica_id,
                &self.region,
                &spec.source_arn,
                spec.parameter_group.clone(),
            )
            .map_err(|e| ActivityError::AwsError {
                service: "rds".into(),
                operation: "CreateDBInstanceReadReplica".into(),
                code: e.split(':').next().unwrap_or("Simulated").into(),
                message: e,
            })?;
            acted(&mut w);
        }
        self.instance(&spec.replica_id)
            .await?
            .ok_or_else(|| ActivityError::DbInstanceNotFound {
                id: spec.replica_id.clone(),
            })
    }

    async fn parameter(&self, group: &str, name: &str) -> Result<Option<String>> {
        let w = self.call().await?;
        self.in_region(&w)?;
        Ok(w.parameter_groups
            .get(&(self.region.clone(), group.to_string()))
            .and_then(|p| p.get(name).cloned()))
    }

    async fn set_parameter(&self, group: &str, name: &str, value: &str) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        let key = (self.region.clone(), group.to_string());
        let Some(params) = w.parameter_groups.get_mut(&key) else {
            return Err(ActivityError::AwsError {
                service: "rds".into(),
                operation: "simulated".into(),
                code: "Simulated".into(),
                message: format!("DBParameterGroupNotFound: {group}"),
            });
        };
        params.insert(name.into(), value.into());
        w.note(format!(
            "parameter group {group} in {}: {name} = {value}",
            self.region
        ));
        acted(&mut w);
        Ok(())
    }

    async fn stop_instance(&self, id: &str) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        if let Some(i) = w.instances.get_mut(id) {
            i.stopped = true;
        }
        acted(&mut w);
        Ok(())
    }

    async fn rename_instance(&self, id: &str, new_id: &str) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        w.rename_instance(id, new_id)
            .map_err(|e| ActivityError::AwsError {
                service: "rds".into(),
                operation: "ModifyDBInstance".into(),
                code: e.split(':').next().unwrap_or("Simulated").into(),
                message: e,
            })?;
        acted(&mut w);
        Ok(())
    }

    async fn set_security_groups(&self, id: &str, groups: &[String]) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        if let Some(i) = w.instances.get_mut(id) {
            i.security_groups = groups.to_vec();
        }
        acted(&mut w);
        Ok(())
    }
}

#[async_trait]
impl Dns for Sim {
    async fn records(&self, _zone: &str, name: &str, record_type: &str) -> Result<Vec<RecordSet>> {
        let w = self.call().await?;
        let name = name.trim_end_matches('.');
        Ok(w.records
            .iter()
            .filter(|r| r.name.trim_end_matches('.') == name && r.record_type == record_type)
            .cloned()
            .collect())
    }

    async fn upsert(&self, _zone: &str, records: &[RecordSet], _comment: &str) -> Result<String> {
        let mut w = self.call().await?;
        let id = w.upsert_records(records);
        acted(&mut w);
        Ok(id)
    }

    async fn change_status(&self, change_id: &str) -> Result<ChangeStatus> {
        let w = self.call().await?;
        Ok(match w.changes.get(change_id) {
            Some(t) if *t <= w.now => ChangeStatus::InSync,
            _ => ChangeStatus::Pending,
        })
    }

    async fn health_check_status(&self, id: &str) -> Result<Vec<CheckerObservation>> {
        let w = self.call().await?;
        let hc = w
            .health_checks
            .get(id)
            .ok_or_else(|| ActivityError::HealthCheckNotFound { id: id.into() })?;
        Ok(hc
            .checkers
            .iter()
            .enumerate()
            .map(|(n, (_, _, ok))| CheckerObservation {
                checker_region: crate::world::CHECKER_REGIONS[n % 8].to_string(),
                healthy: *ok,
            })
            .collect())
    }
}

#[async_trait]
impl Compute for Sim {
    async fn capacity(&self, target: &ComputeTarget) -> Result<Option<Capacity>> {
        let w = self.call().await?;
        self.in_region(&w)?;
        let name = target_name(target);
        Ok(w.asgs.get(&name).map(|a| Capacity {
            desired: a.desired,
            max: Some(a.max),
            in_service: a.in_service(w.now),
        }))
    }

    async fn set_desired(&self, target: &ComputeTarget, desired: u32) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        let boot = secs(w.lat.get("asg_boot"));
        let now = w.now;
        let name = target_name(target);
        if let Some(a) = w.asgs.get_mut(&name) {
            a.desired = desired;
            while (a.instances.len() as u32) < desired {
                a.instances.push(now + boot);
            }
            a.instances.truncate(desired as usize);
        }
        w.note(format!("{name}: desired capacity {desired}"));
        acted(&mut w);
        Ok(())
    }
}

fn target_name(target: &ComputeTarget) -> String {
    match target {
        ComputeTarget::AutoScalingGroup { name } => name.clone(),
        ComputeTarget::EcsService { service, .. } => service.clone(),
    }
}

#[async_trait]
impl ConfigStore for Sim {
    async fn parameter(&self, name: &str) -> Result<Option<(SecretValue, bool)>> {
        let w = self.call().await?;
        self.in_region(&w)?;
        Ok(w.ssm
            .get(&(self.region.clone(), name.to_string()))
            .map(|(v, s)| (SecretValue::new(v.clone()), *s)))
    }

    async fn put_parameter(&self, name: &str, value: &str, secure: bool) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        w.ssm
            .insert((self.region.clone(), name.into()), (value.into(), secure));
        let shown = if name == w.stack.app.state_parameter {
            "(state recorded)".to_string()
        } else {
            value.to_string()
        };
        w.note(format!("SSM {name} in {} = {shown}", self.region));
        acted(&mut w);
        Ok(())
    }

    async fn secret(&self, id: &str) -> Result<Option<SecretValue>> {
        let w = self.call().await?;
        self.in_region(&w)?;
        Ok(w.secrets
            .get(&(self.region.clone(), id.to_string()))
            .map(|v| SecretValue::new(v.clone())))
    }

    async fn put_secret(&self, id: &str, value: &SecretValue) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        w.secrets
            .insert((self.region.clone(), id.into()), value.expose().into());
        Ok(())
    }
}

#[async_trait]
impl Notifier for Sim {
    async fn publish(&self, topic_arn: &str, subject: &str, message: &str) -> Result<String> {
        let mut w = self.call().await?;
        // The call's own time: the world may have stepped ahead for a task in another branch.
        let at = self.clock.now();
        w.notifications.push(crate::world::Notification {
            at,
            topic: topic_arn.into(),
            subject: subject.into(),
            message: message.into(),
        });
        Ok(format!("msg-{}", w.notifications.len()))
    }

    async fn post_webhook(&self, _url: &SecretValue, _body: &serde_json::Value) -> Result<u16> {
        Ok(200)
    }
}

#[async_trait]
impl Metrics for Sim {
    async fn datapoints(&self, query: &MetricQuery) -> Result<Vec<Datapoint>> {
        let w = self.call().await?;
        let id = query
            .dimensions
            .iter()
            .find(|(k, _)| k == "DBInstanceIdentifier")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let from = w.now - query.window.as_millis() as Millis;
        // A datapoint is queryable once the period closed and CloudWatch ingested it.
        let ingest = secs(w.lat.get("alarm_ingest"));
        let period = secs(w.lat.get("alarm_period"));
        Ok(w.instances
            .get(&id)
            .map(|i| {
                i.lag_points
                    .iter()
                    .filter(|(t, _)| *t >= from && *t + period + ingest <= w.now)
                    .map(|(t, v)| Datapoint {
                        at: system_time(*t),
                        value: *v,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn alarm(&self, name: &str) -> Result<Option<Alarm>> {
        let w = self.call().await?;
        // CloudWatch is regional: a region that is down does not answer.
        self.in_region(&w)?;
        Ok(w.alarms.get(name).map(|a| Alarm {
            name: a.name.clone(),
            state: if a.in_alarm {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            },
            reason: "simulated".into(),
        }))
    }

    /// The drill models the endpoint probe's datapoints and alarm in the world, not through
    /// `probe_endpoint` (drill/DIFFERENCES.md): what it would publish goes nowhere.
    async fn put_datum(&self, _datum: &MetricDatum) -> Result<()> {
        let w = self.call().await?;
        self.in_region(&w)
    }
}

#[async_trait]
impl GlobalCache for Sim {
    async fn global_datastore(&self, _id: &str) -> Result<Option<GlobalDatastore>> {
        Ok(None)
    }
    async fn failover_global_datastore(&self, _: &str, _: &str, _: &str) -> Result<()> {
        Ok(())
    }
}

#[async_trait]
impl KeyStore for Sim {
    async fn delete_matching(
        &self,
        endpoint: &CacheEndpoint,
        _patterns: &[String],
        _timeout: Duration,
    ) -> Result<u64> {
        self.flush_database(endpoint, 0, Duration::from_secs(30))
            .await
    }

    async fn flush_database(
        &self,
        endpoint: &CacheEndpoint,
        _database: u32,
        _timeout: Duration,
    ) -> Result<u64> {
        let flush = self.world.lock().expect("world").lat.get("cache_flush");
        tokio::time::sleep(Duration::from_secs_f64(flush)).await;
        let mut w = self.at_now();
        self.in_region(&w)?;
        let keys = w.caches.insert(endpoint.host.clone(), 0).unwrap_or(0);
        w.note(format!("cache {} flushed ({keys} keys)", endpoint.host));
        Ok(keys)
    }
}

#[async_trait]
impl HttpProbe for Sim {
    async fn get(&self, url: &str, _timeout: Duration) -> std::result::Result<HttpAnswer, String> {
        let r = self
            .request(&HttpRequest {
                method: Method::Get,
                url: url.into(),
                headers: vec![],
                body: None,
                timeout: Duration::from_secs(5),
                connect_to: None,
            })
            .await?;
        Ok(HttpAnswer {
            status: r.status,
            body: r.body,
        })
    }

    /// The shop's Store API as WooCommerce answers it, in the region the request reaches (the
    /// load balancer it connects to, or the one DNS names).
    async fn request(&self, request: &HttpRequest) -> std::result::Result<HttpResponse, String> {
        tokio::time::sleep(Duration::from_millis(80)).await;
        let w = self.at_now();
        let region = match &request.connect_to {
            Some(c) => w
                .sites
                .iter()
                .find(|s| s.lb_dns == c.host)
                .map(|s| s.name.clone())
                .ok_or_else(|| format!("cannot resolve {}", c.host))?,
            None => w
                .answers
                .values()
                .next()
                .cloned()
                .unwrap_or_else(|| w.primary()),
        };
        if w.regions_down.contains(&region) {
            return Err(format!("connect to {region}: timed out"));
        }
        if !w.region_healthy(&region) {
            return Ok(response(
                500,
                vec![],
                "Error establishing a database connection",
            ));
        }
        let site = w.stack.app.site_url.trim_end_matches('/').to_string();
        let path = request
            .url
            .find("/wp-json")
            .map(|i| &request.url[i..])
            .unwrap_or("/");
        let json = |v: serde_json::Value| response(200, vec![], &v.to_string());
        Ok(match (request.method, path) {
            (Method::Get, "/wp-json/") | (Method::Get, "/wp-json") => json(serde_json::json!({
                "name": "Woo", "url": site, "home": site,
                "namespaces": ["wp/v2", "wc/store/v1", "wc/v3"],
            })),
            (Method::Get, p) if p.starts_with("/wp-json/wc/store/v1/products") => {
                json(serde_json::json!([{"id": 11, "name": "Hoodie", "prices": {"price": "4500"}}]))
            }
            (Method::Get, "/wp-json/wc/store/v1/cart") => response(
                200,
                vec![("cart-token".into(), "simulated-cart-token".into())],
                &serde_json::json!({"items": [], "items_count": 0}).to_string(),
            ),
            (Method::Post, p) if p.starts_with("/wp-json/wc/store/v1/cart/") => {
                let site_acl = w.site(&region).acl_id.clone();
                let gated = w.acls.get(&site_acl).is_some_and(|a| a.gate.is_some());
                let host = w.app_db_host(&region);
                let writable = w
                    .instance_by_endpoint(&host)
                    .is_some_and(|i| w.writable(&i.id));
                let body: serde_json::Value = request
                    .body
                    .as_deref()
                    .and_then(|b| serde_json::from_str(b).ok())
                    .unwrap_or_default();
                if gated {
                    response(
                        503,
                        vec![("retry-after".into(), "300".into())],
                        "writes are paused",
                    )
                } else if !writable {
                    // The cart's session row cannot be written: WordPress's database error page.
                    response(500, vec![], "Error establishing a database connection")
                } else if p.ends_with("/add-item") {
                    json(
                        serde_json::json!({"items": [{"id": body["id"], "key": "canary-line", "quantity": 1}], "items_count": 1}),
                    )
                } else {
                    json(serde_json::json!({"items": [], "items_count": 0}))
                }
            }
            (Method::Get, _) if !request.url.contains("/wp-json") => {
                response(200, vec![], "<html><title>Woo</title></html>")
            }
            _ => response(404, vec![], "{}"),
        })
    }
}

fn response(status: u16, headers: Vec<(String, String)>, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers,
        body: body.into(),
    }
}

#[async_trait]
impl Workflows for Sim {
    async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: &str,
        input_json: &str,
    ) -> Result<StartOutcome> {
        let mut w = self.call().await?;
        Ok(
            match w.record_execution_start(state_machine_arn, name, input_json) {
                Some(arn) => StartOutcome::Started { execution_arn: arn },
                None => StartOutcome::AlreadyExists,
            },
        )
    }

    async fn running_executions(&self, state_machine_arn: &str) -> Result<Vec<RunningExecution>> {
        let w = self.call().await?;
        Ok(w.executions
            .iter()
            .filter(|(_, e)| {
                unqualified(&e.state_machine_arn) == unqualified(state_machine_arn)
                    && e.status == "RUNNING"
            })
            .map(|(name, e)| RunningExecution {
                execution_arn: e.arn.clone(),
                name: name.clone(),
                start_millis: e.start,
            })
            .collect())
    }

    async fn describe_execution(&self, arn: &str) -> Result<Option<ExecutionSummary>> {
        let w = self.call().await?;
        Ok(w.executions
            .values()
            .find(|e| e.arn == arn)
            .map(|e| ExecutionSummary {
                execution_arn: e.arn.clone(),
                status: e.status.clone(),
            }))
    }

    async fn send_task_success(&self, token: &str, output_json: &str) -> Result<bool> {
        let mut w = self.call().await?;
        w.task_answers.push((token.into(), output_json.into()));
        Ok(true)
    }
}

#[async_trait]
impl WriteGate for Sim {
    async fn web_acl(&self, acl: &WebAclRef, gate: &GateRule) -> Result<Option<WebAcl>> {
        let w = self.call().await?;
        self.in_region(&w)?;
        Ok(w.acls.get(&acl.id).map(|a| WebAcl {
            lock_token: format!("lock-{}", a.lock),
            rules: a
                .rules
                .iter()
                .map(|(n, p)| AclRule {
                    name: n.clone(),
                    priority: *p,
                })
                .chain(a.gate.iter().map(|g| AclRule {
                    name: g.rule_name.clone(),
                    priority: 0,
                }))
                .collect(),
            gate_current: a.gate.as_ref() == Some(gate),
        }))
    }

    async fn put_gate(
        &self,
        acl: &WebAclRef,
        lock_token: &str,
        gate: &GateRule,
        shift: i32,
    ) -> Result<Option<Written>> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        let region = self.region.clone();
        let Some(a) = w.acls.get_mut(&acl.id) else {
            return Ok(None);
        };
        if lock_token != format!("lock-{}", a.lock) {
            return Ok(Some(Written::Stale));
        }
        a.lock += 1;
        for r in a.rules.iter_mut() {
            r.1 += shift;
        }
        a.gate = Some(gate.clone());
        w.note(format!("writes gated at {} ({region})", acl.name));
        acted(&mut w);
        Ok(Some(Written::Done))
    }

    async fn remove_gate(
        &self,
        acl: &WebAclRef,
        lock_token: &str,
        _rule_name: &str,
    ) -> Result<Option<Written>> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        let region = self.region.clone();
        let Some(a) = w.acls.get_mut(&acl.id) else {
            return Ok(None);
        };
        if lock_token != format!("lock-{}", a.lock) {
            return Ok(Some(Written::Stale));
        }
        a.lock += 1;
        a.gate = None;
        w.note(format!("writes open at {} ({region})", acl.name));
        acted(&mut w);
        Ok(Some(Written::Done))
    }
}

#[async_trait]
impl Schedules for Sim {
    async fn schedule_enabled(&self, group: &str, name: &str) -> Result<Option<bool>> {
        let w = self.call().await?;
        self.in_region(&w)?;
        Ok(w.schedules.get(&format!("{group}/{name}")).copied())
    }

    async fn set_schedule_enabled(&self, group: &str, name: &str, enabled: bool) -> Result<()> {
        let mut w = self.call().await?;
        self.in_region(&w)?;
        w.schedules.insert(format!("{group}/{name}"), enabled);
        w.note(format!(
            "job schedule {group}/{name} {}",
            if enabled { "enabled" } else { "disabled" }
        ));
        acted(&mut w);
        Ok(())
    }
}

/// MySQL sessions on the world's databases, found by endpoint.
#[async_trait]
impl MySql for Sim {
    async fn connect(
        &self,
        server: &MySqlServer,
        mode: SessionMode,
    ) -> Result<Box<dyn MySqlSession>> {
        let w = self.call().await?;
        let unreachable = || ActivityError::DatabaseUnreachable {
            server: server.name(),
            detail: "connection timed out".into(),
        };
        let Some(i) = w.instance_by_endpoint(&server.host) else {
            return Err(unreachable());
        };
        if !i.alive || i.stopped || w.regions_down.contains(&i.region) || i.status == "rebooting" {
            return Err(unreachable());
        }
        Ok(Box::new(Session {
            sim: self.clone(),
            id: i.id.clone(),
            server: server.name(),
            mode,
        }))
    }
}

struct Session {
    sim: Sim,
    id: String,
    server: String,
    mode: SessionMode,
}

impl Session {
    fn world(&self) -> Result<MutexGuard<'_, World>> {
        let w = self.sim.at_now();
        let ok = w
            .instances
            .get(&self.id)
            .is_some_and(|i| i.alive && !i.stopped && i.status != "rebooting");
        if !ok {
            return Err(ActivityError::DatabaseUnreachable {
                server: self.server.clone(),
                detail: "lost connection to MySQL server during query".into(),
            });
        }
        Ok(w)
    }
}

fn orders_table(table: &str) -> bool {
    table.ends_with("wc_orders") || table.ends_with("posts")
}

#[async_trait]
impl MySqlSession for Session {
    fn server(&self) -> String {
        self.server.clone()
    }

    async fn version(&mut self) -> Result<String> {
        Ok("8.0.35".into())
    }

    async fn replica_status(&mut self) -> Result<Option<ReplicaStatus>> {
        let w = self.world()?;
        let i = &w.instances[&self.id];
        Ok(i.source.as_ref().map(|s| ReplicaStatus {
            source: format!("{s}:3306"),
            io_running: i.io_running,
            sql_running: true,
            seconds_behind_source: i.io_running.then(|| i.seconds_behind(w.now)),
            last_error: String::new(),
        }))
    }

    async fn read_only(&mut self) -> Result<bool> {
        let w = self.world()?;
        Ok(!w.writable(&self.id))
    }

    async fn set_read_only(&mut self, on: bool) -> Result<()> {
        let mut w = self.world()?;
        if let Some(i) = w.instances.get_mut(&self.id) {
            i.global_read_only = Some(on);
        }
        acted(&mut w);
        Ok(())
    }

    async fn stop_replication(&mut self) -> Result<()> {
        let mut w = self.world()?;
        if let Some(i) = w.instances.get_mut(&self.id) {
            i.source = None;
        }
        acted(&mut w);
        Ok(())
    }

    async fn existing_tables(&mut self, tables: &[String]) -> Result<Vec<String>> {
        Ok(tables
            .iter()
            .filter(|t| {
                orders_table(t)
                    || t.ends_with("wc_order_addresses")
                    || t.ends_with("woocommerce_order_items")
            })
            .cloned()
            .collect())
    }

    async fn id_counter(&mut self, table: &str) -> Result<Option<IdCounter>> {
        let w = self.world()?;
        let i = &w.instances[&self.id];
        Ok(Some(IdCounter {
            max_id: if orders_table(table) {
                i.max_order_id()
            } else {
                0
            },
            auto_increment: if orders_table(table) {
                i.auto_increment
            } else {
                1
            },
        }))
    }

    async fn set_auto_increment(&mut self, table: &str, value: u64) -> Result<()> {
        let mut w = self.world()?;
        if self.mode == SessionMode::ReadOnly || !w.writable(&self.id) {
            return Err(ActivityError::DatabaseNotWritable {
                server: self.server.clone(),
                detail: "--read-only".into(),
            });
        }
        if orders_table(table) {
            let id = self.id.clone();
            if let Some(i) = w.instances.get_mut(&id) {
                // InnoDB: AUTO_INCREMENT never goes below the highest id + 1.
                i.auto_increment = value.max(i.max_order_id() + 1);
            }
            w.note(format!("{id}: order AUTO_INCREMENT = {value}"));
        }
        Ok(())
    }

    async fn orders_above(&mut self, _prefix: &str, since: u64) -> Result<Vec<OrderRecord>> {
        let w = self.world()?;
        Ok(w.instances[&self.id]
            .orders
            .range(since + 1..)
            .map(|(id, o)| OrderRecord {
                id: *id,
                status: "processing".into(),
                currency: "EUR".into(),
                total: format!("{}.{:02}", o.total_cents / 100, o.total_cents % 100),
                created_gmt: humantime::format_rfc3339_seconds(system_time(o.at))
                    .to_string()
                    .replace('T', " ")
                    .trim_end_matches('Z')
                    .to_string(),
                payment_method: "stripe".into(),
                transaction_id: Some(format!("pi_sim_{id}")),
                stripe_intent_id: Some(format!("pi_sim_{id}")),
                billing_email: Some(format!("customer{}@example.com", o.customer)),
            })
            .collect())
    }

    async fn existing_orders(&mut self, _prefix: &str, ids: &[u64]) -> Result<Vec<u64>> {
        let w = self.world()?;
        let i = &w.instances[&self.id];
        Ok(ids
            .iter()
            .copied()
            .filter(|id| i.orders.contains_key(id))
            .collect())
    }

    async fn highest_order_id(&mut self, _prefix: &str, limit: u64) -> Result<Option<u64>> {
        let w = self.world()?;
        Ok(w.instances[&self.id]
            .orders
            .range(..=limit)
            .next_back()
            .map(|(id, _)| *id))
    }

    async fn order_lines(&mut self, _prefix: &str, ids: &[u64]) -> Result<Vec<OrderLine>> {
        Ok(ids
            .iter()
            .map(|id| OrderLine {
                order_id: *id,
                product_id: 11,
                quantity: 1.0,
            })
            .collect())
    }

    async fn stock(&mut self, _prefix: &str, ids: &[u64]) -> Result<Vec<Option<String>>> {
        Ok(ids.iter().map(|_| None).collect())
    }

    async fn close(self: Box<Self>) {}
}

#[async_trait]
impl wfc_activities::ports::ObjectReplication for Sim {
    async fn replication_rules(
        &self,
        bucket: &str,
    ) -> Result<Option<Vec<wfc_activities::ports::objects::ReplicationRule>>> {
        let w = self.call().await?;
        let other = w
            .stack
            .regions
            .values()
            .map(|r| r.media_bucket.clone())
            .find(|b| b != bucket)
            .unwrap_or_default();
        Ok(Some(vec![
            wfc_activities::ports::objects::ReplicationRule {
                id: Some("media".into()),
                enabled: true,
                destination_bucket_arn: format!("arn:aws:s3:::{other}"),
                metrics_enabled: true,
            },
        ]))
    }
}

#[async_trait]
impl wfc_activities::ports::MailAccount for Sim {
    async fn status(&self) -> Result<wfc_activities::ports::mail::MailAccountStatus> {
        Ok(wfc_activities::ports::mail::MailAccountStatus {
            production_access: true,
            sending_enabled: true,
            enforcement_status: Some("HEALTHY".into()),
        })
    }
}
