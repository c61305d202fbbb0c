//! `HttpProbe` on reqwest (rustls on ring).

use async_trait::async_trait;
use std::net::SocketAddr;
use std::time::Duration;
use wfc_activities::ports::http::{HttpAnswer, HttpProbe, HttpRequest, HttpResponse, Method};

/// How much of a body is kept to look for a marker or read a Store API answer.
const BODY_LIMIT: usize = 256 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    pub fn new(client: reqwest::Client) -> Self {
        HttpClient { client }
    }
}

/// The body's first [`BODY_LIMIT`] bytes, lossily decoded.
async fn read_body(mut response: reqwest::Response) -> Result<String, String> {
    let mut body = Vec::new();
    while body.len() < BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(super::describe_reqwest_error(&e)),
        }
    }
    body.truncate(BODY_LIMIT);
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// A client for one request: redirects off (the caller judges them) and, with a connect
/// override, the URL's host resolved to the override's addresses, so `Host` and SNI stay the
/// URL's. reqwest sets both per client, hence one client per request.
async fn one_shot_client(request: &HttpRequest) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(target) = &request.connect_to {
        let url = reqwest::Url::parse(&request.url).map_err(|_| "not a valid URL".to_string())?;
        let host = url
            .host_str()
            .ok_or_else(|| "the URL has no host".to_string())?;
        // Port 0: reqwest uses the URL's port, else the scheme's.
        let port = target.port.unwrap_or(0);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((target.host.as_str(), port))
            .await
            .map_err(|_| format!("cannot resolve {}", target.host))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{} has no address", target.host));
        }
        builder = builder.resolve_to_addrs(host, &addrs);
    }
    builder
        .build()
        .map_err(|e| super::describe_reqwest_error(&e))
}

#[async_trait]
impl HttpProbe for HttpClient {
    async fn get(&self, url: &str, timeout: Duration) -> Result<HttpAnswer, String> {
        let work = async {
            let response = self
                .client
                .get(url)
                .header("user-agent", "wfc-smoke-test")
                .send()
                .await
                .map_err(|e| super::describe_reqwest_error(&e))?;
            let status = response.status().as_u16();
            Ok(HttpAnswer {
                status,
                body: read_body(response).await?,
            })
        };
        tokio::time::timeout(timeout, work)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} ms", timeout.as_millis())))
    }

    async fn request(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        let work = async {
            let client = one_shot_client(request).await?;
            let method = match request.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
            };
            let mut builder = client
                .request(method, &request.url)
                .header("user-agent", "wfc-smoke-test");
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            if let Some(body) = &request.body {
                builder = builder.body(body.clone());
            }
            let response = builder
                .send()
                .await
                .map_err(|e| super::describe_reqwest_error(&e))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_string(), value)
                })
                .collect();
            Ok(HttpResponse {
                status,
                headers,
                body: read_body(response).await?,
            })
        };
        tokio::time::timeout(request.timeout, work)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "no answer within {} ms",
                    request.timeout.as_millis()
                ))
            })
    }
}
