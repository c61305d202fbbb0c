//! `probe_endpoint`: GETs the primary region's endpoint every `interval_seconds`, `probes` times,
//! and publishes each answer as a high-resolution datapoint (1 up, 0 down) the moment it has it,
//! so that an alarm with 10-second periods sees "primary down" within seconds (issue 14). A
//! schedule runs it every minute from the DR region; six probes ten seconds apart fill the minute.
//!
//! A down endpoint is a result, not an error: the activity fails only on invalid input or when
//! CloudWatch refuses a datapoint.

use crate::error::{ActivityError, Result};
use crate::iam;
use crate::ports::http::{ConnectTo, HttpRequest, Method};
use crate::ports::metrics::MetricDatum;
use crate::ports::{Clock, HttpProbe, Metrics, SystemClock};
use crate::validate::{self, redact_url, Validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
// tokio's clock: the system's on AWS, the paused virtual one in the drill and the tests.
use tokio::time::Instant;
use wfc_contract::{Activity, Permission};

pub struct ProbeEndpoint;

/// The dimension every datapoint carries, with the shop's name (as `ServeFromDr`'s).
pub const SHOP_DIMENSION: &str = "Shop";

/// A run must end well inside its function's timeout (70 s) and its one-minute schedule.
const MAX_RUN_SECONDS: u64 = 60;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeEndpointInput {
    /// What to GET, e.g. `https://shop.example.com/` (the path Route 53's endpoint check probes).
    /// Redirects are not followed: only `expect_status` is "up".
    pub url: String,
    /// Connect here (the primary load balancer's DNS name) instead of the URL host's address;
    /// the request keeps the URL's Host header and TLS server name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_to: Option<String>,
    /// e.g. `wfc/shop` (not under `AWS/`).
    pub namespace: String,
    /// e.g. `PrimaryEndpointUp`.
    pub metric_name: String,
    /// The value of the `Shop` dimension.
    pub shop: String,
    /// 1–12.
    #[serde(default = "default_probes")]
    pub probes: u32,
    /// Seconds from one probe's start to the next's, 1–60.
    #[serde(default = "default_interval")]
    pub interval_seconds: u64,
    /// Per request, 1–30 s, at most `interval_seconds`.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default = "default_status")]
    pub expect_status: u16,
}

fn default_probes() -> u32 {
    6
}

fn default_interval() -> u64 {
    10
}

fn default_timeout() -> u64 {
    5
}

fn default_status() -> u16 {
    200
}

impl Validate for ProbeEndpointInput {
    fn validate(&self) -> Result<()> {
        validate::http_url("url", &self.url)?;
        if let Some(host) = &self.connect_to {
            if host.parse::<std::net::IpAddr>().is_err() {
                validate::hostname("connect_to", host)?;
            }
        }
        validate::non_empty("namespace", &self.namespace)?;
        if self.namespace.len() > 255 || self.namespace.starts_with("AWS/") {
            return Err(ActivityError::invalid(
                "namespace",
                "must be at most 255 characters and not under AWS/",
            ));
        }
        validate::non_empty("metric_name", &self.metric_name)?;
        if self.metric_name.len() > 255 {
            return Err(ActivityError::invalid(
                "metric_name",
                "must be at most 255 characters",
            ));
        }
        validate::non_empty("shop", &self.shop)?;
        validate::range("probes", self.probes, 1, 12)?;
        validate::range("interval_seconds", self.interval_seconds, 1, 60)?;
        validate::range("timeout_seconds", self.timeout_seconds, 1, 30)?;
        if self.timeout_seconds > self.interval_seconds {
            return Err(ActivityError::invalid(
                "timeout_seconds",
                "must not exceed interval_seconds (a probe must end before the next starts)",
            ));
        }
        let run = u64::from(self.probes - 1) * self.interval_seconds + self.timeout_seconds;
        if run > MAX_RUN_SECONDS {
            return Err(ActivityError::invalid(
                "probes",
                format!(
                    "(probes - 1) × interval_seconds + timeout_seconds must be at most {MAX_RUN_SECONDS} s, got {run} s"
                ),
            ));
        }
        validate::range("expect_status", self.expect_status, 100, 599)
    }
}

/// One probe's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Probe {
    /// RFC 3339, when the request was sent (the datapoint's timestamp).
    pub at: String,
    pub up: bool,
    /// The HTTP status, when an answer came back.
    pub status: Option<u16>,
    /// Why it is down, when it is.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProbeEndpointOutput {
    /// The URL without its query.
    pub url: String,
    pub probes: Vec<Probe>,
    pub up: u32,
    pub down: u32,
}

