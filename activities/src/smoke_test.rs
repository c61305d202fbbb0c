//! `smoke_test`: proves the shop serves, before and after the DNS switch.
//!
//! - `checks`: HTTP GETs of configured URLs with a timeout, an expected status and a body marker.
//! - `woocommerce`: the WooCommerce checks of reference §8, sent with the production `Host` header
//!   and TLS server name, optionally to the DR load balancer instead of the site's DNS: the REST
//!   root lists `wc/store/v1` and the production URL; the Store API lists products; the cart
//!   hands out a `Cart-Token`; a hidden canary product is added to that cart and removed again
//!   (the real write path: a session row and a cache write, never an order, a stock change, an
//!   email or a payment). Redirects are not followed: WordPress redirects a host it does not
//!   know to its canonical one, which is exactly the failure to report.
//!
//! Any check failing fails the activity with `SmokeTestFailed`, naming every failed check and why
//! (retryable: a freshly scaled shop may need a moment).

use crate::error::{ActivityError, Result};
use crate::ports::http::{ConnectTo, HttpRequest, HttpResponse, Method};
use crate::ports::HttpProbe;
use crate::validate::{self, redact_url, Validate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;
// tokio's clock: the system's on AWS, the paused virtual one in the drill.
use tokio::time::Instant;
use wfc_contract::Activity;

pub struct SmokeTest;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmokeTestInput {
    /// Plain GETs (redirects followed). At least one of `checks` and `woocommerce` is given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<HttpCheck>,
    /// The WooCommerce checks: REST root, Store API catalogue, cart session, cart write path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub woocommerce: Option<ShopSmokeTest>,
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

/// The WooCommerce smoke test of one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShopSmokeTest {
    /// The production URL (`https://shop.example.com`): the Host header and TLS SNI of every
    /// request, and what `/wp-json/` must report as `url` and `home`.
    pub site_url: String,
    /// Connect to this host (the DR load balancer's DNS name, or an IP) instead of the site's
    /// DNS; the requests still carry the production Host and SNI. Absent: the site's own DNS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_to: Option<String>,
    /// Port to connect to (default: the site URL's, else its scheme's); lets tests use a local
    /// server while the Host header stays the production one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_port: Option<u16>,
    /// A hidden, virtual, not-stock-managed "DR canary" product: added to and removed from a
    /// cart, never ordered.
    pub canary_product_id: u64,
    /// Per request, 100–30000 ms.
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
        if self.checks.is_empty() && self.woocommerce.is_none() {
            return Err(ActivityError::invalid(
                "checks",
                "give `checks`, `woocommerce`, or both",
            ));
        }
        if !self.checks.is_empty() {
            validate::list("checks", &self.checks, 20)?;
        }
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
        if let Some(shop) = &self.woocommerce {
            shop.validate()?;
        }
        Ok(())
    }
}

impl Validate for ShopSmokeTest {
    fn validate(&self) -> Result<()> {
        validate::http_url("woocommerce.site_url", &self.site_url)?;
        if self.site_url.contains(['?', '#']) {
            return Err(ActivityError::invalid(
                "woocommerce.site_url",
                "must be the site's URL, without query or fragment",
            ));
        }
        if site_host(&self.site_url).is_none() {
            return Err(ActivityError::invalid(
                "woocommerce.site_url",
                "is not a valid URL",
            ));
        }
        if let Some(host) = &self.connect_to {
            if host.parse::<std::net::IpAddr>().is_err() {
                validate::hostname("woocommerce.connect_to", host)?;
            }
        }
        if let Some(port) = self.connect_port {
            validate::range("woocommerce.connect_port", port, 1, 65535)?;
        }
        validate::range(
            "woocommerce.canary_product_id",
            self.canary_product_id,
            1,
            u64::MAX,
        )?;
        validate::range("woocommerce.timeout_ms", self.timeout_ms, 100, 30_000)
    }
}

