#!/usr/bin/env bash
# Quick start 1: builds rstscope and analyzes the bundled sample capture, the 7211 story:
# a collector serving 127.0.0.1:7211 crashes, its restarts fail on a missing library, and the
# connects of its reporter, twice a second, are refused; saved by rstscope itself, so it names
# both programs and the failing restarts (resources/story-7211.README.md).
# Extra arguments go to `rstscope analyze`, e.g. --format json or --utc. It builds the headless
# debug binary (the terminal commands and the agent, without the desktop app: a few minutes on a
# fresh machine rather than a quarter of an hour); `cargo build` builds the desktop app too, and
# for large captures build the release binary (`cargo build --release`, target/release/rstscope).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
RSTSCOPE_SETUP=build source "$top/scripts/setup.sh"
cd "$top"
echo "rstscope: building the terminal commands (the first build takes a few minutes)..." >&2
cargo build --locked --quiet --no-default-features
target="${CARGO_TARGET_DIR:-$top/target}"
exec "$target/debug/rstscope" analyze "$@" resources/story-7211.pcapng
