/**
 * RTMP sessions built to hurt a decoder, as pcaps through the whole pipeline (capture → TCP →
 * chunk stream → messages/AMF → session analysis → NDJSON): absurd chunk sizes, many chunk streams
 * each claiming a 16 MiB message, AMF0 and AMF3 nested 100,000 deep, AMF3 reference loops, an
 * ECMA array counting 2^32−1 entries. Each decodes what it can, reports the catalogue's code for
 * what it cannot, keeps decoding the session's other messages, stays within time and memory
 * bounds, and writes output that survives JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageRecord, SessionRecord } from '../../src/records/index.js';
import { Rtmp } from '../analysis/script.js';
import { amf0, amf3, type Amf0Intent } from '../builders/amf-writer.js';
import { basicHeader } from '../builders/chunk-writer.js';
import { assertSoundOutput, runPipeline, type Run } from './helpers.js';

const MiB = 1024 * 1024;

function names(r: Run, dir: 'c2s' | 's2c' = 'c2s'): string[] {
  return r
    .messages()
    .filter((m) => m.dir === dir && m.name !== undefined)
    .map((m) => `${m.name}#${m.transactionId ?? '-'}`);
}

function session(r: Run): SessionRecord {
  const s = r.records.find((x): x is SessionRecord => x.type === 'session');
  assert.ok(s !== undefined);
  return s;
}

/** A publish that goes on after the hostile part: it must decode. */
function tail(s: Rtmp): Rtmp {
  return s.createStream(2).publish(3, 1, 'cam', 'live');
}
const TAIL = ['createStream#2', 'publish#3'];

test('Set Chunk Size 0, 1, 0x7fffffff, 0x80000000 and 0xffffffff: the right codes, every message still decoded', async () => {
  const cases: [number, string[], number][] = [
    [0, ['rtmp.chunk.size-out-of-range'], 128],
    [1, ['rtmp.chunk.size-small'], 1],
    [0x7fffffff, ['rtmp.chunk.size-huge'], 0x7fffffff],
    [0x80000000, ['rtmp.chunk.size-top-bit', 'rtmp.chunk.size-out-of-range'], 128],
    [0xffffffff, ['rtmp.chunk.size-top-bit', 'rtmp.chunk.size-huge'], 0x7fffffff],
  ];
  for (const [size, codes, inForce] of cases) {
    // The writer chunks what follows with the size the decoder must apply (the old one when the
    // value is ignored); a 20 KiB data message makes 20,480 one-byte chunks at size 1.
    const s = new Rtmp().connect().setChunkSize('c2s', size);
    s.data('c2s', ['@setDataFrame', 'onMetaData', amf0.ecma({ padding: 'x'.repeat(20 * 1024) })], { streamId: 1 });
    const r = await runPipeline(tail(s).pcap());
    assertSoundOutput(r);
    for (const c of codes) assert.ok(r.codes().has(c), `${size.toString(16)}: ${c}`);
    assert.deepEqual(names(r), ['connect#1', '@setDataFrame#-', ...TAIL], size.toString(16));
    assert.equal(session(r).chunkSize.c2s, inForce);
    const md = r.messages().find((m) => m.name === '@setDataFrame');
    assert.ok(md !== undefined);
    assert.equal(md.chunks.count, size === 1 ? md.length : size === 0 || size === 0x80000000 ? Math.ceil(md.length / 128) : 1);
    assert.ok(r.ms < 3000, `${size.toString(16)}: ${r.ms} ms`);
  }
});

/**
 * 60 chunk streams (10..69: one- and two-byte basic headers) each opening a type-18 message (data:
 * not a media type, so not cut to a tag header) of length 0xFFFFFF, and sending 300 KiB of each
 * (17.6 MiB in all) in 4 KiB chunks round-robin, then a createStream and a publish.
 */
function sixtyHugeMessages(): Uint8Array {
  const streams = 60;
  const rounds = 75;
  const chunk = new Uint8Array(4096).fill(0x41);
  const out: Uint8Array[] = [];
  for (let i = 0; i < streams; i++) {
    out.push(Uint8Array.from([...basicHeader(0, 10 + i), 0, 0, 0, 0xff, 0xff, 0xff, 18, 1, 0, 0, 0]), chunk);
  }
  for (let k = 1; k < rounds; k++) for (let i = 0; i < streams; i++) out.push(Uint8Array.from(basicHeader(3, 10 + i)), chunk);
  const hostile = new Uint8Array(out.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of out) {
    hostile.set(b, o);
    o += b.length;
  }
  return tail(new Rtmp({ mss: 60_000 }).connect().setChunkSize('c2s', 4096).raw('c2s', hostile)).pcap();
}

