//! The production wiring of every activity: which adapters it runs on, built from the Lambda
//! environment ([`AwsEnv`]). One module per activity module of `wfc-activities`.

use crate::Handler;
use wfc_activities::error::Result;
use wfc_activities::validate::{self, Validate};

mod assess_outage {
    use super::*;
    use wfc_activities::assess_outage::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for AssessOutage {
        async fn handle(input: AssessOutageInput, env: &AwsEnv) -> Result<AssessOutageOutput> {
            let metrics = env.metrics(input.alarm_region());
            run(input, &env.dns(), &metrics).await
        }
    }
}

mod await_replica_in_sync {
    use super::*;
    use wfc_activities::await_replica_in_sync::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for AwaitReplicaInSync {
        async fn handle(
            input: AwaitReplicaInSyncInput,
            env: &AwsEnv,
        ) -> Result<AwaitReplicaInSyncOutput> {
            let region = input.region.clone();
            let region = region.as_deref();
            run(input, &env.database(region), &env.metrics(region)).await
        }
    }
}

mod background_jobs {
    use super::*;
    use wfc_activities::background_jobs::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for PauseBackgroundJobs {
        async fn handle(input: BackgroundJobsInput, env: &AwsEnv) -> Result<BackgroundJobsOutput> {
            let region = input.region.as_deref();
            let (schedules, compute) = (env.schedules(region), env.compute(region));
            pause(input, &schedules, &compute).await
        }
    }

    impl Handler for ResumeBackgroundJobs {
        async fn handle(input: BackgroundJobsInput, env: &AwsEnv) -> Result<BackgroundJobsOutput> {
            let region = input.region.as_deref();
            let (schedules, compute) = (env.schedules(region), env.compute(region));
            resume(input, &schedules, &compute).await
        }
    }

    impl Handler for CheckBackgroundJobs {
        async fn handle(
            input: CheckBackgroundJobsInput,
            env: &AwsEnv,
        ) -> Result<CheckBackgroundJobsOutput> {
            check(input, |region| {
                (env.schedules(Some(region)), env.compute(Some(region)))
            })
            .await
        }
    }
}

mod check_failover_guard {
    use super::*;
    use wfc_activities::check_failover_guard::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for CheckFailoverGuard {
        async fn handle(
            input: CheckFailoverGuardInput,
            env: &AwsEnv,
        ) -> Result<CheckFailoverGuardOutput> {
            let config = env.config_store(input.region.as_deref());
            // The executions are listed where their state machine is.
            let region = input
                .execution
                .as_ref()
                .and_then(|e| validate::arn_region(&e.state_machine_arn))
                .map(str::to_string);
            run(input, &config, &env.workflows(region.as_deref())).await
        }
    }
}

mod check_media_replication {
    use super::*;
    use wfc_activities::check_media_replication::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for CheckMediaReplication {
        async fn handle(
            input: CheckMediaReplicationInput,
            env: &AwsEnv,
        ) -> Result<CheckMediaReplicationOutput> {
            let region = input.region.clone();
            let region = region.as_deref();
            run(input, &env.object_replication(region), &env.metrics(region)).await
        }
    }
}

mod check_replica {
    use super::*;
    use wfc_activities::check_replica::*;
    use wfc_adapters::aws::AwsEnv;
    use wfc_adapters::net::MySqlClient;

    impl Handler for CheckReplica {
        async fn handle(input: CheckReplicaInput, env: &AwsEnv) -> Result<CheckReplicaOutput> {
            if let Some(connection) = &input.self_managed {
                let config = env.config_store(connection.region.as_deref());
                return run_self_managed(input, &config, &MySqlClient).await;
            }
            let region = input.region.clone();
            let region = region.as_deref();
            run(input, &env.database(region), &env.metrics(region)).await
        }
    }
}

mod check_shop_identity {
    use super::*;
    use wfc_activities::check_shop_identity::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for CheckShopIdentity {
        async fn handle(
            input: CheckShopIdentityInput,
            env: &AwsEnv,
        ) -> Result<CheckShopIdentityOutput> {
            input.validate()?;
            let first = env.config_store(Some(&input.regions[0].region));
            let second = env.config_store(Some(&input.regions[1].region));
            let mail = env.mail_account(Some(&input.dr_region));
            run(input, [&first, &second], &mail).await
        }
    }
}

mod create_replica {
    use super::*;
    use wfc_activities::create_replica::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for CreateReplica {
        async fn handle(input: CreateReplicaInput, env: &AwsEnv) -> Result<CreateReplicaOutput> {
            let source_region = validate::arn_region(&input.source_db_arn).map(str::to_string);
            let target_region = input
                .region
                .clone()
                .or_else(|| env.home_region().map(str::to_string))
                .unwrap_or_default();
            let source = env.database(source_region.as_deref());
            let target = env.database(Some(&target_region));
            run(input, &source, &target, &target_region).await
        }
    }
}

