/**
 * RTMPT: RTMP tunnelled in HTTP. The client POSTs `/fcs/ident2` (optional), `/open/1` (the
 * reply body is the session id and a newline), then `/send/<id>/<seq>` with client→server RTMP
 * bytes as the body, `/idle/<id>/<seq>` to poll and `/close/<id>/<seq>`; every reply body to
 * send/idle/close starts with one byte (the polling interval hint) followed by server→client RTMP
 * bytes. One tunnel session may span several TCP connections, requests may be pipelined, and the
 * sequence numbers order the bodies.
 *
 * `RtmptTracker` takes the TCP connections the analyzer (or the proxy) hands it, parses HTTP on
 * each (http.ts), pairs replies with requests (in order, per connection), reassembles both RTMP
 * byte streams per tunnel session in sequence order across connections, and feeds them to the
 * same `RtmpSession` a plain RTMP connection gets — so the records are those of plain RTMP, with
 * `transport: 'rtmpt'` and the HTTP facts (`rtmpt`) on the session record.
 *
 * Sans-IO, never throws on input, bounded: heads are capped by the parser, each body by
 * MAX_BODY, and bodies waiting for an earlier sequence number by MAX_HELD bytes / MAX_HELD_ITEMS
 * per direction — past either, the missing number is declared lost (`rtmpt.sequence-missing`).
 */
import type { PayloadSink } from '../extract/sink.js';
import type { IngestTarget } from '../targets/ingest.js';
import { diag, type Diagnostic, type DiagnosticCode, type Direction } from '../core/diagnostics.js';
import type { ByteMeta } from '../rtmp/chunk-decoder.js';
import { isEncryptedVersion, isRtmpVersion } from '../rtmp/detect.js';
import { RtmpSession, sessionDiagnostic } from '../session/rtmp-session.js';
import { buildSessionRecord, type DiagnosticRecord, type OutputRecord, type RtmptFacts, type SessionRecord } from '../records/index.js';
import { HttpParser, type HttpEvent, type HttpHead } from './http.js';
import { Orderer, type Piece } from './order.js';
import { HeadScan, MAX_PREFIX, TailKeeper } from './boundary.js';

export type TunnelConnInfo = {
  readonly conn: number;
  readonly client: string;
  readonly server: string;
  readonly clientGuessed: boolean;
};

export type TunnelConnEnd = 'fin' | 'rst' | 'reused' | 'eof' | 'evicted';

/** Largest body kept per request or reply; the rest counts as lost bytes. */
const MAX_BODY = 16 << 20;
/** Tunnel sessions one connection may open (or carry requests of), and tunnel sessions alive at once. */
export const MAX_TUNNELS_PER_CONN = 16;
export const MAX_LIVE_TUNNELS = 4096;
/** Connections listed on a session record. */
const MAX_LISTED_CONNS = 64;

type Cmd = 'open' | 'send' | 'idle' | 'close' | 'ident';
type Target = { readonly cmd: Cmd; readonly id: string | null; readonly seq: number | null };

const TARGET = /^\/(?:(open)\/\d{1,10}|(send|idle|close)\/([A-Za-z0-9._~-]{1,128})\/(\d{1,10})|fcs\/(ident2?))\/?$/;

/** An RTMPT request target, or null. */
export function parseTarget(t: string): Target | null {
  const m = TARGET.exec(t);
  if (m === null) return null;
  if (m[1] !== undefined) return { cmd: 'open', id: null, seq: null };
  if (m[5] !== undefined) return { cmd: 'ident', id: null, seq: null };
  return { cmd: m[2] as Cmd, id: m[3]!, seq: Number(m[4]) };
}

/** Whether a connection's first client bytes are an RTMPT request line (POST to a tunnel URI). */
export function looksLikeRtmpt(data: Uint8Array): boolean {
  const n = Math.min(data.length, 200);
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = data[i]!;
    if (b === 13 || b === 10) break;
    s += String.fromCharCode(b);
  }
  const m = /^POST (\S+) HTTP\/1\.[01]$/.exec(s);
  return m !== null && parseTarget(m[1]!) !== null;
}

function isFcs(h: HttpHead): boolean {
  return /^application\/x-fcs\b/i.test(h.headers.get('content-type') ?? '');
}

