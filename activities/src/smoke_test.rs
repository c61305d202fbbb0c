//! `smoke_test`: HTTP GETs of configured URLs (a WooCommerce Store API endpoint, the home page)
//! with a timeout, an expected status and a body marker. Any check failing fails the activity with
//! `SmokeTestFailed` (retryable: a freshly scaled shop may need a moment).

use crate::aws::AwsEnv;
use crate::error::{ActivityError, Result};
use crate::lambda::Handler;
use crate::ports::HttpProbe;
use crate::validate::{self, redact_url, Validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use wfc_contract::Activity;

pub struct SmokeTest;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmokeTestInput {
    pub checks: Vec<HttpCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpCheck {
    /// e.g. `https://shop.example.com/wp-json/wc/store/v1/products?per_page=1`.
    pub url: String,
    #[serde(default = "default_status")]
    pub expected_status: u16,
    /// Text the body must contain (e.g. `"prices"`, or the shop's name).
    #[serde(default)]
    pub body_contains: Option<String>,
    /// 100–30000 ms.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn default_status() -> u16 {
    200
}

fn default_timeout() -> u64 {
    5000
}

impl Validate for SmokeTestInput {
    fn validate(&self) -> Result<()> {
        validate::list("checks", &self.checks, 20)?;
        for (i, c) in self.checks.iter().enumerate() {
            validate::http_url(&format!("checks[{i}].url"), &c.url)?;
            validate::range(
                &format!("checks[{i}].expected_status"),
                c.expected_status,
                100,
                599,
            )?;
            validate::range(
                &format!("checks[{i}].timeout_ms"),
                c.timeout_ms,
                100,
                30_000,
            )?;
            if let Some(marker) = &c.body_contains {
                validate::non_empty(&format!("checks[{i}].body_contains"), marker)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    /// The URL without its query.
    pub url: String,
    pub status: Option<u16>,
    pub ok: bool,
    pub elapsed_ms: u64,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SmokeTestOutput {
    pub passed: bool,
    pub results: Vec<CheckResult>,
}

async fn check(http: &dyn HttpProbe, c: &HttpCheck) -> CheckResult {
    let started = Instant::now();
    let answer = http.get(&c.url, Duration::from_millis(c.timeout_ms)).await;
    let (status, problem) = match answer {
        Err(why) => (None, Some(why)),
        Ok(a) if a.status != c.expected_status => (
            Some(a.status),
            Some(format!(
                "status {} (expected {})",
                a.status, c.expected_status
            )),
        ),
        Ok(a) => match &c.body_contains {
            Some(marker) if !a.body.contains(marker.as_str()) => {
                (Some(a.status), Some(format!("body lacks {marker:?}")))
            }
            _ => (Some(a.status), None),
        },
    };
    CheckResult {
        url: redact_url(&c.url).to_string(),
        status,
        ok: problem.is_none(),
        elapsed_ms: started.elapsed().as_millis() as u64,
        problem,
    }
}

pub async fn run(input: SmokeTestInput, http: &dyn HttpProbe) -> Result<SmokeTestOutput> {
    input.validate()?;
    let mut results = Vec::with_capacity(input.checks.len());
    for c in &input.checks {
        results.push(check(http, c).await);
    }
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| r.problem.as_ref().map(|p| format!("GET {}: {p}", r.url)))
        .collect();
    if !failures.is_empty() {
        return Err(ActivityError::SmokeTestFailed {
            failures: failures.join("; "),
        });
    }
    Ok(SmokeTestOutput {
        passed: true,
        results,
    })
}

impl Activity for SmokeTest {
    const NAME: &'static str = "smoke_test";
    const ERRORS: &'static [&'static str] = &["InvalidInput", "SmokeTestFailed"];
    type Input = SmokeTestInput;
    type Output = SmokeTestOutput;
}

impl Handler for SmokeTest {
    async fn handle(input: SmokeTestInput, env: &AwsEnv) -> Result<SmokeTestOutput> {
        run(input, &env.http()).await
    }
}
