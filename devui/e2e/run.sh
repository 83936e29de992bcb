#!/usr/bin/env bash
# End-to-end test of `crdt dev-ui` in a real browser (Debian's headless Chromium).
#
# Installs chromium with apt-get when it is missing (as root, non-interactive), builds the
# `crdt` binary, imports the fixture database (fixture.jsonl beside this script: the
# `crdt export` of devui/examples/fixture.rs, kept equal by a test in devui/tests), starts
# `crdt dev-ui` on a free loopback port, and runs browser.py: every page loaded in one
# headless Chromium driven over the DevTools protocol, the rendered DOM checked (namespace
# names, decoded values, hostile keys shown as text, no injected element or handler, no
# dialog, no console error or CSP violation, the page's own script ran), the filter form
# and the Refresh button used (a commit made while the page is open appears), and a
# screenshot and the DOM of each page saved to target/artifacts/devui/. Exits non-zero on
# any failure.
#
# Usage: devui/e2e/run.sh        (from anywhere; CI runs it with CI=true)
# Env:   CRDT_BIN=/path/to/crdt  use this binary instead of building one
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/target/artifacts/devui"
started=$SECONDS

say() { printf 'devui e2e: %s\n' "$*"; }
die() { printf 'devui e2e: FAILED: %s\n' "$*" >&2; exit 1; }

# --- 1. Chromium (and python3, which drives it over the DevTools pipe) ------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "not installed: ${missing[*]} (and not root to apt-get install them)"
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
fi
chromium --version 2>/dev/null | grep -q Chromium || die "chromium does not run"
say "$(chromium --version 2>/dev/null) ($((SECONDS - started)) s)"

# --- 2. Build ----------------------------------------------------------------------------
# The same build as `cargo run -p crdt-cli` (CI's demo step), so after it nothing compiles.
cd "$root"
if [ -z "${CRDT_BIN:-}" ]; then
    cargo build --quiet -p crdt-cli --bin crdt || die "cargo build failed"
fi
crdt=${CRDT_BIN:-$root/target/debug/crdt}
[ -x "$crdt" ] || die "no crdt binary at $crdt"
say "built ($((SECONDS - started)) s)"

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

db="$work/fixture.crdt"
"$crdt" import "$db" "$here/fixture.jsonl" >/dev/null || die "crdt import of the fixture failed"
mkdir -p "$out"
rm -f "$out"/*.png "$out"/*.html

# --- 3. A non-loopback --bind prints a warning -------------------------------------------
"$crdt" dev-ui "$db" --bind 0.0.0.0 --port 0 >"$work/any.out" 2>"$work/any.err" &
any_pid=$!
for _ in $(seq 100); do grep -q "http://" "$work/any.out" 2>/dev/null && break; sleep 0.1; done
kill "$any_pid" 2>/dev/null || true
wait "$any_pid" 2>/dev/null || true
grep -q "^warning: listening on 0.0.0.0:" "$work/any.err" \
    || die "--bind 0.0.0.0 printed no warning: $(cat "$work/any.err" "$work/any.out")"

# --- 4. Start the server on a free loopback port -----------------------------------------
"$crdt" dev-ui "$db" --port 0 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
base=""
for _ in $(seq 300); do
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.out" 2>/dev/null | head -n1 || true)
    [ -n "$base" ] && break
    kill -0 "$server_pid" 2>/dev/null || die "crdt dev-ui exited: $(cat "$work/server.err")"
    sleep 0.1
done
[ -n "$base" ] || die "crdt dev-ui printed no URL: $(cat "$work/server.out" "$work/server.err")"
say "server at $base"

# --- 5. Pages, in the browser ------------------------------------------------------------
status=0
python3 "$here/browser.py" "$base" "$out" "$crdt" "$db" || status=$?
say "screenshots and DOM in ${out#"$root"/} ($((SECONDS - started)) s)"
exit "$status"
