/**
 * Finding chunk boundaries again after lost bytes or a capture that starts mid-stream. Pure.
 *
 * A candidate position is accepted when a chain of chunk headers parses from it and stays
 * consistent: the first header is a full (type 0) or type-1 header with a known message type, a
 * sane length, a stream id that fits in 16 bits, a plausible timestamp delta and, for protocol
 * control messages, the exact body size the type defines (and, where the body is there, a body
 * that starts the way its type requires); every following header refers to a chunk stream the
 * chain (or, for type-2 headers, the surviving state) knows, and continuation chunks sit exactly
 * one chunk size apart. A type-1 header may start a chunk stream the decoder never saw: its type
 * 0 header was not captured, so its message stream id and absolute timestamp stay unknown (the
 * decoder flags them). A type-3 header is only taken after a type 0/1/2 header of its chunk
 * stream in the same chain: after a loss nobody knows whether it continues a message or starts
 * one. A chain of `CHAIN` completed messages, the candidate's own among them, confirms the
 * position; when no more bytes will come (the end, or a hole), so does a chain that holds to
 * their end. A Set Chunk Size met on the way is applied to the rest of the chain.
 *
 * When the chunk size in force is unknown (Set Chunk Size was lost or sent before the capture),
 * every candidate size is followed over all the bytes available, and a size is taken on evidence:
 * messages that spanned several chunks and completed where the next header holds. With no such
 * message (every message so far fits one chunk, as with node-media-server's 65535) the position
 * is taken as soon as a chain holds over all the bytes and no smaller size is still undecided,
 * with the smallest size that holds as a guess: every size that holds decodes them alike, and of the sizes that hold, only one above the
 * true size could later misread a chunk boundary before noticing, while a message longer than a
 * guess too small sends the decoder back here from its header, where its own continuation headers
 * show the size (the size in force, a guess from before a loss, stays while it holds as well as
 * any). Two sizes with equal evidence are a coincidence of payload bytes (both read the
 * same boundaries): the smallest is a guess, not evidence. Candidates are the
 * sizes seen in practice and every distance at which the message's own type-3 header byte
 * reappears. Everything here is a guess backed by consistency checks, flagged as such to the
 * user; the decoder keeps checking a guessed size (chunk-decoder.ts).
 */

export type KnownStream = {
  readonly typeId: number;
  readonly length: number;
  readonly streamId: number;
  /** No byte was lost since this chunk stream's last header and no message of it is in progress: a type-3 header starts its next message. */
  readonly exact?: boolean;
};

export type ResyncResult =
  | { readonly kind: 'found'; readonly at: number; readonly chunkSize: number; readonly evidence: number }
  /** Undecided from `at` on (every earlier position is ruled out, whatever bytes follow). */
  | { readonly kind: 'more'; readonly at: number }
  | { readonly kind: 'none' };

const KNOWN_TYPES = new Set([1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22]);
const CONTROL_SIZE: Readonly<Record<number, number>> = { 1: 4, 2: 4, 3: 4, 5: 4, 6: 5 };
export const COMMON_CHUNK_SIZES = [128, 4096, 60000, 65535, 65536, 1024, 2048, 8192, 16384, 32768, 1400, 1460, 1500, 256, 512, 1000, 4000, 5000, 10000, 131072];
/** Headers a chain must have to confirm a position. */
export const CHAIN = 3;
const MAX_LENGTH = 16 * 1024 * 1024;
/**
 * Largest timestamp delta (ms) a type-1/2 header may carry outside the extended field: about 4.4
 * minutes. Real deltas are frame intervals (or 0 for commands); a sparse data track could exceed
 * it, which only costs that one header as a resync point. A guess that rejects 63/64 of random
 * bytes.
 */
export const MAX_DELTA = 0x40000;
/** Headers followed at most per candidate. */
const MAX_CHAIN = 4096;

type SimStream = { typeId: number; length: number; remaining: number; chunks: number };

