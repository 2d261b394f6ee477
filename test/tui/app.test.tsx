/**
 * The TUI rendered with ink-testing-library at fixed sizes (100×30 and 80×24), from a store
 * filled with the records the real analyzer decodes from a synthetic capture. Keys go in through
 * stdin (escape sequences for arrows), frames are compared with ANSI stripped, asserting on the
 * text they contain and on which row carries the selection marker `▸`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'ink-testing-library';
import { App } from '../../src/tui/app.js';
import type { Size } from '../../src/tui/layout.js';
import { RecordStore } from '../../src/tui/store.js';
import { makeTheme } from '../../src/tui/theme.js';
import type { MessageRecord, OutputRecord } from '../../src/records/index.js';
import { filledStore, syntheticRecords } from './fixtures.js';

const records = syntheticRecords(30);
// Counts come from the analyzer's output (which other modules refine), never hard-coded.
const diagCount = records.filter((r) => r.type === 'diagnostic').length;
const chunkDiag = records.filter((r) => r.type === 'diagnostic').findIndex((r) => r.type === 'diagnostic' && r.code === 'rtmp.chunk.size-out-of-range');

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g;
const strip = (s: string | undefined) => (s ?? '').replace(ANSI, '');
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

const KEY = { down: '\u001B[B', up: '\u001B[A', pgdn: '\u001B[6~', end: '\u001B[F', home: '\u001B[H', esc: '\u001B', tab: '\t', enter: '\r' };

function mount(store: RecordStore, size: Size, extra: { follow?: boolean; onQuit?: () => void; color?: boolean } = {}) {
  const app = render(<App store={store} title="synthetic.pcap" theme={makeTheme(extra.color ?? false)} size={size} follow={extra.follow ?? false} onQuit={extra.onQuit ?? (() => {})} />);
  const frame = () => strip(app.lastFrame());
  /** Wait until ink has written no new frame for a while (the UI has settled). */
  const settle = async () => {
    let n = -1;
    for (let quiet = 0, i = 0; quiet < 3 && i < 200; i++) {
      await delay(10);
      quiet = app.frames.length === n ? quiet + 1 : 0;
      n = app.frames.length;
    }
  };
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      // A lone Esc is told apart from an escape sequence on the next tick.
      await delay(k === KEY.esc ? 20 : 1);
    }
    await settle();
  };
  /** Wait for a frame to satisfy a test (records arriving through the throttled store). */
  const until = async (re: RegExp, ms = 3000) => {
    const end = Date.now() + ms;
    while (Date.now() < end && !re.test(frame())) await delay(10);
    assert.match(frame(), re);
  };
  return { app, frame, press, settle, until };
}

/** The line carrying the selection marker in the block of lines after a title. */
function selectedIn(frame: string, title: string): string {
  const lines = frame.split('\n');
  const start = lines.findIndex((l) => l.includes(title));
  assert.ok(start >= 0, `no pane titled ${title}:\n${frame}`);
  for (let i = start + 1; i < lines.length; i++) {
    if (/^[─▌] \S/.test(lines[i]!)) break;
    if (lines[i]!.startsWith('▸')) return lines[i]!;
  }
  return '';
}

