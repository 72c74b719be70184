#!/usr/bin/env bash
# Soak benchmark of `rstscope agent` (not a test): the agent (release, headless build) on
# loopback under a steady stream of refused connects for BENCH_SECONDS (default 600), memory
# sampled every second; prints a line a minute and whether memory stayed flat after the first
# minutes and every refusal was counted. BENCH_RATE (default 200/s) and BENCH_ENDPOINTS
# (default 500) shape the load. Needs root (capture on lo); without it it says SKIPPED.
# It runs under nice: other work on the machine goes first.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
RSTSCOPE_SETUP=build source "$top/scripts/setup.sh"
cd "$top"
nice -n 10 cargo bench --locked --no-default-features --bench agent_soak
