//! The whole chain on one workflow: the DSL compiles the example, the engine runs it on virtual
//! time with the example's stand-in activities, and a callback task is answered like a person
//! would answer it.

use std::process::Command;

#[test]
fn the_example_failover_runs_end_to_end_on_virtual_time() {
    let out = Command::new(env!("CARGO_BIN_EXE_wfc"))
        .args([
            "run",
            "example",
            "--input",
            "examples/example-input.json",
            "--seed",
            "7",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("wfc runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let output: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the output is JSON");
    assert_eq!(output["approval"]["approved_by"], "simulated operator");
    assert_eq!(output["replica"]["Payload"]["lag_seconds"], 2.0);
    assert_eq!(output["database"]["Payload"]["status"], "available");
    assert_eq!(output["prepared"][0]["Payload"]["in_service"], 4);
    // One 30 s poll wait, and nothing slept for real.
    assert!(
        stderr.contains("SUCCEEDED in 30.000 s of virtual time"),
        "{stderr}"
    );
}
