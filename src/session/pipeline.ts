/**
 * The session pipeline: TCP events in, records out — what follows TCP reassembly, shared by the
 * file path (the Analyzer feeds it the reassembler's events) and the live proxy (which feeds it the
 * events its synthesised `--pcap` connections produce when read back), so both decide, number and
 * decode sessions with the same code. Synchronous, deterministic, no I/O.
 *
 * Per TCP connection it decides what the connection carries — RTMP (by its C0 when the start of
 * the conversation is in view; otherwise held until the mid-stream gate decides), RTMPT (HTTP
 * requests to the tunnel URIs), TLS (a ClientHello, decrypted with a key log) or something else
 * (only counted) — and feeds the bytes to that decoder. Session numbers are 1-based in order of
 * recognition (RTMPT tunnels and RTMFP sessions draw from the same counter, `nextSession`). When
 * the TCP stage had to guess the client and the handshake shows the other side opened it, the
 * roles are swapped here, before anything about the session is emitted. At a connection's close it
 * builds the session record. Every record then passes `admit` (the cross-session checks; capture-
 * level diagnostics pass a limiter) before it is handed on.
 *
 * Hooks for the live proxy (a file never uses them): `sessionOf` (the number a connection got),
 * `mute` (stop decoding it; its session record is still written), `broken` (its decoder threw: never
 * called again, the record keeps no decode statistics), `decrypted` (an RTMPE client whose
 * encryption the proxy terminates: its plaintext is decoded), and `held`/`owns`/`shed` for a
 * memory budget across connections.
 */
import { diag, type Diagnostic, type Direction } from '../core/diagnostics.js';
import { WELL_KNOWN_SERVER_PORTS, type Endpoint, type TcpClose, type TcpData, type TcpEvent, type TcpOpen, type DirStats } from '../tcp/reassembly.js';
import { isEncryptedVersion, isRtmpVersion } from '../rtmp/detect.js';
import { MidstreamGate, type Decision, type RtmpDecision } from './midstream-gate.js';
import type { ConnectionHold } from './midstream.js';
import { buildSessionRecord, type DiagnosticRecord, type OutputRecord, type SessionRecord } from '../records/index.js';
import { RtmpSession, sessionDiagnostic } from './rtmp-session.js';
import type { BufferBudget } from '../rtmp/chunk-decoder.js';
import { CaptureAnalysis, DiagnosticLimiter } from '../analysis/index.js';
import { looksLikeRtmpt, RtmptTracker } from '../rtmpt/tunnel.js';
import { awaitingOtherSide, RtmptSniffer } from '../rtmpt/boundary.js';
import { TlsConnection, tlsStart, type TlsEvent } from '../tls/connection.js';
import { TlsKeyLog } from '../tls/keylog.js';
import type { IngestTarget } from '../targets/ingest.js';
import type { PayloadSink } from '../extract/sink.js';

export type PipelineOptions = {
  /** Ports on which a connection without a recognisable start is still taken as RTMP (default 1935). */
  readonly rtmpPorts?: readonly number[];
  /** Bytes a connection whose start is unseen may hold while undecided. */
  readonly holdBytes?: number;
  /** Bytes messages in progress may hold per connection (both directions). */
  readonly connBuffer?: number;
  /** Key log files' contents (`--keylog`). */
  readonly keylogs?: readonly string[];
  /** What the decoders of all connections hold together; its owner sets its shedder. */
  readonly shared: BufferBudget;
  /** A connection was found not to carry RTMP (the reassembler may evict it first). */
  readonly onReject?: (conn: number) => void;
  /** Check published streams against this ingest service's documented requirements (--target). */
  readonly target?: IngestTarget;
  /** Extraction (src/extract): RTMP sessions hand whole media bodies there. */
  readonly payloads?: PayloadSink;
  /** Wire excerpts of this many bytes on handshake parts and messages (the TUI). */
  readonly wireExcerpt?: number;
};

/** Diagnostics kept for a connection while it is not yet known to be RTMP. */
const MAX_PENDING_DIAGS = 64;