pub async fn run(
    input: ProbeEndpointInput,
    http: &dyn HttpProbe,
    metrics: &dyn Metrics,
) -> Result<ProbeEndpointOutput> {
    run_at(input, http, metrics, &SystemClock).await
}

/// [`run`] with the clock that stamps the datapoints (the drill's virtual clock).
pub async fn run_at(
    input: ProbeEndpointInput,
    http: &dyn HttpProbe,
    metrics: &dyn Metrics,
    clock: &dyn Clock,
) -> Result<ProbeEndpointOutput> {
    input.validate()?;
    let request = HttpRequest {
        method: Method::Get,
        url: input.url.clone(),
        headers: vec![],
        body: None,
        timeout: Duration::from_secs(input.timeout_seconds),
        connect_to: input.connect_to.as_ref().map(|host| ConnectTo {
            host: host.clone(),
            port: None,
        }),
    };
    let start = Instant::now();
    let mut probes = Vec::new();
    for i in 0..input.probes {
        // From the run's start, so a slow answer does not push the later probes back.
        let interval = Duration::from_secs(input.interval_seconds);
        tokio::time::sleep_until(start + interval * i).await;
        let at = clock.now();
        let (up, status, problem) = match http.request(&request).await {
            Ok(r) if r.status == input.expect_status => (true, Some(r.status), None),
            Ok(r) => (
                false,
                Some(r.status),
                Some(format!(
                    "status {}, expected {}",
                    r.status, input.expect_status
                )),
            ),
            Err(why) => (false, None, Some(why)),
        };
        // Published at once: the alarm's 10-second periods cannot wait for the whole run.
        metrics
            .put_datum(&MetricDatum {
                namespace: input.namespace.clone(),
                metric: input.metric_name.clone(),
                dimensions: vec![(SHOP_DIMENSION.into(), input.shop.clone())],
                at,
                value: if up { 1.0 } else { 0.0 },
                high_resolution: true,
            })
            .await?;
        probes.push(Probe {
            at: humantime::format_rfc3339_millis(at).to_string(),
            up,
            status,
            problem,
        });
    }
    let up = probes.iter().filter(|p| p.up).count() as u32;
    Ok(ProbeEndpointOutput {
        url: redact_url(&input.url).to_string(),
        down: input.probes - up,
        up,
        probes,
    })
}

