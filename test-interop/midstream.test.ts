/**
 * Mid-stream recovery on fresh captures from real peers, none of them on port 1935 (so the
 * decode-as port list cannot help): ffmpeg → nginx-rtmp (chunk size 4096) on 1937, ffmpeg →
 * node-media-server (chunk size 65535) publish + play on 1936, GStreamer rtmpsink (librtmp, chunk
 * size 128) → nginx-rtmp on 1937, and ffmpeg → ffmpeg -listen over IPv6 on 1938. Each capture
 * is cut (editcap -r, as in the README) at 20 points spread over it, at every handshake boundary
 * and inside the largest multi-frame messages, and each cut's decode is compared with the intact
 * capture's (test/builders/cut-sweep.ts). Targets at every cut:
 * precision ≥ 0.995, recall ≥ 0.98 of the recoverable messages. tshark's share of the recoverable
 * messages on the same cuts (ten of them per capture) is logged beside ours (tshark is told the
 * port with -d).
 *
 * Needs root, ip, ffmpeg (libx264, aac), nginx + libnginx-mod-rtmp, gst-launch-1.0 (x264enc,
 * flvmux, rtmpsink), node + npm (node-media-server 4, installed into .cache/nms on first use),
 * tcpdump, editcap, tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Namespace } from './netns.js';
import { nodeMediaServer, requireTool, avSourceArgs } from './tools.js';
import { analyzeEvents, captureEvents, cutEvents, cutPoints, compareCut, tsharkShare } from '../test/builders/cut-sweep.js';
import type { MessageRecord, OutputRecord } from '../src/records/index.js';

const FFMPEG = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
const SOURCE = [...avSourceArgs({ seconds: 3 })];

/** Cuts per capture that tshark is run on too. */
const TSHARK_CUTS = 10;

const messages = (recs: readonly OutputRecord[]): MessageRecord[] => recs.filter((r): r is MessageRecord => r.type === 'message');

/** Sweep one capture; tshark's share of the recoverable messages on the same cuts. */
function sweepWithTshark(file: string, port: number): void {
  const events = captureEvents(new Uint8Array(readFileSync(file)));
  const intactRecs = analyzeEvents(events);
  const intact = messages(intactRecs);
  assert.ok(intact.length > 50, `${file}: only ${intact.length} messages decoded intact`);
  const points = cutPoints(events, intactRecs);
  assert.ok(points.length >= 20);
  const rows: string[] = [];
  // tshark (and editcap) on at most TSHARK_CUTS of the cuts, spread over them: they cost a second
  // or two each, the sweep itself milliseconds.
  const every = Math.max(1, Math.ceil(points.length / TSHARK_CUTS));
  for (const [i, k] of points.entries()) {
    const r = compareCut(intact, messages(analyzeEvents(cutEvents(events, k))), k);
    const share = i % every === 0 ? `; tshark ${tsharkShare(file, k, [port], r.recoverable).toFixed(2)}` : '';
    rows.push(`cut ${k}: precision ${r.precision.toFixed(4)} recall ${r.recall.toFixed(4)} (${r.found}/${r.recoverable})${share}`);
    assert.ok(r.precision >= 0.995, `${file} cut at frame ${k}: precision ${r.precision}\n${rows.join('\n')}`);
    assert.ok(r.recall >= 0.98, `${file} cut at frame ${k}: recall ${r.recall} (${r.found} of ${r.recoverable})\n${rows.join('\n')}`);
  }
  console.log(`${file}\n  ${rows.join('\n  ')}`);
}

async function withNamespace(tag: string, body: (ns: Namespace) => Promise<void>): Promise<void> {
  const ns = new Namespace(tag);
  try {
    await body(ns);
  } finally {
    await ns.close();
  }
}

test('interop midstream: ffmpeg → nginx-rtmp (chunk size 4096) on port 1937, cut sweep', { timeout: 120_000 }, async () => {
  for (const t of ['ip', 'ffmpeg', 'nginx', 'tcpdump', 'editcap', 'tshark']) requireTool(t);
  await withNamespace('ms-nginx', async (ns) => {
    await ns.startNginx([1937]);
    const file = join(ns.dir, 'nginx-1937.pcap');
    const cap = await ns.startCapture(file, ['tcp', 'port', '1937']);
    const r = ns.exec('ffmpeg', [...FFMPEG, ...SOURCE, 'rtmp://127.0.0.1:1937/live/ms'], 60_000);
    await cap.stop();
    assert.equal(r.status, 0, r.stderr);
    sweepWithTshark(file, 1937);
  });
});

