//! Runs one workload of the engine benchmark in a process of its own, for profiles and peak
//! memory (BENCHMARKS.md, Engine): `cargo run --release -p wfc-engine --example workload --
//! DIR NAME [RUNS] [on|off]` (DIR from `benches/engine/gen_defs.py`; history off by default).
//! E.g. `/usr/bin/time -v target/release/examples/workload target/bench/engine/defs map 1`, or
//! under `valgrind --tool=callgrind` to count instructions.

use serde_json::Value;
use std::path::Path;
use std::time::Instant;
use wfc_engine::{Engine, Options, Outcome};

fn json(dir: &Path, name: &str) -> Value {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, name, rest @ ..] = args.as_slice() else {
        eprintln!("usage: workload DIR NAME [RUNS] [on|off]");
        std::process::exit(2);
    };
    let runs: usize = rest.first().and_then(|r| r.parse().ok()).unwrap_or(1);
    let history = rest.get(1).is_some_and(|h| h == "on");
    let dir = Path::new(dir);
    let text = std::fs::read_to_string(dir.join(format!("{name}.asl.json"))).expect("definition");
    let mut input = Some(json(dir, &format!("{name}.input.json")));
    // Compared as text, so that the process holds no second tree of the expected output.
    let expected: Value = json(dir, &format!("{name}.expected.json"));
    let expected = serde_json::to_string(&expected).expect("JSON");
    let machine = wfc_compiler::asl::parse(&text, name).expect("valid definition");
    let engine = Engine::new(machine).with_options(Options {
        history,
        ..Options::default()
    });
    let started = Instant::now();
    for run in 0..runs {
        // The last run takes the input itself: one copy of it in the process at a time.
        let input = match run + 1 == runs {
            true => input.take().expect("input"),
            false => input.clone().expect("input"),
        };
        let report = engine.run(input);
        match &report.outcome {
            Outcome::Succeeded { output }
                if serde_json::to_string(output).ok() == Some(expected.clone()) => {}
            other => panic!("{name}: unexpected outcome {:.200}", format!("{other:?}")),
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{name}, history {}: {runs} runs, {:.3} ms per run (input copies included)",
        if history { "on" } else { "off" },
        elapsed.as_secs_f64() * 1e3 / runs as f64
    );
}
