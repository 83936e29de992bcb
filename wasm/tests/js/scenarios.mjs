// The nine interop scenarios in JS; tests/interop.rs has the same ones in native Rust.
// Run by replica `actor`, each returns the delta of its final state against a fresh
// replica of `PEER`; `apply` applies delta bytes to a fresh replica and returns its value.
import crdt from './load.mjs';

export const PEER = 'peer';

export const cases = {
  GCounter: {
    delta(actor) {
      const c = new crdt.GCounter(actor);
      c.incrementBy(5);
      c.increment();
      return c.delta(new crdt.GCounter(PEER));
    },
    apply(d) {
      const c = new crdt.GCounter(PEER);
      c.applyDelta(d);
      return c.value();
    },
  },
  PNCounter: {
    delta(actor) {
      const c = new crdt.PNCounter(actor);
      c.incrementBy(10);
      c.decrementBy(3);
      return c.delta(new crdt.PNCounter(PEER));
    },
    apply(d) {
      const c = new crdt.PNCounter(PEER);
      c.applyDelta(d);
      return c.value();
    },
  },
  LWWRegister: {
    delta(actor) {
      const r = crdt.LWWRegister.withTimestamp(actor, 'first', 1000n);
      if (!r.setWithTimestamp('second', 2000n)) throw new Error('a later write must win');
      return r.delta(crdt.LWWRegister.withTimestamp(PEER, '', 0n));
    },
    apply(d) {
      const r = crdt.LWWRegister.withTimestamp(PEER, '', 0n);
      r.applyDelta(d);
      return r.value;
    },
  },
  MVRegister: {
    delta(actor) {
      const r = new crdt.MVRegister(actor);
      r.set('x');
      r.set('y');
      return r.delta(new crdt.MVRegister(PEER));
    },
    apply(d) {
      const r = new crdt.MVRegister(PEER);
      r.applyDelta(d);
      return r.values();
    },
  },
  GSet: {
    delta(actor) {
      const s = new crdt.GSet(actor);
      for (const v of ['b', 'a', 'c']) s.insert(v);
      return s.delta(new crdt.GSet(PEER));
    },
    apply(d) {
      const s = new crdt.GSet(PEER);
      s.applyDelta(d);
      return s.toArray();
    },
  },
  TwoPSet: {
    delta(actor) {
      const s = new crdt.TwoPSet(actor);
      s.insert('a');
      s.insert('b');
      s.remove('a');
      return s.delta(new crdt.TwoPSet(PEER));
    },
    apply(d) {
      const s = new crdt.TwoPSet(PEER);
      s.applyDelta(d);
      return s.toArray();
    },
  },
  ORSet: {
    delta(actor) {
      const s = new crdt.ORSet(actor);
      for (const v of ['apple', 'banana', 'cherry']) s.insert(v);
      s.remove('banana');
      return s.delta(new crdt.ORSet(PEER));
    },
    apply(d) {
      const s = new crdt.ORSet(PEER);
      s.applyDelta(d);
      return s.toArray();
    },
  },
  Rga: {
    delta(actor) {
      const l = new crdt.Rga(actor);
      l.insertAll(0, ['one', 'three']);
      l.insertAt(1, 'two');
      return l.delta(new crdt.Rga(PEER));
    },
    apply(d) {
      const l = new crdt.Rga(PEER);
      l.applyDelta(d);
      return l.toArray();
    },
  },
  TextCrdt: {
    delta(actor) {
      const t = new crdt.TextCrdt(actor);
      t.insertStr(0, 'hello world');
      t.splice(0, 1, 'H');
      t.insert(11, '!');
      t.insertStr(5, ' 🌍');
      return t.delta(new crdt.TextCrdt(PEER));
    },
    apply(d) {
      const t = new crdt.TextCrdt(PEER);
      t.applyDelta(d);
      return t.toString();
    },
  },
};
