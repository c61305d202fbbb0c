//! The invariants, checked after every step of the world and after every action an activity
//! takes on it. A violation names the invariant, the virtual time, the step (a world tick, or the
//! activity acting) and the state that broke it.

use crate::world::{Answer, World};

pub const TWO_WRITERS: &str = "never two writable databases the shop can reach";
pub const GATED_503: &str = "gated checkouts get 503 + Retry-After";
pub const UNIQUE_IDS: &str = "order ids unique";
pub const NOTHING_LOST: &str = "every confirmed order is in the new primary or the gap report";
pub const FAILURE_NOTIFIED: &str = "a failed workflow is notified, naming the failed step";
pub const NO_AUTO_FAILBACK: &str = "no automatic failback";
pub const AGREE: &str = "on success DNS, the app's endpoint and the writable database agree";

pub fn check(w: &mut World) {
    two_writers(w);
    gated_checkouts(w);
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

/// While a cutover is under way (the workflow recorded `failing_over`; after `gate_grace`, the
/// time its first steps take to close writes), a checkout that reaches a region that answers
/// gets 503 + Retry-After or an order, never an error page.
fn gated_checkouts(w: &mut World) {
    let state = w.stack.app.state_parameter.clone();
    let failing_over = w
        .ssm
        .iter()
        .any(|((_, n), (v, _))| *n == state && v.contains("\"failing_over\""));
    w.cutover_since = match (failing_over, w.cutover_since) {
        (true, None) => Some(w.now),
        (true, since) => since,
        (false, _) => None,
    };
    let from = w.checked;
    w.checked = w.checkouts.len();
    let grace = crate::world::secs(w.lat.get("gate_grace"));
    let Some(since) = w.cutover_since.or(w.cutover_declared) else {
        return;
    };
    let broken: Vec<String> = w.checkouts[from..]
        .iter()
        .filter(|c| c.at > since + grace)
        .filter(|c| c.answer == Answer::Failed && !w.regions_down.contains(&c.region))
        .map(|c| {
            format!(
                "checkout in {} answered `{}` during the cutover",
                c.region, c.detail
            )
        })
        .collect();
    for state in broken {
        w.violate(GATED_503, state);
    }
}
