/**
 * TCP-over-IP packets synthesised from the proxy's byte streams, for the `--pcap` file and for
 * the frame numbers every live record carries. Sans-IO: bytes and times in, frame numbers and
 * (when `encode` is on) pcap record bytes out; the caller writes them.
 *
 * One synthesised TCP connection per proxied session, between the client's address (the accepted
 * socket's remote end) and the upstream's address (the connected socket's remote end): the
 * conversation as the two peers see it, with the proxy invisible. Per connection:
 * - SYN (with MSS and window-scale options), SYN-ACK, ACK when the upstream connection is up;
 * - every chunk of forwarded bytes as data segments of at most `maxSegment` bytes (65495, the
 *   largest payload an IPv4 packet holds), each with ACK of everything the other side sent so
 *   far; a pure ACK from the receiver whenever `ackEvery` bytes went unacknowledged (so Wireshark
 *   sees no "window full": the advertised window is 65535 << 7);
 * - FIN per direction when that side ends; after the second FIN, the last ACK; or RST.
 * Sequence numbers start at a random ISN per direction (injectable) and wrap modulo 2^32.
 *
 * Frame numbers are 1-based positions in the pcap, counted the same whether or not packets are
 * encoded, so the NDJSON's frames name the pcap's frames. Timestamps are clamped to never go
 * backwards. The file is classic pcap with nanosecond timestamps (magic a1b23c4d, little-endian),
 * link type Ethernet (1) or RAW (101). Checksums (IPv4 header, TCP) are computed.
 *
 * Address families: when one end is IPv4 and the other IPv6 (a dual-stack listener, an upstream
 * name resolving to ::1), both are written as IPv6 with the IPv4 one mapped (::ffff:a.b.c.d).
 */
import type { Timestamp } from '../core/time.js';
import type { Direction } from '../core/diagnostics.js';

export const PCAP_LINKTYPE = { ethernet: 1, raw: 101 } as const;
export type PcapLink = keyof typeof PCAP_LINKTYPE;

/** Largest TCP payload in one IPv4 packet: 65535 - 20 (IP) - 20 (TCP). */
export const MAX_SEGMENT = 65495;
const WINDOW_SCALE = 7;
const SNAPLEN = 262144;
const PCAP_RECORD_HEADER = 16;

const F = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10 } as const;

export type SynthEndpoint = { readonly ip: Uint8Array; readonly port: number };

/** Where one synthesised data segment sits: its frame and time, and its slice of the chunk. */
export type SynthSegment = {
  readonly frame: number;
  readonly sec: number;
  readonly nsec: number;
  /** Byte offset of the segment's first byte in its direction's stream. */
  readonly offset: number;
  readonly start: number;
  readonly end: number;
};

export type SynthOptions = {
  readonly link?: PcapLink;
  /** Produce pcap record bytes (false: only count frames). */
  readonly encode?: boolean;
  readonly maxSegment?: number;
  /** Unacknowledged bytes after which the receiver sends a pure ACK. */
  readonly ackEvery?: number;
  /** Initial sequence numbers (default: random). */
  readonly isn?: () => number;
};

type Half = { seq: number; bytes: number; segments: number; unacked: number; fin: boolean; ipId: number };

export class SynthConn {
  /** 0-based index among synthesised connections: Wireshark's tcp.stream in the pcap. */
  readonly id: number;
  readonly client: SynthEndpoint;
  readonly server: SynthEndpoint;
  readonly halves: Record<Direction, Half>;
  packets = 0;
  firstFrame = 0;
  lastFrame = 0;
  firstTime: Timestamp = { sec: 0, nsec: 0 };
  lastTime: Timestamp = { sec: 0, nsec: 0 };
  /** How the connection ended: null while open. */
  end: 'fin' | 'rst' | null = null;

  constructor(id: number, client: SynthEndpoint, server: SynthEndpoint, isnC: number, isnS: number) {
    this.id = id;
    this.client = client;
    this.server = server;
    this.halves = {
      c2s: { seq: isnC >>> 0, bytes: 0, segments: 0, unacked: 0, fin: false, ipId: 1 },
      s2c: { seq: isnS >>> 0, bytes: 0, segments: 0, unacked: 0, fin: false, ipId: 1 },
    };
  }

  get closed(): boolean {
    return this.end !== null;
  }

  bytes(dir: Direction): number {
    return this.halves[dir].bytes;
  }
}

