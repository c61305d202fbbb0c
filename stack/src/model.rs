//! The typed stack description. Field names are the TOML keys.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One shop in two regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stack {
    pub shop: Shop,
    /// Exactly two regions, keyed by region name (`us-east-1`).
    pub regions: IndexMap<String, Region>,
    pub dns: Dns,
    pub app: App,
    pub notifications: Notifications,
    pub policy: Policy,
    pub events: Events,
    pub woocommerce: WooCommerce,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shop {
    /// Lower-case letters, digits and `-` (1–32): prefixes the state machines and rules.
    pub name: String,
    /// 12 digits.
    pub account_id: String,
    /// The region that serves today; the other one is the DR region, where the state machines run.
    pub primary_region: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub database: Database,
    pub load_balancer: LoadBalancer,
    pub compute: Compute,
    /// The Route 53 health check of this region's endpoint (a UUID).
    pub health_check_id: String,
    pub cache: Cache,
    /// The S3 bucket of the shop's media in this region.
    pub media_bucket: String,
    /// CloudWatch alarms, in this region, whose `ALARM` state means "this region's primary is down".
    #[serde(default)]
    pub alarms: Vec<String>,
    /// Secrets Manager secret, in this region, with the database credentials (`username`,
    /// `password`) that reserving order ids and the reconciliation report log in with.
    pub db_credentials_secret_id: String,
    /// The one runner of WP-Cron and Action Scheduler in this region (`DISABLE_WP_CRON` everywhere).
    pub background_jobs: JobRunner,
    /// The regional AWS WAF web ACL on this region's load balancer: the write gate goes there.
    pub write_gate: WriteGate,
    /// This region's outbound (NAT) addresses that payment providers and webhook receivers must
    /// allow-list; preflight reports them for the DR region.
    #[serde(default)]
    pub egress_ips: Vec<String>,
    /// The shop's VPC in this region, joined to the other region's by transit gateways
    /// (`cloudformation/network-<region>.yaml`). Both regions or neither.
    #[serde(default)]
    pub network: Option<Network>,
}

/// A region's VPC, as the transit gateway network needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub vpc_id: String,
    /// The VPC's IPv4 CIDR, e.g. `10.1.0.0/16`; the two regions' must not overlap.
    pub cidr: String,
    /// The subnets of the transit gateway's VPC attachment (one per Availability Zone).
    pub attachment_subnet_ids: Vec<String>,
    /// The route tables that get a route to the other region's CIDR through the transit gateway.
    pub route_table_ids: Vec<String>,
    /// The transit gateway's Amazon side ASN; the two regions' must differ. Default 64512 in the
    /// primary region, 64513 in the DR region.
    #[serde(default)]
    pub transit_gateway_asn: Option<u32>,
}

