#!/usr/bin/env bash
# Quick start 2: every check CI runs: formatting, clippy (warnings are errors) and all tests,
# the corpus test over ../shared/pcaps included (it says SKIPPED when that folder is absent).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"
# Each stage says when it starts (minutes:seconds since the start), so that a slow run shows
# where its time went.
stage() { printf '== [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }
stage "cargo fmt --check"
cargo fmt --all -- --check
stage "shellcheck (the scripts and the fixture makers; warnings and errors)"
shellcheck --external-sources --source-path=SCRIPTDIR --severity=warning \
  scripts/*.sh scripts/windows/*.sh tests/fixtures/*.sh tests/fixtures/*/make-*.sh .ci/run
# Lints: clippy compiles this crate in every build below (the compiler, with its lints, as
# `cargo clippy` runs it), and warnings are errors. A separate `cargo clippy` would check every
# dependency once more, for each feature set and target: 20 of a cold run's minutes on 2
# cores. Dependencies are never linted (cargo caps their lints), and the flags are the same
# for every stage, so no stage builds a dependency again. Checked this way: every target with
# the desktop app (cargo test), the headless library and program (the Debian package), the
# Windows build (the GNU cross-build; the MSVC build compiles the same code) and macOS's
# (`cargo clippy` for aarch64-apple-darwin in the Windows stage).
clippy_driver=$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)
[ -n "$clippy_driver" ] || {
  echo "rstscope test: clippy is not installed: run \`rustup component add clippy\` (rust-toolchain.toml names it), then this again" >&2
  exit 1
}
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
export RUSTFLAGS="-D warnings"
stage "cargo doc (broken links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --lib --quiet
stage "cargo test (every target, linted as it is compiled)"
# Outside a desktop login (a root shell from su or sudo, a container, CI) there is no
# XDG_RUNTIME_DIR, and the graphics stack of the GUI tests' images says "error:
# XDG_RUNTIME_DIR is invalid or not set" for each, looking for Wayland: an empty one of our own
# keeps a passing run free of such errors (there is no Wayland or session bus in it either way).
runtime_dir=${XDG_RUNTIME_DIR:-}
if [ -z "$runtime_dir" ]; then
  runtime_dir=$(mktemp -d)
  trap 'rm -rf "$runtime_dir"' EXIT
fi
XDG_RUNTIME_DIR="$runtime_dir" cargo test --locked --all-targets
stage "the Debian package (headless build, linted): built, installed, unit verified, removed"
bash scripts/deb.sh
stage "desktop app: the real window under Xvfb, driven by mouse and keyboard, screenshots"
bash scripts/window-test.sh
stage "Windows delivery: cross-build (linted), wine, MSI; macOS type-check"
bash scripts/windows-smoke.sh
stage "all checks passed"
