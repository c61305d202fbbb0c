//! `check_shop_identity` (preflight, read-only): both regions must carry the same shop identity,
//! or a failover silently logs everyone out, empties carts, puts WooCommerce Subscriptions into
//! staging mode or WooPayments into sandbox mode (reference/woocommerce.md §0, §1.3, §1.4).
//!
//! Compared (hard checks): the eight WordPress keys and salts (by SHA-256 digest; no value or
//! digest ever leaves this module), the site and home URL, `WP_ENVIRONMENT_TYPE`, the Redis key
//! prefix, and the listed plugins' versions. Reported only (§2.4): SES production access in the DR
//! region and the DR egress IPs that webhook receivers and payment providers must allow-list.
//!
//! Each region holds, under the same names, a Secrets Manager secret with the keys and salts (a
//! JSON object) and an SSM parameter with the deploy's JSON document (`site_url`, `home_url`,
//! `environment_type`, `redis_prefix`, `plugins`). A missing one is a failed check, not an error,
//! so the preflight report shows it.

use crate::error::{ActivityError, Result};
use crate::ports::config::SecretValue;
use crate::ports::{ConfigStore, MailAccount};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use wfc_contract::{Activity, Permission};

pub struct CheckShopIdentity;

/// The constants `wp_salt()` builds on: login cookies, nonces, the WooCommerce session cookie's
/// HMAC and Store API cart tokens all depend on them (§1.3).
pub const SALT_KEYS: [&str; 8] = [
    "AUTH_KEY",
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
];

/// The secrets of both regions: `iam::SECRET` is the function's own region only.
const SECRET_ANY_REGION: &str = "arn:${Partition}:secretsmanager:*:${Account}:secret:*";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentitySource {
    /// The region to read, e.g. `us-east-1`.
    pub region: String,
    /// Secrets Manager secret (name or ARN) holding the eight keys and salts as a JSON object.
    pub salts_secret_id: String,
    /// SSM parameter holding the deploy's JSON document (URLs, environment type, Redis prefix,
    /// plugin versions).
    pub config_parameter: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckShopIdentityInput {
    /// Both regions (exactly 2): where to read each one's identity.
    pub regions: Vec<IdentitySource>,
    /// The production URL both must carry, e.g. `https://shop.example.com`.
    pub site_url: String,
    /// Plugins whose versions must be equal in both regions (WooCommerce and the payment plugins).
    pub plugins: Vec<String>,
    /// The DR region: SES production access is read there.
    pub dr_region: String,
    /// The DR region's egress IPs (or CIDRs) that webhook receivers / payment providers must
    /// allow-list (reported, not checked).
    #[serde(default)]
    pub dr_egress_ips: Vec<String>,
}

impl Validate for CheckShopIdentityInput {
    fn validate(&self) -> Result<()> {
        if self.regions.len() != 2 {
            return Err(ActivityError::invalid(
                "regions",
                format!(
                    "must name exactly 2 regions (primary and DR), got {}",
                    self.regions.len()
                ),
            ));
        }
        for (i, source) in self.regions.iter().enumerate() {
            let field = |name: &str| format!("regions[{i}].{name}");
            validate::region(&field("region"), &source.region)?;
            validate::non_empty(&field("salts_secret_id"), &source.salts_secret_id)?;
            if source.salts_secret_id.starts_with("arn:") {
                validate::arn(
                    &field("salts_secret_id"),
                    &source.salts_secret_id,
                    "secretsmanager",
                )?;
                if validate::arn_region(&source.salts_secret_id) != Some(source.region.as_str()) {
                    return Err(ActivityError::invalid(
                        field("salts_secret_id"),
                        format!("is not in {}", source.region),
                    ));
                }
            }
            validate::ssm_parameter_name(&field("config_parameter"), &source.config_parameter)?;
        }
        if self.regions[0].region == self.regions[1].region {
            return Err(ActivityError::invalid(
                "regions[1].region",
                "is the same region as regions[0]; name the primary and the DR region",
            ));
        }
        validate::non_empty("site_url", &self.site_url)?;
        validate::http_url("site_url", &self.site_url)?;
        validate::list("plugins", &self.plugins, 50)?;
        for (i, plugin) in self.plugins.iter().enumerate() {
            validate::non_empty(&format!("plugins[{i}]"), plugin)?;
        }
        validate::region("dr_region", &self.dr_region)?;
        if !self.regions.iter().any(|r| r.region == self.dr_region) {
            return Err(ActivityError::invalid(
                "dr_region",
                "is not one of `regions`",
            ));
        }
        if self.dr_egress_ips.len() > 50 {
            return Err(ActivityError::invalid(
                "dr_egress_ips",
                "has more than 50 items",
            ));
        }
        for (i, ip) in self.dr_egress_ips.iter().enumerate() {
            if !is_ip_or_cidr(ip) {
                return Err(ActivityError::invalid(
                    format!("dr_egress_ips[{i}]"),
                    "is not an IP address or CIDR block",
                ));
            }
        }
        Ok(())
    }
}

/// `203.0.113.7`, `203.0.113.0/24` or an IPv6 equivalent.
fn is_ip_or_cidr(value: &str) -> bool {
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let Ok(address) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if address.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|p| p <= max))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IdentityCheck {
    /// `salts`, `site_url`, `environment_type`, `redis_prefix` or `plugin_versions`.
    pub name: String,
    pub ok: bool,
    /// What was compared, or what differs and why it matters. Never a salt or its digest.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckShopIdentityOutput {
    /// Every hard check passed (salts, site URL, environment type, Redis prefix, plugin versions).
    pub identical: bool,
    pub checks: Vec<IdentityCheck>,
    /// Reported, never fail the check: `null` when SES could not be asked.
    pub ses_production_access: Option<bool>,
    pub ses_detail: String,
    pub dr_egress_ips: Vec<String>,
    /// A one-line summary for the preflight notification.
    pub summary: String,
}

