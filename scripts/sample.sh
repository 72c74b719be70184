#!/usr/bin/env bash
# Quick start 1: builds rstscope and analyzes the bundled sample capture (a client that
# tries the closed port 127.0.0.1:7211 twenty times, twice a second). Extra arguments go to
# `rstscope analyze`, e.g. --format json or --utc. It uses the debug build that
# scripts/test.sh makes too, so the two quick-start commands build once; for large captures
# build the release binary (`cargo build --release`, target/release/rstscope).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"
echo "rstscope: building (the first build takes several minutes: it includes the desktop app)..." >&2
cargo build --locked --quiet
target="${CARGO_TARGET_DIR:-$top/target}"
exec "$target/debug/rstscope" analyze "$@" resources/sample-7211.pcapng
