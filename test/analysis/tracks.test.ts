/**
 * E-RTMP tracks (src/analysis/tracks.ts): each trackId measured apart, track 0 the stream's own
 * figures, per-track configuration from Multitrack sequence headers, onMetaData's track info maps
 * held against the tracks, and stream-level checks that never mix tracks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avcNalu, exAudio, exVideo } from '../builders/media-writer.js';
import { HVCC_320, X264_320_SEQUENCE_HEADER, AAC_LC_ASC } from './fixtures.js';
import { Rtmp, filler } from './script.js';
import type { Amf0Intent } from '../builders/amf-writer.js';
import { trackParts } from '../../src/analysis/tracks.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';

const AVCC_320 = X264_320_SEQUENCE_HEADER.subarray(5);
const hevcTrack1 = (packetType: 0 | 1, body: Uint8Array, key = true) => exVideo({ packetType, frameType: key ? 1 : 2, fourCc: 'hvc1', multitrack: { type: 0, tracks: [{ trackId: 1, body }] } });

/** FFmpeg 8.1's multitrack video form: track 0 plain AVC, track 1 HEVC in OneTrack packets, both at 15 fps. */
function ffmpegMultitrackVideo(metadata: Record<string, Amf0Intent>, frames = 30): Rtmp {
  const r = new Rtmp().publishPreamble('cam', { sequenceHeaders: false, metadata }).avcConfig(0).video(0, hevcTrack1(0, HVCC_320));
  for (let i = 0; i < frames; i++) {
    const ts = Math.round((i * 1000) / 15);
    r.at(ts / 1000)
      .video(ts, avcNalu(filler(600, i), { key: i % 15 === 0 }))
      .video(ts, hevcTrack1(1, filler(300, i), i % 15 === 0));
  }
  return r;
}

test('FFmpeg multitrack video: AVC track 0 and HEVC track 1 measured apart, no false framerate mismatch', () => {
  const a = ffmpegMultitrackVideo({ width: 320, height: 240, framerate: 15, videocodecid: 7 }).analyse();
  assert.ok(!a.codes.has('stream.metadata.framerate-mismatch'), [...a.codes].join(', '));
  assert.ok(!a.codes.has('stream.metadata.codec-mismatch'));
  const s = a.streams[0];
  assert.ok(s !== undefined);
  assert.equal(s.video?.codec, 'avc');
  assert.equal(s.video?.frames, 30);
  assert.equal(s.video?.fps.measured, 15);
  const tracks = s.tracks ?? [];
  assert.deepEqual(
    tracks.map((t) => [t.kind, t.trackId, t.forms.join('+'), (t.video ?? t.audio)?.codec]),
    [
      ['video', 0, 'plain', 'avc'],
      ['video', 1, 'one-track', 'hevc'],
    ],
  );
  const t1 = tracks[1]?.video;
  assert.equal(t1?.fourCc, 'hvc1');
  assert.equal(t1?.frames, 30);
  assert.equal(t1?.keyframes, 2);
  assert.equal(t1?.fps.measured, 15);
  assert.equal(t1?.width, 320, 'the HEVC configuration of track 1 is decoded');
  assert.equal(t1?.sequenceHeaders, 1);
  assert.deepEqual(t1?.keyframeIntervalMs, { min: 1000, max: 1000, avg: 1000 });
});

test('a stream without Multitrack packets has no tracks field', () => {
  const a = new Rtmp().publishPreamble().av(1).analyse();
  assert.equal(a.streams[0]?.tracks, undefined);
});

test('a track problem names its track: HEVC frames on track 1 before its sequence header', () => {
  const r = new Rtmp().publishPreamble();
  for (let i = 0; i < 3; i++) r.video(i * 66, avcNalu(filler(400, i), { key: i === 0 })).video(i * 66, hevcTrack1(1, filler(100, i)));
  const a = r.analyse();
  const d = a.analysis.find((x) => x.code === 'stream.video.no-sequence-header');
  assert.ok(d !== undefined, [...a.codes].join(', '));
  assert.match(d.message, /^video track 1: /);
  assert.equal(d.context?.['trackId'], 1);
});