export type Header = { at: number; fmt: number; csid: number; len: number; ts: number; typeId: number; length: number; streamId: number };

/** Parse a chunk header at `p`; null if impossible, 'more' if the bytes end first. */
export function parseHeader(b: Uint8Array, p: number): Header | 'more' | null {
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
  return { at: start, fmt, csid, len: p - start, ts, typeId, length, streamId };
}

/**
 * Could a message header with these fields have been sent? `fmt` 0/1 give type and length (and
 * 0 the stream id, else -1); `tsField` is the 24-bit timestamp field (0xffffff = extended).
 * Shared with the chunk decoder, which applies it to every header after a loss.
 */
export function plausibleMessageHeader(fmt: number, tsField: number, typeId: number, length: number, streamId: number): boolean {
  if ((fmt === 1 || fmt === 2) && tsField >= MAX_DELTA && tsField !== 0xffffff) return false;
  if (fmt >= 2) return true;
  if (!KNOWN_TYPES.has(typeId) || length > MAX_LENGTH) return false;
  const ctl = CONTROL_SIZE[typeId];
  if (ctl !== undefined && length !== ctl) return false;
  if (fmt === 0) {
    if (streamId > 0xffff) return false;
    if (ctl !== undefined && streamId !== 0) return false;
    if (typeId === 4 && streamId !== 0) return false;
  }
  return true;
}

/** Does a message body that starts with byte `first` fit its type? (Only what cannot vary.) */
export function plausibleFirstBodyByte(typeId: number, first: number): boolean {
  // AMF0 command and data messages start with their name, a string (marker 2).
  // (Media is left alone: a video tag's first byte is constrained too, but not by every peer.)
  return typeId === 20 || typeId === 18 ? first === 0x02 : true;
}

export function sane(h: Header, b: Uint8Array): boolean {
  if (!plausibleMessageHeader(h.fmt, h.ts, h.typeId, h.length, h.streamId)) return false;
  const body = b[h.at + h.len];
  return h.fmt > 1 || h.length === 0 || body === undefined || plausibleFirstBodyByte(h.typeId, body);
}

/** Outcome of following chunk headers from a candidate position with one chunk size. */
export type Chain = {
  /** 'ok': CHAIN messages (the first among them) completed and their headers hold; 'bad': a header contradicted the chain first; 'short': the bytes ended first. */
  readonly status: 'ok' | 'bad' | 'short';
  /** Headers that held. */
  readonly headers: number;
  /** Continuation chunks found exactly one chunk size apart: evidence for the chunk size. */
  readonly evidence: number;
  /** No header contradicted the chain anywhere it was followed (only differs from status in `full` mode). */
  readonly clean: boolean;
  /**
   * The candidate's own first message completed inside the chain. Required for 'ok': otherwise a
   * header made of payload bytes with a huge length could be "confirmed" by the real headers its
   * first chunk happens to jump to.
   */
  readonly firstDone: boolean;
  /** The last header's chunk ended exactly at the end of the bytes. */
  readonly endsOnBoundary: boolean;
  /** Continuation headers that held (type 3, in the middle of a message, one chunk size after the last). */
  readonly continued: number;
};

/**
 * Follow headers from `at` with chunk size `cs` until CHAIN messages have completed (`full`:
 * until the bytes end, or MAX_CHAIN headers). Evidence for `cs` is a message that spanned
 * several chunks, completed, and was followed by a header that holds.
 */
export function chainAt(b: Uint8Array, at: number, cs: number, known: ReadonlyMap<number, KnownStream>, full = false): Chain {
  return new ChainWalk(at, cs, known).run(b, full);
}

/**
 * The chain from one position under one chunk size, resumable: `run` follows headers as far as
 * the bytes go, and a later `run` on the same bytes grown longer goes on from where the last one
 * stopped (a header or chunk the bytes cut is parsed again, nothing before it). Used once by
 * chainAt, and kept across pushes by the mid-stream detector so its scan stays linear.
 */
