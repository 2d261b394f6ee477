/**
 * The decode tap of one proxied connection: it turns the synthesised TCP connection (the one the
 * `--pcap` file gets) into the very TCP events the reassembler produces when it reads that file
 * back — open at the SYN, each data segment with its frame, time and stream offset, `tcp.reset`
 * at an RST, close with the connection's frames, packets, bytes and end — and feeds them to the
 * proxy's one `SessionPipeline`, the code that follows TCP reassembly in `export`. So the live
 * records are the pcap's by construction: the same decision of what a connection carries (a
 * corrupt C0 makes no session live either), the same session numbers (in order of recognition,
 * RTMPT tunnels from the same counter), the same records.
 * The one exception is a terminated RTMPE session (`terminate()`): the pcap holds the client leg
 * as the wire carried it (ciphertext after the handshake), the tap decodes its plaintext, so its
 * live records show what reading the pcap back cannot.
 *
 * Synchronous, no I/O. Every method returns the records the pipeline produced (not yet admitted:
 * the proxy passes them through `SessionPipeline.admit` with its own diagnostics). The caller
 * (relay.ts) wraps every call in try/catch: a throw here is our bug and only stops decoding of
 * this connection (`stop('broken')`), never the forwarding.
 */
import { diag, type Direction } from '../core/diagnostics.js';
import { formatIPv4, formatIPv6 } from '../net/address.js';
import type { BufferBudget } from '../rtmp/chunk-decoder.js';
import type { Endpoint, TcpClose } from '../tcp/reassembly.js';
import type { SessionPipeline } from '../session/pipeline.js';
import type { OutputRecord } from '../records/index.js';
import type { SynthConn, SynthEndpoint, SynthSegment } from './pcap-synth.js';

/** An endpoint as the packet decoder reads it from the pcap. */
const endpoint = (e: SynthEndpoint): Endpoint => ({ ip: e.ip.length === 4 ? formatIPv4(e.ip, 0) : formatIPv6(e.ip, 0), port: e.port });

export class SessionTap {
  private decodingOn = true;
  private finished = false;
  /** The session number, once the pipeline gave one (kept after the connection closed). */
  private number: number | null = null;

  /** The connection was just opened by the synthesiser (its SYN, SYN-ACK and ACK are its first frames). */
  constructor(
    private readonly pipe: SessionPipeline,
    readonly conn: SynthConn,
  ) {
    pipe.push({ kind: 'open', conn: conn.id, client: endpoint(conn.client), server: endpoint(conn.server), clientGuessed: false, frame: conn.firstFrame, ...conn.firstTime });
  }

  /** The session number the pipeline gave this connection (null: not a session, or not yet). */
  get session(): number | null {
    return (this.number ??= this.pipe.sessionOf(this.conn.id));
  }

  /** Bytes the decoders hold (messages in progress, chunk-stream state). */
  get held(): number {
    return this.pipe.held(this.conn.id);
  }

  owns(b: BufferBudget): boolean {
    return this.pipe.owns(this.conn.id, b);
  }

  /** Stop decoding and give back what the decoders hold (the session record keeps what was decoded). */
  shedMemory(): void {
    this.decodingOn = false;
    this.pipe.shed(this.conn.id);
  }

  get decoding(): boolean {
    return this.decodingOn && !this.finished;
  }

  /**
   * Stop decoding for good. 'behind' (the output lags): the decoder is still sound and is flushed
   * at the end so the session record keeps its facts. 'broken' (it threw): it is never called
   * again. 'unused' (nobody consumes records): nothing is fed at all.
   */
  stop(reason: 'behind' | 'broken' | 'unused' = 'broken'): void {
    // --record: what follows is not recorded; the files say so (a gap to their end).
    if (this.decodingOn && reason !== 'unused') this.pipe.recordingStops(this.conn.id, reason);
    this.decodingOn = false;
    if (reason === 'broken') this.pipe.broken(this.conn.id);
    else if (reason === 'behind') this.pipe.mute(this.conn.id);
    else this.finish(); // still undecided: the pipeline forgets it and writes nothing
  }

  /**
   * The proxy terminates RTMPE: what the tap gets after the handshake is the decrypted client
   * leg. Called at the client's first byte, before any segment.
   */
  terminate(upstream: 'rtmp' | 'rtmpe', upstreamBytes: () => { c2s: number; s2c: number }): void {
    this.pipe.decrypted(this.conn.id, { upstream, upstreamBytes });
  }

  /** Termination was abandoned before any byte was decoded: decode the session as relayed. */
  relay(): void {
    this.pipe.decrypted(this.conn.id, null);
  }

  /** One synthesised segment: `bytes` is exactly the segment's payload. */
  segment(dir: Direction, bytes: Uint8Array, seg: SynthSegment): OutputRecord[] {
    if (!this.decoding) return [];
    this.pipe.push({ kind: 'data', conn: this.conn.id, dir, offset: seg.offset, data: bytes, frame: seg.frame, sec: seg.sec, nsec: seg.nsec });
    return this.pipe.take();
  }

  /**
   * Consecutive synthesised segments of one direction (`plain` sliced by each segment's start
   * and end), pushed together: one `take` for the batch.
   */
  segments(dir: Direction, plain: Uint8Array, segs: readonly SynthSegment[]): OutputRecord[] {
    if (!this.decoding) return [];
    for (const s of segs) {
      this.pipe.push({ kind: 'data', conn: this.conn.id, dir, offset: s.offset, data: plain.subarray(s.start, s.end), frame: s.frame, sec: s.sec, nsec: s.nsec });
      if (!this.decoding) break;
    }
    return this.pipe.take();
  }

  /** The synthesised connection was reset in `dir` at `frame`: what the TCP stage reports when it reads that RST. */
  reset(dir: Direction, frame: number): OutputRecord[] {
    if (this.finished) return [];
    this.pipe.push(diag('tcp.reset', 'connection reset', { frame, conn: this.conn.id, dir }));
    return this.pipe.take();
  }

  /**
   * The synthesised connection closed (or the proxy gives up on it): the close event the
   * reassembler produces, so the pipeline flushes the decoders and writes the session record.
   * Only the first call returns anything; a decoder that throws here is marked broken and the
   * connection closed again, so the session record is still written.
   */
  finish(): OutputRecord[] {
    if (this.finished) return [];
    this.finished = true;
    const c = this.conn;
    this.number ??= this.pipe.sessionOf(c.id);
    const stats = (d: Direction) => ({ bytes: c.bytes(d), segments: c.halves[d].segments, gaps: 0, gapBytes: 0, truncated: 0, truncatedBytes: 0, startUnseen: false });
    const close: TcpClose = {
      kind: 'close',
      conn: c.id,
      client: endpoint(c.client),
      server: endpoint(c.server),
      clientGuessed: false,
      firstFrame: c.firstFrame,
      lastFrame: c.lastFrame,
      firstTime: c.firstTime,
      lastTime: { ...c.lastTime },
      packets: c.packets,
      c2s: stats('c2s'),
      s2c: stats('s2c'),
      reason: c.end ?? 'eof',
    };
    try {
      this.pipe.push(close);
    } catch {
      this.pipe.broken(c.id);
      this.pipe.push(close);
    }
    return this.pipe.take();
  }
}
