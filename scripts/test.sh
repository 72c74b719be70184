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
stage "cargo clippy"
cargo clippy --locked --all-targets --quiet -- -D warnings
stage "cargo clippy, the headless build (--no-default-features: terminal commands and agent)"
cargo clippy --locked --all-targets --no-default-features --quiet -- -D warnings
stage "cargo doc (broken links are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --lib --quiet
stage "cargo test"
cargo test --locked --all-targets
stage "the Debian package (headless build): built, installed, unit verified, removed"
bash scripts/deb.sh
stage "desktop app: the real window under Xvfb, driven by mouse and keyboard, screenshots"
bash scripts/window-test.sh
stage "Windows delivery: cross-build, wine, MSI; Windows and macOS type-checks"
bash scripts/windows-smoke.sh
stage "all checks passed"
