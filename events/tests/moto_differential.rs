//! Differential test of the pattern matcher against moto's (`moto/events/models.py`).
//!
//! Every corpus case moto can observe is run through moto once, by `tests/moto_events.py`
//! (PutRule + PutTargets to an SQS queue + PutEvents + ReceiveMessage: delivered = matched),
//! on a `wfc_testkit::MotoServer` (127.0.0.1 only). A case is observable when its event is an
//! ordinary PutEvents envelope (source, detail-type, object detail, resources) and its pattern
//! only looks at those fields (moto sets id, time, account and region itself). Every invalid
//! pattern of `tests/invalid/` is sent to PutRule: AWS refuses them all.
//!
//! The test asserts that moto agrees with us on every case except exactly the ones listed in
//! `events/DIFFERENCES.md` (lines starting with "- `<file>/<case>`"), where the documentation
//! decides. A listed case on which moto agrees is reported too (the entry is stale).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{json, Value};
use wfc_events::Pattern;
use wfc_testkit::{workspace_root, MotoServer};

const ENVELOPE: &[&str] = &[
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
];
const PUT_EVENTS_FIELDS: &[&str] = &["source", "detail-type", "resources", "detail"];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load_dir(dir: &str) -> Vec<(String, Value)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(crate_dir().join("tests").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let file = path.file_stem().unwrap().to_string_lossy().into_owned();
        let items: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in items {
            out.push((format!("{file}/{}", case["name"].as_str().unwrap()), case));
        }
    }
    out
}

/// Whether moto can observe this case through PutEvents.
fn observable(case: &Value) -> bool {
    let event = &case["event"];
    let Some(fields) = event.as_object() else {
        return false;
    };
    let envelope_only = fields.keys().all(|k| ENVELOPE.contains(&k.as_str()));
    let shaped = event["source"].is_string()
        && event["detail-type"].is_string()
        && event["detail"].is_object()
        && event
            .get("resources")
            .is_none_or(|r| r.as_array().is_some_and(|a| a.iter().all(Value::is_string)));
    envelope_only && shaped && pattern_uses_only_put_events_fields(&case["pattern"])
}

fn pattern_uses_only_put_events_fields(pattern: &Value) -> bool {
    pattern.as_object().is_some_and(|fields| {
        fields.iter().all(|(k, v)| {
            if k == "$or" {
                v.as_array().is_some_and(|branches| {
                    branches.iter().all(pattern_uses_only_put_events_fields)
                })
            } else {
                PUT_EVENTS_FIELDS.contains(&k.as_str())
            }
        })
    })
}

/// Case ids listed in DIFFERENCES.md.
fn listed_differences() -> BTreeSet<String> {
    let text = std::fs::read_to_string(crate_dir().join("DIFFERENCES.md")).unwrap();
    text.lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split_once('`').map(|(id, _)| id.to_string()))
        .collect()
}

fn run_moto(input: &Value, scratch: &Path) -> BTreeMap<String, Value> {
    let moto = MotoServer::start();
    let python = std::env::var_os("WFC_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".tools/venv/bin/python"));
    let input_file = scratch.join("input.json");
    let output_file = scratch.join("moto.jsonl");
    std::fs::write(&input_file, serde_json::to_vec(input).unwrap()).unwrap();
    let started = Instant::now();
    let status = Command::new(&python)
        .arg(crate_dir().join("tests/moto_events.py"))
        .arg(moto.endpoint())
        .arg(&input_file)
        .arg(&output_file)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}; run `bash scripts/setup-tools.sh`",
                python.display()
            )
        });
    assert!(status.success(), "moto_events.py failed ({status})");
    eprintln!(
        "moto differential: moto answered in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::read_to_string(&output_file)
        .unwrap()
        .lines()
        .map(|line| {
            let r: Value = serde_json::from_str(line).unwrap();
            (r["id"].as_str().unwrap().to_string(), r)
        })
        .collect()
}

#[test]
fn moto_agrees_except_listed_differences() {
    let cases: Vec<(String, Value)> = load_dir("cases")
        .into_iter()
        .filter(|(_, c)| observable(c))
        .collect();
    let invalid = load_dir("invalid");
    assert!(cases.len() >= 100, "only {} observable cases", cases.len());

    let input = json!({
        "match": cases.iter().map(|(id, c)| json!({
            "id": format!("cases/{id}"),
            "pattern": c["pattern"].to_string(),
            "event": c["event"],
        })).collect::<Vec<_>>(),
        "invalid": invalid.iter().map(|(id, c)| json!({
            "id": format!("invalid/{id}"),
            "pattern": c.get("pattern_text").and_then(Value::as_str).map(str::to_string)
                .unwrap_or_else(|| c["pattern"].to_string()),
        })).collect::<Vec<_>>(),
    });
    let scratch = std::env::temp_dir().join(format!("wfc-events-moto-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let moto = run_moto(&input, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);

    let listed = listed_differences();
    let mut disagreements = BTreeMap::new();
    let mut broken = Vec::new();
    for (id, case) in &cases {
        let key = format!("cases/{id}");
        let ours = Pattern::from_value(&case["pattern"])
            .unwrap()
            .matches(&case["event"]);
        match moto.get(&key).and_then(|r| r["matched"].as_bool()) {
            Some(theirs) if theirs != ours => {
                disagreements.insert(
                    key,
                    format!(
                        "moto matched={theirs}, wfc-events matched={ours} ({})",
                        case["note"]
                    ),
                );
            }
            Some(_) => {}
            None => broken.push(format!("{key}: {:?}", moto.get(&key))),
        }
    }
    for (id, case) in &invalid {
        let key = format!("invalid/{id}");
        match moto.get(&key).and_then(|r| r["accepted"].as_bool()) {
            Some(true) => {
                disagreements.insert(
                    key,
                    format!("moto accepted an invalid pattern ({})", case["note"]),
                );
            }
            Some(false) => {}
            None => broken.push(format!("{key}: {:?}", moto.get(&key))),
        }
    }
    assert!(
        broken.is_empty(),
        "the driver failed on:\n{}",
        broken.join("\n")
    );

    let found: BTreeSet<String> = disagreements.keys().cloned().collect();
    let unlisted: Vec<String> = found
        .difference(&listed)
        .map(|k| format!("{k}: {}", disagreements[k]))
        .collect();
    let stale: Vec<&String> = listed.difference(&found).collect();
    eprintln!(
        "moto differential: {} matching cases, {} invalid patterns, {} listed differences",
        cases.len(),
        invalid.len(),
        listed.len()
    );
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "moto disagrees on cases not in DIFFERENCES.md:\n{}\n\nlisted in DIFFERENCES.md but moto agrees (stale):\n{:?}",
        unlisted.join("\n"),
        stale
    );
}
