//! Validation of `stack.toml`: the example with one thing changed at a time, several problems
//! at once, region counts and syntax errors.

use wfc_stack::{Stack, StackError};

const EXAMPLE: &str = include_str!("../../examples/woocommerce/stack.toml");

/// The example with `from` (which must occur exactly once) replaced by `to`.
fn with(from: &str, to: &str) -> String {
    assert_eq!(
        EXAMPLE.matches(from).count(),
        1,
        "{from:?} must occur once in the example"
    );
    EXAMPLE.replacen(from, to, 1)
}

/// The example with every `from` replaced by `to`.
fn with_all(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "{from:?} is not in the example");
    EXAMPLE.replace(from, to)
}

fn errors(text: &str) -> Vec<StackError> {
    match Stack::load(text) {
        Ok(_) => panic!("loaded, expected errors"),
        Err(errors) => errors,
    }
}

/// The errors are exactly at `expected`'s paths (in order), each message containing its part.
#[track_caller]
fn assert_errors(name: &str, text: &str, expected: &[(&str, &str)]) {
    let errors = errors(text);
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        errors.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        expected.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        "{name}: {shown:#?}"
    );
    for (e, (_, part)) in errors.iter().zip(expected) {
        assert!(
            e.message.contains(part),
            "{name}: {:?} does not contain {part:?}",
            e.message
        );
    }
}

const RDS_USW2: &str = r#"database = { kind = "rds_instance", role = "replica", instance_id = "woo-db-usw2", arn = "arn:aws:rds:us-west-2:123456789012:db:woo-db-usw2", instance_class = "db.r6g.large", parameter_group = "woo-mysql80" }"#;
const RDS_USE1: &str = r#"database = { kind = "rds_instance", role = "primary", instance_id = "woo-db-use1", arn = "arn:aws:rds:us-east-1:123456789012:db:woo-db-use1", instance_class = "db.r6g.large", parameter_group = "woo-mysql80" }"#;

fn aurora(region: &str, role: &str, global: &str, cluster: &str) -> String {
    format!(
        r#"database = {{ kind = "aurora_global", role = "{role}", global_cluster_id = "{global}", cluster_id = "{cluster}", cluster_arn = "arn:aws:rds:{region}:123456789012:cluster:{cluster}" }}"#
    )
}

/// The example on an Aurora global database.
fn aurora_stack(global_usw2: &str, cluster_usw2: &str) -> String {
    EXAMPLE
        .replace(
            RDS_USE1,
            &aurora("us-east-1", "primary", "woo-global", "woo-use1"),
        )
        .replace(
            RDS_USW2,
            &aurora("us-west-2", "replica", global_usw2, cluster_usw2),
        )
}

