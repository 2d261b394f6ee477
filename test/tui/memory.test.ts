/**
 * What the UI's store keeps per message: 100 000 message records (fresh objects, as the loader
 * pushes them) go in, and the heap plus typed-array memory it holds afterwards (after full
 * garbage collections) must stay at a few dozen bytes a message — the records themselves are
 * spooled to a file, not kept (they were ~1 KB each when the store held them). Also: a pushed
 * record is not retained at all; past the row cap records are counted, not kept, and the header
 * and the overview say so; the heap keeper collects once the heap has grown its slack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { HeapKeeper } from '../../src/tui/heap.js';
import { overviewLines } from '../../src/tui/overview.js';
import { Header } from '../../src/tui/views.js';
import { makeTheme } from '../../src/tui/theme.js';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { MessageRecord, OutputRecord } from '../../src/records/index.js';
import { MAX_ROWS, RecordStore } from '../../src/tui/store.js';
import { syntheticRecords } from './fixtures.js';

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;
const gc = () => {
  collect();
  collect();
};
const held = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const records = syntheticRecords(30);
const templates = records.filter((r): r is MessageRecord => r.type === 'message' && (r.typeId === 8 || r.typeId === 9));

/** Message `i` of a long publish: a fresh record (own objects, as the analyzer builds them). */
function message(i: number): MessageRecord {
  const t = templates[i % templates.length]!;
  const frame = 10_000 + i;
  const offset = 1_000_000 + i * 1500;
  return {
    ...t,
    frame,
    firstFrame: frame,
    time: 1_700_000_100 + i / 1000,
    offset,
    timestamp: i * 20,
    ...(t.media === undefined ? {} : { media: { ...t.media } }),
    chunks: { ...t.chunks, list: t.chunks.list.map((c) => [c[0], offset, c[2], c[3], frame] as const) },
  };
}

/** Per-message bound: ~42 bytes are expected (34 of columns, 8 of spool offset). */
const MAX_BYTES_PER_MESSAGE = 80;

test('memory: the store holds a few dozen bytes per message (100k messages)', (t) => {
  const N = 100_000;
  const store = new RecordStore();
  try {
    store.push(records); // the session exists, the spool is open
    gc();
    const before = held();
    for (let i = 0; i < N;) {
      const batch: OutputRecord[] = [];
      for (let k = 0; k < 64 && i < N; k++, i++) batch.push(message(i));
      store.push(batch);
    }
    gc();
    const perMessage = (held() - before) / N;
    assert.equal(store.sessions[0]!.items.length, records.filter((r) => r.type !== 'session' && r.type !== 'capture' && r.type !== 'stream' && r.session === 1).length + N);
    assert.ok(perMessage < MAX_BYTES_PER_MESSAGE, `${perMessage.toFixed(1)} bytes per message (bound ${MAX_BYTES_PER_MESSAGE})`);
    // Still browsable: the last message reads back whole.
    const items = store.sessions[0]!.items;
    assert.deepEqual(items.record(items.length - 1), JSON.parse(JSON.stringify(message(N - 1))));
    // Reported for the record (node --test prints diagnostics).
    t.diagnostic(`store: ${perMessage.toFixed(1)} bytes per message`);
  } finally {
    store.dispose();
  }
});

test('memory: a pushed record is not retained by the store', async () => {
  const store = new RecordStore();
  try {
    store.push(records);
    let ref: WeakRef<object> | undefined;
    (() => {
      const r = message(1);
      ref = new WeakRef(r);
      store.push([r]);
    })();
    await new Promise((r) => setImmediate(r));
    gc();
    assert.equal(ref.deref(), undefined, 'collected after the push');
    assert.equal(store.sessions[0]!.items.record(store.sessions[0]!.items.length - 1)?.frame, message(1).frame);
  } finally {
    store.dispose();
  }
});

test('memory: past the row cap records are counted, not kept; the header and the overview say so', () => {
  const cap = records.length + 50;
  const store = new RecordStore({ maxRows: cap, heap: null });
  try {
    assert.equal(new RecordStore({ heap: null }).maxRows, MAX_ROWS);
    store.push(records);
    const s = store.sessions[0]!;
    const items0 = store.sessions.reduce((n, x) => n + x.items.length, 0);
    const msgs0 = store.messageCount;
    const spooled0 = store.spool.count;
    const N = 500;
    for (let i = 0; i < N; i++) store.push([message(i)]);
    const kept = store.sessions.reduce((n, x) => n + x.items.length, 0);
    assert.ok(kept <= cap, `${kept} rows kept, cap ${cap}`);
    assert.equal(store.messageCount, msgs0 + N, 'every message counted');
    assert.equal(s.messageCount > N, true);
    assert.ok(store.rowsDropped > 0 && store.rowsDropped === N - (kept - items0), `${store.rowsDropped} dropped`);
    assert.equal(s.dropped, store.rowsDropped);
    assert.ok(store.spool.count - spooled0 <= 50 * 2, 'nothing past the cap is spooled');
    // The overview's meters still count every media message.
    const o = overviewLines(s, 80)
      .map((l) => `${l.label}: ${l.value ?? ''}`)
      .join('\n');
    assert.match(o, new RegExp(`row cap: ${store.rowsDropped} later records counted, not in the timeline`));
    const h = render(
      createElement(Header, { title: 'x.pcap', state: 'done', error: null, records: store.recordCount, messages: store.messageCount, sessions: 2, follow: false, live: false, dropped: store.rowsDropped, maxRows: cap, width: 100, theme: makeTheme(false) }),
    );
    assert.match(h.lastFrame() ?? '', new RegExp(`⚠ ${store.rowsDropped} over the ${cap}-row cap`));
    h.unmount();
  } finally {
    store.dispose();
  }
});

test('heap keeper: a full collection once the heap in use has grown past its slack, none before', () => {
  let calls = 0;
  const keeper = new HeapKeeper(4 << 20, () => {
    calls++;
    gc();
  });
  keeper.check();
  assert.equal(calls, 0, 'nothing grew');
  const hold: unknown[] = [];
  for (let i = 0; i < 200_000 && calls === 0; i++) {
    hold.push({ i, s: `x${i}` });
    if (i % 1000 === 0) keeper.check();
  }
  assert.equal(calls, 1, 'collected once the slack was exceeded');
  assert.equal(keeper.collections, 1);
  keeper.check();
  assert.equal(calls, 1, 'measured again from what the collection left');
  const none = new HeapKeeper(1, null);
  none.check();
  assert.equal(none.collections, 0, 'no gc: nothing done');
  hold.length = 0;
});
