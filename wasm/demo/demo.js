// Two TextCrdt replicas, one per textarea. Each edit of a textarea becomes one splice of
// its replica (positions in Unicode scalar values, as TextCrdt counts them); "Sync"
// exchanges deltas both ways. No bundler: the page imports wasm/pkg directly.
import init, { TextCrdt } from '../pkg/crdt_wasm.js';

const status = document.getElementById('status');
const syncButton = document.getElementById('sync');

function show(state, message) {
  status.dataset.state = state;
  status.textContent = message;
}

// The single edit that turns `before` into `after`: common prefix and suffix, in chars.
function diff(before, after) {
  const a = Array.from(before);
  const b = Array.from(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return { pos: start, deleteCount: endA - start, insert: b.slice(start, endB).join('') };
}

function replicaView(name) {
  const area = document.getElementById(name);
  const meta = document.getElementById(`${name}-meta`);
  const doc = new TextCrdt(name);
  const view = {
    doc,
    area,
    render() {
      area.value = doc.toString();
      meta.textContent = `${doc.length} characters, ${doc.encode().length} bytes encoded`;
    },
  };
  area.addEventListener('input', () => {
    const edit = diff(doc.toString(), area.value);
    try {
      doc.splice(edit.pos, edit.deleteCount, edit.insert);
    } catch (e) {
      show('error', `${name}: ${e.message}`);
      view.render();
      return;
    }
    meta.textContent = `${doc.length} characters, ${doc.encode().length} bytes encoded`;
    show('edited', 'Offline edits: press Sync');
  });
  view.render();
  return view;
}

try {
  await init();
  const alice = replicaView('alice');
  const bob = replicaView('bob');
  syncButton.addEventListener('click', () => {
    try {
      const toBob = alice.doc.deltaSince(bob.doc.summary());
      const toAlice = bob.doc.deltaSince(alice.doc.summary());
      bob.doc.applyDelta(toBob);
      alice.doc.applyDelta(toAlice);
      alice.render();
      bob.render();
      const same = alice.doc.equals(bob.doc) && alice.area.value === bob.area.value;
      show(same ? 'synced' : 'diverged',
        `${same ? 'In sync' : 'DIVERGED'}: sent ${toBob.length} bytes to Bob, ${toAlice.length} bytes to Alice`);
    } catch (e) {
      show('error', `sync failed: ${e.message}`);
    }
  });
  syncButton.disabled = false;
  show('ready', 'Ready: type in both boxes, then Sync');
} catch (e) {
  show('error', `cannot start: ${e.message}`);
}
