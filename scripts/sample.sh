#!/usr/bin/env bash
# Quick start 1: builds rstscope and analyzes the bundled sample capture (a client that
# tries the closed port 127.0.0.1:7211 twenty times, twice a second). Extra arguments go to
# `rstscope analyze`, e.g. --format json or --utc.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"
echo "rstscope: building (release; the first build takes a few minutes)..." >&2
cargo build --release --locked --quiet
target="${CARGO_TARGET_DIR:-$top/target}"
exec "$target/release/rstscope" analyze "$@" resources/sample-7211.pcapng
