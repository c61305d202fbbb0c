//! A small local HTTP server imitating what the WooCommerce smoke test talks to: the WordPress
//! REST root (`/wp-json/`) and the Store API's products, cart, `cart/add-item` and
//! `cart/remove-item` (reference woocommerce.md §8).
//!
//! [`StoreApi::start`] serves on 127.0.0.1 and a free port from a background thread (tiny_http).
//! It serves plain HTTP: its site URL is `http://<site_host>`. Like WordPress, it answers a
//! `Host` it does not know with a 301 to its canonical host. Carts
//! are kept in memory per `Cart-Token`; the cart writes need that header (401 without it, 403
//! with an unknown one), as the real Store API does. [`StoreApi::set_mode`] makes it misbehave
//! while it runs, and every request is recorded ([`StoreApi::requests`]) so a test can assert
//! which `Host` was sent and that no checkout or order endpoint was called.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// How the imitation behaves; settable while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Healthy,
    /// 503 with `Retry-After: 30` on every request (maintenance, or a gate in front).
    ServiceUnavailable,
    /// WooCommerce not loaded: `/wp-json/` lacks `wc/store/v1` and the Store API routes are 404.
    MissingStoreNamespace,
    /// The cart answers without a `Cart-Token` header.
    NoCartToken,
    /// The products endpoint returns `[]`.
    EmptyCatalogue,
    /// `/wp-json/` reports another site's `url` and `home` (a database copied from staging).
    WrongSiteUrl,
    /// `cart/add-item` answers 500.
    CartWriteFails,
}

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    pub method: String,
    /// Path and query, e.g. `/wp-json/wc/store/v1/products?per_page=1`.
    pub path: String,
    /// The `Host` header ("" when absent).
    pub host: String,
    pub cart_token: Option<String>,
}

/// A product the catalogue lists (the canary is hidden: addable, not listed).
const CATALOGUE_PRODUCT: u64 = 101;
const STORE: &str = "/wp-json/wc/store/v1";

#[derive(Debug, Clone)]
struct Line {
    key: String,
    id: u64,
    quantity: u64,
}

struct State {
    mode: Mode,
    site_host: String,
    canary: u64,
    carts: HashMap<String, Vec<Line>>,
    tokens_issued: u64,
    lines_created: u64,
    requests: Vec<SeenRequest>,
}

