//! The engine benchmark (issue 3, "Performance"): wfc's side. `scripts/bench-engine.sh` runs it
//! against moto and aws-local-stepfunctions on the same definitions (benches/engine/gen_defs.py).
//!
//! `WFC_ENGINE_BENCH_DEFS=DIR cargo bench -p wfc-engine --bench engine [-- --check]`
//!
//! For each workload of `DIR/workloads.json`: the definition is parsed and the [`Engine`] built
//! once (not timed), then, for history off (the default) and on, a warm-up and
//! `WFC_BENCH_REPS` (default 7) repetitions. A repetition runs the execution again and again
//! until `WFC_BENCH_MIN_MS` (default 200) have passed, at least once, and keeps the mean time of
//! one `engine.run(input)` (the input's clone is not timed); every output is checked against
//! `NAME.expected.json`. One JSON line per workload and mode (`WFC_BENCH_HISTORY=off` or `on`
//! runs one mode only, for profiling).
//! `--check` instead runs each workload once with history on and counts the states entered
//! (`*StateEntered` events, Map iterations included) against `workloads.json`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wfc_engine::{Engine, Options, Outcome};

fn read(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&read(dir, name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("WFC_ENGINE_BENCH_DEFS").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../target/bench/engine/defs"));
    let reps = env_number("WFC_BENCH_REPS", 7).max(1);
    let min_time = Duration::from_millis(env_number("WFC_BENCH_MIN_MS", 200));
    let only: Option<Vec<String>> = std::env::var("WFC_BENCH_WORKLOADS")
        .ok()
        .map(|s| s.split(',').map(str::to_owned).collect());

    let modes: &[bool] = match std::env::var("WFC_BENCH_HISTORY").as_deref() {
        Ok("off") => &[false],
        Ok("on") => &[true],
        _ => &[false, true],
    };

    let manifest = json(&dir, "workloads.json");
    for w in manifest["workloads"].as_array().expect("workloads") {
        let name = w["name"].as_str().expect("name");
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        let transitions = w["transitions"].as_u64().expect("transitions");
        let text = read(&dir, w["asl"].as_str().expect("asl"));
        let input = json(&dir, w["input"].as_str().expect("input"));
        let expected = json(&dir, w["expected"].as_str().expect("expected"));

        for &history in modes {
            if check && !history {
                continue;
            }
            let built = Instant::now();
            let machine = wfc_compiler::asl::parse(&text, name).expect("valid definition");
            let engine = Engine::new(machine).with_options(Options {
                history,
                ..Options::default()
            });
            let construct_ms = built.elapsed().as_secs_f64() * 1e3;
            let run_once = || {
                let input = input.clone();
                let started = Instant::now();
                let report = engine.run(input);
                let elapsed = started.elapsed();
                match &report.outcome {
                    Outcome::Succeeded { output } if *output == expected => {}
                    other => panic!("{name}: unexpected outcome {:.200}", format!("{other:?}")),
                }
                (elapsed, report)
            };
            if check {
                let (_, report) = run_once();
                let entered = report
                    .history
                    .iter()
                    .filter(|e| e.kind.ends_with("StateEntered"))
                    .count() as u64;
                let ok = entered == transitions;
                println!(
                    "{}",
                    serde_json::json!({"engine": "wfc", "workload": name,
                        "check": if ok { "ok" } else { "MISMATCH" }, "entered": entered,
                        "events": report.history.len(), "transitions": transitions})
                );
                if !ok {
                    std::process::exit(1);
                }
                continue;
            }
            // Warm-up: caches, allocator, page faults.
            let warm = Instant::now();
            while warm.elapsed() < min_time / 2 {
                run_once();
            }
            let mut per_run_ms = Vec::with_capacity(reps as usize);
            for _ in 0..reps {
                let start = Instant::now();
                let (mut total, mut runs) = (Duration::ZERO, 0u32);
                loop {
                    total += run_once().0;
                    runs += 1;
                    if start.elapsed() >= min_time {
                        break;
                    }
                }
                per_run_ms.push(total.as_secs_f64() * 1e3 / runs as f64);
            }
            println!(
                "{}",
                serde_json::json!({"engine": if history { "wfc+history" } else { "wfc" },
                    "workload": name, "transitions": transitions, "reps_ms": per_run_ms,
                    "construct_ms": construct_ms})
            );
        }
    }
}
