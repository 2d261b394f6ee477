/**
 * Resync from a mid-stream start when the chunk size was never seen (issue #12): decoding resumes
 * as soon as a chain of headers holds, with the smallest size that holds as a guess, and a message
 * longer than the guess sends the decoder back to its own header, where its continuation headers
 * show the size; a false header claiming megabytes does not hold up a chain that completes after
 * it. Nothing is invented, and the events do not depend on how the input is split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkDecoder, type RtmpEvent, type RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { findResync } from '../../src/rtmp/resync.js';
import { concatBytes, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';

const meta = { frame: 1, sec: 0, nsec: 0 };

/** Pseudo-random payload bytes, as compressed media is (a linear congruential generator's high bytes). */
function body(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let state = (seed * 7919 + 17) >>> 0;
  for (let k = 0; k < n; k++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[k] = state >>> 24;
  }
  return out;
}

/**
 * A publisher at chunk size `size` (its Set Chunk Size before the capture): audio and video
 * messages that all fit one chunk, then, at message `longAt`, one key frame spanning chunks.
 */
function publisher(count: number, size: number, longAt: number, longLength: number): { bytes: Uint8Array; msgs: MessageSpec[]; starts: number[] } {
  const msgs: MessageSpec[] = [];
  for (let i = 0; i < count; i++) {
    const video = i % 3 !== 2;
    const n = i === longAt ? longLength : video ? 400 + ((i * 977) % 900) : 150 + ((i * 31) % 90);
    // Each message has its own length: type-1 headers, as FFmpeg writes them.
    msgs.push({ csid: video ? 6 : 4, typeId: video ? 9 : 8, streamId: 1, timestamp: i * 33, body: body(n, i), ...(i < 2 ? {} : { fmt: 1 as const, delta: 33 * (video ? (i % 3 === 0 ? 2 : 1) : 3) }) });
  }
  // Timestamps as the decoder derives them from type-1 deltas (per chunk stream).
  const last: Record<number, number> = {};
  for (const m of msgs) {
    if (m.fmt === 1) m.timestamp = (last[m.csid] ?? 0) + (m.delta as number);
    last[m.csid] = m.timestamp;
  }
  // Where each message's first header begins in the stream.
  const written = msgs.map((m) => writeChunks([m], { chunkSize: size }));
  const starts = written.map((_, k) => written.slice(0, k).reduce((sum, w) => sum + w.length, 0));
  return { bytes: concatBytes(...written), msgs, starts };
}

const messages = (evs: readonly RtmpEvent[]) => evs.filter((e): e is RtmpMessage => e.kind === 'message');
const key = (m: { csid: number; typeId: number; body: Uint8Array }) => `${m.csid}/${m.typeId}/${m.body.length}/${Buffer.from(m.body.subarray(0, 64)).toString('hex')}`;

function decode(bytes: Uint8Array, splits: readonly number[] = []): { pushed: RtmpMessage[]; all: RtmpEvent[] } {
  const d = new ChunkDecoder('c2s', { maxMediaBytes: 1 << 24, mediaHead: 0, startInDesync: true });
  const all: RtmpEvent[] = [];
  let at = 0;
  for (const s of [...splits, bytes.length]) {
    all.push(...d.push(bytes.subarray(at, s), meta));
    at = s;
  }
  const pushed = messages(all);
  all.push(...d.finish());
  return { pushed, all };
}

function assertNothingInvented(got: readonly RtmpMessage[], sent: readonly MessageSpec[]): void {
  const sentKeys = new Set(sent.map(key));
  for (const m of got) assert.ok(sentKeys.has(key(m)), `invented message csid ${m.csid} type ${m.typeId} length ${m.length}`);
}

test('mid-stream, chunk size 4096 never seen, one multi-chunk message near the end: every message after the first header, decoded as the bytes come', () => {
  const { bytes, msgs, starts } = publisher(40, 4096, 36, 6519);
  const cut = starts[2]! + 100; // inside message 2
  const { pushed, all } = decode(bytes.subarray(cut));
  const got = messages(all);
  assertNothingInvented(got, msgs);
  assert.equal(got.length, msgs.length - 3, 'every message after the cut');
  // Not held back until the end of the input for want of chunk-size evidence.
  assert.ok(pushed.length >= msgs.length - 4, `${pushed.length} messages before the end of the input`);
  const long = got.find((m) => m.length === 6519);
  assert.equal(long?.chunkCount, 2, 'the key frame read at the size its continuation header shows');
  const sizes = all.filter((e) => e.kind === 'resync').map((e) => (e.kind === 'resync' ? e.chunkSize : 0));
  assert.equal(sizes[sizes.length - 1], 4096);
});

test("mid-stream at node-media-server's 65535: messages up to 60 KB decode under a guess that grows (nothing lost, nothing invented)", () => {
  const { bytes, msgs, starts } = publisher(30, 65535, 20, 30000);
  const cut = starts[1]! + 50;
  const { all } = decode(bytes.subarray(cut));
  const got = messages(all);
  assertNothingInvented(got, msgs);
  assert.equal(got.length, msgs.length - 2);
});

test('a false header claiming megabytes does not hold up the chain that completes after it', () => {
  const { bytes, msgs } = publisher(24, 4096, 30, 0);
  // Payload bytes of a message whose start was lost, with a plausible type-0 video header in them
  // that claims 4 MiB: no size can rule it out before 128 KiB more bytes.
  const junk = body(300, 99);
  const fake = [0x05, 0, 0, 0, 0x40, 0x00, 0x00, 9, 1, 0, 0, 0];
  junk.set(fake, 100);
  const input = concatBytes(junk, bytes);
  const r = findResync(input, 128, new Map(), false, false, 0);
  assert.equal(r.kind, 'found');
  assert.equal(r.kind === 'found' ? r.at : -1, junk.length, 'the real first header, not the false one before it');
  const { pushed, all } = decode(input);
  assertNothingInvented(messages(all), msgs);
  // A message longer than any before it waits for the headers after it to decide how it is read
  // (the chunk size is a guess): the last two, here.
  assert.ok(pushed.length >= msgs.length - 2, `${pushed.length} of ${msgs.length} messages before the end of the input`);
  assert.equal(messages(all).length, msgs.length, 'every message by the end');
});

test('mid-stream resync (property): the events do not depend on how the input is split', () => {
  const { bytes } = publisher(30, 4096, 24, 9000);
  const input = bytes.subarray(777);
  const whole = JSON.stringify(messages(decode(input).all).map(key));
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 12 }), (cuts) => {
      const splits = [...cuts].sort((a, b) => a - b);
      assert.equal(JSON.stringify(messages(decode(input, splits).all).map(key)), whole);
    }),
    { numRuns: 60 },
  );
});
