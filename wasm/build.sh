#!/usr/bin/env bash
# Builds the npm-style package wasm/pkg/ (crdt_wasm.js, crdt_wasm.d.ts, crdt_wasm_bg.wasm,
# package.json) without wasm-pack, and prints its size.
#
# - installs the wasm32 target and wasm-bindgen-cli (wasm-bindgen, wasm-bindgen-test-runner)
#   at exactly the version wasm/Cargo.toml pins (the CLI and the library must match),
#   unless that version is already on PATH;
# - builds crdt-wasm with the `wasm-release` profile (opt-level s, LTO; see Cargo.toml);
# - runs `wasm-bindgen --target web` (an ES module: browsers import it, Node calls
#   initSync with the bytes);
# - runs wasm-opt -Oz when a recent binaryen is there (optional): $WASM_OPT, else the
#   pinned npm `binaryen` of wasm/package.json (`npm ci` in wasm/), else a `wasm-opt` on
#   PATH of version 132 or later (the one tried). Debian bookworm's binaryen 108 is not
#   used: its output of this module fails at start-up (WebAssembly.Table.grow throws in
#   __wbindgen_init_externref_table);
# - prints raw and gzipped sizes and writes them to target/artifacts/wasm/size.txt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"
# Where `cargo install` puts wasm-bindgen and wasm-bindgen-test-runner.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

version="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"$/\1/p' wasm/Cargo.toml)"
if [ -z "$version" ]; then
    echo "build.sh: cannot read the exact wasm-bindgen pin from wasm/Cargo.toml" >&2
    exit 1
fi

if command -v rustup >/dev/null; then
    rustup target add wasm32-unknown-unknown >/dev/null
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $version" ] ||
    [ "$(wasm-bindgen-test-runner --version 2>/dev/null || true)" != "wasm-bindgen-test-runner $version" ]; then
    echo "build.sh: installing wasm-bindgen-cli $version (compiles from source, a few minutes)"
    # No default features: they only add TLS (rustls, ring) for downloading WebDrivers,
    # which we never do; it saves about 15% of the build (251 vs 292 CPU seconds).
    cargo install --locked --force --no-default-features wasm-bindgen-cli --version "$version"
fi

cargo build -p crdt-wasm --target wasm32-unknown-unknown --profile wasm-release
wasm="target/wasm32-unknown-unknown/wasm-release/crdt_wasm.wasm"

pkg="wasm/pkg"
rm -rf "$pkg"
wasm-bindgen --target web --out-dir "$pkg" --out-name crdt_wasm "$wasm"

wasm_opt="${WASM_OPT:-}"
if [ -z "$wasm_opt" ] && [ -x wasm/node_modules/.bin/wasm-opt ]; then
    wasm_opt="wasm/node_modules/.bin/wasm-opt"
elif [ -z "$wasm_opt" ] && command -v wasm-opt >/dev/null; then
    system_version="$(wasm-opt --version | sed -n 's/^wasm-opt version \([0-9]*\).*/\1/p')"
    if [ "${system_version:-0}" -ge 132 ]; then
        wasm_opt="wasm-opt"
    else
        echo "build.sh: not using wasm-opt $system_version from PATH (too old, see above)" >&2
    fi
fi
optimised="no (no recent binaryen)"
if [ -n "$wasm_opt" ]; then
    # The features rustc enables by default for wasm32-unknown-unknown.
    "$wasm_opt" -Oz \
        --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        "$pkg/crdt_wasm_bg.wasm" -o "$pkg/crdt_wasm_bg.opt.wasm"
    mv "$pkg/crdt_wasm_bg.opt.wasm" "$pkg/crdt_wasm_bg.wasm"
    optimised="yes ($("$wasm_opt" --version))"
fi

crate_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
cat > "$pkg/package.json" <<JSON
{
  "name": "crdt-wasm",
  "version": "$crate_version",
  "description": "crdt-kit's CRDTs and hybrid logical clock for JavaScript (WebAssembly)",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "crdt_wasm.js",
  "module": "crdt_wasm.js",
  "types": "crdt_wasm.d.ts",
  "files": ["crdt_wasm.js", "crdt_wasm.d.ts", "crdt_wasm_bg.wasm", "crdt_wasm_bg.wasm.d.ts"],
  "sideEffects": ["./snippets/*"]
}
JSON

raw=$(wc -c < "$pkg/crdt_wasm_bg.wasm")
gz=$(gzip -9 -c "$pkg/crdt_wasm_bg.wasm" | wc -c)
js_gz=$(gzip -9 -c "$pkg/crdt_wasm.js" | wc -c)
mkdir -p target/artifacts/wasm
report="crdt_wasm_bg.wasm: $raw bytes raw, $gz bytes gzipped (-9); crdt_wasm.js: $js_gz bytes gzipped; wasm-opt: $optimised"
echo "$report" | tee target/artifacts/wasm/size.txt
limit=$((250 * 1024))
if [ "$gz" -ge "$limit" ]; then
    echo "build.sh: the gzipped .wasm ($gz bytes) is over the 250 KiB budget" >&2
    exit 1
fi
