/**
 * Tunnel and overlay headers the net stage decodes through: each parser reads one encapsulation
 * header and says where the inner packet starts and what it is, or why it cannot go on.
 *
 * Contract and invariants:
 * - Pure and synchronous; never throws on packet content; reads only inside `data` and before
 *   `end` (the outer header's declared end, already clipped to the captured bytes by the caller).
 * - GTP-U (3GPP TS 29.281 §5): GTPv1 (version 1, PT 1), message type 255 (G-PDU) only; the
 *   optional sequence / N-PDU / next-extension word is present when any of E, S, PN is set;
 *   extension headers (length in 4-octet units, next type in the last octet) are followed, at
 *   most MAX_GTP_EXTENSIONS of them; the PDU Session Container (0x85) yields the QFI. The T-PDU
 *   is IPv4 or IPv6 by its version nibble. Echo, error indication, end marker → 'gtp-u-signalling'.
 * - VXLAN (RFC 7348): 8 bytes, the I flag must be set; inner Ethernet; VNI kept.
 * - GRE (RFC 2784, RFC 2890): version 0 only (version 1 is PPTP's enhanced GRE); optional checksum,
 *   key and sequence; the RFC 1701 routing bit is refused. Protocols: IPv4, IPv6, MPLS, transparent
 *   Ethernet bridging (0x6558), ERSPAN type I/II (0x88be; type I when the S bit is clear: no
 *   ERSPAN header) and type III (0x22eb; the optional 8-byte platform sub-header when O is set;
 *   frame type 0 Ethernet, 2 IP).
 * - MPLS (RFC 3032): labels until the bottom-of-stack bit, at most MAX_MPLS_LABELS; the payload is
 *   IP by its first nibble (a pseudowire control word, nibble 0, is not decoded).
 * - PPPoE session stage (RFC 2516): version/type 0x11, code 0, length bounds the PPP frame; PPP
 *   protocol 0x0021 IPv4, 0x0057 IPv6; anything else (LCP, IPCP, …) → 'pppoe-protocol'.
 * - Undecodable tunnel content is a skip with reason 'tunnel' and a stable short `why`, so the
 *   capture summary can count it by reason.
 */
import type { NotTcp } from './types.js';

export type TunnelType = 'gtp-u' | 'vxlan' | 'gre' | 'erspan' | 'ip-in-ip' | 'mpls' | 'pppoe';

/** One encapsulation layer a segment came through (outermost first in `Tunnel.layers`). */
export type TunnelLayer = {
  readonly type: TunnelType;
  /** Outer IP source and destination (absent for MPLS and PPPoE, which ride on the link layer). */
  readonly src?: string;
  readonly dst?: string;
  /** GTP-U tunnel endpoint id (per direction: each side chooses the TEID it receives on). */
  readonly teid?: number;
  /** GTP-U PDU Session Container QoS flow id. */
  readonly qfi?: number;
  /** VXLAN network identifier. */
  readonly vni?: number;
  /** GRE key (RFC 2890). */
  readonly key?: number;
  /** ERSPAN version (1 = type II, 2 = type III; 0 = type I, no header) and session id. */
  readonly erspanVersion?: number;
  readonly erspanSession?: number;
  /** MPLS label stack, top first. */
  readonly labels?: readonly number[];
  /** PPPoE session id. */
  readonly pppoeSession?: number;
};

export type Tunnel = {
  readonly layers: readonly TunnelLayer[];
  /**
   * The part of the connection key that separates identical inner 4-tuples of different
   * tunnels. Direction-independent: ids both directions share (VNI, GRE key, ERSPAN session,
   * PPPoE session) and the outer endpoint pair, never per-direction ids (TEID, MPLS labels).
   */
  readonly key: string;
};

/** Encapsulation layers followed per packet before giving up ('depth'). */
export const MAX_TUNNEL_DEPTH = 8;
export const MAX_GTP_EXTENSIONS = 16;
export const MAX_MPLS_LABELS = 16;

export const UDP_PORT = { GTP_U: 2152, VXLAN: 4789 } as const;

export const TUNNEL_ETHERTYPE = {
  MPLS: 0x8847,
  MPLS_MULTICAST: 0x8848,
  PPPOE_SESSION: 0x8864,
  TEB: 0x6558,
  ERSPAN_2: 0x88be,
  ERSPAN_3: 0x22eb,
} as const;

/** What follows a tunnel header. 'ip': IPv4 or IPv6 by the version nibble. */
export type Inner = {
  readonly kind: 'inner';
  readonly next: 'ipv4' | 'ipv6' | 'ip' | 'ethernet' | 'mpls';
  readonly off: number;
  readonly end: number;
  readonly layer: TunnelLayer;
};

