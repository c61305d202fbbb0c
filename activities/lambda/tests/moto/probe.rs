//! `probe_endpoint` against moto's CloudWatch and a local HTTP endpoint (`http_server`): each
//! probe's answer is a high-resolution datapoint (1 up, 0 down), read back with
//! GetMetricStatistics at a 1-second period.

use crate::support::*;
use crate::trials;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Statistic};
use libtest_mimic::Trial;
use serde_json::json;
use std::time::{Duration, SystemTime};
use wfc_activities::probe_endpoint::{self, ProbeEndpointInput};
use wfc_activities::validate::parse;

pub fn tests() -> Vec<Trial> {
    trials!["probe":
        up_and_down_published_once_per_probe,
        invalid_input_publishes_nothing,
    ]
}

fn input(url: &str, connect_to: Option<&str>, shop: &str) -> ProbeEndpointInput {
    parse(json!({
        "url": url,
        "connect_to": connect_to,
        "namespace": format!("wfc/{shop}"),
        "metric_name": "PrimaryEndpointUp",
        "shop": shop,
        "probes": 2,
        "interval_seconds": 1,
        "timeout_seconds": 1,
    }))
    .unwrap()
}

/// The shop's datapoints of the last minutes: how many, and how many said "up" (their sum).
/// Counted over minutes, not per second: on a loaded machine two probes a second apart can
/// share a second.
async fn published(shop: &str) -> (f64, f64) {
    let now = SystemTime::now();
    let out = cloudwatch(DR)
        .get_metric_statistics()
        .namespace(format!("wfc/{shop}"))
        .metric_name("PrimaryEndpointUp")
        .dimensions(Dimension::builder().name("Shop").value(shop).build())
        .start_time(DateTime::from(now - Duration::from_secs(300)))
        .end_time(DateTime::from(now + Duration::from_secs(60)))
        .period(60)
        .statistics(Statistic::SampleCount)
        .statistics(Statistic::Sum)
        .send()
        .await
        .unwrap();
    out.datapoints().iter().fold((0.0, 0.0), |(n, up), d| {
        (
            n + d.sample_count().unwrap_or(0.0),
            up + d.sum().unwrap_or(0.0),
        )
    })
}

async fn up_and_down_published_once_per_probe() {
    let shop = unique("probe");
    let (base, _) = http_server(vec![("/healthz", 200, "ok"), ("/down", 503, "no")]).await;
    let port = base.rsplit(':').next().unwrap();
    let metrics = env(DR).metrics(None);
    let http = env(DR).http();
    // Up, through the connect override with the production host name (as to the primary's
    // load balancer).
    let up = probe_endpoint::run(
        input(
            &format!("http://shop.example.com:{port}/healthz"),
            Some("127.0.0.1"),
            &shop,
        ),
        &http,
        &metrics,
    )
    .await
    .unwrap();
    assert_eq!((up.up, up.down), (2, 0), "{up:?}");
    // More than a second between runs: every datapoint in a second of its own.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Down: a 503, and no answer at all.
    let down = probe_endpoint::run(input(&format!("{base}/down"), None, &shop), &http, &metrics)
        .await
        .unwrap();
    assert_eq!((down.up, down.down), (0, 2));
    assert_eq!(down.probes[0].status, Some(503));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let silent = silent_endpoint().await;
    let dead = probe_endpoint::run(input(&silent, None, &shop), &http, &metrics)
        .await
        .unwrap();
    assert_eq!((dead.up, dead.down), (0, 2));
    assert!(dead
        .probes
        .iter()
        .all(|p| p.status.is_none() && p.problem.is_some()));
    // Six datapoints, two of them "up".
    assert_eq!(published(&shop).await, (6.0, 2.0));
}

async fn invalid_input_publishes_nothing() {
    let shop = unique("probe-invalid");
    let mut bad = input("http://127.0.0.1:9/", None, &shop);
    bad.interval_seconds = 20;
    bad.probes = 4;
    let error = assert_error::<probe_endpoint::ProbeEndpoint, _>(
        probe_endpoint::run(bad, &env(DR).http(), &env(DR).metrics(None)).await,
        "InvalidInput",
    );
    assert!(error.to_string().contains("probes"), "{error}");
    assert_eq!(published(&shop).await, (0.0, 0.0));
}
