/**
 * Extraction of aggregate messages (type 22) from a real capture. No Debian peer sends
 * aggregates — FFmpeg's RTMP writer (libavformat/rtmpproto.c, rtmp_write) sends each FLV tag of
 * its muxer as one message of the tag's own type, librtmp's RTMP_Write likewise, nginx-rtmp and
 * FFmpeg only receive them (ngx_rtmp_aggregate_message_handler, rtmpproto.c handle_metadata),
 * rtmpsrv sends no media — so the aggregates here are sent by the suite's FLV publisher
 * (flv-publish.ts, 4 tags per aggregate as Wowza and Adobe Media Server send them) to a real
 * nginx-rtmp, which accepts them and relays the tags it splits out of them to a real ffmpeg player.
 *
 * In a private network namespace: ffmpeg plays live/agg, the publisher sends ffmpeg's own H.264
 * and AAC tags in aggregates, tcpdump captures both connections. Then `rtmpscope extract`:
 *   - the published stream (aggregates on the wire) holds every source tag, byte for byte, at its
 *     timestamp, and ffprobe reads every video frame;
 *   - the played stream (nginx's split, plain audio/video messages) holds the same frames, and
 *     ffprobe reads them all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Namespace, sleep } from './netns.js';
import { CLI, ROOT, requireTool } from './tools.js';
import { readFlv } from '../test/builders/flv-reader.js';
import { tagKind } from '../src/extract/writer.js';

const PUBLISHER = join(ROOT, 'dist', 'test-interop', 'flv-publish.js');
const exited = (p: { exitCode: number | null; signalCode: NodeJS.Signals | null; once(e: 'exit', f: () => void): unknown }) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));

test('extract: aggregate messages from a real capture (publisher → nginx-rtmp → ffmpeg), every frame read back by ffprobe', { timeout: 120_000 }, async () => {
  for (const tool of ['ip', 'ffmpeg', 'ffprobe', 'nginx', 'tcpdump']) requireTool(tool);
  const ns = new Namespace('ex-aggregate');
  try {
    const src = join(ns.dir, 'src.flv');
    const made = spawnSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=160x120:rate=10',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=22050',
        '-t',
        '2',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        '-g',
        '10',
        '-c:a',
        'aac',
        '-ac',
        '1',
        '-f',
        'flv',
        src,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(made.status, 0, made.stderr);
    const source = readFlv(new Uint8Array(readFileSync(src))).tags.filter((t) => t.type === 8 || t.type === 9);
    const frames = source.filter((t) => t.type === 9 && tagKind(9, t.data) !== 'other').length;
    assert.equal(frames, 20);

    await ns.startNginx([1935]);
    const pcap = join(ns.dir, 'aggregate.pcap');
    const cap = await ns.startCapture(pcap, ['tcp', 'port', '1935']);
    const player = ns.start('timeout', ['-s', 'INT', '20', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-i', 'rtmp://127.0.0.1/live/agg', '-c', 'copy', '-f', 'flv', join(ns.dir, 'played-by-ffmpeg.flv')], 'player');
    await sleep(1500);
    const pub = ns.exec(process.execPath, [PUBLISHER, src, 'rtmp://127.0.0.1:1935/live/agg', '4096', '4'], 30_000);
    assert.equal(pub.status, 0, pub.stderr);
    await exited(player);
    await cap.stop();

    const types = spawnSync(process.execPath, [CLI, 'export', pcap, '--type', 'message', '--dir', 'c2s'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const c2s = types.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { typeId: number; streamId: number });
    const aggregates = c2s.filter((m) => m.typeId === 22).length;
    assert.equal(aggregates, Math.ceil(source.length / 4), 'the capture holds the aggregates');
    assert.equal(c2s.filter((m) => m.typeId === 8 || m.typeId === 9).length, 0, 'the publisher sent no plain audio or video');

    const out = join(ns.dir, 'out');
    spawnSync('mkdir', ['-p', out]);
    const r = spawnSync(process.execPath, [CLI, 'extract', pcap, '--dir', out], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const files = readdirSync(out).sort();
    const published = files.find((f) => f.endsWith('-live-agg-publish.flv'));
    const played = files.find((f) => f.endsWith('-live-agg-play.flv'));
    assert.ok(published !== undefined && played !== undefined, `${files.join(', ')}\n${r.stderr}`);
    assert.match(r.stderr, /\(publish\), 20 video frames, \d+ audio and \d+ other tags, no gap/);
    assert.match(r.stderr, /\(play\), 20 video frames, \d+ audio and \d+ other tags, no gap/);

    const pubTags = readFlv(new Uint8Array(readFileSync(join(out, published)))).tags.filter((t) => t.type === 8 || t.type === 9);
    assert.deepEqual(
      pubTags.map((t) => [t.type, t.timestamp, Buffer.from(t.data).toString('base64')]),
      source.map((t) => [t.type, t.timestamp, Buffer.from(t.data).toString('base64')]),
      'the aggregates split back into the source tags, byte for byte, at their timestamps',
    );
    const playVideo = readFlv(new Uint8Array(readFileSync(join(out, played)))).tags.filter((t) => t.type === 9);
    assert.deepEqual(
      playVideo.map((t) => Buffer.from(t.data).toString('base64')),
      source.filter((t) => t.type === 9).map((t) => Buffer.from(t.data).toString('base64')),
      'nginx relayed the same video tags',
    );
    for (const f of [published, played]) {
      const p = spawnSync('ffprobe', ['-v', 'error', '-count_packets', '-select_streams', 'v', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', join(out, f)], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(p.status, 0, p.stderr);
      assert.equal(Number(p.stdout.trim()), frames, `${f}: ffprobe reads every video frame`);
    }
  } finally {
    await ns.close();
  }
});
