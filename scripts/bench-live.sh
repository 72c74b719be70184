#!/usr/bin/env bash
# Load check of live capture (not a test): a burst of refused connects to a closed port on
# 127.0.0.1 as fast as one core allows (BENCH_SECS, default 10 s) while `rstscope capture`
# (release build) runs on loopback; prints generated vs captured vs dropped per second. Then
# the same with SYNs written to a raw socket at BENCH_RATE a second (default 100,000; the
# kernel refuses each: 200,000 control packets a second), which connect() cannot reach; and
# then with each refused attempt (SYN and RST/ACK) written whole as frames on the interface, the
# kernel answering nothing (BENCH_RATE attempts a second: twice as many control packets), which
# the kernel's own answering on the generator's core cannot reach either.
# Needs root (or CAP_NET_RAW and CAP_NET_ADMIN on the bench binary's rstscope); without it
# the check says SKIPPED. On a 2-core machine the generator gets one core, rstscope the other.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"
cargo bench --locked --bench live_load
# Twice the packets a second: SYNs written whole, the kernel refusing each (BENCH_RATE a second).
BENCH_MODE=syn cargo bench --locked --bench live_load
# Each attempt's two packets written whole, the kernel answering nothing.
BENCH_MODE=pairs cargo bench --locked --bench live_load
