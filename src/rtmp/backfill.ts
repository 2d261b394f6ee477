/**
 * Backfill after a resync: the messages between the start of the scanned bytes and the position
 * a chain confirmed. Pure.
 *
 * A resync position is the start of a chain of self-describing headers (resync.ts). The bytes
 * before it often hold whole messages whose headers are not self-describing: type-2 and type-3
 * headers on a chunk stream whose last type-0/1 header was before the cut (or the loss), so their
 * type and length were unknown when the bytes were scanned. Encoders send most audio this way
 * (FFmpeg: a type-2 header whenever only the timestamp changed, a type-3 header when the delta
 * repeats too), so a cut drops every such message until the chunk stream's next type-0/1 header.
 *
 * The chain from the resync position tells each chunk stream's message types and lengths (its
 * type-0/1 headers). Each is a hypothesis about the state those earlier headers inherit: that
 * the message before them on the chunk stream had this type and length, and ended before the
 * first of them. A hypothesis is taken only when, under it, headers parse from an earlier position
 * one after another, every message complete, and land exactly on the confirmed position: payload
 * bytes would have to mimic headers whose lengths add up to the byte. The earliest such position
 * is taken (a later one lies on the same chain: the chain from the earliest passes through it).
 * The messages decoded under a hypothesis carry unknown timestamp and message stream id, as after
 * any loss.
 *
 * Bounded: at most MAX_HYPOTHESES hypotheses, positions in the last MAX_SPAN bytes before the
 * resync position, walks of at most MAX_WALK headers; so the cost is linear in the bytes skipped.
 */
import { parseHeader, plausibleFirstBodyByte, sane, type KnownStream } from './resync.js';

/** Chunk streams' states tried (combinations of candidate type/length per chunk stream). */
const MAX_HYPOTHESES = 4;
/** Candidates per chunk stream. */
const MAX_CANDIDATES = 3;
/** Headers followed from the resync position to learn candidates. */
const LEARN_HEADERS = 64;
/** Headers a backfill walk may take to reach the resync position. */
const MAX_WALK = 32;
/** How far before the resync position a backfill may start. */
const MAX_SPAN = 64 * 1024;

type Sim = { typeId: number; length: number; remaining: number };

/**
 * Per chunk stream, the (type, length) pairs that type-0/1 headers declare on the chain from
 * `at`, in order of first appearance, as far as the headers parse consistently.
 */
function declaredFrom(b: Uint8Array, at: number, cs: number, known: ReadonlyMap<number, KnownStream>): Map<number, { typeId: number; length: number }[]> {
  const out = new Map<number, { typeId: number; length: number }[]>();
  const sim = new Map<number, Sim>();
  let p = at;
  for (let n = 0; n < LEARN_HEADERS; n++) {
    const r = step(b, p, cs, sim, known);
    if (r === null) break;
    if (r.fmt <= 1) {
      const list = out.get(r.csid) ?? [];
      const s = sim.get(r.csid) as Sim;
      if (list.length < MAX_CANDIDATES && !list.some((d) => d.typeId === s.typeId && d.length === s.length)) list.push({ typeId: s.typeId, length: s.length });
      out.set(r.csid, list);
    }
    p = r.next;
    cs = r.cs;
  }
  return out;
}

/**
 * Follow one header at `p` with the states in `sim` (updated) and `known`: where the next header
 * starts and the chunk size after it; null when the header cannot be there or its chunk runs
 * past the bytes.
 */
