//! One SigV4-signed HTTP request to an AWS API, sent with the SDK's own HTTP connector: what
//! `ec2.rs` (the Query API, XML) and `lambda.rs` (REST, JSON) share instead of linking their SDK
//! crates for three calls. Each reads its own answers; the credentials, signing, sending and the
//! SDK's standard-mode retries are here.

use super::aws_error::{ApiError, Call, Kind};
use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use std::future::Future;
use std::time::{Duration, SystemTime};

/// A service in a region, with the credentials of `config`.
pub struct Signer {
    service: &'static str,
    region: String,
    config: SdkConfig,
    connector: aws_smithy_http_client::Connector,
}

/// What came back: the status, `x-amzn-ErrorType`'s code if any, and the body.
pub struct Answer {
    pub status: u16,
    pub error_type: Option<String>,
    pub text: String,
}

impl Signer {
    pub fn new(config: &SdkConfig, service: &'static str, region: &str) -> Signer {
        let connector = aws_smithy_http_client::Connector::builder()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build();
        Signer {
            service,
            region: region.to_string(),
            config: config.clone(),
            connector,
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Signs and sends `method url` with `body` (a form when `content_type` is given).
    pub async fn send(
        &self,
        call: &Call,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: String,
    ) -> Result<Answer, ApiError> {
        let fail = |kind: Kind, message: String, detail: String| {
            ApiError::from_parts(call, kind, String::new(), message, detail)
        };
        let other = |e: &dyn std::fmt::Debug, m: String| fail(Kind::Other, m, format!("{e:?}"));
        let credentials = match self.config.credentials_provider() {
            Some(provider) => provider.provide_credentials().await.map_err(|e| {
                let detail = format!("{e:?}");
                fail(Kind::NoCredentials, e.to_string(), detail)
            })?,
            None => return Err(fail(Kind::NoCredentials, String::new(), String::new())),
        };
        let identity: Identity = credentials.into();
        let settings = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| other(&e, e.to_string()))?
            .into();
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| ("content-type", c))
            .into_iter()
            .collect();
        let signable = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| other(&e, e.to_string()))?;
        let (instructions, _) = sign(signable, &settings)
            .map_err(|e| other(&e, e.to_string()))?
            .into_parts();
        let mut request = http::Request::builder().method(method).uri(url);
        for (name, value) in &headers {
            request = request.header(*name, *value);
        }
        let mut request = request
            .body(SdkBody::from(body))
            .map_err(|e| other(&e, e.to_string()))?;
        instructions.apply_to_request_http1x(&mut request);
        let request = HttpRequest::try_from(request).map_err(|e| other(&e, e.to_string()))?;
        let response = self.connector.call(request).await.map_err(|e| {
            let kind = if e.is_io() || e.is_timeout() {
                Kind::Unreachable
            } else {
                Kind::Other
            };
            fail(kind, innermost(&e), format!("{e:?}"))
        })?;
        let status = response.status().as_u16();
        // `x-amzn-ErrorType: ResourceNotFoundException:http://…`
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.split(':').next().unwrap_or_default().to_string());
        let bytes = ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| fail(Kind::Unreachable, e.to_string(), format!("{e:?}")))?
            .into_bytes();
        Ok(Answer {
            status,
            error_type,
            text: String::from_utf8_lossy(&bytes).to_string(),
        })
    }
}

/// `attempt` retried like the SDK's standard mode (its attempts, exponential backoff) when
/// throttled, unreachable or answering 5xx (a message starting "HTTP 5").
pub async fn retried<T, F, Fut>(mut attempt: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let attempts = super::aws_error::attempts().max(1);
    let mut n = 1;
    loop {
        match attempt().await {
            Err(e) if n < attempts && retryable(&e) => {
                tokio::time::sleep(Duration::from_millis(200 << n)).await;
                n += 1;
            }
            other => return other,
        }
    }
}

fn retryable(e: &ApiError) -> bool {
    matches!(e.kind, Kind::Throttled | Kind::Unreachable) || e.message.starts_with("HTTP 5")
}

/// The innermost cause's message (the connector's own are wrappers).
pub fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut last = error.to_string();
    let mut at = error.source();
    while let Some(e) = at {
        last = e.to_string();
        at = e.source();
    }
    last
}

/// Percent-encoded (RFC 3986 unreserved characters pass): a form value, a path segment, a query
/// value.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
