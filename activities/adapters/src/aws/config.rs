//! `ConfigStore` on SSM Parameter Store and Secrets Manager.

use super::{optional, plain};
use async_trait::async_trait;
use aws_sdk_ssm::types::ParameterType;
use wfc_activities::error::Result;
use wfc_activities::ports::config::{ConfigStore, SecretValue};

pub struct AwsConfigStore {
    ssm: aws_sdk_ssm::Client,
    secrets: aws_sdk_secretsmanager::Client,
}

impl AwsConfigStore {
    pub fn new(ssm: aws_sdk_ssm::Client, secrets: aws_sdk_secretsmanager::Client) -> Self {
        AwsConfigStore { ssm, secrets }
    }
}

#[async_trait]
impl ConfigStore for AwsConfigStore {
    async fn parameter(&self, name: &str) -> Result<Option<(SecretValue, bool)>> {
        let out = self
            .ssm
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await;
        let out = optional(out, &["ParameterNotFound"], "ssm", "GetParameter")?;
        Ok(out.and_then(|o| {
            o.parameter().map(|p| {
                (
                    SecretValue::new(p.value().unwrap_or_default()),
                    p.r#type() == Some(&ParameterType::SecureString),
                )
            })
        }))
    }

    async fn put_parameter(&self, name: &str, value: &str, secure: bool) -> Result<()> {
        let kind = if secure {
            ParameterType::SecureString
        } else {
            ParameterType::String
        };
        let out = self
            .ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(kind)
            .overwrite(true)
            .send()
            .await;
        plain(out, "ssm", "PutParameter").map(|_| ())
    }

    async fn secret(&self, id: &str) -> Result<Option<SecretValue>> {
        let out = self.secrets.get_secret_value().secret_id(id).send().await;
        let out = optional(
            out,
            &["ResourceNotFoundException"],
            "secretsmanager",
            "GetSecretValue",
        )?;
        Ok(out.and_then(|o| o.secret_string().map(SecretValue::new)))
    }

    async fn put_secret(&self, id: &str, value: &SecretValue) -> Result<()> {
        let out = self
            .secrets
            .put_secret_value()
            .secret_id(id)
            .secret_string(value.expose())
            .send()
            .await;
        plain(out, "secretsmanager", "PutSecretValue").map(|_| ())
    }
}
