//! The simulated two-region world: databases with replication, the shop and its customers,
//! Route 53, health checks, CloudWatch alarms, configuration, notifications, Auto Scaling, the
//! write gate, job runners, caches and Step Functions' execution names. Deterministic: virtual
//! time in milliseconds, one seeded random source, ordered maps only.
//!
//! The world moves in steps of one second ([`World::advance_to`]); the invariants are checked
//! after every step and after every action an activity takes on it ([`crate::invariants`]).

use crate::latency::Latency;
use crate::rng::Rng;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use wfc_activities::ports::dns::RecordSet;
use wfc_stack::{Compute, Database, JobRunner, Stack};

pub type Millis = i64;
pub const STEP: Millis = 1000;

pub fn secs(s: f64) -> Millis {
    (s * 1000.0).round() as Millis
}

/// One order as the database holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: u64,
    /// When the shop confirmed it to the customer.
    pub at: Millis,
    pub customer: usize,
    pub total_cents: u64,
}

/// A write shipped to a replica: the order, when the source committed it, when it arrives.
#[derive(Debug, Clone)]
struct Shipped {
    order: Order,
    committed: Millis,
    arrives: Millis,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub region: String,
    pub arn: String,
    pub endpoint: String,
    pub status: String,
    /// The host answers (false: failed, or its region is down).
    pub alive: bool,
    pub stopped: bool,
    /// Replicating from this instance id.
    pub source: Option<String>,
    pub parameter_group: Option<String>,
    pub backup_retention_days: i32,
    pub security_groups: Vec<String>,
    pub orders: BTreeMap<u64, Order>,
    pub auto_increment: u64,
    /// `SET GLOBAL read_only` on a self-managed server (RDS: the parameter group's).
    pub global_read_only: Option<bool>,
    relay: VecDeque<Shipped>,
    /// The replication IO thread runs (false once it noticed its source is gone).
    pub io_running: bool,
    /// Lag samples of the current minute, and the published `ReplicaLag` datapoints.
    minute_lag: Option<f64>,
    pub lag_points: Vec<(Millis, f64)>,
    /// Promotion: when the reboot starts and when the instance is available again.
    pub promotion: Option<(Millis, Millis)>,
    /// When the source was lost (for the IO thread's timeout).
    source_lost_at: Option<Millis>,
    /// Aurora: the global cluster this cluster is a member of.
    pub global_cluster: Option<String>,
    /// Aurora: a managed global failover to this cluster ends at this time.
    pub global_failover: Option<Millis>,
    /// Aurora: the event the global change emits when done (failover 0238, switchover 0185).
    pub global_change_event: (&'static str, &'static str),
    /// A replica being created is `available` at this time.
    pub ready_at: Option<Millis>,
}

impl Instance {
    fn new(id: &str, region: &str, arn: &str, group: Option<String>) -> Instance {
        Instance {
            id: id.into(),
            region: region.into(),
            arn: arn.into(),
            endpoint: format!("{id}.c9akciq32.{region}.rds.amazonaws.com"),
            status: "available".into(),
            alive: true,
            stopped: false,
            source: None,
            parameter_group: group,
            backup_retention_days: 7,
            security_groups: vec!["sg-0woo".into()],
            orders: BTreeMap::new(),
            auto_increment: 1,
            global_read_only: None,
            relay: VecDeque::new(),
            io_running: true,
            minute_lag: None,
            lag_points: Vec::new(),
            promotion: None,
            source_lost_at: None,
            global_cluster: None,
            global_failover: None,
            global_change_event: ("RDS-EVENT-0238", "Global failover to DB cluster completed"),
            ready_at: None,
        }
    }

    /// `Seconds_Behind_Source`: how old the oldest received, not yet applied write is.
    pub fn seconds_behind(&self, now: Millis) -> u64 {
        self.relay
            .front()
            .filter(|s| s.arrives <= now)
            .map_or(0, |s| ((now - s.committed) / 1000).max(0) as u64)
    }

