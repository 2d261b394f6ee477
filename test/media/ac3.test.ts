/**
 * AC-3 / E-AC-3 syncframe headers (src/media/ac3.ts): sample rate, channels and layout of the
 * E-RTMP `ac-3` / `ec-3` FourCCs, whose SequenceStart carries no configuration. Real bytes: the
 * first coded frame of each track in captures/ertmp-audio-ex-nms.pcap (FFmpeg 8.1's ac3 and eac3
 * encoders through node-av, published as E-RTMP OneTrack audio tracks 1 and 2); hand-built
 * headers for the layouts and rates that capture does not have (A/52 5.3, Annex E 2.3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeAc3Syncframe } from '../../src/media/ac3.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import { exAudio, hex } from '../builders/media-writer.js';

/** FFmpeg 8.1 ac3, 48 kHz stereo 64 kbit/s: the message as captured (OneTrack, track 1) and its syncframe. */
const AC3_MESSAGE = hex('950161632d33010b777a42084043e106f0010c0c0c21818187fde1beaf23bd');
const AC3_FFMPEG = AC3_MESSAGE.subarray(7);
/** FFmpeg 8.1 eac3, same settings (track 2). */
const EAC3_FFMPEG = hex('0b77007f3487c0002084210827c00006060601818186f0df');

test('real FFmpeg 8.1 syncframes: AC-3 and E-AC-3, 48 kHz, 2/0, 64 kbit/s, 256-byte frames', () => {
  assert.deepEqual(decodeAc3Syncframe(AC3_FFMPEG), {
    codec: 'ac3',
    bsid: 8,
    sampleRate: 48000,
    acmod: 2,
    lfe: false,
    channels: 2,
    channelLayout: '2/0',
    frameBytes: 256,
    bitrateKbps: 64,
  });
  assert.deepEqual(decodeAc3Syncframe(EAC3_FFMPEG), {
    codec: 'eac3',
    bsid: 16,
    sampleRate: 48000,
    acmod: 2,
    lfe: false,
    channels: 2,
    channelLayout: '2/0',
    frameBytes: 256,
    bitrateKbps: 64,
  });
});

test('hand-built: AC-3 5.1 at 384 kbit/s, AC-3 mono at 44.1 kHz (odd frmsizecod), E-AC-3 5.1 at 22.05 kHz, bsid 9', () => {
  const ac3_51 = decodeAc3Syncframe(hex('0b770000' + '1c' + '40' + 'eb' + '00'));
  assert.deepEqual([ac3_51?.channels, ac3_51?.channelLayout, ac3_51?.frameBytes, ac3_51?.bitrateKbps], [6, '3/2.1', 1536, 384]);
  const mono = decodeAc3Syncframe(hex('0b770000' + '51' + '40' + '20' + '00'));
  assert.deepEqual([mono?.sampleRate, mono?.channels, mono?.channelLayout, mono?.frameBytes], [44100, 1, '1/0', 558]);
  const e51 = decodeAc3Syncframe(hex('0b77' + '00ff' + 'df' + '80' + '0000'));
  assert.deepEqual([e51?.codec, e51?.sampleRate, e51?.channels, e51?.channelLayout, e51?.frameBytes, e51?.bitrateKbps], ['eac3', 22050, 6, '3/2.1', 512, 59]);
  const half = decodeAc3Syncframe(hex('0b770000' + '08' + '48' + '40' + '00'));
  assert.deepEqual([half?.bsid, half?.sampleRate, half?.bitrateKbps], [9, 24000, 32]);
});

test('not a syncframe: wrong sync word, reserved codes, unknown bsid, and every truncation', () => {
  assert.equal(decodeAc3Syncframe(hex('0b787a42084043e1')), undefined, 'sync word');
  assert.equal(decodeAc3Syncframe(hex('0b777a42c84043e1')), undefined, 'fscod 3');
  assert.equal(decodeAc3Syncframe(hex('0b777a42264043e1')), undefined, 'frmsizecod 38');
  assert.equal(decodeAc3Syncframe(hex('0b777a420888' + '43e1')), undefined, 'bsid 17');
  assert.equal(decodeAc3Syncframe(hex('0b77007ff4878000')), undefined, 'E-AC-3 fscod2 3 (reserved)');
  for (let n = 0; n < 8; n++) assert.equal(decodeAc3Syncframe(AC3_FFMPEG.subarray(0, n)), undefined, `${n} bytes`);
});

test('any bytes: no exception; a result is consistent (channels from the layout, rates from the tables)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 12 }), fc.boolean(), (b, sync) => {
      const bytes = sync && b.length >= 2 ? Uint8Array.of(0x0b, 0x77, ...b.subarray(2)) : b;
      const r = decodeAc3Syncframe(bytes);
      if (r === undefined) return;
      assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
      assert.ok([48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000].includes(r.sampleRate), String(r.sampleRate));
      assert.ok(r.channels >= 1 && r.channels <= 6);
      assert.equal(r.channelLayout.endsWith('.1'), r.lfe);
      assert.equal(r.codec === 'ac3', r.bsid <= 10);
      assert.ok(r.frameBytes >= 2 && r.frameBytes <= 4096);
    }),
  );
});

test('media records: plain ac-3 frames carry the syncframe, multitrack ones per track', () => {
  const mt = decodeMessageBody(8, AC3_MESSAGE, 0, false).media;
  assert.equal(mt?.trackSyncframes?.[0]?.trackId, 1);
  assert.equal(mt?.trackSyncframes?.[0]?.syncframe.channels, 2);
  const plain = decodeMessageBody(8, exAudio({ packetType: 1, fourCc: 'ec-3', body: EAC3_FFMPEG }), 0, false).media;
  assert.equal(plain?.syncframe?.codec, 'eac3');
  // Another codec's frames starting with the same bytes are not read as AC-3.
  const opus = decodeMessageBody(8, exAudio({ packetType: 1, fourCc: 'Opus', body: EAC3_FFMPEG }), 0, false).media;
  assert.equal(opus?.syncframe, undefined);
});
