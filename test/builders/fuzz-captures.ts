/** Capture inputs for the fuzzer: committed captures cut and mutated record-wise, and random conversations wrapped in pcap/pcapng. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { decodeFrame } from '../../src/net/decode.js';
import { concat } from './bytes.js';
import { conversationFrames } from './conversation.js';
import { writePcap, writePcapng, type PcapngPacketSpec } from './pcap.js';

import { Rng } from './fuzz-random.js';
import { randomStreams } from './fuzz-chunks.js';

export const CAPTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');

// =============================================================================================
// Captures on disk: record index for window mutations

type Unit = { start: number; end: number; dataStart: number; payloadStart: number; payloadEnd: number; lenField: number; lenField2: number };
export type Capture = { name: string; bytes: Uint8Array; pcapng: boolean; le: boolean; prefixEnd: number; units: Unit[] };

function loadCaptures(): Capture[] {
  const out: Capture[] = [];
  for (const name of readdirSync(CAPTURES).sort()) {
    if (!/\.pcap(ng)?$/.test(name)) continue;
    const bytes = new Uint8Array(readFileSync(join(CAPTURES, name)));
    const dec = createCaptureDecoder();
    const evs = [...dec.push(bytes), ...dec.finish()];
    const pcapng = bytes[0] === 0x0a && bytes[1] === 0x0d;
    const dv = new DataView(bytes.buffer);
    const le = pcapng ? dv.getUint32(8, true) === 0x1a2b3c4d : dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d;
    const units: Unit[] = [];
    for (const ev of evs) {
      if (ev.kind !== 'record') continue;
      const dataStart = ev.data.byteOffset;
      const start = pcapng ? dataStart - 28 : dataStart - 16;
      const end = pcapng ? start + dv.getUint32(start + 4, le) : dataStart + ev.data.length;
      const net = decodeFrame(ev.linkType, ev.data, ev.origLen);
      const payloadStart = net.kind === 'tcp' ? net.payload.byteOffset : dataStart;
      const payloadEnd = net.kind === 'tcp' ? payloadStart + net.payload.length : dataStart;
      units.push({ start, end, dataStart, payloadStart, payloadEnd, lenField: pcapng ? start + 4 : start + 8, lenField2: pcapng ? end - 4 : start + 12 });
    }
    const prefixEnd = units[0]?.start ?? bytes.length;
    out.push({ name, bytes, pcapng, le, prefixEnd, units });
  }
  return out;
}

let captures: Capture[] | null = null;
export function caps(): Capture[] {
  return (captures ??= loadCaptures());
}

const HUGE32 = [0x7fffffff, 0xffffffff, 0x80000000, 0x00ffffff, 0x01000000, 0x01000004, 0];

/** A mutated window of a committed capture. */
export function captureMutant(r: Rng): { bytes: Uint8Array; note: string } {
  const cap = r.pick(caps());
  const notes: string[] = [cap.name];
  const whole = r.chance(0.03);
  const budget = whole ? Infinity : r.pick([2048, 8192, 16384, 32768, 65536]);
  const k = whole || r.chance(0.3) ? 0 : r.int(cap.units.length);
  let list: Unit[] = [];
  let size = cap.prefixEnd;
  for (let i = k; i < cap.units.length; i++) {
    const u = cap.units[i] as Unit;
    if (size + (u.end - u.start) > budget && list.length > 0) break;
    list.push(u);
    size += u.end - u.start;
  }
  notes.push(`units ${k}..${k + list.length - 1}`);
  // Record-level damage: loss, retransmission, reordering.
  const unitOps = r.chance(0.4) ? 1 + r.small(3) : 0;
  for (let i = 0; i < unitOps && list.length > 1; i++) {
    const j = r.int(list.length);
    const op = r.int(3);
    if (op === 0) list = list.filter((_, x) => x !== j);
    else if (op === 1) list.splice(j, 0, list[j] as Unit);
    else {
      const o = r.int(list.length);
      const t = list[j] as Unit;
      list[j] = list[o] as Unit;
      list[o] = t;
    }
    notes.push(['drop', 'dup', 'swap'][op] as string);
  }
  // Assemble, remembering where each unit landed.
  const total = cap.prefixEnd + list.reduce((n, u) => n + (u.end - u.start), 0);
  let out: Uint8Array = new Uint8Array(total);
  out.set(cap.bytes.subarray(0, cap.prefixEnd));
  const placed: { at: number; u: Unit }[] = [];
  let p = cap.prefixEnd;
  for (const u of list) {
    out.set(cap.bytes.subarray(u.start, u.end), p);
    placed.push({ at: p, u });
    p += u.end - u.start;
  }
  const dv = new DataView(out.buffer);
  const payloads = placed.filter((x) => x.u.payloadEnd > x.u.payloadStart);
  const inPayload = (): number => {
    const x = r.pick(payloads);
    return x.at + (x.u.payloadStart - x.u.start) + r.int(x.u.payloadEnd - x.u.payloadStart);
  };
  const muts = r.chance(0.05) ? 0 : 1 + r.small(6);
  for (let i = 0; i < muts && out.length > 0; i++) {
    const op = r.weighted<string>([
      [20, 'flip-payload'],
      [8, 'flip'],
      [12, 'overwrite-payload'],
      [4, 'overwrite'],
      [6, 'garbage-payload'],
      [6, 'u32'],
      [6, 'u32-payload'],
      [6, 'record-length'],
      [3, 'orig-length'],
      [3, 'pcapng-caplen'],
      [4, 'truncate'],
      [4, 'splice'],
      [3, 'dup-range'],
      [3, 'drop-range'],
    ]);
    notes.push(op);
    const havePayload = payloads.length > 0;
    switch (op) {
      case 'flip-payload':
      case 'flip': {
        const n = 1 + r.small(8);
        for (let j = 0; j < n; j++) {
          const at = op === 'flip-payload' && havePayload ? inPayload() : r.int(out.length);
          if (at < out.length) out[at]! ^= 1 << r.int(8);
        }
        break;
      }
      case 'overwrite-payload':
      case 'overwrite': {
        const at = op === 'overwrite-payload' && havePayload ? inPayload() : r.int(out.length);
        const n = 1 + r.small(16);
        for (let j = 0; j < n && at + j < out.length; j++) out[at + j] = r.pick([0, 0xff, 0x7f, 0x80, 0x03, 0xc3, r.int(256)]);
        break;
      }
      case 'garbage-payload': {
        if (!havePayload) break;
        const x = r.pick(payloads);
        const from = x.at + (x.u.payloadStart - x.u.start);
        const len = x.u.payloadEnd - x.u.payloadStart;
        const a = from + r.int(len);
        out.set(r.bytes(Math.min(from + len - a, 1 + r.small(len))), a);
        break;
      }
      case 'u32':
      case 'u32-payload': {
        const at = op === 'u32-payload' && havePayload ? inPayload() : r.int(out.length);
        if (at + 4 <= out.length) dv.setUint32(at, r.pick(HUGE32), r.chance(0.5));
        break;
      }
      case 'record-length':
      case 'orig-length': {
        if (placed.length === 0) break;
        const x = r.pick(placed);
        const field = x.at + ((op === 'orig-length' || (cap.pcapng && r.chance(0.3)) ? x.u.lenField2 : x.u.lenField) - x.u.start);
        const cur = dv.getUint32(field, cap.le);
        const v = r.pick([0, 1, 4, 11, 13, cur + 1, cur - 4, cur + 4, 0x7fffffff, 0xffffffff, 0x80000000, 0x01000000, 0x00ffffff, r.u32()]);
        if (field + 4 <= out.length) dv.setUint32(field, v >>> 0, cap.le);
        break;
      }
      case 'pcapng-caplen': {
        if (!cap.pcapng || placed.length === 0) break;
        const x = r.pick(placed);
        const field = x.at + 20;
        if (field + 4 <= out.length) dv.setUint32(field, r.pick([0xffffffff, 0x7fffffff, x.u.end - x.u.start - 31, r.u32()]), cap.le);
        break;
      }
      case 'truncate':
        out = out.subarray(0, r.int(out.length));
        break;
      case 'splice': {
        const at = havePayload && r.chance(0.5) ? inPayload() : r.int(out.length);
        const g = r.bytes(1 + r.small(512));
        out = concat(...[out.subarray(0, at), g, out.subarray(at)]);
        break;
      }
      case 'dup-range':
      case 'drop-range': {
        const a = r.int(out.length);
        const b = Math.min(out.length, a + 1 + r.small(4096));
        out = op === 'dup-range' ? concat(...[out.subarray(0, b), out.subarray(a, b), out.subarray(b)]) : concat(...[out.subarray(0, a), out.subarray(b)]);
        break;
      }
    }
    // Ops that change the length move the units: a few untargeted flips more, then done.
    if (op === 'truncate' || op === 'splice' || op === 'dup-range' || op === 'drop-range') return finishMutant(r, out.slice(), notes, i + 1 < muts);
  }
  return { bytes: out, note: notes.join(' ') };
}