#[test]
fn the_example_and_its_valid_variants_load() {
    Stack::load(EXAMPLE).unwrap_or_else(|e| panic!("{e:#?}"));
    let variants = [
        // approval none with proceed on timeout is fine.
        with(r#"approval = "manual""#, r#"approval = "none""#)
            .replace(r#""abort""#, r#""proceed""#),
        aurora_stack("woo-global", "woo-usw2"),
        with(
            r#"fence = { method = "read_only" }"#,
            r#"fence = { method = "isolate", security_group_ids = ["sg-0123456789abcdef0"] }"#,
        ),
        with(
            "[notifications]\n",
            "[notifications]\nwebhook_secret_id = \"woo/dr/webhook\"\n",
        ),
    ];
    for (i, text) in variants.iter().enumerate() {
        Stack::load(text).unwrap_or_else(|e| panic!("variant {i}: {e:#?}"));
    }
}

/// A name, the broken text, and the (path, part of the message) of each expected error.
type Case = (&'static str, String, Vec<(&'static str, &'static str)>);

#[test]
fn each_broken_variant_reports_its_one_problem() {
    let cases: Vec<Case> = vec![
        // Structure: unknown and missing keys, types, enum values.
        ("unknown key", with("[policy]\n", "[policy]\nmax_lag = 5\n"), vec![(
            "policy.max_lag",
            r#"unknown key "max_lag"; expected one of: max_replica_lag_seconds, allow_data_loss_override, approval"#,
        )]),
        ("unknown key in an inline table", with(r#", host = "master.woo-cache-usw2"#, r#", hots = "x", host = "master.woo-cache-usw2"#), vec![(
            "regions.us-west-2.cache.hots",
            r#"unknown key "hots" (did you mean "host"?); expected one of: replication_group_id, host, port"#,
        )]),
        ("unknown section", format!("{EXAMPLE}\n[extra]\nx = 1\n"), vec![("extra", r#"unknown key "extra"; expected one of: shop, regions"#)]),
        ("missing key", with("approval = \"manual\"\n", ""), vec![("policy.approval", r#"missing required key "approval" (one of: none, manual)"#)]),
        ("string expected", with(r#"account_id = "123456789012""#, "account_id = 123456789012"), vec![(
            "shop.account_id",
            "expected a string, found an integer (123456789012)",
        )]),
        ("array expected", with("alarms = []", r#"alarms = "none""#), vec![(
            "regions.us-west-2.alarms",
            r#"expected an array of strings, found a string ("none")"#,
        )]),
        ("table expected", with(r#"fence = { method = "read_only" }"#, r#"fence = "read_only""#), vec![(
            "policy.fence",
            "expected a table with method = read_only | stop | isolate, found a string",
        )]),
        ("database kind", with(r#"kind = "rds_instance", role = "primary""#, r#"kind = "rds", role = "primary""#), vec![(
            "regions.us-east-1.database.kind",
            r#"expected one of: rds_instance, aurora_global, self_managed, found "rds""#,
        )]),
        ("role value", with(r#"role = "replica""#, r#"role = "standby""#), vec![(
            "regions.us-west-2.database.role",
            r#"expected one of: primary, replica, found "standby""#,
        )]),
        ("approval value", with(r#"approval = "manual""#, r#"approval = "auto""#), vec![(
            "policy.approval",
            r#"expected one of: none, manual, found "auto""#,
        )]),
        ("fence method", with(r#"method = "read_only""#, r#"method = "readonly""#), vec![(
            "policy.fence.method",
            r#"found "readonly" (did you mean "read_only"?)"#,
        )]),
        ("store value", with(r#""ssm""#, r#""parameter_store""#), vec![("app.db_endpoint_store", "expected one of: ssm, secrets_manager")]),
        ("on_approval_timeout value", with(r#""abort""#, r#""wait""#), vec![("policy.on_approval_timeout", "expected one of: abort, proceed")]),
        ("negative integer", with("active_capacity = 4, standby_capacity = 1 }\ncache = { replication_group_id = \"woo-cache-usw2\"", "active_capacity = -1, standby_capacity = 1 }\ncache = { replication_group_id = \"woo-cache-usw2\""), vec![(
            "regions.us-west-2.compute.active_capacity",
            "expected an integer from 1 to 1000, found -1",
        )]),
        // Regions.
        ("unknown region", with_all("us-west-2", "us-west-9"), vec![(
            "regions.us-west-9",
            r#"expected a current commercial AWS region (did you mean "us-west-1" or "us-west-2"?), found "us-west-9""#,
        )]),
        ("misspelt region", with_all("us-west-2", "us-wset-2"), vec![(
            "regions.us-wset-2",
            r#"(did you mean "us-west-2"?), found "us-wset-2""#,
        )]),
        ("not a region", with_all("us-west-2", "uswest2"), vec![("regions.uswest2", r#"expected an AWS region name such as us-east-1 (did you mean "us-west-2"?), found "uswest2""#)]),
        ("GovCloud region", with_all("us-west-2", "us-gov-west-1"), vec![("regions.us-gov-west-1", "aws-us-gov, which wfc does not support")]),
        ("primary not listed", with(r#"primary_region = "us-east-1""#, r#"primary_region = "eu-west-1""#), vec![(
            "shop.primary_region",
            r#"expected one of the regions under [regions] (us-east-1, us-west-2), found "eu-west-1""#,
        )]),
        // Roles and kinds.
        ("both primary", with(r#"role = "replica""#, r#"role = "primary""#), vec![(
            "regions.us-west-2.database.role",
            "regions.us-east-1.database.role and regions.us-west-2.database.role are both primary",
        )]),
        ("both replica", with(r#"role = "primary""#, r#"role = "replica""#), vec![(
            "regions.us-east-1.database.role",
            "expected \"primary\": us-east-1 is shop.primary_region",
        )]),
        ("roles swapped", with(r#"role = "primary""#, r#"role = "replica""#).replacen(r#"role = "replica", instance_id = "woo-db-usw2""#, r#"role = "primary", instance_id = "woo-db-usw2""#, 1), vec![
            ("regions.us-east-1.database.role", "the roles of regions.us-east-1.database.role and regions.us-west-2.database.role are swapped"),
            ("regions.us-west-2.database.role", "expected \"replica\": us-west-2 is the DR region"),
        ]),
        ("mixed kinds", with(RDS_USW2, &aurora("us-west-2", "replica", "woo-global", "woo-usw2")), vec![(
            "regions.us-west-2.database.kind",
            r#"expected "rds_instance" like regions.us-east-1.database.kind"#,
        )]),
        ("two global clusters", aurora_stack("woo-global-2", "woo-usw2"), vec![(
            "regions.us-west-2.database.global_cluster_id",
            "both clusters are members of one global database",
        )]),
        ("same cluster id", aurora_stack("woo-global", "woo-use1"), vec![(
            "regions.us-west-2.database.cluster_id",
            r#"the same as regions.us-east-1.database.cluster_id"#,
        )]),
        // ARNs.
        ("RDS ARN region", with("arn:aws:rds:us-east-1:", "arn:aws:rds:us-west-2:"), vec![(
            "regions.us-east-1.database.arn",
            "expected region us-east-1 in the ARN (the region it is listed under, regions.us-east-1)",
        )]),
        ("RDS ARN instance", with(":db:woo-db-use1\"", ":db:woo-db-east\""), vec![(
            "regions.us-east-1.database.arn",
            "expected db:woo-db-use1 (the instance_id)",
        )]),
        ("RDS ARN account", with("arn:aws:rds:us-east-1:123456789012", "arn:aws:rds:us-east-1:210987654321"), vec![(
            "regions.us-east-1.database.arn",
            "expected account 123456789012 (shop.account_id)",
        )]),
        ("not an ARN", with("arn:aws:rds:us-east-1:123456789012:db:woo-db-use1", "woo-db-use1"), vec![(
            "regions.us-east-1.database.arn",
            "expected an ARN such as arn:aws:rds:us-east-1:123456789012:db:woo-db-use1",
        )]),
        ("ALB id", with("50dc6c495c0c9188", "50dc6c49"), vec![("regions.us-east-1.load_balancer.arn", "loadbalancer/app/<name>/<16 hex digits>")]),
        ("NLB", with("loadbalancer/app/woo-use1", "loadbalancer/net/woo-use1"), vec![(
            "regions.us-east-1.load_balancer.arn",
            "Network and Gateway Load Balancers are not supported",
        )]),
        ("topic in the primary region", with("arn:aws:sns:us-west-2", "arn:aws:sns:us-east-1"), vec![(
            "notifications.sns_topic_arn",
            "expected region us-west-2 in the ARN (the DR region, not the primary: the state machines run there, and notifications must work when the primary region is down)",
        )]),
        ("IAM ARN with a region", with("arn:aws:iam::", "arn:aws:iam:us-west-2:"), vec![("events.role_arn", "expected no region (IAM is global)")]),
        ("IAM user, not role", with(":role/woo-dr-events", ":user/woo-dr-events"), vec![("events.role_arn", "expected role/<name>")]),
        ("DLQ in the primary region", with("arn:aws:sqs:us-west-2", "arn:aws:sqs:us-east-1"), vec![("events.dead_letter_queue_arn", "expected region us-west-2 in the ARN (the DR region")]),
        // Ids and names.
        ("account id", with(r#"account_id = "123456789012""#, r#"account_id = "12345""#), vec![(
            "shop.account_id",
            r#"expected a 12-digit AWS account id, found "12345""#,
        )]),
        ("shop name", with(r#"name = "woo""#, r#"name = "Woo""#), vec![("shop.name", "lower-case letters, digits and hyphens")]),
        ("instance id", with_all("woo-db-use1", "woo--db-use1"), vec![("regions.us-east-1.database.instance_id", r#"no "--""#)]),
        ("health check id", with("0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "hc-use1"), vec![(
            "regions.us-east-1.health_check_id",
            r#"expected a Route 53 health check id (a UUID"#,
        )]),
        ("hosted zone id", with("Z0123456789ABCDEFGHIJ", "z0123"), vec![("dns.hosted_zone_id", "Route 53 hosted zone id")]),
        ("instance class", with(r#"woo-db-use1", instance_class = "db.r6g.large""#, r#"woo-db-use1", instance_class = "r6g.large""#), vec![(
            "regions.us-east-1.database.instance_class",
            "db.<family>.<size>",
        )]),
        ("bucket name", with("\"woo-media-use1\"", "\"Woo_Media\""), vec![("regions.us-east-1.media_bucket", "S3 bucket name")]),
        ("shared bucket", with("\"woo-media-usw2\"", "\"woo-media-use1\""), vec![(
            "regions.us-west-2.media_bucket",
            "the same as regions.us-east-1.media_bucket",
        )]),
        ("shared health check", with("1c2d3e4f-5061-4b7c-9d8e-0f1a2b3c4d5e", "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"), vec![(
            "regions.us-west-2.health_check_id",
            "the same as regions.us-east-1.health_check_id",
        )]),
        ("shared cache", with(r#"replication_group_id = "woo-cache-usw2""#, r#"replication_group_id = "woo-cache-use1""#), vec![(
            "regions.us-west-2.cache.replication_group_id",
            "the same as regions.us-east-1.cache.replication_group_id",
        )]),
        ("cache port", with(r#".use1.cache.amazonaws.com" }"#, r#".use1.cache.amazonaws.com", port = 0 }"#), vec![(
            "regions.us-east-1.cache.port",
            "expected an integer from 1 to 65535, found 0",
        )]),
        ("empty ASG name", with(r#"name = "woo-web-usw2""#, r#"name = """#), vec![("regions.us-west-2.compute.name", "Auto Scaling group name")]),
        ("standby over active", with(r#"woo-web-usw2", active_capacity = 4, standby_capacity = 1"#, r#"woo-web-usw2", active_capacity = 4, standby_capacity = 5"#), vec![(
            "regions.us-west-2.compute.standby_capacity",
            "expected at most active_capacity (4), found 5",
        )]),
        ("capacity over 1000", with(r#"woo-web-use1", active_capacity = 4"#, r#"woo-web-use1", active_capacity = 1001"#), vec![(
            "regions.us-east-1.compute.active_capacity",
            "expected an integer from 1 to 1000, found 1001",
        )]),
        ("security group of the database", with(r#"instance_class = "db.r6g.large", parameter_group = "woo-mysql80" }
load_balancer = { arn = "arn:aws:elasticloadbalancing:us-east-1"#, r#"instance_class = "db.r6g.large", parameter_group = "woo-mysql80", security_group_ids = ["sg-xyz"] }
load_balancer = { arn = "arn:aws:elasticloadbalancing:us-east-1"#), vec![(
            "regions.us-east-1.database.security_group_ids[0]",
            "expected a security group id sg- followed by 8–17 lower-case hex digits",
        )]),
        // DNS and app.
        ("record name", with(r#""www.shop.example.com"]"#, r#""www..example.com"]"#), vec![("dns.record_names[1]", "expected a DNS name")]),
        ("duplicate record", with(r#""www.shop.example.com"]"#, r#""Shop.example.com."]"#), vec![(
            "dns.record_names[1]",
            r#"found "Shop.example.com." again (dns.record_names[0])"#,
        )]),
        ("site over http", with("https://shop", "http://shop"), vec![("app.site_url", "expected an https:// URL with a host name")]),
        ("site host not a record", with("https://shop", "https://store"), vec![(
            "app.site_url",
            r#"expected a host among dns.record_names (shop.example.com, www.shop.example.com): a failover moves only those records, found "store.example.com""#,
        )]),
        ("load balancer DNS name region", with("woo-use1-1234567890.us-east-1.elb", "woo-use1-1234567890.us-west-2.elb"), vec![(
            "regions.us-east-1.load_balancer.dns_name",
            "expected the DNS name of a load balancer in us-east-1",
        )]),
        ("SSM name", with(r#""/woo/prod/maintenance""#, r#""woo/prod/maintenance""#), vec![("app.maintenance_parameter", "SSM parameter name")]),
        ("state is the maintenance switch", with(r#""/wfc/woo/state""#, r#""/woo/prod/maintenance""#), vec![(
            "app.state_parameter",
            "wfc would overwrite the maintenance switch",
        )]),
        // Policy and events.
        ("negative lag", with("max_replica_lag_seconds = 60", "max_replica_lag_seconds = -1"), vec![(
            "policy.max_replica_lag_seconds",
            "expected a finite number ≥ 0, found -1",
        )]),
        ("lag nan", with("max_replica_lag_seconds = 60", "max_replica_lag_seconds = nan"), vec![("policy.max_replica_lag_seconds", "found NaN")]),
        ("approval timeout", with("approval_timeout_minutes = 30", "approval_timeout_minutes = 0"), vec![(
            "policy.approval_timeout_minutes",
            "expected an integer from 1 to 1440, found 0",
        )]),
        ("failover spacing", with("min_minutes_between_failovers = 60", "min_minutes_between_failovers = 20000"), vec![(
            "policy.min_minutes_between_failovers",
            "expected an integer from 0 to 10080",
        )]),
        ("promotion deadline", with("promotion_deadline_minutes = 30", "promotion_deadline_minutes = 2"), vec![(
            "policy.promotion_deadline_minutes",
            "expected an integer from 5 to 240, found 2",
        )]),
        ("isolate without groups", with(r#"method = "read_only""#, r#"method = "isolate""#), vec![(
            "policy.fence.security_group_ids",
            r#"missing required key "security_group_ids""#,
        )]),
        ("isolate with an empty list", with(r#"method = "read_only""#, r#"method = "isolate", security_group_ids = []"#), vec![(
            "policy.fence.security_group_ids",
            "expected at least 1 item(s), found an empty array",
        )]),
        ("read_only without a parameter group", with(r#"woo-db-use1", instance_class = "db.r6g.large", parameter_group = "woo-mysql80" }"#, r#"woo-db-use1", instance_class = "db.r6g.large" }"#), vec![(
            "regions.us-east-1.database.parameter_group",
            "RDS default parameter groups cannot be modified",
        )]),
        ("default parameter group", with(r#"woo-db-use1", instance_class = "db.r6g.large", parameter_group = "woo-mysql80" }"#, r#"woo-db-use1", instance_class = "db.r6g.large", parameter_group = "default.mysql8.0" }"#), vec![(
            "regions.us-east-1.database.parameter_group",
            "default parameter groups cannot be modified",
        )]),
        ("stop with Aurora", aurora_stack("woo-global", "woo-usw2").replace(r#"method = "read_only""#, r#"method = "stop""#), vec![(
            "policy.fence.method",
            "a cluster that is a member of an Aurora global database cannot be stopped",
        )]),
        ("retry attempts", with("maximum_retry_attempts = 8", "maximum_retry_attempts = 186"), vec![(
            "events.maximum_retry_attempts",
            "expected an integer from 0 to 185, found 186",
        )]),
        ("event age", with("maximum_event_age_seconds = 3600", "maximum_event_age_seconds = 30"), vec![(
            "events.maximum_event_age_seconds",
            "expected an integer from 60 to 86400, found 30",
        )]),
        // Alarms.
        ("no alarm in the primary", with(r#"alarms = ["woo-use1-db-down", "woo-use1-alb-5xx"]"#, "alarms = []"), vec![(
            "regions.us-east-1.alarms",
            "a failover can never start by itself",
        )]),
        ("empty alarm name", with(r#""woo-use1-db-down""#, r#""""#), vec![("regions.us-east-1.alarms[0]", "CloudWatch alarm name")]),
        // WooCommerce.
        ("job runner kind", with(r#"kind = "scheduler", schedule_name = "woo-cron-use1""#, r#"kind = "cron", schedule_name = "woo-cron-use1""#), vec![(
            "regions.us-east-1.background_jobs.kind",
            r#"expected one of: scheduler, ecs_service, found "cron""#,
        )]),
        ("web ACL id", with(r#"web_acl_id = "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d""#, r#"web_acl_id = "woo""#), vec![(
            "regions.us-east-1.write_gate.web_acl_id",
            "UUID",
        )]),
        ("web ACL name", with(r#"web_acl_name = "woo-use1""#, r#"web_acl_name = "woo.use1""#), vec![(
            "regions.us-east-1.write_gate.web_acl_name",
            "WAF web ACL name",
        )]),
        ("egress ip", with(r#"egress_ips = ["203.0.113.10"]"#, r#"egress_ips = ["203.0.113.999"]"#), vec![(
            "regions.us-east-1.egress_ips[0]",
            "an IP address",
        )]),
        ("table prefix", with(r#"table_prefix = "wp_""#, r#"table_prefix = "wp_;DROP""#), vec![(
            "woocommerce.table_prefix",
            "letters, digits and underscores",
        )]),
        ("order id margin", with("order_id_margin = 1000000", "order_id_margin = 0"), vec![(
            "woocommerce.order_id_margin",
            "expected an integer from 1 to 1000000000, found 0",
        )]),
        ("missing canary", with("canary_product_id = 4242", ""), vec![(
            "woocommerce.canary_product_id",
            "missing",
        )]),
        ("plugin slug", with(r#""woocommerce-gateway-stripe"]"#, r#""WooCommerce Stripe"]"#), vec![(
            "woocommerce.plugins[1]",
            "plugin slug",
        )]),
        ("missing db credentials", with(r#"db_credentials_secret_id = "woo/prod/db-use1""#, ""), vec![(
            "regions.us-east-1.db_credentials_secret_id",
            "missing",
        )]),
    ];
    assert!(cases.len() >= 30);
    for (name, text, expected) in &cases {
        assert_errors(name, text, expected);
    }
}