/// The host (and port, when the URL names one) of `url`, as in its `Host` header.
fn site_host(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
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

/// One WooCommerce check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShopCheck {
    /// `wp_json`, `store_products`, `cart_token`, `cart_add` or `cart_remove`.
    pub name: String,
    pub ok: bool,
    /// What was seen: why it failed, or what passed.
    pub detail: String,
    /// The HTTP status, when an answer came back.
    pub status: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SmokeTestOutput {
    pub passed: bool,
    /// The `checks`, in order.
    pub results: Vec<CheckResult>,
    /// The WooCommerce checks, in order: `wp_json` (200 JSON; `namespaces` contains
    /// `wc/store/v1`; `url`/`home` equal `site_url`), `store_products` (200, non-empty array),
    /// `cart_token` (GET the cart: 200 and a `Cart-Token` header), `cart_add` (the canary added
    /// with that token: 2xx and in the returned cart), `cart_remove` (removed by its item key:
    /// 2xx and gone). Empty without `woocommerce`.
    pub shop_checks: Vec<ShopCheck>,
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

const STORE_API: &str = "/wp-json/wc/store/v1";

/// The WooCommerce checks of one site, all sent the same way.
struct Shop<'a> {
    http: &'a dyn HttpProbe,
    /// `site_url` without its trailing `/`: what paths are appended to and `url`/`home` equal.
    base: String,
    /// The production host, as in the `Host` header.
    host: String,
    canary: u64,
    timeout: Duration,
    connect_to: Option<ConnectTo>,
}

/// A check's verdict: `Ok(detail)` or `Err(detail)`, with the status when there was an answer.
type Verdict<T> = (std::result::Result<T, String>, Option<u16>);

impl Shop<'_> {
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> std::result::Result<HttpResponse, String> {
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        if let Some(token) = token {
            headers.push(("cart-token".to_string(), token.to_string()));
        }
        if body.is_some() {
            headers.push(("content-type".to_string(), "application/json".to_string()));
        }
        let request = HttpRequest {
            method,
            url: format!("{}{path}", self.base),
            headers,
            body: body.map(|b| b.to_string()),
            timeout: self.timeout,
            connect_to: self.connect_to.clone(),
        };
        self.http.request(&request).await
    }

    /// Why an answer is not the expected one, saying what a redirect or a 503 means.
    fn unexpected(&self, path: &str, answer: &HttpResponse) -> String {
        let status = answer.status;
        if (300..400).contains(&status) {
            let Some(location) = answer.header("location") else {
                return format!("status {status} without a Location");
            };
            let base = url::Url::parse(&format!("{}{path}", self.base)).ok();
            let target = base.and_then(|b| b.join(location).ok());
            let target_host = target.as_ref().and_then(|t| site_host(t.as_str()));
            let shown = target
                .as_ref()
                .map_or(redact_url(location).to_string(), |t| {
                    redact_url(t.as_str()).to_string()
                });
            return match target_host {
                Some(h) if h == self.host => format!("status {status}: redirected to {shown}"),
                _ => format!(
                    "status {status}: redirected to {shown} — the site does not answer for {}",
                    self.host
                ),
            };
        }
        match (status, answer.header("retry-after")) {
            (503, Some(after)) => {
                format!("status 503 with Retry-After {after} (maintenance or writes gated)")
            }
            (503, None) => "status 503 (no Retry-After)".to_string(),
            _ => format!("status {status}"),
        }
    }

    /// Sends, and hands a 2xx answer's JSON body to `judge`; anything else is the failure.
    async fn json_check<T>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
        judge: impl FnOnce(&HttpResponse, Value) -> std::result::Result<T, String>,
    ) -> Verdict<T> {
        let answer = match self.send(method, path, body, token).await {
            Ok(answer) => answer,
            Err(why) => return (Err(why), None),
        };
        let status = Some(answer.status);
        let expected = match method {
            Method::Get => answer.status == 200,
            Method::Post => (200..300).contains(&answer.status),
        };
        if !expected {
            return (Err(self.unexpected(path, &answer)), status);
        }
        match serde_json::from_str::<Value>(&answer.body) {
            Ok(json) => (judge(&answer, json), status),
            Err(_) => (
                Err(format!(
                    "status {}, but the body is not JSON",
                    answer.status
                )),
                status,
            ),
        }
    }

    async fn wp_json(&self) -> Verdict<String> {
        let base = self.base.clone();
        self.json_check(Method::Get, "/wp-json/", None, None, |_, root| {
            let mut problems = Vec::new();
            let lists_store_api = root["namespaces"]
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n == "wc/store/v1"));
            if !lists_store_api {
                problems
                    .push("`namespaces` lacks wc/store/v1 (WooCommerce not loaded?)".to_string());
            }
            for field in ["url", "home"] {
                match root[field].as_str() {
                    Some(v) if v.trim_end_matches('/') == base => {}
                    Some(v) => problems.push(format!("`{field}` is {v}, not {base}")),
                    None => problems.push(format!("no `{field}`")),
                }
            }
            if problems.is_empty() {
                Ok(format!("lists wc/store/v1; url and home are {base}"))
            } else {
                Err(problems.join(", "))
            }
        })
        .await
    }

    async fn store_products(&self) -> Verdict<String> {
        let path = format!("{STORE_API}/products?per_page=1");
        self.json_check(
            Method::Get,
            &path,
            None,
            None,
            |_, products| match products.as_array() {
                Some(items) if !items.is_empty() => Ok("lists products".to_string()),
                Some(_) => Err("no products (an empty catalogue)".to_string()),
                None => Err("not a JSON array of products".to_string()),
            },
        )
        .await
    }

    /// The cart's `Cart-Token` (a signed session token: never printed).
    async fn cart_token(&self) -> Verdict<String> {
        let path = format!("{STORE_API}/cart");
        self.json_check(Method::Get, &path, None, None, |answer, _| {
            match answer.header("cart-token") {
                Some(token) if !token.trim().is_empty() => Ok(token.to_string()),
                _ => Err("no Cart-Token header (session handler or salts broken?)".to_string()),
            }
        })
        .await
    }

    /// The key of the canary's line in the cart.
    async fn cart_add(&self, token: &str) -> Verdict<String> {
        let path = format!("{STORE_API}/cart/add-item");
        let body = json!({"id": self.canary, "quantity": 1});
        let canary = self.canary;
        self.json_check(Method::Post, &path, Some(body), Some(token), |_, cart| {
            let line = cart["items"]
                .as_array()
                .and_then(|items| items.iter().find(|i| i["id"] == canary));
            match line.and_then(|l| l["key"].as_str()) {
                Some(key) => Ok(key.to_string()),
                None => Err(format!(
                    "the canary product {canary} is not in the returned cart"
                )),
            }
        })
        .await
    }

    async fn cart_remove(&self, token: &str, key: &str) -> Verdict<String> {
        let path = format!("{STORE_API}/cart/remove-item");
        let body = json!({ "key": key });
        self.json_check(Method::Post, &path, Some(body), Some(token), |_, cart| {
            let still_there = cart["items"]
                .as_array()
                .is_some_and(|items| items.iter().any(|i| i["key"] == key));
            if still_there {
                Err("the canary is still in the cart".to_string())
            } else {
                Ok("the canary is out of the cart again".to_string())
            }
        })
        .await
    }

    async fn run(&self) -> Vec<ShopCheck> {
        let verdict = |name: &str, (result, status): Verdict<String>| ShopCheck {
            name: name.to_string(),
            ok: result.is_ok(),
            detail: result.unwrap_or_else(|why| why),
            status,
        };
        let not_run = |name: &str, why: &str| ShopCheck {
            name: name.to_string(),
            ok: false,
            detail: format!("not run: {why}"),
            status: None,
        };
        let mut checks = vec![
            verdict("wp_json", self.wp_json().await),
            verdict("store_products", self.store_products().await),
        ];
        let (token, status) = self.cart_token().await;
        let token = match token {
            Ok(token) => {
                checks.push(verdict(
                    "cart_token",
                    (Ok("a Cart-Token came back".into()), status),
                ));
                token
            }
            Err(why) => {
                checks.push(verdict("cart_token", (Err(why), status)));
                checks.push(not_run("cart_add", "no Cart-Token (see cart_token)"));
                checks.push(not_run("cart_remove", "nothing was added (see cart_add)"));
                return checks;
            }
        };
        let (key, status) = self.cart_add(&token).await;
        let key = match key {
            Ok(key) => {
                let detail = format!("the canary product {} is in the cart", self.canary);
                checks.push(verdict("cart_add", (Ok(detail), status)));
                key
            }
            Err(why) => {
                checks.push(verdict("cart_add", (Err(why), status)));
                checks.push(not_run("cart_remove", "nothing was added (see cart_add)"));
                return checks;
            }
        };
        checks.push(verdict("cart_remove", self.cart_remove(&token, &key).await));
        checks
    }
}

