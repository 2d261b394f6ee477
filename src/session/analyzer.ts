/**
 * The analyzer: capture events in, output records out. It wires the stages — net (link/IP/TCP
 * headers) → tcp (reassembly) → RTMP recognition → per-session state — and turns what they report
 * into the records every renderer consumes. Synchronous, deterministic, no I/O.
 *
 * What follows TCP reassembly — deciding what each connection carries, numbering and decoding
 * sessions, session records, the cross-session checks — is the session pipeline (pipeline.ts),
 * which the live proxy runs too; RTMFP (UDP) and the capture record are the analyzer's own.
 */
import type { CaptureEvent } from '../capture/types.js';
import { diag, type Diagnostic } from '../core/diagnostics.js';
import { decodeFrame } from '../net/decode.js';
import { TcpReassembler, type TcpEvent } from '../tcp/reassembly.js';
import type { CaptureSummaryRecord, DiagnosticRecord, OutputRecord } from '../records/index.js';
import { BufferBudget } from '../rtmp/chunk-decoder.js';
import { RtmfpTracker } from '../rtmfp/tracker.js';
import { SessionPipeline } from './pipeline.js';
import type { IngestTarget } from '../targets/ingest.js';
import type { PayloadSink } from '../extract/sink.js';
import type { Severity } from '../core/diagnostics.js';

export { formatEndpoint } from './pipeline.js';

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
  /** Check published streams against this ingest service's documented requirements (--target). */
  readonly target?: IngestTarget;
  /** analyzeStream hands every batch of records to this before the sink (--fail-on counts severities). */
  readonly observe?: (records: readonly OutputRecord[]) => void;
  /**
   * Several captures on worker threads (session/multi.ts): `observe` cannot cross to a thread, so
   * each capture's diagnostics are counted by severity there and handed to this at its end.
   */
  readonly tally?: (counts: Readonly<Record<Severity, number>>) => void;
  /** Extraction (src/extract): RTMP sessions over TCP and TLS hand whole media bodies there. */
  readonly payloads?: PayloadSink;
  /** Attach to each handshake part and message its first this many bytes from the wire (the TUI's hex view). */
  readonly wireExcerpt?: number;
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

export class Analyzer {
  private readonly tcp: TcpReassembler;
  /** Everything after TCP reassembly (the live proxy runs the same). */
  private readonly pipe: SessionPipeline;
  private readonly connBuffer: number | undefined;
  private readonly shared: BufferBudget;
  private frames = 0;
  private format: string | null = null;
  private readonly linkTypes = new Set<number>();
  private readonly skipped: Record<string, number> = {};
  /** TCP packets decoded through each kind of tunnel, and tunnelled packets left undecoded by reason. */
  private readonly tunnelPackets: Record<string, number> = {};
  private readonly tunnelUndecodable: Record<string, number> = {};
  /** The snap length declared. */
  private snapLen: number | null = null;
  private reportedLinks = new Set<number>();
  /** RTMFP over UDP (created at the first UDP datagram). */
  private rtmfp: RtmfpTracker | null = null;
  private readonly keylogs: readonly string[];
  /** Extraction's sink, handed to RTMFP sessions too. */
  private readonly payloads: PayloadSink | undefined;
  private readonly target: IngestTarget | undefined;

