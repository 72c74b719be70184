#!/usr/bin/env bash
# The Windows delivery, checked on Linux (run by test.sh; safe to run alone):
#   1. cross-builds the Windows program (x86_64-pc-windows-gnu, mingw; debug) with wpcap.dll
#      delay-loaded, and checks its import table and embedded resources;
#   2. runs it under wine, without any wpcap.dll, on the sample capture: `analyze --format json`
#      must print exactly what the Linux build prints, and `capture` must say Npcap is missing;
#      and runs the unit tests of the Windows TCP counter reader under wine;
#   3. starts the desktop app under wine (Xvfb), still without wpcap.dll, and takes a screenshot
#      of its start screen;
#   4. builds the MSI with wixl from the wixl variant of wix/main.wxs, installs it with
#      `msiexec /i /qn`, runs the installed program, uninstalls it, checks its files are gone;
#   5. type-checks and lints the code for x86_64-pc-windows-msvc and aarch64-apple-darwin.
# Each step prints one "rstscope windows:" line. What wine needs and a real Windows does not
# (a bcryptprimitives.dll that exports ProcessPrng, scripts/wine/) stays in the wine prefix this
# script makes; it is never part of the program or the MSI.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"

# Debian package -> why the smoke test needs it.
declare -A WINDOWS_WANTED=(
  [gcc-mingw-w64-x86-64]="the mingw C toolchain that links the Windows program (and wine's ProcessPrng stand-in)"
  [binutils-mingw-w64-x86-64]="dlltool, for wpcap.dll's delay-load import library, and objdump to check the program's imports"
  [wine]="runs the Windows program, its desktop app and msiexec"
  [wine64]="wine for 64-bit Windows programs"
  [wixl]="builds the MSI from wix/main.wxs for the smoke test"
  [msitools]="msiinfo: reads the MSI's ProductCode for the upgrade check"
  [python3]="reads cargo's JSON and writes the wixl variant of wix/main.wxs"
)
missing=()
for pkg in "${!WINDOWS_WANTED[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
install_packages WINDOWS_WANTED "${missing[@]}"
installed_targets=$(rustup target list --installed)
for target in x86_64-pc-windows-gnu x86_64-pc-windows-msvc aarch64-apple-darwin; do
  if ! grep -qx "$target" <<<"$installed_targets"; then
    say "adding the Rust target $target (cross-build and type-checks)"
    rustup target add "$target" >&2
  fi
done

report() { echo "rstscope windows: $*"; }
fail() {
  echo "rstscope windows: FAILED: $*" >&2
  exit 1
}

target_dir="${CARGO_TARGET_DIR:-$top/target}"
work="$target_dir/windows-smoke"
rm -rf "$work"
mkdir -p "$work"
objdump=x86_64-w64-mingw32-objdump

# 1. The Windows program.
echo "== windows: cross-build for x86_64-pc-windows-gnu" >&2
implib_dir=$(bash scripts/windows/wpcap-implib.sh "$target_dir/wpcap-implib" | xargs dirname)
# cargo for the GNU target: wpcap.dll's delay-load import library, and no debug information
# (a debug build with it is 250 MB, and the smoke test runs the program, never a debugger).
wincargo() {
  LIBPCAP_LIBDIR="$implib_dir" LIBPCAP_VER=1.10.0 CARGO_PROFILE_DEV_DEBUG=0 \
    cargo "$@" --locked --quiet --target x86_64-pc-windows-gnu
}
wincargo build --bin rstscope
exe="$target_dir/x86_64-pc-windows-gnu/debug/rstscope.exe"
"$objdump" -p "$exe" >"$work/objdump.txt"
# The import table must not name wpcap.dll (Windows would refuse to start the program without
# Npcap); pcap's functions must come through the delay-load import library instead. (GNU ld
# leaves the PE header's delay-import entry empty, so its symbols are what shows it; the run
# under wine without any wpcap.dll below is the proof.)
grep -qi 'DLL Name: wpcap.dll' "$work/objdump.txt" && fail "wpcap.dll is a load-time import of $exe"
x86_64-w64-mingw32-nm "$exe" >"$work/symbols.txt"
{ grep -q '__DELAY_IMPORT_DESCRIPTOR_libwpcap_a' "$work/symbols.txt" &&
  grep -q ' __delayLoadHelper2$' "$work/symbols.txt"; } ||
  fail "$exe does not link wpcap.dll through the delay-load import library"
