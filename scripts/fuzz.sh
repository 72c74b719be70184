#!/usr/bin/env bash
# Fuzzing (not a test): runs the cargo-fuzz targets in fuzz/ one after another, each for a
# stated time, with a per-input timeout that turns an endless loop into a reported hang.
#
#   scripts/fuzz.sh [--time SECONDS] [--save] [TARGET...]
#
# TARGETs: reader (a capture read as a stream, as from standard input: pcap, pcapng, compressed
# or not, in a zip or not, end to end with every report), file (a capture file on disk, as
# `rstscope analyze FILE` opens it: a zip listed from its central directory and its members
# opened by offset, the file's size and name, the file given twice, an offender's packets read
# again), chunks (a classic pcap file read by chunks on two threads, its reports compared byte
# for byte with reading it in order; the input's first two bytes pick the chunk size), decode (one frame of any link type), engine (arbitrary TCP packet sequences with
# arbitrary times, the engine's invariants checked), elf (a program's ELF file and the loader's
# cache, read for the libraries the loader would not find). Default: all six, 1800 s each.
#
# Seeds are made at run time (examples/fuzz_seeds.rs) from resources/*.pcapng, tests/fixtures
# and, when present, the public corpus in ../shared/pcaps; the saved corpus fuzz/corpus/TARGET
# (what CI replays, tests/fuzz_replay.rs) is added to them. The growing corpus, the seeds and
# any crash or hang (libFuzzer's crash-*, timeout-*, oom-* files) go under $RSTSCOPE_FUZZ_DIR
# (default: $TMPDIR/rstscope-fuzz); the file target writes each input to $TMPDIR and removes
# it after; a found input belongs in fuzz/regressions/TARGET/ under a
# name that says what it pins, once fixed. --save merges what was found into fuzz/corpus/TARGET
# (libFuzzer -merge=1: the fewest inputs that keep the coverage), then, should that exceed the
# target's budget (RSTSCOPE_FUZZ_SAVE_KB; by default 3,000 KB for reader, 1,500 for file and
# engine, 1,000 for chunks, 500 for decode, so the repository and CI's replay stay small), keeps
# the inputs saved before and drops the largest new ones until it fits, saying how many.
#
# Needs the nightly toolchain and cargo-fuzz; it installs both (rustup, cargo install) when
# missing. Runs at nice 15 in one process (libFuzzer's fork mode with one job, which goes on
# after a crash or hang and saves each), so other work keeps the machine. Knobs:
# RSTSCOPE_FUZZ_TIMEOUT (per input, default 10 s), RSTSCOPE_FUZZ_TARGET_DIR (cargo's target
# folder, default fuzz/target).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"

say() { echo "rstscope fuzz: $*" >&2; }

time_each=1800
save=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_each="$2"; shift 2 ;;
    --save) save=1; shift ;;
    reader|file|chunks|decode|engine|elf) targets+=("$1"); shift ;;
    *) say "unknown argument $1 (targets: reader file chunks decode engine elf)"; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(reader file chunks decode engine elf)

work="${RSTSCOPE_FUZZ_DIR:-${TMPDIR:-/tmp}/rstscope-fuzz}"
timeout_each="${RSTSCOPE_FUZZ_TIMEOUT:-10}"
target_dir="${RSTSCOPE_FUZZ_TARGET_DIR:-$top/fuzz/target}"

if ! rustup toolchain list | grep -q '^nightly'; then
  say "installing the nightly toolchain (libFuzzer's instrumentation needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz"
  cargo +nightly install cargo-fuzz --locked
fi

