/**
 * Chunk-stream decoder: every header form, both type-3 extended-timestamp conventions, chunk
 * sizes from 1 to 16 MiB, Abort, interleaving; each input also split at every offset and fed one
 * byte at a time with identical events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BufferBudget, ChunkDecoder, STREAM_COST, type RtmpEvent, type RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { abort, concatBytes, handshakeBytes, setChunkSize, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';

type Norm = Record<string, unknown>;

function norm(e: RtmpEvent): Norm {
  switch (e.kind) {
    case 'message':
      return {
        kind: e.kind,
        csid: e.csid,
        typeId: e.typeId,
        streamId: e.streamId,
        timestamp: e.timestamp,
        length: e.length,
        body: Buffer.from(e.body).toString('hex'),
        truncated: e.bodyTruncated,
        chunkCount: e.chunkCount,
        offset: e.offset,
        chunks: e.chunks.map((c) => `${c.fmt}@${c.offset}+${c.headerLength}+${c.payloadLength}`).join(' '),
      };
    case 'handshake':
      return { kind: e.kind, part: e.part, offset: e.offset, version: e.version, block: e.block ? Buffer.from(e.block).toString('hex').slice(0, 16) : undefined };
    case 'diagnostic':
      return { kind: e.kind, code: e.code, offset: e.at.offset };
    default:
      return { ...e, frame: undefined };
  }
}

/** Decode `bytes` fed in pieces cut at `cuts`. */
function decode(bytes: Uint8Array, cuts: number[] = [], skipHandshake = true): Norm[] {
  const d = new ChunkDecoder('c2s', { skipHandshake, maxMediaBytes: 1 << 24, mediaHead: 0, maxCommandBytes: 1 << 24 });
  const out: Norm[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    for (const e of d.push(bytes.subarray(prev, c), { frame: 1, sec: 0, nsec: 0 })) out.push(norm(e));
    prev = c;
  }
  for (const e of d.finish()) out.push(norm(e));
  return out;
}

/** Whole, one byte at a time, and split at every offset: all identical. */
function decodeEverySplit(bytes: Uint8Array, skipHandshake = true): Norm[] {
  const whole = decode(bytes, [], skipHandshake);
  const bytewise = decode(
    bytes,
    Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
    skipHandshake,
  );
  assert.deepEqual(bytewise, whole, 'one byte at a time');
  const step = Math.max(1, Math.floor(bytes.length / 400));
  for (let i = 1; i < bytes.length; i += step) assert.deepEqual(decode(bytes, [i], skipHandshake), whole, `split at ${i}`);
  return whole;
}

/** n bytes of a fixed pattern (a plain loop: Uint8Array.from with a mapper took ~3 s for 16 MiB). */
function body(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}
const msgs = (evs: Norm[]) => evs.filter((e) => e['kind'] === 'message');

for (const csid of [2, 3, 63, 64, 319, 320, 65599]) {
  test(`chunk: csid ${csid} (basic header of ${csid < 64 ? 1 : csid < 320 ? 2 : 3} bytes)`, () => {
    const bytes = writeChunks([{ csid, typeId: 20, streamId: 1, timestamp: 1000, body: body(300) }]);
    const ms = msgs(decodeEverySplit(bytes));
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!['csid'], csid);
    assert.equal(ms[0]!['length'], 300);
    assert.equal(ms[0]!['body'], Buffer.from(body(300)).toString('hex'));
    assert.equal(ms[0]!['chunkCount'], 3);
  });
}

for (const size of [1, 128, 4096, 65536, 16 * 1024 * 1024]) {
  test(`chunk: chunk size ${size}`, () => {
    const b = body(size === 1 ? 50 : 70000);
    const bytes = writeChunks([setChunkSize(size), { csid: 6, typeId: 9, streamId: 1, timestamp: 40, body: b }], { chunkSize: size });
    // The first message goes out at 128; the writer applies the new size to all: re-chunk by hand.
    const first = writeChunks([setChunkSize(size)]);
    const second = writeChunks([{ csid: 6, typeId: 9, streamId: 1, timestamp: 40, body: b }], { chunkSize: size });
    void bytes;
    const evs = size >= 4096 && size < 65536 ? decodeEverySplit(concatBytes(first, second)) : decode(concatBytes(first, second), [7, 100, 1000]);
    const ms = msgs(evs);
    assert.equal(ms.length, 2);
    assert.equal(ms[1]!['length'], b.length);
    assert.equal(ms[1]!['chunkCount'], Math.ceil(b.length / size));
    assert.equal(ms[1]!['body'], Buffer.from(b).toString('hex'));
    assert.ok(evs.some((e) => e['kind'] === 'chunk-size' && e['size'] === size));
  });
}

