/**
 * VvcDecoderConfigurationRecord (src/media/config-vvc.ts), the body of an E-RTMP vvc1 SequenceStart.
 * No encoder here makes VVC (FFmpeg 8.1 through node-av has no libvvenc; the spec lab's FLV samples
 * in ../shared/data/e-rtmp-flv carry AV1 and Opus only), so the records are hand-built after
 * ISO/IEC 14496-15:2022 11.2.4.2 (test/media/vvc-writer.ts): fields, every truncation, any bytes,
 * and random intent decoded back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeVvcConfig, vvcLevelName, type VvcConfig } from '../../src/media/config-vvc.js';
import { MEDIA_PROBLEMS } from '../../src/media/problems.js';
import { decodeMessageBody } from '../../src/rtmp/messages.js';
import { exVideo, hex } from '../builders/media-writer.js';
import { vvcc } from './vvc-writer.js';

const VPS = hex('0e01');
const SPS = hex('000d0000000000000000ff');
const PPS = hex('00810000');

/** 1920x1080 Main 10, level 4.1, 4:2:0, 10 bits, 50 fps; VPS, SPS and PPS arrays. */
const MAIN10_1080P = vvcc({
  ptl: { chromaFormatIdc: 1, bitDepth: 10, profileIdc: 1, levelIdc: 67, width: 1920, height: 1080, avgFrameRate: 50 * 256, constantFrameRate: 1 },
  arrays: [
    { nalType: 14, nalus: [VPS] },
    { nalType: 15, nalus: [SPS] },
    { nalType: 16, nalus: [PPS] },
  ],
});

test('a Main 10 1080p record: profile, tier, level, chroma, bit depth, size, frame rate, arrays', () => {
  assert.equal(MAIN10_1080P[0], 0xff, 'reserved 11111, LengthSizeMinusOne 3, ptl_present 1');
  assert.deepEqual(decodeVvcConfig(MAIN10_1080P), {
    problems: [],
    nalLengthSize: 4,
    ptlPresent: true,
    olsIdx: 0,
    numSublayers: 1,
    constantFrameRate: 1,
    chromaFormatIdc: 1,
    chromaFormat: '4:2:0',
    bitDepth: 10,
    profileIdc: 1,
    profileName: 'Main 10',
    highTier: false,
    levelIdc: 67,
    level: '4.1',
    frameOnlyConstraint: true,
    multiLayerEnabled: false,
    width: 1920,
    height: 1080,
    avgFrameRate: 12800,
    arrays: [
      { nalType: 14, count: 1 },
      { nalType: 15, count: 1 },
      { nalType: 16, count: 1 },
    ],
  });
});

test('sublayers with levels, several constraint bytes, sub-profiles, High tier 4:4:4; DCI without num_nalus', () => {
  const b = vvcc({
    ptl: { numSublayers: 3, sublayerLevels: [51, null], gciBytes: 9, subProfiles: [0x01020304, 7], profileIdc: 2, highTier: true, levelIdc: 86, chromaFormatIdc: 3, bitDepth: 8, width: 3840, height: 2160 },
    arrays: [
      { nalType: 13, nalus: [hex('1a00')] },
      { nalType: 15, nalus: [SPS, SPS] },
    ],
  });
  const c = decodeVvcConfig(b);
  assert.deepEqual(c.problems, []);
  assert.deepEqual([c.numSublayers, c.profileName, c.highTier, c.level, c.chromaFormat, c.bitDepth], [3, 'Main 10 4:4:4', true, '5.2', '4:4:4', 8]);
  assert.deepEqual(c.subProfiles, [0x01020304, 7]);
  assert.deepEqual([c.width, c.height], [3840, 2160]);
  assert.deepEqual(c.arrays, [
    { nalType: 13, count: 1 },
    { nalType: 15, count: 2 },
  ]);
});

test('no PTL: NAL length size and arrays only; a bad first byte and LengthSizeMinusOne 2 are flagged', () => {
  const c = decodeVvcConfig(vvcc({ lengthSizeMinusOne: 1, arrays: [{ nalType: 15, nalus: [SPS] }] }));
  assert.deepEqual(c, { problems: [], nalLengthSize: 2, ptlPresent: false, arrays: [{ nalType: 15, count: 1 }] });
  const bad = MAIN10_1080P.slice();
  bad[0] = 0x7d; // reserved bits 01111, LengthSizeMinusOne 2
  assert.deepEqual(decodeVvcConfig(bad).problems, ['media.config.bad-version', 'media.config.bad-syntax']);
  assert.ok(decodeVvcConfig(vvcc({ ptl: { gciBytes: 0 } })).problems.includes('media.config.bad-syntax'));
});

