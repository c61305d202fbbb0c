//! The invariants, checked after every step of the world and after every action an activity
//! takes on it. A violation names the invariant, the virtual time, the step (a world tick, or the
//! activity acting) and the state that broke it.

use crate::world::World;

pub const TWO_WRITERS: &str = "never two writable databases the shop can reach";
pub const GATED_503: &str = "gated checkouts get 503 + Retry-After";
pub const UNIQUE_IDS: &str = "order ids unique";
pub const NOTHING_LOST: &str = "every confirmed order is in the new primary or the gap report";
pub const FAILURE_NOTIFIED: &str = "a failed workflow is notified, naming the failed step";
pub const ONE_FAILOVER: &str = "at most one failover per incident";
pub const NO_AUTO_FAILBACK: &str = "no automatic failback";
pub const AGREE: &str = "on success DNS, the app's endpoint and the writable database agree";

/// The state invariants, after every step and every action. (Per-checkout ones, the gate's and
/// unique order ids, are checked as each checkout is answered: `World::checkout`.)
pub fn check(w: &mut World) {
    two_writers(w);
}

/// A database the shop can reach: it answers, is not stopped, and is not isolated by the
/// fence's security groups (any app server of the shop can open a connection to it, whatever its
/// configuration names: a stale config, a restarted PHP-FPM, a cron job).
fn two_writers(w: &mut World) {
    let isolation: Vec<String> = match &w.stack.policy.fence {
        wfc_stack::Fence::Isolate { security_group_ids } => security_group_ids.clone(),
        _ => Vec::new(),
    };
    let mut writers: Vec<String> = w
        .instances
        .values()
        .filter(|i| !w.regions_down.contains(&i.region))
        .filter(|i| isolation.is_empty() || i.security_groups != isolation)
        .filter(|i| w.writable(&i.id))
        .map(|i| i.id.clone())
        .collect();
    writers.sort();
    if writers.len() > 1 {
        let state = format!("writable and reachable: {}", writers.join(", "));
        w.violate(TWO_WRITERS, state);
    }
}