const whyCache = new Map<string, NotTcp>();
/** A tunnel that cannot be followed; `why` is a stable short reason. */
export function tunnelSkip(why: string, detail: string): NotTcp {
  const k = `${why}\u0000${detail}`;
  let r = whyCache.get(k);
  if (r === undefined) {
    r = Object.freeze({ kind: 'skip', reason: 'tunnel', why, detail });
    if (whyCache.size < 1024) whyCache.set(k, r);
  }
  return r;
}

const truncated = (what: string): NotTcp => Object.freeze({ kind: 'skip', reason: 'truncated', detail: `${what} header cut short` });
const TRUNC_GTP = truncated('GTP-U');
const TRUNC_VXLAN = truncated('VXLAN');
const TRUNC_GRE = truncated('GRE');
const TRUNC_ERSPAN = truncated('ERSPAN');
const TRUNC_MPLS = truncated('MPLS');
const TRUNC_PPPOE = truncated('PPPoE');

/** Big-endian reads for the net stage (decode.ts uses these too). */
export function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function outer(src: string | undefined, dst: string | undefined): { src?: string; dst?: string } {
  return src === undefined || dst === undefined ? {} : { src, dst };
}

/** GTP-U over UDP; `p` is the GTP header, `end` the UDP payload's end. */
export function gtpu(data: Uint8Array, p: number, end: number, src?: string, dst?: string): Inner | NotTcp {
  if (end - p < 8) return TRUNC_GTP;
  const flags = data[p]!;
  if (flags >> 5 !== 1 || (flags & 0x10) === 0) return tunnelSkip('gtp-u-version', `GTP version ${flags >> 5}${(flags & 0x10) === 0 ? " (GTP')" : ''}`);
  const type = data[p + 1]!;
  if (type !== 0xff) return tunnelSkip('gtp-u-signalling', `GTP-U message type ${type} carries no user data`);
  const teid = u32(data, p + 4);
  const pduEnd = Math.min(end, p + 8 + u16(data, p + 2));
  let q = p + 8;
  let qfi: number | undefined;
  if ((flags & 0x07) !== 0) {
    if (pduEnd - q < 4) return TRUNC_GTP;
    let next = (flags & 0x04) !== 0 ? data[q + 3]! : 0;
    q += 4;
    for (let n = 0; next !== 0; n++) {
      if (n >= MAX_GTP_EXTENSIONS) return tunnelSkip('gtp-u-extension', `more than ${MAX_GTP_EXTENSIONS} extension headers`);
      if (pduEnd - q < 4) return TRUNC_GTP;
      const len = data[q]! * 4;
      if (len === 0) return tunnelSkip('gtp-u-extension', 'extension header of length 0');
      if (pduEnd - q < len) return TRUNC_GTP;
      // PDU Session Container (TS 38.415 §5.5.2): PDU type (4 bits) …; QFI in the low 6 bits of the next octet.
      if (next === 0x85) qfi = data[q + 2]! & 0x3f;
      next = data[q + len - 1]!;
      q += len;
    }
  }
  const layer: TunnelLayer = { type: 'gtp-u', ...outer(src, dst), teid, ...(qfi === undefined ? {} : { qfi }) };
  return { kind: 'inner', next: 'ip', off: q, end: pduEnd, layer };
}

/** VXLAN over UDP; `p` is the VXLAN header. */
export function vxlan(data: Uint8Array, p: number, end: number, src?: string, dst?: string): Inner | NotTcp {
  if (end - p < 8) return TRUNC_VXLAN;
  if ((data[p]! & 0x08) === 0) return tunnelSkip('vxlan-flags', 'VXLAN header without the I (valid VNI) flag');
  const vni = u32(data, p + 4) >>> 8;
  return { kind: 'inner', next: 'ethernet', off: p + 8, end, layer: { type: 'vxlan', ...outer(src, dst), vni } };
}

/** GRE (IP protocol 47), possibly carrying ERSPAN. */
export function gre(data: Uint8Array, p: number, end: number, src?: string, dst?: string): Inner | NotTcp {
  if (end - p < 4) return TRUNC_GRE;
  const flags = u16(data, p);
  const version = flags & 0x07;
  if (version !== 0) return tunnelSkip('gre-version', `GRE version ${version}${version === 1 ? ' (PPTP)' : ''}`);
  if ((flags & 0x4000) !== 0) return tunnelSkip('gre-routing', 'GRE with source routing (RFC 1701)');
  const proto = u16(data, p + 2);
  let q = p + 4;
  if ((flags & 0x8000) !== 0) q += 4; // checksum + reserved
  let key: number | undefined;
  if ((flags & 0x2000) !== 0) {
    if (end - q < 4) return TRUNC_GRE;
    key = u32(data, q);
    q += 4;
  }
  const hasSeq = (flags & 0x1000) !== 0;
  if (hasSeq) q += 4;
  if (q > end) return TRUNC_GRE;
  const base = { ...outer(src, dst), ...(key === undefined ? {} : { key }) };
  switch (proto) {
    case 0x0800:
      return { kind: 'inner', next: 'ipv4', off: q, end, layer: { type: 'gre', ...base } };
    case 0x86dd:
      return { kind: 'inner', next: 'ipv6', off: q, end, layer: { type: 'gre', ...base } };
    case TUNNEL_ETHERTYPE.MPLS:
      return { kind: 'inner', next: 'mpls', off: q, end, layer: { type: 'gre', ...base } };
    case TUNNEL_ETHERTYPE.TEB:
      return { kind: 'inner', next: 'ethernet', off: q, end, layer: { type: 'gre', ...base } };
    case TUNNEL_ETHERTYPE.ERSPAN_2:
      if (!hasSeq) return { kind: 'inner', next: 'ethernet', off: q, end, layer: { type: 'erspan', ...base, erspanVersion: 0 } };
      return erspan(data, q, end, base, 1);
    case TUNNEL_ETHERTYPE.ERSPAN_3:
      return erspan(data, q, end, base, 2);
    default:
      return tunnelSkip('gre-protocol', `GRE protocol 0x${proto.toString(16).padStart(4, '0')}`);
  }
}

