/**
 * Resynchronisation: a direction whose start is missing, or that loses bytes, finds chunk
 * boundaries again, infers a chunk size it never saw being set, and never invents a message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkDecoder, type RtmpEvent, type RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { setChunkSize, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { decodedMessages, layout, noiseBytes, runDecoder } from '../builders/chunk-run.js';

const meta = { frame: 1, sec: 0, nsec: 0 };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** Pseudo-random payload bytes, as compressed media is. */
function body(n: number, seed: number): Uint8Array {
  return noiseBytes(n, seed);
}

/** A realistic publisher stream: chunk size 4096, then audio/video on csids 4/6 with stream id 1. */
function stream(count: number, size = 4096): { bytes: Uint8Array; msgs: MessageSpec[]; starts: number[] } {
  const msgs: MessageSpec[] = [];
  for (let i = 0; i < count; i++) {
    const video = i % 3 !== 2;
    msgs.push({ csid: video ? 6 : 4, typeId: video ? 9 : 8, streamId: 1, timestamp: i * 33, body: body(video ? 300 + ((i * 977) % 9000) : 200, i) });
  }
  return layout(msgs, size, writeChunks([setChunkSize(size)]));
}

const run = (d: ChunkDecoder, pieces: (Uint8Array | number)[]): RtmpEvent[] => runDecoder(d, pieces, meta);
const messages = decodedMessages;

/** Every decoded message must be one that was sent, with the same header and body. */
function assertNothingInvented(decoded: RtmpMessage[], sent: MessageSpec[]): void {
  const key = (csid: number, typeId: number, ts: number, b: string) => `${csid}/${typeId}/${ts}/${b}`;
  const sentKeys = new Set(sent.map((m) => key(m.csid, m.typeId, m.timestamp, hex(m.body))));
  for (const m of decoded) {
    if (m.lost > 0) continue; // a message with a hole is real but its body is not comparable
    assert.ok(sentKeys.has(key(m.csid, m.typeId, m.timestamp, hex(m.body))), `invented message csid ${m.csid} type ${m.typeId} ts ${m.timestamp}`);
  }
}

test('resync: capture starting mid-stream infers the chunk size and decodes the rest', () => {
  const { bytes, msgs, starts } = stream(60);
  const cut = starts[3]! + 1000; // inside message 3
  const d = new ChunkDecoder('c2s', { maxMediaBytes: 1 << 24, mediaHead: 0, startInDesync: true, startOffset: cut });
  const evs = run(d, [bytes.subarray(cut)]);
  const got = messages(evs);
  assertNothingInvented(got, msgs);
  const resync = evs.find((e) => e.kind === 'resync');
  assert.ok(resync && resync.kind === 'resync');
  assert.equal(resync.chunkSize, 4096);
  assert.equal(resync.chunkSizeInferred, true);
  assert.equal(resync.offset, starts[4]);
  assert.equal(d.chunkSize, 4096);
  assert.equal(got.length, msgs.length - 4, 'every message after the cut');
});

test('resync: a gap inside a chunk payload leaves the message with a hole, in sync', () => {
  const { bytes, msgs, starts } = stream(10);
  const at = starts[4]! + 100; // inside the first chunk's payload of message 4
  const d = new ChunkDecoder('c2s', { maxMediaBytes: 1 << 24, mediaHead: 0, skipHandshake: true });
  const evs = run(d, [bytes.subarray(0, at), 50, bytes.subarray(at + 50)]);
  const got = messages(evs).slice(1);
  assert.equal(got.length, msgs.length);
  assert.equal(got[4]!.lost, 50);
  assert.ok(!evs.some((e) => e.kind === 'desync'));
  assertNothingInvented(got, msgs);
});

test('resync: a gap across chunk headers desyncs, drops the partial message, and recovers', () => {
  const { bytes, msgs, starts } = stream(40);
  const from = starts[10]! + 20;
  const to = starts[12]! + 30;
  const d = new ChunkDecoder('c2s', { maxMediaBytes: 1 << 24, mediaHead: 0, skipHandshake: true });
  const evs = run(d, [bytes.subarray(0, from), to - from, bytes.subarray(to)]);
  const got = messages(evs).slice(1);
  assertNothingInvented(got, msgs);
  const desync = evs.find((e) => e.kind === 'desync');
  assert.ok(desync && desync.kind === 'desync' && desync.droppedMessages === 1);
  // Messages 0..9 before the gap, 13.. after it; 10, 11, 12 are lost.
  assert.equal(got.length, msgs.length - 3);
  const resync = evs.find((e) => e.kind === 'resync');
  assert.ok(resync && resync.kind === 'resync' && resync.offset === starts[13] && resync.chunkSizeInferred === false);
});

test('resync: garbage never produces a message', () => {
  const garbage = body(20000, 99);
  const d = new ChunkDecoder('c2s', { maxMediaBytes: 1 << 24, mediaHead: 0, startInDesync: true });
  assert.equal(messages(run(d, [garbage])).length, 0);
});

test('resync (property): any cut and any gap — every decoded message was sent', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 20, max: 60 }),
      fc.constantFrom(128, 1024, 4096, 60000),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      fc.double({ min: 0.5, max: 0.9, noNaN: true }),
      fc.integer({ min: 1, max: 5000 }),
      (count, size, cutFrac, gapFrac, gapLen) => {
        const { bytes, msgs } = stream(count, size);
        const cut = Math.floor(bytes.length * cutFrac);
        const gapAt = Math.max(cut, Math.floor(bytes.length * gapFrac));
        const gapEnd = Math.min(bytes.length, gapAt + gapLen);
        const d = new ChunkDecoder('c2s', { maxMediaBytes: 1 << 24, mediaHead: 0, startInDesync: cut > 0, skipHandshake: true, startOffset: cut });
        const got = messages(run(d, [bytes.subarray(cut, gapAt), gapEnd - gapAt, bytes.subarray(gapEnd)]));
        assertNothingInvented(
          got.filter((m) => m.typeId !== 1),
          msgs,
        );
      },
    ),
    { numRuns: 200 },
  );
});
