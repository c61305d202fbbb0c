//! `HttpProbe` on reqwest (rustls on ring).

use crate::ports::http::{HttpAnswer, HttpProbe};
use async_trait::async_trait;
use std::time::Duration;

/// How much of a body is kept to look for a marker.
const BODY_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
}

impl HttpClient {
    pub fn new(client: reqwest::Client) -> Self {
        HttpClient { client }
    }
}

#[async_trait]
impl HttpProbe for HttpClient {
    async fn get(&self, url: &str, timeout: Duration) -> Result<HttpAnswer, String> {
        let work = async {
            let mut response = self
                .client
                .get(url)
                .header("user-agent", "wfc-smoke-test")
                .send()
                .await
                .map_err(|e| super::describe_reqwest_error(&e))?;
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while body.len() < BODY_LIMIT {
                match response.chunk().await {
                    Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                    Ok(None) => break,
                    Err(e) => return Err(super::describe_reqwest_error(&e)),
                }
            }
            body.truncate(BODY_LIMIT);
            Ok(HttpAnswer {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        };
        tokio::time::timeout(timeout, work)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} ms", timeout.as_millis())))
    }
}
