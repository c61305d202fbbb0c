//! Where the application reads its configuration: SSM Parameter Store and Secrets Manager.

use crate::error::Result;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A value that must not be printed: its `Debug` is redacted and it is not `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(value.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

/// Which store a configuration value lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    /// SSM Parameter Store (`String` or `SecureString`).
    Ssm,
    /// Secrets Manager (a JSON secret).
    SecretsManager,
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Store::Ssm => "SSM parameter",
            Store::SecretsManager => "secret",
        })
    }
}

#[async_trait]
pub trait ConfigStore: Send + Sync {
    /// A parameter's value (decrypted) and whether it is a `SecureString`.
    async fn parameter(&self, name: &str) -> Result<Option<(SecretValue, bool)>>;
    /// Writes (overwrites) a parameter.
    async fn put_parameter(&self, name: &str, value: &str, secure: bool) -> Result<()>;
    async fn secret(&self, id: &str) -> Result<Option<SecretValue>>;
    /// Puts a new current version of an existing secret.
    async fn put_secret(&self, id: &str, value: &SecretValue) -> Result<()>;
}
