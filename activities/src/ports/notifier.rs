//! Telling people: SNS, and a Slack-compatible webhook.

use super::config::SecretValue;
use crate::error::Result;
use async_trait::async_trait;
use serde_json::Value;

#[async_trait]
pub trait Notifier: Send + Sync {
    /// Publishes to an SNS topic; returns the message id. Fails with `TopicNotFound`.
    async fn publish(&self, topic_arn: &str, subject: &str, message: &str) -> Result<String>;
    /// POSTs JSON to a webhook whose URL is a secret; returns the HTTP status.
    async fn post_webhook(&self, url: &SecretValue, body: &Value) -> Result<u16>;
}
