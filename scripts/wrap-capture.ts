/**
 * wrap-capture: rewrap a real Ethernet capture's packets in a tunnel, for the tunnel tests.
 *
 *   node dist/scripts/wrap-capture.js IN OUT KIND [--frames N]
 *
 * KIND: gtpu, vxlan, gre, erspan2, erspan3, ipip (4in4 or 6in4 by the inner version), mpls,
 * pppoe, nested (MPLS → IPv4 → GRE (Ethernet bridging) → Ethernet → IPv4 → UDP → VXLAN → the
 * original frame). IN must be Ethernet (link type 1) without VLAN tags; it is read with
 * rtmpscope's own capture decoder. OUT is a classic pcap (nanosecond magic when IN has
 * nanosecond timestamps), Ethernet, one record per kept record of IN with its original time; the
 * inner packet is IN's IP packet (or whole frame, for the Ethernet-carrying tunnels) byte for
 * byte. `--frames N` keeps only frames 1..N. Directions are told apart by the inner TCP ports
 * (the side on port 1935 is the server), and each direction gets its own outer endpoints and, where
 * tunnels have per-direction ids, its own ids (GTP-U TEID, MPLS labels), as real tunnels do.
 * Dev tooling: not part of the package.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCaptureDecoder } from '../src/capture/decoder.js';
import { concat } from '../test/builders/bytes.js';

export const WRAP_KINDS = ['gtpu', 'vxlan', 'gre', 'erspan2', 'erspan3', 'ipip', 'mpls', 'pppoe', 'nested'] as const;
export type WrapKind = (typeof WRAP_KINDS)[number];

type Rec = { sec: number; nsec: number; data: Uint8Array; origLen: number };

const CLIENT_OUTER = [192, 0, 2, 1];
const SERVER_OUTER = [198, 51, 100, 1];
const MAC_A = [0x02, 0, 0, 0, 0, 0xa1];
const MAC_B = [0x02, 0, 0, 0, 0, 0xb2];

const be16 = (v: number): number[] => [(v >>> 8) & 0xff, v & 0xff];
const be32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

function ipv4(proto: number, src: readonly number[], dst: readonly number[], payload: Uint8Array, id: number): Uint8Array {
  const h = [0x45, 0, ...be16(20 + payload.length), ...be16(id & 0xffff), 0x40, 0, 64, proto, 0, 0, ...src, ...dst];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  h[10] = c >>> 8;
  h[11] = c & 0xff;
  return concat(h, payload);
}

const udp = (sport: number, dport: number, payload: Uint8Array): Uint8Array => concat([...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0], payload); // checksum 0: none (IPv4)

const eth = (type: number, payload: Uint8Array, c2s: boolean): Uint8Array => concat(c2s ? MAC_B : MAC_A, c2s ? MAC_A : MAC_B, be16(type), payload);

/** Is this inner IP packet sent by the client (its TCP destination port is 1935)? */
function fromClient(ip: Uint8Array): boolean {
  const v6 = ip[0]! >> 4 === 6;
  const p = v6 ? 40 : (ip[0]! & 0x0f) * 4;
  return ((ip[p + 2]! << 8) | ip[p + 3]!) === 1935;
}

function gre(flags: number, proto: number, key: number | null, seq: number | null, payload: Uint8Array): Uint8Array {
  return concat(be16(flags), be16(proto), key === null ? [] : be32(key), seq === null ? [] : be32(seq), payload);
}

