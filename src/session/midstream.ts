/**
 * Recognising RTMP in a TCP connection whose start is not in the capture. Pure, no I/O.
 *
 * Such a connection is held undecided: the bytes of both directions (and any holes) are kept, in
 * arrival order, up to a budget. Each direction is scanned for evidence, the criterion resync uses
 * (resync.ts): a chain of consistent chunk headers from some position under some chunk size,
 * CHAIN messages completed, the first among them. The scan is incremental and linear in the bytes
 * held: every position is looked at once as bytes arrive; a position whose header is plausible
 * starts one resumable chain walk per candidate chunk size, and a walk the bytes cut short sleeps
 * until the bytes it needs have arrived (a heap ordered by that need), then goes on from where it
 * stopped. Most walks die at their first header or first continuation chunk.
 *
 * Once a direction holds such a chain, the connection is RTMP, and each direction's layout is read
 * from what it holds (both directions' evidence together): the whole handshake (a version byte,
 * two 1536-byte blocks, then a type-0 chunk header that a chain follows at the default chunk size
 * 128), only the second block (C2 or S2 — the capture began between the first and second blocks),
 * or neither (decoding starts by scanning). The layouts say who the client is when the TCP stage
 * had to guess: a side that sent only C2 while the other sent S0+S1+S2 is the client, even though
 * the server spoke first in the capture; so is any side facing a whole S0+S1+S2; of two whole
 * handshakes, the one that came first is the client's.
 */
import type { Direction } from '../core/diagnostics.js';
import { isRtmpVersion } from '../rtmp/detect.js';
import { HANDSHAKE_SIZE } from '../rtmp/handshake.js';
import { CHAIN, ChainWalk, chainStartAt, COMMON_CHUNK_SIZES } from '../rtmp/resync.js';

/** How a direction's held bytes begin. */
export type Layout = 'handshake' | 'second-block' | 'handshake-tail' | 'chunks' | 'none';

const NO_STREAMS = new Map();
/** Chunk sizes a detection chain is tried with (the default 128 first). */
const SIZES = [128, ...COMMON_CHUNK_SIZES.filter((c) => c !== 128)];

/** A min-heap of sleeping walks, keyed by the stream length each needs. */
class WalkHeap {
  private readonly items: ChainWalk[] = [];
  get size(): number {
    return this.items.length;
  }
  push(w: ChainWalk): void {
    const a = this.items;
    a.push(w);
    let i = a.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if ((a[up] as ChainWalk).need <= w.need) break;
      a[i] = a[up] as ChainWalk;
      i = up;
    }
    a[i] = w;
  }
  /** The sleeping walk that needs the fewest bytes, if the stream now has them. */
  popReady(len: number): ChainWalk | undefined {
    const a = this.items;
    const top = a[0];
    if (top === undefined || top.need > len) return undefined;
    const last = a.pop() as ChainWalk;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && (a[r] as ChainWalk).need < (a[l] as ChainWalk).need ? r : l;
        if ((a[c] as ChainWalk).need >= last.need) break;
        a[i] = a[c] as ChainWalk;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
  clear(): void {
    this.items.length = 0;
  }
}

/** The evidence scan over one direction's contiguous held bytes (restarted after a hole). */
export class DirectionScan {
  private buf = new Uint8Array(0);
  private len = 0;
  /** Next position whose header has not been looked at. */
  private next = 0;
  private readonly sleeping = new WalkHeap();
  /** Position of the first chain found (in this scan's bytes), -1 while none. */
  found = -1;
  /** Stream bytes held by this scan, the first of them at the direction's stream `base`. */
  get bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  constructor(readonly base: number) {}

  push(d: Uint8Array): void {
    if (this.len + d.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.len + d.length, this.buf.length * 2, 4096));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(d, this.len);
    this.len += d.length;
    if (this.found < 0) this.scan();
  }

  private scan(): void {
    const b = this.buf.subarray(0, this.len);
    // New positions: one walk per candidate size where a chain could start.
    for (; this.next < this.len; this.next++) {
      const s = chainStartAt(b, this.next);
      if (s === 'more') break;
      if (!s) continue;
      for (const cs of SIZES) if (this.walk(new ChainWalk(this.next, cs, NO_STREAMS), b)) return;
    }
    // Sleeping walks whose bytes have come.
    for (let w = this.sleeping.popReady(this.len); w !== undefined; w = this.sleeping.popReady(this.len)) if (this.walk(w, b)) return;
  }

  /** Run a walk on the bytes there are; true when it found the chain. */
  private walk(w: ChainWalk, b: Uint8Array): boolean {
    const c = w.run(b);
    if (c.status === 'ok') {
      this.found = w.at;
      this.sleeping.clear();
      return true;
    }
    if (c.status === 'short') this.sleeping.push(w);
    return false;
  }

  /**
   * The weaker evidence a "decode as" port asks for: near the start of the bytes, two chunk
   * headers in a row that hold under some chunk size.
   */
  weak(within = 64): boolean {
    const b = this.bytes;
    for (let i = 0; i < Math.min(within, this.len); i++) {
      if (chainStartAt(b, i) !== true) continue;
      for (const cs of SIZES) {
        const c = new ChainWalk(i, cs, NO_STREAMS).run(b);
        if (c.status === 'ok' || (c.clean && c.headers >= 2)) return true;
      }
    }
    return false;
  }

  /**
   * With no more bytes to come: a chain of CHAIN headers that holds exactly to the end of the bytes
   * (a short connection, or one closed early) also counts.
   */
  settle(): boolean {
    if (this.found >= 0) return true;
    const b = this.bytes;
    for (let i = 0; i < this.len; i++) {
      if (chainStartAt(b, i) !== true) continue;
      for (const cs of SIZES) {
        const c = new ChainWalk(i, cs, NO_STREAMS).run(b);
        if (c.status === 'ok' || (c.clean && c.endsOnBoundary && c.headers >= CHAIN && c.firstDone)) {
          this.found = i;
          return true;
        }
      }
    }
    return false;
  }
}

