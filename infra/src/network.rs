//! The network the article builds, one template per region (`cloudformation/network-<region>.yaml`):
//! a transit gateway with its own ASN and route table, the VPC attachment and its association
//! (and propagation, so the table knows the local CIDR), the routes of the VPC's route tables to
//! the other region's CIDR, and the inter-region peering with its static route and association.
//!
//! CloudFormation cannot accept a transit gateway peering attachment (coverage roadmap #391), and
//! an attachment cannot be associated or routed to before it is accepted. So the peering goes in
//! phases, each a deploy of these same templates with other parameter values:
//! 1. DR region: the gateway, its table, the VPC attachment and routes.
//! 2. Primary region, `PeerTransitGatewayId` = the DR gateway: the same, and the peering
//!    attachment (pending acceptance).
//! 3. Accept it in the DR region: `wfc deploy` does it with the SDK (or
//!    `aws ec2 accept-transit-gateway-peering-attachment --region <DR>`).
//! 4. Primary region with `PeeringAccepted=true`, DR region with `PeeringAttachmentId` = the
//!    attachment: each associates the peering with its table and routes the other CIDR to it.

use crate::names::camel;
use serde_json::{json, Map, Value};
use wfc_stack::{Network, Stack};

/// The network template of `region`, `None` when the stack describes no network.
pub fn template(stack: &Stack, region: &str) -> Option<Value> {
    let here = stack.regions.get(region)?.network.as_ref()?;
    let (other, there) = peer(stack, region)?;
    let primary = region == stack.shop.primary_region;
    let shop = &stack.shop.name;
    let asn = stack.transit_gateway_asn(region)?;
    let name = |what: &str| json!([{ "Key": "Name", "Value": format!("{shop}-{what}-{region}") }]);

    let mut resources = Map::new();
    resources.insert(
        "TransitGateway".into(),
        json!({
            "Type": "AWS::EC2::TransitGateway",
            "Properties": {
                "Description": format!("{shop} in {region}: joins its VPC to {other}"),
                "AmazonSideAsn": asn,
                // Our own table, explicit associations and routes: nothing joins by default.
                "DefaultRouteTableAssociation": "disable",
                "DefaultRouteTablePropagation": "disable",
                "AutoAcceptSharedAttachments": "disable",
                "DnsSupport": "enable",
                "Tags": name("tgw"),
            },
        }),
    );
    resources.insert(
        "RouteTable".into(),
        json!({
            "Type": "AWS::EC2::TransitGatewayRouteTable",
            "Properties": { "TransitGatewayId": { "Ref": "TransitGateway" }, "Tags": name("tgw-rtb") },
        }),
    );
    resources.insert(
        "VpcAttachment".into(),
        json!({
            "Type": "AWS::EC2::TransitGatewayVpcAttachment",
            "Properties": {
                "TransitGatewayId": { "Ref": "TransitGateway" },
                "VpcId": here.vpc_id,
                "SubnetIds": here.attachment_subnet_ids,
                "Tags": name("vpc-attachment"),
            },
        }),
    );
    resources.insert(
        "VpcAttachmentAssociation".into(),
        json!({
            "Type": "AWS::EC2::TransitGatewayRouteTableAssociation",
            "Properties": {
                "TransitGatewayAttachmentId": { "Ref": "VpcAttachment" },
                "TransitGatewayRouteTableId": { "Ref": "RouteTable" },
            },
        }),
    );
    // Traffic arriving from the peer finds the local VPC through the propagated route.
    resources.insert(
        "VpcAttachmentPropagation".into(),
        json!({
            "Type": "AWS::EC2::TransitGatewayRouteTablePropagation",
            "Properties": {
                "TransitGatewayAttachmentId": { "Ref": "VpcAttachment" },
                "TransitGatewayRouteTableId": { "Ref": "RouteTable" },
            },
        }),
    );
    for table in &here.route_table_ids {
        resources.insert(
            format!("{}ToRemote", camel(table)),
            json!({
                "Type": "AWS::EC2::Route",
                // A route to a transit gateway needs the VPC's attachment to it.
                "DependsOn": "VpcAttachment",
                "Properties": {
                    "RouteTableId": table,
                    "DestinationCidrBlock": there.cidr,
                    "TransitGatewayId": { "Ref": "TransitGateway" },
                },
            }),
        );
    }

    let mut parameters = Map::new();
    let mut conditions = Map::new();
    let mut outputs = Map::new();
    outputs.insert(
        "TransitGatewayId".into(),
        json!({ "Description": format!("The {region} transit gateway"), "Value": { "Ref": "TransitGateway" } }),
    );
    let peering = if primary {
        parameters.insert(
            "PeerTransitGatewayId".into(),
            json!({
                "Type": "String",
                "Description": format!("The transit gateway of {other} (its network stack's TransitGatewayId output)"),
                "AllowedPattern": "^tgw-[0-9a-f]{8,17}$",
            }),
        );
        parameters.insert(
            "PeeringAccepted".into(),
            json!({
                "Type": "String",
                "Description": format!("true once the peering attachment was accepted in {other} (wfc deploy does it)"),
                "AllowedValues": ["false", "true"],
                "Default": "false",
            }),
        );
        conditions.insert(
            "Peered".into(),
            json!({ "Fn::Equals": [{ "Ref": "PeeringAccepted" }, "true"] }),
        );
        resources.insert(
            "PeeringAttachment".into(),
            json!({
                "Type": "AWS::EC2::TransitGatewayPeeringAttachment",
                "Metadata": { "wfc": {
                    "acceptance": format!(
                        "CloudFormation cannot accept a peering attachment: accept it in {other} with `wfc deploy` \
                         (or aws ec2 accept-transit-gateway-peering-attachment --region {other}), then deploy this \
                         stack with PeeringAccepted=true and the {other} network stack with PeeringAttachmentId"
                    ),
                } },
                "Properties": {
                    "TransitGatewayId": { "Ref": "TransitGateway" },
                    "PeerTransitGatewayId": { "Ref": "PeerTransitGatewayId" },
                    "PeerRegion": other,
                    "PeerAccountId": stack.shop.account_id,
                    "Tags": name("peering"),
                },
            }),
        );
        outputs.insert(
            "PeeringAttachmentId".into(),
            json!({
                "Description": format!("Accept it in {other}; then give it to the {other} network stack"),
                "Value": { "Ref": "PeeringAttachment" },
            }),
        );
        json!({ "Ref": "PeeringAttachment" })
    } else {
        parameters.insert(
            "PeeringAttachmentId".into(),
            json!({
                "Type": "String",
                "Description": format!("The peering attachment from {other}, once accepted here (empty until then)"),
                "AllowedPattern": "^(tgw-attach-[0-9a-f]{8,17})?$",
                "Default": "",
            }),
        );
        conditions.insert(
            "Peered".into(),
            json!({ "Fn::Not": [{ "Fn::Equals": [{ "Ref": "PeeringAttachmentId" }, ""] }] }),
        );
        json!({ "Ref": "PeeringAttachmentId" })
    };
    resources.insert(
        "PeeringAssociation".into(),
        json!({
            "Type": "AWS::EC2::TransitGatewayRouteTableAssociation",
            "Condition": "Peered",
            "Properties": {
                "TransitGatewayAttachmentId": peering,
                "TransitGatewayRouteTableId": { "Ref": "RouteTable" },
            },
        }),
    );
    // Peering attachments do not propagate routes: the other CIDR is a static route.
    resources.insert(
        "RouteToRemote".into(),
        json!({
            "Type": "AWS::EC2::TransitGatewayRoute",
            "Condition": "Peered",
            "Properties": {
                "DestinationCidrBlock": there.cidr,
                "TransitGatewayAttachmentId": peering,
                "TransitGatewayRouteTableId": { "Ref": "RouteTable" },
            },
        }),
    );

    Some(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "wfc network of {shop} in {region}: transit gateway (ASN {asn}), VPC {} ({}) joined to {other} ({}). \
             Generated by `wfc compile`; deploy in phases (docs/deploy.md).",
            here.vpc_id, here.cidr, there.cidr
        ),
        "Metadata": { "wfc": { "shop": shop, "region": region, "deploy": "docs/deploy.md" } },
        "Parameters": parameters,
        "Conditions": conditions,
        "Resources": resources,
        "Outputs": outputs,
    }))
}

/// The other region and its network.
pub fn peer<'s>(stack: &'s Stack, region: &str) -> Option<(&'s str, &'s Network)> {
    stack
        .regions
        .iter()
        .find(|(name, _)| name.as_str() != region)
        .and_then(|(name, r)| Some((name.as_str(), r.network.as_ref()?)))
}
