//! Loading and validation of `stack.toml`, in three passes that report every problem at once:
//!
//! 1. Syntax: the text is parsed into a `toml::Table`; a syntax error (with line and column) is
//!    the only error reported, since nothing else can be read.
//! 2. Structure: the table is walked against the key lists of [`crate::schema`] (unknown and
//!    missing keys, wrong types, enum values, then each value's own format and range). Errors
//!    that serde could not read past (wrong type, unknown key, …) *block* the enclosing part.
//! 3. Rules: every part without a blocking error (a top-level section, or one key of a
//!    region) is deserialized into its model type on its own, and the rules of [`crate::rules`]
//!    that relate keys to each other run over whatever parts are available.
//!
//! Errors are sorted by key path (array indices numerically). Only when there are none is the
//! text deserialized into [`Stack`].

use crate::formats::did_you_mean;
use crate::model::*;
use crate::schema::{Key, Ty, STACK};
use serde::de::DeserializeOwned;
use toml::{Table, Value};

/// One problem in `stack.toml`, at a key path such as `regions.us-east-1.database.arn`
/// (empty for a syntax error, whose message has the line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for StackError {}

/// Parses and validates `stack.toml` text; every problem at once, sorted by path.
pub fn load(text: &str) -> Result<Stack, Vec<StackError>> {
    let root: Table = toml::from_str(text).map_err(|e| vec![syntax_error(text, &e)])?;
    let mut walk = Walk::default();
    walk.table("", &root, STACK, None);
    let mut errors = walk.errors;
    let parts = Parts::read(&root, &walk.blocked, &mut errors);
    crate::rules::check(&parts, &mut errors);
    if !errors.is_empty() {
        errors.sort_by_cached_key(|e| path_order(&e.path));
        return Err(errors);
    }
    toml::from_str(text).map_err(|e| vec![syntax_error(text, &e)])
}

fn syntax_error(text: &str, e: &toml::de::Error) -> StackError {
    let at = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    StackError {
        path: String::new(),
        message: format!(
            "TOML syntax error at line {line}, column {column}: {}",
            e.message().trim()
        ),
    }
}

/// `a.b[10]` → `[a, ., b, [, 10, ]]` with numbers compared as numbers.
fn path_order(path: &str) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for c in path.chars() {
        let digit = c.to_digit(10);
        match (out.last_mut(), digit) {
            (Some((s, n)), Some(d)) if s.is_empty() => *n = *n * 10 + u64::from(d),
            (_, Some(d)) => out.push((String::new(), u64::from(d))),
            (Some((s, _)), None) if !s.is_empty() => s.push(c),
            (_, None) => out.push((c.to_string(), 0)),
        }
    }
    out
}

