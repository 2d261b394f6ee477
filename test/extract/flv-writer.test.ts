/**
 * The FLV side of extraction: tag layout (header fields, PreviousTagSize), timestamps including
 * the extended byte, aggregates split, onMetaData spliced and patched, and Enhanced RTMP bodies
 * passed through byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileHeader, splitAggregate, tag, tagHeader, tagTrailer } from '../../src/extract/flv.js';
import { isOnMetaData, ownMetadata, scriptData, spliceMetadata } from '../../src/extract/metadata.js';
import { DROPPED_PROPERTY, FlvStreamWriter, GAPS_PROPERTY } from '../../src/extract/writer.js';
import { decodeAmf0Values, toPlain as plainOf, type AmfValue } from '../../src/amf/index.js';

/** AMF as plain JSON (ordinary prototypes, for deepEqual). */
const toPlain = (v: AmfValue): unknown => JSON.parse(JSON.stringify(plainOf(v)));
import { amf0 } from '../builders/amf-writer.js';
import { aacRaw, aacSequenceHeader, avcNalu, avcSequenceHeader, exVideo, hex } from '../builders/media-writer.js';
import { MemoryOut, readFlv } from '../builders/flv-reader.js';
import type { GapEpisode } from '../../src/extract/policy.js';

test('tag header: type, UI24 size, UI24 timestamp then its upper byte, stream id 0; PreviousTagSize = 11 + size', () => {
  assert.deepEqual([...tagHeader(9, 0x012345, 0x00abcdef)], [9, 0x01, 0x23, 0x45, 0xab, 0xcd, 0xef, 0x00, 0, 0, 0]);
  // Beyond 24 bits the fourth timestamp byte carries bits 24-31 (TimestampExtended).
  assert.deepEqual([...tagHeader(8, 5, 0x12345678)], [8, 0, 0, 5, 0x34, 0x56, 0x78, 0x12, 0, 0, 0]);
  assert.deepEqual([...tagHeader(8, 0, 0xffffffff)].slice(4, 8), [0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...tagTrailer(100)], [0, 0, 0, 111]);
  assert.deepEqual([...fileHeader(true, false)], [0x46, 0x4c, 0x56, 1, 4, 0, 0, 0, 9, 0, 0, 0, 0]);
  const data = Uint8Array.of(1, 2, 3);
  const [h, d, t] = tag(18, 7, data);
  assert.equal(d, data, 'the payload is not copied');
  assert.equal(h.length, 11);
  assert.deepEqual([...t], [0, 0, 0, 14]);
});

function subTag(type: number, ts: number, data: Uint8Array, backPointer = true): Uint8Array {
  const h = tagHeader(type, data.length, ts);
  const out = new Uint8Array(11 + data.length + (backPointer ? 4 : 0));
  out.set(h);
  out.set(data, 11);
  if (backPointer) out.set(tagTrailer(data.length), 11 + data.length);
  return out;
}

