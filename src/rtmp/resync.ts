/**
 * Finding chunk boundaries again after lost bytes or a capture that starts mid-stream. Pure.
 *
 * A candidate position is accepted when a chain of chunk headers parses from it and stays
 * consistent: the first header is a full (type 0) header — or a type-1 header on a chunk stream
 * whose state survived the gap — with a known message type, a sane length, a stream id that fits
 * in 16 bits and, for protocol control messages, the exact body size the type defines; every
 * following header refers to a chunk stream the chain (or the surviving state) knows, and
 * continuation chunks sit exactly one chunk size apart. A chain of `CHAIN` headers, or one that
 * ends exactly at the end of the available bytes when no more will come, confirms the position.
 *
 * When the chunk size in force is unknown (Set Chunk Size was lost or sent before the capture),
 * the spacing of the continuation headers of a long message gives it: candidates are the sizes
 * seen in practice and every distance at which the message's own type-3 header byte reappears.
 * Everything here is a guess backed by consistency checks, flagged as such to the user.
 */

export type KnownStream = { readonly typeId: number; readonly length: number; readonly streamId: number };

export type ResyncResult =
  | { readonly kind: 'found'; readonly at: number; readonly chunkSize: number }
  | { readonly kind: 'more' }
  | { readonly kind: 'none' };

const KNOWN_TYPES = new Set([1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22]);
const CONTROL_SIZE: Readonly<Record<number, number>> = { 1: 4, 2: 4, 3: 4, 5: 4, 6: 5 };
const COMMON_CHUNK_SIZES = [128, 4096, 60000, 65536, 1024, 2048, 8192, 16384, 32768, 1400, 1460, 1500, 256, 512, 1000, 4000, 5000, 10000, 131072];
/** Headers a chain must have to confirm a position. */
export const CHAIN = 3;
const MAX_LENGTH = 16 * 1024 * 1024;

type SimStream = { typeId: number; length: number; remaining: number };

type Header = { fmt: number; csid: number; len: number; ts: number; typeId: number; length: number; streamId: number };

/** Parse a chunk header at `p`; null if impossible, 'more' if the bytes end first. */
function parseHeader(b: Uint8Array, p: number): Header | 'more' | null {
  const start = p;
  if (p >= b.length) return 'more';
  const b0 = b[p] as number;
  const fmt = b0 >> 6;
  let csid = b0 & 0x3f;
  p++;
  if (csid === 0) {
    if (p + 1 > b.length) return 'more';
    csid = 64 + (b[p] as number);
    p++;
  } else if (csid === 1) {
    if (p + 2 > b.length) return 'more';
    csid = 64 + (b[p] as number) + 256 * (b[p + 1] as number);
    p += 2;
  }
  const mh = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
  if (p + mh > b.length) return 'more';
  let ts = 0;
  let typeId = -1;
  let length = -1;
  let streamId = -1;
  if (fmt <= 2) ts = ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number);
  if (fmt <= 1) {
    length = ((b[p + 3] as number) << 16) | ((b[p + 4] as number) << 8) | (b[p + 5] as number);
    typeId = b[p + 6] as number;
  }
  if (fmt === 0) streamId = ((b[p + 7] as number) | ((b[p + 8] as number) << 8) | ((b[p + 9] as number) << 16) | ((b[p + 10] as number) << 24)) >>> 0;
  p += mh;
  if (fmt <= 2 && ts === 0xffffff) {
    if (p + 4 > b.length) return 'more';
    p += 4;
  }
  return { fmt, csid, len: p - start, ts, typeId, length, streamId };
}

function saneFull(h: Header): boolean {
  if (!KNOWN_TYPES.has(h.typeId) || h.length > MAX_LENGTH) return false;
  const ctl = CONTROL_SIZE[h.typeId];
  if (ctl !== undefined && h.length !== ctl) return false;
  if (h.fmt === 0) {
    if (h.streamId > 0xffff) return false;
    if (ctl !== undefined && h.streamId !== 0) return false;
    if (h.typeId === 4 && h.streamId !== 0) return false;
  }
  return true;
}

