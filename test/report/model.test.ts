/**
 * The report's data preparation: the bounded time grid, the frame clock, and records → report
 * model (ladder with latencies, plots, diagnostics with explanations), bounded for large
 * captures, from synthetic records and from a committed capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameClock, Grid, carryForward } from '../../src/report/series.js';
import { ReportBuilder, reportModel, type CaptureReport } from '../../src/report/model.js';
import { CATALOGUE } from '../../src/core/diagnostics.js';
import { readFileChunks } from '../../src/io/input.js';
import { analyzeStream } from '../../src/session/run.js';
import type { OutputRecord } from '../../src/records/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const T0 = 1_700_000_000;

test('grid: coarsens to stay within its buckets, keeping sums, extremes and alignment', () => {
  const g = new Grid(T0, { maxBuckets: 8, width: 1 });
  for (let i = 0; i < 64; i++) {
    g.add('a', T0 + i + 0.5, i);
    if (i % 2 === 0) g.add('b', T0 + i + 0.5, 1);
  }
  assert.ok(g.used <= 8);
  assert.equal(g.width, 8);
  const sums = g.values('a', 'sum');
  assert.equal(
    sums.reduce((x, y) => (x ?? 0) + (y ?? 0), 0),
    (63 * 64) / 2,
  );
  assert.deepEqual(g.values('a', 'min'), [0, 8, 16, 24, 32, 40, 48, 56]);
  assert.deepEqual(g.values('a', 'max'), [7, 15, 23, 31, 39, 47, 55, 63]);
  assert.deepEqual(g.values('a', 'last'), [7, 15, 23, 31, 39, 47, 55, 63]);
  assert.deepEqual(g.values('b', 'sum'), [4, 4, 4, 4, 4, 4, 4, 4]);
  assert.deepEqual(g.xs(T0 - 10), [10, 18, 26, 34, 42, 50, 58, 66]);
  assert.equal(g.has('b'), true);
  assert.equal(g.has('c'), false);
});

test('grid: a steady byte rate reads as that rate, whatever the bucket width', () => {
  for (const width of [0.05, 0.25, 1, 4]) {
    const g = new Grid(T0, { maxBuckets: 400, width });
    // 1000 bytes every 10 ms for 60 s: 800 kbit/s.
    for (let i = 0; i < 6000; i++) g.add('bytes', T0 + i / 100, 1000);
    const r = g.rate('bytes', 8 / 1000).filter((v): v is number => v !== null);
    const window = Math.max(1, Math.round(1 / g.width));
    for (const v of r.slice(window, -1)) assert.ok(Math.abs(v - 800) < 800 * 0.03, `width ${width}: ${v}`);
  }
});

test('grid: values before the origin go in the first bucket; carryForward makes a step line', () => {
  const g = new Grid(T0, { width: 1 });
  g.add('a', T0 - 5, 3);
  g.add('a', T0 + 3.5, 9);
  assert.deepEqual(g.values('a', 'last'), [3, null, null, 9]);
  assert.deepEqual(carryForward([null, 3, null, null, 9, null]), [null, 3, 3, 3, 9, 9]);
});

test('frame clock: the time of the latest sampled frame at or before, within a bounded sample', () => {
  const c = new FrameClock(16);
  for (let f = 1; f <= 1000; f++) c.note(f, T0 + f / 10);
  assert.equal(c.at(0), null);
  assert.equal(c.at(1), T0 + 0.1);
  const t = c.at(500) as number;
  assert.ok(t <= T0 + 50 && t > T0 + 50 - 128 / 10, String(t));
  assert.ok((c.at(5000) as number) >= T0 + 90);
});

// Synthetic records: just the fields the report reads.
const loc = (dir: 'c2s' | 's2c', frame: number, time: number, offset = 0) => ({ session: 1, client: '10.0.0.1:5000', server: '10.0.0.2:1935', dir, frame, time, offset });
function msg(dir: 'c2s' | 's2c', frame: number, time: number, fields: Record<string, unknown>): OutputRecord {
  return {
    type: 'message',
    ...loc(dir, frame, time, frame * 100),
    firstFrame: frame,
    csid: 3,
    typeId: 20,
    typeName: 'AMF0 Command',
    streamId: 0,
    timestamp: 0,
    length: 50,
    chunks: { count: 1, fmt: 0, extendedTimestamp: false, list: [] },
    ...fields,
  } as unknown as OutputRecord;
}
function media(frame: number, time: number, kind: 'video' | 'audio', ts: number, key: boolean, length: number): OutputRecord {
  const m = kind === 'video' ? { codec: 'avc', frameType: key ? 1 : 2, content: 'frames' } : { codec: 'aac', content: 'frames' };
  return msg('c2s', frame, time, { typeId: kind === 'video' ? 9 : 8, typeName: kind, streamId: 1, timestamp: ts, length, media: m, csid: kind === 'video' ? 6 : 4 });
}
function conversation(): OutputRecord[] {
  const r: OutputRecord[] = [];
  r.push({ type: 'handshake', ...loc('c2s', 1, T0), part: 'C0', elapsedMs: 0, version: 3 } as OutputRecord);
  r.push({ type: 'handshake', ...loc('s2c', 2, T0 + 0.001), part: 'S0', elapsedMs: 1, version: 3 } as OutputRecord);
  r.push(msg('c2s', 3, T0 + 0.01, { name: 'connect', transactionId: 1, command: { app: 'live' } }));
  r.push(msg('s2c', 4, T0 + 0.03, { typeId: 5, typeName: 'Window Acknowledgement Size', csid: 2, control: { kind: 'window-ack-size', windowSize: 250000 } }));
  r.push(msg('s2c', 5, T0 + 0.04, { name: '_result', transactionId: 1, command: { status: { code: 'NetConnection.Connect.Success' } } }));
  r.push(msg('c2s', 6, T0 + 0.07, { typeId: 1, typeName: 'Set Chunk Size', csid: 2, control: { kind: 'set-chunk-size', chunkSize: 4096 } }));
  r.push(msg('c2s', 7, T0 + 0.06, { name: 'publish', transactionId: 5, streamId: 1, command: { streamName: 'cam\u0007</script><b>x', publishType: 'live' } }));
  r.push(msg('s2c', 8, T0 + 0.08, { name: 'onStatus', transactionId: 0, streamId: 1, command: { status: { code: 'NetStream.Publish.Start' } } }));
  let frame = 9;
  for (let i = 0; i < 300; i++) {
    const t = T0 + 0.1 + i / 30;
    r.push(media(frame++, t, 'video', Math.round((i * 1000) / 30), i % 60 === 0, i % 60 === 0 ? 20000 : 3000));
    if (i % 2 === 0) r.push(media(frame++, t + 0.001, 'audio', Math.round((i * 1000) / 30) + 40, false, 400));
    if (i % 100 === 99) r.push(msg('s2c', frame++, t + 0.002, { typeId: 3, typeName: 'Acknowledgement', csid: 2, control: { kind: 'acknowledgement', sequenceNumber: frame * 100 } }));
  }
  // A diagnostic that carries a frame but no time.
  r.push({ type: 'diagnostic', session: 1, client: '10.0.0.1:5000', server: '10.0.0.2:1935', dir: 'c2s', frame: 100, severity: 'warn', code: 'tcp.gap', message: 'bytes\u001b[31m lost' } as OutputRecord);
  return r;
}

test('builder: ladder with latencies, stream starts, diagnostics at their frame and time, every plot with data', () => {
  const b = new ReportBuilder('synthetic.pcap');
  b.push(conversation());
  const cap = b.finish();
  assert.equal(cap.sessions.length, 1);
  const s = cap.sessions[0]!;
  const labels = s.ladder.map((e) => e.label);
  assert.deepEqual(labels.slice(0, 8), ['C0', 'S0', 'connect (1)', 'Window Acknowledgement Size', '_result', 'Set Chunk Size', 'publish (5)', 'onStatus']);
  const result = s.ladder.find((e) => e.label === '_result')!;
  assert.equal(result.latencyMs, 30);
  assert.match(result.note ?? '', /connect \(1\).*NetConnection\.Connect\.Success/);
  assert.equal(s.ladder.find((e) => e.label === 'onStatus')!.latencyMs, 20);
  assert.ok(labels.includes('video starts') && labels.includes('audio starts') && labels.includes('first keyframe'));
  // The diagnostic sits at frame 100 in the ladder, with that frame's time and its explanation.
  const d = s.diagnostics[0]!;
  assert.equal(d.code, 'tcp.gap');
  assert.equal(d.explain, CATALOGUE['tcp.gap'].explain);
  assert.equal(d.message, 'bytes·[31m lost');
  const row = s.ladder.findIndex((e) => e.kind === 'diagnostic');
  assert.ok(s.ladder[row - 1]!.frame! <= 100 && (s.ladder[row + 1]?.frame ?? 101) > 100);
  const at100 = conversation().find((r) => r.type === 'message' && r.frame === 100) as { time: number };
  assert.ok(d.t !== null && Math.abs(d.t - (at100.time - T0)) < 0.001, `${d.t}`);
  assert.deepEqual(
    s.plots.map((p) => p.kind),
    ['bitrate', 'intervals', 'drift', 'timestamps', 'chunks', 'acks'],
  );
  for (const p of s.plots) {
    for (const se of p.series) assert.equal(se.values.length, s.x.length, `${p.kind} ${se.label}`);
    assert.ok(
      p.series.every((se) => se.values.some((v) => v !== null)),
      p.kind,
    );
  }
  const iv = s.plots.find((p) => p.kind === 'intervals')!;
  assert.ok(iv.series.some((se) => se.style === 'marker' && se.values.filter((v) => v !== null).length === 5));
  const drift = s.plots.find((p) => p.kind === 'drift')!.series[0]!.values.filter((v): v is number => v !== null);
  assert.ok(
    drift.every((v) => v >= 0 && v <= 40),
    String(drift),
  );
  const chunk = s.plots.find((p) => p.kind === 'chunks')!.series.find((se) => se.label.endsWith('c2s'))!.values;
  assert.equal(chunk[0], 128);
  assert.equal(chunk[chunk.length - 1], 4096);
  const acks = s.plots.find((p) => p.kind === 'acks')!;
  assert.deepEqual(
    acks.series.map((se) => se.label),
    ['unacknowledged c2s', 'unacknowledged s2c', 'window s2c'],
  );
  // Wire text is cleaned of control characters (escaping for HTML is the renderer's job).
  assert.ok(s.ladder.some((e) => e.note === 'cam·</script><b>x'));
});

test('builder: 200k messages over two hours stay within the caps and a bounded model', () => {
  const b = new ReportBuilder('big.pcap', { maxBuckets: 400 });
  b.push(conversation().slice(0, 8));
  let frame = 10;
  let batch: OutputRecord[] = [];
  for (let i = 0; i < 200_000; i++) {
    const t = T0 + 1 + i * 0.036;
    batch.push(i % 3 === 2 ? media(frame++, t, 'audio', i * 36, false, 300) : media(frame++, t, 'video', i * 36, i % 120 === 0, 4000));
    if (i % 5000 === 0) batch.push(msg('c2s', frame++, t, { name: 'onCuePoint', typeId: 18, typeName: 'AMF0 Data', streamId: 1 }));
    if (batch.length >= 256) {
      b.push(batch);
      batch = [];
    }
  }
  b.push(batch);
  const cap = b.finish();
  const s = cap.sessions[0]!;
  assert.ok(s.x.length <= 400 && s.x.length > 100, String(s.x.length));
  assert.ok(s.ladder.length <= 300);
  const json = JSON.stringify(reportModel([cap]));
  assert.ok(json.length < 400_000, `${json.length} bytes`);
  // Seconds since the capture's first record; the last bucket holds the end.
  assert.ok(s.x[s.x.length - 1]! <= 7201 && s.x[s.x.length - 1]! + s.bucket >= 7201, String(s.x[s.x.length - 1]));
});

test('builder: sessions beyond the caps are counted; plots only for the first ones', () => {
  const b = new ReportBuilder('many.pcap', { maxSessions: 3, maxPlotSessions: 2 });
  for (let n = 1; n <= 5; n++) {
    b.push(
      conversation()
        .slice(0, 12)
        .map((r) => ({ ...r, session: n }) as OutputRecord),
    );
    const zero = { c2s: 0, s2c: 0 };
    const gaps = { c2s: { count: 0, bytes: 0 }, s2c: { count: 0, bytes: 0 } };
    b.push([{ type: 'session', session: n, client: 'a', server: 'b', transport: 'rtmp', startTime: T0, endTime: T0 + 1, duration: 1, bytes: zero, messageCount: zero, chunkSize: zero, gaps, end: 'fin' } as unknown as OutputRecord]);
  }
  const cap: CaptureReport = b.finish();
  assert.deepEqual(
    cap.sessions.map((s) => s.session),
    [1, 2, 3],
  );
  assert.equal(cap.sessionsOmitted, 2);
  assert.ok(cap.sessions[0]!.plots.length > 0);
  assert.equal(cap.sessions[2]!.plots.length, 0);
  assert.match(cap.sessions[2]!.plotsOmitted ?? '', /first 2 sessions/);
});

test('builder: a committed capture gives every session its ladder and plots', async () => {
  const path = join(root, 'captures', 'ffmpeg-nginx-publish-play.pcap');
  const b = new ReportBuilder(path);
  await analyzeStream(path, readFileChunks(path), (recs) => b.push(recs));
  const cap = b.finish();
  assert.deepEqual(
    cap.summary.find((f) => f[0] === 'RTMP sessions'),
    ['RTMP sessions', '3'],
  );
  assert.equal(cap.sessions.length, 3);
  for (const s of cap.sessions) {
    assert.ok(s.ladder.some((e) => e.label === 'C0'));
    assert.ok(s.ladder.some((e) => e.kind === 'reply' && e.latencyMs !== null));
    assert.ok(
      ['bitrate', 'intervals', 'drift', 'timestamps', 'chunks'].every((k) => s.plots.some((p) => p.kind === k)),
      s.plots.map((p) => p.kind).join(),
    );
    assert.ok(s.streams.length >= 1 && s.streams[0]!.facts.some((f) => f[0] === 'video' && /320×240/.test(f[1])));
    assert.ok(s.diagnostics.every((d) => d.t !== null && d.explain.length > 0));
  }
});

test('builder: E-RTMP multitrack tracks are plotted apart (committed capture)', async () => {
  const path = join(root, 'captures', 'ertmp-mt-video-nms.pcap');
  const b = new ReportBuilder(path);
  await analyzeStream(path, readFileChunks(path), (recs) => b.push(recs));
  const publish = b.finish().sessions.find((s) => s.title.includes('(publish)'))!;
  const labels = publish.plots.find((p) => p.kind === 'bitrate')!.series.map((se) => se.label);
  assert.ok(labels.some((l) => l.endsWith(' video')) && labels.some((l) => l.endsWith(' video 1')), labels.join());
  const iv = publish.plots.find((p) => p.kind === 'intervals')!.series.filter((se) => se.style === 'marker');
  assert.equal(iv.length, 2, 'keyframes marked per video track');
});
