//! The AWS configuration every adapter is built from: region, endpoint and credentials from the
//! environment (`AWS_REGION`, `AWS_ENDPOINT_URL`, the Lambda role's keys), one shared HTTPS client.

use super::{
    AwsCompute, AwsConfigStore, AwsDatabase, AwsDns, AwsGlobalCache, AwsMetrics, AwsNotifier,
    AwsObjectReplication, AwsWorkflows,
};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_types::timeout::TimeoutConfig;
use std::time::Duration;

/// Builds the adapters for a region (the function's own region when `None`).
#[derive(Clone, Debug)]
pub struct AwsEnv {
    config: SdkConfig,
    http: reqwest::Client,
}

/// A request that has not answered in this long is failed, and retried by the SDK if it may be:
/// an activity must not hang on a region that no longer answers.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl AwsEnv {
    /// Everything from the environment, as in Lambda.
    pub async fn from_env() -> AwsEnv {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .timeout_config(timeouts())
            .load()
            .await;
        AwsEnv::from_sdk_config(config)
    }

    /// A fixed endpoint (moto on 127.0.0.1 in tests, a local emulator in drills), a region and
    /// dummy static credentials: never for real AWS.
    pub fn local(endpoint: &str, region: &str) -> AwsEnv {
        let credentials =
            aws_sdk_ssm::config::Credentials::new("testing", "testing", None, None, "wfc-local");
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_ssm::config::SharedCredentialsProvider::new(
                credentials,
            ))
            .http_client(https_client())
            .timeout_config(timeouts())
            .build();
        AwsEnv::from_sdk_config(config)
    }

    pub fn from_sdk_config(config: SdkConfig) -> AwsEnv {
        AwsEnv {
            config,
            http: http_client(),
        }
    }

    /// The function's own region (`AWS_REGION`).
    pub fn home_region(&self) -> Option<&str> {
        self.config.region().map(|r| r.as_ref())
    }

    /// The configuration for `region` (default: the home region).
    pub fn config(&self, region: Option<&str>) -> SdkConfig {
        match region {
            Some(region) if Some(region) != self.home_region() => self
                .config
                .to_builder()
                .region(Region::new(region.to_string()))
                .build(),
            _ => self.config.clone(),
        }
    }

    pub fn database(&self, region: Option<&str>) -> AwsDatabase {
        AwsDatabase::new(aws_sdk_rds::Client::new(&self.config(region)))
    }

    /// Route 53 is global: its control plane is in us-east-1 whatever region calls it.
    pub fn dns(&self) -> AwsDns {
        AwsDns::new(aws_sdk_route53::Client::new(&self.config(None)))
    }

    pub fn compute(&self, region: Option<&str>) -> AwsCompute {
        let config = self.config(region);
        AwsCompute::new(
            aws_sdk_autoscaling::Client::new(&config),
            aws_sdk_ecs::Client::new(&config),
        )
    }

    pub fn config_store(&self, region: Option<&str>) -> AwsConfigStore {
        let config = self.config(region);
        AwsConfigStore::new(
            aws_sdk_ssm::Client::new(&config),
            aws_sdk_secretsmanager::Client::new(&config),
        )
    }

    pub fn notifier(&self, region: Option<&str>) -> AwsNotifier {
        AwsNotifier::new(
            aws_sdk_sns::Client::new(&self.config(region)),
            self.http.clone(),
        )
    }

    pub fn metrics(&self, region: Option<&str>) -> AwsMetrics {
        AwsMetrics::new(aws_sdk_cloudwatch::Client::new(&self.config(region)))
    }

    pub fn global_cache(&self, region: Option<&str>) -> AwsGlobalCache {
        AwsGlobalCache::new(aws_sdk_elasticache::Client::new(&self.config(region)))
    }

    pub fn object_replication(&self, region: Option<&str>) -> AwsObjectReplication {
        let config = self.config(region);
        // With an endpoint override (an emulator) bucket names cannot be host names.
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        AwsObjectReplication::new(aws_sdk_s3::Client::from_conf(s3))
    }

    /// Step Functions (`start_workflow`).
    pub fn workflows(&self, region: Option<&str>) -> AwsWorkflows {
        AwsWorkflows::new(aws_sdk_sfn::Client::new(&self.config(region)))
    }

    /// SES v2 (`check_shop_identity`: production access in the DR region).
    pub fn mail_account(&self, region: Option<&str>) -> super::AwsMailAccount {
        super::AwsMailAccount::new(aws_sdk_sesv2::Client::new(&self.config(region)))
    }

    /// EventBridge Scheduler (the background-jobs runner's schedule).
    pub fn schedules(&self, region: Option<&str>) -> super::AwsSchedules {
        super::AwsSchedules::new(aws_sdk_scheduler::Client::new(&self.config(region)))
    }

    /// AWS WAF, regional scope (the write gate on the region's ALB).
    pub fn write_gate(&self, region: Option<&str>) -> super::AwsWriteGate {
        super::AwsWriteGate::new(aws_sdk_wafv2::Client::new(&self.config(region)))
    }

    /// The plain HTTP client (smoke tests, webhooks).
    pub fn http(&self) -> crate::net::HttpClient {
        crate::net::HttpClient::new(self.http.clone())
    }
}

/// rustls on ring: no C toolchain (aws-lc) in the build, and it cross-compiles for arm64.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .build()
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap_or_default()
}