const seconds = (m: ByteMeta): number => m.sec + m.nsec / 1e9;
const copyMeta = (m: ByteMeta): ByteMeta => ({ frame: m.frame, sec: m.sec, nsec: m.nsec });

type Body = { pieces: Piece[]; bytes: number };

/** One request and its reply. */
type Exchange = {
  readonly target: Target;
  /** A reply to a request sent before the capture began (mid-exchange start). */
  readonly orphan?: boolean;
  tunnel: Tunnel | null;
  req: Body;
  reqFirst: ByteMeta;
  reqEnd: ByteMeta | null;
  status: number | null;
  res: Body;
  resFirst: ByteMeta | null;
};

type Conn = {
  readonly info: TunnelConnInfo;
  readonly req: HttpParser;
  readonly res: HttpParser;
  /** Requests whose reply has not ended, oldest first (pipelining). */
  readonly pending: Exchange[];
  curReq: Exchange | null;
  curRes: Exchange | null;
  /** The first request was checked (an RTMPT target with Content-Type application/x-fcs). */
  verified: boolean;
  /** Not RTMPT after all, or framing lost: ignored from here on. */
  dead: boolean;
  idents: number;
  /** The tunnel limit was reported on this connection. */
  limited: boolean;
  lastTunnel: Tunnel | null;
  readonly tunnels: Set<Tunnel>;
  readonly startSeen: boolean;
  /**
   * Mid-exchange start (boundary.ts): per direction, the scan for the first message head while
   * it has not been found (bytes before it cannot be framed and are passed over).
   */
  readonly seek: Record<Direction, HeadScan | null>;
  /** While seeking: the bytes passed over (the end of the body the capture began in). */
  readonly tails: Record<Direction, TailKeeper | null>;
  /**
   * Mid-exchange: tunnelled bytes from before the first exchange seen (the end of a cut body,
   * replies to unseen requests), for the connection's first tunnel, whose stream they begin.
   */
  readonly prefix: Record<Direction, { pieces: Piece[]; bytes: number }>;
  /** Replies whose request came before the capture did (passed over), before the first paired one. */
  orphans: number;
  paired: boolean;
  /** Claimed mid-exchange (the replies may be one behind the requests: see replySeq). */
  readonly midExchange: boolean;
  /** Mid-exchange: the sequence number the last reply was delivered under. */
  lastReplySeq: number | null;
  /** TCP-stage diagnostics that came before the connection carried a tunnel (mid-exchange start). */
  readonly early: DiagnosticRecord[];
};

/** TCP-stage diagnostics kept for a mid-exchange connection until it carries a tunnel. */
const MAX_EARLY = 16;

type Tunnel = {
  readonly id: string;
  readonly session: number;
  readonly first: TunnelConnInfo;
  readonly startSeen: boolean;
  readonly rtmp: RtmpSession;
  readonly order: Record<Direction, Orderer>;
  readonly offset: Record<Direction, number>;
  readonly gaps: Record<Direction, { count: number; bytes: number }>;
  firstByte: number | null;
  firstMeta: ByteMeta;
  lastMeta: ByteMeta;
  packets: number;
  readonly conns: Set<number>;
  readonly openConns: Set<number>;
  lastEnd: TunnelConnEnd | null;
  closeSeen: boolean;
  done: boolean;
  readonly requests: { open: number; ident: number; send: number; idle: number; close: number };
  errors: number;
  emptyReplies: number;
  hint: { first: number; last: number; min: number; max: number } | null;
  latency: { count: number; min: number; sum: number; max: number };
};

export class RtmptTracker {
  private readonly conns = new Map<number, Conn>();
  private readonly tunnels = new Map<string, Tunnel>();
  private out: OutputRecord[] = [];

  constructor(
    /** Allocates the next session number (shared with plain RTMP sessions). */
    private readonly nextSession: () => number,
    private readonly connBuffer?: number,
    /** Extraction (src/extract): tunnel sessions hand whole media bodies there. */
    private readonly payloads: PayloadSink | null = null,
    /** The ingest service published streams are checked against (--target). */
    private readonly target: IngestTarget | null = null,
  ) {}

