//! Every activity on the simulated world: the same wiring as the Lambda program
//! (activities/lambda/src/handlers.rs: which ports each activity gets, in which region), with
//! the world's ports and the virtual clock in place of the AWS adapters and the system clock.

use crate::ports::{CallClock, Sim};
use crate::world::World;
use serde_json::Value;
use std::future::Future;
use std::sync::{Arc, Mutex};
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::validate::{self, parse, Validate};
use wfc_contract::Activity;

/// What an activity call runs on: the world, seen from any region, at the call's clock.
pub struct SimEnv {
    pub world: Arc<Mutex<World>>,
    pub clock: CallClock,
    /// The region the functions run in (the DR region: the state machines run there).
    pub home: String,
    pub activity: String,
}

impl SimEnv {
    pub fn at(&self, region: Option<&str>) -> Sim {
        Sim {
            world: self.world.clone(),
            region: region.unwrap_or(&self.home).to_string(),
            clock: self.clock,
            activity: self.activity.clone(),
        }
    }
}

pub trait SimHandler: Activity {
    fn handle(input: Self::Input, env: &SimEnv) -> impl Future<Output = Result<Self::Output>>;
}

async fn invoke<A: SimHandler>(payload: Value, env: &SimEnv) -> Result<Value> {
    let input: A::Input = parse(payload)?;
    let output = A::handle(input, env).await?;
    serde_json::to_value(output).map_err(|e| ActivityError::AwsError {
        service: "wfc".into(),
        operation: A::NAME.into(),
        code: "OutputNotSerializable".into(),
        message: e.to_string(),
    })
}

/// Runs activity `name` on `payload`.
pub async fn dispatch(name: &str, payload: Value, env: &SimEnv) -> Result<Value> {
    macro_rules! table {
        ($($activity:ty),* $(,)?) => {
            match name {
                $(<$activity as Activity>::NAME => invoke::<$activity>(payload, env).await,)*
                _ => Err(ActivityError::UnknownActivity { name: name.to_string() }),
            }
        };
    }
    wfc_activities::with_activities!(table)
}

macro_rules! simple {
    ($module:ident, $activity:ident, $input:ident, $output:ty, |$i:ident, $env:ident| $body:expr) => {
        impl SimHandler for wfc_activities::$module::$activity {
            async fn handle($i: wfc_activities::$module::$input, $env: &SimEnv) -> Result<$output> {
                #[allow(unused_imports)]
                use wfc_activities::$module::*;
                $body
            }
        }
    };
}

