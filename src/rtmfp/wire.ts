/**
 * RTMFP wire primitives (RFC 7016 §2.1-§2.2, the Flash crypto profile of RFC 7425 §4): variable
 * length unsigned integers, option lists, the 16-bit checksum, the scrambled session id, packet
 * decryption and the packet header with its chunks.
 *
 * Contract: pure and synchronous (node:crypto only computes); never throws on packet content;
 * reads only inside the given bounds; results hold views into the input or fresh copies, never
 * buffers sized by a length from the wire.
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import { u16, u32 } from '../core/byte-reader.js';
import { hexBytes } from '../core/hex.js';

/** "Adobe Systems 02": the key of the startup packets (RFC 7425 §4.1). */
export const DEFAULT_KEY = new TextEncoder().encode('Adobe Systems 02');
const ZERO_IV = new Uint8Array(16);

export function hex(b: Uint8Array, max = 64): string {
  return hexBytes(b, 0, Math.min(b.length, max));
}

export function hexU32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/** A VLU (RFC 7016 §2.1.2): 7 bits a byte, high bit set on all but the last. Null if cut or > 2^53. */
export function readVlu(b: Uint8Array, off: number, end: number): { value: number; next: number } | null {
  let v = 0;
  for (let p = off; p < end && p - off < 8; p++) {
    const x = b[p]!;
    v = v * 128 + (x & 0x7f);
    if ((x & 0x80) === 0) return v > Number.MAX_SAFE_INTEGER ? null : { value: v, next: p + 1 };
  }
  return null;
}

export type RtmfpOption = { readonly type: number; readonly value: Uint8Array };

/**
 * An option list (RFC 7016 §2.1.3): length (VLU, covering type and value), type (VLU), value; a
 * length of 0 is a marker. Returns the options before the first marker, where the list stopped,
 * and whether it parsed to `end` (or a marker) cleanly. At most `max` options are kept.
 */
export function readOptions(b: Uint8Array, off: number, end: number, max = 64): { options: RtmfpOption[]; next: number; ok: boolean; marker: boolean } {
  const options: RtmfpOption[] = [];
  let p = off;
  while (p < end) {
    const len = readVlu(b, p, end);
    if (len === null || len.next + len.value > end) return { options, next: p, ok: false, marker: false };
    if (len.value === 0) return { options, next: len.next, ok: true, marker: true };
    const type = readVlu(b, len.next, len.next + len.value);
    if (type === null) return { options, next: p, ok: false, marker: false };
    if (options.length < max) options.push({ type: type.value, value: b.subarray(type.next, len.next + len.value) });
    p = len.next + len.value;
  }
  return { options, next: p, ok: true, marker: false };
}

