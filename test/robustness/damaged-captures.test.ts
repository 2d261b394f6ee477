/**
 * Committed real-peer captures, damaged on purpose, through the whole pipeline (analyzeStream fed
 * like the CLI's reader, NdjsonRenderer output): cut inside a record, bits flipped in RTMP bytes
 * (TCP payload only; capture, IP and TCP headers intact), random garbage injected into a TCP
 * stream after the handshake (sequence numbers made consistent, so the reassembler sees a valid
 * stream with foreign bytes in it), and record/block lengths of 2 GiB and more. Each decodes what
 * it can, says what went wrong with the catalogue's codes, stays within time and memory bounds,
 * and writes output that survives JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageRecord, SessionRecord } from '../../src/records/index.js';
import { assertSoundOutput, concat, pcapRecords, readCapture, rng, runPipeline, type PcapRecord, type Run } from './helpers.js';

const NAME = 'ffmpeg-nginx-publish-play.pcap';
const FILE = readCapture(NAME);
const RECORDS = pcapRecords(FILE);
const intactRun = runPipeline(FILE);

function sessions(r: Run): Map<number, SessionRecord> {
  return new Map(r.records.filter((x): x is SessionRecord => x.type === 'session').map((s) => [s.session, s]));
}

/** What identifies a message apart from where it sits in the file; `unknown` fields left out. */
function key(m: MessageRecord, unknown: readonly string[] = []): string {
  return JSON.stringify([m.session, m.dir, m.csid, m.typeId, unknown.includes('streamId') ? '?' : m.streamId, unknown.includes('timestamp') ? '?' : m.timestamp, m.length, m.name ?? null, m.transactionId ?? null]);
}

/** Damaged messages against intact ones, position by position; fields the damaged run marks unknown are not compared. */
function assertSameMessages(damaged: readonly MessageRecord[], intact: readonly MessageRecord[]): void {
  assert.deepEqual(
    damaged.map((m) => key(m, m.unknown)),
    intact.map((m, i) => key(m, damaged[i]?.unknown)),
  );
}

/** The publisher's (session 1's client's) TCP segments that carry payload. */
async function publisherSegments(): Promise<PcapRecord[]> {
  const pub = sessions(await intactRun).get(1);
  assert.ok(pub !== undefined);
  return RECORDS.filter((r) => r.tcp !== undefined && r.tcp.src === pub.client && r.tcp.payloadLength > 0);
}

test('intact capture: the baseline the damaged ones are compared with', async () => {
  const r = await intactRun;
  assertSoundOutput(r);
  assert.equal(sessions(r).size, 3);
  assert.equal(r.codes().has('rtmp.chunk.desync'), false);
});

test('truncated in the middle of a record: capture.truncated, everything before it decoded exactly as intact', async () => {
  const intact = await intactRun;
  for (const index of [700, 1100]) {
    const rec = RECORDS[index] as PcapRecord;
    const cut = FILE.subarray(0, rec.data + ((rec.end - rec.data) >> 1));
    const r = await runPipeline(cut);
    assertSoundOutput(r);
    const d = r.diagnostics().filter((x) => x.code.startsWith('capture.'));
    assert.deepEqual(
      d.map((x) => [x.code, x.frame]),
      [['capture.truncated', rec.frame]],
    );
    const summary = r.records.at(-1);
    assert.equal(summary?.type === 'capture' ? summary.frames : -1, rec.frame - 1);
    // Every message completed before the cut is there, identical (locators included).
    const before = intact.messages().filter((m) => m.frame < rec.frame);
    assert.ok(before.length > 100);
    assert.deepEqual(r.messages(), before);
    // The connections open at the cut still end with a session record.
    assert.equal(sessions(r).size, [...sessions(intact).values()].filter((s) => s.firstFrame < rec.frame).length);
  }
});

test('bit flips in RTMP bytes only: the sessions survive, most messages decode, the damage is reported', async () => {
  const intact = await intactRun;
  const intactSessions = sessions(intact);
  const payloadRecords = RECORDS.filter((r) => r.tcp !== undefined && r.tcp.payloadLength > 0 && r.frame > 40);
  for (const seed of [1, 2, 3, 4]) {
    const next = rng(seed);
    const bytes = FILE.slice();
    let first = Infinity;
    for (let i = 0; i < 60; i++) {
      const rec = payloadRecords[next() % payloadRecords.length] as PcapRecord;
      const tcp = rec.tcp as NonNullable<PcapRecord['tcp']>;
      bytes[tcp.payload + (next() % tcp.payloadLength)]! ^= 1 << (next() % 8);
      first = Math.min(first, rec.frame);
    }
    const r = await runPipeline(bytes);
    assertSoundOutput(r);
    assert.ok(r.ms < 5000, `bounded time (${r.ms} ms)`);
    // Nothing before the first flip changes.
    assert.deepEqual(
      r.messages().filter((m) => m.frame < first),
      intact.messages().filter((m) => m.frame < first),
    );
    // Every session is still found and closed, and keeps most of its messages.
    const got = sessions(r);
    assert.equal(got.size, intactSessions.size);
    for (const [n, s] of intactSessions) {
      const a = got.get(n)?.messageCount;
      assert.ok(a !== undefined);
      assert.ok(a.c2s + a.s2c >= 0.6 * (s.messageCount.c2s + s.messageCount.s2c), `session ${n}: ${JSON.stringify(a)} of ${JSON.stringify(s.messageCount)}`);
    }
    // The damage shows as diagnostics the intact capture does not have.
    const fresh = [...r.codes()].filter((c) => !intact.codes().has(c));
    assert.ok(fresh.length > 0, `seed ${seed}: no new diagnostic`);
  }
});