test('aggregates: split into their tags, rebased on the aggregate timestamp; the last back pointer may be missing; leftovers counted', () => {
  const a = subTag(9, 1000, Uint8Array.of(0x17, 1, 0, 0, 0, 9));
  const b = subTag(8, 1023, Uint8Array.of(0xaf, 1, 7), false);
  const body = new Uint8Array(a.length + b.length);
  body.set(a);
  body.set(b, a.length);
  const r = splitAggregate(body, 5000);
  assert.equal(r.rest, 0);
  assert.deepEqual(
    r.tags.map((t) => [t.type, t.timestamp, [...t.data]]),
    [
      [9, 5000, [0x17, 1, 0, 0, 0, 9]],
      [8, 5023, [0xaf, 1, 7]],
    ],
  );
  // A sub-tag claiming more bytes than there are is not a tag.
  const bad = Uint8Array.from([...a, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
  const rb = splitAggregate(bad, 0);
  assert.equal(rb.tags.length, 1);
  assert.equal(rb.rest, 13);
  // Timestamps wrap as RTMP's do.
  assert.equal(splitAggregate(Uint8Array.from([...subTag(8, 10, Uint8Array.of(1)), ...subTag(8, 20, Uint8Array.of(2))]), 0xfffffff6).tags[1]?.timestamp, 0);
});

test('script data: @setDataFrame is dropped; onMetaData gets the extractor properties spliced (ECMA array count kept right, object too)', () => {
  const setData = amf0.encode(['@setDataFrame', 'onMetaData', amf0.ecma({ width: 320, encoder: 'Lavf' })]);
  const meta = scriptData(setData);
  assert.ok(isOnMetaData(meta));
  const s = spliceMetadata(meta, ['a', 'b']);
  assert.ok(s !== null);
  const v = decodeAmf0Values(s.data);
  assert.equal(v.error, undefined);
  assert.deepEqual(v.values.map(toPlain), ['onMetaData', { width: 320, encoder: 'Lavf', a: 0, b: 0 }]);
  assert.equal(new DataView(s.data.buffer).getUint32(14), 4, 'ECMA count');
  // The offsets point at the numbers' 8 bytes.
  new DataView(s.data.buffer).setFloat64(s.offsets['b'] as number, 42);
  assert.deepEqual(toPlain(decodeAmf0Values(s.data).values[1]!), { width: 320, encoder: 'Lavf', a: 0, b: 42 });
  const obj = spliceMetadata(amf0.encode(['onMetaData', { duration: 2 }]), ['a']);
  assert.deepEqual(decodeAmf0Values(obj!.data).values.map(toPlain), ['onMetaData', { duration: 2, a: 0 }]);
  // Not an array or object, or no end marker: not spliced.
  assert.equal(spliceMetadata(amf0.encode(['onMetaData', 'text']), ['a']), null);
  assert.equal(spliceMetadata(amf0.encode(['onMetaData', amf0.ecma({ x: 1 }, { end: false })]), ['a']), null);
  assert.deepEqual(decodeAmf0Values(ownMetadata(['a']).data).values.map(toPlain), ['onMetaData', { a: 0 }]);
  // Other data passes unchanged.
  const other = amf0.encode(['onTextData', { text: 'hi' }]);
  assert.equal(scriptData(other), other);
});

const SPS = hex('6764000cacb402');
const PPS = hex('68ee3cb0');

function collect(): { out: MemoryOut; episodes: GapEpisode[]; writer: FlvStreamWriter } {
  const out = new MemoryOut();
  const episodes: GapEpisode[] = [];
  const writer = new FlvStreamWriter(
    () => out,
    (e) => episodes.push(e),
    (_p, e) => assert.fail(String(e)),
  );
  return { out, episodes, writer };
}

function metaOf(tagData: Uint8Array): Record<string, unknown> {
  return toPlain(decodeAmf0Values(tagData).values[1]!) as Record<string, unknown>;
}

test('writer: header, the stream metadata first with our counts, every tag at its timestamp with its body unchanged, flags patched', () => {
  const { out, writer } = collect();
  const seq = avcSequenceHeader(Uint8Array.from([1, 0x64, 0, 0x0c, 0xff, 0xe1, 0, SPS.length, ...SPS, 1, 0, PPS.length, ...PPS]));
  const key = avcNalu(hex('0000000265888880'), { key: true });
  const inter = avcNalu(hex('000000024188'), { key: false, compositionTime: 40 });
  writer.message(18, 0, amf0.encode(['@setDataFrame', 'onMetaData', amf0.ecma({ videocodecid: 7 })]), false, undefined);
  writer.message(9, 0, seq.subarray(0, 5), false, seq);
  writer.message(9, 0, key.subarray(0, 5), false, key);
  writer.message(9, 0x01000021, inter.subarray(0, 5), false, inter);
  writer.close();
  assert.ok(out.closed);
  const f = readFlv(out.bytes());
  assert.equal(f.flags, 1, 'video only: the audio flag is patched away');
  assert.deepEqual(
    f.tags.map((t) => [t.type, t.timestamp]),
    [
      [18, 0],
      [9, 0],
      [9, 0],
      [9, 0x01000021],
    ],
  );
  assert.deepEqual(metaOf(f.tags[0]!.data), { videocodecid: 7, [GAPS_PROPERTY]: 0, [DROPPED_PROPERTY]: 0 });
  assert.deepEqual(f.tags[1]!.data, seq);
  assert.deepEqual(f.tags[3]!.data, inter);
  assert.deepEqual(writer.stats(), { videoFrames: 2, audio: 0, other: 2, gaps: 0, dropped: 0 });
});

test('writer: Enhanced RTMP bodies (ExHeader, ModEx, multitrack) pass through byte for byte', () => {
  const { out, writer } = collect();
  const bodies = [
    exVideo({ packetType: 0, fourCc: 'hvc1', body: hex('01020304') }),
    exVideo({ packetType: 1, fourCc: 'hvc1', compositionTime: 33, body: hex('aabbcc') }),
    exVideo({ frameType: 2, packetType: 3, fourCc: 'av01', modEx: [{ type: 0, data: hex('000100') }], body: hex('dd') }),
    exVideo({
      frameType: 2,
      packetType: 1,
      multitrack: {
        type: 1,
        tracks: [
          { trackId: 0, body: hex('01') },
          { trackId: 1, body: hex('0203') },
        ],
      },
    }),
  ];
  bodies.forEach((b, i) => writer.message(9, i * 40, b.subarray(0, 4), false, b));
  writer.close();
  const f = readFlv(out.bytes());
  assert.deepEqual(
    f.tags.slice(1).map((t) => t.data),
    bodies,
  );
  assert.deepEqual(metaOf(f.tags[0]!.data), { [GAPS_PROPERTY]: 0, [DROPPED_PROPERTY]: 0 }, 'no stream metadata: ours alone, at 0');
  assert.equal(writer.stats().videoFrames, 3);
});

test('writer: across a loss frames are dropped up to the next keyframe; the counts are patched into onMetaData', () => {
  const { out, writer, episodes } = collect();
  const key = avcNalu(hex('65'), { key: true });
  const inter = avcNalu(hex('41'), { key: false });
  const aac = aacRaw(hex('2100'));
  writer.message(8, 0, aacSequenceHeader(hex('1210')), false, aacSequenceHeader(hex('1210')));
  writer.message(9, 0, key, false, key);
  writer.message(8, 10, aac, false, aac);
  writer.loss('1448 bytes not captured');
  writer.message(9, 40, inter, false, inter);
  writer.message(8, 50, aac, false, aac);
  writer.message(9, 80, inter, false, null); // damaged: still dropping
  writer.message(9, 120, key, false, key);
  writer.message(8, 130, aac, false, aac);
  writer.close();
  const f = readFlv(out.bytes());
  assert.deepEqual(
    f.tags.slice(1).map((t) => [t.type, t.timestamp]),
    [
      [8, 0],
      [9, 0],
      [8, 10],
      [9, 120],
      [8, 130],
    ],
  );
  assert.equal(f.flags, 5);
  assert.deepEqual(metaOf(f.tags[0]!.data), { [GAPS_PROPERTY]: 1, [DROPPED_PROPERTY]: 3 });
  assert.equal(episodes.length, 1);
  assert.deepEqual(episodes[0], { reasons: ['1448 bytes not captured', 'a video message at 80 ms was not captured whole'], after: 10, resumedAt: 120, droppedVideo: 2, droppedAudio: 1 });
});

test('writer: a stream the opener declines writes nothing; an output that fails is reported once and never throws', () => {
  let asked = 0;
  const w = new FlvStreamWriter(
    () => (asked++, null),
    () => {},
    () => assert.fail('no error'),
  );
  const key = avcNalu(hex('65'), { key: true });
  w.message(9, 0, key, false, key);
  w.message(9, 40, key, false, key);
  w.close();
  assert.equal(asked, 1);
  assert.equal(w.written, false);
  const errors: string[] = [];
  const failing = new MemoryOut();
  failing.write = () => {
    throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
  };
  const w2 = new FlvStreamWriter(
    () => failing,
    () => {},
    (p, e) => errors.push(`${p} ${(e as NodeJS.ErrnoException).code}`),
  );
  w2.message(9, 0, key, false, key);
  w2.message(9, 40, key, false, key);
  w2.close();
  assert.deepEqual(errors, ['memory.flv ENOSPC']);
});