/** The Internet checksum (RFC 1071) over b[off, end): the Flash profile's packet checksum. */
export function inCksum(b: Uint8Array, off: number, end: number): number {
  let sum = 0;
  let p = off;
  for (; p + 1 < end; p += 2) sum += u16(b, p);
  if (p < end) sum += b[p]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The session id hidden in the first 4 bytes (RFC 7016 §2.2.1). The caller checks length ≥ 12. */
export function sessionIdOf(d: Uint8Array): number {
  return (u32(d, 0) ^ u32(d, 4) ^ u32(d, 8)) >>> 0;
}

/** AES-128-CBC with a zero IV, no padding; `data.length` must be a multiple of 16. */
export function aesDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  const d = createDecipheriv('aes-128-cbc', key, ZERO_IV);
  d.setAutoPadding(false);
  const a = d.update(data);
  const b = d.final();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

/** How one direction of a session frames its packets (RFC 7425 §4.6.4, §4.6.5). */
export type Framing = {
  readonly key: Uint8Array;
  /** HMAC-SHA256 key and truncated length, when HMAC replaces the checksum. */
  readonly hmac: { readonly key: Uint8Array; readonly length: number } | null;
  /** Session sequence numbers (a VLU before the checksum). */
  readonly sseq: boolean;
};

export const STARTUP_FRAMING: Framing = { key: DEFAULT_KEY, hmac: null, sseq: false };

export type Decrypted = { readonly ok: true; readonly plain: Uint8Array; /** Where the packet header starts in `plain`. */ readonly start: number; readonly sseq?: number } | { readonly ok: false; readonly reason: 'size' | 'hmac' | 'checksum' | 'sseq' };

/** Decrypt and check one datagram (including its 4 scrambled-id bytes) with `f`. */
export function decryptPacket(d: Uint8Array, f: Framing): Decrypted {
  const hlen = f.hmac?.length ?? 0;
  const body = d.subarray(4, d.length - hlen);
  if (body.length === 0 || body.length % 16 !== 0 || d.length < 4 + hlen) return { ok: false, reason: 'size' };
  if (f.hmac !== null) {
    const mac = hmacSha256(f.hmac.key, body);
    const got = d.subarray(d.length - hlen);
    for (let i = 0; i < hlen; i++) if (mac[i] !== got[i]) return { ok: false, reason: 'hmac' };
  }
  const plain = aesDecrypt(f.key, body);
  let p = 0;
  let sseq: number | undefined;
  if (f.sseq) {
    const v = readVlu(plain, 0, plain.length);
    if (v === null) return { ok: false, reason: 'sseq' };
    sseq = v.value;
    p = v.next;
  }
  if (f.hmac === null) {
    if (plain.length - p < 2) return { ok: false, reason: 'checksum' };
    const want = u16(plain, p);
    p += 2;
    if (inCksum(plain, p, plain.length) !== want) return { ok: false, reason: 'checksum' };
  }
  return sseq === undefined ? { ok: true, plain, start: p } : { ok: true, plain, start: p, sseq };
}

export const MODE = { INITIATOR: 1, RESPONDER: 2, STARTUP: 3 } as const;

export type Chunk = { readonly type: number; readonly payload: Uint8Array };

export type Packet = {
  readonly flags: number;
  /** 1 initiator mark, 2 responder mark, 3 startup (0 is forbidden). */
  readonly mode: number;
  readonly timestamp?: number;
  readonly timestampEcho?: number;
  readonly chunks: readonly Chunk[];
  /** Bytes after the last whole chunk that are not padding (a chunk cut short). */
  readonly trailing: number;
};

/** Chunks kept per packet (a 1500-byte packet holds at most ~500 empty chunks). */
const MAX_CHUNKS = 512;

/** The packet header and chunks (RFC 7016 §2.2.4, §2.3); padding (0xff) ends the list. */
export function parsePacket(b: Uint8Array, off: number): Packet | null {
  if (off >= b.length) return null;
  const flags = b[off]!;
  let p = off + 1;
  let timestamp: number | undefined;
  let timestampEcho: number | undefined;
  if ((flags & 0x08) !== 0) {
    if (p + 2 > b.length) return null;
    timestamp = u16(b, p);
    p += 2;
  }
  if ((flags & 0x04) !== 0) {
    if (p + 2 > b.length) return null;
    timestampEcho = u16(b, p);
    p += 2;
  }
  const chunks: Chunk[] = [];
  let trailing = 0;
  while (p < b.length && chunks.length < MAX_CHUNKS) {
    const type = b[p]!;
    if (type === 0xff) break;
    if (p + 3 > b.length) {
      trailing = b.length - p;
      break;
    }
    const len = u16(b, p + 1);
    if (p + 3 + len > b.length) {
      trailing = b.length - p;
      break;
    }
    chunks.push({ type, payload: b.subarray(p + 3, p + 3 + len) });
    p += 3 + len;
  }
  return {
    flags,
    mode: flags & 0x03,
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(timestampEcho === undefined ? {} : { timestampEcho }),
    chunks,
    trailing,
  };
}

export const CHUNK_NAMES: Readonly<Record<number, string>> = {
  0x7f: 'Packet Fragment',
  0x30: 'IHello',
  0x0f: 'FIHello',
  0x70: 'RHello',
  0x71: 'Redirect',
  0x79: 'RHello Cookie Change',
  0x38: 'IIKeying',
  0x78: 'RIKeying',
  0x01: 'Ping',
  0x41: 'Ping Reply',
  0x10: 'User Data',
  0x11: 'Next User Data',
  0x50: 'Bitmap Ack',
  0x51: 'Range Ack',
  0x18: 'Buffer Probe',
  0x5e: 'Flow Exception Report',
  0x0c: 'Session Close Request',
  0x4c: 'Session Close Acknowledgement',
};

export const STARTUP_CHUNKS: ReadonlySet<number> = new Set([0x30, 0x0f, 0x70, 0x71, 0x79, 0x38, 0x78]);
