//! The example shop's DNS, compute and notification topic in moto, shared by the end-to-end
//! tests: the hosted zone, a health check per region, an Auto Scaling group per region (four web
//! servers in the primary, a pilot light of one in DR), and the DR topic. `apply` puts moto's
//! generated ids into the example stack's text.

use wfc_adapters::aws::AwsEnv;

pub const PRIMARY: &str = "us-east-1";
pub const DR: &str = "us-west-2";

/// Moto's ids for what the example stack names by fixed placeholders.
pub struct ShopBase {
    pub zone: String,
    pub primary_check: String,
    pub dr_check: String,
}

impl ShopBase {
    /// The stack text with moto's hosted zone and health check ids.
    pub fn apply(&self, stack_text: &str) -> String {
        stack_text
            .replace("Z0123456789ABCDEFGHIJ", &self.zone)
            .replace("0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", &self.primary_check)
            .replace("1c2d3e4f-5061-4b7c-9d8e-0f1a2b3c4d5e", &self.dr_check)
    }
}

pub fn config(endpoint: &str, region: &str) -> aws_types::SdkConfig {
    AwsEnv::local(endpoint, region).config(None)
}

pub async fn create_dns_compute_and_topic(endpoint: &str) -> ShopBase {
    let r53 = aws_sdk_route53::Client::new(&config(endpoint, DR));
    let zone = r53
        .create_hosted_zone()
        .name("shop.example.com.")
        .caller_reference("woo-zone")
        .send()
        .await
        .unwrap();
    let zone = zone
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string();
    let mut checks = Vec::new();
    for host in ["woo-use1.example.com", "woo-usw2.example.com"] {
        use aws_sdk_route53::types::{HealthCheckConfig, HealthCheckType};
        let out = r53
            .create_health_check()
            .caller_reference(host)
            .health_check_config(
                HealthCheckConfig::builder()
                    .r#type(HealthCheckType::Https)
                    .fully_qualified_domain_name(host)
                    .port(443)
                    .resource_path("/healthz")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        checks.push(out.health_check().unwrap().id().to_string());
    }
    for (region, name, desired) in [(PRIMARY, "woo-web-use1", 4), (DR, "woo-web-usw2", 1)] {
        let asg = aws_sdk_autoscaling::Client::new(&config(endpoint, region));
        asg.create_launch_configuration()
            .launch_configuration_name("woo-web")
            .image_id("ami-12c6146b")
            .instance_type("t3.small")
            .send()
            .await
            .unwrap();
        asg.create_auto_scaling_group()
            .auto_scaling_group_name(name)
            .launch_configuration_name("woo-web")
            .min_size(0)
            .max_size(10)
            .desired_capacity(desired)
            .availability_zones(format!("{region}a"))
            .send()
            .await
            .unwrap();
    }
    aws_sdk_sns::Client::new(&config(endpoint, DR))
        .create_topic()
        .name("woo-dr")
        .send()
        .await
        .unwrap();
    ShopBase {
        zone,
        primary_check: checks[0].clone(),
        dr_check: checks[1].clone(),
    }
}

/// The stack's state machines in moto's Step Functions (DR region), so that an execution the
/// engine runs under `stack.state_machine_arn(workflow)` can list its own state machine's
/// executions (the failover's anti-flap guard does). Their definition is a stand-in: the engine
/// runs the compiled one.
pub async fn create_state_machines(endpoint: &str, stack: &wfc_stack::Stack) {
    let sfn = aws_sdk_sfn::Client::new(&config(endpoint, DR));
    let definition = r#"{"StartAt":"Run","States":{"Run":{"Type":"Pass","End":true}}}"#;
    for workflow in wfc_stack::WORKFLOWS {
        sfn.create_state_machine()
            .name(stack.state_machine_name(workflow))
            .definition(definition)
            .role_arn("arn:aws:iam::123456789012:role/wfc-e2e")
            .send()
            .await
            .unwrap();
    }
}