  /**
   * Take a connection whose first client bytes are RTMPT (see looksLikeRtmpt), or, `midExchange`,
   * one whose capture began inside an HTTP exchange (boundary.ts; by default any connection whose
   * start is unseen: its first request may be one that pipelined requests went before): each
   * direction is decoded from its first RTMPT message head on.
   */
  claim(info: TunnelConnInfo, startSeen: boolean, midExchange = !startSeen): void {
    if (this.conns.has(info.conn)) return;
    const c: Conn = {
      info,
      req: new HttpParser('request'),
      res: new HttpParser('response'),
      pending: [],
      curReq: null,
      curRes: null,
      verified: false,
      dead: false,
      idents: 0,
      limited: false,
      lastTunnel: null,
      tunnels: new Set(),
      startSeen,
      seek: midExchange ? { c2s: new HeadScan('request'), s2c: new HeadScan('reply') } : { c2s: null, s2c: null },
      // The end of the body the capture began in, both ways: a reply's after its polling hint, a
      // request's whole (the padding of /idle or /close is one byte, and a tail of one byte is none).
      tails: { c2s: midExchange ? new TailKeeper() : null, s2c: midExchange ? new TailKeeper() : null },
      prefix: { c2s: { pieces: [], bytes: 0 }, s2c: { pieces: [], bytes: 0 } },
      orphans: 0,
      paired: !midExchange,
      midExchange,
      lastReplySeq: null,
      early: [],
    };
    this.conns.set(info.conn, c);
  }

  data(conn: number, dir: Direction, bytes: Uint8Array, meta: ByteMeta): OutputRecord[] {
    this.out = [];
    const c = this.conns.get(conn);
    if (c !== undefined && !c.dead) {
      let from = bytes;
      const seek = c.seek[dir];
      if (seek !== null) {
        const f = seek.push(bytes);
        const tails = c.tails[dir];
        tails?.keep(bytes, meta);
        if (f === null) return this.out;
        c.seek[dir] = null;
        c.tails[dir] = null;
        // The end of the body the capture began in (a reply's after the polling hint, when the
        // end of its head is there too).
        if (tails !== null) this.addPrefix(c, dir, tails.tail(f.rest.length, dir === 's2c' ? 1 : 0));
        from = f.rest;
      }
      const p = dir === 'c2s' ? c.req : c.res;
      this.onHttp(c, dir, p.push(from), meta);
    }
    return this.out;
  }

  gap(conn: number, dir: Direction, length: number, meta: ByteMeta): OutputRecord[] {
    this.out = [];
    const c = this.conns.get(conn);
    const seek = c?.seek[dir] ?? null;
    if (seek !== null) {
      seek.lost(length);
      c!.tails[dir]?.clear();
    } else if (c !== undefined && !c.dead) this.onHttp(c, dir, (dir === 'c2s' ? c.req : c.res).gap(length), meta);
    return this.out;
  }

  /**
   * A diagnostic the TCP stage raised on a claimed connection: it goes to the tunnel it carried
   * last; on a connection not (yet) known to be RTMPT it is dropped, as for other non-RTMP ones.
   */
  observe(conn: number, d: DiagnosticRecord): OutputRecord[] {
    const c = this.conns.get(conn);
    const t = c?.lastTunnel ?? null;
    if (c !== undefined && t === null && !c.paired && !c.dead) {
      // Mid-exchange: the connection's facts (tcp.start-unseen, ...) go to its first tunnel.
      if (c.early.length < MAX_EARLY) c.early.push(d);
      return [];
    }
    if (t === null || t.done) return c?.verified === true ? [d] : [];
    return t.rtmp.observe({ ...d, session: t.session, client: t.first.client, server: t.first.server });
  }

  /** The connection ended: sessions it was the last open connection of, and that closed, end now. */
  close(conn: number, end: TunnelConnEnd, meta: ByteMeta): OutputRecord[] {
    this.out = [];
    const c = this.conns.get(conn);
    if (c === undefined) return this.out;
    this.conns.delete(conn);
    if (!c.dead) {
      this.onHttp(c, 'c2s', c.req.finish(), meta);
      if (!c.dead) this.onHttp(c, 's2c', c.res.finish(), meta);
    }
    for (const t of c.tunnels) {
      t.openConns.delete(conn);
      t.lastEnd = end;
      if (t.closeSeen && t.openConns.size === 0) this.finishTunnel(t);
    }
    return this.out;
  }

