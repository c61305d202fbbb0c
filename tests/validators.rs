//! Independent oracles: two third-party ASL validators check the valid corpus
//! (`tests/asl/valid/`) and every definition `wfc compile` emits.
//!
//! * asl-validator (npm, pinned in scripts/package.json), path in `WFC_ASL_VALIDATOR`;
//! * statelint (PyPI, taro-kayo, pinned in scripts/requirements-tools.txt), path in `WFC_STATELINT`,
//!   run with `--ignore=FLOAT` because AWS accepts an integer `BackoffRate` (`2`) and statelint
//!   insists on a float (`2.0`).
//!
//! `bash scripts/test.sh` installs both into `.tools/` and exports the two variables. Without them
//! these tests fail (they do not skip): a green run must mean the validators really ran.
//!
//! Where a validator rejects a definition that AWS accepts, the file is listed in
//! [`KNOWN_FALSE_REJECTIONS`] (and in tests/asl/valid/README.md) and skipped for that validator
//! only; a test checks that each listed rejection still happens, so the list cannot go stale.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Validator {
    AslValidator,
    Statelint,
}

use Validator::{AslValidator, Statelint};

const ALL_VALIDATORS: [Validator; 2] = [AslValidator, Statelint];

impl Validator {
    fn env_var(self) -> &'static str {
        match self {
            AslValidator => "WFC_ASL_VALIDATOR",
            Statelint => "WFC_STATELINT",
        }
    }

    /// The validator's executable, from its environment variable. Panics (fails the test) when
    /// the variable is missing or names no file.
    fn program(self) -> PathBuf {
        let var = self.env_var();
        let Some(path) = std::env::var_os(var) else {
            panic!(
                "{var} is not set, so {self} cannot run. Run the tests with `bash scripts/test.sh`: \
                 it installs the pinned validators into .tools/ and exports WFC_ASL_VALIDATOR and \
                 WFC_STATELINT."
            );
        };
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{var}={} does not exist. Run `bash scripts/test.sh` (or `bash scripts/setup-tools.sh`) \
             to install the pinned validators into .tools/.",
            path.display()
        );
        path
    }

    /// The command that validates `files` in one process.
    fn command(self, files: &[PathBuf]) -> Command {
        let mut command = Command::new(self.program());
        match self {
            AslValidator => {
                for file in files {
                    command.arg("--json-path").arg(file);
                }
            }
            Statelint => {
                command.arg("--ignore=FLOAT").args(files);
            }
        }
        command
    }
}

impl fmt::Display for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AslValidator => "asl-validator",
            Statelint => "statelint",
        })
    }
}

/// Corpus files a validator rejects although AWS accepts them (AWS documentation decides; the
/// reasons are written out in tests/asl/valid/README.md).
const KNOWN_FALSE_REJECTIONS: &[(&str, Validator, &str)] = &[
    // asl-validator 4.0.0
    (
        "55-jsonata-map-items-object.asl.json",
        AslValidator,
        "JSONata Map `Items` may be a JSON object; its schema allows only an array or an expression",
    ),
    (
        "57-intrinsic-escaped-backslash.asl.json",
        AslValidator,
        "`\\\\` (escaped backslash) inside an intrinsic string literal is not accepted by its path grammar",
    ),
    (
        "59-state-names-like-field-names.asl.json",
        AslValidator,
        "states named `Default`, `Branches` or `Iterator` are mistaken for fields (crash / bogus missing target)",
    ),
    // statelint 3.1.0 (with --ignore=FLOAT)
    (
        "09-variables-jsonpath.asl.json",
        Statelint,
        "no workflow variables in JSONPath mode (`Assign`, `$name` paths)",
    ),
    (
        "28-choice-assign-variables.asl.json",
        Statelint,
        "no workflow variables in JSONPath mode (`Assign`, `$name` paths)",
    ),
    (
        "38-distributed-map-csv-first-row.asl.json",
        Statelint,
        "Distributed Map: `Label`, ReaderConfig `InputType`/`CSV*`, ResultWriter `WriterConfig` unknown",
    ),
    (
        "39-distributed-map-csv-given-headers.asl.json",
        Statelint,
        "Distributed Map: `Label`, ReaderConfig `InputType`/`CSV*` unknown",
    ),
    (
        "40-distributed-map-json-paths.asl.json",
        Statelint,
        "Distributed Map: ReaderConfig `InputType`/`ItemsPointer` unknown",
    ),
    (
        "42-distributed-map-reader-configs.asl.json",
        Statelint,
        "Distributed Map: ReaderConfig `InputType`/`Transformation`/`ManifestType`/`CSV*`, `WriterConfig` unknown",
    ),
    (
        "45-jsonata-expression-fields.asl.json",
        Statelint,
        "JSONata `{% %}` in TimeoutSeconds/HeartbeatSeconds/Seconds/Timestamp/MaxConcurrency",
    ),
    (
        "48-jsonata-states-in-jsonpath-machine.asl.json",
        Statelint,
        "no workflow variables in JSONPath mode (`Assign`, `$name` paths)",
    ),
    (
        "49-jsonata-distributed-map.asl.json",
        Statelint,
        "Distributed Map fields, and JSONata `{% %}` in numeric fields",
    ),
    (
        "51-variable-scopes.asl.json",
        Statelint,
        "no workflow variables in JSONPath mode (`Assign`, `$name` paths)",
    ),
    (
        "55-jsonata-map-items-object.asl.json",
        Statelint,
        "JSONata Map `Items` may be a JSON object; it accepts only an expression or array",
    ),
    (
        "58-context-object-paths.asl.json",
        Statelint,
        "`$$.` context path as the operand of a `…Path` comparison operator",
    ),
];

