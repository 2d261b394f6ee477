/**
 * Enhanced RTMP from a real FFmpeg 8.1 (libavformat 62, the node-av 6.1.1 addon; see
 * captures/ertmp-publish.mjs): each form (HEVC+AAC, AV1+Opus, VP9+Opus 5.1, multitrack video
 * AVC+HEVC, multitrack audio AAC+AAC, FLAC+AC-3+E-AC-3) is published to nginx-rtmp 1.2.2 and to
 * node-media-server 4.4.3 while an FFmpeg 8.1 player (connect with fourCcList) plays it, by
 * captures/make-ertmp-captures.sh in a private namespace. Checked on each capture:
 *   - every packet the publisher wrote is decoded, on the track it was written to, with its codec;
 *   - per-track figures: picture size, frame rate;
 *   - nginx-rtmp drops E-RTMP video (the player gets audio only) and rtmpscope says so
 *     (session.relay.media-dropped); node-media-server relays every form with no relay diagnostic;
 * and once through `rtmpscope proxy` in front of nginx-rtmp: the drop is diagnosed live. A hooked
 * node-media-server sends the FFmpeg 8.1 publisher a Reconnect Request, which it ignores
 * (session.connect.reconnect-ignored).
 *
 * node-av is installed on demand into .cache/nodeav (npm registry); when it cannot be installed
 * the tests skip with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Namespace, sleep } from './netns.js';
import { CLI, ROOT, requireTool, rtmpscopeNdjson } from './tools.js';

type Written = { encoder: string; media: 'video' | 'audio'; packets: number };
type Run = { publish: { form: string; streams: Written[] }; play: { streams: { codec: string; packets: number }[] } | null };
type Rec = Record<string, unknown>;
type Stats = { codec: string; frames: number; width?: number | null; height?: number | null; fps?: { measured: number | null } };
type TrackRec = { kind: 'video' | 'audio'; trackId: number; video: Stats | null; audio: Stats | null };

const CODEC: Record<string, string> = { libx265: 'hevc', libx264: 'avc', libsvtav1: 'av1', 'libvpx-vp9': 'vp9', aac: 'aac', libopus: 'opus', flac: 'flac', ac3: 'ac3', eac3: 'eac3' };
const NODE_AV = join(ROOT, '.cache', 'nodeav', 'node_modules', 'node-av', 'package.json');
const SCRIPT = join(ROOT, 'captures', 'make-ertmp-captures.sh');

/** Installs node-av (if needed) through the capture script's own install step; the reason when that fails. */
function nodeAvMissing(): string | null {
  if (existsSync(NODE_AV)) return null;
  const r = spawnSync('bash', [SCRIPT, '--install-only'], { encoding: 'utf8', timeout: 300_000 });
  return existsSync(NODE_AV) ? null : `node-av@6.1.1 could not be installed into .cache/nodeav (${(r.stderr || r.stdout).trim().slice(-300)})`;
}

let captures: { dir: string; runs: Record<string, Run> } | null = null;
let skip: string | null = null;

function all(): { dir: string; runs: Record<string, Run> } {
  if (captures !== null) return captures;
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-ertmp8-'));
  // Three forms keep the suite under two minutes; the others are committed captures with goldens.
  const forms = process.env['RTMPSCOPE_ERTMP_FORMS'] ?? 'hevc mt-video audio-ex';
  const r = spawnSync('bash', [SCRIPT, dir], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, ERTMP_FORMS: forms } });
  assert.equal(r.status, 0, `make-ertmp-captures.sh failed: ${r.stderr.slice(-2000)}`);
  captures = { dir, runs: JSON.parse(readFileSync(join(dir, 'ertmp-packets.json'), 'utf8')) as Record<string, Run> };
  return captures;
}

test('E-RTMP from FFmpeg 8.1 through nginx-rtmp and node-media-server', { timeout: 900_000 }, async (t) => {
  requireTool('nginx');
  requireTool('tcpdump');
  skip = nodeAvMissing();
  if (skip !== null) {
    t.skip(skip);
    return;
  }
  const { dir, runs } = all();
  try {
    for (const [file, run] of Object.entries(runs)) {
      await t.test(file, () => checkCapture(join(dir, file), run, file.endsWith('-nginx.pcap') ? 'nginx' : 'nms'));
    }
    await t.test('ertmp-reconnect-nms.pcap: FFmpeg 8.1 ignores a Reconnect Request', () => checkReconnect(join(dir, 'ertmp-reconnect-nms.pcap')));
  } finally {
    if (process.env['KEEP_TMP'] === undefined) rmSync(dir, { recursive: true, force: true });
  }
});

function tracksOf(s: Rec): Map<string, Stats> {
  const out = new Map<string, Stats>();
  const tracks = s['tracks'] as TrackRec[] | undefined;
  if (tracks === undefined) {
    if (s['video'] !== null) out.set('video:0', s['video'] as Stats);
    if (s['audio'] !== null) out.set('audio:0', s['audio'] as Stats);
  } else {
    for (const tr of tracks) out.set(`${tr.kind}:${tr.trackId}`, (tr.video ?? tr.audio) as Stats);
  }
  return out;
}

