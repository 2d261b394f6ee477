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
  | { readonly kind: 'found'; readonly at: number; readonly chunkSize: number; readonly evidence: number }
  | { readonly kind: 'more' }
  | { readonly kind: 'none' };

const KNOWN_TYPES = new Set([1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22]);
const CONTROL_SIZE: Readonly<Record<number, number>> = { 1: 4, 2: 4, 3: 4, 5: 4, 6: 5 };
const COMMON_CHUNK_SIZES = [128, 4096, 60000, 65536, 1024, 2048, 8192, 16384, 32768, 1400, 1460, 1500, 256, 512, 1000, 4000, 5000, 10000, 131072];
/** Headers a chain must have to confirm a position. */
export const CHAIN = 3;
const MAX_LENGTH = 16 * 1024 * 1024;
/** Headers followed at most per candidate. */
const MAX_CHAIN = 4096;

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

/** Outcome of following chunk headers from a candidate position with one chunk size. */
export type Chain = {
  /** 'bad': a header contradicts the chunk structure; 'ok': at least CHAIN headers hold; 'short': the bytes ended first. */
  readonly status: 'ok' | 'bad' | 'short';
  readonly headers: number;
  /** Continuation chunks found exactly one chunk size apart: evidence for the chunk size. */
  readonly evidence: number;
  /** The last header's chunk ended exactly at the end of the bytes. */
  readonly endsOnBoundary: boolean;
};

/**
 * Follow headers from `at` with chunk size `cs` until CHAIN messages have completed (or
 * MAX_CHAIN headers, or the bytes end). Evidence for `cs` is a message that spanned several
 * chunks, completed, and was followed by a header that holds.
 */
export function chainAt(b: Uint8Array, at: number, cs: number, known: ReadonlyMap<number, KnownStream>): Chain {
  const sim = new Map<number, SimStream & { chunks: number }>();
  let p = at;
  let evidence = 0;
  let completed = 0;
  let pendingEvidence = 0;
  let count = 0;
  const result = (status: Chain['status']): Chain => ({
    status: status === 'short' && count >= CHAIN && completed >= CHAIN ? 'ok' : status,
    headers: count,
    evidence,
    endsOnBoundary: p === b.length,
  });
  for (; count < MAX_CHAIN; count++) {
    if (completed >= CHAIN && count >= CHAIN) return result('ok');
    if (p === b.length) return result('short');
    const h = parseHeader(b, p);
    if (h === 'more') return result('short');
    if (h === null) return result('bad');
    let s = sim.get(h.csid);
    const k = known.get(h.csid);
    if (h.fmt === 0 || h.fmt === 1) {
      if (count === 0 && h.fmt === 1 && k === undefined) return result('bad');
      if (!saneFull(h)) return result('bad');
      if (s !== undefined && s.remaining > 0) return result('bad'); // a new message before the last one ended
      if (h.fmt === 1 && s === undefined && k === undefined) return result('bad');
      s = { typeId: h.typeId, length: h.length, remaining: h.length, chunks: 0 };
      sim.set(h.csid, s);
    } else {
      if (count === 0) return result('bad');
      if (s === undefined) {
        if (k === undefined) return result('bad');
        s = { typeId: k.typeId, length: k.length, remaining: 0, chunks: 0 };
        sim.set(h.csid, s);
      }
      if (h.fmt === 2 && s.remaining > 0) return result('bad');
      if (s.remaining === 0) {
        s.remaining = s.length; // starts a new message of the same length
        s.chunks = 0;
      }
    }
    // This header holds: a multi-chunk message completed before it is now confirmed.
    evidence += pendingEvidence;
    pendingEvidence = 0;
    const payload = Math.min(cs, s.remaining);
    s.remaining -= payload;
    s.chunks++;
    if (s.remaining === 0) {
      completed++;
      if (s.chunks > 1) pendingEvidence++;
    }
    if (p + h.len + payload > b.length) {
      count++;
      return result('short');
    }
    p += h.len + payload;
  }
  return result('ok');
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
 * come. `sizeConfirmed`: the current chunk size is known (set by a Set Chunk Size we decoded, or
 * the protocol default from the start of the stream); otherwise a size is only taken on evidence.
 */
export function findResync(
  b: Uint8Array,
  currentChunkSize: number,
  known: ReadonlyMap<number, KnownStream>,
  final: boolean,
  sizeConfirmed = true,
): ResyncResult {
  for (let i = 0; i < b.length; i++) {
    const r = candidate(b, i, currentChunkSize, known, final, sizeConfirmed);
    if (r === 'more') return { kind: 'more' };
    if (r === null) continue;
    // A 2- or 3-byte chunk stream id whose last byte is itself a 1-byte basic header is most
    // likely payload bytes in front of the real header: prefer the real one when it also holds.
    if (((b[i] as number) & 0x3f) <= 1) {
      for (const j of [i + 1, i + 2]) {
        const alt = candidate(b, j, currentChunkSize, known, final, sizeConfirmed);
        if (alt !== null && alt !== 'more' && ((b[j] as number) & 0x3f) > 1) return { kind: 'found', at: j, chunkSize: alt.size, evidence: alt.evidence };
      }
    }
    return { kind: 'found', at: i, chunkSize: r.size, evidence: r.evidence };
  }
  return { kind: 'none' };
}

/**
 * The chunk size under which the chain from `i` holds best, null when none does, 'more' when the
 * available bytes cannot decide yet.
 */
function candidate(
  b: Uint8Array,
  i: number,
  current: number,
  known: ReadonlyMap<number, KnownStream>,
  final: boolean,
  sizeConfirmed: boolean,
): { size: number; evidence: number } | 'more' | null {
  if (i >= b.length || (b[i] as number) >> 6 > 1) return null;
  const h = parseHeader(b, i);
  if (h === 'more') return final ? null : 'more';
  if (h === null || !saneFull(h)) return null;
  if (h.fmt === 1 && !known.has(h.csid)) return null;
  let best: { size: number; evidence: number; headers: number } | null = null;
  let undecided = false;
  let currentHolds = false;
  for (const cs of candidateSizes(b, i, current)) {
    const c = chainAt(b, i, cs, known);
    if (c.status === 'bad') continue;
    const holds = c.status === 'ok' || (final && c.endsOnBoundary && c.headers >= 1);
    if (!holds) {
      undecided = true;
      continue;
    }
    if (cs === current) currentHolds = true;
    if (best === null || c.evidence > best.evidence || (c.evidence === best.evidence && c.headers > best.headers)) {
      best = { size: cs, evidence: c.evidence, headers: c.headers };
    }
  }
  if (sizeConfirmed && currentHolds) return { size: current, evidence: 0 };
  // A size with evidence (messages spanning chunks that ended where the next header holds) wins;
  // one such message can be a coincidence of payload bytes, two hardly.
  if (best !== null && best.evidence >= (final ? 1 : 2)) return { size: best.size, evidence: best.evidence };
  // Otherwise the chunk size cannot be told yet: wait for a longer message, unless no more will come.
  if (!final) return undecided || best !== null ? 'more' : null;
  if (best === null) return null;
  return currentHolds ? { size: current, evidence: 0 } : { size: best.size, evidence: 0 };
}
