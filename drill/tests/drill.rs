//! The drill end to end on the RDS example stack: the default scenario, determinism, the other
//! scenarios, and each invariant proven by a deliberately broken failover that the drill reports
//! with its step.

use wfc_drill::drill::{self, DrillOptions, Report, Variant};
use wfc_drill::invariants;

fn run(scenario: &str, seed: u64, variant: Variant, latency: &[&str]) -> Report {
    let mut options = DrillOptions::new(scenario, "rds", seed).unwrap();
    options.variant = variant;
    for l in latency {
        options.latency.set(l).unwrap();
    }
    drill::run(&options).unwrap()
}

fn broken(r: &Report, invariant: &str) -> Vec<String> {
    r.invariant_violations
        .iter()
        .filter(|v| v.invariant == invariant)
        .map(|v| format!("{} at {} s: {}", v.step, v.at_seconds, v.state))
        .collect()
}

#[test]
fn default_scenario_recovers_in_dr_with_every_invariant_held() {
    let r = run("primary-db-down", 7, Variant::AsBuilt, &[]);
    println!("{}", drill::render_text(&r));
    assert_eq!(r.outcome, "recovered_in_dr");
    assert!(
        r.invariant_violations.is_empty(),
        "{:?}",
        r.invariant_violations
    );
    // Detection (the DR region's probe alarm, 3 of 3 10 s periods) ~40 s, one on-call answer,
    // promotion 6 min: the RPO gate judges the lag the replica had when replication stopped, no
    // override needed.
    let rto = r.rto_seconds.unwrap();
    assert!((450.0..700.0).contains(&rto), "RTO {rto}");
    assert!(
        r.executions
            .iter()
            .all(|e| !e.name.ends_with("rpo-override")),
        "{:?}",
        r.executions
    );
    assert!(r.executions.iter().any(|e| e.status == "SUCCEEDED"));
    assert!(
        r.fenced.iter().any(|f| f.contains("read_only = 1")),
        "{:?}",
        r.fenced
    );
    assert!(r.notifications.iter().any(|n| n["subject"]
        .as_str()
        .unwrap()
        .contains("failover.completed")));
    assert!(r.orchestration_overhead_seconds.is_some());
}

#[test]
fn the_same_seed_gives_the_same_json_byte_for_byte() {
    let a = serde_json::to_string(&run("primary-db-down", 11, Variant::AsBuilt, &[])).unwrap();
    let b = serde_json::to_string(&run("primary-db-down", 11, Variant::AsBuilt, &[])).unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&run("primary-db-down", 12, Variant::AsBuilt, &[])).unwrap();
    assert_ne!(a, c, "another seed, another run");
}

#[test]
fn a_false_alarm_is_not_confirmed_and_nothing_fails_over() {
    let r = run("false-alarm", 7, Variant::AsBuilt, &[]);
    assert_eq!(r.outcome, "primary_serving", "{}", drill::render_text(&r));
    assert!(
        r.invariant_violations.is_empty(),
        "{:?}",
        r.invariant_violations
    );
    assert!(
        r.executions.iter().all(|e| e.status == "SUCCEEDED"),
        "{:?}",
        r.executions
    );
    assert!(r.notifications.iter().any(|n| n["subject"]
        .as_str()
        .unwrap()
        .contains("failover.not_confirmed")));
    assert!(r.fenced.is_empty(), "{:?}", r.fenced);
}

/// The on-call starts a failover by hand while the alarm's runs: the anti-flap guard refuses it
/// (the one that started first handles the outage), on every stack, and one failover cuts over.
#[test]
fn a_failover_started_by_hand_while_one_runs_is_refused() {
    for stack in ["rds", "aurora", "self-managed"] {
        let options = DrillOptions::new("failover-while-running", stack, 1).unwrap();
        let r = drill::run(&options).unwrap();
        let text = drill::render_text(&r);
        let manual: Vec<_> = r
            .executions
            .iter()
            .filter(|e| e.name.starts_with("failover-manual-"))
            .collect();
        assert_eq!(manual.len(), 1, "{stack}: {text}");
        assert!(!manual[0].cut_over, "{stack}: {text}");
        assert!(
            r.notifications.iter().any(|n| n["subject"]
                .as_str()
                .unwrap()
                .contains("failover.refused manual-")),
            "{stack}: {text}"
        );
        assert_eq!(r.executions.iter().filter(|e| e.cut_over).count(), 1);
        assert!(r.invariant_violations.is_empty(), "{stack}: {text}");
    }
}