test('chunk: a 16 MiB message (the largest length) with chunk size 16 MiB', () => {
  const b = body(0xffffff);
  const bytes = concatBytes(writeChunks([setChunkSize(0x1000000)]), writeChunks([{ csid: 4, typeId: 8, timestamp: 0, body: b }], { chunkSize: 0x1000000 }));
  const d = new ChunkDecoder('c2s', { skipHandshake: true });
  const evs = d.push(bytes, { frame: 1, sec: 0, nsec: 0 });
  const m = evs.find((e) => e.kind === 'message' && e.typeId === 8);
  assert.ok(m && m.kind === 'message');
  assert.equal(m.length, 0xffffff);
  assert.equal(m.bodyTruncated, true, 'media payload kept only up to the cap');
  assert.equal(m.body.length, 64, 'a frame keeps its tag header only');
});

for (const conv of ['repeat', 'omit'] as const) {
  test(`chunk: extended timestamp on type-3 chunks, ${conv} convention`, () => {
    const spec: MessageSpec[] = [
      { csid: 4, typeId: 9, streamId: 1, timestamp: 0x01000000, body: body(300) },
      { csid: 4, typeId: 9, streamId: 1, timestamp: 0x01000000 + 0x01000000, fmt: 3, body: body(300, 7) },
    ];
    const bytes = writeChunks(spec, { type3Ets: conv });
    const d = new ChunkDecoder('c2s', { skipHandshake: true });
    const ms = d.push(bytes, { frame: 1, sec: 0, nsec: 0 }).filter((e) => e.kind === 'message');
    assert.deepEqual(
      ms.map((m) => (m.kind === 'message' ? m.timestamp : -1)),
      [0x01000000, 0x02000000],
    );
    assert.deepEqual(
      ms.map((m) => (m.kind === 'message' ? m.length : -1)),
      [300, 300],
    );
    if (conv === 'repeat') assert.ok(d.etsConvention.repeated > 0 && d.etsConvention.omitted === 0);
    else assert.ok(d.etsConvention.omitted > 0 && d.etsConvention.repeated === 0);
    decodeEverySplit(bytes);
  });
}

test('chunk: fmt 1 and fmt 2 timestamps are deltas, extended deltas too, and wrap at 2^32', () => {
  const b = body(10);
  const bytes = writeChunks(
    [
      { csid: 5, typeId: 8, streamId: 1, timestamp: 0xfffff000, body: b },
      { csid: 5, typeId: 8, fmt: 1, delta: 23, timestamp: 0, body: body(20) },
      { csid: 5, typeId: 8, fmt: 2, delta: 0x1000000, timestamp: 0, body: body(20) },
      { csid: 5, typeId: 8, fmt: 3, timestamp: 0, body: body(20) },
    ],
    { type3Ets: 'repeat' },
  );
  const ms = msgs(decodeEverySplit(bytes));
  assert.deepEqual(
    ms.map((m) => m['timestamp']),
    [0xfffff000, 0xfffff017, (0xfffff017 + 0x1000000) >>> 0, (0xfffff017 + 0x2000000) >>> 0],
  );
});

test('chunk: type-3 header starting a new message after a type-0 reuses the timestamp as delta', () => {
  const bytes = writeChunks([
    { csid: 5, typeId: 8, streamId: 1, timestamp: 40, body: body(10) },
    { csid: 5, typeId: 8, fmt: 3, timestamp: 0, body: body(10) },
  ]);
  assert.deepEqual(
    msgs(decodeEverySplit(bytes)).map((m) => m['timestamp']),
    [40, 80],
  );
});

test('chunk: interleaved chunk streams', () => {
  const a = body(500, 1);
  const b = body(300, 2);
  const bytes = writeChunks(
    [
      { csid: 4, typeId: 8, streamId: 1, timestamp: 10, body: a },
      { csid: 6, typeId: 9, streamId: 1, timestamp: 11, body: b },
    ],
    { interleave: true },
  );
  const ms = msgs(decodeEverySplit(bytes));
  assert.deepEqual(
    ms.map((m) => m['csid']),
    [6, 4],
  );
  assert.equal(ms[1]!['body'], Buffer.from(a).toString('hex'));
});

