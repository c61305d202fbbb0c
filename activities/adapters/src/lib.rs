//! The activities' ports (`wfc_activities::ports`) implemented on the world: the edge of the
//! activities' hexagon.
//!
//! - [`aws`]: one adapter per port on the AWS SDK for Rust, and [`aws::AwsEnv`], which builds
//!   them from the environment (region, endpoint, credentials, one rustls-on-ring HTTPS client).
//! - [`net`]: the adapters that are not AWS APIs: HTTP (reqwest), a small RESP client for Redis,
//!   and MySQL/MariaDB (`mysql_async`; the self-managed database adapter).
//!
//! Invariant: no activity logic here. An adapter translates a port's call into requests and the
//! answers (and failures) back into the port's plain types and `ActivityError` names; what to
//! decide from them is the activity's business, in `wfc-activities`.

pub mod aws;
pub mod net;
