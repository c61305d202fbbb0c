//! The drill loop and its report.
//!
//! One virtual clock: the world moves one second at a time; the events it emits go through the
//! compiled EventBridge rules (the `wfc-events` matcher and input transformer); a matching rule's
//! target runs (`start_workflow`, which starts an execution through the world's Step Functions
//! with its once-only name; SNS; `wake_waiter`); each execution runs the compiled state machine
//! in the engine, whose tasks run the real activities on the world's ports (the activity's own
//! sleeps on tokio's paused clock, the call's virtual time added to the task). An on-call person
//! answers approval requests after `operator_response`.
//!
//! Executions are stepped (`Options::stepped`): every second, each runs to that second, then the
//! world does; so concurrent executions interleave on the one clock, to the second.

use crate::dispatch::{dispatch, SimEnv};
use crate::latency::Latency;
use crate::ports::CallClock;
use crate::world::{secs, Answer, Millis, World, STEP};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use wfc_compiler::dsl::activity_of_placeholder;
use wfc_engine::dispatch::{Handlers, TaskOutcome, TaskRequest};
use wfc_engine::{Engine, Execution, Options as EngineOptions, Outcome, DEFAULT_START_TIME};
use wfc_events::{InputTransformer, Pattern};
use wfc_stack::{Database, Stack};

/// A scenario: what goes wrong, and when.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    pub summary: &'static str,
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "primary-db-down",
        summary: "the primary database's host stops answering (no RDS event); the alarms, the health check and the failover do the rest",
    },
    Scenario {
        name: "false-alarm",
        summary: "the DR region's probe loses its path to the primary for 150 s while customers and Route 53's checkers still reach the shop: the probe alarm fires, the failover's confirmation finds the primary up, nothing fails over",
    },
    Scenario {
        name: "old-primary-returns",
        summary: "the primary database fails, the failover completes, then the old primary comes back (its data, its app configuration)",
    },
    Scenario {
        name: "failback",
        summary: "primary-db-down, then the old primary returns and the on-call fails back: refused while orders of the gap are unresolved, done once they are handled, with writes paused no longer than the request's max_write_pause_seconds (--max-write-pause, 900 s) or stopped cleanly",
    },
    Scenario {
        name: "second-failover",
        summary: "the failback scenario, then, once DR is protected again by its new replica, the primary database fails a second time: the same deployed workflows fail over again (RDS: the failback gave the new databases the names the stack, the alarms and the rules use; the old ones were renamed -old<N> and stopped)",
    },
    Scenario {
        name: "region-down",
        summary: "the whole primary region stops answering, its alarms and event bus with it: the DR region's probe alarm starts the failover (were it silent, the on-call would start it by hand after operator_manual_start); fencing and job pausing there are best effort",
    },
    Scenario {
        name: "region-returns",
        summary: "region-down, then the primary region comes back after the failover: its database (never fenced: it did not answer) and its job runner (never paused) are still there",
    },
    Scenario {
        name: "dr-throttling",
        summary: "as primary-db-down, with a third of the control-plane calls in the DR region throttled (the SDK retries 3 times, then the workflow retries)",
    },
    Scenario {
        name: "lag-over-limit",
        summary: "heavy checkout traffic (12 orders/s) has the replica minutes behind when the primary fails: the RPO gate refuses, the on-call starts again with an override and accepts the loss",
    },
    Scenario {
        name: "failover-while-running",
        summary: "as primary-db-down, and the on-call also starts a failover by hand while the first one runs: the anti-flap guard must refuse it",
    },
    Scenario {
        name: "switchover",
        summary: "a planned switchover to the DR region, no outage: maintenance and read-only, lag 0, promote, cut over, no order lost",
    },
    Scenario {
        name: "alarm-storm",
        summary: "as primary-db-down, with each alarm event delivered 100 times within a second",
    },
    Scenario {
        name: "dr-secret-missing",
        summary: "the DR database's credentials secret is missing from the start: preflight's first run reports it (preflight.not_ready) before the primary database fails, the on-call restores it, the failover succeeds",
    },
];

/// The scenarios that run preflight on its schedule (the others leave it out: their runs and
/// fault campaigns stay as they were).
fn runs_preflight(scenario: &str) -> bool {
    scenario == "dr-secret-missing"
}

/// The three example stacks, by name.
pub const STACKS: &[(&str, &str)] = &[
    ("rds", include_str!("../../examples/woocommerce/stack.toml")),
    (
        "aurora",
        include_str!("../../examples/woocommerce/stack-aurora.toml"),
    ),
    (
        "self-managed",
        include_str!("../../examples/woocommerce/stack-self-managed.toml"),
    ),
];

/// A deliberately broken failover, to prove an invariant catches what it guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// As compiled.
    AsBuilt,
    /// The old primary is not fenced (the fence task answers "fenced" without acting).
    NoFencing,
    /// Order ids are not reserved on the promoted database.
    NoIdReservation,
    /// The write gate is not closed (gate tasks succeed without acting).
    NoWriteGate,
    /// The write gate leaves out the block checkout's Store API (`/wp-json/wc/store`).
    PartialGate,
    /// The old region's job runner is never paused (DR's is resumed all the same).
    NoJobPause,
    /// The anti-flap guard lets every failover through.
    NoGuard,
    /// The on-call does not act on preflight's report: the DR database secret stays missing
    /// (`dr-secret-missing`).
    PreflightIgnored,
}

impl Variant {
    pub fn parse(name: &str) -> Option<Variant> {
        Some(match name {
            "as-built" => Variant::AsBuilt,
            "no-fencing" => Variant::NoFencing,
            "no-id-reservation" => Variant::NoIdReservation,
            "no-write-gate" => Variant::NoWriteGate,
            "partial-gate" => Variant::PartialGate,
            "no-job-pause" => Variant::NoJobPause,
            "no-guard" => Variant::NoGuard,
            "preflight-ignored" => Variant::PreflightIgnored,
            _ => return None,
        })
    }

