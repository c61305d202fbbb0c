//! The rules that relate keys to each other, one function per family. Each runs over the parts
//! that could be read (see `validate`) and skips what is missing: the walk reported it already.

use crate::formats as f;
use crate::model::*;
use crate::validate::{error, Parts, RegionParts};
use crate::StackError;

type Errors = Vec<StackError>;

/// `regions.<name>` + `.` + a key path inside the region.
fn sub(path: &str, rest: &str) -> String {
    format!("{path}.{rest}")
}

pub(crate) fn check(p: &Parts, e: &mut Errors) {
    let cx = Context::new(p);
    shop(p, e);
    regions(p, e);
    roles(p, &cx, e);
    databases(p, &cx, e);
    arns(p, &cx, e);
    distinct(p, e);
    compute(p, e);
    dns(p, e);
    app(p, e);
    fence(p, &cx, e);
    alarms(p, &cx, e);
    network(p, &cx, e);
}

/// What several rules need: the primary and DR regions (when the regions are usable) and the
/// account (when valid).
struct Context<'a> {
    primary: Option<&'a RegionParts>,
    dr: Option<&'a RegionParts>,
    account: Option<&'a str>,
}

impl<'a> Context<'a> {
    fn new(p: &'a Parts) -> Context<'a> {
        let account = p
            .shop
            .as_ref()
            .map(|s| s.account_id.as_str())
            .filter(|a| f::account_id(a).is_ok());
        let primary_name = p.shop.as_ref().map(|s| s.primary_region.as_str());
        let (mut primary, mut dr) = (None, None);
        if let (Some(regions), Some(name)) = (&p.regions, primary_name) {
            if regions.len() == 2 && regions.iter().any(|r| r.name == name) {
                primary = regions.iter().find(|r| r.name == name);
                dr = regions.iter().find(|r| r.name != name);
            }
        }
        Context {
            primary,
            dr,
            account,
        }
    }
}

/// The names derived from the shop name fit their AWS limits.
fn shop(p: &Parts, e: &mut Errors) {
    let Some(shop) = &p.shop else { return };
    if let Some(w) = WORKFLOWS
        .iter()
        .find(|w| shop.name.len() + 1 + w.len() > 80)
    {
        e.push(error("shop.name", format!(
            "expected a shop name short enough for the state machine name \"{}-{w}\" (at most 80 characters), found {:?}",
            shop.name, shop.name
        )));
    }
}

/// Region names, exactly two regions, the primary one of them.
fn regions(p: &Parts, e: &mut Errors) {
    let Some(regions) = &p.regions else { return };
    for r in regions {
        if let Err(expected) = f::region(&r.name) {
            e.push(error(&r.path, format!("{expected}, found {:?}", r.name)));
        }
    }
    let names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let listed = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    if names.len() > 2 {
        e.push(error("regions", format!(
            "only two-region stacks are supported for now (one primary, one DR region); found {}: {listed}",
            names.len()
        )));
    } else if names.len() < 2 {
        e.push(error(
            "regions",
            format!(
                "expected exactly two regions (the primary and the DR region), found {}: {listed}",
                names.len()
            ),
        ));
    }
    if let Some(shop) = &p.shop {
        if !names.contains(&shop.primary_region.as_str()) {
            e.push(error(
                "shop.primary_region",
                format!(
                    "expected one of the regions under [regions] ({listed}), found {:?}",
                    shop.primary_region
                ),
            ));
        }
    }
}

fn role_of(db: &Database) -> Role {
    match db {
        Database::RdsInstance { role, .. }
        | Database::AuroraGlobal { role, .. }
        | Database::SelfManaged { role, .. } => *role,
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Primary => "primary",
        Role::Replica => "replica",
    }
}

/// The primary region's database is the primary, the DR region's is the replica.
fn roles(p: &Parts, cx: &Context, e: &mut Errors) {
    let (Some(primary), Some(dr), Some(shop)) = (cx.primary, cx.dr, &p.shop) else {
        return;
    };
    let (Some(pdb), Some(ddb)) = (&primary.database, &dr.database) else {
        return;
    };
    let (prole, drole) = (role_of(pdb), role_of(ddb));
    let ppath = sub(&primary.path, "database.role");
    let dpath = sub(&dr.path, "database.role");
    let why = match (prole, drole) {
        (Role::Replica, Role::Primary) => format!("the roles of {ppath} and {dpath} are swapped"),
        (Role::Primary, Role::Primary) => {
            format!("{ppath} and {dpath} are both primary; only one database can be")
        }
        (Role::Replica, Role::Replica) => {
            format!("{ppath} and {dpath} are both replica; one database must be the primary")
        }
        (Role::Primary, Role::Replica) => return,
    };
    let primary_region = &shop.primary_region;
    if prole != Role::Primary {
        e.push(error(&ppath, format!(
            "expected \"primary\": {primary_region} is shop.primary_region, so its database is the primary; {why}; found \"{}\"",
            role_name(prole)
        )));
    }
    if drole != Role::Replica {
        e.push(error(&dpath, format!(
            "expected \"replica\": {} is the DR region (shop.primary_region is {primary_region}); {why}; found \"{}\"",
            dr.name,
            role_name(drole)
        )));
    }
}

/// Both databases are the same kind; Aurora members share the global cluster.
fn databases(p: &Parts, cx: &Context, e: &mut Errors) {
    let Some(regions) = &p.regions else { return };
    let (first, second) = match (cx.primary, cx.dr) {
        (Some(primary), Some(dr)) => (primary, dr),
        _ if regions.len() == 2 => (&regions[0], &regions[1]),
        _ => return,
    };
    let (Some(a), Some(b)) = (&first.database, &second.database) else {
        return;
    };
    let kind = |db: &Database| match db {
        Database::RdsInstance { .. } => "rds_instance",
        Database::AuroraGlobal { .. } => "aurora_global",
        Database::SelfManaged { .. } => "self_managed",
    };
    if kind(a) != kind(b) {
        e.push(error(sub(&second.path, "database.kind"), format!(
            "expected \"{}\" like {}.database.kind: both databases must be the same kind (an RDS instance and its cross-region replica, or two members of one Aurora global database), found \"{}\"",
            kind(a), first.path, kind(b)
        )));
    }
    if let (
        Database::AuroraGlobal {
            global_cluster_id: ga,
            ..
        },
        Database::AuroraGlobal {
            global_cluster_id: gb,
            ..
        },
    ) = (a, b)
    {
        if ga != gb {
            e.push(error(sub(&second.path, "database.global_cluster_id"), format!(
                "expected {ga:?} like {}.database.global_cluster_id: both clusters are members of one global database, found {gb:?}",
                first.path
            )));
        }
    }
}

/// What an ARN must look like.
struct ArnSpec<'a> {
    /// The ARN with placeholders filled in where known, for messages.
    example: String,
    service: &'a str,
    /// The region it must name (`""` for IAM) and why; `None` when unknown.
    region: Option<(&'a str, String)>,
    account: Option<&'a str>,
    resource: &'a dyn Fn(&str) -> Result<(), String>,
}

fn check_arn(e: &mut Errors, path: &str, arn: &str, spec: ArnSpec) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        e.push(error(
            path,
            format!("expected an ARN such as {}, found {arn:?}", spec.example),
        ));
        return;
    };
    if (*prefix, *partition, *service) != ("arn", "aws", spec.service) {
        e.push(error(
            path,
            format!(
                "expected an ARN such as {} (partition aws, service {}), found {arn:?}",
                spec.example, spec.service
            ),
        ));
        return;
    }
    match spec.region {
        Some(("", why)) if !region.is_empty() => e.push(error(
            path,
            format!("expected no region ({why}), found {arn:?}"),
        )),
        Some((want, why)) if *region != want => e.push(error(
            path,
            format!("expected region {want} in the ARN ({why}), found {region:?} in {arn:?}"),
        )),
        _ => {}
    }
    match spec.account {
        Some(want) if *account != want => e.push(error(
            path,
            format!(
            "expected account {want} (shop.account_id) in the ARN, found {account:?} in {arn:?}"
        ),
        )),
        None if f::account_id(account).is_err() => e.push(error(
            path,
            format!("expected a 12-digit account id in the ARN, found {account:?} in {arn:?}"),
        )),
        _ => {}
    }
    if let Err(expected) = (spec.resource)(resource) {
        e.push(error(
            path,
            format!("{expected} after the account, found {resource:?} in {arn:?}"),
        ));
    }
}

