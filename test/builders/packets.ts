/**
 * Packet builders for tests: make IPv4/IPv6 + TCP (or any protocol) packets and wrap them in the
 * link layers the net stage reads, from intent rather than hex.
 *
 * Contract:
 * - `tcpPacket()` returns a complete IP packet (IPv4 when the addresses are dotted quads, IPv6
 *   when they contain ':'), with valid IPv4 header and TCP checksums, so the output also opens
 *   cleanly in Wireshark. Every field has a sensible default; overrides exist for the fields tests
 *   need to break (total length, fragment bits, version, data offset).
 * - Link wrappers (`ethernet`, `sll`, `sll2`, `nullLoop`, `loop`, `raw`) take the IP packet and
 *   return the frame; pair each with the matching LINKTYPE when writing a capture.
 * - Everything returns fresh Uint8Arrays; nothing is shared or mutated.
 *
 * Example:
 *   const frame = ethernet(tcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', sport: 50000, dport: 1935,
 *     seq: 1, ack: 1, flags: { ack: true, psh: true }, payload: bytes }), { vlans: [100] });
 */

export type TcpFlagsSpec = {
  syn?: boolean;
  ack?: boolean;
  fin?: boolean;
  rst?: boolean;
  psh?: boolean;
  urg?: boolean;
};

/** IPv6 extension header to insert between the fixed header and the upper-layer header. */
export type Ipv6ExtHeader =
  /** Hop-by-hop (0), routing (43) or destination options (60); `body` is padded to 8n-2 bytes. */
  | { type: 0 | 43 | 60; body?: Uint8Array }
  /** Fragment header (44); offset in bytes (a multiple of 8). Defaults: offset 0, more false. */
  | { type: 44; offset?: number; more?: boolean; id?: number }
  /** Authentication header (51); `icv` padded so the header is a multiple of 8 bytes. */
  | { type: 51; spi?: number; seqNo?: number; icv?: Uint8Array };

export type IpPacketSpec = {
  src: string;
  dst: string;
  /** IPv4 protocol / IPv6 final next header. */
  protocol: number;
  payload?: Uint8Array;
  ttl?: number;
  /** IPv4 only: options bytes, zero-padded to a multiple of 4 (IHL grows accordingly). */
  ipOptions?: Uint8Array;
  /** IPv4 only: identification field. Default 0x1234. */
  ipId?: number;
  /** IPv4 only: DF bit. Default true (as Linux sends TCP). */
  dontFragment?: boolean;
  /** IPv4 only: fragment fields; offset in bytes (a multiple of 8). */
  fragment?: { offset?: number; more?: boolean };
  /** IPv4 only: override Total Length (e.g. 0 for the TSO quirk, or a lie). */
  totalLength?: number;
  /** IPv6 only: override Payload Length. */
  payloadLength?: number;
  /** IPv6 only: extension headers, outermost first. */
  ipv6ExtHeaders?: Ipv6ExtHeader[];
  /** Override the version nibble (to build malformed packets). */
  version?: number;
  /** IPv4 only: override IHL (in 4-byte words). */
  ihl?: number;
};

export type TcpPacketSpec = Omit<IpPacketSpec, 'protocol' | 'payload'> & {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags?: TcpFlagsSpec;
  /** Bytes, or a string (UTF-8). */
  payload?: Uint8Array | string;
  window?: number;
  /** TCP options bytes, padded with zeros (EOL) to a multiple of 4. */
  tcpOptions?: Uint8Array;
  /** Override the data offset (in 4-byte words) to build malformed segments. */
  dataOffset?: number;
};

