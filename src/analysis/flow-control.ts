/**
 * Flow control of one session: Window Acknowledgement Size, Set Peer Bandwidth and the
 * Acknowledgements that answer them (RTMP 1.0 §5.4.3-§5.4.5).
 *
 * Each direction's stream position is measured with the records' byte offsets (chunk headers
 * included); the receiver of a direction must acknowledge at least every window bytes, with a 2x
 * allowance for bytes in flight (`session.flow.ack-missing`). An Acknowledgement cannot count
 * more than the other side has sent (`session.flow.ack-beyond-received`); Set Peer Bandwidth's
 * limit type is 0, 1 or 2 (`session.flow.bad-limit-type`).
 *
 * Contract: pure and synchronous, fed the session's message records in order; O(1) memory.
 */
import type { Direction } from '../core/diagnostics.js';
import type { FlowControlFacts, MessageRecord } from '../records/index.js';
import { atOf, opposite, perDir, type SessionContext } from './emit.js';

/** Bytes a message still in progress may add to a direction's position when an Acknowledgement is checked. */
export const ACK_SLACK = 1024 * 1024;

export class FlowControl {
  private readonly window = perDir<number | null>(() => null);
  private readonly peerBandwidth = perDir<FlowControlFacts['peerBandwidth']['c2s']>(() => null);
  /** Stream position after the last message, per direction. */
  private readonly pos = perDir<number | null>(() => null);
  /** Position of the last acknowledged point (or where the window started), per direction. */
  private readonly ackAnchor = perDir<number | null>(() => null);
  private readonly acks = perDir(() => ({ count: 0, lastSequence: null as number | null }));
  private readonly ackMissing = { c2s: false, s2c: false };

  constructor(private readonly ctx: SessionContext) {}

  /** Every message: the stream position after it, and whether the acknowledgements keep up. */
  onMessage(r: MessageRecord): void {
    const d = r.dir;
    const list = r.chunks.list;
    const lastChunk = list[list.length - 1];
    const end = lastChunk !== undefined && list.length === r.chunks.count ? lastChunk[1] + lastChunk[2] + lastChunk[3] : r.offset + r.length;
    this.ackAnchor[d] ??= r.offset;
    this.pos[d] = Math.max(this.pos[d] ?? 0, end);
    const w = this.window[d];
    const anchor = this.ackAnchor[d] ?? 0;
    if (w !== null && w > 0 && !this.ackMissing[d] && (this.pos[d] ?? 0) - anchor > 2 * w) {
      this.ackMissing[d] = true;
      const receiver = d === 'c2s' ? 'server' : 'client';
      this.ctx.emit('session.flow.ack-missing', `the ${receiver} received ${(this.pos[d] ?? 0) - anchor} bytes ${this.acks[d].count === 0 ? 'without any Acknowledgement' : 'since its last Acknowledgement'}; the window is ${w} bytes`, atOf(r), {
        windowSize: w,
        unacknowledgedBytes: (this.pos[d] ?? 0) - anchor,
      });
    }
  }

  /** An Acknowledgement in `r.dir`: it acknowledges the bytes of the other direction. */
  onAcknowledgement(r: MessageRecord, sequenceNumber: number): void {
    const o = opposite(r.dir);
    this.checkAckSequence(r, o, sequenceNumber);
    this.acks[o].count++;
    this.acks[o].lastSequence = sequenceNumber;
    this.ackAnchor[o] = this.pos[o] ?? this.ackAnchor[o];
  }

  /** Window Acknowledgement Size sent in `dir`: the receiver owes its first acknowledgement a window after it learns the size. */
  onWindowAckSize(dir: Direction, windowSize: number): void {
    this.window[dir] = windowSize;
    this.ackAnchor[dir] = Math.max(this.ackAnchor[dir] ?? 0, this.pos[dir] ?? 0);
  }

  onPeerBandwidth(r: MessageRecord, c: { readonly windowSize: number; readonly limitType: number; readonly limitTypeName: string }): void {
    this.peerBandwidth[r.dir] = { windowSize: c.windowSize, limitType: c.limitType, limitTypeName: c.limitTypeName };
    if (c.limitType > 2) this.ctx.emit('session.flow.bad-limit-type', `Set Peer Bandwidth limit type ${c.limitType} (0 hard, 1 soft, 2 dynamic)`, atOf(r), { limitType: c.limitType });
  }

  /**
   * An Acknowledgement cannot count more bytes than the other side has sent so far: with the
   * session's start in the capture, that is at most the other direction's stream position (the
   * handshake included) plus what a message still in progress may hold (ACK_SLACK).
   */
  private checkAckSequence(r: MessageRecord, o: Direction, seq: number): void {
    const received = this.pos[o] ?? 0;
    if (!this.ctx.startSeen() || seq <= received + ACK_SLACK || received + ACK_SLACK > 0xffffffff) return;
    const w = seq === this.window[r.dir] || seq === this.window[o] ? seq : null;
    const hint = w !== null ? `; it equals the Window Acknowledgement Size ${w}, which it evidently means` : '';
    this.ctx.once(`ack-beyond:${r.dir}`, 'session.flow.ack-beyond-received', `Acknowledgement of ${seq} bytes after ${received} bytes from the ${o === 'c2s' ? 'client' : 'server'}${hint}`, atOf(r), { sequenceNumber: seq, bytesReceived: received });
  }

  facts(): FlowControlFacts {
    const honoured = (d: Direction): boolean | null => {
      if (this.ackMissing[d]) return false;
      if (this.window[d] === null) return null;
      return this.acks[d].count > 0 ? true : null;
    };
    return {
      windowAckSize: { c2s: this.window.c2s, s2c: this.window.s2c },
      peerBandwidth: { c2s: this.peerBandwidth.c2s, s2c: this.peerBandwidth.s2c },
      acknowledgements: {
        c2s: { ...this.acks.c2s, honoured: honoured('c2s') },
        s2c: { ...this.acks.s2c, honoured: honoured('s2c') },
      },
    };
  }
}