grep -q 'Subsystem.*Windows GUI' "$work/objdump.txt" || fail "$exe is not a GUI-subsystem program"
# Resource types at the top of the .rsrc tree: 14 (RT_GROUP_ICON) and 16 (RT_VERSION).
resource_type() { grep -q "^[0-9a-f]\{3\}   Entry: ID: 0x0000$1," "$work/objdump.txt"; }
resource_type 0e || fail "$exe has no icon"
resource_type 10 || fail "$exe has no version information"
report "Windows exe built: $exe (GUI subsystem, wpcap.dll delay-loaded, icon and version information embedded)"

# The Linux build's report, for comparison.
cargo build --locked --quiet --bin rstscope
sample=resources/sample-7211.pcapng
"$target_dir/debug/rstscope" analyze --format json "$sample" >"$work/linux.json"

# A wine prefix of our own, with no Npcap: wine's own wpcap is switched off (`wpcap=`), so the
# program finds no wpcap.dll at all. Gecko and Mono are not wanted (no install prompts).
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEARCH=win64
export WINEDLLOVERRIDES="mscoree,mshtml=;wpcap=;bcryptprimitives=n,b"
xvfb_pid=""
# The prefix (about 1 GB) and the MSI's staging folder go when the script ends; the logs and
# reports beside them stay.
cleanup() {
  wineserver -k 2>/dev/null || true
  [ -z "$xvfb_pid" ] || kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$WINEPREFIX" "$work/msi" "$work/objdump.txt" "$work/symbols.txt"
}
trap cleanup EXIT
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.1; done
[ -s "$work/display" ] || fail "Xvfb did not start"
export DISPLAY=":$(cat "$work/display")"
echo "== windows: a wine prefix without Npcap" >&2
wineboot -i >/dev/null 2>&1
wineserver -w
x86_64-w64-mingw32-gcc -shared -O2 -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/wine/bcryptprimitives.c -ladvapi32
[ ! -e "$WINEPREFIX/drive_c/windows/system32/Npcap" ] || fail "the wine prefix has Npcap"

# 2. analyze and capture, without wpcap.dll.
echo "== windows: analyze under wine" >&2
wine "$exe" analyze --format json "$sample" >"$work/windows.json"
cmp -s "$work/linux.json" "$work/windows.json" ||
  fail "analyze --format json differs between Linux and Windows: diff $work/linux.json $work/windows.json"
report "analyze output identical to Linux ($sample, --format json, $(wc -c <"$work/linux.json") bytes)"
set +e
wine "$exe" capture --duration 1s >/dev/null 2>"$work/capture.err"
code=$?
set -e
{ [ "$code" -eq 2 ] && grep -q "Npcap is not installed" "$work/capture.err" &&
  grep -q "https://npcap.com/#download" "$work/capture.err"; } ||
  fail "capture without Npcap: exit $code, $(cat "$work/capture.err")"
report "capture without Npcap exits 2 with: $(head -c 120 "$work/capture.err")..."

