/**
 * RTMPE, Adobe's "encrypted RTMP" (C0/S0 = 6, 8 or 9; 10 is seen too): what can be known of it
 * from the handshake, and the pieces an endpoint needs to speak it (the proxy terminates it).
 *
 * - C1 and S1 are digest-scheme blocks (see handshake.ts) that also carry a 128-byte Diffie-Hellman
 *   public key in the 1024-bit group of RFC 2409. Its position follows the digest scheme: with the
 *   digest offset from bytes 8..11 (scheme 0), the key is at (sum of bytes 1532..1535) % 632 + 772;
 *   with the digest offset from bytes 772..775 (scheme 1), at (sum of bytes 768..771) % 632 + 8.
 * - Both sides compute the shared secret; the key for the client→server direction is the first
 *   16 bytes of HMAC-SHA256(secret, S1's public key), server→client HMAC-SHA256(secret, C1's).
 *   RC4 under those keys encrypts everything after the handshake, once each side has discarded
 *   the first 1536 keystream bytes. C2 and S2 themselves travel in clear.
 * - The handshake type is S0's byte (the server's answer; a client asking 6 with version byte 128
 *   in C1 is commonly answered 8). Types 8 and 9 encrypt the 32-byte C2/S2 signature in 8-byte
 *   blocks: type 8 with XTEA, type 9 with Blowfish, under one of 15 fixed keys chosen by byte
 *   i of the signature's HMAC key (key index = byte % 15). These constants are from librtmp.
 */
import { createHmac } from 'node:crypto';
import { Blowfish } from '../crypto/blowfish.js';
import { DH_SIZE } from '../crypto/dh-group2.js';
import { xteaEncrypt } from '../crypto/xtea.js';

export const RTMPE_VERSIONS: readonly number[] = [6, 8, 9, 10];

/** Offset of the DH public key in a C1/S1 whose digest uses `scheme`. */
export function dhKeyOffset(block: Uint8Array, scheme: 0 | 1): number {
  const base = scheme === 0 ? 1532 : 768;
  const sum = (block[base] as number) + (block[base + 1] as number) + (block[base + 2] as number) + (block[base + 3] as number);
  return (sum % 632) + (scheme === 0 ? 772 : 8);
}

export function dhPublicKey(block: Uint8Array, scheme: 0 | 1): Uint8Array {
  const off = dhKeyOffset(block, scheme);
  return block.subarray(off, off + DH_SIZE);
}

function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

/** The RC4 keys of both directions from the shared secret and both public keys. */
export function rc4Keys(secret: Uint8Array, clientKey: Uint8Array, serverKey: Uint8Array): { c2s: Uint8Array; s2c: Uint8Array } {
  return { c2s: hmac(secret, serverKey).slice(0, 16), s2c: hmac(secret, clientKey).slice(0, 16) };
}

const XTEA_KEYS: readonly (readonly number[])[] = [
  [0xbff034b2, 0x11d9081f, 0xccdfb795, 0x748de732],
  [0x086a5eb6, 0x1743090e, 0x6ef05ab8, 0xfe5a39e2],
  [0x7b10956f, 0x76ce0521, 0x2388a73a, 0x440149a1],
  [0xa943f317, 0xebf11bb2, 0xa691a5ee, 0x17f36339],
  [0x7a30e00a, 0xb529e22c, 0xa087aea5, 0xc0cb79ac],
  [0xbdce0c23, 0x2febdeff, 0x1cfaae16, 0x1123239d],
  [0x55dd3f7b, 0x77e7e62e, 0x9bb8c499, 0xc9481ee4],
  [0x407bb6b4, 0x71e89136, 0xa7aebf55, 0xca33b839],
  [0xfcf6bdc3, 0xb63c3697, 0x7ce4f825, 0x04d959b2],
  [0x28e091fd, 0x41954c4c, 0x7fb7db00, 0xe3a066f8],
  [0x57845b76, 0x4f251b03, 0x46d45bcd, 0xa2c30d29],
  [0x0acceef8, 0xda55b546, 0x03473452, 0x5863713b],
  [0xb82075dc, 0xa75f1fee, 0xd84268e8, 0xa72a44cc],
  [0x07cf6e9e, 0xa16d7b25, 0x9fa7ae6c, 0xd92f5629],
  [0xfeb1eae4, 0x8c8c3ce1, 0x4e0064a7, 0x6a387c2a],
];

const BLOWFISH_KEYS_HEX = [
  '7934774c67d1383adfb356be8b7bd02438e07358415d6967',
  '46f6b4cc0193e3a19e7d3c655586fd098ff7b3c46f41ca5c',
  '1ae7e2f3f9147994c0d39743087bb384432f9d843f21019b',
  'd3e354b0f71df62b5a434d0483643e0d592f61cbb16a590d',
  'c8c1e9b8165699217b5b36b7b59bdf06492c97f59548857e',
  'ebe5e62ea4bad42cf216e08f6623a94341ce381484950053',
  '66db90f03b4ff56fe49c2089355ed2b2c39e9f7f63b22881',
  'bb20aced2a046a1994989bc8ffcd93efc60d56a7eb13d930',
  'bcf2438209408a8725436de6bba4b944583f217c99bb3f24',
  'ec1aaacdcebd5311d2fb83b6c3baab4f6279e865a9922876',
  'c60c300391182d7b79dae1d564779a12c5b1d7914f964ca3',
  'd77c2abfa6e7857c45adff1294d8dea45c3d79a444025d22',
  '16190d816a4cc7f8b8f94ecd2c9e9084b2082560e11eae18',
  'e97c58261b519e49826061fca0a01bcdf505d6a66d0788a3',
  '2b97118bd94ed9df20e39c10e6a1352111f9130d0b2465b2',
];
const blowfish: (Blowfish | undefined)[] = [];

const le32 = (b: Uint8Array, at: number) => ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;
function putLe32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = v >>> 24;
}

/**
 * The type 8/9 transformation of a 32-byte C2/S2 signature: each 8-byte block, read as two
 * little-endian words, is encrypted under the key picked by byte i of `hmacKey`. Other types
 * return the signature as it is.
 */
export function encryptSignature(sig: Uint8Array, hmacKey: Uint8Array, type: number): Uint8Array {
  if (type !== 8 && type !== 9) return sig;
  const out = sig.slice();
  for (let i = 0; i < 32; i += 8) {
    const id = (hmacKey[i] as number) % 15;
    let v: [number, number];
    if (type === 8) v = xteaEncrypt(le32(out, i), le32(out, i + 4), XTEA_KEYS[id]!);
    else {
      const bf = (blowfish[id] ??= new Blowfish(Buffer.from(BLOWFISH_KEYS_HEX[id]!, 'hex')));
      v = bf.encrypt(le32(out, i), le32(out, i + 4));
    }
    putLe32(out, i, v[0]);
    putLe32(out, i + 4, v[1]);
  }
  return out;
}
