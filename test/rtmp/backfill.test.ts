/**
 * Backfill and one-chunk reading after a loss (src/rtmp/backfill.ts, resync.ts `sizeBeforeHole`):
 * messages whose bytes all follow a cut or a hole, but whose headers a resync could not place.
 * Builder-made streams shaped like FFmpeg's publisher: video with type-1 headers, audio with
 * type-2/3 headers that inherit a length from a header before the cut.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkDecoder, type RtmpEvent, type RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { decodedMessages, layout, noiseBytes, runDecoder } from '../builders/chunk-run.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function body(n: number, seed: number): Uint8Array {
  const b = noiseBytes(n, seed);
  // A video tag's first byte (as FFmpeg writes it): not a header byte of chunk stream 4 or 6.
  if (n > 0) b[0] = 0x17;
  return b;
}

type Shaped = { bytes: Uint8Array; msgs: MessageSpec[]; starts: number[] };

/**
 * Chunk size 4096 (set before the start), video on csid 6 with type-1 headers, audio on csid 4
 * of `audioLen` bytes with type-2 headers, or type-3 where the delta repeats (`type3`); every
 * `relengthEvery`-th audio message has another length (a type-1 header), the next one returns to
 * `audioLen` with a type-1 header too.
 */
function shaped(count: number, opts: { audioLen: number; type3?: boolean; relengthEvery: number; seed?: number }): Shaped {
  const msgs: MessageSpec[] = [];
  const seed = opts.seed ?? 1;
  let audioN = 0;
  let lastAudioLen = -1;
  for (let i = 0; i < count; i++) {
    if (i % 3 === 0) {
      msgs.push({ csid: 6, typeId: 9, streamId: 1, timestamp: i * 20, fmt: i === 0 ? 0 : 1, delta: 20, body: body(150 + ((i * 577 + seed * 31) % 700), i + seed * 1000) });
      continue;
    }
    audioN++;
    const len = audioN % opts.relengthEvery === 0 ? opts.audioLen + 17 : opts.audioLen;
    const fmt = lastAudioLen < 0 ? 0 : len !== lastAudioLen ? 1 : opts.type3 === true ? 3 : 2;
    lastAudioLen = len;
    msgs.push({ csid: 4, typeId: 8, streamId: 1, timestamp: i * 20, fmt, delta: 23, body: body(len, i + seed * 1000) });
  }
  return layout(msgs, 4096);
}

const run = (d: ChunkDecoder, pieces: (Uint8Array | number)[]): RtmpEvent[] => runDecoder(d, pieces);
const messages = decodedMessages;
const key = (csid: number, typeId: number, b: Uint8Array): string => `${csid}/${typeId}/${b.length}/${hex(b)}`;

/** Every decoded message was sent (same chunk stream, type and body): nothing invented. */
function assertSent(got: readonly RtmpMessage[], sent: readonly MessageSpec[]): void {
  const keys = new Set(sent.map((m) => key(m.csid, m.typeId, m.body)));
  for (const m of got) if (m.lost === 0) assert.ok(keys.has(key(m.csid, m.typeId, m.body)), `invented: csid ${m.csid} type ${m.typeId} length ${m.length}`);
}

const decoder = (cut: number): ChunkDecoder => new ChunkDecoder('c2s', { maxMediaBytes: 1 << 24, mediaHead: 0, startInDesync: true, startOffset: cut });

test('backfill: type-2 audio between a cut and the next audio type-1 header is decoded (was dropped until then)', () => {
  const s = shaped(40, { audioLen: 263, relengthEvery: 6 });
  const cut = s.starts[3] as number; // a video type-1 header, then audio type-2 headers
  const got = messages(run(decoder(cut), [s.bytes.subarray(cut)]));
  assertSent(got, s.msgs);
  assert.equal(got.length, s.msgs.length - 3, 'every message after the cut');
  const first = got[1] as RtmpMessage;
  assert.equal(first.csid, 4);
  assert.equal(first.fmt, 2);
  // Its length came from a hypothesis the headers confirmed; its timestamp and stream id are unknown.
  assert.deepEqual(first.unknown, ['timestamp', 'streamId']);
});

