/**
 * The gate a TCP connection whose start is missing passes before it becomes an RTMP session (or
 * not). Pure, no I/O. Evidence decides (midstream.ts: a chain of consistent chunk headers, and
 * each direction's handshake layout); what the bytes cannot decide falls back, in this order, on
 * a first segment shaped like C0+C1 and on the "decode as" ports (`--rtmp-port`, default 1935),
 * where two chunk headers in a row near the start suffice.
 *
 * Memory: a connection holds at most `holdBytes` (both directions; never more than the
 * per-connection cap `connBuffer`), and all undecided connections together at most
 * TOTAL_HOLD; a connection that reaches either limit is decided on what it holds.
 */
import type { Direction } from '../core/diagnostics.js';
import { looksLikeHandshakeStart } from '../rtmp/detect.js';
import { WELL_KNOWN_SERVER_PORTS, type Endpoint, type TcpData, type TcpGap } from '../tcp/reassembly.js';
import { DEFAULT_CONN_BUFFER } from '../rtmp/chunk-decoder.js';
import { ConnectionHold, clientFromLayouts, type Layout } from './midstream.js';

export const DEFAULT_RTMP_PORTS: readonly number[] = [1935];
/** Default bytes one undecided connection may hold. */
export const DEFAULT_HOLD_BYTES = 1024 * 1024;
/** Bytes all undecided connections together may hold. */
const TOTAL_HOLD = 64 * 1024 * 1024;

export type Decision =
  | { readonly kind: 'other' }
  | {
      readonly kind: 'rtmp';
      readonly by: 'handshake' | 'chunk-heuristic' | 'port';
      /** C0's version byte, when the client's handshake was held. */
      readonly version: number | null;
      /** The direction (as the TCP stage named it) in which the client sent. */
      readonly client: Direction;
      /** Why that side is the client, when the held bytes (not the TCP stage) said so. */
      readonly clientBecause: string | null;
      /** How each direction's held bytes begin (TCP stage's directions). */
      readonly layouts: Readonly<Record<Direction, Layout>>;
      /** For a 'handshake-tail' direction, the stream offset where its chunks begin (bytes before it are skipped). */
      readonly tails: Readonly<Record<Direction, number>>;
    };

export type RtmpDecision = Extract<Decision, { kind: 'rtmp' }>;

/** What the gate needs to know of a connection. */
export type GateConn = { readonly server: Endpoint; readonly clientGuessed: boolean };

export class MidstreamGate {
  readonly rtmpPorts: readonly number[];
  /** Ports the TCP stage takes as the server's when no SYN was seen. */
  readonly serverPorts: readonly number[];
  private readonly holdBytes: number;
  private held = 0;

  constructor(opts: { readonly rtmpPorts?: readonly number[]; readonly holdBytes?: number; readonly connBuffer?: number }) {
    this.rtmpPorts = opts.rtmpPorts ?? DEFAULT_RTMP_PORTS;
    this.serverPorts = [...new Set([...this.rtmpPorts, ...WELL_KNOWN_SERVER_PORTS])];
    this.holdBytes = Math.min(opts.holdBytes ?? DEFAULT_HOLD_BYTES, opts.connBuffer ?? DEFAULT_CONN_BUFFER);
  }

  open(): ConnectionHold {
    return new ConnectionHold();
  }

  /** Hold a segment; a decision when the bytes (or a limit) make one. */
  data(hold: ConnectionHold, c: GateConn, t: TcpData): Decision | null {
    const before = hold.bytes;
    const found = hold.data(t.dir, t.offset, t.data, t);
    this.held += hold.bytes - before;
    if (found) return this.rtmp(hold, c, 'chunk-heuristic');
    if (hold.bytes >= this.holdBytes || this.held >= TOTAL_HOLD) return this.settle(hold, c);
    return null;
  }

  gap(hold: ConnectionHold, t: TcpGap): null {
    hold.gap(t.dir, t.length, t);
    return null;
  }

  /** No more bytes will be held: evidence at the end of the bytes, else the fallbacks. */
  settle(hold: ConnectionHold, c: GateConn): Decision {
    if (hold.settle()) return this.rtmp(hold, c, 'chunk-heuristic');
    const order: Direction[] = hold.firstSender === 's2c' ? ['s2c', 'c2s'] : ['c2s', 's2c'];
    // A first segment shaped like C0+C1, when the rest agrees (ConnectionHold.handshakeLike).
    for (const dir of order) {
      const first = hold.firstSegment(dir);
      if (first !== null && looksLikeHandshakeStart(first) && hold.handshakeLike(dir)) {
        // C0+C1 from a side the TCP stage may not have known was the client.
        const client = c.clientGuessed ? dir : 'c2s';
        return { ...this.rtmp(hold, c, 'handshake', client), version: first[0] as number };
      }
    }
    // A "decode as" port lowers the bar (two headers in a row near the start), it does not remove
    // it: TLS or HTTP on port 1935 stays what it is.
    if (this.rtmpPorts.includes(c.server.port) && hold.weak()) return this.rtmp(hold, c, 'port');
    return { kind: 'other' };
  }

  /** The hold is over (decided): its bytes no longer count. */
  release(hold: ConnectionHold): void {
    this.held -= hold.bytes;
  }

  private rtmp(hold: ConnectionHold, c: GateConn, by: 'handshake' | 'chunk-heuristic' | 'port', client?: Direction): RtmpDecision {
    const layouts = hold.layouts();
    const fromLayouts = c.clientGuessed && client === undefined ? clientFromLayouts(layouts, hold.firstSender) : null;
    const side = client ?? fromLayouts ?? 'c2s';
    const hs = layouts[side] === 'handshake' ? side : layouts.c2s === 'handshake' ? 'c2s' : layouts.s2c === 'handshake' ? 's2c' : null;
    const version = hs === side ? (hold.firstSegment(side)?.[0] ?? null) : null;
    const because =
      fromLayouts === null
        ? null
        : layouts[fromLayouts] === 'handshake'
          ? 'both handshakes are in the capture and its came first'
          : layouts[fromLayouts] === 'second-block'
            ? 'it sent only its second handshake block while the other side finished its first'
            : 'the other side sent a whole S0+S1+S2 and it did not';
    return { kind: 'rtmp', by: hs !== null ? 'handshake' : by, version, client: side, clientBecause: because, layouts, tails: { ...hold.tails } };
  }
}
