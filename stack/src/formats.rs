//! Field formats: each function checks one string on its own and, when it is wrong, says what
//! was expected (`Err("expected …")`; the caller appends `, found "…"`). Plus the AWS region list.

/// A format check of one string value.
pub(crate) type Format = fn(&str) -> Result<(), String>;

/// Current regions of the commercial partition (`aws`).
pub(crate) const COMMERCIAL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
];

/// A region name: well-shaped (`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$`) and a current
/// commercial region; otherwise a message with a "did you mean" hint when one is close.
pub(crate) fn region(name: &str) -> Result<(), String> {
    if COMMERCIAL_REGIONS.contains(&name) {
        return Ok(());
    }
    let parts: Vec<&str> = name.split('-').collect();
    let lower = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let (country, extra, direction, number) = match parts.as_slice() {
        [c, d, n] => (*c, None, *d, *n),
        [c, x, d, n] => (*c, Some(*x), *d, *n),
        _ => ("", None, "", ""),
    };
    let well_shaped = country.len() == 2
        && lower(country)
        && lower(direction)
        && extra.is_none_or(|x| x == "gov" || (x.starts_with("iso") && x.len() <= 4 && lower(x)))
        && number.len() == 1
        && number.bytes().all(|b| b.is_ascii_digit());
    if !well_shaped {
        return Err(format!(
            "expected an AWS region name such as us-east-1{}",
            did_you_mean(name, COMMERCIAL_REGIONS)
        ));
    }
    let partition = match (country, extra) {
        (_, Some("gov")) => Some("aws-us-gov"),
        (_, Some(_)) => Some("an ISO partition"),
        ("cn", None) => Some("aws-cn"),
        _ => None,
    };
    Err(match partition {
        Some(p) => format!(
            "expected a commercial AWS region (partition aws); this one is in {p}, which wfc does not support"
        ),
        None => format!(
            "expected a current commercial AWS region{}",
            did_you_mean(name, COMMERCIAL_REGIONS)
        ),
    })
}

/// ` (did you mean "x"?)` naming the candidates nearest to `word`, if within edit distance 2.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let distances: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .collect();
    let Some(best) = distances.iter().map(|(d, _)| *d).min().filter(|d| *d <= 2) else {
        return String::new();
    };
    let nearest: Vec<String> = distances
        .iter()
        .filter(|(d, _)| *d == best)
        .map(|(_, c)| format!("\"{c}\""))
        .collect();
    format!(" (did you mean {}?)", nearest.join(" or "))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn expect(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("expected {what}"))
    }
}

fn all(s: &str, f: impl Fn(char) -> bool) -> bool {
    s.chars().all(f)
}

/// Anything: the value is checked together with other keys (ARNs, the primary region).
pub(crate) fn any(_: &str) -> Result<(), String> {
    Ok(())
}

pub(crate) fn non_empty(s: &str) -> Result<(), String> {
    expect(!s.trim().is_empty(), "a non-empty string")
}

pub(crate) fn account_id(s: &str) -> Result<(), String> {
    expect(
        s.len() == 12 && all(s, |c| c.is_ascii_digit()),
        "a 12-digit AWS account id",
    )
}

pub(crate) fn shop_name(s: &str) -> Result<(), String> {
    expect(
        (1..=32).contains(&s.len())
            && all(s, |c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
            }),
        "a shop name of 1–32 lower-case letters, digits and hyphens",
    )
}

/// A Route 53 health check id.
pub(crate) fn uuid(s: &str) -> Result<(), String> {
    let groups: Vec<&str> = s.split('-').collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    expect(
        lens == [8, 4, 4, 4, 12] && all(s, |c| c == '-' || c.is_ascii_hexdigit()),
        "a Route 53 health check id (a UUID such as 0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d)",
    )
}

/// Real ids start with `Z`, but AWS documents only "up to 32 characters"; moto's do not, so the
/// prefix is not required (a `/hostedzone/` prefix is still refused).
pub(crate) fn hosted_zone_id(s: &str) -> Result<(), String> {
    expect(
        (1..=32).contains(&s.len()) && all(s, |c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "a Route 53 hosted zone id (up to 32 upper-case letters and digits, such as Z0123456789ABCDEFGHIJ)",
    )
}

/// RDS instance, cluster and global cluster identifiers (also parameter groups, up to 255).
fn rds_name(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && all(s, |c| c.is_ascii_alphanumeric() || c == '-')
        && !s.contains("--")
        && !s.ends_with('-')
}

pub(crate) fn db_identifier(s: &str) -> Result<(), String> {
    expect(
        rds_name(s, 63),
        "an RDS identifier (1–63 letters, digits and hyphens; a letter first; no \"--\"; no trailing hyphen)",
    )
}

pub(crate) fn parameter_group(s: &str) -> Result<(), String> {
    if s.starts_with("default.") {
        return Err("expected a custom DB parameter group: default parameter groups cannot be modified, and fencing sets read_only=1 in it".into());
    }
    expect(
        rds_name(s, 255),
        "a DB parameter group name (1–255 letters, digits and hyphens; a letter first; no \"--\"; no trailing hyphen)",
    )
}

pub(crate) fn subnet_group(s: &str) -> Result<(), String> {
    expect(
        (1..=255).contains(&s.len())
            && !s.eq_ignore_ascii_case("default")
            && all(s, |c| c.is_ascii_alphanumeric() || " ._-".contains(c)),
        "a DB subnet group name (1–255 letters, digits, spaces, periods, underscores and hyphens; not \"default\")",
    )
}

pub(crate) fn instance_class(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('.').collect();
    let ok = match parts.as_slice() {
        ["db", family, size] => {
            family.starts_with(|c: char| c.is_ascii_lowercase())
                && all(family, |c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
                })
                && !size.is_empty()
                && all(size, |c| c.is_ascii_lowercase() || c.is_ascii_digit())
        }
        _ => false,
    };
    expect(
        ok,
        "a DB instance class db.<family>.<size> such as db.r6g.large",
    )
}

