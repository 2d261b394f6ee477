/**
 * AMF3 data messages (type 15) as FLV script data: the format byte dropped, AMF0 kept as it is,
 * AVM+-switched values re-encoded in the AMF0 markers FFmpeg's flvdec.c reads (amf3-data.ts);
 * what the value model does not hold whole becomes `unsupported` and is counted. Property-tested:
 * any AMF3 value converts to AMF0 that decodes without error, without a switch, with only those
 * markers, and with the same plain value; random bytes never throw. Then through the extractor:
 * a type-15 onMetaData becomes the file's first script tag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { amf0ScriptData } from '../../src/extract/amf3-data.js';
import { decodeAmf0Values, toPlain, type AmfValue } from '../../src/amf/index.js';
import { Extractor } from '../../src/extract/extractor.js';
import type { RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { amf0, amf3, type Amf3Intent } from '../builders/amf-writer.js';
import { avcNalu, hex } from '../builders/media-writer.js';
import { MemoryOut, readFlv } from '../builders/flv-reader.js';
import { wholeMessage } from '../builders/rtmp-message.js';

const body15 = (...values: Parameters<typeof amf0.encode>[0]) => Uint8Array.of(0, ...amf0.encode(values));

/** The value types flvdec.c's amf_parse_object reads. */
const ACCEPTED = new Set(['number', 'boolean', 'string', 'object', 'null', 'undefined', 'unsupported', 'ecma-array', 'strict-array', 'date']);

function check(v: AmfValue): void {
  assert.ok(ACCEPTED.has(v.type), `marker for ${v.type}`);
  assert.equal(v.avmplus, undefined);
  if (v.type === 'object') assert.equal(v.className, undefined, 'no typed object');
  if (v.type === 'object' || v.type === 'ecma-array') for (const p of v.props) check(p.value);
  if (v.type === 'strict-array') v.items.forEach(check);
}

function converted(body: Uint8Array): { values: AmfValue[]; lossy: number } {
  const s = amf0ScriptData(body);
  assert.ok(s !== null);
  const r = decodeAmf0Values(s.data);
  assert.equal(r.error, undefined);
  r.values.forEach(check);
  return { values: [...r.values], lossy: s.lossy };
}

test('AMF0 without a switch is kept byte for byte (the format byte dropped)', () => {
  const b = body15('@setDataFrame', 'onMetaData', amf0.ecma({ width: 320, encoder: 'x' }));
  assert.deepEqual(amf0ScriptData(b)?.data, b.subarray(1));
});

test('AVM+ values become AMF0 that flvdec reads: integers, arrays, vectors, typed objects, XML, dates; a ByteArray is unsupported', () => {
  const meta = amf3.object({
    className: 'flash.Meta',
    sealed: [['width', 320]],
    dynamic: {
      height: 240,
      framerate: 29.97,
      dense: [1, 'two'],
      mixed: amf3.array([true], { k: null }),
      when: amf3.date(1_700_000_000_000),
      x: amf3.xml('<a/>'),
      v: amf3.vectorInt([1, -2]),
      bytes: new Uint8Array([1, 2, 3]),
    },
  });
  const { values, lossy } = converted(body15('onMetaData', amf0.avmplus(meta)));
  assert.equal(lossy, 1, 'the ByteArray');
  assert.equal(values[0]?.type, 'string');
  assert.equal(values[1]?.type, 'object');
  const plain = toPlain(values[1]!) as Record<string, unknown>;
  assert.deepEqual(
    { ...plain },
    {
      width: 320,
      height: 240,
      framerate: 29.97,
      dense: [1, 'two'],
      mixed: Object.assign(Object.create(null) as object, { 0: true, k: null }),
      when: plain['when'],
      x: '<a/>',
      v: [1, -2],
      bytes: null,
    },
  );
  const when = (values[1] as Extract<AmfValue, { type: 'object' }>).props.find((p) => p.key === 'when')?.value;
  assert.equal(when?.type === 'date' ? when.ms : null, 1_700_000_000_000);
});

test('an AMF3 object reference cannot be resolved from the value model: unsupported, counted', () => {
  const { values, lossy } = converted(body15('onCuePoint', amf0.avmplus(amf3.array([amf3.object({ dynamic: { a: 1 } }), amf3.ref(1)]))));
  assert.equal(lossy, 1);
  const items = values[1]?.type === 'strict-array' ? values[1].items : [];
  assert.deepEqual(
    items.map((v) => v.type),
    ['object', 'unsupported'],
  );
});

test('undecodable AMF gives null; an empty body too', () => {
  assert.equal(amf0ScriptData(Uint8Array.of(0, 0x02, 0, 9, 0x61)), null);
  assert.equal(amf0ScriptData(new Uint8Array(0)), null);
});

const intent: fc.Arbitrary<Amf3Intent> = fc.letrec<{ v: Amf3Intent }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -0x10000000, max: 0x0fffffff }),
    fc.double({ noNaN: true }),
    fc.string({ maxLength: 12 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(
      fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !/^\d+$/.test(k)),
      tie('v'),
      { maxKeys: 4 },
    ),
  ),
})).v;

test('property: any AMF3 value converts to accepted AMF0 with the same plain value; random bytes never throw', () => {
  fc.assert(
    fc.property(fc.array(intent, { minLength: 1, maxLength: 3 }), (vs) => {
      const b = body15('onData', ...vs.map((v) => amf0.avmplus(v)));
      const original = decodeAmf0Values(b.subarray(1));
      const { values, lossy } = converted(b);
      assert.equal(lossy, 0);
      assert.deepEqual(values.map(toPlain), original.values.map(toPlain));
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const s = amf0ScriptData(Uint8Array.of(0, 0x11, ...b));
      if (s !== null) assert.equal(decodeAmf0Values(s.data).error, undefined);
    }),
    { numRuns: 500 },
  );
});

test("extraction: a type-15 onMetaData before the media is the file's first script tag, in AMF0, with our properties", () => {
  const id = { session: 1, client: 'a:1', server: 'b:1935' };
  const msg = (typeId: number, streamId: number, body: Uint8Array): RtmpMessage => wholeMessage(typeId, body, { streamId, payload: typeId === 9 });

  const out = new MemoryOut();
  const notes: string[] = [];
  const x = new Extractor({ open: () => out, note: (l) => notes.push(l) });
  x.message(id, 'c2s', msg(17, 1, Uint8Array.of(0, ...amf0.command('publish', 0, null, 'cam'))));
  x.message(id, 'c2s', msg(20, 1, amf0.command('publish', 0, null, 'cam')));
  x.message(id, 'c2s', msg(15, 1, body15('@setDataFrame', 'onMetaData', amf0.avmplus({ width: 320, blob: new Uint8Array([9]) }))));
  x.message(id, 'c2s', msg(9, 1, avcNalu(hex('65'), { key: true })));
  x.finish();
  const tags = readFlv(out.bytes()).tags;
  assert.deepEqual(
    tags.map((t) => t.type),
    [18, 9],
  );
  const meta = decodeAmf0Values(tags[0]!.data);
  assert.equal(meta.error, undefined);
  const plain = toPlain(meta.values[1]!) as Record<string, unknown>;
  assert.deepEqual([toPlain(meta.values[0]!), plain['width'], plain['blob'], plain['rtmpscopeGaps']], ['onMetaData', 320, null, 0]);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /1 value\(s\) that AMF0 script data cannot carry/);
});