/// A salt's SHA-256 digest. Neither `Debug` nor `Display` nor `Serialize`: it can only be
/// compared, so no digest can reach an output, a log or an error by mistake.
#[derive(PartialEq, Eq)]
struct SaltDigest([u8; 32]);

/// Each key's digest, `None` when the key is missing or empty.
type Salts = BTreeMap<&'static str, Option<SaltDigest>>;

/// The deploy's JSON document. Unknown fields are allowed: the deploy may write more.
#[derive(Deserialize)]
struct ShopConfig {
    #[serde(default)]
    site_url: Option<String>,
    #[serde(default)]
    home_url: Option<String>,
    #[serde(default)]
    environment_type: Option<String>,
    #[serde(default)]
    redis_prefix: Option<String>,
    #[serde(default)]
    plugins: BTreeMap<String, String>,
}

/// One region's identity; `Err` says why a part could not be read, naming region and resource.
struct RegionIdentity {
    region: String,
    salts: std::result::Result<Salts, String>,
    config: std::result::Result<ShopConfig, String>,
}

pub async fn run(
    input: CheckShopIdentityInput,
    // The configuration stores of `input.regions[0]` and `input.regions[1]`, in that order.
    stores: [&dyn ConfigStore; 2],
    dr_mail: &dyn MailAccount,
) -> Result<CheckShopIdentityOutput> {
    input.validate()?;
    let first = read_region(&input.regions[0], stores[0]).await?;
    let second = read_region(&input.regions[1], stores[1]).await?;
    let regions = [&first, &second];

    let checks = vec![
        salts_check(regions),
        site_url_check(regions, &input.site_url),
        environment_type_check(regions),
        redis_prefix_check(regions),
        plugin_versions_check(regions, &input.plugins),
    ];
    let identical = checks.iter().all(|c| c.ok);

    // SES is reported, never fails the preflight: any failure to ask is `null` with its reason.
    let dr = &input.dr_region;
    let (ses_production_access, ses_detail) = match dr_mail.status().await {
        Ok(status) => (Some(status.production_access), ses_detail(dr, &status)),
        Err(e) => (
            None,
            format!("SES in {dr} could not be asked ({}: {e})", e.name()),
        ),
    };

    let summary = summary(
        regions,
        &checks,
        dr,
        ses_production_access,
        &input.dr_egress_ips,
    );
    Ok(CheckShopIdentityOutput {
        identical,
        checks,
        ses_production_access,
        ses_detail,
        dr_egress_ips: input.dr_egress_ips,
        summary,
    })
}

async fn read_region(source: &IdentitySource, store: &dyn ConfigStore) -> Result<RegionIdentity> {
    let region = &source.region;
    let secret_id = &source.salts_secret_id;
    let salts = match store.secret(secret_id).await? {
        None => Err(format!("{region}: secret `{secret_id}` not found")),
        Some(secret) => salts_of(&secret)
            .ok_or_else(|| format!("{region}: secret `{secret_id}` is not a JSON object")),
    };
    let parameter = &source.config_parameter;
    let config = match store.parameter(parameter).await? {
        None => Err(format!("{region}: SSM parameter `{parameter}` not found")),
        Some((value, _)) => serde_json::from_str::<ShopConfig>(value.expose()).map_err(|e| {
            // Position only: the parser's message may quote the document.
            let what = if e.is_data() {
                "has a field of the wrong type"
            } else {
                "is not valid JSON"
            };
            format!(
                "{region}: SSM parameter `{parameter}` {what} (line {}, column {})",
                e.line(),
                e.column()
            )
        }),
    };
    Ok(RegionIdentity {
        region: region.clone(),
        salts,
        config,
    })
}

