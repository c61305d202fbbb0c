//! An example failover that uses every state type: Pass, Task (lambda:invoke, callback,
//! aws-sdk), Choice, Wait (a poll loop), Parallel, Map, Succeed and Fail.

mod activities;
pub mod simulated;

pub use activities::*;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use wfc_compiler::dsl::{
    Catch, CompileError, Compiled, Condition, Path, Retry, StateBuilder, Workflow,
};
use wfc_compiler::field;

/// What starts the example failover.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct ExampleInput {
    pub incident_id: String,
    /// The DR read replica to promote.
    pub db_instance_id: String,
    /// The old primary, stopped to fence it.
    pub primary_db_instance_id: String,
    pub max_replica_lag_seconds: f64,
    pub desired_capacity: u32,
    /// Regions whose on-call channel is told.
    pub regions: Vec<String>,
}

pub fn workflow() -> Result<Compiled, CompileError> {
    let wf = Workflow::new("example")
        .input::<ExampleInput>()
        .comment("Example failover: every state type, typed data flow")
        .timeout_seconds(3 * 3600);
    let input = Path::<ExampleInput>::root();

    let failed = wf.fail_from(
        "Failed",
        Path::<String>::raw("$.error.Error"),
        Path::<String>::raw("$.error.Cause"),
    );
    let notify_failure = wf
        .task::<Notify>("Notify failure")
        .payload(&[(
            "incident_id",
            input.at(field!(ExampleInput.incident_id)).as_str(),
        )])
        .discard_result()
        .retry(Retry::transient_lambda());
    let on_failure = notify_failure.next(&failed);

    let start = wf
        .pass("Record start")
        .result(json!({ "phase": "failover" }))
        .result_path("$.started");
    let check = wf
        .task::<CheckReplica>("Check replica")
        .payload(&[(
            "db_instance_id",
            input.at(field!(ExampleInput.db_instance_id)).as_str(),
        )])
        .result_path("$.replica")
        .retry(Retry::transient_lambda())
        .catch(Catch::all().result_path("$.error"), &on_failure);
    let lag_too_high = wf.fail(
        "Lag too high",
        "ReplicaLagTooHigh",
        "replica lag over the limit or unknown",
    );

    let approve = wf
        .callback::<ApproveFailover>("Approve failover")
        .timeout_seconds(3600)
        .heartbeat_seconds(600)
        .result_path("$.approval")
        .retry(Retry::transient_lambda())
        .catch(Catch::all().result_path("$.error"), &on_failure);
    // An unreachable old primary is reported, not fatal: promotion goes on.
    let fence_unreachable = wf.pass("Fence unreachable");
    let fence = wf
        .aws_sdk("Fence old primary", "rds", "stopDBInstance")
        .sdk_param_from(
            "db_instance_identifier",
            &input.at(field!(ExampleInput.primary_db_instance_id)),
        )
        .discard_result()
        .retry(
            Retry::on(&["Rds.ThrottlingException"])
                .interval(2)
                .max_attempts(4)
                .jitter(),
        )
        .catch(
            Catch::all().result_path("$.fence_error"),
            &fence_unreachable,
        );
    let promote = wf
        .task::<PromoteReplica>("Promote replica")
        .payload(&[("db_instance_id", "$.db_instance_id")])
        .result_path("$.promotion")
        .retry(
            Retry::on(&["BackupInProgress"])
                .interval(30)
                .max_attempts(10)
                .backoff(1.0),
        )
        .retry(Retry::transient_lambda())
        .catch(Catch::all().result_path("$.error"), &on_failure);

    let wait = wf.wait_seconds("Wait for promotion", 30);
    let describe = wf
        .task::<DescribeDatabase>("Describe database")
        .payload(&[("db_instance_id", "$.db_instance_id")])
        .result_path("$.database")
        .retry(Retry::transient_lambda())
        .catch(Catch::all().result_path("$.error"), &on_failure);
    let writable = wf.choice("Is writable");

    let scale = wf
        .task::<ScaleCompute>("Scale compute")
        .payload(&[(
            "desired_capacity",
            input.at(field!(ExampleInput.desired_capacity)).as_str(),
        )])
        .retry(Retry::transient_lambda());
    let announce = wf.pass("Announce").result(json!({ "announced": true }));
    let prepare = wf
        .parallel("Prepare DR")
        .branch(&scale)
        .branch(&announce)
        .result_path("$.prepared");

    let notify_region = wf
        .task::<Notify>("Notify region")
        .retry(Retry::transient_lambda());
    let notify_all = wf
        .map("Notify regions", input.at(field!(ExampleInput.regions)))
        .item_selector(json!({ "incident_id.$": "$.incident_id", "region.$": "$$.Map.Item.Value" }))
        .max_concurrency(2)
        .processor(&notify_region)
        .discard_result();
    let done = wf.succeed("Done");

    let gate = wf
        .choice("Lag within limit")
        .when(
            Condition::and([
                check.output(field!(CheckReplicaOutput.lag_known)).is_true(),
                check
                    .output(field!(CheckReplicaOutput.lag_seconds))
                    .le_path(&input.at(field!(ExampleInput.max_replica_lag_seconds))),
            ]),
            &approve,
        )
        .otherwise(&lag_too_high);
    let writable = writable
        .when(
            Condition::and([
                describe
                    .output(field!(DatabaseStatus.status))
                    .eq_str("available"),
                describe
                    .output(field!(DatabaseStatus.is_replica))
                    .is_false(),
            ]),
            prepare.next(&notify_all).next(&done),
        )
        .otherwise(&wait);
    // The poll loop: wait, describe, decide; back to the wait until the database is writable.
    wait.next(&describe).next(&writable);
    approve.next(&fence).next(&promote).next(&wait);
    fence_unreachable.next(&promote);

    wf.compile(start.next(&check).next(&gate))
}
