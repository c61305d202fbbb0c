//! `repoint_app`: write the new database endpoint where the shop reads it — an SSM parameter (the
//! host, or `host:port`) or the `host`/`port` keys of a Secrets Manager JSON secret (the other
//! keys, such as the password, are kept and never printed) — and return the previous value.

use crate::error::{ActivityError, Result};
use crate::ports::config::{SecretValue, Store};
use crate::ports::ConfigStore;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wfc_contract::{Activity, Permission};

pub struct RepointApp;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepointAppInput {
    pub store: Store,
    /// The SSM parameter name, or the secret's name or ARN.
    pub name: String,
    /// The new database host name (e.g. the promoted instance's endpoint).
    pub endpoint: String,
    #[serde(default)]
    pub port: Option<u16>,
    /// Default: the function's own region.
    #[serde(default)]
    pub region: Option<String>,
}

impl Validate for RepointAppInput {
    fn validate(&self) -> Result<()> {
        match self.store {
            Store::Ssm => validate::ssm_parameter_name("name", &self.name)?,
            Store::SecretsManager => validate::non_empty("name", &self.name)?,
        }
        validate::hostname("endpoint", &self.endpoint)?;
        if self.port == Some(0) {
            return Err(ActivityError::invalid("port", "must be 1-65535"));
        }
        validate::optional_region("region", &self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RepointAppOutput {
    pub store: Store,
    pub name: String,
    /// The endpoint the shop used before (`host` or `host:port`), to repoint back.
    pub previous_value: Option<String>,
    pub new_value: String,
    pub changed: bool,
}

const HOST_KEY: &str = "host";
const PORT_KEY: &str = "port";

pub async fn run(input: RepointAppInput, config: &dyn ConfigStore) -> Result<RepointAppOutput> {
    input.validate()?;
    let not_found = || ActivityError::ConfigNotFound {
        store: input.store.to_string(),
        name: input.name.clone(),
    };
    let new_value = match input.port {
        Some(port) => format!("{}:{port}", input.endpoint),
        None => input.endpoint.clone(),
    };
    let (previous, changed) = match input.store {
        Store::Ssm => {
            let (current, secure) = config.parameter(&input.name).await?.ok_or_else(not_found)?;
            let previous = current.expose().to_string();
            let changed = previous != new_value;
            if changed {
                config
                    .put_parameter(&input.name, &new_value, secure)
                    .await?;
            }
            (Some(previous), changed)
        }
        Store::SecretsManager => {
            let secret = config.secret(&input.name).await?.ok_or_else(not_found)?;
            let malformed = |reason: &str| ActivityError::SecretMalformed {
                name: input.name.clone(),
                reason: reason.into(),
            };
            // Never echo the secret: errors say what is wrong, not what is there.
            let mut fields: serde_json::Map<String, Value> = serde_json::from_str(secret.expose())
                .map_err(|_| malformed("not a JSON object"))?;
            let host = fields
                .get(HOST_KEY)
                .and_then(Value::as_str)
                .map(str::to_string);
            let port = fields.get(PORT_KEY).map(|p| match p {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            let previous = host.map(|h| match (&port, input.port) {
                (Some(p), Some(_)) => format!("{h}:{p}"),
                _ => h,
            });
            let changed = previous.as_deref() != Some(new_value.as_str());
            if changed {
                fields.insert(HOST_KEY.into(), Value::String(input.endpoint.clone()));
                if let Some(p) = input.port {
                    // Keep the key's JSON type (RDS-managed secrets store the port as a number).
                    let value = match fields.get(PORT_KEY) {
                        Some(Value::String(_)) => Value::String(p.to_string()),
                        _ => Value::from(p),
                    };
                    fields.insert(PORT_KEY.into(), value);
                }
                let text =
                    serde_json::to_string(&fields).map_err(|_| malformed("cannot re-encode"))?;
                config
                    .put_secret(&input.name, &SecretValue::new(text))
                    .await?;
            }
            (previous, changed)
        }
    };
    Ok(RepointAppOutput {
        store: input.store,
        name: input.name,
        previous_value: previous,
        new_value,
        changed,
    })
}

impl Activity for RepointApp {
    const NAME: &'static str = "repoint_app";
    const ERRORS: &'static [&'static str] = aws_errors![ConfigNotFound, SecretMalformed];
    type Input = RepointAppInput;
    type Output = RepointAppOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                &["ssm:GetParameter", "ssm:PutParameter"],
                &[iam::SSM_PARAMETER],
            ),
            Permission::new(
                &[
                    "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue",
                ],
                &[iam::SECRET],
            ),
            // SecureString parameters and secrets are encrypted with KMS keys.
            Permission::new(
                &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                &[iam::KMS_KEY],
            ),
        ]
    }
}