test('chunk: Abort discards the partial message on its chunk stream', () => {
  const big = writeChunks([{ csid: 6, typeId: 9, streamId: 1, timestamp: 0, body: body(300) }]);
  // First chunk only (1 + 11 header + 128 payload), then Abort(6), then a fresh message on csid 6.
  const bytes = concatBytes(big.subarray(0, 12 + 128), writeChunks([abort(6)]), writeChunks([{ csid: 6, typeId: 9, streamId: 1, timestamp: 5, body: body(10) }]));
  const ms = msgs(decodeEverySplit(bytes));
  assert.deepEqual(
    ms.map((m) => [m['typeId'], m['length']]),
    [
      [2, 4],
      [9, 10],
    ],
  );
});

test('chunk: zero-length message', () => {
  const bytes = writeChunks([{ csid: 4, typeId: 8, streamId: 1, timestamp: 3, body: new Uint8Array(0) }]);
  const ms = msgs(decodeEverySplit(bytes));
  assert.equal(ms.length, 1);
  assert.equal(ms[0]!['length'], 0);
});

test('chunk: handshake parts then chunks', () => {
  const hs = handshakeBytes(42);
  const bytes = concatBytes(hs, writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: body(5) }]));
  const evs = decodeEverySplit(bytes, false);
  assert.deepEqual(
    evs.map((e) => e['part'] ?? e['kind']),
    ['C0', 'C1', 'C2', 'message'],
  );
  assert.equal(evs[0]!['version'], 3);
  assert.equal(evs[1]!['offset'], 1);
  assert.equal(evs[2]!['offset'], 1537);
  assert.equal(evs[3]!['offset'], 3073);
});

test('chunk: RTMPE handshake is reported and nothing after it is decoded', () => {
  const hs = handshakeBytes(42, { version: 6 });
  const bytes = concatBytes(hs, writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: body(5) }]));
  const evs = decodeEverySplit(bytes, false);
  assert.deepEqual(
    evs.map((e) => e['part'] ?? e['kind']),
    ['C0', 'C1', 'C2', 'encrypted'],
  );
});

test('chunk: a compressed header on an unknown chunk stream desyncs without inventing a message', () => {
  const bytes = Uint8Array.from([0xc5, 1, 2, 3, 4, 5, 6, 7, 8]);
  const evs = decodeEverySplit(bytes);
  assert.deepEqual(
    evs.map((e) => e['code'] ?? e['kind']),
    ['rtmp.chunk.no-previous-header', 'desync'],
  );
});

test('chunk (property): random bytes never throw, and splitting never changes the events', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.boolean(), (bytes, cut, hs) => {
      const whole = decode(bytes, [], !hs);
      const c = bytes.length === 0 ? 0 : cut % bytes.length;
      assert.deepEqual(decode(bytes, [c], !hs), whole);
      JSON.stringify(whole);
    }),
    { numRuns: 500 },
  );
});

test('chunk (property): any message list survives chunking with any chunk size and split', () => {
  const msgArb = fc.record({
    csid: fc.oneof(fc.integer({ min: 3, max: 70 }), fc.constant(65599)),
    typeId: fc.constantFrom(8, 9, 18, 20),
    streamId: fc.integer({ min: 0, max: 5 }),
    timestamp: fc.oneof(fc.integer({ min: 0, max: 0xfffffe }), fc.integer({ min: 0xffffff, max: 0xffffffff })),
    body: fc.uint8Array({ maxLength: 400 }),
  });
  fc.assert(
    fc.property(fc.array(msgArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom('repeat', 'omit') as fc.Arbitrary<'repeat' | 'omit'>, fc.nat(), (list, size, conv, cut) => {
      const bytes = concatBytes(writeChunks([setChunkSize(size)]), writeChunks(list, { chunkSize: size, type3Ets: conv }));
      const evs = decode(bytes, [cut % bytes.length]);
      const ms = msgs(evs).slice(1);
      assert.deepEqual(
        ms.map((m) => [m['csid'], m['typeId'], m['timestamp'], m['body']]),
        list.map((m) => [m.csid, m.typeId, m.timestamp, Buffer.from(m.body).toString('hex')]),
      );
    }),
    { numRuns: 300 },
  );
});

// ---- the per-connection buffer budget ----------------------------------------------------------

/** One type-0 chunk on `csid` (3..63) claiming a `length`-byte message, with `payload` bytes of it. */
function claimChunk(csid: number, length: number, typeId: number, payload: number): Uint8Array {
  const h = [csid, 0, 0, 0, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff, typeId, 1, 0, 0, 0];
  return concatBytes(Uint8Array.from(h), new Uint8Array(payload).fill(0x41));
}

test('60 chunk streams each claiming a 16 MiB message: nothing is allocated up front', () => {
  const d = new ChunkDecoder('c2s', { skipHandshake: true });
  const before = process.memoryUsage().arrayBuffers;
  const parts: Uint8Array[] = [writeChunks([setChunkSize(4096)])];
  for (let csid = 3; csid < 63; csid++) parts.push(claimChunk(csid, 0xffffff, 20, 4096));
  const events = d.push(concatBytes(...parts), { frame: 1, sec: 0, nsec: 0 });
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 4 * 1024 * 1024, `arrayBuffers grew by ${grown} bytes`);
  assert.deepEqual(
    events.filter((e) => e.kind === 'diagnostic').map((e) => (e as { code: string }).code),
    [],
  );
  const end = d
    .finish()
    .filter((e) => e.kind === 'diagnostic')
    .map((e) => (e as { code: string }).code);
  assert.equal(end.length, 60);
  assert.ok(end.every((c) => c === 'rtmp.message.incomplete'));
});

