/**
 * TCP reassembly: TCP segments (in capture order) in, ordered byte streams per connection
 * direction out. Synchronous and deterministic; never throws on packet content.
 *
 * Contract and invariants:
 * - Connections are keyed by 4-tuple, prefixed by the segment's tunnel key when it came through
 *   tunnels (so identical inner 4-tuples of different tunnels stay apart). A SYN that does not belong to the open connection on that
 *   tuple (different ISN, or the old one is closed) starts a new connection: connection ids are
 *   0-based in order of first packet, the way Wireshark numbers `tcp.stream`.
 * - Client = SYN sender (or SYN-ACK receiver). Without either, the side on a well-known RTMP port
 *   (or else the lower port) is provisionally the server and `clientGuessed` is set; the session
 *   stage may swap roles once it sees the RTMP handshake.
 * - For each direction, `data` events carry consecutive bytes with their stream offset; bytes
 *   never captured become one `gap` event with their size, so the offsets of data + gaps are
 *   contiguous. Bytes missing only because the snap length cut their packet are a `gap` event
 *   with reason 'snaplen' too, but they were not lost on the wire: they are reported as
 *   `net.truncated` (never `tcp.gap`) and counted apart (`truncated`, `truncatedBytes`).
 *   Nothing is delivered twice; overlapping retransmissions are trimmed and, when
 *   their bytes differ from what was delivered, reported (`tcp.overlap-conflict`).
 * - A hole is declared lost when the peer acknowledges past it (the receiver got bytes the
 *   capture missed), when the out-of-order queue exceeds `maxQueuedBytes`, or at FIN/RST/finish.
 * - `data` views are valid only during the call that returned them (they may point into the
 *   capture record); queued out-of-order bytes are copied.
 */
import { diag, type Diagnostic, type Direction } from '../core/diagnostics.js';
import type { TcpSegment } from '../net/types.js';
import type { Tunnel } from '../net/tunnel.js';
import { seqAdd, seqDiff } from './seq.js';
import { LruList, type LruLinks } from '../core/lru.js';

export type Endpoint = { readonly ip: string; readonly port: number };

export type PacketMeta = { readonly frame: number; readonly sec: number; readonly nsec: number };

export type TcpOpen = {
  readonly kind: 'open';
  readonly conn: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** True when no SYN/SYN-ACK told us which side is the client. */
  readonly clientGuessed: boolean;
  readonly frame: number;
  readonly sec: number;
  readonly nsec: number;
};

export type TcpData = {
  readonly kind: 'data';
  readonly conn: number;
  readonly dir: Direction;
  /** Offset of data[0] in this direction's byte stream (gaps count as bytes). */
  readonly offset: number;
  readonly data: Uint8Array;
  /** Frame whose segment carried these bytes (for drained out-of-order bytes: that segment). */
  readonly frame: number;
  readonly sec: number;
  readonly nsec: number;
};

export type TcpGap = {
  readonly kind: 'gap';
  readonly conn: number;
  readonly dir: Direction;
  readonly offset: number;
  readonly length: number;
  readonly frame: number;
  readonly sec: number;
  readonly nsec: number;
  /** Why the hole was declared lost. */
  readonly reason: 'acked' | 'queue-cap' | 'close' | 'snaplen' | 'eof';
};

export type TcpEnd = {
  readonly kind: 'end';
  readonly conn: number;
  readonly dir: Direction;
  readonly frame: number;
  readonly reason: 'fin' | 'rst' | 'eof';
};

export type DirStats = {
  /** Payload bytes delivered in order (excluding retransmitted duplicates and gaps). */
  readonly bytes: number;
  readonly segments: number;
  readonly gaps: number;
  readonly gapBytes: number;
  /** Holes (and their bytes) left only by the capture's snap length: not losses. */
  readonly truncated: number;
  readonly truncatedBytes: number;
  /** True when the first bytes of this direction were not in the capture (no SYN seen). */
  readonly startUnseen: boolean;
};

