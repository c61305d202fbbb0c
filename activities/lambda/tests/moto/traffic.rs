//! DNS, health and the failback request against moto's Route 53, CloudWatch and SSM.

use crate::support::*;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use wfc_activities::assess_outage::{self, AssessOutage, OutageVerdict};
use wfc_activities::check_failover_guard;
use wfc_activities::promotion_waiter;
use wfc_activities::record_state::{self, DrStatus};
use wfc_activities::set_maintenance;
use wfc_activities::switch_dns::{self, SwitchDns};
use wfc_activities::validate::parse;
use wfc_activities::validate_request::{self, ValidateRequest};

pub fn tests() -> Vec<Trial> {
    trials!["traffic":
        assess_outage_healthy_checkers_are_a_false_alarm,
        assess_outage_missing_check_and_alarm,
        assess_outage_reads_the_alarm_that_started_it,
        switch_dns_pins_and_is_idempotent,
        switch_dns_missing_zone,
        record_state_write_read_and_idempotent,
        validate_request_accepts_and_refuses,
        failover_guard_measures_from_the_recorded_failover,
        set_maintenance_on_off_and_idempotent,
        waiter_registered_then_woken_once,
    ]
}

async fn assess_outage_healthy_checkers_are_a_false_alarm() {
    // moto's GetHealthCheckStatus always reports every checker healthy, so only the
    // false-alarm verdict can be reached here; `down` and `inconclusive` are covered over a fake
    // port (`logic::assess_outage_verdicts`).
    let check = health_check("shop-east.example.com").await;
    let alarm_name = unique("alb-5xx");
    alarm(DR, &alarm_name, "ALARM").await;
    let input: assess_outage::AssessOutageInput =
        parse(json!({"health_check_id": check, "alarm_name": alarm_name})).unwrap();
    let e = env(DR);
    let out = assess_outage::run(input, &e.dns(), &e.metrics(None))
        .await
        .unwrap();
    assert_eq!(out.verdict, OutageVerdict::FalseAlarm, "{}", out.reason);
    assert!(!out.primary_down);
    assert!(out.checkers_total > 0);
    assert_eq!(out.checkers_failing, 0);
    assert_eq!(out.alarm_state.as_deref(), Some("ALARM"));
}

async fn assess_outage_reads_the_alarm_that_started_it() {
    // The primary's 1-minute alarm is still OK when the DR region's probe alarm (10 s periods)
    // starts the failover: the alarm read is the trigger's, in the trigger's region.
    let check = health_check("shop-east.example.com").await;
    let slow = unique("db-down");
    let probe = unique("probe-down");
    alarm(PRIMARY, &slow, "OK").await;
    alarm(DR, &probe, "ALARM").await;
    let e = env(DR);
    for (source, expected) in [
        ("alarm", Some("ALARM")),
        ("rds-event", None),
        ("manual", None),
    ] {
        let input: assess_outage::AssessOutageInput = parse(json!({
            "health_check_id": check,
            "alarm_name": slow,
            "region": PRIMARY,
            "trigger": {"source": source, "name": probe, "region": DR},
        }))
        .unwrap();
        let metrics = e.metrics(input.alarm_region());
        let out = assess_outage::run(input, &e.dns(), &metrics).await.unwrap();
        // An RDS event or a person started it: no alarm to read, the checkers decide.
        assert_eq!(out.alarm_state.as_deref(), expected, "{source}");
    }
}

async fn assess_outage_missing_check_and_alarm() {
    let e = env(DR);
    let input: assess_outage::AssessOutageInput =
        parse(json!({"health_check_id": "nope"})).unwrap();
    let result = assess_outage::run(input, &e.dns(), &e.metrics(None)).await;
    assert_error::<AssessOutage, _>(result, "HealthCheckNotFound");
    let check = health_check("shop-east.example.com").await;
    let input: assess_outage::AssessOutageInput =
        parse(json!({"health_check_id": check, "alarm_name": "no-such-alarm"})).unwrap();
    let result = assess_outage::run(input, &e.dns(), &e.metrics(None)).await;
    assert_error::<AssessOutage, _>(result, "AlarmNotFound");
}

