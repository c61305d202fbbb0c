//! Adapters that are not AWS APIs: plain HTTP (smoke tests, webhooks) and the Redis protocol
//! (flushing stale keys from the DR cache).

mod http;
mod mysql;
mod redis;

pub use http::HttpClient;
pub use mysql::MySqlClient;
pub use redis::RedisKeys;

/// What went wrong with an HTTP request, without the URL (reqwest's `Display` prints it, and a
/// webhook URL is a secret).
pub(crate) fn describe_reqwest_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else if e.is_redirect() {
        "too many redirects".into()
    } else if e.is_body() || e.is_decode() {
        "bad response body".into()
    } else {
        "request failed".into()
    }
}
