/**
 * VP9 keyframe uncompressed header (src/media/vp9.ts): the picture size a VP9 stream's vpcC does
 * not carry. Hand-built headers (bit layout of VP9 spec 6.2), every truncation, and any bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeVp9KeyframeHeader } from '../../src/media/vp9.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import { hex, exVideo } from '../builders/media-writer.js';

/** Profile 0 keyframe, BT.709, 160x96 (libvpx-vp9 at 160x96 starts this way). */
const P0_160x96 = hex('824983424009f005f0');

test('profile 0 keyframe: 160x96, 8 bits, 4:2:0', () => {
  assert.deepEqual(decodeVp9KeyframeHeader(P0_160x96), { codec: 'vp9', profile: 0, bitDepth: 8, chromaFormat: '4:2:0', width: 160, height: 96 });
});

test('profile 2 keyframe: 10 bits; profile 1: 4:4:4 subsampling read', () => {
  // profile 2: marker 10, low 0, high 1 -> 1001; show_existing 0, type 0, show 1, err 0 -> 0010: 0x92
  // then the sync code, ten_or_twelve_bit 0, color space 010, range 0, width-1 1919, height-1 1079.
  const bits = '0' + '010' + '0' + (1919).toString(2).padStart(16, '0') + (1079).toString(2).padStart(16, '0');
  const bytes = bitsToBytes(bits);
  const h = decodeVp9KeyframeHeader(new Uint8Array([0x92, 0x49, 0x83, 0x42, ...bytes]));
  assert.deepEqual(h, { codec: 'vp9', profile: 2, bitDepth: 10, chromaFormat: '4:2:0', width: 1920, height: 1080 });
  // profile 1: marker 10, low 1, high 0 -> 1010; 0010 -> 0xa2; color space 1, range 0, ss_x 0, ss_y 0, reserved 0.
  const p1 = bitsToBytes('001' + '0' + '0' + '0' + '0' + (639).toString(2).padStart(16, '0') + (479).toString(2).padStart(16, '0'));
  assert.deepEqual(decodeVp9KeyframeHeader(new Uint8Array([0xa2, 0x49, 0x83, 0x42, ...p1])), { codec: 'vp9', profile: 1, bitDepth: 8, chromaFormat: '4:4:4', width: 640, height: 480 });
});

test('inter frames, show_existing_frame, a wrong sync code and every truncation give nothing', () => {
  assert.equal(decodeVp9KeyframeHeader(hex('86')), undefined, 'inter frame');
  assert.equal(decodeVp9KeyframeHeader(hex('884983424009f005f0')), undefined, 'show_existing_frame');
  assert.equal(decodeVp9KeyframeHeader(hex('824983434009f005f0')), undefined, 'sync code');
  for (let n = 0; n < P0_160x96.length - 1; n++) assert.equal(decodeVp9KeyframeHeader(P0_160x96.subarray(0, n)), undefined, `${n} bytes`);
});

test('any bytes: no exception, sizes within 1..65536', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
      const h = decodeVp9KeyframeHeader(b);
      if (h !== undefined) assert.ok(h.width >= 1 && h.width <= 65536 && h.height >= 1 && h.height <= 65536);
    }),
  );
});

test('an E-RTMP vp09 keyframe message carries the header; the stream size comes from it', () => {
  const m = decodeMessageBody(9, exVideo({ packetType: 1, fourCc: 'vp09', body: P0_160x96 }), 0, false).media;
  assert.deepEqual(m?.keyframeHeader, { codec: 'vp9', profile: 0, bitDepth: 8, chromaFormat: '4:2:0', width: 160, height: 96 });
  const inter = decodeMessageBody(9, exVideo({ packetType: 1, frameType: 2, fourCc: 'vp09', body: P0_160x96 }), 0, false).media;
  assert.equal(inter?.keyframeHeader, undefined);
});

function bitsToBytes(bits: string): number[] {
  const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0');
  const out: number[] = [];
  for (let i = 0; i < padded.length; i += 8) out.push(parseInt(padded.slice(i, i + 8), 2));
  return out;
}