pub(crate) fn security_group_id(s: &str) -> Result<(), String> {
    let hex = s.strip_prefix("sg-").unwrap_or("");
    expect(
        (8..=17).contains(&hex.len())
            && all(hex, |c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "a security group id sg- followed by 8–17 lower-case hex digits",
    )
}

pub(crate) fn bucket_name(s: &str) -> Result<(), String> {
    let what = "an S3 bucket name (3–63 lower-case letters, digits, dots and hyphens; a letter or digit at both ends)";
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !((3..=63).contains(&s.len())
        && all(s, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
        })
        && edge(s.chars().next())
        && edge(s.chars().last()))
    {
        return Err(format!("expected {what}"));
    }
    if s.contains("..")
        || s.split('.').count() == 4 && s.split('.').all(|p| p.parse::<u8>().is_ok())
    {
        return Err(format!(
            "expected {what}, without two adjacent dots and not an IP address"
        ));
    }
    let prefixes = ["xn--", "sthree-", "amzn-s3-demo-"];
    let suffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
    if prefixes.iter().any(|p| s.starts_with(p)) || suffixes.iter().any(|x| s.ends_with(x)) {
        return Err(format!("expected {what}, without a prefix or suffix S3 reserves (xn--, sthree-, -s3alias, --ol-s3, …)"));
    }
    Ok(())
}

