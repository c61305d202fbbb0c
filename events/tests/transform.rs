//! Input transformer: the user guide's examples, quoting, missing paths, invalid JSON results,
//! predefined variables, validation.

use indexmap::IndexMap;
use serde_json::{json, Value};
use wfc_events::{InputTransformer, TransformContext, TransformError};

fn ec2_event() -> Value {
    json!({
        "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
        "account": "123456789012", "time": "2015-11-11T21:29:54Z", "region": "us-east-1",
        "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
        "detail": {"instance-id": "i-0123456789", "state": "RUNNING"}
    })
}

fn doc_transformer(template: &str) -> InputTransformer {
    let mut paths = IndexMap::new();
    paths.insert("timestamp".to_string(), "$.time".to_string());
    paths.insert("instance".to_string(), "$.detail.instance-id".to_string());
    paths.insert("state".to_string(), "$.detail.state".to_string());
    InputTransformer::new(paths, template)
}

fn apply(template: &str) -> Result<String, TransformError> {
    doc_transformer(template).apply(&ec2_event())
}

#[test]
fn doc_simple_string() {
    assert_eq!(
        apply(r#""instance <instance> is in <state>""#).unwrap(),
        r#""instance i-0123456789 is in RUNNING""#
    );
}

#[test]
fn doc_string_with_escaped_quotes() {
    assert_eq!(
        apply(r#""instance \"<instance>\" is in <state>""#).unwrap(),
        r#""instance \"i-0123456789\" is in RUNNING""#
    );
}

#[test]
fn doc_simple_json() {
    let out = apply("{\n  \"instance\" : <instance>,\n  \"state\": <state>\n}").unwrap();
    assert_eq!(out, r#"{"instance":"i-0123456789","state":"RUNNING"}"#);
}

#[test]
fn doc_json_with_strings_and_variables() {
    let out = apply(
        r#"{"instance" : <instance>, "state": "<state>", "instanceStatus": "instance \"<instance>\" is in <state>"}"#,
    )
    .unwrap();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({"instance": "i-0123456789", "state": "RUNNING",
               "instanceStatus": "instance \"i-0123456789\" is in RUNNING"})
    );
}

#[test]
fn doc_mix_of_variables_and_static() {
    let out =
        apply(r#"{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}"#)
            .unwrap();
    assert_eq!(
        out,
        r#"{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}"#
    );
}

#[test]
fn doc_reserved_variables() {
    let context = TransformContext {
        rule_name: "example".into(),
        rule_arn: "arn:aws:events:us-east-2:123456789012:rule/example".into(),
        ingestion_time: "2015-11-11T21:29:55Z".into(),
    };
    let t = doc_transformer(
        r#"{"instance": <instance>, "ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "originalEvent": <aws.events.event>, "at": <aws.events.event.ingestion-time>}"#,
    );
    let v: Value = serde_json::from_str(&t.apply_with(&ec2_event(), &context).unwrap()).unwrap();
    assert_eq!(
        v["ruleArn"],
        "arn:aws:events:us-east-2:123456789012:rule/example"
    );
    assert_eq!(v["ruleName"], "example");
    assert_eq!(v["originalEvent"], ec2_event());
    assert_eq!(v["at"], "2015-11-11T21:29:55Z");
    let s = doc_transformer(r#""<aws.events.rule-name> triggered""#);
    assert_eq!(
        s.apply_with(&ec2_event(), &context).unwrap(),
        r#""example triggered""#
    );
    let j = doc_transformer(r#"{"event": <aws.events.event.json>}"#);
    let v: Value = serde_json::from_str(&j.apply(&ec2_event()).unwrap()).unwrap();
    assert_eq!(v["event"], ec2_event());
}

#[test]
fn values_of_other_types() {
    let mut paths = IndexMap::new();
    paths.insert("resources".to_string(), "$.resources".to_string());
    paths.insert("first".to_string(), "$.resources[0]".to_string());
    paths.insert("detail".to_string(), "$.detail".to_string());
    let t = InputTransformer::new(
        paths,
        r#"{"r": <resources>, "f": "<first>", "d": <detail>}"#,
    );
    let v: Value = serde_json::from_str(&t.apply(&ec2_event()).unwrap()).unwrap();
    assert_eq!(
        v["r"],
        json!(["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"])
    );
    assert_eq!(
        v["f"],
        "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"
    );
    assert_eq!(v["d"]["state"], "RUNNING");
}

#[test]
fn missing_paths() {
    let mut paths = IndexMap::new();
    paths.insert("gone".to_string(), "$.detail.nothing".to_string());
    let t = InputTransformer::new(paths.clone(), r#"{"a": <gone>, "b": "x<gone>y"}"#);
    assert_eq!(t.apply(&ec2_event()).unwrap(), r#"{"a":null,"b":"xy"}"#);
    let text = InputTransformer::new(paths, "value: <gone>.");
    assert_eq!(text.apply(&ec2_event()).unwrap(), "value: .");
}

#[test]
fn unescaped_values_can_break_json() {
    // "EventBridge doesn't escape values extracted by Input Path".
    let event = json!({"detail": {"msg": "say \"hi\""}});
    let mut paths = IndexMap::new();
    paths.insert("msg".to_string(), "$.detail.msg".to_string());
    let t = InputTransformer::new(paths.clone(), r#"{"m": "<msg>"}"#);
    assert!(matches!(
        t.apply(&event),
        Err(TransformError::InvalidJson { .. })
    ));
    // Outside quotes the JSON value is inserted, so it stays valid.
    let ok = InputTransformer::new(paths, r#"{"m": <msg>}"#);
    assert_eq!(ok.apply(&event).unwrap(), r#"{"m":"say \"hi\""}"#);
}

#[test]
fn invalid_json_template() {
    let err = apply(r#"{"instance": <instance>,}"#).unwrap_err();
    assert!(matches!(err, TransformError::InvalidJson { .. }), "{err}");
}

#[test]
fn plain_text_template_is_not_json() {
    assert_eq!(
        apply("<instance> is in state <state>").unwrap(),
        "i-0123456789 is in state RUNNING"
    );
}

#[test]
fn unknown_placeholders_stay() {
    assert_eq!(
        apply(r#""<b>bold</b> <state>""#).unwrap(),
        r#""<b>bold</b> RUNNING""#
    );
}

#[test]
fn validation() {
    let mut many = IndexMap::new();
    for i in 0..101 {
        many.insert(format!("v{i}"), "$.detail".to_string());
    }
    assert_eq!(
        InputTransformer::new(many.clone(), "\"x\"").validate(),
        Err(TransformError::TooManyPaths(101))
    );
    many.truncate(100);
    assert_eq!(InputTransformer::new(many, "\"x\"").validate(), Ok(()));

    let mut reserved = IndexMap::new();
    reserved.insert("aws.events.rule-name".to_string(), "$.detail".to_string());
    assert!(matches!(
        InputTransformer::new(reserved, "\"x\"").validate(),
        Err(TransformError::ReservedName(_))
    ));
    let mut bad = IndexMap::new();
    bad.insert("x".to_string(), "detail.state".to_string());
    assert!(matches!(
        InputTransformer::new(bad, "\"x\"").validate(),
        Err(TransformError::BadPath { .. })
    ));
    assert!(matches!(
        InputTransformer::new(IndexMap::new(), "").validate(),
        Err(TransformError::TemplateLength(0))
    ));
}

#[test]
fn serde_uses_aws_casing() {
    let t: InputTransformer = serde_json::from_value(json!({
        "InputPathsMap": {"instance": "$.detail.instance-id"},
        "InputTemplate": "\"<instance>\""
    }))
    .unwrap();
    assert_eq!(t.apply(&ec2_event()).unwrap(), "\"i-0123456789\"");
    let back = serde_json::to_value(&t).unwrap();
    assert_eq!(back["InputTemplate"], "\"<instance>\"");
    assert_eq!(back["InputPathsMap"]["instance"], "$.detail.instance-id");
}