/** The proxy terminates this connection's RTMPE: the session record says so. */
export type Termination = { readonly upstream: 'rtmp' | 'rtmpe'; readonly upstreamBytes: () => { c2s: number; s2c: number } };

type ConnState = {
  readonly open: TcpOpen;
  status: 'undecided' | 'rtmp' | 'rtmpt' | 'other';
  session: number;
  /** Client and server as finally decided (possibly swapped from the TCP stage's guess). */
  client: Endpoint;
  server: Endpoint;
  swap: boolean;
  clientGuessed: boolean;
  detectedBy: SessionRecord['detectedBy'];
  version: number | null;
  pending: Diagnostic[];
  rtmp: RtmpSession | null;
  /** While undecided without its start: the held bytes of both directions. */
  hold: ConnectionHold | null;
  /** While undecided without its start: the look-out for RTMPT begun mid-exchange (src/rtmpt/boundary.ts). */
  sniff?: RtmptSniffer | null;
  /** A TLS connection (RTMPS when it decrypts to RTMP): its records, and the plaintext's origin. */
  tls: TlsConnection | null;
  /** Live proxy only: not decoded any more ('muted'), or its decoder threw ('broken'). */
  stopped: 'muted' | 'broken' | null;
  /** Live proxy only: RTMPE terminated by the proxy (the bytes are the decrypted client leg). */
  terminated: Termination | null;
};

