/**
 * Recovery on damaged real captures (issue 4): mid-stream starts and lost TCP segments.
 *
 * Each damaged capture in captures/ was made from a committed intact one by
 * scripts/damage-capture.ts (see captures/README.md, "Damaged captures"). Both are decoded and
 * their messages compared:
 *
 * - A message of the intact decode is *captured* when every byte of every one of its chunks
 *   (header and payload, from `chunks.list`) is present in the damaged capture. Lost bytes are the
 *   holes the TCP stage finds in the damaged capture (read from its packets: the `tcp.gap`
 *   diagnostics are limited per session), everything before the first byte of a direction whose
 *   start was cut, and everything after the last byte a direction has in the damaged capture.
 * - A message of the damaged decode is *matched* when the intact decode has a message at the same
 *   place (client, server, direction, stream offset of its first chunk, mapped into the intact
 *   capture's offsets) with the same identity: chunk stream id, type id, message stream id,
 *   timestamp, length, command/data name. Messages with a hole in the body (`lost`) must match
 *   too, on everything but the name (decoded from the damaged body). Header fields the decoder
 *   flags as unknowable (`unknown`: a timestamp whose base was lost, a stream id whose type-0
 *   header was never captured) are not compared, but such timestamps must still be exact
 *   relative to each other: along a chunk stream, until one of its messages is missing (its delta
 *   went with it) or a known timestamp rebases the count, they differ from the intact ones by one
 *   constant.
 *
 * Goal: at least 95 % of the captured messages are decoded (matched), and nothing is invented
 * (every decoded message matches). The figures are printed for quoting. With
 * RTMPSCOPE_FRESH_CAPTURES set to a folder captures/make-captures.sh wrote, its captures are held
 * to the same goal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { decodeFrame } from '../../src/net/decode.js';
import { exportLines } from '../builders/export-lines.js';
import { formatEndpoint } from '../../src/session/analyzer.js';
import { TcpReassembler, type TcpEvent } from '../../src/tcp/reassembly.js';
import { ChunkDecoder, type RtmpEvent, type RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { concatBytes, setChunkSize, writeChunks, type MessageSpec } from '../builders/chunk-writer.js';
import { noiseBytes } from '../builders/chunk-run.js';

const CAPTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');

type Rec = Record<string, unknown>;
type Msg = {
  client: string;
  server: string;
  dir: 'c2s' | 's2c';
  csid: number;
  typeId: number;
  streamId: number;
  timestamp: number;
  length: number;
  name?: string;
  offset: number;
  time: number;
  lost?: number;
  unknown?: ('timestamp' | 'streamId')[];
  chunks: { count: number; list: [number, number, number, number, number][] };
};
type Session = {
  session: number;
  client: string;
  server: string;
  bytes: { c2s: number; s2c: number };
  gaps: { c2s: { count: number; bytes: number }; s2c: { count: number; bytes: number } };
  startUnseen: { c2s: boolean; s2c: boolean };
  chunkSize: { c2s: number; s2c: number };
  diagnosticCounts?: Record<string, number>;
};

export type Figures = {
  capture: string;
  intactMessages: number;
  captured: number;
  decoded: number;
  ratio: number;
  invented: number;
  /** Decoded messages with a hole in the body (matched by header). */
  damagedBody: number;
  /** Decoded messages whose timestamp / stream id the decoder flags as unknowable. */
  unknownTimestamp: number;
  unknownStreamId: number;
  /** Messages decoded in the damaged capture (matched or not). */
  damagedMessages: number;
  /** Bytes of the intact capture's RTMP directions that the damaged capture lacks. */
  lostBytes: number;
  /** Bytes the damaged capture has that are in no decoded message or handshake part (skipped while resynchronising, or in messages that could not be completed). */
  undecodedBytes: number;
  resyncs: number;
  desyncs: number;
  /** Chunk size in force at the end of each direction whose start was cut and that carried a message longer than 128 bytes (so the size had to be inferred). */
  chunkSizesInferred: number[];
  /** Captured messages that were not decoded, for the report. */
  missed: string[];
  inventedList: string[];
  /** Matched messages whose capture time (of the frame their last byte came in) differs from the intact decode's. */
  misplaced: string[];
};

const dirs = ['c2s', 's2c'] as const;