// node-media-server 4 sets chunk size 65535 (both directions): no message after a cut spans
// chunks, so the size is never shown, only guessed; a player reads the stream back meanwhile.
test('interop midstream: ffmpeg → node-media-server (chunk size 65535) publish + play on port 1936, cut sweep', { timeout: 240_000 }, async () => {
  for (const t of ['ip', 'ffmpeg', 'node', 'npm', 'tcpdump', 'editcap', 'tshark']) requireTool(t);
  const nms = nodeMediaServer();
  await withNamespace('ms-nms', async (ns) => {
    const launcher = join(ns.dir, 'nms.cjs');
    writeFileSync(
      launcher,
      `const NodeMediaServer = require(${JSON.stringify(nms)});
new NodeMediaServer({ bind: "127.0.0.1", rtmp: { port: 1936 }, webadmin: { enable: false },
  store: { path: ${JSON.stringify(join(ns.dir, 'data'))} }, record: { auto: false, path: ${JSON.stringify(join(ns.dir, 'record'))} } },
  ${JSON.stringify(join(ns.dir, 'config.json'))}).run();
`,
    );
    ns.start('node', [launcher], 'nms');
    await ns.waitForPort(1936);
    const file = join(ns.dir, 'nms-1936.pcap');
    const cap = await ns.startCapture(file, ['tcp', 'port', '1936']);
    const publisher = ns.start('ffmpeg', [...FFMPEG, ...SOURCE, 'rtmp://127.0.0.1:1936/live/ms'], 'ffmpeg-publish');
    await new Promise((resolve) => setTimeout(resolve, 800));
    const player = ns.exec('ffmpeg', [...FFMPEG, '-i', 'rtmp://127.0.0.1:1936/live/ms', '-t', '1.5', '-f', 'null', '-'], 60_000);
    const published = await new Promise<number | null>((resolve) => (publisher.exitCode !== null ? resolve(publisher.exitCode) : publisher.once('exit', (code) => resolve(code))));
    await cap.stop();
    // FFmpeg (publisher or player) sometimes ends with status 255 and no message when
    // node-media-server closes the connection at the end of the stream: what counts is that the
    // capture holds both, video sent by the publisher and relayed to the player.
    console.log(`publisher exit status ${published}, player ${player.status}`);
    const video = messages(analyzeEvents(captureEvents(new Uint8Array(readFileSync(file))))).filter((m) => m.typeId === 9);
    assert.ok(video.filter((m) => m.dir === 'c2s').length > 30 && video.filter((m) => m.dir === 's2c').length > 10, `${video.length} video messages`);
    sweepWithTshark(file, 1936);
  });
});

test('interop midstream: GStreamer rtmpsink (librtmp, chunk size 128) → nginx-rtmp on port 1937, cut sweep', { timeout: 120_000 }, async () => {
  for (const t of ['ip', 'gst-launch-1.0', 'nginx', 'tcpdump', 'editcap', 'tshark']) requireTool(t);
  await withNamespace('ms-gst', async (ns) => {
    await ns.startNginx([1937]);
    const file = join(ns.dir, 'gst-1937.pcap');
    const cap = await ns.startCapture(file, ['tcp', 'port', '1937']);
    const r = ns.exec(
      'gst-launch-1.0',
      [
        '-q',
        '-e',
        'videotestsrc',
        'is-live=true',
        'num-buffers=45',
        '!',
        'video/x-raw,width=320,height=240,framerate=15/1',
        '!',
        'x264enc',
        'tune=zerolatency',
        'speed-preset=veryfast',
        'bitrate=300',
        'key-int-max=15',
        '!',
        'h264parse',
        '!',
        'queue',
        '!',
        'flvmux',
        'streamable=true',
        '!',
        'rtmpsink',
        'location=rtmp://127.0.0.1:1937/live/gst',
      ],
      60_000,
    );
    await cap.stop();
    assert.equal(r.status, 0, r.stderr);
    sweepWithTshark(file, 1937);
  });
});

test('interop midstream: ffmpeg → ffmpeg -listen over IPv6 on port 1938, cut sweep', { timeout: 120_000 }, async () => {
  for (const t of ['ip', 'ffmpeg', 'tcpdump', 'editcap', 'tshark']) requireTool(t);
  await withNamespace('ms-listen', async (ns) => {
    const file = join(ns.dir, 'listen-1938.pcap');
    const server = ns.start('ffmpeg', [...FFMPEG, '-listen', '1', '-i', 'rtmp://[::1]:1938/live/x', '-c', 'copy', '-f', 'flv', join(ns.dir, 'out.flv')], 'ffmpeg-listen');
    await ns.waitForPort(1938);
    const cap = await ns.startCapture(file, ['tcp', 'port', '1938']);
    const r = ns.exec('ffmpeg', [...FFMPEG, ...SOURCE, 'rtmp://[::1]:1938/live/x'], 60_000);
    await new Promise<void>((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', () => resolve())));
    await cap.stop();
    assert.equal(r.status, 0, r.stderr);
    sweepWithTshark(file, 1938);
  });
});
