//! `check_shop_identity` against moto: each test writes both regions' salts secret and deploy
//! parameter in us-east-1 and us-west-2 and reads them back through the AWS adapters.
//!
//! SES: moto 5.2.5's sesv2 has no `GetAccount` (its `responses.py` has no such handler), so
//! production access true/false comes from a fake `MailAccount`; `ses_unanswered_is_null` runs
//! the real SES v2 adapter against moto to show that a SES that cannot be asked is reported as
//! `null`, not an error.

use crate::support::*;
use crate::trials;
use async_trait::async_trait;
use libtest_mimic::Trial;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use wfc_activities::check_shop_identity::{
    self, CheckShopIdentity, CheckShopIdentityInput, CheckShopIdentityOutput, IdentityCheck,
    SALT_KEYS,
};
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::config::SecretValue;
use wfc_activities::ports::mail::{MailAccount, MailAccountStatus};
use wfc_activities::ports::ConfigStore;
use wfc_lambda::dispatch;

pub fn tests() -> Vec<Trial> {
    trials!["identity":
        identical_regions_are_identical,
        one_salt_differs_names_only_that_key,
        salts_secret_not_json_is_a_failed_check,
        different_site_url_fails,
        staging_environment_fails,
        plugin_version_drift_fails,
        redis_prefix_differs_fails,
        missing_parameter_in_dr_is_a_failed_check,
        ses_sandbox_is_reported_not_failed,
        ses_unanswered_is_null,
        invalid_input_makes_no_request,
    ]
}

const SITE: &str = "https://shop.example.com";

/// The SES answer, in memory (moto has no `GetAccount`).
struct FakeMail(Option<bool>);

#[async_trait]
impl MailAccount for FakeMail {
    async fn status(&self) -> Result<MailAccountStatus> {
        match self.0 {
            Some(production_access) => Ok(MailAccountStatus {
                production_access,
                sending_enabled: true,
                enforcement_status: Some("HEALTHY".into()),
            }),
            None => Err(ActivityError::AwsAccessDenied {
                service: "sesv2".into(),
                operation: "GetAccount".into(),
            }),
        }
    }
}

/// Eight distinct salt values, unique to this test and region.
fn salts(tag: &str) -> serde_json::Map<String, Value> {
    SALT_KEYS
        .iter()
        .map(|k| (k.to_string(), json!(format!("{tag}-{k}-q7$Zp!x{{8}}Lw"))))
        .collect()
}

fn config() -> Value {
    json!({
        "site_url": SITE,
        "home_url": format!("{SITE}/"),
        "environment_type": "production",
        "redis_prefix": "shop:",
        "plugins": {"woocommerce": "9.4.2", "woocommerce-gateway-stripe": "8.9.0", "akismet": "5.3"},
        "generated_by": "deploy"
    })
}

/// One region's identity as the deploy writes it; `None` leaves that resource out.
struct Region {
    salts: Option<String>,
    config: Option<Value>,
}

impl Region {
    fn new(salts: serde_json::Map<String, Value>, config: Value) -> Region {
        Region {
            salts: Some(Value::Object(salts).to_string()),
            config: Some(config),
        }
    }
}

/// Writes both regions under the same names; returns the activity's input.
async fn shop(primary: Region, dr: Region) -> CheckShopIdentityInput {
    let name = unique("shop");
    let (secret_id, parameter) = (format!("{name}/wp-salts"), format!("/{name}/deploy"));
    for (region, identity) in [(PRIMARY, primary), (DR, dr)] {
        if let Some(salts) = identity.salts {
            create_secret(region, &secret_id, &salts).await;
        }
        if let Some(config) = identity.config {
            put_parameter(region, &parameter, &config.to_string()).await;
        }
    }
    let source = |region: &str| json!({"region": region, "salts_secret_id": secret_id, "config_parameter": parameter});
    wfc_activities::validate::parse(json!({
        "regions": [source(PRIMARY), source(DR)],
        "site_url": SITE,
        "plugins": ["woocommerce", "woocommerce-gateway-stripe"],
        "dr_region": DR,
        "dr_egress_ips": ["203.0.113.7", "198.51.100.0/28"],
    }))
    .unwrap()
}

async fn run_with(
    input: CheckShopIdentityInput,
    mail: &dyn MailAccount,
) -> CheckShopIdentityOutput {
    let (primary, dr) = (env(PRIMARY).config_store(None), env(DR).config_store(None));
    check_shop_identity::run(input, [&primary, &dr], mail)
        .await
        .unwrap()
}