    pub fn max_order_id(&self) -> u64 {
        self.orders.keys().next_back().copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub struct HealthCheck {
    pub region: String,
    /// Per checker: its phase in the interval, consecutive failures, and whether it reports healthy.
    pub checkers: Vec<(Millis, u32, bool)>,
}

/// How customers check out: (cumulative share, request): the classic checkout form, its AJAX
/// endpoint, and the block checkout's Store API (woocommerce.md §3).
pub const CHECKOUT_PATHS: [(f64, &str); 3] = [
    (0.5, "/checkout"),
    (0.8, "/?wc-ajax=checkout"),
    (1.0, "/wp-json/wc/store/v1/checkout"),
];

pub const CHECKER_REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

#[derive(Debug, Clone)]
pub struct Alarm {
    pub name: String,
    pub region: String,
    /// What breaches: the shop's database in the region is unreachable (`db-down`), the
    /// load balancer answers 5xx (`alb-5xx`), or the DR region's probe of the primary endpoint
    /// failed (`probe`).
    pub kind: String,
    pub in_alarm: bool,
    /// Breaching flag of each closed period (period start → breaching).
    pub minutes: BTreeMap<Millis, bool>,
    current_breach: bool,
    /// The alarm's period, its "M of M" and how long a datapoint takes to reach it.
    period: Millis,
    needed: usize,
    ingest: Millis,
    /// `probe` only: when in each period the probe's one GET is made.
    phase: Millis,
}

impl Alarm {
    fn new(
        name: &str,
        region: &str,
        kind: &str,
        period: Millis,
        needed: usize,
        ingest: Millis,
    ) -> Alarm {
        Alarm {
            name: name.into(),
            region: region.into(),
            kind: kind.into(),
            in_alarm: false,
            minutes: BTreeMap::new(),
            current_breach: false,
            period,
            needed,
            ingest,
            phase: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Asg {
    pub region: String,
    pub desired: u32,
    pub max: u32,
    /// When each instance comes (came) into service.
    pub instances: Vec<Millis>,
}

impl Asg {
    pub fn in_service(&self, now: Millis) -> u32 {
        self.instances.iter().filter(|t| **t <= now).count() as u32
    }
}

#[derive(Debug, Clone, Default)]
pub struct Acl {
    pub region: String,
    pub lock: u64,
    pub rules: Vec<(String, i32)>,
    pub gate: Option<wfc_activities::ports::write_gate::GateRule>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Notification {
    pub at: Millis,
    pub topic: String,
    pub subject: String,
    pub message: String,
}

/// A Step Functions execution by name (names are used once per state machine).
#[derive(Debug, Clone)]
pub struct ExecutionRecord {
    pub arn: String,
    pub state_machine_arn: String,
    pub input: String,
    pub status: String,
    /// When it starts running (the virtual clock).
    pub start: Millis,
    /// It succeeded and moved the traffic (see `ExecutionReport::cut_over`).
    pub cut_over: bool,
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub region: String,
    pub cached_until: Millis,
    /// Keeps answers far beyond their TTL.
    pub violator: bool,
}

/// What a checkout got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Ordered,
    /// 503 with Retry-After: writes gated or maintenance.
    Gated,
    /// A 5xx error page, a connection error or a refused write.
    Failed,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Checkout {
    pub at: Millis,
    pub customer: usize,
    pub region: String,
    /// The request that places the order (classic form, AJAX, or the block checkout's Store API).
    pub path: &'static str,
    pub answer: Answer,
    pub order_id: Option<u64>,
    pub detail: String,
}

/// An invariant that broke: which, when, at which step, and the state that broke it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Violation {
    pub invariant: String,
    pub at_seconds: f64,
    pub step: String,
    pub state: String,
}

/// Per region: the names of its resources, from the stack.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub lb_dns: String,
    pub health_check_id: String,
    pub asg: String,
    pub schedule: String,
    pub acl_id: String,
    pub cache_host: String,
    pub db_instance: String,
    pub db_secret: String,
    pub alarms: Vec<String>,
}

/// The latency model's values every step reads, looked up once (the model does not change
/// during a drill; a lookup by name costs more than the step's own arithmetic).
#[derive(Debug, Clone)]
struct StepLatency {
    apply_per_step: f64,
    io_timeout: Millis,
    alarm_period: Millis,
    alarm_to_event: Millis,
    hc_interval: Millis,
    hc_threshold: u32,
    app_config_refresh: Millis,
    checkout_rate: f64,
    dns_ttl: Millis,
    violator_extra: Millis,
}

impl StepLatency {
    fn of(lat: &Latency) -> StepLatency {
        StepLatency {
            apply_per_step: lat.get("replica_apply_rate") / lat.get("writes_per_order"),
            io_timeout: secs(lat.get("replica_io_timeout")),
            alarm_period: secs(lat.get("alarm_period")),
            alarm_to_event: secs(lat.get("alarm_to_event")),
            hc_interval: secs(lat.get("health_check_interval")),
            hc_threshold: lat.get("health_check_failure_threshold") as u32,
            app_config_refresh: secs(lat.get("app_config_cache")).max(STEP),
            checkout_rate: lat.get("checkout_rate"),
            dns_ttl: secs(lat.get("dns_ttl")),
            violator_extra: secs(lat.get("ttl_violator_extra")),
        }
    }
}

pub struct World {
    /// The DR region's probe cannot reach the primary (the network between the regions), while
    /// customers and Route 53's checkers still do: the false alarm the confirmation guards.
    pub probe_path_down: bool,
    pub now: Millis,
    pub start: Millis,
    /// The latency model (read, never changed, once the world exists).
    pub lat: Latency,
    step_lat: StepLatency,
    rng: Rng,
    pub stack: Stack,
    pub sites: Vec<Site>,
    pub instances: BTreeMap<String, Instance>,
    /// (region, parameter group) → parameters.
    pub parameter_groups: BTreeMap<(String, String), BTreeMap<String, String>>,
    pub ssm: BTreeMap<(String, String), (String, bool)>,
    pub secrets: BTreeMap<(String, String), String>,
    pub records: Vec<RecordSet>,
    /// Change id → when it is INSYNC; the answer of each name → (region, since).
    pub changes: BTreeMap<String, Millis>,
    pub answers: BTreeMap<String, String>,
    /// When an answer last changed (a client's cached answer is at most a TTL older).
    pub answers_changed: Millis,
    pending_answers: Vec<(Millis, String, String)>,
    pub health_checks: BTreeMap<String, HealthCheck>,
    pub alarms: BTreeMap<String, Alarm>,
    pub asgs: BTreeMap<String, Asg>,
    pub schedules: BTreeMap<String, bool>,
    pub acls: BTreeMap<String, Acl>,
    pub caches: BTreeMap<String, u64>,
    pub notifications: Vec<Notification>,
    pub executions: BTreeMap<String, ExecutionRecord>,
    /// Executions started through the `Workflows` port, for the drill loop to run.
    pub started: Vec<(Millis, String)>,
    /// Task tokens answered through the `Workflows` port (wake_waiter).
    pub task_answers: Vec<(String, String)>,
    /// Events the world emitted: (delivered at, event).
    pub outbox: Vec<(Millis, Value)>,
    pub customers: Vec<Customer>,
    pub checkouts: Vec<Checkout>,
    /// Every confirmed order id → (order, region that confirmed it).
    pub confirmed: BTreeMap<u64, (Order, String)>,
    pub timeline: Vec<(Millis, String)>,
    pub violations: Vec<Violation>,
    pub regions_down: BTreeSet<String>,
    pub outage_start: Option<Millis>,
    /// What the current step is (a world tick, or the activity acting), for violations.
    pub step: Option<String>,
    pub steps: u64,
    change_seq: u64,
    next_customer_order: u64,
    /// Every order id a reconciliation report listed (the gap report).
    pub gap_report: BTreeSet<u64>,
    /// Each region's app configuration as the app last read it: (database host, maintenance).
    pub app_config: BTreeMap<String, (String, bool)>,
    /// Route 53 failover routing: answers follow the primary's health check (the article).
    pub failover_routing: bool,
    /// Since when job runners are enabled in two regions.
    pub jobs_overlap_since: Option<Millis>,
    /// Failover executions that began to cut over (gate, fence, promote).
    pub cutting_over: BTreeSet<String>,
    /// Violations beyond the first five of an invariant, counted.
    pub more_violations: BTreeMap<String, u64>,
    /// The region the shop last served from as customers see it (set by the drill loop).
    pub served_from: Option<String>,
    /// Throttling: (region, until): every third control-plane call there is refused.
    pub throttle: Option<(String, Millis)>,
    throttle_count: u64,
    /// Preflight's `FailoverReady` datapoints (1 ready, 0 not), as published.
    pub failover_ready: Vec<(Millis, f64)>,
    /// The `<shop>-failover-not-ready` alarm (infra/src/orchestrator.rs) is in ALARM.
    pub failover_ready_alarm: bool,
}

impl World {
    /// The example shop of `stack` at `start`, serving from its primary region, with `seed`.
    pub fn new(stack: &Stack, lat: Latency, seed: u64, start: Millis) -> World {
        let mut rng = Rng::new(seed);
        let mut sites = Vec::new();
        let mut w_instances = BTreeMap::new();
        let mut groups = BTreeMap::new();
        let mut ssm = BTreeMap::new();
        let mut secrets = BTreeMap::new();
        let mut health_checks = BTreeMap::new();
        let mut alarms = BTreeMap::new();
        let mut asgs = BTreeMap::new();
        let mut schedules = BTreeMap::new();
        let mut acls = BTreeMap::new();
        let mut caches = BTreeMap::new();
        let (primary, _) = stack.primary();
        let interval = secs(lat.get("health_check_interval"));
        for (name, r) in stack.regions.iter() {
            let name = name.to_string();
            let (db_instance, group) = match &r.database {
                Database::RdsInstance {
                    instance_id,
                    parameter_group,
                    ..
                } => (instance_id.clone(), parameter_group.clone()),
                Database::AuroraGlobal { cluster_id, .. } => (cluster_id.clone(), None),
                Database::SelfManaged { server_id, .. } => (server_id.clone(), None),
            };
            let arn = match &r.database {
                Database::RdsInstance { arn, .. } => arn.clone(),
                Database::AuroraGlobal { cluster_arn, .. } => cluster_arn.clone(),
                Database::SelfManaged { server_id, .. } => server_id.clone(),
            };
            let mut inst = Instance::new(&db_instance, &name, &arn, group.clone());
            if let Database::AuroraGlobal {
                global_cluster_id,
                cluster_id,
                ..
            } = &r.database
            {
                inst.global_cluster = Some(global_cluster_id.clone());
                inst.endpoint = format!("{cluster_id}.cluster-c9akciq32.{name}.rds.amazonaws.com");
            }
            if let Database::SelfManaged { host, .. } = &r.database {
                inst.endpoint = host.clone();
                inst.global_read_only = Some(name != primary);
            }
            if name != primary {
                let (_, p) = stack.primary();
                inst.source = Some(match &p.database {
                    Database::RdsInstance { instance_id, .. } => instance_id.clone(),
                    Database::AuroraGlobal { cluster_id, .. } => cluster_id.clone(),
                    Database::SelfManaged { server_id, .. } => server_id.clone(),
                });
            }
            if let Some(g) = &group {
                let mut params = BTreeMap::new();
                // RDS replicas are read-only whatever the group says; the group says writable.
                params.insert("read_only".to_string(), "0".to_string());
                groups.insert((name.clone(), g.clone()), params);
            }
            w_instances.insert(db_instance.clone(), inst);
            let asg = match &r.compute {
                Compute::AutoScalingGroup {
                    name,
                    active_capacity,
                    standby_capacity,
                } => (name.clone(), *active_capacity, *standby_capacity),
                Compute::EcsService {
                    service,
                    active_capacity,
                    standby_capacity,
                    ..
                } => (service.clone(), *active_capacity, *standby_capacity),
            };
            let desired = if name == primary { asg.1 } else { asg.2 };
            asgs.insert(
                asg.0.clone(),
                Asg {
                    region: name.clone(),
                    desired,
                    max: asg.1.max(asg.2) * 2,
                    instances: vec![start - 86_400_000; desired as usize],
                },
            );
            let schedule = match &r.background_jobs {
                JobRunner::Scheduler {
                    schedule_name,
                    group_name,
                } => format!("{group_name}/{schedule_name}"),
                JobRunner::EcsService { service, .. } => service.clone(),
            };
            schedules.insert(schedule.clone(), name == primary);
            acls.insert(
                r.write_gate.web_acl_id.clone(),
                Acl {
                    region: name.clone(),
                    lock: 1,
                    rules: vec![("AWSManagedRulesCommonRuleSet".into(), 1)],
                    gate: None,
                },
            );
            caches.insert(r.cache.host.clone(), 50_000);
            let checkers = (0..lat.get("health_checkers") as usize)
                .map(|_| ((rng.unit() * interval as f64) as Millis, 0, true))
                .collect();
            health_checks.insert(
                r.health_check_id.clone(),
                HealthCheck {
                    region: name.clone(),
                    checkers,
                },
            );
            for a in &r.alarms {
                let kind = if a.contains("5xx") {
                    "alb-5xx"
                } else {
                    "db-down"
                };
                alarms.insert(
                    a.clone(),
                    Alarm::new(
                        a,
                        &name,
                        kind,
                        secs(lat.get("alarm_period")),
                        lat.get("alarm_evaluation_periods") as usize,
                        secs(lat.get("alarm_ingest")),
                    ),
                );
            }
            secrets.insert(
                (name.clone(), r.db_credentials_secret_id.clone()),
                json!({"username": "woo", "password": "simulated"}).to_string(),
            );
            sites.push(Site {
                name: name.clone(),
                lb_dns: r.load_balancer.dns_name.clone(),
                health_check_id: r.health_check_id.clone(),
                asg: asg.0,
                schedule,
                acl_id: r.write_gate.web_acl_id.clone(),
                cache_host: r.cache.host.clone(),
                db_instance,
                db_secret: r.db_credentials_secret_id.clone(),
                alarms: r.alarms.clone(),
            });
        }
        // The DR region's probe of the primary endpoint and its alarm (the DR template's
        // `ProbeDownAlarm`): one GET each period, at a phase of its own (drawn from its own
        // stream, so the world's other draws stay as they were).
        let probe_period = secs(lat.get("probe_alarm_period"));
        let mut probe = Alarm::new(
            &wfc_workflows::woocommerce::rules::probe_alarm(stack),
            stack.secondary().0,
            "probe",
            probe_period,
            lat.get("probe_alarm_evaluation_periods") as usize,
            secs(lat.get("probe_ingest")),
        );
        let steps = (probe_period / STEP).max(1);
        probe.phase = (Rng::new(seed ^ 0x7072_6f62_6500).unit() * steps as f64) as Millis * STEP;
        alarms.insert(probe.name.clone(), probe);
        // The app's configuration in each region points at the primary's database.
        let primary_endpoint = sites
            .iter()
            .find(|s| s.name == primary)
            .map(|s| w_instances[&s.db_instance].endpoint.clone())
            .unwrap_or_default();
        for s in &sites {
            ssm.insert(
                (s.name.clone(), stack.app.db_endpoint_name.clone()),
                (primary_endpoint.clone(), false),
            );
            ssm.insert(
                (s.name.clone(), stack.app.maintenance_parameter.clone()),
                ("off".into(), false),
            );
        }
        // The shop's identity, the same in both regions (check_shop_identity's formats).
        for s in &sites {
            let salts: serde_json::Map<String, Value> =
                wfc_activities::check_shop_identity::SALT_KEYS
                    .iter()
                    .map(|k| (k.to_string(), json!(format!("{k}-simulated-salt"))))
                    .collect();
            secrets.insert(
                (s.name.clone(), stack.woocommerce.salts_secret_id.clone()),
                Value::Object(salts).to_string(),
            );
        }
        // The deploy's identity document, the same in both regions (check_shop_identity's).
        let plugins: serde_json::Map<String, Value> = stack
            .woocommerce
            .plugins
            .iter()
            .map(|p| (p.clone(), json!("9.4.2")))
            .collect();
        let identity = json!({
            "site_url": stack.app.site_url,
            "home_url": stack.app.site_url,
            "environment_type": "production",
            "redis_prefix": format!("{}_", stack.shop.name),
            "plugins": plugins,
        });
        for s in &sites {
            ssm.insert(
                (s.name.clone(), stack.woocommerce.config_parameter.clone()),
                (identity.to_string(), false),
            );
        }
        let lb_of_primary = sites
            .iter()
            .find(|s| s.name == primary)
            .map(|s| s.lb_dns.clone())
            .unwrap_or_default();
        let mut records = Vec::new();
        let mut answers = BTreeMap::new();
        for name in &stack.dns.record_names {
            // The PRIMARY failover record the DR template makes and the workflows rewrite.
            records.push(RecordSet {
                name: name.clone(),
                record_type: "A".into(),
                set_identifier: Some(wfc_workflows::woocommerce::PRIMARY_RECORD.into()),
                failover: Some("PRIMARY".into()),
                alias: Some(wfc_activities::ports::dns::AliasTarget {
                    dns_name: lb_of_primary.clone(),
                    hosted_zone_id: stack.primary().1.load_balancer.hosted_zone_id.clone(),
                    evaluate_target_health: false,
                }),
                ..RecordSet::default()
            });
            answers.insert(name.clone(), primary.to_string());
        }
        let ttl = secs(lat.get("dns_ttl"));
        let violators = lat.get("ttl_violator_share");
        let customers = (0..lat.get("customers") as usize)
            .map(|_| Customer {
                region: primary.to_string(),
                cached_until: start + (rng.unit() * ttl as f64) as Millis,
                violator: rng.unit() < violators,
            })
            .collect();
        let mut world = World {
            probe_path_down: false,
            now: start,
            start,
            step_lat: StepLatency::of(&lat),
            lat,
            rng,
            stack: stack.clone(),
            sites,
            instances: w_instances,
            parameter_groups: groups,
            ssm,
            secrets,
            records,
            changes: BTreeMap::new(),
            answers,
            answers_changed: start,
            pending_answers: Vec::new(),
            health_checks,
            alarms,
            asgs,
            schedules,
            acls,
            caches,
            notifications: Vec::new(),
            executions: BTreeMap::new(),
            started: Vec::new(),
            task_answers: Vec::new(),
            outbox: Vec::new(),
            customers,
            checkouts: Vec::new(),
            confirmed: BTreeMap::new(),
            timeline: Vec::new(),
            violations: Vec::new(),
            regions_down: BTreeSet::new(),
            outage_start: None,
            step: None,
            steps: 0,
            change_seq: 0,
            next_customer_order: 0,
            gap_report: BTreeSet::new(),
            throttle: None,
            throttle_count: 0,
            failover_ready: Vec::new(),
            failover_ready_alarm: false,
            app_config: BTreeMap::new(),
            failover_routing: false,
            more_violations: BTreeMap::new(),
            cutting_over: BTreeSet::new(),
            jobs_overlap_since: None,
            served_from: None,
        };
        world.refresh_app_config();
        // A shop with history: orders up to 48,000 on the primary, replicated.
        let seeded: Vec<Order> = (1..=48_000u64)
            .step_by(1000)
            .map(|id| Order {
                id,
                at: start - 86_400_000,
                customer: 0,
                total_cents: 1999,
            })
            .collect();
        for inst in world.instances.values_mut() {
            for o in &seeded {
                inst.orders.insert(o.id, o.clone());
            }
            inst.auto_increment = 48_001;
        }
        world
    }

    pub fn seconds(&self, t: Millis) -> f64 {
        (t - self.start) as f64 / 1000.0
    }

    pub fn note(&mut self, what: impl Into<String>) {
        let at = self.now;
        self.timeline.push((at, what.into()));
    }

    pub fn site(&self, region: &str) -> &Site {
        self.sites
            .iter()
            .find(|s| s.name == region)
            .expect("a region of the stack")
    }

    pub fn primary(&self) -> String {
        self.stack.primary().0.to_string()
    }

    pub fn dr(&self) -> String {
        self.stack.secondary().0.to_string()
    }

    // ── The database ─────────────────────────────────────────────────────────────────────────

    /// Whether `id` accepts writes now: it answers, is available, replicates from nobody, and
    /// neither its parameter group nor `SET GLOBAL` makes it read-only.
    pub fn writable(&self, id: &str) -> bool {
        self.instances
            .get(id)
            .is_some_and(|i| self.instance_writable(i))
    }

    /// [`World::writable`] for an instance at hand.
    pub(crate) fn instance_writable(&self, i: &Instance) -> bool {
        if !i.alive || i.stopped || i.source.is_some() || i.status != "available" {
            return false;
        }
        if let Some(ro) = i.global_read_only {
            return !ro;
        }
        !self.group_read_only(i)
    }

    fn group_read_only(&self, i: &Instance) -> bool {
        // Found by scanning (a world has two or three groups) rather than by a key built of
        // two copied strings: this runs for every instance at every step.
        i.parameter_group
            .as_ref()
            .and_then(|g| {
                self.parameter_groups
                    .iter()
                    .find(|((region, group), _)| *region == i.region && group == g)
            })
            .and_then(|(_, p)| p.get("read_only"))
            .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("on"))
    }

    pub fn instance_by_endpoint(&self, host: &str) -> Option<&Instance> {
        self.instances
            .values()
            .find(|i| i.endpoint == host || i.id == host)
    }

    /// The primary database fails (its host stops answering).
    pub fn fail_database(&mut self, id: &str) {
        if let Some(i) = self.instances.get_mut(id) {
            i.alive = false;
        }
        self.outage_start.get_or_insert(self.now);
        self.note(format!("database {id} stops answering"));
    }

    /// The database's host answers again, with everything it held.
    pub fn restore_database(&mut self, id: &str) {
        if let Some(i) = self.instances.get_mut(id) {
            i.alive = true;
            // A self-managed server that comes back has restarted: `SET GLOBAL read_only` did not
            // survive, and it starts with its configuration's `read_only=ON`, which
            // docs/deploy.md asks for on every server (only a promotion makes one writable).
            if i.global_read_only.is_some() {
                i.global_read_only = Some(true);
            }
        }
        self.note(format!("database {id} answers again"));
        crate::invariants::check(self);
    }

    /// The old primary `id` rejoins as a replica of `source` (the database that serves now)
    /// before it takes connections: Aurora resynchronises a recovered old primary cluster from
    /// the writer and adds it back as a secondary; a self-managed server is re-seeded from
    /// `source` by the on-call, started read-only, its replication pointed at `source`. Either
    /// way it then holds what `source` holds; the orders only it held (the failover's
    /// replication gap) are returned, for the reconciliation report taken before.
    pub fn rejoin_as_replica(&mut self, id: &str, source: &str) -> Vec<u64> {
        let Some(src) = self.instances.get(source) else {
            return Vec::new();
        };
        let (orders, auto_increment) = (src.orders.clone(), src.auto_increment);
        let Some(i) = self.instances.get_mut(id) else {
            return Vec::new();
        };
        let gap: Vec<u64> = i
            .orders
            .keys()
            .filter(|o| !orders.contains_key(o))
            .copied()
            .collect();
        i.orders = orders;
        i.auto_increment = auto_increment;
        i.source = Some(source.to_string());
        i.io_running = true;
        i.source_lost_at = None;
        i.relay.clear();
        if i.global_read_only.is_some() {
            i.global_read_only = Some(true);
        }
        self.note(format!(
            "{id} rejoins as a replica of {source}, re-seeded from it ({} order(s) only it held)",
            gap.len()
        ));
        gap
    }

    pub fn promote(&mut self, id: &str) -> Result<(), String> {
        let reboot = secs(self.lat.get("promote") - self.lat.get("promote_reboot"));
        let done = secs(self.lat.get("promote"));
        let now = self.now;
        let i = self.instances.get_mut(id).ok_or("no such instance")?;
        if i.source.is_none() {
            return Err("not a read replica".into());
        }
        if i.promotion.is_some() {
            return Ok(());
        }
        i.status = "modifying".into();
        i.promotion = Some((now + reboot, now + done));
        self.note(format!("promotion of {id} starts"));
        Ok(())
    }

    /// `CreateDBInstanceReadReplica` across regions: a snapshot of the source now, restored over
    /// `create_replica`, then replication catches up from the snapshot's point.
    pub fn create_replica(
        &mut self,
        id: &str,
        region: &str,
        source_arn: &str,
        parameter_group: Option<String>,
    ) -> Result<(), String> {
        if self.instances.contains_key(id) {
            return Err(format!("DBInstanceAlreadyExists: {id}"));
        }
        let source = self
            .instances
            .values()
            .find(|i| i.arn == source_arn || i.id == source_arn)
            .ok_or_else(|| format!("DBInstanceNotFound: {source_arn}"))?
            .clone();
        let arn = format!(
            "arn:aws:rds:{region}:{}:db:{id}",
            self.stack.shop.account_id
        );
        let mut i = Instance::new(id, region, &arn, parameter_group.clone());
        if let Some(g) = &parameter_group {
            self.parameter_groups
                .entry((region.to_string(), g.clone()))
                .or_insert_with(|| BTreeMap::from([("read_only".to_string(), "0".to_string())]));
        }
        i.orders = source.orders.clone();
        i.auto_increment = source.auto_increment;
        i.source = Some(source.id.clone());
        i.status = "creating".into();
        i.ready_at = Some(self.now + secs(self.lat.get("create_replica")));
        self.instances.insert(id.to_string(), i);
        self.note(format!(
            "replica {id} of {} is being created in {region}",
            source.id
        ));
        Ok(())
    }

    /// `ModifyDBInstance` with a new identifier: the instance keeps its data, replicas and
    /// parameter group under the new name and endpoint, `renaming` (not available) for
    /// `rename_instance`. The old name is free at once (RDS deletes its DNS name at once).
    pub fn rename_instance(&mut self, id: &str, new_id: &str) -> Result<(), String> {
        if self.instances.contains_key(new_id) {
            return Err(format!("DBInstanceAlreadyExists: {new_id}"));
        }
        let mut i = self
            .instances
            .remove(id)
            .ok_or_else(|| format!("DBInstanceNotFound: {id}"))?;
        i.id = new_id.to_string();
        i.arn = format!(
            "{}:db:{new_id}",
            i.arn.rsplit_once(":db:").map_or("", |(a, _)| a)
        );
        i.endpoint = i.endpoint.replacen(id, new_id, 1);
        i.status = "renaming".into();
        i.ready_at = Some(self.now + secs(self.lat.get("rename_instance")));
        self.instances.insert(new_id.to_string(), i);
        for r in self.instances.values_mut() {
            if r.source.as_deref() == Some(id) {
                r.source = Some(new_id.to_string());
            }
        }
        self.note(format!("{id} is renamed {new_id}"));
        Ok(())
    }

    /// `FailoverGlobalCluster(AllowDataLoss)`: the target cluster becomes the writer after
    /// `aurora_failover`; the old writer is fenced by Aurora (it rejoins as a secondary).
    pub fn start_global_failover(&mut self, target: &str) -> Result<(), String> {
        self.start_global_change(target, "aurora_failover")
    }

    /// `SwitchoverGlobalCluster`: the same change, planned: it waits for full sync and takes
    /// `aurora_switchover`; nothing is lost (the writer stopped taking writes first).
    pub fn start_global_switchover(&mut self, target: &str) -> Result<(), String> {
        self.start_global_change(target, "aurora_switchover")
    }

    fn start_global_change(&mut self, target: &str, duration: &str) -> Result<(), String> {
        let done = self.now + secs(self.lat.get(duration));
        let i = self.instances.get_mut(target).ok_or("no such cluster")?;
        i.global_change_event = if duration == "aurora_switchover" {
            (
                "RDS-EVENT-0185",
                "Global switchover to DB cluster completed",
            )
        } else {
            ("RDS-EVENT-0238", "Global failover to DB cluster completed")
        };
        if i.source.is_none() {
            return Ok(());
        }
        i.status = "failing-over".into();
        i.global_failover = Some(done);
        self.note(format!("global failover to {target} starts"));
        Ok(())
    }

    fn global_failovers(&mut self) {
        let now = self.now;
        let due: Vec<String> = self
            .instances
            .values()
            .filter(|i| i.global_failover.is_some_and(|d| d <= now))
            .map(|i| i.id.clone())
            .collect();
        for id in due {
            let global = self.instances[&id].global_cluster.clone();
            // A switchover keeps the old writer replicating, as a secondary; a failover leaves
            // it behind (it may not even answer).
            let switchover = self.instances[&id].global_change_event.0 == "RDS-EVENT-0185";
            for other in self.instances.values_mut() {
                if other.id != id && other.global_cluster == global {
                    other.source = Some(id.clone());
                    other.io_running = switchover;
                }
            }
            let i = self.instances.get_mut(&id).expect("exists");
            i.global_failover = None;
            i.source = None;
            i.relay.clear();
            i.status = "available".into();
            let region = i.region.clone();
            let (event_id, message) = i.global_change_event;
            self.note(format!("{id} is the global writer"));
            let event = rds_event(
                &self.stack,
                "RDS DB Cluster Event",
                &id,
                &region,
                event_id,
                message,
                now,
            );
            let delay = secs(self.lat.get("rds_event_delivery"));
            self.outbox.push((now + delay, event));
        }
    }

    /// The customer's view: which region answers them now (their cached answer).
    pub fn resolve(&mut self, customer: usize) -> String {
        let now = self.now;
        let ttl = self.step_lat.dns_ttl;
        let extra = self.step_lat.violator_extra;
        let c = &mut self.customers[customer];
        if c.cached_until <= now {
            c.region = self
                .answers
                .get(&self.stack.dns.record_names[0])
                .cloned()
                .unwrap_or_default();
            c.cached_until = now + ttl + if c.violator { extra } else { 0 };
        }
        c.region.clone()
    }

    /// One checkout by `customer`: where their DNS sends them, and what the shop there does.
    pub fn checkout(&mut self, customer: usize) {
        let region = self.resolve(customer);
        let now = self.now;
        let draw = self.rng.unit();
        let path = CHECKOUT_PATHS
            .iter()
            .find(|(share, _)| draw < *share)
            .map_or(CHECKOUT_PATHS[0].1, |(_, p)| *p);
        let gated = self.gate_covers(&region, path);
        let (answer, order_id, detail) = self.shop_write(&region, gated, customer);
        // While writes are gated, a checkout gets 503 + Retry-After: never an error page, never an
        // order written where it may be lost.
        if gated.is_some() && answer != Answer::Gated {
            let state = format!(
                "a {path} checkout in {region} answered `{detail}` while writes were gated there"
            );
            self.violate(crate::invariants::GATED_503, state);
        }
        self.checkouts.push(Checkout {
            at: now,
            customer,
            region,
            path,
            answer,
            order_id,
            detail,
        });
    }

    /// Whether `region`'s write gate is on (`Some`), and whether it covers `path` (`Some(true)`):
    /// a gate path is a prefix, or `path?query` matching the query (`GateRule::paths`).
    pub fn gate_covers(&self, region: &str, path: &str) -> Option<bool> {
        let gate = self.acls.get(&self.site(region).acl_id)?.gate.as_ref()?;
        let (req_path, req_query) = wfc_activities::ports::write_gate::split_path(path);
        Some(gate.paths.iter().any(|entry| {
            let (p, q) = wfc_activities::ports::write_gate::split_path(entry);
            req_path.starts_with(p) && q.is_none_or(|q| req_query.is_some_and(|r| r.contains(q)))
        }))
    }

    /// What the shop in `region` answers to a checkout, and the order it takes; `gated` is
    /// [`World::gate_covers`] for the request, read just before.
    fn shop_write(
        &mut self,
        region: &str,
        gated: Option<bool>,
        customer: usize,
    ) -> (Answer, Option<u64>, String) {
        if self.regions_down.contains(region) {
            return (Answer::Failed, None, "the region does not answer".into());
        }
        if gated == Some(true) {
            return (Answer::Gated, None, "503 Retry-After (write gate)".into());
        }
        if self.app_in_maintenance(region) {
            return (Answer::Gated, None, "503 Retry-After (maintenance)".into());
        }
        if self
            .asgs
            .get(&self.site(region).asg)
            .is_none_or(|a| a.in_service(self.now) == 0)
        {
            return (Answer::Failed, None, "502: no healthy target".into());
        }
        let host = self.db_host(region);
        let Some(db) = self.instance_by_endpoint(host).map(|i| i.id.clone()) else {
            return (
                Answer::Failed,
                None,
                format!("500: unknown database host {host}"),
            );
        };
        let i = &self.instances[&db];
        if !i.alive || i.stopped || self.regions_down.contains(&i.region) {
            return (
                Answer::Failed,
                None,
                "500: error establishing a database connection".into(),
            );
        }
        if !self.writable(&db) {
            return (Answer::Failed, None, format!("500: {db} is read-only"));
        }
        self.next_customer_order += 1;
        let now = self.now;
        let total = 1000 + (self.rng.next_u64() % 20_000);
        let i = self.instances.get_mut(&db).expect("exists");
        let id = i.auto_increment.max(i.max_order_id() + 1);
        i.auto_increment = id + 1;
        let order = Order {
            id,
            at: now,
            customer,
            total_cents: total,
        };
        i.orders.insert(id, order.clone());
        self.replicate(&db, &order);
        if let Some((first, first_region)) = self.confirmed.get(&id) {
            if first.at != order.at || first.customer != order.customer {
                let state = format!(
                    "order id {id} given at {:.0} s in {first_region} and again at {:.0} s in {region} (database {db})",
                    self.seconds(first.at),
                    self.seconds(now)
                );
                self.violate("order ids unique", state);
            }
        } else {
            self.confirmed
                .insert(id, (order.clone(), region.to_string()));
        }
        (Answer::Ordered, Some(id), format!("order {id} in {db}"))
    }

    /// Ships a write of `db` to every replica of it.
    fn replicate(&mut self, db: &str, order: &Order) {
        let aurora = self
            .instances
            .get(db)
            .is_some_and(|i| i.global_cluster.is_some());
        let delay = secs(if aurora {
            self.lat.get("aurora_replication_lag")
        } else {
            self.lat.get("replica_network_delay")
        });
        let now = self.now;
        for r in self.instances.values_mut() {
            if r.source.as_deref() == Some(db) && r.io_running {
                r.relay.push_back(Shipped {
                    order: order.clone(),
                    committed: now,
                    arrives: now + delay,
                });
            }
        }
    }

    // ── Time ─────────────────────────────────────────────────────────────────────────────────

    /// Moves the world to `t`, one step (second) at a time, checking the invariants after each.
    pub fn advance_to(&mut self, t: Millis) {
        while self.now + STEP <= t {
            self.now += STEP;
            self.tick();
        }
    }

    fn tick(&mut self) {
        self.steps += 1;
        self.step = None;
        let now = self.now;
        self.replication();
        self.promotions();
        self.dns_propagation();
        self.health_checkers();
        self.alarms_step();
        if (now - self.start) % self.step_lat.app_config_refresh == 0 {
            self.refresh_app_config();
        }
        // Checkout traffic: a Bernoulli draw per second at the rate (several per second above 1).
        let rate = self.step_lat.checkout_rate;
        let mut n = rate.floor() as usize;
        if self.rng.unit() < rate.fract() {
            n += 1;
        }
        for _ in 0..n {
            let c = self.rng.below(self.customers.len());
            self.checkout(c);
        }
        let _ = now;
        crate::invariants::check(self);
    }

    fn replication(&mut self) {
        let now = self.now;
        let per_step = self.step_lat.apply_per_step;
        let io_timeout = self.step_lat.io_timeout;
        // Per instance, in order: whether its source answers (`None`: it replicates from nobody).
        let source_up: Vec<Option<bool>> = self
            .instances
            .values()
            .map(|r| {
                r.source.as_ref().map(|s| {
                    self.instances.get(s).is_some_and(|i| {
                        i.alive && !i.stopped && !self.regions_down.contains(&i.region)
                    })
                })
            })
            .collect();
        let period = self.step_lat.alarm_period;
        for (r, up) in self.instances.values_mut().zip(source_up) {
            let Some(up) = up else {
                continue;
            };
            if !r.alive {
                continue;
            }
            if r.status == "creating" {
                // The snapshot is being restored: writes wait in the relay log.
                continue;
            }
            if up {
                r.source_lost_at = None;
            } else {
                let lost = *r.source_lost_at.get_or_insert(now);
                // What had not reached the replica when its source died never will.
                r.relay.retain(|s| s.arrives <= lost);
                if now - lost >= io_timeout {
                    r.io_running = false;
                }
            }
            // Apply what arrived, at the replica's apply rate (orders per second).
            let mut budget = per_step;
            let mut lag = 0.0f64;
            while budget >= 1.0 || (budget > 0.0 && r.relay.front().is_some()) {
                let Some(front) = r.relay.front() else { break };
                if front.arrives > now {
                    break;
                }
                let s = r.relay.pop_front().expect("front");
                lag = lag.max((now - s.committed) as f64 / 1000.0);
                r.auto_increment = r.auto_increment.max(s.order.id + 1);
                r.orders.insert(s.order.id, s.order);
                budget -= 1.0;
            }
            if let Some(front) = r.relay.front() {
                if front.arrives <= now {
                    lag = lag.max((now - front.committed) as f64 / 1000.0);
                }
            }
            let sample = if r.io_running { lag } else { -1.0 };
            r.minute_lag = Some(r.minute_lag.map_or(sample, |m: f64| {
                if sample < 0.0 {
                    sample
                } else {
                    m.max(sample)
                }
            }));
            // `ReplicaLag`: one datapoint per period (Maximum), stamped with the period's start.
            if now % period == 0 {
                if let Some(v) = r.minute_lag.take() {
                    r.lag_points.push((now - period, v));
                }
            }
        }
    }

    fn promotions(&mut self) {
        let now = self.now;
        self.global_failovers();
        let mut done = Vec::new();
        let mut created = Vec::new();
        for i in self.instances.values_mut() {
            if i.ready_at.is_some_and(|t| t <= now) {
                i.ready_at = None;
                i.status = "available".into();
                created.push(i.id.clone());
            }
            if let Some((reboot, end)) = i.promotion {
                if now >= end {
                    i.promotion = None;
                    i.status = "available".into();
                    done.push(i.id.clone());
                } else if now >= reboot && i.status != "rebooting" {
                    // Replication stops at the reboot: what has not arrived is not applied.
                    i.status = "rebooting".into();
                    i.source = None;
                    i.relay.clear();
                    i.io_running = false;
                }
            }
        }
        for id in done {
            self.note(format!("{id} is promoted: available, standalone"));
        }
        for id in created {
            self.note(format!("{id} is available"));
        }
    }

    fn dns_propagation(&mut self) {
        let now = self.now;
        if self.failover_routing {
            // PRIMARY while its health check is healthy (more than 18 % of checkers), else
            // SECONDARY, in the DNS answers `health_check_to_dns` later.
            let primary = self.primary();
            let hc = &self.health_checks[&self.site(&primary).health_check_id];
            let healthy = hc.checkers.iter().filter(|c| c.2).count() as f64
                > self.lat.get("health_check_healthy_share") * hc.checkers.len() as f64;
            let target = if healthy { primary } else { self.dr() };
            let at = now + secs(self.lat.get("health_check_to_dns"));
            for name in self.stack.dns.record_names.clone() {
                let pending = self
                    .pending_answers
                    .iter()
                    .rev()
                    .find(|(_, n, _)| *n == name)
                    .map(|(_, _, r)| r.clone());
                let current = pending.or_else(|| self.answers.get(&name).cloned());
                if current.as_deref() != Some(target.as_str()) {
                    self.pending_answers.push((at, name, target.clone()));
                }
            }
        }
        let (due, later): (Vec<_>, Vec<_>) = self
            .pending_answers
            .drain(..)
            .partition(|(t, _, _)| *t <= now);
        self.pending_answers = later;
        for (_, name, region) in due {
            if self.answers.get(&name) != Some(&region) {
                self.answers.insert(name.clone(), region.clone());
                self.answers_changed = now;
                self.timeline
                    .push((now, format!("DNS answers for {name} now name {region}")));
                // Back to the old region after DR served, with no failback running: automatic.
                let failing_back = self
                    .executions
                    .values()
                    .any(|e| e.status == "RUNNING" && e.state_machine_arn.ends_with("-failback"));
                let dr = self.dr();
                if self.served_from.as_deref() == Some(dr.as_str()) && region != dr && !failing_back
                {
                    let state = format!(
                        "DNS for {name} moved back to {region} by itself after {dr} served"
                    );
                    self.violate(crate::invariants::NO_AUTO_FAILBACK, state);
                }
            }
        }
    }

    /// The database host the app in `region` uses: its configuration as last read (the app
    /// caches what it reads from SSM for `app_config_cache`).
    pub fn app_db_host(&self, region: &str) -> String {
        self.db_host(region).to_string()
    }

    /// [`World::app_db_host`], borrowed.
    pub(crate) fn db_host(&self, region: &str) -> &str {
        self.app_config
            .get(region)
            .map_or("", |(host, _)| host.as_str())
    }

    /// Whether the app in `region` shows its maintenance page (503 + Retry-After), as last read.
    pub fn app_in_maintenance(&self, region: &str) -> bool {
        self.app_config.get(region).is_some_and(|(_, m)| *m)
    }

    /// The apps re-read their configuration (every `app_config_cache` seconds).
    fn refresh_app_config(&mut self) {
        let maintenance = self.stack.app.maintenance_parameter.clone();
        let host = self.stack.app.db_endpoint_name.clone();
        for s in &self.sites {
            let get = |name: &String| {
                self.ssm
                    .get(&(s.name.clone(), name.clone()))
                    .map(|(v, _)| v.clone())
            };
            let on = get(&maintenance)
                .is_some_and(|v| v != "off" && v != "0" && v != "false" && !v.is_empty());
            self.app_config
                .insert(s.name.clone(), (get(&host).unwrap_or_default(), on));
        }
    }

    /// Whether the shop in `region` answers its health check (its home page: app and database).
    pub fn region_healthy(&self, region: &str) -> bool {
        if self.regions_down.contains(region) {
            return false;
        }
        let site = self.site(region);
        if self
            .asgs
            .get(&site.asg)
            .is_none_or(|a| a.in_service(self.now) == 0)
        {
            return false;
        }
        self.instance_by_endpoint(self.db_host(region))
            .is_some_and(|i| i.alive && !i.stopped && !self.regions_down.contains(&i.region))
    }

    fn health_checkers(&mut self) {
        let now = self.now;
        let interval = self.step_lat.hc_interval;
        let threshold = self.step_lat.hc_threshold;
        // Every checker that checks this second; a region's health (pure, and not reading the
        // health checks) is computed once, and only when one of its checkers checks.
        let start = self.start;
        let mut health_checks = std::mem::take(&mut self.health_checks);
        for hc in health_checks.values_mut() {
            let mut region_healthy = None;
            for (phase, fails, ok) in hc.checkers.iter_mut() {
                if (now - start - *phase).rem_euclid(interval) >= STEP {
                    continue;
                }
                let healthy = *region_healthy.get_or_insert_with(|| {
                    self.sites
                        .iter()
                        .any(|s| s.name == hc.region && self.region_healthy(&s.name))
                });
                if healthy {
                    *fails = 0;
                    *ok = true;
                } else {
                    *fails += 1;
                    if *fails >= threshold {
                        *ok = false;
                    }
                }
            }
        }
        self.health_checks = health_checks;
    }

    fn alarms_step(&mut self) {
        let now = self.now;
        let to_event = self.step_lat.alarm_to_event;
        // Taken out while they step: what an alarm's metric shows reads the databases and the
        // shop, never the alarms; a change touches only the outbox and the timeline.
        let mut alarms = std::mem::take(&mut self.alarms);
        for a in alarms.values_mut() {
            if self.regions_down.contains(&a.region) {
                continue;
            }
            let (period, needed, ingest) = (a.period, a.needed, a.ingest);
            let breaching = |w: &World| match a.kind.as_str() {
                "db-down" => w
                    .instances
                    .get(&w.site(&a.region).db_instance)
                    .is_none_or(|i| !i.alive || i.stopped),
                // The probe GETs the primary's load balancer: down when its shop is.
                "probe" => w.probe_path_down || !w.region_healthy(w.stack.primary().0),
                _ => !w.region_healthy(&a.region),
            };
            if a.kind == "probe" {
                // One datapoint a period (`Maximum < 1`): the period breaches when its GET failed.
                if now % period == 0 {
                    a.minutes.insert(now - period, a.current_breach);
                    a.current_breach = false;
                }
                if (now - self.start - a.phase).rem_euclid(period) == 0 {
                    a.current_breach = breaching(self);
                }
            } else {
                let breaching = breaching(self);
                a.current_breach |= breaching;
                if now % period == 0 {
                    a.minutes.insert(now - period, a.current_breach);
                    a.current_breach = breaching;
                }
            }
            // Only the periods an evaluation can still read are kept.
            if a.minutes.len() > needed + 4 {
                a.minutes.pop_first();
            }
            // Evaluated every period (a minute; 10 s at high resolution), on the datapoints ingested by now.
            if (now - ingest) % period != 0 {
                continue;
            }
            let closed: Vec<bool> = a
                .minutes
                .range(..=(now - ingest - period))
                .rev()
                .take(needed)
                .map(|(_, b)| *b)
                .collect();
            let alarm = closed.len() == needed && closed.iter().all(|b| *b);
            if alarm != a.in_alarm {
                a.in_alarm = alarm;
                let state = if alarm { "ALARM" } else { "OK" };
                let previous = if alarm { "OK" } else { "ALARM" };
                let event = alarm_event(&a.name, &a.region, state, previous, now, &self.stack);
                self.outbox.push((now + to_event, event));
                self.timeline
                    .push((now, format!("alarm {} goes to {state}", a.name)));
            }
        }
        self.alarms = alarms;
    }

    // ── Route 53 ─────────────────────────────────────────────────────────────────────────────

    /// UPSERTs records; the answers change when the change is INSYNC.
    pub fn upsert_records(&mut self, records: &[RecordSet]) -> String {
        self.change_seq += 1;
        let id = format!("C{:08}SIM", self.change_seq);
        let insync = self.now + secs(self.lat.get("dns_insync"));
        for r in records {
            self.records.retain(|x| {
                !(x.name == r.name
                    && x.record_type == r.record_type
                    && x.set_identifier == r.set_identifier)
            });
            self.records.push(r.clone());
            if let Some(alias) = &r.alias {
                if let Some(site) = self.sites.iter().find(|s| {
                    s.lb_dns.trim_end_matches('.') == alias.dns_name.trim_end_matches('.')
                }) {
                    self.pending_answers.push((
                        insync,
                        r.name.trim_end_matches('.').to_string(),
                        site.name.clone(),
                    ));
                }
            }
        }
        self.changes.insert(id.clone(), insync);
        self.note(format!("Route 53 change {id} submitted"));
        id
    }

    /// Step Functions' `StartExecution` by name; `None`: the name is used (once only).
    pub fn record_execution_start(
        &mut self,
        state_machine_arn: &str,
        name: &str,
        input: &str,
    ) -> Option<String> {
        if let Some(e) = self.executions.get(name) {
            // StartExecution is idempotent for the same name and input while it runs; any
            // other use of a name is refused (ExecutionAlreadyExists).
            if e.state_machine_arn == state_machine_arn && e.input == input && e.status == "RUNNING"
            {
                return Some(e.arn.clone());
            }
            return None;
        }
        let arn = format!(
            "{}:{name}",
            state_machine_arn.replacen(":stateMachine:", ":execution:", 1)
        );
        let at = self.now + secs(self.lat.get("eventbridge_to_execution"));
        self.executions.insert(
            name.to_string(),
            ExecutionRecord {
                arn: arn.clone(),
                state_machine_arn: state_machine_arn.into(),
                input: input.into(),
                status: "RUNNING".into(),
                start: at,
                cut_over: false,
            },
        );
        self.started.push((at, name.to_string()));
        self.note(format!("execution {name} starts"));
        Some(arn)
    }

    /// Preflight's `PutMetricData` of `FailoverReady`. The alarm on it (Minimum over 3600 s
    /// below 1, infra/src/orchestrator.rs) is evaluated at each datapoint, and its state change
    /// goes to the topic as CloudWatch's alarm action sends it.
    pub fn publish_failover_ready(&mut self, value: f64) {
        const ALARM_PERIOD: Millis = 3_600_000;
        let now = self.now;
        self.failover_ready.push((now, value));
        self.note(format!("FailoverReady {value} published"));
        let in_alarm = self
            .failover_ready
            .iter()
            .filter(|(at, _)| *at > now - ALARM_PERIOD)
            .any(|(_, v)| *v < 1.0);
        if in_alarm == self.failover_ready_alarm {
            return;
        }
        self.failover_ready_alarm = in_alarm;
        let name = format!("{}-failover-not-ready", self.stack.shop.name);
        let state = if in_alarm { "ALARM" } else { "OK" };
        self.note(format!("alarm {name} → {state}"));
        self.notifications.push(Notification {
            at: now,
            topic: self.stack.notifications.sns_topic_arn.clone(),
            subject: format!("{state}: \"{name}\" in {}", self.dr()),
            message: format!("FailoverReady {value} (Minimum over 3600 s, threshold 1)"),
        });
    }

    /// How many attempts this control-plane call in `region` needs while the scenario throttles
    /// the region: each attempt is throttled with probability 1/3, and the AWS SDK's standard
    /// retry mode tries 3 times; `None`: all 3 throttled, the adapter reports `AwsThrottled`.
    pub fn throttled_attempts(&mut self, region: &str) -> Option<u32> {
        match &self.throttle {
            Some((r, until)) if r == region && self.now < *until => {
                for attempt in 1..=3 {
                    self.throttle_count += 1;
                    if self.rng.unit() >= 1.0 / 3.0 {
                        return Some(attempt);
                    }
                }
                None
            }
            _ => Some(1),
        }
    }

    /// The region answers again, with everything it held (`answers again`, as a database does).
    pub fn region_up(&mut self, region: &str) {
        self.regions_down.remove(region);
        self.note(format!("region {region} answers again"));
        crate::invariants::check(self);
    }

    /// The article's design: failover records on the health checks (PRIMARY/SECONDARY), each
    /// region's app on its own database (DR's on its local replica).
    pub fn article_design(&mut self) {
        self.failover_routing = true;
        // No endpoint probe: its alarms are the primary region's.
        let probe = wfc_workflows::woocommerce::rules::probe_alarm(&self.stack);
        self.alarms.remove(&probe);
        let host = self.stack.app.db_endpoint_name.clone();
        let dr = self.dr();
        let replica = self.site(&dr).db_instance.clone();
        let endpoint = self.instances[&replica].endpoint.clone();
        self.ssm.insert((dr, host), (endpoint, false));
        self.refresh_app_config();
        self.note(
            "the article's design: failover routing, DR's app on its local replica".to_string(),
        );
    }

    /// The whole region stops answering: its databases, its shop, its control plane and its
    /// alarms (CloudWatch and EventBridge there are down with it).
    pub fn region_down(&mut self, region: &str) {
        self.regions_down.insert(region.to_string());
        self.outage_start.get_or_insert(self.now);
        self.note(format!("region {region} stops answering"));
    }

    pub fn violate(&mut self, invariant: &str, state: String) {
        let v = Violation {
            invariant: invariant.into(),
            at_seconds: self.seconds(self.now),
            step: self
                .step
                .clone()
                .unwrap_or_else(|| format!("world step {}", self.steps)),
            state,
        };
        // One report per invariant and state (a broken state is reported when it starts), and at
        // most five per invariant: the rest are counted.
        let same: Vec<&Violation> = self
            .violations
            .iter()
            .filter(|x| x.invariant == v.invariant)
            .collect();
        if same.iter().any(|x| x.state == v.state) {
            return;
        }
        if same.len() >= 5 {
            *self.more_violations.entry(v.invariant).or_insert(0) += 1;
            return;
        }
        self.violations.push(v);
    }
}

/// An RDS event as EventBridge delivers it (dr-on-aws.md §6.4, the EventBridge user guide's
/// sample).
pub fn rds_event(
    stack: &Stack,
    kind: &str,
    source: &str,
    region: &str,
    id: &str,
    message: &str,
    at: Millis,
) -> Value {
    let time = humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(at as u64),
    )
    .to_string();
    json!({
        "version": "0",
        "id": format!("rds-{id}-{at}"),
        "detail-type": kind,
        "source": "aws.rds",
        "account": stack.shop.account_id,
        "time": time,
        "region": region,
        "resources": [format!("arn:aws:rds:{region}:{}:cluster:{source}", stack.shop.account_id)],
        "detail": {
            "EventCategories": ["global-failover"],
            "SourceType": "CLUSTER",
            "SourceArn": format!("arn:aws:rds:{region}:{}:cluster:{source}", stack.shop.account_id),
            "Date": time,
            "Message": message,
            "SourceIdentifier": source,
            "EventID": id,
        },
    })
}

/// The event CloudWatch sends to EventBridge when an alarm changes state (CloudWatch UG "Alarm
/// events and EventBridge"; dr-on-aws.md §6.5).
pub fn alarm_event(
    name: &str,
    region: &str,
    state: &str,
    previous: &str,
    at: Millis,
    stack: &Stack,
) -> Value {
    let time = humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(at as u64),
    )
    .to_string();
    let timestamp = humantime::format_rfc3339_millis(
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(at as u64),
    )
    .to_string()
    .replace('Z', "+0000");
    json!({
        "version": "0",
        "id": format!("{:08x}-sim0-4000-8000-{:012x}", at / 1000 % 0xffff_ffff, at),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": stack.shop.account_id,
        "time": time,
        "region": region,
        "resources": [format!("arn:aws:cloudwatch:{region}:{}:alarm:{name}", stack.shop.account_id)],
        "detail": {
            "alarmName": name,
            "state": {"value": state, "reason": "Threshold Crossed (simulated)", "timestamp": timestamp},
            "previousState": {"value": previous, "reason": "", "timestamp": timestamp},
            "configuration": {"description": "", "metrics": []},
        },
    })
}
