//! The one Lambda call `wfc deploy` makes: ListVersionsByFunction, to find the newest published
//! version of each activity function, which the definitions it deploys then call (a running
//! execution keeps the version it started with). Signed here with `aws-sigv4` and sent with the
//! SDK's HTTP connector, like `ec2.rs`, rather than linking `aws-sdk-lambda` for one GET.

use super::aws_error::{ApiError, Call, Kind};
use super::signed::{encode, retried, Signer};
use serde_json::Value;

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
    url: String,
    signer: Signer,
}

impl Lambda {
    /// Lambda in `region` at `url`, with `config`'s credentials.
    pub fn new(config: &aws_config::SdkConfig, region: &str, url: &str) -> Lambda {
        Lambda {
            url: url.trim_end_matches('/').to_string(),
            signer: Signer::new(config, "lambda", region),
        }
    }

    /// The newest published version of `function` (every page of its versions).
    pub async fn newest_version(&self, function: &str) -> Result<Published, ApiError> {
        let call = Call::new(
            "lambda:ListVersionsByFunction",
            &format!("function {function} in {}", self.signer.region()),
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

    /// One GET, retried like the SDK's standard mode.
    async fn get(&self, call: &Call, url: &str) -> Result<Value, ApiError> {
        retried(|| self.get_once(call, url)).await
    }

    async fn get_once(&self, call: &Call, url: &str) -> Result<Value, ApiError> {
        let fail = |kind: Kind, code: &str, message: String, detail: String| {
            ApiError::from_parts(call, kind, code.to_string(), message, detail)
        };
        let answer = self
            .signer
            .send(call, "GET", url, None, String::new())
            .await?;
        let (status, header_code, text) = (answer.status, answer.error_type, answer.text);
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
