//! The ports: small async traits the activities' logic is written against. No AWS type appears
//! here, so the same logic runs on the AWS adapters (`crate::aws`, `crate::net`), on the fakes of
//! the tests, and later on the drill simulator.
//!
//! Conventions: a lookup of something that may not exist returns `Ok(None)` and the activity
//! decides which domain error that is; failures of the service itself come back already named
//! (`AwsThrottled`, `AwsUnavailable`, …) by the adapter.

pub mod background_jobs;
pub mod cache;
pub mod clock;
pub mod compute;
pub mod config;
pub mod database;
pub mod dns;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod mysql;
pub mod notifier;
pub mod objects;
pub mod workflows;
pub mod write_gate;

pub use background_jobs::Schedules;
pub use cache::{GlobalCache, KeyStore};
pub use clock::{Clock, SystemClock};
pub use compute::Compute;
pub use config::ConfigStore;
pub use database::Database;
pub use dns::Dns;
pub use http::HttpProbe;
pub use mail::MailAccount;
pub use metrics::Metrics;
pub use mysql::{MySql, MySqlSession};
pub use notifier::Notifier;
pub use objects::ObjectReplication;
pub use workflows::Workflows;
pub use write_gate::WriteGate;
