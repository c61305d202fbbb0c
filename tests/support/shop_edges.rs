//! The shop's edges in moto, for the end-to-end tests of the WooCommerce workflows: in each
//! region of the example shop (`examples/woocommerce/stack.toml`), the regional WAF web ACL the
//! write gate edits and the EventBridge Scheduler schedule that runs WP-Cron and Action Scheduler.
//! Names come from the example stack; moto generates the web ACL ids, which [`ShopEdges::apply`]
//! puts into a stack description in place of the example's.
//!
//! Included by each test file that needs it:
//! `#[path = "support/shop_edges.rs"] mod shop_edges;`

use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState, Target};
use aws_sdk_wafv2::types as waf;
use wfc_adapters::aws::AwsEnv;
use wfc_stack::{JobRunner, Stack};

/// The rule the write gate adds to a web ACL (and removes when it opens writes).
pub const GATE_RULE: &str = "wfc-write-gate";

/// What [`create_write_gates_and_runners`] created, per region of the example shop.
pub struct ShopEdges {
    pub regions: Vec<RegionEdges>,
}

/// One region's web ACL and job schedule.
pub struct RegionEdges {
    pub region: String,
    pub web_acl_name: String,
    /// The id the example stack gives the web ACL.
    pub example_web_acl_id: String,
    /// The id moto generated for it.
    pub web_acl_id: String,
    pub schedule_group: String,
    pub schedule_name: String,
}

impl ShopEdges {
    /// `stack_text` with every example web ACL id replaced by moto's (any stack that names the
    /// example's web ACLs: stack.toml, stack-aurora.toml, a self-managed variant).
    pub fn apply(&self, stack_text: &str) -> String {
        self.regions.iter().fold(stack_text.to_string(), |text, r| {
            text.replace(&r.example_web_acl_id, &r.web_acl_id)
        })
    }

    fn region(&self, region: &str) -> &RegionEdges {
        let found = self.regions.iter().find(|r| r.region == region);
        found.unwrap_or_else(|| panic!("the example shop has no region {region}"))
    }

    /// Whether `region`'s web ACL holds the write gate's rule now. Panics when the shop's own
    /// rule is gone: the gate must edit only its rule.
    pub async fn gated(&self, endpoint: &str, region: &str) -> bool {
        let edges = self.region(region);
        let config = AwsEnv::local(endpoint, region).config(None);
        let out = aws_sdk_wafv2::Client::new(&config)
            .get_web_acl()
            .scope(waf::Scope::Regional)
            .name(&edges.web_acl_name)
            .id(&edges.web_acl_id)
            .send()
            .await
            .unwrap();
        let rules = out.web_acl().unwrap().rules();
        assert!(
            rules.iter().any(|r| r.name() == "block-xmlrpc"),
            "the shop's own rule is kept in {}: {rules:?}",
            edges.web_acl_name
        );
        rules.iter().any(|r| r.name() == GATE_RULE)
    }

    /// Whether `region`'s job schedule is `ENABLED` now.
    pub async fn schedule_enabled(&self, endpoint: &str, region: &str) -> bool {
        let edges = self.region(region);
        let config = AwsEnv::local(endpoint, region).config(None);
        let out = aws_sdk_scheduler::Client::new(&config)
            .get_schedule()
            .group_name(&edges.schedule_group)
            .name(&edges.schedule_name)
            .send()
            .await
            .unwrap();
        out.state() == Some(&ScheduleState::Enabled)
    }
}

/// Creates, in each region of the example shop, its web ACL (with a rule and a response body of
/// the shop's own, so opening writes leaves something behind: moto keeps a web ACL's rules when
/// an update sends none) and its job schedule: `ENABLED` in the primary region, `DISABLED` in
/// DR, as a shop runs before any failover.
pub async fn create_write_gates_and_runners(endpoint: &str) -> ShopEdges {
    let example = Stack::load(wfc_workflows::EXAMPLE_STACK).expect("the example stack loads");
    let mut regions = Vec::new();
    for (region, site) in &example.regions {
        let config = AwsEnv::local(endpoint, region).config(None);
        let gate = &site.write_gate;
        let web_acl_id =
            create_web_acl(&aws_sdk_wafv2::Client::new(&config), &gate.web_acl_name).await;
        let JobRunner::Scheduler {
            schedule_name,
            group_name,
        } = &site.background_jobs
        else {
            panic!("the example shop runs its jobs from a schedule");
        };
        let state = if *region == example.shop.primary_region {
            ScheduleState::Enabled
        } else {
            ScheduleState::Disabled
        };
        aws_sdk_scheduler::Client::new(&config)
            .create_schedule()
            .group_name(group_name)
            .name(schedule_name)
            .schedule_expression("rate(1 minute)")
            .flexible_time_window(
                FlexibleTimeWindow::builder()
                    .mode(FlexibleTimeWindowMode::Off)
                    .build()
                    .unwrap(),
            )
            .target(
                Target::builder()
                    .arn(format!(
                        "arn:aws:lambda:{region}:123456789012:function:woo-cron"
                    ))
                    .role_arn("arn:aws:iam::123456789012:role/woo-cron-scheduler")
                    .build()
                    .unwrap(),
            )
            .state(state)
            .send()
            .await
            .unwrap();
        regions.push(RegionEdges {
            region: region.clone(),
            web_acl_name: gate.web_acl_name.clone(),
            example_web_acl_id: gate.web_acl_id.clone(),
            web_acl_id,
            schedule_group: group_name.clone(),
            schedule_name: schedule_name.clone(),
        });
    }
    ShopEdges { regions }
}

/// A regional web ACL that allows by default, with the shop's rule blocking `/xmlrpc.php`.
async fn create_web_acl(client: &aws_sdk_wafv2::Client, name: &str) -> String {
    let visibility = |metric: &str| {
        waf::VisibilityConfig::builder()
            .sampled_requests_enabled(true)
            .cloud_watch_metrics_enabled(true)
            .metric_name(metric)
            .build()
            .unwrap()
    };
    let xmlrpc = waf::ByteMatchStatement::builder()
        .search_string(aws_sdk_wafv2::primitives::Blob::new("/xmlrpc.php"))
        .field_to_match(
            waf::FieldToMatch::builder()
                .uri_path(waf::UriPath::builder().build())
                .build(),
        )
        .text_transformations(
            waf::TextTransformation::builder()
                .priority(0)
                .r#type(waf::TextTransformationType::None)
                .build()
                .unwrap(),
        )
        .positional_constraint(waf::PositionalConstraint::Exactly)
        .build()
        .unwrap();
    let rule = waf::Rule::builder()
        .name("block-xmlrpc")
        .priority(0)
        .statement(
            waf::Statement::builder()
                .byte_match_statement(xmlrpc)
                .build(),
        )
        .action(
            waf::RuleAction::builder()
                .block(waf::BlockAction::builder().build())
                .build(),
        )
        .visibility_config(visibility("block-xmlrpc"))
        .build()
        .unwrap();
    let body = waf::CustomResponseBody::builder()
        .content_type(waf::ResponseContentType::TextHtml)
        .content("<h1>Forbidden</h1>")
        .build()
        .unwrap();
    let out = client
        .create_web_acl()
        .name(name)
        .scope(waf::Scope::Regional)
        .default_action(
            waf::DefaultAction::builder()
                .allow(waf::AllowAction::builder().build())
                .build(),
        )
        .visibility_config(visibility(name))
        .rules(rule)
        .custom_response_bodies("shop-forbidden", body)
        .send()
        .await
        .unwrap();
    out.summary().unwrap().id().unwrap().to_string()
}
