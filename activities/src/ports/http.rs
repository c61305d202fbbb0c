//! Plain HTTP GETs, for smoke tests of the shop.

use async_trait::async_trait;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpAnswer {
    pub status: u16,
    /// The first bytes of the body (enough to look for a marker), lossily decoded.
    pub body: String,
}

#[async_trait]
pub trait HttpProbe: Send + Sync {
    /// GETs `url` within `timeout`; `Err` holds why nothing usable came back (no secrets: the
    /// URL's query is not repeated).
    async fn get(&self, url: &str, timeout: Duration) -> Result<HttpAnswer, String>;
}