async fn run(input: CheckShopIdentityInput) -> CheckShopIdentityOutput {
    run_with(input, &FakeMail(Some(true))).await
}

fn check<'a>(out: &'a CheckShopIdentityOutput, name: &str) -> &'a IdentityCheck {
    out.checks.iter().find(|c| c.name == name).unwrap()
}

/// Only `failed` fail, and the output says the identity is not identical.
#[track_caller]
fn assert_failed(out: &CheckShopIdentityOutput, failed: &[&str]) {
    let names: Vec<&str> = out
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, failed, "{out:#?}");
    assert!(!out.identical);
    assert!(out.summary.contains("DIFFERS"), "{}", out.summary);
    for name in failed {
        assert!(out.summary.contains(name), "{}", out.summary);
    }
}

async fn identical_regions_are_identical() {
    let input = shop(
        Region::new(salts("same"), config()),
        Region::new(salts("same"), config()),
    )
    .await;
    // Through the Lambda dispatch too: the handler reads each region with its own adapter.
    let via_lambda = dispatch(
        "check_shop_identity",
        serde_json::to_value(&input).unwrap(),
        &env(DR),
    )
    .await
    .unwrap();
    let out = run(input).await;
    assert!(out.identical, "{out:#?}");
    let names: Vec<&str> = out.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "salts",
            "site_url",
            "environment_type",
            "redis_prefix",
            "plugin_versions"
        ]
    );
    assert!(out.checks.iter().all(|c| c.ok));
    assert!(check(&out, "plugin_versions")
        .detail
        .contains("woocommerce 9.4.2"));
    assert_eq!(out.ses_production_access, Some(true));
    assert_eq!(out.dr_egress_ips, ["203.0.113.7", "198.51.100.0/28"]);
    assert!(
        out.summary.contains("equal in us-east-1 and us-west-2"),
        "{}",
        out.summary
    );
    assert!(out.summary.contains("203.0.113.7"), "{}", out.summary);
    assert_eq!(via_lambda["identical"], json!(true), "{via_lambda}");
    assert_eq!(
        via_lambda["checks"],
        serde_json::to_value(&out.checks).unwrap()
    );
}

