//! The disaster-recovery activities of wfc: each is one thing an SRE does by hand during an
//! outage, done safely by code, run as a Lambda function in the DR region.
//!
//! This crate is the middle of the activities' hexagon: the logic and the ports, nothing that
//! talks to the world. The AWS SDK, MySQL, Redis and HTTP adapters live in `wfc-adapters`
//! (`activities/adapters/`), the Lambda program in `wfc-lambda` (`activities/lambda/`).
//!
//! Layout:
//! - [`ports`]: small async traits (database, DNS, compute, config store, notifier, metrics,
//!   cache, object replication, HTTP) with no AWS type, so the same logic runs on AWS, on test
//!   fakes and on the drill simulator.
//! - one module per activity: typed input and output (`serde` + `schemars`), `run(input, ports…)`
//!   that validates the input before any call, and its [`wfc_contract::Activity`] promise
//!   (name, error names, IAM permissions).
//! - [`error`]: the one error type; a variant's name is the `errorType` a Retry/Catch matches.
//! - [`catalog`]: every activity's promise as data.
//!
//! Invariants: the activities know AWS and nothing about ASL; their logic knows only the ports.
//! **This crate links no AWS SDK, no `mysql_async`, no `reqwest` and no `lambda_runtime`**
//! (`workflows/tests/no_sdk.rs` holds it): `workflows/`, the compiler's users and the drill build on it alone.

pub mod catalog;
pub mod error;
pub mod iam;
pub mod ports;
pub mod validate;

pub mod assess_outage;
pub mod await_replica_in_sync;
pub mod background_jobs;
pub mod check_failover_guard;
pub mod check_media_replication;
pub mod check_replica;
pub mod check_shop_identity;
pub mod create_replica;
pub mod describe_database;
pub mod failover_global_cluster;
pub mod fence_primary;
pub mod flush_cache;
pub mod notify;
pub mod prepare_cache;
pub mod probe_endpoint;
pub mod promote_replica;
pub mod promotion_waiter;
pub mod reconcile_gap;
pub mod record_state;
pub mod repoint_app;
pub mod reserve_order_ids;
pub mod retire_instance;
pub mod scale_compute;
pub mod set_maintenance;
pub mod set_read_only;
pub mod smoke_test;
pub mod start_workflow;
pub mod switch_dns;
pub mod validate_request;
pub mod write_gate;

pub use error::{ActivityError, Result};

/// Calls `$m!` with every activity type: the one list the Lambda dispatch and the catalog share.
#[macro_export]
macro_rules! with_activities {
    ($m:ident) => {
        $m!(
            $crate::assess_outage::AssessOutage,
            $crate::check_replica::CheckReplica,
            $crate::fence_primary::FencePrimary,
            $crate::promote_replica::PromoteReplica,
            $crate::failover_global_cluster::FailoverGlobalCluster,
            $crate::describe_database::DescribeDatabase,
            $crate::repoint_app::RepointApp,
            $crate::scale_compute::ScaleCompute,
            $crate::switch_dns::SwitchDns,
            $crate::smoke_test::SmokeTest,
            $crate::prepare_cache::PrepareCache,
            $crate::flush_cache::FlushCache,
            $crate::check_media_replication::CheckMediaReplication,
            $crate::notify::Notify,
            $crate::record_state::RecordState,
            $crate::create_replica::CreateReplica,
            $crate::await_replica_in_sync::AwaitReplicaInSync,
            $crate::set_read_only::SetReadOnly,
            $crate::retire_instance::RetireInstance,
            $crate::validate_request::ValidateRequest,
            $crate::start_workflow::StartWorkflow,
            $crate::check_failover_guard::CheckFailoverGuard,
            $crate::set_maintenance::SetMaintenance,
            $crate::promotion_waiter::RegisterWaiter,
            $crate::promotion_waiter::WakeWaiter,
            $crate::reserve_order_ids::ReserveOrderIds,
            $crate::reconcile_gap::ReconcileGap,
            $crate::background_jobs::PauseBackgroundJobs,
            $crate::background_jobs::ResumeBackgroundJobs,
            $crate::background_jobs::CheckBackgroundJobs,
            $crate::write_gate::GateWrites,
            $crate::write_gate::OpenWrites,
            $crate::check_shop_identity::CheckShopIdentity,
            $crate::probe_endpoint::ProbeEndpoint,
        )
    };
}
