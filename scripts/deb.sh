#!/usr/bin/env bash
# The Debian package as an admin gets it: builds it with cargo-deb (the headless release
# build: terminal commands and the agent, no GUI libraries), installs it with dpkg, checks what
# it installed (binary, man page, unit, defaults, monitoring files), verifies the unit with
# `systemd-analyze verify`, and removes it again. Each check prints one `rstscope deb:` line.
#
# Installing needs root; without it the package is built and its contents listed only.
# A rstscope package installed before is left alone: then the install is not tried.
# cargo-deb is installed from crates.io (cargo install) when missing.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"
target="${CARGO_TARGET_DIR:-$top/target}"
say() { echo "rstscope deb: $*" >&2; }

if ! command -v cargo-deb >/dev/null 2>&1; then
  say "installing cargo-deb from crates.io (cargo install --locked cargo-deb)"
  # Built as crates.io has it: not with the lints and flags scripts/test.sh sets for rstscope.
  env -u RUSTC_WORKSPACE_WRAPPER -u RUSTFLAGS cargo install --locked --quiet cargo-deb
fi

# The headless build does not depend on any GUI crate.
gui=$(cargo tree --locked --no-default-features -e normal --prefix none --format '{p}' \
  | grep -E '^(eframe|egui[a-z_-]*|winit|wgpu[a-z_-]*|glow|glutin[a-z_-]*|rfd|ash|x11-dl|wayland-[a-z-]*) ' | sort -u || true)
if [ -n "$gui" ]; then
  say "FAIL: the headless build depends on GUI crates: $gui"
  exit 1
fi
say "the headless build (--no-default-features) has no GUI crate in its dependency tree"

deb=$(cargo deb --locked --quiet 2>&1 | tail -n 1)
[ -f "$deb" ] || { say "FAIL: cargo deb made no package: $deb"; exit 1; }
say "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

libs=$(ldd "$target/release/rstscope" | awk '{print $1}' | tr '\n' ' ')
if echo "$libs" | grep -Eq 'libX|libGL|libEGL|libwayland|libxkb|libgtk|libvulkan'; then
  say "FAIL: the packaged binary links GUI libraries: $libs"
  exit 1
fi
say "the packaged binary links: $libs"

contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/rstscope ./usr/share/man/man1/rstscope.1 ./etc/default/rstscope-agent \
         ./usr/share/rstscope/monitoring/rstscope-alerts.yml \
         ./usr/share/rstscope/monitoring/rstscope-dashboard.json; do
  echo "$contents" | grep -q " $f" || { say "FAIL: $f is not in the package"; echo "$contents" >&2; exit 1; }
done
# /usr/lib/systemd/system on merged-/usr systems (Debian 12 on), /lib/systemd/system before.
unit=$(echo "$contents" | grep -o '\./\(usr/\)\?lib/systemd/system/rstscope-agent\.service' | head -n 1)
[ -n "$unit" ] || { say "FAIL: the unit rstscope-agent.service is not in the package"; exit 1; }
unit="${unit#.}"
say "the package holds the binary, the man page, the unit, its defaults and the monitoring files"
dpkg-deb --field "$deb" Package Version Depends | sed 's/^/rstscope deb:   /' >&2
# cargo-deb works the dependencies out with dpkg-shlibdeps (dpkg-dev); without it the package
# says it depends on nothing, and installs where libpcap is missing.
depends=$(dpkg-deb --field "$deb" Depends)
echo "$depends" | grep -q 'libpcap0\.8' ||
  { say "FAIL: the package does not depend on libpcap0.8 (Depends: $depends)"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  say "install SKIPPED: installing a package needs root"
  exit 0
fi
if dpkg-query -W -f='${Status}' rstscope 2>/dev/null | grep -q "install ok installed"; then
  say "install SKIPPED: a rstscope package is installed on this machine already; it is left alone"
  exit 0
fi
# libpcap0.8t64 on Ubuntu 24.04 and Debian 13, which provides libpcap0.8.
if ! { dpkg-query -W -f='${Status}\n' libpcap0.8 libpcap0.8t64 2>/dev/null || true; } |
  grep -q "install ok installed"; then
  say "installing libpcap0.8 (the package's dependency)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpcap0.8 >/dev/null
fi
cleanup() { dpkg --purge rstscope >/dev/null 2>&1 || true; }
trap cleanup EXIT
dpkg -i "$deb" >/dev/null
say "installed with dpkg -i"
/usr/bin/rstscope --version >&2
# Read whole before grep: grep -q stopping early would fail the pipeline under pipefail.
installed_report=$(/usr/bin/rstscope analyze resources/story-7211.pcapng) \
  || { say "FAIL: the installed rstscope could not analyze the sample (status $?)"; exit 1; }
grep -qF "it was served by collector (pid 3507" <<<"$installed_report" \
  && grep -qF "it needs libzmq.so.5, which the loader cannot find" <<<"$installed_report" \
  || { say "FAIL: the installed rstscope does not analyze the sample"; exit 1; }
say "/usr/bin/rstscope analyzes the sample"
if /usr/bin/rstscope 2>/dev/null; then say "FAIL: the headless rstscope opened something"; exit 1; fi
man -w rstscope >/dev/null && say "man rstscope finds $(man -w rstscope)"
systemd-analyze verify "$unit"
say "systemd-analyze verify passes on the installed unit $unit"
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl is-enabled rstscope-agent >/dev/null 2>&1 && { say "FAIL: the package enabled the agent"; exit 1; }
  say "the unit is installed and not enabled"
else
  say "systemd is not running here (a container): the unit was not started"
fi
dpkg --purge rstscope >/dev/null
trap - EXIT
# Every file the package installed is gone again (the conffile too: purge).
left=$(echo "$contents" | awk '$1 !~ /^d/ {print substr($NF, 2)}' | while read -r f; do
  [ -e "$f" ] && echo "$f"; done || true)
[ -z "$left" ] || { say "FAIL: left after purge: $left"; exit 1; }
say "purged: none of the package's $(echo "$contents" | awk '$1 !~ /^d/' | wc -l) files is left"