  constructor(opts: AnalyzerOptions = {}) {
    this.keylogs = opts.keylogs ?? [];
    this.payloads = opts.payloads;
    this.target = opts.target;
    this.shared = new BufferBudget(opts.sharedBuffer ?? DEFAULT_SHARED_BUFFER);
    this.pipe = new SessionPipeline({ ...opts, shared: this.shared, onReject: (conn) => this.tcp.demote(conn) });
    this.tcp = new TcpReassembler({
      ...(opts.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: opts.maxQueuedBytes }),
      serverPorts: this.pipe.serverPorts,
      ...(opts.maxConnections === undefined ? {} : { maxConnections: opts.maxConnections }),
    });
    this.connBuffer = opts.connBuffer;
    this.shared.shedder = (requester, wanted) => this.pipe.shedCostliest(requester, wanted);
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
    const first = this.pipe.out.length === 0 ? NO_RECORDS : this.pipe.admit(this.pipe.take());
    for (let i = 0; i < tcp.length; i++) {
      const t = tcp[i]!;
      if (t.kind === 'data' && t.data.length > DECODE_SLICE) return this.sliced(first, tcp);
    }
    // The common case (segments of at most DECODE_SLICE bytes): an array, no generator per packet
    // (and no array at all for the many packets that complete no record).
    let out = first;
    for (let i = 0; i < tcp.length; i++) {
      this.pipe.push(tcp[i]!);
      if (this.pipe.out.length > 0) out = out.length === 0 ? this.pipe.admit(this.pipe.take()) : out.concat(this.pipe.admit(this.pipe.take()));
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
          this.pipe.push({ ...t, offset: t.offset + i, data: t.data.subarray(i, i + DECODE_SLICE) });
          yield* this.pipe.admit(this.pipe.take());
        }
      } else {
        this.pipe.push(t);
        if (this.pipe.out.length > 0) yield* this.pipe.admit(this.pipe.take());
      }
    }
  }

  /** Capture-level records go to `out`; the TCP events of a capture record are returned, to be decoded by the caller. */
  private pushRaw(ev: CaptureEvent): readonly TcpEvent[] {
    // Most packets complete no record: their (empty) array is reused, not reallocated.
    if (this.pipe.out.length > 0) this.pipe.out = [];
    switch (ev.kind) {
      case 'header':
        this.format = ev.format;
        if (ev.linkType !== undefined) this.linkTypes.add(ev.linkType);
        if (ev.snapLen !== undefined && ev.snapLen > 0) this.snapLen = this.snapLen === null ? ev.snapLen : Math.min(this.snapLen, ev.snapLen);
        break;
      case 'diagnostic':
        this.pipe.out.push(this.pipe.captureDiag(ev));
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
            this.pipe.out.push(this.simpleDiag('capture.unsupported-link', `link type ${ev.linkType} is not decoded; its packets are skipped`, ev.frame));
          } else if (r.reason === 'malformed' || r.reason === 'truncated') {
            this.pipe.out.push(this.simpleDiag(r.reason === 'malformed' ? 'net.malformed' : 'net.truncated', r.detail ?? r.reason, ev.frame));
          } else if (r.reason === 'fragment' && this.skipped[r.reason] === 1) {
            this.pipe.out.push(this.simpleDiag('net.ip-fragment', 'IP fragments are not reassembled', ev.frame));
          }
          break;
        }
        if (r.kind === 'tcp' && r.tunnel !== undefined) for (const l of r.tunnel.layers) this.tunnelPackets[l.type] = (this.tunnelPackets[l.type] ?? 0) + 1;
        if (r.kind === 'udp') {
          this.rtmfp ??= new RtmfpTracker({
            keylogs: this.keylogs,
            nextSession: () => this.pipe.nextSession(),
            ...(this.connBuffer === undefined ? {} : { connBuffer: this.connBuffer }),
            ...(this.payloads === undefined ? {} : { payloads: this.payloads }),
            ...(this.target === undefined ? {} : { target: this.target }),
          });
          const recs = this.rtmfp.push(r, meta);
          // UDP that is not RTMFP is counted as before.
          if (recs === null) this.skipped['not-tcp'] = (this.skipped['not-tcp'] ?? 0) + 1;
          else for (const rec of recs) this.pipe.out.push(rec);
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
    this.pipe.out = [];
    yield* this.decodeTcp(this.tcp.finish());
    this.pipe.finishTunnels();
    if (this.rtmfp !== null) for (const r of this.rtmfp.finish()) this.pipe.out.push(r);
    yield* this.pipe.admit(this.pipe.take());
    yield* this.pipe.finishChecks();
    const summary: CaptureSummaryRecord = {
      type: 'capture',
      format: this.format,
      frames: this.frames,
      linkTypes: [...this.linkTypes].sort((a, b) => a - b),
      tcpConnections: this.pipe.tcpConnections,
      rtmpSessions: this.pipe.sessions,
      ...(this.pipe.tlsConnections > 0 ? { tlsConnections: this.pipe.tlsConnections } : {}),
      skipped: { ...this.skipped },
      ...(this.tcp.evicted > 0 ? { evictedConnections: this.tcp.evicted } : {}),
      ...(Object.keys(this.tunnelPackets).length + Object.keys(this.tunnelUndecodable).length === 0 ? {} : { tunnels: { packets: { ...this.tunnelPackets }, undecodable: { ...this.tunnelUndecodable } } }),
      ...(this.pipe.truncation.holes === 0 ? {} : { truncated: { ...this.pipe.truncation, snapLen: this.snapLen } }),
    };
    yield summary;
  }

  private simpleDiag(code: Diagnostic['code'], message: string, frame: number): DiagnosticRecord {
    return this.pipe.captureDiag(diag(code, message, { frame }));
  }
}
