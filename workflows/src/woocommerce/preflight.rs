//! **preflight**: every 30 minutes (an EventBridge schedule, in the DR region), check that a
//! failover could succeed now, without changing anything: the DR replica, media replication, both
//! health checks, the shop's DNS record, DR capacity headroom, the activities' IAM permissions,
//! the shop's identity in both regions (salts, URL, environment, plugin versions), that
//! background jobs run in exactly one region, and that the DR database's credentials secret
//! exists in the DR region (the promoted database's steps read it; a missing secret found only
//! at `reserve_order_ids`, after the promotion, is a failover stopped half-way).
//!
//! Every check is a branch of one Parallel state that never fails: each branch ends in a Pass
//! yielding `{ "check", "ok", "detail" }`, an error of its tasks included (`ok: false`). The run
//! then publishes the metric `FailoverReady` (1 ready, 0 not) in the namespace `wfc/<shop>` with
//! the dimension `Shop`, and notifies (`preflight.not_ready`, warning) with the failing checks.
//! "Raising an alarm" is a CloudWatch alarm on `FailoverReady < 1`, which the infrastructure
//! creates alongside the schedule; the run itself succeeds ("Ready" / "Not ready") whatever it
//! finds, and fails only when it cannot publish its result.

use super::{failure_chain, notify, retry_aws, Sites};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use wfc_activities::assess_outage::{AssessOutage, AssessOutageInput};
use wfc_activities::background_jobs::{
    CheckBackgroundJobs, CheckBackgroundJobsInput, CheckBackgroundJobsOutput, RegionRunner,
};
use wfc_activities::check_media_replication::{
    CheckMediaReplication, CheckMediaReplicationInput, CheckMediaReplicationOutput, MediaVerdict,
};
use wfc_activities::check_replica::{
    CheckReplica, CheckReplicaInput, CheckReplicaOutput, RpoVerdict,
};
use wfc_activities::check_shop_identity::{
    CheckShopIdentity, CheckShopIdentityInput, CheckShopIdentityOutput, IdentitySource,
};
use wfc_activities::notify::Severity;
use wfc_compiler::asl::State;
use wfc_compiler::dsl::{
    activity_of_placeholder, role_arn_placeholder, Catch, Chain, CompileError, Compiled, Condition,
    IntoChain, Path, Retry, StateBuilder, Step, Workflow,
};
use wfc_compiler::field;
use wfc_stack::{Compute, Stack};

/// What starts a preflight run: the schedule's input transformer sets `time` from the event.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreflightInput {
    /// When the schedule fired (RFC 3339).
    pub time: String,
}

/// The incident id of the failure chain's notification: the execution's name.
const RUN: &str = "$$.Execution.Name";

/// The workflows whose activities' IAM permissions the preflight simulates.
const CUTOVER_WORKFLOWS: [&str; 3] = ["failover", "switchover", "failback"];

pub fn workflow(stack: &Stack) -> Result<Compiled, CompileError> {
    let sites = Sites::of(stack);
    let shop = &stack.shop.name;
    let roles = activity_roles(stack)?;
    let wf = Workflow::new("preflight")
        .input::<PreflightInput>()
        .comment(&format!(
            "Preflight of {shop}: could a failover from {} to {} succeed now? Publishes wfc/{shop} FailoverReady",
            sites.primary, sites.secondary
        ))
        .timeout_seconds(20 * 60);
    let on_failure = failure_chain(&wf, stack, "Preflight", RUN);

    let checks = wf
        .parallel("Checks")
        .branch(replica_check(&wf, stack))
        .branch(media_check(&wf, stack))
        .branch(health_check_check(&wf, stack))
        .branch(record_check(&wf, stack))
        .branch(capacity_check(&wf, stack))
        .branch(permission_check(&wf, &roles))
        .branch(identity_check(&wf, stack))
        .branch(background_jobs_check(&wf, stack))
        .branch(database_credentials_check(&wf, stack))
        .result_path("$.checks");
    let checks = super::guard_step(&wf, checks, &on_failure);

    // Validators refuse JSONPath filters (`[?(…)]`) in Parameters: a Map keeps the failing
    // checks instead, each item yielding `[check]` or `[]`, flattened by `[*].keep[*]`.
    let select = keep_where(
        &wf,
        "Select failing checks",
        "$.checks",
        Path::<bool>::raw("$.ok").is_true(),
        "$",
        "$.selected",
    );
    let summarise = wf.pass("Summarise").parameters(json!({
        "time.$": "$.time",
        "checks.$": "$.checks",
        "failing.$": "$.selected[*].keep[*]",
    }));
    let count = wf
        .pass("Count failing checks")
        .parameters(json!({ "count.$": "States.ArrayLength($.failing)" }))
        .result_path("$.failing_count");

    let publish_ready = publish(&wf, stack, "Publish ready", 1, &on_failure);
    let publish_not_ready = publish(&wf, stack, "Publish not ready", 0, &on_failure);
    let notify = notify(
&wf,
stack,
"Notify not ready",
            RUN,
            "preflight.not_ready",
            Severity::Warning,
            json!(format!(
                "States.Format('{shop} is not ready to fail over to {}: {{}} preflight check(s) failing', $.failing_count.count)",
                sites.secondary
            )),
            json!({ "time.$": "$.time", "failing.$": "$.failing" }),
&on_failure,
);
    publish_ready.next(wf.succeed("Ready"));
    publish_not_ready
        .next(&notify)
        .next(wf.succeed("Not ready"));
    let ready = wf
        .choice("Failover ready")
        .when(
            Path::<u32>::raw("$.failing_count.count").equals(0),
            &publish_ready,
        )
        .otherwise(&publish_not_ready);

    wf.compile(
        checks
            .next(&select)
            .next(&summarise)
            .next(&count)
            .next(&ready),
    )
}