#[test]
fn an_alarm_storm_starts_one_execution_per_incident() {
    let r = run("alarm-storm", 7, Variant::AsBuilt, &[]);
    // Three alarms (the probe's, then the primary's two), three incidents; the 99 duplicates of
    // each are refused by the execution name; one failover cuts over.
    let first: Vec<_> = r
        .executions
        .iter()
        .filter(|e| !e.name.ends_with("-rpo-override"))
        .collect();
    assert_eq!(first.len(), 3, "{:?}", r.executions);
    assert_eq!(first.iter().filter(|e| e.cut_over).count(), 1);
    assert!(
        r.invariant_violations.is_empty(),
        "{:?}",
        r.invariant_violations
    );
    assert_eq!(r.outcome, "recovered_in_dr");
}

/// Two writers: the fenced old primary coming back is read-only (its parameter group says so);
/// without the fence it is writable, and the old region's app still points at it.
#[test]
fn two_writers_caught_when_the_old_primary_is_not_fenced() {
    let fine = run("old-primary-returns", 7, Variant::AsBuilt, &[]);
    assert!(
        fine.invariant_violations.is_empty(),
        "{:?}",
        fine.invariant_violations
    );
    let r = run("old-primary-returns", 7, Variant::NoFencing, &[]);
    let found = broken(&r, invariants::TWO_WRITERS);
    assert_eq!(found.len(), 1, "{}", drill::render_text(&r));
    assert!(found[0].contains("woo-db-use1, woo-db-usw2"), "{found:?}");
    assert!(
        found[0].starts_with("world step"),
        "the step that broke it: {found:?}"
    );
}

/// Ids: orders in flight when the primary died (a 20 s replication delay) are lost with their
/// ids; without the reservation the promoted database gives those ids again.
#[test]
fn reused_order_ids_caught_without_the_reservation() {
    let slow = ["replica_network_delay=20", "checkout_rate=1"];
    let fine = run("primary-db-down", 7, Variant::AsBuilt, &slow);
    assert!(fine.rpo_orders_lost > 0, "orders were in flight");
    assert!(
        fine.invariant_violations.is_empty(),
        "{:?}",
        fine.invariant_violations
    );
    let r = run("primary-db-down", 7, Variant::NoIdReservation, &slow);
    let found = broken(&r, invariants::UNIQUE_IDS);
    assert!(!found.is_empty(), "{}", drill::render_text(&r));
    assert!(found[0].contains("given at"), "{found:?}");
}

/// The gate: while a region's writes are gated, every checkout there gets 503 + Retry-After. In
/// the failback, DR (still serving) is gated, then its database made read-only; its app sees the
/// maintenance flag only at its next configuration read. A gate that leaves out the block
/// checkout's Store API (`/wp-json/wc/store`) lets those checkouts through to the read-only
/// database in between: the drill reports it, with the step.
#[test]
fn checkouts_past_a_partial_gate_are_caught() {
    let r = run(
        "failback",
        7,
        Variant::PartialGate,
        &["replica_network_delay=20"],
    );
    let found = broken(&r, invariants::GATED_503);
    assert!(!found.is_empty(), "{}", drill::render_text(&r));
    assert!(
        found[0].contains("/wp-json/wc/store/v1/checkout"),
        "{found:?}"
    );
    assert!(found[0].starts_with("world step"), "{found:?}");
}

/// Every scenario passes its invariants on all three example stacks (RDS, Aurora global,
/// self-managed), with the same seed; except an open finding, held here so it is not lost: a
/// database the failover could not fence because its region did not answer (RDS and
/// self-managed in `region-returns`) is writable from the step the region answers again until
/// the failover, which waits for it, fences it seconds later
/// (`a_returning_region_is_fenced_within_a_minute`). No workflow can act on a database before it
/// answers. A self-managed host that died and restarts (`old-primary-returns`) starts read-only
/// from its configuration; RDS keeps `read_only` in the parameter group (set while only the host
/// was down); Aurora demotes the old writer itself.
#[test]
fn every_scenario_holds_its_invariants_on_every_stack() {
    for (stack, _) in drill::STACKS {
        for scenario in drill::SCENARIOS {
            let options = DrillOptions::new(scenario.name, stack, 7).unwrap();
            let r = drill::run(&options).unwrap();
            let broken: Vec<&str> = r
                .invariant_violations
                .iter()
                .map(|v| v.invariant.as_str())
                .collect();
            let expected: Vec<&str> = match (scenario.name, *stack) {
                // The region returns with its database unfenced (Aurora demoted its writer
                // itself) until the failover fences it; its job runner is paused within a minute.
                ("region-returns", "aurora") => vec![],
                ("region-returns", _) => vec![invariants::TWO_WRITERS],
                _ => vec![],
            };
            assert_eq!(
                broken, expected,
                "{} on {stack}: {:?}",
                scenario.name, r.invariant_violations
            );
            let expected = match scenario.name {
                "false-alarm" => "primary_serving",
                "failback" => "failed_back",
                _ => "recovered_in_dr",
            };
            assert_eq!(r.outcome, expected, "{} on {stack}", scenario.name);
        }
    }
}

