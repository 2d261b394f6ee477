/**
 * The analyzer: capture events in, output records out. It wires the stages — net (link/IP/TCP
 * headers) → tcp (reassembly) → RTMP recognition → per-session state — and turns what they report
 * into the records every renderer consumes. Synchronous, deterministic, no I/O.
 *
 * A TCP connection becomes an RTMP session when its first payload says so (see rtmp/detect.ts);
 * connections that are not RTMP are only counted. Session numbers are 1-based in order of
 * recognition. When the TCP stage had to guess the client and the handshake shows the other
 * side opened it, the roles are swapped here, before anything about the session is emitted.
 */
import type { CaptureEvent } from '../capture/types.js';
import { diag, type Diagnostic, type Direction } from '../core/diagnostics.js';
import { decodeFrame } from '../net/decode.js';
import { TcpReassembler, WELL_KNOWN_SERVER_PORTS, type Endpoint, type TcpClose, type TcpData, type TcpEvent, type TcpOpen, type DirStats } from '../tcp/reassembly.js';
import { isEncryptedVersion, isRtmpVersion } from '../rtmp/detect.js';
import { MidstreamGate, type Decision, type RtmpDecision } from './midstream-gate.js';
import type { ConnectionHold } from './midstream.js';
import { buildSessionRecord, type CaptureSummaryRecord, type DiagnosticRecord, type OutputRecord, type SessionRecord } from './records.js';
import { RtmpSession, sessionDiagnostic } from './rtmp-session.js';
import { BufferBudget } from '../rtmp/chunk-decoder.js';
import { CaptureAnalysis, DiagnosticLimiter } from '../analysis/index.js';
import { looksLikeRtmpt, RtmptTracker } from '../rtmpt/tunnel.js';
import { RtmfpTracker } from '../rtmfp/tracker.js';
import { TlsConnection, tlsStart, type TlsEvent } from '../tls/connection.js';
import { TlsKeyLog } from '../tls/keylog.js';

export type AnalyzerOptions = {
  /** Out-of-order bytes held per TCP direction before a hole is declared lost. */
  readonly maxQueuedBytes?: number;
  /** Ports on which a connection without a recognisable start is still taken as RTMP ("decode as"; default 1935). */
  readonly rtmpPorts?: readonly number[];
  /** Bytes (both directions) a connection whose start is unseen may hold while undecided (default 1 MiB, at most connBuffer). */
  readonly holdBytes?: number;
  /** Bytes messages in progress may hold per connection (both directions; default 8 MiB). */
  readonly connBuffer?: number;
  /** Key log files' contents (`--keylog`); each consumer reads the lines it knows. */
  readonly keylogs?: readonly string[];
  /** TCP connections followed at once (default DEFAULT_MAX_CONNECTIONS); beyond, one is evicted. */
  readonly maxConnections?: number;
  /**
   * Bytes that messages in progress and chunk-stream state may hold across all connections
   * together (default DEFAULT_SHARED_BUFFER); each connection also stays within `connBuffer`.
   */
  readonly sharedBuffer?: number;
};

/** Default cap on what the decoders of all connections hold together (see AnalyzerOptions.sharedBuffer). */
export const DEFAULT_SHARED_BUFFER = 32 * 1024 * 1024;

/**
 * Reassembled bytes are decoded at most this many at a time, and the records of each slice are
 * handed on before the next is decoded: one huge segment (TSO) of tiny chunks never piles up
 * millions of records at once.
 */
const DECODE_SLICE = 16 * 1024;

/** What most packets produce: no record (shared, never written). */
const NO_RECORDS: readonly OutputRecord[] = Object.freeze([]);

/** Diagnostics kept for a connection while it is not yet known to be RTMP. */
const MAX_PENDING_DIAGS = 64;

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
  /** A TLS connection (RTMPS when it decrypts to RTMP): its records, and the plaintext's origin. */
  tls: TlsConnection | null;
};

