//! The world's models, each against the latency model's figures
//! (../shared/reference/latency-model.md; the section is named in each test).

use wfc_drill::latency::Latency;
use wfc_drill::world::{secs, World};
use wfc_engine::DEFAULT_START_TIME as START;
use wfc_stack::Stack;

fn stack() -> Stack {
    Stack::load(wfc_workflows::EXAMPLE_STACK).unwrap()
}

fn world_with(changes: &[&str]) -> World {
    let mut lat = Latency::default_model();
    for c in changes {
        lat.set(c).unwrap();
    }
    World::new(&stack(), lat, 3, START)
}

fn lag_points(w: &World) -> Vec<f64> {
    w.instances["woo-db-usw2"]
        .lag_points
        .iter()
        .map(|(_, v)| *v)
        .collect()
}

/// §2.2: lag is a state variable driven by the write rate, not a constant; it stops (the metric
/// goes to -1, nothing more is applied) once the replica's IO thread notices the source is gone.
#[test]
fn lag_grows_with_write_load_and_stops_with_the_primary() {
    // 0.5 orders/s × 12 writes: well under the replica's 40 writes/s: lag is the network delay.
    let mut calm = world_with(&[]);
    calm.advance_to(START + secs(600.0));
    let points = lag_points(&calm);
    assert_eq!(points.len(), 10);
    assert!(points.iter().all(|v| (0.0..=3.0).contains(v)), "{points:?}");

    // 6 orders/s × 12 = 72 writes/s: the backlog, and the lag, grow minute after minute.
    let mut busy = world_with(&["checkout_rate=6"]);
    busy.advance_to(START + secs(600.0));
    let points = lag_points(&busy);
    assert!(points.windows(2).all(|p| p[1] > p[0]), "{points:?}");
    assert!(points[9] > 200.0, "{points:?}");

    // The primary dies: after replica_io_timeout the metric is -1 and no order arrives any more.
    calm.fail_database("woo-db-use1");
    let replicated = calm.instances["woo-db-usw2"].orders.len();
    calm.advance_to(START + secs(900.0));
    let points = lag_points(&calm);
    assert_eq!(*points.last().unwrap(), -1.0, "{points:?}");
    assert!(calm.instances["woo-db-usw2"].orders.len() <= replicated + 2);
    assert!(!calm.instances["woo-db-usw2"].io_running);
}

/// §1.2: a 60 s-period, M-of-M alarm goes to ALARM after the rest of the onset minute, (M−1)
/// more minutes and the ingest delay (`alarm_ingest`, 52 s measured): "U(0,60) remainder +
/// (M−1)·60 + ingest"; its state change reaches EventBridge `alarm_to_event` later.
#[test]
fn alarm_timing_is_period_times_evaluation_periods_plus_ingest() {
    for (periods, expected) in [(3.0, 30.0 + 120.0 + 52.0), (1.0, 30.0 + 52.0)] {
        let mut w = world_with(&[&format!("alarm_evaluation_periods={periods}")]);
        w.advance_to(START + secs(90.0));
        w.fail_database("woo-db-use1"); // 30 s into a minute
        w.advance_to(START + secs(900.0));
        let alarm = w
            .timeline
            .iter()
            .find(|(_, what)| what == "alarm woo-use1-db-down goes to ALARM")
            .map(|(at, _)| (*at - START - secs(90.0)) as f64 / 1000.0)
            .unwrap();
        assert_eq!(alarm, expected, "{periods} evaluation periods");
        let (delivered, event) = w
            .outbox
            .iter()
            .find(|(_, e)| e["detail"]["alarmName"] == "woo-use1-db-down")
            .unwrap();
        assert_eq!(event["detail-type"], "CloudWatch Alarm State Change");
        assert_eq!(event["detail"]["state"]["value"], "ALARM");
        assert_eq!(
            (*delivered - START - secs(90.0)) as f64 / 1000.0,
            expected + 2.0
        );
    }
}

