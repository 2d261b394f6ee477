/**
 * The session overview, the hex view and the small things of issue #18's terminal UI part: pure
 * pieces (meters, sparklines, the wire ring, overview and hex lines, the reducer's toggles) and
 * the App rendered with ink-testing-library from the real analyzer's records of the synthetic
 * capture (analysed with wire excerpts, as the CLI's UI loader does).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import { hexLines } from '../../src/tui/hex.js';
import { computeLayout } from '../../src/tui/layout.js';
import { StoreModel } from '../../src/tui/model.js';
import { METER_SECONDS, Meter, overviewLines, sparkline, StreamMeters, MAX_METERED_STREAMS } from '../../src/tui/overview.js';
import { initialState, reduce } from '../../src/tui/state.js';
import { makeTheme } from '../../src/tui/theme.js';
import { TooSmall } from '../../src/tui/views.js';
import { ByteRing, RING_BYTES } from '../../src/session/wire.js';
import type { MessageRecord, OutputRecord, StreamRecord } from '../../src/records/index.js';
import type { DetailLine } from '../../src/tui/tree.js';
import { filledStore, syntheticRecords } from './fixtures.js';

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const strip = (s: string | undefined) => (s ?? '').replace(ANSI, '');
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (lines: readonly DetailLine[]) => lines.map((l) => (l.segs !== undefined ? l.segs.map((s) => s.text).join('') : `${l.label}${l.value === undefined ? '' : `: ${l.value}`}`)).join('\n');

const records: OutputRecord[] = syntheticRecords(60, { wireExcerpt: 512 });
const pubStream = records.find((r): r is StreamRecord => r.type === 'stream' && r.session === 1)!;

test('meter: per-second buckets in a fixed ring; gaps are zero; old seconds fall off', () => {
  const m = new Meter();
  m.add(100.2, 1000, true);
  m.add(100.9, 500, false);
  m.add(102.1, 250, true);
  assert.deepEqual(m.series('bytes'), [1500, 0, 250]);
  assert.deepEqual(m.series('frames'), [1, 0, 1]);
  for (let t = 103; t < 1000; t++) m.add(t, 10, true);
  const s = m.series('bytes');
  assert.equal(s.length, METER_SECONDS);
  assert.ok(s.every((b) => b === 10));
  assert.equal(m.bytes.length, METER_SECONDS); // memory is fixed
  m.add(5, 1e6, true); // older than the ring: ignored
  assert.ok(m.series('bytes').every((b) => b === 10));
  const ms = new StreamMeters();
  for (let i = 0; i < MAX_METERED_STREAMS + 3; i++) ms.add('c2s', i, 9, 1, 10);
  assert.equal(ms.byKey.size, MAX_METERED_STREAMS);
  assert.equal(ms.unmetered, 3);
});

test('sparkline: scaled to the maximum, zero blank', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8]), ' ▂▃▅█');
  assert.equal(sparkline([0, 0]), '▁▁');
});

test('wire ring: excerpts of held bytes, across the wrap, none before a hole or out of range', () => {
  const r = new ByteRing();
  assert.equal(r.excerpt(0, 4), null);
  r.append(Uint8Array.from([1, 2, 3, 4, 5]), 0);
  assert.deepEqual(r.excerpt(1, 3), { offset: 1, hex: '020304' });
  assert.deepEqual(r.excerpt(3, 100), { offset: 3, hex: '0405' });
  assert.equal(r.excerpt(5, 1), null);
  // Fill past the ring's size: the first bytes are gone, the newest held across the wrap.
  const big = new Uint8Array(RING_BYTES).map((_, i) => i & 0xff);
  r.append(big, 5);
  assert.equal(r.excerpt(4, 1), null);
  const end = 5 + RING_BYTES;
  assert.deepEqual(r.excerpt(end - 2, 8), { offset: end - 2, hex: ((RING_BYTES - 2) & 0xff).toString(16).padStart(2, '0') + ((RING_BYTES - 1) & 0xff).toString(16).padStart(2, '0') });
  // A hole: what came before is no longer contiguous, so it is not offered.
  r.append(Uint8Array.from([9]), end + 10);
  assert.equal(r.excerpt(end - 1, 1), null);
  assert.deepEqual(r.excerpt(end + 10, 4), { offset: end + 10, hex: '09' });
});

test('analyzer: wire excerpts only when asked; every handshake part and message of the synthetic capture has one', () => {
  const plain = syntheticRecords(3);
  assert.ok(plain.every((r) => !('wire' in r)));
  const withWire = records.filter((r) => r.type === 'handshake' || r.type === 'message');
  const missing = withWire.filter((r) => !('wire' in r) || r.wire === undefined);
  // Only a message whose first chunk fell in the capture's hole may lack it.
  assert.ok(missing.length <= 2, `${missing.length} records without wire bytes`);
  for (const r of withWire) {
    if (r.wire === undefined) continue;
    assert.equal(r.wire.offset, r.offset);
    assert.ok(r.wire.hex.length <= 1024 && r.wire.hex.length % 2 === 0);
  }
});

test('overview: the publisher session says what it is and whether it is healthy', () => {
  const store = filledStore(records);
  const lines = overviewLines(store.sessions[0]!, 70);
  const t = text(lines);
  const v = pubStream.video!;
  assert.ok(v.width !== null && v.height !== null);
  assert.match(t, /Session #1: publish/);
  assert.match(t, /connect: success/);
  assert.match(t, /Stream 1 c→s: publish {2}cam1 {2}started/);
  assert.ok(t.includes(`${v.width}×${v.height}`), t);
  assert.match(t, new RegExp(`${v.codec} .*fps`));
  assert.match(t, /\d+ kb\/s/);
  assert.ok(v.keyframeIntervalMs !== null);
  assert.match(t, /keyframe every/);
  assert.match(t, /audio: aac/);
  assert.match(t, /A\/V drift: \d+ ms max/);
  assert.match(t, /kb\/s [ ▁▂▃▄▅▆▇█]+: peak/);
  assert.match(t, /Steps \(stream 1\)/);
  assert.match(t, /publish \+\d+ ms · Publish\.Start/);
  assert.match(t, /Chunk size: c→s 128 {2}s→c 4,096/);
  assert.match(t, /Problems: \d+ \(worst: \w+\)/);
  // The player: a Set Chunk Size 0 is among its problems.
  assert.match(text(overviewLines(store.sessions[1]!, 70)), /rtmp\.chunk\.size-out-of-range/);
  store.dispose();
});

test('overview: an open session shows what the messages told so far', () => {
  const open = records.filter((r) => r.type !== 'session' && r.type !== 'stream' && r.type !== 'capture');
  const store = filledStore(open, false);
  const t = text(overviewLines(store.sessions[0]!, 70));
  assert.match(t, /Session #1: publish {2}live\/cam1 {2}open/);
  assert.match(t, /Stream 1 c→s: live {2}\d+ kb\/s/);
  const v = pubStream.video!;
  // The sequence headers already tell the codec and size.
  assert.ok(t.includes(`video: ${v.codec}  ${v.profile}  ${v.level}  ${v.width}×${v.height}`), t);
  assert.match(t, /audio: aac {2}AAC LC {2}44,100 Hz/);
  assert.match(t, /known when the session ends/);
  store.dispose();
});

test('hex: a message with its chunk headers marked; what was not kept is said', () => {
  const connect = records.find((r): r is MessageRecord => r.type === 'message' && r.name === 'connect')!;
  assert.ok(connect.chunks.count >= 2, 'connect spans two chunks at chunk size 128');
  const lines = hexLines(connect, 90);
  const t = text(lines);
  const first = connect.offset.toString(16).padStart(6, '0');
  assert.match(t, new RegExp(`^${first} ▸03 `, 'm'));
  assert.match(t, /chunk 1: fmt 0, 12 B hdr/);
  assert.match(t, /chunk 2: fmt 3, 1 B hdr/);
  const onWire = connect.chunks.list.reduce((n, c) => n + c[2] + c[3], 0);
  assert.match(t, new RegExp(`of this message's ${onWire} bytes on the wire \\(${connect.chunks.count} chunks\\)`));
  // Header bytes carry the header colour role.
  const row = lines.find((l) => l.segs?.[0]?.text.startsWith(first))!;
  assert.equal(row.segs!.find((s) => s.text === '03')?.role, 'accent');
  // Without the excerpt: said, and nothing made up.
  const { wire: _w, ...bare } = connect;
  assert.match(text(hexLines(bare, 90)), /were not kept/);
  // A handshake part: the first 512 of 1536 bytes.
  const c1 = records.find((r) => r.type === 'handshake' && r.part === 'C1')!;
  assert.match(text(hexLines(c1 as never, 90)), /C1: bytes 1–512 of the c2s stream, 512 of 1,536 \(the rest not kept\)/);
});

test('reducer: x toggles hex (from the sessions pane it goes to the timeline); t toggles absolute times', () => {
  const store = filledStore(records);
  const model = new StoreModel(store);
  let s = initialState();
  s = reduce(s, { type: 'toggle-hex' }, model);
  assert.equal(s.hex, true);
  assert.equal(s.focus, 'timeline');
  assert.match(
    model
      .detailLines(0, s.filter, 0, s.expanded, true)
      .map((l) => l.label)
      .join(' '),
    /C0: bytes 0–0/,
  );
  s = reduce(s, { type: 'toggle-hex' }, model);
  assert.equal(s.hex, false);
  s = reduce(s, { type: 'toggle-time' }, model);
  assert.equal(s.absTime, true);
  assert.equal(computeLayout({ columns: 160, rows: 45 }, { sessions: 2, diagnostics: 2 }, 'timeline', true).timeline.time, 12);
  store.dispose();
});

test('App 160×45: the first screen shows the overview; x shows hex; t shows times of day', async () => {
  const store = filledStore(records);
  // ink-testing-library's stdout is 100 columns wide; the split layout needs 120 or more.
  const { app, frame, until } = mountAt(store, 160, 45);
  await until(/Overview #1/);
  const v = pubStream.video!;
  assert.match(frame(), /Overview #1/);
  assert.ok(frame().includes(`${v.width}×${v.height}`));
  assert.match(frame(), /\d+ kb\/s/);
  for (const k of ['2', '\u001B[B', 'x']) {
    app.stdin.write(k);
    await delay(30);
  }
  await until(/Hex frame \d+ Handshake C1/);
  assert.match(frame(), /000001 {2}[0-9a-f]{2} /);
  app.stdin.write('t');
  await until(/UTC time/);
  assert.match(frame(), /\d\d:\d\d:\d\d\.\d{3}/);
  app.unmount();
  store.dispose();
});

test('too small: the needed size comes first and survives a narrow terminal', () => {
  const r = render(<TooSmall width={20} height={4} columns={20} rows={8} />);
  const f = strip(r.lastFrame());
  assert.match(f, /need 40×12/);
  assert.match(f, /have 20×8/);
  r.unmount();
});

/** Render the App at a width (ink-testing-library's stdout is 100 columns: wider ones are set on its prototype). */
function mountAt(store: ReturnType<typeof filledStore>, columns: number, rows: number) {
  const probe = render(<></>);
  const proto = Object.getPrototypeOf(probe.stdout) as object;
  probe.unmount();
  const saved = Object.getOwnPropertyDescriptor(proto, 'columns')!;
  if (columns > 100) Object.defineProperty(proto, 'columns', { get: () => columns, configurable: true });
  const app = render(<App store={store} title="synthetic.pcap" theme={makeTheme(false)} size={{ columns, rows }} onQuit={() => {}} />);
  Object.defineProperty(proto, 'columns', saved);
  const frame = () => strip(app.lastFrame());
  const until = async (re: RegExp) => {
    const end = Date.now() + 3000;
    while (Date.now() < end && !re.test(frame())) await delay(10);
    assert.match(frame(), re);
  };
  return { app, frame, until };
}

