/** Random RTMP chunk streams for the fuzzer: every basic-header form, fmt 0–3, extended timestamps, Set Chunk Size extremes, Abort, garbage. */
import { handshakeBytes } from './chunk-writer.js';

import { Rng, W } from './fuzz-random.js';
import { messageBody } from './fuzz-media.js';

// =============================================================================================
// Random chunk streams

const CSIDS = [2, 3, 4, 5, 6, 8, 63, 64, 65, 319, 320, 321, 65599];
export const TYPE_IDS = [1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22];

type StreamState = { chunkSize: number; seen: Map<number, { typeId: number; length: number }> };

/** Basic header in the canonical form for the csid, or (sometimes) a longer non-canonical one. */
export function basic(r: Rng, w: W, fmt: number, csid: number): void {
  const f = fmt << 6;
  if (csid >= 2 && csid <= 63 && r.chance(0.95)) w.u8(f | csid);
  else if (csid >= 64 && csid <= 319 && r.chance(0.7)) {
    w.u8(f);
    w.u8(csid - 64);
  } else {
    const v = (csid - 64) & 0xffff;
    w.u8(f | 1);
    w.u8(v & 0xff);
    w.u8(v >> 8);
  }
}

/** Message header fields after the basic header; returns whether an extended timestamp was written. */
function messageHeader(w: W, fmt: number, ts: number, length: number, typeId: number, streamId: number): number | null {
  const ext = fmt <= 2 && ts >= 0xffffff ? ts >>> 0 : null;
  if (fmt <= 2) w.u24(ext !== null ? 0xffffff : ts);
  if (fmt <= 1) {
    w.u24(length);
    w.u8(typeId);
  }
  if (fmt === 0) w.u32le(streamId);
  if (ext !== null) w.u32(ext);
  return ext;
}

/** One message, chunked (possibly with a header that lies about the length). */
function writeMessage(r: Rng, w: W, st: StreamState, csid: number, typeId: number, body: Uint8Array, opts: { streamId?: number; chunkSize?: number } = {}): void {
  const prev = st.seen.get(csid);
  let fmt = 0;
  if (prev !== undefined && r.chance(0.4)) fmt = prev.length === body.length && prev.typeId === typeId ? r.pick([1, 2, 3]) : 1;
  else if (r.chance(0.03)) fmt = r.range(1, 3); // a compressed header on a fresh chunk stream
  const ts = r.chance(0.9) ? r.small(100_000) : r.pick([0xffffff, 0x1000000, 0xffffffff, 0xfffffe]);
  const length = r.chance(0.97) ? body.length : r.pick([0, 1, body.length + 1, Math.max(0, body.length - 1), 0xffffff]);
  const size = opts.chunkSize ?? st.chunkSize;
  const omitEts = r.chance(0.3);
  basic(r, w, fmt, csid);
  const ext = messageHeader(w, fmt, ts, length, typeId, opts.streamId ?? (typeId <= 6 ? 0 : r.pick([0, 1, 1, 1, 2, 0xffffffff])));
  st.seen.set(csid, { typeId, length });
  let off = Math.min(size, body.length);
  w.bytes(body.subarray(0, off));
  while (off < body.length) {
    basic(r, w, 3, csid);
    if (ext !== null && !omitEts) w.u32(ext);
    const n = Math.min(size, body.length - off);
    w.bytes(body.subarray(off, off + n));
    off += n;
    if (w.length > 1 << 20) return;
  }
}

/** A handshake side: C0/S0 + first block (+ second block echoing `echo`). */
function handshakeSide(r: Rng, seed: number, echo: Uint8Array | null): Uint8Array {
  const hs = handshakeBytes(seed, echo === null ? {} : { second: echo });
  const v = r.weighted<number>([
    [90, 3],
    [3, 6],
    [1, 8],
    [2, 0x16],
    [2, r.int(256)],
    [2, 0x47],
  ]);
  hs[0] = v;
  if (r.chance(0.05)) hs.set([1, 2, 3, 4], 5); // a version field: the digest handshake, unverifiable
  if (r.chance(0.03)) return hs.subarray(0, r.int(hs.length)); // ends inside the handshake
  return hs;
}