export const IP_PROTOCOL = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** A TCP segment inside an IPv4 or IPv6 packet (chosen by the address text). */
export function tcpPacket(spec: TcpPacketSpec): Uint8Array {
  const payload = typeof spec.payload === 'string' ? new TextEncoder().encode(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const options = pad(spec.tcpOptions ?? new Uint8Array(0), 4);
  const hlen = 20 + options.length;
  const tcp = new Uint8Array(hlen + payload.length);
  const v = new DataView(tcp.buffer);
  v.setUint16(0, spec.sport);
  v.setUint16(2, spec.dport);
  v.setUint32(4, (spec.seq ?? 0) >>> 0);
  v.setUint32(8, (spec.ack ?? 0) >>> 0);
  tcp[12] = ((spec.dataOffset ?? hlen / 4) & 0x0f) << 4;
  const f = spec.flags ?? {};
  tcp[13] = (f.fin ? 0x01 : 0) | (f.syn ? 0x02 : 0) | (f.rst ? 0x04 : 0) | (f.psh ? 0x08 : 0) | (f.ack ? 0x10 : 0) | (f.urg ? 0x20 : 0);
  v.setUint16(14, spec.window ?? 65535);
  tcp.set(options, 20);
  tcp.set(payload, hlen);
  const src = parseIp(spec.src);
  const dst = parseIp(spec.dst);
  v.setUint16(16, transportChecksum(src, dst, IP_PROTOCOL.TCP, tcp));
  return ipPacket({ ...spec, protocol: IP_PROTOCOL.TCP, payload: tcp });
}

/** A UDP datagram (for "not TCP" cases). */
export function udpPacket(spec: Omit<IpPacketSpec, 'protocol'> & { sport: number; dport: number }): Uint8Array {
  const body = spec.payload ?? new Uint8Array(0);
  const udp = new Uint8Array(8 + body.length);
  const v = new DataView(udp.buffer);
  v.setUint16(0, spec.sport);
  v.setUint16(2, spec.dport);
  v.setUint16(4, udp.length);
  udp.set(body, 8);
  return ipPacket({ ...spec, protocol: IP_PROTOCOL.UDP, payload: udp });
}

/** An IPv4 or IPv6 packet around any payload (version chosen by the address text). */
export function ipPacket(spec: IpPacketSpec): Uint8Array {
  const src = parseIp(spec.src);
  const dst = parseIp(spec.dst);
  if (src.length !== dst.length) throw new Error(`mixed address families: ${spec.src} → ${spec.dst}`);
  const payload = spec.payload ?? new Uint8Array(0);
  return src.length === 4 ? ipv4(spec, src, dst, payload) : ipv6(spec, src, dst, payload);
}

function ipv4(spec: IpPacketSpec, src: Uint8Array, dst: Uint8Array, payload: Uint8Array): Uint8Array {
  const options = pad(spec.ipOptions ?? new Uint8Array(0), 4);
  const hlen = 20 + options.length;
  const out = new Uint8Array(hlen + payload.length);
  const v = new DataView(out.buffer);
  out[0] = ((spec.version ?? 4) << 4) | ((spec.ihl ?? hlen / 4) & 0x0f);
  v.setUint16(2, spec.totalLength ?? out.length);
  v.setUint16(4, spec.ipId ?? 0x1234);
  const more = spec.fragment?.more ?? false;
  const fragOffset = spec.fragment?.offset ?? 0;
  const dontFragment = spec.dontFragment ?? !(more || fragOffset !== 0);
  v.setUint16(6, (dontFragment ? 0x4000 : 0) | (more ? 0x2000 : 0) | ((fragOffset / 8) & 0x1fff));
  out[8] = spec.ttl ?? 64;
  out[9] = spec.protocol;
  out.set(src, 12);
  out.set(dst, 16);
  out.set(options, 20);
  v.setUint16(10, checksum(out.subarray(0, hlen)));
  out.set(payload, hlen);
  return out;
}

function ipv6(spec: IpPacketSpec, src: Uint8Array, dst: Uint8Array, payload: Uint8Array): Uint8Array {
  const exts = spec.ipv6ExtHeaders ?? [];
  const encoded: Uint8Array[] = [];
  for (let i = 0; i < exts.length; i++) {
    const next = i + 1 < exts.length ? exts[i + 1]!.type : spec.protocol;
    encoded.push(encodeExtHeader(exts[i]!, next));
  }
  const extLen = encoded.reduce((n, e) => n + e.length, 0);
  const out = new Uint8Array(40 + extLen + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, ((spec.version ?? 6) << 28) >>> 0);
  v.setUint16(4, spec.payloadLength ?? extLen + payload.length);
  out[6] = exts.length > 0 ? exts[0]!.type : spec.protocol;
  out[7] = spec.ttl ?? 64;
  out.set(src, 8);
  out.set(dst, 24);
  let p = 40;
  for (const e of encoded) {
    out.set(e, p);
    p += e.length;
  }
  out.set(payload, p);
  return out;
}

function encodeExtHeader(h: Ipv6ExtHeader, next: number): Uint8Array {
  if (h.type === 44) {
    const out = new Uint8Array(8);
    const v = new DataView(out.buffer);
    out[0] = next;
    v.setUint16(2, ((h.offset ?? 0) & 0xfff8) | (h.more ? 1 : 0));
    v.setUint32(4, h.id ?? 0xcafe);
    return out;
  }
  if (h.type === 51) {
    const icv = h.icv ?? new Uint8Array(12);
    const total = 12 + icv.length + ((8 - ((12 + icv.length) % 8)) % 8);
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    out[0] = next;
    out[1] = total / 4 - 2;
    v.setUint32(4, h.spi ?? 0x100);
    v.setUint32(8, h.seqNo ?? 1);
    out.set(icv, 12);
    return out;
  }
  const body = h.body ?? new Uint8Array(0);
  const total = Math.max(8, Math.ceil((body.length + 2) / 8) * 8);
  const out = new Uint8Array(total);
  out[0] = next;
  out[1] = total / 8 - 1;
  out.set(body, 2);
  // The remaining bytes are zero: Pad1 options, valid TLV padding.
  return out;
}

// ---- link layers --------------------------------------------------------------------------------

export type VlanTag = number | { id: number; tpid?: number; pcp?: number };

/**
 * Ethernet II. `vlans` lists tags outermost first; with more than one tag the outer ones use TPID
 * 0x88a8 (802.1ad) and the innermost 0x8100, unless a tag gives its own `tpid`.
 * `minLength` pads the frame with zeros (real NICs pad to 60 bytes, excluding the FCS).
 */
export function ethernet(ip: Uint8Array, opts: { vlans?: VlanTag[]; etherType?: number; src?: Uint8Array; dst?: Uint8Array; minLength?: number } = {}): Uint8Array {
  const vlans = opts.vlans ?? [];
  const etherType = opts.etherType ?? ipEtherType(ip);
  const headerLen = 14 + 4 * vlans.length;
  const len = Math.max(headerLen + ip.length, opts.minLength ?? 0);
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  out.set(opts.dst ?? Uint8Array.of(0x02, 0, 0, 0, 0, 2), 0);
  out.set(opts.src ?? Uint8Array.of(0x02, 0, 0, 0, 0, 1), 6);
  let p = 12;
  vlans.forEach((tag, i) => {
    const t = typeof tag === 'number' ? { id: tag } : tag;
    const tpid = t.tpid ?? (i < vlans.length - 1 ? 0x88a8 : 0x8100);
    v.setUint16(p, tpid);
    v.setUint16(p + 2, ((t.pcp ?? 0) << 13) | (t.id & 0x0fff));
    p += 4;
  });
  v.setUint16(p, etherType);
  out.set(ip, p + 2);
  return out;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113): 16-byte header, protocol at bytes 14-15. */
export function sll(ip: Uint8Array, opts: { protocol?: number; packetType?: number } = {}): Uint8Array {
  const out = new Uint8Array(16 + ip.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, opts.packetType ?? 0); // 0 = to us
  v.setUint16(2, 1); // ARPHRD_ETHER
  v.setUint16(4, 6);
  out.set(Uint8Array.of(0x02, 0, 0, 0, 0, 1), 6);
  v.setUint16(14, opts.protocol ?? ipEtherType(ip));
  out.set(ip, 16);
  return out;
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276): 20-byte header, protocol at bytes 0-1. */
export function sll2(ip: Uint8Array, opts: { protocol?: number; ifindex?: number; packetType?: number } = {}): Uint8Array {
  const out = new Uint8Array(20 + ip.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, opts.protocol ?? ipEtherType(ip));
  v.setUint32(4, opts.ifindex ?? 2);
  v.setUint16(8, 1); // ARPHRD_ETHER
  out[10] = opts.packetType ?? 0;
  out[11] = 6;
  out.set(Uint8Array.of(0x02, 0, 0, 0, 0, 1), 12);
  out.set(ip, 20);
  return out;
}

/**
 * BSD loopback (LINKTYPE_NULL, 0): 4-byte address family in the capturing host's byte order.
 * `family` defaults to 2 (AF_INET) for IPv4 and 30 (macOS AF_INET6) for IPv6.
 */
export function nullLoop(ip: Uint8Array, opts: { littleEndian?: boolean; family?: number } = {}): Uint8Array {
  const out = new Uint8Array(4 + ip.length);
  new DataView(out.buffer).setUint32(0, opts.family ?? defaultFamily(ip), opts.littleEndian ?? true);
  out.set(ip, 4);
  return out;
}

/** OpenBSD loopback (LINKTYPE_LOOP, 108): like NULL but always big-endian. */
export function loop(ip: Uint8Array, opts: { family?: number } = {}): Uint8Array {
  return nullLoop(ip, { littleEndian: false, family: opts.family ?? (ipVersion(ip) === 6 ? 24 : 2) });
}

/** RAW / IPV4 / IPV6 link types: the IP packet itself (a copy). */
export function raw(ip: Uint8Array): Uint8Array {
  return ip.slice();
}

// ---- helpers ------------------------------------------------------------------------------------

function ipVersion(ip: Uint8Array): number {
  return (ip[0] ?? 0) >> 4;
}

function ipEtherType(ip: Uint8Array): number {
  return ipVersion(ip) === 6 ? 0x86dd : 0x0800;
}

function defaultFamily(ip: Uint8Array): number {
  return ipVersion(ip) === 6 ? 30 : 2;
}

function pad(b: Uint8Array, to: number): Uint8Array {
  const rem = b.length % to;
  if (rem === 0) return b;
  const out = new Uint8Array(b.length + (to - rem));
  out.set(b);
  return out;
}

/** Address text → 4 or 16 bytes. Accepts dotted quads and any RFC 4291 §2.2 IPv6 text. */
export function parseIp(text: string): Uint8Array {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

export function parseIPv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`bad IPv4 address: ${text}`);
  return Uint8Array.from(
    parts.map((p) => {
      const n = Number(p);
      if (!/^\d{1,3}$/.test(p) || n > 255) throw new Error(`bad IPv4 address: ${text}`);
      return n;
    }),
  );
}

