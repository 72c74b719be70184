#!/usr/bin/env bash
# Quick start 2: every check CI runs: formatting, clippy (warnings are errors) and all tests,
# the corpus test over ../shared/pcaps included (it says SKIPPED when that folder is absent).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
source "$top/scripts/setup.sh"
cd "$top"
echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --locked --all-targets --quiet -- -D warnings
echo "== cargo clippy, the headless build (--no-default-features: terminal commands and agent)" >&2
cargo clippy --locked --all-targets --no-default-features --quiet -- -D warnings
echo "== cargo doc (broken links are errors)" >&2
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --lib --quiet
echo "== cargo test" >&2
cargo test --locked --all-targets
echo "== the Debian package (headless build): built, installed, unit verified, removed" >&2
bash scripts/deb.sh
echo "== desktop app: a real window under Xvfb, screenshot" >&2
bash scripts/screenshot.sh
echo "== Windows delivery: cross-build, wine, MSI; Windows and macOS type-checks" >&2
bash scripts/windows-smoke.sh
