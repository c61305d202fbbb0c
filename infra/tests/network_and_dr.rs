//! The network and DR plumbing templates of the example stacks, asserted on the templates (moto's
//! CloudFormation skips transit gateway routes). The article's network: a transit gateway per
//! region, the VPC attachments, the inter-region peering, its acceptance in the peer region (which
//! CloudFormation cannot do: coverage roadmap #391), static routes in both gateway tables and the
//! associations, and VPC routes to the remote CIDR. EC2 API: AcceptTransitGatewayPeeringAttachment
//! is called in the accepter's region; a peering attachment cannot be associated before it is
//! available.

mod common;

use serde_json::{json, Value};

fn template(kind: &str, label: &str, region: &str, stack_text: &str) -> Value {
    let stack = common::stack(stack_text);
    let t = match kind {
        "network" => wfc_infra::network::template(&stack, region),
        _ => wfc_infra::data::template(&stack, region),
    };
    t.unwrap_or_else(|| panic!("{label}: no {kind} template for {region}"))
}

#[test]
fn transit_gateways_peer_in_phases_with_routes_on_both_sides() {
    for (label, text) in common::STACKS {
        let stack = common::stack(text);
        let (primary, p) = stack.primary();
        let (dr, d) = stack.secondary();
        let (pn, dn) = (p.network.as_ref().unwrap(), d.network.as_ref().unwrap());
        let tp = template("network", label, primary, text);
        let td = template("network", label, dr, text);
        let r = |t: &Value, id: &str| t["Resources"][id].clone();

        // Distinct ASNs, our own route tables.
        assert_eq!(
            r(&tp, "TransitGateway")["Properties"]["AmazonSideAsn"],
            64512
        );
        assert_eq!(
            r(&td, "TransitGateway")["Properties"]["AmazonSideAsn"],
            64513
        );
        for t in [&tp, &td] {
            assert_eq!(
                r(t, "TransitGateway")["Properties"]["DefaultRouteTableAssociation"],
                "disable"
            );
            assert_eq!(
                r(t, "VpcAttachmentAssociation")["Properties"]["TransitGatewayAttachmentId"],
                json!({ "Ref": "VpcAttachment" })
            );
        }
        // The peering is requested from the primary region, to the DR region, and says who accepts.
        let peering = r(&tp, "PeeringAttachment");
        assert_eq!(peering["Properties"]["PeerRegion"], dr);
        assert_eq!(
            peering["Properties"]["PeerTransitGatewayId"],
            json!({ "Ref": "PeerTransitGatewayId" })
        );
        assert!(peering["Metadata"]["wfc"]["acceptance"]
            .as_str()
            .unwrap()
            .contains("wfc deploy"));
        assert!(
            td["Resources"].get("PeeringAttachment").is_none(),
            "{label}: the accepter does not request"
        );

        // After acceptance: each table routes the other CIDR to the peering and associates it.
        for (t, remote, peering) in [
            (&tp, &dn.cidr, json!({ "Ref": "PeeringAttachment" })),
            (&td, &pn.cidr, json!({ "Ref": "PeeringAttachmentId" })),
        ] {
            let route = r(t, "RouteToRemote");
            assert_eq!(route["Condition"], "Peered");
            assert_eq!(route["Properties"]["DestinationCidrBlock"], remote.as_str());
            assert_eq!(route["Properties"]["TransitGatewayAttachmentId"], peering);
            let association = r(t, "PeeringAssociation");
            assert_eq!(association["Condition"], "Peered");
            assert_eq!(
                association["Properties"]["TransitGatewayAttachmentId"],
                peering
            );
        }
        // Every VPC route table of each region reaches the other CIDR through its gateway.
        for (t, net, remote) in [(&tp, pn, &dn.cidr), (&td, dn, &pn.cidr)] {
            let routes: Vec<&Value> = t["Resources"]
                .as_object()
                .unwrap()
                .values()
                .filter(|v| v["Type"] == "AWS::EC2::Route")
                .collect();
            assert_eq!(routes.len(), net.route_table_ids.len(), "{label}");
            for route in routes {
                assert_eq!(route["Properties"]["DestinationCidrBlock"], remote.as_str());
                assert_eq!(
                    route["Properties"]["TransitGatewayId"],
                    json!({ "Ref": "TransitGateway" })
                );
                assert_eq!(route["DependsOn"], "VpcAttachment");
            }
        }
    }
}

