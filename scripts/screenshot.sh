#!/usr/bin/env bash
# Runs the desktop app in a real window under Xvfb on the bundled sample capture and saves a
# screenshot of the screen; prints its path. Fails when the window does not come up (the app
# exited). Run by test.sh; needs xvfb, xauth and imagemagick (setup.sh installs them).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
out_dir="${RSTSCOPE_SCREENSHOT_DIR:-${TMPDIR:-/tmp}/rstscope-screenshots}"
mkdir -p "$out_dir"
out="$out_dir/story-7211.png"
cargo build --locked --quiet
bin="${CARGO_TARGET_DIR:-$top/target}/debug/rstscope"
# A settings folder of its own: the screenshot shows a first run, whatever ran before.
state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
XDG_DATA_HOME="$state" XDG_CONFIG_HOME="$state" LIBGL_ALWAYS_SOFTWARE=1 \
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    "$1" "$2" &
    app=$!
    sleep "${RSTSCOPE_SCREENSHOT_WAIT:-8}"
    if ! kill -0 "$app" 2>/dev/null; then
      wait "$app" || true
      echo "rstscope screenshot: the app exited before its window could be captured" >&2
      exit 1
    fi
    import -window root "$3"
    kill "$app"
    wait "$app" 2>/dev/null || true
  ' _ "$bin" "$top/resources/story-7211.pcapng" "$out"
echo "rstscope screenshot: the app on the sample capture under Xvfb: $out"