/// `PutMetricData` of `FailoverReady` = `value`; an error goes to the failure chain.
fn publish(wf: &Workflow, stack: &Stack, name: &str, value: u32, on_failure: &Step) -> Step {
    let shop = &stack.shop.name;
    let put = wf
        .aws_sdk(name, "cloudwatch", "putMetricData")
        .sdk_param("namespace", format!("wfc/{shop}"))
        .sdk_param(
            "metric_data",
            json!([{
                "MetricName": "FailoverReady",
                "Value": value,
                "Unit": "Count",
                "Dimensions": [{ "Name": "Shop", "Value": shop }],
            }]),
        )
        .discard_result()
        .retry(retry_sdk());
    super::guard_step(wf, put, on_failure)
}

/// The SDK integrations' errors are named after the service's exceptions; these reads (and the
/// metric) are safe to repeat, so any task failure is tried again a few times.
fn retry_sdk() -> Retry {
    Retry::on(&["States.TaskFailed"])
        .interval(2)
        .max_attempts(3)
        .backoff(2.0)
        .jitter()
}

/// A branch's result: `{ check, ok, detail }`; a `detail` string starting with `$` is a path.
fn outcome(wf: &Workflow, name: &str, check: &str, ok: bool, detail: Value) -> Step {
    let mut result = json!({ "check": check, "ok": ok });
    let map = result.as_object_mut().expect("an object");
    match detail {
        Value::String(path) if path.starts_with('$') => map.insert("detail.$".into(), json!(path)),
        other => map.insert("detail".into(), other),
    };
    wf.pass(name).parameters(result)
}

/// The result of a branch whose task failed: the error the catcher put at `$.error`.
fn errored(wf: &Workflow, name: &str, check: &str) -> Step {
    outcome(wf, name, check, false, json!("$.error"))
}

/// Retries and a catch-all to `failed` for a task inside a check branch.
fn checked<S: StateBuilder>(task: S, lambda: bool, failed: &Step) -> S {
    let task = if lambda {
        task.retry(retry_aws()).retry(Retry::transient_lambda())
    } else {
        task.retry(retry_sdk())
    };
    task.catch(Catch::all().result_path("$.error"), failed)
}

