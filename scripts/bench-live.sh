#!/usr/bin/env bash
# Load check of live capture (not a test): a burst of refused connects to a closed port on
# 127.0.0.1 as fast as one core allows (BENCH_SECS, default 10 s) while `rstscope capture`
# (release build) runs on loopback; prints generated vs captured vs dropped per second.
# Needs root (or CAP_NET_RAW and CAP_NET_ADMIN on the bench binary's rstscope); without it
# the check says SKIPPED. On a 2-core machine the generator gets one core, rstscope the other.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"
cargo bench --locked --bench live_load