/// Failback after the region recovers, with orders in the replication gap: refused while they are
/// unresolved, done once the on-call handled them (the report's ids). The known problem this
/// guards: the new primary shares the primary region's parameter group with the fenced old
/// primary, so "Allow writes" (`read_only=0` on that group) made the old primary writable again;
/// the failback now retires the old primary (renamed `-old1`, stopped) before its successor is
/// created under its name.
#[test]
fn failback_refused_for_the_gap_then_done_with_one_writer() {
    let r = run(
        "failback",
        7,
        Variant::AsBuilt,
        &["replica_network_delay=20"],
    );
    let text = drill::render_text(&r);
    assert!(r.rpo_orders_lost > 0, "orders in the gap: {text}");
    let failbacks: Vec<(&str, &str)> = r
        .executions
        .iter()
        .filter(|e| e.name.starts_with("failback-"))
        .map(|e| (e.status.as_str(), e.error.as_deref().unwrap_or("")))
        .collect();
    assert!(
        failbacks.contains(&("FAILED", "UnreconciledOrders")),
        "{failbacks:?}"
    );
    assert_eq!(failbacks.last().map(|f| f.0), Some("SUCCEEDED"), "{text}");
    // One writer throughout, and writes paused within the request's 900 s.
    assert!(
        r.invariant_violations.is_empty(),
        "{:?}",
        r.invariant_violations
    );
}

fn run_failback(stack: &str, max_write_pause: u32, latency: &[&str]) -> Report {
    let mut options = DrillOptions::new("failback", stack, 7).unwrap();
    options.failback_max_write_pause_seconds = max_write_pause;
    for l in latency {
        options.latency.set(l).unwrap();
    }
    drill::run(&options).unwrap()
}

fn last_failback(r: &Report) -> &drill::ExecutionReport {
    r.executions
        .iter()
        .rfind(|e| e.name.starts_with("failback-"))
        .expect("a failback ran")
}

/// The last failback's write pause: from its first gate to the last time it opened writes (in
/// the primary region, or back in the serving one when it stopped); `None` if it gated nothing.
fn write_pause(r: &Report) -> Option<f64> {
    let last = last_failback(r);
    let of = |activity: &str| {
        r.tasks
            .iter()
            .filter(|t| t.execution == last.name && t.activity == activity)
            .map(|t| (t.start_seconds, t.start_seconds + t.seconds))
            .collect::<Vec<_>>()
    };
    let gated = of("gate_writes").iter().map(|t| t.0).reduce(f64::min)?;
    let opened = of("open_writes").iter().map(|t| t.1).reduce(f64::max)?;
    Some(opened - gated)
}

/// The report's text, once `r` is known to end in `outcome` with every invariant held.
fn held(r: &Report, what: &str, outcome: &str) -> String {
    let text = drill::render_text(r);
    assert_eq!(r.outcome, outcome, "{what}: {text}");
    assert!(
        r.invariant_violations.is_empty(),
        "{what}: {:?}",
        r.invariant_violations
    );
    text
}

fn told(r: &Report, event: &str) -> Option<String> {
    r.notifications
        .iter()
        .find(|n| n["subject"].as_str().unwrap_or_default().contains(event))
        .map(|n| n["message"].as_str().unwrap_or_default().to_string())
}

/// The failback on every stack: RDS (a new replica, promoted), Aurora (the global cluster
/// switched over back, the old primary cluster resynchronised when it returned) and
/// self-managed (the old primary re-seeded as a replica of the serving server, promoted back):
/// each returns the shop to its primary region within the request's write pause (a 15-minute
/// maintenance window), every invariant held.
#[test]
fn failback_returns_the_shop_on_every_stack_within_its_write_pause() {
    for (stack, limit) in [("rds", 600.0), ("aurora", 240.0), ("self-managed", 60.0)] {
        let r = run_failback(stack, 900, &[]);
        let text = held(&r, stack, "failed_back");
        let last = last_failback(&r);
        assert_eq!(last.status, "SUCCEEDED", "{stack}: {text}");
        assert!(told(&r, "failback.completed").is_some(), "{stack}: {text}");
        // What each pause is made of: RDS lag 0 on the 1-minute metric and the 6-minute
        // promotion (~540 s), Aurora the 3-minute switchover, self-managed seconds.
        let pause = write_pause(&r).unwrap();
        assert!(pause > 0.0 && pause < limit, "{stack}: paused {pause} s");
    }
}

