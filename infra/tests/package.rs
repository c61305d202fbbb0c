//! scripts/package-activities.sh, on a stand-in binary (building the real one compiles the AWS
//! SDK: BENCHMARKS.md has that command and its size): the zip holds `bootstrap` (executable) and
//! the RDS CA bundle where the functions' SSL_CERT_FILE points (Lambda unpacks the zip into
//! /var/task), it is the same bytes on every run, and its parameters fit the template's.

use std::path::Path;
use std::process::Command;

fn package(out: &Path, binary: &Path, bundle: &Path) -> (String, String) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/package-activities.sh"
    );
    let run = Command::new("bash")
        .arg(script)
        .arg("--out")
        .arg(out)
        .arg("--binary")
        .arg(binary)
        .arg("--ca-bundle")
        .arg(bundle)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&run.stdout).to_string();
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let value = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("{key} in {stdout}"))
            .to_string()
    };
    (value("ActivitiesCodeKey"), value("ActivitiesCodeSha256"))
}

#[test]
fn the_zip_is_what_the_templates_reference() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("package");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (binary, bundle) = (dir.join("bootstrap-in"), dir.join("global-bundle.pem"));
    std::fs::write(&binary, b"\x7fELF stand-in").unwrap();
    std::fs::write(&bundle, b"-----BEGIN CERTIFICATE-----\n").unwrap();

    let (key, sha) = package(&dir.join("a"), &binary, &bundle);
    let (again_key, again_sha) = package(&dir.join("b"), &binary, &bundle);
    assert_eq!(
        (&key, &sha),
        (&again_key, &again_sha),
        "the zip is deterministic"
    );
    assert_eq!(
        std::fs::read(dir.join("a").join(&key)).unwrap(),
        std::fs::read(dir.join("b").join(&key)).unwrap()
    );
    // The template's parameter pattern (base64 of a SHA-256).
    assert_eq!(sha.len(), 44);
    assert!(
        sha.ends_with('=')
            && sha[..43]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
    );

    let listing = Command::new("python3")
        .args(["-c", "import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.filename, oct(i.external_attr >> 16))"])
        .arg(dir.join("a").join(&key))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    let bundle_name = Path::new(wfc_infra::profile::RDS_CA_BUNDLE)
        .strip_prefix("/var/task")
        .unwrap();
    assert_eq!(
        listing.lines().collect::<Vec<_>>(),
        [
            "bootstrap 0o100755".to_string(),
            format!("{} 0o100644", bundle_name.display())
        ]
    );
}