/** As FFmpeg sends Opus: a type-3 audio message (length and delta repeated), then audio whose every length differs. */
function opusLike(): Shaped {
  const msgs: MessageSpec[] = [
    { csid: 6, typeId: 9, streamId: 1, timestamp: 0, body: body(400, 1) },
    { csid: 4, typeId: 8, streamId: 1, timestamp: 0, body: body(156, 2) },
    { csid: 6, typeId: 9, streamId: 1, timestamp: 20, fmt: 1, delta: 20, body: body(190, 3) },
    { csid: 4, typeId: 8, streamId: 1, timestamp: 0, fmt: 3, body: body(156, 4) },
  ];
  for (let i = 0; i < 30; i++) msgs.push({ csid: i % 3 === 0 ? 6 : 4, typeId: i % 3 === 0 ? 9 : 8, streamId: 1, timestamp: 40 + i * 20, fmt: 1, delta: 20, body: body(160 + i * 7, 10 + i) });
  return layout(msgs, 4096);
}

test('backfill: a type-3 audio message whose length only a header before the cut gave fills the bytes up to the resync position', () => {
  const s = opusLike();
  const cut = s.starts[2] as number; // video type 1, then the type-3 audio message
  const got = messages(run(decoder(cut), [s.bytes.subarray(cut)]));
  assertSent(got, s.msgs);
  assert.equal(got.length, s.msgs.length - 2, 'every message after the cut');
  assert.equal(got[1]?.length, 156);
  assert.equal(got[1]?.fmt, 3);
});

test('backfill: the first header after a cut is a type-3 header: not taken (one byte is too easily mimicked)', () => {
  const s = opusLike();
  const cut = s.starts[3] as number;
  const got = messages(run(decoder(cut), [s.bytes.subarray(cut)]));
  assertSent(got, s.msgs);
  assert.equal(got.length, s.msgs.length - 4);
});

test('backfill (property): any cut of an FFmpeg-shaped stream invents nothing', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.boolean(), fc.integer({ min: 2, max: 5 }), fc.double({ min: 0, max: 0.6, noNaN: true }), (seed, type3, every, frac) => {
      const s = shaped(30, { audioLen: 100 + seed * 13, type3, relengthEvery: every, seed });
      const cut = Math.floor(s.bytes.length * frac);
      assertSent(messages(run(decoder(cut), [s.bytes.subarray(cut)])), s.msgs);
    }),
    { numRuns: 150 },
  );
});

test('one chunk before a hole: a message longer than the guessed chunk size, followed by a header and a hole, is read when no smaller size could split it', () => {
  // Short messages first (the guess stays below 1114), then a 1114-byte video message, an audio
  // header whose body is lost, and more.
  const msgs: MessageSpec[] = [];
  for (let i = 0; i < 12; i++) msgs.push({ csid: i % 2 === 0 ? 6 : 4, typeId: i % 2 === 0 ? 9 : 8, streamId: 1, timestamp: i * 20, fmt: i < 2 ? 0 : 1, delta: 20, body: body(i % 2 === 0 ? 300 + i * 40 : 180, i) });
  const big: MessageSpec = { csid: 6, typeId: 9, streamId: 1, timestamp: 300, fmt: 1, delta: 20, body: body(1114, 77) };
  // No byte of the big message may equal its continuation header (0xc6) past offset 128.
  for (let i = 128; i < big.body.length; i++) if (big.body[i] === 0xc6) big.body[i] = 0xc5;
  const audio: MessageSpec = { csid: 4, typeId: 8, streamId: 1, timestamp: 320, fmt: 1, delta: 20, body: body(181, 78) };
  const after: MessageSpec[] = [];
  for (let i = 0; i < 6; i++) after.push({ csid: i % 2 === 0 ? 6 : 4, typeId: i % 2 === 0 ? 9 : 8, streamId: 1, timestamp: 340 + i * 20, fmt: 1, delta: 20, body: body(200 + i, 90 + i) });
  const head = writeChunks([...msgs.slice(2), big], { chunkSize: 4096 });
  const audioBytes = writeChunks([audio], { chunkSize: 4096 });
  const tail = writeChunks(after, { chunkSize: 4096 });
  const d = decoder(0);
  // The audio message's header arrives, its body is lost.
  const got = messages(run(d, [head, audioBytes.subarray(0, 8), 181, tail]));
  assertSent(got, [...msgs, big, audio, ...after]);
  assert.ok(
    got.some((m) => m.length === 1114),
    'the 1114-byte message',
  );
});
