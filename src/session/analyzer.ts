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
import { RtmpSession } from './rtmp-session.js';
import { CaptureAnalysis, DiagnosticLimiter } from '../analysis/index.js';

export type AnalyzerOptions = {
  /** Out-of-order bytes held per TCP direction before a hole is declared lost. */
  readonly maxQueuedBytes?: number;
  /** Ports on which a connection without a recognisable start is still taken as RTMP ("decode as"; default 1935). */
  readonly rtmpPorts?: readonly number[];
  /** Bytes (both directions) a connection whose start is unseen may hold while undecided (default 1 MiB, at most connBuffer). */
  readonly holdBytes?: number;
  /** Bytes messages in progress may hold per connection (both directions; default 8 MiB). */
  readonly connBuffer?: number;
};

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
  /** While undecided without its start: the held bytes of both directions. */
  hold: ConnectionHold | null;
};

export function formatEndpoint(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

const flip = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

export class Analyzer {
  private readonly tcp: TcpReassembler;
  private readonly gate: MidstreamGate;
  private readonly connBuffer: number | undefined;
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
    this.gate = new MidstreamGate(opts);
    this.tcp = new TcpReassembler({
      ...(opts.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: opts.maxQueuedBytes }),
      serverPorts: this.gate.serverPorts,
    });
    this.connBuffer = opts.connBuffer;
  }

  /** Feed one capture event (records, headers, capture diagnostics). `fatal` is the caller's. */
  push(ev: CaptureEvent): OutputRecord[] {
    return this.crossSession(this.pushRaw(ev));
  }

  /** Checks across sessions see every record; capture-level diagnostics pass the limiter. */
  private crossSession(recs: OutputRecord[]): OutputRecord[] {
    const out: OutputRecord[] = [];
    for (const r of recs) {
      if (r.type !== 'diagnostic' || r.session !== null || this.limiter.admit(r)) out.push(r);
      for (const d of this.captureAnalysis.onRecord(r)) out.push(d);
    }
    return out;
  }

  private pushRaw(ev: CaptureEvent): OutputRecord[] {
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
        for (const t of this.tcp.push(r, meta)) this.onTcp(t);
        break;
      }
      case 'fatal':
        break;
    }
    return this.out;
  }

  finish(): OutputRecord[] {
    this.out = [];
    for (const t of this.tcp.finish()) this.onTcp(t);
    const tail = this.crossSession(this.out);
    tail.push(...this.captureAnalysis.finish());
    this.out = tail;
    const summary: CaptureSummaryRecord = {
      type: 'capture',
      format: this.format,
      frames: this.frames,
      linkTypes: [...this.linkTypes].sort((a, b) => a - b),
      tcpConnections: this.tcpConnections,
      rtmpSessions: this.sessions,
      skipped: { ...this.skipped },
    };
    this.out.push(summary);
    return this.out;
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
        });
        return;
      case 'data': {
        const c = this.conns.get(t.conn);
        if (c === undefined) return;
        if (c.status === 'undecided' && !this.classify(c, t)) return;
        if (c.rtmp !== null) {
          const dir = c.swap ? flip(t.dir) : t.dir;
          for (const r of c.rtmp.data(dir, t.data, t.offset, t)) this.out.push(r);
        }
        return;
      }
      case 'gap': {
        const c = this.conns.get(t.conn);
        if (c?.hold != null) this.decide(c, this.gate.gap(c.hold, t));
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
   * Decide whether the connection is RTMP, and who the client is. With the start of the
   * conversation in the capture the first payload decides; without it the bytes are held until
   * they do (midstream-gate.ts). False when the bytes were taken into the hold (they are replayed
   * on acceptance).
   */
  private classify(c: ConnState, t: TcpData): boolean {
    if (c.hold === null && !c.clientGuessed && t.offset === 0) {
      // The start of the conversation is in the capture: the client must open with C0.
      if (t.dir === 'c2s' && isRtmpVersion(t.data[0])) this.accept(c, 'handshake', t.data[0] as number, false);
      else c.status = 'other';
      return true;
    }
    c.hold ??= this.gate.open();
    this.decide(c, this.gate.data(c.hold, c, t));
    return false;
  }

  /** Act on the gate's decision for a held connection: accept and replay what it held, or drop it. */
  private decide(c: ConnState, d: Decision | null): void {
    const hold = c.hold;
    if (d === null || hold === null) return;
    c.hold = null;
    this.gate.release(hold);
    if (d.kind === 'other') {
      c.status = 'other';
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
      layouts === undefined ? undefined : swap ? { c2s: layouts.s2c, s2c: layouts.c2s } : layouts,
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

  private onClose(t: TcpClose): void {
    const held = this.conns.get(t.conn);
    if (held?.hold != null) this.decide(held, this.gate.settle(held.hold, held));
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