test('ManyTracksManyCodecs: one message, two codecs, each track its configuration and frames', () => {
  const config = exVideo({
    packetType: 0,
    multitrack: {
      type: 2,
      tracks: [
        { trackId: 0, fourCc: 'avc1', body: AVCC_320 },
        { trackId: 2, fourCc: 'hvc1', body: HVCC_320 },
      ],
    },
  });
  const frame = (i: number) =>
    exVideo({
      packetType: 1,
      frameType: i === 0 ? 1 : 2,
      multitrack: {
        type: 2,
        tracks: [
          { trackId: 0, fourCc: 'avc1', body: filler(500, i) },
          { trackId: 2, fourCc: 'hvc1', body: filler(200, i) },
        ],
      },
    });
  const r = new Rtmp().publishPreamble('cam', { sequenceHeaders: false, metadata: null, connect: { fourCcList: ['avc1', 'hvc1'] } }).video(0, config);
  for (let i = 0; i < 10; i++) r.video(i * 40, frame(i));
  const a = r.analyse();
  const tracks = a.streams[0]?.tracks ?? [];
  assert.deepEqual(
    tracks.map((t) => [t.trackId, t.forms.join('+'), t.video?.codec, t.video?.width, t.video?.frames, t.video?.fps.measured]),
    [
      [0, 'many-tracks-many-codecs', 'avc', 320, 10, 25],
      [2, 'many-tracks-many-codecs', 'hevc', 320, 10, 25],
    ],
  );
  assert.equal(a.streams[0]?.video?.codec, 'avc', 'the stream figures are track 0');
  assert.equal(a.streams[0]?.video?.bytes, 5000, 'track 0 counts its own media bytes');
});

test('multitrack audio: two tracks, each its own AAC configuration', () => {
  const cfg = (trackId: number) => exAudio({ packetType: 0, fourCc: 'mp4a', multitrack: { type: 0, tracks: [{ trackId, body: AAC_LC_ASC }] } });
  const raw = (trackId: number, i: number) => exAudio({ packetType: 1, fourCc: 'mp4a', multitrack: { type: 0, tracks: [{ trackId, body: filler(100, i) }] } });
  const r = new Rtmp().publishPreamble('cam', { sequenceHeaders: false }).avcConfig(0).aacConfig(0).audio(0, cfg(1));
  for (let i = 0; i < 20; i++) r.audio(i * 23, raw(1, i));
  const a = r.analyse();
  const t1 = (a.streams[0]?.tracks ?? []).find((t) => t.kind === 'audio' && t.trackId === 1);
  assert.equal(t1?.audio?.codec, 'aac');
  assert.equal(t1?.audio?.sampleRate, 44100);
  assert.equal(t1?.audio?.frames, 20);
});

test("onMetaData's videoTrackIdInfoMap: an entry for a track that never came is reported; one that came is held against the track", () => {
  const a = ffmpegMultitrackVideo({
    width: 320,
    height: 240,
    framerate: 15,
    videocodecid: 7,
    videoTrackIdInfoMap: { '1': { width: 640, height: 360, videocodecid: 1752589105 }, '3': { width: 160, height: 90 } },
  }).analyse();
  const missing = a.analysis.find((d) => d.code === 'stream.track.described-not-sent');
  assert.ok(missing !== undefined, [...a.codes].join(', '));
  assert.equal(missing.context?.['trackId'], 3);
  const size = a.analysis.find((d) => d.code === 'stream.metadata.size-mismatch');
  assert.ok(size !== undefined, 'track 1 is 320x240, its map entry says 640x360');
  assert.match(size.message, /^video track 1: /);
  assert.equal((a.streams[0]?.tracks ?? [])[1]?.metadata?.['width'], 640);
});

test('trackParts: a plain message is track 0 whole; a Multitrack one gives each track its codec and bytes', () => {
  const plain = decodeMessageBody(9, avcNalu(filler(10, 0), { key: true }), 0, false).media;
  assert.ok(plain !== undefined);
  assert.deepEqual(
    trackParts(plain, 19).map((p) => [p.trackId, p.form, p.length]),
    [[0, 'plain', 19]],
  );
  const mt = decodeMessageBody(
    9,
    exVideo({
      packetType: 1,
      multitrack: {
        type: 2,
        tracks: [
          { trackId: 0, fourCc: 'avc1', body: filler(7, 0) },
          { trackId: 5, fourCc: 'av01', body: filler(9, 0) },
        ],
      },
    }),
    0,
    false,
  ).media;
  assert.ok(mt !== undefined);
  assert.deepEqual(
    trackParts(mt, 100).map((p) => [p.trackId, p.form, p.media.codec, p.media.multitrack, p.length]),
    [
      [0, 'many-tracks-many-codecs', 'avc', undefined, 7],
      [5, 'many-tracks-many-codecs', 'av1', undefined, 9],
    ],
  );
});
