// The demo page in Debian's headless Chromium, driven by playwright-core (never a
// downloaded browser): type into both replicas offline, sync, and check that the DOM shows
// the same text in both; a screenshot goes to target/artifacts/wasm/demo.png.
// Needs wasm/pkg (wasm/build.sh) and `npm ci` in wasm/. CHROMIUM overrides the browser path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../demo/serve.mjs';

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../../target/artifacts/wasm/', import.meta.url));
const flags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic',
];

test('two replicas edited offline show the same text after Sync', { timeout: 60_000 }, async () => {
  assert.ok(existsSync(executablePath), `${executablePath} is missing: apt-get install -y chromium`);
  const server = await serve(0);
  const profile = mkdtempSync(join(tmpdir(), 'crdt-wasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: flags,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/demo/index.html`);
    const status = page.locator('#status');
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });

    const alice = page.locator('#alice');
    const bob = page.locator('#bob');
    await alice.click();
    await page.keyboard.type('Hello from Alice');
    await bob.click();
    await page.keyboard.type('Bob: offline too 🌍');
    assert.equal(await alice.inputValue(), 'Hello from Alice');
    assert.equal(await bob.inputValue(), 'Bob: offline too 🌍');

    await page.click('#sync');
    await page.waitForSelector('#status[data-state="synced"]');
    const first = await alice.inputValue();
    assert.equal(await bob.inputValue(), first, 'both replicas show the same text');
    assert.ok(first.includes('Hello from Alice') && first.includes('Bob: offline too 🌍'), first);

    // Concurrent edits of the shared text: an insert at the start on one side, deletes at
    // the end on the other.
    await alice.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('> ');
    await bob.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('!');
    assert.equal(await status.getAttribute('data-state'), 'edited');
    await page.click('#sync');
    await page.waitForSelector('#status[data-state="synced"]');
    const second = await alice.inputValue();
    assert.equal(await bob.inputValue(), second);
    assert.ok(second.startsWith('> ') && second.endsWith('!'), second);
    assert.deepEqual(errors, [], 'no uncaught error on the page');

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'demo.png'), fullPage: true });
    console.log(`synced text: ${JSON.stringify(second)}; status: ${await status.textContent()}`);
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
