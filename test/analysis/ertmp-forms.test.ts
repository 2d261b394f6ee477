/**
 * E-RTMP v2 forms the FFmpeg 8.1 captures do not cover, with hand-built bytes: onMetaData codec ids
 * as FourCC numbers (what FFmpeg 8.1 writes: videocodecid 1752589105 = 'hvc1') or strings, VVC
 * ('vvc1', with its configuration record and composition time), and the legacy non-standard HEVC codec id 12.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exVideo, legacyVideo } from '../builders/media-writer.js';
import { HVCC_320 } from './fixtures.js';
import { vvcc } from '../media/vvc-writer.js';
import { Rtmp, filler } from './script.js';
import { metadataAudioCodec, metadataVideoCodec } from '../../src/analysis/media-stream.js';
import type { Amf0Intent } from '../builders/amf-writer.js';

const hevcConfig = exVideo({ packetType: 0, fourCc: 'hvc1', body: HVCC_320 });
const hevcFrame = (i: number) => exVideo({ packetType: 1, frameType: i === 0 ? 1 : 2, fourCc: 'hvc1', body: filler(300, i) });

function hevcPublish(metadata: Record<string, Amf0Intent>): Rtmp {
  const r = new Rtmp().publishPreamble('cam', { sequenceHeaders: false, metadata, connect: { fourCcList: ['hvc1'] } }).video(0, hevcConfig);
  for (let i = 0; i < 5; i++) r.video(i * 40, hevcFrame(i));
  return r;
}

test('onMetaData videocodecid as a FourCC number (FFmpeg 8.1: 1752589105) or string names HEVC', () => {
  assert.equal(metadataVideoCodec(1752589105), 'hevc');
  assert.equal(metadataVideoCodec('hvc1'), 'hevc');
  assert.equal(metadataAudioCodec(1332770163), 'opus');
  assert.equal(metadataAudioCodec('fLaC'), 'flac');
  for (const id of [1752589105, 'hvc1']) {
    const a = hevcPublish({ width: 320, height: 240, videocodecid: id }).analyse();
    for (const code of ['stream.metadata.codec-mismatch', 'stream.metadata.legacy-codec-id'] as const) assert.ok(!a.codes.has(code), `${String(id)}: ${code}`);
  }
  const wrong = hevcPublish({ width: 320, height: 240, videocodecid: 1635135537 /* 'av01' */ }).analyse();
  assert.ok(wrong.codes.has('stream.metadata.codec-mismatch'));
});

test('VVC (vvc1): the configuration record decoded, frames counted as vvc with their composition time', () => {
  const r = new Rtmp().publishPreamble('cam', { sequenceHeaders: false, metadata: null, connect: { fourCcList: ['vvc1'] } });
  const record = vvcc({ ptl: { profileIdc: 1, levelIdc: 51, width: 1280, height: 720, bitDepth: 10 }, arrays: [{ nalType: 15, nalus: [filler(12)] }] });
  r.video(0, exVideo({ packetType: 0, fourCc: 'vvc1', body: record }));
  for (let i = 0; i < 5; i++) r.video(i * 40, exVideo({ packetType: 1, frameType: i === 0 ? 1 : 2, fourCc: 'vvc1', compositionTime: 80, body: filler(200, i) }));
  const a = r.analyse();
  const v = a.streams[0]?.video;
  assert.equal(v?.codec, 'vvc');
  assert.equal(v?.fourCc, 'vvc1');
  assert.equal(v?.frames, 5);
  assert.equal(v?.compositionTime, true);
  assert.deepEqual([v?.width, v?.height, v?.profile, v?.level, v?.bitDepth, v?.chromaFormat], [1280, 720, 'Main 10', '3.1', 10, '4:2:0']);
  assert.ok(!a.codes.has('stream.video.no-sequence-header'));
  assert.ok(![...a.codes].some((c) => c.startsWith('media.')), [...a.codes].join());
});

test('legacy codec id 12 (non-standard HEVC): recognised as HEVC, explained, not E-RTMP', () => {
  const r = new Rtmp().publishPreamble('cam', { sequenceHeaders: false, metadata: { width: 320, height: 240, videocodecid: 12 } });
  r.video(0, legacyVideo({ codecId: 12, packetType: 0, body: HVCC_320 }));
  for (let i = 0; i < 3; i++) r.video(i * 40, legacyVideo({ codecId: 12, packetType: 1, frameType: i === 0 ? 1 : 2, body: filler(300, i) }));
  const a = r.analyse();
  const v = a.streams[0]?.video;
  assert.equal(v?.codec, 'hevc');
  assert.equal(v?.codecId, 12);
  assert.equal(v?.fourCc, null);
  assert.equal(v?.width, 320);
  assert.ok(a.codes.has('stream.metadata.non-standard-codec-id'));
});