mod describe_database {
    use super::*;
    use wfc_activities::describe_database::*;
    use wfc_adapters::aws::AwsEnv;
    use wfc_adapters::net::MySqlClient;

    impl Handler for DescribeDatabase {
        async fn handle(input: DescribeDatabaseInput, env: &AwsEnv) -> Result<DatabaseStatus> {
            if let Some(connection) = &input.self_managed {
                let config = env.config_store(connection.region.as_deref());
                return run_self_managed(input, &config, &MySqlClient).await;
            }
            let db = env.database(input.region.as_deref());
            run(input, &db).await
        }
    }
}

mod failover_global_cluster {
    use super::*;
    use wfc_activities::failover_global_cluster::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for FailoverGlobalCluster {
        async fn handle(
            input: FailoverGlobalClusterInput,
            env: &AwsEnv,
        ) -> Result<FailoverGlobalClusterOutput> {
            let db = env.database(input.region.as_deref());
            run(input, &db).await
        }
    }
}

mod fence_primary {
    use super::*;
    use wfc_activities::fence_primary::*;
    use wfc_adapters::aws::AwsEnv;
    use wfc_adapters::net::MySqlClient;

    impl Handler for FencePrimary {
        async fn handle(input: FencePrimaryInput, env: &AwsEnv) -> Result<FencePrimaryOutput> {
            let region = Some(input.primary_region.as_str());
            if let FenceMethod::ReadOnlyServer { connection } = &input.method {
                let secrets = env.config_store(connection.region.as_deref());
                let config = env.config_store(region);
                return run_self_managed(input, &secrets, &config, &MySqlClient).await;
            }
            let (db, config) = (env.database(region), env.config_store(region));
            run(input, &db, &config).await
        }
    }
}

mod flush_cache {
    use super::*;
    use wfc_activities::flush_cache::*;
    use wfc_adapters::aws::AwsEnv;
    use wfc_adapters::net::RedisKeys;

    impl Handler for FlushCache {
        async fn handle(input: FlushCacheInput, env: &AwsEnv) -> Result<FlushCacheOutput> {
            let config = env.config_store(input.region.as_deref());
            run(input, &config, &RedisKeys).await
        }
    }
}

mod notify {
    use super::*;
    use wfc_activities::notify::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for Notify {
        async fn handle(input: NotifyInput, env: &AwsEnv) -> Result<NotifyOutput> {
            let region = input.region.clone();
            let region = region.as_deref();
            run(input, &env.notifier(region), &env.config_store(region)).await
        }
    }
}

mod prepare_cache {
    use super::*;
    use wfc_activities::prepare_cache::*;
    use wfc_adapters::aws::AwsEnv;
    use wfc_adapters::net::RedisKeys;

    impl Handler for PrepareCache {
        async fn handle(input: PrepareCacheInput, env: &AwsEnv) -> Result<PrepareCacheOutput> {
            let region = match &input {
                PrepareCacheInput::FailoverGlobalDatastore { region, .. }
                | PrepareCacheInput::FlushKeys { region, .. } => region.clone(),
            };
            let region = region.as_deref();
            let (cache, config) = (env.global_cache(region), env.config_store(region));
            run(input, &cache, &config, &RedisKeys).await
        }
    }
}

mod probe_endpoint {
    use super::*;
    use wfc_activities::probe_endpoint::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for ProbeEndpoint {
        async fn handle(input: ProbeEndpointInput, env: &AwsEnv) -> Result<ProbeEndpointOutput> {
            // The datapoints go to the function's own region, where the alarm on them is.
            run(input, &env.http(), &env.metrics(None)).await
        }
    }
}

mod promote_replica {
    use super::*;
    use wfc_activities::promote_replica::*;
    use wfc_adapters::aws::AwsEnv;
    use wfc_adapters::net::MySqlClient;

    impl Handler for PromoteReplica {
        async fn handle(input: PromoteReplicaInput, env: &AwsEnv) -> Result<PromoteReplicaOutput> {
            if let Some(connection) = &input.self_managed {
                let config = env.config_store(connection.region.as_deref());
                return run_self_managed(input, &config, &MySqlClient).await;
            }
            let db = env.database(input.region.as_deref());
            run(input, &db).await
        }
    }
}

mod promotion_waiter {
    use super::*;
    use wfc_activities::promotion_waiter::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for RegisterWaiter {
        async fn handle(input: RegisterWaiterInput, env: &AwsEnv) -> Result<Woken> {
            let config = env.config_store(input.region.as_deref());
            register(input, &config).await
        }
    }

    impl Handler for WakeWaiter {
        async fn handle(input: WakeWaiterInput, env: &AwsEnv) -> Result<WakeWaiterOutput> {
            let region = input.region.as_deref();
            wake(
                input.clone(),
                &env.config_store(region),
                &env.workflows(region),
            )
            .await
        }
    }
}