export function formatEndpoint(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

const flip = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

const ZERO_STATS: ReturnType<RtmpSession['stats']> = {
  messageCount: { c2s: 0, s2c: 0 },
  chunkSize: { c2s: 128, s2c: 128 },
  type3ExtendedTimestamp: { c2s: null, s2c: null },
};

export class SessionPipeline {
  private readonly gate: MidstreamGate;
  private readonly connBuffer: number | undefined;
  private readonly shared: BufferBudget;
  private readonly conns = new Map<number, ConnState>();
  /** Records produced and not yet taken (`take`). */
  out: OutputRecord[] = [];
  /** Payload cut off by the snap length, over all TCP connections. */
  readonly truncation = { connections: 0, holes: 0, bytes: 0 };
  tcpConnections = 0;
  tlsConnections = 0;
  private readonly keylog: TlsKeyLog | null;
  /** Sessions numbered so far (RTMP, RTMPT and RTMFP together). */
  sessions = 0;
  private readonly captureAnalysis = new CaptureAnalysis();
  /** Capture-level diagnostics (session null); sessions limit their own. */
  private readonly limiter = new DiagnosticLimiter();
  /** RTMPT: HTTP connections carrying tunnelled RTMP (src/rtmpt). */
  private readonly rtmpt: RtmptTracker;
  private readonly onReject: (conn: number) => void;
  private readonly target: IngestTarget | null;
  private readonly payloads: PayloadSink | null;
  private readonly wireExcerpt: number;

  constructor(opts: PipelineOptions) {
    this.gate = new MidstreamGate(opts);
    this.connBuffer = opts.connBuffer;
    this.target = opts.target ?? null;
    this.payloads = opts.payloads ?? null;
    this.wireExcerpt = opts.wireExcerpt ?? 0;
    this.rtmpt = new RtmptTracker(() => this.nextSession(), opts.connBuffer, this.payloads, this.target);
    this.keylog = opts.keylogs === undefined ? null : new TlsKeyLog(opts.keylogs);
    this.shared = opts.shared;
    this.onReject = opts.onReject ?? (() => undefined);
  }

  /** Ports taken as the server side of a connection whose SYN was not seen. */
  get serverPorts(): readonly number[] {
    return this.gate.serverPorts;
  }

  /** A new session number (RTMPT and RTMFP sessions draw from the same counter). */
  nextSession(): number {
    return ++this.sessions;
  }

  /** The records produced since the last call. */
  take(): OutputRecord[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /** Checks across sessions see every record; capture-level diagnostics pass the limiter. */
  admit(recs: readonly OutputRecord[]): readonly OutputRecord[] {
    if (recs.length === 0) return recs;
    const out: OutputRecord[] = [];
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i]!;
      if (r.type !== 'diagnostic' || r.session !== null || this.limiter.admit(r)) out.push(r);
      const derived = this.captureAnalysis.onRecord(r);
      for (let j = 0; j < derived.length; j++) out.push(derived[j]!);
    }
    return out;
  }

  /** The end: tunnel sessions still open are written (to `out`). */
  finishTunnels(): void {
    for (const r of this.rtmpt.finish()) this.out.push(r);
  }

  /** The cross-session checks' last records (after every session ended). */
  finishChecks(): OutputRecord[] {
    return this.captureAnalysis.finish();
  }

  /** The session number a connection got, or null while it is none (or never was). */
  sessionOf(conn: number): number | null {
    const c = this.conns.get(conn);
    return c === undefined || c.status !== 'rtmp' ? null : c.session;
  }

  /** Bytes the connection's decoders hold (messages in progress, chunk-stream state). */
  held(conn: number): number {
    return this.conns.get(conn)?.rtmp?.held ?? 0;
  }

  /** Does `b` belong to this connection's decoders? */
  owns(conn: number, b: BufferBudget): boolean {
    return this.conns.get(conn)?.rtmp?.owns(b) === true;
  }

  /** Give back everything the connection's decoders hold (it is muted first). */
  shed(conn: number): void {
    this.mute(conn);
    this.conns.get(conn)?.rtmp?.shed(Number.POSITIVE_INFINITY);
  }

  /** Decoding of a connection is about to stop for good (the proxy): extraction's files get a gap to their end. */
  recordingStops(conn: number, reason: string): void {
    const c = this.conns.get(conn);
    if (this.payloads === null || c?.rtmp == null || c.stopped !== null) return;
    for (const d of ['c2s', 's2c'] as const) this.payloads.loss(c.rtmp.id, d, `decoding of session ${c.session} stopped (${reason})`);
  }

  /** Stop decoding a connection; it still gets its session record (with what was decoded). */
  mute(conn: number): void {
    const c = this.conns.get(conn);
    if (c !== undefined && c.stopped === null) c.stopped = 'muted';
  }

  /** The connection's decoder threw: it is never called again. */
  broken(conn: number): void {
    const c = this.conns.get(conn);
    if (c !== undefined) c.stopped = 'broken';
  }

  /** Before its first byte: the bytes that follow are an RTMPE client leg decrypted by the proxy (null: relayed as they are). */
  decrypted(conn: number, t: Termination | null): void {
    const c = this.conns.get(conn);
    if (c !== undefined) c.terminated = t;
  }

  /** A capture-level diagnostic record (session null). */
  captureDiag(d: Diagnostic): DiagnosticRecord {
    return this.diagRecord(d, null);
  }

  /** One event of the TCP stage; the records it produces go to `out`. */
  push(t: TcpEvent): void {
    switch (t.kind) {
      case 'open':
        this.tcpConnections++;
        this.conns.set(t.conn, {
          open: t,
          status: 'undecided',
          session: 0,
          client: t.client,
          server: t.server,
          swap: false,
          clientGuessed: t.clientGuessed,
          detectedBy: 'handshake',
          version: null,
          pending: [],
          rtmp: null,
          hold: null,
          tls: null,
          stopped: null,
          terminated: null,
        });
        return;
      case 'data': {
        const c = this.conns.get(t.conn);
        if (c === undefined || (c.stopped !== null && c.status !== 'undecided')) return;
        if (c.tls !== null || (c.status === 'undecided' && c.hold === null && this.startTls(c, t.dir, t.offset, t.data))) {
          if (c.status !== 'other') for (const e of c.tls!.push(t.dir, t.data, t)) this.onTls(c, e);
          return;
        }
        if (c.status === 'undecided' && !this.classify(c, t)) return;
        if (c.stopped !== null) return;
        if (c.status === 'rtmpt') {
          for (const r of this.rtmpt.data(t.conn, c.swap ? flip(t.dir) : t.dir, t.data, t)) this.out.push(r);
          return;
        }
        if (c.rtmp !== null) {
          // Indexed: the hot path (one call per packet), no array iterator.
          const recs = c.rtmp.data(c.swap ? flip(t.dir) : t.dir, t.data, t.offset, t);
          for (let i = 0; i < recs.length; i++) this.out.push(recs[i]!);
        }
        return;
      }
      case 'gap': {
        const c = this.conns.get(t.conn);
        if (c?.stopped != null) return;
        if (c?.tls != null) {
          if (c.status !== 'other') for (const e of c.tls.gap(t.dir, t.length, t)) this.onTls(c, e);
          return;
        }
        c?.sniff?.lost(t.dir, t.length);
        if (c?.status === 'rtmpt') for (const r of this.rtmpt.gap(t.conn, c.swap ? flip(t.dir) : t.dir, t.length, t)) this.out.push(r);
        else if (c?.hold != null) this.decide(c, this.gate.gap(c.hold, t));
        else if (c?.rtmp != null) for (const r of c.rtmp.gap(c.swap ? flip(t.dir) : t.dir, t.length, t)) this.out.push(r);
        return;
      }
      case 'end':
        return;
      case 'close':
        this.onClose(t);
        return;
      case 'diagnostic': {
        const conn = t.at.conn;
        const c = conn === undefined ? undefined : this.conns.get(conn);
        if (c === undefined) {
          this.out.push(this.diagRecord(t, null));
        } else if (c.status === 'rtmpt') {
          for (const r of this.rtmpt.observe(c.open.conn, this.diagRecord(t, null))) this.out.push(r);
        } else if (c.status === 'rtmp') {
          const rec = this.diagRecord(t, c);
          if (c.rtmp === null || c.stopped === 'broken') this.out.push(rec);
          else for (const r of c.rtmp.observe(rec)) this.out.push(r);
        } else if (c.status === 'undecided' && c.pending.length < MAX_PENDING_DIAGS) {
          c.pending.push(t);
        }
        return;
      }
    }
  }

  /**
   * The shared decode budget is full: the connection holding the most (if not the requester, and
   * holding more than it) forgets half of its chunk-stream state. A scan over the connections,
   * paid for by the half it frees.
   */
  shedCostliest(requester: BufferBudget, wanted: number): boolean {
    let top: RtmpSession | null = null;
    for (const c of this.conns.values()) if (c.rtmp !== null && (top === null || c.rtmp.held > top.held)) top = c.rtmp;
    if (top === null || top.owns(requester) || top.held <= requester.used) return false;
    return top.shed(Math.max(wanted, top.held >> 1)) > 0;
  }

  /**
   * Decide whether the connection is RTMP, and who the client is. With the start of the
   * conversation in the capture the first payload decides; without it the bytes are held until
   * they do (midstream-gate.ts). False when the bytes were taken into the hold (they are replayed
   * on acceptance).
   */
  private classify(c: ConnState, t: TcpData): boolean {
    if (c.hold === null && t.dir === 'c2s' && looksLikeRtmpt(t.data)) {
      // RTMPT: HTTP requests carrying tunnelled RTMP (src/rtmpt); the tracker takes the bytes.
      c.status = 'rtmpt';
      this.rtmpt.claim({ conn: c.open.conn, client: formatEndpoint(c.client), server: formatEndpoint(c.server), clientGuessed: c.clientGuessed }, !c.clientGuessed && t.offset === 0);
      // The TCP stage's facts so far (tcp.start-unseen without a SYN) go to the tunnel it carries.
      for (const d of c.pending.splice(0)) for (const r of this.rtmpt.observe(c.open.conn, this.diagRecord(d, null))) this.out.push(r);
      return true;
    }
    if (c.hold === null && !c.clientGuessed && t.offset === 0) {
      // The start of the conversation is in the capture: the client must open with C0.
      if (t.dir === 'c2s' && isRtmpVersion(t.data[0])) this.accept(c, 'handshake', t.data[0] as number, false);
      else this.reject(c);
      return true;
    }
    c.sniff ??= new RtmptSniffer();
    const client = c.sniff.push(t.dir, t.data);
    if (client !== null) return this.claimRtmptMidExchange(c, client);
    c.hold ??= this.gate.open();
    const d = this.gate.data(c.hold, c, t);
    // RTMPT begun inside a body shows chunks before its next HTTP head: wait for the other side.
    if (d?.kind !== 'rtmp' || !awaitingOtherSide(c.hold, c.server.port, this.gate.rtmpPorts)) this.decide(c, d);
    return false;
  }

  /**
   * RTMPT whose capture began inside an HTTP exchange: the tracker takes the connection, and what
   * was held so far (it scans each direction for its first message head).
   */
  private claimRtmptMidExchange(c: ConnState, client: Direction): true {
    c.status = 'rtmpt';
    c.sniff = null;
    if (client === 's2c') {
      c.swap = true;
      c.client = c.open.server;
      c.server = c.open.client;
    }
    const conn = c.open.conn;
    this.rtmpt.claim({ conn, client: formatEndpoint(c.client), server: formatEndpoint(c.server), clientGuessed: c.clientGuessed }, false, true);
    for (const d of c.pending) for (const r of this.rtmpt.observe(conn, this.diagRecord(d, null))) this.out.push(r);
    c.pending = [];
    const hold = c.hold;
    c.hold = null;
    if (hold !== null) {
      this.gate.release(hold);
      for (const h of hold.replay()) {
        const dir = c.swap ? flip(h.dir) : h.dir;
        for (const r of h.kind === 'data' ? this.rtmpt.data(conn, dir, h.data, h.meta) : this.rtmpt.gap(conn, dir, h.length, h.meta)) this.out.push(r);
      }
    }
    return true;
  }

  /** Not RTMP: only counted, and among the first connections evicted at the cap. */
  private reject(c: ConnState): void {
    c.status = 'other';
    c.pending = [];
    this.onReject(c.open.conn);
  }

  /** Act on the gate's decision for a held connection: accept and replay what it held, or drop it. */
  private decide(c: ConnState, d: Decision | null): void {
    const hold = c.hold;
    if (d === null || hold === null) return;
    c.hold = null;
    c.sniff = null;
    this.gate.release(hold);
    if (d.kind === 'other') {
      this.reject(c);
      return;
    }
    this.accept(c, d.by, d.version, d.client === 's2c', d.layouts, d.clientBecause);
    const rtmp = c.rtmp as RtmpSession;
    for (const h of hold.replay()) {
      const dir = c.swap ? flip(h.dir) : h.dir;
      const meta = { ...h.meta };
      // The end of a handshake whose start was missed is skipped: chunks begin at the tail's end.
      const skip = d.layouts[h.dir] === 'handshake-tail' ? d.tails[h.dir] - (h.kind === 'data' ? h.offset : 0) : 0;
      if (h.kind === 'data' && skip >= h.data.length) continue;
      const recs = h.kind === 'data' ? rtmp.data(dir, skip > 0 ? h.data.subarray(skip) : h.data, skip > 0 ? h.offset + skip : h.offset, meta) : rtmp.gap(dir, h.length, meta);
      for (const r of recs) this.out.push(r);
    }
  }

  private accept(c: ConnState, by: SessionRecord['detectedBy'], version: number | null, swap: boolean, layouts?: RtmpDecision['layouts'], because?: string | null): void {
    c.status = 'rtmp';
    c.session = this.nextSession();
    c.detectedBy = by;
    c.version = version;
    if (swap) {
      c.swap = true;
      c.client = c.open.server;
      c.server = c.open.client;
    }
    c.rtmp = new RtmpSession({ session: c.session, conn: c.open.conn, client: formatEndpoint(c.client), server: formatEndpoint(c.server) }, by !== 'handshake' || layouts !== undefined, this.connBuffer, {
      shared: this.shared,
      target: this.target,
      payloads: this.payloads,
      wireExcerpt: this.wireExcerpt,
      ...(c.terminated === null ? {} : { decrypted: true }),
      ...(layouts === undefined ? {} : { layouts: swap ? { c2s: layouts.s2c, s2c: layouts.c2s } : layouts }),
    });
    for (const d of c.pending) for (const r of c.rtmp.observe(this.diagRecord(d, c))) this.out.push(r);
    c.pending = [];
    if (c.clientGuessed) {
      const how =
        because != null
          ? `${formatEndpoint(c.client)} ${because}`
          : by === 'handshake'
            ? `${formatEndpoint(c.client)} sent C0+C1`
            : WELL_KNOWN_SERVER_PORTS.includes(c.server.port)
              ? `${formatEndpoint(c.server)} is on a well-known RTMP port`
              : `${formatEndpoint(c.client)} has the higher (ephemeral) port`;
      const d = diag('tcp.client-guessed', `no SYN seen; client inferred because ${how}`, { frame: c.open.frame, conn: c.open.conn });
      for (const r of c.rtmp.observe(this.diagRecord(d, c))) this.out.push(r);
    }
  }

  /**
   * A connection whose first bytes are a ClientHello is TLS, the client being the side that sent
   * it; one whose start is not captured is TLS when it begins with protected records.
   */
  private startTls(c: ConnState, dir: Direction, offset: number, data: Uint8Array): boolean {
    const kind = tlsStart(data, !c.clientGuessed && offset === 0);
    if (kind === null) return false;
    this.tlsConnections++;
    if (kind === 'midstream') {
      c.tls = new TlsConnection(this.keylog, c.open.conn, 'c2s', true);
      return true;
    }
    if (dir === 's2c') {
      c.swap = true;
      c.client = c.open.server;
      c.server = c.open.client;
    }
    c.tls = new TlsConnection(this.keylog, c.open.conn, dir);
    return true;
  }

  /** The TLS layer's plaintext takes the RTMP path; its diagnostics go to the session, if any. */
  private onTls(c: ConnState, e: TlsEvent): void {
    if (e.kind === 'diagnostic') {
      const rec = this.diagRecord(e.diagnostic, c);
      if (c.rtmp !== null) this.out.push(...c.rtmp.observe(rec));
      else if (c.tls?.decrypting === true && c.status === 'undecided') {
        if (c.pending.length < MAX_PENDING_DIAGS) c.pending.push(e.diagnostic);
      } else this.out.push({ ...rec, session: null });
      return;
    }
    const dir = c.swap ? flip(e.dir) : e.dir;
    if (c.status === 'undecided') {
      if (e.kind === 'data' && dir === 'c2s' && e.offset === 0 && isRtmpVersion(e.data[0])) this.accept(c, 'handshake', e.data[0] as number, false);
      else {
        c.status = 'other';
        this.flushTlsPending(c);
        const d = diag('tls.not-rtmp', 'the decrypted TLS content does not start with an RTMP handshake', { frame: e.meta.frame, conn: c.open.conn });
        this.out.push({ ...this.diagRecord(d, c), session: null });
        return;
      }
    }
    if (c.rtmp === null) return;
    const recs = e.kind === 'data' ? c.rtmp.data(dir, e.data, e.offset, e.meta) : c.rtmp.gap(dir, e.length, e.meta);
    for (const r of recs) this.out.push(r);
  }

  /** A TLS connection that is no RTMP session: its TLS diagnostics go out at capture level. */
  private flushTlsPending(c: ConnState): void {
    for (const d of c.pending) if (d.code.startsWith('tls.')) this.out.push({ ...this.diagRecord(d, c), session: null });
    c.pending = [];
  }

  /**
   * The connection ended: its session record. A decoder that throws here leaves the connection in
   * place, so that the proxy can mark it `broken` and close it again.
   */
  private onClose(t: TcpClose): void {
    const held = this.conns.get(t.conn);
    if (held?.hold != null) this.decide(held, this.gate.settle(held.hold, held));
    const c = this.conns.get(t.conn);
    if (c?.status === 'rtmp' && c.rtmp !== null && c.stopped !== 'broken' && c.tls === null) for (const r of c.rtmp.finish()) this.out.push(r);
    this.conns.delete(t.conn);
    const cut = t.c2s.truncated + t.s2c.truncated;
    if (cut > 0) {
      this.truncation.connections++;
      this.truncation.holes += cut;
      this.truncation.bytes += t.c2s.truncatedBytes + t.s2c.truncatedBytes;
    }
    if (c?.status === 'rtmpt') {
      for (const r of this.rtmpt.close(t.conn, t.reason, { frame: t.lastFrame, sec: t.lastTime.sec, nsec: t.lastTime.nsec })) this.out.push(r);
      return;
    }
    if (c?.tls != null && c.status !== 'other') {
      const last = { frame: t.lastFrame, sec: t.lastTime.sec, nsec: t.lastTime.nsec };
      for (const e of c.tls.finish(last)) this.onTls(c, e);
      if (c.status !== 'rtmp') this.flushTlsPending(c);
    }
    if (c === undefined || c.status !== 'rtmp' || c.rtmp === null) return;
    if (c.tls !== null) for (const r of c.rtmp.finish()) this.out.push(r);
    const [c2s, s2c]: [DirStats, DirStats] = c.swap ? [t.s2c, t.c2s] : [t.c2s, t.s2c];
    const rec = buildSessionRecord(
      {
        session: c.session,
        tcpStream: t.conn,
        client: formatEndpoint(c.client),
        server: formatEndpoint(c.server),
        clientGuessed: c.clientGuessed,
        detectedBy: c.detectedBy,
        version: c.version,
        encrypted: c.version !== null && isEncryptedVersion(c.version),
        firstFrame: t.firstFrame,
        lastFrame: t.lastFrame,
        firstTime: t.firstTime,
        lastTime: t.lastTime,
        packets: t.packets,
        bytes: { c2s: c2s.bytes, s2c: s2c.bytes },
        gaps: {
          c2s: { count: c2s.gaps, bytes: c2s.gapBytes },
          s2c: { count: s2c.gaps, bytes: s2c.gapBytes },
        },
        startUnseen: { c2s: c2s.startUnseen, s2c: s2c.startUnseen },
        end: t.reason,
        ...(cut === 0 ? {} : { truncated: { c2s: { count: c2s.truncated, bytes: c2s.truncatedBytes }, s2c: { count: s2c.truncated, bytes: s2c.truncatedBytes } } }),
        ...(t.tunnel === undefined ? {} : { tunnel: { c2s: t.tunnel[c.swap ? 's2c' : 'c2s']?.layers ?? null, s2c: t.tunnel[c.swap ? 'c2s' : 's2c']?.layers ?? null } }),
      },
      ...this.decodeFacts(c, c.rtmp),
    );
    this.out.push(c.tls === null ? rec : { ...rec, transport: 'rtmps', tls: c.tls.facts() });
  }

  /** The session's decode statistics and facts (none from a broken decoder; a proxy's RTMPE termination added). */
  private decodeFacts(c: ConnState, rtmp: RtmpSession): [ReturnType<RtmpSession['stats']>, ReturnType<RtmpSession['sessionFacts']>] {
    if (c.stopped === 'broken') {
      try {
        return [rtmp.stats(), null];
      } catch {
        return [ZERO_STATS, null];
      }
    }
    const stats = rtmp.stats();
    const facts = rtmp.sessionFacts();
    const t = c.terminated;
    if (t === null || facts?.rtmpe === undefined) return [stats, facts];
    return [stats, { ...facts, rtmpe: { ...facts.rtmpe, terminated: { upstream: t.upstream, upstreamBytes: { ...t.upstreamBytes() } } } }];
  }

  private diagRecord(d: Diagnostic, c: ConnState | null): DiagnosticRecord {
    const dir = d.at.dir === undefined ? undefined : c?.swap ? flip(d.at.dir) : d.at.dir;
    const at = dir === d.at.dir ? d : { ...d, at: { ...d.at, dir } };
    if (c !== null) return sessionDiagnostic({ session: c.session, client: formatEndpoint(c.client), server: formatEndpoint(c.server) }, at);
    const { client: _c, server: _s, ...rec } = sessionDiagnostic({ session: 0, client: '', server: '' }, at);
    return { ...rec, session: null };
  }
}
