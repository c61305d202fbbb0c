//! The stack description of one shop, `stack.toml`: the two regions and which is primary, per
//! region the database, load balancer, compute, health check, cache and media bucket, the DNS
//! records, where the app reads its database endpoint, the SNS topic, the alarms that mean
//! "primary down", and the failover policy.
//!
//! [`Stack::load`] parses and validates the text and reports every problem at once, each with
//! its key path. This crate does no I/O: the caller reads the file.

mod formats;
mod model;
mod rules;
mod schema;
mod validate;

pub use model::*;
pub use validate::{load, StackError};

impl Stack {
    /// Parses and validates `stack.toml` text; every problem at once.
    pub fn load(text: &str) -> Result<Stack, Vec<StackError>> {
        validate::load(text)
    }
}
