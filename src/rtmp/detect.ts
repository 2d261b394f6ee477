/**
 * Is this TCP connection RTMP? Pure checks on the first bytes a direction carries.
 *
 * - With the connection's start in the capture, the client's first byte is C0: 3 for plain RTMP,
 *   6 (RTMPE, Diffie-Hellman + RC4), 8 (RTMPE with XTEA), 9 (Blowfish) or 10 (newer RTMPE).
 *   An RTMP server never speaks first.
 * - Without the start, either a handshake still in flight (C0 + 1536 bytes of C1), or chunk
 *   headers that make sense: a chain of them (session/midstream.ts, with the resync criterion).
 */
import { u24 } from '../core/byte-reader.js';

export const RTMP_VERSIONS = [3, 6, 8, 9, 10] as const;
export const HANDSHAKE_SIZE = 1536;

export function isRtmpVersion(b: number | undefined): boolean {
  return b === 3 || b === 6 || b === 8 || b === 9 || b === 10;
}

/** Encrypted RTMP (RTMPE): nothing after the handshake can be decoded passively. */
export function isEncryptedVersion(b: number): boolean {
  return b !== 3;
}

/**
 * The first segment a side sent looks like C0+C1 (a client opening the handshake): a version byte
 * alone, or followed by (a segment's worth of) C1 — and not readable as a chunk header, since a
 * type-0 header on chunk stream 3 also starts with the byte 3. A guess, used only when the
 * connection's SYN was not captured.
 */
export function looksLikeHandshakeStart(first: Uint8Array): boolean {
  if (!isRtmpVersion(first[0])) return false;
  if (first.length === 1) return true;
  return first.length >= 500 && first.length <= 1 + HANDSHAKE_SIZE && !plausibleChunkStart(first, 0);
}

/** Message type ids defined by RTMP 1.0 (plus aggregate). */
const KNOWN_TYPES = new Set([1, 2, 3, 4, 5, 6, 8, 9, 15, 16, 17, 18, 19, 20, 22]);
const CONTROL_TYPES = new Set([1, 2, 3, 5, 6]);

/**
 * Does a type-0 chunk header start at `at`? Checks: a known message type, a sane length,
 * protocol control messages only on stream 0 with their fixed sizes, and (when the bytes are
 * there) a command body starting with an AMF0 string marker.
 */
export function plausibleChunkStart(b: Uint8Array, at: number): boolean {
  const b0 = b[at];
  if (b0 === undefined || b0 >> 6 !== 0) return false;
  let p = at + 1;
  let csid = b0 & 0x3f;
  if (csid === 0) {
    if (at + 2 > b.length) return false;
    csid = 64 + (b[p] as number);
    p += 1;
  } else if (csid === 1) {
    if (at + 3 > b.length) return false;
    csid = 64 + (b[p] as number) + 256 * (b[p + 1] as number);
    p += 2;
  }
  if (csid < 2 || p + 11 > b.length) return false;
  const len = u24(b, p + 3);
  const type = b[p + 6] as number;
  const sid = (b[p + 7] as number) | ((b[p + 8] as number) << 8) | ((b[p + 9] as number) << 16) | ((b[p + 10] as number) << 24);
  if (!KNOWN_TYPES.has(type)) return false;
  if (len > 16 * 1024 * 1024) return false;
  if (CONTROL_TYPES.has(type)) {
    const want = type === 6 ? 5 : 4;
    if (len !== want || sid !== 0) return false;
  }
  if (sid < 0 || sid > 0xffff) return false;
  const body = p + 11 + (b[p] === 0xff && b[p + 1] === 0xff && b[p + 2] === 0xff ? 4 : 0);
  if ((type === 20 || type === 18) && body < b.length && len > 0) return b[body] === 0x02;
  return true;
}
