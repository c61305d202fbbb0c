//! `prepare_cache`: make the DR cache safe to serve, by configuration: fail over the ElastiCache
//! global datastore to the DR replication group (`FailoverGlobalReplicationGroup`; idempotent),
//! or delete the DR cluster's keys that would be stale (sessions, carts, transients) by pattern.

use crate::error::{ActivityError, Result};
use crate::ports::cache::CacheEndpoint;
use crate::ports::{ConfigStore, GlobalCache, KeyStore};
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wfc_contract::{Activity, Permission};

pub struct PrepareCache;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum PrepareCacheInput {
    FailoverGlobalDatastore {
        global_datastore_id: String,
        /// The region whose replication group becomes primary (the DR region).
        primary_region: String,
        primary_replication_group_id: String,
        /// Region to call in; default: the function's own.
        #[serde(default)]
        region: Option<String>,
    },
    FlushKeys {
        /// The DR cluster's primary endpoint.
        host: String,
        #[serde(default = "default_port")]
        port: u16,
        #[serde(default = "yes")]
        tls: bool,
        /// Glob patterns of stale keys, e.g. `wp:wc_session*`, `wp:transient:*`.
        patterns: Vec<String>,
        /// Secrets Manager secret holding the Redis AUTH token, if the cluster needs one.
        #[serde(default)]
        auth_token_secret_id: Option<String>,
        #[serde(default)]
        region: Option<String>,
        /// 1–300 s.
        #[serde(default = "default_timeout")]
        timeout_seconds: u32,
    },
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

impl Validate for PrepareCacheInput {
    fn validate(&self) -> Result<()> {
        match self {
            PrepareCacheInput::FailoverGlobalDatastore {
                global_datastore_id,
                primary_region,
                primary_replication_group_id,
                region,
            } => {
                validate::non_empty("global_datastore_id", global_datastore_id)?;
                validate::region("primary_region", primary_region)?;
                validate::non_empty("primary_replication_group_id", primary_replication_group_id)?;
                validate::optional_region("region", region)
            }
            PrepareCacheInput::FlushKeys {
                host,
                port,
                patterns,
                auth_token_secret_id,
                region,
                timeout_seconds,
                ..
            } => {
                validate::hostname("host", host)?;
                validate::range("port", *port, 1, 65535)?;
                validate::list("patterns", patterns, 50)?;
                for (i, p) in patterns.iter().enumerate() {
                    validate::non_empty(&format!("patterns[{i}]"), p)?;
                    if p.trim_matches('*').is_empty() {
                        return Err(ActivityError::invalid(
                            format!("patterns[{i}]"),
                            "matches every key; name the stale ones (sessions, carts, transients)",
                        ));
                    }
                }
                if let Some(id) = auth_token_secret_id {
                    validate::non_empty("auth_token_secret_id", id)?;
                }
                validate::range("timeout_seconds", *timeout_seconds, 1, 300)?;
                validate::optional_region("region", region)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PrepareCacheOutput {
    /// `failover_global_datastore` or `flush_keys`.
    pub mode: String,
    /// The DR group was primary already: nothing was asked.
    pub already_done: bool,
    pub keys_deleted: Option<u64>,
    pub detail: String,
}

pub async fn run(
    input: PrepareCacheInput,
    cache: &dyn GlobalCache,
    config: &dyn ConfigStore,
    keys: &dyn KeyStore,
) -> Result<PrepareCacheOutput> {
    input.validate()?;
    match input {
        PrepareCacheInput::FailoverGlobalDatastore {
            global_datastore_id: id,
            primary_region,
            primary_replication_group_id: group,
            ..
        } => {
            let datastore = cache
                .global_datastore(&id)
                .await?
                .ok_or_else(|| ActivityError::GlobalDatastoreNotFound { id: id.clone() })?;
            let member = datastore
                .members
                .iter()
                .find(|m| m.replication_group_id == group && m.region == primary_region)
                .ok_or_else(|| ActivityError::NotAGlobalDatastoreMember {
                    id: id.clone(),
                    replication_group: format!("{group} in {primary_region}"),
                })?;
            let output = |already_done, detail: String| PrepareCacheOutput {
                mode: "failover_global_datastore".into(),
                already_done,
                keys_deleted: None,
                detail,
            };
            if member.role == "PRIMARY" {
                return Ok(output(true, format!("{group} is primary already")));
            }
            // `primary-only` (no secondary attached) cannot fail over either.
            if datastore.status != "available" {
                return Err(ActivityError::GlobalDatastoreBusy {
                    id,
                    status: datastore.status,
                });
            }
            cache
                .failover_global_datastore(&id, &primary_region, &group)
                .await?;
            Ok(output(
                false,
                format!("failover to {group} in {primary_region} started"),
            ))
        }
        PrepareCacheInput::FlushKeys {
            host,
            port,
            tls,
            patterns,
            auth_token_secret_id,
            timeout_seconds,
            ..
        } => {
            let auth_token =
                match &auth_token_secret_id {
                    None => None,
                    Some(id) => Some(config.secret(id).await?.ok_or_else(|| {
                        ActivityError::ConfigNotFound {
                            store: "secret".into(),
                            name: id.clone(),
                        }
                    })?),
                };
            let endpoint = CacheEndpoint {
                host,
                port,
                tls,
                auth_token,
            };
            let timeout = Duration::from_secs(timeout_seconds.into());
            let deleted = keys.delete_matching(&endpoint, &patterns, timeout).await?;
            Ok(PrepareCacheOutput {
                mode: "flush_keys".into(),
                already_done: deleted == 0,
                keys_deleted: Some(deleted),
                detail: format!(
                    "{deleted} keys matching {} pattern(s) deleted",
                    patterns.len()
                ),
            })
        }
    }
}

impl Activity for PrepareCache {
    const NAME: &'static str = "prepare_cache";
    const ERRORS: &'static [&'static str] = aws_errors![
        GlobalDatastoreNotFound,
        NotAGlobalDatastoreMember,
        GlobalDatastoreBusy,
        ConfigNotFound,
        CacheUnavailable
    ];
    type Input = PrepareCacheInput;
    type Output = PrepareCacheOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                &[
                    "elasticache:DescribeGlobalReplicationGroups",
                    "elasticache:FailoverGlobalReplicationGroup",
                ],
                &[iam::GLOBAL_DATASTORE, iam::ELASTICACHE_REPLICATION_GROUP],
            ),
            Permission::new(&["secretsmanager:GetSecretValue"], &[iam::SECRET]),
        ]
    }
}
