//! The one Lambda call `wfc deploy` makes: ListVersionsByFunction, to find the newest published
//! version of each activity function, which the definitions it deploys then call (a running
//! execution keeps the version it started with). Signed here with `aws-sigv4` and sent with the
//! SDK's HTTP connector, like `ec2.rs`, rather than linking `aws-sdk-lambda` for one GET.

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
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// What a region holds of one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The newest published version (`"7"`).
    Version(String),
    /// The function exists with `$LATEST` only.
    Unpublished,
    NotFound,
}

pub struct Lambda {
    region: String,
    url: String,
    config: SdkConfig,
    connector: aws_smithy_http_client::Connector,
}

impl Lambda {
    /// Lambda in `region` at `url`, with `config`'s credentials.
    pub fn new(config: &SdkConfig, region: &str, url: &str) -> Lambda {
        let connector = aws_smithy_http_client::Connector::builder()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build();
        Lambda {
            region: region.to_string(),
            url: url.trim_end_matches('/').to_string(),
            config: config.clone(),
            connector,
        }
    }

    /// The newest published version of `function` (every page of its versions).
    pub async fn newest_version(&self, function: &str) -> Result<Published, ApiError> {
        let call = Call::new(
            "lambda:ListVersionsByFunction",
            &format!("function {function} in {}", self.region),
            &self.url,
        );
        let mut newest: Option<u64> = None;
        // An existing function lists `$LATEST` at least (moto answers an empty list, not 404,
        // for a function it does not have).
        let mut exists = false;
        let mut marker: Option<String> = None;
        loop {
            let mut path = format!(
                "{}/2015-03-31/functions/{}/versions?MaxItems=50",
                self.url,
                encode(function)
            );
            if let Some(m) = marker.take() {
                path.push_str(&format!("&Marker={}", encode(&m)));
            }
            let answer = match self.get(&call, &path).await {
                Err(e) if e.code == "ResourceNotFoundException" => return Ok(Published::NotFound),
                other => other?,
            };
            for version in answer["Versions"].as_array().into_iter().flatten() {
                exists = true;
                // "$LATEST" is not a version an execution can keep.
                if let Some(n) = version["Version"].as_str().and_then(|v| v.parse().ok()) {
                    newest = newest.max(Some(n));
                }
            }
            match answer["NextMarker"].as_str() {
                Some(next) if !next.is_empty() => marker = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(match newest {
            Some(n) => Published::Version(n.to_string()),
            None if exists => Published::Unpublished,
            None => Published::NotFound,
        })
    }

    /// One GET, retried like the SDK's standard mode when throttled, unreachable or 5xx.
    async fn get(&self, call: &Call, url: &str) -> Result<Value, ApiError> {
        let attempts = super::aws_error::attempts().max(1);
        let mut attempt = 1;
        loop {
            match self.get_once(call, url).await {
                Err(e)
                    if attempt < attempts
                        && (matches!(e.kind, Kind::Throttled | Kind::Unreachable)
                            || e.message.starts_with("HTTP 5")) =>
                {
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn get_once(&self, call: &Call, url: &str) -> Result<Value, ApiError> {
        let fail = |kind: Kind, code: &str, message: String, detail: String| {
            ApiError::from_parts(call, kind, code.to_string(), message, detail)
        };
        let other = |e: &dyn std::fmt::Debug, m: String| fail(Kind::Other, "", m, format!("{e:?}"));
        let credentials = match self.config.credentials_provider() {
            Some(provider) => provider.provide_credentials().await.map_err(|e| {
                let detail = format!("{e:?}");
                fail(Kind::NoCredentials, "", e.to_string(), detail)
            })?,
            None => return Err(fail(Kind::NoCredentials, "", String::new(), String::new())),
        };
        let identity: Identity = credentials.into();
        let settings = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("lambda")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| other(&e, e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            "GET",
            url,
            std::iter::empty::<(&str, &str)>(),
            SignableBody::Bytes(&[]),
        )
        .map_err(|e| other(&e, e.to_string()))?;
        let (instructions, _) = sign(signable, &settings)
            .map_err(|e| other(&e, e.to_string()))?
            .into_parts();
        let mut request = http::Request::builder()
            .method("GET")
            .uri(url)
            .body(SdkBody::empty())
            .map_err(|e| other(&e, e.to_string()))?;
        instructions.apply_to_request_http1x(&mut request);
        let request = HttpRequest::try_from(request).map_err(|e| other(&e, e.to_string()))?;
        let response = self.connector.call(request).await.map_err(|e| {
            let kind = if e.is_io() || e.is_timeout() {
                Kind::Unreachable
            } else {
                Kind::Other
            };
            fail(kind, "", super::ec2::innermost(&e), format!("{e:?}"))
        })?;
        let status = response.status().as_u16();
        // `x-amzn-ErrorType: ResourceNotFoundException:http://…`
        let header_code = response
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.split(':').next().unwrap_or_default().to_string());
        let bytes = ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| fail(Kind::Unreachable, "", e.to_string(), format!("{e:?}")))?
            .into_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) && body.is_object() {
            return Ok(body);
        }
        let code = header_code
            .or_else(|| body["__type"].as_str().map(String::from))
            .or_else(|| body["Type"].as_str().map(String::from))
            .unwrap_or_default();
        let message = body["Message"]
            .as_str()
            .or_else(|| body["message"].as_str())
            .unwrap_or_default()
            .to_string();
        let kind = match ApiError::kind_of(&code) {
            Kind::Service if status >= 500 => Kind::Other,
            kind => kind,
        };
        let message = if code.is_empty() || status >= 500 {
            let first: String = text.chars().take(120).collect();
            format!("HTTP {status} {code} {message} {first}")
                .trim()
                .to_string()
        } else {
            message
        };
        Err(fail(kind, &code, message, text))
    }
}

/// A path segment or query value, percent-encoded (RFC 3986 unreserved characters pass).
fn encode(text: &str) -> String {
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