/**
 * Does a consistent chain of headers start at `at` with chunk size `cs`? Returns the number of
 * headers confirmed, -1 when inconsistent, or -2 when the bytes ran out before CHAIN headers.
 */
export function chainAt(b: Uint8Array, at: number, cs: number, known: ReadonlyMap<number, KnownStream>): number {
  const sim = new Map<number, SimStream>();
  let p = at;
  for (let count = 0; count < CHAIN; count++) {
    if (p === b.length) return count === 0 ? -2 : -(count + 10); // ended exactly on a boundary
    const h = parseHeader(b, p);
    if (h === 'more') return -2;
    if (h === null) return -1;
    let s = sim.get(h.csid);
    const k = known.get(h.csid);
    if (h.fmt === 0 || h.fmt === 1) {
      if (count === 0 && h.fmt === 1 && k === undefined) return -1;
      if (!saneFull(h)) return -1;
      if (s !== undefined && s.remaining > 0) return -1; // a new message before the last one ended
      if (h.fmt === 1 && s === undefined && k === undefined) return -1;
      s = { typeId: h.typeId, length: h.length, remaining: h.length };
      sim.set(h.csid, s);
    } else {
      if (count === 0) return -1;
      if (s === undefined) {
        if (k === undefined) return -1;
        s = { typeId: k.typeId, length: k.length, remaining: 0 };
        sim.set(h.csid, s);
      }
      if (h.fmt === 2 && s.remaining > 0) return -1;
      if (s.remaining === 0) s.remaining = s.length; // starts a new message of the same length
    }
    const payload = Math.min(cs, s.remaining);
    s.remaining -= payload;
    p += h.len + payload;
    if (p > b.length) return -2;
  }
  return CHAIN;
}

/** Chunk sizes worth trying for the message whose full header is at `at`. */
function candidateSizes(b: Uint8Array, at: number, current: number): number[] {
  const out = [current, ...COMMON_CHUNK_SIZES.filter((c) => c !== current)];
  const h = parseHeader(b, at);
  if (h === null || h === 'more' || h.fmt !== 0 || h.csid > 63) return out;
  // Observed spacing: where this chunk stream's type-3 header byte reappears inside the message.
  const marker = 0xc0 | h.csid;
  const start = at + h.len;
  const end = Math.min(b.length, start + h.length + 64);
  let found = 0;
  for (let q = start + 1; q < end && found < 32; q++) {
    if (b[q] === marker) {
      const cs = q - start;
      if (cs < h.length && !out.includes(cs)) out.push(cs);
      found++;
    }
  }
  return out;
}

/**
 * Scan `b` for the first position where chunks make sense again. `final`: no more bytes will
 * come, so a chain that ends exactly at the end of `b` is accepted.
 */
export function findResync(b: Uint8Array, currentChunkSize: number, known: ReadonlyMap<number, KnownStream>, final: boolean): ResyncResult {
  let waiting = false;
  for (let i = 0; i < b.length; i++) {
    const fmt = (b[i] as number) >> 6;
    if (fmt > 1) continue;
    const h = parseHeader(b, i);
    if (h === 'more') {
      waiting = true;
      break;
    }
    if (h === null || !saneFull(h)) continue;
    if (h.fmt === 1 && !known.has(h.csid)) continue;
    for (const cs of candidateSizes(b, i, currentChunkSize)) {
      const n = chainAt(b, i, cs, known);
      if (n === CHAIN) return { kind: 'found', at: i, chunkSize: cs };
      if (n <= -11 && final) return { kind: 'found', at: i, chunkSize: cs };
      if (n === -2 || n <= -11) waiting = true;
    }
    if (waiting && !final) return { kind: 'more' };
  }
  return waiting && !final ? { kind: 'more' } : { kind: 'none' };
}
