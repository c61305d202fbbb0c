//! A quick measurement of the engine's hot path: a chain of plain Pass states, history off.
//! `cargo run --release -p wfc-engine --example pass_chain [states] [runs]`
//! (The formal benchmarks, against moto and aws-local-stepfunctions, live elsewhere.)

use serde_json::{json, Map, Value};
use std::time::Instant;
use wfc_engine::{Engine, Outcome};

fn main() {
    let mut args = std::env::args().skip(1);
    let states: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let mut chain = Map::new();
    for i in 0..states {
        let state = if i + 1 == states {
            json!({"Type": "Pass", "End": true})
        } else {
            json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
        };
        chain.insert(format!("S{i}"), state);
    }
    let definition = json!({"StartAt": "S0", "States": Value::Object(chain)});
    let engine = Engine::new(serde_json::from_value(definition).expect("valid"));
    let input = json!({"order": 42, "items": ["a", "b"]});
    let started = Instant::now();
    for _ in 0..runs {
        let report = engine.run(input.clone());
        assert!(matches!(report.outcome, Outcome::Succeeded { .. }));
    }
    let elapsed = started.elapsed();
    let transitions = (states * runs) as f64;
    println!(
        "{runs} runs of a {states}-state Pass chain in {:.3} s: {:.0} state transitions/s ({:.1} µs per run)",
        elapsed.as_secs_f64(),
        transitions / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / runs as f64
    );
}