export type TcpClose = {
  readonly kind: 'close';
  readonly conn: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  readonly clientGuessed: boolean;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly firstTime: { readonly sec: number; readonly nsec: number };
  readonly lastTime: { readonly sec: number; readonly nsec: number };
  readonly packets: number;
  readonly c2s: DirStats;
  readonly s2c: DirStats;
  /** 'evicted': dropped to stay within `maxConnections` (see TcpReassembler). */
  readonly reason: 'fin' | 'rst' | 'eof' | 'reused' | 'evicted';
  /** The tunnels each direction's first segment came through (absent: no tunnel). */
  readonly tunnel?: { readonly c2s?: Tunnel; readonly s2c?: Tunnel };
};

export type TcpEvent = TcpOpen | TcpData | TcpGap | TcpEnd | TcpClose | Diagnostic;

export type ReassemblyOptions = {
  /** Out-of-order bytes held per direction before a hole is declared lost. */
  readonly maxQueuedBytes?: number;
  /** Recently delivered bytes kept per direction to check retransmissions for conflicts. */
  readonly historyBytes?: number;
  /** Ports taken as the server side when no SYN was seen. */
  readonly serverPorts?: readonly number[];
  /** Closed 4-tuples remembered so their trailing ACKs do not open phantom connections. */
  readonly closedMemory?: number;
  /**
   * Connections tracked at once. A new connection beyond it evicts one: first a connection marked
   * cold (a FIN seen, or `demote`d by the caller as not RTMP), else the one idle the longest.
   */
  readonly maxConnections?: number;
};

/** Default cap on tracked connections: an idle tracked connection costs about 1–2 KiB here and downstream. */
export const DEFAULT_MAX_CONNECTIONS = 4096;

/** Ports taken as the server side of a connection whose SYN was not seen. */
export const WELL_KNOWN_SERVER_PORTS: readonly number[] = [1935, 443, 80, 8080, 19350];

const DEFAULTS = {
  maxQueuedBytes: 4 * 1024 * 1024,
  historyBytes: 64 * 1024,
  serverPorts: WELL_KNOWN_SERVER_PORTS,
  closedMemory: 4096,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
};

/** First history allocation; it doubles (as bytes are delivered) up to `historyBytes`. */
const FIRST_HISTORY = 256;

/** An out-of-order segment: its bytes (a copy) and how many bytes after them the snap length cut. */
const EMPTY = new Uint8Array(0);

type Queued = { seq: number; data: Uint8Array; missing: number; meta: PacketMeta };

/** One direction of a connection. */
class HalfStream {
  started = false;
  startUnseen = false;
  /** Initial sequence number when the SYN was seen. */
  isn: number | undefined = undefined;
  nextSeq = 0;
  offset = 0;
  ended = false;
  finSeq: number | undefined = undefined;
  /** The peer acknowledged our FIN. */
  finAcked = false;
  queue: Queued[] = [];
  queuedBytes = 0;
  bytes = 0;
  segments = 0;
  gaps = 0;
  gapBytes = 0;
  truncated = 0;
  truncatedBytes = 0;
  /** Stream offset where the latest gap ended: history before it is not real bytes. */
  gapEnd = 0;
  /**
   * Ring of the last delivered bytes: history[i] holds stream offset o where o % size == i.
   * Allocated lazily and grown with the bytes delivered (a connection that carries nothing costs nothing).
   */
  history: Uint8Array = EMPTY;
  stats(): DirStats {
    return {
      bytes: this.bytes,
      segments: this.segments,
      gaps: this.gaps,
      gapBytes: this.gapBytes,
      truncated: this.truncated,
      truncatedBytes: this.truncatedBytes,
      startUnseen: this.startUnseen,
    };
  }
}

class Connection implements LruLinks {
  readonly halves: Record<Direction, HalfStream>;
  lruPrev: LruLinks | null = null;
  lruNext: LruLinks | null = null;
  lruIn = false;
  packets = 0;
  lastFrame: number;
  lastTime: { sec: number; nsec: number };
  /** Set when RST seen or both directions ended. */
  closed = false;
  /** Evicted first when the connection cap is reached (FIN seen, or demoted by the caller). */
  cold = false;
  /** Tunnel of each direction's first segment (undefined: none seen / not tunnelled). */
  tunnel: { c2s?: Tunnel; s2c?: Tunnel } | undefined = undefined;
  constructor(
    readonly id: number,
    readonly key: string,
    readonly client: Endpoint,
    readonly server: Endpoint,
    readonly clientGuessed: boolean,
    readonly firstFrame: number,
    readonly firstTime: { sec: number; nsec: number },
    readonly tunnelKey = '',
  ) {
    this.halves = { c2s: new HalfStream(), s2c: new HalfStream() };
    this.lastFrame = firstFrame;
    this.lastTime = { sec: firstTime.sec, nsec: firstTime.nsec };
  }
}