/// Check 7: both regions carry the same shop identity: keys and salts (compared by hash), site
/// URL, `WP_ENVIRONMENT_TYPE=production`, Redis prefix, WooCommerce and payment plugin versions.
/// SES production access and the DR egress addresses to allow-list are reported in the detail.
fn identity_check(wf: &Workflow, stack: &Stack) -> Chain {
    let sites = Sites::of(stack);
    let failed = errored(wf, "Identity check failed", "identity");
    let source = |region: &str| IdentitySource {
        region: region.into(),
        salts_secret_id: stack.woocommerce.salts_secret_id.clone(),
        config_parameter: stack.woocommerce.config_parameter.clone(),
    };
    let check = wf
        .task::<CheckShopIdentity>("Check shop identity")
        .input(
            &CheckShopIdentityInput {
                regions: vec![source(sites.primary), source(sites.secondary)],
                site_url: stack.app.site_url.clone(),
                plugins: stack.woocommerce.plugins.clone(),
                dr_region: sites.secondary.into(),
                dr_egress_ips: sites.s.egress_ips.clone(),
            },
            &[],
        )
        .result_path("$.identity");
    let check = checked(check, true, &failed);
    let detail = json!({
        "summary.$": "$.identity.Payload.summary",
        "checks.$": "$.identity.Payload.checks",
        "ses_production_access.$": "$.identity.Payload.ses_production_access",
        "ses_detail.$": "$.identity.Payload.ses_detail",
        "dr_egress_ips.$": "$.identity.Payload.dr_egress_ips",
    });
    let verdict = wf
        .choice("Identity identical")
        .when(
            check
                .output(field!(CheckShopIdentityOutput.identical))
                .is_true(),
            outcome(wf, "Identity ok", "identity", true, detail.clone()),
        )
        .otherwise(outcome(wf, "Identity differs", "identity", false, detail));
    check.next(&verdict)
}

/// Check 8: background jobs (WP-Cron, Action Scheduler) run in exactly one region: two runners
/// double-charge renewals, none stops them.
fn background_jobs_check(wf: &Workflow, stack: &Stack) -> Chain {
    let sites = Sites::of(stack);
    let failed = errored(wf, "Background jobs check failed", "background_jobs");
    let runner = |region: &str, site| RegionRunner {
        region: region.into(),
        runner: super::shop::job_runner(site),
    };
    let check = wf
        .task::<CheckBackgroundJobs>("Check background jobs")
        .input(
            &CheckBackgroundJobsInput {
                runners: vec![
                    runner(sites.primary, sites.p),
                    runner(sites.secondary, sites.s),
                ],
            },
            &[],
        )
        .result_path("$.jobs");
    let check = checked(check, true, &failed);
    let detail = json!({
        "running_in.$": "$.jobs.Payload.running_in",
        "detail.$": "$.jobs.Payload.detail",
    });
    let verdict = wf
        .choice("One job runner")
        .when(
            check
                .output(field!(CheckBackgroundJobsOutput.exactly_one))
                .is_true(),
            outcome(
                wf,
                "Background jobs ok",
                "background_jobs",
                true,
                detail.clone(),
            ),
        )
        .otherwise(outcome(
            wf,
            "Background jobs not in exactly one region",
            "background_jobs",
            false,
            detail,
        ));
    check.next(&verdict)
}

/// Check 9: the DR database's credentials secret exists in the DR region (the SDK call goes to
/// the state machine's region) and is not scheduled for deletion (`DeletedDate`: its value is
/// no longer readable). `DescribeSecret`, not `GetSecretValue`: the value would land in the
/// execution history. Not found or access denied is not ok, with the error as the detail.
fn database_credentials_check(wf: &Workflow, stack: &Stack) -> Chain {
    let sites = Sites::of(stack);
    let secret = &sites.s.db_credentials_secret_id;
    let failed = errored(wf, "Database secret lookup failed", "database_credentials");
    let describe = wf
        .aws_sdk(
            "Describe DR database secret",
            "secretsmanager",
            "describeSecret",
        )
        .sdk_param("secret_id", secret.clone())
        .result_path("$.secret");
    let describe = checked(describe, false, &failed);
    let verdict = wf
        .choice("Database secret usable")
        .when(
            Path::<String>::raw("$.secret.DeletedDate").is_present(),
            outcome(
                wf,
                "Database secret scheduled for deletion",
                "database_credentials",
                false,
                json!({
                    "secret": secret,
                    "region": sites.secondary,
                    "deleted_date.$": "$.secret.DeletedDate",
                }),
            ),
        )
        .otherwise(outcome(
            wf,
            "Database secret ok",
            "database_credentials",
            true,
            json!({ "secret": secret, "region": sites.secondary, "arn.$": "$.secret.ARN" }),
        ));
    describe.next(&verdict)
}