export class ChainWalk {
  private readonly sim = new Map<number, SimStream>();
  private p: number;
  private evidence = 0;
  private completed = 0;
  private pendingEvidence = 0;
  private continued = 0;
  private count = 0;
  private ok = false;
  /** The candidate's own message completed (and so was checked to its end). */
  private firstDone = false;
  private firstCsid = -1;
  private dead = false;

  constructor(
    readonly at: number,
    private cs: number,
    private readonly known: ReadonlyMap<number, KnownStream>,
  ) {
    this.p = at;
  }

  /** After a 'short' run: the stream length the next run needs to get further. */
  need = 0;

  private result(b: Uint8Array, end: 'bad' | 'short' | 'ok', count = this.count, firstDone = this.firstDone): Chain {
    const reached = this.ok || (count >= CHAIN && this.completed >= CHAIN && firstDone);
    return { status: reached ? 'ok' : end, headers: count, evidence: this.evidence, clean: end !== 'bad', firstDone, endsOnBoundary: this.p === b.length, continued: this.continued };
  }

  private bad(b: Uint8Array): Chain {
    this.dead = true;
    return this.result(b, 'bad');
  }

  run(b: Uint8Array, full = false): Chain {
    if (this.dead) return this.result(b, 'bad');
    for (; this.count < MAX_CHAIN; this.count++) {
      if (this.completed >= CHAIN && this.count >= CHAIN && this.firstDone) {
        this.ok = true;
        if (!full) return this.result(b, 'ok');
      }
      const p = this.p;
      // A header the bytes cut: more bytes, however few, may complete it.
      this.need = b.length + 1;
      if (p === b.length) return this.result(b, 'short');
      const h = parseHeader(b, p);
      if (h === 'more') return this.result(b, 'short');
      if (h === null || !sane(h, b)) return this.bad(b);
      if (this.count === 0) this.firstCsid = h.csid;
      let s = this.sim.get(h.csid);
      if (h.fmt === 0 || h.fmt === 1) {
        if (s !== undefined && s.remaining > 0) return this.bad(b); // a new message before the last one ended
        s = { typeId: h.typeId, length: h.length, remaining: h.length, chunks: 0 };
      } else {
        if (this.count === 0) return this.bad(b);
        if (s === undefined) {
          // Type 2 inherits type and length from the surviving state; type 3 could be a
          // continuation of a message whose start was lost just as well as a new message (unless
          // nothing was lost since the chunk stream's last header: a rescan).
          const k = this.known.get(h.csid);
          if (k === undefined || (h.fmt === 3 && k.exact !== true)) return this.bad(b);
          s = { typeId: k.typeId, length: k.length, remaining: 0, chunks: 0 };
        } else s = { ...s };
        if (h.fmt === 2 && s.remaining > 0) return this.bad(b);
        if (s.remaining === 0) {
          s.remaining = s.length; // starts a new message of the same length
          s.chunks = 0;
        }
      }
      const starting = s.remaining === s.length;
      const payload = Math.min(this.cs, s.remaining);
      s.remaining -= payload;
      s.chunks++;
      const completes = s.remaining === 0;
      const firstDone = this.firstDone || (completes && h.csid === this.firstCsid);
      if (p + h.len + payload > b.length) {
        // The bytes end inside this chunk: report it as followed, but resume before it.
        this.need = p + h.len + payload;
        const [completed, evidence, continued] = [this.completed, this.evidence, this.continued];
        if (completes) this.completed++;
        if (!starting) this.continued++;
        this.evidence += this.pendingEvidence;
        const r = this.result(b, 'short', this.count + 1, firstDone);
        [this.completed, this.evidence, this.continued] = [completed, evidence, continued];
        return r;
      }
      // This header holds: a multi-chunk message completed before it is now confirmed.
      this.sim.set(h.csid, s);
      if (!starting) this.continued++;
      this.evidence += this.pendingEvidence;
      this.pendingEvidence = 0;
      if (completes) {
        this.completed++;
        this.firstDone = firstDone;
        if (s.chunks > 1) this.pendingEvidence++;
      }
      // A Set Chunk Size on the way applies to the chunks after it.
      if (s.typeId === 1 && starting && payload === 4) {
        const q = p + h.len;
        const v = (((b[q] as number) << 24) | ((b[q + 1] as number) << 16) | ((b[q + 2] as number) << 8) | (b[q + 3] as number)) & 0x7fffffff;
        if (v > 0) this.cs = v;
      }
      this.p = p + h.len + payload;
    }
    return this.result(b, 'ok');
  }
}

