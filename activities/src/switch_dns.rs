//! `switch_dns`: Route 53 UPSERT of the shop's records to the DR endpoint, pinned, then read back
//! and confirmed `INSYNC`.
//!
//! Pinned: every record written carries no health check (and an alias does not evaluate its
//! target's health), so Route 53 answers it whatever the old primary's health check says. A
//! failover PRIMARY record rewritten to the DR endpoint this way cannot fail back by itself to a
//! stale primary when that primary's checks turn green again; failing back is a decision.
//! Idempotent: records already as wanted are not written (the output says `changed: false`).

use crate::error::{ActivityError, Result};
use crate::ports::dns::{AliasTarget, ChangeStatus, RecordSet};
use crate::ports::Dns;
use crate::validate::{self, Validate};
use crate::{aws_errors, iam};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
// tokio's clock: the system's on AWS, the paused virtual one in the drill.
use tokio::time::Instant;
use wfc_contract::{Activity, Permission};

pub struct SwitchDns;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchDnsInput {
    pub hosted_zone_id: String,
    pub records: Vec<DnsRecord>,
    #[serde(default = "default_comment")]
    pub comment: String,
    /// How long to wait for `INSYNC` before failing with `DnsChangePending` (0–300 s).
    #[serde(default = "default_wait")]
    pub wait_seconds: u32,
}

fn default_comment() -> String {
    "wfc switch_dns".into()
}