for (const [columns, rows] of [
  [80, 24],
  [80, 40],
  [100, 30],
  [120, 40],
  [160, 45],
] as const) {
  test(`App ${columns}×${rows}: the first screen is the overview (what it is, whether it is healthy), no line wider than the terminal`, async () => {
    const store = filledStore(records);
    const { app, frame, until } = mountAt(store, columns, rows);
    await until(/Overview #1/);
    const f = frame();
    const v = pubStream.video!;
    assert.ok(
      f.split('\n').every((l) => [...l].length <= columns),
      f,
    );
    assert.ok(f.includes(`${v.width}×${v.height}`), f);
    assert.match(f, new RegExp(`video: ${v.codec} .*\\d fps`));
    assert.match(f, /\d+ kb\/s .*keyframe every/);
    assert.match(f, /audio: aac/);
    assert.match(f, /Problems: \d+ \(worst: \w+\)/);
    // Side by side from 120 columns; stacked below (the timeline with Tab).
    if (columns >= 120) assert.match(f, /Timeline #1/);
    else assert.doesNotMatch(f, /Timeline #1/);
    if (rows >= 40) {
      // Tall enough for everything: steps, chunk sizes, sparklines.
      assert.match(f, /Publish\.Start \+\d+ ms/);
      assert.match(f, /Chunk size: c→s 128/);
      assert.match(f, /kb\/s [ ▁▂▃▄▅▆▇█]+: peak/);
      assert.doesNotMatch(f, /in a taller terminal/);
    } else if (rows <= 24) {
      // Short: the least useful lines go first, and the overview says so.
      assert.match(f, /\d+ more lines? in a taller terminal/);
    }
    if (columns < 120) {
      app.stdin.write('\t');
      await until(/Timeline #1/);
      assert.doesNotMatch(frame(), /Overview #1/);
    }
    app.unmount();
    store.dispose();
  });
}

test('overview fitted to a short pane: what each stream is and the problem count stay; a note says how many lines were left out', () => {
  const store = filledStore(records);
  const all = overviewLines(store.sessions[0]!, 76);
  for (const height of [8, 10, 12]) {
    const lines = overviewLines(store.sessions[0]!, 76, height);
    assert.ok(lines.length <= height, `${lines.length} lines in ${height}`);
    const t = text(lines);
    assert.match(t, /^Session #1: publish/);
    assert.match(t, /Stream 1 c→s/);
    assert.match(t, /video: /);
    assert.match(t, /Problems: \d+/);
    assert.match(t, new RegExp(`${all.length - lines.length + 1} more lines in a taller terminal$`));
  }
  // Order is kept: every kept line appears in the full overview's order.
  const kept = overviewLines(store.sessions[0]!, 76, 12)
    .slice(0, -1)
    .map((l) => l.label);
  const full = all.map((l) => l.label);
  let at = 0;
  for (const k of kept) {
    at = full.indexOf(k, at);
    assert.ok(at >= 0, k);
  }
  assert.equal(overviewLines(store.sessions[0]!, 76, all.length).length, all.length, 'nothing dropped when it fits');
  // Shorter than what each stream is: the first lines and the problem count.
  assert.match(text(overviewLines(store.sessions[0]!, 76, 4)), /^Session #1[^]*\nProblems: \d+[^]*\n\d+ more lines in a taller terminal$/);
  store.dispose();
});