simple!(
    assess_outage,
    AssessOutage,
    AssessOutageInput,
    wfc_activities::assess_outage::AssessOutageOutput,
    |input, env| {
        let metrics = env.at(input.alarm_region());
        run(input, &env.at(None), &metrics).await
    }
);
simple!(
    await_replica_in_sync,
    AwaitReplicaInSync,
    AwaitReplicaInSyncInput,
    wfc_activities::await_replica_in_sync::AwaitReplicaInSyncOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run_at(input, &s, &s, &s).await
    }
);
simple!(
    background_jobs,
    PauseBackgroundJobs,
    BackgroundJobsInput,
    wfc_activities::background_jobs::BackgroundJobsOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        pause(input, &s, &s).await
    }
);
simple!(
    background_jobs,
    ResumeBackgroundJobs,
    BackgroundJobsInput,
    wfc_activities::background_jobs::BackgroundJobsOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        resume(input, &s, &s).await
    }
);
simple!(
    background_jobs,
    CheckBackgroundJobs,
    CheckBackgroundJobsInput,
    wfc_activities::background_jobs::CheckBackgroundJobsOutput,
    |input, env| check(input, |region| (env.at(Some(region)), env.at(Some(region)))).await
);
simple!(
    check_failover_guard,
    CheckFailoverGuard,
    CheckFailoverGuardInput,
    wfc_activities::check_failover_guard::CheckFailoverGuardOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s, &s).await
    }
);
simple!(
    check_media_replication,
    CheckMediaReplication,
    CheckMediaReplicationInput,
    wfc_activities::check_media_replication::CheckMediaReplicationOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s, &s).await
    }
);
simple!(
    check_replica,
    CheckReplica,
    CheckReplicaInput,
    wfc_activities::check_replica::CheckReplicaOutput,
    |input, env| {
        if let Some(connection) = &input.self_managed {
            let config = env.at(connection.region.as_deref());
            let mysql = env.at(None);
            return run_self_managed(input, &config, &mysql).await;
        }
        let s = env.at(input.region.as_deref());
        run_at(input, &s, &s, &s).await
    }
);
simple!(
    check_shop_identity,
    CheckShopIdentity,
    CheckShopIdentityInput,
    wfc_activities::check_shop_identity::CheckShopIdentityOutput,
    |input, env| {
        input.validate()?;
        let first = env.at(Some(&input.regions[0].region));
        let second = env.at(Some(&input.regions[1].region));
        let mail = env.at(Some(&input.dr_region));
        run(input, [&first, &second], &mail).await
    }
);
simple!(
    create_replica,
    CreateReplica,
    CreateReplicaInput,
    wfc_activities::create_replica::CreateReplicaOutput,
    |input, env| {
        let source_region = validate::arn_region(&input.source_db_arn).map(str::to_string);
        let target_region = input.region.clone().unwrap_or_else(|| env.home.clone());
        let source = env.at(source_region.as_deref());
        let target = env.at(Some(&target_region));
        run(input, &source, &target, &target_region).await
    }
);
simple!(
    describe_database,
    DescribeDatabase,
    DescribeDatabaseInput,
    wfc_activities::describe_database::DatabaseStatus,
    |input, env| {
        if let Some(connection) = &input.self_managed {
            let config = env.at(connection.region.as_deref());
            let mysql = env.at(None);
            return run_self_managed(input, &config, &mysql).await;
        }
        let s = env.at(input.region.as_deref());
        run(input, &s).await
    }
);
simple!(
    failover_global_cluster,
    FailoverGlobalCluster,
    FailoverGlobalClusterInput,
    wfc_activities::failover_global_cluster::FailoverGlobalClusterOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s).await
    }
);
simple!(
    fence_primary,
    FencePrimary,
    FencePrimaryInput,
    wfc_activities::fence_primary::FencePrimaryOutput,
    |input, env| {
        let region = Some(input.primary_region.clone());
        let s = env.at(region.as_deref());
        if let FenceMethod::ReadOnlyServer { connection } = &input.method {
            let secrets = env.at(connection.region.as_deref());
            let mysql = env.at(None);
            return run_self_managed(input.clone(), &secrets, &s, &mysql).await;
        }
        run(input, &s, &s).await
    }
);
simple!(
    flush_cache,
    FlushCache,
    FlushCacheInput,
    wfc_activities::flush_cache::FlushCacheOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s, &s).await
    }
);
simple!(
    notify,
    Notify,
    NotifyInput,
    wfc_activities::notify::NotifyOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run_at(input, &s, &s, &s).await
    }
);
simple!(
    prepare_cache,
    PrepareCache,
    PrepareCacheInput,
    wfc_activities::prepare_cache::PrepareCacheOutput,
    |input, env| {
        let region = match &input {
            PrepareCacheInput::FailoverGlobalDatastore { region, .. }
            | PrepareCacheInput::FlushKeys { region, .. } => region.clone(),
        };
        let s = env.at(region.as_deref());
        run(input, &s, &s, &s).await
    }
);
simple!(
    promote_replica,
    PromoteReplica,
    PromoteReplicaInput,
    wfc_activities::promote_replica::PromoteReplicaOutput,
    |input, env| {
        if let Some(connection) = &input.self_managed {
            let config = env.at(connection.region.as_deref());
            let mysql = env.at(None);
            return run_self_managed(input, &config, &mysql).await;
        }
        let s = env.at(input.region.as_deref());
        run(input, &s).await
    }
);
simple!(
    promotion_waiter,
    RegisterWaiter,
    RegisterWaiterInput,
    wfc_activities::promotion_waiter::Woken,
    |input, env| {
        let s = env.at(input.region.as_deref());
        register(input, &s).await
    }
);
simple!(
    promotion_waiter,
    WakeWaiter,
    WakeWaiterInput,
    wfc_activities::promotion_waiter::WakeWaiterOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        wake(input.clone(), &s, &s).await
    }
);
simple!(
    reconcile_gap,
    ReconcileGap,
    ReconcileGapInput,
    wfc_activities::reconcile_gap::ReconcileGapOutput,
    |input, env| {
        let old = env.at(input.old_primary.region.as_deref());
        let new = env.at(input.new_primary.region.as_deref());
        let mysql = env.at(None);
        run(input, &old, &new, &mysql).await
    }
);
simple!(
    record_state,
    RecordState,
    RecordStateInput,
    wfc_activities::record_state::RecordStateOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run_at(input, &s, &s).await
    }
);
simple!(
    repoint_app,
    RepointApp,
    RepointAppInput,
    wfc_activities::repoint_app::RepointAppOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s).await
    }
);
simple!(
    reserve_order_ids,
    ReserveOrderIds,
    ReserveOrderIdsInput,
    wfc_activities::reserve_order_ids::ReserveOrderIdsOutput,
    |input, env| {
        let config = env.at(input.connection.region.as_deref());
        let mysql = env.at(None);
        run(input, &config, &mysql).await
    }
);
simple!(
    probe_endpoint,
    ProbeEndpoint,
    ProbeEndpointInput,
    wfc_activities::probe_endpoint::ProbeEndpointOutput,
    |input, env| {
        let s = env.at(None);
        run_at(input, &s, &s, &s).await
    }
);
simple!(
    scale_compute,
    ScaleCompute,
    ScaleComputeInput,
    wfc_activities::scale_compute::ScaleComputeOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s).await
    }
);
simple!(
    set_maintenance,
    SetMaintenance,
    SetMaintenanceInput,
    wfc_activities::set_maintenance::SetMaintenanceOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s).await
    }
);
simple!(
    set_read_only,
    SetReadOnly,
    SetReadOnlyInput,
    wfc_activities::set_read_only::SetReadOnlyOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s).await
    }
);
simple!(
    retire_instance,
    RetireInstance,
    RetireInstanceInput,
    wfc_activities::retire_instance::RetireInstanceOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        run(input, &s).await
    }
);
simple!(
    smoke_test,
    SmokeTest,
    SmokeTestInput,
    wfc_activities::smoke_test::SmokeTestOutput,
    |input, env| run(input, &env.at(None)).await
);
simple!(
    start_workflow,
    StartWorkflow,
    StartWorkflowInput,
    wfc_activities::start_workflow::StartWorkflowOutput,
    |input, env| {
        let region = validate::arn_region(&input.state_machine_arn).map(str::to_string);
        let s = env.at(region.as_deref());
        run(input, &s).await
    }
);
simple!(
    switch_dns,
    SwitchDns,
    SwitchDnsInput,
    wfc_activities::switch_dns::SwitchDnsOutput,
    |input, env| run(input, &env.at(None)).await
);
simple!(
    validate_request,
    ValidateRequest,
    ValidateRequestInput,
    wfc_activities::validate_request::ValidateRequestOutput,
    |input, env| {
        let config = env.at(input.region.as_deref());
        let metrics = env.at(Some(&input.request.target_region));
        let dns = env.at(None);
        run(input, &config, &dns, &metrics).await
    }
);
simple!(
    write_gate,
    GateWrites,
    WriteGateInput,
    wfc_activities::write_gate::WriteGateOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        gate(input, &s).await
    }
);
simple!(
    write_gate,
    OpenWrites,
    WriteGateInput,
    wfc_activities::write_gate::WriteGateOutput,
    |input, env| {
        let s = env.at(input.region.as_deref());
        open(input, &s).await
    }
);
