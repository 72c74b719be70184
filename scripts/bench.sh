#!/usr/bin/env bash
# Offline analysis benchmark (not a test): DESIGN.md's targets for a saved capture, measured
# against the anchor tools in the same run on the same files.
#
#   scripts/bench.sh [SIZE]      SIZE of the main capture, default 1G (K/M/G are powers of 1024)
#
# Captures are written by `cargo run --release --example gen_capture` (mixed TCP, ~20%
# IPv6, refusals, aborts; see examples/gen_capture.rs) into $RSTSCOPE_BENCH_DIR (default
# /var/tmp/rstscope-bench) and kept for the next run. The same seed gives the same bytes, and a
# smaller size is a prefix of a larger one: tshark, far slower, runs on the first
# $RSTSCOPE_BENCH_PREFIX (default 50M) of the main capture, and rstscope runs on that same prefix
# for the comparison. Peak memory is compared on $RSTSCOPE_BENCH_SMALL (default 100M) and SIZE.
#
# Each command runs $RSTSCOPE_BENCH_RUNS times (default 3); the median wall time, CPU time
# (user+sys) and peak RSS are printed, then the ratios, each with PASS or MISS against its
# target. The files are read once before timing, so every tool reads from the page cache.
# It installs tcpdump, tshark and GNU time with apt-get when they are missing (as root or
# through sudo), saying so. It always exits 0 once measured: it reports, it does not gate.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"

size="${1:-1G}"
dir="${RSTSCOPE_BENCH_DIR:-/var/tmp/rstscope-bench}"
seed="${RSTSCOPE_BENCH_SEED:-1}"
prefix_size="${RSTSCOPE_BENCH_PREFIX:-50M}"
small_size="${RSTSCOPE_BENCH_SMALL:-100M}"
runs="${RSTSCOPE_BENCH_RUNS:-3}"

say() { echo "rstscope bench: $*" >&2; }

# --- tools -------------------------------------------------------------------------------
declare -A TOOLS=(
  [tcpdump]="the anchor rstscope must beat (tcpdump -r F 'tcp[tcpflags]&tcp-rst!=0')"
  [tshark]="the anchor rstscope must beat 100x (tshark -Y tcp.flags.reset==1)"
  [time]="GNU time (/usr/bin/time): peak memory of each run"
)
missing=()
for pkg in tcpdump tshark time; do
  bin="$pkg"; [ "$pkg" = time ] && bin=/usr/bin/time
  command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
done
install_packages TOOLS "${missing[@]}"

# --- build -------------------------------------------------------------------------------
say "building rstscope and the capture generator (release)..."
cargo build --release --locked --quiet --bin rstscope --example gen_capture
target="${CARGO_TARGET_DIR:-$top/target}"
rstscope="$target/release/rstscope"
gen="$target/release/examples/gen_capture"

# --- captures ----------------------------------------------------------------------------
mkdir -p "$dir"
main_file="$dir/mixed-$size-seed$seed.pcap"
prefix_file="$dir/mixed-$prefix_size-seed$seed.pcap"
small_file="$dir/mixed-$small_size-seed$seed.pcap"
generate() { # SIZE FILE
  say "generating $2 ($1)"
  "$gen" --size "$1" --seed "$seed" --out "$2.tmp"
  mv "$2.tmp" "$2"
}
# The small files take a second: always written anew, so they match this generator. The main
# file is kept when it starts with the same bytes (same generator, same seed), else rewritten.
generate "$prefix_size" "$prefix_file"
generate "$small_size" "$small_file"
if [ -f "$main_file" ] && cmp -s -n "$(stat -c %s "$small_file")" "$small_file" "$main_file"; then
  say "reusing $main_file"
else
  generate "$size" "$main_file"
fi
cmp -s -n "$(stat -c %s "$prefix_file")" "$prefix_file" "$main_file" \
  || { say "$prefix_file is not a prefix of $main_file: generator bug"; exit 1; }
sync # no writeback of the new files while timing
cat "$main_file" "$prefix_file" "$small_file" >/dev/null # into the page cache
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f", b / 1e6 }'; }

# --- measuring ---------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rows=()
declare -A WALL CPU RSS
# measure KEY LABEL FILE COMMAND...: runs it $runs times; medians into WALL/CPU/RSS[KEY].
measure() {
  local key="$1" label="$2" file="$3"; shift 3
  local walls=() cpus=() rsss=() out t0 t1 i
  out="$(mktemp)"
  for ((i = 1; i <= runs; i++)); do
    t0=$(date +%s%N)
    /usr/bin/time -o "$out" -f '%U %S %M' "$@" >/dev/null 2>"$out.err" \
      || { say "$label failed on $file:"; cat "$out.err" >&2; exit 1; }
    t1=$(date +%s%N)
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')")
    cpus+=("$(awk '{ printf "%.3f", $1 + $2 }' "$out")")
    rsss+=("$(awk '{ printf "%.1f", $3 / 1024 }' "$out")")
    say "  $label, $(basename "$file"), run $i: ${walls[-1]} s wall, ${cpus[-1]} s cpu, ${rsss[-1]} MB peak RSS"
  done
  rm -f "$out" "$out.err"
  WALL[$key]=$(printf '%s\n' "${walls[@]}" | median)
  CPU[$key]=$(printf '%s\n' "${cpus[@]}" | median)
  RSS[$key]=$(printf '%s\n' "${rsss[@]}" | median)
  rows+=("$key|$label|$(basename "$file")|$(mb "$file")")
}

