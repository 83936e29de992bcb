// Loads wasm/pkg (built by wasm/build.sh, `--target web`) in Node: the ES module plus
// initSync with the .wasm bytes, the way a bundler-free app would.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = new URL('../../pkg/', import.meta.url);
const wasmPath = fileURLToPath(new URL('crdt_wasm_bg.wasm', pkg));
if (!existsSync(wasmPath)) {
  throw new Error(`${wasmPath} is missing: run wasm/build.sh first`);
}
const crdt = await import(new URL('crdt_wasm.js', pkg).href);
crdt.initSync({ module: readFileSync(wasmPath) });
export default crdt;
