//! The invariants, checked after every step of the world and after every action an activity
//! takes on it. A violation names the invariant, the virtual time, the step (a world tick, or the
//! activity acting) and the state that broke it.

use crate::world::World;

pub const TWO_WRITERS: &str = "never two writable databases the shop can reach";
pub const GATED_503: &str = "gated checkouts get 503 + Retry-After";
pub const UNIQUE_IDS: &str = "order ids unique";
pub const NOTHING_LOST: &str = "every confirmed order is in the new primary or the gap report";
pub const FAILURE_NOTIFIED: &str = "a failed workflow is notified, naming the failed step";
pub const JOBS_ONE_REGION: &str =
    "background jobs never run in two regions at once for longer than the preflight period";
pub const FAILBACK_PAUSE: &str =
    "a failback keeps writes paused no longer than max_write_pause_seconds, or stops and says so";
pub const ONE_FAILOVER: &str = "at most one failover per incident";
pub const NO_AUTO_FAILBACK: &str = "no automatic failback";
pub const AGREE: &str = "on success DNS, the app's endpoint and the writable database agree";

/// The state invariants, after every step and every action. (Per-checkout ones, the gate's and
/// unique order ids, are checked as each checkout is answered: `World::checkout`.)
pub fn check(w: &mut World) {
    two_writers(w);
    jobs_in_one_region(w);
}

/// Job runners (schedules) enabled in more than one region that answers, for longer than the
/// preflight period (`jobs_overlap_limit`, the preflight rule's `rate(30 minutes)`).
fn jobs_in_one_region(w: &mut World) {
    let running = |s: &&crate::world::Site| {
        !w.regions_down.contains(&s.name) && w.schedules.get(&s.schedule).copied().unwrap_or(false)
    };
    // Counted first: the names are needed only for a violation's message.
    if w.sites.iter().filter(running).count() < 2 {
        w.jobs_overlap_since = None;
        return;
    }
    let running: Vec<String> = w
        .sites
        .iter()
        .filter(running)
        .map(|s| s.name.clone())
        .collect();
    let since = *w.jobs_overlap_since.get_or_insert(w.now);
    let limit = crate::world::secs(w.lat.get("jobs_overlap_limit"));
    if w.now - since > limit {
        let state = format!(
            "job runners enabled in {} since {:.0} s",
            running.join(" and "),
            w.seconds(since)
        );
        w.violate(JOBS_ONE_REGION, state);
    }
}

/// A database the shop can reach: it answers, is not stopped, and is not isolated by the
/// fence's security groups (any app server of the shop can open a connection to it, whatever its
/// configuration names: a stale config, a restarted PHP-FPM, a cron job).
fn two_writers(w: &mut World) {
    let isolation: &[String] = match &w.stack.policy.fence {
        wfc_stack::Fence::Isolate { security_group_ids } => security_group_ids,
        _ => &[],
    };
    let writer = |i: &&crate::world::Instance| {
        !w.regions_down.contains(&i.region)
            && (isolation.is_empty() || i.security_groups != isolation)
            && w.instance_writable(i)
    };
    // Counted first: the names are needed only for a violation's message.
    if w.instances.values().filter(writer).count() < 2 {
        return;
    }
    let mut writers: Vec<String> = w
        .instances
        .values()
        .filter(writer)
        .map(|i| i.id.clone())
        .collect();
    writers.sort();
    if writers.len() > 1 {
        let state = format!("writable and reachable: {}", writers.join(", "));
        w.violate(TWO_WRITERS, state);
    }
}
