#!/usr/bin/env bash
# Memory benchmark (not a test): DESIGN.md's "peak memory within 150 MB whatever the file size
# or the traffic" on the captures that push it hardest, with the counts checked exactly.
#
#   scripts/bench-memory.sh [CASE...]      CASEs: flood week scan sweep (default: flood week)
#
# flood: a SYN flood of 1.5 M distinct 4-tuples, nothing answered (the flow table full,
#        1.25 M connections evicted); week: seven days of refused attempts every second at 40
#        endpoints (per-second series over a week); scan: 1.5 M probes to distinct ports, each
#        refused (1.5 M service endpoints); sweep: the same 10,000 ports probed every second
#        for 700 s, each probe from its own address and refused (10,000 endpoints with
#        something in every second, the flow table full: the most series and clients).
# Each capture is written by `cargo run --release --example gen_load` (which prints the exact
# counts it holds) into $RSTSCOPE_BENCH_DIR (default $TMPDIR/rstscope-bench) and kept for the
# next run; `rstscope analyze --format json` (release build) runs on it under GNU time. It prints
# the peak RSS, the counts against the expected ones, and PASS or MISS (peak under 150 MB and
# every count exact). It installs GNU time with apt-get when missing. It always exits 0 once
# measured: it reports, it does not gate.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"

say() { echo "rstscope bench-memory: $*" >&2; }

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(flood week)
dir="${RSTSCOPE_BENCH_DIR:-${TMPDIR:-/tmp}/rstscope-bench}"
limit_kb=$((150 * 1000))
mkdir -p "$dir"

# shellcheck disable=SC2034 # install_packages reads it by name
declare -A TOOLS=([time]="GNU time (/usr/bin/time): the peak memory of each run")
if [ ! -x /usr/bin/time ]; then
  install_packages TOOLS time
fi

cargo build --release --quiet --bin rstscope --example gen_load
target="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
rstscope="$target/release/rstscope"
gen="$target/release/examples/gen_load"

for c in "${cases[@]}"; do
  file="$dir/memory-$c.pcap"
  expected="$dir/memory-$c.expected"
  if [ ! -s "$file" ] || [ ! -s "$expected" ]; then
    say "writing $file"
    "$gen" "$c" --out "$file" > "$expected"
  fi
  out="$dir/memory-$c.json"
  /usr/bin/time -f '%M %e' -o "$dir/memory-$c.time" "$rstscope" analyze --format json "$file" > "$out"
  read -r peak_kb wall < "$dir/memory-$c.time"
  verdict=PASS
  details=""
  for pair in $(cat "$expected"); do
    key="${pair%%=*}"
    want="${pair#*=}"
    got="$(grep -m1 "^  \"$key\":" "$out" | sed 's/[^0-9]//g')"
    details="$details $key=$got"
    if [ "$got" != "$want" ]; then
      verdict=MISS
      details="$details(expected $want)"
    fi
  done
  [ "$peak_kb" -lt "$limit_kb" ] || verdict=MISS
  printf 'rstscope bench-memory: %-6s %s MB peak RSS (target < 150 MB), %s s,%s: %s\n' \
    "$c" "$((peak_kb / 1000))" "$wall" "$details" "$verdict"
done