# The kernel's TCP counters through GetTcpStatisticsEx: the unit tests of src/host/windows.rs,
# run under wine (whose GetTcpStatisticsEx answers from Linux's /proc/net/snmp).
echo "== windows: the TCP counter tests under wine" >&2
test_exe=$(wincargo test --lib --no-run --message-format=json |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["kind"] == ["lib"]:
        print(m["executable"])')
[ -n "$test_exe" ] || fail "no unit-test program for x86_64-pc-windows-gnu"
wine "$test_exe" --quiet host::windows >"$work/host-tests.out" 2>&1 ||
  fail "src/host/windows.rs tests under wine: $(tail -20 "$work/host-tests.out")"
report "TCP counters read with GetTcpStatisticsEx under wine: $(grep -o '[0-9]* passed' "$work/host-tests.out") (src/host/windows.rs)"

# 3. The desktop app's start screen, without wpcap.dll. A settings folder of its own (a fresh
# prefix) makes it a first run.
echo "== windows: the desktop app under wine" >&2
out_dir="${RSTSCOPE_SCREENSHOT_DIR:-${TMPDIR:-/tmp}/rstscope-screenshots}"
mkdir -p "$out_dir"
shot="$out_dir/windows-start-screen.png"
wine "$exe" >/dev/null 2>"$work/gui.err" &
app=$!
sleep "${RSTSCOPE_WINE_GUI_WAIT:-20}"
if ! kill -0 "$app" 2>/dev/null; then
  wait "$app" || true
  fail "the desktop app exited under wine: $(tail -5 "$work/gui.err")"
fi
import -window root "$shot"
kill "$app" 2>/dev/null || true
wait "$app" 2>/dev/null || true
wineserver -k 2>/dev/null || true
wineserver -w
report "GUI started without Npcap (no wpcap.dll), screenshot of the start screen: $shot"

# 4. The MSI: built by wixl from the wixl variant of wix/main.wxs, with the files it names
# staged under the relative paths the source uses.
echo "== windows: MSI with wixl, install and uninstall under wine" >&2
stage="$work/msi"
mkdir -p "$stage/bin" "$stage/wix" "$stage/resources/windows"
ln -f "$exe" "$stage/bin/rstscope.exe" 2>/dev/null || cp "$exe" "$stage/bin/rstscope.exe"
cp wix/README.txt "$stage/wix/"
cp resources/windows/rstscope.ico "$stage/resources/windows/"
python3 scripts/windows/wxs-for-wixl.py wix/main.wxs "$stage/main-wixl.wxs"
version=$(cargo metadata --locked --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["packages"][0]["version"])')
# A second MSI one patch version up, for the upgrade: same UpgradeCode, new ProductCode.
next=$(echo "$version" | awk -F. '{ printf "%d.%d.%d", $1, $2, $3 + 1 }')
(cd "$stage" && wixl -a x64 -D Version="$version" -D CargoTargetBinDir=bin -o rstscope.msi main-wixl.wxs &&
  wixl -a x64 -D Version="$next" -D CargoTargetBinDir=bin -o rstscope-next.msi main-wixl.wxs)
msi="$stage/rstscope.msi"
product_code() { msiinfo export "$1" Property | tr -d '\r' | awk '$1 == "ProductCode" { print $2 }'; }
registered() {
  # Read whole first: grep -q stopping early would fail the pipeline (pipefail).
  local keys
  keys=$(wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' 2>/dev/null | tr -d '\r')
  grep -qiF "\\$1" <<<"$keys"
}
installed="$WINEPREFIX/drive_c/Program Files/rstscope"
wine msiexec /i "$(winepath -w "$msi")" /qn
wineserver -w
for f in "$installed/rstscope.exe" "$installed/README.txt"; do
  [ -e "$f" ] || fail "not installed: $f"
done
# Windows puts a per-machine install's shortcut in the common Start menu (ProgramData); wine 8
# puts it in the installing user's. Either is the shortcut the MSI made.
shortcut=""
for menu in "$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs" \
  "$WINEPREFIX/drive_c/users/$(id -un)/AppData/Roaming/Microsoft/Windows/Start Menu/Programs"; do
  [ -e "$menu/rstscope.lnk" ] && shortcut="$menu/rstscope.lnk"
done
[ -n "$shortcut" ] || fail "no Start menu shortcut rstscope.lnk"
wine "C:\\Program Files\\rstscope\\rstscope.exe" analyze --format json "$sample" >"$work/installed.json"
cmp -s "$work/linux.json" "$work/installed.json" || fail "the installed program's analyze output differs from Linux's"
# MajorUpgrade: installing the next version replaces this one (one product registered).
wine msiexec /i "$(winepath -w "$stage/rstscope-next.msi")" /qn
wineserver -w
registered "$(product_code "$stage/rstscope-next.msi")" || fail "the upgrade to $next is not registered"
! registered "$(product_code "$msi")" || fail "$version is still registered after the upgrade to $next"
[ -e "$installed/rstscope.exe" ] || fail "the upgrade to $next left no program"
wine msiexec /x "$(winepath -w "$stage/rstscope-next.msi")" /qn
wineserver -w
for f in "$installed" "$shortcut"; do
  [ ! -e "$f" ] || fail "left after uninstall: $f"
done
! registered "$(product_code "$stage/rstscope-next.msi")" || fail "$next is still registered after uninstall"
report "MSI installed and uninstalled under wine ($(basename "$msi"), $(wc -c <"$msi") bytes): program, README and Start menu shortcut installed, the installed program's analyze output identical, $version upgraded to $next in place (MajorUpgrade), all removed on uninstall"

# 5. Windows- and macOS-only code, type-checked and linted.
echo "== windows: cargo clippy for x86_64-pc-windows-msvc and aarch64-apple-darwin" >&2
for target in x86_64-pc-windows-msvc aarch64-apple-darwin; do
  cargo clippy --locked --quiet --all-targets --target "$target" -- -D warnings
done
report "Windows (x86_64-pc-windows-msvc) and macOS (aarch64-apple-darwin) type-checks passed (cargo clippy --all-targets -D warnings)"
