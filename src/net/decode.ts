/**
 * Net stage: one capture record (link type, captured bytes, wire length) → a TCP segment, a UDP
 * datagram, or the reason it is neither.
 *
 * Contract and invariants:
 * - Pure and synchronous; never throws on packet content; reads only inside `data`.
 * - Link layers: Ethernet (with any number of stacked 802.1Q / 802.1ad / pre-standard QinQ
 *   tags), Linux cooked SLL and SLL2 (tags may follow those too), BSD NULL (address family in the
 *   capturing host's byte order: both orders accepted) and LOOP (network byte order), RAW
 *   (101, and the historical 12 and 14), IPV4 (228), IPV6 (229). Anything else → 'unsupported-link'.
 * - IPv4 (RFC 791): version 4, IHL ≥ 5, options skipped, Total Length bounds the packet (so
 *   Ethernet padding and trailing FCS bytes are cut). Fragments (MF set or offset ≠ 0) →
 *   'fragment'; DF alone is an ordinary packet.
 * - IPv6 (RFC 8200): extension headers hop-by-hop (0), routing (43), destination options (60),
 *   fragment (44: 'fragment' unless offset 0 and M clear, an "atomic fragment"), AH (51, RFC 4302:
 *   length in 4-octet units + 2) are followed; ESP (50), no-next-header (59) and any other
 *   protocol → 'not-tcp'. A jumbogram (payload length 0 behind hop-by-hop) → 'malformed'.
 * - TCP (RFC 9293): data offset ≥ 5; seq/ack as uint32. `payloadLen` is what the IP header
 *   declares; `payload` is the captured part of it (a view into `data`), shorter when the snap
 *   length cut the packet — that is not an error here (the tcp stage counts the missing bytes as
 *   lost). If the capture cut into the TCP header itself → 'truncated'. Inconsistent declared
 *   lengths → 'malformed'.
 * - Real-world quirk (as Wireshark's "TSO" handling): a packet captured on the sending host with
 *   TCP segmentation offload can carry IPv4 Total Length 0 (or IPv6 Payload Length 0 without a
 *   hop-by-hop header). Then the length is taken from the record's wire length `origLen`.
 * - Skip results are shared frozen objects where the reason repeats (no allocation per packet).
 * - Tunnels and overlays (see tunnel.ts): IP-in-IP (IPv4/IPv6 protocol 4 and 41, so 4in4, 6in4,
 *   4in6, 6in6), GRE (47) with ERSPAN, UDP to port 2152 (GTP-U) and 4789 (VXLAN), MPLS (ethertypes
 *   0x8847/0x8848) and PPPoE sessions (0x8864) are decoded through, nested up to
 *   MAX_TUNNEL_DEPTH layers; the segment then carries `tunnel` (the layers, outermost first, with
 *   outer endpoints and ids). Inside a tunnel the inner packet is bounded by the outer header's
 *   length and the TSO length quirk does not apply. Other UDP stays 'not-tcp'.
 */
import { LINKTYPE } from '../capture/types.js';
import { formatIPv4, formatIPv6 } from './address.js';
import type { NetResult, NotTcp, TcpFlags, TcpSegment, UdpDatagram } from './types.js';
import { gre, gtpu, MAX_TUNNEL_DEPTH, mpls, pppoe, TUNNEL_ETHERTYPE, tunnelKey, tunnelSkip, u16, u32, UDP_PORT, vxlan, type Inner, type TunnelLayer } from './tunnel.js';

export const ETHERTYPE = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_9100: 0x9100,
  QINQ_9200: 0x9200,
} as const;

/** BSD address-family values for IPv6: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
const BSD_AF_INET = 2;
const BSD_AF_INET6 = [24, 28, 30] as const;

/** IPv4 protocol / IPv6 next-header numbers this stage acts on. */
export const IP_PROTO = {
  HOP_BY_HOP: 0,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  NO_NEXT: 59,
  DEST_OPTIONS: 60,
} as const;

const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'ICMP',
  2: 'IGMP',
  17: 'UDP',
  47: 'GRE',
  50: 'ESP',
  58: 'ICMPv6',
  59: 'no next header',
  132: 'SCTP',
};

