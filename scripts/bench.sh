#!/usr/bin/env bash
# Offline analysis benchmark (not a test): DESIGN.md's targets for saved captures, measured
# against the anchor tools in the same run on the same files, with a PASS or MISS per target.
#
#   scripts/bench.sh
#
# Captures, written once by `cargo run --release --example gen_capture` (mixed TCP, ~20% IPv6,
# refusals, aborts, unanswered SYNs; deterministic for a seed) into $RSTSCOPE_BENCH_DIR
# (default /var/tmp/rstscope-bench) and kept for the next run:
#   - large frames: web-like traffic, ~620 bytes a record (`--mix large`): 8 rotated files of
#     1 GiB (`tcpdump -C` style: F, F1, ... F7), the first of which is the 1 GiB capture;
#   - small frames: chatty traffic, ~350 bytes a record (`--mix small`), 1 GiB;
#   - both 1 GiB captures gzip-compressed (gzip -6), and their first 100 MiB for tshark.
# Disk: about 10.5 GB with the defaults (8 + 1 GiB, two .gz of about 0.3 GB, two 100 MiB
# prefixes); it checks the free space first. RSTSCOPE_BENCH_SIZE (1G) sets the size of each
# file and RSTSCOPE_BENCH_FILES (8) the number of rotated files; RSTSCOPE_BENCH_PREFIX (100M)
# the tshark prefix.
#
# Each command runs $RSTSCOPE_BENCH_RUNS times (default 3) from the page cache (every file is
# read once before timing), in rounds: rstscope and its anchors one after the other, then
# again, so that each round measures them in the same conditions. Each run is timed around the
# child alone (examples/bench_time.rs: wall by the monotonic clock, CPU by the kernel's account
# in microseconds). The median wall time, CPU time (user+sys) and peak RSS are printed, then
# every target's ratio with PASS or MISS. How the 1 GiB captures sit in the page cache (the
# share of their pages in large folios, scripts/page-cache.py: root only) is printed from
# before and after the timings, since it moves `cat`, the anchor of the wall target, fourfold.
# Not timed, also checked: rstscope's counts equal the generator's truth (what the generator
# wrote: frames, RSTs by cause, SYNs, attempts, failed attempts) on every capture; `--jobs 1` and the default print the same report; the
# rotated files give the same report as the same packets read as one file (through a pipe).
# The app's loading (first intermediate result and the final one, through the library the app
# uses) is measured by `cargo bench --bench file_load`.
#
# It installs tcpdump, tshark, gzip, python3 and jq with apt-get when they are missing (as
# root or through sudo), saying so. It reports, it does not gate: it exits 0 once measured. Timings are
# only meaningful on an otherwise idle machine: it prints the load average beside them.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"

dir="${RSTSCOPE_BENCH_DIR:-/var/tmp/rstscope-bench}"
seed="${RSTSCOPE_BENCH_SEED:-1}"
size="${RSTSCOPE_BENCH_SIZE:-1G}"
nfiles="${RSTSCOPE_BENCH_FILES:-8}"
prefix_size="${RSTSCOPE_BENCH_PREFIX:-100M}"
runs="${RSTSCOPE_BENCH_RUNS:-3}"

say() { echo "rstscope bench: $*" >&2; }
bytes_of() { # 1G -> bytes (K/M/G are powers of 1024)
  local n="${1%[KkMmGg]}" unit="${1: -1}"
  case "$unit" in
    K | k) echo $((n << 10)) ;; M | m) echo $((n << 20)) ;; G | g) echo $((n << 30)) ;; *) echo "$1" ;;
  esac
}