const other = (d: Direction): Direction => (d === 'c2s' ? 's2c' : 'c2s');

function randomIsn(): number {
  return (Math.random() * 0x100000000) >>> 0;
}

export class TcpSynth {
  encode: boolean;
  readonly link: PcapLink;
  private readonly maxSegment: number;
  private readonly ackEvery: number;
  private readonly isn: () => number;
  private frame = 0;
  private conns = 0;
  private last: Timestamp = { sec: 0, nsec: 0 };
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(opts: SynthOptions = {}) {
    this.link = opts.link ?? 'ethernet';
    this.encode = opts.encode ?? true;
    this.maxSegment = Math.max(1, Math.min(opts.maxSegment ?? MAX_SEGMENT, MAX_SEGMENT));
    this.ackEvery = opts.ackEvery ?? 1 << 20;
    this.isn = opts.isn ?? randomIsn;
  }

  /** Frames synthesised so far (the last frame number). */
  get frames(): number {
    return this.frame;
  }

  get connections(): number {
    return this.conns;
  }

  get linkType(): number {
    return PCAP_LINKTYPE[this.link];
  }

  /** The 24-byte pcap global header (nanosecond, little-endian). */
  fileHeader(): Uint8Array {
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0xa1b23c4d, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, SNAPLEN, true);
    v.setUint32(20, this.linkType, true);
    return b;
  }

  /**
   * Encoded pcap bytes since the last call, in order (empty when not encoding): every packet's
   * record header and protocol headers in one array, a data packet's payload as a second one —
   * a view of the forwarded bytes themselves, not a copy (they must not change until written).
   */
  take(): Uint8Array[] {
    const p = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return p;
  }

  get pendingSize(): number {
    return this.pendingBytes;
  }

  /** The three-way handshake of a new connection. */
  open(client: SynthEndpoint, server: SynthEndpoint, t: Timestamp): SynthConn {
    let c = client;
    let s = server;
    if (c.ip.length !== s.ip.length) {
      c = { ip: mapped(c.ip), port: c.port };
      s = { ip: mapped(s.ip), port: s.port };
    }
    const conn = new SynthConn(this.conns++, c, s, this.isn(), this.isn());
    const synOpts = Uint8Array.of(2, 4, MAX_SEGMENT >> 8, MAX_SEGMENT & 0xff, 1, 3, 3, WINDOW_SCALE);
    this.packet(conn, 'c2s', F.syn, null, 0, 0, t, synOpts);
    conn.halves.c2s.seq = (conn.halves.c2s.seq + 1) >>> 0;
    this.packet(conn, 's2c', F.syn | F.ack, null, 0, 0, t, synOpts);
    conn.halves.s2c.seq = (conn.halves.s2c.seq + 1) >>> 0;
    this.packet(conn, 'c2s', F.ack, null, 0, 0, t);
    return conn;
  }

  /** Bytes one side sent, as data segments. Nothing once the connection is closed. */
  data(conn: SynthConn, dir: Direction, bytes: Uint8Array, t: Timestamp): SynthSegment[] {
    const half = conn.halves[dir];
    if (conn.closed || half.fin || bytes.length === 0) return [];
    const segs: SynthSegment[] = [];
    for (let start = 0; start < bytes.length; start += this.maxSegment) {
      const end = Math.min(start + this.maxSegment, bytes.length);
      const offset = half.bytes;
      const ts = this.packet(conn, dir, F.ack | F.psh, bytes, start, end, t);
      segs.push({ frame: this.frame, sec: ts.sec, nsec: ts.nsec, offset, start, end });
      half.seq = (half.seq + end - start) >>> 0;
      half.bytes += end - start;
      half.segments++;
      half.unacked += end - start;
      conn.halves[other(dir)].unacked = 0;
    }
    if (half.unacked >= this.ackEvery) {
      this.packet(conn, other(dir), F.ack, null, 0, 0, t);
      half.unacked = 0;
    }
    return segs;
  }

  /** One side ended its sending direction. After both FINs, the last ACK closes the connection. */
  fin(conn: SynthConn, dir: Direction, t: Timestamp): void {
    const half = conn.halves[dir];
    if (conn.closed || half.fin) return;
    this.packet(conn, dir, F.fin | F.ack, null, 0, 0, t);
    half.seq = (half.seq + 1) >>> 0;
    half.fin = true;
    half.unacked = 0;
    if (conn.halves[other(dir)].fin) {
      this.packet(conn, other(dir), F.ack, null, 0, 0, t);
      conn.end = 'fin';
    }
  }

  /** One side reset the connection: it is closed for good. */
  rst(conn: SynthConn, dir: Direction, t: Timestamp): void {
    if (conn.closed) return;
    this.packet(conn, dir, F.rst | F.ack, null, 0, 0, t);
    conn.end = 'rst';
  }

  private packet(conn: SynthConn, dir: Direction, flags: number, data: Uint8Array | null, start: number, end: number, at: Timestamp, tcpOptions?: Uint8Array): Timestamp {
    const t = at.sec > this.last.sec || (at.sec === this.last.sec && at.nsec >= this.last.nsec) ? at : this.last;
    this.last = t;
    this.frame++;
    conn.packets++;
    if (conn.firstFrame === 0) {
      conn.firstFrame = this.frame;
      conn.firstTime = t;
    }
    conn.lastFrame = this.frame;
    conn.lastTime = t;
    const half = conn.halves[dir];
    const ack = flags & F.ack ? conn.halves[other(dir)].seq : 0;
    const ipId = half.ipId;
    half.ipId = (half.ipId + 1) & 0xffff;
    if (!this.encode) return t;
    const [src, dst] = dir === 'c2s' ? [conn.client, conn.server] : [conn.server, conn.client];
    const head = encodePacket(this.link, dir === 'c2s', src, dst, half.seq, ack, flags, data, start, end, ipId, t, tcpOptions);
    this.pending.push(head);
    this.pendingBytes += head.length;
    if (data !== null && end > start) {
      this.pending.push(data.subarray(start, end));
      this.pendingBytes += end - start;
    }
    return t;
  }
}