/** After a length-changing op: a few more untargeted flips, then done. */
function finishMutant(r: Rng, out: Uint8Array, notes: string[], more: boolean): { bytes: Uint8Array; note: string } {
  if (more && out.length > 0) {
    const n = r.small(4);
    for (let j = 0; j < n; j++) out[r.int(out.length)]! ^= 1 << r.int(8);
    if (n > 0) notes.push(`flip×${n}`);
  }
  return { bytes: out, note: notes.join(' ') };
}

/** A random RTMP conversation as a pcap or pcapng. */
export function conversationCapture(r: Rng): { bytes: Uint8Array; note: string } {
  const s = randomStreams(r, r.pick([2048, 8192, 32768]));
  const turns: { from: 'c' | 's'; data: Uint8Array }[] = [];
  // Split each direction into a few turns, alternating.
  const cut = (b: Uint8Array): Uint8Array[] => {
    const n = 1 + r.small(4);
    const pts = Array.from({ length: n - 1 }, () => r.int(b.length + 1)).sort((a, x) => a - x);
    const parts: Uint8Array[] = [];
    let prev = 0;
    for (const x of pts) {
      parts.push(b.subarray(prev, x));
      prev = x;
    }
    parts.push(b.subarray(prev));
    return parts.filter((x) => x.length > 0);
  };
  const cs = cut(s.c2s);
  const ss = cut(s.s2c);
  for (let i = 0; i < Math.max(cs.length, ss.length); i++) {
    if (cs[i] !== undefined) turns.push({ from: 'c', data: cs[i] as Uint8Array });
    if (ss[i] !== undefined) turns.push({ from: 's', data: ss[i] as Uint8Array });
  }
  const v6 = r.chance(0.2);
  const segments = turns.reduce((n, t) => n + Math.ceil(t.data.length / 536), 0);
  const drop = r.chance(0.15) ? Array.from({ length: 1 + r.small(3) }, () => r.int(Math.max(1, segments))) : [];
  const frames = conversationFrames(turns, {
    client: { ip: v6 ? '2001:db8::1' : '10.0.0.1', port: r.pick([50000, 1935, 443, 60001]) },
    server: { ip: v6 ? '2001:db8::2' : '10.0.0.2', port: r.pick([1935, 1935, 19350, 80, 8080]) },
    mss: r.pick([536, 1448, 1448, 100, 9000]),
    noHandshake: r.chance(0.15),
    noClose: r.chance(0.2),
    drop,
  });
  let bytes: Uint8Array;
  if (r.chance(0.2)) {
    const packets: PcapngPacketSpec[] = frames.map((data, i) => ({ iface: 0, sec: 1_700_000_000, nsec: i * 1000, data }));
    bytes = writePcapng([{ interfaces: [{ linkType: 1, tsresol: r.pick([6, 9, 0x83]) }], packets }]);
  } else {
    bytes = writePcap(
      frames.map((data, i) => ({ sec: 1_700_000_000, nsec: i * 1000, data })),
      { linkType: 1, nanosecond: r.chance(0.3), bigEndian: r.chance(0.3) },
    );
  }
  if (r.chance(0.25) && bytes.length > 0) {
    const n = 1 + r.small(8);
    for (let i = 0; i < n; i++) bytes[r.int(bytes.length)]! ^= 1 << r.int(8);
  }
  return { bytes, note: `hs=${s.handshake} c2s=${s.c2s.length} s2c=${s.s2c.length} drop=${drop.length}` };
}