mod reconcile_gap {
    use super::*;
    use wfc_activities::reconcile_gap::*;
    use wfc_adapters::aws::AwsEnv;
    use wfc_adapters::net::MySqlClient;

    impl Handler for ReconcileGap {
        async fn handle(input: ReconcileGapInput, env: &AwsEnv) -> Result<ReconcileGapOutput> {
            let old_config = env.config_store(input.old_primary.region.as_deref());
            let new_config = env.config_store(input.new_primary.region.as_deref());
            run(input, &old_config, &new_config, &MySqlClient).await
        }
    }
}

mod record_state {
    use super::*;
    use wfc_activities::record_state::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for RecordState {
        async fn handle(input: RecordStateInput, env: &AwsEnv) -> Result<RecordStateOutput> {
            let config = env.config_store(input.region.as_deref());
            run(input, &config).await
        }
    }
}

mod repoint_app {
    use super::*;
    use wfc_activities::repoint_app::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for RepointApp {
        async fn handle(input: RepointAppInput, env: &AwsEnv) -> Result<RepointAppOutput> {
            let config = env.config_store(input.region.as_deref());
            run(input, &config).await
        }
    }
}

mod reserve_order_ids {
    use super::*;
    use wfc_activities::reserve_order_ids::*;
    use wfc_adapters::aws::AwsEnv;
    use wfc_adapters::net::MySqlClient;

    impl Handler for ReserveOrderIds {
        async fn handle(
            input: ReserveOrderIdsInput,
            env: &AwsEnv,
        ) -> Result<ReserveOrderIdsOutput> {
            let config = env.config_store(input.connection.region.as_deref());
            run(input, &config, &MySqlClient).await
        }
    }
}

mod scale_compute {
    use super::*;
    use wfc_activities::scale_compute::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for ScaleCompute {
        async fn handle(input: ScaleComputeInput, env: &AwsEnv) -> Result<ScaleComputeOutput> {
            let compute = env.compute(input.region.as_deref());
            run(input, &compute).await
        }
    }
}

mod set_maintenance {
    use super::*;
    use wfc_activities::set_maintenance::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for SetMaintenance {
        async fn handle(input: SetMaintenanceInput, env: &AwsEnv) -> Result<SetMaintenanceOutput> {
            let config = env.config_store(input.region.as_deref());
            run(input, &config).await
        }
    }
}

mod set_read_only {
    use super::*;
    use wfc_activities::set_read_only::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for SetReadOnly {
        async fn handle(input: SetReadOnlyInput, env: &AwsEnv) -> Result<SetReadOnlyOutput> {
            let db = env.database(input.region.as_deref());
            run(input, &db).await
        }
    }
}

mod retire_instance {
    use super::*;
    use wfc_activities::retire_instance::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for RetireInstance {
        async fn handle(input: RetireInstanceInput, env: &AwsEnv) -> Result<RetireInstanceOutput> {
            let db = env.database(input.region.as_deref());
            run(input, &db).await
        }
    }
}

mod smoke_test {
    use super::*;
    use wfc_activities::smoke_test::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for SmokeTest {
        async fn handle(input: SmokeTestInput, env: &AwsEnv) -> Result<SmokeTestOutput> {
            run(input, &env.http()).await
        }
    }
}

mod start_workflow {
    use super::*;
    use wfc_activities::start_workflow::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for StartWorkflow {
        async fn handle(input: StartWorkflowInput, env: &AwsEnv) -> Result<StartWorkflowOutput> {
            // The execution runs where its state machine is.
            let region = validate::arn_region(&input.state_machine_arn).map(str::to_string);
            run(input, &env.workflows(region.as_deref())).await
        }
    }
}

mod switch_dns {
    use super::*;
    use wfc_activities::switch_dns::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for SwitchDns {
        async fn handle(input: SwitchDnsInput, env: &AwsEnv) -> Result<SwitchDnsOutput> {
            run(input, &env.dns()).await
        }
    }
}

mod validate_request {
    use super::*;
    use wfc_activities::validate_request::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for ValidateRequest {
        async fn handle(
            input: ValidateRequestInput,
            env: &AwsEnv,
        ) -> Result<ValidateRequestOutput> {
            let region = input.region.clone();
            let config = env.config_store(region.as_deref());
            let metrics = env.metrics(Some(&input.request.target_region));
            run(input, &config, &env.dns(), &metrics).await
        }
    }
}

mod write_gate {
    use super::*;
    use wfc_activities::write_gate::*;
    use wfc_adapters::aws::AwsEnv;

    impl Handler for GateWrites {
        async fn handle(input: WriteGateInput, env: &AwsEnv) -> Result<WriteGateOutput> {
            let waf = env.write_gate(input.region.as_deref());
            gate(input, &waf).await
        }
    }

    impl Handler for OpenWrites {
        async fn handle(input: WriteGateInput, env: &AwsEnv) -> Result<WriteGateOutput> {
            let waf = env.write_gate(input.region.as_deref());
            open(input, &waf).await
        }
    }
}
