//! The latency model (`latency.toml`): every duration of the simulated world, each with its
//! source; `--latency key=value` overrides one (`promote=420s`, `dns_ttl=300`, `asg_boot=3m`).

use std::collections::BTreeMap;

/// The file, as shipped: values with their sources in comments.
pub const LATENCY_FILE: &str = include_str!("../latency.toml");

#[derive(Debug, Clone, PartialEq)]
pub struct Latency {
    values: BTreeMap<String, f64>,
}

#[derive(serde::Deserialize)]
struct File {
    values: BTreeMap<String, f64>,
}

impl Latency {
    pub fn parse(text: &str) -> Result<Latency, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("latency file: {e}"))?;
        Ok(Latency {
            values: file.values,
        })
    }

    /// The shipped model.
    pub fn default_model() -> Latency {
        Latency::parse(LATENCY_FILE).expect("latency.toml parses")
    }

    /// A value by key; every key the world reads is in the file (a test holds it).
    pub fn get(&self, key: &str) -> f64 {
        *self
            .values
            .get(key)
            .unwrap_or_else(|| panic!("latency.toml has no `{key}`"))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.values.keys()
    }

    /// Applies `key=value` (value in seconds, or with `ms`, `s`, `m`, `h`); unknown keys and
    /// unreadable values are refused with what is expected.
    pub fn set(&mut self, assignment: &str) -> Result<(), String> {
        let (key, value) = assignment.split_once('=').ok_or_else(|| {
            format!("--latency {assignment}: expected key=value, e.g. promote=420s")
        })?;
        let key = key.trim();
        if !self.values.contains_key(key) {
            let known: Vec<&str> = self.values.keys().map(String::as_str).collect();
            return Err(format!(
                "--latency {assignment}: no duration `{key}` in the latency model; known: {}",
                known.join(", ")
            ));
        }
        let seconds = parse_seconds(value.trim()).ok_or_else(|| {
            format!("--latency {assignment}: `{value}` is not a number of seconds (420, 420s, 7m, 500ms, 1h)")
        })?;
        self.values.insert(key.to_string(), seconds);
        Ok(())
    }
}

fn parse_seconds(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_its_source() {
        // Every figure names its source (mostly latency-model.md's sections) and its tag.
        for line in LATENCY_FILE.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            let comment = line.split_once('#').map(|(_, c)| c).unwrap_or("");
            // A section of latency-model.md, another reference or file of the repository, or an
            // assumption said as such.
            let sourced = comment.contains('§')
                || comment.contains(".md")
                || comment.contains(".rs")
                || comment.contains("[assumption]");
            assert!(sourced, "no source for: {line}");
            assert!(
                ["[doc]", "[measured]", "[derived]", "[assumption]"]
                    .iter()
                    .any(|t| comment.contains(t)),
                "no tag for: {line}"
            );
        }
    }

    #[test]
    fn overrides_take_units_and_refuse_unknown_keys() {
        let mut l = Latency::default_model();
        l.set("promote=420s").unwrap();
        assert_eq!(l.get("promote"), 420.0);
        l.set("promote=7m").unwrap();
        assert_eq!(l.get("promote"), 420.0);
        l.set("api_call=500ms").unwrap();
        assert_eq!(l.get("api_call"), 0.5);
        assert!(l.set("promotion=1").unwrap_err().contains("known: "));
        assert!(l.set("promote=soon").is_err());
        assert!(l.set("promote").is_err());
    }
}
