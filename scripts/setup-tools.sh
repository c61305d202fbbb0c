#!/usr/bin/env bash
# Installs the external tools wfc's tests use into .tools/ (git-ignored), at pinned versions:
#   .tools/venv  Python venv: statelint 3.1.0, moto[server] 5.2.5, boto3 (scripts/requirements-tools.txt)
#   .tools/node  npm prefix:  asl-validator 4.0.0 (scripts/package.json + scripts/package-lock.json, `npm ci`)
# Idempotent: a step whose pinned versions are already installed is skipped, so a second run is fast.
# Needs python3 (>= 3.10, with venv), node and npm, and network access to PyPI and npm the first time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
venv="$tools/venv"
node_prefix="$tools/node"
requirements="$root/scripts/requirements-tools.txt"

say() { printf 'setup-tools: %s\n' "$*"; }
die() { printf 'setup-tools: error: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 not found (need Python >= 3.10 with the venv module)"
command -v node >/dev/null || die "node not found (need Node >= 18 with npm)"
command -v npm >/dev/null || die "npm not found"
mkdir -p "$tools"

# --- Python venv -----------------------------------------------------------------------------
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c '' 2>/dev/null; then
    say "python venv .tools/venv: present ($("$venv/bin/python" --version 2>&1))"
else
    rm -rf "$venv"
    python3 -m venv "$venv" || die "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
    say "python venv .tools/venv: created ($("$venv/bin/python" --version 2>&1))"
fi

# Every `name==version` line of the requirements file must be installed at exactly that version.
python_pins_ok() {
    "$venv/bin/python" - "$requirements" <<'PY'
import re, sys
from importlib import metadata
ok = True
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)", line)
    if not m:
        sys.exit(f"unexpected requirement line: {line}")
    try:
        if metadata.version(m.group(1)) != m.group(3):
            ok = False
    except metadata.PackageNotFoundError:
        ok = False
sys.exit(0 if ok else 1)
PY
}

if python_pins_ok; then
    say "python tools (statelint, moto[server], boto3): pinned versions already installed, skipped"
else
    say "python tools: installing scripts/requirements-tools.txt into .tools/venv (statelint, moto[server], boto3)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
    python_pins_ok || die "after pip install the versions in .tools/venv still differ from scripts/requirements-tools.txt"
    say "python tools: installed"
fi
[[ -x "$venv/bin/statelint" ]] || die "$venv/bin/statelint missing after install"

# --- npm prefix ------------------------------------------------------------------------------
asl_validator_version="$(node -p 'require(process.argv[1]).dependencies["asl-validator"]' "$root/scripts/package.json")"
installed_version() {
    local manifest="$node_prefix/node_modules/asl-validator/package.json"
    [[ -f "$manifest" ]] && node -p 'require(process.argv[1]).version' "$manifest" || true
}
if [[ "$(installed_version)" == "$asl_validator_version" ]] \
    && cmp -s "$root/scripts/package-lock.json" "$node_prefix/package-lock.json" \
    && [[ -x "$node_prefix/node_modules/.bin/asl-validator" ]]; then
    say "asl-validator $asl_validator_version: already installed in .tools/node, skipped"
else
    say "asl-validator $asl_validator_version: installing into .tools/node (npm ci from scripts/package-lock.json)"
    mkdir -p "$node_prefix"
    cp "$root/scripts/package.json" "$root/scripts/package-lock.json" "$node_prefix/"
    npm ci --prefix "$node_prefix" --no-audit --no-fund --loglevel=error >/dev/null
    [[ "$(installed_version)" == "$asl_validator_version" ]] || die "asl-validator $asl_validator_version not found after npm ci"
    say "asl-validator $asl_validator_version: installed"
fi

say "done: WFC_ASL_VALIDATOR=$node_prefix/node_modules/.bin/asl-validator WFC_STATELINT=$venv/bin/statelint"