/// Where a region's background jobs run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum JobRunner {
    /// An EventBridge Scheduler schedule that runs `wp cron event run --due-now` and
    /// `wp action-scheduler run`.
    Scheduler {
        schedule_name: String,
        #[serde(default = "default_group")]
        group_name: String,
    },
    /// An ECS worker service.
    EcsService {
        cluster: String,
        service: String,
        #[serde(default = "one")]
        desired_count: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteGate {
    pub web_acl_name: String,
    /// The web ACL's id (a UUID).
    pub web_acl_id: String,
}

/// What a region's database is in the replication topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Primary,
    Replica,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Database {
    /// An RDS for MySQL (or MariaDB) instance; the DR one is a cross-region read replica.
    RdsInstance {
        role: Role,
        instance_id: String,
        /// `arn:aws:rds:<region>:<account>:db:<instance_id>`.
        arn: String,
        /// e.g. `db.r6g.large`: the class of a replica re-created in this region.
        instance_class: String,
        /// The custom parameter group (fencing and failback set `read_only` there).
        #[serde(default)]
        parameter_group: Option<String>,
        #[serde(default)]
        subnet_group: Option<String>,
        #[serde(default)]
        security_group_ids: Vec<String>,
        #[serde(default)]
        kms_key_id: Option<String>,
        /// A replica of this database (the DR one, or one re-created here in failback) is
        /// Multi-AZ. Cross-region replicas are single-AZ unless asked.
        #[serde(default)]
        multi_az: bool,
    },
    /// A member cluster of an Aurora MySQL global database.
    AuroraGlobal {
        role: Role,
        global_cluster_id: String,
        cluster_id: String,
        /// `arn:aws:rds:<region>:<account>:cluster:<cluster_id>`.
        cluster_arn: String,
    },
    /// MySQL or MariaDB that the shop runs itself (on EC2): promotion stops and resets the
    /// replica and turns `read_only` off; fencing turns `read_only` on.
    SelfManaged {
        role: Role,
        /// A name for messages and the recorded state (like an instance id).
        server_id: String,
        host: String,
        #[serde(default = "mysql_port")]
        port: u16,
        /// TLS to the server.
        #[serde(default = "yes")]
        tls: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>`.
    pub arn: String,
    /// The ALB's DNS name, the alias target of the shop's record.
    pub dns_name: String,
    /// The ALB's canonical hosted zone (for alias records).
    pub hosted_zone_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Compute {
    AutoScalingGroup {
        name: String,
        /// Instances when this region serves the shop.
        active_capacity: u32,
        /// Instances kept warm when it does not (pilot light: 0 or 1).
        standby_capacity: u32,
    },
    EcsService {
        cluster: String,
        service: String,
        active_capacity: u32,
        standby_capacity: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// The ElastiCache (Redis OSS / Valkey) replication group.
    pub replication_group_id: String,
    /// Its primary endpoint.
    pub host: String,
    #[serde(default = "redis_port")]
    pub port: u16,
    #[serde(default = "yes")]
    pub tls: bool,
    #[serde(default)]
    pub auth_token_secret_id: Option<String>,
    /// The shop's Redis logical database (`WP_REDIS_DATABASE`), flushed after promotion.
    #[serde(default)]
    pub database: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dns {
    pub hosted_zone_id: String,
    /// The shop's records, e.g. `shop.example.com` and `www.shop.example.com`: aliases to the
    /// serving region's load balancer.
    pub record_names: Vec<String>,
}

/// Where a value the app reads lives (in each region, under the same name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    Ssm,
    SecretsManager,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// The production URL (`https://shop.example.com`).
    pub site_url: String,
    /// Where the app reads its database host name.
    pub db_endpoint_store: Store,
    pub db_endpoint_name: String,
    /// SSM parameter the app reads for maintenance mode (`on`/`off`), in each region.
    pub maintenance_parameter: String,
    /// SSM parameter, in the DR region, where wfc records which region serves and what runs.
    pub state_parameter: String,
    /// Paths the smoke test requests on the site URL (default: home page and Store API products).
    #[serde(default = "default_smoke_paths")]
    pub smoke_paths: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    /// `arn:aws:sns:<DR region>:<account>:<topic>`.
    pub sns_topic_arn: String,
    /// Secrets Manager secret holding a chat webhook URL.
    #[serde(default)]
    pub webhook_secret_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// Fail over at once (the 3 a.m. case).
    None,
    /// A human answers `wfc approve` / `wfc reject` within the timeout.
    Manual,
}

/// What a failover does when nobody answered the approval request in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnApprovalTimeout {
    Abort,
    Proceed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fence {
    /// `read_only=1` in the old primary's parameter group.
    ReadOnly,
    /// Stop the old primary (RDS refuses while it has replicas; RDS only).
    Stop,
    /// Swap its security groups for ones that admit nobody (RDS only).
    Isolate { security_group_ids: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The RPO: the most replication lag a failover may lose.
    pub max_replica_lag_seconds: f64,
    /// Lets a failover go ahead with lag over the limit or unknown, without a human override.
    #[serde(default)]
    pub allow_data_loss_override: bool,
    pub approval: Approval,
    #[serde(default = "default_approval_timeout")]
    pub approval_timeout_minutes: u32,
    #[serde(default = "default_on_timeout")]
    pub on_approval_timeout: OnApprovalTimeout,
    pub min_minutes_between_failovers: u32,
    pub fence: Fence,
    /// How long a failover waits for the promoted database to become writable.
    #[serde(default = "default_promotion_deadline")]
    pub promotion_deadline_minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Events {
    /// Role EventBridge assumes to invoke the targets.
    pub role_arn: String,
    /// SQS queue for events EventBridge could not deliver.
    pub dead_letter_queue_arn: String,
    #[serde(default = "default_retry_attempts")]
    pub maximum_retry_attempts: u32,
    #[serde(default = "default_event_age")]
    pub maximum_event_age_seconds: u32,
}

/// What WooCommerce needs beyond a generic database failover (reference/woocommerce.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WooCommerce {
    /// The WordPress database (`DB_NAME`).
    #[serde(default = "default_database_name")]
    pub database_name: String,
    /// The WordPress table prefix (`$table_prefix`).
    #[serde(default = "default_table_prefix")]
    pub table_prefix: String,
    /// How far above the highest id new ids start after a promotion, so ids used on the lost
    /// primary are never handed out again.
    #[serde(default = "default_order_id_margin")]
    pub order_id_margin: u64,
    /// Plugin tables with an AUTO_INCREMENT id, raised with the built-in ones.
    #[serde(default)]
    pub extra_id_tables: Vec<String>,
    /// A hidden, virtual, not stock-managed product the smoke test adds to and removes from a cart.
    pub canary_product_id: u64,
    /// `Retry-After` of the 503 the write gate answers with.
    #[serde(default = "default_retry_after")]
    pub retry_after_seconds: u32,
    /// Secrets Manager secret, in each region, with the eight WordPress keys and salts.
    pub salts_secret_id: String,
    /// SSM parameter, in each region, with the deployed identity (site URL, environment type,
    /// Redis prefix, plugin versions) as JSON.
    pub config_parameter: String,
    /// Plugins whose versions must be equal in both regions (WooCommerce and the payment ones).
    #[serde(default = "default_plugins")]
    pub plugins: Vec<String>,
}

fn default_group() -> String {
    "default".into()
}
fn one() -> u32 {
    1
}
fn mysql_port() -> u16 {
    3306
}
fn default_database_name() -> String {
    "wordpress".into()
}
fn default_table_prefix() -> String {
    "wp_".into()
}
fn default_order_id_margin() -> u64 {
    1_000_000
}
fn default_retry_after() -> u32 {
    300
}
fn default_plugins() -> Vec<String> {
    vec!["woocommerce".into(), "woocommerce-gateway-stripe".into()]
}
fn redis_port() -> u16 {
    6379
}
fn yes() -> bool {
    true
}
fn default_smoke_paths() -> Vec<String> {
    vec![
        "/".into(),
        "/wp-json/wc/store/v1/products?per_page=1".into(),
    ]
}
fn default_approval_timeout() -> u32 {
    30
}
fn default_on_timeout() -> OnApprovalTimeout {
    OnApprovalTimeout::Abort
}
fn default_promotion_deadline() -> u32 {
    30
}
fn default_retry_attempts() -> u32 {
    8
}
fn default_event_age() -> u32 {
    3600
}

/// The four workflows of a shop.
pub const WORKFLOWS: [&str; 4] = ["failover", "switchover", "failback", "preflight"];

impl Stack {
    /// The serving region and its resources.
    pub fn primary(&self) -> (&str, &Region) {
        let name = self.shop.primary_region.as_str();
        (name, &self.regions[name])
    }

    /// The DR region and its resources: where the state machines run.
    pub fn secondary(&self) -> (&str, &Region) {
        self.regions
            .iter()
            .find(|(name, _)| **name != self.shop.primary_region)
            .map(|(name, region)| (name.as_str(), region))
            .expect("a loaded stack has two regions")
    }

    /// `<shop>-<workflow>`, e.g. `woo-failover`.
    pub fn state_machine_name(&self, workflow: &str) -> String {
        format!("{}-{workflow}", self.shop.name)
    }

    /// The transit gateway ASN of `region`: as given, or 64512 (primary) / 64513 (DR).
    pub fn transit_gateway_asn(&self, region: &str) -> Option<u32> {
        let network = self.regions.get(region)?.network.as_ref()?;
        let default = if region == self.shop.primary_region {
            64512
        } else {
            64513
        };
        Some(network.transit_gateway_asn.unwrap_or(default))
    }

    /// The state machine's ARN in the DR region.
    pub fn state_machine_arn(&self, workflow: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:stateMachine:{}",
            self.secondary().0,
            self.shop.account_id,
            self.state_machine_name(workflow)
        )
    }
}