fn exact(want: String, note: &'static str) -> impl Fn(&str) -> Result<(), String> {
    move |found: &str| {
        if found.eq_ignore_ascii_case(&want) {
            Ok(())
        } else {
            Err(format!("expected {want} ({note})"))
        }
    }
}

fn alb_resource(r: &str) -> Result<(), String> {
    let expected = "expected loadbalancer/app/<name>/<16 hex digits>";
    if r.starts_with("loadbalancer/net/") || r.starts_with("loadbalancer/gwy/") {
        return Err(format!("{expected} (an Application Load Balancer; Network and Gateway Load Balancers are not supported)"));
    }
    let Some(rest) = r.strip_prefix("loadbalancer/app/") else {
        return Err(expected.into());
    };
    let ok = match rest.split('/').collect::<Vec<_>>().as_slice() {
        [name, id] => {
            (1..=32).contains(&name.len())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !name.starts_with('-')
                && !name.ends_with('-')
                && !name.starts_with("internal-")
                && id.len() == 16
                && id.chars().all(|c| c.is_ascii_hexdigit())
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{expected} (name: 1–32 letters, digits and hyphens)"
        ))
    }
}

/// SNS topic or SQS queue name: letters, digits, `-`, `_`, optionally `.fifo`.
fn queue_like(max: usize, what: &'static str) -> impl Fn(&str) -> Result<(), String> {
    move |r: &str| {
        let name = r.strip_suffix(".fifo").unwrap_or(r);
        if (1..=max).contains(&r.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            Ok(())
        } else {
            Err(format!(
                "expected a {what} name (1–{max} letters, digits, hyphens and underscores)"
            ))
        }
    }
}