/// A limit shorter than the promotion alone is refused before anything changes: no replica
/// created, no write gated, DR still serving; the notification says why and what to ask for.
#[test]
fn a_write_pause_shorter_than_the_promotion_is_refused_before_anything_changes() {
    let r = run_failback("rds", 300, &[]);
    let text = held(&r, "rds", "recovered_in_dr");
    let last = last_failback(&r);
    assert_eq!(last.error.as_deref(), Some("WritePauseTooShort"), "{text}");
    assert_eq!(write_pause(&r), None, "nothing gated: {text}");
    assert!(
        !r.timeline
            .iter()
            .any(|(_, what)| what.contains("is renamed") || what.contains("is being created")),
        "nothing renamed, no replica created: {text}"
    );
    let message = told(&r, "failback.write_pause_too_short").unwrap();
    assert!(
        message.contains("paused 300 s") && message.contains("at least 420"),
        "{message}"
    );
    // The on-call does not start it again with the same limit.
    assert_eq!(
        r.executions
            .iter()
            .filter(|e| e.error.as_deref() == Some("WritePauseTooShort"))
            .count(),
        1,
        "{text}"
    );
}

/// A limit the failback would overrun: it stops before the limit and leaves the shop as it was,
/// serving from DR with writes open, the state recorded, and says why and what is true now. On
/// every stack it stops before the promotion when too little of the pause is left for it (RDS:
/// lag 0 took ~3 min of 450 s); an RDS promotion that runs long (20 min here) is left behind at
/// the deadline, its standalone kept read-only by the parameter group (no second writer).
#[test]
fn a_failback_that_would_overrun_its_write_pause_stops_cleanly_and_says_so() {
    for (stack, limit, latency) in [
        ("rds", 450, &[][..]),
        ("aurora", 240, &[][..]),
        ("self-managed", 60, &[][..]),
        ("rds", 900, &["promote=1200"][..]),
    ] {
        let r = run_failback(stack, limit, latency);
        let text = held(&r, &format!("{stack} {limit}"), "recovered_in_dr");
        let last = last_failback(&r);
        assert_eq!(
            last.error.as_deref(),
            Some("WritePauseLimit"),
            "{stack} {limit}: {text}"
        );
        let pause = write_pause(&r).unwrap();
        assert!(
            pause <= f64::from(limit),
            "{stack} {limit}: paused {pause} s"
        );
        let message = told(&r, "failback.stopped").unwrap();
        assert!(
            message.contains("us-west-2 serves again") && message.contains(&format!("({limit} s)")),
            "{message}"
        );
    }
    // The promotion left behind ends after the stop, and the invariants held through it.
    let r = run_failback("rds", 900, &["promote=1200"]);
    let stopped = last_failback(&r).end_seconds.unwrap();
    assert!(
        r.timeline
            .iter()
            .any(|(at, what)| *at > stopped
                && what == "woo-db-use1 is promoted: available, standalone"),
        "{}",
        drill::render_text(&r)
    );
}

/// A whole region down: its alarms and event bus go with it; the DR region's probe alarm starts
/// the failover (the on-call, arriving later, has nothing to start). CloudWatch there does not
/// answer either, so confirming the outage goes by Route 53's checkers and the probe's alarm;
/// fencing and job pausing there are best effort.
#[test]
fn a_region_down_is_failed_over_from_the_dr_region_probe() {
    let r = run("region-down", 7, Variant::AsBuilt, &[]);
    let text = drill::render_text(&r);
    assert_eq!(r.outcome, "recovered_in_dr", "{text}");
    assert!(
        r.invariant_violations.is_empty(),
        "{:?}",
        r.invariant_violations
    );
    assert!(
        r.executions.iter().all(|e| e.name.contains("-probe-down-")),
        "{text}"
    );
    assert!(
        r.executions.iter().all(|e| e.status == "SUCCEEDED"),
        "{text}"
    );
}

/// Throttling in the DR region: the SDK's retries absorb most of it, the workflow's retries the
/// rest; the failover completes and every invariant holds.
#[test]
fn throttling_in_dr_is_absorbed_by_retries() {
    let r = run("dr-throttling", 7, Variant::AsBuilt, &[]);
    assert_eq!(r.outcome, "recovered_in_dr", "{}", drill::render_text(&r));
    assert!(
        r.invariant_violations.is_empty(),
        "{:?}",
        r.invariant_violations
    );
}

