//! Input checks shared by every activity. Each returns `InvalidInput` naming the field and the
//! reason, so a wrong input fails before any request is made (and never halfway through a change).

use crate::error::{ActivityError, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An activity input that can say whether it is well formed, without any I/O.
pub trait Validate {
    fn validate(&self) -> Result<()>;
}

/// JSON → typed input, with the path of the first field that does not fit.
pub fn parse<T: DeserializeOwned>(payload: Value) -> Result<T> {
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "(input)".to_string()
        } else {
            path
        };
        ActivityError::invalid(field, e.into_inner().to_string())
    })
}

fn err<T>(field: &str, reason: impl Into<String>) -> Result<T> {
    Err(ActivityError::invalid(field, reason))
}

pub fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return err(field, "must not be empty");
    }
    if value.len() > 2048 {
        return err(field, "is longer than 2048 characters");
    }
    Ok(())
}

/// An RDS DB instance or cluster identifier: 1–63 letters, digits or hyphens, starting with a
/// letter, no two hyphens in a row, not ending with one.
pub fn db_identifier(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.contains("--")
        && !value.ends_with('-');
    if !ok {
        return err(
            field,
            "is not an RDS identifier (1-63 letters, digits or hyphens, starting with a letter, no `--`, not ending with `-`)",
        );
    }
    Ok(())
}

/// A DB parameter group name: letters, digits, hyphens and dots (`default.mysql8.0`), at most
/// 255 characters, starting with a letter.
pub fn parameter_group_name(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 255
        && value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !ok {
        return err(field, "is not a DB parameter group name");
    }
    Ok(())
}

/// An AWS region name such as `us-west-2` or `ap-southeast-1`.
pub fn region(field: &str, value: &str) -> Result<()> {
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    if !ok {
        return err(field, "is not an AWS region name (like `us-west-2`)");
    }
    Ok(())
}

pub fn optional_region(field: &str, value: &Option<String>) -> Result<()> {
    value.as_deref().map_or(Ok(()), |r| region(field, r))
}

/// `arn:<partition>:<service>:<region>:<account>:<resource>`, with the expected service.
pub fn arn(field: &str, value: &str, service: &str) -> Result<()> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[1].is_empty() || parts[5].is_empty() {
        return err(field, "is not an ARN");
    }
    if parts[2] != service {
        return err(field, format!("is a {} ARN, expected {service}", parts[2]));
    }
    Ok(())
}

/// The region field of an ARN (checked with [`arn`] first).
pub fn arn_region(value: &str) -> Option<&str> {
    value.split(':').nth(3).filter(|r| !r.is_empty())
}

pub fn range<T: PartialOrd + std::fmt::Display + Copy>(
    field: &str,
    value: T,
    min: T,
    max: T,
) -> Result<()> {
    if value < min || value > max {
        return err(
            field,
            format!("must be between {min} and {max}, got {value}"),
        );
    }
    Ok(())
}

/// A finite, non-negative number (lags, thresholds).
pub fn non_negative(field: &str, value: f64) -> Result<()> {
    if !value.is_finite() || value < 0.0 {
        return err(field, "must be a finite number >= 0");
    }
    Ok(())
}

/// An SSM parameter name: a path like `/shop/db/host` or a plain name.
pub fn ssm_parameter_name(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 1011
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
        && !value.starts_with("/aws")
        && !value.starts_with("/ssm");
    if !ok {
        return err(
            field,
            "is not an SSM parameter name (letters, digits, `_.-/`, not under /aws or /ssm)",
        );
    }
    Ok(())
}

/// A DNS host name (no scheme, no port).
pub fn hostname(field: &str, value: &str) -> Result<()> {
    let name = value.strip_suffix('.').unwrap_or(value);
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '*')
        });
    if !ok {
        return err(field, "is not a DNS host name");
    }
    Ok(())
}

/// An absolute `http://` or `https://` URL.
pub fn http_url(field: &str, value: &str) -> Result<()> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let Some(rest) = rest else {
        return err(field, "must start with http:// or https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => host,
        _ => authority,
    };
    if host.is_empty() || host.contains('@') {
        return err(field, "has no host (or carries credentials)");
    }
    Ok(())
}

/// An RFC 3339 timestamp (`2026-05-01T12:00:00Z`).
pub fn timestamp(field: &str, value: &str) -> Result<std::time::SystemTime> {
    humantime::parse_rfc3339_weak(value)
        .or_else(|_| humantime::parse_rfc3339(value))
        .map_err(|_| ActivityError::invalid(field, "is not an RFC 3339 timestamp"))
}

/// A list must not be empty and have at most `max` items.
pub fn list<T>(field: &str, items: &[T], max: usize) -> Result<()> {
    if items.is_empty() {
        return err(field, "must have at least one item");
    }
    if items.len() > max {
        return err(field, format!("has more than {max} items"));
    }
    Ok(())
}

/// A URL for messages and logs: scheme, host and path, without query or fragment (which may
/// hold tokens).
pub fn redact_url(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(db_identifier("f", "shop-db-replica-1").is_ok());
        for bad in ["", "1db", "db--x", "db-", "db_x", &"a".repeat(64)] {
            assert!(db_identifier("f", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_and_arns() {
        assert!(region("r", "us-west-2").is_ok());
        assert!(region("r", "us-gov-west-1").is_ok());
        for bad in ["us-west", "US-WEST-2", "uswest2", "us--2"] {
            assert!(region("r", bad).is_err(), "{bad}");
        }
        let a = "arn:aws:rds:us-east-1:123456789012:db:shop";
        assert!(arn("a", a, "rds").is_ok());
        assert_eq!(arn_region(a), Some("us-east-1"));
        assert!(arn("a", a, "sns").is_err());
        assert!(arn("a", "arn:aws:rds", "rds").is_err());
    }

    #[test]
    fn urls_and_hosts() {
        assert!(http_url("u", "https://shop.example.com/wp-json/wc/store/v1/products").is_ok());
        assert!(http_url("u", "http://127.0.0.1:8080/").is_ok());
        assert!(http_url("u", "ftp://x").is_err());
        assert!(http_url("u", "https://user:pw@host/").is_err());
        assert!(hostname("h", "db.abc.us-west-2.rds.amazonaws.com").is_ok());
        assert!(hostname("h", "db..x").is_err());
        assert_eq!(redact_url("https://h/p?token=1"), "https://h/p");
    }

    #[test]
    fn parse_names_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct In {
            items: Vec<Item>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Item {
            n: u32,
        }
        let e = parse::<In>(serde_json::json!({"items": [{"n": 1}, {"n": "x"}]})).unwrap_err();
        match e {
            ActivityError::InvalidInput { field, .. } => assert_eq!(field, "items[1].n"),
            other => panic!("{other:?}"),
        }
    }
}