fn iam_role_resource(r: &str) -> Result<(), String> {
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    };
    let ok = r.strip_prefix("role/").is_some_and(|path| {
        let name = path.rsplit('/').next().unwrap_or("");
        path.len() <= 512 && name.len() <= 64 && path.split('/').all(segment_ok)
    });
    if ok {
        Ok(())
    } else {
        Err(
            "expected role/<name> or role/<path>/<name> (names: 1–64 letters, digits and +=,.@_-)"
                .into(),
        )
    }
}

/// Every ARN: service, region (the one it is listed under, or the DR region), account, resource.
fn arns(p: &Parts, cx: &Context, e: &mut Errors) {
    let account = cx.account.unwrap_or("<account>");
    for r in p.regions.iter().flatten() {
        let listed = || {
            Some((
                r.name.as_str(),
                format!("the region it is listed under, {}", r.path),
            ))
        };
        match &r.database {
            Some(Database::RdsInstance {
                instance_id, arn, ..
            }) => check_arn(
                e,
                &sub(&r.path, "database.arn"),
                arn,
                ArnSpec {
                    example: format!("arn:aws:rds:{}:{account}:db:{instance_id}", r.name),
                    service: "rds",
                    region: listed(),
                    account: cx.account,
                    resource: &exact(format!("db:{instance_id}"), "the instance_id"),
                },
            ),
            Some(Database::AuroraGlobal {
                cluster_id,
                cluster_arn,
                ..
            }) => check_arn(
                e,
                &sub(&r.path, "database.cluster_arn"),
                cluster_arn,
                ArnSpec {
                    example: format!("arn:aws:rds:{}:{account}:cluster:{cluster_id}", r.name),
                    service: "rds",
                    region: listed(),
                    account: cx.account,
                    resource: &exact(format!("cluster:{cluster_id}"), "the cluster_id"),
                },
            ),
            // A self-managed server has no ARN.
            Some(Database::SelfManaged { .. }) | None => {}
        }
        if let Some(lb) = &r.load_balancer {
            check_arn(
                e,
                &sub(&r.path, "load_balancer.arn"),
                &lb.arn,
                ArnSpec {
                    example: format!(
                        "arn:aws:elasticloadbalancing:{}:{account}:loadbalancer/app/<name>/<id>",
                        r.name
                    ),
                    service: "elasticloadbalancing",
                    region: listed(),
                    account: cx.account,
                    resource: &alb_resource,
                },
            );
        }
    }
    let dr = cx.dr.map(|d| d.name.as_str());
    let dr_example = dr.unwrap_or("<DR region>");
    let in_dr = |why: &str| dr.map(|d| (d, format!("the DR region, not the primary: {why}")));
    if let Some(n) = &p.notifications {
        check_arn(e, "notifications.sns_topic_arn", &n.sns_topic_arn, ArnSpec {
            example: format!("arn:aws:sns:{dr_example}:{account}:<topic>"),
            service: "sns",
            region: in_dr("the state machines run there, and notifications must work when the primary region is down"),
            account: cx.account,
            resource: &queue_like(256, "topic"),
        });
    }
    if let Some(ev) = &p.events {
        check_arn(
            e,
            "events.role_arn",
            &ev.role_arn,
            ArnSpec {
                example: format!("arn:aws:iam::{account}:role/<name>"),
                service: "iam",
                region: Some(("", "IAM is global".into())),
                account: cx.account,
                resource: &iam_role_resource,
            },
        );
        check_arn(e, "events.dead_letter_queue_arn", &ev.dead_letter_queue_arn, ArnSpec {
            example: format!("arn:aws:sqs:{dr_example}:{account}:<queue>"),
            service: "sqs",
            region: in_dr("the EventBridge rules that start the state machines run there and must work when the primary region is down"),
            account: cx.account,
            resource: &queue_like(80, "queue"),
        });
    }
}