/// The digests of the eight keys, or `None` when the secret is not a JSON object. The parser's
/// error is dropped, as it may quote the secret.
fn salts_of(secret: &SecretValue) -> Option<Salts> {
    let value: serde_json::Value = serde_json::from_str(secret.expose()).ok()?;
    let object = value.as_object()?;
    let digest = |key: &str| {
        let salt = object.get(key)?.as_str().filter(|s| !s.is_empty())?;
        Some(SaltDigest(Sha256::digest(salt.as_bytes()).into()))
    };
    Some(SALT_KEYS.iter().map(|&key| (key, digest(key))).collect())
}

fn check(name: &str, problems: Vec<String>, ok_detail: String, why: &str) -> IdentityCheck {
    let ok = problems.is_empty();
    IdentityCheck {
        name: name.into(),
        ok,
        detail: if ok {
            ok_detail
        } else {
            format!("{}. {why}", problems.join("; "))
        },
    }
}

fn both(regions: [&RegionIdentity; 2]) -> String {
    format!("{} and {}", regions[0].region, regions[1].region)
}

/// Problems of regions whose configuration document could not be read.
fn unreadable_configs(regions: [&RegionIdentity; 2]) -> Vec<String> {
    regions
        .iter()
        .filter_map(|r| r.config.as_ref().err().cloned())
        .collect()
}

fn salts_check(regions: [&RegionIdentity; 2]) -> IdentityCheck {
    let mut problems = Vec::new();
    match (&regions[0].salts, &regions[1].salts) {
        (Ok(a), Ok(b)) => {
            for (region, salts) in [(&regions[0].region, a), (&regions[1].region, b)] {
                let missing: Vec<_> = SALT_KEYS
                    .into_iter()
                    .filter(|k| salts[k].is_none())
                    .collect();
                if !missing.is_empty() {
                    problems.push(format!(
                        "missing or empty in {region}: {}",
                        missing.join(", ")
                    ));
                }
            }
            let differ: Vec<_> = SALT_KEYS
                .into_iter()
                .filter(|k| matches!((&a[k], &b[k]), (Some(x), Some(y)) if x != y))
                .collect();
            if !differ.is_empty() {
                problems.push(format!("differ: {}", differ.join(", ")));
            }
        }
        (a, b) => problems.extend([a, b].into_iter().filter_map(|s| s.as_ref().err().cloned())),
    }
    check(
        "salts",
        problems,
        format!(
            "the {} keys and salts are equal in {} (compared by SHA-256)",
            SALT_KEYS.len(),
            both(regions)
        ),
        "Different keys or salts invalidate every login, cart session, nonce and Store API cart \
         token at failover",
    )
}

fn site_url_check(regions: [&RegionIdentity; 2], site_url: &str) -> IdentityCheck {
    // Only a trailing slash is forgiven: WordPress hashes the exact `siteurl` into cookie names.
    let expected = site_url.trim_end_matches('/');
    let mut problems = unreadable_configs(regions);
    for r in regions {
        let Ok(config) = &r.config else { continue };
        for (field, value) in [
            ("site_url", &config.site_url),
            ("home_url", &config.home_url),
        ] {
            match value {
                None => problems.push(format!("{}: {field} is not set", r.region)),
                Some(v) if v.trim_end_matches('/') != expected => {
                    problems.push(format!("{}: {field} is {v}, expected {expected}", r.region))
                }
                Some(_) => {}
            }
        }
    }
    check(
        "site_url",
        problems,
        format!("site_url and home_url are {expected} in {}", both(regions)),
        "A different URL puts WooCommerce Subscriptions into staging mode (renewals become manual, \
         subscription emails stop) and changes the cookie names (COOKIEHASH), logging everyone \
         out and emptying carts",
    )
}

fn environment_type_check(regions: [&RegionIdentity; 2]) -> IdentityCheck {
    let mut problems = unreadable_configs(regions);
    for r in regions {
        let Ok(config) = &r.config else { continue };
        match config.environment_type.as_deref() {
            None => problems.push(format!("{}: environment_type is not set", r.region)),
            Some("production") => {}
            Some(other) => problems.push(format!(
                "{}: environment_type is `{other}`, expected `production`",
                r.region
            )),
        }
    }
    check(
        "environment_type",
        problems,
        format!("`production` in {}", both(regions)),
        "WooPayments runs in sandbox mode when WP_ENVIRONMENT_TYPE is not `production`",
    )
}

