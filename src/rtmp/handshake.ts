/**
 * RTMP handshake facts (RTMP 1.0 §5.2, and the undocumented "complex" digest handshake that
 * Flash Player, FMS, FFmpeg, librtmp and nginx-rtmp use). Pure functions over the 1536-byte
 * C1/S1/C2/S2 blocks; HMAC-SHA256 is computation, not I/O.
 *
 * C1/S1 = time(4) + zero-or-version(4) + 1528 random bytes. A non-zero version field means the
 * peer uses the digest scheme: a 32-byte HMAC-SHA256 over the block without those 32 bytes, keyed
 * with "Genuine Adobe Flash Player 001" (client) or "Genuine Adobe Flash Media Server 001"
 * (server), at an offset computed from 4 bytes in one of two layouts:
 *   scheme 0: offset = (sum of bytes 8..11) % 728 + 12
 *   scheme 1: offset = (sum of bytes 772..775) % 728 + 776
 * C2/S2 then either echo S1/C1 (simple handshake) or end with a 32-byte digest keyed with
 * HMAC(full key, the peer's C1/S1 digest), where the full keys append a 32-byte constant.
 */
import { createHmac } from 'node:crypto';
import { encryptSignature } from './rtmpe.js';
import { u32 } from '../core/byte-reader.js';

export const HANDSHAKE_SIZE = 1536;
const DIGEST = 32;

const CONSTANT = Uint8Array.from([0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae]);
const enc = new TextEncoder();
const FP_KEY = enc.encode('Genuine Adobe Flash Player 001');
const FMS_KEY = enc.encode('Genuine Adobe Flash Media Server 001');
const FP_KEY_FULL = concat(FP_KEY, CONSTANT);
const FMS_KEY_FULL = concat(FMS_KEY, CONSTANT);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a);
  r.set(b, a.length);
  return r;
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function digestOffset(block: Uint8Array, scheme: 0 | 1): number {
  const base = scheme === 0 ? 8 : 772;
  const sum = (block[base] as number) + (block[base + 1] as number) + (block[base + 2] as number) + (block[base + 3] as number);
  return (sum % 728) + base + 4;
}

/** The digest of a C1 (client) or S1 (server) block under one scheme, or null when it does not verify. */
export function verifyDigest(block: Uint8Array, scheme: 0 | 1, side: 'client' | 'server'): Uint8Array | null {
  const off = digestOffset(block, scheme);
  const key = side === 'client' ? FP_KEY : FMS_KEY;
  const want = block.subarray(off, off + DIGEST);
  const got = hmac(key, block.subarray(0, off), block.subarray(off + DIGEST));
  return equal(got, want) ? want.slice() : null;
}

/** Write the digest of a C1/S1 under `scheme` into the block (an endpoint building one); returns it. */
export function signFirstBlock(block: Uint8Array, scheme: 0 | 1, side: 'client' | 'server'): Uint8Array {
  const off = digestOffset(block, scheme);
  const d = hmac(side === 'client' ? FP_KEY : FMS_KEY, block.subarray(0, off), block.subarray(off + DIGEST));
  block.set(d, off);
  return d;
}

/**
 * The trailing 32 bytes a digest-scheme C2 (side 'client') or S2 ('server') must carry: an HMAC
 * of its first 1504 bytes keyed with HMAC(full key, the peer's C1/S1 digest), encrypted for
 * RTMPE types 8 and 9.
 */
export function secondBlockSignature(block: Uint8Array, side: 'client' | 'server', peerDigest: Uint8Array, rtmpeType = 0): Uint8Array {
  const key = hmac(side === 'client' ? FP_KEY_FULL : FMS_KEY_FULL, peerDigest);
  return encryptSignature(hmac(key, block.subarray(0, HANDSHAKE_SIZE - DIGEST)), key, rtmpeType);
}

export type FirstBlockFacts = {
  /** Peer's epoch field (ms). */
  readonly time: number;
  /** The 4 bytes after time: zero for the simple handshake, else the peer's version (e.g. "9.0.124.2"). */
  readonly version: string;
  readonly handshake: 'simple' | 'digest' | 'unknown-digest';
  /** Which digest layout verified (0: offset from bytes 8..11, 1: from bytes 772..775). */
  readonly scheme: 0 | 1 | null;
  readonly digestValid: boolean | null;
};

/** C1 or S1. `digest` (not serialised) is kept by the caller to check C2/S2. */
export function decodeFirstBlock(block: Uint8Array, side: 'client' | 'server'): FirstBlockFacts & { readonly digest: Uint8Array | null } {
  const time = u32(block, 0);
  const v = block.subarray(4, 8);
  const version = `${v[0]}.${v[1]}.${v[2]}.${v[3]}`;
  if (u32(block, 4) === 0) {
    return { time, version, handshake: 'simple', scheme: null, digestValid: null, digest: null };
  }
  for (const scheme of [0, 1] as const) {
    const d = verifyDigest(block, scheme, side);
    if (d !== null) return { time, version, handshake: 'digest', scheme, digestValid: true, digest: d };
  }
  return { time, version, handshake: 'unknown-digest', scheme: null, digestValid: false, digest: null };
}

export type SecondBlockFacts = {
  /** C2/S2 epoch field: should echo the time of the peer's C1/S1. */
  readonly time: number;
  readonly time2: number;
  /** Simple handshake: the block repeats the peer's first block (bytes 8..1535). */
  readonly echoes: boolean | null;
  /**
   * Digest handshake: the trailing 32 bytes verify against the peer's first-block digest. Null
   * when no digest applies: the peer used the simple scheme, or this block echoes the peer's
   * (a simple-scheme answer, even to a digest C1/S1).
   */
  readonly digestValid: boolean | null;
};

/**
 * C2 (checked against S1) or S2 (checked against C1). `peerFirst` is the other side's first
 * block and `peerDigest` its digest when it used the digest scheme. `rtmpeType`: the RTMPE
 * handshake type (S0's byte); types 8 and 9 encrypt the signature (rtmpe.ts).
 */
export function decodeSecondBlock(block: Uint8Array, side: 'client' | 'server', peerFirst: Uint8Array | null, peerDigest: Uint8Array | null, rtmpeType = 0): SecondBlockFacts {
  const time = u32(block, 0);
  const time2 = u32(block, 4);
  const echoes = peerFirst === null ? null : equal(block.subarray(8), peerFirst.subarray(8));
  let digestValid: boolean | null = null;
  if (peerDigest !== null && echoes !== true) {
    digestValid = equal(secondBlockSignature(block, side, peerDigest, rtmpeType), block.subarray(HANDSHAKE_SIZE - DIGEST));
  }
  return { time, time2, echoes, digestValid };
}
