//! Benchmark (not a test): compile and check a generated N-state machine, N = 1k, 10k, 100k.
//!
//! Run with `cargo bench -p wfc-compiler --bench compile` (release profile), or through
//! `bash scripts/bench.sh`, which also times AWS CDK on the same chain. Figures: BENCHMARKS.md.
//!
//! The machine is a chain of Pass states with, in every block of ten, a Choice that either goes
//! through a Wait or skips it, ending in a Succeed; one Pass in ten has a `Parameters` template
//! and one sets a `Result` at a `ResultPath`, and the Choice reads a typed field of the input, so
//! every check (fields, names, graph, paths, Choice rules, size, typed data flow) has real work.
//!
//! Phases, each timed with `Instant` over several repetitions (the median is printed):
//! - *build*: the N states created and linked through the DSL (`wfc_compiler::dsl`);
//! - *compile*: `Workflow::compile`: ASL built and every check run, typed data flow included;
//! - *parse*: the standalone path's `asl::parse` of the JSON text;
//! - *check*: the standalone path's `check::check` with `CheckContext::named` (no input schema,
//!   so no data flow: as `wfc check --asl` on a file).
//!
//! Above 1 MB the definition is over AWS's limit, and the compile reports exactly that
//! (`definition-too-large`) after running every check; that is the one diagnostic accepted.
//! The JSON text for the standalone path is written by [`asl_text`]; wherever the compile
//! succeeds it is checked to be the compiled machine, so both paths see the same definition.
//!
//! Environment: `WFC_BENCH_SIZES=1000,10000` picks the sizes; `WFC_BENCH_REPS=5` the repetitions;
//! `WFC_BENCH_ONCE=1000` does one cold build + compile + write and exits (see [`once`]).

use schemars::JsonSchema;
use serde_json::{json, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};
use wfc_compiler::asl;
use wfc_compiler::check::{self, CheckContext};
use wfc_compiler::dsl::{CompileError, Compiled, Path, StateBuilder, Step, Workflow};
use wfc_compiler::field;

/// The execution input: the Choice reads `count`, the Parameters templates `count` and `region`.
#[allow(dead_code)]
#[derive(JsonSchema)]
struct BenchInput {
    count: u32,
    region: String,
}

/// What state `i` of an `n`-state chain is.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A plain Pass.
    Pass,
    /// A Pass with a `Parameters` template (first of each block).
    Template,
    /// A Pass with a fixed `Result` at `$.last`.
    Result,
    /// A Choice: to the Wait when `$.count > 5`, else over it.
    Choice,
    Wait,
    Succeed,
}

fn kind(i: usize, n: usize) -> Kind {
    if i == n - 1 {
        return Kind::Succeed;
    }
    match i % 10 {
        0 => Kind::Template,
        4 => Kind::Result,
        7 => Kind::Choice,
        8 => Kind::Wait,
        _ => Kind::Pass,
    }
}

/// Short names (`P12`, `C17`, `W18`, `Done`): with longer ones a 10,000-state machine is over
/// AWS's 1 MB definition limit, and the compile would rightly refuse it.
fn name(i: usize, n: usize) -> String {
    match kind(i, n) {
        Kind::Pass | Kind::Template | Kind::Result => format!("P{i}"),
        Kind::Choice => format!("C{i}"),
        Kind::Wait => format!("W{i}"),
        Kind::Succeed => "Done".to_string(),
    }
}

fn template(i: usize) -> Value {
    json!({ "count.$": "$.count", "region.$": "$.region", "step": i })
}