/** One direction of an RTMP connection after the handshake: structured-random chunks. */
function chunkStream(r: Rng, w: W, maxBytes: number): void {
  const st: StreamState = { chunkSize: 128, seen: new Map() };
  const ops = 1 + r.small(r.chance(0.1) ? 200 : 24);
  for (let i = 0; i < ops && w.length < maxBytes; i++) {
    const op = r.weighted<string>([
      [30, 'msg'],
      [12, 'command'],
      [14, 'media'],
      [7, 'chunk-size'],
      [3, 'abort'],
      [10, 'raw'],
      [3, 'garbage'],
      [3, 'huge'],
      [2, 'interleave'],
      [2, 'many-streams'],
    ]);
    const csid = r.chance(0.7) ? r.pick([2, 3, 4, 5, 6, 8]) : r.chance(0.5) ? r.pick(CSIDS) : r.range(2, 65599);
    switch (op) {
      case 'msg': {
        const typeId = r.chance(0.9) ? r.pick(TYPE_IDS) : r.int(256);
        writeMessage(r, w, st, csid, typeId, messageBody(r, typeId));
        break;
      }
      case 'command': {
        const typeId = r.pick([20, 20, 20, 17, 18, 15]);
        writeMessage(r, w, st, r.chance(0.8) ? 3 : csid, typeId, messageBody(r, typeId));
        break;
      }
      case 'media': {
        const typeId = r.pick([8, 9]);
        writeMessage(r, w, st, r.chance(0.8) ? (typeId === 8 ? 4 : 6) : csid, typeId, messageBody(r, typeId), { streamId: 1 });
        break;
      }
      case 'chunk-size': {
        const body = messageBody(r, 1);
        writeMessage(r, w, st, r.chance(0.9) ? 2 : csid, 1, body);
        if (body.length >= 4) {
          const v = (((body[0] as number) << 24) | ((body[1] as number) << 16) | ((body[2] as number) << 8) | (body[3] as number)) & 0x7fffffff;
          // Usually the writer follows its own Set Chunk Size; sometimes it does not (desync).
          if (v > 0 && r.chance(0.9)) st.chunkSize = v;
        }
        break;
      }
      case 'abort': {
        const b = new W();
        b.u32(r.chance(0.7) && st.seen.size > 0 ? r.pick([...st.seen.keys()]) : r.pick(CSIDS));
        writeMessage(r, w, st, 2, 2, b.done());
        break;
      }
      case 'raw': {
        // Any header at all, then some payload.
        const fmt = r.int(4);
        basic(r, w, fmt, csid);
        const len = r.chance(0.5) ? r.small(300) : r.pick([0, 1, 0xffffff, 0xfffffe, 0x800000]);
        const typeId = r.chance(0.8) ? r.pick(TYPE_IDS) : r.int(256);
        messageHeader(w, fmt, r.chance(0.8) ? r.small(5000) : 0xffffff, len, typeId, r.u32());
        st.seen.set(csid, { typeId, length: len });
        w.bytes(r.bytes(Math.min(r.small(400), len)));
        break;
      }
      case 'garbage':
        w.bytes(r.bytes(1 + r.small(300)));
        break;
      case 'huge': {
        // A message that claims 16 MiB and gets only a little of it.
        const typeId = r.pick([18, 20, 9, 8, 22]);
        basic(r, w, 0, csid);
        messageHeader(w, 0, r.small(1000), 0xffffff, typeId, 1);
        st.seen.set(csid, { typeId, length: 0xffffff });
        w.bytes(messageBody(r, typeId).subarray(0, st.chunkSize));
        break;
      }
      case 'interleave': {
        // Two or three messages on different chunk streams, chunk by chunk.
        const parts: { csid: number; body: Uint8Array; typeId: number; off: number }[] = [];
        const k = r.range(2, 3);
        for (let j = 0; j < k; j++) {
          const typeId = r.pick([8, 9, 18, 20]);
          parts.push({ csid: 3 + j * r.range(1, 70), body: messageBody(r, typeId), typeId, off: 0 });
        }
        const size = Math.max(1, Math.min(st.chunkSize, 4096));
        for (let live = true; live && w.length < maxBytes;) {
          live = false;
          for (const p of parts) {
            if (p.off > p.body.length || (p.off === p.body.length && p.off > 0)) continue;
            live = true;
            if (p.off === 0) {
              basic(r, w, 0, p.csid);
              messageHeader(w, 0, r.small(1000), p.body.length, p.typeId, 1);
              st.seen.set(p.csid, { typeId: p.typeId, length: p.body.length });
            } else basic(r, w, 3, p.csid);
            const n = Math.min(size, p.body.length - p.off);
            w.bytes(p.body.subarray(p.off, p.off + n));
            p.off += n;
            if (p.body.length === 0) p.off = 1;
          }
        }
        break;
      }
      case 'many-streams': {
        // Many chunk streams each opening a message that claims 16 MiB.
        const n = r.range(2, 70);
        for (let j = 0; j < n; j++) {
          const c = 3 + j;
          basic(r, w, 0, c);
          messageHeader(w, 0, 0, 0xffffff, r.pick([18, 20, 9]), 1);
          st.seen.set(c, { typeId: 18, length: 0xffffff });
          w.bytes(r.bytes(Math.min(st.chunkSize, 64)));
        }
        break;
      }
    }
  }
}

export type Streams = { c2s: Uint8Array; s2c: Uint8Array; handshake: boolean };

/** Both directions of a random RTMP connection. */
export function randomStreams(r: Rng, maxBytes: number): Streams {
  const handshake = r.chance(0.6);
  const c = new W();
  const s = new W();
  if (handshake) {
    const seed = r.u32();
    const c01 = handshakeSide(r, seed, null);
    const s012 = handshakeSide(r, seed + 1, c01.length >= 1537 ? c01.subarray(1, 1537) : null);
    c.bytes(c01.subarray(0, Math.min(c01.length, 1537)));
    s.bytes(s012);
    // C2 echoes S1 (usually).
    c.bytes(s012.length >= 1537 && r.chance(0.9) ? s012.subarray(1, 1537) : r.bytes(1536));
  }
  chunkStream(r, c, maxBytes);
  if (r.chance(0.8)) chunkStream(r, s, maxBytes >> 1);
  return { c2s: c.done(), s2c: s.done(), handshake };
}