rst_filter='tcp[tcpflags]&tcp-rst!=0'
say "measuring, $runs runs each (tshark on a $prefix_size prefix takes a while)..."
measure rst_main "rstscope analyze --format json" "$main_file" \
  "$rstscope" analyze --format json "$main_file"
measure tcpdump_main "tcpdump -r F '$rst_filter' -w /dev/null" "$main_file" \
  tcpdump -r "$main_file" "$rst_filter" -w /dev/null
measure rst_prefix "rstscope analyze --format json" "$prefix_file" \
  "$rstscope" analyze --format json "$prefix_file"
measure tshark_prefix "tshark -Y tcp.flags.reset==1 -w /dev/null" "$prefix_file" \
  tshark -n -r "$prefix_file" -Y tcp.flags.reset==1 -w /dev/null
measure rst_small "rstscope analyze --format json" "$small_file" \
  "$rstscope" analyze --format json "$small_file"

# Not timed: all three see the same resets (tcpdump's filter above misses IPv6; this one not).
rst_count=$("$rstscope" analyze --format json "$prefix_file" | grep -o '"rst_packets": *[0-9]*' | head -1 | grep -o '[0-9]*$')
tcpdump_count=$(tcpdump -n -r "$prefix_file" "$rst_filter or (ip6 and ip6[6] = 6 and ip6[53] & 4 != 0)" 2>/dev/null | wc -l)
tcpdump_v4=$(tcpdump -n -r "$prefix_file" "$rst_filter" 2>/dev/null | wc -l)

# --- report ------------------------------------------------------------------------------
echo
echo "Offline analysis benchmark: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml || echo '+uncommitted'), median of $runs runs"
printf '%-52s %-22s %6s %8s %8s %7s %7s\n' command file MB "wall s" "cpu s" "MB/s" "RSS MB"
for row in "${rows[@]}"; do
  IFS='|' read -r key label file fmb <<<"$row"
  rate=$(awk -v m="$fmb" -v t="${WALL[$key]}" 'BEGIN { printf "%.0f", m / t }')
  printf '%-52s %-22s %6s %8s %8s %7s %7s\n' "$label" "$file" "$fmb" "${WALL[$key]}" "${CPU[$key]}" "$rate" "${RSS[$key]}"
done
echo
echo "Resets in the $prefix_size prefix: rstscope $rst_count, tcpdump $tcpdump_count (IPv4 and IPv6; its IPv4-only filter above: $tcpdump_v4)"
echo
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == "<" ? v < t : v >= t); print (ok ? "PASS" : "MISS") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
r1=$(ratio "${WALL[rst_main]}" "${WALL[tcpdump_main]}")
r1cpu=$(ratio "${CPU[rst_main]}" "${CPU[tcpdump_main]}")
r2=$(ratio "${WALL[tshark_prefix]}" "${WALL[rst_prefix]}")
r2cpu=$(ratio "${CPU[tshark_prefix]}" "${CPU[rst_prefix]}")
r2rate=$(awk -v a="$(mb "$main_file")" -v ta="${WALL[rst_main]}" -v b="$(mb "$prefix_file")" -v tb="${WALL[tshark_prefix]}" \
  'BEGIN { printf "%.2f", (a / ta) / (b / tb) }')
r3=$(ratio "${RSS[rst_main]}" "${RSS[rst_small]}")
printf '%-62s %8s  %s\n' "rstscope / tcpdump wall time, $size (target < 1.00)" "$r1" "$(verdict "$r1" "<" 1)"
printf '%-62s %8s\n' "  the same in CPU time" "$r1cpu"
printf '%-62s %8s  %s\n' "tshark / rstscope wall time, $prefix_size prefix (target >= 100)" "$r2" "$(verdict "$r2" ">=" 100)"
printf '%-62s %8s\n' "  the same in CPU time" "$r2cpu"
printf '%-62s %8s\n' "  rstscope MB/s on $size / tshark MB/s on the prefix" "$r2rate"
printf '%-62s %8s  %s\n' "rstscope peak RSS $size / $small_size (target < 2.00: bounded)" "$r3" "$(verdict "$r3" "<" 2)"
