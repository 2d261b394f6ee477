/**
 * The TUI's data side without ink: the record store (sessions, roles, state, problem counts,
 * append-only arrays, the throttled notifier), the filter language and its incremental index,
 * the detail tree (AMF args, chunk layout, hex), the diagnostic → message lookup, and the
 * formatting helpers (wire strings made safe for the terminal).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageRecord, OutputRecord } from '../../src/records/index.js';
import { FilteredIndex, matches, parseFilter, type Filter } from '../../src/tui/filter.js';
import { clean, fit, kindOf, summarize } from '../../src/tui/format.js';
import { computeLayout } from '../../src/tui/layout.js';
import { StoreModel } from '../../src/tui/model.js';
import { sessionRows } from '../../src/tui/rows.js';
import { RecordStore, type Scheduler } from '../../src/tui/store.js';
import { colorEnabled, makeTheme } from '../../src/tui/theme.js';
import { buildDetail, flattenDetail, hexDump } from '../../src/tui/tree.js';
import { syntheticRecords } from './fixtures.js';

const records = syntheticRecords(30);
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function manualScheduler() {
  let now = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const sched: Scheduler = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn, id: next++ };
      timers.push(t);
      return t.id;
    },
    clearTimeout: (h) => {
      const i = timers.findIndex((t) => t.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  return {
    sched,
    advance(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now) {
          timers.splice(timers.indexOf(t), 1);
          t.fn();
        }
      }
    },
    pending: () => timers.length,
  };
}

test('store: sessions with endpoints, app/stream, role, state and problem counts', () => {
  const store = new RecordStore();
  store.push(records);
  store.finish();
  assert.equal(store.state, 'done');
  assert.equal(store.sessions.length, 2);
  const [pub, play] = store.sessions;
  assert.equal(pub!.client, '10.0.0.1:50000');
  assert.equal(pub!.server, '10.0.0.2:1935');
  assert.equal(pub!.appStream, 'live/cam1');
  assert.equal(pub!.role, 'publish');
  assert.equal(play!.appStream, 'vod/movie');
  assert.equal(play!.role, 'play');
  assert.equal(pub!.closed, true);
  assert.equal(play!.problemCount, store.diagnostics.toArray().filter((d) => d.session === 2).length);
  assert.equal(play!.worst, 'error');
  assert.equal(store.messageCount, records.filter((r) => r.type === 'message').length);
  assert.equal(store.recordCount, records.length);
  assert.equal(pub!.items.length, records.filter((r) => r.type !== 'session' && r.type !== 'capture' && r.type !== 'stream' && 'session' in r && r.session === 1).length);
});

test('store: a session is open until its session record arrives; arrays are appended, never copied', () => {
  const store = new RecordStore();
  const sessionRecs = records.filter((r) => r.type === 'session');
  const rest = records.filter((r) => r.type !== 'session');
  store.push(rest.slice(0, 10));
  const s = store.sessions[0]!;
  const items = s.items;
  assert.equal(s.closed, false);
  store.push(rest.slice(10));
  assert.equal(s.items, items, 'the same array');
  assert.equal(store.sessions[0], s);
  store.push(sessionRecs);
  assert.equal(s.closed, true);
  const first = sessionRecs[0]!;
  assert.equal(s.startTime, first.type === 'session' ? first.startTime : NaN);
  // Records are spooled, not kept: they read back as they were pushed (as JSON: AMF objects come
  // back with a plain prototype rather than a null one).
  assert.deepEqual(items.record(0), json(rest[0]), 'records read back from the spool as they were pushed');
  assert.deepEqual(items.toArray(), json(rest.filter((r) => r.type !== 'capture' && r.type !== 'stream' && 'session' in r && r.session === 1)));
});

test('store: notifications are throttled; finish and fail publish at once', () => {
  const clock = manualScheduler();
  const store = new RecordStore({ notifyIntervalMs: 100, scheduler: clock.sched });
  let calls = 0;
  const unsub = store.subscribe(() => calls++);
  const v0 = store.getSnapshot();
  for (const r of records) store.push([r]);
  assert.equal(calls, 0, 'never synchronously from push');
  clock.advance(0);
  assert.equal(calls, 1, 'the first change is published on the next tick');
  const v1 = store.getSnapshot();
  assert.notEqual(v1, v0);
  for (const r of records) store.push([r]);
  assert.equal(store.getSnapshot(), v1, 'the snapshot holds between notifications');
  clock.advance(50);
  assert.equal(calls, 1);
  clock.advance(50);
  assert.equal(calls, 2, 'one notification per interval, however many pushes');
  store.push(records.slice(0, 1));
  store.finish();
  assert.equal(calls, 3, 'finish publishes immediately');
  assert.equal(clock.pending(), 0, 'and cancels the pending timer');
  store.fail('boom \u001b[2J');
  assert.equal(store.state, 'error');
  assert.equal(store.error, 'boom ·[2J');
  unsub();
  store.dispose();
});

test('store: the first notification is immediate when the interval has passed', () => {
  const clock = manualScheduler();
  const store = new RecordStore({ notifyIntervalMs: 100, scheduler: clock.sched });
  let calls = 0;
  store.subscribe(() => calls++);
  store.push(records.slice(0, 1));
  clock.advance(0);
  assert.equal(calls, 1);
  clock.advance(500);
  store.push(records.slice(1, 2));
  clock.advance(0);
  assert.equal(calls, 2);
});

const f = (text: string): Filter => {
  const r = parseFilter(text);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.error}`);
  return r.filter;
};

test('filter: the language parses keys, values, negation and free text', () => {
  assert.deepEqual(f('dir:c2s').terms, [{ key: 'dir', dir: 'c2s', neg: false }]);
  assert.deepEqual(f('DIR:S2C').terms, [{ key: 'dir', dir: 's2c', neg: false }]);
  assert.deepEqual(f('type:video').terms, [{ key: 'kind', kind: 'video', neg: false }]);
  assert.deepEqual(f('type:diag').terms, [{ key: 'kind', kind: 'diagnostic', neg: false }]);
  assert.deepEqual(f('type:9').terms, [{ key: 'typeId', typeId: 9, neg: false }]);
  assert.deepEqual(f('type:user').terms, [{ key: 'typeName', text: 'user', neg: false }]);
  assert.deepEqual(f('name:publish').terms, [{ key: 'name', text: 'publish', neg: false }]);
  assert.deepEqual(f('stream:1').terms, [{ key: 'streamId', streamId: 1, neg: false }]);
  assert.deepEqual(f('stream:cam1').terms, [{ key: 'streamName', text: 'cam1', neg: false }]);
  assert.deepEqual(f('frame:20-10').terms, [{ key: 'frame', from: 10, to: 20, neg: false }]);
  assert.deepEqual(f('!type:audio  csid:4').terms, [
    { key: 'kind', kind: 'audio', neg: true },
    { key: 'csid', csid: 4, neg: false },
  ]);
  assert.deepEqual(f('NetStream.Publish').terms, [{ key: 'text', text: 'netstream.publish', neg: false }]);
  assert.deepEqual(f('10.0.0.1:50000').terms, [{ key: 'text', text: '10.0.0.1:50000', neg: false }], 'ip:port is free text');
  assert.deepEqual(f('   ').terms, []);
  for (const bad of ['dir:up', 'foo:bar', 'csid:x', 'frame:a-b', 'name:']) assert.equal(parseFilter(bad).ok, false, bad);
});

test('filter: terms select the right records', () => {
  const store = new RecordStore();
  store.push(records);
  const pub = store.sessions[0]!;
  const items = pub.items.toArray();
  const count = (text: string) => items.filter((r) => matches(f(text), r, pub)).length;
  const msgs = items.filter((r): r is MessageRecord => r.type === 'message');
  assert.equal(count('type:video'), msgs.filter((m) => m.typeId === 9).length);
  assert.ok(count('type:video') > 20);
  assert.equal(count('type:video'), count('type:9'));
  assert.equal(count('name:publish'), 2, 'publish and FCPublish');
  assert.equal(count('dir:s2c'), items.filter((r) => r.dir === 's2c').length);
  assert.equal(count('stream:1'), msgs.filter((m) => m.streamId === 1).length);
  assert.equal(count('stream:cam1') > 0, true);
  assert.equal(count('netstream.publish.start'), 1);
  assert.equal(count('type:handshake'), 6);
  assert.equal(count('type:diagnostic'), pub.problemCount);
  assert.equal(count('!type:audio !type:video dir:c2s'), items.filter((r) => r.dir === 'c2s' && kindOf(r) !== 'audio' && kindOf(r) !== 'video').length);
  // The index evaluates terms on the compact rows (columns, interned or spooled texts): the same
  // rows as the record predicate, in both sessions.
  const texts = [
    'type:video',
    'type:9',
    'type:user',
    'type:handshake',
    'type:diag',
    'name:publish',
    'name:c1',
    'name:tcp.gap',
    'dir:s2c',
    'stream:1',
    'stream:cam1',
    'stream:movie',
    '!stream:cam1',
    'csid:4',
    'frame:10-30',
    'netstream.publish.start',
    'aac !stereo',
    'warn',
    'handshake digest',
    '!type:audio !type:video dir:c2s',
  ];
  for (const s of store.sessions) {
    const all = s.items.toArray();
    for (const text of texts) {
      const idx = new FilteredIndex(s, f(text)).sync();
      const want = all.flatMap((r, i) => (matches(f(text), r, s) ? [i] : []));
      assert.deepEqual(
        Array.from({ length: idx.length }, (_, row) => idx.itemIndex(row)),
        want,
        `${text} in session ${s.id}`,
      );
    }
  }
});

test('filter: the index grows incrementally and maps items to rows', () => {
  const store = new RecordStore();
  const msgs = records.filter((r) => r.type !== 'session');
  store.push(msgs.slice(0, 12));
  const idx = new FilteredIndex(store.sessions[0]!, f('type:command'));
  const first = idx.sync().length;
  store.push(msgs.slice(12));
  const all = idx.sync().length;
  assert.ok(all > first);
  const items = store.sessions[0]!.items;
  for (let row = 0; row < idx.length; row++) {
    const r = idx.record(row)!;
    assert.equal(kindOf(r), 'command');
    const item = idx.itemIndex(row);
    assert.deepEqual(items.record(item), r);
    assert.equal(idx.rowOfItem(item), row);
  }
  assert.equal(idx.record(all), undefined);
  assert.equal(idx.rowOfItem(0), 0);
  assert.equal(idx.rowOfItem(1e9), all - 1);
});

test('tree: a connect message: header, command fields, AMF arguments, chunk layout', () => {
  const connect = records.find((r): r is MessageRecord => r.type === 'message' && r.name === 'connect')!;
  const nodes = buildDetail(connect, { sessionStart: connect.time, width: 60 });
  assert.deepEqual(
    nodes.map((n) => n.id),
    ['msg', 'cmd', 'args', 'chunks'],
  );
  assert.equal(
    flattenDetail(nodes, {}).some((l) => l.id === 'args/0'),
    false,
    'arguments start closed (connect has typed fields)',
  );
  const lines = flattenDetail(nodes, { args: true });
  const text = lines.map((l) => `${'  '.repeat(l.depth)}${l.label}${l.value === undefined ? '' : ': ' + l.value}`);
  assert.ok(text.includes('  Type: 20 AMF0 Command'));
  assert.ok(text.includes('  app: "live"'), 'command fields');
  assert.ok(text.includes('    app: "live"'), 'the AMF object under Arguments [0]');
  assert.ok(text.includes('    fourCcList: array [3]'));
  assert.ok(!text.includes('      [0]: "av01"'), 'depth 2 is closed by default');
  const open = flattenDetail(nodes, { args: true, 'args/0/fourCcList': true }).map((l) => l.label);
  assert.ok(open.includes('[0]'));
  const chunks = lines.filter((l) => l.id.startsWith('chunks/') && /^\d+$/.test(l.id.slice(7)));
  assert.equal(chunks.length, connect.chunks.list.length);
  assert.ok(lines.some((l) => l.id === 'chunks/ruler' && l.label.startsWith('|#')));
  assert.ok(
    lines.every((l) => l.label.length <= 60),
    'ruler and table fit the width',
  );
  const closed = flattenDetail(nodes, { chunks: false });
  assert.equal(closed.filter((l) => l.id.startsWith('chunks/')).length, 0);
});

test('tree: media, control, handshake and diagnostic records; raw bytes as hex', () => {
  const video = records.find((r): r is MessageRecord => r.type === 'message' && r.typeId === 9)!;
  const ids = buildDetail(video, { sessionStart: 0, width: 80 }).map((n) => n.id);
  assert.deepEqual(ids, ['msg', 'media', 'chunks']);
  const hs = records.find((r) => r.type === 'handshake' && r.part === 'C1')!;
  assert.ok(hs.type === 'handshake');
  const hsLines = flattenDetail(buildDetail(hs, { sessionStart: hs.time, width: 80 }), {}).map((l) => l.label);
  assert.ok(hsLines.includes('Part') && hsLines.includes('Peer version'));
  const d = records.find((r) => r.type === 'diagnostic' && r.code === 'rtmp.chunk.size-out-of-range')!;
  assert.ok(d.type === 'diagnostic');
  const dNodes = buildDetail(d, { sessionStart: 0, width: 50 });
  assert.ok(
    dNodes.some((n) => n.id === 'explain'),
    'the catalogue explanation',
  );
  const raw: MessageRecord = { ...video, typeId: 29, typeName: 'Unknown (29)', rawHex: '000102414243ff', media: undefined };
  const rawNodes = buildDetail(raw, { sessionStart: 0, width: 80 });
  const hex = rawNodes.find((n) => n.id === 'hex');
  assert.equal(hex?.children?.[0]?.label, `0000  ${'00 01 02 41 42 43 ff'.padEnd(47)}  ...ABC.`);
  assert.equal(hexDump('00'.repeat(20), 40)[1], '0008  00 00 00 00 00 00 00 00  ........', 'narrow: 8 bytes a line');
});

test('model: a diagnostic points at the message in its session, direction and frame', () => {
  const store = new RecordStore();
  store.push(records);
  const m = new StoreModel(store);
  const diags = store.diagnostics.toArray();
  const i = diags.findIndex((d) => d.code === 'rtmp.chunk.size-out-of-range');
  const t = m.diagnosticTarget(i)!;
  const r = store.sessions[t.session]!.items.record(t.item)!;
  assert.ok(r.type === 'message' && r.typeName === 'Set Chunk Size' && r.dir === 's2c');
  const gap = diags.findIndex((d) => d.code === 'tcp.gap');
  const g = m.diagnosticTarget(gap)!;
  const gr = store.sessions[g.session]!.items.record(g.item)!;
  assert.ok(gr.type === 'message', 'no message in the gap frame: the nearest one');
  // Capture-level diagnostics have no target.
  store.push([{ type: 'diagnostic', session: null, severity: 'warn', code: 'capture.truncated', message: 'x' }]);
  assert.equal(m.diagnosticTarget(store.diagnostics.length - 1), null);
});

test('format: wire strings cannot reach the terminal as control sequences', () => {
  assert.equal(clean('a\u001b[2Jb\u0007c\u009bd\u202ee'), 'a·[2Jb·c·d·e');
  const evil: OutputRecord[] = records.map((r) => (r.type === 'message' && r.name === 'publish' ? { ...r, command: { streamName: 'x\u001b]0;pwned\u0007' } } : r));
  const store = new RecordStore();
  store.push(evil);
  assert.equal(store.sessions[0]!.streams[0], 'x·]0;pwned·');
  const pub = evil.find((r): r is MessageRecord => r.type === 'message' && r.name === 'publish')!;
  assert.ok(!/[\u0000-\u001f]/.test(summarize(pub)));
  assert.equal(fit('abcdef', 4), 'abc…');
  assert.equal(fit('ab', 4, 'right'), '  ab');
});

test('theme and layout: NO_COLOR and non-TTY turn colour off; narrow terminals drop columns', () => {
  assert.equal(colorEnabled({ isTTY: true }, {}), true);
  assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(colorEnabled({ isTTY: true }, { NO_COLOR: '' }), true);
  assert.equal(colorEnabled({ isTTY: false }, {}), false);
  assert.equal(makeTheme(false).fg('video'), undefined);
  assert.equal(makeTheme(true).fg('video'), 'yellow');
  const wide = computeLayout({ columns: 160, rows: 45 }, { sessions: 2, diagnostics: 3 }, 'timeline');
  assert.equal(wide.split, true);
  assert.ok(wide.timeline.csid > 0);
  const small = computeLayout({ columns: 80, rows: 24 }, { sessions: 2, diagnostics: 3 }, 'timeline');
  assert.equal(small.split, false);
  assert.equal(small.showDetail, false);
  assert.equal(small.timeline.csid, 0, 'csid is the first column dropped');
  assert.ok(small.timeline.size > 0);
  assert.equal(small.sessionsHeight + small.mainHeight + small.diagnosticsHeight + 2, 23);
  assert.ok(small.viewport.timeline >= 10);
  assert.equal(computeLayout({ columns: 80, rows: 24 }, { sessions: 2, diagnostics: 3 }, 'detail').showTimeline, false);
  assert.equal(computeLayout({ columns: 30, rows: 10 }, { sessions: 0, diagnostics: 0 }, 'sessions').tooSmall, true);
});

test("store: a session's transport: unknown, rtmpe from an encrypted C0, then the session record's", () => {
  const store = new RecordStore();
  const c0 = records.find((r) => r.type === 'handshake' && r.part === 'C0' && r.session === 1)!;
  const others = records.filter((r) => r !== c0 && r.type !== 'session');
  store.push(others.filter((r) => r.type !== 'handshake'));
  const s = store.sessions[0]!;
  assert.equal(s.transport, null);
  store.push([{ ...c0, version: 6, encrypted: true } as OutputRecord]);
  assert.equal(s.transport, 'rtmpe');
  const rec = records.find((r) => r.type === 'session' && r.session === 1)!;
  store.push([{ ...rec, transport: 'rtmps' } as OutputRecord]);
  assert.equal(s.transport, 'rtmps', 'the record decides');
  // The sessions pane shows it in the via column.
  const m = new StoreModel(store);
  const layout = computeLayout({ columns: 100, rows: 30 }, { sessions: 2, diagnostics: 1 }, 'sessions');
  assert.match(sessionRows(m, 0, 2, layout.sessions)[0]!.via, /^rtmps/);
});