# Seeds, made fresh each run (the public corpus is not part of this repository).
captures=(resources/*.pcapng tests/fixtures/*.pcap tests/fixtures/*.pcapng tests/fixtures/*.cap
  tests/fixtures/*.snoop tests/fixtures/compressed/*.{zst,lz4,xz,bz2}
  tests/fixtures/zip/*.zip)
if [ -d ../shared/pcaps ]; then
  while IFS= read -r -d '' f; do captures+=("$f"); done < <(
    find ../shared/pcaps -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.gz' \
      -o -name '*.cap' -o -name '*.trace' -o -name '*.dump' \) -print0 | sort -z)
else
  say "../shared/pcaps is absent: seeding from this repository's captures only"
fi
rm -rf "$work/seeds"
mkdir -p "$work/seeds"
cargo run --quiet --example fuzz_seeds -- "$work/seeds" "${captures[@]}"
# The elf target's: this machine's own programs and loader cache, their first 64 KiB (the
# headers, dynamic section and strings of a small program lie there).
mkdir -p "$work/seeds/elf"
for f in /usr/bin/true /usr/bin/env /usr/bin/ls /etc/ld.so.cache; do
  [ -f "$f" ] && head -c 65536 "$f" >"$work/seeds/elf/$(basename "$f")"
done

# libFuzzer's longest input per target: capture files need room, frames and packet
# sequences less.
declare -A MAX_LEN=([reader]=262144 [file]=262144 [chunks]=131074 [decode]=65540 [engine]=65537 [elf]=65536)
# What --save may keep per target, in KB.
declare -A SAVE_KB=([reader]=3000 [file]=1500 [chunks]=1000 [decode]=500 [engine]=1500 [elf]=500)

for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t" "fuzz/corpus/$t"
  say "$t: ${time_each} s, ${timeout_each} s per input at most; corpus $work/corpus/$t"
  started=$(date +%s)
  status=0
  nice -n 15 cargo +nightly fuzz run --sanitizer none --target-dir "$target_dir" "$t" \
    "$work/corpus/$t" "$work/seeds/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$time_each" -timeout="$timeout_each" -rss_limit_mb=2048 \
    -max_len="${MAX_LEN[$t]}" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$work/artifacts/$t/" || status=$?
  elapsed=$(( $(date +%s) - started ))
  found=$(find "$work/artifacts/$t" -type f | wc -l)
  say "$t: ran ${elapsed} s, exit $status, $found crash/hang/oom inputs in $work/artifacts/$t"
  if [ "$save" = 1 ]; then
    merged="$work/merged/$t"
    rm -rf "$merged" && mkdir -p "$merged"
    nice -n 15 cargo +nightly fuzz run --sanitizer none --target-dir "$target_dir" "$t" \
      "$merged" "fuzz/corpus/$t" "$work/corpus/$t" -- -merge=1 -timeout="$timeout_each" \
      -max_len="${MAX_LEN[$t]}" >"$work/merge-$t.log" 2>&1
    grep -h 'MERGE-OUTER: [0-9]* new files' "$work/merge-$t.log" | sed "s/^/rstscope fuzz: $t: /" >&2 || true
    # Over budget: what was saved before stays (its coverage is what CI replays, and some of
    # it only its largest inputs reach), then the new inputs smallest first; the largest new
    # ones go (and, should the saved corpus alone exceed the budget, its largest too).
    # libFuzzer names an input by its contents' SHA-1, so a saved input keeps its name.
    budget=$(( ${RSTSCOPE_FUZZ_SAVE_KB:-${SAVE_KB[$t]}} * 1024 ))
    total=0
    dropped=0
    while IFS=' ' read -r _ size file; do
      if [ $(( total + size )) -le "$budget" ]; then
        total=$(( total + size ))
      else
        rm -f "$file"
        dropped=$(( dropped + 1 ))
      fi
    done < <(find "$merged" -type f -printf '%s %p\n' | while IFS=' ' read -r size file; do
      if [ -e "fuzz/corpus/$t/$(basename "$file")" ]; then echo "0 $size $file"; else echo "1 $size $file"; fi
    done | sort -k1,1n -k2,2n)
    [ "$dropped" = 0 ] || say "$t: $dropped inputs dropped to stay within $(( budget / 1024 )) KB (the largest new ones first)"
    rm -rf "fuzz/corpus/$t" && mv "$merged" "fuzz/corpus/$t"
    say "$t: saved corpus $(find "fuzz/corpus/$t" -type f | wc -l) inputs, $(( total / 1024 )) KB"
  fi
done
