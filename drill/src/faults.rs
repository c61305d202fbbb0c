//! Fault injection and fault campaigns (`wfc drill --faults`): at every task of the failover, each
//! of throttling, a 5xx, a Lambda timeout, a crash after the side effect, a duplicated invocation
//! and a slow dependency; and, at the event level, the first alarm event lost or duplicated.
//! Every single fault and every pair; each run must end in a successful failover or a clean,
//! notified stop, never in a broken invariant.

use crate::drill::{run_prepared, DrillOptions, Prepared};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The call is throttled (`AwsThrottled`, as the adapters name it), nothing done.
    Throttle,
    /// The service answers 5xx (`AwsUnavailable`), nothing done.
    ServerError,
    /// The function times out before acting (`Sandbox.Timedout`, Lambda's error type for a
    /// timeout; Lambda DG "Troubleshoot invocation issues"), after 60 s.
    LambdaTimeout,
    /// The activity acted, then its function crashed (`Runtime.ExitError`).
    CrashAfterEffect,
    /// The invocation is delivered twice (at-least-once): the activity runs twice.
    Duplicate,
    /// A dependency is slow: the call takes 30 s longer.
    Slow,
    /// The first alarm event is lost.
    LostEvent,
    /// The first alarm event is delivered twice.
    DuplicateEvent,
}

impl FaultKind {
    pub const TASK: [FaultKind; 6] = [
        FaultKind::Throttle,
        FaultKind::ServerError,
        FaultKind::LambdaTimeout,
        FaultKind::CrashAfterEffect,
        FaultKind::Duplicate,
        FaultKind::Slow,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::ServerError => "5xx",
            FaultKind::LambdaTimeout => "lambda-timeout",
            FaultKind::CrashAfterEffect => "crash-after-effect",
            FaultKind::Duplicate => "duplicate",
            FaultKind::Slow => "slow",
            FaultKind::LostEvent => "lost-event",
            FaultKind::DuplicateEvent => "duplicate-event",
        }
    }

    fn parse(text: &str) -> Option<FaultKind> {
        [FaultKind::LostEvent, FaultKind::DuplicateEvent]
            .into_iter()
            .chain(FaultKind::TASK)
            .find(|k| k.name() == text)
    }
}

/// A fault at a task state (by name), or at the event level (`state` = `event`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Fault {
    pub state: String,
    pub kind: FaultKind,
}

impl Fault {
    /// `STATE:KIND` (`Promote replica:crash-after-effect`, `event:lost-event`).
    pub fn parse(text: &str) -> Result<Fault, String> {
        let (state, kind) = text.rsplit_once(':').ok_or_else(|| {
            format!(
                "--fault {text}: expected STATE:KIND, e.g. \"Promote replica:crash-after-effect\""
            )
        })?;
        let kind = FaultKind::parse(kind).ok_or_else(|| {
            format!("--fault {text}: `{kind}` is not a fault; known: throttle, 5xx, lambda-timeout, crash-after-effect, duplicate, slow, lost-event, duplicate-event")
        })?;
        Ok(Fault {
            state: state.to_string(),
            kind,
        })
    }

    pub fn spec(&self) -> String {
        format!("{}:{}", self.state, self.kind.name())
    }
}

/// A task fault's effect: `run(at)` runs the activity at virtual time `at` and returns its result
/// and virtual seconds.
pub(crate) fn inject<F>(
    kind: FaultKind,
    mut run: F,
    at: i64,
) -> (Result<Value, (String, String)>, f64)
where
    F: FnMut(i64) -> (Result<Value, (String, String)>, f64),
{
    let fail = |name: &str, cause: &str| Err((name.to_string(), cause.to_string()));
    match kind {
        FaultKind::Throttle => (fail("AwsThrottled", "injected: Rate exceeded"), 0.2),
        FaultKind::ServerError => (
            fail("AwsUnavailable", "injected: 503 Service Unavailable"),
            0.2,
        ),
        FaultKind::LambdaTimeout => (
            fail("Sandbox.Timedout", "Task timed out after 60.00 seconds"),
            60.0,
        ),
        FaultKind::CrashAfterEffect => {
            let (_, seconds) = run(at);
            (
                fail(
                    "Runtime.ExitError",
                    "injected: the function crashed after acting",
                ),
                seconds,
            )
        }
        FaultKind::Duplicate => {
            let (_, first) = run(at);
            let (second, again) = run(at + (first * 1000.0) as i64);
            (second, first + again)
        }
        FaultKind::Slow => {
            let (result, seconds) = run(at);
            (result, seconds + 30.0)
        }
        FaultKind::LostEvent | FaultKind::DuplicateEvent => run(at),
    }
}