/** Could a chunk header that starts a chain (type 0 or 1) begin at `i`? 'more': its bytes are not all there. */
export function chainStartAt(b: Uint8Array, i: number): boolean | 'more' {
  if (i >= b.length) return 'more';
  if ((b[i] as number) >> 6 > 1) return false;
  const h = parseHeader(b, i);
  if (h === 'more') return 'more';
  return h !== null && sane(h, b);
}

/**
 * The chunk size to go on with when bytes that begin at a header which parsed (`b[0]`, a message
 * longer than `guess`, the length the guessed size is known to cover) end at a hole or at the end before
 * any size could be confirmed: the smallest size in use in practice under which the chain holds up
 * to the end of the bytes and at least one continuation header sat exactly where it said; null
 * with none (no size is supported by evidence: the message is not to be read under a guess).
 * (Sizes found only from where the header byte reappears are left out: their first continuation
 * header is there by construction, not by evidence.)
 */
export function sizeBeforeHole(b: Uint8Array, known: ReadonlyMap<number, KnownStream>, guess: number): number | null {
  const seen = COMMON_CHUNK_SIZES.filter((cs) => cs >= guess)
    .map((cs) => ({ cs, c: chainAt(b, 0, cs, known, true) }))
    .filter((x) => x.c.clean && x.c.continued > 0)
    .sort((x, y) => x.cs - y.cs)[0];
  return seen?.cs ?? oneChunk(b, known, guess);
}

/**
 * Or, with no continuation header to show a size: the message at `b[0]` read as one chunk, when
 * every size below its length is ruled out. Under a size s below it, a type-3 header of its chunk
 * stream would sit at payload offset s: only the offsets where that byte appears are possible,
 * and the chain under each of those must break. Read as one chunk, the message must complete and
 * the header after it parse. Then the smallest size in use in practice that holds it in one
 * chunk (every such size reads these bytes alike); null otherwise (the hole or the end comes
 * too soon to tell, as when it cuts the message or follows it directly).
 */
function oneChunk(b: Uint8Array, known: ReadonlyMap<number, KnownStream>, guess: number): number | null {
  const h = parseHeader(b, 0);
  if (h === null || h === 'more' || h.csid > 63) return null;
  const length = h.fmt <= 1 ? h.length : known.get(h.csid)?.length;
  if (length === undefined || length <= guess) return null;
  const whole = COMMON_CHUNK_SIZES.filter((cs) => cs >= length).sort((x, y) => x - y)[0];
  if (whole === undefined) return null;
  const c = chainAt(b, 0, whole, known, true);
  if (!c.clean || c.headers < 2) return null;
  const marker = 0xc0 | h.csid;
  // Offsets past the bytes held cannot hold the marker: the loop is bounded by them, not by the claimed length.
  const end = Math.min(length, b.length - h.len);
  for (let cs = Math.max(1, guess); cs < end; cs++) {
    if (b[h.len + cs] === marker && chainAt(b, 0, cs, known, true).clean) return null;
  }
  return whole;
}

