//! What the example's activities answer in a local run (`wfc run example`), so the whole chain
//! (DSL → ASL → engine) can be exercised before the real activities serve it. Plausible, fixed
//! answers of the declared output types: a healthy replica with 2 s of lag, an approval, a
//! database that is writable after promotion.

use serde_json::{json, Value};

/// The output of `activity` for `input`, or `None` when the example does not know it.
pub fn lambda(activity: &str, input: &Value) -> Option<Value> {
    let answer = match activity {
        "check_replica" => json!({ "is_replica": true, "lag_known": true, "lag_seconds": 2.0 }),
        "approve_failover" => json!({ "approved_by": "simulated operator" }),
        "promote_replica" => json!({ "already_promoted": false }),
        "describe_database" => json!({
            "status": "available",
            "is_replica": false,
            "endpoint": "shop-dr.cluster.us-west-2.rds.amazonaws.com"
        }),
        "scale_compute" => {
            json!({ "in_service": input.get("desired_capacity").cloned().unwrap_or(json!(0)) })
        }
        "notify" => {
            json!({ "message_id": format!("simulated-{}", input.get("region").and_then(Value::as_str).unwrap_or("all")) })
        }
        _ => return None,
    };
    Some(answer)
}

/// The response of an `aws-sdk:` call, or `None` when the example does not know it.
pub fn aws_sdk(service: &str, action: &str, parameters: &Value) -> Option<Value> {
    match (service, action) {
        ("rds", "stopDBInstance") => Some(json!({
            "DbInstance": { "DbInstanceIdentifier": parameters.get("DbInstanceIdentifier"), "DbInstanceStatus": "stopping" }
        })),
        _ => None,
    }
}