/// Every way a salt or its digest could be printed.
fn forbidden(salts: &[&serde_json::Map<String, Value>]) -> Vec<String> {
    let mut all = Vec::new();
    for map in salts {
        for value in map.values() {
            let value = value.as_str().unwrap();
            let hex: String = Sha256::digest(value.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            all.push(value.to_string());
            all.push(hex[..16].to_string());
            all.push(hex[..16].to_uppercase());
        }
    }
    all
}

#[track_caller]
fn assert_no_secret(text: &str, forbidden: &[String]) {
    for f in forbidden {
        assert!(!text.contains(f.as_str()), "`{f}` leaked into: {text}");
    }
}

async fn one_salt_differs_names_only_that_key() {
    let primary = salts("p1");
    let mut dr = primary.clone();
    dr.insert("NONCE_SALT".into(), json!("dr-only-nonce-salt-9f3Kx"));
    let input = shop(
        Region::new(primary.clone(), config()),
        Region::new(dr.clone(), config()),
    )
    .await;
    let out = run(input.clone()).await;
    assert_failed(&out, &["salts"]);
    let detail = &check(&out, "salts").detail;
    // Only NONCE_SALT is named (as a whole word: NONCE_KEY, AUTH_SALT… must not appear).
    let named: Vec<&str> = detail
        .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
        .filter(|w| SALT_KEYS.contains(w))
        .collect();
    assert_eq!(named, ["NONCE_SALT"], "{detail}");
    let forbidden = forbidden(&[&primary, &dr]);
    assert_no_secret(&serde_json::to_string(&out).unwrap(), &forbidden);
    assert_no_secret(&format!("{out:?}"), &forbidden);

    // The error text when a region fails midway (a throttled SSM after the secret was read:
    // moto does not throttle, so a wrapper store fails the parameter read).
    struct ThrottledSsm(wfc_adapters::aws::AwsConfigStore);
    #[async_trait]
    impl ConfigStore for ThrottledSsm {
        async fn parameter(&self, _name: &str) -> Result<Option<(SecretValue, bool)>> {
            Err(ActivityError::AwsThrottled {
                service: "ssm".into(),
                operation: "GetParameter".into(),
            })
        }
        async fn put_parameter(&self, _: &str, _: &str, _: bool) -> Result<()> {
            unreachable!("read-only")
        }
        async fn secret(&self, id: &str) -> Result<Option<SecretValue>> {
            self.0.secret(id).await
        }
        async fn put_secret(&self, _: &str, _: &SecretValue) -> Result<()> {
            unreachable!("read-only")
        }
    }
    let primary_store = ThrottledSsm(env(PRIMARY).config_store(None));
    let dr_store = env(DR).config_store(None);
    let error =
        check_shop_identity::run(input, [&primary_store, &dr_store], &FakeMail(Some(true))).await;
    let error = assert_error::<CheckShopIdentity, _>(error, "AwsThrottled");
    assert_no_secret(&error.to_string(), &forbidden);
    assert_no_secret(&error.to_json().to_string(), &forbidden);
}

async fn salts_secret_not_json_is_a_failed_check() {
    // Someone pasted the wp-config lines instead of the JSON object: the parser's message could
    // quote them, so the detail says only what is wrong.
    let primary = salts("p2");
    let pasted = "define('AUTH_KEY', 'pasted-raw-salt-Zz81');";
    let input = shop(
        Region::new(primary.clone(), config()),
        Region {
            salts: Some(pasted.into()),
            config: Some(config()),
        },
    )
    .await;
    let out = run(input.clone()).await;
    assert_failed(&out, &["salts"]);
    let detail = &check(&out, "salts").detail;
    assert!(detail.contains("us-west-2"), "{detail}");
    assert!(
        detail.contains(&input.regions[1].salts_secret_id),
        "{detail}"
    );
    assert!(detail.contains("not a JSON object"), "{detail}");
    let mut forbidden = forbidden(&[&primary]);
    forbidden.push("pasted-raw-salt".into());
    assert_no_secret(&serde_json::to_string(&out).unwrap(), &forbidden);
}

async fn different_site_url_fails() {
    let mut dr = config();
    dr["site_url"] = json!("https://dr.shop.example.com");
    let input = shop(
        Region::new(salts("s"), config()),
        Region::new(salts("s"), dr),
    )
    .await;
    let out = run(input).await;
    assert_failed(&out, &["site_url"]);
    let detail = &check(&out, "site_url").detail;
    assert!(
        detail.contains("us-west-2: site_url is https://dr.shop.example.com"),
        "{detail}"
    );
    assert!(!detail.contains("home_url"), "home_url is right: {detail}");
    assert!(
        detail.contains("Subscriptions") && detail.contains("staging mode"),
        "{detail}"
    );
    assert!(detail.contains("cookie names"), "{detail}");
}

async fn staging_environment_fails() {
    let mut dr = config();
    dr["environment_type"] = json!("staging");
    let input = shop(
        Region::new(salts("e"), config()),
        Region::new(salts("e"), dr),
    )
    .await;
    let out = run(input).await;
    assert_failed(&out, &["environment_type"]);
    let detail = &check(&out, "environment_type").detail;
    assert!(
        detail.contains("us-west-2: environment_type is `staging`"),
        "{detail}"
    );
    assert!(
        detail.contains("WooPayments") && detail.contains("sandbox"),
        "{detail}"
    );
}

async fn plugin_version_drift_fails() {
    let mut dr = config();
    dr["plugins"]["woocommerce"] = json!("9.4.1");
    dr["plugins"]["akismet"] = json!("5.2"); // not listed: not compared
    dr["plugins"]
        .as_object_mut()
        .unwrap()
        .remove("woocommerce-gateway-stripe");
    let input = shop(
        Region::new(salts("v"), config()),
        Region::new(salts("v"), dr),
    )
    .await;
    let out = run(input).await;
    assert_failed(&out, &["plugin_versions"]);
    let detail = &check(&out, "plugin_versions").detail;
    assert!(detail.contains("woocommerce: 9.4.2 vs 9.4.1"), "{detail}");
    assert!(
        detail.contains("woocommerce-gateway-stripe: missing in us-west-2"),
        "{detail}"
    );
    assert!(!detail.contains("akismet"), "{detail}");
}

async fn redis_prefix_differs_fails() {
    let mut dr = config();
    dr["redis_prefix"] = json!("shop-dr:");
    let input = shop(
        Region::new(salts("r"), config()),
        Region::new(salts("r"), dr),
    )
    .await;
    let out = run(input).await;
    assert_failed(&out, &["redis_prefix"]);
    let detail = &check(&out, "redis_prefix").detail;
    assert!(
        detail.contains("us-east-1 `shop:` vs us-west-2 `shop-dr:`"),
        "{detail}"
    );
}

async fn missing_parameter_in_dr_is_a_failed_check() {
    let input = shop(
        Region::new(salts("m"), config()),
        Region {
            salts: Some(Value::Object(salts("m")).to_string()),
            config: None,
        },
    )
    .await;
    let parameter = input.regions[1].config_parameter.clone();
    let out = run(input).await;
    // Every check read from the parameter fails, each naming the region and the parameter.
    assert_failed(
        &out,
        &[
            "site_url",
            "environment_type",
            "redis_prefix",
            "plugin_versions",
        ],
    );
    for c in out.checks.iter().filter(|c| !c.ok) {
        let expected = format!("us-west-2: SSM parameter `{parameter}` not found");
        assert!(c.detail.contains(&expected), "{}: {}", c.name, c.detail);
    }
    assert!(check(&out, "salts").ok);
}

async fn ses_sandbox_is_reported_not_failed() {
    let input = shop(
        Region::new(salts("ses"), config()),
        Region::new(salts("ses"), config()),
    )
    .await;
    let out = run_with(input.clone(), &FakeMail(Some(false))).await;
    assert!(
        out.identical,
        "SES is reported, never a failed check: {out:#?}"
    );
    assert_eq!(out.ses_production_access, Some(false));
    assert!(
        out.ses_detail.contains("us-west-2 is in the sandbox"),
        "{}",
        out.ses_detail
    );
    assert!(
        out.summary
            .contains("SES production access in us-west-2: NO"),
        "{}",
        out.summary
    );

    // Denied (or any failure to ask): unknown, still not an error.
    let out = run_with(input, &FakeMail(None)).await;
    assert!(out.identical);
    assert_eq!(out.ses_production_access, None);
    assert!(
        out.ses_detail.contains("AwsAccessDenied"),
        "{}",
        out.ses_detail
    );
}

async fn ses_unanswered_is_null() {
    // The real SES v2 adapter against moto, which does not implement GetAccount.
    let input = shop(
        Region::new(salts("ses2"), config()),
        Region::new(salts("ses2"), config()),
    )
    .await;
    let out = run_with(input, &env(DR).mail_account(None)).await;
    assert!(out.identical);
    assert_eq!(out.ses_production_access, None, "{}", out.ses_detail);
    assert!(
        out.ses_detail
            .contains("SES in us-west-2 could not be asked"),
        "{}",
        out.ses_detail
    );
    assert!(
        out.summary
            .contains("SES production access in us-west-2: unknown"),
        "{}",
        out.summary
    );
}

async fn invalid_input_makes_no_request() {
    let proxy = CountingProxy::start().await;
    let env = wfc_adapters::aws::AwsEnv::local(&proxy.endpoint, DR);
    let source = |region: &str| json!({"region": region, "salts_secret_id": "shop/wp-salts", "config_parameter": "/shop/deploy"});
    let valid = json!({
        "regions": [source(PRIMARY), source(DR)],
        "site_url": SITE,
        "plugins": ["woocommerce"],
        "dr_region": DR,
    });
    let with = |key: &str, value: Value| {
        let mut input = valid.clone();
        input[key] = value;
        input
    };
    let cases = [
        (with("regions", json!([source(PRIMARY)])), "regions"),
        (with("site_url", json!("")), "site_url"),
        (
            with("regions", json!([source(DR), source(DR)])),
            "regions[1].region",
        ),
        (with("plugins", json!([])), "plugins"),
        (with("dr_region", json!("eu-west-1")), "dr_region"),
        (
            with("dr_egress_ips", json!(["203.0.113.300"])),
            "dr_egress_ips[0]",
        ),
    ];
    for (payload, field) in cases {
        let error = dispatch("check_shop_identity", payload.clone(), &env).await;
        match assert_error::<CheckShopIdentity, _>(error, "InvalidInput") {
            ActivityError::InvalidInput { field: f, .. } => assert_eq!(f, field, "{payload}"),
            other => panic!("{other:?}"),
        }
        // The logic refuses it too, whoever calls it.
        let input: CheckShopIdentityInput = wfc_activities::validate::parse(payload).unwrap();
        let store = env.config_store(None);
        let error =
            check_shop_identity::run(input, [&store, &store], &env.mail_account(None)).await;
        assert_error::<CheckShopIdentity, _>(error, "InvalidInput");
    }
    assert_eq!(proxy.connections(), 0, "no request reached moto");
}