fn default_wait() -> u32 {
    60
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    /// e.g. `shop.example.com`.
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// For weighted/failover records: which record set of the name.
    #[serde(default)]
    pub set_identifier: Option<String>,
    #[serde(default)]
    pub failover: Option<Failover>,
    pub target: DnsTarget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RecordType {
    A,
    AAAA,
    CNAME,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Failover {
    Primary,
    Secondary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DnsTarget {
    /// Plain values (IP addresses, or one host name for a CNAME) with a TTL (60 s is common).
    Values { values: Vec<String>, ttl: i64 },
    /// An alias to the DR load balancer; never evaluates target health (that would unpin it).
    Alias {
        dns_name: String,
        hosted_zone_id: String,
    },
}

impl Validate for SwitchDnsInput {
    fn validate(&self) -> Result<()> {
        validate::non_empty("hosted_zone_id", &self.hosted_zone_id)?;
        validate::list("records", &self.records, 50)?;
        validate::range("wait_seconds", self.wait_seconds, 0, 300)?;
        validate::non_empty("comment", &self.comment)?;
        for (i, r) in self.records.iter().enumerate() {
            let field = |f: &str| format!("records[{i}].{f}");
            validate::hostname(&field("name"), &r.name)?;
            if r.failover.is_some() && r.set_identifier.is_none() {
                return Err(ActivityError::invalid(
                    field("set_identifier"),
                    "a failover record needs its set identifier",
                ));
            }
            match &r.target {
                DnsTarget::Values { values, ttl } => {
                    validate::list(&field("target.values"), values, 20)?;
                    validate::range(&field("target.ttl"), *ttl, 0, 86400)?;
                    for (j, v) in values.iter().enumerate() {
                        let f = field(&format!("target.values[{j}]"));
                        match r.record_type {
                            RecordType::A if v.parse::<std::net::Ipv4Addr>().is_err() => {
                                return Err(ActivityError::invalid(f, "is not an IPv4 address"))
                            }
                            RecordType::AAAA if v.parse::<std::net::Ipv6Addr>().is_err() => {
                                return Err(ActivityError::invalid(f, "is not an IPv6 address"))
                            }
                            RecordType::CNAME => validate::hostname(&f, v)?,
                            _ => {}
                        }
                    }
                    if r.record_type == RecordType::CNAME && values.len() != 1 {
                        return Err(ActivityError::invalid(
                            field("target.values"),
                            "a CNAME has exactly one value",
                        ));
                    }
                }
                DnsTarget::Alias {
                    dns_name,
                    hosted_zone_id,
                } => {
                    validate::hostname(&field("target.dns_name"), dns_name)?;
                    validate::non_empty(&field("target.hosted_zone_id"), hosted_zone_id)?;
                    if r.record_type == RecordType::CNAME {
                        return Err(ActivityError::invalid(
                            field("type"),
                            "an alias record is A or AAAA",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A record's answer, as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordValue {
    pub values: Vec<String>,
    pub ttl: Option<i64>,
    pub alias_dns_name: Option<String>,
    pub health_check_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordOutcome {
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: RecordType,
    pub set_identifier: Option<String>,
    /// `null`: the record did not exist.
    pub previous: Option<RecordValue>,
    pub current: RecordValue,
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SwitchDnsOutput {
    pub changed: bool,
    /// The Route 53 change, when one was made.
    pub change_id: Option<String>,
    /// `INSYNC` after a change; `UNCHANGED` when nothing had to be written.
    pub change_status: String,
    pub records: Vec<RecordOutcome>,
}

impl RecordType {
    fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::AAAA => "AAAA",
            RecordType::CNAME => "CNAME",
        }
    }
}

fn normal(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

fn desired(record: &DnsRecord) -> RecordSet {
    let (values, ttl, alias) = match &record.target {
        DnsTarget::Values { values, ttl } => (values.clone(), Some(*ttl), None),
        DnsTarget::Alias {
            dns_name,
            hosted_zone_id,
        } => (
            Vec::new(),
            None,
            Some(AliasTarget {
                dns_name: normal(dns_name),
                hosted_zone_id: hosted_zone_id.clone(),
                evaluate_target_health: false,
            }),
        ),
    };
    RecordSet {
        name: normal(&record.name),
        record_type: record.record_type.as_str().into(),
        set_identifier: record.set_identifier.clone(),
        failover: record.failover.map(|f| match f {
            Failover::Primary => "PRIMARY".into(),
            Failover::Secondary => "SECONDARY".into(),
        }),
        ttl,
        values,
        alias,
        health_check_id: None,
    }
}

/// Equal as Route 53 answers: names without trailing dot and case, values unordered.
fn same(a: &RecordSet, b: &RecordSet) -> bool {
    let values = |r: &RecordSet| {
        let mut v: Vec<String> = r.values.iter().map(|s| normal(s)).collect();
        v.sort();
        v
    };
    let alias = |r: &RecordSet| {
        r.alias.as_ref().map(|a| {
            (
                normal(&a.dns_name),
                a.hosted_zone_id.clone(),
                a.evaluate_target_health,
            )
        })
    };
    normal(&a.name) == normal(&b.name)
        && a.record_type == b.record_type
        && a.set_identifier == b.set_identifier
        && a.failover == b.failover
        && a.ttl == b.ttl
        && values(a) == values(b)
        && alias(a) == alias(b)
        && a.health_check_id == b.health_check_id
}

fn value(r: &RecordSet) -> RecordValue {
    RecordValue {
        values: r.values.clone(),
        ttl: r.ttl,
        alias_dns_name: r.alias.as_ref().map(|a| a.dns_name.clone()),
        health_check_id: r.health_check_id.clone(),
    }
}

async fn current(dns: &dyn Dns, zone: &str, want: &RecordSet) -> Result<Option<RecordSet>> {
    let sets = dns.records(zone, &want.name, &want.record_type).await?;
    Ok(sets
        .into_iter()
        .find(|s| s.set_identifier == want.set_identifier))
}

const POLL: Duration = Duration::from_secs(2);

pub async fn run(input: SwitchDnsInput, dns: &dyn Dns) -> Result<SwitchDnsOutput> {
    input.validate()?;
    let zone = &input.hosted_zone_id;
    let mut plan = Vec::new();
    for record in &input.records {
        let want = desired(record);
        let before = current(dns, zone, &want).await?;
        let changed = !before.as_ref().is_some_and(|b| same(b, &want));
        plan.push((record, want, before, changed));
    }
    let to_write: Vec<RecordSet> = plan
        .iter()
        .filter(|(_, _, _, changed)| *changed)
        .map(|(_, want, _, _)| want.clone())
        .collect();
    let outcomes = |plan: &[(&DnsRecord, RecordSet, Option<RecordSet>, bool)]| {
        plan.iter()
            .map(|(record, want, before, changed)| RecordOutcome {
                name: want.name.clone(),
                record_type: record.record_type,
                set_identifier: want.set_identifier.clone(),
                previous: before.as_ref().map(value),
                current: value(want),
                changed: *changed,
            })
            .collect::<Vec<_>>()
    };
    if to_write.is_empty() {
        return Ok(SwitchDnsOutput {
            changed: false,
            change_id: None,
            change_status: "UNCHANGED".into(),
            records: outcomes(&plan),
        });
    }
    let change_id = dns.upsert(zone, &to_write, &input.comment).await?;
    for want in &to_write {
        let read = current(dns, zone, want).await?;
        if !read.as_ref().is_some_and(|r| same(r, want)) {
            return Err(ActivityError::DnsReadBackMismatch {
                name: want.name.clone(),
                detail: match read {
                    None => "the record is missing".into(),
                    Some(r) => format!("read {:?}, wrote {:?}", value(&r), value(want)),
                },
            });
        }
    }
    let deadline = Instant::now() + Duration::from_secs(input.wait_seconds.into());
    while dns.change_status(&change_id).await? != ChangeStatus::InSync {
        if Instant::now() + POLL > deadline {
            return Err(ActivityError::DnsChangePending { change_id });
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(SwitchDnsOutput {
        changed: true,
        change_id: Some(change_id),
        change_status: "INSYNC".into(),
        records: outcomes(&plan),
    })
}

impl Activity for SwitchDns {
    const NAME: &'static str = "switch_dns";
    const ERRORS: &'static [&'static str] =
        aws_errors![HostedZoneNotFound, DnsReadBackMismatch, DnsChangePending];
    type Input = SwitchDnsInput;
    type Output = SwitchDnsOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                &[
                    "route53:ListResourceRecordSets",
                    "route53:ChangeResourceRecordSets",
                ],
                &[iam::HOSTED_ZONE],
            ),
            Permission::new(&["route53:GetChange"], &[iam::ROUTE53_CHANGE]),
        ]
    }
}
