/**
 * The decode tap of one proxied session: the same `RtmpSession` the file path uses, fed each
 * synthesised segment with that segment's frame, time and stream offset — exactly what the
 * analyzer feeds it when it reads the `--pcap` file back, so the live records equal the pcap's.
 * At the end it builds the session record the analyzer would build from the pcap (frames,
 * packets, times and end reason come from the synthesised connection).
 * The one exception is a terminated RTMPE session (`terminate()`): the pcap holds the client leg
 * as the wire carried it (ciphertext after the handshake), the tap decodes its plaintext, so its
 * live records show what reading the pcap back cannot.
 *
 * Synchronous, no I/O. The caller (relay.ts) wraps every call in try/catch: a throw here is our
 * bug and only stops decoding of this session (`stop()`), never the forwarding.
 */
import type { IngestTarget } from '../targets/ingest.js';
import { diag, type Direction } from '../core/diagnostics.js';
import { isEncryptedVersion, isRtmpVersion } from '../rtmp/detect.js';
import { RtmpSession, type SessionIdentity } from '../session/rtmp-session.js';
import type { BufferBudget } from '../rtmp/chunk-decoder.js';
import { buildSessionRecord, type DiagnosticRecord, type OutputRecord, type SessionRecord } from '../session/records.js';
import type { SynthConn, SynthSegment } from './pcap-synth.js';

const ZERO_STATS: ReturnType<RtmpSession['stats']> = {
  messageCount: { c2s: 0, s2c: 0 },
  chunkSize: { c2s: 128, s2c: 128 },
  type3ExtendedTimestamp: { c2s: null, s2c: null },
};

export class SessionTap {
  private rtmp: RtmpSession;
  /** The proxy's budget across sessions (--memory-budget), for every decoder this tap makes. */
  private readonly shared: BufferBudget | null;
  /** The proxy terminates RTMPE for this session (see rtmpe-terminator.ts). */
  private terminated: { readonly upstream: 'rtmp' | 'rtmpe'; readonly upstreamBytes: () => { c2s: number; s2c: number } } | null = null;
  private decodingOn = true;
  /** The decoder threw: never call it again. */
  private broken = false;
  private finished = false;
  /** The client's first byte (C0) once seen. */
  private c0: number | null = null;

  constructor(
    readonly id: SessionIdentity,
    readonly conn: SynthConn,
    /** The proxy's budget across sessions (--memory-budget). */
    shared: BufferBudget | null = null,
    /** The ingest service published streams are checked against (--target). */
    private readonly target: IngestTarget | null = null,
  ) {
    this.rtmp = new RtmpSession(id, false, undefined, { shared, target });
    this.shared = shared;
  }

  /** Bytes the decoders hold (messages in progress, chunk-stream state). */
  get held(): number {
    return this.rtmp.held;
  }

  owns(b: BufferBudget): boolean {
    return this.rtmp.owns(b);
  }

  /** Stop decoding and give back what the decoders hold (the session record keeps what was decoded). */
  shedMemory(): void {
    this.stop('behind');
    this.rtmp.shed(Number.POSITIVE_INFINITY);
  }

  get decoding(): boolean {
    return this.decodingOn && !this.finished;
  }

  /**
   * Stop decoding for good. 'behind' (the output lags): the decoder is still sound and is flushed
   * at the end so the session record keeps its facts. 'broken' (it threw): it is never called again.
   */
  stop(reason: 'behind' | 'broken' | 'unused' = 'broken'): void {
    this.decodingOn = false;
    if (reason === 'broken') this.broken = true;
  }

  /**
   * The proxy terminates RTMPE: what the tap gets after the handshake is the decrypted client
   * leg. Called at the client's first byte, before any segment.
   */
  terminate(upstream: 'rtmp' | 'rtmpe', upstreamBytes: () => { c2s: number; s2c: number }): void {
    this.terminated = { upstream, upstreamBytes };
    this.rtmp = new RtmpSession(this.id, false, undefined, { decrypted: true, shared: this.shared, target: this.target });
  }

  /** Termination was abandoned before any byte was decoded: decode the session as relayed. */
  relay(): void {
    this.terminated = null;
    this.rtmp = new RtmpSession(this.id, false, undefined, { shared: this.shared, target: this.target });
  }

  /** Note the first client byte even when not decoding (for the session record's version). */
  noteFirstByte(dir: Direction, bytes: Uint8Array): void {
    if (dir === 'c2s' && this.c0 === null && bytes.length > 0) this.c0 = bytes[0]!;
  }

  /** One synthesised segment: `bytes` is exactly the segment's payload. */
  segment(dir: Direction, bytes: Uint8Array, seg: SynthSegment): OutputRecord[] {
    if (!this.decoding) return [];
    return this.rtmp.data(dir, bytes, seg.offset, seg);
  }

  /**
   * The synthesised connection was reset in `dir` at `frame`: the diagnostic the TCP stage raises
   * when it reads that RST from the pcap, passed through the session as the analyzer does.
   */
  reset(dir: Direction, frame: number): OutputRecord[] {
    const d = diag('tcp.reset', 'connection reset', { frame, dir });
    const rec: DiagnosticRecord = {
      type: 'diagnostic',
      session: this.id.session,
      client: this.id.client,
      server: this.id.server,
      dir,
      frame,
      severity: d.severity,
      code: d.code,
      message: d.message,
    };
    return this.finished ? [rec] : this.rtmp.observe(rec);
  }

  /** Flush the decoders and build the session record; only the first call returns anything. */
  finish(): OutputRecord[] {
    if (this.finished) return [];
    const out: OutputRecord[] = [];
    if (!this.broken) {
      try {
        for (const r of this.rtmp.finish()) out.push(r);
      } catch {
        this.broken = true;
      }
    }
    this.finished = true;
    let stats = ZERO_STATS;
    let facts: ReturnType<RtmpSession['sessionFacts']> = null;
    try {
      stats = this.rtmp.stats();
      if (!this.broken) facts = this.rtmp.sessionFacts();
      const t = this.terminated;
      if (t !== null && facts?.rtmpe !== undefined) facts = { ...facts, rtmpe: { ...facts.rtmpe, terminated: { upstream: t.upstream, upstreamBytes: { ...t.upstreamBytes() } } } };
    } catch {
      // a broken decoder: report the session without its decode statistics
    }
    out.push(this.sessionRecord(stats, facts));
    return out;
  }

  /** The record the analyzer builds at close (TCP facts, decode stats, the analysis's facts). */
  private sessionRecord(stats: ReturnType<RtmpSession['stats']>, facts: ReturnType<RtmpSession['sessionFacts']>): SessionRecord {
    const c = this.conn;
    const handshake = isRtmpVersion(this.c0 ?? undefined);
    return buildSessionRecord(
      {
        session: this.id.session,
        tcpStream: c.id,
        client: this.id.client,
        server: this.id.server,
        clientGuessed: false,
        detectedBy: handshake ? 'handshake' : 'port',
        version: handshake ? this.c0 : null,
        encrypted: handshake && this.c0 !== null && isEncryptedVersion(this.c0),
        firstFrame: c.firstFrame,
        lastFrame: c.lastFrame,
        firstTime: c.firstTime,
        lastTime: c.lastTime,
        packets: c.packets,
        bytes: { c2s: c.bytes('c2s'), s2c: c.bytes('s2c') },
        gaps: { c2s: { count: 0, bytes: 0 }, s2c: { count: 0, bytes: 0 } },
        startUnseen: { c2s: false, s2c: false },
        end: c.end ?? 'eof',
      },
      stats,
      facts,
    );
  }
}
