//! Every activity's promise: JSON Schemas of its input and output, error names that exist, IAM
//! actions that look like IAM actions.

use crate::trials;
use libtest_mimic::Trial;
use wfc_activities::catalog::catalog;
use wfc_activities::error::ALL;

pub fn tests() -> Vec<Trial> {
    trials!["schemas": every_activity_has_schemas_errors_and_permissions]
}

async fn every_activity_has_schemas_errors_and_permissions() {
    let activities = catalog();
    // 18 first, then start_workflow and whatever else was added since.
    assert!(activities.len() >= 19, "{}", activities.len());
    let listed: Vec<_> = activities.iter().map(|a| a.name).collect();
    assert_eq!(listed, wfc_activities::catalog::names());
    let mut names: Vec<_> = activities.iter().map(|a| a.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), activities.len(), "names are unique");
    for a in &activities {
        for schema in [&a.input_schema, &a.output_schema] {
            assert!(schema.get("$schema").is_some(), "{}: {schema}", a.name);
            let shaped = schema.get("properties").is_some() || schema.get("oneOf").is_some();
            assert!(shaped, "{}: not an object schema: {schema}", a.name);
        }
        assert!(a.errors.contains(&"InvalidInput"), "{}", a.name);
        for e in a.errors {
            assert!(ALL.contains(e), "{}: unknown error name {e}", a.name);
        }
        if a.name != "smoke_test" {
            assert!(!a.permissions.is_empty(), "{} needs IAM", a.name);
        }
        for p in &a.permissions {
            for action in &p.actions {
                let (service, op) = action.split_once(':').expect("service:Action");
                assert!(
                    !service.is_empty() && op.chars().next().unwrap().is_ascii_uppercase(),
                    "{action}"
                );
                assert!(
                    !action.contains('*'),
                    "{}: wildcard action {action}",
                    a.name
                );
            }
            assert!(!p.resources.is_empty());
        }
    }
    // The input schema a console form would use for a failback request.
    let validate = activities
        .iter()
        .find(|a| a.name == "validate_request")
        .unwrap();
    let text = validate.input_schema.to_string();
    assert!(
        text.contains("target_region") && text.contains("requested_by"),
        "{text}"
    );
}