// ---- shared results ---------------------------------------------------------------------------

function skip(reason: NotTcp['reason'], detail: string): NotTcp {
  return Object.freeze({ kind: 'skip', reason, detail });
}

const TRUNC_LINK = skip('truncated', 'link-layer header cut short');
const TRUNC_IPV4 = skip('truncated', 'IPv4 header cut short');
const TRUNC_IPV6 = skip('truncated', 'IPv6 header cut short');
const TRUNC_IPV6_EXT = skip('truncated', 'IPv6 extension header cut short');
const TRUNC_TCP = skip('truncated', 'TCP header cut short');
const TRUNC_UDP = skip('truncated', 'UDP header cut short');
const FRAGMENT_V4 = skip('fragment', 'IPv4 fragment');
const FRAGMENT_V6 = skip('fragment', 'IPv6 fragment');
const JUMBOGRAM = skip('malformed', 'IPv6 jumbogram (payload length 0)');
const EMPTY = skip('truncated', 'empty record');
const DEPTH = tunnelSkip('depth', `more than ${MAX_TUNNEL_DEPTH} nested encapsulations`);

/** Encapsulation layers the packet came through so far (null: none). */
type Layers = readonly TunnelLayer[] | null;

const notTcpCache: (NotTcp | undefined)[] = [];
function notTcp(proto: number): NotTcp {
  let r = notTcpCache[proto];
  if (r === undefined) {
    const name = PROTO_NAMES[proto];
    r = skip('not-tcp', `IP protocol ${proto}${name === undefined ? '' : ` (${name})`}`);
    notTcpCache[proto] = r;
  }
  return r;
}

const notIpCache = new Map<number, NotTcp>();
function notIpEthertype(type: number): NotTcp {
  let r = notIpCache.get(type);
  if (r === undefined) {
    r = skip('not-ip', type < 0x0600 ? `802.3 frame (length ${type})` : `ethertype 0x${type.toString(16).padStart(4, '0')}`);
    notIpCache.set(type, r);
  }
  return r;
}

const unsupportedCache = new Map<number, NotTcp>();
function unsupportedLink(linkType: number): NotTcp {
  let r = unsupportedCache.get(linkType);
  if (r === undefined) {
    r = skip('unsupported-link', `link type ${linkType}`);
    unsupportedCache.set(linkType, r);
  }
  return r;
}

/** The 32 combinations of FIN, SYN, RST, PSH, ACK (TCP flag bits 0-4), shared and frozen. */
const FLAGS: readonly TcpFlags[] = Array.from({ length: 32 }, (_, bits) =>
  Object.freeze({
    syn: (bits & 0x02) !== 0,
    ack: (bits & 0x10) !== 0,
    fin: (bits & 0x01) !== 0,
    rst: (bits & 0x04) !== 0,
    psh: (bits & 0x08) !== 0,
  }),
);

// ---- link layers ------------------------------------------------------------------------------

/**
 * Decode one captured frame. `origLen` is the frame's length on the wire (used only for the TSO
 * quirk above).
 */
export function decodeFrame(linkType: number, data: Uint8Array, origLen: number): NetResult {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      // dst MAC (6), src MAC (6), ethertype (2).
      if (data.length < 14) return TRUNC_LINK;
      return afterEthertype(data, u16(data, 12), 14, origLen, null);
    case LINKTYPE.LINUX_SLL:
      // packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2).
      if (data.length < 16) return TRUNC_LINK;
      return afterEthertype(data, u16(data, 14), 16, origLen, null);
    case LINKTYPE.LINUX_SLL2:
      // protocol (2), reserved (2), interface index (4), ARPHRD (2), packet type (1),
      // address length (1), address (8).
      if (data.length < 20) return TRUNC_LINK;
      return afterEthertype(data, u16(data, 0), 20, origLen, null);
    case LINKTYPE.NULL:
      return afterAddressFamily(data, origLen, true);
    case LINKTYPE.LOOP:
      return afterAddressFamily(data, origLen, false);
    case LINKTYPE.RAW:
    case 12:
    case 14: {
      if (data.length === 0) return EMPTY;
      const version = data[0]! >> 4;
      if (version === 4) return decodeIPv4(data, 0, origLen, null);
      if (version === 6) return decodeIPv6(data, 0, origLen, null);
      return skip('malformed', `raw IP packet with version ${version}`);
    }
    case LINKTYPE.IPV4:
      return decodeIPv4(data, 0, origLen, null);
    case LINKTYPE.IPV6:
      return decodeIPv6(data, 0, origLen, null);
    default:
      return unsupportedLink(linkType);
  }
}

