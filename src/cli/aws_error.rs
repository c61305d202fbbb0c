//! One line for every failed AWS call, whichever command made it: what failed (the API action on
//! which resource) and what to do. The SDK's own report (a kilobyte of nested debug output) is
//! printed only under `wfc --verbose`.

use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};
use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};

/// `wfc --verbose`: print the SDK's full error under the one line.
pub static VERBOSE: AtomicBool = AtomicBool::new(false);

/// What kind of failure, for the line and for the callers that handle some codes themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NoCredentials,
    /// The credentials were found and refused (unknown key, bad signature, expired).
    BadCredentials,
    AccessDenied,
    Unreachable,
    Throttled,
    /// Any other answer of the service (its code and message).
    Service,
    Other,
}

/// One API call: the IAM action, the resource it acts on, and the endpoint it went to.
#[derive(Debug, Clone)]
pub struct Call {
    pub action: String,
    pub resource: String,
    pub endpoint: String,
}

impl Call {
    pub fn new(action: &str, resource: &str, endpoint: &str) -> Call {
        Call {
            action: action.into(),
            resource: resource.into(),
            endpoint: endpoint.into(),
        }
    }

    /// The same call with another API action of the same service (`states:SendTaskSuccess`).
    pub fn action(&self, api: &str) -> Call {
        let service = self.action.split(':').next().unwrap_or_default();
        Call {
            action: format!("{service}:{api}"),
            ..self.clone()
        }
    }
}

/// A failed call: the service's error code (empty when nothing usable came back), its message,
/// the kind, the line to print and the SDK's detail.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub kind: Kind,
    line: String,
    detail: String,
}

/// Error codes AWS answers when it throttles (the SDK's retry classifier list).
const THROTTLING: [&str; 10] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "SlowDown",
];
const ACCESS_DENIED: [&str; 4] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
];
const BAD_CREDENTIALS: [&str; 7] = [
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "AuthFailure",
];

impl ApiError {
    /// From an SDK error of any service (they share `SdkError`).
    pub fn new<E, R>(call: &Call, error: SdkError<E, R>) -> ApiError
    where
        E: ProvideErrorMetadata + Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let detail = format!("{:?}", error);
        let (kind, code, message) = match &error {
            SdkError::ServiceError(service) => {
                let code = service.err().code().unwrap_or_default().to_string();
                let message = service.err().message().unwrap_or_default().to_string();
                (kind_of_code(&code), code, message)
            }
            SdkError::DispatchFailure(failure) => {
                let kind = if mentions_credentials(&error) {
                    Kind::NoCredentials
                } else if failure.is_io() || failure.is_timeout() {
                    Kind::Unreachable
                } else {
                    Kind::Other
                };
                (kind, String::new(), innermost(&error))
            }
            SdkError::TimeoutError(_) => (Kind::Unreachable, String::new(), "timed out".into()),
            _ if mentions_credentials(&error) => {
                (Kind::NoCredentials, String::new(), innermost(&error))
            }
            _ => (Kind::Other, String::new(), innermost(&error)),
        };
        ApiError::from_parts(call, kind, code, message, detail)
    }

    /// From what a hand-made call (EC2's Query API) learned.
    pub fn from_parts(
        call: &Call,
        kind: Kind,
        code: String,
        message: String,
        detail: String,
    ) -> ApiError {
        let line = one_line(call, kind, &code, &message, &credential_sources());
        ApiError {
            code,
            message,
            kind,
            line,
            detail,
        }
    }

    /// The error code's kind, for callers that classify a code themselves.
    pub fn kind_of(code: &str) -> Kind {
        kind_of_code(code)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.line)?;
        if VERBOSE.load(Ordering::Relaxed) && !self.detail.is_empty() {
            write!(f, "\n  SDK detail: {}", self.detail)?;
        }
        Ok(())
    }
}

fn kind_of_code(code: &str) -> Kind {
    if THROTTLING.contains(&code) {
        Kind::Throttled
    } else if ACCESS_DENIED.contains(&code) {
        Kind::AccessDenied
    } else if BAD_CREDENTIALS.contains(&code) {
        Kind::BadCredentials
    } else {
        Kind::Service
    }
}

