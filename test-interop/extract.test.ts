/**
 * `rtmpscope extract` and `proxy --record` against real demuxers.
 *
 * Every committed capture (captures/*.pcap*, with its key log when it has one) is extracted with
 * --dir; each file written is read by FFmpeg — Debian's ffprobe 5.1 for legacy FLV, FFmpeg 8.1
 * (node-av in .cache/nodeav, installed by `make-ertmp-captures.sh --install-only`) for Enhanced
 * FLV — and:
 *   - the demuxer reads exactly the video frames extract says it wrote;
 *   - without a gap, that is every coded video message of the stream in the capture (counted from
 *     the capture's golden NDJSON, aggregate sub-tags included);
 *   - with gaps, the first video packet is a keyframe and onMetaData's rtmpscopeGaps is the count
 *     extract reported.
 * The one exception: streams whose video has no sequence header in the capture
 * (none in the golden, or stream.video.no-sequence-header: captures that start mid-stream,
 * nginx-rtmp dropping an E-RTMP track's) — Debian's ffprobe then exits 1 after reading the packets, and
 * FFmpeg 8.1 stops at the first frame of that track, so fewer frames are only required to be read.
 *
 * The shared real RTMFP captures (../shared/data/rtmfp, not committed; skipped when absent) are
 * extracted with their key logs: ffprobe reads every coded video message of the published stream.
 *
 * AMF3 data messages (type 15): a stream whose onMetaData came as AMF3 (an AVM+ object, as Flash
 * Player sends with object encoding 3) around ffmpeg's own H.264 tags is extracted; ffprobe reads
 * every frame and the metadata's values (FFmpeg 5.1 refuses the AVM+ marker itself: "unsupported
 * amf type 17", and then drops the whole onMetaData).
 *
 * Then live: ffmpeg publishes 40 frames through `rtmpscope proxy --record DIR` to nginx-rtmp while
 * a second ffmpeg plays through the proxy (a private network namespace, loopback only); the
 * recorded publish holds all 40 frames and no gap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Namespace, sleep } from './netns.js';
import { CAPTURES, CLI, ROOT, requireTool } from './tools.js';
import { readFlv } from '../test/builders/flv-reader.js';
import { wholeMessage } from '../test/builders/rtmp-message.js';
import { rtmfpDataDir } from '../test/rtmfp/shared.js';
import { tagKind } from '../src/extract/writer.js';
import { Extractor } from '../src/extract/extractor.js';
import { createFile } from '../src/extract/files.js';
import type { RtmpMessage } from '../src/rtmp/chunk-decoder.js';
import { amf0, amf3 } from '../test/builders/amf-writer.js';

type Rec = Record<string, unknown>;
type Media = { content?: string; ex?: boolean };
type Written = { path: string; session: number; dir: string; videoFrames: number; gaps: number };

const NODE_AV = join(ROOT, '.cache', 'nodeav', 'node_modules', 'node-av', 'package.json');
const PLAYER = join(ROOT, 'captures', 'ertmp-publish.mjs');
const VIDEO_CODECS = new Set(['h264', 'hevc', 'av1', 'vp9', 'vp8', 'vvc', 'flv1', 'vp6f', 'vp6a', 'flashsv', 'flashsv2']);

const WROTE = /^wrote (.+?\.flv): session (\d+) (c2s|s2c) stream \d+ .*?, (\d+) video frames, \d+ audio and \d+ other tags, (?:no gap|(\d+) gaps?, \d+ tags dropped)$/;

function written(stderr: string): Written[] {
  const out: Written[] = [];
  for (const line of stderr.split('\n')) {
    const m = WROTE.exec(line);
    if (m !== null) out.push({ path: m[1]!, session: Number(m[2]), dir: m[3]!, videoFrames: Number(m[4]), gaps: Number(m[5] ?? 0) });
  }
  return out;
}

/** Per session and direction: coded video messages, whether any media is E-RTMP, and missing-config errors. */
function fromGolden(file: string): Map<string, { frames: number; enhanced: boolean; noConfig: boolean; config?: boolean }> {
  const out = new Map<string, { frames: number; enhanced: boolean; noConfig: boolean; config?: boolean }>();
  const golden = join(CAPTURES, 'golden', `${file}.ndjson`);
  for (const line of readFileSync(golden, 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as Rec;
    const key = `${r['session'] as number}:${r['dir'] as string}`;
    const e = out.get(key) ?? { frames: 0, enhanced: false, noConfig: false };
    out.set(key, e);
    if (r['type'] === 'diagnostic' && (r['code'] === 'stream.video.no-sequence-header' || r['code'] === 'session.relay.no-sequence-header')) e.noConfig = true;
    if (r['type'] !== 'message') continue;
    const media: { typeId: number; media?: Media }[] = [];
    if (r['typeId'] === 8 || r['typeId'] === 9) media.push({ typeId: r['typeId'] as number, media: r['media'] as Media });
    if (r['typeId'] === 22) for (const t of (r['aggregate'] as { tags?: { typeId: number; media?: Media }[] } | undefined)?.tags ?? []) media.push(t);
    for (const m of media) {
      if (m.media?.ex === true) e.enhanced = true;
      if (m.typeId === 9 && m.media?.content === 'frames') e.frames++;
      if (m.typeId === 9 && m.media?.content === 'config') e.config = true;
    }
  }
  for (const e of out.values()) if (!e.config) e.noConfig = true;
  return out;
}

/**
 * Debian's ffprobe: video packets read, the first one's flags, onMetaData's gap count. `strict`:
 * ffprobe must also exit 0 (it does not for H.264 frames with no sequence header before them).
 */
function ffprobe(file: string, strict = true): { video: number; firstFlags: string; gaps: number | null } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=flags:format_tags=rtmpscopeGaps', '-of', 'json', file], { encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 26 });
  if (strict) assert.equal(r.status, 0, `ffprobe ${file}: ${r.stderr}`);
  const j = JSON.parse(r.stdout) as { packets?: { flags: string }[]; format?: { tags?: { rtmpscopeGaps?: string } } };
  const packets = j.packets ?? [];
  const gaps = j.format?.tags?.rtmpscopeGaps;
  return { video: packets.length, firstFlags: packets[0]?.flags ?? '', gaps: gaps === undefined ? null : Number(gaps) };
}