fn is_known_false_rejection(file: &Path, validator: Validator) -> bool {
    let name = file_name(file);
    KNOWN_FALSE_REJECTIONS
        .iter()
        .any(|(known, v, _)| *known == name && *v == validator)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_dir() -> PathBuf {
    repo_root().join("tests/asl/valid")
}

/// `*.asl.json` files directly in `dir`, sorted.
fn asl_files(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read directory {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| file_name(path).ends_with(".asl.json"))
        .collect();
    files.sort();
    files
}

/// The outcome of running one validator on one batch of files.
struct Run {
    success: bool,
    output: String,
}

fn run(validator: Validator, files: &[PathBuf]) -> Run {
    let output = validator
        .command(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {validator} ({}): {e}", validator.env_var()));
    Run {
        success: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .trim()
        .to_string(),
    }
}

/// Runs both validators on `files` (each validator skipping what `skip` says) and returns one
/// message per rejected file. Each validator checks the whole list in one process; only when that
/// fails does it run file by file, to say which files it rejects.
fn validate(files: &[PathBuf], skip: impl Fn(&Path, Validator) -> bool) -> Vec<String> {
    let mut rejections = Vec::new();
    for validator in ALL_VALIDATORS {
        let checked: Vec<PathBuf> = files
            .iter()
            .filter(|file| !skip(file, validator))
            .cloned()
            .collect();
        if checked.is_empty() || run(validator, &checked).success {
            continue;
        }
        for file in &checked {
            let single = run(validator, std::slice::from_ref(file));
            if !single.success {
                rejections.push(format!(
                    "{validator} rejects {}:\n{}",
                    file.display(),
                    indent(&single.output)
                ));
            }
        }
        if rejections.is_empty() {
            // The batch failed but no single file did: report the batch output as is.
            rejections.push(format!(
                "{validator} failed on the batch of {} files:\n{}",
                checked.len(),
                indent(&run(validator, &checked).output)
            ));
        }
    }
    rejections
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_no_rejections(what: &str, rejections: Vec<String>) {
    assert!(
        rejections.is_empty(),
        "{what}: {} rejection(s)\n{}",
        rejections.len(),
        rejections.join("\n")
    );
}

#[test]
fn validators_are_installed() {
    for validator in ALL_VALIDATORS {
        let _ = validator.program();
    }
}

#[test]
fn valid_corpus_passes_both_validators() {
    let files = asl_files(&corpus_dir());
    assert!(
        files.len() >= 40,
        "expected at least 40 definitions in {}, found {}",
        corpus_dir().display(),
        files.len()
    );
    assert_no_rejections(
        "valid corpus",
        validate(&files, |file, validator| {
            is_known_false_rejection(file, validator)
        }),
    );
}

/// Each entry of [`KNOWN_FALSE_REJECTIONS`] names an existing file that the validator still
/// rejects; when a validator update fixes one, this test says to remove it from the list.
#[test]
fn known_false_rejections_are_still_rejected() {
    let mut stale = Vec::new();
    for (name, validator, reason) in KNOWN_FALSE_REJECTIONS {
        let file = corpus_dir().join(name);
        assert!(
            file.is_file(),
            "KNOWN_FALSE_REJECTIONS names {name}, which is not in {}",
            corpus_dir().display()
        );
        if run(*validator, &[file]).success {
            stale.push(format!(
                "{validator} now accepts {name} (listed because: {reason}); remove it from \
                 KNOWN_FALSE_REJECTIONS and tests/asl/valid/README.md"
            ));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

/// A fresh, empty directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("wfc-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn emitted_definitions_pass_both_validators() {
    // Every example stack: RDS instances, an Aurora global database, a self-managed MySQL pair
    // (each builds other states).
    for config in [
        "examples/woocommerce/stack.toml",
        "examples/woocommerce/stack-aurora.toml",
        "examples/woocommerce/stack-self-managed.toml",
    ] {
        let out = TempDir::new("compile");
        let output = Command::new(env!("CARGO_BIN_EXE_wfc"))
            .args(["compile", "--config", config, "--out"])
            .arg(&out.0)
            .current_dir(repo_root())
            .output()
            .expect("cannot run the wfc binary");
        assert!(
            output.status.success(),
            "`wfc compile --config {config} --out {}` failed ({}):\n{}{}",
            out.0.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let files = asl_files(&out.0.join("statemachines"));
        assert!(
            files.len() >= 5,
            "`wfc compile --config {config}` wrote {} definitions",
            files.len()
        );
        assert_no_rejections(
            &format!("definitions emitted for {config}"),
            validate(&files, |_, _| false),
        );
    }
}
