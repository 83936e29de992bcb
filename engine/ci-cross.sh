#!/usr/bin/env bash
# Cross-target check of crdt-store (issue 3, SB-5 on every OS): the crate must build for
# Windows and macOS, whose file locking and positional I/O differ from Linux. A check
# build needs no linker or C cross compiler (default features only: the `sqlite`
# feature bundles C code). Installs the targets itself; fails when it cannot.
# About 1-2 minutes on 2 cores (dependency metadata for two targets).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rustup >/dev/null || { echo "ci-cross: rustup is required" >&2; exit 1; }
targets=(x86_64-pc-windows-gnu x86_64-apple-darwin)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
    echo "=== cargo check -p crdt-store --all-targets --target $t"
    cargo check -p crdt-store --all-targets --target "$t"
done