/** FFmpeg 8.1 (node-av): packets read per stream until the end (or the first demuxing error). */
function ffmpeg8(file: string): { video: number } {
  const r = spawnSync(process.execPath, [PLAYER, 'play', file, '30'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `node-av ${file}: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { streams: { codec: string; packets: number }[] };
  return { video: j.streams.filter((s) => VIDEO_CODECS.has(s.codec)).reduce((n, s) => n + s.packets, 0) };
}

function nodeAvMissing(): string | null {
  if (existsSync(NODE_AV)) return null;
  spawnSync('bash', [join(ROOT, 'captures', 'make-ertmp-captures.sh'), '--install-only'], { encoding: 'utf8', timeout: 300_000 });
  return existsSync(NODE_AV) ? null : 'node-av (FFmpeg 8.1) could not be installed into .cache/nodeav';
}

test('extract: every committed capture, each stream read back by FFmpeg', { timeout: 300_000 }, async (t) => {
  requireTool('ffprobe');
  const noAv = nodeAvMissing();
  const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-extract-'));
  let files = 0;
  try {
    for (const file of readdirSync(CAPTURES)
      .filter((f) => /\.(pcap|pcapng)$/.test(f))
      .sort()) {
      await t.test(file, (st) => {
        const out = join(tmp, file);
        spawnSync('mkdir', ['-p', out]);
        const keylog = join(CAPTURES, `${file}.keylog`);
        const r = spawnSync(process.execPath, [CLI, 'extract', join(CAPTURES, file), '--dir', out, ...(existsSync(keylog) ? ['--keylog', keylog] : [])], { encoding: 'utf8', timeout: 60_000 });
        const golden = fromGolden(file);
        const streams = written(r.stderr);
        if (r.status !== 0) {
          // Only captures with no stream to extract may fail, and they say so.
          assert.match(r.stderr, /no published or played stream with media/, r.stderr);
          assert.equal(
            [...golden.values()].reduce((n, g) => n + g.frames, 0),
            0,
            `${file}: extract found nothing, the golden has video frames`,
          );
          return;
        }
        assert.equal(readdirSync(out).length, streams.length, `one line per file: ${r.stderr}`);
        for (const s of streams) {
          files++;
          const g = golden.get(`${s.session}:${s.dir}`);
          assert.ok(g !== undefined, `${s.path}: session ${s.session} ${s.dir} is in the golden`);
          if (s.gaps === 0) assert.equal(s.videoFrames, g.frames, `${s.path}: every coded video message written`);
          else assert.ok(s.videoFrames <= g.frames, `${s.path}: no more frames than the capture has`);
          if (g.enhanced) {
            if (noAv !== null) {
              st.diagnostic(`${s.path}: not read (${noAv})`);
              continue;
            }
            const v = ffmpeg8(s.path);
            if (g.noConfig) assert.ok(v.video <= s.videoFrames, `${s.path}: FFmpeg 8.1 opens it`);
            else assert.equal(v.video, s.videoFrames, `${s.path}: FFmpeg 8.1 reads every video frame`);
          } else {
            const p = ffprobe(s.path, !g.noConfig);
            if (g.noConfig) {
              // ffprobe gives up on H.264 without its configuration: the layout is checked instead.
              const tags = readFlv(new Uint8Array(readFileSync(s.path))).tags;
              assert.equal(tags.filter((x) => x.type === 9 && tagKind(9, x.data) !== 'other').length, s.videoFrames, `${s.path}: video frames in the file`);
              continue;
            }
            assert.equal(p.video, s.videoFrames, `${s.path}: ffprobe reads every video frame`);
            assert.equal(p.gaps, s.gaps, `${s.path}: onMetaData rtmpscopeGaps`);
            if (s.gaps > 0 && p.video > 0) assert.match(p.firstFlags, /^K/, `${s.path}: the first video packet is a keyframe`);
          }
        }
      });
    }
    assert.ok(files >= 55, `${files} files checked`);
  } finally {
    if (process.env['KEEP_TMP'] === undefined) rmSync(tmp, { recursive: true, force: true });
  }
});

const RTMFP = rtmfpDataDir(ROOT);

test('extract: RTMP over RTMFP (shared zenomt/rtmfp-cpp captures, with key logs) read back by ffprobe', { skip: RTMFP === null ? 'shared RTMFP captures not found' : false, timeout: 60_000 }, () => {
  requireTool('ffprobe');
  const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-extract-rtmfp-'));
  try {
    for (const name of ['rtmfp-tc-publish', 'rtmfp-tc-publish-orderly-close']) {
      const out = join(tmp, name);
      spawnSync('mkdir', ['-p', out]);
      const r = spawnSync(process.execPath, [CLI, 'extract', join(RTMFP!, `${name}.pcap`), '--keylog', join(RTMFP!, `${name}.keylog.txt`), '--dir', out], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      const streams = written(r.stderr);
      assert.equal(streams.length, 1, r.stderr);
      const s = streams[0]!;
      // Coded video messages in the capture: its Video Data messages but the sequence header.
      const ndjson = spawnSync(process.execPath, [CLI, 'export', join(RTMFP!, `${name}.pcap`), '--keylog', join(RTMFP!, `${name}.keylog.txt`)], { encoding: 'utf8', timeout: 30_000, maxBuffer: 1 << 26 });
      const frames = ndjson.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Rec)
        .filter((m) => m['type'] === 'message' && m['typeId'] === 9 && (m['media'] as Media | undefined)?.content === 'frames').length;
      assert.equal(frames, 20);
      assert.equal(s.videoFrames, frames, `${name}: extract wrote every coded video message`);
      assert.equal(s.gaps, 0);
      const p = ffprobe(s.path);
      assert.equal(p.video, frames, `${name}: ffprobe reads every video frame`);
      assert.equal(p.gaps, 0);
      assert.match(p.firstFlags, /^K/);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('extract: an AMF3 onMetaData (type 15) is written as AMF0 script data that ffprobe reads', { timeout: 60_000 }, () => {
  requireTool('ffmpeg');
  requireTool('ffprobe');
  const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-extract-amf3-'));
  try {
    const src = join(tmp, 'src.flv');
    const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '10', '-f', 'flv', src], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(made.status, 0, made.stderr);
    const id = { session: 1, client: '10.0.0.1:5000', server: '10.0.0.2:1935' };
    const msg = (typeId: number, body: Uint8Array, timestamp = 0): RtmpMessage => wholeMessage(typeId, body, { csid: 4, timestamp, payload: true });

    const file = join(tmp, 'amf3.flv');
    const notes: string[] = [];
    const x = new Extractor({ open: () => createFile(file), note: (l) => notes.push(l) });
    x.message(id, 'c2s', msg(20, amf0.command('publish', 0, null, 'cam')));
    const meta = amf3.object({ className: 'Meta', sealed: [['width', 160]], dynamic: { encoder: 'flash', fromAmf3: 'yes', count: 7 } });
    x.message(id, 'c2s', msg(15, Uint8Array.of(0, ...amf0.encode(['@setDataFrame', 'onMetaData', amf0.avmplus(meta)]))));
    const tags = readFlv(new Uint8Array(readFileSync(src))).tags.filter((t) => t.type !== 18);
    for (const t of tags) x.message(id, 'c2s', msg(t.type, t.data, t.timestamp));
    x.finish();
    assert.deepEqual(notes, []);
    const frames = tags.filter((t) => t.type === 9 && tagKind(9, t.data) !== 'other').length;
    assert.equal(frames, 20);
    const r = spawnSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=nb_read_packets:format_tags', '-of', 'json', file], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no complaint about the script data');
    const j = JSON.parse(r.stdout) as { streams: { nb_read_packets: string }[]; format: { tags: Record<string, string> } };
    assert.equal(Number(j.streams[0]?.nb_read_packets), frames, 'every video frame');
    assert.deepEqual([j.format.tags['encoder'], j.format.tags['fromAmf3'], j.format.tags['count'], j.format.tags['rtmpscopeGaps']], ['flash', 'yes', '7', '0']);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('proxy --record: ffmpeg → rtmpscope proxy → nginx-rtmp, publish and play recorded live', { timeout: 120_000 }, async () => {
  for (const tool of ['ip', 'ffmpeg', 'ffprobe', 'nginx']) requireTool(tool);
  const ns = new Namespace('extract');
  try {
    await ns.startNginx([1935]);
    const dir = join(ns.dir, 'rec');
    spawnSync('mkdir', ['-p', dir]);
    const proxy = spawn('ip', ['netns', 'exec', ns.name, process.execPath, CLI, 'proxy', '--upstream', '127.0.0.1:1935', '--listen', '127.0.0.1:1936', '--format', 'none', '--record', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proxy.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => proxy.once('exit', () => resolve()));
    await ns.waitForPort(1936);
    const ffmpeg = ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin'];
    const publish = ns.start(
      'timeout',
      [
        '-k',
        '2',
        '30',
        ...ffmpeg,
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=320x240:rate=20',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=44100',
        '-frames:v',
        '40',
        '-map',
        '0:v',
        '-map',
        '1:a',
        '-shortest',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '20',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        '-ac',
        '1',
        '-f',
        'flv',
        'rtmp://127.0.0.1:1936/live/rec?key=secret',
      ],
      'publish',
    );
    await sleep(800);
    const play = ns.start('timeout', ['-k', '2', '20', ...ffmpeg, '-i', 'rtmp://127.0.0.1:1936/live/rec', '-t', '1', '-f', 'null', '-'], 'play');
    await Promise.all([publish, play].map((p) => new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : p.once('exit', () => resolve())))));
    assert.equal(publish.exitCode, 0, 'ffmpeg published');
    proxy.kill('SIGINT');
    await exited;
    const lines = written(stderr.replace(/^rtmpscope proxy: /gm, ''));
    const pub = lines.find((l) => l.dir === 'c2s');
    assert.ok(pub !== undefined, `a recorded publish: ${stderr}`);
    assert.match(pub.path, /s\d+-live-rec-publish\.flv$/, 'named without the query string');
    assert.equal(pub.videoFrames, 40);
    assert.equal(pub.gaps, 0);
    const p = ffprobe(pub.path);
    assert.equal(p.video, 40, 'ffprobe reads the 40 frames ffmpeg published');
    assert.equal(p.gaps, 0);
    const played = lines.find((l) => l.dir === 's2c');
    assert.ok(played !== undefined, `a recorded play: ${stderr}`);
    assert.equal(ffprobe(played.path).video, played.videoFrames);
    assert.ok(played.videoFrames > 0);
  } finally {
    await ns.close();
  }
});