/** Chunk sizes worth trying for the message whose full header is at `at`. */
function candidateSizes(b: Uint8Array, at: number, current: number): number[] {
  const out = [current, ...COMMON_CHUNK_SIZES.filter((c) => c !== current)];
  const h = parseHeader(b, at);
  if (h === null || h === 'more' || h.fmt > 1 || h.csid > 63) return out;
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
  /** First position to try: where an earlier non-final attempt on the same bytes stopped. */
  from = 0,
): ResyncResult {
  let firstWeak = -1;
  /** The first undecided position whose own first message is not complete yet under any size (there may be more). */
  let pending = -1;
  for (let i = from; i < b.length; i++) {
    const seen = { firstDone: false };
    const c = candidate(b, i, currentChunkSize, known, final, sizeConfirmed, seen);
    const r = c === 'more' && !seen.firstDone ? 'pending' : c;
    // A header whose first message the bytes have not completed under any size (a false header
    // claiming megabytes waits for them) does not hold up a chain that completes after it: the
    // bytes that follow contradict its length. Any other undecided position does.
    if (r === 'pending') {
      if (pending < 0) pending = i;
      continue;
    }
    if (r === 'more') return { kind: 'more', at: Math.min(...[firstWeak, pending, i].filter((x) => x >= 0)) };
    if (r === 'weak') {
      if (firstWeak < 0) firstWeak = i;
      continue;
    }
    if (r === null) continue;
    // A 2- or 3-byte chunk stream id whose last byte is itself a 1-byte basic header is most
    // likely payload bytes in front of the real header: prefer the real one when it also holds.
    if (((b[i] as number) & 0x3f) <= 1) {
      for (const j of [i + 1, i + 2]) {
        const alt = candidate(b, j, currentChunkSize, known, final, sizeConfirmed);
        if (alt !== null && alt !== 'more' && alt !== 'weak' && ((b[j] as number) & 0x3f) > 1) return { kind: 'found', at: j, chunkSize: alt.size, evidence: alt.evidence };
      }
    }
    return { kind: 'found', at: i, chunkSize: r.size, evidence: r.evidence };
  }
  if (pending >= 0) return { kind: 'more', at: firstWeak >= 0 ? Math.min(firstWeak, pending) : pending };
  return { kind: 'none' };
}

/**
 * The chunk size under which the chain from `i` holds best, null when none does whatever bytes
 * follow, 'weak' when none does with these bytes but more could change that (a chain that is not
 * contradicted yet), 'more' when the available bytes cannot decide yet (then `seen.firstDone`
 * says whether the header's own message completed under some size whose chain is still alive).
 */