/**
 * `length` random bytes inserted into the publisher's stream just before its `k`-th data segment:
 * a copy of that segment's frame with a garbage payload, and every later segment of that direction
 * moved up by `length` in sequence space.
 */
function injectGarbage(segments: readonly PcapRecord[], k: number, seed: number): { bytes: Uint8Array; frame: number } {
  const target = segments[k] as PcapRecord;
  const tcp = target.tcp as NonNullable<PcapRecord['tcp']>;
  const length = tcp.payloadLength;
  const moved = FILE.slice();
  const v = new DataView(moved.buffer);
  for (const r of RECORDS) {
    if (r.tcp !== undefined && r.tcp.src === tcp.src && r.frame >= target.frame) v.setUint32(r.tcp.seqField, (r.tcp.seq + length) >>> 0);
  }
  const garbage = FILE.slice(target.header, target.end);
  const next = rng(seed);
  for (let i = tcp.payload - target.header; i < garbage.length; i++) garbage[i] = next() & 0xff;
  return { bytes: concat(...[moved.subarray(0, target.header), garbage, moved.subarray(target.header)]), frame: target.frame };
}

test('random garbage injected into the TCP stream after the handshake: desync, resync, the stream decodes on', async () => {
  const intact = await intactRun;
  const segments = await publisherSegments();
  for (const k of [10, 40, 100]) {
    const { bytes, frame } = injectGarbage(segments, k, 100 + k);
    const r = await runPipeline(bytes);
    assertSoundOutput(r);
    const at = (code: string) => r.diagnostics().filter((d) => d.code === code && d.session === 1 && d.dir === 'c2s' && (d.frame ?? 0) >= frame);
    assert.equal(at('rtmp.chunk.desync').length > 0, true, `k=${k}: desync`);
    assert.equal(at('rtmp.chunk.resync').length + at('rtmp.chunk.size-inferred').length > 0, true, `k=${k}: resync`);
    // The TCP stage saw a valid stream: no gap, no reassembly complaint.
    assert.equal(r.codes().has('tcp.gap'), false);
    // Before the garbage: identical. After it: the publisher's messages continue. Garbage that
    // happens to parse as a chunk header is taken for one until a header cannot be right, so the
    // messages up to that point are lost (the frames between say how many); the last 100 are the
    // intact capture's (frames moved by one).
    assert.deepEqual(
      r.messages().filter((m) => m.frame < frame),
      intact.messages().filter((m) => m.frame < frame),
    );
    const pub = (x: Run) => x.messages(1).filter((m) => m.dir === 'c2s');
    assert.ok(pub(r).length >= 0.9 * pub(intact).length, `k=${k}: ${pub(r).length} of ${pub(intact).length}`);
    assertSameMessages(pub(r).slice(-100), pub(intact).slice(-100));
    // The other sessions are untouched.
    for (const n of [2, 3])
      assert.deepEqual(
        r.messages(n).map((m) => key(m)),
        intact.messages(n).map((m) => key(m)),
      );
  }
});

test('record and block lengths of 2 GiB and more: a diagnostic, nothing allocated for them', async () => {
  const pcapng = readCapture('ffmpeg-nginx-publish.pcapng');
  const firstPacketBlock = 264 + 80; // after the section header and interface blocks (see the file)
  assert.equal(new DataView(pcapng.buffer).getUint32(firstPacketBlock, true), 6, 'an enhanced packet block');
  const cases: [string, Uint8Array, number, string][] = [];
  for (const len of [0x80000000, 0xffffffff, 0x7fffffff]) {
    const b = FILE.slice();
    new DataView(b.buffer).setUint32((RECORDS[500] as PcapRecord).header + 8, len, true);
    cases.push([`pcap incl_len ${len.toString(16)}`, b, 501, 'capture.record-too-large']);
  }
  for (const len of [0x80000000, 0xfffffffc, 0x01000004]) {
    const b = pcapng.slice();
    new DataView(b.buffer).setUint32(firstPacketBlock + 4, len, true);
    cases.push([`pcapng block length ${len.toString(16)}`, b, 1, 'capture.record-too-large']);
  }
  for (const [name, bytes, frame, code] of cases) {
    // Fed in small pieces, so the long record's header arrives alone and the framer must decide
    // on the length before anything else of it is there.
    for (const chunk of [256 * 1024, 4096]) {
      const r = await runPipeline(bytes, {}, chunk);
      assertSoundOutput(r);
      const d = r.diagnostics().filter((x) => x.code.startsWith('capture.'));
      assert.deepEqual(
        d.map((x) => [x.code, x.frame]),
        [[code, frame]],
        name,
      );
      assert.ok(r.arrayBuffersPeak < 16 * 1024 * 1024, `${name}: ${r.arrayBuffersPeak} bytes of ArrayBuffers`);
    }
  }
});