/// The article's design (../shared/seeds/: 300 s × 2 alarm, one promote call, TTL 300, failover
/// records on health checks, no fencing, no write gate, no id reservation) on the same world:
/// slower, and it breaks what the compiled failover holds.
#[test]
fn the_article_baseline_breaks_what_the_failover_holds() {
    let mut options = DrillOptions::new("old-primary-returns", "rds", 1).unwrap();
    options.latency.set("replica_network_delay=20").unwrap();
    let wfc = drill::run(&options).unwrap();
    let article = drill::article_baseline(&options).unwrap();
    println!("{}", drill::render_comparison(&wfc, &article));
    assert!(
        wfc.invariant_violations.is_empty(),
        "{:?}",
        wfc.invariant_violations
    );
    for invariant in [
        invariants::UNIQUE_IDS,
        invariants::TWO_WRITERS,
        invariants::NO_AUTO_FAILBACK,
    ] {
        assert!(
            !broken(&article, invariant).is_empty(),
            "the article should break {invariant}"
        );
    }
    assert!(article.rto_seconds.unwrap() > wfc.rto_seconds.unwrap());
}

/// Found by the fault campaign: a Lambda timeout in the failure chain's "Notify failure" (after a
/// failure elsewhere) lost the only message saying the failover failed; `Sandbox.Timedout` is not
/// one of Lambda's transient errors. The failure notification is now retried on any error.
#[test]
fn the_failure_notification_survives_a_lambda_timeout() {
    let mut options = DrillOptions::new("primary-db-down", "rds", 1).unwrap();
    for spec in [
        "Confirm outage:lambda-timeout",
        "Notify failure:lambda-timeout",
    ] {
        options
            .faults
            .push(wfc_drill::faults::Fault::parse(spec).unwrap());
    }
    let r = drill::run(&options).unwrap();
    assert!(
        broken(&r, invariants::FAILURE_NOTIFIED).is_empty(),
        "{:?}",
        r.invariant_violations
    );
    assert!(
        r.invariant_violations.is_empty(),
        "{:?}",
        r.invariant_violations
    );
}

/// A small fault campaign (the first 40 single faults) in the test suite; the whole campaign
/// (every single fault and every pair) is `wfc drill --faults` (BENCHMARKS.md).
#[test]
fn a_fault_campaign_breaks_no_invariant() {
    let options = DrillOptions::new("primary-db-down", "rds", 1).unwrap();
    let c = wfc_drill::faults::campaign(&options, 2, false, Some(40)).unwrap();
    assert_eq!(c.scenarios, 40);
    assert!(c.violations.is_empty(), "{}", wfc_drill::faults::render(&c));
}

/// The campaign counts a pair whose second fault's task never ran in the first fault's run as
/// that run, without running it: checked here by running such pairs, whose reports are the
/// single's, byte for byte.
#[test]
fn a_pair_whose_second_task_never_runs_is_the_single_run() {
    use wfc_drill::faults::Fault;
    let report = |faults: &[&str]| {
        let mut options = DrillOptions::new("primary-db-down", "rds", 1).unwrap();
        options.faults = faults.iter().map(|f| Fault::parse(f).unwrap()).collect();
        options.history = false;
        drill::run(&options).unwrap()
    };
    for first in [
        "Promote replica:crash-after-effect",
        "Gate writes in DR region:5xx",
    ] {
        let single = report(&[first]);
        let ran: Vec<&str> = single.tasks.iter().map(|t| t.state.as_str()).collect();
        let mut checked = 0;
        for second in [
            "Notify old region not fenced:throttle",
            "Fence old primary again:5xx",
            "Notify failure:lambda-timeout",
            "Reconcile gap:slow",
        ] {
            let state = second.split_once(':').unwrap().0;
            if ran.contains(&state) {
                continue;
            }
            let pair = report(&[first, second]);
            assert_eq!(
                serde_json::to_string(&pair).unwrap(),
                serde_json::to_string(&single).unwrap(),
                "{first} + {second}"
            );
            checked += 1;
        }
        assert!(checked > 0, "{first}: every second fault ran: {ran:?}");
    }
}

