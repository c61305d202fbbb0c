//! The WooCommerce smoke test against a local imitation of the WordPress REST root and the Store
//! API (`wfc_testkit::store_api`; moto has no web shop). Every request goes to 127.0.0.1 through
//! the connect override while carrying the production Host, as against the DR load balancer.

use crate::support::*;
use crate::trials;
use libtest_mimic::Trial;
use serde_json::json;
use std::time::Duration;
use wfc_activities::ports::http::{ConnectTo, HttpRequest, Method};
use wfc_activities::ports::HttpProbe;
use wfc_activities::smoke_test::{self, SmokeTest, SmokeTestInput};
use wfc_activities::validate::parse;
use wfc_testkit::store_api::{Mode, StoreApi};

const SITE_HOST: &str = "shop.example.com";
const CANARY: u64 = 4242;

pub fn tests() -> Vec<Trial> {
    trials!["shop_smoke":
        healthy_shop_passes_with_production_host,
        wrong_host_is_redirected,
        service_unavailable,
        missing_store_namespace,
        no_cart_token,
        empty_catalogue,
        cart_write_fails,
        wrong_site_url,
        input_refused_before_any_request,
        imitation_refuses_cart_writes_without_token,
    ]
}

/// The smoke test of `site_url`, connecting to the imitation.
fn input(shop: &StoreApi, site_url: &str, connect_to: &str) -> SmokeTestInput {
    parse(json!({"woocommerce": {
        "site_url": site_url,
        "connect_to": connect_to,
        "connect_port": shop.port(),
        "canary_product_id": CANARY,
        "timeout_ms": 3000,
    }}))
    .unwrap()
}

/// Runs the smoke test of the production site with `mode`; returns the failure message.
async fn fails_with(mode: Mode) -> (String, StoreApi) {
    let shop = StoreApi::start(SITE_HOST, CANARY);
    shop.set_mode(mode);
    let result = smoke_test::run(
        input(&shop, "http://shop.example.com", "127.0.0.1"),
        &env(DR).http(),
    )
    .await;
    let error = assert_error::<SmokeTest, _>(result, "SmokeTestFailed");
    (error.to_string(), shop)
}

/// No request wrote to a cart, and none went near checkout or orders.
fn assert_no_writes(shop: &StoreApi) {
    let requests = shop.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    assert_eq!(shop.carts_with_items(), 0);
}

async fn healthy_shop_passes_with_production_host() {
    let shop = StoreApi::start(SITE_HOST, CANARY);
    // `localhost` is a DNS name (as the load balancer's is): the override resolves it.
    let out = smoke_test::run(
        input(&shop, "http://shop.example.com/", "localhost"),
        &env(DR).http(),
    )
    .await
    .unwrap();
    assert!(out.passed);
    let names: Vec<&str> = out.shop_checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "wp_json",
            "store_products",
            "cart_token",
            "cart_add",
            "cart_remove"
        ]
    );
    assert!(
        out.shop_checks.iter().all(|c| c.ok),
        "{:?}",
        out.shop_checks
    );
    assert_eq!(out.shop_checks[3].status, Some(201));
    let requests = shop.requests();
    let sent: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            ("GET", "/wp-json/"),
            ("GET", "/wp-json/wc/store/v1/products?per_page=1"),
            ("GET", "/wp-json/wc/store/v1/cart"),
            ("POST", "/wp-json/wc/store/v1/cart/add-item"),
            ("POST", "/wp-json/wc/store/v1/cart/remove-item"),
        ]
    );
    assert!(requests.iter().all(|r| r.host == SITE_HOST), "{requests:?}");
    assert!(!requests
        .iter()
        .any(|r| r.path.contains("checkout") || r.path.contains("order")));
    // The writes carried the token the cart handed out; the canary is out of the cart again.
    assert!(requests[3..]
        .iter()
        .all(|r| r.cart_token.as_deref() == Some("cart-token-1")));
    assert_eq!(shop.carts_with_items(), 0);
    // The token is a session secret: it is not in the output.
    assert!(!serde_json::to_string(&out)
        .unwrap()
        .contains("cart-token-1"));
}

async fn wrong_host_is_redirected() {
    // The shop answers for shop.example.com only; the plan names another host.
    let shop = StoreApi::start(SITE_HOST, CANARY);
    let result = smoke_test::run(
        input(&shop, "http://old-shop.example.com", "127.0.0.1"),
        &env(DR).http(),
    )
    .await;
    let message = assert_error::<SmokeTest, _>(result, "SmokeTestFailed").to_string();
    assert!(
        message.contains(
            "wp_json: status 301: redirected to http://shop.example.com/wp-json/ \u{2014} the site does not answer for old-shop.example.com"
        ),
        "{message}"
    );
    assert!(message.contains("cart_token: status 301"), "{message}");
    // Not followed: one request per check, all to the imitation with the plan's host.
    let requests = shop.requests();
    assert!(requests.iter().all(|r| r.host == "old-shop.example.com"));
    assert_no_writes(&shop);
}

