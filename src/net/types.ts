/**
 * Net stage contract: one capture record (link type + bytes) in, one TCP segment or a reason
 * it is not one out. Pure and synchronous; never throws on packet content.
 * `payload` is a view into the record's bytes (valid only as long as the record's data).
 */
import type { Tunnel } from './tunnel.js';

export type TcpFlags = {
  readonly syn: boolean;
  readonly ack: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
};

export type TcpSegment = {
  readonly kind: 'tcp';
  readonly ipVersion: 4 | 6;
  /** Canonical address text: dotted quad, or RFC 5952 compressed IPv6 (without brackets). */
  readonly srcIp: string;
  readonly dstIp: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number; // uint32
  readonly ack: number; // uint32
  readonly flags: TcpFlags;
  readonly window: number;
  /** Captured TCP payload bytes (may be shorter than payloadLen when the snap length cut it). */
  readonly payload: Uint8Array;
  /** Payload length as the IP header declares it. */
  readonly payloadLen: number;
  /** Present when the segment came through tunnels or overlays (see tunnel.ts). */
  readonly tunnel?: Tunnel;
};

/** A UDP datagram (RFC 768): for RTMFP, recognised above this stage. */
export type UdpDatagram = {
  readonly kind: 'udp';
  readonly ipVersion: 4 | 6;
  readonly srcIp: string;
  readonly dstIp: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Captured payload bytes (a view; shorter than payloadLen when the snap length cut it). */
  readonly payload: Uint8Array;
  /** Payload length as the UDP header declares it. */
  readonly payloadLen: number;
};

export type NotTcp = {
  readonly kind: 'skip';
  /** Why: 'not-ip', 'not-tcp', 'fragment', 'unsupported-link', 'malformed', 'truncated', 'tunnel'. */
  readonly reason: 'not-ip' | 'not-tcp' | 'fragment' | 'unsupported-link' | 'malformed' | 'truncated' | 'tunnel';
  /** For 'tunnel': a stable short reason ('gtp-u-signalling', 'gre-protocol', 'depth', …). */
  readonly why?: string;
  readonly detail?: string;
};

export type NetResult = TcpSegment | UdpDatagram | NotTcp;