/** One pcap record without its payload: 16-byte record header, link header, IP header, TCP header (checksum over the payload too). */
function encodePacket(
  link: PcapLink,
  fromClient: boolean,
  src: SynthEndpoint,
  dst: SynthEndpoint,
  seq: number,
  ack: number,
  flags: number,
  data: Uint8Array | null,
  start: number,
  end: number,
  ipId: number,
  t: Timestamp,
  tcpOptions: Uint8Array | undefined,
): Uint8Array {
  const v6 = src.ip.length === 16;
  const linkLen = link === 'ethernet' ? 14 : 0;
  const ipLen = v6 ? 40 : 20;
  const optLen = tcpOptions === undefined ? 0 : (tcpOptions.length + 3) & ~3;
  const tcpLen = 20 + optLen;
  const payloadLen = data === null ? 0 : end - start;
  const frameLen = linkLen + ipLen + tcpLen + payloadLen;
  const out = new Uint8Array(PCAP_RECORD_HEADER + frameLen - payloadLen);
  const v = new DataView(out.buffer);
  v.setUint32(0, t.sec >>> 0, true);
  v.setUint32(4, t.nsec, true);
  v.setUint32(8, frameLen, true);
  v.setUint32(12, frameLen, true);
  let p = PCAP_RECORD_HEADER;
  if (link === 'ethernet') {
    // Locally administered MACs: 02:00:00:00:00:01 for the client side, :02 for the server.
    out.set([0x02, 0, 0, 0, 0, fromClient ? 0x02 : 0x01], p);
    out.set([0x02, 0, 0, 0, 0, fromClient ? 0x01 : 0x02], p + 6);
    v.setUint16(p + 12, v6 ? 0x86dd : 0x0800);
    p += 14;
  }
  const ip = p;
  if (v6) {
    v.setUint32(ip, 0x60000000);
    v.setUint16(ip + 4, tcpLen + payloadLen);
    out[ip + 6] = 6;
    out[ip + 7] = 64;
    out.set(src.ip, ip + 8);
    out.set(dst.ip, ip + 24);
  } else {
    out[ip] = 0x45;
    v.setUint16(ip + 2, ipLen + tcpLen + payloadLen);
    v.setUint16(ip + 4, ipId);
    v.setUint16(ip + 6, 0x4000); // DF
    out[ip + 8] = 64;
    out[ip + 9] = 6;
    out.set(src.ip, ip + 12);
    out.set(dst.ip, ip + 16);
    v.setUint16(ip + 10, finishChecksum(sum16(out, ip, ip + 20, 0)));
  }
  const tcp = ip + ipLen;
  v.setUint16(tcp, src.port);
  v.setUint16(tcp + 2, dst.port);
  v.setUint32(tcp + 4, seq >>> 0);
  v.setUint32(tcp + 8, ack >>> 0);
  out[tcp + 12] = (tcpLen / 4) << 4;
  out[tcp + 13] = flags;
  v.setUint16(tcp + 14, 0xffff);
  if (tcpOptions !== undefined) out.set(tcpOptions, tcp + 20);
  // TCP checksum over the pseudo-header, the TCP header (an even length) and the payload.
  let s = sum16(src.ip, 0, src.ip.length, 0);
  s = sum16(dst.ip, 0, dst.ip.length, s);
  s += 6 + tcpLen + payloadLen;
  s = sum16(out, tcp, tcp + tcpLen, s);
  if (data !== null) s = sum16(data, start, end, s);
  v.setUint16(tcp + 16, finishChecksum(s));
  return out;
}

