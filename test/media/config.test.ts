/**
 * Codec configuration records: real sequence headers from real encoders, plus crafted parameter
 * sets for the syntax real encoders here do not produce (scaling lists, POC type 1, 4:2:2
 * cropping, monochrome field coding, AV1 timing/decoder model info, HE-AAC signalling).
 *
 * Provenance of the real bytes (made with Debian 12's ffmpeg 5.1, libx264 164, libx265 3.5,
 * libaom 3.6, SVT-AV1 1.4.1, and FFmpeg's native aac/libopus/flac encoders; hex copied from the
 * output with a small FLV-tag / MP4-box dump script):
 *   X264_320: ffmpeg -f lavfi -i testsrc=size=320x240:rate=15 -t 1 -c:v libx264 -pix_fmt yuv420p -f flv
 *             → first video tag (legacy AVC sequence header), whole payload
 *   X264_1080: testsrc=size=1920x1080:rate=30000/1001, -profile:v main → AVC sequence header payload
 *   X264_444: testsrc=size=320x240:rate=15 without -pix_fmt (yuv444p, High 4:4:4 Predictive)
 *   X264_576I: testsrc=size=720x576:rate=25, -flags +ilme+ildct -top 1 (interlaced) → AVCC record
 *   AAC_LC: the same 320x240 command with -f lavfi -i sine=...:sample_rate=44100 -ac 2 -c:a aac
 *           → first audio tag 'af00 121056e500', the AudioSpecificConfig after af00
 *   HVCC_*: -c:v libx265 to .mp4 (320x240 8-bit; 330x250 yuv420p10le), the 'hvcC' box body with
 *           its fourth array (x265's SEI with the encoder settings) removed and numOfArrays set to 3
 *   AV1C_AOM: -c:v libaom-av1 -cpu-used 8, 320x240 → 'av1C' box body
 *   AV1C_SVT: -c:v libsvtav1 -pix_fmt yuv420p10le, 640x360 → 'av1C' box body
 *   DOPS: -f lavfi -i sine=sample_rate=48000 -ac 2 -c:a libopus to .mp4 → 'dOps' box body
 *   FLAC: -ac 2 -t 0.2 -c:a flac -sample_fmt s16 to .flac → first 42 bytes (fLaC + STREAMINFO)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAacConfig, decodeAudioConfig, decodeAv1Config, decodeAvcConfig, decodeFlacConfig, decodeH264Sps, decodeHevcConfig, decodeOpusConfig, decodeVideoConfig } from '../../src/media/config.js';
import { decodeVideoHeader } from '../../src/media/video.js';
import { decodeAudioHeader } from '../../src/media/audio.js';
import { MEDIA_PROBLEMS } from '../../src/media/problems.js';
import { unescapeRbsp } from '../../src/media/bit-reader.js';
import { ascii, concat, hex } from '../builders/media-writer.js';
import { BitWriter, escapeRbsp } from './bit-writer.js';

const X264_320 = hex('17000000000164000cffe100196764000cacd94141fb0110000003001000000301e0f142996001000668ebe3cb22c0fdf8f800');
const X264_1080 = hex('1700000000014d4028ffe10018674d4028eca03c0113f2e022000007d20001d4c01e30632c01000568ebe3cb20');
const X264_444 = hex('170000000001f4000cffe1001967f4000c919b28283f60220000030002000003003c1e28532c01000668ebe3c44844fff8f800');
const X264_576I = hex('0164001effe100186764001eacd940b424d8088000000300800000190f8a14cb01000668fba3cb22c0fdf8f800');
const AAC_LC = hex('121056e500');
const HVCC_320 = hex('0101600000009000000000003cf000fcfdf8f800000f03200001001840010c01ffff01600000030090000003000003003c959809' + '210001002a42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003001e102200010007' + '4401c172b46240');
const HVCC_330_10BIT = hex(
  '0102200000009000000000003cf000fcfdfafa00000f03200001001840010c01ffff02200000030090000003000003003c959809' + '210001002b42010102200000030090000003000003003ca00a880407248d96566924caf0168080000003008000000c8422000100' + '074401c172b46240',
);
const AV1C_AOM = hex('81000c000a0b000000043cffbcdaf90040');
const AV1C_SVT = hex('81014c000a0b0000000cc4ff6700be1010');
const DOPS = hex('000201380000bb80000000');
const FLAC = hex('664c614300000022120012000000c70005110bb802f000002580d9b81de011fef694f3e1d33694c8ae61');

function noThrowJson(v: unknown): void {
  assert.deepEqual(JSON.parse(JSON.stringify(v)), v);
}

function codesOk(problems: readonly string[]): void {
  for (const p of problems) assert.ok(p in MEDIA_PROBLEMS, p);
}

describe('AVC', () => {
  test('x264 320x240 15 fps High (real bytes, legacy sequence header)', () => {
    // the SPS carries emulation prevention bytes (00 00 03) inside its VUI timing fields
    assert.ok(Buffer.from(X264_320).toString('hex').includes('0000030010000003'));
    const v = decodeVideoHeader(X264_320);
    assert.equal(v.content, 'config');
    const c = decodeVideoConfig(v.codec, X264_320.subarray(v.bodyOffset, v.bodyOffset + v.bodyLength));
    assert.ok(c !== undefined && c.codec === 'avc');
    noThrowJson(c);
    assert.equal(c.version, 1);
    assert.equal(c.profileIdc, 100);
    assert.equal(c.levelIdc, 12);
    assert.equal(c.nalLengthSize, 4);
    assert.equal(c.spsCount, 1);
    assert.equal(c.ppsCount, 1);
    assert.equal(c.codecString, 'avc1.64000c');
    assert.deepEqual(c.problems, []);
    const s = c.sps;
    assert.ok(s !== undefined);
    assert.equal(s.profileName, 'High');
    assert.equal(s.level, '1.2');
    assert.equal(s.chromaFormat, '4:2:0');
    assert.equal(s.bitDepthLuma, 8);
    assert.equal(s.width, 320);
    assert.equal(s.height, 240);
    assert.equal(s.interlaced, false);
    assert.equal(s.sarWidth, 1);
    assert.equal(s.sarHeight, 1);
    assert.equal(s.numUnitsInTick, 1);
    assert.equal(s.timeScale, 30);
    assert.equal(s.fps, 15);
  });

  test('x264 1920x1080 29.97 fps Main: frame cropping 1088 → 1080 (real bytes)', () => {
    const c = decodeAvcConfig(X264_1080.subarray(5));
    const s = c.sps;
    assert.equal(s?.profileName, 'Main');
    assert.equal(s?.level, '4.0');
    assert.equal(s?.codedHeight, 1088);
    assert.equal(s?.width, 1920);
    assert.equal(s?.height, 1080);
    assert.equal(s?.fps, 60000 / 2002);
    assert.deepEqual(c.problems, []);
  });

  test('x264 High 4:4:4 Predictive: chroma_format_idc 3 (real bytes)', () => {
    const s = decodeAvcConfig(X264_444.subarray(5)).sps;
    assert.equal(s?.profileIdc, 244);
    assert.equal(s?.profileName, 'High 4:4:4 Predictive');
    assert.equal(s?.chromaFormatIdc, 3);
    assert.equal(s?.chromaFormat, '4:4:4');
    assert.equal(s?.width, 320);
    assert.equal(s?.height, 240);
    assert.equal(s?.fps, 15);
  });

  test('x264 720x576 interlaced: field coding doubles the map units (real bytes)', () => {
    const s = decodeAvcConfig(X264_576I).sps;
    assert.equal(s?.interlaced, true);
    assert.equal(s?.width, 720);
    assert.equal(s?.height, 576);
    assert.equal(s?.fps, 25);
    assert.deepEqual(s?.problems, []);
  });

  test('crafted High 4:2:2 10-bit SPS: scaling lists, POC type 1, 4:2:2 cropping, VUI', () => {
    const w = new BitWriter()
      .u(8, 0x67)
      .u(8, 122)
      .u(8, 0)
      .u(8, 40)
      .ue(0) // sps id
      .ue(2) // chroma_format_idc 4:2:2
      .ue(2)
      .ue(2) // bit depths 10/10
      .flag(false) // qpprime
      .flag(true); // seq_scaling_matrix_present_flag
    // list 0: explicit 4x4 list (first delta 2, then zeros); lists 1-5 absent;
    // list 6: 8x8 list whose first delta -8 makes nextScale 0 (use default); list 7 absent.
    w.flag(true).se(2);
    for (let j = 1; j < 16; j++) w.se(0);
    for (let i = 1; i < 6; i++) w.flag(false);
    w.flag(true).se(-8);
    w.flag(false);
    w.ue(0) // log2_max_frame_num_minus4
      .ue(1) // pic_order_cnt_type 1
      .flag(false)
      .se(-1)
      .se(2)
      .ue(2)
      .se(3)
      .se(-3)
      .ue(4) // max_num_ref_frames
      .flag(false)
      .ue(79) // 1280
      .ue(44) // 720
      .flag(true) // frame_mbs_only
      .flag(true) // direct_8x8
      .flag(true) // frame_cropping
      .ue(0)
      .ue(2)
      .ue(0)
      .ue(3)
      .flag(true) // vui
      .flag(true)
      .u(8, 255)
      .u(16, 4)
      .u(16, 3)
      .flag(false) // overscan
      .flag(true)
      .u(3, 5)
      .flag(true)
      .flag(true)
      .u(8, 9)
      .u(8, 16)
      .u(8, 9) // BT.2020 PQ
      .flag(false) // chroma loc
      .flag(true)
      .u(32, 1001)
      .u(32, 60000)
      .flag(true)
      .trailing();
    const rbsp = w.bytes();
    const nal = escapeRbsp(rbsp);
    assert.deepEqual(unescapeRbsp(nal), rbsp);
    const s = decodeH264Sps(nal);
    noThrowJson(s);
    assert.deepEqual(s.problems, []);
    assert.equal(s.profileName, 'High 4:2:2');
    assert.equal(s.level, '4.0');
    assert.equal(s.chromaFormat, '4:2:2');
    assert.equal(s.bitDepthLuma, 10);
    assert.equal(s.bitDepthChroma, 10);
    assert.equal(s.codedWidth, 1280);
    assert.equal(s.codedHeight, 720);
    // 4:2:2: CropUnitX = 2, CropUnitY = 1
    assert.equal(s.width, 1276);
    assert.equal(s.height, 717);
    assert.equal(s.sarWidth, 4);
    assert.equal(s.sarHeight, 3);
    assert.equal(s.fullRange, true);
    assert.equal(s.colourPrimaries, 9);
    assert.equal(s.transferCharacteristics, 16);
    assert.equal(s.matrixCoefficients, 9);
    assert.equal(s.fixedFrameRate, true);
    assert.equal(s.fps, 60000 / 2002);
  });

  test('crafted monochrome field-coded SPS: CropUnitY = 2 and 1b level', () => {
    const nal = escapeRbsp(
      new BitWriter()
        .u(8, 0x67)
        .u(8, 100)
        .u(8, 0)
        .u(8, 9) // level_idc 9 = 1b
        .ue(0)
        .ue(0) // 4:0:0
        .ue(0)
        .ue(0)
        .flag(false)
        .flag(false)
        .ue(0)
        .ue(2) // POC type 2
        .ue(1)
        .flag(false)
        .ue(44) // 720
        .ue(17) // 18 map units
        .flag(false) // field coding
        .flag(false) // mb_adaptive
        .flag(true)
        .flag(true)
        .ue(0)
        .ue(0)
        .ue(0)
        .ue(2)
        .flag(false)
        .trailing()
        .bytes(),
    );
    const s = decodeH264Sps(nal);
    assert.deepEqual(s.problems, []);
    assert.equal(s.level, '1b');
    assert.equal(s.chromaFormat, '4:0:0');
    assert.equal(s.interlaced, true);
    assert.equal(s.codedHeight, 576);
    assert.equal(s.height, 572);
    assert.equal(s.width, 720);
    assert.equal(s.fps, undefined);
  });

  test('Constrained Baseline and level 1b via constraint_set3', () => {
    const nal = escapeRbsp(
      new BitWriter()
        .u(8, 0x67)
        .u(8, 66)
        .u(8, 0x50) // constraint_set1 + constraint_set3
        .u(8, 11)
        .ue(0) // sps id
        .ue(0) // log2_max_frame_num_minus4
        .ue(2) // POC type 2
        .ue(1) // max_num_ref_frames
        .flag(false)
        .ue(10) // 176
        .ue(8) // 144
        .flag(true)
        .flag(true)
        .flag(false) // no cropping
        .flag(false) // no VUI
        .trailing()
        .bytes(),
    );
    const s = decodeH264Sps(nal);
    assert.equal(s.profileName, 'Constrained Baseline');
    assert.equal(s.level, '1b');
    assert.equal(s.width, 176);
    assert.equal(s.height, 144);
    assert.deepEqual(s.problems, []);
  });

  test('overlong Exp-Golomb code and wrong NAL type are bad syntax', () => {
    const s = decodeH264Sps(hex('6764001e0000000000000000'));
    assert.ok(s.problems.includes('media.config.bad-syntax'));
    assert.equal(s.width, undefined);
    const pps = decodeH264Sps(hex('68ebe3cb22c0'));
    assert.ok(pps.problems.includes('media.config.bad-syntax'));
  });

  test('every prefix of a real record decodes without throwing', () => {
    const rec = X264_320.subarray(5);
    // The last 4 bytes are the optional high-profile extension (chroma format, bit depths, SPS ext).
    const required = rec.length - 4;
    for (let i = 0; i < rec.length; i++) {
      const c = decodeAvcConfig(rec.subarray(0, i));
      noThrowJson(c);
      codesOk(c.problems);
      assert.equal(c.problems.length > 0, i < required, `prefix ${i}`);
    }
    assert.deepEqual(decodeAvcConfig(rec).problems, []);
  });

  test('record without SPS, wrong version', () => {
    const none = decodeAvcConfig(hex('0164001effe000'));
    assert.equal(none.spsCount, 0);
    assert.equal(none.ppsCount, 0);
    assert.deepEqual(none.problems, ['media.config.no-sps']);
    const v2 = decodeAvcConfig(concat([2], X264_576I.subarray(1)));
    assert.ok(v2.problems.includes('media.config.bad-version'));
    assert.equal(v2.sps?.width, 720);
  });
});

describe('HEVC', () => {
  test('x265 320x240 Main (real bytes)', () => {
    const c = decodeHevcConfig(HVCC_320);
    noThrowJson(c);
    assert.deepEqual(c.problems, []);
    assert.equal(c.profileIdc, 1);
    assert.equal(c.profileName, 'Main');
    assert.equal(c.highTier, false);
    assert.equal(c.levelIdc, 60);
    assert.equal(c.level, '2.0');
    assert.equal(c.chromaFormat, '4:2:0');
    assert.equal(c.bitDepthLuma, 8);
    assert.equal(c.nalLengthSize, 4);
    assert.deepEqual(c.arrays, [
      { nalType: 32, count: 1 },
      { nalType: 33, count: 1 },
      { nalType: 34, count: 1 },
    ]);
    assert.equal(c.width, 320);
    assert.equal(c.height, 240);
    assert.equal(c.codecString, 'hvc1.1.6.L60.90');
  });

  test('x265 330x250 Main 10: conformance window (real bytes)', () => {
    const c = decodeHevcConfig(HVCC_330_10BIT);
    assert.deepEqual(c.problems, []);
    assert.equal(c.profileName, 'Main 10');
    assert.equal(c.bitDepthLuma, 10);
    assert.equal(c.bitDepthChroma, 10);
    assert.equal(c.width, 330);
    assert.equal(c.height, 250);
    assert.equal(c.codecString, 'hvc1.2.4.L60.90');
  });

  test('through an E-RTMP hvc1 SequenceStart', () => {
    const p = concat([0x90], ascii('hvc1'), HVCC_320);
    const v = decodeVideoHeader(p);
    const c = decodeVideoConfig(v.codec, p.subarray(v.bodyOffset));
    assert.equal(c?.codec, 'hevc');
    assert.equal(c?.codec === 'hevc' ? c.width : 0, 320);
  });

  test('no SPS, prefixes', () => {
    const vpsOnly = concat(HVCC_320.subarray(0, 22), [1], HVCC_320.subarray(23, 23 + 3 + 2 + 24));
    assert.deepEqual(decodeHevcConfig(vpsOnly).problems, ['media.config.no-sps']);
    for (let i = 0; i < HVCC_320.length; i++) {
      const c = decodeHevcConfig(HVCC_320.subarray(0, i));
      noThrowJson(c);
      codesOk(c.problems);
      assert.ok(c.problems.length > 0, `prefix ${i}`);
    }
  });
});

describe('AV1', () => {
  test('libaom 320x240 8-bit 4:2:0 (real bytes)', () => {
    const c = decodeAv1Config(AV1C_AOM);
    noThrowJson(c);
    assert.deepEqual(c.problems, []);
    assert.equal(c.seqProfile, 0);
    assert.equal(c.profileName, 'Main');
    assert.equal(c.seqLevelIdx0, 0);
    assert.equal(c.highTier, false);
    assert.equal(c.bitDepth, 8);
    assert.equal(c.monochrome, false);
    assert.equal(c.chromaFormat, '4:2:0');
    assert.equal(c.hasSequenceHeader, true);
    assert.equal(c.width, 320);
    assert.equal(c.height, 240);
    assert.equal(c.codecString, 'av01.0.00M.08');
  });

  test('SVT-AV1 640x360 10-bit (real bytes)', () => {
    const c = decodeAv1Config(AV1C_SVT);
    assert.deepEqual(c.problems, []);
    assert.equal(c.bitDepth, 10);
    assert.equal(c.seqLevelIdx0, 1);
    assert.equal(c.width, 640);
    assert.equal(c.height, 360);
    assert.equal(c.codecString, 'av01.0.01M.10');
  });

  test('crafted: metadata OBU first, extension header, timing and decoder model info', () => {
    const seq = new BitWriter()
      .u(3, 0)
      .flag(false)
      .flag(false)
      .flag(true) // timing_info_present
      .u(32, 1001)
      .u(32, 60000)
      .flag(true) // equal_picture_interval
      .ue(1) // num_ticks_per_picture_minus_1 (uvlc has the ue layout)
      .flag(true) // decoder_model_info_present
      .u(5, 9)
      .u(32, 1)
      .u(5, 0)
      .u(5, 0)
      .flag(true) // initial_display_delay_present
      .u(5, 1); // two operating points
    seq.u(12, 0x101).u(5, 9).flag(true).flag(true).u(10, 5).u(10, 6).flag(false).flag(true).u(4, 3);
    seq.u(12, 0).u(5, 1).flag(false).flag(false);
    seq.u(4, 10).u(4, 10).u(11, 1919).u(11, 1079).trailing();
    const payload = seq.bytes();
    const obus = concat([0x2a, 2, 0xaa, 0xbb], [0x0e, 0x00, payload.length], payload);
    const c = decodeAv1Config(concat(hex('81094c00'), obus));
    noThrowJson(c);
    assert.deepEqual(c.problems, []);
    assert.equal(c.seqLevelIdx0, 9);
    assert.equal(c.width, 1920);
    assert.equal(c.height, 1080);
    assert.equal(c.fps, 60000 / 2002);
  });

  test('crafted reduced still picture header', () => {
    const payload = new BitWriter().u(3, 0).flag(true).flag(true).u(5, 4).u(4, 7).u(4, 7).u(8, 99).u(8, 49).trailing().bytes();
    const c = decodeAv1Config(concat(hex('81040c00'), [0x0a, payload.length], payload));
    assert.equal(c.width, 100);
    assert.equal(c.height, 50);
    assert.deepEqual(c.problems, []);
  });

  test("record without configOBUs, empty body (the E-RTMP sample's first SequenceStart), prefixes", () => {
    const bare = decodeAv1Config(AV1C_AOM.subarray(0, 4));
    assert.equal(bare.hasSequenceHeader, undefined);
    assert.equal(bare.width, undefined);
    assert.deepEqual(bare.problems, []);
    assert.deepEqual(decodeAv1Config(new Uint8Array(0)).problems, ['media.config.truncated']);
    assert.deepEqual(decodeAv1Config(hex('01000c00')).problems, ['media.config.bad-version']);
    for (let i = 5; i < AV1C_AOM.length; i++) {
      const c = decodeAv1Config(AV1C_AOM.subarray(0, i));
      noThrowJson(c);
      assert.ok(c.problems.includes('media.config.truncated'), `prefix ${i}`);
    }
  });
});

describe('AAC AudioSpecificConfig', () => {
  test('FFmpeg aac, AAC-LC 44.1 kHz stereo, with the 0x2b7 sync extension (real bytes)', () => {
    const a = decodeAudioHeader(concat([0xaf, 0x00], AAC_LC));
    assert.equal(a.content, 'config');
    const c = decodeAudioConfig(a.codec, concat([0xaf, 0x00], AAC_LC).subarray(a.bodyOffset));
    assert.ok(c !== undefined && c.codec === 'aac');
    noThrowJson(c);
    assert.deepEqual(c.problems, []);
    assert.equal(c.audioObjectType, 2);
    assert.equal(c.objectTypeName, 'AAC LC');
    assert.equal(c.samplingFrequencyIndex, 4);
    assert.equal(c.sampleRate, 44100);
    assert.equal(c.channelConfiguration, 2);
    assert.equal(c.channels, 2);
    assert.equal(c.frameLength, 1024);
    assert.equal(c.sbr, false); // explicitly signalled: no SBR
    assert.equal(c.ps, undefined);
    assert.equal(c.codecString, 'mp4a.40.2');
  });

  test('plain 2-byte LC config says nothing about SBR', () => {
    const c = decodeAacConfig(hex('1190')); // LC, 48 kHz, stereo
    assert.equal(c.sampleRate, 48000);
    assert.equal(c.sbr, undefined);
    assert.deepEqual(c.problems, []);
  });

  test('explicit hierarchical HE-AAC (object type 5) and HE-AAC v2 (29)', () => {
    const he = decodeAacConfig(new BitWriter().u(5, 5).u(4, 6).u(4, 2).u(4, 3).u(5, 2).u(3, 0).bytes());
    assert.equal(he.audioObjectType, 5);
    assert.equal(he.coreObjectType, 2);
    assert.equal(he.sampleRate, 24000);
    assert.equal(he.extensionSampleRate, 48000);
    assert.equal(he.sbr, true);
    assert.equal(he.ps, undefined);
    assert.equal(he.codecString, 'mp4a.40.5');
    assert.deepEqual(he.problems, []);
    const v2 = decodeAacConfig(new BitWriter().u(5, 29).u(4, 6).u(4, 1).u(4, 3).u(5, 2).u(3, 0).bytes());
    assert.equal(v2.ps, true);
    assert.equal(v2.sbr, true);
    assert.equal(v2.channels, 1);
    assert.equal(v2.objectTypeName, 'PS (HE-AAC v2)');
  });

  test('backward-compatible SBR + PS signalling (0x2b7, 0x548)', () => {
    const bytes = new BitWriter()
      .u(5, 2)
      .u(4, 7) // 22050
      .u(4, 2)
      .u(3, 0)
      .u(11, 0x2b7)
      .u(5, 5)
      .flag(true)
      .u(4, 4) // 44100
      .u(11, 0x548)
      .flag(true)
      .bytes();
    const c = decodeAacConfig(bytes);
    assert.equal(c.audioObjectType, 2);
    assert.equal(c.sampleRate, 22050);
    assert.equal(c.sbr, true);
    assert.equal(c.extensionSampleRate, 44100);
    assert.equal(c.ps, true);
    assert.deepEqual(c.problems, []);
  });

  test('escape object type (31 → 32 + 6 bits), explicit frequency, PCE', () => {
    const usac = decodeAacConfig(new BitWriter().u(5, 31).u(6, 10).u(4, 3).u(4, 2).u(8, 0).bytes());
    assert.equal(usac.audioObjectType, 42);
    assert.equal(usac.objectTypeName, 'USAC');
    assert.equal(usac.sampleRate, 48000);
    assert.deepEqual(usac.problems, ['media.config.unsupported']);
    const explicit = decodeAacConfig(new BitWriter().u(5, 2).u(4, 15).u(24, 44056).u(4, 1).u(3, 0).bytes());
    assert.equal(explicit.samplingFrequencyIndex, 15);
    assert.equal(explicit.sampleRate, 44056);
    assert.equal(explicit.channels, 1);
    assert.deepEqual(explicit.problems, []);
    const pce = decodeAacConfig(new BitWriter().u(5, 2).u(4, 4).u(4, 0).u(3, 0).u(8, 0).bytes());
    assert.equal(pce.channelConfiguration, 0);
    assert.equal(pce.channels, undefined);
    assert.deepEqual(pce.problems, ['media.config.unsupported']);
  });

  test('reserved frequency index, truncation', () => {
    assert.deepEqual(decodeAacConfig(new BitWriter().u(5, 2).u(4, 13).u(4, 2).u(3, 0).bytes()).problems, ['media.config.bad-syntax']);
    assert.deepEqual(decodeAacConfig(hex('12')).problems, ['media.config.truncated']);
    assert.deepEqual(decodeAacConfig(new Uint8Array(0)).problems, ['media.config.truncated']);
  });
});

describe('Opus and FLAC', () => {
  test('dOps from FFmpeg libopus in MP4 (real bytes)', () => {
    const c = decodeOpusConfig(DOPS);
    noThrowJson(c);
    assert.deepEqual(c, { format: 'dops', version: 0, channels: 2, preSkip: 312, inputSampleRate: 48000, outputGain: 0, mappingFamily: 0, problems: [] });
  });

  test("OpusHead (the E-RTMP sample files' form), family 1 surround, negative gain", () => {
    const mono = decodeOpusConfig(concat(ascii('OpusHead'), hex('0101380180bb0000000000')));
    assert.equal(mono.format, 'opus-head');
    assert.equal(mono.channels, 1);
    assert.equal(mono.preSkip, 312);
    assert.equal(mono.inputSampleRate, 48000);
    assert.deepEqual(mono.problems, []);
    const surround = decodeOpusConfig(concat(ascii('OpusHead'), hex('0106380144ac0000 00ff 01 04 02 000401020305'.replace(/ /g, ''))));
    assert.equal(surround.channels, 6);
    assert.equal(surround.inputSampleRate, 44100);
    assert.equal(surround.outputGain, -256);
    assert.equal(surround.mappingFamily, 1);
    assert.equal(surround.streamCount, 4);
    assert.equal(surround.coupledCount, 2);
    assert.deepEqual(surround.problems, []);
    assert.deepEqual(decodeOpusConfig(concat(ascii('OpusHead'), hex('0106380144ac000000ff0104'))).problems, ['media.config.truncated']);
    assert.deepEqual(decodeOpusConfig(hex('0002')).problems, ['media.config.truncated']);
  });

  test('FLAC STREAMINFO from FFmpeg flac (real bytes)', () => {
    const c = decodeAudioConfig('flac', FLAC);
    assert.ok(c !== undefined && c.codec === 'flac');
    assert.deepEqual(c.problems, []);
    assert.equal(c.sampleRate, 48000);
    assert.equal(c.channels, 2);
    assert.equal(c.bitsPerSample, 16);
    assert.equal(c.totalSamples, 9600);
    assert.equal(c.minBlockSize, 4608);
    assert.deepEqual(decodeFlacConfig(FLAC.subarray(0, 20)).problems, ['media.config.truncated']);
    assert.deepEqual(decodeFlacConfig(concat(ascii('fLaC'), [0x04, 0, 0, 4, 1, 2, 3, 4])).problems, ['media.config.bad-syntax']);
  });

  test('FLAC SequenceStart as FFmpeg 8.1 sends it: the bare 34-byte STREAMINFO (its extradata)', () => {
    const bare = FLAC.subarray(8, 42);
    const c = decodeFlacConfig(bare);
    assert.deepEqual(c.problems, ['media.config.flac-bare-streaminfo']);
    assert.equal(c.sampleRate, 48000);
    assert.equal(c.channels, 2);
    assert.equal(c.minBlockSize, 4608);
    // Anything else without the signature is still not a FLAC header.
    assert.deepEqual(decodeFlacConfig(FLAC.subarray(8, 41)).problems.includes('media.config.bad-version'), true);
  });
});

describe('dispatch', () => {
  test('codecs without a decoder give undefined', () => {
    for (const codec of ['vp8', 'vp9', 'h263', 'xyz1', 'multiple']) assert.equal(decodeVideoConfig(codec, AV1C_AOM), undefined);
    for (const codec of ['mp3', 'ac3', 'eac3', 'speex', 'none']) assert.equal(decodeAudioConfig(codec, AAC_LC), undefined);
  });
});