/// §1.1: with an interval I and a failure threshold F, the checkers see the endpoint fail at
/// φ + (F−1)·I; Route 53 calls it unhealthy at 18 % healthy or fewer: 60–105 s for Route 53's
/// defaults (30 s × 3), 10–25 s for the DR template's check (10 s × 2, the drill's default).
#[test]
fn health_check_detection_takes_interval_times_threshold() {
    for (interval, threshold, expected) in [(30, 3, 60..=105), (10, 2, 10..=25)] {
        let mut w = world_with(&[
            &format!("health_check_interval={interval}"),
            &format!("health_check_failure_threshold={threshold}"),
        ]);
        w.advance_to(START + secs(60.0));
        w.fail_database("woo-db-use1");
        let id = w.site("us-east-1").health_check_id.clone();
        let mut unhealthy_at = None;
        for s in 1..=200 {
            w.advance_to(START + secs(60.0 + s as f64));
            let hc = &w.health_checks[&id];
            let healthy =
                hc.checkers.iter().filter(|c| c.2).count() as f64 / hc.checkers.len() as f64;
            if healthy <= 0.18 && unhealthy_at.is_none() {
                unhealthy_at = Some(s);
            }
        }
        let at = unhealthy_at.expect("the health check goes unhealthy");
        assert!(
            expected.contains(&at),
            "{interval} s × {threshold}: unhealthy after {at} s"
        );
    }
}

/// §9 "CW alarm, 10 s high-res custom, 3-of-3 → ALARM": 30 / 40 / 60 s. The DR region's probe
/// GETs the primary once a 10 s period; its alarm goes to ALARM after three failed periods and
/// the probe's timeout (`probe_ingest`), in the DR region, and not while the primary answers.
#[test]
fn the_probe_alarm_fires_some_forty_seconds_into_an_outage() {
    let mut w = world_with(&[]);
    w.advance_to(START + secs(600.0));
    assert!(!w
        .timeline
        .iter()
        .any(|(_, what)| what.contains("probe-down")));
    w.fail_database("woo-db-use1");
    w.advance_to(START + secs(700.0));
    let alarm = w
        .timeline
        .iter()
        .find(|(_, what)| what == "alarm woo-us-east-1-probe-down goes to ALARM")
        .map(|(at, _)| (*at - START - secs(600.0)) as f64 / 1000.0)
        .expect("the probe alarm fires");
    assert!((30.0..=60.0).contains(&alarm), "ALARM after {alarm} s");
    let (_, event) = w
        .outbox
        .iter()
        .find(|(_, e)| e["detail"]["alarmName"] == "woo-us-east-1-probe-down")
        .unwrap();
    assert_eq!(event["region"], "us-west-2");
}

/// §3: after a change is INSYNC (30 s typical), a client keeps its cached answer until its TTL
/// (60 s for an ELB alias) runs out; 5 % of clients ignore TTLs.
#[test]
fn clients_see_a_dns_change_within_insync_plus_ttl() {
    let mut w = world_with(&["ttl_violator_share=0"]);
    w.advance_to(START + secs(120.0));
    let records: Vec<_> = w
        .records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.alias.as_mut().unwrap().dns_name = w.site("us-west-2").lb_dns.clone();
            r
        })
        .collect();
    w.upsert_records(&records);
    let customers = w.customers.len();
    w.advance_to(START + secs(120.0 + 29.0));
    assert!(
        (0..customers).all(|c| w.resolve(c) == "us-east-1"),
        "not INSYNC yet"
    );
    w.advance_to(START + secs(120.0 + 30.0 + 30.0));
    let moved = (0..customers)
        .filter(|c| w.resolve(*c) == "us-west-2")
        .count();
    assert!(
        moved > 0 && moved < customers,
        "half the TTL: some clients moved ({moved})"
    );
    w.advance_to(START + secs(120.0 + 30.0 + 61.0));
    assert!(
        (0..customers).all(|c| w.resolve(c) == "us-west-2"),
        "a TTL after INSYNC"
    );
}

/// §2.1: PromoteReadReplica: `modifying`, then a reboot, then `available` and standalone after
/// `promote` (6 min typical); replication stops at the reboot.
#[test]
fn promotion_takes_its_time_and_reboots() {
    let mut w = world_with(&["promote=420s"]);
    w.advance_to(START + secs(10.0));
    w.promote("woo-db-usw2").unwrap();
    let status = |w: &World| w.instances["woo-db-usw2"].status.clone();
    assert_eq!(status(&w), "modifying");
    assert!(!w.writable("woo-db-usw2"));
    w.advance_to(START + secs(10.0 + 420.0 - 60.0));
    assert_eq!(status(&w), "rebooting");
    assert!(w.instances["woo-db-usw2"].source.is_none());
    w.advance_to(START + secs(10.0 + 419.0));
    assert!(!w.writable("woo-db-usw2"));
    w.advance_to(START + secs(10.0 + 420.0));
    assert_eq!(status(&w), "available");
    assert!(w.writable("woo-db-usw2"));
}