    /// The activity this variant skips (answered with a made-up success).
    fn skipped(self) -> Option<&'static str> {
        match self {
            Variant::AsBuilt => None,
            Variant::NoFencing => Some("fence_primary"),
            Variant::NoIdReservation => Some("reserve_order_ids"),
            Variant::NoWriteGate => Some("gate_writes"),
            Variant::PartialGate => None,
            Variant::NoJobPause => Some("pause_background_jobs"),
            Variant::NoGuard => Some("check_failover_guard"),
            Variant::PreflightIgnored => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DrillOptions {
    pub scenario: String,
    /// The stack's name (`rds`, `aurora`, `self-managed`) or a path's text via `stack_text`.
    pub stack_name: String,
    pub stack_text: String,
    pub seed: u64,
    pub latency: Latency,
    pub variant: Variant,
    /// Run the article's design (`--baseline article`) instead of the compiled workflows.
    pub baseline: bool,
    /// Faults to inject (`--fault STATE:KIND`), each once.
    pub faults: Vec<crate::faults::Fault>,
    /// Record the executions' histories (the phases come from them); a campaign does without.
    pub history: bool,
    /// The failback request's `max_write_pause_seconds`: a 15-minute maintenance window by
    /// default (an RDS failback pauses writes ~9 min: lag 0 on the 1-minute metric, then the
    /// 6-minute promotion).
    pub failback_max_write_pause_seconds: u32,
}

impl DrillOptions {
    pub fn new(scenario: &str, stack: &str, seed: u64) -> Result<DrillOptions, String> {
        let text = STACKS
            .iter()
            .find(|(n, _)| *n == stack)
            .map(|(_, t)| t.to_string())
            .ok_or_else(|| {
                format!(
                    "no example stack `{stack}`; known: {}",
                    STACKS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        if !SCENARIOS.iter().any(|s| s.name == scenario) {
            return Err(format!(
                "no scenario `{scenario}`; `wfc drill --list` shows them: {}",
                SCENARIOS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let mut latency = Latency::default_model();
        if scenario == "lag-over-limit" {
            // The replica applies 40 writes/s; 12 orders/s × 12 writes outrun it, and the backlog outlasts detection. Its IO thread
            // keeps reporting the lag (the source is not gone long enough to give up).
            for setting in ["checkout_rate=12", "replica_io_timeout=100000"] {
                latency.set(setting)?;
            }
        }
        Ok(DrillOptions {
            latency,
            scenario: scenario.into(),
            stack_name: stack.into(),
            stack_text: text,
            seed,
            variant: Variant::AsBuilt,
            baseline: false,
            faults: Vec::new(),
            history: true,
            failback_max_write_pause_seconds: 900,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: String,
    pub start_seconds: f64,
    pub end_seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskTrace {
    pub execution: String,
    pub state: String,
    pub activity: String,
    pub start_seconds: f64,
    pub seconds: f64,
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExecutionReport {
    pub name: String,
    pub status: String,
    pub start_seconds: f64,
    pub end_seconds: Option<f64>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// It succeeded and moved the traffic (its `phases.serving` is set); one refused by the
    /// anti-flap guard succeeds too, having done nothing.
    #[serde(skip)]
    pub cut_over: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: String,
    pub stack: String,
    pub seed: u64,
    pub variant: String,
    /// `recovered`, `not_recovered`.
    pub outcome: String,
    pub outage_start_seconds: f64,
    pub rto_seconds: Option<f64>,
    pub rpo_orders_lost: usize,
    pub rpo_seconds: f64,
    /// Orders not in the new primary, but held by the old primary's storage for reconciliation.
    pub orders_pending_reconciliation: Vec<u64>,
    pub orchestration_overhead_seconds: Option<f64>,
    /// The unavoidable durations subtracted from the RTO for the overhead.
    pub critical_path: BTreeMap<String, f64>,
    pub phases: Vec<Phase>,
    pub fenced: Vec<String>,
    pub notifications: Vec<Value>,
    pub executions: Vec<ExecutionReport>,
    pub tasks: Vec<TaskTrace>,
    pub checkouts: BTreeMap<String, usize>,
    /// Per minute of the drill: (minute, ordered, gated with 503, failed).
    pub checkouts_per_minute: Vec<(u64, usize, usize, usize)>,
    pub timeline: Vec<(f64, String)>,
    pub invariant_violations: Vec<crate::world::Violation>,
    /// Violations beyond the first five of an invariant, counted by invariant.
    pub more_violations: BTreeMap<String, u64>,
}

struct Running {
    name: String,
    execution: Execution,
    started: Millis,
    /// Approval tokens already scheduled for an answer.
    answering: BTreeSet<String>,
}

/// The shared pieces every execution's task handlers need.
struct Shared {
    world: Arc<Mutex<World>>,
    rt: tokio::runtime::Runtime,
    warm: Mutex<BTreeSet<String>>,
    tasks: Mutex<Vec<TaskTrace>>,
    home: String,
    variant: Variant,
    faults: Vec<crate::faults::Fault>,
    fired: Mutex<BTreeSet<usize>>,
}

impl Shared {
    /// Runs `activity` on the world at virtual time `now`; the result and the virtual seconds
    /// the call took (its control-plane calls and its own waits).
    fn run_activity(
        &self,
        activity: &str,
        payload: Value,
        now: Millis,
    ) -> (Result<Value, (String, String)>, f64) {
        {
            let mut w = self.world.lock().expect("world");
            w.advance_to(now);
        }
        // The activity's own clock starts at its invocation, even when the world has already
        // stepped to the next second (it steps a second at a time): clamping to the world's
        // clock added up to a second to every task, and serialised a Parallel's branches.
        let origin = now;
        let env_world = self.world.clone();
        let (result, elapsed) = self.rt.block_on(async {
            let base = tokio::time::Instant::now();
            let env = SimEnv {
                world: env_world,
                clock: CallClock { origin, base },
                home: self.home.clone(),
                activity: activity.to_string(),
            };
            let r = dispatch(activity, payload, &env).await;
            (r, base.elapsed().as_secs_f64())
        });
        // The gap report: every order a reconciliation listed (for "nothing lost silently").
        if activity == "reconcile_gap" {
            if let Ok(report) = &result {
                let ids = report["orders"].as_array().into_iter().flatten();
                let ids: Vec<u64> = ids.filter_map(|o| o["id"].as_u64()).collect();
                let mut w = self.world.lock().expect("world");
                w.gap_report.extend(ids);
                let detail = report["detail"].as_str().unwrap_or_default().to_string();
                w.note(format!("reconciliation report: {detail}"));
            }
        }
        let result = result.map_err(|e| (e.name().to_string(), e.to_string()));
        (result, elapsed + (origin - now) as f64 / 1000.0)
    }

    /// The first not yet injected task fault for `state`, if any (each fault fires once).
    fn take_fault(&self, state: &str) -> Option<crate::faults::FaultKind> {
        let mut fired = self.fired.lock().expect("fired");
        let (n, fault) = self
            .faults
            .iter()
            .enumerate()
            .find(|(n, f)| f.state == state && !fired.contains(n))?;
        fired.insert(n);
        if let Ok(mut w) = self.world.lock() {
            w.note(format!("fault injected: {} at {state}", fault.kind.name()));
        }
        Some(fault.kind)
    }

    fn handler(self: &Arc<Self>, execution: String) -> Handlers {
        let shared = self.clone();
        let exec = execution.clone();
        let lambda = move |request: &TaskRequest| {
            let activity = request
                .function_name
                .as_deref()
                .and_then(activity_of_placeholder)
                .unwrap_or("unknown")
                .to_string();
            let (cold_start, invoke) = {
                let w = shared.world.lock().expect("world");
                (w.lat.get("lambda_cold_start"), w.lat.get("lambda_invoke"))
            };
            let cold = if shared.warm.lock().expect("warm").insert(activity.clone()) {
                cold_start
            } else {
                0.0
            };
            let invoke = invoke + cold;
            let at = request.now + secs(invoke);
            // At most one failover per incident: the executions that began to cut over.
            if exec.starts_with("failover")
                && matches!(
                    activity.as_str(),
                    "gate_writes" | "fence_primary" | "promote_replica" | "failover_global_cluster"
                )
            {
                let mut w = shared.world.lock().expect("world");
                w.advance_to(request.now);
                w.cutting_over.insert(exec.clone());
                if w.cutting_over.len() > 1 {
                    let names: Vec<String> = w.cutting_over.iter().cloned().collect();
                    let state = format!(
                        "{} failovers cut over at once: {}",
                        names.len(),
                        names.join(", ")
                    );
                    w.violate(crate::invariants::ONE_FAILOVER, state);
                }
            }
            // Fault plans are the failover's: none lands in a preflight run.
            let fault = if exec.starts_with("preflight") {
                None
            } else {
                shared.take_fault(&request.state_name)
            };
            // The payload as sent, copied only when the broken variant changes it.
            let partial;
            let payload = if shared.variant == Variant::PartialGate && activity == "gate_writes" {
                let mut p = request.payload.clone();
                if let Some(paths) = p["paths"].as_array_mut() {
                    paths.retain(|p| !p.as_str().is_some_and(|p| p.contains("wc/store")));
                }
                partial = p;
                &partial
            } else {
                &request.payload
            };
            let (result, elapsed) = if shared.variant.skipped() == Some(activity.as_str()) {
                (Ok(skipped_output(&activity, payload)), 0.0)
            } else if let Some(kind) = fault {
                crate::faults::inject(
                    kind,
                    |at| shared.run_activity(&activity, payload.clone(), at),
                    at,
                )
            } else {
                shared.run_activity(&activity, payload.clone(), at)
            };
            let seconds = invoke + elapsed;
            let start = shared.world.lock().expect("world").seconds(request.now);
            shared.tasks.lock().expect("tasks").push(TaskTrace {
                execution: exec.clone(),
                state: request.state_name.clone(),
                activity: activity.clone(),
                start_seconds: start,
                seconds: (seconds * 1000.0).round() / 1000.0,
                outcome: match &result {
                    Ok(_) => "succeeded".into(),
                    Err((name, _)) => name.clone(),
                },
            });
            let outcome = match result {
                Ok(v) => TaskOutcome::Succeeded(v),
                Err((name, cause)) => TaskOutcome::failed(name, cause),
            };
            TaskOutcome::after(seconds, outcome)
        };
        let shared = self.clone();
        // `sns:publish.waitForTaskToken`: the approval request, sent to the on-call.
        let approval = move |request: &TaskRequest| {
            let mut w = shared.world.lock().expect("world");
            w.advance_to(request.now);
            let at = w.now;
            w.notifications.push(crate::world::Notification {
                at,
                topic: request.payload["TopicArn"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                subject: request.payload["Subject"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                message: request.payload["Message"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
            });
            TaskOutcome::Succeeded(
                json!({ "MessageId": format!("approval-{}", w.notifications.len()) }),
            )
        };
        let handlers = Handlers::new()
            .lambda_fallback(lambda)
            .resource("arn:aws:states:::sns:publish", approval);
        crate::sdk::preflight(handlers, &self.world, &self.home)
    }
}

/// What a skipped task answers in a broken variant: the activity's success, as if it had acted.
fn skipped_output(activity: &str, payload: &Value) -> Value {
    match activity {
        "fence_primary" => json!({
            "outcome": "fenced", "method": "read_only", "detail": "skipped (broken variant)",
            "maintenance": "set", "maintenance_detail": "skipped", "db_instance_id": payload["db_instance_id"],
        }),
        "reserve_order_ids" => json!({
            "order_id_floor": 0, "previous_max_order_id": 0, "tables": [], "server": "skipped",
        }),
        "gate_writes" => json!({
            "web_acl": payload["web_acl_name"], "gated": true, "changed": false,
        }),
        "pause_background_jobs" => json!({
            "runner": "skipped (broken variant)", "was_running": true, "running": false, "changed": false,
        }),
        "check_failover_guard" => json!({
            "allowed": true, "reason": "skipped (broken variant)", "state": null,
            "minutes_since_last_failover": null,
        }),
        _ => json!({}),
    }
}

/// The compiled rules of the DR region that have a pattern: (name, pattern, targets).
fn compiled_rules(stack: &Stack) -> Vec<(String, Pattern, Vec<Value>)> {
    let dr = stack.secondary().0.to_string();
    wfc_workflows::woocommerce::rules::rules(stack)
        .into_iter()
        .filter(|r| r["Region"] == dr.as_str())
        .filter_map(|r| {
            let pattern = Pattern::parse(r["Rule"]["EventPattern"].as_str()?).ok()?;
            let targets = r["Targets"].as_array().cloned().unwrap_or_default();
            Some((r["Rule"]["Name"].as_str()?.to_string(), pattern, targets))
        })
        .collect()
}

/// The compiled scheduled rules of the DR region: (name, period, targets). The endpoint probe's
/// is left out: the drill does not model the probe (drill/DIFFERENCES.md).
fn compiled_schedules(stack: &Stack) -> Vec<(String, Millis, Vec<Value>)> {
    let dr = stack.secondary().0.to_string();
    let probe = wfc_workflows::woocommerce::rules::probe_rule(stack);
    wfc_workflows::woocommerce::rules::rules(stack)
        .into_iter()
        .filter(|r| r["Region"] == dr.as_str() && r["Rule"]["Name"] != probe.as_str())
        .filter_map(|r| {
            let period = rate(r["Rule"]["ScheduleExpression"].as_str()?)?;
            let targets = r["Targets"].as_array().cloned().unwrap_or_default();
            Some((r["Rule"]["Name"].as_str()?.to_string(), period, targets))
        })
        .collect()
}

/// The period of an EventBridge `rate(<n> <unit>)` expression.
fn rate(expression: &str) -> Option<Millis> {
    let inner = expression.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.split_once(' ')?;
    let unit: Millis = match unit.trim_end_matches('s') {
        "minute" => 60_000,
        "hour" => 3_600_000,
        "day" => 86_400_000,
        _ => return None,
    };
    Some(n.parse::<Millis>().ok()? * unit)
}

/// What every run of one stack shares: the stack, its compiled workflows and rules (a fault
/// campaign compiles them once).
pub struct Prepared {
    pub stack: Stack,
    /// Each workflow's engine (its definition prepared once), by state machine ARN.
    pub machines: BTreeMap<String, Engine>,
    rules: Vec<(String, Pattern, Vec<Value>)>,
    schedules: Vec<(String, Millis, Vec<Value>)>,
}

impl Prepared {
    pub fn new(stack_text: &str) -> Result<Prepared, String> {
        let stack = Stack::load(stack_text).map_err(|errors| {
            errors
                .iter()
                .map(|e| format!("{e:?}"))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let mut machines: BTreeMap<String, Engine> = BTreeMap::new();
        // Every workflow of the stack, by its state machine ARN (the drill starts the failover;
        // a scenario or a person may start the others).
        for name in ["failover", "switchover", "failback", "preflight"] {
            let compiled = wfc_workflows::build(name, &stack)
                .ok_or("no such workflow")?
                .map_err(|e| format!("{name} does not compile for this stack: {e:?}"))?;
            machines.insert(stack.state_machine_arn(name), Engine::new(compiled.machine));
        }
        let rules = compiled_rules(&stack);
        let schedules = compiled_schedules(&stack);
        Ok(Prepared {
            stack,
            machines,
            rules,
            schedules,
        })
    }
}

pub fn run(options: &DrillOptions) -> Result<Report, String> {
    run_prepared(&Prepared::new(&options.stack_text)?, options)
}

pub fn run_prepared(prepared: &Prepared, options: &DrillOptions) -> Result<Report, String> {
    let stack = prepared.stack.clone();
    let machines = &prepared.machines;
    let rules = &prepared.rules;
    let start = DEFAULT_START_TIME;
    let world = Arc::new(Mutex::new(World::new(
        &stack,
        options.latency.clone(),
        options.seed,
        start,
    )));
    let lat = options.latency.clone();
    if options.baseline {
        world.lock().expect("world").article_design();
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let shared = Arc::new(Shared {
        world: world.clone(),
        rt,
        warm: Mutex::new(BTreeSet::new()),
        tasks: Mutex::new(Vec::new()),
        home: stack.secondary().0.to_string(),
        variant: options.variant,
        faults: options.faults.clone(),
        fired: Mutex::new(BTreeSet::new()),
    });
    let primary_db = world
        .lock()
        .expect("world")
        .site(stack.primary().0)
        .db_instance
        .clone();
    let dr = stack.secondary().0.to_string();
    let primary = stack.primary().0;
    // The outage: five minutes into the drill, at a second the seed picks.
    let outage_at = start + 300_000 + (options.seed % 60) as Millis * 1000;
    let operator = secs(lat.get("operator_response"));
    let ttl = secs(lat.get("dns_ttl"));
    let max_end = start + 4 * 3_600_000;
    let preflight_first = start + secs(lat.get("preflight_first_run"));
    // The DR database's credentials secret, gone from the start, until the on-call restores it.
    let mut missing_secret = None;
    if options.scenario == "dr-secret-missing" {
        let mut w = world.lock().expect("world");
        let key = (dr.clone(), w.site(&dr).db_secret.clone());
        missing_secret = w.secrets.remove(&key).map(|value| (key, value));
    }

    let mut running: Vec<Running> = Vec::new();
    let mut finished: Vec<ExecutionReport> = Vec::new();
    let mut answers: Vec<(Millis, String, String)> = Vec::new(); // (at, execution, token)
                                                                 // When DR began to serve, and when the DNS answers naming it last changed.
    let mut serving_since: Option<(Millis, Millis)> = None;
    let mut last_end: Option<Millis> = None;
    let mut phases: Vec<Phase> = Vec::new();
    // RPO-gate refusals the on-call has answered (once each, with an override).
    let mut overrides = 0;
    let mut restored = false;
    let mut manual_started = false;
    let mut event_faults_done = BTreeSet::new();
    let mut failback = FailbackState::default();
    let fails_back = matches!(options.scenario.as_str(), "failback" | "second-failover");
    // second-failover: when the primary fails again, and whether a failover started after it.
    let mut second_outage: Option<Millis> = None;
    let mut second_started = false;
    let mut t = start;
    while t < max_end {
        t += STEP;
        if options.scenario == "switchover" && t == outage_at {
            start_switchover(&world, &stack, t);
        }
        // The on-call starts one by hand while a failover that passed its guard runs (it started
        // a while ago and has not ended). Not only an override restart: since the RPO gate reads
        // the lag at the stop, RDS and Aurora need none, and the scenario tested nothing there.
        if options.scenario == "failover-while-running" && !manual_started {
            let running_failover = running.iter().any(|r| {
                r.name.starts_with("failover")
                    && !r.execution.is_complete()
                    && t - r.started >= secs(lat.get("operator_response")) + 30_000
            });
            if running_failover {
                manual_started = true;
                start_by_hand(&world, &stack, t);
            }
        }
        if t == outage_at && options.scenario != "switchover" {
            let mut w = world.lock().expect("world");
            if matches!(options.scenario.as_str(), "region-down" | "region-returns") {
                let region = w.primary();
                w.region_down(&region);
            } else if options.scenario == "false-alarm" {
                w.probe_path_down = true;
                w.note("the DR region's probe loses its path to the primary".to_string());
            } else {
                w.fail_database(&primary_db);
            }
            if options.scenario == "dr-throttling" {
                w.throttle = Some((dr.clone(), t + 3_600_000));
            }
        }
        // The on-call starts it by hand only when nothing has (the DR region's probe alarm does).
        if matches!(options.scenario.as_str(), "region-down" | "region-returns")
            && t == outage_at + secs(lat.get("operator_manual_start"))
            && !world
                .lock()
                .expect("world")
                .executions
                .keys()
                .any(|name| name.starts_with("failover"))
        {
            start_by_hand(&world, &stack, t);
        }
        let restore = match options.scenario.as_str() {
            "false-alarm" => Some(outage_at + 150_000),
            // The article's design has no execution to wait for: the old primary returns 30 min
            // after the outage.
            "old-primary-returns" if options.baseline => Some(outage_at + 1_800_000),
            "failback" | "second-failover" => finished
                .iter()
                .find(|e| e.cut_over)
                .and_then(|e| e.end_seconds)
                .map(|end| start + secs(end + 60.0)),
            "old-primary-returns" => failover_completed(&world).map(|at| at + 60_000),
            _ => None,
        };
        if options.scenario == "false-alarm" && restore.is_some_and(|r| r == t) {
            restored = true;
            let mut w = world.lock().expect("world");
            w.probe_path_down = false;
            w.note("the DR region's probe reaches the primary again".to_string());
        } else if restore.is_some_and(|r| r == t || (r < t && !restored)) {
            restored = true;
            let mut w = world.lock().expect("world");
            // To fail back, an Aurora or self-managed old primary replicates from the serving
            // database again (an RDS one stays fenced: the failback creates a new replica). The
            // on-call keeps the reconciliation report of the orders only it held first: the
            // failback's own report cannot see them once it caught up.
            if fails_back && !matches!(stack.primary().1.database, Database::RdsInstance { .. }) {
                let serving = w.site(&dr).db_instance.clone();
                let gap = w.rejoin_as_replica(&primary_db, &serving);
                w.note(format!(
                    "on-call's reconciliation report before {primary_db} rejoins: {} order(s) only it holds",
                    gap.len()
                ));
                w.gap_report.extend(gap);
            }
            w.restore_database(&primary_db);
        }
        if options.scenario == "region-returns" && !restored {
            let back = failover_completed(&world).map(|at| at + 60_000);
            if back.is_some_and(|b| b <= t) {
                restored = true;
                let mut w = world.lock().expect("world");
                let region = w.primary();
                w.region_up(&region);
            }
        }
        if options.scenario == "second-failover" {
            let mut w = world.lock().expect("world");
            if second_outage.is_none() {
                second_outage = second_outage_at(&mut w, &stack, t, &dr);
            }
            if second_outage == Some(t) {
                w.fail_database(&primary_db);
            }
        }
        // Every execution runs to this second (its tasks move the world to their own times),
        // then the world itself: one clock for all.
        for r in running.iter_mut() {
            if !r.execution.is_complete() {
                r.execution.run_until(t);
            }
        }
        world.lock().expect("world").advance_to(t);
        // Events due now, through the compiled rules.
        let due: Vec<Value> = {
            let mut w = world.lock().expect("world");
            let (due, later): (Vec<_>, Vec<_>) = w.outbox.drain(..).partition(|(at, _)| *at <= t);
            w.outbox = later;
            due.into_iter().map(|(_, e)| e).collect()
        };
        let due = crate::faults::event_faults(&options.faults, due, &mut event_faults_done);
        let storm = if options.scenario == "alarm-storm" {
            100
        } else {
            1
        };
        let due: Vec<Value> = due
            .into_iter()
            .flat_map(|e| std::iter::repeat_n(e, storm))
            .collect();
        for event in due {
            if options.baseline {
                baseline_lambda(&world, &event, &dr);
                continue;
            }
            for (rule, pattern, targets) in rules.iter() {
                if !pattern.matches(&event) {
                    continue;
                }
                world
                    .lock()
                    .expect("world")
                    .note(format!("event matches rule {rule}"));
                for target in targets {
                    deliver(&shared, target, &event, t);
                }
            }
        }
        // Scheduled rules (preflight's), from their first run on, every period; the article's
        // design has none.
        if runs_preflight(&options.scenario) && !options.baseline && t >= preflight_first {
            for (rule, period, targets) in &prepared.schedules {
                if (t - preflight_first) % period == 0 {
                    let event = scheduled_event(&stack, rule, t);
                    for target in targets {
                        deliver(&shared, target, &event, t);
                    }
                }
            }
        }
        if options.variant != Variant::PreflightIgnored {
            restore_secret(&world, &mut missing_secret, t, operator);
        }
        // Executions the world's Step Functions started.
        let starts: Vec<(Millis, String)> = {
            let mut w = world.lock().expect("world");
            let (now, later): (Vec<_>, Vec<_>) = w.started.drain(..).partition(|(at, _)| *at <= t);
            w.started = later;
            now
        };
        for (at, name) in starts {
            second_started |= second_outage.is_some_and(|o| at >= o);
            let (arn, execution_arn, input) = {
                let w = world.lock().expect("world");
                let e = &w.executions[&name];
                (e.state_machine_arn.clone(), e.arn.clone(), e.input.clone())
            };
            let Some(machine) = machines.get(&arn) else {
                world
                    .lock()
                    .expect("world")
                    .note(format!("execution {name}: the drill does not run {arn}"));
                continue;
            };
            let engine = machine
                .clone()
                .with_handlers(shared.handler(name.clone()))
                .with_options(EngineOptions {
                    seed: options.seed,
                    start_time: at,
                    execution_name: Some(name.clone()),
                    execution_arn: Some(execution_arn),
                    state_machine_arn: arn.clone(),
                    history: options.history,
                    stepped: true,
                    ..EngineOptions::default()
                });
            let input: Value = serde_json::from_str(&input).unwrap_or(Value::Null);
            let execution = engine.start(input);
            running.push(Running {
                name,
                execution,
                started: at,
                answering: BTreeSet::new(),
            });
        }
        // Tokens answered through the world's Step Functions (`wake_waiter`).
        let woken: Vec<(String, String)> =
            std::mem::take(&mut world.lock().expect("world").task_answers);
        for (token, output) in woken {
            for r in running.iter_mut() {
                if r.execution.pending_tasks().iter().any(|p| p.token == token) {
                    let output: Value = serde_json::from_str(&output).unwrap_or(Value::Null);
                    let _ = r.execution.send_task_success(&token, output);
                }
            }
        }
        // The on-call answers approval requests (the SNS messages that carry a task token).
        for r in running.iter_mut() {
            // A parked execution's outcome lists its pending tasks (as of its last run: nothing
            // else changes them), without copying their payloads every second.
            let Outcome::Parked { tasks } = r.execution.outcome() else {
                continue;
            };
            for task in tasks {
                if !task.resource.contains("sns:publish") {
                    continue;
                }
                if r.answering.insert(task.token.clone()) {
                    answers.push((t + operator, r.name.clone(), task.token.clone()));
                }
            }
        }
        let (now_answers, later): (Vec<_>, Vec<_>) =
            answers.drain(..).partition(|(at, _, _)| *at <= t);
        answers = later;
        for (at, name, token) in now_answers {
            if let Some(r) = running.iter_mut().find(|r| r.name == name) {
                r.execution.run_until(at);
                world
                    .lock()
                    .expect("world")
                    .note(format!("on-call approves {name}"));
                let _ = r.execution.send_task_success(
                    &token,
                    json!({"approved": true, "by": "on-call (drill)", "at": wfc_engine::format_timestamp(at)}),
                );
            }
        }
        // The on-call reads a closed RPO gate and, once per refusal, starts the failover again
        // with an override (a new execution name: the refused one's is used).
        let refused = {
            let w = world.lock().expect("world");
            w.notifications
                .iter()
                .filter(|n| n.subject.contains("failover.rpo_gate_closed"))
                .nth(overrides)
                .map(|n| n.at)
        };
        if refused.is_some_and(|at| t >= at + operator) {
            overrides += 1;
            restart_with_override(&world, t);
        }
        // Failback: the on-call starts it once the old primary is back, and again with the
        // gap's orders handled when it is refused for them.
        if fails_back {
            failback_steps(
                &world,
                &mut failback,
                t,
                operator,
                &stack,
                options.failback_max_write_pause_seconds,
            );
        }
        // Executions that ended.
        let mut still = Vec::new();
        for r in running.drain(..) {
            if r.execution.is_complete() {
                let end = r.execution.now();
                // Borrowed: a succeeded execution's outcome holds its whole output.
                let outcome = r.execution.outcome();
                let mut w = world.lock().expect("world");
                let status = outcome.status().to_string();
                let cut_over = matches!(&outcome, Outcome::Succeeded { output }
                    if !output["phases"]["serving"].is_null());
                if let Some(e) = w.executions.get_mut(&r.name) {
                    e.status = status.clone();
                    e.cut_over = cut_over;
                }
                // A completed failback ends the incident: the next outage may fail over again.
                if status == "SUCCEEDED" && r.name.starts_with("failback") {
                    w.cutting_over.clear();
                }
                w.timeline
                    .push((end, format!("execution {} ends: {status}", r.name)));
                let (error, cause) = match outcome {
                    Outcome::Failed { error, cause } => (error.clone(), cause.clone()),
                    Outcome::TimedOut { cause } => {
                        (Some("States.Timeout".into()), Some(cause.clone()))
                    }
                    _ => (None, None),
                };
                finished.push(ExecutionReport {
                    name: r.name.clone(),
                    status,
                    start_seconds: w.seconds(r.started),
                    end_seconds: Some(w.seconds(end)),
                    error,
                    cause,
                    cut_over,
                });
                // A scheduled preflight run is no part of the incident the drill waits out.
                if !r.name.starts_with("preflight") {
                    last_end = Some(last_end.map_or(end, |l: Millis| l.max(end)));
                }
                phases_of(&r, &w, &mut phases);
            } else {
                still.push(r);
            }
        }
        running = still;
        // The shop serves from DR as a customer sees it: DNS names DR, and a checkout there
        // takes an order (writes open, the app on a writable database).
        {
            let mut w = world.lock().expect("world");
            let serving = w.outage_start.is_some() && serves_from(&w, &dr);
            if serving {
                if w.served_from.as_deref() != Some(dr.as_str()) {
                    w.served_from = Some(dr.clone());
                }
            } else if serves_from(&w, primary) && w.served_from.as_deref() != Some(primary) {
                w.served_from = Some(primary.to_string());
            }
            // Once a failover succeeded, the time DR began to serve is the RTO's end, whatever
            // happens later (a failback). (Read only when DR stops serving: it scans the timeline.)
            let failed_over = || {
                finished
                    .iter()
                    .any(|e| e.cut_over && e.name.starts_with("failover"))
                    || w.timeline
                        .iter()
                        .any(|(_, what)| what.starts_with("article Lambda"))
            };
            match (serving, serving_since) {
                (true, None) => serving_since = Some((w.now.max(t), w.answers_changed)),
                (false, Some(_)) if !failed_over() => serving_since = None,
                _ => {}
            }
        }
        let world_now = world.lock().expect("world").now;
        // After the old primary returns, long enough to see job runners overlap.
        let settle = if restored
            && matches!(
                options.scenario.as_str(),
                "old-primary-returns" | "region-returns"
            ) {
            let w = world.lock().expect("world");
            let back = w
                .timeline
                .iter()
                .find(|(_, what)| what.ends_with("answers again"))
                .map_or(0, |(at, _)| *at);
            back + secs(lat.get("jobs_overlap_limit")) + 60_000
        } else {
            0
        };
        // A promotion a stopped failback left running ends before the drill does: its
        // standalone must be seen to stay read-only.
        let promoting = world
            .lock()
            .expect("world")
            .instances
            .values()
            .any(|i| i.promotion.is_some() || i.global_failover.is_some());
        let second_pending = options.scenario == "second-failover" && !second_started;
        let quiet = running.is_empty()
            && answers.is_empty()
            && world_now >= settle
            && !promoting
            && !second_pending;
        if quiet {
            if let Some(end) = last_end {
                if world_now >= end + 2 * ttl + 60_000 && t >= end {
                    break;
                }
            } else if t > outage_at + 3_600_000 {
                break;
            }
        }
    }
    for r in &running {
        finished.push(ExecutionReport {
            name: r.name.clone(),
            status: "RUNNING".into(),
            start_seconds: (r.started - start) as f64 / 1000.0,
            end_seconds: None,
            error: None,
            cause: None,
            cut_over: false,
        });
    }
    let tasks = std::mem::take(&mut *shared.tasks.lock().expect("tasks"));
    let mut w = world.lock().expect("world");
    Ok(report(
        options,
        &stack,
        &mut w,
        finished,
        phases,
        tasks,
        serving_since,
        &dr,
    ))
}

/// second-failover: once the failback succeeded, the on-call re-seeds a self-managed DR server
/// (its summary asks for it; RDS and Aurora re-protect themselves), and when DR replicates from
/// the primary again, the primary fails again: 15 min later (the RPO gate's lag window sees
/// the steady lag, not the new replica's catch-up), and no sooner than the anti-flap window
/// after the failback's start (the last recorded failover).
fn second_outage_at(w: &mut World, stack: &Stack, t: Millis, dr: &str) -> Option<Millis> {
    let failback = stack.state_machine_arn("failback");
    let started = w
        .executions
        .values()
        .find(|e| e.status == "SUCCEEDED" && e.state_machine_arn == failback)?
        .start;
    let replica = w.site(dr).db_instance.clone();
    if let Database::SelfManaged { .. } = &stack.secondary().1.database {
        let primary = w.site(stack.primary().0).db_instance.clone();
        if w.instances
            .get(&replica)
            .is_some_and(|i| i.source.is_none())
        {
            w.rejoin_as_replica(&replica, &primary);
        }
    }
    let protected = w
        .instances
        .get(&replica)
        .is_some_and(|i| i.status == "available" && i.source.is_some());
    if !protected {
        return None;
    }
    let anti_flap = secs(stack.policy.min_minutes_between_failovers as f64 * 60.0 + 60.0);
    // On the world's whole seconds (an execution starts at a fraction of one).
    let at = (t + 900_000).max((started + anti_flap + 999) / 1000 * 1000);
    w.note(format!(
        "failed back, and DR is protected again: the primary fails again at {:.0} s",
        w.seconds(at)
    ));
    Some(at)
}

/// When the on-call heard that the failover completed (its summary): the old primary or region
/// returns a minute later. (Not the execution's end: a failover that could not fence the old
/// region waits for it to answer, to fence it then.)
fn failover_completed(world: &Arc<Mutex<World>>) -> Option<Millis> {
    let w = world.lock().expect("world");
    w.notifications
        .iter()
        .find(|n| n.subject.contains("failover.completed"))
        .map(|n| n.at)
}

/// The phases of an execution: from each `Phase …` state to the next, and the last to its end.
fn phases_of(r: &Running, w: &World, out: &mut Vec<Phase>) {
    let history = r.execution.history();
    let mut marks: Vec<(String, Millis)> = history
        .iter()
        .filter(|e| e.kind.ends_with("StateEntered"))
        .filter_map(|e| {
            let name = e.details.as_ref()?.1["name"].as_str()?.to_string();
            let label = name.strip_prefix("Phase ")?.to_string();
            Some((label, e.timestamp))
        })
        .collect();
    marks.insert(0, ("start".into(), r.started));
    let end = r.execution.now();
    for (n, (label, at)) in marks.iter().enumerate() {
        let until = marks.get(n + 1).map_or(end, |m| m.1);
        out.push(Phase {
            name: format!("{}: {label}", r.name),
            start_seconds: w.seconds(*at),
            end_seconds: w.seconds(until),
        });
    }
}

/// The article's design (../shared/seeds/): the alarm's SNS action invokes one Lambda that calls
/// `PromoteReadReplica` on the DR replica, once; nothing polls, fences, gates or reserves ids;
/// Route 53's failover records move the traffic by health check.
fn baseline_lambda(world: &Arc<Mutex<World>>, event: &Value, dr: &str) {
    if event["detail-type"] != "CloudWatch Alarm State Change"
        || event["detail"]["state"]["value"] != "ALARM"
    {
        return;
    }
    let mut w = world.lock().expect("world");
    if w.timeline
        .iter()
        .any(|(_, what)| what.starts_with("article Lambda"))
    {
        return;
    }
    let replica = w.site(dr).db_instance.clone();
    w.note(format!("article Lambda: PromoteReadReplica {replica}"));
    if let Err(e) = w.promote(&replica) {
        w.note(format!("article Lambda: {e}"));
    }
}

/// A planned switchover, started by a person (`change_id` is its incident).
fn start_switchover(world: &Arc<Mutex<World>>, stack: &Stack, t: Millis) {
    let mut w = world.lock().expect("world");
    w.advance_to(t);
    let input = json!({
        "change_id": "CHG-drill-1",
        "requested_by": "on-call (drill)",
        "reason": "planned: serve from the DR region",
    });
    // The switchover's own "outage": from its start until customers order from DR.
    w.outage_start = Some(t);
    w.note("on-call starts the switchover".to_string());
    let _ = w.record_execution_start(
        &stack.state_machine_arn("switchover"),
        "switchover-CHG-drill-1",
        &input.to_string(),
    );
}

/// The on-call starts the failover by hand (`trigger.source` = `manual`), accepting the loss: the
/// region is down, and its replication with it.
fn start_by_hand(world: &Arc<Mutex<World>>, stack: &Stack, t: Millis) {
    let mut w = world.lock().expect("world");
    w.advance_to(t);
    let time = wfc_engine::format_timestamp(t);
    let input = json!({
        "incident_id": format!("manual-{}", time.replace([':', '.'], "-")),
        "trigger": {"source": "manual", "name": "on-call (drill)", "region": stack.primary().0},
        "time": time,
        "rpo_override": {"reason": "on-call (drill): the primary region is down; the loss is the lag at the outage"},
    });
    let name = format!("failover-manual-{}", time.replace([':', '.'], "-"));
    w.note(format!("on-call starts the failover by hand as {name}"));
    let _ = w.record_execution_start(
        &stack.state_machine_arn("failover"),
        &name,
        &input.to_string(),
    );
}

/// The on-call's restart of the latest refused failover, accepting the loss (`rpo_override`).
fn restart_with_override(world: &Arc<Mutex<World>>, t: Millis) {
    let mut w = world.lock().expect("world");
    w.advance_to(t);
    let Some((name, arn, input)) = w
        .executions
        .iter()
        .filter(|(_, e)| e.status == "FAILED" && e.state_machine_arn.ends_with("-failover"))
        .max_by_key(|(_, e)| e.start)
        .map(|(n, e)| (n.clone(), e.state_machine_arn.clone(), e.input.clone()))
    else {
        return;
    };
    let mut input: Value = serde_json::from_str(&input).unwrap_or(Value::Null);
    input["rpo_override"] = json!({
        "reason": "on-call (drill): the primary is down, replication stopped with it; the loss is the lag at the outage"
    });
    let name = format!("{}-rpo-override", name.chars().take(66).collect::<String>());
    w.note(format!(
        "on-call restarts the failover with an rpo_override as {name}"
    ));
    let _ = w.record_execution_start(&arn, &name, &input.to_string());
}

#[derive(Default)]
struct FailbackState {
    restored_at: Option<Millis>,
    /// Attempts started, and when the last one ended (refused) with its error.
    attempts: u32,
    last_refusal: Option<(Millis, String)>,
    seen_ended: usize,
    /// Refused or stopped for its write pause: not started again.
    given_up: bool,
}

/// The on-call's failback (`wfc failback start`): once the old primary has been back for
/// `operator_response`; after a refusal, again `operator_response` later: with the gap's orders
/// handled (the report's ids) when refused for them, as it was otherwise (a region not yet
/// healthy). At most five attempts; none after a failback refused or stopped for its write pause
/// (that takes a longer maintenance window, another day).
fn failback_steps(
    world: &Arc<Mutex<World>>,
    f: &mut FailbackState,
    t: Millis,
    operator: Millis,
    stack: &Stack,
    max_write_pause_seconds: u32,
) {
    let mut w = world.lock().expect("world");
    if f.given_up {
        return;
    }
    if f.restored_at.is_none() {
        f.restored_at = w
            .timeline
            .iter()
            .find(|(_, what)| what.ends_with("answers again"))
            .map(|(at, _)| *at);
    }
    let Some(restored) = f.restored_at else {
        return;
    };
    let incident = w
        .executions
        .values()
        .filter(|e| e.cut_over && e.state_machine_arn == stack.state_machine_arn("failover"))
        .find_map(|e| {
            serde_json::from_str::<Value>(&e.input).ok()?["incident_id"]
                .as_str()
                .map(str::to_string)
        });
    let Some(incident) = incident else { return };
    let arn = stack.state_machine_arn("failback");
    let name = |n: u32| format!("failback-{n}");
    if f.attempts > 0 {
        let last = w.executions.get(&name(f.attempts));
        match last.map(|e| e.status.as_str()) {
            Some("RUNNING") | None => return,
            Some("SUCCEEDED") => return,
            Some(_) if f.seen_ended < f.attempts as usize => {
                f.seen_ended = f.attempts as usize;
                let unreconciled = w
                    .notifications
                    .iter()
                    .rev()
                    .any(|n| n.subject.contains("failback.unreconciled") && n.at >= t - 10_000);
                let pause = w.notifications.iter().rev().any(|n| {
                    (n.subject.contains("failback.write_pause_too_short")
                        || n.subject.contains("failback.stopped"))
                        && n.at >= t - 10_000
                });
                f.given_up |= pause;
                let why = if unreconciled {
                    "unreconciled"
                } else {
                    "refused"
                };
                f.last_refusal = Some((t, why.to_string()));
                return;
            }
            Some(_) => {}
        }
    }
    let due = match &f.last_refusal {
        None => f.attempts == 0 && t >= restored + operator,
        Some((at, _)) => f.attempts < 5 && t >= at + operator,
    };
    if !due {
        return;
    }
    let handled: Vec<u64> = if f
        .last_refusal
        .as_ref()
        .is_some_and(|(_, why)| why == "unreconciled")
        || f.attempts > 0
    {
        w.gap_report.iter().copied().collect()
    } else {
        Vec::new()
    };
    f.attempts += 1;
    f.last_refusal = None;
    w.advance_to(t);
    w.note(format!(
        "on-call starts the failback ({}; {} order(s) of the gap handled)",
        name(f.attempts),
        handled.len()
    ));
    let request = json!({
        "target_region": stack.primary().0,
        "incident_id": incident,
        "requested_by": "on-call (drill)",
        "reason": "the primary region is back",
        "max_write_pause_seconds": max_write_pause_seconds,
        "handled_order_ids": handled,
        "gap_reconciled": false,
    });
    let _ = w.record_execution_start(&arn, &name(f.attempts), &request.to_string());
}

/// Whether every shop name resolves to `region` at Route 53 and a checkout there would take an
/// order.
fn serves_from(w: &World, region: &str) -> bool {
    if !w.answers.values().all(|r| r == region) {
        return false;
    }
    if w.acls
        .get(&w.site(region).acl_id)
        .is_some_and(|a| a.gate.is_some())
    {
        return false;
    }
    if !w.region_healthy(region) {
        return false;
    }
    w.instance_by_endpoint(w.db_host(region))
        .is_some_and(|i| w.instance_writable(i))
}

/// The event a scheduled rule sends at `t`.
fn scheduled_event(stack: &Stack, rule: &str, t: Millis) -> Value {
    let (region, account) = (stack.secondary().0, &stack.shop.account_id);
    json!({
        "version": "0",
        "id": format!("scheduled-{t}"),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": wfc_engine::format_timestamp(t),
        "region": region,
        "resources": [format!("arn:aws:events:{region}:{account}:rule/{rule}")],
        "detail": {},
    })
}

/// The on-call restores the DR database secret `operator_response` after preflight reported
/// the region not ready.
fn restore_secret(
    world: &Arc<Mutex<World>>,
    missing: &mut Option<((String, String), String)>,
    t: Millis,
    operator: Millis,
) {
    if missing.is_none() {
        return;
    }
    let mut w = world.lock().expect("world");
    let reported = w
        .notifications
        .iter()
        .find(|n| n.subject.contains("preflight.not_ready"))
        .map(|n| n.at);
    if reported.is_some_and(|at| t >= at + operator) {
        if let Some(((region, id), value)) = missing.take() {
            w.advance_to(t);
            w.note(format!("on-call restores the secret {id} in {region}"));
            w.secrets.insert((region, id), value);
        }
    }
}

/// Runs one rule target for `event` at `t`.
fn deliver(shared: &Arc<Shared>, target: &Value, event: &Value, t: Millis) {
    let input = match target.get("InputTransformer") {
        Some(tr) => match serde_json::from_value::<InputTransformer>(tr.clone())
            .map_err(|e| e.to_string())
            .and_then(|tr| tr.apply(event).map_err(|e| format!("{e:?}")))
        {
            Ok(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
            Err(e) => {
                shared
                    .world
                    .lock()
                    .expect("world")
                    .note(format!("input transformer failed: {e}"));
                return;
            }
        },
        None => event.clone(),
    };
    let arn = target["Arn"].as_str().unwrap_or_default();
    if let Some(activity) = activity_of_placeholder(arn) {
        let delay = shared.world.lock().expect("world").lat.get("lambda_invoke");
        let (result, _) = shared.run_activity(activity, input, t + secs(delay));
        if let Err((name, cause)) = result {
            shared
                .world
                .lock()
                .expect("world")
                .note(format!("rule target {activity} failed: {name}: {cause}"));
        }
    } else if arn.contains(":stateMachine:") {
        // A scheduled rule's target: EventBridge names the execution; here after the target and
        // the time, unique and readable.
        let time = wfc_engine::format_timestamp(t).replace([':', '.'], "-");
        let name = format!("{}-{time}", target["Id"].as_str().unwrap_or("scheduled"));
        let mut w = shared.world.lock().expect("world");
        w.advance_to(t);
        let _ = w.record_execution_start(arn, &name, &input.to_string());
    } else if arn.starts_with("arn:aws:sns:") {
        let mut w = shared.world.lock().expect("world");
        let at = w.now;
        w.notifications.push(crate::world::Notification {
            at,
            topic: arn.into(),
            subject: "event".into(),
            message: input
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| input.to_string()),
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    options: &DrillOptions,
    stack: &Stack,
    w: &mut World,
    executions: Vec<ExecutionReport>,
    phases: Vec<Phase>,
    tasks: Vec<TaskTrace>,
    serving_since: Option<(Millis, Millis)>,
    dr: &str,
) -> Report {
    let lat = w.lat.clone();
    let outage = w.outage_start.unwrap_or(w.start);
    let ttl = lat.get("dns_ttl");
    // As customers see it: DR takes orders, and the last well-behaved client's cached answer
    // (naming the old region) has expired, a TTL after DNS changed; DNS may have moved before
    // DR took orders (TTL violators are counted in the checkouts, not here).
    let rto = serving_since.map(|(serving, dns)| {
        ((serving - outage) as f64 / 1000.0).max((dns - outage) as f64 / 1000.0 + ttl)
    });
    // The database that serves at the end: the one the app of the region DNS names uses (after
    // a failback, the primary region's; else DR's).
    let serving_region = w
        .answers
        .values()
        .next()
        .cloned()
        .unwrap_or_else(|| dr.to_string());
    let new_primary = w
        .ssm
        .get(&(serving_region, w.stack.app.db_endpoint_name.clone()))
        .and_then(|(host, _)| w.instance_by_endpoint(host))
        .map(|i| i.id.clone())
        .unwrap_or_else(|| w.site(dr).db_instance.clone());
    let old_primary = w.site(stack.primary().0).db_instance.clone();
    let gap_report = w.gap_report.clone();
    let mut lost = Vec::new();
    let mut pending = Vec::new();
    let mut silent = Vec::new();
    for (id, (order, _region)) in &w.confirmed {
        let in_new = w
            .instances
            .get(&new_primary)
            .is_some_and(|i| i.orders.get(id) == Some(order));
        if in_new || order.at < outage - 3_600_000 {
            continue;
        }
        lost.push(order.clone());
        if gap_report.contains(id) {
            continue;
        }
        if w.instances
            .get(&old_primary)
            .is_some_and(|i| i.orders.contains_key(id))
        {
            pending.push(*id);
        } else {
            silent.push(*id);
        }
    }
    if rto.is_some() && !silent.is_empty() {
        let shown: Vec<String> = silent.iter().take(10).map(u64::to_string).collect();
        let state = format!(
            "{} confirmed order(s) in no database and no gap report: {}{}",
            silent.len(),
            shown.join(", "),
            if silent.len() > 10 { ", …" } else { "" }
        );
        w.violate(crate::invariants::NOTHING_LOST, state);
    }
    // A failback pauses writes (its first gate) until they open again, in the primary region or,
    // when it stops, in the serving one: no longer than the request's max_write_pause_seconds.
    // One that stops leaves the shop as it was: the serving region takes orders and the recorded
    // state says it serves (told: the failure-notified check below).
    for e in executions
        .iter()
        .filter(|e| e.status != "RUNNING" && e.name.starts_with("failback"))
    {
        let of = |activity: &'static str| {
            tasks
                .iter()
                .filter(move |t| t.execution == e.name && t.activity == activity)
        };
        let paused = of("gate_writes").map(|t| t.start_seconds).reduce(f64::min);
        let opened = of("open_writes")
            .map(|t| t.start_seconds + t.seconds)
            .reduce(f64::max);
        let max = w
            .executions
            .get(&e.name)
            .and_then(|x| serde_json::from_str::<Value>(&x.input).ok())
            .and_then(|v| v["max_write_pause_seconds"].as_f64());
        if let (Some(paused), Some(opened), Some(max)) = (paused, opened, max) {
            if opened - paused > max {
                let state = format!(
                    "{} paused writes for {:.0} s (from {:.0} s to {:.0} s; max_write_pause_seconds {max:.0}) and {}",
                    e.name,
                    opened - paused,
                    paused,
                    opened,
                    if e.status == "SUCCEEDED" { "went on" } else { "stopped late" }
                );
                w.violate(crate::invariants::FAILBACK_PAUSE, state);
            }
        }
        if e.status == "SUCCEEDED" || paused.is_none() {
            continue;
        }
        let recorded = w
            .ssm
            .get(&(dr.to_string(), stack.app.state_parameter.clone()))
            .and_then(|(v, _)| serde_json::from_str::<Value>(v).ok())
            .unwrap_or(Value::Null);
        let reopened = opened.is_some_and(|o| paused.is_some_and(|p| o > p));
        if !reopened
            || !serves_from(w, dr)
            || recorded["active_region"] != dr
            || recorded["status"] != "idle"
        {
            let state = format!(
                "{} stopped ({}) after pausing writes and left: writes {}, {dr} {}, recorded state {}",
                e.name,
                e.error.clone().unwrap_or_default(),
                if reopened { "reopened" } else { "still paused" },
                if serves_from(w, dr) { "takes orders" } else { "takes no orders" },
                recorded
            );
            w.violate(crate::invariants::FAILBACK_PAUSE, state);
        }
    }
    // A failed execution told people: a notification of its incident while it ran (its failure
    // chain names the step; a refusal has its own message).
    for e in &executions {
        if e.status != "FAILED" {
            continue;
        }
        let incident = w
            .executions
            .get(&e.name)
            .and_then(|x| serde_json::from_str::<Value>(&x.input).ok())
            .and_then(|v| v["incident_id"].as_str().map(str::to_string))
            .unwrap_or_default();
        let (from, to) = (e.start_seconds, e.end_seconds.unwrap_or(f64::MAX));
        let told = w.notifications.iter().any(|n| {
            let at = w.seconds(n.at);
            at >= from && at <= to + 1.0 && n.subject.contains(&incident)
        });
        if !told {
            let state = format!(
                "{} failed ({}) and nobody was told",
                e.name,
                e.error.clone().unwrap_or_default()
            );
            w.violate(crate::invariants::FAILURE_NOTIFIED, state);
        }
    }
    let rpo_seconds = lost
        .iter()
        .map(|o| (outage - o.at) as f64 / 1000.0)
        .fold(0.0f64, f64::max);
    // The unavoidable AWS durations on the critical path.
    let mut critical = BTreeMap::new();
    // Detection: the outage until the first event matched a rule, or until the on-call started
    // the failover by hand (a region down takes its alarms with it).
    let detected = w
        .timeline
        .iter()
        .find(|(_, what)| {
            what.starts_with("event matches rule")
                || what.starts_with("on-call starts the failover by hand")
        })
        .map(|(at, what)| (*at, what.starts_with("on-call")));
    if let Some((d, by_hand)) = detected {
        let key = if by_hand {
            "detection (by the on-call)"
        } else {
            "detection"
        };
        critical.insert(key.to_string(), (d - outage) as f64 / 1000.0);
    }
    // People on the critical path: the approvals of the failover that served, and of the
    // execution it restarted with an override, and the wait for that restart.
    let served = executions
        .iter()
        .find(|e| e.name.starts_with("failover") && e.cut_over);
    if let Some(served) = served {
        let mut chain = vec![served];
        let mut human = 0.0;
        if let Some(prefix) = served.name.strip_suffix("-rpo-override") {
            if let Some(origin) = executions
                .iter()
                .find(|e| e.name != served.name && e.name.starts_with(prefix))
            {
                human += served.start_seconds - origin.end_seconds.unwrap_or(served.start_seconds);
                chain.push(origin);
            }
        }
        for e in chain {
            human += phases
                .iter()
                .filter(|p| p.name == format!("{}: approval", e.name))
                .map(|p| p.end_seconds - p.start_seconds)
                .sum::<f64>();
        }
        if human > 0.0 {
            critical.insert(
                "on-call (approvals, override)".to_string(),
                (human * 1000.0).round() / 1000.0,
            );
        }
    }
    let database = match &stack.secondary().1.database {
        Database::RdsInstance { .. } => Some(("promotion", lat.get("promote"))),
        Database::AuroraGlobal { .. } => Some(("global failover", lat.get("aurora_failover"))),
        // Stopping replication on a self-managed replica takes no modelled time.
        Database::SelfManaged { .. } => None,
    };
    let dns = [("DNS INSYNC", lat.get("dns_insync")), ("DNS TTL", ttl)];
    // DNS that moved before DR took orders ran beside the promotion: only the longer of the two
    // is on the critical path. Else one follows the other.
    let beside = serving_since.is_some_and(|(serving, dns_at)| dns_at < serving);
    let database_seconds = database.map_or(0.0, |(_, s)| s);
    if !beside || database_seconds >= dns.iter().map(|(_, s)| s).sum::<f64>() {
        if let Some((name, seconds)) = database {
            critical.insert(name.to_string(), seconds);
        }
    }
    if !beside || database_seconds < dns.iter().map(|(_, s)| s).sum::<f64>() {
        for (name, seconds) in dns {
            critical.insert(name.to_string(), seconds);
        }
    }
    // A planned switchover has no detection and no critical path of unavoidable AWS durations
    // in this sense: its RTO is the whole planned move.
    if options.scenario == "switchover" {
        critical.clear();
    }
    let overhead = rto
        .filter(|_| !critical.is_empty())
        .map(|r| r - critical.values().sum::<f64>());
    let fenced = w
        .timeline
        .iter()
        .filter(|(_, what)| {
            what.starts_with("parameter group")
                || what.starts_with("writes gated")
                || what.starts_with("job schedule")
                || what.contains("maintenance")
        })
        .map(|(at, what)| format!("{:.0} s: {what}", w.seconds(*at)))
        .collect();
    let mut per_minute: BTreeMap<u64, (usize, usize, usize)> = BTreeMap::new();
    for c in &w.checkouts {
        let minute = ((c.at - w.start) / 60_000).max(0) as u64;
        let e = per_minute.entry(minute).or_default();
        match c.answer {
            Answer::Ordered => e.0 += 1,
            Answer::Gated => e.1 += 1,
            Answer::Failed => e.2 += 1,
        }
    }
    let checkouts_per_minute = per_minute
        .into_iter()
        .map(|(m, (o, g, f))| (m, o, g, f))
        .collect();
    let mut checkouts = BTreeMap::new();
    for c in &w.checkouts {
        let key = match c.answer {
            Answer::Ordered => "ordered",
            Answer::Gated => "gated_503",
            Answer::Failed => "failed",
        };
        *checkouts.entry(key.to_string()).or_insert(0) += 1;
    }
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    Report {
        scenario: options.scenario.clone(),
        stack: options.stack_name.clone(),
        seed: options.seed,
        variant: format!("{:?}", options.variant),
        outcome: if rto.is_some() && serves_from(w, stack.primary().0) {
            "failed_back"
        } else if rto.is_some() {
            "recovered_in_dr"
        } else if w.region_healthy(stack.primary().0) {
            "primary_serving"
        } else {
            "not_recovered"
        }
        .into(),
        outage_start_seconds: w.seconds(outage),
        rto_seconds: rto.map(round),
        rpo_orders_lost: lost.len(),
        rpo_seconds: round(rpo_seconds),
        orders_pending_reconciliation: pending,
        orchestration_overhead_seconds: overhead.map(round),
        critical_path: critical,
        phases,
        fenced,
        notifications: w
            .notifications
            .iter()
            .map(|n| json!({"at_seconds": w.seconds(n.at), "subject": n.subject, "message": n.message}))
            .collect(),
        executions,
        tasks,
        checkouts,
        checkouts_per_minute,
        timeline: w.timeline.iter().map(|(at, what)| (w.seconds(*at), what.clone())).collect(),
        invariant_violations: w.violations.clone(),
        more_violations: w.more_violations.clone(),
    }
}

/// The article's design on the same world, outage and latency model: its alarm (300 s period,
/// 2 evaluation periods), its TTL (300 s), one promote call, no fencing and no write gate.
pub fn article_baseline(options: &DrillOptions) -> Result<Report, String> {
    let mut article = options.clone();
    article.baseline = true;
    article.variant = Variant::AsBuilt;
    for setting in [
        "alarm_period=300",
        "alarm_evaluation_periods=2",
        "dns_ttl=300",
        // Its Route 53 health checks are set up with no values named: Route 53's defaults.
        "health_check_interval=30",
        "health_check_failure_threshold=3",
    ] {
        article.latency.set(setting)?;
    }
    run(&article)
}

/// Both designs side by side.
pub fn render_comparison(wfc: &Report, article: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let opt = |x: Option<f64>| x.map_or("not recovered".to_string(), |v| format!("{v:.0} s"));
    let broken = |r: &Report| {
        let mut names: Vec<&str> = r
            .invariant_violations
            .iter()
            .map(|v| v.invariant.as_str())
            .collect();
        names.dedup();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join("; ")
        }
    };
    let _ = writeln!(
        s,
        "scenario {} on the {} stack, seed {}",
        wfc.scenario, wfc.stack, wfc.seed
    );
    let count = |r: &Report, k: &str| r.checkouts.get(k).copied().unwrap_or(0);
    let rows = [
        (
            "",
            "wfc (compiled failover)".to_string(),
            "the article's design".to_string(),
        ),
        (
            "RTO (customers)",
            opt(wfc.rto_seconds),
            opt(article.rto_seconds),
        ),
        (
            "RPO (orders lost)",
            wfc.rpo_orders_lost.to_string(),
            article.rpo_orders_lost.to_string(),
        ),
        (
            "RPO (seconds of writes)",
            format!("{:.1} s", wfc.rpo_seconds),
            format!("{:.1} s", article.rpo_seconds),
        ),
        (
            "checkouts failed (5xx)",
            count(wfc, "failed").to_string(),
            count(article, "failed").to_string(),
        ),
        (
            "checkouts gated (503)",
            count(wfc, "gated_503").to_string(),
            count(article, "gated_503").to_string(),
        ),
        (
            "invariants broken",
            wfc.invariant_violations.len().to_string(),
            article.invariant_violations.len().to_string(),
        ),
    ];
    for (label, ours, theirs) in rows {
        let _ = writeln!(s, "{label:<28} {ours:<24} {theirs}");
    }
    let _ = writeln!(s, "\nwfc breaks: {}", broken(wfc));
    let _ = writeln!(s, "the article breaks: {}", broken(article));
    for v in &article.invariant_violations {
        let _ = writeln!(
            s,
            "  {} at {:.0} s ({}): {}",
            v.invariant, v.at_seconds, v.step, v.state
        );
    }
    for (invariant, n) in &article.more_violations {
        let _ = writeln!(s, "  … and {n} more of {invariant}");
    }
    s
}

/// The report for people.
pub fn render_text(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let opt = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{v:.1} s"));
    let _ = writeln!(
        s,
        "wfc drill: scenario {} on the {} stack (seed {}, {})",
        r.scenario, r.stack, r.seed, r.variant
    );
    let _ = writeln!(s, "outcome: {}", r.outcome);
    let _ = writeln!(
        s,
        "outage starts at {:.0} s (virtual)",
        r.outage_start_seconds
    );
    let _ = writeln!(
        s,
        "RTO (as customers see it, DNS caches included): {}",
        opt(r.rto_seconds)
    );
    let _ = writeln!(
        s,
        "RPO: {} orders lost ({:.1} s of writes){}",
        r.rpo_orders_lost,
        r.rpo_seconds,
        if r.orders_pending_reconciliation.is_empty() {
            String::new()
        } else {
            format!(
                "; {} held by the old primary for reconciliation",
                r.orders_pending_reconciliation.len()
            )
        }
    );
    let _ = writeln!(
        s,
        "orchestration overhead: {} (RTO minus {})",
        opt(r.orchestration_overhead_seconds),
        r.critical_path
            .iter()
            .map(|(k, v)| format!("{k} {v:.1} s"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s, "\nexecutions:");
    for e in &r.executions {
        let _ = writeln!(
            s,
            "  {} {} ({:.0} s → {}){}",
            e.name,
            e.status,
            e.start_seconds,
            e.end_seconds.map_or("—".into(), |x| format!("{x:.0} s")),
            e.error.as_ref().map_or(String::new(), |x| format!(
                ": {x}: {}",
                e.cause.clone().unwrap_or_default()
            ))
        );
    }
    let _ = writeln!(s, "\nphases:");
    for p in &r.phases {
        let _ = writeln!(
            s,
            "  {:>7.1} s – {:>7.1} s  {}",
            p.start_seconds, p.end_seconds, p.name
        );
    }
    let _ = writeln!(s, "\nfenced and gated:");
    for f in &r.fenced {
        let _ = writeln!(s, "  {f}");
    }
    let _ = writeln!(
        s,
        "\ncheckouts: {}",
        r.checkouts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s, "\nnotifications:");
    for n in &r.notifications {
        let _ = writeln!(
            s,
            "  {:>7.1} s  {}",
            n["at_seconds"].as_f64().unwrap_or(0.0),
            n["subject"].as_str().unwrap_or("")
        );
    }
    let _ = writeln!(
        s,
        "\ninvariants: {}",
        if r.invariant_violations.is_empty() {
            "all held".to_string()
        } else {
            format!("{} broken", r.invariant_violations.len())
        }
    );
    for v in &r.invariant_violations {
        let _ = writeln!(
            s,
            "  BROKEN {} at {:.1} s ({}): {}",
            v.invariant, v.at_seconds, v.step, v.state
        );
    }
    for (invariant, n) in &r.more_violations {
        let _ = writeln!(s, "  … and {n} more of {invariant}");
    }
    s
}
