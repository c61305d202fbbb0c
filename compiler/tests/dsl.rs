//! The DSL and the checks only typed workflows get: data flow, activity inputs, error names,
//! lint allowances. Each test asserts the message a user would read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use wfc_compiler::dsl::{Catch, CompileError, Condition, Path, Retry, StateBuilder, Workflow};
use wfc_compiler::field;
use wfc_contract::Activity;

#[derive(Serialize, Deserialize, JsonSchema)]
struct Input {
    db: String,
    limit: f64,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct LagInput {
    db: String,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Lag {
    seconds: f64,
    status: String,
    known: bool,
}

struct CheckLag;
impl Activity for CheckLag {
    const NAME: &'static str = "check_lag";
    const ERRORS: &'static [&'static str] = &["ReplicaLagUnknown"];
    type Input = LagInput;
    type Output = Lag;
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct NeedsRegion {
    region: String,
}

struct Regional;
impl Activity for Regional {
    const NAME: &'static str = "regional";
    type Input = NeedsRegion;
    type Output = Lag;
}

fn messages(result: Result<wfc_compiler::dsl::Compiled, CompileError>) -> String {
    match result {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

fn assert_has(all: &str, expected: &str) {
    assert!(all.contains(expected), "expected\n  {expected}\nin\n{all}");
}

/// Compiles "check the lag, then a Choice on `gate_path` (numeric < 5)" and returns the messages.
fn gate_on(workflow: &str, gate_path: &str) -> String {
    gate_after_jsonata(workflow, gate_path, false)
}

/// [`gate_on`], with a JSONata Choice between the check and the gate when `jsonata` is set.
fn gate_after_jsonata(workflow: &str, gate_path: &str, jsonata: bool) -> String {
    let wf = Workflow::new(workflow).input::<Input>();
    let check = wf
        .task::<CheckLag>("Check")
        .result_path("$.lag")
        .retry(Retry::transient_lambda());
    let ok = wf.succeed("Ok");
    let gate = wf
        .choice("Gate")
        .when(Path::<f64>::raw(gate_path).lt(5), &ok)
        .otherwise(&ok);
    if !jsonata {
        return messages(wf.compile(check.next(&gate)));
    }
    let late = wf
        .choice("Late")
        .jsonata()
        .when(
            Condition::raw(serde_json::json!({ "Condition": "{% $states.input.limit > 5 %}" })),
            &ok,
        )
        .otherwise(&gate);
    messages(wf.compile(check.next(&late)))
}

#[test]
fn a_typed_chain_compiles_to_asl_with_the_lambda_envelope() {
    let wf = Workflow::new("t").input::<Input>();
    let check = wf
        .task::<CheckLag>("Check")
        .result_path("$.lag")
        .retry(Retry::transient_lambda());
    let ok = wf.succeed("Ok");
    let bad = wf.fail("Bad", "LagTooHigh", "lag");
    let gate = wf
        .choice("Gate")
        .when(
            check
                .output(field!(Lag.seconds))
                .le_path(&Path::<Input>::root().at(field!(Input.limit))),
            &ok,
        )
        .otherwise(&bad);
    let compiled = wf.compile(check.next(&gate)).expect("compiles");
    let json = serde_json::to_value(&compiled.machine).unwrap();
    assert_eq!(
        json["States"]["Check"]["Resource"],
        "arn:aws:states:::lambda:invoke"
    );
    assert_eq!(json["States"]["Check"]["Next"], "Gate");
    assert_eq!(
        json["States"]["Gate"]["Choices"][0]["Variable"],
        "$.lag.Payload.seconds"
    );
    assert_eq!(
        json["States"]["Gate"]["Choices"][0]["NumericLessThanEqualsPath"],
        "$.limit"
    );
    assert_eq!(json["States"]["Gate"]["Default"], "Bad");
}

#[test]
fn a_typo_in_a_choice_path_names_the_workflow_state_path_and_existing_fields() {
    let all = gate_on("failover", "$.lag.Payload.secnds");
    assert_has(&all, "error[unknown-path]: workflow failover › state \"Gate\" › Choices[0].Variable: $.lag.Payload.secnds does not exist in this state's input: $.lag.Payload has no secnds");
    assert_has(
        &all,
        "hint: fields that exist there: known, seconds, status",
    );
}

#[test]
fn forgetting_the_payload_envelope_is_caught() {
    let all = gate_on("t", "$.lag.seconds");
    assert_has(&all, "$.lag has no seconds");
    assert_has(&all, "fields that exist there: ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode");
}

#[test]
fn an_operator_of_the_wrong_type_is_caught() {
    let all = gate_on("t", "$.lag.Payload.status");
    assert_has(&all, "error[choice-type-mismatch]: workflow t › state \"Gate\" › Choices[0].NumericLessThan: NumericLessThan compares numbers, but $.lag.Payload.status is a string");
}

#[test]
fn an_activity_that_does_not_get_its_input_is_caught() {
    let wf = Workflow::new("t").input::<Input>();
    let task = wf
        .task::<Regional>("Regional")
        .retry(Retry::transient_lambda());
    let all = messages(wf.compile(task));
    assert_has(&all, "error[activity-input]: workflow t › state \"Regional\" › Parameters.Payload: the activity regional needs $.region (a string), which the state does not hand it");
}

#[test]
fn a_wait_seconds_path_of_the_wrong_type_is_caught() {
    let wf = Workflow::new("t").input::<Input>();
    let wait = wf.wait_seconds_at("Wait", Path::<f64>::raw("$.db"));
    let all = messages(wf.compile(wait));
    assert_has(&all, "error[dataflow-type]: workflow t › state \"Wait\" › SecondsPath: must point at a number, but $.db is a string");
}

#[test]
fn error_names_an_activity_never_raises_are_caught() {
    let wf = Workflow::new("t").input::<Input>();
    let done = wf.succeed("Done");
    let task = wf
        .task::<CheckLag>("Check")
        .retry(Retry::on(&["ReplicaLagUnknwn"]))
        .retry(Retry::transient_lambda())
        .catch(Catch::all(), &done);
    let all = messages(wf.compile(task.next(&done)));
    assert_has(&all, "error[unknown-error-name]: workflow t › state \"Check\" › Retry[0].ErrorEquals: the activity never raises \"ReplicaLagUnknwn\" (did you mean \"ReplicaLagUnknown\"?)");
}

#[test]
fn lints_fail_compile_unless_allowed_with_a_reason() {
    let wf = Workflow::new("t").input::<Input>();
    let task = wf.task::<CheckLag>("Check");
    let all = messages(wf.compile(task.clone()));
    assert_has(
        &all,
        "warning[no-transient-retry]: workflow t › state \"Check\" › Retry",
    );

    let wf = Workflow::new("t").input::<Input>();
    let task = wf.task::<CheckLag>("Check").allow("no-transient-retry", "");
    assert_has(
        &messages(wf.compile(task)),
        "allowing a lint needs a reason",
    );

    let wf = Workflow::new("t").input::<Input>();
    let task = wf.task::<CheckLag>("Check").allow(
        "no-transient-retry",
        "read-only probe, the next poll retries",
    );
    let compiled = wf.compile(task).expect("allowed lint compiles");
    assert_eq!(
        compiled.allowed_lints,
        vec![(
            "Check".into(),
            "no-transient-retry".into(),
            "read-only probe, the next poll retries".into()
        )]
    );
}

#[test]
fn an_allow_that_does_not_fire_is_reported() {
    let wf = Workflow::new("t").input::<Input>();
    let pass = wf.pass("P").allow("spin-loop", "no loop here");
    assert_has(&messages(wf.compile(pass)), "warning[unused-allow]: workflow t › state \"P\": the state allows lint \"spin-loop\", which does not fire here");
}

#[test]
fn a_poll_loop_is_written_without_repeating_names() {
    let wf = Workflow::new("t").input::<Input>();
    let wait = wf.wait_seconds("Wait", 10);
    let poll = wf
        .task::<CheckLag>("Poll")
        .result_path("$.lag")
        .retry(Retry::transient_lambda());
    let done = wf.succeed("Done");
    let ready = wf
        .choice("Ready")
        .when(poll.output(field!(Lag.known)).is_true(), &done)
        .otherwise(&wait);
    let compiled = wf.compile(wait.next(&poll).next(&ready)).expect("compiles");
    let json = serde_json::to_value(&compiled.machine).unwrap();
    assert_eq!(json["States"]["Ready"]["Default"], "Wait");
    assert_eq!(json["States"]["Wait"]["Next"], "Poll");
}

#[test]
fn a_loop_without_wait_or_task_is_a_lint() {
    let wf = Workflow::new("t").input::<Input>();
    let a = wf.pass("A");
    let done = wf.succeed("Done");
    let again = wf
        .choice("Again")
        .when(Path::<Input>::root().at(field!(Input.limit)).gt(1), &done)
        .otherwise(&a);
    assert_has(&messages(wf.compile(a.next(&again))), "warning[spin-loop]: workflow t › state \"A\": the loop through \"A\", \"Again\" has no Wait or Task state");
}

#[test]
fn a_state_shared_by_a_branch_and_the_machine_is_an_error() {
    let wf = Workflow::new("t").input::<Input>();
    let shared = wf.pass("Shared");
    let parallel = wf.parallel("Fan out").branch(&shared);
    let all = messages(wf.compile(parallel.next(&shared)));
    assert_has(&all, "error[crosses-scope]: workflow t › state \"Shared\": this state is used both inside and outside a Parallel branch or Map body");
}

#[test]
fn parallel_and_map_build_nested_scopes() {
    let wf = Workflow::new("t").input::<Input>();
    let a = wf.pass("A");
    let b = wf.pass("B");
    let item = wf.pass("Item");
    let parallel = wf
        .parallel("Both")
        .branch(&a)
        .branch(&b)
        .result_path("$.both");
    let each = wf
        .map("Each", Path::<Vec<String>>::raw("$.both"))
        .processor(&item)
        .discard_result();
    let compiled = wf.compile(parallel.next(&each)).expect("compiles");
    let json = serde_json::to_value(&compiled.machine).unwrap();
    assert_eq!(json["States"]["Both"]["Branches"][1]["StartAt"], "B");
    assert_eq!(
        json["States"]["Both"]["Branches"][1]["States"]["B"]["End"],
        true
    );
    assert_eq!(
        json["States"]["Each"]["ItemProcessor"]["States"]["Item"]["End"],
        true
    );
    assert_eq!(
        json["States"]["Each"]["ItemProcessor"]["ProcessorConfig"]["Mode"],
        "INLINE"
    );
}

#[test]
fn callbacks_pass_the_token_and_express_machines_refuse_them() {
    let wf = Workflow::new("t").input::<Input>().express();
    let approve = wf
        .callback::<CheckLag>("Approve")
        .timeout_seconds(60)
        .retry(Retry::transient_lambda());
    let all = messages(wf.compile(approve));
    assert_has(&all, "error[express-integration]: workflow t › state \"Approve\" › Resource: an Express state machine cannot use the .waitForTaskToken pattern");

    let wf = Workflow::new("t").input::<Input>();
    let approve = wf
        .callback::<CheckLag>("Approve")
        .retry(Retry::transient_lambda());
    let all = messages(wf.compile(approve));
    assert_has(
        &all,
        "warning[callback-without-timeout]: workflow t › state \"Approve\" › TimeoutSeconds",
    );
    assert!(!all.contains("callback-without-token"), "{all}");
}

#[test]
fn aws_sdk_parameters_use_aws_casing() {
    let wf = Workflow::new("t").input::<Input>();
    let stop = wf.aws_sdk("Stop", "rds", "stopDBInstance").sdk_param_from(
        "db_instance_identifier",
        &Path::<Input>::root().at(field!(Input.db)),
    );
    let compiled = wf.compile(stop).expect("compiles");
    let json = serde_json::to_value(&compiled.machine).unwrap();
    assert_eq!(
        json["States"]["Stop"]["Resource"],
        "arn:aws:states:::aws-sdk:rds:stopDBInstance"
    );
    assert_eq!(
        json["States"]["Stop"]["Parameters"]["DbInstanceIdentifier.$"],
        "$.db"
    );
}

#[test]
fn conditions_combine_with_and_or_not() {
    let wf = Workflow::new("t").input::<Input>();
    let root = Path::<Input>::root();
    let ok = wf.succeed("Ok");
    let gate = wf
        .choice("Gate")
        .when(
            !Condition::or([
                root.at(field!(Input.limit)).gt(3),
                root.at(field!(Input.db)).eq_str("x"),
            ]),
            &ok,
        )
        .otherwise(&ok);
    let compiled = wf.compile(gate).expect("compiles");
    let json = serde_json::to_value(&compiled.machine).unwrap();
    assert_eq!(
        json["States"]["Gate"]["Choices"][0]["Not"]["Or"][1]["StringEquals"],
        "x"
    );
}

/// A sub-chain built by a function can be used in several places; each use gets its own states.
fn notify_then_fail(wf: &Workflow, step: &str) -> wfc_compiler::dsl::Chain {
    let notify = wf
        .pass(&format!("Notify {step} failure"))
        .result(serde_json::json!({ "step": step }))
        .result_path("$.notified");
    let fail = wf.fail(&format!("{step} failed"), "StepFailed", step);
    notify.next(&fail)
}

#[test]
fn a_sub_chain_is_reused_without_writing_names_twice() {
    let wf = Workflow::new("t").input::<Input>();
    let fence = wf
        .task::<CheckLag>("Fence")
        .discard_result()
        .retry(Retry::transient_lambda())
        .catch(
            Catch::all().result_path("$.error"),
            notify_then_fail(&wf, "Fence"),
        );
    let promote = wf
        .task::<CheckLag>("Promote")
        .retry(Retry::transient_lambda())
        .catch(
            Catch::all().result_path("$.error"),
            notify_then_fail(&wf, "Promote"),
        );
    let compiled = wf.compile(fence.next(&promote)).expect("compiles");
    let json = serde_json::to_value(&compiled.machine).unwrap();
    assert_eq!(
        json["States"]["Fence"]["Catch"][0]["Next"],
        "Notify Fence failure"
    );
    assert_eq!(
        json["States"]["Promote"]["Catch"][0]["Next"],
        "Notify Promote failure"
    );
    assert_eq!(
        json["States"]["Notify Promote failure"]["Next"],
        "Promote failed"
    );
}

#[test]
fn a_type_test_applies_to_a_field_of_any_type() {
    // IsPresent/IsNull test any field: a number, a string or a boolean may be absent or null.
    for path in [
        "$.lag.Payload.seconds",
        "$.lag.Payload.status",
        "$.lag.Payload.known",
    ] {
        let wf = Workflow::new("t").input::<Input>();
        let check = wf
            .task::<CheckLag>("Check")
            .result_path("$.lag")
            .retry(Retry::transient_lambda());
        let ok = wf.succeed("Ok");
        let gate = wf
            .choice("Gate")
            .when(Path::<String>::raw(path).is_present(), &ok)
            .when(Path::<String>::raw(path).is_null(), &ok)
            .otherwise(&ok);
        wf.compile(check.next(&gate))
            .unwrap_or_else(|e| panic!("{path}: {}", messages(Err(e))));
    }
}

/// A JSONata Choice without an `Output` passes its input on as it is: the states after it are
/// still checked (a JSONPath machine may switch one Choice to JSONata for time arithmetic).
#[test]
fn a_jsonata_choice_keeps_the_data_flow_checked_after_it() {
    let all = gate_after_jsonata("failback", "$.lag.Payload.secnds", true);
    assert_has(&all, "error[unknown-path]: workflow failback › state \"Gate\" › Choices[0].Variable: $.lag.Payload.secnds does not exist in this state's input: $.lag.Payload has no secnds");
}