fn redis_prefix_check(regions: [&RegionIdentity; 2]) -> IdentityCheck {
    let mut problems = unreadable_configs(regions);
    let mut ok_detail = String::new();
    if let (Ok(a), Ok(b)) = (&regions[0].config, &regions[1].config) {
        match (&a.redis_prefix, &b.redis_prefix) {
            (Some(x), Some(y)) if x == y => ok_detail = format!("`{x}` in {}", both(regions)),
            (Some(x), Some(y)) => problems.push(format!(
                "{} `{x}` vs {} `{y}`",
                regions[0].region, regions[1].region
            )),
            (x, y) => {
                for (r, prefix) in [(regions[0], x), (regions[1], y)] {
                    if prefix.is_none() {
                        problems.push(format!("{}: redis_prefix is not set", r.region));
                    }
                }
            }
        }
    }
    check(
        "redis_prefix",
        problems,
        ok_detail,
        "With another prefix the DR shop reads and writes a different key space of the object \
         cache than the one the cutover flushes",
    )
}

fn plugin_versions_check(regions: [&RegionIdentity; 2], plugins: &[String]) -> IdentityCheck {
    let mut problems = unreadable_configs(regions);
    let mut equal = Vec::new();
    if let (Ok(a), Ok(b)) = (&regions[0].config, &regions[1].config) {
        for plugin in plugins {
            let (x, y) = (a.plugins.get(plugin), b.plugins.get(plugin));
            match (x, y) {
                (Some(x), Some(y)) if x.trim() == y.trim() => equal.push(format!("{plugin} {x}")),
                (Some(x), Some(y)) => problems.push(format!("{plugin}: {x} vs {y}")),
                _ => {
                    for (r, version) in [(regions[0], x), (regions[1], y)] {
                        if version.is_none() {
                            problems.push(format!("{plugin}: missing in {}", r.region));
                        }
                    }
                }
            }
        }
    }
    check(
        "plugin_versions",
        problems,
        format!("{} in {}", equal.join(", "), both(regions)),
        &format!(
            "Versions are given as {} vs {}; the DR region must run the same WooCommerce and \
             payment plugin code against the same database",
            regions[0].region, regions[1].region
        ),
    )
}

fn ses_detail(dr: &str, status: &crate::ports::mail::MailAccountStatus) -> String {
    let mut detail = if status.production_access {
        format!("SES in {dr} has production access")
    } else {
        format!(
            "SES in {dr} is in the sandbox (it is per region): after failover order and \
             subscription emails reach only verified addresses; request production access in {dr}"
        )
    };
    if !status.sending_enabled {
        detail.push_str("; sending is paused for the account");
    }
    if let Some(enforcement) = &status.enforcement_status {
        detail.push_str(&format!("; enforcement status {enforcement}"));
    }
    detail
}

fn summary(
    regions: [&RegionIdentity; 2],
    checks: &[IdentityCheck],
    dr: &str,
    ses: Option<bool>,
    egress_ips: &[String],
) -> String {
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect();
    let identity = if failed.is_empty() {
        format!("shop identity equal in {}", both(regions))
    } else {
        format!(
            "shop identity DIFFERS between {}: {}",
            both(regions),
            failed.join(", ")
        )
    };
    let ses = match ses {
        Some(true) => "yes",
        Some(false) => "NO (sandbox)",
        None => "unknown",
    };
    let egress = if egress_ips.is_empty() {
        "no DR egress IPs given to allow-list".to_string()
    } else {
        format!(
            "webhook receivers and payment providers must allow-list the DR egress IPs {}",
            egress_ips.join(", ")
        )
    };
    format!("{identity}; SES production access in {dr}: {ses}; {egress}")
}

impl Activity for CheckShopIdentity {
    const NAME: &'static str = "check_shop_identity";
    // A missing secret or parameter is a failed check, not an error: only the common names.
    const ERRORS: &'static [&'static str] = aws_errors![];
    type Input = CheckShopIdentityInput;
    type Output = CheckShopIdentityOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["secretsmanager:GetSecretValue"], &[SECRET_ANY_REGION]),
            Permission::new(&["ssm:GetParameter"], &[iam::SSM_ANY_REGION_PARAMETER]),
            // GetAccount has no resource type: IAM accepts only `*`.
            Permission::new(&["ses:GetAccount"], &[iam::ANY]),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egress_ips_and_cidrs() {
        for ok in [
            "203.0.113.7",
            "198.51.100.0/28",
            "2001:db8::1",
            "2001:db8::/48",
        ] {
            assert!(is_ip_or_cidr(ok), "{ok}");
        }
        for bad in [
            "203.0.113.300",
            "198.51.100.0/33",
            "2001:db8::/129",
            "nat-gw",
            "1.2.3.4/",
        ] {
            assert!(!is_ip_or_cidr(bad), "{bad}");
        }
    }
}