  /** End of input: every session still open ends. */
  finish(): OutputRecord[] {
    this.out = [];
    for (const [conn] of [...this.conns]) for (const r of this.close(conn, 'eof', { frame: 0, sec: 0, nsec: 0 })) this.out.push(r);
    const rest = [...this.tunnels.values()].filter((t) => !t.done).sort((a, b) => a.session - b.session);
    for (const t of rest) this.finishTunnel(t);
    return this.out;
  }

  private onHttp(c: Conn, dir: Direction, events: readonly HttpEvent[], meta: ByteMeta): void {
    for (const e of events) {
      if (c.dead) return;
      if (e.kind === 'body' || e.kind === 'gap') {
        const x = dir === 'c2s' ? c.curReq : c.curRes;
        if (x !== null) this.addBody(x, dir === 'c2s' ? x.req : x.res, e, meta);
      } else if (e.kind === 'error') {
        this.connDiag(c, 'rtmpt.http.unframed', `HTTP ${dir === 'c2s' ? 'requests' : 'replies'} cannot be framed: ${e.reason}; the rest of this connection is not decoded`, meta, dir);
        c.dead = true;
      } else if (dir === 'c2s') this.onRequestEvent(c, e, meta);
      else this.onResponseEvent(c, e, meta);
    }
  }

  /** Body bytes (copied: the views are only valid during the call) up to MAX_BODY; the rest counts as lost. */
  private addBody(x: Exchange, b: Body, e: HttpEvent & { kind: 'body' | 'gap' }, meta: ByteMeta): void {
    if (x.tunnel !== null) this.touch(x.tunnel, meta);
    if (e.kind === 'gap') {
      b.pieces.push({ data: null, lost: e.length, meta: copyMeta(meta) });
      return;
    }
    const keep = Math.max(0, Math.min(e.data.length, MAX_BODY - b.bytes));
    if (keep > 0) b.pieces.push({ data: e.data.slice(0, keep), lost: 0, meta: copyMeta(meta) });
    b.bytes += keep;
    if (keep < e.data.length) b.pieces.push({ data: null, lost: e.data.length - keep, meta: copyMeta(meta) });
  }

  private onRequestEvent(c: Conn, e: HttpEvent & { kind: 'head' | 'end' }, meta: ByteMeta): void {
    switch (e.kind) {
      case 'head': {
        const target = e.head.method === 'POST' && e.head.target !== null ? parseTarget(e.head.target) : null;
        if (!c.verified) {
          if (target === null || !isFcs(e.head)) {
            // Not RTMPT after all (ordinary HTTP that happens to POST to such a path).
            c.dead = true;
            return;
          }
          c.verified = true;
        }
        if (target === null) {
          this.connDiag(c, 'rtmpt.http.unframed', `a request to ${JSON.stringify(e.head.target ?? '').slice(0, 80)} is not an RTMPT request; the rest of this connection is not decoded`, meta, 'c2s');
          c.dead = true;
          return;
        }
        const x: Exchange = { target, tunnel: null, req: { pieces: [], bytes: 0 }, reqFirst: copyMeta(meta), reqEnd: null, status: null, res: { pieces: [], bytes: 0 }, resFirst: null };
        if (target.id !== null) x.tunnel = this.tunnelFor(c, target.id, meta);
        if (target.cmd === 'ident') c.idents++;
        if (x.tunnel !== null) {
          x.tunnel.requests[target.cmd]++;
          this.touch(x.tunnel, meta);
        }
        c.curReq = x;
        c.pending.push(x);
        return;
      }
      case 'end': {
        const x = c.curReq;
        c.curReq = null;
        if (x === null) return;
        x.reqEnd = copyMeta(meta);
        const t = x.tunnel;
        // Only /send carries RTMP bytes; idle and close bodies are padding (librtmp and ffmpeg
        // send one byte), and their numbers still count in the order.
        if (t !== null && x.target.seq !== null && !t.done) this.deliver(t, 'c2s', t.order.c2s.add(x.target.seq, x.target.cmd === 'send' ? x.req.pieces : [], meta));
        x.req.pieces = [];
        return;
      }
    }
  }