test('level names: idc = 16 × major + 3 × minor', () => {
  assert.deepEqual([16, 32, 35, 51, 67, 83, 102, 255, 50].map(vvcLevelName), ['1.0', '2.0', '2.1', '3.1', '4.1', '5.1', '6.2', '15.5', '50']);
});

/** Every field a prefix of the record gives equals the whole record's (arrays may be fewer). */
function checkPrefix(part: VvcConfig, full: VvcConfig): void {
  for (const [k, v] of Object.entries(part)) {
    if (k === 'problems' || k === 'arrays') continue;
    assert.deepEqual(v, (full as Record<string, unknown>)[k], k);
  }
  const fa = full.arrays ?? [];
  (part.arrays ?? []).forEach((a, i) => assert.equal(a.nalType, fa[i]?.nalType));
}

test('every truncation: no exception, truncated reported, the fields read agree with the whole record', () => {
  const full = decodeVvcConfig(MAIN10_1080P);
  for (let n = 0; n < MAIN10_1080P.length; n++) {
    const c = decodeVvcConfig(MAIN10_1080P.subarray(0, n));
    assert.ok(c.problems.includes('media.config.truncated'), `${n} bytes`);
    checkPrefix(c, full);
  }
});

test('any bytes: no exception, plain JSON, catalogued problems', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), (b) => {
      const c = decodeVvcConfig(b);
      assert.deepEqual(JSON.parse(JSON.stringify(c)), c);
      for (const p of c.problems) assert.ok(p in MEDIA_PROBLEMS, p);
      assert.ok((c.subProfiles?.length ?? 0) <= 8);
    }),
  );
});

test('random intent decodes back to it', () => {
  const intent = fc.record({
    numSublayers: fc.integer({ min: 1, max: 7 }),
    gciBytes: fc.integer({ min: 1, max: 12 }),
    profileIdc: fc.integer({ min: 0, max: 127 }),
    highTier: fc.boolean(),
    levelIdc: fc.integer({ min: 0, max: 255 }),
    chromaFormatIdc: fc.integer({ min: 0, max: 3 }),
    bitDepth: fc.integer({ min: 8, max: 15 }),
    width: fc.integer({ min: 1, max: 65535 }),
    height: fc.integer({ min: 1, max: 65535 }),
    avgFrameRate: fc.integer({ min: 0, max: 65535 }),
    sublayerLevels: fc.array(fc.option(fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    subProfiles: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 10 }),
    sps: fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 3 }),
  });
  fc.assert(
    fc.property(intent, (i) => {
      const { sps, ...ptl } = i;
      const c = decodeVvcConfig(vvcc({ ptl, arrays: [{ nalType: 15, nalus: sps }] }));
      assert.deepEqual(c.problems, []);
      assert.deepEqual(
        [c.numSublayers, c.profileIdc, c.highTier, c.levelIdc, c.chromaFormatIdc, c.bitDepth, c.width, c.height, c.avgFrameRate],
        [i.numSublayers, i.profileIdc, i.highTier, i.levelIdc, i.chromaFormatIdc, i.bitDepth, i.width, i.height, i.avgFrameRate],
      );
      assert.deepEqual(c.subProfiles, i.subProfiles.length === 0 ? undefined : i.subProfiles.slice(0, 8));
      assert.deepEqual(c.arrays, [{ nalType: 15, count: sps.length }]);
    }),
  );
});

test('an E-RTMP vvc1 SequenceStart message carries the decoded record', () => {
  const m = decodeMessageBody(9, exVideo({ packetType: 0, fourCc: 'vvc1', body: MAIN10_1080P }), 0, false).media;
  assert.equal(m?.config?.codec, 'vvc');
  assert.equal(m?.config?.codec === 'vvc' ? m.config.width : undefined, 1920);
  assert.deepEqual(m?.problems, []);
});