impl Activity for ProbeEndpoint {
    const NAME: &'static str = "probe_endpoint";
    const ERRORS: &'static [&'static str] = crate::aws_errors![];
    type Input = ProbeEndpointInput;
    type Output = ProbeEndpointOutput;
    fn permissions() -> Vec<Permission> {
        // No resource type in IAM; the orchestrator keeps it to the shop's namespace.
        vec![Permission::new(&["cloudwatch:PutMetricData"], &[iam::ANY])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::http::{HttpAnswer, HttpResponse};
    use crate::ports::metrics::{Alarm, Datapoint, MetricQuery};
    use async_trait::async_trait;
    use serde_json::json;
    use std::sync::Mutex;

    /// Answers the statuses in order (`None`: no answer), noting when each request came.
    struct Endpoint {
        answers: Mutex<Vec<Option<u16>>>,
        sent: Mutex<Vec<Instant>>,
    }

    impl Endpoint {
        fn answering(answers: &[Option<u16>]) -> Self {
            Endpoint {
                answers: Mutex::new(answers.iter().rev().copied().collect()),
                sent: Mutex::new(vec![]),
            }
        }
    }

    #[async_trait]
    impl HttpProbe for Endpoint {
        async fn get(
            &self,
            _url: &str,
            _timeout: Duration,
        ) -> std::result::Result<HttpAnswer, String> {
            unreachable!("the probe sends requests")
        }
        async fn request(&self, r: &HttpRequest) -> std::result::Result<HttpResponse, String> {
            assert_eq!(r.method, Method::Get);
            assert_eq!(r.timeout, Duration::from_secs(5));
            self.sent.lock().unwrap().push(Instant::now());
            match self.answers.lock().unwrap().pop().flatten() {
                Some(status) => Ok(HttpResponse {
                    status,
                    headers: vec![],
                    body: String::new(),
                }),
                None => Err("connection timed out".into()),
            }
        }
    }

    #[derive(Default)]
    struct Published {
        data: Mutex<Vec<(MetricDatum, Instant)>>,
        refuse: bool,
    }

    #[async_trait]
    impl Metrics for Published {
        async fn datapoints(&self, _query: &MetricQuery) -> Result<Vec<Datapoint>> {
            unreachable!("the probe only publishes")
        }
        async fn alarm(&self, _name: &str) -> Result<Option<Alarm>> {
            unreachable!("the probe only publishes")
        }
        async fn put_datum(&self, datum: &MetricDatum) -> Result<()> {
            if self.refuse {
                return Err(ActivityError::AwsAccessDenied {
                    service: "cloudwatch".into(),
                    operation: "PutMetricData".into(),
                });
            }
            self.data
                .lock()
                .unwrap()
                .push((datum.clone(), Instant::now()));
            Ok(())
        }
    }

    fn input(extra: serde_json::Value) -> ProbeEndpointInput {
        let mut v = json!({
            "url": "https://shop.example.com/?token=secret",
            "connect_to": "primary-123.us-east-1.elb.amazonaws.com",
            "namespace": "wfc/shop",
            "metric_name": "PrimaryEndpointUp",
            "shop": "shop",
        });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        validate::parse(v).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn six_probes_ten_seconds_apart_each_published_at_once() {
        let endpoint =
            Endpoint::answering(&[Some(200), Some(503), None, Some(200), Some(301), Some(200)]);
        let published = Published::default();
        let start = Instant::now();
        let out = run(input(json!({})), &endpoint, &published).await.unwrap();
        assert_eq!((out.up, out.down), (3, 3));
        assert_eq!(out.url, "https://shop.example.com/");
        assert_eq!(
            out.probes[1].problem.as_deref(),
            Some("status 503, expected 200")
        );
        assert_eq!(out.probes[2].status, None);
        let sent: Vec<u64> = endpoint
            .sent
            .lock()
            .unwrap()
            .iter()
            .map(|t| (*t - start).as_secs())
            .collect();
        assert_eq!(sent, [0, 10, 20, 30, 40, 50]);
        let data = published.data.lock().unwrap();
        let values: Vec<f64> = data.iter().map(|(d, _)| d.value).collect();
        assert_eq!(values, [1.0, 0.0, 0.0, 1.0, 0.0, 1.0]);
        // Each datapoint goes out in the second of its probe, not at the end of the run.
        let when: Vec<u64> = data.iter().map(|(_, t)| (*t - start).as_secs()).collect();
        assert_eq!(when, sent);
        let (first, _) = &data[0];
        assert!(first.high_resolution);
        assert_eq!(first.namespace, "wfc/shop");
        assert_eq!(first.metric, "PrimaryEndpointUp");
        assert_eq!(first.dimensions, [("Shop".to_string(), "shop".to_string())]);
    }

    #[tokio::test(start_paused = true)]
    async fn refused_datapoint_fails_the_run() {
        let endpoint = Endpoint::answering(&[Some(200)]);
        let published = Published {
            refuse: true,
            ..Published::default()
        };
        let err = run(input(json!({"probes": 1})), &endpoint, &published)
            .await
            .unwrap_err();
        assert_eq!(err.name(), "AwsAccessDenied");
    }

    #[tokio::test(start_paused = true)]
    async fn invalid_input_is_refused_before_any_call() {
        for (extra, field) in [
            (json!({"url": "ftp://shop"}), "url"),
            (json!({"connect_to": "not a host"}), "connect_to"),
            (json!({"namespace": "AWS/Route53"}), "namespace"),
            (json!({"metric_name": ""}), "metric_name"),
            (json!({"shop": ""}), "shop"),
            (json!({"probes": 0}), "probes"),
            (json!({"interval_seconds": 0}), "interval_seconds"),
            (json!({"timeout_seconds": 11}), "timeout_seconds"),
            (json!({"probes": 7}), "probes"),
            (json!({"expect_status": 99}), "expect_status"),
        ] {
            let endpoint = Endpoint::answering(&[]);
            let published = Published::default();
            let err = run(input(extra.clone()), &endpoint, &published)
                .await
                .unwrap_err();
            match err {
                ActivityError::InvalidInput { field: f, .. } => assert_eq!(f, field, "{extra}"),
                other => panic!("{extra}: {other:?}"),
            }
            assert!(endpoint.sent.lock().unwrap().is_empty());
            assert!(published.data.lock().unwrap().is_empty());
        }
    }
}
