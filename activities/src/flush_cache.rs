//! `flush_cache`: empties the shop's Redis object-cache database in the new region after the
//! database is promoted and before traffic (reference §4.2): WooCommerce reads carts, sessions,
//! transients and `alloptions` from the cache first, and a DR cache written while the app read
//! the replica disagrees with the promoted database. `SELECT` the shop's database, count it
//! (`DBSIZE`), then `FLUSHDB ASYNC`: the keys are gone at once, the memory is freed in the
//! background. Other logical databases on the same server are untouched.
//!
//! ElastiCache in cluster mode and ElastiCache Serverless have database 0 only: the server's
//! refusal of any other `SELECT` is reported as `InvalidInput` at `database`.

use crate::error::{ActivityError, Result};
use crate::ports::cache::CacheEndpoint;
use crate::ports::{ConfigStore, KeyStore};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wfc_contract::{Activity, Permission};

pub struct FlushCache;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlushCacheInput {
    /// The new region's cache primary endpoint.
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// In-transit encryption (ElastiCache `TransitEncryptionEnabled`).
    #[serde(default = "yes")]
    pub tls: bool,
    /// The shop's Redis logical database (WP_REDIS_DATABASE), 0–15.
    #[serde(default)]
    pub database: u32,
    /// Secrets Manager secret holding the Redis AUTH token, if the cache needs one.
    #[serde(default)]
    pub auth_token_secret_id: Option<String>,
    /// Region of the secret; default: the function's own.
    #[serde(default)]
    pub region: Option<String>,
    /// 1–300 s.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_port() -> u16 {
    6379
}

fn yes() -> bool {
    true
}

fn default_timeout() -> u32 {
    30
}

impl Validate for FlushCacheInput {
    fn validate(&self) -> Result<()> {
        validate::hostname("host", &self.host)?;
        validate::range("port", self.port, 1, 65535)?;
        // Redis has 16 databases unless configured otherwise; WP_REDIS_DATABASE is one of them.
        validate::range("database", self.database, 0, 15)?;
        if let Some(id) = &self.auth_token_secret_id {
            validate::non_empty("auth_token_secret_id", id)?;
        }
        validate::optional_region("region", &self.region)?;
        validate::range("timeout_seconds", self.timeout_seconds, 1, 300)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FlushCacheOutput {
    /// Keys the database held just before the flush.
    pub keys_before: u64,
    pub database: u32,
    /// The server acknowledged `FLUSHDB ASYNC` (always `true` when the activity succeeds).
    pub flushed: bool,
}

pub async fn run(
    input: FlushCacheInput,
    config: &dyn ConfigStore,
    keys: &dyn KeyStore,
) -> Result<FlushCacheOutput> {
    input.validate()?;
    let auth_token = match &input.auth_token_secret_id {
        None => None,
        Some(id) => {
            Some(
                config
                    .secret(id)
                    .await?
                    .ok_or_else(|| ActivityError::ConfigNotFound {
                        store: "secret".into(),
                        name: id.clone(),
                    })?,
            )
        }
    };
    let endpoint = CacheEndpoint {
        host: input.host,
        port: input.port,
        tls: input.tls,
        auth_token,
    };
    let timeout = Duration::from_secs(input.timeout_seconds.into());
    let keys_before = keys
        .flush_database(&endpoint, input.database, timeout)
        .await?;
    Ok(FlushCacheOutput {
        keys_before,
        database: input.database,
        flushed: true,
    })
}

impl Activity for FlushCache {
    const NAME: &'static str = "flush_cache";
    const ERRORS: &'static [&'static str] = aws_errors![ConfigNotFound, CacheUnavailable];
    type Input = FlushCacheInput;
    type Output = FlushCacheOutput;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            &["secretsmanager:GetSecretValue"],
            &[iam::SECRET],
        )]
    }
}
