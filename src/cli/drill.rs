//! `wfc drill`: the whole disaster on a simulated two-region world, on virtual time; prints RTO,
//! RPO, phases, orchestration overhead, what was fenced, the notifications and every invariant
//! that broke. Exit 0 when every invariant held, 1 when one broke, 2 for bad input.

use super::{OK, PROBLEMS, UNUSABLE};
use wfc_drill::drill::{self, DrillOptions, Variant, SCENARIOS, STACKS};

#[derive(clap::Args)]
pub struct Args {
    /// List the scenarios and the example stacks, then exit.
    #[arg(long)]
    list: bool,
    /// The scenario to run.
    #[arg(long, default_value = "primary-db-down")]
    scenario: String,
    /// The example stack: `rds`, `aurora` or `self-managed`.
    #[arg(long, default_value = "rds")]
    stack: String,
    /// The world's seed: the same seed gives the same run, byte for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Override a duration of the latency model (repeatable): `--latency promote=420s`.
    #[arg(long, value_name = "KEY=VALUE")]
    latency: Vec<String>,
    /// Run a deliberately broken failover (`no-fencing`, `no-id-reservation`, `no-write-gate`,
    /// `partial-gate`, `no-job-pause`, `no-guard`)
    /// to see an invariant catch it; `preflight-ignored`: the on-call does not act on
    /// preflight's report (`dr-secret-missing`).
    #[arg(long, default_value = "as-built")]
    variant: String,
    /// The on-call's failback request: its `max_write_pause_seconds` (scenario `failback`).
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    max_write_pause: u32,
    /// Also run the same outage under another design and print both side by side: `article`
    /// (../shared/seeds/: a 300 s alarm period × 2, one promote call, TTL 300, no fencing, no
    /// write gate).
    #[arg(long, value_name = "DESIGN")]
    baseline: Option<String>,
    /// Inject a fault (repeatable): `STATE:KIND`, KIND one of throttle, 5xx, lambda-timeout,
    /// crash-after-effect, duplicate, slow; or `event:lost-event`, `event:duplicate-event`.
    #[arg(long, value_name = "STATE:KIND")]
    fault: Vec<String>,
    /// Run the fault campaign: every single fault at every task of the failover, and every pair.
    #[arg(long)]
    faults: bool,
    /// The campaign's single faults only (no pairs).
    #[arg(long, requires = "faults")]
    singles: bool,
    /// Run at most this many campaign scenarios.
    #[arg(long, requires = "faults")]
    limit: Option<usize>,
    /// Threads for the campaign (default: the machine's cores).
    #[arg(long, requires = "faults")]
    jobs: Option<usize>,
    /// Also write the report as one self-contained HTML page (timeline, checkouts per minute,
    /// notifications, tasks).
    #[arg(long, value_name = "PATH")]
    report: Option<std::path::PathBuf>,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Also print the world's timeline and every task.
    #[arg(long)]
    verbose: bool,
}

pub fn run(args: Args) -> u8 {
    if args.list {
        println!("scenarios:");
        for s in SCENARIOS {
            println!("  {:<24} {}", s.name, s.summary);
        }
        println!(
            "stacks: {}",
            STACKS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        );
        return OK;
    }
    let mut options = match DrillOptions::new(&args.scenario, &args.stack, args.seed) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return UNUSABLE;
        }
    };
    for assignment in &args.latency {
        if let Err(e) = options.latency.set(assignment) {
            eprintln!("error: {e}");
            return UNUSABLE;
        }
    }
    options.variant = match Variant::parse(&args.variant) {
        Some(v) => v,
        None => {
            eprintln!(
                "error: --variant {}: expected as-built, no-fencing, no-id-reservation, no-write-gate, partial-gate, no-job-pause, no-guard or preflight-ignored",
                args.variant
            );
            return UNUSABLE;
        }
    };
    options.failback_max_write_pause_seconds = args.max_write_pause;
    for spec in &args.fault {
        match wfc_drill::faults::Fault::parse(spec) {
            Ok(f) => options.faults.push(f),
            Err(e) => {
                eprintln!("error: {e}");
                return UNUSABLE;
            }
        }
    }
    if let Err(e) = wfc_drill::faults::validate(&options) {
        eprintln!("error: {e}");
        return UNUSABLE;
    }
    if args.faults {
        let jobs = args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        let campaign = match wfc_drill::faults::campaign(&options, jobs, !args.singles, args.limit)
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return UNUSABLE;
            }
        };
        if args.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&campaign).expect("the campaign serialises")
            );
        } else {
            print!("{}", wfc_drill::faults::render(&campaign));
        }
        return if campaign.violations.is_empty() {
            OK
        } else {
            PROBLEMS
        };
    }
    if let Some(design) = &args.baseline {
        if design != "article" {
            eprintln!("error: --baseline {design}: the only baseline is `article`");
            return UNUSABLE;
        }
        let (wfc, article) = match (drill::run(&options), drill::article_baseline(&options)) {
            (Ok(w), Ok(a)) => (w, a),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: {e}");
                return UNUSABLE;
            }
        };
        if args.json {
            let both = serde_json::json!({ "wfc": wfc, "article": article });
            println!(
                "{}",
                serde_json::to_string_pretty(&both).expect("the reports serialise")
            );
        } else {
            print!("{}", drill::render_comparison(&wfc, &article));
        }
        return if wfc.invariant_violations.is_empty() {
            OK
        } else {
            PROBLEMS
        };
    }
    let report = match drill::run(&options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return UNUSABLE;
        }
    };
    if let Some(path) = &args.report {
        if let Err(e) = std::fs::write(path, wfc_drill::html::render(&report)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return UNUSABLE;
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("the report serialises")
        );
    } else {
        print!("{}", drill::render_text(&report));
        if args.verbose {
            println!("\ntasks:");
            for t in &report.tasks {
                println!(
                    "  {:>8.1} s {:>6.1} s  {} ({}) {}",
                    t.start_seconds, t.seconds, t.state, t.activity, t.outcome
                );
            }
            println!("\ntimeline:");
            for (at, what) in &report.timeline {
                println!("  {at:>8.1} s  {what}");
            }
        }
    }
    if report.invariant_violations.is_empty() {
        OK
    } else {
        PROBLEMS
    }
}