function candidate(
  b: Uint8Array,
  i: number,
  current: number,
  known: ReadonlyMap<number, KnownStream>,
  final: boolean,
  sizeConfirmed: boolean,
  /** Set when some size's chain from `i`, not contradicted, completed its first message. */
  seen: { firstDone: boolean } = { firstDone: false },
): { size: number; evidence: number } | 'more' | 'weak' | null {
  const start = chainStartAt(b, i);
  if (start === 'more') return final || i >= b.length ? null : 'more';
  if (!start) return null;
  type Scored = { size: number; evidence: number; headers: number; clean: boolean };
  const held: Scored[] = [];
  let undecided = false;
  /** Some size's chain is not contradicted by the bytes there are. */
  let alive = false;
  /** The smallest size whose chain neither holds nor breaks yet (more bytes decide). */
  let smallestOpen = Infinity;
  for (const cs of candidateSizes(b, i, current)) {
    // With the size known, CHAIN messages confirm the position; otherwise every size is followed
    // as far as the bytes go, so that a size that fits the first messages but not a later, longer
    // one loses to one that fits them all.
    const c = chainAt(b, i, cs, known, !sizeConfirmed);
    if (c.status === 'bad') continue;
    alive = true;
    if (c.firstDone) seen.firstDone = true;
    // With no more bytes to come, a chain that holds to their end holds: one that ends on a chunk
    // boundary, or one of CHAIN headers whose last chunk is cut by the end (or by a hole).
    const holds = c.status === 'ok' || (final && (c.endsOnBoundary ? c.headers >= 1 : c.headers >= CHAIN && c.firstDone));
    if (!holds) {
      smallestOpen = Math.min(smallestOpen, cs);
      // With a known size, only the size itself, or another already showing evidence, is worth
      // waiting for; anything else would let payload bytes hold up the scan.
      if (!sizeConfirmed || cs === current || c.evidence > 0) undecided = true;
      continue;
    }
    if (cs === current && sizeConfirmed) return { size: current, evidence: 0 };
    held.push({ size: cs, evidence: c.evidence, headers: c.headers, clean: c.clean });
  }
  // Rank: clean over all the bytes, then more evidence, then (when contradicted somewhere) the
  // longer chain. Among equals the smallest size, because the true size always holds: a size
  // below it expects a continuation header where there is payload (caught before any message is
  // emitted), while one above it would read a continuation header as payload (caught only after).
  const rank = (a: Scored, than: Scored): number => (a.clean !== than.clean ? (a.clean ? 1 : -1) : a.evidence !== than.evidence ? a.evidence - than.evidence : a.clean ? 0 : a.headers - than.headers);
  let top: Scored[] = [];
  for (const s of held) {
    const r = top[0] === undefined ? 1 : rank(s, top[0]);
    if (r > 0) top = [s];
    else if (r === 0) top.push(s);
  }
  top.sort((x, y) => x.size - y.size);
  const best = top[0];
  // A size with evidence (messages spanning chunks that ended where the next header holds) wins
  // when it is the only one with that much; before the end of the bytes, one such message counts
  // only if the chain holds over all of them (a payload byte that looks like the continuation
  // header shifts what follows by a byte: a wrong size with evidence hardly stays clean).
  if (best !== undefined && best.evidence > 0 && top.length === 1 && (final || best.evidence >= 2 || (!sizeConfirmed && best.clean))) {
    return { size: best.size, evidence: best.evidence };
  }
  // A known chunk size only gives way to evidence (a Set Chunk Size lost in a gap): other sizes
  // that merely hold do not count.
  // (A chain not contradicted by these bytes may still hold with more of them: 'weak', not null.)
  const none = alive ? 'weak' : null;
  if (sizeConfirmed) {
    // Two sizes with the same evidence read the same messages differently (a payload byte that
    // looks like the continuation header): ambiguous, so wait for more, or give this position up.
    if (best !== undefined && best.evidence >= (final ? 1 : 2)) return final ? null : 'more';
    return !final && (undecided || (best !== undefined && best.evidence > 0)) ? 'more' : none;
  }
  // The chunk size is not known. The position is taken as soon as a chain holds (over all the
  // bytes there are, before their end), with a guess (evidence 0: the decoder keeps checking it).
  // With no evidence, the smallest size that holds: every size that holds decodes these messages
  // alike; a message longer than the guess sends the decoder back here from its own header, where
  // its continuation headers show the size (chunk-decoder.ts), so a guess too small costs nothing,
  // while one too large would read a continuation header as payload. The size in force (a guess
  // from before a loss) stays while it holds as well as any. Sizes tied on evidence (a payload
  // byte equal to the continuation header at another candidate's distance: the same boundaries,
  // not the same bytes) go by how common they are: the sizes in use in practice, in the order of
  // COMMON_CHUNK_SIZES, before those found where the header byte reappears.
  const pick = best !== undefined && best.evidence > 0 ? top.map((t) => t.size).sort((x, y) => commonness(x) - commonness(y) || x - y)[0] : top.some((t) => t.size === current) ? current : best?.size;
  // Before the end of the bytes, a smaller size still open could hold too (a message cut by the
  // end of the bytes is counted as complete under a size above its length): wait for it.
  if (best === undefined || pick === undefined || (!final && (!best.clean || pick > smallestOpen))) return !final && (undecided || best !== undefined) ? 'more' : none;
  return { size: pick, evidence: 0 };
}

/** Rank of a chunk size among those in use in practice (lower: more common); others last. */
function commonness(cs: number): number {
  const i = COMMON_CHUNK_SIZES.indexOf(cs);
  return i < 0 ? COMMON_CHUNK_SIZES.length : i;
}