#[test]
fn no_network_template_without_a_network() {
    let (_, text) = common::STACKS[0];
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("network = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let stack = common::stack(&without);
    for region in stack.regions.keys() {
        assert!(wfc_infra::network::template(&stack, region).is_none());
    }
    let docs = wfc_infra::templates(&stack, &common::workflows(&stack)).unwrap();
    assert!(docs.iter().all(|d| !d.path.contains("network-")));
}

#[test]
fn health_checks_detect_in_about_twenty_seconds_and_alarm_the_failover() {
    for (label, text) in common::STACKS {
        let stack = common::stack(text);
        for (region, site) in &stack.regions {
            let t = template("dr", label, region, text);
            let c = &t["Resources"]["EndpointHealthCheck"]["Properties"]["HealthCheckConfig"];
            assert_eq!(
                c["FullyQualifiedDomainName"],
                site.load_balancer.dns_name.as_str()
            );
            assert_eq!(c["RequestInterval"], 10);
            assert_eq!(c["FailureThreshold"], 2);
        }
        // The primary's check raises an alarm the failover rules match (Route 53's metrics are
        // in us-east-1 only, the examples' primary region), at the metrics' 60 s resolution.
        let primary = &stack.shop.primary_region;
        let t = template("dr", label, primary, text);
        let alarm = &t["Resources"]["EndpointDownAlarm"]["Properties"];
        assert_eq!(alarm["Namespace"], "AWS/Route53");
        assert_eq!(alarm["MetricName"], "HealthCheckStatus");
        assert_eq!(
            alarm["Dimensions"][0]["Value"],
            json!({ "Ref": "EndpointHealthCheck" })
        );
        assert_eq!(alarm["Period"], 60);
        assert_eq!(alarm["EvaluationPeriods"], 1);
        let name = alarm["AlarmName"].as_str().unwrap();
        let failover_rules: Vec<Value> = wfc_workflows::woocommerce::rules::rules(&stack)
            .into_iter()
            .filter(|r| {
                r["Rule"]["Name"]
                    .as_str()
                    .unwrap()
                    .contains("primary-alarm")
            })
            .collect();
        assert_eq!(failover_rules.len(), 2, "{label}: forward and start");
        for rule in failover_rules {
            let pattern: Value =
                serde_json::from_str(rule["Rule"]["EventPattern"].as_str().unwrap()).unwrap();
            let names = pattern["detail"]["alarmName"].as_array().unwrap();
            assert!(names.contains(&json!(name)), "{label}: {names:?}");
            assert_eq!(pattern["region"], json!([primary]));
        }
    }
}

#[test]
fn no_endpoint_alarm_where_route53_publishes_no_metrics() {
    let (_, text) = common::STACKS[0];
    // The same shop mirrored: primary in us-west-2, DR in us-east-1.
    let swapped = text
        .replace("us-east-1", "REGION_P")
        .replace("us-west-2", "us-east-1")
        .replace("REGION_P", "us-west-2");
    let stack = common::stack(&swapped);
    let t = wfc_infra::data::template(&stack, "us-west-2").unwrap();
    assert!(t["Resources"].get("EndpointDownAlarm").is_none());
    assert!(t["Metadata"]["wfc"]["not_generated"]["endpoint_down_alarm"].is_string());
    assert!(wfc_workflows::woocommerce::rules::endpoint_down_alarm(&stack).is_none());
}

/// Route 53 never moves writes to DR by itself: the PRIMARY records follow a gate only a person or
/// the workflow opens (after promotion), never the endpoint's health; and they carry the set
/// identifier `switch_dns` rewrites, so the workflow's UPSERT is not refused beside them.
#[test]
fn failover_records_follow_the_workflow_not_the_endpoint() {
    for (label, text) in common::STACKS {
        let stack = common::stack(text);
        let (primary, p) = stack.primary();
        let (dr, d) = stack.secondary();
        let tp = template("dr", label, primary, text);
        let td = template("dr", label, dr, text);
        let records = |t: &Value| common::of_type(t, "AWS::Route53::RecordSet").len();
        assert_eq!(records(&tp), 0, "{label}: one stack owns the records");
        assert_eq!(records(&td), 2 * stack.dns.record_names.len(), "{label}");

        let gate = &td["Resources"]["ServeFromDrHealthCheck"]["Properties"]["HealthCheckConfig"];
        assert_eq!(gate["Type"], "CLOUDWATCH_METRIC");
        assert_eq!(gate["InsufficientDataHealthStatus"], "Healthy");
        assert_eq!(gate["AlarmIdentifier"]["Region"], dr);
        let alarm = &td["Resources"]["ServeFromDrAlarm"]["Properties"];
        assert_eq!(gate["AlarmIdentifier"]["Name"], alarm["AlarmName"]);
        assert_eq!(alarm["MetricName"], wfc_infra::data::SERVE_FROM_DR_METRIC);
        assert_eq!(alarm["TreatMissingData"], "ignore");
        assert_eq!(
            alarm["Period"], 60,
            "Route 53 follows standard-resolution alarms only"
        );

        for (i, name) in stack.dns.record_names.iter().enumerate() {
            let r = |kind: &str| {
                td["Resources"][format!("Record{}{kind}", i + 1)]["Properties"].clone()
            };
            let (pr, sr) = (r("Primary"), r("Secondary"));
            for (rec, failover, set, lb) in [
                (
                    &pr,
                    "PRIMARY",
                    wfc_workflows::woocommerce::PRIMARY_RECORD,
                    &p.load_balancer,
                ),
                (
                    &sr,
                    "SECONDARY",
                    wfc_workflows::woocommerce::SECONDARY_RECORD,
                    &d.load_balancer,
                ),
            ] {
                assert_eq!(rec["Name"], name.as_str());
                assert_eq!(rec["HostedZoneId"], stack.dns.hosted_zone_id.as_str());
                assert_eq!(rec["Failover"], failover);
                assert_eq!(rec["SetIdentifier"], set);
                assert_eq!(rec["AliasTarget"]["DNSName"], lb.dns_name.as_str());
                assert_eq!(
                    rec["AliasTarget"]["EvaluateTargetHealth"], false,
                    "{label} {failover}"
                );
                assert!(rec.get("TTL").is_none(), "an alias has its target's TTL");
            }
            assert_eq!(
                pr["HealthCheckId"],
                json!({ "Ref": "ServeFromDrHealthCheck" })
            );
            for kind in ["Primary", "Secondary"] {
                let id = format!("Record{}{kind}", i + 1);
                // A serving shop swaps its simple records itself, atomically, and says false.
                assert_eq!(td["Resources"][&id]["Condition"], "CreatesFailoverRecords");
            }
            assert!(sr.get("HealthCheckId").is_none());
        }

        // switch_dns in every cutover writes the PRIMARY record of each name, pinned.
        for (name, definition) in common::workflows(&stack) {
            for task in wfc_infra::orchestrator::tasks(&definition) {
                if wfc_infra::orchestrator::task_activity(task) != Some("switch_dns") {
                    continue;
                }
                let records = task["Parameters"]["Payload"]["records"].as_array().unwrap();
                assert_eq!(records.len(), stack.dns.record_names.len(), "{name}");
                for record in records {
                    assert_eq!(
                        record["set_identifier"],
                        wfc_workflows::woocommerce::PRIMARY_RECORD
                    );
                    assert_eq!(record["failover"], "PRIMARY");
                }
            }
        }
    }
}

#[test]
fn the_dr_region_gets_the_replica_multi_az_when_asked() {
    let (_, text) = common::STACKS[0];
    let stack = common::stack(text);
    let (dr, _) = stack.secondary();
    let replica = &template("dr", "rds", dr, text)["Resources"]["Replica"]["Properties"];
    assert_eq!(replica["DBInstanceIdentifier"], "woo-db-usw2");
    assert_eq!(
        replica["SourceDBInstanceIdentifier"],
        "arn:aws:rds:us-east-1:123456789012:db:woo-db-use1"
    );
    assert_eq!(
        replica["MultiAZ"], false,
        "replicas are single-AZ unless the stack asks"
    );
    let asked = text.replace(
        r#"instance_id = "woo-db-usw2","#,
        r#"instance_id = "woo-db-usw2", multi_az = true,"#,
    );
    assert_ne!(asked, text);
    let replica = &template("dr", "rds", dr, &asked)["Resources"]["Replica"]["Properties"];
    assert_eq!(replica["MultiAZ"], true);
    // The primary region's plumbing has no replica.
    let primary = template("dr", "rds", &stack.shop.primary_region, text);
    assert!(primary["Resources"].get("Replica").is_none());

    let (_, aurora) = common::STACKS[1];
    let stack = common::stack(aurora);
    let (dr, site) = stack.secondary();
    let wfc_stack::Database::AuroraGlobal {
        global_cluster_id,
        cluster_id,
        ..
    } = &site.database
    else {
        panic!("the Aurora example");
    };
    let t = template("dr", "aurora", dr, aurora);
    let cluster = &t["Resources"]["SecondaryCluster"]["Properties"];
    assert_eq!(
        cluster["GlobalClusterIdentifier"],
        global_cluster_id.as_str()
    );
    assert_eq!(cluster["DBClusterIdentifier"], cluster_id.as_str());
    assert_eq!(
        t["Resources"]["SecondaryInstance"]["Properties"]["DBClusterIdentifier"],
        json!({ "Ref": "SecondaryCluster" })
    );
}

/// Detection well under a minute (issue 14): the DR region probes the primary endpoint every 10 s
/// (a schedule runs `probe_endpoint` every minute), and an alarm with 10 s periods on its
/// high-resolution metric starts the failover through a DR-region rule.
#[test]
fn the_probe_alarm_detects_in_about_thirty_seconds_and_starts_the_failover() {
    use wfc_workflows::woocommerce::rules::{probe_alarm, probe_rule, rules, PROBE_METRIC};
    for (label, text) in common::STACKS {
        let stack = common::stack(text);
        let (dr, _) = stack.secondary();
        let t = template("dr", label, dr, text);
        let alarm = &t["Resources"]["ProbeDownAlarm"]["Properties"];
        assert_eq!(alarm["AlarmName"], probe_alarm(&stack).as_str());
        assert_eq!(alarm["Namespace"], format!("wfc/{}", stack.shop.name));
        assert_eq!(alarm["MetricName"], PROBE_METRIC);
        assert_eq!(alarm["Statistic"], "Maximum");
        assert_eq!(alarm["Period"], 10);
        assert_eq!(alarm["EvaluationPeriods"], 3);
        assert_eq!(alarm["DatapointsToAlarm"], 3);
        assert_eq!(alarm["Threshold"], 1);
        assert_eq!(alarm["ComparisonOperator"], "LessThanThreshold");
        assert_eq!(
            alarm["TreatMissingData"], "missing",
            "{label}: a dead probe is no outage"
        );
        let primary = template("dr", label, &stack.shop.primary_region, text);
        assert!(primary["Resources"].get("ProbeDownAlarm").is_none());

        let all = rules(&stack);
        let starts = all
            .iter()
            .find(|r| r["Rule"]["Name"] == format!("{}-failover-probe-alarm", stack.shop.name))
            .unwrap();
        assert_eq!(starts["Region"], dr);
        let pattern: Value =
            serde_json::from_str(starts["Rule"]["EventPattern"].as_str().unwrap()).unwrap();
        assert_eq!(pattern["region"], json!([dr]));
        assert_eq!(pattern["detail"]["alarmName"], json!([probe_alarm(&stack)]));
        assert_eq!(starts["Targets"][0]["Id"], "start-failover");

        let schedule = all
            .iter()
            .find(|r| r["Rule"]["Name"] == probe_rule(&stack).as_str())
            .unwrap();
        assert_eq!(schedule["Region"], dr);
        assert_eq!(schedule["Rule"]["ScheduleExpression"], "rate(1 minute)");
        let input: Value =
            serde_json::from_str(schedule["Targets"][0]["Input"].as_str().unwrap()).unwrap();
        let (_, p) = stack.primary();
        assert_eq!(input["connect_to"], p.load_balancer.dns_name.as_str());
        assert_eq!(input["metric_name"], PROBE_METRIC);
        assert_eq!(input["namespace"], alarm["Namespace"]);
        assert_eq!(input["shop"], alarm["Dimensions"][0]["Value"]);
        // Its probes fill the minute and end inside the function's 70 s.
        assert_eq!(
            (input["probes"].clone(), input["interval_seconds"].clone()),
            (json!(6), json!(10))
        );
        assert!(input["url"]
            .as_str()
            .unwrap()
            .starts_with(&stack.app.site_url.trim_end_matches('/').to_string()));
    }
}

/// The DR orchestrator invokes the probe from its schedule only, and its role may publish only
/// to the shop's namespace.
#[test]
fn the_probe_function_is_invoked_by_its_schedule_and_publishes_to_the_shop_namespace() {
    for (label, stack, region, t) in common::templates() {
        let resources = t["Resources"].as_object().unwrap();
        let has_probe = resources.contains_key("ProbeEndpointFunction");
        assert_eq!(
            has_probe,
            region != stack.shop.primary_region,
            "{label} {region}"
        );
        if !has_probe {
            continue;
        }
        let id = format!(
            "{}ProbeEndpointPermission",
            wfc_infra::names::camel(&wfc_workflows::woocommerce::rules::probe_rule(&stack))
        );
        let permission = &resources[&id]["Properties"];
        assert_eq!(permission["Principal"], "events.amazonaws.com", "{label}");
        assert!(permission["SourceArn"]["Fn::GetAtt"][0]
            .as_str()
            .unwrap()
            .ends_with("Rule"));
        let policies = resources["ProbeEndpointRole"]["Properties"]["Policies"].to_string();
        assert!(policies.contains("cloudwatch:PutMetricData"), "{label}");
        assert!(
            policies.contains(&format!(
                "\"cloudwatch:namespace\":\"wfc/{}\"",
                stack.shop.name
            )),
            "{label}: {policies}"
        );
    }
}