function step(b: Uint8Array, p: number, cs: number, sim: Map<number, Sim>, known: ReadonlyMap<number, KnownStream>, used?: Set<number>): { next: number; cs: number; fmt: number; csid: number; length: number } | null {
  const h = parseHeader(b, p);
  if (h === null || h === 'more' || !sane(h, b)) return null;
  let s = sim.get(h.csid);
  if (h.fmt <= 1) {
    if (s !== undefined && s.remaining > 0) return null;
    s = { typeId: h.typeId, length: h.length, remaining: h.length };
  } else {
    if (s === undefined) {
      const k = known.get(h.csid);
      if (k === undefined || (h.fmt === 3 && k.exact !== true)) return null;
      s = { typeId: k.typeId, length: k.length, remaining: 0 };
      used?.add(h.csid);
    }
    if (h.fmt === 2 && s.remaining > 0) return null;
    if (s.remaining === 0) s.remaining = s.length;
  }
  const starting = s.remaining === s.length;
  const payload = Math.min(cs, s.remaining);
  const q = p + h.len;
  if (q + payload > b.length) return null;
  s.remaining -= payload;
  sim.set(h.csid, s);
  if (s.typeId === 1 && starting && payload === 4) {
    const v = (((b[q] as number) << 24) | ((b[q + 1] as number) << 16) | ((b[q + 2] as number) << 8) | (b[q + 3] as number)) & 0x7fffffff;
    if (v > 0) cs = v;
  }
  return { next: q + payload, cs, fmt: h.fmt, csid: h.csid, length: s.length };
}

/**
 * Do headers parse from `i` under `known`, every message complete, landing exactly on `to`? The
 * first header must tell its own length or inherit it (type 0, 1 or 2: a type-3 header is one
 * byte, which payload bytes mimic too easily; and a type-2 header, five bytes of which one is
 * constrained, must be followed by another before `to`). After a type-0/1 first header, the last message
 * may be one whose header (type 2 or 3) inherits from a chunk stream nobody saw, of a type the
 * chain after `to` declares for it (`types`): its length is then what is left up to `to` (at most
 * one chunk), unless the bytes could also be read as more than one message landing there. The chunk streams whose state came
 * from `known` or a fill, with that state, when the headers land; null when they do not.
 */
function landsOn(b: Uint8Array, i: number, to: number, cs: number, known: ReadonlyMap<number, KnownStream>, hyp: ReadonlyMap<number, KnownStream>, types: ReadonlyMap<number, number>): Backfill | null {
  if ((b[i] as number) >> 6 === 3) return null;
  const all = new Map(known);
  for (const [csid, k] of hyp) all.set(csid, k);
  const sim = new Map<number, Sim>();
  const used = new Set<number>();
  let covered = 0;
  let p = i;
  let n = 0;
  for (; p < to; n++) {
    if (n >= MAX_WALK) return null;
    // The last message, on a chunk stream the hypothesis covers or not.
    // (Only after a self-describing first header: any byte of the right value within a chunk of
    // the position starts a fill, so the headers before it must carry the evidence.)
    const fill = n > 0 && (b[i] as number) >> 6 <= 1 ? fillAt(b, p, to, cs, sim, known, types) : null;
    if (fill !== null) return { at: i, streams: assumedOf(used, hyp, fill), covered: Math.max(covered, fill[1].length) };
    const r = step(b, p, cs, sim, all, used);
    if (r === null) return null;
    covered = Math.max(covered, r.length);
    p = r.next;
    cs = r.cs;
  }
  if (p !== to || (n < 2 && (b[i] as number) >> 6 === 2)) return null;
  for (const s of sim.values()) if (s.remaining > 0) return null;
  return { at: i, streams: assumedOf(used, hyp, null), covered };
}

/** The hypotheses a walk relied on (and the fill it ended with). */
function assumedOf(used: ReadonlySet<number>, hyp: ReadonlyMap<number, KnownStream>, fill: [number, KnownStream] | null): Map<number, KnownStream> {
  const out = new Map<number, KnownStream>();
  for (const csid of used) {
    const k = hyp.get(csid);
    if (k !== undefined) out.set(csid, k);
  }
  if (fill !== null) out.set(fill[0], fill[1]);
  return out;
}