test('messages in progress beyond the connection budget keep only a prefix, and the budget is returned', () => {
  const budget = new BufferBudget(64 * 1024);
  const d = new ChunkDecoder('c2s', { skipHandshake: true, budget });
  const meta = { frame: 1, sec: 0, nsec: 0 };
  const parts: Uint8Array[] = [writeChunks([setChunkSize(30_000)])];
  // Ten 40 000-byte commands interleaved: each gets its first 30 000 bytes, then the rest.
  for (let csid = 3; csid < 13; csid++) parts.push(claimChunk(csid, 40_000, 20, 30_000));
  for (let csid = 3; csid < 13; csid++) parts.push(concatBytes(Uint8Array.of(0xc0 | csid), new Uint8Array(10_000).fill(0x42)));
  const events = d.push(concatBytes(...parts), meta);
  const msgs = events.filter((e): e is RtmpMessage => e.kind === 'message' && e.typeId === 20);
  assert.equal(msgs.length, 10);
  // Only the state of the 11 chunk streams (2 and 3..12) is still counted.
  assert.equal(budget.used, 11 * STREAM_COST);
  const kept = msgs.reduce((n, m) => n + m.body.length, 0);
  assert.ok(kept <= 64 * 1024 + 10 * 4096, `kept ${kept} bytes`);
  assert.ok(msgs.some((m) => m.bodyTruncated && m.body.length < 40_000));
  assert.ok(events.some((e) => e.kind === 'diagnostic' && e.code === 'rtmp.message.buffer-cap'));
  // With the budget free again, a whole message is kept.
  const again = d.push(claimChunk(3, 20_000, 20, 20_000), meta).filter((e): e is RtmpMessage => e.kind === 'message');
  assert.equal(again[0]?.body.length, 20_000);
  assert.equal(again[0]?.bodyTruncated, false);
});

test('a message dropped by an interrupting header or an Abort gives its bytes back', () => {
  const budget = new BufferBudget(1 << 20);
  const d = new ChunkDecoder('c2s', { skipHandshake: true, budget });
  const meta = { frame: 1, sec: 0, nsec: 0 };
  d.push(concatBytes(writeChunks([setChunkSize(8192)]), claimChunk(5, 100_000, 20, 8192), claimChunk(6, 100_000, 20, 8192)), meta);
  assert.ok(budget.used >= 16_384);
  d.push(concatBytes(claimChunk(5, 10, 20, 10), writeChunks([abort(6)], { chunkSize: 8192 })), meta);
  assert.equal(budget.used, 3 * STREAM_COST); // chunk streams 2, 5 and 6
});

test('garbage one byte per push while scanning keeps a bounded number of push marks', () => {
  const d = new ChunkDecoder('c2s', { startInDesync: true });
  let x = 12345;
  for (let i = 0; i < 300_000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    d.push(Uint8Array.of(x >>> 24), { frame: i + 1, sec: 0, nsec: i });
  }
  const marks = (d as unknown as { window: { marks: unknown[] } }).window.marks;
  assert.ok(marks.length <= 4096, `${marks.length} marks held`);
});