/** Lost byte ranges [from, to) per direction, in the intact capture's stream offsets. */
type Lost = Map<string, [number, number][]>;

async function decode(file: string): Promise<Rec[]> {
  return (await exportLines(file)).map((l) => JSON.parse(l) as Rec);
}

const pair = (r: { client?: unknown; server?: unknown }) => `${String(r.client)} ${String(r.server)}`;

function describe(m: Msg): string {
  return `${pair(m)} ${m.dir} @${m.offset} csid ${m.csid} type ${m.typeId} sid ${m.streamId} ts ${m.timestamp} len ${m.length}${m.name === undefined ? '' : ` ${m.name}`}`;
}

/**
 * Every hole the TCP stage finds in a capture, by endpoint pair: read here from the packets
 * rather than from the `tcp.gap` diagnostics, which are limited per session.
 */
function tcpGaps(file: string): { a: string; b: string; from: string; offset: number; length: number }[] {
  const dec = createCaptureDecoder();
  const tcp = new TcpReassembler();
  const clients = new Map<number, { client: string; server: string }>();
  const out: { a: string; b: string; from: string; offset: number; length: number }[] = [];
  const onTcp = (evs: TcpEvent[]) => {
    for (const e of evs) {
      if (e.kind === 'open') clients.set(e.conn, { client: formatEndpoint(e.client), server: formatEndpoint(e.server) });
      if (e.kind !== 'gap') continue;
      const c = clients.get(e.conn) as { client: string; server: string };
      out.push({ a: c.client, b: c.server, from: e.dir === 'c2s' ? c.client : c.server, offset: e.offset, length: e.length });
    }
  };
  for (const ev of [...dec.push(new Uint8Array(readFileSync(file))), ...dec.finish()]) {
    if (ev.kind !== 'record') continue;
    const seg = decodeFrame(ev.linkType, ev.data, ev.origLen);
    if (seg.kind === 'tcp') onTcp(tcp.push(seg, { frame: ev.frame, sec: ev.sec, nsec: ev.nsec }));
  }
  onTcp(tcp.finish());
  return out;
}