/// The running imitation; stops when dropped.
pub struct StoreApi {
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<State>>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

impl StoreApi {
    /// Serves the shop `site_host` (e.g. `shop.example.com`) whose hidden canary product is
    /// `canary_product_id`, in [`Mode::Healthy`].
    pub fn start(site_host: &str, canary_product_id: u64) -> StoreApi {
        let server =
            Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("a loopback port for the shop"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let state = Arc::new(Mutex::new(State {
            mode: Mode::Healthy,
            site_host: site_host.to_string(),
            canary: canary_product_id,
            carts: HashMap::new(),
            tokens_issued: 0,
            lines_created: 0,
            requests: Vec::new(),
        }));
        let thread = {
            let (server, state) = (server.clone(), state.clone());
            std::thread::spawn(move || {
                // Ends when `unblock` is called (on drop).
                for request in server.incoming_requests() {
                    serve(&state, request);
                }
            })
        };
        StoreApi {
            server,
            state,
            port,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn set_mode(&self, mode: Mode) {
        lock(&self.state).mode = mode;
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        lock(&self.state).requests.clone()
    }

    /// How many carts hold at least one line.
    pub fn carts_with_items(&self) -> usize {
        lock(&self.state)
            .carts
            .values()
            .filter(|lines| !lines.is_empty())
            .count()
    }
}

impl Drop for StoreApi {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The state, even if a test thread panicked while holding it.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// What to send back.
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Value,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body,
    }
}

/// A WordPress REST error body.
fn rest_error(status: u16, code: &str, message: &str) -> Answer {
    answer(
        status,
        json!({"code": code, "message": message, "data": {"status": status}}),
    )
}

fn header(request: &tiny_http::Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_string())
}

fn serve(state: &Mutex<State>, mut request: tiny_http::Request) {
    let seen = SeenRequest {
        method: request.method().as_str().to_string(),
        path: request.url().to_string(),
        host: header(&request, "host").unwrap_or_default(),
        cart_token: header(&request, "cart-token"),
    };
    let mut body = String::new();
    let _ = request.as_reader().read_to_string(&mut body);
    let reply = {
        let mut state = lock(state);
        state.requests.push(seen.clone());
        route(&mut state, &seen, &body)
    };
    let mut response =
        tiny_http::Response::from_string(reply.body.to_string()).with_status_code(reply.status);
    let content_type = (
        "Content-Type",
        "application/json; charset=UTF-8".to_string(),
    );
    for (name, value) in std::iter::once(content_type).chain(reply.headers) {
        let header = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
            .expect("a valid header");
        response = response.with_header(header);
    }
    let _ = request.respond(response);
}

fn route(state: &mut State, seen: &SeenRequest, body: &str) -> Answer {
    // WordPress redirects any host but its own to the canonical URL (`redirect_canonical`).
    if seen.host != state.site_host {
        let mut moved = answer(301, json!(null));
        let location = format!("http://{}{}", state.site_host, seen.path);
        moved.headers.push(("Location", location));
        return moved;
    }
    if state.mode == Mode::ServiceUnavailable {
        let mut unavailable = rest_error(503, "service_unavailable", "Back soon.");
        unavailable.headers.push(("Retry-After", "30".to_string()));
        return unavailable;
    }
    let (path, _query) = seen.path.split_once('?').unwrap_or((&seen.path, ""));
    let woocommerce_loaded = state.mode != Mode::MissingStoreNamespace;
    match (seen.method.as_str(), path) {
        ("GET", "/wp-json" | "/wp-json/") => rest_root(state),
        _ if !woocommerce_loaded || !path.starts_with(STORE) => {
            rest_error(404, "rest_no_route", "No route was found")
        }
        ("GET", p) if p == format!("{STORE}/products") => {
            if state.mode == Mode::EmptyCatalogue {
                answer(200, json!([]))
            } else {
                answer(
                    200,
                    json!([{"id": CATALOGUE_PRODUCT, "name": "Hoodie", "prices": {"price": "4500"}}]),
                )
            }
        }
        ("GET", p) if p == format!("{STORE}/cart") => get_cart(state, seen),
        ("POST", p) if p == format!("{STORE}/cart/add-item") => add_item(state, seen, body),
        ("POST", p) if p == format!("{STORE}/cart/remove-item") => remove_item(state, seen, body),
        _ => rest_error(404, "rest_no_route", "No route was found"),
    }
}

fn rest_root(state: &State) -> Answer {
    let url = if state.mode == Mode::WrongSiteUrl {
        "https://staging.example.com".to_string()
    } else {
        // The imitation serves plain HTTP, so its site URL is `http://<site_host>`.
        format!("http://{}", state.site_host)
    };
    let mut namespaces = vec!["oembed/1.0", "wp/v2", "wc/v3"];
    if state.mode != Mode::MissingStoreNamespace {
        namespaces.push("wc/store/v1");
    }
    answer(
        200,
        json!({"name": "Shop", "url": url, "home": url, "namespaces": namespaces}),
    )
}

fn cart_json(lines: &[Line]) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .map(|l| json!({"key": l.key, "id": l.id, "quantity": l.quantity}))
        .collect();
    let count: u64 = lines.iter().map(|l| l.quantity).sum();
    json!({"items": items, "items_count": count, "coupons": [], "needs_payment": count > 0})
}

fn get_cart(state: &mut State, seen: &SeenRequest) -> Answer {
    let token = match &seen.cart_token {
        Some(token) if state.carts.contains_key(token) => token.clone(),
        _ => {
            state.tokens_issued += 1;
            let token = format!("cart-token-{}", state.tokens_issued);
            state.carts.insert(token.clone(), Vec::new());
            token
        }
    };
    let mut reply = answer(200, cart_json(&state.carts[&token]));
    reply.headers.push(("Nonce", "nonce-1".to_string()));
    if state.mode != Mode::NoCartToken {
        reply.headers.push(("Cart-Token", token));
    }
    reply
}

/// The cart a write names by its `Cart-Token`, or the refusal the real Store API gives.
fn cart_of<'a>(
    state: &'a mut State,
    seen: &SeenRequest,
) -> Result<(&'a mut Vec<Line>, String), Answer> {
    let Some(token) = &seen.cart_token else {
        return Err(rest_error(
            401,
            "woocommerce_rest_missing_nonce",
            "Missing the Nonce header or a Cart-Token.",
        ));
    };
    match state.carts.get_mut(token) {
        Some(lines) => Ok((lines, token.clone())),
        None => Err(rest_error(
            403,
            "woocommerce_rest_invalid_cart_token",
            "The Cart-Token is not valid.",
        )),
    }
}

fn with_token(mut reply: Answer, token: String) -> Answer {
    reply.headers.push(("Cart-Token", token));
    reply
}

fn add_item(state: &mut State, seen: &SeenRequest, body: &str) -> Answer {
    if state.mode == Mode::CartWriteFails {
        return rest_error(
            500,
            "woocommerce_rest_cart_error",
            "The cart could not be saved.",
        );
    }
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let (id, quantity) = (request["id"].as_u64(), request["quantity"].as_u64());
    let known = |id: u64| id == state.canary || id == CATALOGUE_PRODUCT;
    let (Some(id), Some(quantity)) = (id.filter(|&id| known(id)), quantity.filter(|&q| q > 0))
    else {
        return rest_error(
            400,
            "woocommerce_rest_cart_invalid_product",
            "This product cannot be added to the cart.",
        );
    };
    state.lines_created += 1;
    let new_key = format!("line-{}", state.lines_created);
    let (lines, token) = match cart_of(state, seen) {
        Ok(cart) => cart,
        Err(refusal) => return refusal,
    };
    match lines.iter_mut().find(|l| l.id == id) {
        Some(line) => line.quantity += quantity,
        None => lines.push(Line {
            key: new_key,
            id,
            quantity,
        }),
    }
    with_token(answer(201, cart_json(lines)), token)
}

fn remove_item(state: &mut State, seen: &SeenRequest, body: &str) -> Answer {
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let (lines, token) = match cart_of(state, seen) {
        Ok(cart) => cart,
        Err(refusal) => return refusal,
    };
    let key = request["key"].as_str().unwrap_or_default();
    let Some(index) = lines.iter().position(|l| l.key == key) else {
        return rest_error(
            409,
            "woocommerce_rest_cart_invalid_key",
            "Cart item does not exist.",
        );
    };
    lines.remove(index);
    with_token(answer(200, cart_json(lines)), token)
}