/// Check 1: The DR database is a replica, its lag is within the RPO, and it has backups.
fn replica_check(wf: &Workflow, stack: &Stack) -> Chain {
    let sites = Sites::of(stack);
    // Aurora: the lag gate reads the member cluster's writer-to-be by the cluster id.
    let (replica_id, self_managed) = super::shop::replica(stack, sites.secondary, sites.s);
    let failed = errored(wf, "Replica check failed", "replica");
    let check = wf
        .task::<CheckReplica>("Check replica")
        .input(
            &CheckReplicaInput {
                db_instance_id: replica_id,
                region: Some(sites.secondary.into()),
                max_lag_seconds: stack.policy.max_replica_lag_seconds,
                lag_window_seconds: 300,
                rpo_override: None,
                enforce: false,
                self_managed,
            },
            &[],
        )
        .result_path("$.replica");
    let backups_visible = !matches!(sites.s.database, wfc_stack::Database::SelfManaged { .. });
    let check = checked(check, true, &failed);
    let field = |reason: &str| {
        json!({
            "reason": reason,
            "lag_detail.$": "$.replica.Payload.lag_detail",
            "rpo_verdict.$": "$.replica.Payload.rpo_verdict",
        })
    };
    let verdict = wf
        .choice("Replica ready")
        .when(
            check
                .output(field!(CheckReplicaOutput.is_replica))
                .is_false(),
            outcome(
                wf,
                "Replica not a replica",
                "replica",
                false,
                field("the DR database is not a replica"),
            ),
        )
        .when(
            !check
                .output(field!(CheckReplicaOutput.rpo_verdict))
                .equals(RpoVerdict::WithinLimit),
            outcome(
                wf,
                "Replica lag over the RPO",
                "replica",
                false,
                field("replication lag over the RPO limit or unknown"),
            ),
        );
    // Backups of a self-managed server are not visible over SQL: the check is RDS and Aurora's.
    let (verdict, ok_detail) = if backups_visible {
        let verdict = verdict.when(
            check
                .output(field!(CheckReplicaOutput.backups_enabled))
                .is_false(),
            outcome(
                wf,
                "Replica without backups",
                "replica",
                false,
                field("automated backups are disabled on the DR database"),
            ),
        );
        (verdict, "replica in sync within the RPO, with backups")
    } else {
        (verdict, "replica in sync within the RPO")
    };
    let verdict = verdict.otherwise(outcome(wf, "Replica ok", "replica", true, field(ok_detail)));
    check.next(&verdict)
}

/// Check 2: Media replication from the primary bucket to the DR bucket is configured and keeping up.
fn media_check(wf: &Workflow, stack: &Stack) -> Chain {
    let sites = Sites::of(stack);
    let failed = errored(wf, "Media check failed", "media");
    let check = wf
        .task::<CheckMediaReplication>("Check media replication")
        .input(
            &CheckMediaReplicationInput {
                source_bucket: sites.p.media_bucket.clone(),
                destination_bucket: Some(sites.s.media_bucket.clone()),
                rule_id: None,
                max_pending_operations: None,
                max_pending_bytes: None,
                blocking: false,
                region: Some(sites.primary.into()),
                metrics_window_seconds: 900,
            },
            &[],
        )
        .result_path("$.media");
    let check = checked(check, true, &failed);
    let detail = json!({
        "verdict.$": "$.media.Payload.verdict",
        "detail.$": "$.media.Payload.detail",
    });
    let verdict = wf
        .choice("Media replicating")
        .when(
            check
                .output(field!(CheckMediaReplicationOutput.verdict))
                .equals(MediaVerdict::Ok),
            outcome(wf, "Media ok", "media", true, detail.clone()),
        )
        .otherwise(outcome(wf, "Media not ok", "media", false, detail));
    check.next(&verdict)
}

/// Check 3: Both regions' Route 53 health checks exist (`HealthCheckNotFound` makes it not ok).
fn health_check_check(wf: &Workflow, stack: &Stack) -> Chain {
    let sites = Sites::of(stack);
    let failed = errored(wf, "Health check lookup failed", "health_checks");
    let assess = |name: &str, health_check_id: &str, region: &str, at: &str| {
        let task = wf
            .task::<AssessOutage>(name)
            .input(
                &AssessOutageInput {
                    health_check_id: health_check_id.into(),
                    alarm_name: None,
                    down_failing_share: 0.82,
                    region: Some(region.into()),
                    trigger: None,
                },
                &[],
            )
            .result_path(at);
        checked(task, true, &failed)
    };
    let primary = assess(
        "Assess primary health check",
        &sites.p.health_check_id,
        sites.primary,
        "$.primary_health",
    );
    let secondary = assess(
        "Assess DR health check",
        &sites.s.health_check_id,
        sites.secondary,
        "$.secondary_health",
    );
    let ok = outcome(
        wf,
        "Health checks ok",
        "health_checks",
        true,
        json!({
            "primary.$": "$.primary_health.Payload.reason",
            "secondary.$": "$.secondary_health.Payload.reason",
        }),
    );
    primary.next(&secondary).next(&ok)
}

