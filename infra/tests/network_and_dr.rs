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
fn health_checks_detect_in_about_thirty_seconds() {
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
            assert_eq!(c["FailureThreshold"], 3);
            assert!(t["Metadata"]["wfc"]["not_generated"]["failover_records"].is_string());
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
