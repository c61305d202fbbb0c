//! The keys of `stack.toml`, table by table: name, type, required or not, and the checks that
//! need only the value itself (format, range). This is the one hand-written copy of the key
//! lists; the tests at the bottom hold it to the serde model in `model.rs` (same keys, same
//! types, same required keys, same enum values).

use crate::formats::{self as f, Format};

/// The type of a key's value, with its value-local check.
#[derive(Clone, Copy)]
pub(crate) enum Ty {
    Str(Format),
    /// An integer in `min..=max`; outside `0..=type_max` serde cannot read it at all.
    Int {
        min: i64,
        max: i64,
        type_max: i64,
    },
    /// A finite number (integer or float) not below `min`.
    Number {
        min: f64,
    },
    Bool,
    /// An array of strings, each checked by the format, with at least `min_len` items.
    List {
        item: Format,
        min_len: usize,
    },
    /// One of these strings.
    Enum(&'static [&'static str]),
    Table(&'static [Key]),
    /// A table of tables keyed by a name (`regions.<region>`).
    Map(&'static [Key]),
    /// A table whose `tag` key names the variant, which decides the other keys.
    Tagged {
        tag: &'static str,
        variants: &'static [(&'static str, &'static [Key])],
    },
}

pub(crate) struct Key {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

const fn req(name: &'static str, ty: Ty) -> Key {
    Key {
        name,
        ty,
        required: true,
    }
}
const fn opt(name: &'static str, ty: Ty) -> Key {
    Key {
        name,
        ty,
        required: false,
    }
}
const fn u32_in(min: i64, max: i64) -> Ty {
    Ty::Int {
        min,
        max,
        type_max: u32::MAX as i64,
    }
}

pub(crate) const ROLES: &[&str] = &["primary", "replica"];
pub(crate) const STORES: &[&str] = &["ssm", "secrets_manager"];
pub(crate) const APPROVALS: &[&str] = &["none", "manual"];
pub(crate) const ON_APPROVAL_TIMEOUT: &[&str] = &["abort", "proceed"];

pub(crate) const STACK: &[Key] = &[
    req("shop", Ty::Table(SHOP)),
    req("regions", Ty::Map(REGION)),
    req("dns", Ty::Table(DNS)),
    req("app", Ty::Table(APP)),
    req("notifications", Ty::Table(NOTIFICATIONS)),
    req("policy", Ty::Table(POLICY)),
    req("events", Ty::Table(EVENTS)),
    req("woocommerce", Ty::Table(WOOCOMMERCE)),
];

const SHOP: &[Key] = &[
    req("name", Ty::Str(f::shop_name)),
    req("account_id", Ty::Str(f::account_id)),
    // Checked against the region names (rules::regions).
    req("primary_region", Ty::Str(f::any)),
];

const REGION: &[Key] = &[
    req(
        "database",
        Ty::Tagged {
            tag: "kind",
            variants: DATABASES,
        },
    ),
    req("load_balancer", Ty::Table(LOAD_BALANCER)),
    req(
        "compute",
        Ty::Tagged {
            tag: "kind",
            variants: COMPUTES,
        },
    ),
    req("health_check_id", Ty::Str(f::uuid)),
    req("cache", Ty::Table(CACHE)),
    req("media_bucket", Ty::Str(f::bucket_name)),
    opt(
        "alarms",
        Ty::List {
            item: f::alarm_name,
            min_len: 0,
        },
    ),
    req("db_credentials_secret_id", Ty::Str(f::secret_id)),
    req(
        "background_jobs",
        Ty::Tagged {
            tag: "kind",
            variants: JOB_RUNNERS,
        },
    ),
    req("write_gate", Ty::Table(WRITE_GATE)),
    opt(
        "egress_ips",
        Ty::List {
            item: f::ip_address,
            min_len: 0,
        },
    ),
    opt("network", Ty::Table(NETWORK)),
];

const JOB_RUNNERS: &[(&str, &[Key])] = &[
    (
        "scheduler",
        &[
            req("schedule_name", Ty::Str(f::aws_resource_name)),
            opt("group_name", Ty::Str(f::aws_resource_name)),
        ],
    ),
    (
        "ecs_service",
        &[
            req("cluster", Ty::Str(f::ecs_name)),
            req("service", Ty::Str(f::ecs_name)),
            opt("desired_count", u32_in(1, 10)),
        ],
    ),
];

const WRITE_GATE: &[Key] = &[
    req("web_acl_name", Ty::Str(f::waf_name)),
    req("web_acl_id", Ty::Str(f::uuid)),
];

const DATABASES: &[(&str, &[Key])] = &[
    ("rds_instance", RDS_INSTANCE),
    ("aurora_global", AURORA_GLOBAL),
    ("self_managed", SELF_MANAGED),
];

const SELF_MANAGED: &[Key] = &[
    req("role", Ty::Enum(ROLES)),
    req("server_id", Ty::Str(f::db_identifier)),
    req("host", Ty::Str(f::host)),
    opt(
        "port",
        Ty::Int {
            min: 1,
            max: 65535,
            type_max: u16::MAX as i64,
        },
    ),
    opt("tls", Ty::Bool),
];

const RDS_INSTANCE: &[Key] = &[
    req("role", Ty::Enum(ROLES)),
    req("instance_id", Ty::Str(f::db_identifier)),
    req("arn", Ty::Str(f::any)), // rules::arns
    req("instance_class", Ty::Str(f::instance_class)),
    opt("parameter_group", Ty::Str(f::parameter_group)),
    opt("subnet_group", Ty::Str(f::subnet_group)),
    opt(
        "security_group_ids",
        Ty::List {
            item: f::security_group_id,
            min_len: 0,
        },
    ),
    opt("kms_key_id", Ty::Str(f::non_empty)),
    opt("multi_az", Ty::Bool),
];

const NETWORK: &[Key] = &[
    req("vpc_id", Ty::Str(f::vpc_id)),
    req("cidr", Ty::Str(f::ipv4_cidr)),
    req(
        "attachment_subnet_ids",
        Ty::List {
            item: f::subnet_id,
            min_len: 1,
        },
    ),
    req(
        "route_table_ids",
        Ty::List {
            item: f::route_table_id,
            min_len: 1,
        },
    ),
    // Private ASNs of the 16-bit range (a transit gateway also takes 4200000000–4294967294).
    opt("transit_gateway_asn", u32_in(64512, 4_294_967_294)),
];

const AURORA_GLOBAL: &[Key] = &[
    req("role", Ty::Enum(ROLES)),
    req("global_cluster_id", Ty::Str(f::db_identifier)),
    req("cluster_id", Ty::Str(f::db_identifier)),
    req("cluster_arn", Ty::Str(f::any)), // rules::arns
];

const LOAD_BALANCER: &[Key] = &[
    req("arn", Ty::Str(f::any)), // rules::arns
    req("dns_name", Ty::Str(f::dns_name)),
    req("hosted_zone_id", Ty::Str(f::hosted_zone_id)),
];

const COMPUTES: &[(&str, &[Key])] = &[
    ("auto_scaling_group", AUTO_SCALING_GROUP),
    ("ecs_service", ECS_SERVICE),
];

const AUTO_SCALING_GROUP: &[Key] = &[
    req("name", Ty::Str(f::asg_name)),
    req("active_capacity", u32_in(1, 1000)),
    req("standby_capacity", u32_in(0, 1000)),
];

const ECS_SERVICE: &[Key] = &[
    req("cluster", Ty::Str(f::ecs_name)),
    req("service", Ty::Str(f::ecs_name)),
    req("active_capacity", u32_in(1, 1000)),
    req("standby_capacity", u32_in(0, 1000)),
];

const CACHE: &[Key] = &[
    req("replication_group_id", Ty::Str(f::replication_group_id)),
    req("host", Ty::Str(f::dns_name)),
    opt(
        "port",
        Ty::Int {
            min: 1,
            max: 65535,
            type_max: u16::MAX as i64,
        },
    ),
    opt("tls", Ty::Bool),
    opt("auth_token_secret_id", Ty::Str(f::secret_id)),
    // Redis logical databases 0–15 (ElastiCache's `databases` default).
    opt("database", u32_in(0, 15)),
];

const DNS: &[Key] = &[
    req("hosted_zone_id", Ty::Str(f::hosted_zone_id)),
    req(
        "record_names",
        Ty::List {
            item: f::dns_name,
            min_len: 1,
        },
    ),
];

const APP: &[Key] = &[
    req("site_url", Ty::Str(f::https_url)),
    req("db_endpoint_store", Ty::Enum(STORES)),
    req("db_endpoint_name", Ty::Str(f::any)), // rules::app, by store
    req("maintenance_parameter", Ty::Str(f::ssm_name)),
    req("state_parameter", Ty::Str(f::ssm_name)),
    opt(
        "smoke_paths",
        Ty::List {
            item: f::url_path,
            min_len: 1,
        },
    ),
];

const NOTIFICATIONS: &[Key] = &[
    req("sns_topic_arn", Ty::Str(f::any)), // rules::arns
    opt("webhook_secret_id", Ty::Str(f::secret_id)),
];

const POLICY: &[Key] = &[
    req("max_replica_lag_seconds", Ty::Number { min: 0.0 }),
    opt("allow_data_loss_override", Ty::Bool),
    req("approval", Ty::Enum(APPROVALS)),
    opt("approval_timeout_minutes", u32_in(1, 1440)),
    opt("on_approval_timeout", Ty::Enum(ON_APPROVAL_TIMEOUT)),
    req("min_minutes_between_failovers", u32_in(0, 10080)),
    req(
        "fence",
        Ty::Tagged {
            tag: "method",
            variants: FENCES,
        },
    ),
    opt("promotion_deadline_minutes", u32_in(5, 240)),
];

const FENCES: &[(&str, &[Key])] = &[
    ("read_only", &[]),
    ("stop", &[]),
    (
        "isolate",
        &[req(
            "security_group_ids",
            Ty::List {
                item: f::security_group_id,
                min_len: 1,
            },
        )],
    ),
];

const EVENTS: &[Key] = &[
    req("role_arn", Ty::Str(f::any)),              // rules::arns
    req("dead_letter_queue_arn", Ty::Str(f::any)), // rules::arns
    // EventBridge RetryPolicy limits.
    opt("maximum_retry_attempts", u32_in(0, 185)),
    opt("maximum_event_age_seconds", u32_in(60, 86400)),
];

const WOOCOMMERCE: &[Key] = &[
    opt("database_name", Ty::Str(f::sql_name)),
    opt("table_prefix", Ty::Str(f::sql_name)),
    opt(
        "order_id_margin",
        Ty::Int {
            min: 1,
            max: 1_000_000_000,
            type_max: i64::MAX,
        },
    ),
    opt(
        "extra_id_tables",
        Ty::List {
            item: f::sql_name,
            min_len: 0,
        },
    ),
    req(
        "canary_product_id",
        Ty::Int {
            min: 1,
            max: i64::MAX,
            type_max: i64::MAX,
        },
    ),
    opt("retry_after_seconds", u32_in(1, 86400)),
    req("salts_secret_id", Ty::Str(f::secret_id)),
    req("config_parameter", Ty::Str(f::ssm_name)),
    opt(
        "plugins",
        Ty::List {
            item: f::plugin_slug,
            min_len: 1,
        },
    ),
];

#[cfg(test)]
mod tests {
    //! The key lists against the serde model: full exemplars (every optional field set, every
    //! variant used) serialized to TOML must have exactly the listed keys with the listed
    //! types; dropping a key must fail deserialization exactly when the key is required; and
    //! every listed enum value must deserialize.
    use super::*;
    use crate::*;
    use indexmap::IndexMap;
    use toml::{Table, Value};

    fn region(database: Database, compute: Compute, background_jobs: JobRunner) -> Region {
        Region {
            database,
            load_balancer: LoadBalancer {
                arn: "a".into(),
                dns_name: "d".into(),
                hosted_zone_id: "z".into(),
            },
            compute,
            health_check_id: "h".into(),
            cache: Cache {
                replication_group_id: "r".into(),
                host: "h".into(),
                port: 1,
                tls: true,
                auth_token_secret_id: Some("s".into()),
                database: 1,
            },
            media_bucket: "b".into(),
            alarms: vec!["a".into()],
            db_credentials_secret_id: "s".into(),
            background_jobs,
            write_gate: WriteGate {
                web_acl_name: "w".into(),
                web_acl_id: "i".into(),
            },
            egress_ips: vec!["1.2.3.4".into()],
            network: Some(Network {
                vpc_id: "v".into(),
                cidr: "c".into(),
                attachment_subnet_ids: vec!["s".into()],
                route_table_ids: vec!["r".into()],
                transit_gateway_asn: Some(1),
            }),
        }
    }

    /// Every struct literal names every field, so a field added to the model breaks this
    /// until it is listed here, and then the comparison below until it is in the schema.
    fn exemplars() -> Vec<Stack> {
        let rds = Database::RdsInstance {
            role: Role::Primary,
            instance_id: "i".into(),
            arn: "a".into(),
            instance_class: "c".into(),
            parameter_group: Some("p".into()),
            subnet_group: Some("s".into()),
            security_group_ids: vec!["sg".into()],
            kms_key_id: Some("k".into()),
            multi_az: true,
        };
        let aurora = Database::AuroraGlobal {
            role: Role::Replica,
            global_cluster_id: "g".into(),
            cluster_id: "c".into(),
            cluster_arn: "a".into(),
        };
        let self_managed = Database::SelfManaged {
            role: Role::Primary,
            server_id: "s".into(),
            host: "h".into(),
            port: 1,
            tls: false,
        };
        let scheduler = JobRunner::Scheduler {
            schedule_name: "s".into(),
            group_name: "g".into(),
        };
        let worker = JobRunner::EcsService {
            cluster: "c".into(),
            service: "s".into(),
            desired_count: 1,
        };
        let asg = Compute::AutoScalingGroup {
            name: "n".into(),
            active_capacity: 1,
            standby_capacity: 0,
        };
        let ecs = Compute::EcsService {
            cluster: "c".into(),
            service: "s".into(),
            active_capacity: 1,
            standby_capacity: 0,
        };
        let fences = [
            Fence::Isolate {
                security_group_ids: vec!["sg".into()],
            },
            Fence::ReadOnly,
            Fence::Stop,
        ];
        let tables = [
            (rds, asg.clone(), scheduler.clone()),
            (aurora, ecs, worker),
            (self_managed, asg, scheduler),
        ];
        fences
            .into_iter()
            .enumerate()
            .map(|(i, fence)| {
                let (database, compute, jobs) = tables[i % 3].clone();
                Stack {
                    shop: Shop {
                        name: "n".into(),
                        account_id: "1".into(),
                        primary_region: "r".into(),
                    },
                    regions: IndexMap::from([("r".to_string(), region(database, compute, jobs))]),
                    dns: Dns {
                        hosted_zone_id: "z".into(),
                        record_names: vec!["n".into()],
                    },
                    app: App {
                        site_url: "u".into(),
                        db_endpoint_store: Store::SecretsManager,
                        db_endpoint_name: "n".into(),
                        maintenance_parameter: "m".into(),
                        state_parameter: "s".into(),
                        smoke_paths: vec!["/".into()],
                    },
                    notifications: Notifications {
                        sns_topic_arn: "a".into(),
                        webhook_secret_id: Some("w".into()),
                    },
                    policy: Policy {
                        max_replica_lag_seconds: 1.0,
                        allow_data_loss_override: true,
                        approval: Approval::Manual,
                        approval_timeout_minutes: 1,
                        on_approval_timeout: OnApprovalTimeout::Proceed,
                        min_minutes_between_failovers: 1,
                        fence,
                        promotion_deadline_minutes: 5,
                    },
                    events: Events {
                        role_arn: "r".into(),
                        dead_letter_queue_arn: "q".into(),
                        maximum_retry_attempts: 1,
                        maximum_event_age_seconds: 60,
                    },
                    woocommerce: WooCommerce {
                        database_name: "wordpress".into(),
                        table_prefix: "wp_".into(),
                        order_id_margin: 1,
                        extra_id_tables: vec!["t".into()],
                        canary_product_id: 1,
                        retry_after_seconds: 1,
                        salts_secret_id: "s".into(),
                        config_parameter: "c".into(),
                        plugins: vec!["p".into()],
                    },
                }
            })
            .collect()
    }

    fn exemplar_tables() -> Vec<Table> {
        exemplars()
            .iter()
            .map(|s| Table::try_from(s).expect("serializes"))
            .collect()
    }

    /// Visits every (path, table, keys, tag) of `value` per the schema, checking value types.
    fn visit(
        path: &str,
        value: &Value,
        ty: &Ty,
        seen: &mut Vec<(String, Table, &'static [Key], Option<&'static str>)>,
    ) {
        match (ty, value) {
            (Ty::Str(_), Value::String(_))
            | (Ty::Int { .. }, Value::Integer(_))
            | (Ty::Number { .. }, Value::Float(_))
            | (Ty::Bool, Value::Boolean(_))
            | (Ty::List { .. }, Value::Array(_)) => {}
            (Ty::Enum(values), Value::String(s)) => {
                assert!(values.contains(&s.as_str()), "{path}: {s}")
            }
            (Ty::Table(keys), Value::Table(t)) => table(path, t, keys, None, seen),
            (Ty::Map(keys), Value::Table(t)) => {
                for (name, v) in t {
                    table(
                        &format!("{path}.{name}"),
                        v.as_table().expect("a table"),
                        keys,
                        None,
                        seen,
                    );
                }
            }
            (Ty::Tagged { tag, variants }, Value::Table(t)) => {
                let kind = t[*tag].as_str().expect("a tag");
                let keys = variants
                    .iter()
                    .find(|(v, _)| *v == kind)
                    .unwrap_or_else(|| panic!("{path}: variant {kind} not in the schema"))
                    .1;
                table(path, t, keys, Some(tag), seen);
            }
            _ => panic!("{path}: serde wrote {value:?}, the schema has another type"),
        }
    }

    fn table(
        path: &str,
        t: &Table,
        keys: &'static [Key],
        tag: Option<&'static str>,
        seen: &mut Vec<(String, Table, &'static [Key], Option<&'static str>)>,
    ) {
        seen.push((path.to_string(), t.clone(), keys, tag));
        for key in keys {
            let v = t.get(key.name).unwrap_or_else(|| {
                panic!("{path}.{}: in the schema, not written by serde", key.name)
            });
            visit(&format!("{path}.{}", key.name), v, &key.ty, seen);
        }
        for name in t.keys().filter(|k| Some(k.as_str()) != tag) {
            assert!(
                keys.iter().any(|k| k.name == name),
                "{path}.{name}: written by serde, not in the schema"
            );
        }
    }

    fn all_tables(root: &Table) -> Vec<(String, Table, &'static [Key], Option<&'static str>)> {
        let mut seen = Vec::new();
        table("", root, STACK, None, &mut seen);
        seen
    }

    #[test]
    fn schema_keys_and_types_match_the_serde_model() {
        let mut variants = Vec::new();
        for root in exemplar_tables() {
            for (path, t, _, tag) in all_tables(&root) {
                if let Some(tag) = tag {
                    variants.push(format!("{path}={}", t[tag].as_str().unwrap()));
                }
            }
        }
        // Every variant of every tagged table is covered by the exemplars.
        for (path, variants_of) in [
            (".regions.r.database", DATABASES),
            (".regions.r.compute", COMPUTES),
            (".regions.r.background_jobs", JOB_RUNNERS),
            (".policy.fence", FENCES),
        ] {
            for (v, _) in variants_of {
                assert!(
                    variants.contains(&format!("{path}={v}")),
                    "{path}={v} not exercised"
                );
            }
        }
    }

    /// Removes `key` from the table at `path` (dot-separated, leading dot) in `root`.
    fn remove(root: &mut Table, path: &str, key: &str) {
        let mut t = root;
        for segment in path.split('.').filter(|s| !s.is_empty()) {
            t = t
                .get_mut(segment)
                .and_then(Value::as_table_mut)
                .expect("path exists");
        }
        t.remove(key);
    }

    #[test]
    fn required_keys_match_the_serde_model() {
        for root in exemplar_tables() {
            for (path, _, keys, _) in all_tables(&root) {
                for key in keys {
                    let mut broken = root.clone();
                    remove(&mut broken, &path, key.name);
                    let loaded = Value::Table(broken).try_into::<Stack>();
                    assert_eq!(
                        loaded.is_err(),
                        key.required,
                        "{path}.{}: required in the schema is {}",
                        key.name,
                        key.required
                    );
                }
            }
        }
    }

    /// A variant added to a tagged enum breaks these matches until it is in the schema.
    #[test]
    fn tagged_variants_match_the_serde_model() {
        let database = |d: &Database| match d {
            Database::RdsInstance { .. }
            | Database::AuroraGlobal { .. }
            | Database::SelfManaged { .. } => DATABASES.len() == 3,
        };
        let compute = |c: &Compute| match c {
            Compute::AutoScalingGroup { .. } | Compute::EcsService { .. } => COMPUTES.len() == 2,
        };
        let jobs = |j: &JobRunner| match j {
            JobRunner::Scheduler { .. } | JobRunner::EcsService { .. } => JOB_RUNNERS.len() == 2,
        };
        let fence = |f: &Fence| match f {
            Fence::ReadOnly | Fence::Stop | Fence::Isolate { .. } => FENCES.len() == 3,
        };
        for stack in exemplars() {
            let (_, region) = stack.regions.first().expect("a region");
            assert!(
                database(&region.database)
                    && compute(&region.compute)
                    && jobs(&region.background_jobs)
                    && fence(&stack.policy.fence)
            );
        }
    }

    #[test]
    fn enum_values_match_the_serde_model() {
        fn all_ok<T: serde::de::DeserializeOwned>(values: &[&str]) {
            for v in values {
                Value::String(v.to_string())
                    .try_into::<T>()
                    .unwrap_or_else(|e| panic!("{v}: {e}"));
            }
            assert!(Value::String("nope".into()).try_into::<T>().is_err());
        }
        all_ok::<Role>(ROLES);
        all_ok::<Store>(STORES);
        all_ok::<Approval>(APPROVALS);
        all_ok::<OnApprovalTimeout>(ON_APPROVAL_TIMEOUT);
        // Every variant of the unit enums is listed (a new variant breaks these matches).
        let listed = |r: Role| match r {
            Role::Primary | Role::Replica => ROLES.len() == 2,
        };
        assert!(listed(Role::Primary));
        let listed = |s: Store| match s {
            Store::Ssm | Store::SecretsManager => STORES.len() == 2,
        };
        assert!(listed(Store::Ssm));
        let listed = |a: Approval| match a {
            Approval::None | Approval::Manual => APPROVALS.len() == 2,
        };
        assert!(listed(Approval::None));
        let listed = |o: OnApprovalTimeout| match o {
            OnApprovalTimeout::Abort | OnApprovalTimeout::Proceed => ON_APPROVAL_TIMEOUT.len() == 2,
        };
        assert!(listed(OnApprovalTimeout::Abort));
    }
}