/// Phase *build*: the chain through the DSL.
fn build(n: usize) -> (Workflow, Step) {
    assert!(
        n >= 10 && n.is_multiple_of(10),
        "sizes are whole blocks of ten"
    );
    let wf = Workflow::new("bench").input::<BenchInput>();
    let count = Path::<BenchInput>::root().at(field!(BenchInput.count));
    let steps: Vec<Step> = (0..n)
        .map(|i| {
            let label = name(i, n);
            match kind(i, n) {
                Kind::Pass => wf.pass(&label),
                Kind::Template => wf.pass(&label).parameters(template(i)),
                Kind::Result => wf
                    .pass(&label)
                    .result(json!({ "i": i }))
                    .result_path("$.last"),
                Kind::Choice => wf.choice(&label),
                Kind::Wait => wf.wait_seconds(&label, 1),
                Kind::Succeed => wf.succeed(&label),
            }
        })
        .collect();
    for i in 0..n - 1 {
        if kind(i, n) == Kind::Choice {
            steps[i]
                .clone()
                .when(count.gt(5), &steps[i + 1])
                .otherwise(&steps[i + 2]);
        } else {
            steps[i].next(&steps[i + 1]);
        }
    }
    (wf, steps[0].clone())
}

/// The same machine as JSON, written directly (the compile refuses to hand back a machine over
/// AWS's 1 MB limit, so the standalone path cannot take its text from there at 100k).
fn asl_text(n: usize) -> String {
    let mut states = serde_json::Map::new();
    for i in 0..n {
        let next = || Value::String(name(i + 1, n));
        let state = match kind(i, n) {
            Kind::Pass => json!({ "Type": "Pass", "Next": next() }),
            Kind::Template => {
                json!({ "Type": "Pass", "Parameters": template(i), "Next": next() })
            }
            Kind::Result => json!({
                "Type": "Pass", "Result": { "i": i }, "ResultPath": "$.last", "Next": next()
            }),
            Kind::Choice => json!({
                "Type": "Choice",
                "Choices": [{ "Variable": "$.count", "NumericGreaterThan": 5, "Next": next() }],
                "Default": name(i + 2, n)
            }),
            Kind::Wait => json!({ "Type": "Wait", "Seconds": 1, "Next": next() }),
            Kind::Succeed => json!({ "Type": "Succeed" }),
        };
        states.insert(name(i, n), state);
    }
    let machine = json!({ "StartAt": name(0, n), "States": states });
    serde_json::to_string(&machine).expect("JSON serialises")
}

/// Over AWS's 1 MB limit the one expected diagnostic is `definition-too-large`; else none.
/// `bytes` is the size as that path measures it: the pretty JSON `wfc compile` writes for the
/// DSL path, the compact serialisation for `check::check` without a source size.
fn expect_clean(n: usize, diagnostics: &[wfc_compiler::Diagnostic], bytes: usize) {
    let expected: &[&str] = if bytes > 1_048_576 {
        &["definition-too-large"]
    } else {
        &[]
    };
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        expected,
        "N = {n}: unexpected diagnostics: {}",
        diagnostics
            .iter()
            .take(5)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    );
}

fn compile_diagnostics(result: &Result<Compiled, CompileError>) -> Vec<wfc_compiler::Diagnostic> {
    match result {
        Ok(_) => Vec::new(),
        Err(e) => e.diagnostics.clone(),
    }
}