/// The stack's two alarms start two failovers (their incident ids differ), both within a second
/// and both before either records its state. The anti-flap guard lets the one that started first
/// go on and stops the other; without it (`no-guard`) both cut over at once, and the invariant
/// says so. The lag is known here (the replica never notices its source died), so the RPO gate
/// does not stop either. (The DR region's probe alarm, which would start a failover minutes
/// earlier, is kept silent: a period of 100,000 s.)
#[test]
fn two_alarms_make_one_failover() {
    let lag_known = ["replica_io_timeout=100000", "probe_alarm_period=100000"];
    let r = run("primary-db-down", 1, Variant::AsBuilt, &lag_known);
    assert!(
        r.invariant_violations.is_empty(),
        "{}",
        drill::render_text(&r)
    );
    assert_eq!(r.executions.len(), 2, "{}", drill::render_text(&r));
    assert_eq!(r.executions.iter().filter(|e| e.cut_over).count(), 1);
    assert_eq!(
        r.notifications
            .iter()
            .filter(|n| n["subject"].as_str().unwrap().contains("failover.refused"))
            .count(),
        1
    );
    let r = run("primary-db-down", 1, Variant::NoGuard, &lag_known);
    let found = broken(&r, invariants::ONE_FAILOVER);
    assert_eq!(found.len(), 1, "{}", drill::render_text(&r));
    assert!(
        found[0].contains("2 failovers cut over at once"),
        "{found:?}"
    );
}