/** Follow VLAN tags (each: TCI (2), inner ethertype (2)) to IPv4/IPv6 starting at `off`. */
function afterEthertype(data: Uint8Array, type: number, off: number, origLen: number, tun: Layers): NetResult {
  while (type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ || type === ETHERTYPE.QINQ_9100 || type === ETHERTYPE.QINQ_9200) {
    if (data.length < off + 4) return TRUNC_LINK;
    type = u16(data, off + 2);
    off += 4;
  }
  if (type === ETHERTYPE.IPV4) return decodeIPv4(data, off, origLen, tun);
  if (type === ETHERTYPE.IPV6) return decodeIPv6(data, off, origLen, tun);
  if (type === TUNNEL_ETHERTYPE.MPLS || type === TUNNEL_ETHERTYPE.MPLS_MULTICAST) return enter(data, mpls(data, off, data.length), tun);
  if (type === TUNNEL_ETHERTYPE.PPPOE_SESSION) return enter(data, pppoe(data, off, data.length), tun);
  return notIpEthertype(type);
}

/** Go through one encapsulation header into the packet it carries. */
function enter(data: Uint8Array, r: Inner | NotTcp, tun: Layers): NetResult {
  if (r.kind !== 'inner') return r;
  if (tun !== null && tun.length >= MAX_TUNNEL_DEPTH) return DEPTH;
  const layers = tun === null ? [r.layer] : [...tun, r.layer];
  // The inner packet ends where the outer header says; no TSO quirk inside a tunnel.
  const d = r.end < data.length ? data.subarray(0, r.end) : data;
  const off = r.off;
  switch (r.next) {
    case 'ipv4':
      return decodeIPv4(d, off, 0, layers);
    case 'ipv6':
      return decodeIPv6(d, off, 0, layers);
    case 'ip': {
      if (d.length <= off) return TRUNC_IPV4;
      const version = d[off]! >> 4;
      if (version === 4) return decodeIPv4(d, off, 0, layers);
      if (version === 6) return decodeIPv6(d, off, 0, layers);
      return tunnelSkip('inner-not-ip', `tunnelled packet with IP version ${version}`);
    }
    case 'ethernet':
      if (d.length - off < 14) return TRUNC_LINK;
      return afterEthertype(d, u16(d, off + 12), off + 14, 0, layers);
    case 'mpls':
      return enter(d, mpls(d, off, d.length), layers);
  }
}

/**
 * An IP payload that is not TCP: IP-in-IP, GRE and the UDP tunnels are followed; `p` is the
 * payload start, `end` the IP-declared end, `srcOff`/`dstOff` the outer addresses.
 */
function ipPayload(data: Uint8Array, proto: number, p: number, end: number, v: 4 | 6, srcOff: number, dstOff: number, tun: Layers): NetResult {
  if (proto !== 4 && proto !== 41 && proto !== 47 && proto !== 17) return notTcp(proto);
  const lim = end < data.length ? end : data.length;
  if (proto === 17) {
    if (lim - p < 8) return end - p < 8 ? notTcp(proto) : TRUNC_UDP;
    const sport = u16(data, p);
    const dport = u16(data, p + 2);
    const isGtp = dport === UDP_PORT.GTP_U || sport === UDP_PORT.GTP_U;
    if (!isGtp && dport !== UDP_PORT.VXLAN) return decodeUdp(data, p, end, v, srcOff, dstOff);
    const [src, dst] = addrs(data, v, srcOff, dstOff);
    return enter(data, isGtp ? gtpu(data, p + 8, lim, src, dst) : vxlan(data, p + 8, lim, src, dst), tun);
  }
  const [src, dst] = addrs(data, v, srcOff, dstOff);
  if (proto === 47) return enter(data, gre(data, p, lim, src, dst), tun);
  const layer: TunnelLayer = { type: 'ip-in-ip', src, dst };
  return enter(data, { kind: 'inner', next: proto === 4 ? 'ipv4' : 'ipv6', off: p, end: lim, layer }, tun);
}