/// Whether the failure is the credential chain finding nothing (by type when the SDK keeps it
/// in the source chain, by its words otherwise).
fn mentions_credentials(error: &(dyn Error + 'static)) -> bool {
    let mut at: Option<&(dyn Error + 'static)> = Some(error);
    while let Some(e) = at {
        if e.downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
            .is_some()
        {
            return true;
        }
        let text = e.to_string().to_lowercase();
        if text.contains("credentials") || text.contains("credential provider") {
            return true;
        }
        at = e.source();
    }
    false
}

/// The deepest cause's own words (e.g. "Connection refused (os error 111)").
fn innermost(error: &(dyn Error + 'static)) -> String {
    let mut last = error.to_string();
    let mut at = error.source();
    while let Some(e) = at {
        let text = e.to_string();
        if !text.is_empty() {
            last = text;
        }
        at = e.source();
    }
    last
}

/// Where the SDK's default chain looked for credentials, as it is configured now.
pub fn credential_sources() -> String {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let config = var("AWS_CONFIG_FILE").unwrap_or_else(|| "~/.aws/config".into());
    let credentials =
        var("AWS_SHARED_CREDENTIALS_FILE").unwrap_or_else(|| "~/.aws/credentials".into());
    let imds = if var("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        "EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)"
    } else {
        "EC2 instance metadata"
    };
    format!(
        "environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile `{profile}` in {config} and {credentials}, \
         a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint, {imds}"
    )
}

/// The SDK's attempts per call (standard retry mode: 3, or `AWS_MAX_ATTEMPTS`).
pub fn attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// The line: `<action> on <resource>: <what happened>; <what to do>`.
fn one_line(call: &Call, kind: Kind, code: &str, message: &str, sources: &str) -> String {
    let Call {
        action,
        resource,
        endpoint,
    } = call;
    let what = format!("{action} on {resource}");
    let said = |m: &str| {
        let m = m.lines().next().unwrap_or_default().trim();
        if m.is_empty() {
            String::new()
        } else {
            format!(" ({m})")
        }
    };
    match kind {
        Kind::NoCredentials => format!(
            "{what}: no AWS credentials found (looked in: {sources}); configure some, e.g. \
             `aws configure` or `export AWS_PROFILE=<profile>`"
        ),
        Kind::BadCredentials => format!(
            "{what}: AWS refused the credentials: {code}{}; check the access key, the secret and \
             the session token (or `aws sso login` again)",
            said(message)
        ),
        Kind::AccessDenied => format!(
            "{what}: access denied{}; allow {action} on {resource} to the identity wfc runs as \
             (`aws sts get-caller-identity` says which)",
            said(message)
        ),
        Kind::Unreachable => format!(
            "{what}: cannot reach {endpoint}{}; check the network, the proxy, and \
             --endpoint-url / AWS_ENDPOINT_URL",
            said(message)
        ),
        Kind::Throttled => format!(
            "{what}: throttled by AWS ({code}) after {} attempts; wait a minute and run it again, \
             or raise the account's API quota",
            attempts()
        ),
        Kind::Service if code.is_empty() => format!("{what}: {}", message.trim()),
        Kind::Service => format!("{what}: {code}{}", said(message)),
        Kind::Other => format!("{what}: {}", message.lines().next().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> Call {
        Call::new(
            "states:StartExecution",
            "arn:aws:states:us-west-2:123456789012:stateMachine:woo-failback",
            "https://states.us-west-2.amazonaws.com",
        )
    }

    #[test]
    fn each_kind_is_one_line_naming_the_call_and_what_to_do() {
        let cases = [
            (Kind::NoCredentials, "", "", "aws configure"),
            (Kind::BadCredentials, "UnrecognizedClientException", "bad", "access key"),
            (
                Kind::AccessDenied,
                "AccessDeniedException",
                "User x is not authorized\nmore",
                "allow states:StartExecution on arn:aws:states:us-west-2:123456789012:stateMachine:woo-failback",
            ),
            (
                Kind::Unreachable,
                "",
                "Connection refused",
                "cannot reach https://states.us-west-2.amazonaws.com",
            ),
            (Kind::Throttled, "ThrottlingException", "slow", "after 3 attempts"),
            (Kind::Service, "StateMachineDoesNotExist", "gone", "StateMachineDoesNotExist (gone)"),
        ];
        for (kind, code, message, expected) in cases {
            let line = one_line(&call(), kind, code, message, "env, files");
            assert!(!line.contains('\n'), "{line}");
            assert!(
                line.starts_with("states:StartExecution on arn:aws:states:"),
                "{line}"
            );
            assert!(line.contains(expected), "{kind:?}: {line}");
        }
    }

    #[test]
    fn codes_are_classified() {
        assert_eq!(kind_of_code("ThrottlingException"), Kind::Throttled);
        assert_eq!(kind_of_code("RequestLimitExceeded"), Kind::Throttled);
        assert_eq!(kind_of_code("AccessDeniedException"), Kind::AccessDenied);
        assert_eq!(kind_of_code("UnauthorizedOperation"), Kind::AccessDenied);
        assert_eq!(kind_of_code("ExpiredTokenException"), Kind::BadCredentials);
        assert_eq!(kind_of_code("ExecutionDoesNotExist"), Kind::Service);
    }
}