export async function measureRecovery(dir: string, damaged: string, intact: string): Promise<Figures> {
  const [D, I] = await Promise.all([decode(join(dir, damaged)), decode(join(dir, intact))]);
  const sessionsD = new Map(D.filter((r) => r['type'] === 'session').map((r) => [pair(r as Session), r as unknown as Session]));
  const sessionsI = new Map(I.filter((r) => r['type'] === 'session').map((r) => [pair(r as Session), r as unknown as Session]));
  for (const s of sessionsI.values()) {
    assert.equal(s.gaps.c2s.count + s.gaps.s2c.count, 0, `${intact} is not intact`);
  }
  for (const key of sessionsD.keys()) assert.ok(sessionsI.has(key), `${damaged}: session ${key} is not in ${intact}`);

  // Offsets: a direction whose start is in both captures has the same offsets in both; one whose
  // start was cut counts from its first captured byte, which is the intact offset `bytes` (intact)
  // − `bytes` (damaged) when nothing else is lost.
  const shift = new Map<string, number>();
  const lost: Lost = new Map();
  for (const [key, s] of sessionsI) {
    const d = sessionsD.get(key);
    for (const dr of dirs) {
      const k = `${key} ${dr}`;
      if (d === undefined) {
        lost.set(k, [[0, Infinity]]); // the whole connection is before the cut
        continue;
      }
      // Bytes after the last one the damaged capture has of a direction are lost too (a dropped
      // last segment leaves no gap behind when nothing follows it).
      if (d.startUnseen[dr]) {
        assert.equal(d.gaps[dr].count, 0, `${damaged}: ${k} both starts mid-stream and has gaps (offsets cannot be mapped)`);
        const cut = s.bytes[dr] - d.bytes[dr];
        shift.set(k, cut);
        lost.set(k, [[0, cut]]);
      } else {
        shift.set(k, 0);
        const end = d.bytes[dr] + d.gaps[dr].bytes;
        lost.set(k, end < s.bytes[dr] ? [[end, Infinity]] : []);
      }
    }
  }
  for (const g of tcpGaps(join(dir, damaged))) {
    const swapped = sessionsD.has(`${g.b} ${g.a}`);
    const key = swapped ? `${g.b} ${g.a}` : `${g.a} ${g.b}`;
    const dr = g.from === (swapped ? g.b : g.a) ? 'c2s' : 's2c';
    const k = `${key} ${dr}`;
    const from = g.offset + (shift.get(k) ?? 0);
    lost.get(k)?.push([from, from + g.length]);
  }
  let lostBytes = 0;
  for (const [key, s] of sessionsI) {
    for (const dr of dirs) for (const [a, b] of lost.get(`${key} ${dr}`) ?? []) lostBytes += Math.min(b, s.bytes[dr]) - a;
  }

  const intactMsgs = I.filter((r) => r['type'] === 'message') as unknown as Msg[];
  const damagedMsgs = D.filter((r) => r['type'] === 'message') as unknown as Msg[];

  const isCaptured = (m: Msg): boolean => {
    assert.equal(m.chunks.list.length, m.chunks.count, 'chunk list capped: cannot tell whether the message was captured');
    const ranges = lost.get(`${pair(m)} ${m.dir}`) ?? [];
    return m.chunks.list.every(([, off, hl, pl]) => ranges.every(([a, b]) => off + hl + pl <= a || off >= b));
  };

  // Intact messages by place; a damaged message must match the one at its place.
  const place = (m: Msg, shift: number) => `${pair(m)} ${m.dir} ${m.offset + shift}`;
  const byPlace = new Map(intactMsgs.map((m) => [place(m, 0), m]));
  const matched = new Map<Msg, Msg>();
  const inventedList: string[] = [];
  const misplaced: string[] = [];
  let damagedBody = 0;
  let unknownTimestamp = 0;
  let unknownStreamId = 0;
  for (const m of damagedMsgs) {
    const k = `${pair(m)} ${m.dir}`;
    const holed = (m.lost ?? 0) > 0;
    const tsUnknown = m.unknown?.includes('timestamp') === true;
    const sidUnknown = m.unknown?.includes('streamId') === true;
    if (holed) damagedBody++;
    if (tsUnknown) unknownTimestamp++;
    if (sidUnknown) unknownStreamId++;
    const hit = byPlace.get(place(m, shift.get(k) ?? 0));
    const same =
      hit !== undefined && !matched.has(hit) && hit.csid === m.csid && hit.typeId === m.typeId && hit.length === m.length && (holed || hit.name === m.name) && (sidUnknown || hit.streamId === m.streamId) && (tsUnknown || hit.timestamp === m.timestamp);
    if (!same) {
      inventedList.push(describe(m));
      continue;
    }
    matched.set(hit, m);
    // The same bytes arrived in the same packet: locators (frame time) must agree.
    if (!holed && hit.time !== m.time) misplaced.push(`${describe(m)}: time ${m.time}, intact ${hit.time}`);
  }
  // Timestamps flagged unknown must still be right relative to each other: along a chunk stream,
  // they differ from the intact ones by one constant until a message of the stream is missing (its
  // delta is lost with it) or a known timestamp rebases the count.
  const streams = new Map<string, Msg[]>();
  for (const m of intactMsgs) {
    const k = `${pair(m)} ${m.dir} ${m.csid}`;
    streams.set(k, [...(streams.get(k) ?? []), m]);
  }
  for (const list of streams.values()) {
    let diff: number | null = null;
    for (const hit of list.sort((x, y) => x.offset - y.offset)) {
      const m = matched.get(hit);
      if (m === undefined || m.unknown?.includes('timestamp') !== true) {
        diff = null;
        continue;
      }
      const d = (hit.timestamp - m.timestamp) >>> 0;
      if (diff === null) diff = d;
      else if (d !== diff) {
        matched.delete(hit);
        inventedList.push(`${describe(m)} (relative timestamp off by ${d - diff} ms)`);
      }
    }
  }
  const captured = intactMsgs.filter(isCaptured);
  const decoded = captured.filter((m) => matched.has(m));
  const missed = captured.filter((m) => !matched.has(m)).map(describe);

  // Captured bytes outside decoded messages and handshake parts.
  let inDecoded = 0;
  for (const m of damagedMsgs) for (const [, , hl, pl] of m.chunks.list) inDecoded += hl + pl - (m.lost ?? 0) / m.chunks.count;
  for (const r of D) if (r['type'] === 'handshake') inDecoded += r['part'] === 'C0' || r['part'] === 'S0' ? 1 : 1536;
  let capturedBytes = 0;
  const counts: Record<string, number> = {};
  const chunkSizesInferred: number[] = [];
  for (const d of sessionsD.values()) {
    capturedBytes += d.bytes.c2s + d.bytes.s2c;
    for (const [code, n] of Object.entries(d.diagnosticCounts ?? {})) counts[code] = (counts[code] ?? 0) + n;
    for (const dr of dirs) {
      if (d.startUnseen[dr] && damagedMsgs.some((m) => pair(m) === pair(d) && m.dir === dr && m.length > 128)) chunkSizesInferred.push(d.chunkSize[dr]);
    }
  }
  return {
    capture: damaged,
    intactMessages: intactMsgs.length,
    captured: captured.length,
    decoded: decoded.length,
    ratio: captured.length === 0 ? 1 : decoded.length / captured.length,
    invented: inventedList.length,
    damagedBody,
    unknownTimestamp,
    unknownStreamId,
    damagedMessages: damagedMsgs.length,
    lostBytes,
    undecodedBytes: capturedBytes - inDecoded,
    resyncs: (counts['rtmp.chunk.resync'] ?? 0) + (counts['rtmp.chunk.size-inferred'] ?? 0),
    desyncs: counts['rtmp.chunk.desync'] ?? 0,
    chunkSizesInferred,
    missed,
    inventedList,
    misplaced,
  };
}