test('app 100×30: sessions, the overview and diagnostics from the first frame; Tab: the timeline', async () => {
  const { app, frame, settle, press } = mount(filledStore(records), { columns: 100, rows: 30 });
  await settle();
  let f = frame();
  assert.match(f, /Overview #1/);
  assert.match(f, /Session #1: publish/);
  assert.doesNotMatch(f, /Timeline #1/, 'stacked below 120 columns: the overview in place of the timeline');
  await press(KEY.tab);
  f = frame();
  const lines = f.split('\n');
  assert.equal(lines.length, 29, 'rows - 1 lines');
  assert.ok(
    lines.every((l) => l.length <= 100),
    'no line wider than the terminal',
  );
  assert.match(f, /rtmpscope synthetic\.pcap/);
  assert.match(f, /✓ done/);
  assert.match(f, /Sessions \(2\)/);
  assert.match(f, /10\.0\.0\.1:50000 → 10\.0\.0\.2:1935 +live\/cam1 +publish +rtmp +closed/);
  assert.match(f, /10\.0\.0\.3:50001 → 10\.0\.0\.2:1935 +vod\/movie +play +rtmp +closed/);
  assert.match(f, /Timeline #1/);
  assert.match(f, /→ +3 AMF0 Cmd +connect #1 app=live/);
  assert.match(f, /→ +8 AMF0 Cmd +publish #5 cam1 \(live\)/);
  assert.match(f, /← +3 AMF0 Cmd +onStatus NetStream\.Publish\.Start/);
  assert.match(f, /Handshake C0 version 3/);
  assert.match(f, new RegExp(`Diagnostics \\(${diagCount}\\)`));
  assert.match(f, /warn +rtmp\.chunk\.desync/);
  app.unmount();
});

test('app: j moves the session selection; Tab and ↓ move the timeline selection', async () => {
  const { app, frame, press } = mount(filledStore(records), { columns: 100, rows: 30 });
  await press();
  assert.match(selectedIn(frame(), 'Sessions'), /10\.0\.0\.1:50000/);
  await press('j');
  assert.match(selectedIn(frame(), 'Sessions'), /10\.0\.0\.3:50001/);
  assert.match(frame(), /Overview #2/);
  assert.match(frame(), /Session #2: play {2}vod\/movie/);
  await press(KEY.tab);
  assert.match(frame(), /Timeline #2/);
  assert.match(frame(), /play #3 movie/);
  await press(KEY.tab, KEY.tab, KEY.tab, 'k', KEY.tab);
  const before = selectedIn(frame(), 'Timeline');
  assert.match(before, /Handshake C0/);
  await press(KEY.down, KEY.down, 'j');
  const after = selectedIn(frame(), 'Timeline');
  assert.notEqual(after, before);
  assert.match(after, /Handshake S1/);
  assert.match(frame(), /4 of \d+/);
  app.unmount();
});

test('app: Enter opens the detail tree; Enter on a node folds it', async () => {
  const { app, frame, press } = mount(filledStore(records), { columns: 140, rows: 40 });
  await press();
  // Session 1, timeline row 7 is connect (after six handshake parts).
  await press(KEY.enter, ...Array.from({ length: 6 }, () => 'j'), KEY.enter);
  const f = frame();
  assert.match(f, /Detail frame \d+ AMF0 Cmd connect/);
  assert.match(f, /▾ Message: AMF0 Command/);
  assert.match(f, /Type: 20 AMF0 Command/);
  assert.match(f, /▾ Command: connect/);
  assert.match(f, /app: "live"/);
  assert.match(f, /▾ fourCcList: array \[3\]/);
  assert.match(f, /\[0\]: "av01"/);
  assert.match(f, /▌ Detail/, 'the detail pane has focus');
  await press(KEY.enter);
  assert.match(frame(), /▸ Message: AMF0 Command/, 'Enter collapses the node under the cursor');
  assert.doesNotMatch(frame(), /Type: 20 AMF0 Command/);
  await press(KEY.enter);
  assert.match(frame(), /Type: 20 AMF0 Command/);
  app.unmount();
});

test('app 80×24: readable; the detail replaces the timeline while it has focus', async () => {
  const { app, frame, press } = mount(filledStore(records), { columns: 80, rows: 24 });
  await press(KEY.tab);
  let f = frame();
  let lines = f.split('\n');
  assert.equal(lines.length, 23);
  assert.ok(
    lines.every((l) => l.length <= 80),
    f,
  );
  assert.match(f, /10\.0\.0\.1:50000 → 10\.0\.0\.2:1935 +live\/cam1 +publish/);
  assert.match(f, /connect #1/);
  assert.doesNotMatch(f, /csid/, 'csid is dropped when narrow');
  assert.match(f, /size/);
  await press(...Array.from({ length: 14 }, () => KEY.down), KEY.enter);
  f = frame();
  lines = f.split('\n');
  assert.ok(
    lines.every((l) => l.length <= 80),
    f,
  );
  assert.match(f, /Detail frame \d+ AMF0 Cmd publish/);
  assert.match(f, /1–\d+ of \d+/, 'the detail scrolls');
  await press('G');
  f = frame();
  assert.ok(
    f.split('\n').every((l) => l.length <= 80),
    f,
  );
  assert.match(f, /streamName: "cam1"/);
  assert.match(f, /Chunk layout: 1 chunk, first fmt 0/);
  assert.doesNotMatch(f, /Timeline #1/);
  await press(KEY.esc);
  assert.match(frame(), /Timeline #1/);
  assert.match(selectedIn(frame(), 'Timeline'), /publish #5 cam1/);
  app.unmount();
});

test('app: / filters the timeline; Esc clears it', async () => {
  const { app, frame, press } = mount(filledStore(records), { columns: 100, rows: 30 });
  await press();
  await press(KEY.tab, '/', 'type:video', KEY.enter);
  let f = frame();
  assert.match(f, /filter: type:video/);
  const rows = f.split('\n').filter((l) => /^[▸ ] +\d+ +\+\d/.test(l));
  assert.ok(rows.length > 5);
  assert.ok(
    rows.every((l) => / Video /.test(l)),
    rows.join('\n'),
  );
  await press('/', ' dir:x', KEY.enter);
  assert.match(frame(), /dir: is c2s or s2c/);
  await press(KEY.esc);
  assert.match(frame(), /filter: type:video/, 'Esc in the prompt cancels the edit');
  await press(KEY.esc);
  f = frame();
  assert.doesNotMatch(f, /filter: type:video/);
  assert.match(f, /filter cleared/);
  assert.match(f, /Audio +aac/);
  assert.match(selectedIn(f, 'Timeline'), /Video +key avc sequence-header/, 'the selected record stays selected');
  await press('/', 'name:publish', KEY.enter);
  assert.match(frame(), /publish #5 cam1/);
  assert.match(frame(), /FCPublish/);
  assert.doesNotMatch(frame(), /connect #1/);
  app.unmount();
});

test('app: n jumps to the next diagnostic and the message at fault', async () => {
  const { app, frame, press } = mount(filledStore(records), { columns: 140, rows: 40 });
  await press();
  await press('n');
  assert.match(frame(), new RegExp(`diagnostic 1 of ${diagCount}`));
  await press(...Array.from({ length: chunkDiag }, () => 'n'));
  const f = frame();
  assert.match(f, new RegExp(`diagnostic ${chunkDiag + 1} of ${diagCount}`));
  assert.match(f, /Timeline #2/);
  assert.match(selectedIn(f, 'Timeline'), /SetChunk +Set Chunk Size 0/);
  assert.match(selectedIn(f, 'Diagnostics'), /rtmp\.chunk\.size-out-of-range/);
  await press(...Array.from({ length: diagCount - chunkDiag }, () => 'n'));
  assert.match(frame(), /wrapped to the first diagnostic/);
  app.unmount();
});

test('app: ? shows the help overlay; q calls the exit path', async () => {
  let quit = 0;
  const { app, frame, press } = mount(filledStore(records), { columns: 100, rows: 30 }, { onQuit: () => quit++ });
  await press();
  await press('?');
  assert.match(frame(), /Keys/);
  assert.match(frame(), /next \/ previous diagnostic/);
  assert.doesNotMatch(frame(), /Sessions \(2\)/);
  await press('?');
  assert.match(frame(), /Sessions \(2\)/);
  await press('q');
  assert.equal(quit, 1);
  app.unmount();
});

test('app: records pushed live appear without a key press; follow keeps the newest selected', async () => {
  const store = new RecordStore({ notifyIntervalMs: 20 });
  const { app, frame, press, until } = mount(store, { columns: 100, rows: 30 }, { follow: true });
  await until(/waiting for records/);
  assert.match(frame(), /FOLLOW/);
  const live = records.filter((r) => r.type !== 'session' && r.type !== 'capture' && r.type !== 'stream' && 'session' in r && r.session === 1);
  store.push(live.slice(0, 20));
  await until(/Sessions \(1\)/);
  // 100 columns stack the panes: the timeline while it has focus.
  await press(KEY.tab);
  assert.match(frame(), /open/);
  assert.match(frame(), /⟳ loading/);
  const last20 = live[19]!;
  assert.ok(last20.type === 'message');
  assert.match(selectedIn(frame(), 'Timeline'), new RegExp(`^▸ +${last20.frame} `));
  store.push(live.slice(20));
  await until(new RegExp(`${live.length} of ${live.length}`));
  const newest = live[live.length - 1]!;
  assert.ok(newest.type === 'message' || newest.type === 'diagnostic');
  assert.match(frame(), new RegExp(`${live.length} of ${live.length}`));
  assert.match(selectedIn(frame(), 'Timeline'), new RegExp(`^▸ +${newest.frame} `));
  await press('k');
  assert.doesNotMatch(frame(), /FOLLOW/, 'moving up leaves follow mode');
  store.push(records.filter((r) => r.type === 'session'));
  store.finish();
  await until(/✓ done/);
  assert.match(frame(), /closed/);
  app.unmount();
  store.dispose();
});

test('app: follows the terminal size on resize when no size is fixed', async () => {
  const store = filledStore(records);
  const app = render(<App store={store} title="t" theme={makeTheme(false)} />);
  await delay(20);
  const width = () =>
    Math.max(
      ...strip(app.lastFrame())
        .split('\n')
        .map((l) => l.length),
    );
  assert.equal(width(), 100, 'ink-testing-library is 100 columns wide');
  Object.defineProperty(app.stdout, 'columns', { value: 70, configurable: true });
  Object.defineProperty(app.stdout, 'rows', { value: 20, configurable: true });
  app.stdout.emit('resize');
  for (let i = 0; i < 200 && width() !== 70; i++) await delay(10);
  assert.equal(width(), 70);
  assert.equal(strip(app.lastFrame()).split('\n').length, 19);
  app.unmount();
});

test('app: colour only through the theme (no colour escapes with a colourless theme)', async () => {
  const { app, press } = mount(filledStore(records), { columns: 100, rows: 30 }, { color: false });
  await press();
  assert.doesNotMatch(app.lastFrame() ?? '', /\u001b\[(3[0-7]|9[0-7]|38;)/);
  app.unmount();
});

test('app: 100k messages scroll by window (End, PgUp) in bounded time', async () => {
  const proto = records.find((r): r is MessageRecord => r.type === 'message' && r.typeId === 9)!;
  const big: OutputRecord[] = [];
  for (let i = 0; i < 100_000; i++) big.push({ ...proto, frame: 1000 + i, time: proto.time + i / 1000, timestamp: i * 40 });
  const store = filledStore(big);
  const { app, frame, press } = mount(store, { columns: 100, rows: 30 });
  await press();
  // CPU time, not wall time: other test files run beside this one, and press() waits for frames.
  const t0 = process.cpuUsage();
  await press(KEY.tab, 'G');
  assert.match(frame(), /100,000 of 100,000/);
  assert.match(selectedIn(frame(), 'Timeline'), /^▸ +100999 /);
  await press(KEY.pgdn, '\u001B[5~', '\u001B[5~');
  assert.ok(/99,9\d\d of 100,000/.test(frame()) || /99,\d{3} of 100,000/.test(frame()));
  await press('/', 'frame:50000', KEY.enter);
  assert.match(frame(), /1 of 1 \(100,000\)/);
  const used = process.cpuUsage(t0);
  const ms = (used.user + used.system) / 1000;
  assert.ok(ms < 5000, `took ${ms} ms of CPU time`);
  app.unmount();
});
