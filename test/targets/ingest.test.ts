/**
 * Ingest targets on scripted publishes: the keyframe limit differs per service (Twitch 2 s,
 * YouTube 4 s), played streams are not checked, a stream within every limit raises nothing, and
 * the check of a stream record alone (checkStream) for the bitrate rows and audio limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rtmp } from '../analysis/script.js';
import { checkStream, keyframeSpanMs, TARGET_SPECS, TARGETS, type IngestTarget } from '../../src/targets/ingest.js';
import type { StreamRecord } from '../../src/records/index.js';

const targetCodes = (target: IngestTarget | undefined, gop: number) => {
  const a = new Rtmp()
    .publishPreamble()
    .av(7, { gop })
    .analyse(target === undefined ? {} : { target });
  return [...a.codes].filter((c) => c.startsWith('target.')).sort();
};

test('targets: a 3 s GOP passes YouTube and Facebook, not Twitch (2 s)', () => {
  assert.ok(!targetCodes('youtube', 45).includes('target.video.keyframe-interval'));
  assert.ok(targetCodes('twitch', 45).includes('target.video.keyframe-interval'));
  assert.ok(!targetCodes('twitch', 30).includes('target.video.keyframe-interval'));
  assert.deepEqual(targetCodes(undefined, 45), []);
});

test('targets: the generic target raises nothing for x264 High 4:2:0 with AAC-LC 44.1 kHz stereo', () => {
  assert.deepEqual(targetCodes('generic', 15), []);
});

test('targets: a played stream is not checked', () => {
  const a = new Rtmp().playPreamble().av(7, { gop: 150, dir: 's2c' }).analyse({ target: 'twitch' });
  assert.deepEqual(
    [...a.codes].filter((c) => c.startsWith('target.')),
    [],
  );
});

function stream(video: Partial<NonNullable<StreamRecord['video']>>, audio: Partial<NonNullable<StreamRecord['audio']>> | null): StreamRecord {
  const v = {
    codec: 'avc',
    codecId: 7,
    fourCc: null,
    codecString: null,
    profile: 'High',
    level: '4.1',
    width: 1920,
    height: 1080,
    chromaFormat: '4:2:0',
    bitDepth: 8,
    fps: { config: 30, measured: 30 },
    frames: 300,
    keyframes: 5,
    keyframeIntervalMs: { min: 2000, max: 2000, avg: 2000 },
    bytes: 0,
    bitrateKbps: { avg: 4500, max: 5000 },
    sequenceHeaders: 1,
    compositionTime: false,
    timestampRegressions: 0,
    timestampJumps: 0,
    firstTimestamp: 0,
    lastTimestamp: 10000,
    ...video,
  };
  const a =
    audio === null
      ? null
      : {
          codec: 'aac',
          soundFormat: 10,
          fourCc: null,
          codecString: null,
          objectType: 2,
          objectTypeName: 'AAC LC',
          sampleRate: 48000,
          channels: 2,
          frames: 1,
          bytes: 0,
          bitrateKbps: { avg: 128, max: 130 },
          sequenceHeaders: 1,
          timestampRegressions: 0,
          timestampJumps: 0,
          firstTimestamp: 0,
          lastTimestamp: 10000,
          ...audio,
        };
  return {
    type: 'stream',
    session: 1,
    client: 'c',
    server: 's',
    streamId: 1,
    dir: 'c2s',
    role: 'publish',
    name: 'x',
    app: 'live',
    publishType: 'live',
    outcome: 'started',
    video: v,
    audio: a,
    avDriftMs: null,
    metadata: null,
    dataMessages: 0,
    firstFrame: 1,
    lastFrame: 2,
    startTime: 0,
    endTime: 1,
    durationMs: 10000,
  };
}

test('targets: bitrate rows by resolution and frame rate', () => {
  const codes = (t: IngestTarget, s: StreamRecord, url = 'rtmps://x/app') => checkStream(s, t, url).map((p) => p.code);
  assert.deepEqual(codes('facebook', stream({}, {})), []);
  assert.deepEqual(codes('facebook', stream({ bitrateKbps: { avg: 7000, max: 7000 } }, {})), ['target.video.bitrate']); // 1080p30: 3000-6000
  assert.deepEqual(codes('facebook', stream({ bitrateKbps: { avg: 7000, max: 7000 }, fps: { config: 60, measured: 60 } }, {})), []); // 1080p60: 4500-9000
  assert.deepEqual(codes('youtube', stream({ bitrateKbps: { avg: 9000, max: 9000 } }, {})), ['target.video.bitrate']); // 1080p30: 3-8 Mbps
  assert.deepEqual(codes('facebook', stream({}, {}), 'rtmp://x/app'), ['target.transport']);
  assert.deepEqual(codes('facebook', stream({}, null)), ['target.audio']);
  assert.deepEqual(codes('facebook', stream({}, { bitrateKbps: { avg: 320, max: 320 } })), ['target.audio']);
  assert.deepEqual(codes('twitch', stream({}, { channels: 6 })), ['target.audio']);
  assert.deepEqual(codes('twitch', stream({ codec: 'hevc', profile: 'Main' }, {})), ['target.video.codec']);
  assert.deepEqual(codes('youtube', stream({ codec: 'hevc', profile: 'Main' }, {})), []);
  assert.deepEqual(codes('youtube', stream({ profile: 'High 10', bitDepth: 10 }, {})), ['target.video.codec']);
});

test('targets: keyframe span with one keyframe is the whole stream; every target has a source', () => {
  assert.equal(keyframeSpanMs(stream({ keyframes: 1, keyframeIntervalMs: null }, {}).video!), 10000);
  assert.equal(keyframeSpanMs(stream({}, {}).video!), 2000);
  for (const t of TARGETS) assert.ok(TARGET_SPECS[t].source.length > 10, t);
});

test('targets: the proxy takes --target (parseProxyArgs), an unknown one is a usage error', async () => {
  const { parseProxyArgs } = await import('../../src/cli/proxy.js');
  assert.equal(parseProxyArgs(['--upstream', '127.0.0.1:1935', '--target', 'twitch']).target, 'twitch');
  assert.equal(parseProxyArgs(['--upstream', '127.0.0.1:1935']).target, undefined);
  assert.throws(() => parseProxyArgs(['--upstream', '127.0.0.1:1935', '--target', 'vimeo']), /--target must be one of youtube, twitch, facebook, generic/);
});
