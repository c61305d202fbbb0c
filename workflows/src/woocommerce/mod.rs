//! The WooCommerce workflows, built from a shop's [`Stack`]: failover (disaster, started by
//! events), switchover (planned), failback (started by a person) and preflight (every 30 min).

pub mod failback;
pub mod failover;
pub mod preflight;
pub mod switchover;