# --- tools -------------------------------------------------------------------------------
# shellcheck disable=SC2034 # install_packages reads it by name
declare -A TOOLS=(
  [tcpdump]="the anchor rstscope must beat (tcpdump -r F 'tcp[tcpflags]&tcp-rst!=0')"
  [tshark]="the anchor rstscope must beat 200x (tshark -Y tcp.flags.reset==1 -T fields -e frame.time_epoch)"
  [python3]="tells how the captures sit in the page cache (scripts/page-cache.py)"
  [gzip]="the compressed captures, and zcat, the anchor of the .gz target"
  [jq]="compares rstscope's JSON with the generator's truth"
)
missing=()
for pkg in tcpdump tshark python3 gzip jq; do
  command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
install_packages TOOLS "${missing[@]}"

# --- build -------------------------------------------------------------------------------
say "building rstscope, the capture generator, the timer and the load timer (release)..."
cargo build --release --locked --quiet --bin rstscope --example gen_capture --example bench_time
cargo bench --locked --quiet --bench file_load --no-run 2>/dev/null
target="${CARGO_TARGET_DIR:-$top/target}"
rstscope="$target/release/rstscope"
gen="$target/release/examples/gen_capture"
# shellcheck disable=SC2034 # used in the commands `rounds` evaluates
timer="$target/release/examples/bench_time"

# --- captures ----------------------------------------------------------------------------
mkdir -p "$dir"
file_bytes=$(bytes_of "$size")
prefix_bytes=$(bytes_of "$prefix_size")
need=$(((nfiles + 1) * file_bytes + file_bytes * 2 / 3 + 2 * prefix_bytes))
large="$dir/large-$size-seed$seed.pcap" # the first of the rotated files
small="$dir/small-$size-seed$seed.pcap"
rotated=("$large")
for ((i = 1; i < nfiles; i++)); do rotated+=("$large$i"); done
have=0
for f in "${rotated[@]}" "$small" "$large.gz" "$small.gz" "$dir/large-$prefix_size-seed$seed.pcap" \
  "$dir/small-$prefix_size-seed$seed.pcap"; do
  [ -f "$f" ] && have=$((have + $(stat -c %s "$f")))
done
free=$(($(df --output=avail -B1 "$dir" | tail -1)))
if ((need - have > free)); then
  say "the captures need about $((need / 1000000)) MB in $dir ($((have / 1000000)) MB there already), and only $((free / 1000000)) MB are free:"
  say "free some space, or set RSTSCOPE_BENCH_DIR, RSTSCOPE_BENCH_SIZE or RSTSCOPE_BENCH_FILES"
  exit 1
fi
say "captures in $dir: about $((need / 1000000)) MB of disk in all"

# generate MIX SIZE OUT [ROTATE]: writes OUT and OUT.truth.json unless both are there and
# the truth says the same generator wrote them (it records its own arguments).
generate() {
  local mix="$1" total="$2" out="$3" rotate="${4:-}" args
  args="--mix $mix --size $total --seed $seed${rotate:+ --rotate $rotate}"
  if [ -f "$out" ] && [ -f "$out.truth.json" ] && [ "$(cat "$out.args" 2>/dev/null)" = "$args" ]; then
    return
  fi
  say "generating $out ($args)"
  # shellcheck disable=SC2086
  "$gen" $args --out "$out" --truth "$out.truth.json"
  echo "$args" >"$out.args"
}
# The rotated set (F, F1, ... as tcpdump -C names them): its first file is the 1 GiB capture
# of large frames; the truth of that file alone comes from a run that writes it alone (to
# /dev/null: the bytes are the same).
rot_args="--mix large --size $((nfiles * file_bytes)) --seed $seed --rotate $size"
complete=1
for f in "${rotated[@]}"; do [ -f "$f" ] || complete=0; done
if [ "$complete" = 0 ] || [ "$(cat "$large.args" 2>/dev/null)" != "$rot_args" ]; then
  say "generating ${rotated[*]} ($rot_args)"
  rm -f "$large"[0-9]*
  # shellcheck disable=SC2086
  "$gen" $rot_args --out "$large" --truth "$large.all.truth.json"
  "$gen" --mix large --size "$size" --seed "$seed" --out /dev/null --truth "$large.truth.json" 2>/dev/null
  echo "$rot_args" >"$large.args"