/**
 * One direction's half: two plain property loads (`halves[dir]` with both names at one site is a
 * megamorphic keyed load, several per packet).
 */
function halfOf(conn: Connection, dir: Direction): HalfStream {
  return dir === 'c2s' ? conn.halves.c2s : conn.halves.s2c;
}

function tupleKey(aIp: string, aPort: number, bIp: string, bPort: number): string {
  // Order-independent key: the endpoint that sorts first goes first.
  if (aIp < bIp || (aIp === bIp && aPort <= bPort)) return `${aIp}|${aPort}|${bIp}|${bPort}`;
  return `${bIp}|${bPort}|${aIp}|${aPort}`;
}

export class TcpReassembler {
  private readonly opts: typeof DEFAULTS;
  private readonly conns = new Map<string, Connection>();
  private readonly byId = new Map<number, Connection>();
  /** Tracked connections by activity, least recent first: cold ones (evicted first), the others. */
  private readonly coldList = new LruList<Connection>();
  private readonly warmList = new LruList<Connection>();
  /** Connections evicted to stay within maxConnections. */
  evicted = 0;
  /** Recently closed tuples (insertion-ordered; oldest evicted). */
  private readonly closed = new Map<string, true>();
  private nextId = 0;
  private out: TcpEvent[] = [];

  /**
   * Add an event to this call's output. Most packets yield exactly one event (their data): the
   * first goes into an exact-size array, the growable backing store comes only with a second.
   */
  private emit(e: TcpEvent): void {
    if (this.out.length === 0) this.out = [e];
    else this.out.push(e);
  }

  constructor(options: ReassemblyOptions = {}) {
    this.opts = { ...DEFAULTS, ...stripUndefined(options) };
  }

  /** Number of connections currently tracked (for memory checks). */
  get openConnections(): number {
    return this.conns.size;
  }

  /** The connection of the previous segment: consecutive segments mostly share one. */
  private last: Connection | null = null;

  /** The key of the segment's tuple, set by lookup() (no result object per packet). */
  private lookedUpKey = '';

  /** The tracked connection of the segment's tuple, if any; its key is left in `lookedUpKey`. */
  private lookup(seg: TcpSegment): Connection | undefined {
    const l = this.last;
    if (l !== null && !l.closed && (seg.tunnel?.key ?? '') === l.tunnelKey) {
      const c = l.client;
      const sv = l.server;
      if ((seg.srcPort === c.port && seg.dstPort === sv.port && seg.srcIp === c.ip && seg.dstIp === sv.ip) || (seg.srcPort === sv.port && seg.dstPort === c.port && seg.srcIp === sv.ip && seg.dstIp === c.ip)) {
        this.lookedUpKey = l.key;
        return l;
      }
    }
    const tk = tupleKey(seg.srcIp, seg.srcPort, seg.dstIp, seg.dstPort);
    const key = seg.tunnel === undefined ? tk : `${seg.tunnel.key}${tk}`;
    this.lookedUpKey = key;
    return this.conns.get(key);
  }

