#!/usr/bin/env bash
# End-to-end test of `crdt dev-ui` in a real browser (Debian's headless Chromium).
#
# Installs chromium with apt-get when it is missing (as root, non-interactive), builds the
# `crdt` binary, imports the fixture database (fixture.jsonl beside this script: the
# `crdt export` of devui/examples/fixture.rs, kept equal by a test in devui/tests), starts
# `crdt dev-ui` on a free loopback port, loads every page, checks the rendered DOM
# (namespace names, decoded values, hostile keys shown as text, no injected element, the
# page's own script ran under the Content-Security-Policy), saves a screenshot and the DOM
# of each page to target/artifacts/devui/, and exits non-zero on any failure.
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

# --- 1. Chromium -------------------------------------------------------------------------
if ! command -v chromium >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "chromium is not installed and this is not root (apt-get install chromium)"
    say "installing chromium (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null \
        || die "apt-get install chromium failed"
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

# --- 5. Pages ----------------------------------------------------------------------------
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-quic --hide-scrollbars)
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); printf 'devui e2e: FAIL %s: %s\n' "$1" "$2" >&2; }

# load NAME PATH: the DOM after scripts ran into $out/NAME.html, a screenshot into NAME.png.
load() {
    local name=$1 path=$2 profile
    profile=$(mktemp -d "$work/profile.XXXX")
    if ! timeout 60 chromium "${flags[@]}" --user-data-dir="$profile" --dump-dom "$base$path" \
        >"$out/$name.html" 2>"$work/$name.dom.err"; then
        bad "$name" "chromium --dump-dom failed: $(tail -n 3 "$work/$name.dom.err")"
        return 1
    fi
    profile=$(mktemp -d "$work/profile.XXXX")
    if ! timeout 60 chromium "${flags[@]}" --user-data-dir="$profile" --window-size=1280,1000 \
        --screenshot="$out/$name.png" "$base$path" >/dev/null 2>"$work/$name.shot.err" \
        || [ ! -s "$out/$name.png" ]; then
        bad "$name" "chromium --screenshot failed: $(tail -n 3 "$work/$name.shot.err")"
    fi
}

# has NAME TEXT...: the DOM of NAME contains each TEXT (serialized: text is &-escaped).
has() {
    local name=$1 t
    shift
    for t in "$@"; do
        if grep -qF -- "$t" "$out/$name.html"; then ok; else bad "$name" "missing: $t"; fi
    done
}

# hasnt NAME TEXT...: the DOM of NAME contains none of TEXT.
hasnt() {
    local name=$1 t
    shift
    for t in "$@"; do
        if grep -qF -- "$t" "$out/$name.html"; then bad "$name" "must not contain: $t"; else ok; fi
    done
}

# common NAME: every page ran its own script and nothing else.
common() {
    local name=$1 scripts
    has "$name" '<html lang="en" data-js="ready">' 'crdt dev-ui'
    scripts=$(grep -o '<script' "$out/$name.html" | wc -l)
    if [ "$scripts" = 1 ]; then ok; else bad "$name" "$scripts script elements (expected 1)"; fi
    hasnt "$name" '<img' '<script>alert'
    # No element carries an inline event handler (injected markup would).
    if grep -qE '<[a-zA-Z][^>]*[[:space:]]on[a-z]+=' "$out/$name.html"; then
        bad "$name" "an element with an inline event handler"
    else
        ok
    fi
}

xss_key='%3Cscript%3Ealert%281%29%3C%2Fscript%3E'

if load overview /; then
    common overview
    has overview '>docs</a>' '>sensors</a>' '>tasks</a>' '>xss</a>' \
        "x\"ss'&lt;b&gt;ns&lt;/b&gt;" 'Format version'
    hasnt overview '<b>ns</b>'
fi

if load namespace /namespace?ns=sensors; then
    common namespace
    has namespace 'Entities 1–50 of 120' 's-000' 's-049' 'GCounter' 'next ›'
    hasnt namespace 's-050<'
fi

if load namespace-filter '/namespace?ns=sensors&prefix=s-11'; then
    common namespace-filter
    has namespace-filter 'Entities 1–10 of 10' 's-119'
fi

if load namespace-xss /namespace?ns=xss; then
    common namespace-xss
    has namespace-xss '&lt;script&gt;alert(1)&lt;/script&gt;' "key=$xss_key"
fi

if load entity /entity?ns=docs\&key=readme-tags; then
    common entity
    has entity 'ORSet&lt;String&gt;' 'schema version 1' '"draft"' '"published"' '"reviewed"' \
        '00000000  cd 45 4e 56'
fi

if load entity-xss "/entity?ns=xss&key=$xss_key"; then
    common entity-xss
    has entity-xss '<span class="key" id="entity-key">&lt;script&gt;alert(1)&lt;/script&gt;</span>' \
        '&lt;img src=x onerror=alert(2)&gt;'
fi

if load entity-events /entity?ns=tasks\&key=task-1; then
    common entity-events
    has entity-events 'At seq 2, schema version 1.' 'Events 1–3 of 3' 'ship it' 'alice'
fi

if load value '/value?ns=docs&key=long&part=state'; then
    common value
    has value '0123456789' 'Bytes 0–' 'next ›'
fi

if load format /format; then
    common format
    has format 'crdt version 1' 'Manifest generation'
fi

if load not-found /entity?ns=docs\&key=nope; then
    has not-found 'Not found' 'entity "nope"'
fi

# The hostile namespace name (quotes, apostrophe, markup) as a link target.
if load namespace-quotes '/namespace?ns=x%22ss%27%3Cb%3Ens%3C%2Fb%3E'; then
    common namespace-quotes
    has namespace-quotes "k\"'&amp;&lt;&gt;"
fi

say "screenshots and DOM in ${out#"$root"/} ($((SECONDS - started)) s)"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" = 0 ]