  private onResponseEvent(c: Conn, e: HttpEvent & { kind: 'head' | 'end' }, meta: ByteMeta): void {
    switch (e.kind) {
      case 'head': {
        const x = c.pending[0] ?? null;
        c.curRes = x;
        if (x === null && !c.paired) {
          // Mid-exchange: the reply to a request sent before the capture began: its bytes begin
          // the stream of the connection's first tunnel.
          c.orphans++;
          c.curRes = { target: { cmd: 'idle', id: null, seq: null }, orphan: true, tunnel: null, req: { pieces: [], bytes: 0 }, reqFirst: copyMeta(meta), reqEnd: null, status: e.head.status, res: { pieces: [], bytes: 0 }, resFirst: copyMeta(meta) };
          return;
        }
        c.paired = true;
        if (x === null && c.midExchange && c.lastTunnel !== null && !c.lastTunnel.done) {
          // Mid-exchange with pipelined requests: the replies run one (or more) behind the
          // requests seen, as requests sent before the capture began are answered first.
          c.curRes = { target: { cmd: 'idle', id: c.lastTunnel.id, seq: null }, tunnel: c.lastTunnel, req: { pieces: [], bytes: 0 }, reqFirst: copyMeta(meta), reqEnd: null, status: e.head.status, res: { pieces: [], bytes: 0 }, resFirst: copyMeta(meta) };
          return;
        }
        if (x === null) {
          if (c.verified) this.connDiag(c, 'rtmpt.http.unframed', 'a reply without a request; the rest of this connection is not decoded', meta, 's2c');
          c.dead = true;
          return;
        }
        x.status = e.head.status;
        x.resFirst = copyMeta(meta);
        const t = x.tunnel;
        if (t !== null) {
          this.touch(t, meta);
          if (x.reqEnd !== null) {
            const ms = Math.round((seconds(meta) - seconds(x.reqEnd)) * 1e6) / 1e3;
            const l = t.latency;
            l.count++;
            l.sum += ms;
            l.min = l.count === 1 ? ms : Math.min(l.min, ms);
            l.max = l.count === 1 ? ms : Math.max(l.max, ms);
          }
        }
        if (x.status !== 200 && x.target.cmd !== 'ident') {
          if (t !== null) t.errors++;
          this.connDiag(c, 'rtmpt.reply-error', `the reply to ${x.target.cmd}${x.target.seq === null ? '' : ` #${x.target.seq}`} has status ${x.status}: it carries no tunnel bytes`, meta, 's2c', t);
        }
        return;
      }
      case 'end': {
        const x = c.curRes;
        c.curRes = null;
        if (x === null) return;
        if (x.orphan === true) {
          this.onOrphanReply(c, x);
          return;
        }
        // A reply synthesized for a pipelined request the capture missed is not queued; every
        // other one is the queue's head (ident2 and /open too, which have no number).
        if (c.pending[0] === x) c.pending.shift();
        this.onReply(c, x, meta);
        return;
      }
    }
  }

  private onReply(c: Conn, x: Exchange, meta: ByteMeta): void {
    const ok = x.status === 200;
    if (x.target.cmd === 'open') {
      if (!ok) return;
      const id = idFromBody(x.res.pieces);
      if (id === null) {
        this.connDiag(c, 'rtmpt.http.unframed', 'the reply to /open carries no usable session id; requests of that session start it mid-stream', meta, 's2c');
        return;
      }
      const t = this.tunnelFor(c, id, x.reqFirst, true);
      if (t === null) return;
      this.touch(t, meta);
      t.requests.open++;
      t.requests.ident += c.idents;
      c.idents = 0;
      return;
    }
    const t = x.tunnel;
    const seq = c.midExchange ? this.replySeq(c, x.target.seq) : x.target.seq;
    if (t === null || seq === null || t.done) return;
    if (x.target.cmd === 'close') t.closeSeen = true;
    // Strip the polling interval hint: the reply body's first byte.
    const pieces: Piece[] = [];
    let hinted = !ok;
    let rtmpBytes = 0;
    for (const p of ok ? x.res.pieces : []) {
      if (!hinted && p.data !== null && p.data.length > 0) {
        this.noteHint(t, p.data[0]!);
        hinted = true;
        if (p.data.length > 1) pieces.push({ data: p.data.subarray(1), lost: 0, meta: p.meta });
        rtmpBytes += p.data.length - 1;
      } else if (!hinted && p.data === null) {
        // The hint byte itself was lost.
        hinted = true;
        if (p.lost > 1) pieces.push({ data: null, lost: p.lost - 1, meta: p.meta });
        rtmpBytes += p.lost - 1;
      } else if (hinted) {
        pieces.push(p);
        rtmpBytes += p.data?.length ?? p.lost;
      }
    }
    if (rtmpBytes === 0 && (x.target.cmd === 'send' || x.target.cmd === 'idle')) t.emptyReplies++;
    this.deliver(t, 's2c', t.order.s2c.add(seq, pieces, meta));
    x.res.pieces = [];
  }

  /**
   * Mid-exchange: the number a reply is delivered under. Replies on one connection come in the
   * order of its requests, but pipelined requests sent before the capture began are answered
   * after requests the capture has: a reply then finds a later request at the head of the queue,
   * and the next one finds none (or its number taken). Numbering the replies on from the last one
   * keeps them in their order on the connection.
   */
  private replySeq(c: Conn, seq: number | null): number | null {
    const last = c.lastReplySeq;
    const n = last !== null && (seq === null || seq <= last) ? last + 1 : seq;
    if (n !== null) c.lastReplySeq = n;
    return n;
  }

  /** A reply to an unseen request: its bytes (after the hint) join the prefix, unless it answers /open. */
  private onOrphanReply(c: Conn, x: Exchange): void {
    if (x.status !== 200 || idFromBody(x.res.pieces) !== null) return;
    const pieces: Piece[] = [];
    let hinted = false;
    for (const p of x.res.pieces) {
      if (hinted) pieces.push(p);
      else if (p.data === null) {
        hinted = true;
        if (p.lost > 1) pieces.push({ data: null, lost: p.lost - 1, meta: p.meta });
      } else if (p.data.length > 0) {
        hinted = true;
        if (p.data.length > 1) pieces.push({ data: p.data.subarray(1), lost: 0, meta: p.meta });
      }
    }
    this.addPrefix(c, 's2c', pieces);
  }

  /**
   * Tunnelled bytes from before the connection's first exchange: held (bounded; past MAX_PREFIX
   * they count as lost) until the connection carries a tunnel, then delivered (flushPrefix).
   */
  private addPrefix(c: Conn, dir: Direction, pieces: readonly Piece[]): void {
    const pre = c.prefix[dir];
    for (const p of pieces) {
      const n = p.data?.length ?? p.lost;
      if (n === 0) continue;
      if (p.data !== null && pre.bytes + n <= MAX_PREFIX) {
        pre.pieces.push(p);
        pre.bytes += n;
      } else {
        // Past the bound only a count is kept: adjacent losses join, so a connection that never
        // carries a tunnel holds one entry, not one per segment.
        const last = pre.pieces[pre.pieces.length - 1];
        if (last !== undefined && last.data === null) pre.pieces[pre.pieces.length - 1] = { data: null, lost: last.lost + n, meta: last.meta };
        else pre.pieces.push({ data: null, lost: n, meta: p.meta });
      }
    }
    if (c.lastTunnel !== null) this.flushPrefix(c, c.lastTunnel, dir);
  }

  /**
   * The prefix begins the stream of a tunnel first seen on this connection mid-stream, while
   * nothing of that direction was delivered yet; otherwise its place is unknown and it is dropped.
   */
  private flushPrefix(c: Conn, t: Tunnel, dir: Direction): void {
    const pre = c.prefix[dir];
    if (pre.pieces.length === 0) return;
    const pieces = pre.pieces;
    pre.pieces = [];
    pre.bytes = 0;
    if (t.done || t.startSeen || t.first.conn !== c.info.conn || t.order[dir].started || t.offset[dir] !== 0) return;
    // A leading loss says nothing: the stream starts mid-way anyway.
    while (pieces.length > 0 && pieces[0]!.data === null) pieces.shift();
    this.deliver(t, dir, pieces);
  }

  private noteHint(t: Tunnel, h: number): void {
    if (t.hint === null) t.hint = { first: h, last: h, min: h, max: h };
    else {
      t.hint.last = h;
      t.hint.min = Math.min(t.hint.min, h);
      t.hint.max = Math.max(t.hint.max, h);
    }
  }

  /** The tunnel with this id, created (mid-stream unless from /open's reply) when new. */
  private tunnelFor(c: Conn, id: string, meta: ByteMeta, fromOpen = false): Tunnel | null {
    // Keyed by server and id: a proxy in the capture carries the same id on both its legs.
    const key = `${c.info.server}|${id}`;
    let t = this.tunnels.get(key);
    if (t === undefined && (c.tunnels.size >= MAX_TUNNELS_PER_CONN || this.tunnels.size >= MAX_LIVE_TUNNELS)) {
      if (!c.limited) {
        c.limited = true;
        const d = diag(
          'rtmpt.tunnel-limit',
          `more than ${c.tunnels.size >= MAX_TUNNELS_PER_CONN ? `${MAX_TUNNELS_PER_CONN} RTMPT sessions on one connection` : `${MAX_LIVE_TUNNELS} RTMPT sessions at once`}: requests of further session ids on this connection are not decoded`,
          { frame: meta.frame, conn: c.info.conn },
          { tcpStream: c.info.conn },
        );
        this.out.push(connLevel(c.info, d));
      }
      return null;
    }
    if (t === undefined) {
      const session = this.nextSession();
      // Created from /open's reply, the tunnel's streams begin with its first /send body, whether
      // or not the TCP connection's own start (its SYN) is in the capture.
      const startSeen = fromOpen;
      t = {
        id,
        session,
        first: c.info,
        startSeen,
        rtmp: new RtmpSession({ session, conn: c.info.conn, client: c.info.client, server: c.info.server }, !startSeen, this.connBuffer, { payloads: this.payloads, target: this.target }),
        order: { c2s: new Orderer(startSeen), s2c: new Orderer(startSeen) },
        offset: { c2s: 0, s2c: 0 },
        gaps: { c2s: { count: 0, bytes: 0 }, s2c: { count: 0, bytes: 0 } },
        firstByte: null,
        firstMeta: copyMeta(meta),
        lastMeta: copyMeta(meta),
        packets: 0,
        conns: new Set(),
        openConns: new Set(),
        lastEnd: null,
        closeSeen: false,
        done: false,
        requests: { open: 0, ident: 0, send: 0, idle: 0, close: 0 },
        errors: 0,
        emptyReplies: 0,
        hint: null,
        latency: { count: 0, min: 0, sum: 0, max: 0 },
      };
      this.tunnels.set(key, t);
    }
    if (!t.conns.has(c.info.conn)) {
      t.conns.add(c.info.conn);
      t.openConns.add(c.info.conn);
      c.tunnels.add(t);
    }
    c.lastTunnel = t;
    for (const dir of ['c2s', 's2c'] as const) this.flushPrefix(c, t, dir);
    for (const d of c.early.splice(0)) for (const r of t.rtmp.observe({ ...d, session: t.session, client: t.first.client, server: t.first.server })) this.out.push(r);
    return t;
  }

  private touch(t: Tunnel, meta: ByteMeta): void {
    if (meta.frame > t.lastMeta.frame || t.packets === 0) t.packets++;
    if (meta.frame >= t.lastMeta.frame) t.lastMeta = copyMeta(meta);
  }

  /** Pieces now in sequence order go to the RTMP decoder; holes become gaps. */
  private deliver(t: Tunnel, dir: Direction, pieces: readonly Piece[]): void {
    for (const p of pieces) {
      if (p.data !== null) {
        if (dir === 'c2s' && t.firstByte === null && t.offset.c2s === 0 && p.data.length > 0) t.firstByte = p.data[0]!;
        for (const r of t.rtmp.data(dir, p.data, t.offset[dir], p.meta)) this.out.push(r);
        t.offset[dir] += p.data.length;
        continue;
      }
      if (p.hole !== undefined) {
        const d = diag(
          'rtmpt.sequence-missing',
          `${dir === 'c2s' ? 'request' : 'reply'} body #${p.hole} of RTMPT session ${t.id} was not captured; its bytes are missing from the tunnelled stream`,
          { frame: p.meta.frame, dir, offset: t.offset[dir] },
          { sequence: p.hole },
        );
        for (const r of t.rtmp.observe(this.sessionDiag(t, d))) this.out.push(r);
      }
      t.gaps[dir].count++;
      if (p.hole === undefined) t.gaps[dir].bytes += p.lost;
      for (const r of t.rtmp.gap(dir, p.lost, p.meta)) this.out.push(r);
      t.offset[dir] += p.lost;
    }
  }

  private finishTunnel(t: Tunnel): void {
    if (t.done) return;
    for (const dir of ['c2s', 's2c'] as const) this.deliver(t, dir, t.order[dir].flush(t.lastMeta));
    t.done = true;
    this.tunnels.delete(`${t.first.server}|${t.id}`);
    for (const r of t.rtmp.finish()) this.out.push(r);
    const version = t.startSeen && isRtmpVersion(t.firstByte ?? undefined) ? t.firstByte : null;
    const polls = t.requests.send + t.requests.idle;
    const facts: RtmptFacts = {
      sessionId: t.id,
      connections: [...t.conns].sort((a, b) => a - b).slice(0, MAX_LISTED_CONNS),
      requests: { ...t.requests },
      errorReplies: t.errors,
      emptyReplies: t.emptyReplies,
      lateBodies: t.order.c2s.late + t.order.s2c.late,
      idleRatio: polls === 0 ? null : Math.round((t.requests.idle / polls) * 1e4) / 1e4,
      pollHint: t.hint === null ? null : { ...t.hint },
      replyLatencyMs: t.latency.count === 0 ? null : { count: t.latency.count, min: t.latency.min, mean: Math.round((t.latency.sum / t.latency.count) * 1e3) / 1e3, max: t.latency.max },
    };
    const rec: SessionRecord = buildSessionRecord(
      {
        session: t.session,
        tcpStream: t.first.conn,
        client: t.first.client,
        server: t.first.server,
        clientGuessed: t.first.clientGuessed,
        detectedBy: version !== null ? 'handshake' : 'chunk-heuristic',
        version,
        encrypted: version !== null && isEncryptedVersion(version),
        transport: 'rtmpt',
        firstFrame: t.firstMeta.frame,
        lastFrame: t.lastMeta.frame,
        firstTime: { sec: t.firstMeta.sec, nsec: t.firstMeta.nsec },
        lastTime: { sec: t.lastMeta.sec, nsec: t.lastMeta.nsec },
        packets: Math.max(1, t.packets),
        bytes: { c2s: t.offset.c2s, s2c: t.offset.s2c },
        gaps: t.gaps,
        startUnseen: { c2s: !t.startSeen, s2c: !t.startSeen },
        end: t.closeSeen ? 'fin' : (t.lastEnd ?? 'eof'),
      },
      t.rtmp.stats(),
      t.rtmp.sessionFacts(),
    );
    this.out.push({ ...rec, rtmpt: facts });
  }

  private sessionDiag(t: Tunnel, d: Diagnostic): DiagnosticRecord {
    return sessionDiagnostic({ session: t.session, client: t.first.client, server: t.first.server }, d);
  }

  /** A diagnostic about one connection's HTTP: on the tunnel it carries, else capture-level. */
  private connDiag(c: Conn, code: DiagnosticCode, message: string, meta: ByteMeta, dir: Direction, tunnel: Tunnel | null = c.lastTunnel): void {
    const d = diag(code, message, { frame: meta.frame, conn: c.info.conn, dir }, { tcpStream: c.info.conn });
    if (tunnel !== null && !tunnel.done) {
      for (const r of tunnel.rtmp.observe(this.sessionDiag(tunnel, d))) this.out.push(r);
      return;
    }
    this.out.push(connLevel(c.info, d));
  }
}

/** A diagnostic about a connection that no tunnel session owns (session null). */
function connLevel(info: TunnelConnInfo, d: Diagnostic): DiagnosticRecord {
  return { ...sessionDiagnostic({ session: 0, client: info.client, server: info.server }, d), session: null };
}

/** The session id in /open's reply: printable ASCII up to the first newline. */
function idFromBody(pieces: readonly Piece[]): string | null {
  let s = '';
  for (const p of pieces) {
    if (p.data === null) return null;
    for (const b of p.data) {
      if (b === 10 || b === 13) return /^[A-Za-z0-9._~-]{1,128}$/.test(s) ? s : null;
      if (s.length >= 128) return null;
      s += String.fromCharCode(b);
    }
  }
  return /^[A-Za-z0-9._~-]{1,128}$/.test(s) ? s : null;
}
