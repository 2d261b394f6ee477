/**
 * SessionAnalysis over every committed capture (captures/*.pcap, *.pcapng), fed the export's
 * records as the lead wires it: nothing throws, facts and stream records are plain JSON, and what
 * the real peers did is what the analysis says (see captures/README.md for how they were made:
 * ffmpeg testsrc 320x240 15 fps x264 with -g 15, mono 44.1 kHz AAC; GStreamer 15 fps).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportLines } from '../builders/export-lines.js';
import type { OutputRecord } from '../../src/records/index.js';
import type { StreamRecord } from '../../src/analysis/index.js';
import { analyseRecords, type Analysed } from './script.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');
const files = readdirSync(dir)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .sort();

async function analyseFile(f: string): Promise<Analysed> {
  const recs = (await exportLines(join(dir, f))).map((l) => JSON.parse(l) as OutputRecord);
  return analyseRecords(recs);
}

/** Captures of clean sessions from start to end: the analysis must find no error there. */
const CLEAN = new Set([
  'ffmpeg-listen-ipv6.pcap',
  'ffmpeg-nginx-any.pcap',
  'ffmpeg-nginx-port19350.pcap',
  'ffmpeg-nginx-publish-ns.pcap',
  'ffmpeg-nginx-publish-play.pcap',
  'ffmpeg-nginx-publish.pcapng',
  'ffmpeg-nms-publish.pcap',
  'gstreamer-nginx-publish.pcap',
]);

/** The FFmpeg publisher every capture uses. */
function assertFfmpegPublish(s: StreamRecord | undefined, name: string, seconds: number): void {
  assert.ok(s !== undefined, `a stream record for ${name}`);
  assert.equal(s.role, 'publish');
  assert.equal(s.dir, 'c2s');
  assert.equal(s.name, name);
  assert.equal(s.app, 'live');
  assert.equal(s.publishType, 'live');
  assert.equal(s.outcome, 'started');
  const v = s.video;
  assert.ok(v !== null);
  assert.equal(v.codec, 'avc');
  assert.equal(v.codecString, 'avc1.64000c');
  assert.equal(v.profile, 'High');
  assert.equal(v.level, '1.2');
  assert.deepEqual([v.width, v.height], [320, 240]);
  assert.equal(v.fps.config, 15);
  assert.equal(v.fps.measured, 15);
  assert.equal(v.frames, seconds * 15);
  assert.equal(v.keyframes, seconds);
  assert.deepEqual(v.keyframeIntervalMs, seconds > 1 ? { min: 1000, max: 1000, avg: 1000 } : null);
  assert.ok(v.bitrateKbps.avg !== null && v.bitrateKbps.avg > 80 && v.bitrateKbps.avg < 260, `video ${v.bitrateKbps.avg} kbps`);
  assert.equal(v.timestampRegressions + v.timestampJumps, 0);
  const a = s.audio;
  assert.ok(a !== null);
  assert.equal(a.codec, 'aac');
  assert.equal(a.objectTypeName, 'AAC LC');
  assert.equal(a.sampleRate, 44100);
  assert.equal(a.channels, 1);
  assert.ok(a.bitrateKbps.avg !== null && a.bitrateKbps.avg > 50 && a.bitrateKbps.avg < 80, `audio ${a.bitrateKbps.avg} kbps`);
  assert.ok(s.avDriftMs !== null && s.avDriftMs < 200);
  assert.equal(s.metadata?.['encoder'], 'Lavf59.27.100');
}

