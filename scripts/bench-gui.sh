#!/usr/bin/env bash
# The app's frame time with a day of per-second data and a million connections (not a test):
# writes the capture once (BENCH_DIR, default /var/tmp/rstscope-bench, about 260 MB), then
# drives the app without a window while it loads and after, and prints frame times against
# DESIGN.md's 16 ms budget. Release build; the first one takes a while (the app and wgpu).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"
cargo bench --locked --bench gui_day
