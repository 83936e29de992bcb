// JS side of the native <-> JS delta interop (see tests/interop.rs):
// - applies the deltas native Rust made (tests/golden/rust) and checks the values native
//   Rust recorded, and that JS encodes scenario("rust") to the very same bytes;
// - writes the deltas of scenario("js") and the values JS sees to $CRDT_WASM_JS_OUT (default
//   target/artifacts/wasm/js-deltas), which wasm/ci.sh then has native Rust apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cases } from './scenarios.mjs';

const golden = fileURLToPath(new URL('../golden/rust/', import.meta.url));
const rustValues = JSON.parse(readFileSync(golden + 'values.json', 'utf8'));
const outDir =
  process.env.CRDT_WASM_JS_OUT ??
  fileURLToPath(new URL('../../../target/artifacts/wasm/js-deltas/', import.meta.url));

test('every type has a native golden delta', () => {
  assert.deepEqual(Object.keys(rustValues).sort(), Object.keys(cases).sort());
});

for (const [name, scenario] of Object.entries(cases)) {
  test(`${name}: a delta made by native Rust applies in JS`, () => {
    const bytes = new Uint8Array(readFileSync(`${golden}${name}.delta`));
    assert.deepEqual(scenario.apply(bytes), rustValues[name]);
    assert.deepEqual(scenario.delta('rust'), bytes, 'JS encodes the same scenario to the same bytes');
  });
}

test('JS deltas are written for native Rust to apply', () => {
  mkdirSync(outDir, { recursive: true });
  const values = {};
  for (const [name, scenario] of Object.entries(cases)) {
    const bytes = scenario.delta('js');
    writeFileSync(`${outDir}/${name}.delta`, bytes);
    values[name] = scenario.apply(bytes);
  }
  writeFileSync(`${outDir}/values.json`, JSON.stringify(values, null, 2) + '\n');
  assert.deepEqual(values, rustValues, 'the same scenarios give the same values');
});