export function formatFigures(f: Figures): string {
  return (
    `${f.capture}: ${f.decoded}/${f.captured} captured messages decoded (${(100 * f.ratio).toFixed(1)} %), ` +
    `invented ${f.invented}; intact decode ${f.intactMessages} messages, damaged decode ${f.damagedMessages} ` +
    `(${f.damagedBody} with a hole in the body, ${f.unknownTimestamp} with an unknown timestamp base, ${f.unknownStreamId} with an unknown stream id); ` +
    `${f.lostBytes} bytes not captured, ${f.undecodedBytes} captured bytes in no decoded message; ` +
    `${f.desyncs} desyncs, ${f.resyncs} resyncs` +
    (f.chunkSizesInferred.length > 0 ? `; chunk sizes inferred: ${[...new Set(f.chunkSizesInferred)].join(', ')}` : '')
  );
}

/** Damaged capture → the committed capture it was made from. */
export const DAMAGED: readonly (readonly [string, string])[] = [
  ['ffmpeg-nginx-publish-play-midstream.pcap', 'ffmpeg-nginx-publish-play.pcap'],
  ['ffmpeg-nms-publish-midstream.pcap', 'ffmpeg-nms-publish.pcap'],
  ['ffmpeg-nginx-publish-play-lossy.pcap', 'ffmpeg-nginx-publish-play.pcap'],
  ['gstreamer-nginx-publish-lossy.pcap', 'gstreamer-nginx-publish.pcap'],
];

const GOAL = 0.95;

const captureDirs = [CAPTURES, ...(process.env['RTMPSCOPE_FRESH_CAPTURES'] ? [process.env['RTMPSCOPE_FRESH_CAPTURES']] : [])];
for (const [dir, [damaged, intact]] of captureDirs.flatMap((d) => DAMAGED.map((p) => [d, p] as const))) {
  const where = dir === CAPTURES ? '' : ` (${dir})`;
  test(`recovery: ${damaged}${where} decodes ≥ 95 % of the captured messages of ${intact}, inventing none`, async (t) => {
    assert.ok(existsSync(join(dir, damaged)), `missing ${damaged} (captures/make-captures.sh makes it)`);
    const f = await measureRecovery(dir, damaged, intact);
    const line = formatFigures(f);
    t.diagnostic(line);
    for (const m of f.missed.slice(0, 10)) console.log(`[recovery]   not decoded: ${m}`);
    for (const m of f.inventedList.slice(0, 10)) console.log(`[recovery]   INVENTED: ${m}`);
    assert.ok(f.captured > 0, 'no captured message to measure');
    assert.ok(f.captured < f.intactMessages, `${damaged} lost nothing: not a damaged capture`);
    assert.ok(f.unknownTimestamp > 0, 'no message record carries `unknown`, yet timestamps after a loss cannot be known: src/session/rtmp-session.ts must copy RtmpMessage.unknown into the record');
    assert.deepEqual(f.misplaced.slice(0, 10), [], 'messages located in another packet than in the intact capture');
    assert.deepEqual(f.inventedList, [], 'messages decoded in the damaged capture that the intact one does not have');
    assert.ok(f.ratio >= GOAL, `only ${f.decoded} of ${f.captured} captured messages decoded (${(100 * f.ratio).toFixed(1)} %)`);
  });
}