function checkCapture(pcap: string, run: Run, server: 'nginx' | 'nms'): void {
  const recs = rtmpscopeNdjson(pcap);
  const streams = recs.filter((r) => r['type'] === 'stream');
  const pub = streams.find((s) => s['role'] === 'publish');
  const play = streams.find((s) => s['role'] === 'play');
  assert.ok(pub !== undefined && play !== undefined, 'a publish and a play stream');
  // Every packet the publisher wrote, on its track (the flv muxer numbers tracks per media type in stream order).
  const pubTracks = tracksOf(pub);
  const next = { video: 0, audio: 0 };
  for (const w of run.publish.streams) {
    const id = `${w.media}:${next[w.media]++}`;
    const got = pubTracks.get(id);
    assert.ok(got !== undefined, `${id} (${w.encoder}) in the publisher's stream record`);
    assert.equal(got.codec, CODEC[w.encoder], `${id} codec`);
    assert.equal(got.frames, w.packets, `${id}: every ${w.encoder} packet written is decoded`);
    if (w.media === 'video') {
      assert.deepEqual([got.width, got.height], [160, 96], `${id} picture size`);
      const fps = got.fps?.measured ?? 0;
      assert.ok(Math.abs(fps - 25) < 1, `${id} measured ${fps} fps`);
    }
  }
  assert.equal(pubTracks.size, run.publish.streams.length, 'no track the publisher did not write');
  const media = recs.filter((r) => r['type'] === 'diagnostic' && String(r['code']).startsWith('media.') && r['code'] !== 'media.config.flac-bare-streaminfo');
  assert.deepEqual(
    media.map((d) => d['code']),
    [],
    'no media problem',
  );
  const relay = recs.filter((r) => r['type'] === 'diagnostic' && String(r['code']).startsWith('session.relay.'));
  const ertmpVideo = ['hevc', 'av1', 'vp9'].includes(String((pub['video'] as Stats | null)?.codec));
  const advertisedWarn = recs.filter((r) => r['type'] === 'diagnostic' && r['code'] === 'stream.ertmp.not-advertised');
  assert.deepEqual(advertisedWarn, [], 'the player listed every FourCC (fourCcList), the publisher is not warned about');
  if (server === 'nms') {
    assert.deepEqual(
      relay.map((d) => d['message']),
      [],
      'node-media-server relays clean',
    );
    const playTracks = tracksOf(play);
    for (const id of pubTracks.keys()) assert.ok((playTracks.get(id)?.frames ?? 0) > 0, `the player got ${id}`);
  } else if (ertmpVideo) {
    // nginx-rtmp 1.2.2: the player gets audio only; both legs are in the capture, the drop is named.
    assert.equal((play['video'] as Stats | null)?.frames ?? 0, 0, 'nginx-rtmp relayed no E-RTMP video');
    const d = relay.find((x) => x['code'] === 'session.relay.media-dropped');
    assert.ok(d !== undefined, `media-dropped diagnosed; got ${relay.map((x) => x['code']).join(', ') || 'nothing'}`);
    assert.equal(d['session'], play['session']);
  }
}

/**
 * node-media-server, hooked, sent the publisher a Reconnect Request (tcUrl "/live2") 0.5 s into the
 * publish; FFmpeg 8.1 has no handling of it: it goes on publishing on the old connection and
 * closes it at the end, with no new connection.
 */
function checkReconnect(pcap: string): void {
  const diags = rtmpscopeNdjson(pcap).filter((r) => r['type'] === 'diagnostic');
  const req = diags.find((d) => d['code'] === 'session.connect.reconnect-request');
  assert.equal((req?.['context'] as Rec | undefined)?.['resolved'], 'rtmp://127.0.0.1:1935/live2');
  const ignored = diags.filter((d) => d['code'] === 'session.connect.reconnect-ignored');
  assert.equal(ignored.length, 1, `codes: ${diags.map((d) => d['code']).join(', ')}`);
  const ctx = ignored[0]?.['context'] as Rec;
  // 'closed' when the publisher's FIN is in the capture; under load tcpdump may stop before it ('none').
  assert.ok(ctx['reaction'] === 'closed' || ctx['reaction'] === 'none', String(ctx['reaction']));
  assert.ok(Number(ctx['mediaAfter']) > 20, `media after the request: ${String(ctx['mediaAfter'])}`);
  assert.ok(!diags.some((d) => d['code'] === 'session.connect.reconnected'));
}

test('through rtmpscope proxy: the nginx-rtmp E-RTMP video drop is diagnosed live', { timeout: 120_000 }, async (t) => {
  requireTool('nginx');
  skip ??= nodeAvMissing();
  if (skip !== null) {
    t.skip(skip);
    return;
  }
  const ns = new Namespace('ertmp8');
  try {
    await ns.startNginx([1935]);
    const live = join(ns.dir, 'live.ndjson');
    const proxy = ns.start(process.execPath, [CLI, 'proxy', '--listen', '127.0.0.1:1936', '--upstream', '127.0.0.1:1935', '-o', live], 'proxy');
    await ns.waitForPort(1936);
    const tool = join(ROOT, 'captures', 'ertmp-publish.mjs');
    const player = ns.start(process.execPath, [tool, 'play', 'rtmp://127.0.0.1:1936/live/p', '4', 'hvc1,mp4a'], 'player');
    await sleep(500);
    const pub = ns.exec(process.execPath, [tool, 'publish', 'hevc', 'rtmp://127.0.0.1:1936/live/p', '1'], 60_000);
    assert.equal(pub.status, 0, `publisher failed: ${pub.stderr}`);
    await new Promise<void>((r) => (player.exitCode !== null ? r() : player.once('exit', () => r())));
    await sleep(500);
    proxy.kill('SIGINT');
    await new Promise<void>((r) => (proxy.exitCode !== null ? r() : proxy.once('exit', () => r())));
    const lines = readFileSync(live, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Rec);
    const d = lines.find((l) => l['type'] === 'diagnostic' && l['code'] === 'session.relay.media-dropped');
    assert.ok(d !== undefined, `the proxy diagnosed the drop; codes: ${[...new Set(lines.filter((l) => l['type'] === 'diagnostic').map((l) => l['code']))].join(', ')}`);
    assert.match(String(d['message']), /hvc1/);
  } finally {
    await ns.close();
  }
});