/// Applies the event-level faults to the events due now: the first alarm event lost, or
/// delivered twice.
pub(crate) fn event_faults(
    faults: &[Fault],
    due: Vec<Value>,
    done: &mut BTreeSet<FaultKind>,
) -> Vec<Value> {
    let mut out = Vec::new();
    for event in due {
        let alarm = event["detail-type"] == "CloudWatch Alarm State Change";
        let wanted = |k: FaultKind| faults.iter().any(|f| f.kind == k) && !done.contains(&k);
        if alarm && wanted(FaultKind::LostEvent) {
            done.insert(FaultKind::LostEvent);
            continue;
        }
        if alarm && wanted(FaultKind::DuplicateEvent) {
            done.insert(FaultKind::DuplicateEvent);
            out.push(event.clone());
        }
        out.push(event);
    }
    out
}

/// Checks that every fault names a Lambda task of the stack's failover (or `event`): a fault at
/// a state that does not exist would silently never fire.
pub fn validate(options: &DrillOptions) -> Result<(), String> {
    if options.faults.is_empty() {
        return Ok(());
    }
    let stack = wfc_stack::Stack::load(&options.stack_text).map_err(|e| format!("{e:?}"))?;
    let compiled = wfc_workflows::build("failover", &stack)
        .ok_or("no failover workflow")?
        .map_err(|e| format!("{e:?}"))?;
    let definition = serde_json::to_value(&compiled.machine).map_err(|e| e.to_string())?;
    let tasks = task_states(&definition);
    for f in &options.faults {
        let event_kind = matches!(f.kind, FaultKind::LostEvent | FaultKind::DuplicateEvent);
        let known = if event_kind {
            f.state == "event"
        } else {
            tasks.contains(&f.state)
        };
        if !known {
            return Err(format!(
                "--fault {}: {} faults go at {}; the failover's tasks: {}",
                f.spec(),
                f.kind.name(),
                if event_kind {
                    "`event`"
                } else {
                    "a task of the failover"
                },
                tasks.join(", ")
            ));
        }
    }
    Ok(())
}