/// A region that returns after a region-down failover brings back what the failover could not
/// reach while it was down: its database unfenced, its job runner on, its load balancer taking
/// writes. The failover waits for it (after telling the on-call that the shop serves) and fences
/// all three within a minute of its return, and says so (critical). The jobs invariant holds on
/// every stack. The database: writable from the step the region answers until the fence lands,
/// two seconds later here; on RDS and self-managed that moment breaks "two writers" (reported
/// once, at the step the region answered), on Aurora not (it demotes its old writer itself).
#[test]
fn a_returning_region_is_fenced_within_a_minute() {
    for stack in ["rds", "aurora", "self-managed"] {
        let r = drill::run(&DrillOptions::new("region-returns", stack, 7).unwrap()).unwrap();
        let text = drill::render_text(&r);
        assert_eq!(r.outcome, "recovered_in_dr", "{stack}: {text}");
        let back = r
            .timeline
            .iter()
            .find(|(_, what)| what == "region us-east-1 answers again")
            .map(|(at, _)| *at)
            .unwrap_or_else(|| panic!("{stack}: the region never returned: {text}"));
        let late: Vec<(f64, &str)> = r
            .notifications
            .iter()
            .filter(|n| {
                n["subject"]
                    .as_str()
                    .unwrap()
                    .contains("failover.old_region_fenced_late")
            })
            .map(|n| {
                (
                    n["at_seconds"].as_f64().unwrap(),
                    n["message"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(late.len(), 1, "{stack}: {text}");
        let (at, message) = late[0];
        assert!(
            at > back && at <= back + 65.0,
            "{stack}: back at {back} s, fenced at {at} s"
        );
        let database = if stack == "aurora" {
            "(database: aurora_write_fencing)"
        } else {
            "(database: fenced)"
        };
        assert!(message.contains(database), "{stack}: {message}");
        assert!(
            r.fenced
                .iter()
                .any(|f| f.contains("job schedule default/woo-cron-use1 disabled")),
            "{stack}: {:?}",
            r.fenced
        );
        assert!(
            r.fenced
                .iter()
                .any(|f| f.contains("writes gated at woo-use1")),
            "{stack}: {:?}",
            r.fenced
        );
        assert!(
            broken(&r, invariants::JOBS_ONE_REGION).is_empty(),
            "{stack}: {text}"
        );
        let two = broken(&r, invariants::TWO_WRITERS);
        if stack == "aurora" {
            assert!(two.is_empty(), "{two:?}");
        } else {
            assert_eq!(two.len(), 1, "{stack}: {two:?}");
            assert!(two[0].contains(&format!("at {back} s")), "{stack}: {two:?}");
        }
        assert!(
            r.executions.iter().all(|e| e.status == "SUCCEEDED"),
            "{stack}: {text}"
        );
    }
}

/// A region that stays down: the failover waits for it, up to its probe limit, then says the old
/// region is not fenced and what to do (critical), and ends.
#[test]
fn a_region_that_stays_down_is_reported_unfenced() {
    let r = run("region-down", 7, Variant::AsBuilt, &[]);
    let subjects: Vec<&str> = r
        .notifications
        .iter()
        .map(|n| n["subject"].as_str().unwrap())
        .collect();
    let completed = subjects
        .iter()
        .position(|s| s.contains("failover.completed"));
    let unfenced = subjects
        .iter()
        .position(|s| s.contains("failover.old_region_not_fenced"));
    assert!(
        completed.is_some() && unfenced > completed,
        "the on-call hears that the shop serves first: {subjects:?}"
    );
    assert!(
        r.executions.iter().all(|e| e.status == "SUCCEEDED"),
        "{:?}",
        r.executions
    );
}

/// A pause of the old region's job runner lost to a fault (a Lambda timeout, then the retries
/// spent) while that region answers: the failover pauses it again a minute after its summary,
/// though the old database host (self-managed, dead) never answers its fence.
#[test]
fn a_job_pause_lost_to_a_fault_is_done_again() {
    let mut options = DrillOptions::new("primary-db-down", "self-managed", 1).unwrap();
    options.faults =
        vec![
            wfc_drill::faults::Fault::parse("Pause background jobs in old region:lambda-timeout")
                .unwrap(),
        ];
    let r = drill::run(&options).unwrap();
    let text = drill::render_text(&r);
    assert!(r.invariant_violations.is_empty(), "{text}");
    assert!(
        r.notifications.iter().any(|n| n["subject"]
            .as_str()
            .unwrap()
            .contains("failover.old_region_not_fenced")),
        "the dead host is still not fenced, and the on-call is told: {text}"
    );
}

/// Job runners: the failover pauses the old region's before it resumes DR's; a failover that does
/// not leaves both running once the old region is back, past the preflight period.
#[test]
fn job_runners_in_two_regions_caught_without_the_pause() {
    let fine = run("old-primary-returns", 7, Variant::AsBuilt, &[]);
    assert!(
        fine.invariant_violations.is_empty(),
        "{:?}",
        fine.invariant_violations
    );
    let r = run("old-primary-returns", 7, Variant::NoJobPause, &[]);
    let found = broken(&r, invariants::JOBS_ONE_REGION);
    assert_eq!(found.len(), 1, "{}", drill::render_text(&r));
    assert!(found[0].contains("us-east-1 and us-west-2"), "{found:?}");
    // A region that returns: the late pause is what holds it.
    let r = run("region-returns", 7, Variant::NoJobPause, &[]);
    let found = broken(&r, invariants::JOBS_ONE_REGION);
    assert_eq!(found.len(), 1, "{}", drill::render_text(&r));
}

/// The report page: one self-contained file (no script, no outside resource), its timeline drawn
/// (a bar per phase, a mark per world event) and the checkouts per minute. (Rendering it in a
/// headless browser, as issue 13 asks, is not done yet.)
#[test]
fn the_html_report_draws_the_timeline() {
    let r = run("primary-db-down", 1, Variant::AsBuilt, &[]);
    let page = wfc_drill::html::render(&r);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg id=\"timeline\""));
    assert!(page.contains("<svg id=\"checkouts\""));
    assert_eq!(page.matches("class=\"phase\"").count(), r.phases.len());
    assert_eq!(page.matches("class=\"event\"").count(), r.timeline.len());
    assert!(!page.contains("<script"));
    let outside: Vec<&str> = page
        .split(['"', '\''])
        .filter(|t| t.starts_with("http") && *t != "http://www.w3.org/2000/svg")
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
    assert_eq!(page.matches("<svg").count(), page.matches("</svg>").count());
}

/// A second failover after a completed failback, with the same compiled workflows: the failback
/// gave the new databases the names the stack, the alarms and the rules use (RDS: the old ones
/// renamed `-old1` and stopped), so the second outage is detected and failed over like the first,
/// with every invariant held. (Before, the stack named the stopped old instance: its alarm fired
/// and the failover it started ended as not confirmed.)
#[test]
fn a_second_failover_after_a_failback_needs_no_hand_edit() {
    for stack in ["rds", "aurora", "self-managed"] {
        let options = DrillOptions::new("second-failover", stack, 1).unwrap();
        let r = drill::run(&options).unwrap();
        let text = drill::render_text(&r);
        assert_eq!(r.outcome, "recovered_in_dr", "{stack}: {text}");
        assert!(
            r.invariant_violations.is_empty(),
            "{stack}: {:?}",
            r.invariant_violations
        );
        let failed_back = r
            .executions
            .iter()
            .find(|e| e.name.starts_with("failback") && e.status == "SUCCEEDED")
            .and_then(|e| e.end_seconds)
            .unwrap_or_else(|| panic!("{stack}: no failback: {text}"));
        assert!(
            r.executions.iter().any(|e| e.name.starts_with("failover")
                && e.start_seconds > failed_back
                && e.cut_over),
            "{stack}: no second failover cut over: {text}"
        );
        if stack == "rds" {
            for renamed in [
                "woo-db-use1 is renamed woo-db-use1-old1",
                "woo-db-usw2 is renamed woo-db-usw2-old1",
            ] {
                assert!(
                    r.timeline.iter().any(|(_, what)| what == renamed),
                    "{renamed}: {text}"
                );
            }
            let summary = told(&r, "failback.completed").unwrap();
            assert!(
                summary.contains("woo-db-use1-old1") && summary.contains("woo-db-usw2-old1"),
                "{summary}"
            );
        }
    }
}

/// The `preflight.not_ready` notification: (when, the failing checks' names).
fn not_ready(r: &Report) -> Option<(f64, Vec<String>)> {
    let n = r.notifications.iter().find(|n| {
        n["subject"]
            .as_str()
            .is_some_and(|s| s.contains("preflight.not_ready"))
    })?;
    let message: serde_json::Value =
        serde_json::from_str(n["message"].as_str().unwrap_or_default()).ok()?;
    let checks = message["details"]["failing"]
        .as_array()?
        .iter()
        .filter_map(|c| c["check"].as_str().map(str::to_string))
        .collect();
    Some((n["at_seconds"].as_f64()?, checks))
}

/// `dr-secret-missing` on every stack: preflight's first run, before the outage, reports the DR
/// database's credentials secret missing (and the `FailoverReady` alarm fires); the on-call
/// restores it, and the failover then succeeds with every invariant held.
#[test]
fn preflight_reports_a_missing_dr_secret_before_the_outage() {
    for (stack, _) in drill::STACKS {
        let r = drill::run(&DrillOptions::new("dr-secret-missing", stack, 7).unwrap()).unwrap();
        assert_eq!(r.outcome, "recovered_in_dr", "{stack}");
        assert!(
            r.invariant_violations.is_empty(),
            "{stack}: {:?}",
            r.invariant_violations
        );
        let (at, failing) =
            not_ready(&r).unwrap_or_else(|| panic!("{stack}: no preflight.not_ready"));
        assert!(at < r.outage_start_seconds, "{stack}: reported at {at} s");
        assert!(
            failing.iter().any(|c| c == "database_credentials"),
            "{stack}: {failing:?}"
        );
        assert!(
            told(&r, "\"woo-failover-not-ready\"").is_some(),
            "{stack}: no FailoverReady alarm"
        );
        let restored = r
            .timeline
            .iter()
            .find(|(_, what)| what.starts_with("on-call restores the secret"))
            .map(|(at, _)| *at)
            .unwrap_or_else(|| panic!("{stack}: not restored"));
        assert!(restored > at, "{stack}");
        assert!(r.rto_seconds.is_some(), "{stack}");
    }
}

/// The check matters: with its report ignored (`preflight-ignored`) the secret stays missing and
/// the failover stops, notified, where it first logs in to the DR database: on RDS and Aurora
/// at "Reserve order ids", after the promotion; on self-managed at the replica lag check, before
/// changing anything (that check logs in with the same secret).
#[test]
fn a_missing_dr_secret_left_alone_stops_the_failover() {
    for (stack, step, activity) in [
        ("rds", "Ready for writes", "Reserve order ids"),
        ("aurora", "Ready for writes", "Reserve order ids"),
        ("self-managed", "Assess outage", "Check replica lag"),
    ] {
        let mut options = DrillOptions::new("dr-secret-missing", stack, 7).unwrap();
        options.variant = Variant::PreflightIgnored;
        let r = drill::run(&options).unwrap();
        assert_eq!(r.outcome, "not_recovered", "{stack}");
        assert!(
            r.invariant_violations.is_empty(),
            "{stack}: {:?}",
            r.invariant_violations
        );
        assert!(!r
            .timeline
            .iter()
            .any(|(_, what)| what.starts_with("on-call restores the secret")));
        let failed: Vec<&drill::ExecutionReport> = r
            .executions
            .iter()
            .filter(|e| e.status == "FAILED")
            .collect();
        assert!(!failed.is_empty(), "{stack}: {:?}", r.executions);
        for e in failed {
            assert_eq!(e.error.as_deref(), Some("ConfigNotFound"), "{stack}");
            let cause = e.cause.clone().unwrap_or_default();
            assert!(
                cause.starts_with(&format!("{activity} failed"))
                    && cause.contains("secret `woo/prod/db-usw2` not found"),
                "{stack}: {cause}"
            );
        }
        let message = told(&r, "failover.failed").unwrap_or_else(|| panic!("{stack}: not told"));
        assert!(
            message.contains(&format!("failed at step {step}: ConfigNotFound")),
            "{stack}: {message}"
        );
    }
}