// ---- the same rules on synthetic streams, at the chunk decoder ----------------------------------

/** Pseudo-random payload bytes, as compressed media is. */
function noise(n: number, seed: number): Uint8Array {
  return noiseBytes(n, seed, 7);
}

/**
 * A publisher as ffmpeg sends it: Set Chunk Size, then audio (csid 4, ~23 ms) and video (csid 6,
 * 66 ms, a large keyframe every 15 frames) on message stream 1, each chunk stream opened by one
 * type-0 header and continued with type-1 headers (delta timestamps) — so after a loss neither
 * the stream id nor the absolute time can be known. `shared`: audio and video on one chunk
 * stream (csid 4), as librtmp (GStreamer's rtmpsink) sends them.
 */
function publisher(seconds: number, size: number, seed: number, shared = false): { bytes: Uint8Array; sent: Map<number, MessageSpec> } {
  const msgs: MessageSpec[] = [];
  let a = 0;
  let v = 0;
  for (let i = 0; a < seconds * 1000; i++) {
    const audio = a <= v;
    const ts = audio ? a : v;
    const csid = audio || shared ? 4 : 6;
    const first = shared ? i === 0 : audio ? a === 0 : v === 0;
    const key = !audio && (v / 66) % 15 === 0;
    const len = audio ? 150 + ((i * 37 + seed) % 90) : key ? 5000 + ((i * 131 + seed) % 2500) : 300 + ((i * 977 + seed) % 1200);
    const body = noise(len, seed * 1000 + i);
    body[0] = audio ? 0xaf : key ? 0x17 : 0x27;
    const prev = msgs.filter((m) => m.csid === csid).at(-1)?.timestamp ?? 0;
    msgs.push({ csid, typeId: audio ? 8 : 9, streamId: 1, timestamp: ts, body, ...(first ? {} : { fmt: 1 as const, delta: ts - prev }) });
    const delta = audio ? 23 : 66;
    if (audio) a += delta;
    else v += delta;
  }
  const parts = [writeChunks([setChunkSize(size)])];
  const sent = new Map<number, MessageSpec>();
  let off = (parts[0] as Uint8Array).length;
  for (const m of msgs) {
    const b = writeChunks([m], { chunkSize: size });
    sent.set(off, m);
    parts.push(b);
    off += b.length;
  }
  return { bytes: concatBytes(...parts), sent };
}

/**
 * Decoded messages checked against what was sent at their offset: same chunk stream, type,
 * length and body; same stream id and timestamp unless flagged unknown, and flagged timestamps
 * off by one constant per chunk stream between two losses. Returns how many were decoded.
 */
function checkAgainstSent(evs: RtmpEvent[], sent: Map<number, MessageSpec>): number {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const runs = new Map<string, number>();
  let losses = 0;
  let decoded = 0;
  for (const e of evs) {
    if (e.kind === 'desync') losses++;
    if (e.kind !== 'message') continue;
    const m: RtmpMessage = e;
    if (m.typeId === 1) continue;
    const want = sent.get(m.offset);
    const what = `message at ${m.offset} (csid ${m.csid} type ${m.typeId} ts ${m.timestamp} len ${m.length})`;
    assert.ok(want !== undefined, `invented: ${what} — nothing was sent there`);
    assert.equal(m.csid, want.csid, what);
    assert.equal(m.typeId, want.typeId, what);
    assert.equal(m.length, want.body.length, what);
    if (m.lost === 0) assert.equal(hex(m.body), hex(want.body.subarray(0, m.body.length)), what);
    if (m.unknown?.includes('streamId') !== true) assert.equal(m.streamId, want.streamId ?? 0, what);
    if (m.unknown?.includes('timestamp') === true) {
      const key = `${m.csid}/${losses}`;
      const diff = (want.timestamp - m.timestamp) >>> 0;
      const seen = runs.get(key);
      if (seen === undefined) runs.set(key, diff);
      else assert.equal(diff, seen, `relative timestamp of ${what}`);
    } else {
      assert.equal(m.timestamp, want.timestamp, what);
    }
    decoded++;
  }
  return decoded;
}