/// Every Lambda task state of a definition (nested ones included), in order.
pub fn task_states(machine: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(states: &Value, out: &mut Vec<String>) {
        let Some(map) = states.as_object() else {
            return;
        };
        for (name, state) in map {
            if state["Type"] == "Task"
                && state["Resource"]
                    .as_str()
                    .is_some_and(|r| r.contains("lambda:invoke"))
            {
                out.push(name.clone());
            }
            for branch in state["Branches"].as_array().into_iter().flatten() {
                walk(&branch["States"], out);
            }
            for key in ["Iterator", "ItemProcessor"] {
                walk(&state[key]["States"], out);
            }
        }
    }
    walk(&machine["States"], &mut out);
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignViolation {
    pub faults: Vec<String>,
    pub invariant: String,
    pub at_seconds: f64,
    pub step: String,
    pub state: String,
    pub replay: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    pub scenario: String,
    pub stack: String,
    pub seed: u64,
    /// Fault plans covered: every single fault, and every pair when asked.
    pub scenarios: usize,
    /// Pairs whose second fault's task never ran in the other's single run: the same run as that
    /// single, counted with its result and not run again.
    pub same_as_a_single: usize,
    pub passed: usize,
    /// By outcome: recovered_in_dr, primary_serving, not_recovered (a clean, notified stop when no
    /// invariant broke).
    pub outcomes: std::collections::BTreeMap<String, usize>,
    pub violations: Vec<CampaignViolation>,
    pub wall_seconds: f64,
}

/// Runs `options` with every single fault, and every pair when `pairs`, on `jobs` threads.
pub fn campaign(
    options: &DrillOptions,
    jobs: usize,
    pairs: bool,
    limit: Option<usize>,
) -> Result<Campaign, String> {
    let started = std::time::Instant::now();
    let prepared = Prepared::new(&options.stack_text)?;
    let failover = prepared
        .machines
        .get(&prepared.stack.state_machine_arn("failover"))
        .ok_or("no failover state machine")?;
    let definition = serde_json::to_value(failover.machine()).map_err(|e| e.to_string())?;
    let mut singles: Vec<Fault> = task_states(&definition)
        .into_iter()
        .flat_map(|state| {
            FaultKind::TASK.into_iter().map(move |kind| Fault {
                state: state.clone(),
                kind,
            })
        })
        .collect();
    for kind in [FaultKind::LostEvent, FaultKind::DuplicateEvent] {
        singles.push(Fault {
            state: "event".into(),
            kind,
        });
    }
    // Plans as indices into `singles`: the singles first, then every pair.
    let mut plans: Vec<Vec<usize>> = (0..singles.len()).map(|i| vec![i]).collect();
    if pairs {
        for i in 0..singles.len() {
            for j in i + 1..singles.len() {
                plans.push(vec![i, j]);
            }
        }
    }
    if let Some(limit) = limit {
        plans.truncate(limit);
    }
    let run_plans = |todo: &[usize]| -> Vec<(usize, Result<Outcome, String>)> {
        let next = AtomicUsize::new(0);
        let results = Mutex::new(Vec::with_capacity(todo.len()));
        std::thread::scope(|scope| {
            for _ in 0..jobs.max(1) {
                scope.spawn(|| loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&n) = todo.get(k) else { break };
                    let mut run = options.clone();
                    run.faults = plans[n].iter().map(|&i| singles[i].clone()).collect();
                    run.history = false;
                    let outcome = run_prepared(&prepared, &run).map(Outcome::of);
                    results.lock().expect("results").push((n, outcome));
                });
            }
        });
        results.into_inner().expect("results")
    };
    // The singles first: each run's tasks tell which pairs need a run of their own.
    let single_plans: Vec<usize> = (0..plans.len()).filter(|&n| plans[n].len() == 1).collect();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; plans.len()];
    for (n, outcome) in run_plans(&single_plans) {
        outcomes[n] = Some(outcome?);
    }
    // A pair whose second fault's task never ran in the first fault's run (or the other way
    // round) is that run again, step for step: the drill is deterministic and a task fault fires
    // only when its task is invoked. It is counted with the single's result, not run again.
    let single = |i: usize| outcomes[i].as_ref();
    let reached = |i: usize, j: usize| {
        let fault = &singles[j];
        fault.state == "event" || single(i).is_none_or(|o| o.tasks.contains(&fault.state))
    };
    let mut same_as_single = Vec::new();
    let mut pair_plans = Vec::new();
    for (n, plan) in plans.iter().enumerate() {
        if let [i, j] = plan[..] {
            if !reached(i, j) {
                same_as_single.push((n, i));
            } else if !reached(j, i) {
                same_as_single.push((n, j));
            } else {
                pair_plans.push(n);
            }
        }
    }
    for (n, outcome) in run_plans(&pair_plans) {
        outcomes[n] = Some(outcome?);
    }
    for (n, i) in &same_as_single {
        outcomes[*n] = outcomes[*i].clone();
    }
    let mut campaign = Campaign {
        scenario: options.scenario.clone(),
        stack: options.stack_name.clone(),
        seed: options.seed,
        scenarios: plans.len(),
        same_as_a_single: same_as_single.len(),
        passed: 0,
        outcomes: Default::default(),
        violations: Vec::new(),
        wall_seconds: 0.0,
    };
    for (n, outcome) in outcomes.into_iter().enumerate() {
        let outcome = outcome.expect("every plan has a result");
        *campaign
            .outcomes
            .entry(outcome.outcome.clone())
            .or_insert(0) += 1;
        if outcome.violations.is_empty() {
            campaign.passed += 1;
            continue;
        }
        let specs: Vec<String> = plans[n].iter().map(|&i| singles[i].spec()).collect();
        let replay = format!(
            "wfc drill --scenario {} --stack {} --seed {} {}",
            options.scenario,
            options.stack_name,
            options.seed,
            specs
                .iter()
                .map(|s| format!("--fault '{s}'"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        for v in &outcome.violations {
            campaign.violations.push(CampaignViolation {
                faults: specs.clone(),
                invariant: v.invariant.clone(),
                at_seconds: v.at_seconds,
                step: v.step.clone(),
                state: v.state.clone(),
                replay: replay.clone(),
            });
        }
    }
    campaign.wall_seconds = (started.elapsed().as_secs_f64() * 100.0).round() / 100.0;
    Ok(campaign)
}

/// What the campaign keeps of one run: its outcome, its violations and the task states it ran.
#[derive(Clone)]
struct Outcome {
    outcome: String,
    violations: Vec<crate::world::Violation>,
    tasks: BTreeSet<String>,
}

impl Outcome {
    fn of(report: crate::drill::Report) -> Outcome {
        Outcome {
            tasks: report.tasks.into_iter().map(|t| t.state).collect(),
            outcome: report.outcome,
            violations: report.invariant_violations,
        }
    }
}

/// The campaign's table for people.
pub fn render(c: &Campaign) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "fault campaign: scenario {} on the {} stack, seed {}",
        c.scenario, c.stack, c.seed
    );
    let _ = writeln!(
        s,
        "scenarios {}  passed {}  with violations {}  wall {:.1} s",
        c.scenarios,
        c.passed,
        c.scenarios - c.passed,
        c.wall_seconds
    );
    let _ = writeln!(
        s,
        "  ({} pairs never reached their second fault's task: the same run as a single, not run again)",
        c.same_as_a_single
    );
    for (outcome, n) in &c.outcomes {
        let _ = writeln!(s, "  {outcome:<18} {n}");
    }
    let mut seen = BTreeSet::new();
    for v in &c.violations {
        if seen.insert((v.replay.clone(), v.invariant.clone())) {
            let _ = writeln!(
                s,
                "BROKEN {} at {:.0} s ({}): {}\n  replay: {}",
                v.invariant, v.at_seconds, v.step, v.state, v.replay
            );
        }
    }
    s
}