/// Check 4: The shop's first DNS record exists in the hosted zone.
fn record_check(wf: &Workflow, stack: &Stack) -> Chain {
    let Some(record) = stack.dns.record_names.first() else {
        return outcome(
            wf,
            "Records missing",
            "records",
            false,
            json!("the stack lists no DNS record"),
        )
        .into_chain();
    };
    // Route 53 answers with the lower-case, fully qualified name.
    let fqdn = format!("{}.", record.trim_end_matches('.').to_lowercase());
    let failed = errored(wf, "Records lookup failed", "records");
    let list = wf
        .aws_sdk("List shop records", "route53", "listResourceRecordSets")
        .sdk_param("hosted_zone_id", stack.dns.hosted_zone_id.clone())
        .sdk_param("start_record_name", record.clone())
        .sdk_param("max_items", "1")
        .result_path("$.records");
    let list = checked(list, false, &failed);
    let name = Path::<String>::raw("$.records.ResourceRecordSets[0].Name");
    let verdict = wf
        .choice("Record found")
        .when(
            Condition::and([name.is_present(), name.eq_str(&fqdn)]),
            outcome(
                wf,
                "Records ok",
                "records",
                true,
                json!({ "record": fqdn, "found.$": "$.records.ResourceRecordSets[0].Name" }),
            ),
        )
        .otherwise(outcome(
            wf,
            "Records not found",
            "records",
            false,
            json!({ "record": fqdn, "found.$": "$.records.ResourceRecordSets" }),
        ));
    list.next(&verdict)
}

/// Check 5: The DR compute can grow to the capacity it serves with: an Auto Scaling group's
/// `MaxSize` is at least `active_capacity`; an ECS service (no group maximum: failover sets its
/// desired count) exists and is `ACTIVE`.
fn capacity_check(wf: &Workflow, stack: &Stack) -> Chain {
    let sites = Sites::of(stack);
    let failed = errored(wf, "Capacity lookup failed", "capacity");
    let (describe, condition, detail) = match &sites.s.compute {
        Compute::AutoScalingGroup {
            name,
            active_capacity,
            ..
        } => {
            let describe = wf
                .aws_sdk(
                    "Describe DR compute",
                    "autoscaling",
                    "describeAutoScalingGroups",
                )
                .sdk_param("auto_scaling_group_names", json!([name]));
            let max = Path::<u32>::raw("$.capacity.AutoScalingGroups[0].MaxSize");
            let condition = Condition::and([max.is_present(), max.ge(*active_capacity)]);
            let detail = json!({
                "group": name,
                "active_capacity": active_capacity,
                "max_size.$": "$.capacity.AutoScalingGroups[*].MaxSize",
            });
            (describe, condition, detail)
        }
        Compute::EcsService {
            cluster, service, ..
        } => {
            let describe = wf
                .aws_sdk("Describe DR compute", "ecs", "describeServices")
                .sdk_param("cluster", cluster.clone())
                .sdk_param("services", json!([service]));
            let status = Path::<String>::raw("$.capacity.Services[0].Status");
            let condition = Condition::and([status.is_present(), status.eq_str("ACTIVE")]);
            let detail = json!({
                "service": service,
                "status.$": "$.capacity.Services[*].Status",
            });
            (describe, condition, detail)
        }
    };
    let describe = checked(describe.result_path("$.capacity"), false, &failed);
    let verdict = wf
        .choice("DR capacity headroom")
        .when(
            condition,
            outcome(wf, "Capacity ok", "capacity", true, detail.clone()),
        )
        .otherwise(outcome(wf, "Capacity short", "capacity", false, detail));
    describe.next(&verdict)
}