const meta = (frame: number) => ({ frame, sec: 0, nsec: 0 });

/**
 * The publisher (seconds 4) cut at `cutFrac` of its bytes, with lost ranges `[fraction, bytes]`,
 * pushed in TCP-sized pieces of `segment` bytes (each its own frame); its messages checked
 * against what was sent (checkAgainstSent). Returns how many were decoded.
 */
function damaged(size: number, shared: boolean, seed: number, cutFrac: number, gapSpecs: readonly (readonly [number, number])[], segment: number): number {
  const { bytes, sent } = publisher(4, size, seed, shared);
  const cut = Math.floor(bytes.length * cutFrac);
  const gaps = gapSpecs.map(([f, len]) => [Math.floor(bytes.length * f), len] as const).sort((x, y) => x[0] - y[0]);
  const d = new ChunkDecoder('c2s', { maxMediaBytes: 1 << 20, startInDesync: cut > 0, skipHandshake: true, startOffset: cut });
  const evs: RtmpEvent[] = [];
  let at = cut;
  let frame = 1;
  const feed = (to: number) => {
    for (; at < to; at = Math.min(to, at + segment)) evs.push(...d.push(bytes.subarray(at, Math.min(to, at + segment)), meta(frame++)));
  };
  for (const [from, len] of gaps) {
    if (from < at) continue;
    feed(from);
    const n = Math.min(len, bytes.length - at);
    if (n > 0) evs.push(...d.gap(n, meta(frame++)));
    at += n;
  }
  feed(bytes.length);
  evs.push(...d.finish());
  return checkAgainstSent(evs, sent);
}

test('recovery (property): mid-stream start and lost ranges on a delta-compressed publisher — nothing invented', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(128, 1000, 4096, 60000, 65535),
      fc.boolean(),
      fc.integer({ min: 1, max: 1000 }),
      fc.double({ min: 0, max: 0.3, noNaN: true }),
      fc.array(fc.tuple(fc.double({ min: 0.3, max: 0.95, noNaN: true }), fc.integer({ min: 1, max: 3000 })), { maxLength: 6 }),
      fc.integer({ min: 1, max: 1500 }),
      (size, shared, seed, cutFrac, gapSpecs, segment) => {
        damaged(size, shared, seed, cutFrac, gapSpecs, segment);
      },
    ),
    { numRuns: Number(process.env['RECOVERY_RUNS'] ?? 300) },
  );
});

test('recovery: a chunk size guessed above the true one is never used unchecked (fast-check seed 948963027)', () => {
  // Chunk size 1000, never seen; every message before the hole fits 512, which is guessed; the
  // hole cuts a longer message before its first continuation header. A size no header supported
  // (4096) was then taken, and a 1,284-byte message read under it as one chunk took the
  // continuation header for payload: one byte later a false header (csid 132, type 8, length 221)
  // was emitted.
  assert.ok(damaged(1000, false, 707, 0.23915187814913225, [[0.3307088713332326, 1]], 1) >= 170);
});

test('recovery: a mid-stream start on a delta-compressed publisher decodes every whole message after the first boundary', () => {
  for (const size of [128, 4096, 65535]) {
    const { bytes, sent } = publisher(6, size, 7);
    const starts = [...sent.keys()];
    const cut = (starts[40] as number) + 3; // inside message 40
    const d = new ChunkDecoder('c2s', { maxMediaBytes: 1 << 20, startInDesync: true, startOffset: cut });
    const evs = [...d.push(bytes.subarray(cut), meta(1)), ...d.finish()];
    const decoded = checkAgainstSent(evs, sent);
    assert.equal(decoded, starts.length - 41, `chunk size ${size}: every message after the cut`);
    const msgs = evs.filter((e): e is RtmpMessage => e.kind === 'message');
    assert.ok(msgs.every((m) => m.unknown?.includes('timestamp') === true && m.unknown.includes('streamId')));
  }
});