/** The last message up to `to`, on a chunk stream with no state (see landsOn); null if not. */
function fillAt(b: Uint8Array, p: number, to: number, cs: number, sim: ReadonlyMap<number, Sim>, known: ReadonlyMap<number, KnownStream>, types: ReadonlyMap<number, number>): [number, KnownStream] | null {
  const h = parseHeader(b, p);
  if (h === null || h === 'more' || h.fmt < 2 || !sane(h, b) || sim.has(h.csid) || known.has(h.csid)) return null;
  for (const s of sim.values()) if (s.remaining > 0) return null;
  const typeId = types.get(h.csid);
  const length = to - p - h.len;
  if (typeId === undefined || length < 0 || length > cs || (length > 0 && !plausibleFirstBodyByte(typeId, b[p + h.len] as number))) return null;
  // Bytes that read as more messages landing on `to` as well are ambiguous: no fill.
  for (let q = p + h.len; q < to; q++) {
    const alt = new Map(sim);
    alt.set(h.csid, { typeId, length: q - p - h.len, remaining: 0 });
    if (landsPlain(b, q, to, cs, alt, known)) return null;
  }
  return [h.csid, { typeId, length, streamId: 0, exact: true }];
}

/** Headers from `q` with these states land exactly on `to` (no fill, no hypothesis). */
function landsPlain(b: Uint8Array, q: number, to: number, cs: number, sim: Map<number, Sim>, known: ReadonlyMap<number, KnownStream>): boolean {
  let p = q;
  for (let n = 0; p < to; n++) {
    if (n >= MAX_WALK) return false;
    const r = step(b, p, cs, sim, known);
    if (r === null) return false;
    p = r.next;
    cs = r.cs;
  }
  return p === to;
}

export type Backfill = {
  /** Where decoding resumes instead (before the confirmed position). */
  readonly at: number;
  /** The chunk-stream states it assumes (type and length of each one's previous message). */
  readonly streams: ReadonlyMap<number, KnownStream>;
  /** The longest message the headers read on the way (how they were read was decided by landing). */
  readonly covered: number;
};

/**
 * `to` is a resync position in `b` (confirmed by a chain under chunk size `cs`), `known` the
 * chunk streams that survived the loss. The earliest position before it from which, under one
 * hypothesis about chunk streams the skipped headers could not place, headers lead to `to`; null
 * when there is none.
 */
export function backfill(b: Uint8Array, to: number, cs: number, known: ReadonlyMap<number, KnownStream>): Backfill | null {
  if (to <= 0) return null;
  const cands: [number, KnownStream[]][] = [];
  /** The message type of each chunk stream the chain declares only one type for. */
  const types = new Map<number, number>();
  for (const [csid, declared] of declaredFrom(b, to, cs, known)) {
    const t = declared[0]?.typeId;
    if (t !== undefined && declared.every((d) => d.typeId === t)) types.set(csid, t);
    const k = known.get(csid);
    if (k?.exact === true) continue;
    const opts: KnownStream[] = [];
    // A chunk stream that survived the loss: that no header of it was lost is a hypothesis too.
    if (k !== undefined) opts.push({ typeId: k.typeId, length: k.length, streamId: k.streamId, exact: true });
    for (const d of declared) if (!opts.some((o) => o.typeId === d.typeId && o.length === d.length)) opts.push({ typeId: d.typeId, length: d.length, streamId: k?.streamId ?? 0, exact: true });
    cands.push([csid, opts.slice(0, MAX_CANDIDATES)]);
  }
  let best: Backfill | null = null;
  for (let h = 0; h < Math.max(1, MAX_HYPOTHESES); h++) {
    // Hypothesis h: the h-th candidate of every chunk stream (its last one when it has fewer).
    if (h > 0 && cands.every(([, o]) => o.length <= h)) break;
    const hyp = new Map<number, KnownStream>();
    for (const [csid, o] of cands) hyp.set(csid, o[Math.min(h, o.length - 1)] as KnownStream);
    const end = best?.at ?? to;
    for (let i = Math.max(0, to - MAX_SPAN); i < end; i++) {
      const found = landsOn(b, i, to, cs, known, hyp, types);
      // Nothing assumed: the resync could have found it itself, and did not.
      if (found === null || found.streams.size === 0) continue;
      best = found;
      break;
    }
  }
  return best;
}
