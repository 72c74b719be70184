#!/usr/bin/env bash
# Makes a delay-load import library for Npcap's wpcap.dll, for building rstscope for
# x86_64-pc-windows-gnu with mingw: libwpcap.a in the folder given (made if missing).
#
# Its exports are the pcap_* functions the pcap crate declares, read from the crate's own
# source (the version Cargo.lock pins), so nothing binary is kept in the repository. Built with
# `dlltool -y` (--output-delaylib), the library makes the linker resolve wpcap.dll when a pcap
# function is first called, not when the program starts: rstscope starts without Npcap and
# checks for it itself (src/source/npcap.rs). Build with it like this:
#
#   LIBPCAP_LIBDIR=DIR LIBPCAP_VER=1.10.0 cargo build --target x86_64-pc-windows-gnu
#
# (LIBPCAP_VER: Npcap is based on libpcap 1.10; without it the pcap crate's build script
# would ask the build machine's own libpcap.)
set -euo pipefail
top="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:?usage: wpcap-implib.sh OUT_DIR}"
mkdir -p "$out"
dlltool="${DLLTOOL:-x86_64-w64-mingw32-dlltool}"
pcap_dir=$(cd "$top" && cargo metadata --locked --format-version 1 |
  python3 -c 'import json, sys, os
meta = json.load(sys.stdin)
print(next(os.path.dirname(p["manifest_path"]) for p in meta["packages"] if p["name"] == "pcap"))')
{
  echo "LIBRARY wpcap.dll"
  echo "EXPORTS"
  # Declarations only: commented-out ones (// pub fn ...) are left out.
  grep -rhoE '^\s*pub fn pcap_[a-z0-9_]+' "$pcap_dir/src/raw.rs" | sed -E 's/^\s*pub fn //' | sort -u
} >"$out/wpcap.def"
# Run inside the folder: dlltool names the library's symbols after the output path
# (__DELAY_IMPORT_DESCRIPTOR_libwpcap_a), and the build machine's folders stay out of them.
(cd "$out" && "$dlltool" --input-def wpcap.def --dllname wpcap.dll --output-delaylib libwpcap.a)
echo "$out/libwpcap.a"