/// `parent.key`, quoting a key that is not a bare TOML key.
pub(crate) fn join(parent: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

pub(crate) fn error(path: impl Into<String>, message: impl Into<String>) -> StackError {
    StackError {
        path: path.into(),
        message: message.into(),
    }
}

/// Pass 2: the walk over the table against the schema.
#[derive(Default)]
struct Walk {
    errors: Vec<StackError>,
    /// Paths serde cannot read (their part is not deserialized).
    blocked: Vec<String>,
}

impl Walk {
    fn block(&mut self, path: String, message: String) {
        self.blocked.push(path.clone());
        self.errors.push(error(path, message));
    }

    fn table(&mut self, path: &str, table: &Table, keys: &[Key], tag: Option<&str>) {
        for (name, value) in table {
            if Some(name.as_str()) == tag {
                continue;
            }
            match keys.iter().find(|k| k.name == name) {
                Some(key) => self.value(&join(path, name), value, &key.ty),
                None => {
                    let names: Vec<&str> =
                        tag.into_iter().chain(keys.iter().map(|k| k.name)).collect();
                    let expected = if names.is_empty() {
                        "this table has no other keys".to_string()
                    } else {
                        format!("expected one of: {}", names.join(", "))
                    };
                    let hint = did_you_mean(name, &names);
                    self.block(
                        join(path, name),
                        format!("unknown key \"{name}\"{hint}; {expected}"),
                    );
                }
            }
        }
        for key in keys
            .iter()
            .filter(|k| k.required && !table.contains_key(k.name))
        {
            let message = format!(
                "missing required key \"{}\" ({})",
                key.name,
                describe(&key.ty)
            );
            self.block(join(path, key.name), message);
        }
    }

    fn value(&mut self, path: &str, value: &Value, ty: &Ty) {
        let wrong_type = |walk: &mut Self| {
            walk.block(
                path.to_string(),
                format!("expected {}, found {}", describe(ty), found(value)),
            )
        };
        match (ty, value) {
            (Ty::Str(format), Value::String(s)) => {
                if let Err(expected) = format(s) {
                    self.errors
                        .push(error(path, format!("{expected}, found {s:?}")));
                }
            }
            (Ty::Int { min, max, type_max }, Value::Integer(i)) => {
                let message = format!("expected {}, found {i}", describe(ty));
                if *i < 0 || i > type_max {
                    self.block(path.to_string(), message);
                } else if i < min || i > max {
                    self.errors.push(error(path, message));
                }
            }
            (Ty::Number { min }, Value::Integer(_) | Value::Float(_)) => {
                let x = value
                    .as_float()
                    .unwrap_or_else(|| value.as_integer().unwrap_or(0) as f64);
                if !x.is_finite() || x < *min {
                    self.errors
                        .push(error(path, format!("expected {}, found {x}", describe(ty))));
                }
            }
            (Ty::Bool, Value::Boolean(_)) => {}
            (Ty::List { item, min_len }, Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    let at = format!("{path}[{i}]");
                    match v.as_str() {
                        Some(s) => {
                            if let Err(expected) = item(s) {
                                self.errors
                                    .push(error(at, format!("{expected}, found {s:?}")));
                            }
                        }
                        None => self.block(at, format!("expected a string, found {}", found(v))),
                    }
                }
                if items.len() < *min_len {
                    self.errors.push(error(
                        path,
                        format!("expected at least {min_len} item(s), found an empty array"),
                    ));
                }
            }
            (Ty::Enum(values), Value::String(s)) if values.contains(&s.as_str()) => {}
            (Ty::Table(keys), Value::Table(t)) => self.table(path, t, keys, None),
            (Ty::Map(keys), Value::Table(t)) => {
                for (name, v) in t {
                    match v.as_table() {
                        Some(region) => self.table(&join(path, name), region, keys, None),
                        None => self.block(
                            join(path, name),
                            format!("expected a table, found {}", found(v)),
                        ),
                    }
                }
            }
            (Ty::Tagged { tag, variants }, Value::Table(t)) => {
                let names: Vec<&str> = variants.iter().map(|(n, _)| *n).collect();
                let tag_path = join(path, tag);
                match t.get(*tag) {
                    None => self.block(
                        tag_path,
                        format!(
                            "missing required key \"{tag}\" (one of: {})",
                            names.join(", ")
                        ),
                    ),
                    Some(Value::String(s)) => match variants.iter().find(|(n, _)| n == s) {
                        Some((_, keys)) => self.table(path, t, keys, Some(tag)),
                        None => {
                            let hint = did_you_mean(s, &names);
                            self.block(
                                tag_path,
                                format!("expected one of: {}, found {s:?}{hint}", names.join(", ")),
                            );
                        }
                    },
                    Some(v) => self.block(
                        tag_path,
                        format!("expected one of: {}, found {}", names.join(", "), found(v)),
                    ),
                }
            }
            (Ty::Enum(values), Value::String(s)) => {
                let hint = did_you_mean(s, values);
                self.block(
                    path.to_string(),
                    format!("expected one of: {}, found {s:?}{hint}", values.join(", ")),
                );
            }
            _ => wrong_type(self),
        }
    }
}

