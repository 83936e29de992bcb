#!/usr/bin/env bash
# CI for crdt-wasm (issue 10), called by .ci/run. On a fresh Debian machine (as root) it
# installs what it needs, then builds wasm/pkg and runs, failing on any error:
#   1. wasm-bindgen tests in Node (cargo test --target wasm32-unknown-unknown, run by
#      wasm-bindgen-test-runner);
#   2. the JS tests of the built package (node --test), which also write JS-made deltas;
#   3. native Rust applying those JS deltas (tests/interop.rs);
#   4. the demo page in headless Debian Chromium (screenshot: target/artifacts/wasm/).
# Needs: rustup, Node >= 20 with npm, apt-get (for chromium), crates.io and npm registries.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"
# Where `cargo install` puts wasm-bindgen and wasm-bindgen-test-runner.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CI="${CI:-true}"
start=$SECONDS
step() { echo "== wasm/ci.sh [$((SECONDS - start)) s] $*"; }
fail() { echo "wasm/ci.sh: $*" >&2; exit 1; }

step "toolchain"
command -v rustup >/dev/null || fail "rustup is required to add the wasm32 target"
rustup target add wasm32-unknown-unknown
command -v node >/dev/null || fail "Node.js is required (v20 or later)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || fail "Node.js $(node --version) is too old: v20 or later is needed"

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    step "apt-get install chromium"
    command -v apt-get >/dev/null || fail "$chromium is missing and apt-get is not available"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -x "$chromium" ] || fail "$chromium is missing after apt-get install chromium"
export CHROMIUM="$chromium"

step "npm ci (playwright-core, binaryen; pinned in wasm/package-lock.json)"
(cd wasm && npm ci --no-audit --no-fund)

step "build wasm/pkg (installs wasm-bindgen-cli at the pinned version if needed)"
wasm/build.sh

step "wasm-bindgen tests in Node"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test -p crdt-wasm --target wasm32-unknown-unknown

step "JS tests of wasm/pkg (writes JS deltas)"
js_deltas="$root/target/artifacts/wasm/js-deltas"
rm -rf "$js_deltas"
(cd wasm && CRDT_WASM_JS_OUT="$js_deltas" node --test tests/js/)

step "native Rust applies the JS deltas"
[ -f "$js_deltas/values.json" ] || fail "the JS tests wrote no deltas to $js_deltas"
# `--workspace --all-features` resolves features as the README's test command does, so
# after it this reuses its build instead of compiling the workspace a second time (-p
# crdt-wasm alone unifies features differently: a 70 s rebuild on 2 cores).
CRDT_WASM_JS_DELTAS="$js_deltas" cargo test --workspace --all-features --test interop

step "demo page in headless Chromium"
(cd wasm && node --test tests/browser/)
[ -s target/artifacts/wasm/demo.png ] || fail "no screenshot was saved"

step "done: $(cat target/artifacts/wasm/size.txt)"
