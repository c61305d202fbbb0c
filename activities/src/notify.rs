//! `notify`: an SNS message with a structured (JSON) body, and optionally a Slack-compatible
//! webhook whose URL is read from Secrets Manager (a webhook URL is a credential: it is never in
//! the input, the output or a log). A notification must not break a failover: the activity fails
//! only when every configured channel failed.

use crate::error::{ActivityError, Result};
use crate::ports::{Clock, ConfigStore, Notifier, SystemClock};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use wfc_contract::{Activity, Permission};

pub struct Notify;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyInput {
    pub incident_id: String,
    /// What happened, e.g. `failover.started`, `dns.switched`.
    pub event: String,
    pub severity: Severity,
    /// One line for people.
    pub summary: String,
    /// Structured facts (lag, regions, timings, …).
    #[serde(default)]
    pub details: Map<String, Value>,
    #[serde(default)]
    pub topic_arn: Option<String>,
    /// Secrets Manager secret whose value is the webhook URL.
    #[serde(default)]
    pub webhook_secret_id: Option<String>,
    /// Default: the function's own region.
    #[serde(default)]
    pub region: Option<String>,
}

impl Validate for NotifyInput {
    fn validate(&self) -> Result<()> {
        validate::non_empty("incident_id", &self.incident_id)?;
        validate::non_empty("event", &self.event)?;
        validate::non_empty("summary", &self.summary)?;
        if let Some(arn) = &self.topic_arn {
            validate::arn("topic_arn", arn, "sns")?;
        }
        if let Some(id) = &self.webhook_secret_id {
            validate::non_empty("webhook_secret_id", id)?;
        }
        if self.topic_arn.is_none() && self.webhook_secret_id.is_none() {
            return Err(ActivityError::invalid(
                "topic_arn",
                "give topic_arn, webhook_secret_id or both",
            ));
        }
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NotifyOutput {
    pub message_id: Option<String>,
    pub webhook_status: Option<u16>,
    /// Channels that failed while another succeeded (error names and messages).
    pub failures: Vec<String>,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFO",
        Severity::Warning => "WARNING",
        Severity::Critical => "CRITICAL",
    }
}

pub async fn run(
    input: NotifyInput,
    notifier: &dyn Notifier,
    config: &dyn ConfigStore,
) -> Result<NotifyOutput> {
    run_at(input, notifier, config, &SystemClock).await
}

/// [`run`] with the clock that dates the message (the drill's virtual clock).
pub async fn run_at(
    input: NotifyInput,
    notifier: &dyn Notifier,
    config: &dyn ConfigStore,
    clock: &dyn Clock,
) -> Result<NotifyOutput> {
    input.validate()?;
    let level = severity(input.severity);
    let message = json!({
        "incident_id": input.incident_id,
        "event": input.event,
        "severity": level,
        "summary": input.summary,
        "details": input.details,
        "at": humantime::format_rfc3339_seconds(clock.now()).to_string(),
    });
    // SNS subjects: at most 100 characters, no line breaks.
    let subject: String = format!("[{level}] {} {}", input.event, input.incident_id)
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let mut output = NotifyOutput {
        message_id: None,
        webhook_status: None,
        failures: Vec::new(),
    };
    let mut first_error = None;
    if let Some(topic) = &input.topic_arn {
        match notifier
            .publish(topic, &subject, &message.to_string())
            .await
        {
            Ok(id) => output.message_id = Some(id),
            Err(e) => {
                output.failures.push(format!("{}: {e}", e.name()));
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(secret_id) = &input.webhook_secret_id {
        let text = format!(
            "*[{level}] {}* — {}\n{}",
            input.event, input.incident_id, input.summary
        );
        let body = json!({ "text": text, "wfc": message });
        let sent =
            async {
                let url = config.secret(secret_id).await?.ok_or_else(|| {
                    ActivityError::ConfigNotFound {
                        store: "secret".into(),
                        name: secret_id.clone(),
                    }
                })?;
                let status = notifier.post_webhook(&url, &body).await?;
                if !(200..300).contains(&status) {
                    return Err(ActivityError::WebhookFailed {
                        detail: format!("HTTP {status}"),
                    });
                }
                Ok(status)
            };
        match sent.await {
            Ok(status) => output.webhook_status = Some(status),
            Err(e) => {
                output.failures.push(format!("{}: {e}", e.name()));
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if output.message_id.is_none() && output.webhook_status.is_none() => Err(e),
        _ => Ok(output),
    }
}

impl Activity for Notify {
    const NAME: &'static str = "notify";
    const ERRORS: &'static [&'static str] =
        aws_errors![TopicNotFound, ConfigNotFound, WebhookFailed];
    type Input = NotifyInput;
    type Output = NotifyOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(&["sns:Publish"], &[iam::SNS_TOPIC]),
            Permission::new(&["secretsmanager:GetSecretValue"], &[iam::SECRET]),
        ]
    }
}