export function formatEndpoint(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

const flip = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

export class Analyzer {
  private readonly tcp: TcpReassembler;
  private readonly gate: MidstreamGate;
  private readonly connBuffer: number | undefined;
  private readonly shared: BufferBudget;
  private readonly conns = new Map<number, ConnState>();
  private out: OutputRecord[] = [];
  private frames = 0;
  private format: string | null = null;
  private readonly linkTypes = new Set<number>();
  private readonly skipped: Record<string, number> = {};
  /** TCP packets decoded through each kind of tunnel, and tunnelled packets left undecoded by reason. */
  private readonly tunnelPackets: Record<string, number> = {};
  private readonly tunnelUndecodable: Record<string, number> = {};
  /** Payload cut off by the snap length, over all TCP connections; and the snap length declared. */
  private readonly truncation = { connections: 0, holes: 0, bytes: 0 };
  private snapLen: number | null = null;
  private tcpConnections = 0;
  private tlsConnections = 0;
  private readonly keylog: TlsKeyLog | null;
  private sessions = 0;
  private reportedLinks = new Set<number>();
  private readonly captureAnalysis = new CaptureAnalysis();
  /** Capture-level diagnostics (session null); sessions limit their own. */
  private readonly limiter = new DiagnosticLimiter();
  /** RTMPT: HTTP connections carrying tunnelled RTMP (src/rtmpt). */
  private readonly rtmpt: RtmptTracker;
  /** RTMFP over UDP (created at the first UDP datagram). */
  private rtmfp: RtmfpTracker | null = null;
  private readonly keylogs: readonly string[];

  constructor(opts: AnalyzerOptions = {}) {
    this.keylogs = opts.keylogs ?? [];
    this.gate = new MidstreamGate(opts);
    this.tcp = new TcpReassembler({
      ...(opts.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: opts.maxQueuedBytes }),
      serverPorts: this.gate.serverPorts,
      ...(opts.maxConnections === undefined ? {} : { maxConnections: opts.maxConnections }),
    });
    this.connBuffer = opts.connBuffer;
    this.rtmpt = new RtmptTracker(() => ++this.sessions, opts.connBuffer);
    this.keylog = opts.keylogs === undefined ? null : new TlsKeyLog(opts.keylogs);
    this.shared = new BufferBudget(opts.sharedBuffer ?? DEFAULT_SHARED_BUFFER);
    this.shared.shedder = (requester, wanted) => this.shedCostliest(requester, wanted);
  }

  /** Feed one capture event (records, headers, capture diagnostics). `fatal` is the caller's. */
  push(ev: CaptureEvent): OutputRecord[] {
    return [...this.records(ev)];
  }

  /**
   * The records of one capture event, produced as they are pulled: a consumer that writes each
   * before pulling the next holds a bounded number, whatever one capture record contains. The
   * generator must be drained before the next event is pushed.
   */
  records(ev: CaptureEvent): Iterable<OutputRecord> {
    const tcp = this.pushRaw(ev);
    const first = this.out.length === 0 ? NO_RECORDS : this.crossSession(this.take());
    for (let i = 0; i < tcp.length; i++) {
      const t = tcp[i]!;
      if (t.kind === 'data' && t.data.length > DECODE_SLICE) return this.sliced(first, tcp);
    }
    // The common case (segments of at most DECODE_SLICE bytes): an array, no generator per packet
    // (and no array at all for the many packets that complete no record).
    let out = first;
    for (let i = 0; i < tcp.length; i++) {
      this.onTcp(tcp[i]!);
      if (this.out.length > 0) out = out.length === 0 ? this.crossSession(this.take()) : out.concat(this.crossSession(this.take()));
    }
    return out;
  }

  /** A capture record holding a large segment (TSO): its records are handed on slice by slice. */
  private *sliced(first: readonly OutputRecord[], tcp: readonly TcpEvent[]): Generator<OutputRecord, void, undefined> {
    yield* first;
    yield* this.decodeTcp(tcp);
  }

  /** Decode TCP events, handing on the records of each (in DECODE_SLICE pieces) before the next. */
  private *decodeTcp(tcp: readonly TcpEvent[]): Generator<OutputRecord, void, undefined> {
    for (const t of tcp) {
      if (t.kind === 'data' && t.data.length > DECODE_SLICE) {
        for (let i = 0; i < t.data.length; i += DECODE_SLICE) {
          this.onTcp({ ...t, offset: t.offset + i, data: t.data.subarray(i, i + DECODE_SLICE) });
          yield* this.crossSession(this.take());
        }
      } else {
        this.onTcp(t);
        if (this.out.length > 0) yield* this.crossSession(this.take());
      }
    }
  }

  private take(): OutputRecord[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /** Checks across sessions see every record; capture-level diagnostics pass the limiter. */
  private crossSession(recs: readonly OutputRecord[]): readonly OutputRecord[] {
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


  /** Capture-level records go to `out`; the TCP events of a capture record are returned, to be decoded by the caller. */
  private pushRaw(ev: CaptureEvent): readonly TcpEvent[] {
    this.out = [];
    switch (ev.kind) {
      case 'header':
        this.format = ev.format;
        if (ev.linkType !== undefined) this.linkTypes.add(ev.linkType);
        if (ev.snapLen !== undefined && ev.snapLen > 0) this.snapLen = this.snapLen === null ? ev.snapLen : Math.min(this.snapLen, ev.snapLen);
        break;
      case 'diagnostic':
        this.out.push(this.diagRecord(ev, null));
        break;
      case 'record': {
        this.frames++;
        this.linkTypes.add(ev.linkType);
        const meta = { frame: ev.frame, sec: ev.sec, nsec: ev.nsec };
        const r = decodeFrame(ev.linkType, ev.data, ev.origLen);
        if (r.kind === 'skip') {
          this.skipped[r.reason] = (this.skipped[r.reason] ?? 0) + 1;
          if (r.why !== undefined) this.tunnelUndecodable[r.why] = (this.tunnelUndecodable[r.why] ?? 0) + 1;
          if (r.reason === 'unsupported-link' && !this.reportedLinks.has(ev.linkType)) {
            this.reportedLinks.add(ev.linkType);
            this.out.push(
              this.simpleDiag('capture.unsupported-link', `link type ${ev.linkType} is not decoded; its packets are skipped`, ev.frame),
            );
          } else if (r.reason === 'malformed' || r.reason === 'truncated') {
            this.out.push(this.simpleDiag(r.reason === 'malformed' ? 'net.malformed' : 'net.truncated', r.detail ?? r.reason, ev.frame));
          } else if (r.reason === 'fragment' && this.skipped[r.reason] === 1) {
            this.out.push(this.simpleDiag('net.ip-fragment', 'IP fragments are not reassembled', ev.frame));
          }
          break;
        }
        if (r.kind === 'tcp' && r.tunnel !== undefined) for (const l of r.tunnel.layers) this.tunnelPackets[l.type] = (this.tunnelPackets[l.type] ?? 0) + 1;
        if (r.kind === 'udp') {
          this.rtmfp ??= new RtmfpTracker({ keylogs: this.keylogs, nextSession: () => ++this.sessions, ...(this.connBuffer === undefined ? {} : { connBuffer: this.connBuffer }) });
          const recs = this.rtmfp.push(r, meta);
          // UDP that is not RTMFP is counted as before.
          if (recs === null) this.skipped['not-tcp'] = (this.skipped['not-tcp'] ?? 0) + 1;
          else for (const rec of recs) this.out.push(rec);
          break;
        }
        return this.tcp.push(r, meta);
      }
      case 'fatal':
        break;
    }
    return [];
  }

  finish(): OutputRecord[] {
    return [...this.finishRecords()];
  }

  /** The end of the capture: what is still queued is decoded, every session ends; streamed as records(). */
  *finishRecords(): Generator<OutputRecord, void, undefined> {
    this.out = [];
    yield* this.decodeTcp(this.tcp.finish());
    for (const r of this.rtmpt.finish()) this.out.push(r);
    if (this.rtmfp !== null) for (const r of this.rtmfp.finish()) this.out.push(r);
    yield* this.crossSession(this.take());
    yield* this.captureAnalysis.finish();
    const summary: CaptureSummaryRecord = {
      type: 'capture',
      format: this.format,
      frames: this.frames,
      linkTypes: [...this.linkTypes].sort((a, b) => a - b),
      tcpConnections: this.tcpConnections,
      rtmpSessions: this.sessions,
      ...(this.tlsConnections > 0 ? { tlsConnections: this.tlsConnections } : {}),
      skipped: { ...this.skipped },
      ...(this.tcp.evicted > 0 ? { evictedConnections: this.tcp.evicted } : {}),
      ...(Object.keys(this.tunnelPackets).length + Object.keys(this.tunnelUndecodable).length === 0
        ? {}
        : { tunnels: { packets: { ...this.tunnelPackets }, undecodable: { ...this.tunnelUndecodable } } }),
      ...(this.truncation.holes === 0 ? {} : { truncated: { ...this.truncation, snapLen: this.snapLen } }),
    };
    yield summary;
  }

  private onTcp(t: TcpEvent): void {
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
        });
        return;
      case 'data': {
        const c = this.conns.get(t.conn);
        if (c === undefined) return;
        if (c.tls !== null || (c.status === 'undecided' && c.hold === null && this.startTls(c, t.dir, t.offset, t.data))) {
          if (c.status !== 'other') for (const e of c.tls!.push(t.dir, t.data, t)) this.onTls(c, e);
          return;
        }
        if (c.status === 'undecided' && !this.classify(c, t)) return;
        if (c.status === 'rtmpt') {
          for (const r of this.rtmpt.data(t.conn, t.dir, t.data, t)) this.out.push(r);
          return;
        }
        if (c.rtmp !== null) {
          const dir = c.swap ? flip(t.dir) : t.dir;
          for (const r of c.rtmp.data(dir, t.data, t.offset, t)) this.out.push(r);
        }
        return;
      }
      case 'gap': {
        const c = this.conns.get(t.conn);
        if (c?.tls != null) {
          if (c.status !== 'other') for (const e of c.tls.gap(t.dir, t.length, t)) this.onTls(c, e);
          return;
        }
        if (c?.status === 'rtmpt') for (const r of this.rtmpt.gap(t.conn, t.dir, t.length, t)) this.out.push(r);
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
          if (c.rtmp === null) this.out.push(rec);
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
  private shedCostliest(requester: BufferBudget, wanted: number): boolean {
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
      return true;
    }
    if (c.hold === null && !c.clientGuessed && t.offset === 0) {
      // The start of the conversation is in the capture: the client must open with C0.
      if (t.dir === 'c2s' && isRtmpVersion(t.data[0])) this.accept(c, 'handshake', t.data[0] as number, false);
      else this.reject(c);
      return true;
    }
    c.hold ??= this.gate.open();
    this.decide(c, this.gate.data(c.hold, c, t));
    return false;
  }

  /** Not RTMP: only counted, and among the first connections evicted at the cap. */
  private reject(c: ConnState): void {
    c.status = 'other';
    c.pending = [];
    this.tcp.demote(c.open.conn);
  }

  /** Act on the gate's decision for a held connection: accept and replay what it held, or drop it. */
  private decide(c: ConnState, d: Decision | null): void {
    const hold = c.hold;
    if (d === null || hold === null) return;
    c.hold = null;
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
      const recs =
        h.kind === 'data'
          ? rtmp.data(dir, skip > 0 ? h.data.subarray(skip) : h.data, skip > 0 ? h.offset + skip : h.offset, meta)
          : rtmp.gap(dir, h.length, meta);
      for (const r of recs) this.out.push(r);
    }
  }

  private accept(
    c: ConnState,
    by: SessionRecord['detectedBy'],
    version: number | null,
    swap: boolean,
    layouts?: RtmpDecision['layouts'],
    because?: string | null,
  ): void {
    c.status = 'rtmp';
    c.session = ++this.sessions;
    c.detectedBy = by;
    c.version = version;
    if (swap) {
      c.swap = true;
      c.client = c.open.server;
      c.server = c.open.client;
    }
    c.rtmp = new RtmpSession(
      { session: c.session, conn: c.open.conn, client: formatEndpoint(c.client), server: formatEndpoint(c.server) },
      by !== 'handshake' || layouts !== undefined,
      this.connBuffer,
      { shared: this.shared, ...(layouts === undefined ? {} : { layouts: swap ? { c2s: layouts.s2c, s2c: layouts.c2s } : layouts }) },
    );
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

  private onClose(t: TcpClose): void {
    const held = this.conns.get(t.conn);
    if (held?.hold != null) this.decide(held, this.gate.settle(held.hold, held));
    const c = this.conns.get(t.conn);
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
    for (const r of c.rtmp.finish()) this.out.push(r);
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
        ...(cut === 0
          ? {}
          : { truncated: { c2s: { count: c2s.truncated, bytes: c2s.truncatedBytes }, s2c: { count: s2c.truncated, bytes: s2c.truncatedBytes } } }),
        ...(t.tunnel === undefined ? {} : { tunnel: { c2s: t.tunnel[c.swap ? 's2c' : 'c2s']?.layers ?? null, s2c: t.tunnel[c.swap ? 'c2s' : 's2c']?.layers ?? null } }),
      },
      c.rtmp.stats(),
      c.rtmp.sessionFacts(),
    );
    this.out.push(c.tls === null ? rec : { ...rec, transport: 'rtmps', tls: c.tls.facts() });
  }

  private simpleDiag(code: Diagnostic['code'], message: string, frame: number): DiagnosticRecord {
    return this.diagRecord(diag(code, message, { frame }), null);
  }

  private diagRecord(d: Diagnostic, c: ConnState | null): DiagnosticRecord {
    const dir = d.at.dir === undefined ? undefined : c?.swap ? flip(d.at.dir) : d.at.dir;
    const at = dir === d.at.dir ? d : { ...d, at: { ...d.at, dir } };
    if (c !== null) return sessionDiagnostic({ session: c.session, client: formatEndpoint(c.client), server: formatEndpoint(c.server) }, at);
    const { client: _c, server: _s, ...rec } = sessionDiagnostic({ session: 0, client: '', server: '' }, at);
    return { ...rec, session: null };
  }
}
