/**
 * Hostile captures, written fast at any size (the robustness tests and the fuzzer): connection
 * floods, a TSO super-segment of tiny chunks, many open huge messages, chunk-stream floods.
 * Classic pcap, Ethernet/IPv4/TCP, µs timestamps; checksums are left zero (not checked).
 */

const ETH = 14;
const IP = 20;
const TCP = 20;
const HDR = ETH + IP + TCP;

export const FLAG = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10 } as const;

export type Seg = {
  readonly src: number;
  readonly sport: number;
  readonly dst: number;
  readonly dport: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly payload?: Uint8Array;
};

/** A pcap writer that appends records to growing storage (no array of parts). */
export class PcapBuilder {
  private buf = new Uint8Array(1 << 16);
  private len = 24;
  private frame = 0;
  constructor() {
    const v = new DataView(this.buf.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 0x7fffffff, true);
    v.setUint32(20, 1, true);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  /** One TCP segment (IPv4 addresses as 32-bit numbers). */
  seg(s: Seg): this {
    const payload = s.payload ?? new Uint8Array(0);
    const caplen = HDR + payload.length;
    this.reserve(16 + caplen);
    const b = this.buf;
    const v = new DataView(b.buffer);
    const at = this.len;
    const t = this.frame++;
    v.setUint32(at, 1_700_000_000 + Math.floor(t / 1_000_000), true);
    v.setUint32(at + 4, t % 1_000_000, true);
    v.setUint32(at + 8, caplen, true);
    v.setUint32(at + 12, caplen, true);
    const e = at + 16;
    b.fill(0, e, e + HDR);
    v.setUint16(e + 12, 0x0800);
    const ip = e + ETH;
    b[ip] = 0x45;
    // A TSO super-segment is larger than an IP total length can say: 0 there, as captures show it.
    v.setUint16(ip + 2, IP + TCP + payload.length > 0xffff ? 0 : IP + TCP + payload.length);
    b[ip + 8] = 64;
    b[ip + 9] = 6;
    v.setUint32(ip + 12, s.src);
    v.setUint32(ip + 16, s.dst);
    const tcp = ip + IP;
    v.setUint16(tcp, s.sport);
    v.setUint16(tcp + 2, s.dport);
    v.setUint32(tcp + 4, s.seq >>> 0);
    v.setUint32(tcp + 8, s.ack >>> 0);
    b[tcp + 12] = 0x50;
    b[tcp + 13] = s.flags;
    v.setUint16(tcp + 14, 65535);
    b.set(payload, tcp + TCP);
    this.len += 16 + caplen;
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const SERVER = 0x0a000001; // 10.0.0.1
const client = (i: number) => (0x0b000000 + Math.floor(i / 50_000)) >>> 0; // 11.0.0.x
const clientPort = (i: number) => 10_000 + (i % 50_000);

/** `n` connections that only ever send a SYN (distinct 4-tuples, to port 1935). */
export function synFlood(n: number): Uint8Array {
  const p = new PcapBuilder();
  for (let i = 0; i < n; i++) p.seg({ src: client(i), sport: clientPort(i), dst: SERVER, dport: 1935, seq: i * 7919, ack: 0, flags: FLAG.syn });
  return p.bytes();
}

/** `n` connections seen mid-stream: one 1-byte segment each, to port 1935 (taken as RTMP by port). */
export function midstreamFlood(n: number): Uint8Array {
  const p = new PcapBuilder();
  const one = Uint8Array.of(0x42);
  for (let i = 0; i < n; i++) p.seg({ src: client(i), sport: clientPort(i), dst: SERVER, dport: 1935, seq: i * 7919, ack: 1, flags: FLAG.ack | FLAG.psh, payload: one });
  return p.bytes();
}

/** A plain simple handshake's blocks: C0+C1, S0+S1+S2, C2. */
function handshake(): { c01: Uint8Array; s012: Uint8Array; c2: Uint8Array } {
  const c01 = new Uint8Array(1537);
  c01[0] = 3;
  const s012 = new Uint8Array(1 + 1536 * 2);
  s012[0] = 3;
  s012.set(c01.subarray(1), 1537); // S2 echoes C1
  const c2 = new Uint8Array(1536); // echoes S1 (zeros)
  return { c01, s012, c2 };
}

/**
 * One RTMP connection (SYN, handshake) whose client then sends `body` in segments of at most
 * `segment` bytes (one segment: a TSO super-segment as captured on the sending host).
 */
export function rtmpConnection(p: PcapBuilder, i: number, body: Uint8Array, segment = body.length): void {
  const c = client(i);
  const cp = clientPort(i);
  let cs = 1000;
  let ss = 5000;
  const cseg = (flags: number, payload?: Uint8Array) => {
    p.seg({ src: c, sport: cp, dst: SERVER, dport: 1935, seq: cs, ack: ss, flags, ...(payload === undefined ? {} : { payload }) });
    cs += (payload?.length ?? 0) + (flags & FLAG.syn ? 1 : 0);
  };
  const sseg = (flags: number, payload?: Uint8Array) => {
    p.seg({ src: SERVER, sport: 1935, dst: c, dport: cp, seq: ss, ack: cs, flags, ...(payload === undefined ? {} : { payload }) });
    ss += (payload?.length ?? 0) + (flags & FLAG.syn ? 1 : 0);
  };
  cseg(FLAG.syn);
  sseg(FLAG.syn | FLAG.ack);
  cseg(FLAG.ack);
  const hs = handshake();
  cseg(FLAG.ack | FLAG.psh, hs.c01);
  sseg(FLAG.ack | FLAG.psh, hs.s012);
  cseg(FLAG.ack | FLAG.psh, hs.c2);
  for (let at = 0; at < body.length; at += segment) cseg(FLAG.ack | FLAG.psh, body.subarray(at, at + segment));
}

/** A type-0 chunk header (3-byte basic header form for csid ≥ 320). */
export function type0(csid: number, length: number, typeId: number, timestamp = 0): number[] {
  const basic = csid < 64 ? [csid] : csid < 320 ? [0, csid - 64] : [1, (csid - 64) & 0xff, (csid - 64) >> 8];
  return [...basic, (timestamp >> 16) & 0xff, (timestamp >> 8) & 0xff, timestamp & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff, typeId, 1, 0, 0, 0];
}

/** One TSO super-segment of `bytes` one-byte type-3 chunk headers, each a whole 0-byte audio message. */
export function tsoTinyChunks(bytes: number): Uint8Array {
  const body = new Uint8Array(12 + bytes).fill(0xc4);
  body.set(type0(4, 0, 8), 0);
  const p = new PcapBuilder();
  rtmpConnection(p, 0, body);
  return p.bytes();
}

/** Set Chunk Size 4 on chunk stream 2: a chunk then carries 4 bytes of any message. */
const CHUNK_SIZE_4 = [...type0(2, 4, 1), 0, 0, 0, 4];

/** `conns` connections, each opening `messages` messages that claim 16 MiB (4 bytes of each sent). */
export function openHugeMessages(conns: number, messages: number): Uint8Array {
  return openMessages(conns, 3, 2 + messages, 0xffffff);
}

/** `conns` connections, each opening a 1000-byte message on every chunk stream id from 3 to `last` (4 bytes of each sent). */
export function chunkStreamFlood(conns: number, last = 65_599): Uint8Array {
  return openMessages(conns, 3, last, 1000);
}

/** Set Chunk Size 4, then a message of `length` opened (4 bytes sent) on each chunk stream from `first` to `last`. */
export function openMessagesBody(first: number, last: number, length: number): Uint8Array {
  const parts: number[] = [...CHUNK_SIZE_4];
  for (let csid = first; csid <= last; csid++) parts.push(...type0(csid, length, 20), 2, 0, 1, 0x41);
  return Uint8Array.from(parts);
}

function openMessages(conns: number, first: number, last: number, length: number): Uint8Array {
  const p = new PcapBuilder();
  const body = openMessagesBody(first, last, length);
  for (let i = 0; i < conns; i++) rtmpConnection(p, i, body, 64 * 1024);
  return p.bytes();
}