test('60 chunk streams each claiming a 16 MiB message: memory stays bounded (buffer cap), all 60 reported', async () => {
  const r = await runPipeline(sixtyHugeMessages(), {}, 256 * 1024, true);
  assertSoundOutput(r);
  // Not 60 × 16 MiB, not 60 × 1 MiB, not even the 17.6 MiB that arrived: the per-connection cap.
  assert.ok(r.arrayBuffersPeak < 12 * MiB, `ArrayBuffers retained: ${(r.arrayBuffersPeak / MiB).toFixed(1)} MiB`);
  assert.ok(r.codes().has('rtmp.message.buffer-cap'));
  assert.equal(session(r).diagnosticCounts?.['rtmp.message.incomplete'], 60);
  assert.equal(r.messages()[0]?.name, 'connect');
});

test('60 chunk streams each claiming a 16 MiB message: small commands after them still decode', async () => {
  // With the buffer full, a new message must still get room for a command-sized body (or the
  // hogs must give some back): otherwise a peer blinds the decoder to everything after.
  const r = await runPipeline(sixtyHugeMessages());
  assertSoundOutput(r);
  assert.ok(r.ms < 5000, `${r.ms} ms for 17.6 MiB`);
  assert.deepEqual(names(r), ['connect#1', ...TAIL]);
  assert.equal(r.codes().has('rtmp.command.no-name'), false);
});

/** A connect whose command object is followed by `nested` (raw AMF0 bytes). */
function connectWith(nested: Uint8Array): Rtmp {
  const head = amf0.encode(['connect', 1, { app: 'live', tcUrl: 'rtmp://h/live' }]);
  const body = new Uint8Array(head.length + nested.length); // not [...head, ...nested]: ~500 KB spread cost seconds
  body.set(head);
  body.set(nested, head.length);
  return tail(new Rtmp().msg('c2s', { csid: 3, typeId: 20, streamId: 0, timestamp: 0, body }));
}

test('AMF0 and AMF3 nested 100,000 deep in a command: amf.depth-cap, the command and the session go on', async () => {
  const depth = 100_000;
  const forms: [string, (out: number[]) => void][] = [
    [
      'AMF0 objects',
      (b) => {
        for (let i = 0; i < depth; i++) b.push(0x03, 0, 1, 0x61);
        b.push(0x05);
      },
    ],
    [
      'AMF0 strict arrays',
      (b) => {
        for (let i = 0; i < depth; i++) b.push(0x0a, 0, 0, 0, 1);
        b.push(0x05);
      },
    ],
    [
      'AMF0 ECMA arrays',
      (b) => {
        for (let i = 0; i < depth; i++) b.push(0x08, 0, 0, 0, 1, 0, 1, 0x61);
        b.push(0x05);
      },
    ],
    [
      'AMF3 arrays',
      (b) => {
        b.push(0x11);
        for (let i = 0; i < depth; i++) b.push(0x09, 0x03, 0x01);
        b.push(0x01);
      },
    ],
    [
      'AMF3 objects',
      (b) => {
        b.push(0x11, 0x0a, 0x0b, 0x01, 0x03, 0x61);
        for (let i = 1; i < depth; i++) b.push(0x0a, 0x01, 0x03, 0x61);
        b.push(0x01);
      },
    ],
  ];
  for (const [name, write] of forms) {
    const bytes: number[] = [];
    write(bytes);
    const r = await runPipeline(connectWith(Uint8Array.from(bytes)).pcap());
    assertSoundOutput(r);
    assert.ok(r.codes().has('amf.depth-cap'), name);
    const connect = r.messages().find((m) => m.name === 'connect');
    assert.equal(connect?.transactionId, 1, name);
    assert.equal(connect?.command?.app, 'live', name);
    assert.deepEqual(names(r), ['connect#1', ...TAIL], name);
    assert.ok(r.ms < 2000, `${name}: ${r.ms} ms`);
    assert.ok(r.arrayBuffersPeak < 8 * MiB, name);
    // What was decoded stops at the cap (64 levels), not 100,000.
    assert.ok(JSON.stringify(connect?.args).length < 10_000, name);
  }
});

