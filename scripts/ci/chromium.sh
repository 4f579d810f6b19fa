#!/usr/bin/env bash
# CI check of the HTML report in a real browser (issue 10): installs Debian's `chromium`,
# builds the release binary, runs a small study with `--plot`, renders `report.html` headless,
# checks with `--dump-dom` that every section and chart is present, and saves a screenshot.
# Fails loudly when Chromium cannot be installed or run. Called by `.ci/run`; needs root (or
# chromium already installed) and Debian's package archive.
#
#   bash scripts/ci/chromium.sh [OUT_DIR]     # default OUT_DIR: target/ci-chromium
set -euo pipefail
cd "$(dirname "$0")/../.."

fail() {
    echo "chromium check FAILED: $*" >&2
    exit 1
}

out_dir="${1:-target/ci-chromium}"
rm -rf "$out_dir"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"

echo "== chromium: install"
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        fail "chromium is not installed and this script is not root, so it cannot apt-get install it"
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >"$out_dir/apt-update.log" 2>&1 ||
        { tail -20 "$out_dir/apt-update.log" >&2; fail "apt-get update failed"; }
    apt-get install -y -q chromium >"$out_dir/apt-install.log" 2>&1 ||
        { tail -20 "$out_dir/apt-install.log" >&2; fail "apt-get install chromium failed"; }
fi
command -v chromium >/dev/null 2>&1 || fail "chromium is not on PATH after installing it"
chromium --version || fail "chromium does not start (chromium --version)"

echo "== chromium: build and run a small study with --plot"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/polarity"
study="$out_dir/study"
"$bin" run baseline --runs 300 --seed 7 --out "$study" --plot --quiet ||
    fail "polarity run --plot failed"
[ -s "$study/report.html" ] || fail "no report.html in $study"
if grep -Eq '<script|src="http|href="http|url\(http|@import' "$study/report.html"; then
    fail "report.html loads something from elsewhere or has a script"
fi

# The flags Debian's Chromium needs as root in a sandboxed, offline CI machine.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync)

echo "== chromium: dump the rendered DOM"
profile="$(mktemp -d)"
if ! timeout 120 chromium "${flags[@]}" --user-data-dir="$profile" --dump-dom \
    "file://$study/report.html" >"$out_dir/dom.html" 2>"$out_dir/chromium-dom.log"; then
    tail -20 "$out_dir/chromium-dom.log" >&2
    fail "chromium --dump-dom failed"
fi
rm -rf "$profile"
[ -s "$out_dir/dom.html" ] || fail "chromium dumped an empty DOM"
for id in study findings summary charts terms reproduce; do
    grep -q "<section id=\"$id\"" "$out_dir/dom.html" ||
        fail "the rendered report has no section \"$id\""
done
for chart in outcomes leaders crossing-years crossing-cdf lag capability-us capability-cn chip-stock; do
    grep -q "<figure id=\"chart-$chart\"" "$out_dir/dom.html" ||
        fail "the rendered report has no chart \"$chart\""
done
svgs=$(grep -o '<svg ' "$out_dir/dom.html" | wc -l)
[ "$svgs" -ge 8 ] || fail "the rendered report has $svgs inline SVG charts, expected at least 8"
grep -q 'polarity run baseline --runs 300 --seed 7' "$out_dir/dom.html" ||
    fail "the rendered report does not show the command that reproduces it"

echo "== chromium: screenshot"
profile="$(mktemp -d)"
if ! timeout 120 chromium "${flags[@]}" --user-data-dir="$profile" --hide-scrollbars \
    --window-size=1200,3000 --screenshot="$out_dir/report.png" \
    "file://$study/report.html" >"$out_dir/chromium-shot.log" 2>&1; then
    tail -20 "$out_dir/chromium-shot.log" >&2
    fail "chromium --screenshot failed"
fi
rm -rf "$profile"
[ -s "$out_dir/report.png" ] || fail "chromium wrote no screenshot"
echo "chromium check passed: $svgs charts rendered; screenshot $out_dir/report.png"