#[test]
fn many_problems_are_reported_together_in_path_order() {
    let text = EXAMPLE
        .replace(r#"account_id = "123456789012""#, r#"account_id = "12345""#)
        .replace("[policy]\n", "[policy]\nmax_lag = 5\n")
        .replace(r#"approval = "manual""#, r#"approval = "auto""#)
        .replace(
            "approval_timeout_minutes = 30",
            "approval_timeout_minutes = 0",
        )
        .replace("arn:aws:sns:us-west-2", "arn:aws:sns:us-east-1")
        .replace(
            r#"replication_group_id = "woo-cache-usw2""#,
            r#"replication_group_id = "woo-cache-use1""#,
        )
        .replace(
            r#"alarms = ["woo-use1-db-down", "woo-use1-alb-5xx"]"#,
            "alarms = []",
        )
        .replace(r#""www.shop.example.com"]"#, r#""www..example.com"]"#)
        .replace("maximum_retry_attempts = 8", "maximum_retry_attempts = 200");
    let errors = errors(&text);
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "dns.record_names[1]",
            "events.maximum_retry_attempts",
            "notifications.sns_topic_arn",
            "policy.approval",
            "policy.approval_timeout_minutes",
            "policy.max_lag",
            "regions.us-east-1.alarms",
            "regions.us-west-2.cache.replication_group_id",
            "shop.account_id",
        ],
        "{errors:#?}"
    );
}

#[test]
fn three_regions_are_rejected_with_a_clear_message() {
    let start = EXAMPLE.find("[regions.us-west-2]").unwrap();
    let end = EXAMPLE.find("[dns]").unwrap();
    let third = EXAMPLE[start..end]
        .replace("us-west-2", "eu-west-1")
        .replace("usw2", "euw1")
        .replace("1c2d3e4f-", "2c2d3e4f-")
        .replace("6ab3c1d2e4f50789", "7ab3c1d2e4f50789");
    let text = format!("{}{third}{}", &EXAMPLE[..end], &EXAMPLE[end..]);
    assert_errors("three regions", &text, &[(
        "regions",
        "only two-region stacks are supported for now (one primary, one DR region); found 3: eu-west-1, us-east-1, us-west-2",
    )]);
}

#[test]
fn one_region_is_rejected() {
    let start = EXAMPLE.find("[regions.us-west-2]").unwrap();
    let end = EXAMPLE.find("[dns]").unwrap();
    let text = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
    assert_errors(
        "one region",
        &text,
        &[(
            "regions",
            "expected exactly two regions (the primary and the DR region), found 1: us-east-1",
        )],
    );
}

#[test]
fn a_syntax_error_has_its_line_and_column() {
    let text = with(r#"approval = "manual""#, r#"approval = "manual"#);
    let line = text
        .lines()
        .position(|l| l.starts_with("approval ="))
        .unwrap()
        + 1;
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].path, "");
    assert!(
        errors[0]
            .message
            .starts_with(&format!("TOML syntax error at line {line}, column ")),
        "{}",
        errors[0].message
    );

    let errors = errors_of("[shop]\nname = \"woo\"\nname = \"x\"\n");
    assert!(
        errors[0]
            .message
            .starts_with("TOML syntax error at line 3, column 1"),
        "{}",
        errors[0].message
    );
}