describe('analysis over the committed captures', () => {
  for (const f of files) {
    test(`${f}: runs, plain JSON, ${CLEAN.has(f) ? 'no error-level diagnostics' : 'damaged capture'}`, async () => {
      const a = await analyseFile(f);
      const sessions = a.records.filter((r) => r.type === 'session').map((r) => r.session);
      assert.ok(sessions.length >= 1);
      for (const s of sessions) {
        const facts = a.facts(s);
        assert.deepEqual(JSON.parse(JSON.stringify(facts)), facts);
      }
      for (const s of a.streams) assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
      if (CLEAN.has(f)) {
        assert.deepEqual(
          a.analysis.filter((d) => d.severity !== 'info').map((d) => `${d.code} @${d.frame}`),
          [],
          'only info from the analysis',
        );
        for (const s of sessions) assert.equal(a.facts(s).startSeen, true);
      }
    });
  }

  test('ffmpeg → nginx-rtmp, then rtmpdump and ffmpeg play', async () => {
    const a = await analyseFile('ffmpeg-nginx-publish-play.pcap');
    const pub = a.facts(1);
    assert.equal(pub.role, 'publish');
    assert.equal(pub.app, 'live');
    assert.equal(pub.tcUrl, 'rtmp://127.0.0.1:1935/live');
    assert.deepEqual(pub.streamNames, ['test']);
    assert.equal(pub.connect.outcome, 'success');
    assert.equal(pub.streamIds['1']?.outcome, 'started');
    assert.equal(pub.streamIds['1']?.statusCode, 'NetStream.Publish.Start');
    // nginx-rtmp answers neither releaseStream nor FCPublish; FFmpeg does not wait.
    assert.deepEqual(
      pub.transactions.calls.filter((c) => c.reply === null).map((c) => c.name),
      ['releaseStream', 'FCPublish', 'FCUnpublish'],
    );
    assertFfmpegPublish(
      a.streams.find((s) => s.session === 1),
      'test',
      4,
    );
    for (const session of [2, 3]) {
      const f = a.facts(session);
      assert.equal(f.role, 'play');
      assert.deepEqual(f.streamNames, ['test']);
      const s = a.streams.find((x) => x.session === session);
      assert.equal(s?.dir, 's2c');
      assert.equal(s?.outcome, 'started');
      assert.equal(s?.video?.codec, 'avc');
      assert.equal(s?.video?.width, 320);
      assert.equal(s?.audio?.codec, 'aac');
      assert.equal(s?.metadata?.['Server'], 'NGINX RTMP (github.com/arut/nginx-rtmp-module)');
    }
    assert.equal(a.facts(2).flashVer, 'LNX 10,0,32,18');
    assert.equal(a.facts(3).flashVer, 'LNX 9,0,124,2');
    assert.deepEqual(a.analysis.map((d) => `${d.session} ${d.code}`).sort(), ['1 session.transaction.unanswered-optional', '2 session.transaction.unanswered-optional', '3 session.transaction.unanswered-optional']);
  });

  for (const [f, name, seconds] of [
    ['ffmpeg-nginx-publish.pcapng', 'ng', 2],
    ['ffmpeg-nginx-publish-ns.pcap', 'ns', 2],
    ['ffmpeg-nginx-any.pcap', 'any', 2],
    ['ffmpeg-nginx-port19350.pcap', 'alt', 3],
    ['ffmpeg-listen-ipv6.pcap', 'x', 2],
    ['ffmpeg-nms-publish.pcap', 'nms', 3],
  ] as const) {
    test(`${f}: the ffmpeg publisher of "${name}"`, async () => {
      const a = await analyseFile(f);
      assert.equal(a.facts(1).role, 'publish');
      assertFfmpegPublish(
        a.streams.find((s) => s.session === 1 && s.role === 'publish'),
        name,
        seconds,
      );
    });
  }

  test('ffmpeg -listen answers releaseStream, FCPublish (onFCPublish) and _checkbw', async () => {
    const f = (await analyseFile('ffmpeg-listen-ipv6.pcap')).facts(1);
    assert.deepEqual(
      f.transactions.calls.map((c) => [c.name, c.reply]),
      [
        ['connect', '_result'],
        ['releaseStream', '_result'],
        ['FCPublish', 'onFCPublish'],
        ['createStream', '_result'],
        ['_checkbw', '_result'],
        ['FCUnpublish', null],
      ],
    );
    assert.equal(f.flowControl.windowAckSize.s2c, 2_500_000);
  });

  test('node-media-server 4 sends the player its media and metadata on stream 0, with @setDataFrame', async () => {
    const a = await analyseFile('ffmpeg-nms-publish.pcap');
    const codes = a.analysis
      .filter((d) => d.session === 2)
      .map((d) => d.code)
      .sort();
    assert.deepEqual(codes, ['session.play.setdataframe', 'session.stream.data-on-stream-zero', 'session.transaction.unanswered-optional']);
    const play = a.streams.find((s) => s.session === 2);
    assert.equal(play?.streamId, 1);
    assert.equal(play?.role, 'play');
    assert.equal(play?.video?.width, 320);
    assert.ok((play?.video?.frames ?? 0) > 20);
    assert.equal(play?.metadata?.['encoder'], 'Lavf59.27.100', 'the publisher metadata, forwarded');
    assert.equal(a.facts(1).chunkLayer.chunkSizes.s2c[0], 65535);
  });

  test('GStreamer (librtmp) → nginx-rtmp: 15 fps H.264 High 4:4:4 and AAC, @setDataFrame repeated', async () => {
    const a = await analyseFile('gstreamer-nginx-publish.pcap');
    const f = a.facts(1);
    assert.equal(f.role, 'publish');
    assert.equal(f.tcUrl, 'rtmp://127.0.0.1/live');
    assert.deepEqual(f.streamNames, ['gst']);
    const s = a.streams[0];
    assert.equal(s?.video?.codec, 'avc');
    assert.deepEqual([s?.video?.width, s?.video?.height], [320, 240]);
    assert.equal(s?.video?.frames, 45);
    assert.equal(s?.video?.fps.measured, 15);
    assert.equal(s?.audio?.codec, 'aac');
    assert.ok((s?.dataMessages ?? 0) > 10, 'flvmux re-sends the metadata');
    assert.deepEqual(f.chunkLayer.chunkSizes.c2s, [], 'librtmp keeps the 128-byte default');
  });
});
