//! The AWS SDK adapters, one per port. They translate AWS shapes into the ports' plain types and
//! AWS failures into named errors: throttling → `AwsThrottled`, 5xx, timeouts and connection
//! failures → `AwsUnavailable` (both retryable), denied → `AwsAccessDenied`, not found → `Ok(None)`
//! or the domain error the port documents.

mod cache;
mod compute;
mod config;
mod database;
mod dns;
mod env;
mod mail;
mod metrics;
mod notifier;
mod objects;
mod scheduler;
mod waf;
mod workflows;

pub use cache::AwsGlobalCache;
pub use compute::AwsCompute;
pub use config::AwsConfigStore;
pub use database::AwsDatabase;
pub use dns::AwsDns;
pub use env::AwsEnv;
pub use mail::AwsMailAccount;
pub use metrics::AwsMetrics;
pub use notifier::AwsNotifier;
pub use objects::AwsObjectReplication;
pub use scheduler::AwsSchedules;
pub use waf::AwsWriteGate;
pub use workflows::AwsWorkflows;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::time::SystemTime;
use wfc_activities::error::ActivityError;

/// An SDK failure, reduced to what the adapters decide on.
pub(crate) struct AwsFailure {
    /// The service's error code (`DBInstanceNotFound`, `ThrottlingException`, …), if it answered.
    code: Option<String>,
    message: String,
    status: Option<u16>,
    /// No usable answer came back (timeout, connection refused, unparseable response).
    no_answer: bool,
}

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
];

const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "AuthFailure",
];

impl AwsFailure {
    pub(crate) fn new<E>(error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = error.raw_response().map(|r| r.status().as_u16());
        match &error {
            SdkError::ServiceError(service) => AwsFailure {
                code: service.err().code().map(str::to_string),
                message: service.err().message().unwrap_or_default().to_string(),
                status,
                no_answer: false,
            },
            SdkError::ConstructionFailure(_) => AwsFailure {
                code: None,
                message: DisplayErrorContext(&error).to_string(),
                status,
                no_answer: false,
            },
            _ => AwsFailure {
                code: None,
                message: DisplayErrorContext(&error).to_string(),
                status,
                no_answer: true,
            },
        }
    }

    pub(crate) fn code(&self) -> &str {
        self.code.as_deref().unwrap_or_default()
    }

    pub(crate) fn status(&self) -> Option<u16> {
        self.status
    }

    /// The generic name for a failure the adapter has no domain meaning for.
    pub(crate) fn into_error(self, service: &str, operation: &str) -> ActivityError {
        let (service, operation) = (service.to_string(), operation.to_string());
        let code = self.code.unwrap_or_default();
        if THROTTLING.contains(&code.as_str()) || self.status == Some(429) {
            ActivityError::AwsThrottled { service, operation }
        } else if DENIED.contains(&code.as_str()) || self.status == Some(403) && code.is_empty() {
            ActivityError::AwsAccessDenied { service, operation }
        } else if self.no_answer || self.status.is_some_and(|s| s >= 500) {
            let detail = if code.is_empty() {
                self.message
            } else {
                format!("{code}: {}", self.message)
            };
            ActivityError::AwsUnavailable {
                service,
                operation,
                detail,
            }
        } else {
            ActivityError::AwsError {
                service,
                operation,
                code: if code.is_empty() {
                    "Unknown".into()
                } else {
                    code
                },
                message: self.message,
            }
        }
    }
}

/// Maps an SDK result with no domain-specific failure.
pub(crate) fn plain<T, E>(
    result: Result<T, SdkError<E, HttpResponse>>,
    service: &str,
    operation: &str,
) -> wfc_activities::error::Result<T>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    result.map_err(|e| AwsFailure::new(e).into_error(service, operation))
}

/// Maps an SDK result where the codes in `missing` mean "it does not exist" (→ `Ok(None)`).
pub(crate) fn optional<T, E>(
    result: Result<T, SdkError<E, HttpResponse>>,
    missing: &[&str],
    service: &str,
    operation: &str,
) -> wfc_activities::error::Result<Option<T>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) => {
            let failure = AwsFailure::new(e);
            if missing.contains(&failure.code()) {
                Ok(None)
            } else {
                Err(failure.into_error(service, operation))
            }
        }
    }
}

pub(crate) fn system_time(time: &aws_smithy_types::DateTime) -> SystemTime {
    SystemTime::try_from(*time).unwrap_or(SystemTime::UNIX_EPOCH)
}

pub(crate) fn aws_time(time: SystemTime) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: &str, status: Option<u16>, no_answer: bool) -> AwsFailure {
        AwsFailure {
            code: (!code.is_empty()).then(|| code.to_string()),
            message: "m".into(),
            status,
            no_answer,
        }
    }

    #[test]
    fn failures_get_retryable_names() {
        let name = |f: AwsFailure| f.into_error("rds", "Op").name();
        assert_eq!(
            name(failure("Throttling", Some(400), false)),
            "AwsThrottled"
        );
        assert_eq!(name(failure("", Some(429), false)), "AwsThrottled");
        assert_eq!(
            name(failure("InternalFailure", Some(500), false)),
            "AwsUnavailable"
        );
        assert_eq!(name(failure("", Some(503), false)), "AwsUnavailable");
        assert_eq!(name(failure("", None, true)), "AwsUnavailable");
        assert_eq!(
            name(failure("AccessDenied", Some(403), false)),
            "AwsAccessDenied"
        );
        assert_eq!(
            name(failure("InvalidParameterValue", Some(400), false)),
            "AwsError"
        );
    }
}