async fn service_unavailable() {
    let (message, shop) = fails_with(Mode::ServiceUnavailable).await;
    assert!(
        message.contains("wp_json: status 503 with Retry-After 30"),
        "{message}"
    );
    assert!(
        message.contains("store_products: status 503 with Retry-After 30"),
        "{message}"
    );
    assert!(message.contains("cart_add: not run"), "{message}");
    assert_no_writes(&shop);
}

async fn missing_store_namespace() {
    let (message, _shop) = fails_with(Mode::MissingStoreNamespace).await;
    assert!(
        message.contains("wp_json: `namespaces` lacks wc/store/v1"),
        "{message}"
    );
    // Without WooCommerce the Store API routes do not exist either.
    assert!(message.contains("store_products: status 404"), "{message}");
}

async fn no_cart_token() {
    let (message, shop) = fails_with(Mode::NoCartToken).await;
    assert!(
        message.contains("cart_token: no Cart-Token header"),
        "{message}"
    );
    assert!(
        message.contains("cart_add: not run: no Cart-Token"),
        "{message}"
    );
    assert!(!message.contains("wp_json"), "{message}");
    assert_no_writes(&shop);
}

async fn empty_catalogue() {
    let (message, shop) = fails_with(Mode::EmptyCatalogue).await;
    assert_eq!(
        message,
        "smoke test failed: store_products: no products (an empty catalogue)"
    );
    // The other checks ran, the write path included, and left the cart empty.
    assert_eq!(shop.requests().len(), 5);
    assert_eq!(shop.carts_with_items(), 0);
}

async fn cart_write_fails() {
    let (message, shop) = fails_with(Mode::CartWriteFails).await;
    assert!(message.contains("cart_add: status 500"), "{message}");
    assert!(
        message.contains("cart_remove: not run: nothing was added"),
        "{message}"
    );
    assert!(!message.contains("cart_token"), "{message}");
    assert_eq!(shop.carts_with_items(), 0);
}

async fn wrong_site_url() {
    let (message, _shop) = fails_with(Mode::WrongSiteUrl).await;
    assert!(
        message.contains(
            "wp_json: `url` is https://staging.example.com, not http://shop.example.com, `home` is https://staging.example.com"
        ),
        "{message}"
    );
    assert!(!message.contains("store_products"), "{message}");
}

async fn input_refused_before_any_request() {
    let shop = StoreApi::start(SITE_HOST, CANARY);
    let http = env(DR).http();
    let neither: SmokeTestInput = parse(json!({})).unwrap();
    let cases = [
        (neither, "checks"),
        (
            parse(json!({"woocommerce": {"site_url": "http://shop.example.com", "connect_to": "127.0.0.1", "connect_port": shop.port(), "canary_product_id": 0}})).unwrap(),
            "woocommerce.canary_product_id",
        ),
        (
            parse(json!({"woocommerce": {"site_url": "http://shop.example.com/?p=1", "connect_to": "127.0.0.1", "connect_port": shop.port(), "canary_product_id": CANARY}})).unwrap(),
            "woocommerce.site_url",
        ),
        (
            parse(json!({"woocommerce": {"site_url": "http://shop.example.com", "connect_to": "not a host", "connect_port": shop.port(), "canary_product_id": CANARY}})).unwrap(),
            "woocommerce.connect_to",
        ),
        (
            parse(json!({"woocommerce": {"site_url": "http://shop.example.com", "connect_to": "127.0.0.1", "connect_port": 0, "canary_product_id": CANARY}})).unwrap(),
            "woocommerce.connect_port",
        ),
    ];
    for (input, field) in cases {
        let error =
            assert_error::<SmokeTest, _>(smoke_test::run(input, &http).await, "InvalidInput");
        assert!(error.to_string().contains(&format!("`{field}`")), "{error}");
    }
    assert!(shop.requests().is_empty());
}

async fn imitation_refuses_cart_writes_without_token() {
    // The imitation behaves like the Store API where the smoke test relies on it: a cart write
    // needs the Cart-Token (401 without, 403 with one it never issued).
    let shop = StoreApi::start(SITE_HOST, CANARY);
    let http = env(DR).http();
    let add = |token: Option<&str>| HttpRequest {
        method: Method::Post,
        url: "http://shop.example.com/wp-json/wc/store/v1/cart/add-item".into(),
        headers: token
            .map(|t| vec![("Cart-Token".to_string(), t.to_string())])
            .unwrap_or_default(),
        body: Some(json!({"id": CANARY, "quantity": 1}).to_string()),
        timeout: Duration::from_secs(3),
        connect_to: Some(ConnectTo {
            host: "127.0.0.1".into(),
            port: Some(shop.port()),
        }),
    };
    let without = http.request(&add(None)).await.unwrap();
    assert_eq!(without.status, 401);
    let forged = http.request(&add(Some("cart-token-999"))).await.unwrap();
    assert_eq!(forged.status, 403);
    assert_eq!(shop.carts_with_items(), 0);
}