function addrs(data: Uint8Array, v: 4 | 6, srcOff: number, dstOff: number): [string, string] {
  return v === 4 ? [formatIPv4(data, srcOff), formatIPv4(data, dstOff)] : [formatIPv6(data, srcOff), formatIPv6(data, dstOff)];
}

/** NULL: 4-byte family in the capturing host's byte order (so try both); LOOP: big-endian. */
function afterAddressFamily(data: Uint8Array, origLen: number, eitherOrder: boolean): NetResult {
  if (data.length < 4) return TRUNC_LINK;
  const be = u32(data, 0);
  const le = eitherOrder ? ((data[3]! << 24) | (data[2]! << 16) | (data[1]! << 8) | data[0]!) >>> 0 : be;
  if (be === BSD_AF_INET || le === BSD_AF_INET) return decodeIPv4(data, 4, origLen, null);
  for (const af of BSD_AF_INET6) {
    if (be === af || le === af) return decodeIPv6(data, 4, origLen, null);
  }
  return skip('not-ip', `address family ${eitherOrder && le < be ? le : be}`);
}

// ---- IP -----------------------------------------------------------------------------------------

/** RFC 791 §3.1. */
function decodeIPv4(data: Uint8Array, off: number, origLen: number, tun: Layers): NetResult {
  if (data.length - off < 20) return TRUNC_IPV4;
  const vihl = data[off]!;
  if (vihl >> 4 !== 4) return skip('malformed', `IP version ${vihl >> 4} where IPv4 was expected`);
  const hlen = (vihl & 0x0f) * 4;
  if (hlen < 20) return skip('malformed', `IPv4 header length ${hlen} (minimum 20)`);
  let total = u16(data, off + 2);
  if (total === 0) {
    total = Math.max(origLen, data.length) - off; // TSO quirk, see the file header
  }
  if (total < hlen) return skip('malformed', `IPv4 total length ${total} shorter than its header (${hlen})`);
  if (data.length - off < hlen) return TRUNC_IPV4;
  // Flags (3 bits: reserved, DF, MF) and fragment offset (13 bits).
  if ((u16(data, off + 6) & 0x3fff) !== 0) return FRAGMENT_V4;
  const proto = data[off + 9]!;
  if (proto !== IP_PROTO.TCP) return ipPayload(data, proto, off + hlen, off + total, 4, off + 12, off + 16, tun);
  return decodeTcp(data, off + hlen, off + total, 4, off + 12, off + 16, tun);
}

