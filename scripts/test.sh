#!/usr/bin/env bash
# THE test command of the project (the README and .ci/run call exactly `bash scripts/test.sh`).
# Installs the pinned external tools (scripts/setup-tools.sh), then runs rustfmt's check, clippy
# with warnings denied, and the whole workspace's tests, with every feature (`wfc --features aws`,
# the commands that call AWS) and, for the offline `wfc` users build first, without it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup-tools.sh

export WFC_ASL_VALIDATOR="$root/.tools/node/node_modules/.bin/asl-validator"
export WFC_STATELINT="$root/.tools/venv/bin/statelint"
export WFC_CFN_LINT="$root/.tools/venv/bin/cfn-lint"
export WFC_CHECKOV="$root/.tools/checkov/bin/checkov"
export WFC_CHROMIUM=/usr/bin/chromium

echo "test: cargo fmt --all -- --check"
cargo fmt --all -- --check
echo "test: cargo clippy --workspace --all-targets --all-features -- -D warnings"
cargo clippy --workspace --all-targets --all-features -- -D warnings
echo "test: cargo clippy -p wfc --all-targets -- -D warnings (the offline wfc, without AWS)"
cargo clippy -p wfc --all-targets -- -D warnings
echo "test: cargo test -p wfc --test offline_cli (the offline wfc answers the AWS commands)"
cargo test -p wfc --test offline_cli
echo "test: cargo test --workspace --all-features"
cargo test --workspace --all-features
