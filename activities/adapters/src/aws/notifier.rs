//! `Notifier` on SNS, and the webhook over plain HTTPS.

use super::AwsFailure;
use async_trait::async_trait;
use serde_json::Value;
use std::time::Duration;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::config::SecretValue;
use wfc_activities::ports::notifier::Notifier;

pub struct AwsNotifier {
    sns: aws_sdk_sns::Client,
    http: reqwest::Client,
}

impl AwsNotifier {
    pub fn new(sns: aws_sdk_sns::Client, http: reqwest::Client) -> Self {
        AwsNotifier { sns, http }
    }
}

const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

#[async_trait]
impl Notifier for AwsNotifier {
    async fn publish(&self, topic_arn: &str, subject: &str, message: &str) -> Result<String> {
        let out = self
            .sns
            .publish()
            .topic_arn(topic_arn)
            .subject(subject)
            .message(message)
            .send()
            .await;
        match out {
            Ok(out) => Ok(out.message_id().unwrap_or_default().to_string()),
            Err(e) => {
                let failure = AwsFailure::new(e);
                Err(match failure.code() {
                    "NotFound" | "NotFoundException" => ActivityError::TopicNotFound {
                        topic: topic_arn.into(),
                    },
                    _ => failure.into_error("sns", "Publish"),
                })
            }
        }
    }

    async fn post_webhook(&self, url: &SecretValue, body: &Value) -> Result<u16> {
        let response = self
            .http
            .post(url.expose())
            .timeout(WEBHOOK_TIMEOUT)
            .json(body)
            .send()
            .await
            // reqwest's errors print the URL: keep only the kind of failure.
            .map_err(|e| ActivityError::WebhookFailed {
                detail: crate::net::describe_reqwest_error(&e),
            })?;
        Ok(response.status().as_u16())
    }
}