#[derive(Default)]
struct Times {
    build: Vec<Duration>,
    compile: Vec<Duration>,
    parse: Vec<Duration>,
    check: Vec<Duration>,
    /// build + compile, and all four phases, per repetition (for the fastest round).
    dsl: Vec<Duration>,
    total: Vec<Duration>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn min(v: &[Duration]) -> Duration {
    *v.iter().min().expect("at least one repetition")
}

struct Row {
    n: usize,
    bytes: usize,
    reps: usize,
    build: Duration,
    compile: Duration,
    parse: Duration,
    check: Duration,
    /// The fastest repetition of build + compile, and of all four phases.
    dsl_min: Duration,
    total_min: Duration,
}

impl Row {
    /// The DSL path: build + compile (all checks, typed data flow included).
    fn dsl(&self) -> Duration {
        self.build + self.compile
    }
    /// The standalone path: parse + check.
    fn standalone(&self) -> Duration {
        self.parse + self.check
    }
    fn total(&self) -> Duration {
        self.dsl() + self.standalone()
    }
}

fn run(n: usize, reps: usize) -> Row {
    let text = asl_text(n);
    let bytes = text.len();
    let value: Value = serde_json::from_str(&text).expect("our text is JSON");
    // As `StateMachine::to_pretty_json` writes it (the size the compile checks).
    let pretty_bytes = serde_json::to_string_pretty(&value)
        .expect("JSON serialises")
        .len()
        + 1;
    let mut times = Times::default();
    // One untimed warm-up round, then `reps` timed ones.
    for rep in 0..=reps {
        let t = Instant::now();
        let (wf, start) = build(n);
        let built = t.elapsed();

        let t = Instant::now();
        let result = wf.compile(start);
        let compiled = t.elapsed();
        let result = black_box(result);
        expect_clean(n, &compile_diagnostics(&result), pretty_bytes);
        if let (0, Ok(c)) = (rep, &result) {
            let ours: Value = serde_json::to_value(&c.machine).expect("ASL serialises");
            assert_eq!(
                ours, value,
                "N = {n}: asl_text differs from the compiled machine"
            );
            assert_eq!(c.machine.to_pretty_json().len(), pretty_bytes);
        }
        drop(result);
        drop(wf);

        let t = Instant::now();
        let machine = asl::parse(black_box(&text), "bench.asl.json").expect("the text parses");
        let parsed = t.elapsed();

        let t = Instant::now();
        let found = check::check(&machine, &CheckContext::named("bench.asl.json"));
        let checked = t.elapsed();
        let found = black_box(found);
        expect_clean(n, &found, bytes);
        assert_eq!(machine.states.len(), n);
        drop(machine);

        if rep > 0 {
            times.build.push(built);
            times.compile.push(compiled);
            times.parse.push(parsed);
            times.check.push(checked);
            times.dsl.push(built + compiled);
            times.total.push(built + compiled + parsed + checked);
        }
    }
    Row {
        n,
        bytes: pretty_bytes,
        reps,
        dsl_min: min(&times.dsl),
        total_min: min(&times.total),
        build: median(times.build),
        compile: median(times.compile),
        parse: median(times.parse),
        check: median(times.check),
    }
}

/// `WFC_BENCH_ONCE=N`: one cold build + compile + JSON text written to a file, then exit: the
/// whole process is timed from the shell, like `node benches/cdk/chain.mjs N`.
fn once(n: usize) {
    let t = Instant::now();
    let (wf, start) = build(n);
    let built = t.elapsed();
    let t = Instant::now();
    let result = wf.compile(start);
    let checked = t.elapsed();
    let t = Instant::now();
    // Over 1 MB (100k states) the compile refuses the machine: nothing to write.
    let (bytes, codes) = match &result {
        Ok(compiled) => {
            let text = compiled.machine.to_pretty_json();
            let file =
                std::env::temp_dir().join(format!("wfc-bench-{}-{n}.asl.json", std::process::id()));
            std::fs::write(&file, &text).expect("temp file written");
            std::fs::remove_file(&file).ok();
            (text.len(), Vec::new())
        }
        Err(e) => (0, e.diagnostics.iter().map(|d| d.code).collect()),
    };
    let written = t.elapsed();
    println!(
        "{}",
        json!({
            "bench": "wfc-once", "n": n, "build_ms": ms(built), "compile_ms": ms(checked),
            "write_ms": ms(written), "bytes": bytes, "diagnostics": codes,
        })
    );
}

fn main() {
    if let Ok(n) = std::env::var("WFC_BENCH_ONCE") {
        once(
            n.replace('_', "")
                .parse()
                .expect("WFC_BENCH_ONCE: a number"),
        );
        return;
    }
    // `cargo bench` passes `--bench` (and any filter); this plain main takes its settings from
    // the environment instead. Without `--bench` (`cargo test --benches`, a debug build) it only
    // checks that the workload compiles clean, at 100 states once.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = std::env::var("WFC_BENCH_SIZES")
        .ok()
        .map(|s| {
            s.split(',')
                .map(|x| {
                    x.trim()
                        .replace('_', "")
                        .parse()
                        .expect("WFC_BENCH_SIZES: numbers")
                })
                .collect()
        })
        .unwrap_or_else(|| {
            if smoke {
                vec![100]
            } else {
                vec![1_000, 10_000, 100_000]
            }
        });
    let reps_override: Option<usize> = std::env::var("WFC_BENCH_REPS")
        .ok()
        .map(|s| s.parse().expect("WFC_BENCH_REPS: a number"))
        .or(smoke.then_some(1));

    let mut rows = Vec::new();
    for &n in &sizes {
        // More repetitions where a round is cheap; the median of each phase is reported.
        let reps = reps_override.unwrap_or(match n {
            0..=2_000 => 21,
            2_001..=20_000 => 11,
            _ => 5,
        });
        rows.push(run(n, reps));
    }

    println!(
        "wfc compiler benchmark: chain of Pass states, a Choice and a Wait in every ten, ending in Succeed"
    );
    println!("median of the repetitions (min: the fastest one); times in ms; µs/state = total / N");
    println!(
        "{:>8} {:>10} {:>5} | {:>8} {:>9} {:>10} {:>8} | {:>8} {:>8} {:>10} | {:>9} {:>9} {:>8}",
        "N",
        "bytes",
        "reps",
        "build",
        "compile",
        "DSL total",
        "DSL min",
        "parse",
        "check",
        "standalone",
        "total",
        "total min",
        "µs/state"
    );
    for r in &rows {
        println!(
            "{:>8} {:>10} {:>5} | {:>8.2} {:>9.2} {:>10.2} {:>8.2} | {:>8.2} {:>8.2} {:>10.2} | {:>9.2} {:>9.2} {:>8.2}",
            r.n,
            r.bytes,
            r.reps,
            ms(r.build),
            ms(r.compile),
            ms(r.dsl()),
            ms(r.dsl_min),
            ms(r.parse),
            ms(r.check),
            ms(r.standalone()),
            ms(r.total()),
            ms(r.total_min),
            r.total().as_secs_f64() * 1e6 / r.n as f64
        );
    }
    // Growth: each size against the previous one (10× N should give about 10× the time).
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        println!(
            "growth {} -> {} ({:.0}x states): DSL {:.2}x, standalone {:.2}x, total {:.2}x",
            a.n,
            b.n,
            b.n as f64 / a.n as f64,
            b.dsl().as_secs_f64() / a.dsl().as_secs_f64(),
            b.standalone().as_secs_f64() / a.standalone().as_secs_f64(),
            b.total().as_secs_f64() / a.total().as_secs_f64()
        );
    }
    if let Some(r) = rows.iter().find(|r| r.n == 10_000) {
        let dsl = ms(r.dsl());
        let verdict = if dsl < 200.0 { "met" } else { "MISSED" };
        println!("target: 10,000 states build+compile+check under 200 ms: {dsl:.1} ms (median), {verdict}");
    }
    let json_rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "n": r.n,
                "bytes": r.bytes,
                "reps": r.reps,
                "build_ms": ms(r.build),
                "compile_ms": ms(r.compile),
                "dsl_ms": ms(r.dsl()),
                "dsl_min_ms": ms(r.dsl_min),
                "parse_ms": ms(r.parse),
                "check_ms": ms(r.check),
                "standalone_ms": ms(r.standalone()),
                "total_ms": ms(r.total()),
                "total_min_ms": ms(r.total_min),
                "us_per_state": r.total().as_secs_f64() * 1e6 / r.n as f64,
            })
        })
        .collect();
    println!(
        "JSON {}",
        json!({ "bench": "wfc-compile", "unit": "ms", "statistic": "median", "rows": json_rows })
    );
}
