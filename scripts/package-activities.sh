#!/usr/bin/env bash
# Packages the activities for the orchestrator templates (cloudformation/orchestrator-<region>.yaml):
# one zip holding `bootstrap` (the wfc-activities binary, every activity; the function's Handler
# picks one) and the RDS CA bundle at /var/task/rds-global-bundle.pem (SSL_CERT_FILE of the
# functions that speak MySQL over TLS). The zip is deterministic (fixed times and modes), so the
# same binary gives the same ActivitiesCodeSha256 and no new function versions.
#
#   bash scripts/package-activities.sh --out DIR [--ca-bundle global-bundle.pem] [--binary PATH]
#
# Without --binary it builds: `cargo lambda build -p wfc-lambda --profile lambda --arm64`
# (cargo-lambda: `pip install cargo-lambda`, it brings zig; no Docker). --ca-bundle is RDS's
# global bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem); without it
# the MySQL adapter trusts the Mozilla and system roots only, which RDS's certificates are not
# under. Prints the template parameters: upload the zip to ActivitiesCodeBucket in each region
# under ActivitiesCodeKey.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="" binary="" bundle=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        --binary) binary="$2"; shift 2 ;;
        --ca-bundle) bundle="$2"; shift 2 ;;
        *) echo "package-activities: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
[[ -n "$out" ]] || { echo "package-activities: --out DIR is required" >&2; exit 2; }
if [[ -z "$binary" ]]; then
    command -v cargo-lambda >/dev/null || { echo "package-activities: cargo-lambda not found (pip install cargo-lambda)" >&2; exit 2; }
    (cd "$root" && cargo lambda build -p wfc-lambda --profile lambda --arm64)
    binary="$root/target/lambda/wfc-activities/bootstrap"
fi
[[ -f "$binary" ]] || { echo "package-activities: no binary at $binary" >&2; exit 2; }
[[ -z "$bundle" || -f "$bundle" ]] || { echo "package-activities: no CA bundle at $bundle" >&2; exit 2; }
mkdir -p "$out"

python3 - "$out" "$binary" "$bundle" <<'PY'
import base64, hashlib, os, sys, zipfile
out, binary, bundle = sys.argv[1], sys.argv[2], sys.argv[3]
entries = [("bootstrap", binary, 0o755)]
if bundle:
    entries.append(("rds-global-bundle.pem", bundle, 0o644))
tmp = os.path.join(out, "wfc-activities.zip.tmp")
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for name, path, mode in entries:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        with open(path, "rb") as f:
            z.writestr(info, f.read(), compresslevel=9)
data = open(tmp, "rb").read()
digest = hashlib.sha256(data).digest()
key = f"wfc-activities-{digest.hex()[:16]}.zip"
os.replace(tmp, os.path.join(out, key))
print(f"zip: {os.path.join(out, key)} ({len(data)} bytes)")
print(f"ActivitiesCodeKey={key}")
print(f"ActivitiesCodeSha256={base64.b64encode(digest).decode()}")
PY