async fn zone_with_failover_records(zone_name: &str, check: &str) -> String {
    use aws_sdk_route53::types::*;
    let zone = route53()
        .create_hosted_zone()
        .name(zone_name)
        .caller_reference(unique("zone"))
        .send()
        .await
        .unwrap()
        .hosted_zone()
        .unwrap()
        .id()
        .to_string();
    let record = |id: &str, failover: ResourceRecordSetFailover, value: &str, hc: Option<&str>| {
        ResourceRecordSet::builder()
            .name(format!("shop.{zone_name}"))
            .r#type(RrType::Cname)
            .set_identifier(id)
            .failover(failover)
            .ttl(60)
            .resource_records(ResourceRecord::builder().value(value).build().unwrap())
            .set_health_check_id(hc.map(str::to_string))
            .build()
            .unwrap()
    };
    let change = |r| {
        Change::builder()
            .action(ChangeAction::Create)
            .resource_record_set(r)
            .build()
            .unwrap()
    };
    route53()
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(change(record(
                    "primary",
                    ResourceRecordSetFailover::Primary,
                    "alb-east.example.com",
                    Some(check),
                )))
                .changes(change(record(
                    "secondary",
                    ResourceRecordSetFailover::Secondary,
                    "alb-west.example.com",
                    None,
                )))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    zone
}

async fn switch_dns_pins_and_is_idempotent() {
    let zone_name = format!("{}.example.com", unique("shop"));
    let check = health_check("alb-east.example.com").await;
    let zone = zone_with_failover_records(&zone_name, &check).await;
    let name = format!("shop.{zone_name}");
    let input: switch_dns::SwitchDnsInput = parse(json!({
        "hosted_zone_id": zone,
        "records": [{
            "name": name, "type": "CNAME", "set_identifier": "primary", "failover": "PRIMARY",
            "target": {"kind": "values", "values": ["alb-west.example.com"], "ttl": 60}
        }],
    }))
    .unwrap();
    let dns = env(DR).dns();
    let first = switch_dns::run(input.clone(), &dns).await.unwrap();
    assert!(first.changed);
    assert_eq!(first.change_status, "INSYNC");
    let previous = first.records[0].previous.as_ref().unwrap();
    assert_eq!(previous.values, ["alb-east.example.com"]);
    assert_eq!(previous.health_check_id.as_deref(), Some(check.as_str()));
    // Pinned: the PRIMARY record now answers the DR endpoint and carries no health check.
    let sets = route53()
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .unwrap();
    let primary = sets
        .resource_record_sets()
        .iter()
        .find(|s| s.set_identifier() == Some("primary"))
        .unwrap();
    assert_eq!(
        primary.resource_records()[0].value(),
        "alb-west.example.com"
    );
    assert_eq!(primary.health_check_id(), None);
    // Idempotency: the second run writes nothing.
    let second = switch_dns::run(input, &dns).await.unwrap();
    assert!(!second.changed);
    assert_eq!(second.change_id, None);
    assert_eq!(second.change_status, "UNCHANGED");
    let count = |s: &aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsOutput| {
        s.resource_record_sets().len()
    };
    let after = route53()
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .unwrap();
    assert_eq!(count(&sets), count(&after));
}

async fn switch_dns_missing_zone() {
    let input: switch_dns::SwitchDnsInput = parse(json!({
        "hosted_zone_id": "ZNOSUCHZONE",
        "records": [{"name": "shop.example.com", "type": "A",
                     "target": {"kind": "values", "values": ["192.0.2.10"], "ttl": 60}}],
    }))
    .unwrap();
    let result = switch_dns::run(input, &env(DR).dns()).await;
    assert_error::<SwitchDns, _>(result, "HostedZoneNotFound");
}

async fn record_state_write_read_and_idempotent() {
    let name = format!("/wfc/{}/state", unique("rs"));
    let config = env(DR).config_store(None);
    let input: record_state::RecordStateInput = parse(json!({
        "parameter_name": name, "active_region": DR, "incident_id": "INC-1", "status": "failing_over",
    }))
    .unwrap();
    let first = record_state::run(input.clone(), &config).await.unwrap();
    assert!(first.changed && first.previous.is_none());
    assert!(first.current.last_failover_at.is_some());
    let stored: serde_json::Value = serde_json::from_str(&get_parameter(DR, &name).await).unwrap();
    assert_eq!(stored["active_region"], DR);
    assert_eq!(stored["status"], "failing_over");
    let second = record_state::run(input, &config).await.unwrap();
    assert!(!second.changed, "the same start is recorded once");
    assert_eq!(second.current, first.current);
    let idle: record_state::RecordStateInput = parse(json!({
        "parameter_name": name, "active_region": DR, "incident_id": "INC-1", "status": "idle",
    }))
    .unwrap();
    let done = record_state::run(idle, &config).await.unwrap();
    assert!(done.changed);
    assert_eq!(done.current.status, DrStatus::Idle);
    assert_eq!(
        done.current.last_failover_at, first.current.last_failover_at,
        "kept"
    );
}