fi
# Records do not fill each file to the byte, so the last records of the set may spill into
# a small file more (as with `tcpdump -C`): the set is every file written.
rotated=("$large")
for ((i = 1; ; i++)); do [ -f "$large$i" ] || break; rotated+=("$large$i"); done
nfiles=${#rotated[@]}
generate small "$size" "$small"
generate large "$prefix_size" "$dir/large-$prefix_size-seed$seed.pcap"
generate small "$prefix_size" "$dir/small-$prefix_size-seed$seed.pcap"
for f in "$large" "$small"; do
  [ -f "$f.gz" ] && [ "$f.gz" -nt "$f" ] && continue
  say "compressing $f (gzip -6)"
  gzip -6 -c "$f" >"$f.gz.tmp" && mv "$f.gz.tmp" "$f.gz"
done
# The prefixes must be prefixes, or tshark's rate says nothing about the full file.
for mix in large small; do
  p="$dir/$mix-$prefix_size-seed$seed.pcap"
  full="$large"; [ "$mix" = small ] && full="$small"
  cmp -s -n "$(stat -c %s "$p")" "$p" "$full" || { say "$p is not a prefix of $full: generator bug"; exit 1; }
done
sync # no writeback of the new files while timing
cat "${rotated[@]}" "$small" "$large.gz" "$small.gz" "$dir"/*-"$prefix_size"-seed"$seed".pcap >/dev/null
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.0f", b / 1e6 }'; }
# How the 1 GiB captures sit in the page cache (resident, in large folios or in 4 KiB pages):
# reading the same file costs up to four times more in one state than in the other, for `cat`
# most of all, so each run says which it measured, before and after the timings.
page_cache() { python3 "$top/scripts/page-cache.py" "$large" "$small" | sed "s|^$dir/|  |"; }
cache_before="$(page_cache)"

# --- measuring ---------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rows=()
declare -A WALL CPU RSS LOAD LABEL MBS CMD SPREAD
queued=()
# queue KEY LABEL MB COMMAND...: a command for the next `rounds`.
queue() {
  local key="$1"
  LABEL[$key]="$2"
  MBS[$key]="$3"
  shift 3
  CMD[$key]="$(printf '%q ' "$@")"
  queued+=("$key")
}
# rounds: runs the queued commands one after the other, then again, $runs rounds in all, so
# that a command and its anchors are measured under the same conditions (the page cache's state
# and the host's load drift over minutes; blocks of runs of one command would each see their
# own); the medians go into WALL/CPU/RSS[KEY]. Each run is timed by examples/bench_time.rs: the
# child alone, CPU times to the microsecond (GNU time's hundredths are a tenth of a run here).
rounds() {
  local i key line w u s m err
  declare -A walls cpus rsss
  err="$(mktemp)"
  for ((i = 1; i <= runs; i++)); do
    for key in "${queued[@]}"; do
      line=$(eval "\"\$timer\" ${CMD[$key]}" 2>"$err") \
        || { say "${LABEL[$key]} failed:"; cat "$err" >&2; exit 1; }
      read -r w u s m <<<"$line"
      walls[$key]+="$w "
      cpus[$key]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.4f", u + s }') "
      rsss[$key]+="$m "
      say "  ${LABEL[$key]}, round $i: $w s wall, $u + $s s cpu, $m MB peak RSS"
    done
  done
  rm -f "$err"
  for key in "${queued[@]}"; do
    WALL[$key]=$(tr ' ' '\n' <<<"${walls[$key]}" | grep . | median)
    # The fastest and the slowest run: a run that is bimodal (two threads' placement on the
    # host's cores, s46) shows as a wide spread beside its median.
    SPREAD[$key]=$(tr ' ' '\n' <<<"${walls[$key]}" | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo, hi }')
    CPU[$key]=$(tr ' ' '\n' <<<"${cpus[$key]}" | grep . | median)
    RSS[$key]=$(tr ' ' '\n' <<<"${rsss[$key]}" | grep . | median)
    LOAD[$key]=$(cut -d' ' -f1 /proc/loadavg)
    rows+=("$key|${LABEL[$key]}|${MBS[$key]}")
  done
  queued=()
}

rst_filter='tcp[tcpflags]&tcp-rst!=0'
say "measuring, $runs rounds of each group..."
for mix in large small; do
  f="$large"; [ "$mix" = small ] && f="$small"
  p="$dir/$mix-$prefix_size-seed$seed.pcap"
  queue "cat_$mix" "cat F >/dev/null ($mix frames)" "$(mb "$f")" cat "$f"
  queue "tcpdump_$mix" "tcpdump -r F '$rst_filter' -w /dev/null ($mix)" "$(mb "$f")" \
    tcpdump -r "$f" "$rst_filter" -w /dev/null
  queue "rst_$mix" "rstscope analyze --format json F ($mix)" "$(mb "$f")" \
    "$rstscope" analyze --format json "$f"
  queue "rst1_$mix" "rstscope analyze --jobs 1 --format json F ($mix)" "$(mb "$f")" \
    "$rstscope" analyze --jobs 1 --format json "$f"
  rounds
  queue "zcat_$mix" "zcat F.gz >/dev/null ($mix)" "$(mb "$f.gz")" zcat "$f.gz"
  queue "rstgz_$mix" "rstscope analyze --format json F.gz ($mix)" "$(mb "$f.gz")" \
    "$rstscope" analyze --format json "$f.gz"
  rounds
  # The issue's own tshark command (the reset times as text), and one that writes the resets
  # to a file instead (faster: tshark then builds less of each packet's tree).
  queue "tshark_$mix" "tshark -r P -Y tcp.flags.reset==1 -T fields -e frame.time_epoch ($mix, $prefix_size)" "$(mb "$p")" \
    tshark -n -r "$p" -Y tcp.flags.reset==1 -T fields -e frame.time_epoch
  queue "tsharkw_$mix" "tshark -r P -Y tcp.flags.reset==1 -w /dev/null ($mix, $prefix_size prefix)" "$(mb "$p")" \
    tshark -n -r "$p" -Y tcp.flags.reset==1 -w /dev/null
  queue "rstp_$mix" "rstscope analyze --format json P ($mix, $prefix_size prefix)" "$(mb "$p")" \
    "$rstscope" analyze --format json "$p"
  rounds
done
rot_mb=$(cat "${rotated[@]}" | wc -c | awk '{ printf "%.0f", $1 / 1e6 }')
queue cat_rot "cat F F1 ... >/dev/null ($nfiles rotated files)" "$rot_mb" cat "${rotated[@]}"
queue rst_rot "rstscope analyze --format json F F1 ... ($nfiles files)" "$rot_mb" \
  "$rstscope" analyze --format json "${rotated[@]}"
rounds

cache_after="$(page_cache)"

# --- checks (not timed) ------------------------------------------------------------------
say "checking the counts against the generator's truth, and that the reports agree..."
json_dir="$(mktemp -d)"
trap 'rm -rf "$json_dir"' EXIT
fields='{packets, tcp_packets, rst_packets, syn_packets, synack_packets, attempts, failed_attempts, suspect_injected, rst_by_cause}'
checks=()
# truth NAME TRUTH FILE...: rstscope's counts against the generator's.
truth() {
  local name="$1" truth_file="$2"; shift 2
  "$rstscope" analyze --format json "$@" >"$json_dir/$name.json"
  if diff <(jq -S "$fields" "$json_dir/$name.json") <(jq -S . "$truth_file") >"$json_dir/$name.diff"; then
    checks+=("counts equal the generator's truth: $name|PASS")
  else
    checks+=("counts equal the generator's truth: $name|MISS")
    say "$name differs from the truth:"; cat "$json_dir/$name.diff" >&2
  fi
}
truth "large, $size" "$large.truth.json" "$large"
truth "small, $size" "$small.truth.json" "$small"
truth "large, $size, gzip" "$large.truth.json" "$large.gz"
truth "small, $size, gzip" "$small.truth.json" "$small.gz"
truth "large, $prefix_size prefix" "$dir/large-$prefix_size-seed$seed.pcap.truth.json" "$dir/large-$prefix_size-seed$seed.pcap"
truth "small, $prefix_size prefix" "$dir/small-$prefix_size-seed$seed.pcap.truth.json" "$dir/small-$prefix_size-seed$seed.pcap"
truth "$nfiles rotated files" "$large.all.truth.json" "${rotated[@]}"
# same NAME A B [JQ]: two reports equal, the input files' own description aside (and what the
# jq filter JQ takes out of both).
same() {
  local drop="del(.files)${4:+ | $4}"
  if diff <(jq -S "$drop" "$2") <(jq -S "$drop" "$3") >"$json_dir/same.diff"; then
    checks+=("$1|PASS")
  else
    checks+=("$1|MISS"); say "$1: the reports differ:"; head -20 "$json_dir/same.diff" >&2
  fi
}
for mix in large small; do
  f="$large"; [ "$mix" = small ] && f="$small"
  "$rstscope" analyze --jobs 1 --format json "$f" >"$json_dir/jobs1.json"
  "$rstscope" analyze --format json "$f" >"$json_dir/jobsn.json"
  same "--jobs 1 and the default print the same report ($mix)" "$json_dir/jobs1.json" "$json_dir/jobsn.json"
done
# The rotated files as one stream: the first file whole, then the others' records.
{ cat "$large"; for ((i = 1; i < nfiles; i++)); do tail -c +25 "$large$i"; done; } \
  | "$rstscope" analyze --format json /dev/stdin >"$json_dir/one.json"
# The whole report: a rotated set is one capture point, one interface, as the one stream is.
same "$nfiles rotated files give the one-file report" "$json_dir/one.json" "$json_dir/$nfiles rotated files.json"
# Resets as tcpdump counts them (IPv4 and IPv6: its IPv4-only filter above misses IPv6).
p="$dir/large-$prefix_size-seed$seed.pcap"
tcpdump_all=$(tcpdump -n -r "$p" "$rst_filter or (ip6 and ip6[6] = 6 and ip6[53] & 4 != 0)" 2>/dev/null | wc -l)
tcpdump_v4=$(tcpdump -n -r "$p" "$rst_filter" 2>/dev/null | wc -l)
rst_prefix=$(jq .rst_packets "$json_dir/large, $prefix_size prefix.json")

# --- the app's loading -------------------------------------------------------------------
say "timing the app's loading of $large (first result, final result)..."
load=$(cargo bench --locked --quiet --bench file_load -- "$large" "$runs" 2>/dev/null | tail -1)
load_first=$(echo "$load" | awk '{ print $1 }')
load_full=$(echo "$load" | awk '{ print $2 }')

# --- report ------------------------------------------------------------------------------
echo
echo "Offline analysis benchmark: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml || echo '+uncommitted'), median of $runs runs"
echo "$("$rstscope" --version), $(tcpdump --version 2>&1 | head -1), $(tshark --version 2>/dev/null | head -1), $(gzip --version | head -1)"
printf '%-70s %6s %7s %13s %7s %7s %7s %5s\n' command MB "wall s" "wall range" "cpu s" "MB/s" "RSS MB" load
for row in "${rows[@]}"; do
  IFS='|' read -r key label fmb <<<"$row"
  rate=$(awk -v m="$fmb" -v t="${WALL[$key]}" 'BEGIN { printf "%.0f", m / t }')
  printf '%-70s %6s %7s %13s %7s %7s %7s %5s\n' "$label" "$fmb" "${WALL[$key]}" "${SPREAD[$key]}" "${CPU[$key]}" "$rate" "${RSS[$key]}" "${LOAD[$key]}"
done
echo
echo "The page cache before the timings:"
echo "$cache_before"
echo "and after them:"
echo "$cache_after"
echo
echo "Resets in the large $prefix_size prefix: rstscope $rst_prefix, tcpdump $tcpdump_all (IPv4 and IPv6; its IPv4-only filter: $tcpdump_v4)"
echo
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == "<=" ? v <= t : v >= t); print (ok ? "PASS" : "MISS") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
target() { # LABEL VALUE OP LIMIT
  printf '%-72s %8s  %s\n' "$1 (target $3 $4)" "$2" "$(verdict "$2" "$3" "$4")"
}
for mix in large small; do
  f="$large"; [ "$mix" = small ] && f="$small"
  p="$dir/$mix-$prefix_size-seed$seed.pcap"
  echo "$mix frames:"
  target "  rstscope CPU / tcpdump CPU" "$(ratio "${CPU[rst_$mix]}" "${CPU[tcpdump_$mix]}")" "<=" 1
  target "  rstscope wall / tcpdump wall" "$(ratio "${WALL[rst_$mix]}" "${WALL[tcpdump_$mix]}")" "<=" 0.5
  target "  rstscope wall / cat wall (reading the file from the page cache)" "$(ratio "${WALL[rst_$mix]}" "${WALL[cat_$mix]}")" "<=" 1.5
  # tshark's rate on the prefix against rstscope's on the whole file (MB/s over MB/s).
  target "  tshark wall per MB ($prefix_size prefix) / rstscope wall per MB" \
    "$(awk -v ts="${WALL[tshark_$mix]}" -v tm="$(mb "$p")" -v rs="${WALL[rst_$mix]}" -v rm="$(mb "$f")" \
      'BEGIN { printf "%.0f", (ts / tm) / (rs / rm) }')" ">=" 200
  printf '%-72s %8s\n' "    the same, both on the prefix" "$(ratio "${WALL[tshark_$mix]}" "${WALL[rstp_$mix]}")"
  printf '%-72s %8s\n' "    the same, tshark writing the resets to a file (-w /dev/null)" \
    "$(awk -v ts="${WALL[tsharkw_$mix]}" -v tm="$(mb "$p")" -v rs="${WALL[rst_$mix]}" -v rm="$(mb "$f")" \
      'BEGIN { printf "%.0f", (ts / tm) / (rs / rm) }')"
  target "  rstscope wall F.gz / zcat wall F.gz" "$(ratio "${WALL[rstgz_$mix]}" "${WALL[zcat_$mix]}")" "<=" 1.2
  printf '%-72s %8s\n' "  --jobs 1 wall / default wall" "$(ratio "${WALL[rst1_$mix]}" "${WALL[rst_$mix]}")"
done
echo "$nfiles rotated files:"
target "  rstscope CPU / wall (cores kept busy, of $(nproc))" "$(ratio "${CPU[rst_rot]}" "${WALL[rst_rot]}")" ">=" 1.6
target "  rstscope peak RSS, MB" "${RSS[rst_rot]}" "<=" 150
target "  rstscope wall / cat wall" "$(ratio "${WALL[rst_rot]}" "${WALL[cat_rot]}")" "<=" 1.5
echo "the app (the library's file job, as the window runs it; $size, large frames):"
target "  first intermediate result, s" "$load_first" "<=" 0.5
target "  final result / rstscope analyze wall" "$(ratio "$load_full" "${WALL[rst_large]}")" "<=" 1.2
echo "checks:"
for c in "${checks[@]}"; do
  IFS='|' read -r label v <<<"$c"
  printf '%-72s %8s  %s\n' "  $label" "" "$v"
done
