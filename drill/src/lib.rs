//! `wfc drill`: the whole disaster on a simulated two-region world, on virtual time.
//!
//! - [`latency`]: the latency model (`latency.toml`, every value with its source), overridable.
//! - [`world`]: the deterministic world (databases and replication, the shop and its customers,
//!   Route 53, health checks, alarms, configuration, compute, write gates, job runners, caches,
//!   notifications, Step Functions' execution names); [`ports`] serves the activities' ports
//!   from it; [`dispatch`] wires each activity as the Lambda program does; [`sdk`] answers
//!   preflight's `aws-sdk:` tasks from it.
//! - [`invariants`]: what must hold after every step.
//! - [`drill`]: the loop (world events → compiled EventBridge rules → `start_workflow` → the
//!   engine runs the compiled workflow → the activities act on the world) and the report.
//!
//! Invariant: links no AWS SDK, no MySQL or HTTP client (`workflows/tests/no_sdk.rs`).

pub mod dispatch;
pub mod drill;
pub mod faults;
pub mod html;
pub mod invariants;
pub mod latency;
pub mod ports;
pub mod rng;
pub mod sdk;
pub mod world;