/// A DNS host name: dot-separated labels of 1–63 letters, digits and hyphens (no hyphen at
/// either end), at least two labels, at most 253 characters; a trailing dot is allowed.
pub(crate) fn dns_name(s: &str) -> Result<(), String> {
    let name = s.strip_suffix('.').unwrap_or(s);
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && all(l, |c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    expect(
        name.len() <= 253 && name.contains('.') && name.split('.').all(label),
        "a DNS name such as shop.example.com",
    )
}

/// The host of an `https://` URL, if the URL is one.
pub(crate) fn https_host(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.split(':').next().unwrap_or("");
    let port_ok = authority[host.len()..]
        .strip_prefix(':')
        .is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    (dns_name(host).is_ok() && port_ok && !authority.contains('@')).then_some(host)
}

pub(crate) fn https_url(s: &str) -> Result<(), String> {
    expect(
        https_host(s).is_some(),
        "an https:// URL with a host name, such as https://shop.example.com",
    )
}

pub(crate) fn url_path(s: &str) -> Result<(), String> {
    expect(
        s.starts_with('/') && !s.chars().any(|c| c.is_whitespace() || c.is_control()),
        "a URL path starting with / (without spaces)",
    )
}

pub(crate) fn alarm_name(s: &str) -> Result<(), String> {
    expect(
        !s.trim().is_empty() && s.chars().count() <= 255 && !s.chars().any(|c| c.is_control()),
        "a CloudWatch alarm name (1–255 characters, no control characters)",
    )
}

pub(crate) fn replication_group_id(s: &str) -> Result<(), String> {
    expect(
        rds_name(s, 40),
        "an ElastiCache replication group id (1–40 letters, digits and hyphens; a letter first; no \"--\"; no trailing hyphen)",
    )
}

/// An Auto Scaling group name.
pub(crate) fn asg_name(s: &str) -> Result<(), String> {
    expect(
        !s.trim().is_empty() && s.chars().count() <= 255 && !s.chars().any(|c| c.is_control()),
        "an Auto Scaling group name (1–255 characters)",
    )
}

/// An ECS cluster or service name.
pub(crate) fn ecs_name(s: &str) -> Result<(), String> {
    expect(
        (1..=255).contains(&s.len())
            && all(s, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "an ECS name (1–255 letters, digits, hyphens and underscores)",
    )
}

/// An SSM parameter name: `/a/b/c` (or a plain name without `/`), letters, digits and `_.-`,
/// at most 15 levels and 1011 characters, not starting with `aws` or `ssm`.
pub(crate) fn ssm_name(s: &str) -> Result<(), String> {
    let what = "an SSM parameter name such as /woo/prod/maintenance";
    let body = s.strip_prefix('/').unwrap_or(s);
    let segments: Vec<&str> = body.split('/').collect();
    let chars_ok = |seg: &&str| {
        !seg.is_empty() && all(seg, |c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    };
    if s.len() > 1011
        || (s.contains('/') && !s.starts_with('/'))
        || segments.len() > 15
        || !segments.iter().all(chars_ok)
    {
        return Err(format!(
            "expected {what} (a leading /, 1–15 levels of letters, digits, _ . and -)"
        ));
    }
    let first = segments[0].to_ascii_lowercase();
    expect(
        !first.starts_with("aws") && !first.starts_with("ssm"),
        &format!("{what}; names starting with aws or ssm are reserved"),
    )
}

/// A Secrets Manager secret name or ARN.
pub(crate) fn secret_id(s: &str) -> Result<(), String> {
    expect(
        s.starts_with("arn:aws:secretsmanager:")
            || ((1..=512).contains(&s.len())
                && all(s, |c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))),
        "a Secrets Manager secret name (1–512 letters, digits and /_+=.@-) or ARN",
    )
}

/// A host to connect to: a DNS name or an IPv4/IPv6 address (`127.0.0.1` in the tests).
pub(crate) fn host(s: &str) -> Result<(), String> {
    expect(
        dns_name(s).is_ok() || s.parse::<std::net::IpAddr>().is_ok() || s == "localhost",
        "a host name such as db1.internal.example.com, or an IP address",
    )
}

/// An IPv4 or IPv6 address (or a CIDR block).
pub(crate) fn ip_address(s: &str) -> Result<(), String> {
    let addr = s.split_once('/').map_or(s, |(a, _)| a);
    let prefix_ok = s
        .split_once('/')
        .is_none_or(|(_, p)| p.parse::<u8>().is_ok_and(|p| p <= 128));
    expect(
        addr.parse::<std::net::IpAddr>().is_ok() && prefix_ok,
        "an IP address such as 203.0.113.10 (or a CIDR block)",
    )
}

/// An EventBridge Scheduler schedule or group name.
pub(crate) fn aws_resource_name(s: &str) -> Result<(), String> {
    expect(
        (1..=64).contains(&s.len()) && all(s, |c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
        "a name of 1–64 letters, digits, hyphens, underscores and dots",
    )
}

/// A WordPress table prefix or table name: letters, digits and underscores (they are quoted
/// into SQL statements).
pub(crate) fn sql_name(s: &str) -> Result<(), String> {
    expect(
        (1..=64).contains(&s.len()) && all(s, |c| c.is_ascii_alphanumeric() || c == '_'),
        "1–64 letters, digits and underscores",
    )
}

/// A WordPress plugin slug (its directory name).
pub(crate) fn plugin_slug(s: &str) -> Result<(), String> {
    expect(
        (1..=100).contains(&s.len())
            && all(s, |c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c)
            }),
        "a plugin slug such as woocommerce-gateway-stripe",
    )
}

/// An AWS WAF web ACL name: 1–128 letters, digits, `_` and `-`.
pub(crate) fn waf_name(s: &str) -> Result<(), String> {
    expect(
        (1..=128).contains(&s.len()) && all(s, |c| c.is_ascii_alphanumeric() || "-_".contains(c)),
        "a WAF web ACL name of 1–128 letters, digits, hyphens and underscores",
    )
}

fn aws_id(s: &str, prefix: &str, what: &str) -> Result<(), String> {
    let ok = s.strip_prefix(prefix).is_some_and(|hex| {
        matches!(hex.len(), 8 | 17)
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected {what} ({prefix} and 8 or 17 lower-case hex digits), found {s:?}"
        ))
    }
}

pub(crate) fn vpc_id(s: &str) -> Result<(), String> {
    aws_id(s, "vpc-", "a VPC id")
}

pub(crate) fn subnet_id(s: &str) -> Result<(), String> {
    aws_id(s, "subnet-", "a subnet id")
}

pub(crate) fn route_table_id(s: &str) -> Result<(), String> {
    aws_id(s, "rtb-", "a route table id")
}

/// An IPv4 CIDR block `a.b.c.d/n` (n 0–32) whose host bits are zero, as a VPC's is.
pub(crate) fn ipv4_cidr(s: &str) -> Result<(), String> {
    parse_cidr(s).map(|_| ())
}

/// `(network, prefix length)` of an IPv4 CIDR block.
pub(crate) fn parse_cidr(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("expected an IPv4 CIDR block like 10.1.0.0/16, found {s:?}");
    let (address, length) = s.split_once('/').ok_or_else(bad)?;
    let length: u32 = length.parse().map_err(|_| bad())?;
    let address: std::net::Ipv4Addr = address.parse().map_err(|_| bad())?;
    if length > 32 {
        return Err(bad());
    }
    let network = u32::from(address);
    let mask = if length == 0 {
        0
    } else {
        u32::MAX << (32 - length)
    };
    if network & !mask != 0 {
        return Err(format!(
            "expected an IPv4 CIDR block with its host bits zero, found {s:?} (did you mean {}/{length}?)",
            std::net::Ipv4Addr::from(network & mask)
        ));
    }
    Ok((network, length))
}
