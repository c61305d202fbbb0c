//! HTTP for smoke tests of the shop: plain GETs (`get`, redirects followed), and single requests
//! with headers, a body and a connect override (`request`, redirects not followed) for the
//! WooCommerce Store API checks.

use async_trait::async_trait;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpAnswer {
    pub status: u16,
    /// The first bytes of the body (enough to look for a marker), lossily decoded.
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Where to open the connection instead of the URL host's own address. The request still carries
/// the URL's host as its `Host` header and TLS server name (SNI).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectTo {
    /// A DNS name (the DR load balancer's) or an IP address.
    pub host: String,
    /// `None`: the URL's port, else the scheme's (80/443).
    pub port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// Extra request headers (`Cart-Token`, `Content-Type`, …).
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub timeout: Duration,
    pub connect_to: Option<ConnectTo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    /// Response headers, names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The first bytes of the body, lossily decoded.
    pub body: String,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[async_trait]
pub trait HttpProbe: Send + Sync {
    /// GETs `url` within `timeout`, following redirects; `Err` holds why nothing usable came back
    /// (no secrets: the URL's query is not repeated).
    async fn get(&self, url: &str, timeout: Duration) -> Result<HttpAnswer, String>;

    /// Sends one request within its timeout and returns what came back, **without following
    /// redirects** (a redirect is an answer the caller judges). `Err` as for [`HttpProbe::get`].
    async fn request(&self, request: &HttpRequest) -> Result<HttpResponse, String>;
}