/**
 * A chain that holds from `at` at the chunk size every connection starts with (128, no chunk
 * stream known): the first header a fresh connection sends is of type 0.
 */
function freshChunksAt(b: Uint8Array, at: number): boolean {
  if (at >= b.length || (b[at] as number) >> 6 !== 0) return false;
  const c = new ChainWalk(at, 128, NO_STREAMS).run(b);
  return c.status === 'ok' || (c.clean && c.headers >= 1);
}

/**
 * The end of a handshake whose beginning the capture missed (the tail of C1/S1, then C2/S2, or
 * nothing of it): the first position within a handshake's length where chunks at the default
 * size hold for CHAIN messages, or -1. Asked only when the other side's bytes show the handshake was in progress.
 */
export function handshakeTailEnd(b: Uint8Array): number {
  const end = Math.min(b.length, 1 + 2 * HANDSHAKE_SIZE);
  const holds = (p: number): boolean => (b[p] as number) >> 6 === 0 && chainStartAt(b, p) === true && new ChainWalk(p, 128, NO_STREAMS).run(b).status === 'ok';
  for (let p = 0; p <= end; p++) {
    if (!holds(p)) continue;
    // A 2- or 3-byte chunk stream id whose last byte is itself a 1-byte basic header is most
    // likely the block's last bytes in front of the real header (as in findResync).
    if (((b[p] as number) & 0x3f) <= 1) for (const q of [p + 1, p + 2]) if (((b[q] as number) & 0x3f) > 1 && holds(q)) return q;
    return p;
  }
  return -1;
}

/** How the held bytes of a direction whose first byte was unseen begin. */
export function layoutOf(b: Uint8Array): Layout {
  if (isRtmpVersion(b[0]) && freshChunksAt(b, 1 + 2 * HANDSHAKE_SIZE)) return 'handshake';
  if (freshChunksAt(b, HANDSHAKE_SIZE)) return 'second-block';
  return 'chunks';
}

/**
 * Who the client is, from both directions' layouts and which sent first; null when they do not
 * tell (keep the TCP stage's guess).
 */
export function clientFromLayouts(layouts: Readonly<Record<Direction, Layout>>, firstSender: Direction | null): Direction | null {
  const { c2s, s2c } = layouts;
  // Both handshakes whole: the client spoke first.
  if (c2s === 'handshake' && s2c === 'handshake') return firstSender;
  // Only one whole: the server's (the client's C0+C1 came before the capture, and the server
  // answered within it; a client's whole handshake would have a whole answer after it).
  if (c2s === 'handshake' && s2c !== 'none') return 's2c';
  if (s2c === 'handshake' && c2s !== 'none') return 'c2s';
  // The end of a first block against a second block alone: the first block was the server's (it
  // answers C0 before C1 is complete; the client's C2 waits for S1).
  if (c2s === 'handshake-tail' && s2c === 'second-block') return 's2c';
  if (s2c === 'handshake-tail' && c2s === 'second-block') return 'c2s';
  return null;
}

export type HoldMeta = { readonly frame: number; readonly sec: number; readonly nsec: number };

/** A held piece of input, replayed in arrival order once the connection is decided. */
export type Held = { readonly kind: 'data'; readonly dir: Direction; readonly offset: number; readonly data: Uint8Array; readonly meta: HoldMeta } | { readonly kind: 'gap'; readonly dir: Direction; readonly length: number; readonly meta: HoldMeta };

type HeldRef =
  | { readonly kind: 'data'; readonly dir: Direction; readonly offset: number; readonly scan: DirectionScan; readonly from: number; readonly to: number; readonly meta: HoldMeta }
  | { readonly kind: 'gap'; readonly dir: Direction; readonly length: number; readonly meta: HoldMeta };

