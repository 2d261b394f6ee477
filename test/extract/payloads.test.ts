/**
 * The chunk decoder's `payloads` option (extraction's path through the pipeline): whole audio,
 * video and aggregate bodies, the same whatever the input split; everything else it emits is
 * unchanged by the option (nothing added without it); the bodies count against the budget and a
 * body that cannot be kept whole, or lost bytes, gives `payload: null`. Property-tested with
 * random message lists and random splits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BufferBudget, ChunkDecoder, STREAM_COST, type RtmpEvent, type RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { writeChunks, type MessageSpec } from '../builders/chunk-writer.js';

const meta = { frame: 1, sec: 0, nsec: 0 };

function decode(bytes: Uint8Array, cuts: readonly number[], payloads: boolean, budget?: BufferBudget): RtmpEvent[] {
  const d = new ChunkDecoder('c2s', { skipHandshake: true, payloads, ...(budget === undefined ? {} : { budget }) });
  const out: RtmpEvent[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(...d.push(bytes.subarray(prev, c), meta));
    prev = c;
  }
  out.push(...d.finish());
  return out;
}

const body = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const messages = (evs: RtmpEvent[]) => evs.filter((e): e is RtmpMessage => e.kind === 'message');

/** The events with `payload` left out (what the analysis sees). */
function withoutPayload(evs: RtmpEvent[]): unknown[] {
  return evs.map((e) => {
    if (e.kind !== 'message') return e;
    const { payload: _p, ...rest } = e;
    return rest;
  });
}

test('payloads: whole media and aggregate bodies, the same at every split; other messages get none; the rest of the events unchanged', () => {
  const specs: MessageSpec[] = [
    { csid: 3, typeId: 20, streamId: 0, timestamp: 0, body: body(150, 2) },
    { csid: 6, typeId: 9, streamId: 1, timestamp: 0, body: body(5000, 3) },
    { csid: 4, typeId: 8, streamId: 1, timestamp: 0, body: body(200, 4) },
    { csid: 7, typeId: 22, streamId: 1, timestamp: 40, body: body(300, 5) },
    { csid: 5, typeId: 18, streamId: 1, timestamp: 40, body: body(90, 6) },
    { csid: 8, typeId: 9, streamId: 1, timestamp: 80, body: new Uint8Array(0) },
  ];
  const bytes = writeChunks(specs, { interleave: true });
  const plain = decode(bytes, [], false);
  for (const m of messages(plain)) assert.ok(!('payload' in m), 'no payload field without the option');
  const whole = decode(bytes, [], true);
  assert.deepEqual(withoutPayload(whole), plain as unknown[], 'the option changes nothing else');
  const ms = messages(whole);
  assert.deepEqual(ms.map((m) => m.csid).sort(), [3, 4, 5, 6, 7, 8]);
  for (const m of ms) {
    const spec = specs.find((s) => s.csid === m.csid)!;
    if ([8, 9, 22].includes(m.typeId)) assert.deepEqual(m.payload, spec.body);
    else assert.ok(!('payload' in m));
  }
  for (let i = 1; i < bytes.length; i += 7) {
    assert.deepEqual(
      messages(decode(bytes, [i], true)).map((m) => m.payload),
      ms.map((m) => m.payload),
      `split at ${i}`,
    );
  }
});

test('payloads: random messages and splits give the bodies sent (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ typeId: fc.constantFrom(8, 9, 22), length: fc.integer({ min: 0, max: 3000 }), seed: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 600 }),
      fc.array(fc.integer({ min: 1, max: 20000 }), { maxLength: 8 }),
      (list, chunkSize, rawCuts) => {
        const specs: MessageSpec[] = list.map((x, i) => ({ csid: 4 + (i % 3), typeId: x.typeId, streamId: 1, timestamp: i * 10, body: body(x.length, x.seed) }));
        const setSize: MessageSpec = { csid: 2, typeId: 1, timestamp: 0, body: Uint8Array.of(chunkSize >>> 24, (chunkSize >>> 16) & 0xff, (chunkSize >>> 8) & 0xff, chunkSize & 0xff) };
        const bytes = new Uint8Array([...writeChunks([setSize]), ...writeChunks(specs, { chunkSize })]);
        const cuts = [...new Set(rawCuts.filter((c) => c < bytes.length))].sort((a, b) => a - b);
        const got = messages(decode(bytes, cuts, true)).filter((m) => m.typeId !== 1);
        assert.deepEqual(
          got.map((m) => m.payload),
          specs.map((s) => s.body),
        );
      },
    ),
    { numRuns: 150 },
  );
});

test('payloads: bodies count against the budget; one that does not fit, or with lost bytes, is null (and said)', () => {
  const big = writeChunks([{ csid: 6, typeId: 9, streamId: 1, timestamp: 0, body: body(200_000) }], { chunkSize: 128 });
  const budget = new BufferBudget(64 * 1024);
  const evs = decode(big, [], true, budget);
  const m = messages(evs)[0]!;
  assert.equal(m.payload, null);
  assert.equal(m.bodyTruncated, true);
  assert.ok(evs.some((e) => e.kind === 'diagnostic' && e.code === 'rtmp.message.buffer-cap' && e.message.includes('extraction')));
  assert.equal(budget.used, STREAM_COST, 'everything but the chunk stream given back');
  // Within the budget it is kept, and given back once handed on.
  const roomy = new BufferBudget(1 << 20);
  assert.equal(messages(decode(big, [], true, roomy))[0]!.payload?.length, 200_000);
  assert.equal(roomy.used, STREAM_COST);
  // Bytes lost inside the payload: the message is emitted (with its hole), its payload is not.
  const d = new ChunkDecoder('c2s', { skipHandshake: true, payloads: true });
  const msg = writeChunks([{ csid: 6, typeId: 9, streamId: 1, timestamp: 0, body: body(100) }]);
  const out = [...d.push(msg.subarray(0, 40), meta), ...d.gap(20, meta), ...d.push(msg.subarray(60), meta), ...d.finish()];
  const lost = messages(out)[0]!;
  assert.equal(lost.lost, 20);
  assert.equal(lost.payload, null);
});