test('AMF3 reference loops: self-referencing objects and arrays become $ref, unknown references amf.bad-reference', async () => {
  const avm = (v: Parameters<typeof amf0.avmplus>[0]): Amf0Intent => amf0.avmplus(v);
  const cases: [string, Amf0Intent, string | null, (args: unknown) => void][] = [
    // Object 0 has a member that is object 0.
    ['object → itself', avm(amf3.object({ dynamic: { me: amf3.ref(0), n: 1 } })), null, (a) => assert.deepEqual(a, [{ me: { $ref: 0 }, n: 1 }])],
    // Object 0 contains object 1, which points back at object 0.
    ['object → child → object', avm(amf3.object({ dynamic: { child: amf3.object({ dynamic: { parent: amf3.ref(0) } }) } })), null, (a) => assert.deepEqual(a, [{ child: { parent: { $ref: 0 } } }])],
    // Array 0 holds itself.
    ['array → itself', avm(amf3.array([1, amf3.ref(0, 0x09)])), null, (a) => assert.deepEqual(a, [[1, { $ref: 0 }]])],
    // A trait reference to the traits the object is still being described by: none exist yet.
    ['trait → itself', avm(amf3.object({ traitRef: 0, sealed: [['x', 1]] })), 'amf.bad-reference', () => {}],
    // An object reference to an object not yet begun.
    ['object → later', avm(amf3.object({ dynamic: { next: amf3.ref(5) } })), 'amf.bad-reference', () => {}],
    // AMF0: an object that is its own member.
    ['AMF0 object → itself', amf0.object({ me: amf0.ref(0) }), null, (a) => assert.deepEqual(a, [{ me: { $ref: 0 } }])],
  ];
  for (const [name, value, code, check] of cases) {
    const r = await runPipeline(tail(new Rtmp().cmd('c2s', 'connect', 1, { app: 'live' }, [value])).pcap());
    assertSoundOutput(r);
    const amfCodes = [...r.codes()].filter((c) => c.startsWith('amf.'));
    assert.deepEqual(amfCodes, code === null ? [] : [code], name);
    const connect = r.messages().find((m): m is MessageRecord => m.name === 'connect');
    assert.ok(connect !== undefined, name);
    // As the NDJSON line carries it.
    if (code === null) check(JSON.parse(JSON.stringify(connect.args?.slice(1))));
    assert.deepEqual(names(r), ['connect#1', ...TAIL], name);
    assert.ok(r.ms < 1000, name);
  }
});

test('ECMA array counting 2^32−1 entries: counts are not trusted, the metadata decodes', async () => {
  const md = { width: 1280, height: 720, framerate: 30, videocodecid: 7 };
  for (const count of [0xffffffff, 0x7fffffff, 0]) {
    const s = new Rtmp().connect().data('c2s', ['@setDataFrame', 'onMetaData', amf0.ecma(md, { count })], { streamId: 1 });
    const r = await runPipeline(tail(s).pcap());
    assertSoundOutput(r);
    assert.deepEqual(
      [...r.codes()].filter((c) => c.startsWith('amf.')),
      [],
    );
    const m = r.messages().find((x) => x.name === '@setDataFrame');
    assert.deepEqual(JSON.parse(JSON.stringify(m?.command?.metadata)), md, count.toString(16));
    assert.deepEqual(names(r), ['connect#1', '@setDataFrame#-', ...TAIL]);
  }
  // The same count without the end marker, and a strict array claiming 2^32−1 items: the body
  // ends first (amf.truncated), nothing is allocated by the count, the session goes on.
  const broken: [string, Amf0Intent][] = [
    ['ECMA without end', amf0.ecma(md, { count: 0xffffffff, end: false })],
    ['strict array', amf0.strict([1, 2, 3], { count: 0xffffffff })],
  ];
  for (const [name, value] of broken) {
    const s = new Rtmp().connect().data('c2s', ['@setDataFrame', 'onMetaData', value], { streamId: 1 });
    const r = await runPipeline(tail(s).pcap());
    assertSoundOutput(r);
    assert.deepEqual(
      [...r.codes()].filter((c) => c.startsWith('amf.')),
      ['amf.truncated'],
      name,
    );
    assert.deepEqual(names(r), ['connect#1', '@setDataFrame#-', ...TAIL], name);
    assert.ok(r.arrayBuffersPeak < 8 * MiB, name);
  }
});