  push(seg: TcpSegment, meta: PacketMeta): TcpEvent[] {
    // About half the packets (bare ACKs) yield no event: an empty array is reused, not reallocated
    // (callers use the result before the next push).
    if (this.out.length > 0) this.out = [];
    let conn = this.lookup(seg);
    const key = this.lookedUpKey;
    const f = seg.flags;

    if (f.syn && conn !== undefined && this.isNewSyn(conn, seg)) {
      this.closeConn(conn, 'reused', meta);
      conn = undefined;
    }
    if (conn === undefined) {
      if (this.closed.has(key) && !f.syn) {
        // Trailing ACK/FIN/RST of a connection we already closed.
        if (seg.payload.length > 0 || seg.payloadLen > 0) {
          this.emit(
            diag('tcp.data-after-close', 'data on a connection that was already closed', {
              frame: meta.frame,
            }),
          );
        }
        return this.out;
      }
      this.closed.delete(key);
      conn = this.openConn(key, seg, meta);
    }

    if (this.last !== conn) (conn.cold ? this.coldList : this.warmList).touch(conn);
    this.last = conn;
    conn.packets++;
    conn.lastFrame = meta.frame;
    conn.lastTime.sec = meta.sec;
    conn.lastTime.nsec = meta.nsec;
    const dir: Direction = seg.srcIp === conn.client.ip && seg.srcPort === conn.client.port ? 'c2s' : 's2c';
    const half = halfOf(conn, dir);
    const other = halfOf(conn, dir === 'c2s' ? 's2c' : 'c2s');
    if (seg.tunnel !== undefined && conn.tunnel?.[dir] === undefined) (conn.tunnel ??= {})[dir] = seg.tunnel;

    if (f.syn) {
      if (!half.started) {
        half.started = true;
        half.isn = seg.seq;
        half.nextSeq = seqAdd(seg.seq, 1);
      }
      // SYN retransmissions (same ISN) carry nothing new.
    }

    if (f.ack && other.ended && other.finSeq !== undefined && seqDiff(seg.ack, other.finSeq) > 0) other.finAcked = true;
    // Acknowledgement of bytes the capture never saw: the hole is lost for good.
    if (f.ack && other.started && !other.ended) {
      const ahead = seqDiff(seg.ack, other.nextSeq);
      // Ignore absurd jumps (corrupt packets); a real window is far below 2^30.
      if (ahead > 0 && ahead < 0x40000000) {
        const limit = other.finSeq !== undefined && seqDiff(seg.ack, other.finSeq) > 0 ? other.finSeq : seg.ack;
        const holeEnd = this.firstQueuedBefore(other, limit);
        const len = seqDiff(holeEnd, other.nextSeq);
        if (len > 0) this.declareGap(conn, dir === 'c2s' ? 's2c' : 'c2s', len, 'acked', meta);
      }
    }

    const dataSeq = f.syn ? seqAdd(seg.seq, 1) : seg.seq;
    if (seg.payloadLen > 0) this.onData(conn, dir, dataSeq, seg.payload, seg.payloadLen, meta);

    if (f.fin && !half.ended) {
      const finSeq = seqAdd(dataSeq, seg.payloadLen);
      if (!half.started) {
        half.started = true;
        half.startUnseen = true;
        half.nextSeq = finSeq;
      }
      half.finSeq = finSeq;
      this.makeCold(conn);
      this.maybeEnd(conn, dir, meta);
    }

    if (f.rst) {
      this.emit(diag('tcp.reset', 'connection reset', { frame: meta.frame, conn: conn.id, dir }));
      this.closeConn(conn, 'rst', meta);
    } else if (conn.halves.c2s.finAcked && conn.halves.s2c.finAcked) {
      // Both FINs sent and acknowledged: the last ACK is the connection's last packet.
      this.closeConn(conn, 'fin', meta);
    }
    return this.out;
  }

  /** End of capture: flush every open connection (queued bytes after holes are delivered). */
  finish(meta?: PacketMeta): TcpEvent[] {
    this.out = [];
    for (const conn of [...this.conns.values()]) {
      this.closeConn(conn, 'eof', meta ?? { frame: conn.lastFrame, ...conn.lastTime });
    }
    return this.out;
  }

  /** The caller has no use for this connection (not RTMP): it is among the first evicted at the cap. */
  demote(connId: number): void {
    const c = this.byId.get(connId);
    if (c !== undefined) this.makeCold(c);
  }

  private makeCold(conn: Connection): void {
    if (conn.cold) return;
    conn.cold = true;
    this.warmList.remove(conn);
    this.coldList.touch(conn);
  }

  /** Make room for one more connection: evict a cold one, else the least recently active. */
  private evictOne(meta: PacketMeta): void {
    const victim = this.coldList.oldest() ?? this.warmList.oldest();
    if (victim === null) return;
    this.evicted++;
    this.emit(
      diag('tcp.connection-cap', `more than ${this.opts.maxConnections} TCP connections open at once; connection ${victim.id} (${victim.cold ? 'closing or not RTMP' : 'idle the longest'}) is no longer followed (--max-connections)`, {
        frame: meta.frame,
      }),
    );
    this.closeConn(victim, 'evicted', meta);
    if (this.last === victim) this.last = null;
  }

