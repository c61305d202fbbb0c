use serde_json::Value;
use wfc_compiler::asl::parse;

#[test]
fn round_trips_a_small_definition() {
    let text = r#"{"Comment":"x","StartAt":"A","States":{
      "A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
           "ResultPath":null,"Retry":[{"ErrorEquals":["States.ALL"],"BackoffRate":2.0,"MaxAttempts":3}],
           "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F","ResultPath":"$.err"}],"Next":"C"},
      "C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericGreaterThan":1.5,"Next":"P"},
            {"And":[{"Variable":"$.y","IsPresent":true},{"Not":{"Variable":"$.y","StringMatches":"a*"}}],"Next":"P"}],"Default":"F"},
      "P":{"Type":"Parallel","Branches":[{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"End":true}}}],"Next":"M"},
      "M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"S","States":{"S":{"Type":"Succeed"}}},"End":true},
      "F":{"Type":"Fail","Error":"E","CausePath":"$.c"}}}"#;
    let machine = parse(text, "t").expect("parses");
    let back: Value = serde_json::to_value(&machine).unwrap();
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(back, original);
}

#[test]
fn reports_every_bad_state() {
    let text = r#"{"StartAt":"A","States":{"A":{"Type":"Bogus"},"B":{"Type":"Task"},
      "P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Wait","Seconds":"x"}}}],"End":true}}}"#;
    let Err(wfc_compiler::asl::ParseFailure::Invalid {
        diagnostics: ds, ..
    }) = parse(text, "t")
    else {
        panic!()
    };
    for d in &ds {
        eprintln!("{d}");
    }
    assert!(ds.len() >= 2);
}