/// What a key's value should be, in words.
fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Str(_) => "a string".into(),
        Ty::Int { min, max, .. } => format!("an integer from {min} to {max}"),
        Ty::Number { min } => format!("a finite number ≥ {min}"),
        Ty::Bool => "true or false".into(),
        Ty::List { .. } => "an array of strings".into(),
        Ty::Enum(values) => format!("one of: {}", values.join(", ")),
        Ty::Table(_) => "a table".into(),
        Ty::Map(_) => "a table of tables keyed by name".into(),
        Ty::Tagged { tag, variants } => {
            let names: Vec<&str> = variants.iter().map(|(n, _)| *n).collect();
            format!("a table with {tag} = {}", names.join(" | "))
        }
    }
}

/// What a value is, in words.
fn found(value: &Value) -> String {
    match value {
        Value::String(s) => format!("a string ({s:?})"),
        Value::Integer(i) => format!("an integer ({i})"),
        Value::Float(x) => format!("a float ({x})"),
        Value::Boolean(b) => format!("a boolean ({b})"),
        Value::Datetime(d) => format!("a date-time ({d})"),
        Value::Array(_) => "an array".into(),
        Value::Table(_) => "a table".into(),
    }
}

/// The parts of a stack that serde could read on their own, for the rules.
pub(crate) struct Parts {
    pub shop: Option<Shop>,
    /// `None` when `regions` is missing or not a table; otherwise in name order.
    pub regions: Option<Vec<RegionParts>>,
    pub dns: Option<Dns>,
    pub app: Option<App>,
    pub notifications: Option<Notifications>,
    pub policy: Option<Policy>,
    pub events: Option<Events>,
}

/// One region's keys, each read on its own.
pub(crate) struct RegionParts {
    pub name: String,
    pub path: String,
    pub database: Option<Database>,
    pub load_balancer: Option<LoadBalancer>,
    pub compute: Option<Compute>,
    pub cache: Option<Cache>,
    pub health_check_id: Option<String>,
    pub media_bucket: Option<String>,
    pub alarms: Option<Vec<String>>,
    pub network: Option<Network>,
}

struct Reader<'a> {
    blocked: &'a [String],
    errors: &'a mut Vec<StackError>,
}

impl Reader<'_> {
    /// The value at `path` in `table` as a `T`, unless it is absent or an error blocks it.
    fn read<T: DeserializeOwned>(&mut self, table: &Table, parent: &str, key: &str) -> Option<T> {
        let path = join(parent, key);
        let blocked = self.blocked.iter().any(|b| {
            b == &path
                || b.strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        });
        if blocked {
            return None;
        }
        match table.get(key)?.clone().try_into::<T>() {
            Ok(value) => Some(value),
            Err(e) => {
                self.errors
                    .push(error(path, e.message().trim().to_string()));
                None
            }
        }
    }
}

impl Parts {
    fn read(root: &Table, blocked: &[String], errors: &mut Vec<StackError>) -> Parts {
        let mut r = Reader { blocked, errors };
        let regions = root
            .get("regions")
            .and_then(Value::as_table)
            .map(|regions| {
                regions
                    .iter()
                    .map(|(name, region)| {
                        let path = join("regions", name);
                        let empty = Table::new();
                        let t = region.as_table().unwrap_or(&empty);
                        let region_ok = region.is_table();
                        RegionParts {
                            name: name.clone(),
                            database: r.read(t, &path, "database"),
                            load_balancer: r.read(t, &path, "load_balancer"),
                            compute: r.read(t, &path, "compute"),
                            cache: r.read(t, &path, "cache"),
                            health_check_id: r.read(t, &path, "health_check_id"),
                            media_bucket: r.read(t, &path, "media_bucket"),
                            network: r.read(t, &path, "network"),
                            alarms: match t.get("alarms") {
                                None if region_ok => Some(Vec::new()),
                                _ => r.read(t, &path, "alarms"),
                            },
                            path,
                        }
                    })
                    .collect()
            });
        Parts {
            shop: r.read(root, "", "shop"),
            regions,
            dns: r.read(root, "", "dns"),
            app: r.read(root, "", "app"),
            notifications: r.read(root, "", "notifications"),
            policy: r.read(root, "", "policy"),
            events: r.read(root, "", "events"),
        }
    }
}