export function parseIPv6(text: string): Uint8Array {
  let s = text;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    // Embedded IPv4 tail (e.g. ::ffff:192.0.2.1): rewrite as two hex groups.
    const v4 = parseIPv4(s.slice(lastColon + 1));
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    s = `${s.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 address: ${text}`);
  const parseGroups = (h: string): number[] =>
    h === ''
      ? []
      : h.split(':').map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new Error(`bad IPv6 address: ${text}`);
          return parseInt(g, 16);
        });
  const head = parseGroups(halves[0]!);
  const after = halves.length === 2 ? parseGroups(halves[1]!) : [];
  const explicit = head.length + after.length;
  if (halves.length === 1 && explicit !== 8) throw new Error(`bad IPv6 address: ${text}`);
  if (halves.length === 2 && explicit > 7) throw new Error(`bad IPv6 address: ${text}`);
  const groups = [...head, ...new Array<number>(8 - explicit).fill(0), ...after];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** RFC 1071 Internet checksum. */
function checksum(b: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length % 2 === 1) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** TCP/UDP checksum over the IPv4 or IPv6 pseudo-header. */
function transportChecksum(src: Uint8Array, dst: Uint8Array, proto: number, segment: Uint8Array): number {
  const pseudo = src.length === 4 ? new Uint8Array(12) : new Uint8Array(40);
  const v = new DataView(pseudo.buffer);
  pseudo.set(src, 0);
  pseudo.set(dst, src.length);
  if (src.length === 4) {
    pseudo[9] = proto;
    v.setUint16(10, segment.length);
  } else {
    v.setUint32(32, segment.length);
    pseudo[39] = proto;
  }
  const all = new Uint8Array(pseudo.length + segment.length);
  all.set(pseudo);
  all.set(segment, pseudo.length);
  return checksum(all);
}