/// Reads one value of a region.
type Getter = fn(&RegionParts) -> Option<String>;

/// The two regions do not share resources that must be their own.
fn distinct(p: &Parts, e: &mut Errors) {
    let Some(regions) = &p.regions else { return };
    let db_id = |r: &RegionParts| match &r.database {
        Some(Database::RdsInstance { instance_id, .. }) => {
            Some(("database.instance_id", instance_id.clone()))
        }
        Some(Database::AuroraGlobal { cluster_id, .. }) => {
            Some(("database.cluster_id", cluster_id.clone()))
        }
        Some(Database::SelfManaged { server_id, .. }) => {
            Some(("database.server_id", server_id.clone()))
        }
        None => None,
    };
    let keys: [(&str, Getter); 4] = [
        ("media_bucket", |r| r.media_bucket.clone()),
        ("health_check_id", |r| r.health_check_id.clone()),
        ("load_balancer.arn", |r| {
            r.load_balancer.as_ref().map(|lb| lb.arn.clone())
        }),
        ("cache.replication_group_id", |r| {
            r.cache.as_ref().map(|c| c.replication_group_id.clone())
        }),
    ];
    for (i, later) in regions.iter().enumerate() {
        for earlier in &regions[..i] {
            for (key, get) in &keys {
                if let (Some(a), Some(b)) = (get(earlier), get(later)) {
                    if a.eq_ignore_ascii_case(&b) {
                        e.push(error(sub(&later.path, key), format!(
                            "expected a value of its own, found {b:?}, the same as {}.{key}: each region needs its own",
                            earlier.path
                        )));
                    }
                }
            }
            if let (Some((ka, a)), Some((kb, b))) = (db_id(earlier), db_id(later)) {
                if ka == kb && a.eq_ignore_ascii_case(&b) {
                    e.push(error(sub(&later.path, kb), format!(
                        "expected an identifier of its own, found {b:?}, the same as {}.{ka}: each region's database is a different instance or cluster",
                        earlier.path
                    )));
                }
            }
        }
    }
}