/** One frame of IN (an Ethernet frame) wrapped as KIND; `n` numbers the frames (sequence fields). */
export function wrapFrame(kind: WrapKind, frame: Uint8Array, n: number): Uint8Array {
  const etype = (frame[12]! << 8) | frame[13]!;
  const ip = frame.subarray(14);
  const v6 = etype === 0x86dd;
  const c2s = fromClient(ip);
  const [src, dst] = c2s ? [CLIENT_OUTER, SERVER_OUTER] : [SERVER_OUTER, CLIENT_OUTER];
  const outer = (proto: number, payload: Uint8Array) => eth(0x0800, ipv4(proto, src, dst, payload, n), c2s);
  switch (kind) {
    case 'gtpu': {
      // Flags: version 1, PT 1, E and S; sequence, N-PDU, next extension 0x85 (PDU Session
      // Container: PDU type 1 uplink / 0 downlink, QFI 9), then no further extension.
      const ext = [1, c2s ? 0x10 : 0x00, 9, 0];
      const body = concat(be16(n), [0, 0x85], ext, ip);
      const gtp = concat([0x36, 0xff], be16(body.length), be32(c2s ? 0x1001 : 0x2002), body);
      return outer(17, udp(2152, 2152, gtp));
    }
    case 'vxlan':
      return outer(17, udp(49152 + (n % 16), 4789, concat([0x08, 0, 0, 0], be32(5001 << 8), frame)));
    case 'gre':
      return outer(47, gre(0x3000, v6 ? 0x86dd : 0x0800, 0x00c0ffee, n, ip));
    case 'erspan2': {
      // Version 1, VLAN 0; COS 0, En 0, T 0, session 7; index 0.
      const hdr = [0x10, 0x00, 0x00, 0x07, 0, 0, 0, 0];
      return outer(47, gre(0x1000, 0x88be, null, n, concat(hdr, frame)));
    }
    case 'erspan3': {
      // Version 2, VLAN 0; session 7; timestamp; SGT 0; P 0, FT 0 (Ethernet), HW id 1, D 0, Gra 0, O 0.
      const hdr = [0x20, 0x00, 0x00, 0x07, ...be32(n * 1000), 0, 0, 0x00, 0x04];
      return outer(47, gre(0x1000, 0x22eb, null, n, concat(hdr, frame)));
    }
    case 'ipip':
      return outer(v6 ? 41 : 4, ip);
    case 'mpls': {
      const labels = c2s ? [16001, 24] : [16002, 25];
      const stack = labels.flatMap((l, i) => be32(((l << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64) >>> 0));
      return eth(0x8847, concat(stack, ip), c2s);
    }
    case 'pppoe': {
      const ppp = concat(be16(v6 ? 0x0057 : 0x0021), ip);
      return eth(0x8864, concat([0x11, 0x00], be16(0x1234), be16(ppp.length), ppp), c2s);
    }
    case 'nested': {
      const vx = udp(49152, 4789, concat([0x08, 0, 0, 0], be32(77 << 8), frame));
      const mid = eth(0x0800, ipv4(17, [10, 1, 0, c2s ? 1 : 2], [10, 1, 0, c2s ? 2 : 1], vx, n), c2s);
      const g = ipv4(47, src, dst, gre(0x2000, 0x6558, 7, null, mid), n);
      return eth(0x8847, concat(be32(((100 << 12) | 0x100 | 64) >>> 0), g), c2s);
    }
  }
}

/** IN's records (Ethernet, no VLAN tags), frames 1..maxFrames; and whether IN had nanosecond times. */
export function readEthernetCapture(bytes: Uint8Array, maxFrames = Infinity): { recs: Rec[]; nano: boolean } {
  const dec = createCaptureDecoder();
  const recs: Rec[] = [];
  let nano = false;
  for (const ev of [...dec.push(bytes), ...dec.finish()]) {
    if (ev.kind === 'header') nano = ev.format !== 'pcap';
    if (ev.kind === 'fatal') throw new Error(ev.message);
    if (ev.kind !== 'record' || recs.length >= maxFrames) continue;
    if (ev.linkType !== 1) throw new Error(`frame ${ev.frame}: link type ${ev.linkType}, expected Ethernet (1)`);
    const t = (ev.data[12]! << 8) | ev.data[13]!;
    if (t !== 0x0800 && t !== 0x86dd) throw new Error(`frame ${ev.frame}: ethertype 0x${t.toString(16)}, expected IPv4 or IPv6`);
    if (ev.data.length !== ev.origLen) throw new Error(`frame ${ev.frame}: cut by the snap length`);
    recs.push({ sec: ev.sec, nsec: ev.nsec, data: ev.data.slice(), origLen: ev.origLen });
  }
  return { recs, nano };
}

/** A classic Ethernet pcap of these records. */
export function writePcap(recs: readonly Rec[], nano: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  const hdr = new DataView(new ArrayBuffer(24));
  hdr.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, true);
  hdr.setUint16(4, 2, true);
  hdr.setUint16(6, 4, true);
  hdr.setUint32(16, 262144, true);
  hdr.setUint32(20, 1, true);
  parts.push(new Uint8Array(hdr.buffer));
  for (const r of recs) {
    const h = new DataView(new ArrayBuffer(16));
    h.setUint32(0, r.sec, true);
    h.setUint32(4, nano ? r.nsec : Math.floor(r.nsec / 1000), true);
    h.setUint32(8, r.data.length, true);
    h.setUint32(12, r.origLen, true);
    parts.push(new Uint8Array(h.buffer), r.data);
  }
  return concat(...parts);
}

/** IN's first `maxFrames` frames, wrapped as KIND (or left as they are: kind null), as a pcap. */
export function wrapCapture(bytes: Uint8Array, kind: WrapKind | null, maxFrames = Infinity): Uint8Array {
  const { recs, nano } = readEthernetCapture(bytes, maxFrames);
  const out = recs.map((r, i) => {
    if (kind === null) return r;
    const data = wrapFrame(kind, r.data, i + 1);
    return { ...r, data, origLen: data.length };
  });
  return writePcap(out, nano);
}

function main(argv: readonly string[]): void {
  const [input, output, kind, opt, val] = argv;
  const usage = 'usage: wrap-capture IN OUT KIND [--frames N]   KIND: ' + WRAP_KINDS.join(', ');
  if (input === undefined || output === undefined || !WRAP_KINDS.includes(kind as WrapKind) || (opt !== undefined && opt !== '--frames')) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  const frames = opt === undefined ? Infinity : Number(val);
  if (!Number.isInteger(frames) && frames !== Infinity) {
    process.stderr.write(`wrap-capture: --frames: bad value '${val}'\n`);
    process.exit(2);
  }
  writeFileSync(output, wrapCapture(readFileSync(input), kind as WrapKind, frames));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
