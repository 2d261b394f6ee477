/**
 * The decode tap of one proxied HTTP connection when the upstream is rtmpt:// (or rtmpts://):
 * the bytes are forwarded unchanged like any others, and a copy of each synthesised segment goes
 * to the proxy's one `RtmptTracker` — the same decoder `export` runs on a capture — which pairs
 * requests and replies and reassembles each tunnel session across the connections that carry it.
 * Session records come from the tracker: when a tunnel's last connection closes after /close,
 * or at the proxy's shutdown (`RtmptTracker.finish`).
 *
 * Same surface as SessionTap (relay.ts drives both); synchronous, no I/O.
 */
import { diag, type Direction } from '../core/diagnostics.js';
import type { RtmptTracker } from '../rtmpt/tunnel.js';
import type { DiagnosticRecord, OutputRecord } from '../session/records.js';
import type { SynthConn, SynthSegment } from './pcap-synth.js';

export class RtmptTap {
  private decodingOn = true;
  private finished = false;
  private claimed = false;

  constructor(
    private readonly tracker: RtmptTracker,
    readonly id: { readonly client: string; readonly server: string },
    readonly conn: SynthConn,
  ) {}

  get decoding(): boolean {
    return this.decodingOn && !this.finished;
  }

  stop(_reason: 'behind' | 'broken' | 'unused' = 'broken'): void {
    this.decodingOn = false;
  }

  noteFirstByte(_dir: Direction, _bytes: Uint8Array): void {}

  segment(dir: Direction, bytes: Uint8Array, seg: SynthSegment): OutputRecord[] {
    if (!this.decoding) return [];
    if (!this.claimed) {
      this.claimed = true;
      this.tracker.claim({ conn: this.conn.id, client: this.id.client, server: this.id.server, clientGuessed: false }, true);
    }
    return this.tracker.data(this.conn.id, dir, bytes, seg);
  }

  reset(dir: Direction, frame: number): OutputRecord[] {
    const d = diag('tcp.reset', 'connection reset', { frame, dir });
    const rec: DiagnosticRecord = { type: 'diagnostic', session: null, client: this.id.client, server: this.id.server, dir, frame, severity: d.severity, code: d.code, message: d.message };
    return this.claimed && !this.finished ? this.tracker.observe(this.conn.id, rec) : [rec];
  }

  /** The connection ended: the tunnel sessions that end with it are written. */
  finish(): OutputRecord[] {
    if (this.finished) return [];
    this.finished = true;
    if (!this.claimed) return [];
    const c = this.conn;
    return this.tracker.close(c.id, c.end ?? 'fin', { frame: c.lastFrame, sec: c.lastTime.sec, nsec: c.lastTime.nsec });
  }
}