/// Check 6: each activity the cutover workflows run is allowed, by its own role (one role per
/// activity, `${<activity>_role_arn}` filled in at deploy time), every action it declares.
fn permission_check(wf: &Workflow, roles: &[(String, Vec<String>)]) -> Chain {
    let failed = errored(wf, "Permissions check failed", "permissions");
    let list = wf
        .pass("List activity roles")
        .result(json!(roles
            .iter()
            .map(|(activity, actions)| json!({
                "activity": activity,
                "role": role_arn_placeholder(activity),
                "actions": actions,
            }))
            .collect::<Vec<_>>()))
        .result_path("$.roles");
    // Without ResourceArns the simulation is for `*` (all resources).
    let simulate = wf
        .aws_sdk(
            "Simulate activity permissions",
            "iam",
            "simulatePrincipalPolicy",
        )
        .sdk_param_from("policy_source_arn", &Path::<String>::raw("$.role"))
        .sdk_param_from("action_names", &Path::<Vec<String>>::raw("$.actions"))
        .sdk_param("max_items", 1000)
        .result_path("$.simulation")
        .retry(retry_sdk());
    let select = keep_where(
        wf,
        "Select denied actions",
        "$.simulation.EvaluationResults",
        Path::<String>::raw("$.EvalDecision").eq_str("allowed"),
        "$.EvalActionName",
        "$.denied_items",
    );
    let role_result = wf.pass("Role denied actions").parameters(json!({
        "activity.$": "$.activity",
        "denied.$": "$.denied_items[*].keep[*]",
    }));
    let each = wf
        .map(
            "Simulate each activity role",
            Path::<Vec<Value>>::raw("$.roles"),
        )
        .processor(simulate.next(&select).next(&role_result))
        .result_path("$.simulations")
        .catch(Catch::all().result_path("$.error"), &failed);
    let denied = wf
        .pass("Find denied actions")
        .parameters(json!({ "actions.$": "$.simulations[*].denied[*]" }))
        .result_path("$.denied");
    let count = wf
        .pass("Count denied actions")
        .parameters(json!({ "count.$": "States.ArrayLength($.denied.actions)" }))
        .result_path("$.denied_count");
    let actions: usize = roles.iter().map(|(_, a)| a.len()).sum();
    let verdict = wf
        .choice("Permissions allowed")
        .when(
            Path::<u32>::raw("$.denied_count.count").equals(0),
            outcome(
                wf,
                "Permissions ok",
                "permissions",
                true,
                json!({ "roles": roles.len(), "actions": actions }),
            ),
        )
        .otherwise(outcome(
            wf,
            "Permissions denied",
            "permissions",
            false,
            json!({ "denied.$": "$.denied.actions", "by_activity.$": "$.simulations" }),
        ));
    list.next(&each).next(&denied).next(&count).next(&verdict)
}

/// A Map over the array at `items` whose item results are `{ "keep": [<pick>] }`, or
/// `{ "keep": [] }` when `drop_when` holds for the item; `<result_path>[*].keep[*]` then lists
/// the kept values.
fn keep_where(
    wf: &Workflow,
    name: &str,
    items: &str,
    drop_when: Condition,
    pick: &str,
    result_path: &str,
) -> Step {
    let drop = wf
        .pass(&format!("{name} drop"))
        .result(json!({ "keep": [] }));
    let keep = wf
        .pass(&format!("{name} keep"))
        .parameters(json!({ "keep.$": format!("States.Array({pick})") }));
    let choice = wf
        .choice(&format!("{name} item"))
        .when(drop_when, drop)
        .otherwise(keep);
    wf.map(name, Path::<Vec<Value>>::raw(items))
        .processor(choice)
        .result_path(result_path)
}

/// The activities the failover, switchover and failback workflows run for this stack (read from
/// their definitions), each with its declared IAM actions, sorted and deduplicated.
fn activity_roles(stack: &Stack) -> Result<Vec<(String, Vec<String>)>, CompileError> {
    let mut used = BTreeSet::new();
    for name in CUTOVER_WORKFLOWS {
        let Some(built) = crate::build(name, stack) else {
            continue;
        };
        for scoped in built?.machine.all_states() {
            let State::Task(task) = scoped.state else {
                continue;
            };
            let function = scoped
                .state
                .common()
                .parameters
                .as_ref()
                .and_then(|p| p.get("FunctionName"))
                .and_then(Value::as_str)
                .unwrap_or(&task.resource);
            if let Some(activity) = activity_of_placeholder(function) {
                used.insert(activity.to_string());
            }
        }
    }
    Ok(wfc_activities::catalog::catalog()
        .into_iter()
        .filter(|info| used.contains(info.name))
        .map(|info| {
            let actions: BTreeSet<String> = info
                .permissions
                .into_iter()
                .flat_map(|permission| permission.actions)
                .map(str::to_string)
                .collect();
            (info.name.to_string(), actions.into_iter().collect())
        })
        .collect())
}