  /** Does this SYN start a new connection on a tuple we are tracking? */
  private isNewSyn(conn: Connection, seg: TcpSegment): boolean {
    const fromClient = seg.srcIp === conn.client.ip && seg.srcPort === conn.client.port;
    const half = halfOf(conn, fromClient ? 'c2s' : 's2c');
    if (half.isn !== undefined) return seg.seq !== half.isn; // same ISN: a retransmitted SYN
    // We joined this connection mid-stream and now its side opens again: a new connection.
    return half.started;
  }

  private openConn(key: string, seg: TcpSegment, meta: PacketMeta): Connection {
    while (this.conns.size >= this.opts.maxConnections) this.evictOne(meta);
    const src = { ip: seg.srcIp, port: seg.srcPort };
    const dst = { ip: seg.dstIp, port: seg.dstPort };
    let client = src;
    let server = dst;
    let guessed = false;
    if (seg.flags.syn) {
      if (seg.flags.ack) {
        client = dst;
        server = src;
      }
    } else {
      guessed = true;
      const ports = this.opts.serverPorts;
      const srcWellKnown = ports.includes(src.port);
      const dstWellKnown = ports.includes(dst.port);
      if (srcWellKnown && !dstWellKnown) {
        client = dst;
        server = src;
      } else if (srcWellKnown === dstWellKnown && src.port < dst.port) {
        client = dst;
        server = src;
      }
    }
    const conn = new Connection(this.nextId++, key, client, server, guessed, meta.frame, { sec: meta.sec, nsec: meta.nsec }, seg.tunnel?.key);
    this.conns.set(key, conn);
    this.byId.set(conn.id, conn);
    this.warmList.touch(conn);
    this.emit({
      kind: 'open',
      conn: conn.id,
      client,
      server,
      clientGuessed: guessed,
      frame: meta.frame,
      sec: meta.sec,
      nsec: meta.nsec,
    });
    if (guessed) {
      this.emit(
        diag('tcp.start-unseen', 'connection began before the capture (no SYN seen)', {
          frame: meta.frame,
          conn: conn.id,
        }),
      );
    }
    return conn;
  }

  private onData(conn: Connection, dir: Direction, seq: number, payload: Uint8Array, declaredLen: number, meta: PacketMeta): void {
    const half = halfOf(conn, dir);
    if (half.ended) {
      this.emit(
        diag('tcp.data-after-close', 'data after FIN in the same direction was ignored', {
          frame: meta.frame,
          conn: conn.id,
          dir,
        }),
      );
      return;
    }
    half.segments++;
    if (!half.started) {
      half.started = true;
      half.startUnseen = true;
      half.nextSeq = seq;
    }
    let d = seqDiff(seq, half.nextSeq);
    // Keep-alive: one byte (or none) just before the next expected sequence number.
    if (d === -1 && declaredLen <= 1) return;
    if (d + declaredLen <= 0) {
      this.checkOverlap(conn, dir, d, payload, meta);
      return;
    }
    if (d < 0) {
      this.checkOverlap(conn, dir, d, payload.subarray(0, Math.min(-d, payload.length)), meta);
      payload = payload.subarray(Math.min(-d, payload.length));
      declaredLen += d;
      seq = half.nextSeq;
      d = 0;
    }
    if (d > 0) {
      this.enqueue(conn, dir, seq, payload, declaredLen, meta);
      return;
    }
    this.deliver(conn, dir, payload, meta);
    if (payload.length < declaredLen) {
      this.declareGap(conn, dir, declaredLen - payload.length, 'snaplen', meta);
    }
    this.drain(conn, dir);
    this.maybeEnd(conn, dir, meta);
  }

  private enqueue(conn: Connection, dir: Direction, seq: number, payload: Uint8Array, declaredLen: number, meta: PacketMeta): void {
    const half = halfOf(conn, dir);
    const copy = payload.slice();
    const q = half.queue;
    // Sorted insert by distance from nextSeq (queues are short; linear scan from the end).
    const d = seqDiff(seq, half.nextSeq);
    let i = q.length;
    while (i > 0 && seqDiff((q[i - 1] as Queued).seq, half.nextSeq) > d) i--;
    q.splice(i, 0, { seq, data: copy, missing: declaredLen - payload.length, meta });
    half.queuedBytes += copy.length;
    if (half.queuedBytes > this.opts.maxQueuedBytes) {
      this.emit(
        diag('tcp.buffer-cap', `more than ${this.opts.maxQueuedBytes} out-of-order bytes queued; hole declared lost`, {
          frame: meta.frame,
          conn: conn.id,
          dir,
          offset: half.offset,
        }),
      );
      const first = q[0] as Queued;
      this.declareGap(conn, dir, seqDiff(first.seq, half.nextSeq), 'queue-cap', meta);
    }
  }