/// Standby capacity does not exceed active capacity.
fn compute(p: &Parts, e: &mut Errors) {
    for r in p.regions.iter().flatten() {
        let (Compute::AutoScalingGroup {
            active_capacity,
            standby_capacity,
            ..
        }
        | Compute::EcsService {
            active_capacity,
            standby_capacity,
            ..
        }) = match &r.compute {
            Some(c) => c,
            None => continue,
        };
        if standby_capacity > active_capacity {
            e.push(error(
                sub(&r.path, "compute.standby_capacity"),
                format!(
                "expected at most active_capacity ({active_capacity}), found {standby_capacity}"
            ),
            ));
        }
    }
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Record names unique, the site's host among them, each load balancer's DNS name in its region.
fn dns(p: &Parts, e: &mut Errors) {
    if let Some(dns) = &p.dns {
        for (i, name) in dns.record_names.iter().enumerate() {
            if let Some(j) = dns.record_names[..i]
                .iter()
                .position(|n| normalize(n) == normalize(name))
            {
                e.push(error(
                    format!("dns.record_names[{i}]"),
                    format!(
                        "expected each record once, found {name:?} again (dns.record_names[{j}])"
                    ),
                ));
            }
        }
        if let Some(app) = &p.app {
            if let Some(host) = f::https_host(&app.site_url) {
                if !dns
                    .record_names
                    .iter()
                    .any(|n| normalize(n) == normalize(host))
                {
                    e.push(error("app.site_url", format!(
                        "expected a host among dns.record_names ({}): a failover moves only those records, found {host:?}",
                        dns.record_names.join(", ")
                    )));
                }
            }
        }
    }
    for r in p.regions.iter().flatten() {
        let Some(lb) = &r.load_balancer else { continue };
        let suffix = format!(".{}.elb.amazonaws.com", r.name);
        if f::dns_name(&lb.dns_name).is_ok() && !normalize(&lb.dns_name).ends_with(&suffix) {
            e.push(error(
                sub(&r.path, "load_balancer.dns_name"),
                format!(
                    "expected the DNS name of a load balancer in {} (…{suffix}), found {:?}",
                    r.name, lb.dns_name
                ),
            ));
        }
    }
}

/// The app's names: the endpoint name fits its store; wfc's parameters are distinct.
fn app(p: &Parts, e: &mut Errors) {
    let Some(app) = &p.app else { return };
    let check = match app.db_endpoint_store {
        Store::Ssm => f::ssm_name,
        Store::SecretsManager => f::secret_id,
    };
    if let Err(expected) = check(&app.db_endpoint_name) {
        e.push(error(
            "app.db_endpoint_name",
            format!("{expected}, found {:?}", app.db_endpoint_name),
        ));
    }
    if app.state_parameter == app.maintenance_parameter {
        e.push(error("app.state_parameter", format!(
            "expected a parameter other than app.maintenance_parameter: wfc would overwrite the maintenance switch with its state, found {:?}",
            app.state_parameter
        )));
    }
    if app.db_endpoint_store == Store::Ssm
        && [&app.maintenance_parameter, &app.state_parameter].contains(&&app.db_endpoint_name)
    {
        e.push(error(
            "app.db_endpoint_name",
            format!(
            "expected a parameter of its own (not the maintenance or state parameter), found {:?}",
            app.db_endpoint_name
        ),
        ));
    }
}

/// The fence method fits the database.
fn fence(p: &Parts, cx: &Context, e: &mut Errors) {
    let Some(policy) = &p.policy else { return };
    let Some(primary) = cx.primary else { return };
    match (&policy.fence, &primary.database) {
        (Fence::ReadOnly, Some(Database::RdsInstance { .. })) => {
            // Failback and switchover fence the DR database when it is the primary.
            for r in [primary].into_iter().chain(cx.dr) {
                if let Some(Database::RdsInstance { parameter_group: None, .. }) = &r.database {
                    e.push(error(sub(&r.path, "database.parameter_group"), format!(
                        "missing: policy.fence.method = \"read_only\" sets read_only=1 in this database's parameter group when it is the primary to fence, and RDS default parameter groups cannot be modified; set the custom parameter group of {}",
                        r.name
                    )));
                }
            }
        }
        (Fence::Stop, Some(Database::AuroraGlobal { .. })) => e.push(error("policy.fence.method", 
            "expected \"isolate\" for an Aurora global database, found \"stop\": a cluster that is a member of an Aurora global database cannot be stopped (StopDBCluster refuses)",
        )),
        (Fence::Stop | Fence::Isolate { .. }, Some(Database::SelfManaged { .. })) => e.push(error("policy.fence.method",
            "expected \"read_only\" for a self-managed database: wfc fences it with SET GLOBAL read_only = ON; stopping or isolating an EC2 host is not modelled",
        )),
        _ => {}
    }
}

/// The primary region has an alarm to start a failover.
fn alarms(_: &Parts, cx: &Context, e: &mut Errors) {
    let Some(primary) = cx.primary else { return };
    if primary.alarms.as_ref().is_some_and(Vec::is_empty) {
        e.push(error(sub(&primary.path, "alarms"), format!(
            "expected at least one CloudWatch alarm in the primary region {}: without one, a failover can never start by itself, found an empty list",
            primary.name
        )));
    }
}

/// The transit gateway network joins the two VPCs: both regions describe theirs or neither does,
/// their CIDRs do not overlap (a route to the other region would swallow local traffic), and the
/// two transit gateways have different ASNs.
fn network(_: &Parts, cx: &Context, e: &mut Errors) {
    let (Some(primary), Some(dr)) = (cx.primary, cx.dr) else {
        return;
    };
    match (&primary.network, &dr.network) {
        (None, None) => {}
        (Some(_), None) | (None, Some(_)) => {
            let missing = if primary.network.is_none() {
                primary
            } else {
                dr
            };
            e.push(error(
                sub(&missing.path, "network"),
                "expected a network table in both regions (the transit gateways join the two), found it in one only",
            ));
        }
        (Some(p), Some(d)) => {
            if let (Ok(a), Ok(b)) = (f::parse_cidr(&p.cidr), f::parse_cidr(&d.cidr)) {
                let shorter = a.1.min(b.1);
                let mask = if shorter == 0 {
                    0
                } else {
                    u32::MAX << (32 - shorter)
                };
                if a.0 & mask == b.0 & mask {
                    e.push(error(
                        sub(&dr.path, "network.cidr"),
                        format!(
                            "expected a CIDR that does not overlap the primary region's {} ({}), found {}",
                            p.cidr, primary.name, d.cidr
                        ),
                    ));
                }
            }
            let asn = |n: &Network, default: u32| n.transit_gateway_asn.unwrap_or(default);
            if asn(p, 64512) == asn(d, 64513) {
                e.push(error(
                    sub(&dr.path, "network.transit_gateway_asn"),
                    format!(
                        "expected an ASN different from the primary region's transit gateway, found {} in both",
                        asn(d, 64513)
                    ),
                ));
            }
        }
    }
}