/** RFC 8200 §3 and §4. */
function decodeIPv6(data: Uint8Array, off: number, origLen: number, tun: Layers): NetResult {
  if (data.length - off < 40) return TRUNC_IPV6;
  const version = data[off]! >> 4;
  if (version !== 6) return skip('malformed', `IP version ${version} where IPv6 was expected`);
  let plen = u16(data, off + 4);
  let nh = data[off + 6]!;
  if (plen === 0) {
    if (nh === IP_PROTO.HOP_BY_HOP) return JUMBOGRAM;
    plen = Math.max(origLen, data.length) - off - 40; // TSO quirk, see the file header
  }
  const end = off + 40 + plen;
  let p = off + 40;
  for (;;) {
    if (nh === IP_PROTO.TCP) return decodeTcp(data, p, end, 6, off + 8, off + 24, tun);
    if (nh === IP_PROTO.HOP_BY_HOP || nh === IP_PROTO.ROUTING || nh === IP_PROTO.DEST_OPTIONS || nh === IP_PROTO.AH) {
      if (p + 8 > end) return skip('malformed', 'IPv6 extension header beyond the payload length');
      if (p + 8 > data.length) return TRUNC_IPV6_EXT;
      const len = nh === IP_PROTO.AH ? (data[p + 1]! + 2) * 4 : (data[p + 1]! + 1) * 8;
      if (p + len > end) return skip('malformed', 'IPv6 extension header beyond the payload length');
      nh = data[p]!;
      p += len;
      continue;
    }
    if (nh === IP_PROTO.FRAGMENT) {
      if (p + 8 > end) return skip('malformed', 'IPv6 fragment header beyond the payload length');
      if (p + 8 > data.length) return TRUNC_IPV6_EXT;
      // Fragment offset (13 bits), reserved (2), M (1).
      if ((u16(data, p + 2) & 0xfff9) !== 0) return FRAGMENT_V6;
      nh = data[p]!;
      p += 8;
      continue;
    }
    return ipPayload(data, nh, p, end, 6, off + 8, off + 24, tun);
  }
}

function ipText(data: Uint8Array, ipVersion: 4 | 6, off: number): string {
  return ipVersion === 4 ? formatIPv4(data, off) : formatIPv6(data, off);
}

// ---- TCP ----------------------------------------------------------------------------------------

/** RFC 9293 §3.1. The TCP header starts at `p`; the IP-declared packet ends at `end`. */
function decodeTcp(data: Uint8Array, p: number, end: number, ipVersion: 4 | 6, srcOff: number, dstOff: number, tun: Layers): NetResult {
  if (end - p < 20) return skip('malformed', `IP length leaves ${end - p} bytes for a 20-byte TCP header`);
  if (data.length - p < 20) return TRUNC_TCP;
  const hlen = (data[p + 12]! >> 4) * 4;
  if (hlen < 20) return skip('malformed', `TCP data offset ${hlen / 4} (minimum 5)`);
  if (hlen > end - p) return skip('malformed', `TCP header (${hlen} bytes) longer than the IP payload (${end - p})`);
  if (hlen > data.length - p) return TRUNC_TCP;
  const start = p + hlen;
  const capEnd = end < data.length ? end : data.length;
  const seg: TcpSegment = {
    kind: 'tcp',
    ipVersion,
    srcIp: ipText(data, ipVersion, srcOff),
    dstIp: ipText(data, ipVersion, dstOff),
    srcPort: u16(data, p),
    dstPort: u16(data, p + 2),
    seq: u32(data, p + 4),
    ack: u32(data, p + 8),
    flags: FLAGS[data[p + 13]! & 0x1f]!,
    window: u16(data, p + 14),
    payload: data.subarray(start, capEnd),
    payloadLen: end - start,
  };
  return tun === null ? seg : { ...seg, tunnel: { layers: tun, key: tunnelKey(tun) } };
}

// ---- UDP ----------------------------------------------------------------------------------------

/**
 * RFC 768. The UDP header starts at `p`; the IP-declared packet ends at `end`. A UDP length
 * beyond the IP payload is malformed; shorter, the IP payload's trailing bytes are ignored.
 */
function decodeUdp(data: Uint8Array, p: number, end: number, ipVersion: 4 | 6, srcOff: number, dstOff: number): UdpDatagram | NotTcp {
  if (end - p < 8) return skip('malformed', `IP length leaves ${end - p} bytes for an 8-byte UDP header`);
  if (data.length - p < 8) return TRUNC_UDP;
  const len = u16(data, p + 4);
  if (len < 8 || len > end - p) return skip('malformed', `UDP length ${len} does not fit the IP payload (${end - p} bytes)`);
  const stop = p + len;
  return {
    kind: 'udp',
    ipVersion,
    srcIp: ipText(data, ipVersion, srcOff),
    dstIp: ipText(data, ipVersion, dstOff),
    srcPort: u16(data, p),
    dstPort: u16(data, p + 2),
    payload: data.subarray(p + 8, stop < data.length ? stop : data.length),
    payloadLen: len - 8,
  };
}
