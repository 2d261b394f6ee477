/**
 * E-RTMP v2 ModEx TimestampOffsetNano applied to timing. No encoder here sends ModEx (FFmpeg 8.1
 * does not), so the bytes are hand-built after the spec's ExVideoTagHeader / ExAudioTagHeader
 * pseudocode: packet type 7 (ModEx), UI8 size-1, the data (UI24 nanoseconds), then
 * modExType (high nibble, 0 = TimestampOffsetNano) | the next packet type (low nibble).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageBody, type MediaInfo } from '../../src/rtmp/messages.js';
import { exAudio, exVideo, nanoOffsetModEx } from '../builders/media-writer.js';
import { HVCC_320 } from './fixtures.js';
import { Rtmp, filler } from './script.js';

/** Key frame, ModEx(TimestampOffsetNano = 500,000 ns) then hvc1 CodedFrames, composition time 80 ms. */
const SPEC_FORM = Uint8Array.from([
  0x97, // ExHeader | frameType 1 (key) | packetType 7 (ModEx)
  0x02, // modExDataSize - 1 = 2: three bytes
  0x07,
  0xa1,
  0x20, // UI24 500000 ns
  0x01, // modExType 0 (TimestampOffsetNano) | packetType 1 (CodedFrames)
  0x68,
  0x76,
  0x63,
  0x31, // 'hvc1'
  0x00,
  0x00,
  0x50, // SI24 composition time 80 ms
  0x00,
  0x00,
  0x00,
  0x02,
  0x26,
  0x01, // one length-prefixed NAL unit
]);

function media(typeId: 8 | 9, body: Uint8Array, timestamp: number): MediaInfo {
  const m = decodeMessageBody(typeId, body, timestamp, false).media;
  assert.ok(m !== undefined);
  return m;
}

test('ModEx TimestampOffsetNano: the media record carries the offset and the presentation time in ns', () => {
  const m = media(9, SPEC_FORM, 40);
  assert.equal(m.codec, 'hevc');
  assert.equal(m.content, 'frames');
  assert.equal(m.nanoOffset, 500_000);
  assert.equal(m.presentationTimeNs, (40 + 80) * 1_000_000 + 500_000);
  // The same through the builder, for audio (no composition time): decode time = presentation time.
  const a = media(8, exAudio({ packetType: 1, fourCc: 'Opus', modEx: [nanoOffsetModEx(999_999)], body: filler(20) }), 7);
  assert.equal(a.nanoOffset, 999_999);
  assert.equal(a.presentationTimeNs, 7_999_999);
  // No ModEx: no timing fields (records of ordinary streams are unchanged).
  const plain = media(9, exVideo({ packetType: 1, fourCc: 'hvc1', body: filler(10) }), 40);
  assert.equal(plain.nanoOffset, undefined);
  assert.equal(plain.presentationTimeNs, undefined);
  // Out of the spec's range (0..999,999): reported, not applied.
  const bad = media(9, exVideo({ packetType: 1, fourCc: 'hvc1', modEx: [nanoOffsetModEx(1_000_000)], body: filler(10) }), 40);
  assert.ok(bad.problems.includes('media.video.bad-nano-offset'));
  assert.equal(bad.nanoOffset, undefined);
});

test('ModEx TimestampOffsetNano: applied to the stream timing (29.97 fps measured from sub-ms times)', () => {
  // NTSC 30000/1001: frame i at i * 1001/30 ms; the RTMP timestamp holds the whole milliseconds
  // and ModEx the rest, as the spec intends for formats with finer timescales than RTMP's.
  const run = (withNano: boolean) => {
    const r = new Rtmp().publishPreamble('cam', { sequenceHeaders: false, metadata: null, connect: { fourCcList: ['hvc1'] } });
    r.video(0, exVideo({ packetType: 0, fourCc: 'hvc1', body: HVCC_320 }));
    for (let i = 0; i < 10; i++) {
      const ns = Math.round((i * 1001 * 1_000_000) / 30);
      const ms = Math.floor(ns / 1_000_000);
      const modEx = withNano ? [nanoOffsetModEx(ns - ms * 1_000_000)] : [];
      r.video(ms, exVideo({ packetType: 1, frameType: i === 0 ? 1 : 2, fourCc: 'hvc1', modEx, body: filler(200, i) }));
    }
    return r.analyse().streams[0]?.video;
  };
  const precise = run(true);
  assert.equal(precise?.frames, 10);
  assert.equal(precise?.firstTimestamp, 0);
  assert.equal(precise?.lastTimestamp, 300.3);
  assert.equal(precise?.fps.measured, 29.97);
  const coarse = run(false);
  assert.equal(coarse?.lastTimestamp, 300);
  assert.equal(coarse?.fps.measured, 30);
});
