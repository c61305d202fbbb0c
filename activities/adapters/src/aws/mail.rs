//! `MailAccount` on SES v2 `GetAccount` (production access exists only in SES v2's answer).

use super::plain;
use async_trait::async_trait;
use wfc_activities::error::Result;
use wfc_activities::ports::mail::{MailAccount, MailAccountStatus};

pub struct AwsMailAccount {
    ses: aws_sdk_sesv2::Client,
}

impl AwsMailAccount {
    pub fn new(ses: aws_sdk_sesv2::Client) -> Self {
        AwsMailAccount { ses }
    }
}

#[async_trait]
impl MailAccount for AwsMailAccount {
    async fn status(&self) -> Result<MailAccountStatus> {
        let out = plain(self.ses.get_account().send().await, "sesv2", "GetAccount")?;
        Ok(MailAccountStatus {
            production_access: out.production_access_enabled(),
            sending_enabled: out.sending_enabled(),
            enforcement_status: out.enforcement_status().map(str::to_string),
        })
    }
}