  /** Deliver queued segments that are now in order. */
  private drain(conn: Connection, dir: Direction): void {
    const half = halfOf(conn, dir);
    const q = half.queue;
    while (q.length > 0) {
      const head = q[0] as Queued;
      const d = seqDiff(head.seq, half.nextSeq);
      if (d > 0) break;
      q.shift();
      half.queuedBytes -= head.data.length;
      const fresh = d + head.data.length; // bytes of this segment not delivered yet
      if (d < 0) this.checkOverlap(conn, dir, d, head.data.subarray(0, Math.min(-d, head.data.length)), head.meta);
      if (fresh > 0) this.deliver(conn, dir, head.data.subarray(-d), head.meta);
      const lost = head.missing + Math.min(fresh, 0);
      if (lost > 0) this.declareGap(conn, dir, lost, 'snaplen', head.meta);
    }
  }

  private deliver(conn: Connection, dir: Direction, data: Uint8Array, meta: PacketMeta): void {
    if (data.length === 0) return;
    const half = halfOf(conn, dir);
    this.remember(half, data);
    this.emit({
      kind: 'data',
      conn: conn.id,
      dir,
      offset: half.offset,
      data,
      frame: meta.frame,
      sec: meta.sec,
      nsec: meta.nsec,
    });
    half.offset += data.length;
    half.bytes += data.length;
    half.nextSeq = seqAdd(half.nextSeq, data.length);
  }

  /** Bytes at relative position d (< 0, before nextSeq) were seen before: do they match? */
  private checkOverlap(conn: Connection, dir: Direction, d: number, bytes: Uint8Array, meta: PacketMeta): void {
    const half = halfOf(conn, dir);
    const size = half.history.length;
    const start = half.offset + d; // stream offset of bytes[0]
    const n = Math.min(bytes.length, -d);
    // Only the part still in the history window (and after any gap) can be compared.
    const from = Math.max(start, half.offset - size, half.gapEnd);
    for (let o = from; o < start + n; o++) {
      if (half.history[o % size] !== bytes[o - start]) {
        this.emit(
          diag('tcp.overlap-conflict', 'retransmitted bytes differ from the bytes first seen', {
            frame: meta.frame,
            conn: conn.id,
            dir,
            offset: o,
          }),
        );
        return;
      }
    }
  }

  private remember(half: HalfStream, data: Uint8Array): void {
    if (half.history.length < this.opts.historyBytes) this.growHistory(half, data.length);
    const size = half.history.length;
    if (size === 0) return;
    let src = data;
    let pos = half.offset;
    if (src.length > size) {
      pos += src.length - size;
      src = src.subarray(src.length - size);
    }
    const at = pos % size;
    if (at + src.length <= size) {
      half.history.set(src, at); // the common case: no wrap, no view to make
      return;
    }
    const first = size - at;
    half.history.set(src.subarray(0, first), at);
    half.history.set(src.subarray(first), 0);
  }

  /** Grow the history ring towards what was delivered (plus `more`), up to `historyBytes`. */
  private growHistory(half: HalfStream, more: number): void {
    const old = half.history;
    const want = Math.min(this.opts.historyBytes, half.offset - half.gapEnd + more);
    if (want <= old.length) return;
    let size = Math.max(FIRST_HISTORY, old.length * 2);
    while (size < want) size *= 2;
    size = Math.min(size, this.opts.historyBytes);
    const grown = new Uint8Array(size);
    // Re-place the bytes still remembered (after the latest gap, within the old window): runs
    // that wrap neither ring, copied whole (at most three).
    for (let o = old.length === 0 ? half.offset : Math.max(half.gapEnd, half.offset - old.length); o < half.offset;) {
      const from = o % old.length;
      const to = o % size;
      const run = Math.min(half.offset - o, old.length - from, size - to);
      grown.set(old.subarray(from, from + run), to);
      o += run;
    }
    half.history = grown;
  }

