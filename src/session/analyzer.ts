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
import { TcpReassembler, WELL_KNOWN_SERVER_PORTS, type Endpoint, type TcpClose, type TcpEvent, type TcpOpen, type DirStats } from '../tcp/reassembly.js';
import {
  findPlausibleChunkStart,
  isEncryptedVersion,
  isRtmpVersion,
  looksLikeHandshakeStart,
} from '../rtmp/detect.js';
import { buildSessionRecord, type CaptureSummaryRecord, type DiagnosticRecord, type OutputRecord, type SessionRecord } from './records.js';
import { RtmpSession } from './rtmp-session.js';
import { BufferBudget } from '../rtmp/chunk-decoder.js';
import { CaptureAnalysis, DiagnosticLimiter } from '../analysis/index.js';

export type AnalyzerOptions = {
  /** Out-of-order bytes held per TCP direction before a hole is declared lost. */
  readonly maxQueuedBytes?: number;
  /** Ports on which a connection without a recognisable start is still taken as RTMP. */
  readonly rtmpPorts?: readonly number[];
  /** Bytes messages in progress may hold per connection (both directions; default 8 MiB). */
  readonly connBuffer?: number;
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

const DEFAULT_RTMP_PORTS = [1935] as const;
/** Diagnostics kept for a connection while it is not yet known to be RTMP. */
const MAX_PENDING_DIAGS = 64;

type ConnState = {
  readonly open: TcpOpen;
  status: 'undecided' | 'rtmp' | 'other';
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
};

export function formatEndpoint(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

const flip = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

export class Analyzer {
  private readonly tcp: TcpReassembler;
  private readonly rtmpPorts: readonly number[];
  private readonly connBuffer: number | undefined;
  private readonly shared: BufferBudget;
  private readonly conns = new Map<number, ConnState>();
  private out: OutputRecord[] = [];
  private frames = 0;
  private format: string | null = null;
  private readonly linkTypes = new Set<number>();
  private readonly skipped: Record<string, number> = {};
  private tcpConnections = 0;
  private sessions = 0;
  private reportedLinks = new Set<number>();
  private readonly captureAnalysis = new CaptureAnalysis();
  /** Capture-level diagnostics (session null); sessions limit their own. */
  private readonly limiter = new DiagnosticLimiter();

  constructor(opts: AnalyzerOptions = {}) {
    this.tcp = new TcpReassembler({
      ...(opts.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: opts.maxQueuedBytes }),
      ...(opts.maxConnections === undefined ? {} : { maxConnections: opts.maxConnections }),
    });
    this.rtmpPorts = opts.rtmpPorts ?? DEFAULT_RTMP_PORTS;
    this.connBuffer = opts.connBuffer;
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
  *records(ev: CaptureEvent): Generator<OutputRecord, void, undefined> {
    const tcp = this.pushRaw(ev);
    yield* this.crossSession(this.take());
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
  private *crossSession(recs: OutputRecord[]): Generator<OutputRecord, void, undefined> {
    for (const r of recs) {
      if (r.type !== 'diagnostic' || r.session !== null || this.limiter.admit(r)) yield r;
      yield* this.captureAnalysis.onRecord(r);
    }
  }

  /** Capture-level records go to `out`; the TCP events of a capture record are returned, to be decoded by the caller. */
  private pushRaw(ev: CaptureEvent): readonly TcpEvent[] {
    this.out = [];
    switch (ev.kind) {
      case 'header':
        this.format = ev.format;
        if (ev.linkType !== undefined) this.linkTypes.add(ev.linkType);
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
    yield* this.crossSession(this.take());
    yield* this.captureAnalysis.finish();
    const summary: CaptureSummaryRecord = {
      type: 'capture',
      format: this.format,
      frames: this.frames,
      linkTypes: [...this.linkTypes].sort((a, b) => a - b),
      tcpConnections: this.tcpConnections,
      rtmpSessions: this.sessions,
      skipped: { ...this.skipped },
      ...(this.tcp.evicted > 0 ? { evictedConnections: this.tcp.evicted } : {}),
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
        });
        return;
      case 'data': {
        const c = this.conns.get(t.conn);
        if (c === undefined) return;
        if (c.status === 'undecided') this.classify(c, t.dir, t.offset, t.data);
        if (c.rtmp !== null) {
          const dir = c.swap ? flip(t.dir) : t.dir;
          for (const r of c.rtmp.data(dir, t.data, t.offset, t)) this.out.push(r);
        }
        return;
      }
      case 'gap': {
        const c = this.conns.get(t.conn);
        if (c?.rtmp != null) for (const r of c.rtmp.gap(c.swap ? flip(t.dir) : t.dir, t.length, t)) this.out.push(r);
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

  /** Decide from the first payload whether the connection is RTMP, and who the client is. */
  private classify(c: ConnState, dir: Direction, offset: number, data: Uint8Array): void {
    const startSeen = !c.clientGuessed && offset === 0;
    if (startSeen) {
      // The start of the conversation is in the capture: the client must open with C0.
      if (dir === 'c2s' && isRtmpVersion(data[0])) this.accept(c, 'handshake', data[0] as number, false);
      else this.reject(c);
      return;
    }
    if (looksLikeHandshakeStart(data)) {
      // C0+C1 from a side the TCP stage did not know was the client.
      this.accept(c, 'handshake', data[0] as number, dir === 's2c');
      return;
    }
    if (findPlausibleChunkStart(data, 64) >= 0) {
      this.accept(c, 'chunk-heuristic', null, false);
      return;
    }
    if (this.rtmpPorts.includes(c.server.port)) {
      this.accept(c, 'port', null, false);
      return;
    }
    this.reject(c);
  }

  /** Not RTMP: only counted, and among the first connections evicted at the cap. */
  private reject(c: ConnState): void {
    c.status = 'other';
    c.pending = [];
    this.tcp.demote(c.open.conn);
  }

  private accept(c: ConnState, by: SessionRecord['detectedBy'], version: number | null, swap: boolean): void {
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
      by !== 'handshake',
      this.connBuffer,
      this.shared,
    );
    for (const d of c.pending) for (const r of c.rtmp.observe(this.diagRecord(d, c))) this.out.push(r);
    c.pending = [];
    if (c.clientGuessed) {
      const how =
        by === 'handshake'
          ? `${formatEndpoint(c.client)} sent C0+C1`
          : WELL_KNOWN_SERVER_PORTS.includes(c.server.port)
            ? `${formatEndpoint(c.server)} is on a well-known RTMP port`
            : `${formatEndpoint(c.client)} has the higher (ephemeral) port`;
      const d = diag('tcp.client-guessed', `no SYN seen; client inferred because ${how}`, { frame: c.open.frame, conn: c.open.conn });
      for (const r of c.rtmp.observe(this.diagRecord(d, c))) this.out.push(r);
    }
  }

  private onClose(t: TcpClose): void {
    const c = this.conns.get(t.conn);
    this.conns.delete(t.conn);
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
      },
      c.rtmp.stats(),
      c.rtmp.sessionFacts(),
    );
    this.out.push(rec);
  }

  private simpleDiag(code: Diagnostic['code'], message: string, frame: number): DiagnosticRecord {
    return this.diagRecord(diag(code, message, { frame }), null);
  }

  private diagRecord(d: Diagnostic, c: ConnState | null): DiagnosticRecord {
    const dir = d.at.dir === undefined ? undefined : c?.swap ? flip(d.at.dir) : d.at.dir;
    return {
      type: 'diagnostic',
      session: c === null ? null : c.session,
      ...(c === null ? {} : { client: formatEndpoint(c.client), server: formatEndpoint(c.server) }),
      ...(dir === undefined ? {} : { dir }),
      ...(d.at.frame === undefined ? {} : { frame: d.at.frame }),
      ...(d.at.offset === undefined ? {} : { offset: d.at.offset }),
      severity: d.severity,
      code: d.code,
      message: d.message,
      ...(d.context === undefined ? {} : { context: d.context }),
    };
  }
}
