//! The shop's outgoing mail account (SES): whether it may send order and subscription emails to
//! anyone in a region. SES keeps a separate sandbox per region, so the DR region is asked itself.

use crate::error::Result;
use async_trait::async_trait;

/// The mail account's standing in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAccountStatus {
    /// Out of the sandbox: mail goes to any address, not only verified ones.
    pub production_access: bool,
    /// Sending is not paused for the account in this region.
    pub sending_enabled: bool,
    /// `HEALTHY`, `PROBATION` or `SHUTDOWN`, when the service says.
    pub enforcement_status: Option<String>,
}

#[async_trait]
pub trait MailAccount: Send + Sync {
    /// The account's status in the adapter's region.
    async fn status(&self) -> Result<MailAccountStatus>;
}
