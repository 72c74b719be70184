#!/usr/bin/env bash
# Makes sure this machine can build rstscope: the pinned Rust toolchain and the system
# packages the build links against. Sourced by sample.sh and test.sh; safe to run alone.
# On Debian/Ubuntu it installs what is missing with apt-get (as root, or through sudo),
# saying what and why; elsewhere it says what to install.
set -euo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian package -> why rstscope needs it.
declare -A WANTED=(
  [gcc]="the C compiler and linker rustc links with"
  [libc6-dev]="the C library headers and start files the linker needs"
  [libgl1-mesa-dri]="the software OpenGL driver the desktop app draws with where there is no GPU"
  [libegl1]="EGL, how the desktop app and its tests reach OpenGL"
  [libx11-xcb1]="X11 client library the desktop app's window needs"
  [libxcursor1]="X11 cursors for the desktop app's window"
  [libxi6]="X11 input for the desktop app's window"
  [libxkbcommon-x11-0]="the keyboard layouts of the desktop app's window"
  [mesa-vulkan-drivers]="the software Vulkan driver the GUI tests render their snapshot images with"
  [fonts-droid-fallback]="a CJK font: the GUI test that Japanese file names render uses it"
  [xvfb]="a virtual display for the screenshot of the real window"
  [xauth]="xvfb-run needs it"
  [imagemagick]="import: takes the screenshot of the window under Xvfb"
  [xdotool]="drives the real window under Xvfb in its test: clicks, typing, resizing"
  [xclip]="reads the X clipboard in the real-window test (what Copy put there)"
  [python3-xlib]="drops a capture on the real window in its test, as a file manager does (scripts/xdnd-drop.py)"
  [libpcap-dev]="libpcap, which live capture (rstscope capture) links against; at run time rstscope needs its library package, libpcap0.8"
  [prometheus]="Prometheus and promtool: tests/agent.rs has a real Prometheus scrape rstscope agent and checks its alert rules"
  [tshark]="tests/agent.rs opens the agent's evidence in tshark"
  [dpkg-dev]="dpkg-shlibdeps: cargo-deb works out the Debian package's dependencies with it (scripts/deb.sh)"
  [systemd]="systemd-analyze: scripts/deb.sh verifies the agent's systemd unit"
  [man-db]="man: systemd-analyze verify looks up the unit's man page"
  [iproute2]="ip: the live tests (as root) make network namespaces of their own with it"
  [procps]="kill: the live tests stop a capture with SIGTERM and SIGINT"
  [shellcheck]="lints the project's shell scripts (test.sh's first stage)"
  [systemd-journal-remote]="turns the test journal (tests/fixtures/journal) into journal files that journalctl reads, for the test of who served a port before the capture"
)

say() { echo "rstscope setup: $*" >&2; }

if ! command -v cargo >/dev/null 2>&1; then
  for d in "$HOME/.cargo/bin" /usr/local/cargo/bin; do
    [ -x "$d/cargo" ] && export PATH="$d:$PATH" && break
  done
fi
if ! command -v cargo >/dev/null 2>&1; then
  say "Rust is not installed: install it from https://rustup.rs, then run this again."
  exit 1
fi

# Installs the Debian packages named, with apt-get, as root or through sudo, after saying why
# each is needed ("$pkg: $reason" pairs in the associative array named by $1). Also used by
# scripts/bench.sh for the anchor tools. Without root or a sudo that works, it says what to run.
install_packages() {
  local -n reasons="$1"
  shift
  [ "$#" -gt 0 ] || return 0
  local pkg sudo=() verb=installing
  local install="apt-get install -y --no-install-recommends $*"
  local cmd="apt-get update && $install"
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then verb=missing; fi
  for pkg in "$@"; do say "$verb $pkg: ${reasons[$pkg]}"; done
  if [ "$verb" = missing ]; then
    say "installing these needs root: run \`$cmd\` as root, then run this again"
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
    say "installing with sudo (it may ask for your password): sudo apt-get update && sudo $install"
  fi
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
    say "could not install them: run \`$cmd\` as root (or each apt-get with sudo)," \
      "then run this again"
    exit 1
  fi
}

# scripts/sample.sh sets RSTSCOPE_SETUP=build: the headless build links against these only, and
# a newcomer's first result should not wait for the test tools.
BUILD_ONLY=(gcc libc6-dev libpcap-dev)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in $(printf '%s\n' "${!WANTED[@]}" | sort); do
    if [ "${RSTSCOPE_SETUP:-}" = build ] && [[ ! " ${BUILD_ONLY[*]} " == *" $pkg "* ]]; then
      continue
    fi
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
else
  say "not Debian or Ubuntu, so nothing is installed: the build needs a C compiler and linker" \
    "and libpcap's development files; the tests also need the tools listed in scripts/setup.sh"
fi
install_packages WANTED "${missing[@]}"

# The toolchain pinned in rust-toolchain.toml, with rustfmt and clippy for the checks. Asked
# from / and with RUSTUP_AUTO_INSTALL=0: inside the clone rustup 1.28 installs the pinned
# toolchain as soon as it is asked anything, in its default profile (its documentation too)
# and before this says why, and anywhere the default toolchain when that is missing.
channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$top/rust-toolchain.toml")
if ! command -v rustup >/dev/null 2>&1; then
  say "rustup is not installed: building with $(rustc --version 2>/dev/null || echo "an unknown rustc")," \
    "while rstscope is built and tested with Rust $channel (rust-toolchain.toml)"
elif ! (cd / && RUSTUP_AUTO_INSTALL=0 rustup toolchain list) | grep -q "^$channel"; then
  say "installing Rust $channel (pinned in rust-toolchain.toml) with rustfmt and clippy"
  rustup toolchain install "$channel" --profile minimal --component rustfmt,clippy >&2
fi
