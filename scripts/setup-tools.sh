#!/usr/bin/env bash
# Installs the external tools wfc's tests use into .tools/ (git-ignored), at pinned versions:
#   .tools/venv  Python venv: statelint 3.1.0, moto[server] 5.2.5, boto3, cfn-lint 1.58.0 (scripts/requirements-tools.txt)
#   .tools/checkov  Python venv: checkov 3.3.30 (scripts/requirements-checkov.txt; its own venv, its
#                pins conflict with moto's)
#   .tools/node  npm prefix:  asl-validator 4.0.0 (scripts/package.json + scripts/package-lock.json, `npm ci`)
#   system:      Debian mariadb-server, mariadb-client, redis-server (apt-get; services not started), for the
#                MariaDB pair and Redis that wfc-testkit runs on loopback
#   system:      Debian chromium (apt-get; /usr/bin/chromium), for the headless browser test of the
#                drill's report page (drill/tests/browser.rs)
# Idempotent: a step whose pinned versions are already installed is skipped, so a second run is fast.
# Needs python3 (>= 3.10, with venv), node and npm, and network access to PyPI and npm the first time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
venv="$tools/venv"
node_prefix="$tools/node"
requirements="$root/scripts/requirements-tools.txt"
checkov_venv="$tools/checkov"
checkov_requirements="$root/scripts/requirements-checkov.txt"

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

# Every `name==version` line of a requirements file ($2, default the tools') must be installed at
# exactly that version in a venv ($1, default .tools/venv).
python_pins_ok() {
    "${1:-$venv}/bin/python" - "${2:-$requirements}" <<'PY'
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
[[ -x "$venv/bin/cfn-lint" ]] || die "$venv/bin/cfn-lint missing after install"

# --- checkov (its own venv) ------------------------------------------------------------------
if [[ -x "$checkov_venv/bin/python" ]] && "$checkov_venv/bin/python" -c '' 2>/dev/null; then
    :
else
    rm -rf "$checkov_venv"
    python3 -m venv "$checkov_venv" || die "python3 -m venv failed for .tools/checkov"
fi
if python_pins_ok "$checkov_venv" "$checkov_requirements"; then
    say "checkov: pinned versions already installed in .tools/checkov, skipped"
else
    say "checkov: installing scripts/requirements-checkov.txt into .tools/checkov"
    "$checkov_venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$checkov_requirements"
    python_pins_ok "$checkov_venv" "$checkov_requirements" || die "after pip install the versions in .tools/checkov still differ from scripts/requirements-checkov.txt"
    say "checkov: installed"
fi
[[ -x "$checkov_venv/bin/checkov" ]] || die "$checkov_venv/bin/checkov missing after install"

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

# --- MariaDB and Redis (Debian packages) -----------------------------------------------------
# wfc-testkit starts its own MariaDB pair and redis-server on loopback; it needs only the binaries,
# never the system services, so the install must not start them (they would take 3306 and 6379).
db_tools=(mariadbd mariadb-install-db mariadb redis-server redis-cli)
db_tools_present() {
    local tool
    for tool in "${db_tools[@]}"; do
        # mariadbd lives in /usr/sbin, which a non-root PATH often lacks.
        command -v "$tool" >/dev/null || [[ -x "/usr/sbin/$tool" ]] || return 1
    done
}
if db_tools_present; then
    say "mariadb + redis: present, skipped"
else
    command -v apt-get >/dev/null || die "mariadbd/redis-server missing and no apt-get: install MariaDB server + client and redis-server"
    as_root=()
    [[ "$(id -u)" == 0 ]] || as_root=(sudo)
    # policy-rc.d exiting 101 tells the packages' postinst scripts not to start their services.
    created_policy=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${as_root[@]}" chmod 755 /usr/sbin/policy-rc.d
        created_policy=yes
    fi
    db_packages=(mariadb-server mariadb-client redis-server)
    say "mariadb + redis: installing Debian packages ${db_packages[*]} (apt-get, services not started)"
    apt_log="$tools/apt-install.log"
    apt_install() {
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${db_packages[@]}" >>"$apt_log" 2>&1
    }
    : >"$apt_log"
    status=0
    # Only refresh the package lists when the install fails without them (a slow network step).
    apt_install || { "${as_root[@]}" apt-get update -qq >>"$apt_log" 2>&1 && apt_install; } || status=$?
    [[ -z "$created_policy" ]] || "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
    [[ "$status" == 0 ]] || { cat "$apt_log" >&2; die "apt-get install ${db_packages[*]} failed (log above, also in $apt_log)"; }
    db_tools_present || die "after apt-get install, one of ${db_tools[*]} is still missing"
    say "mariadb + redis: installed"
fi

# --- Chromium (Debian package) ---------------------------------------------------------------
# drill/tests/browser.rs renders the drill's report page in headless Chromium. Debian's package,
# never a browser download of a test tool's own (only package registries are reachable).
chromium_bin=/usr/bin/chromium
if [[ -x "$chromium_bin" ]]; then
    say "chromium: present ($chromium_bin), skipped"
else
    command -v apt-get >/dev/null || die "$chromium_bin missing and no apt-get: install Debian's chromium package"
    as_root=()
    [[ "$(id -u)" == 0 ]] || as_root=(sudo)
    say "chromium: installing Debian package chromium (apt-get)"
    apt_log="$tools/apt-install.log"
    apt_install_chromium() {
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends chromium >>"$apt_log" 2>&1
    }
    : >"$apt_log"
    # Only refresh the package lists when the install fails without them (a slow network step).
    apt_install_chromium || { "${as_root[@]}" apt-get update -qq >>"$apt_log" 2>&1 && apt_install_chromium; } \
        || { cat "$apt_log" >&2; die "apt-get install chromium failed (log above, also in $apt_log)"; }
    [[ -x "$chromium_bin" ]] || die "after apt-get install chromium, $chromium_bin is still missing"
    say "chromium: installed"
fi

say "done: WFC_ASL_VALIDATOR=$node_prefix/node_modules/.bin/asl-validator WFC_STATELINT=$venv/bin/statelint WFC_CFN_LINT=$venv/bin/cfn-lint WFC_CHECKOV=$checkov_venv/bin/checkov WFC_CHROMIUM=$chromium_bin"
