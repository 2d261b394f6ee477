/**
 * The common legacy audio and video tag headers are built in one object literal (no rebuild into
 * key order per message): every first and second byte, at lengths around the header sizes, gives
 * keys in the documented order, no undefined values, and the body range the header length implies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeVideoHeader, VIDEO_HEADER_KEYS } from '../../src/media/video.js';
import { AUDIO_HEADER_KEYS, decodeAudioHeader } from '../../src/media/audio.js';

function check(h: object, order: readonly string[], n: number): void {
  const keys = Object.keys(h);
  const at = keys.map((k) => order.indexOf(k));
  assert.ok(
    at.every((p, i) => p >= 0 && (i === 0 || p > (at[i - 1] as number))),
    keys.join(','),
  );
  assert.ok(Object.values(h).every((v) => v !== undefined));
  const r = h as { bodyOffset: number; bodyLength: number };
  assert.equal(r.bodyOffset + r.bodyLength, n);
}

test('legacy headers: key order and body range for every first two bytes', () => {
  for (let b0 = 0; b0 < 256; b0++) {
    for (let b1 = 0; b1 < 256; b1++) {
      for (const n of [1, 2, 4, 5, 6]) {
        const p = new Uint8Array(n);
        p[0] = b0;
        if (n > 1) p[1] = b1;
        check(decodeAudioHeader(p), AUDIO_HEADER_KEYS, n);
        check(decodeVideoHeader(p), VIDEO_HEADER_KEYS, n);
      }
    }
  }
});

test('legacy headers: AAC raw and AVC NALU as the bench capture carries them', () => {
  assert.equal(
    JSON.stringify(decodeAudioHeader(Uint8Array.of(0xaf, 0x01, 0x21, 0x10))),
    '{"ex":false,"soundFormat":10,"soundFormatName":"aac","codec":"aac","soundRate":3,"soundRateHz":44100,"soundSize":1,"soundSizeBits":16,"soundType":1,"soundChannels":2,"packetType":1,"packetTypeName":"raw","content":"frames","bodyOffset":2,"bodyLength":2,"problems":[]}',
  );
  assert.equal(
    JSON.stringify(decodeVideoHeader(Uint8Array.of(0x27, 0x01, 0xff, 0xff, 0xfe, 0x00))),
    '{"ex":false,"frameType":2,"frameTypeName":"inter","codec":"avc","codecId":7,"packetType":1,"packetTypeName":"nalu","content":"frames","compositionTime":-2,"bodyOffset":5,"bodyLength":1,"problems":[]}',
  );
  assert.equal(
    JSON.stringify(decodeAudioHeader(Uint8Array.of(0x2e, 0x00))),
    '{"ex":false,"soundFormat":2,"soundFormatName":"mp3","codec":"mp3","soundRate":3,"soundRateHz":44100,"soundSize":1,"soundSizeBits":16,"soundType":0,"soundChannels":1,"content":"frames","bodyOffset":1,"bodyLength":1,"problems":[]}',
  );
});
