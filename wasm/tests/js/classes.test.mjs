// Every class through its JS API (names, getters, bigint/number/Uint8Array/string[] types,
// thrown Errors), on the built wasm/pkg. tests/web.rs covers the same from Rust.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crdt from './load.mjs';

const { GCounter, PNCounter, LWWRegister, MVRegister, GSet, TwoPSet, ORSet, Rga, TextCrdt,
  HybridClock, HybridTimestamp } = crdt;

// Syncs b from a and a from b through summaries and deltas.
function sync(a, b) {
  b.applyDelta(a.deltaSince(b.summary()));
  a.applyDelta(b.deltaSince(a.summary()));
}

test('GCounter and PNCounter', () => {
  const a = new GCounter('a');
  a.incrementBy(41);
  const b = a.fork('b');
  b.increment();
  sync(a, b);
  assert.equal(a.value(), 42);
  assert.equal(a.valueBigInt(), 42n);
  assert.equal(a.countFor('b'), 1n);
  assert.equal(a.actor, 'a');
  assert.ok(a.equals(b));
  assert.throws(() => a.incrementBy(1.5), { name: 'Error', message: /incrementBy\(n\) must be an integer/ });
  assert.throws(() => a.incrementBy(-1), /must be an integer from 0 to 9007199254740991, got -1/);
  a.incrementBy(Number.MAX_SAFE_INTEGER);
  assert.throws(() => a.value(), /valueBigInt\(\) returns it exactly/);
  assert.equal(a.valueBigInt(), 42n + BigInt(Number.MAX_SAFE_INTEGER));

  const p = new PNCounter('p');
  p.decrementBy(5);
  p.increment();
  p.decrement();
  const q = PNCounter.decode(p.encode());
  assert.equal(q.value(), -5);
  assert.equal(q.valueBigInt(), -5n);
});

test('LWWRegister', () => {
  const before = Date.now();
  const r = new LWWRegister('a', 'draft');
  assert.ok(r.timestamp >= BigInt(before), 'stamped with Date.now()');
  r.set('final');
  assert.equal(r.value, 'final');
  assert.equal(r.writer, 'a');
  const s = LWWRegister.withTimestamp('b', 'old', 1n);
  assert.equal(s.setWithTimestamp('older', 0n), false, 'an older write loses');
  s.merge(r);
  assert.equal(s.value, 'final');
  assert.throws(() => s.setWithTimestamp('x', 5), TypeError, 'timestamps are bigint');
  const clock = new HybridClock('b');
  assert.equal(s.setWithClock('hlc', clock), true);
  assert.equal(s.timestamp, clock.last().asU64());
});

test('MVRegister', () => {
  const a = new MVRegister('a');
  assert.ok(a.isEmpty());
  const b = new MVRegister('b');
  a.set('red');
  b.set('blue');
  a.applyDelta(b.delta(a));
  assert.deepEqual(a.values(), ['red', 'blue']);
  assert.ok(a.isConflicted());
  a.set('purple');
  sync(a, b);
  assert.deepEqual(b.values(), ['purple']);
});

test('GSet, TwoPSet, ORSet', () => {
  const g = new GSet('g');
  assert.equal(g.insert('b'), true);
  assert.equal(g.insert('b'), false);
  g.insert('a');
  assert.deepEqual(g.toArray(), ['a', 'b']);
  assert.equal(g.size, 2);
  assert.ok(g.contains('a') && !g.isEmpty());

  const t = new TwoPSet('t');
  t.insert('x');
  assert.equal(t.remove('x'), true);
  assert.equal(t.insert('x'), false, 'removed for good');
  assert.ok(t.isRemoved('x') && t.isEmpty());

  const a = new ORSet('a');
  a.insert('milk');
  const b = a.fork('b');
  assert.equal(b.remove('milk'), true);
  b.insert('eggs');
  sync(a, b);
  assert.deepEqual(a.toArray(), ['eggs']);
  assert.ok(a.equals(b));
});

test('Rga', () => {
  const l = new Rga('l');
  l.insertAll(0, ['a', 'c']);
  l.insertAt(1, 'b');
  assert.deepEqual(l.toArray(), ['a', 'b', 'c']);
  assert.equal(l.length, 3);
  assert.equal(l.get(1), 'b');
  assert.equal(l.get(9), undefined);
  assert.equal(l.remove(0), 'a');
  assert.throws(() => l.insertAt(5, 'z'), { message: 'index 5 is out of bounds for a sequence of length 2' });
  assert.throws(() => l.removeRange(1, 2), /out of bounds/);
  assert.deepEqual(Rga.decode(l.encode()).toArray(), ['b', 'c']);
  assert.equal(l.pendingLength, 0);
});

test('TextCrdt', () => {
  const a = new TextCrdt('a');
  a.insertStr(0, 'hello 🌍');
  assert.equal(a.length, 7, 'Unicode scalar values, not UTF-16 units');
  const b = a.fork('b');
  a.insert(7, '!');
  b.splice(0, 1, 'H');
  sync(a, b);
  assert.equal(a.toString(), 'Hello 🌍!');
  assert.equal(`${b}`, 'Hello 🌍!');
  assert.equal(a.get(6), '🌍');
  assert.equal(a.remove(6), '🌍');
  assert.throws(() => a.insert(0, 'ab'), /exactly one character, got 2/);
  assert.throws(() => a.insertStr(-1, 'x'), /index must be an integer/);
  assert.throws(() => a.splice(5, 99, ''), /out of bounds/);
  assert.equal(a.toString(), 'Hello !', 'refused edits change nothing');
});

test('HybridClock and HybridTimestamp', () => {
  const clock = new HybridClock('n');
  const t1 = clock.now();
  const t2 = clock.now();
  assert.equal(t2.compare(t1), 1);
  assert.equal(clock.node, 'n');
  assert.equal(clock.maxDrift, 60000);
  clock.setMaxDrift(1000);
  const far = new HybridTimestamp(Date.now() + 3_600_000, 0, 'm');
  assert.throws(() => clock.receive(far), /maximum allowed drift is 1000 ms/);
  assert.ok(clock.last().equals(t2), 'a refused timestamp leaves the clock unchanged');
  const t = new HybridTimestamp(1000, 2, 'x');
  assert.equal(t.toString(), '1000.2@x');
  assert.equal(t.asU64(), (1000n << 16n) | 2n);
  assert.ok(HybridTimestamp.fromU64(t.asU64(), 'x').equals(t));
  assert.ok(HybridTimestamp.decode(t.encode()).equals(t));
  assert.throws(() => new HybridTimestamp(1, 70000, 'x'), /logical must be an integer from 0 to 65535/);
});

test('bad bytes throw for every class, and trailing bytes are not ignored', () => {
  const junk = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  for (const Class of [GCounter, PNCounter, LWWRegister, MVRegister, GSet, TwoPSet, ORSet, Rga, TextCrdt]) {
    assert.throws(() => Class.decode(junk), { message: new RegExp(`cannot decode a ${Class.name}`) });
    const fresh = Class === LWWRegister ? LWWRegister.withTimestamp('r', '', 0n) : new Class('r');
    assert.throws(() => fresh.applyDelta(junk), /cannot decode/);
    assert.throws(() => fresh.deltaSince(junk), /cannot decode/);
    const withExtra = new Uint8Array([...fresh.encode(), 0]);
    assert.throws(() => Class.decode(withExtra), /1 trailing/);
  }
  assert.throws(() => HybridTimestamp.decode(junk), /cannot decode a HybridTimestamp/);
});
