//! A replica failback re-creates is Multi-AZ when the stack asks for it for that region
//! (`multi_az` on an RDS database, issue 14); cross-region replicas are single-AZ otherwise.

use serde_json::Value;

fn replica_inputs(stack_text: &str) -> Vec<(String, Value)> {
    let stack = wfc_stack::Stack::load(stack_text).unwrap();
    let built = wfc_workflows::build("failback", &stack).unwrap().unwrap();
    let definition: Value = serde_json::from_str(&built.machine.to_pretty_json()).unwrap();
    let mut found = Vec::new();
    collect(&definition, &mut found);
    found
}

/// Every `create_replica` task input in the definition: `(replica id, multi_az)`.
fn collect(v: &Value, found: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) => {
            if let (Some(id), Some(multi_az)) = (map.get("replica_id"), map.get("multi_az")) {
                found.push((
                    id.as_str().unwrap_or_default().to_string(),
                    multi_az.clone(),
                ));
            }
            map.values().for_each(|c| collect(c, found));
        }
        Value::Array(items) => items.iter().for_each(|c| collect(c, found)),
        _ => {}
    }
}

#[test]
fn failback_replicas_follow_the_stacks_multi_az() {
    let text = wfc_workflows::EXAMPLE_STACK;
    let default = replica_inputs(text);
    assert_eq!(default.len(), 2, "{default:?}");
    assert!(default.iter().all(|(_, m)| m == false), "{default:?}");

    let asked = text
        .replace(
            r#"instance_id = "woo-db-use1","#,
            r#"instance_id = "woo-db-use1", multi_az = true,"#,
        )
        .replace(
            r#"instance_id = "woo-db-usw2","#,
            r#"instance_id = "woo-db-usw2", multi_az = true,"#,
        );
    let asked = replica_inputs(&asked);
    assert!(asked.iter().all(|(_, m)| m == true), "{asked:?}");
}