async fn validate_request_accepts_and_refuses() {
    let state = format!("/wfc/{}/state", unique("vr"));
    let write = |active: &str, status: &str| {
        json!({"active_region": active, "incident_id": "INC-7", "status": status,
               "last_failover_at": "2026-05-01T12:00:00Z"})
        .to_string()
    };
    let check = health_check("shop-east.example.com").await;
    let input = |target: &str| -> validate_request::ValidateRequestInput {
        parse(json!({
            "request": {"target_region": target, "incident_id": "INC-7", "requested_by": "sre@example.com"},
            "state_parameter_name": state,
            "target_health_check_id": check,
        }))
        .unwrap()
    };
    let e = env(DR);
    let (config, dns, metrics) = (e.config_store(None), e.dns(), e.metrics(Some(PRIMARY)));
    let result = validate_request::run(input(PRIMARY), &config, &dns, &metrics).await;
    assert_error::<ValidateRequest, _>(result, "ConfigNotFound");
    put_parameter(DR, &state, &write(DR, "idle")).await;
    let out = validate_request::run(input(PRIMARY), &config, &dns, &metrics)
        .await
        .unwrap();
    assert!(out.valid);
    assert_eq!(out.active_region, DR);
    let result = validate_request::run(input(DR), &config, &dns, &metrics).await;
    assert_error::<ValidateRequest, _>(result, "TargetAlreadyActive");
    let alarm_name = unique("east-health");
    alarm(PRIMARY, &alarm_name, "ALARM").await;
    let mut with_alarm = input(PRIMARY);
    with_alarm.target_alarm_name = Some(alarm_name);
    let result = validate_request::run(with_alarm, &config, &dns, &metrics).await;
    assert_error::<ValidateRequest, _>(result, "TargetRegionUnhealthy");
    put_parameter(DR, &state, &write(DR, "failing_over")).await;
    let result = validate_request::run(input(PRIMARY), &config, &dns, &metrics).await;
    assert_error::<ValidateRequest, _>(result, "FailoverInProgress");
    put_parameter(DR, &state, "not json").await;
    let result = validate_request::run(input(PRIMARY), &config, &dns, &metrics).await;
    assert_error::<ValidateRequest, _>(result, "StateMalformed");
}

async fn failover_guard_measures_from_the_recorded_failover() {
    let name = format!("/wfc/{}/state", unique("fg"));
    let config = env(DR).config_store(None);
    let workflows = env(DR).workflows(None);
    let guard = |incident: &str, now: &str| {
        parse::<check_failover_guard::CheckFailoverGuardInput>(json!({
            "parameter_name": name, "incident_id": incident, "expected_active_region": PRIMARY,
            "min_minutes_between_failovers": 60, "now": now,
        }))
        .unwrap()
    };
    let first =
        check_failover_guard::run(guard("INC-1", "2026-11-26T03:00:00Z"), &config, &workflows)
            .await
            .unwrap();
    assert!(first.allowed && first.state.is_none(), "{}", first.reason);

    // A failover started at 03:00 and still running: the same incident may resume, another not.
    let start: record_state::RecordStateInput = parse(json!({
        "parameter_name": name, "active_region": PRIMARY, "incident_id": "INC-1",
        "status": "failing_over", "failover_at": "2026-11-26T03:00:00Z",
    }))
    .unwrap();
    record_state::run(start, &config).await.unwrap();
    let same =
        check_failover_guard::run(guard("INC-1", "2026-11-26T03:05:00Z"), &config, &workflows)
            .await
            .unwrap();
    assert!(same.allowed, "{}", same.reason);
    let other =
        check_failover_guard::run(guard("INC-2", "2026-11-26T03:05:00Z"), &config, &workflows)
            .await
            .unwrap();
    assert!(
        !other.allowed && other.reason.contains("in progress"),
        "{}",
        other.reason
    );

    // Failed back to the primary and idle again: 30 min later is inside the window, 90 is not.
    let idle: record_state::RecordStateInput = parse(json!({
        "parameter_name": name, "active_region": PRIMARY, "incident_id": "INC-1", "status": "idle",
    }))
    .unwrap();
    record_state::run(idle, &config).await.unwrap();
    let soon =
        check_failover_guard::run(guard("INC-3", "2026-11-26T03:30:00Z"), &config, &workflows)
            .await
            .unwrap();
    assert!(
        !soon.allowed && soon.reason.contains("anti-flap"),
        "{}",
        soon.reason
    );
    assert_eq!(soon.minutes_since_last_failover, Some(30.0));
    let later =
        check_failover_guard::run(guard("INC-3", "2026-11-26T04:30:00Z"), &config, &workflows)
            .await
            .unwrap();
    assert!(later.allowed, "{}", later.reason);

    // The DR region already serves: nothing to fail over.
    let moved: record_state::RecordStateInput = parse(json!({
        "parameter_name": name, "active_region": DR, "incident_id": "INC-3", "status": "idle",
    }))
    .unwrap();
    record_state::run(moved, &config).await.unwrap();
    let served =
        check_failover_guard::run(guard("INC-4", "2026-11-27T04:30:00Z"), &config, &workflows)
            .await
            .unwrap();
    assert!(
        !served.allowed && served.reason.contains("already serves"),
        "{}",
        served.reason
    );
}

