/**
 * RelayAnalysis (src/analysis/relay.ts) on stream records directly: pairs only overlapping
 * publish/play of the same server, app and stream name (query strings ignored), and stays
 * bounded while a long proxy run passes many streams.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelayAnalysis } from '../../src/analysis/relay.js';
import type { AudioStats, StreamRecord, VideoStats } from '../../src/records/index.js';

const video = (frames: number, fourCc: string | null): VideoStats => ({
  codec: fourCc === null ? 'avc' : 'hevc',
  codecId: fourCc === null ? 7 : null,
  fourCc,
  codecString: null,
  profile: null,
  level: null,
  width: 320,
  height: 240,
  chromaFormat: null,
  bitDepth: null,
  fps: { config: null, measured: 25 },
  frames,
  keyframes: 1,
  keyframeIntervalMs: null,
  bytes: frames * 100,
  bitrateKbps: { avg: null, max: null },
  sequenceHeaders: 1,
  compositionTime: false,
  timestampRegressions: 0,
  timestampJumps: 0,
  firstTimestamp: 0,
  lastTimestamp: 1000,
});
const audio = (frames: number): AudioStats => ({
  codec: 'aac',
  soundFormat: 10,
  fourCc: null,
  codecString: 'mp4a.40.2',
  objectType: 2,
  objectTypeName: 'AAC LC',
  sampleRate: 48000,
  channels: 2,
  frames,
  bytes: frames * 10,
  bitrateKbps: { avg: null, max: null },
  sequenceHeaders: 1,
  timestampRegressions: 0,
  timestampJumps: 0,
  firstTimestamp: 0,
  lastTimestamp: 1000,
});

function rec(session: number, role: 'publish' | 'play', name: string, start: number, v: VideoStats | null, a: AudioStats | null): StreamRecord {
  return {
    type: 'stream',
    session,
    client: `10.0.0.${session}:5000`,
    server: '10.0.0.100:1935',
    streamId: 1,
    dir: role === 'publish' ? 'c2s' : 's2c',
    role,
    name,
    app: 'live',
    publishType: role === 'publish' ? 'live' : null,
    outcome: 'started',
    video: v,
    audio: a,
    avDriftMs: null,
    metadata: null,
    dataMessages: 0,
    firstFrame: session * 10,
    lastFrame: session * 10 + 5,
    startTime: start,
    endTime: start + 2,
    durationMs: 1000,
  };
}

test("the player of an overlapping publish that got audio only: media-dropped, on the player's session", () => {
  const r = new RelayAnalysis();
  r.onConnect(2, ['hvc1']);
  assert.deepEqual(r.onStream(rec(1, 'publish', 'cam?key=1', 100, video(50, 'hvc1'), audio(90))), []);
  const d = r.onStream(rec(2, 'play', 'cam', 101, null, audio(90)));
  assert.deepEqual(
    d.map((x) => [x.code, x.session]),
    [['session.relay.media-dropped', 2]],
  );
  assert.doesNotMatch(d[0]?.message ?? '', /did not list/);
});

test('no pair: another name, another server, no overlap in time, two players', () => {
  const r = new RelayAnalysis();
  r.onStream(rec(1, 'publish', 'cam', 100, video(50, 'hvc1'), audio(90)));
  assert.deepEqual(r.onStream(rec(2, 'play', 'other', 101, null, audio(90))), []);
  assert.deepEqual(r.onStream({ ...rec(3, 'play', 'cam', 101, null, audio(90)), server: '10.0.0.200:1935' }), []);
  assert.deepEqual(r.onStream(rec(4, 'play', 'cam', 200, null, audio(90))), []);
  const r2 = new RelayAnalysis();
  r2.onStream(rec(1, 'play', 'cam', 100, null, audio(9)));
  assert.deepEqual(r2.onStream(rec(2, 'play', 'cam', 100, null, audio(9))), []);
});

test('bounded: after many streams the oldest make room and new pairs are still compared', () => {
  const r = new RelayAnalysis();
  for (let i = 0; i < 500; i++) r.onStream(rec(1000 + i, 'publish', `s${i}`, i, video(5, null), audio(5)));
  for (let i = 0; i < 40; i++) r.onStream(rec(3000 + i, 'publish', 'busy', 1000, video(5, null), audio(5)));
  r.onStream(rec(1, 'publish', 'cam', 2000, video(50, 'hvc1'), audio(90)));
  assert.equal(r.onStream(rec(2, 'play', 'cam', 2000.5, null, audio(90)))[0]?.code, 'session.relay.media-dropped');
});