/** One's-complement sum of 16-bit big-endian words over b[from, to) (odd tail zero-padded). */
function sum16(b: Uint8Array, from: number, to: number, acc: number): number {
  if (to - from >= 64) return sum16Wide(b, from, to, acc);
  let s = acc;
  let i = from;
  const even = to - ((to - from) & 1);
  for (; i < even; i += 2) {
    s += (b[i]! << 8) | b[i + 1]!;
    if (s > 0x7fffffff) s = (s & 0xffff) + (s >>> 16);
  }
  if (i < to) s += b[i]! << 8;
  return s;
}

/**
 * sum16 for long runs (the payload of every data segment): native-order 16-bit words summed in a
 * double (65535 words of at most 0xffff stay far below 2^53), folded, then byte-swapped when the
 * native words are the big-endian words' bytes swapped (the one's-complement sum commutes with
 * swapping the bytes of every word: RFC 1071, 2.B). At an odd address the run's first byte is
 * a high byte on its own and the aligned words begin after it, each a low byte then the next
 * word's high byte: swapped on big-endian hosts, not on little-endian ones. Payloads start at any
 * address (views of the read buffers, segments 65495 bytes apart). About 4× faster than byte pairs.
 */
function sum16Wide(b: Uint8Array, from: number, to: number, acc: number): number {
  const odd = ((b.byteOffset + from) & 1) === 1;
  const at = odd ? from + 1 : from;
  const words = (to - at) >> 1;
  const w = new Uint16Array(b.buffer, b.byteOffset + at, words);
  let n = 0;
  for (let i = 0; i < words; i++) n += w[i]!;
  while (n > 0xffff) n = (n % 0x10000) + Math.floor(n / 0x10000);
  if (LITTLE_ENDIAN !== odd) n = ((n & 0xff) << 8) | (n >> 8);
  let s = acc + n;
  if (odd) s += b[from]! << 8;
  const i = at + words * 2;
  // The tail byte: a high byte at an even distance from `from`, a low byte at an odd one.
  if (i < to) s += odd ? b[i]! : b[i]! << 8;
  return s;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function finishChecksum(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

function mapped(ip: Uint8Array): Uint8Array {
  if (ip.length === 16) return ip;
  const m = new Uint8Array(16);
  m[10] = 0xff;
  m[11] = 0xff;
  m.set(ip, 12);
  return m;
}

/** IPv4 dotted quad or IPv6 text (with optional embedded IPv4 and zone) as 4 or 16 bytes. */
export function parseIpBytes(text: string): Uint8Array | null {
  const t = text.replace(/%.*$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t)) {
    const parts = t.split('.').map(Number);
    if (parts.some((n) => n > 255)) return null;
    return Uint8Array.from(parts);
  }
  if (!t.includes(':')) return null;
  let head = t;
  let tail4: Uint8Array | null = null;
  const lastColon = t.lastIndexOf(':');
  if (t.slice(lastColon + 1).includes('.')) {
    tail4 = parseIpBytes(t.slice(lastColon + 1));
    if (tail4 === null || tail4.length !== 4) return null;
    head = t.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const gs = s.split(':');
    const out: number[] = [];
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const a = parseGroups(head.slice(0, dbl));
    const b = parseGroups(head.slice(dbl + 2));
    if (a === null || b === null || a.length + b.length > 7) return null;
    groups = [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
  } else {
    const g = parseGroups(head);
    if (g === null || g.length !== 8) return null;
    groups = g;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail4 !== null) out.set(tail4, 12);
  return out;
}