async fn set_maintenance_on_off_and_idempotent() {
    let name = format!("/woo/{}/maintenance", unique("mm"));
    let config = env(DR).config_store(None);
    let set = |on: bool| {
        parse::<set_maintenance::SetMaintenanceInput>(json!({"parameter_name": name, "on": on}))
            .unwrap()
    };
    let first = set_maintenance::run(set(true), &config).await.unwrap();
    assert!(first.changed && first.previous.is_none());
    assert_eq!(get_parameter(DR, &name).await, "on");
    let again = set_maintenance::run(set(true), &config).await.unwrap();
    assert!(!again.changed, "the same value is not written twice");
    let off = set_maintenance::run(set(false), &config).await.unwrap();
    assert_eq!(off.previous.as_deref(), Some("on"));
    assert_eq!(get_parameter(DR, &name).await, "off");
}

async fn waiter_registered_then_woken_once() {
    // moto's static Step Functions backend accepts any token in SendTaskSuccess, so the answer is
    // checked here, not its effect; AWS's refusals of a stale token (TaskTimedOut,
    // TaskDoesNotExist, InvalidToken) are mapped to `woken: false` in aws/workflows.rs. That a
    // live wait ends early is shown in the engine (tests/woocommerce_aurora.rs).
    let name = format!("/wfc/{}/waiters/promotion", unique("pw"));
    let e = env(DR);
    let config = e.config_store(None);
    let workflows = e.workflows(None);
    let wake = || {
        parse::<promotion_waiter::WakeWaiterInput>(
            json!({"parameter_name": name, "event_id": "RDS-EVENT-0238"}),
        )
        .unwrap()
    };
    let nobody = promotion_waiter::wake(wake(), &config, &workflows)
        .await
        .unwrap();
    assert!(
        !nobody.woken && nobody.detail.contains("no workflow"),
        "{nobody:?}"
    );

    let register: promotion_waiter::RegisterWaiterInput = parse(json!({
        "parameter_name": name, "task_token": "AAAA-stale-token", "waiting_for": "promotion of woo-usw2",
    }))
    .unwrap();
    promotion_waiter::register(register, &config).await.unwrap();
    let stored = ssm(DR)
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    let parameter = stored.parameter().unwrap();
    assert_eq!(
        parameter.r#type(),
        Some(&aws_sdk_ssm::types::ParameterType::SecureString)
    );
    assert!(parameter.value().unwrap().contains("AAAA-stale-token"));

    let woken = promotion_waiter::wake(wake(), &config, &workflows)
        .await
        .unwrap();
    assert!(
        woken.woken && woken.detail.contains("promotion of woo-usw2"),
        "{woken:?}"
    );
    let again = promotion_waiter::wake(wake(), &config, &workflows)
        .await
        .unwrap();
    assert!(
        again.detail.contains("no workflow"),
        "cleared after waking: {again:?}"
    );
}