/**
 * One undecided connection: both directions held (each byte once, in its direction's scan), and
 * the order they came in. `bytes` is what the hold costs.
 */
export class ConnectionHold {
  private readonly refs: HeldRef[] = [];
  /** Each direction's scan of its current contiguous bytes, and of its first ones (for the layout). */
  private readonly cur: Record<Direction, DirectionScan | null> = { c2s: null, s2c: null };
  private readonly first: Record<Direction, DirectionScan | null> = { c2s: null, s2c: null };
  bytes = 0;
  firstSender: Direction | null = null;
  /** A direction in which a chain of chunk headers was found. */
  evidence: Direction | null = null;

  /** Hold bytes of `dir` at stream `offset`; true once either direction shows a chain. */
  data(dir: Direction, offset: number, data: Uint8Array, meta: HoldMeta): boolean {
    let s = this.cur[dir];
    if (s === null || s.base + s.bytes.length !== offset) {
      s = new DirectionScan(offset);
      this.cur[dir] = s;
      if (this.first[dir] === null) this.first[dir] = s;
    }
    this.firstSender ??= dir;
    const from = s.bytes.length;
    s.push(data);
    this.bytes += data.length;
    this.refs.push({ kind: 'data', dir, offset, scan: s, from, to: from + data.length, meta: { frame: meta.frame, sec: meta.sec, nsec: meta.nsec } });
    if (s.found >= 0) this.evidence ??= dir;
    return this.evidence !== null;
  }

  /** Bytes of `dir` were lost: what follows is scanned afresh. */
  gap(dir: Direction, length: number, meta: HoldMeta): void {
    this.cur[dir] = null;
    this.refs.push({ kind: 'gap', dir, length, meta: { frame: meta.frame, sec: meta.sec, nsec: meta.nsec } });
  }

  /** No more bytes will come (the connection closed, or the budget is spent): decide on what there is. */
  settle(): boolean {
    for (const dir of ['c2s', 's2c'] as const) if (this.evidence === null && this.cur[dir]?.settle() === true) this.evidence = dir;
    return this.evidence !== null;
  }

  /** Either direction's first bytes hold the weaker evidence a "decode as" port asks for. */
  weak(): boolean {
    return this.first.c2s?.weak() === true || this.first.s2c?.weak() === true;
  }

  /** How each direction's first held bytes begin (only a direction held from its stream offset 0 can show a handshake). */
  layouts(): Record<Direction, Layout> {
    const of = (dir: Direction): Layout => {
      const s = this.first[dir];
      return s === null ? 'none' : s.base === 0 ? layoutOf(s.bytes) : 'chunks';
    };
    const l = { c2s: of('c2s'), s2c: of('s2c') };
    // The other side's handshake is in the capture: this side's may end inside it too.
    for (const [dir, other] of [
      ['c2s', 's2c'],
      ['s2c', 'c2s'],
    ] as const) {
      if (l[dir] !== 'chunks' || (l[other] !== 'handshake' && l[other] !== 'second-block')) continue;
      const s = this.first[dir] as DirectionScan;
      if (s.base !== 0) continue;
      const at = handshakeTailEnd(s.bytes);
      if (at >= 0) {
        l[dir] = 'handshake-tail';
        this.tails[dir] = at;
      }
    }
    return l;
  }

  /** For a 'handshake-tail' direction: stream offset where its chunks begin (after layouts()). */
  readonly tails: Record<Direction, number> = { c2s: 0, s2c: 0 };

  /** The first segment each direction held (for the older one-segment handshake check). */
  firstSegment(dir: Direction): Uint8Array | null {
    for (const r of this.refs) if (r.kind === 'data' && r.dir === dir) return r.scan.bytes.subarray(r.from, r.to);
    return null;
  }

  /**
   * Besides a first segment shaped like C0+C1 (detect.ts), what a handshake needs of the held
   * bytes: `dir` is not all printable text (C1 is random or digest bytes), and the other side
   * sent nothing, or began with a version byte (S0) too, or with a block and chunks (C2).
   */
  handshakeLike(dir: Direction): boolean {
    const other: Direction = dir === 'c2s' ? 's2c' : 'c2s';
    const theirs = this.firstSegment(other);
    const layout = this.layouts()[other];
    if (theirs !== null && !isRtmpVersion(theirs[0]) && layout !== 'second-block') return false;
    const mine = this.firstSegment(dir) ?? new Uint8Array(0);
    return mine.some((x) => x >= 0x80 || x < 0x09);
  }

  /** Everything held, in arrival order (views into the held bytes). */
  *replay(): Generator<Held> {
    for (const r of this.refs) {
      if (r.kind === 'gap') yield r;
      else yield { kind: 'data', dir: r.dir, offset: r.offset, data: r.scan.bytes.subarray(r.from, r.to), meta: r.meta };
    }
  }
}