async fn shop_checks(http: &dyn HttpProbe, test: &ShopSmokeTest) -> Vec<ShopCheck> {
    let connect_to = match (&test.connect_to, test.connect_port) {
        (None, None) => None,
        (host, port) => Some(ConnectTo {
            host: host.clone().unwrap_or_else(|| {
                // Only a port is overridden: the site's own host name, resolved as usual.
                url::Url::parse(&test.site_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .unwrap_or_default()
            }),
            port,
        }),
    };
    let shop = Shop {
        http,
        base: test.site_url.trim_end_matches('/').to_string(),
        host: site_host(&test.site_url).unwrap_or_default(),
        canary: test.canary_product_id,
        timeout: Duration::from_millis(test.timeout_ms),
        connect_to,
    };
    shop.run().await
}

pub async fn run(input: SmokeTestInput, http: &dyn HttpProbe) -> Result<SmokeTestOutput> {
    input.validate()?;
    let mut results = Vec::with_capacity(input.checks.len());
    for c in &input.checks {
        results.push(check(http, c).await);
    }
    let shop_checks = match &input.woocommerce {
        Some(test) => shop_checks(http, test).await,
        None => Vec::new(),
    };
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| r.problem.as_ref().map(|p| format!("GET {}: {p}", r.url)))
        .chain(
            shop_checks
                .iter()
                .filter(|c| !c.ok)
                .map(|c| format!("{}: {}", c.name, c.detail)),
        )
        .collect();
    if !failures.is_empty() {
        return Err(ActivityError::SmokeTestFailed {
            failures: failures.join("; "),
        });
    }
    Ok(SmokeTestOutput {
        passed: true,
        results,
        shop_checks,
    })
}

impl Activity for SmokeTest {
    const NAME: &'static str = "smoke_test";
    const ERRORS: &'static [&'static str] = &["InvalidInput", "SmokeTestFailed"];
    type Input = SmokeTestInput;
    type Output = SmokeTestOutput;
}
