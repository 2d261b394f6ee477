/**
 * Diffie-Hellman in the 1024-bit MODP group of RFC 2409 (Oakley group 2, generator 2), the group
 * RTMPE uses. Keys and secrets are 128-byte big-endian numbers, left-padded with zeros.
 */
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';

export const DH_SIZE = 128;

const PRIME_HEX =
  'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404dd' +
  'ef9519b3cd3a431b302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed' +
  'ee386bfb5a899fa5ae9f24117c4b1fe649286651ece65381ffffffffffffffff';
export const PRIME = Uint8Array.from(Buffer.from(PRIME_HEX, 'hex'));
const P = BigInt('0x' + PRIME_HEX);

function toBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'));
}

function pad(b: Uint8Array): Uint8Array {
  if (b.length === DH_SIZE) return new Uint8Array(b);
  const out = new Uint8Array(DH_SIZE);
  out.set(b.subarray(Math.max(0, b.length - DH_SIZE)), Math.max(0, DH_SIZE - b.length));
  return out;
}

/** A usable public key: 1 < y < p - 1 (rules out the degenerate values an attacker would pick). */
export function isValidPublicKey(y: Uint8Array): boolean {
  const v = toBig(y);
  return v > 1n && v < P - 1n;
}

export type DhKeyPair = { readonly publicKey: Uint8Array; secret(peer: Uint8Array): Uint8Array };

/** A fresh key pair; `secret` throws on an invalid peer key (check `isValidPublicKey` first). */
export function generateKeyPair(): DhKeyPair {
  const dh: DiffieHellman = createDiffieHellman(Buffer.from(PRIME), Buffer.from([2]));
  dh.generateKeys();
  return {
    publicKey: pad(dh.getPublicKey()),
    secret: (peer) => pad(dh.computeSecret(Buffer.from(peer))),
  };
}
