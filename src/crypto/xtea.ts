/**
 * XTEA (Needham and Wheeler, 1997): 64-bit blocks, 128-bit keys, here with the usual 32 cycles.
 * RTMPE type 8 encrypts the C2/S2 signature with it. Words in, words out: the caller decides the
 * byte order (the published test vectors are big-endian, RTMPE loads little-endian words).
 */
const DELTA = 0x9e3779b9;

/** Encrypt one block [v0, v1] under key words k[0..3]. */
export function xteaEncrypt(v0: number, v1: number, k: readonly number[], cycles = 32): [number, number] {
  let sum = 0;
  for (let i = 0; i < cycles; i++) {
    v0 = (v0 + ((((v1 << 4) ^ (v1 >>> 5)) + v1) ^ (sum + (k[sum & 3] as number)))) >>> 0;
    sum = (sum + DELTA) >>> 0;
    v1 = (v1 + ((((v0 << 4) ^ (v0 >>> 5)) + v0) ^ (sum + (k[(sum >>> 11) & 3] as number)))) >>> 0;
  }
  return [v0, v1];
}