fn errors_of(text: &str) -> Vec<StackError> {
    errors(text)
}

/// The transit gateway network (issue 14): overlapping CIDRs are refused when the stack is
/// loaded, so is a network in one region only, the same ASN on both gateways, and a CIDR with
/// host bits set. (Overlapping VPC CIDRs cannot be routed between: the route to the other region
/// would be as specific as, or more than, the local one.)
#[test]
fn the_network_is_checked_when_the_stack_loads() {
    let usw2 = r#"cidr = "10.2.0.0/16""#;
    assert_errors(
        "overlap",
        &with(usw2, r#"cidr = "10.1.128.0/17""#),
        &[(
            "regions.us-west-2.network.cidr",
            "expected a CIDR that does not overlap the primary region's 10.1.0.0/16 (us-east-1), found 10.1.128.0/17",
        )],
    );
    assert_errors(
        "containing",
        &with(usw2, r#"cidr = "10.0.0.0/8""#),
        &[("regions.us-west-2.network.cidr", "does not overlap")],
    );
    assert_errors(
        "host bits",
        &with(usw2, r#"cidr = "10.2.0.1/16""#),
        &[(
            "regions.us-west-2.network.cidr",
            "host bits zero, found \"10.2.0.1/16\" (did you mean 10.2.0.0/16?)",
        )],
    );
    let dr_network = EXAMPLE
        .lines()
        .find(|l| l.starts_with("network = ") && l.contains("10.2.0.0/16"))
        .unwrap();
    assert_errors(
        "one region only",
        &with(&format!("{dr_network}\n"), ""),
        &[("regions.us-west-2.network", "in both regions")],
    );
    assert_errors(
        "same ASN",
        &with_all(
            r#"route_table_ids = ["rtb-"#,
            r#"transit_gateway_asn = 64600, route_table_ids = ["rtb-"#,
        ),
        &[(
            "regions.us-west-2.network.transit_gateway_asn",
            "found 64600 in both",
        )],
    );
    assert_errors(
        "subnet id",
        &with(r#""subnet-0f1e2d3c4b5a60001""#, r#""sub-1""#),
        &[(
            "regions.us-west-2.network.attachment_subnet_ids[0]",
            "expected a subnet id",
        )],
    );
    // Adjacent blocks do not overlap.
    Stack::load(&with(usw2, r#"cidr = "10.0.0.0/16""#))
        .expect("10.0.0.0/16 and 10.1.0.0/16 are apart");
}