  /** Declare `len` bytes at the current position lost, then deliver what became contiguous. */
  private declareGap(conn: Connection, dir: Direction, len: number, reason: TcpGap['reason'], meta: PacketMeta): void {
    const half = halfOf(conn, dir);
    if (len <= 0) return;
    this.emit({
      kind: 'gap',
      conn: conn.id,
      dir,
      offset: half.offset,
      length: len,
      frame: meta.frame,
      sec: meta.sec,
      nsec: meta.nsec,
      reason,
    });
    const at = { frame: meta.frame, conn: conn.id, dir, offset: half.offset };
    if (reason === 'snaplen') {
      this.emit(diag('net.truncated', `${len} bytes of this direction were cut off by the capture's snap length`, at, { bytes: len }));
      half.truncated++;
      half.truncatedBytes += len;
    } else {
      this.emit(diag('tcp.gap', `${len} bytes of this direction were not captured`, at, { bytes: len }));
      half.gaps++;
      half.gapBytes += len;
    }
    half.offset += len;
    half.gapEnd = half.offset;
    half.nextSeq = seqAdd(half.nextSeq, len);
    this.drain(conn, dir);
  }

  private firstQueuedBefore(half: HalfStream, limit: number): number {
    const head = half.queue[0];
    if (head !== undefined && seqDiff(head.seq, limit) < 0) return head.seq;
    return limit;
  }

  private maybeEnd(conn: Connection, dir: Direction, meta: PacketMeta): void {
    const half = halfOf(conn, dir);
    if (half.ended || half.finSeq === undefined) return;
    if (seqDiff(half.finSeq, half.nextSeq) > 0) return; // bytes before the FIN still missing
    half.ended = true;
    half.nextSeq = seqAdd(half.finSeq, 1);
    this.emit({ kind: 'end', conn: conn.id, dir, frame: meta.frame, reason: 'fin' });
  }

  private closeConn(conn: Connection, reason: TcpClose['reason'], meta: PacketMeta): void {
    for (const dir of ['c2s', 's2c'] as const) {
      const half = halfOf(conn, dir);
      if (half.ended) continue;
      // Whatever is still queued behind a hole: declare the hole lost and deliver the rest.
      while (half.queue.length > 0) {
        const head = half.queue[0] as Queued;
        const d = seqDiff(head.seq, half.nextSeq);
        if (d > 0) this.declareGap(conn, dir, d, 'close', meta);
        else this.drain(conn, dir);
      }
      if (half.finSeq !== undefined && seqDiff(half.finSeq, half.nextSeq) > 0) {
        this.declareGap(conn, dir, seqDiff(half.finSeq, half.nextSeq), 'close', meta);
      }
      half.ended = true;
      this.emit({
        kind: 'end',
        conn: conn.id,
        dir,
        frame: meta.frame,
        reason: reason === 'rst' ? 'rst' : half.finSeq !== undefined ? 'fin' : 'eof',
      });
    }
    conn.closed = true;
    const bothFin = conn.halves.c2s.finSeq !== undefined && conn.halves.s2c.finSeq !== undefined;
    this.emit({
      kind: 'close',
      conn: conn.id,
      client: conn.client,
      server: conn.server,
      clientGuessed: conn.clientGuessed,
      firstFrame: conn.firstFrame,
      lastFrame: conn.lastFrame,
      firstTime: conn.firstTime,
      lastTime: { sec: conn.lastTime.sec, nsec: conn.lastTime.nsec },
      packets: conn.packets,
      c2s: conn.halves.c2s.stats(),
      s2c: conn.halves.s2c.stats(),
      reason: reason === 'eof' && bothFin ? 'fin' : reason,
      ...(conn.tunnel === undefined ? {} : { tunnel: conn.tunnel }),
    });
    this.conns.delete(conn.key);
    this.byId.delete(conn.id);
    (conn.cold ? this.coldList : this.warmList).remove(conn);
    if (reason !== 'eof' && reason !== 'evicted') this.rememberClosed(conn.key);
  }

  private rememberClosed(key: string): void {
    this.closed.delete(key);
    this.closed.set(key, true);
    if (this.closed.size > this.opts.closedMemory) {
      const oldest = this.closed.keys().next();
      if (oldest.done !== true) this.closed.delete(oldest.value);
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
