#!/usr/bin/env bash
# THE test command of the project (the README and .ci/run call exactly `bash scripts/test.sh`).
# Installs the pinned external tools (scripts/setup-tools.sh), then runs rustfmt's check, clippy
# with warnings denied, and the whole workspace's tests.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup-tools.sh

export WFC_ASL_VALIDATOR="$root/.tools/node/node_modules/.bin/asl-validator"
export WFC_STATELINT="$root/.tools/venv/bin/statelint"

echo "test: cargo fmt --all -- --check"
cargo fmt --all -- --check
echo "test: cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
echo "test: cargo test --workspace"
cargo test --workspace