function erspan(data: Uint8Array, p: number, end: number, base: { src?: string; dst?: string; key?: number }, want: 1 | 2): Inner | NotTcp {
  const hlen = want === 1 ? 8 : 12;
  if (end - p < hlen) return TRUNC_ERSPAN;
  const ver = data[p]! >> 4;
  if (ver !== want) return tunnelSkip('erspan-version', `ERSPAN version ${ver} under GRE protocol for version ${want}`);
  const session = u16(data, p + 2) & 0x03ff;
  const layer: TunnelLayer = { type: 'erspan', ...base, erspanVersion: ver, erspanSession: session };
  if (want === 1) return { kind: 'inner', next: 'ethernet', off: p + 8, end, layer };
  const last = u16(data, p + 10);
  const frameType = (last >> 10) & 0x1f;
  let q = p + 12;
  if ((last & 0x0001) !== 0) q += 8; // O: platform-specific sub-header
  if (q > end) return TRUNC_ERSPAN;
  if (frameType === 0) return { kind: 'inner', next: 'ethernet', off: q, end, layer };
  if (frameType === 2) return { kind: 'inner', next: 'ip', off: q, end, layer };
  return tunnelSkip('erspan-frame-type', `ERSPAN type III frame type ${frameType}`);
}

/** An MPLS label stack (ethertype 0x8847/0x8848, or GRE protocol 0x8847). */
export function mpls(data: Uint8Array, p: number, end: number): Inner | NotTcp {
  const labels: number[] = [];
  for (;;) {
    if (labels.length >= MAX_MPLS_LABELS) return tunnelSkip('mpls-stack', `more than ${MAX_MPLS_LABELS} MPLS labels`);
    if (end - p < 4) return TRUNC_MPLS;
    const entry = u32(data, p);
    labels.push(entry >>> 12);
    p += 4;
    if ((entry & 0x100) !== 0) break;
  }
  if (end - p < 1) return TRUNC_MPLS;
  const nibble = data[p]! >> 4;
  if (nibble !== 4 && nibble !== 6) return tunnelSkip('mpls-payload', `MPLS payload starting with nibble ${nibble} (pseudowire or other)`);
  return { kind: 'inner', next: 'ip', off: p, end, layer: { type: 'mpls', labels } };
}

/** A PPPoE session-stage frame (ethertype 0x8864). */
export function pppoe(data: Uint8Array, p: number, end: number): Inner | NotTcp {
  if (end - p < 8) return TRUNC_PPPOE;
  if (data[p] !== 0x11 || data[p + 1] !== 0) return tunnelSkip('pppoe-header', `PPPoE version/type 0x${data[p]!.toString(16)} code 0x${data[p + 1]!.toString(16)}`);
  const session = u16(data, p + 2);
  const frameEnd = Math.min(end, p + 6 + u16(data, p + 4));
  const proto = u16(data, p + 6);
  const layer: TunnelLayer = { type: 'pppoe', pppoeSession: session };
  if (proto === 0x0021) return { kind: 'inner', next: 'ipv4', off: p + 8, end: frameEnd, layer };
  if (proto === 0x0057) return { kind: 'inner', next: 'ipv6', off: p + 8, end: frameEnd, layer };
  return tunnelSkip('pppoe-protocol', `PPP protocol 0x${proto.toString(16).padStart(4, '0')}`);
}

/** The connection-key part of a layer stack (see `Tunnel.key`). */
export function tunnelKey(layers: readonly TunnelLayer[]): string {
  let k = '';
  for (const l of layers) {
    const ends = l.src === undefined || l.dst === undefined ? '' : l.src < l.dst ? `${l.src},${l.dst}` : `${l.dst},${l.src}`;
    const id = l.vni ?? l.key ?? l.erspanSession ?? l.pppoeSession ?? '';
    k += `${l.type}:${id}:${ends}/`;
  }
  return k;
}
