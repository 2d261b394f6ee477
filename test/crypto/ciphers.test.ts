/**
 * RC4, XTEA, Blowfish and the RFC 2409 group against published test vectors; the RTMPE
 * signature encryption and key derivation against what rtmpdump computed (its -z log).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDiffieHellman } from 'node:crypto';
import { Rc4 } from '../../src/crypto/rc4.js';
import { xteaEncrypt } from '../../src/crypto/xtea.js';
import { Blowfish } from '../../src/crypto/blowfish.js';
import { generateKeyPair, isValidPublicKey, PRIME } from '../../src/crypto/dh-group2.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const words = (s: string) => {
  const b = Buffer.from(s, 'hex');
  return Array.from({ length: b.length / 4 }, (_, i) => b.readUInt32BE(i * 4));
};
const wordsHex = (w: readonly number[]) => w.map((x) => x.toString(16).padStart(8, '0')).join('');

test('RC4: RFC 6229 keystreams (40- and 128-bit keys, offsets 0 and 16)', () => {
  const ks = (key: string, n: number) => new Rc4(hex(key)).process(new Uint8Array(n));
  const k40 = ks('0102030405', 32);
  assert.equal(toHex(k40), 'b2396305f03dc027ccc3524a0a1118a8' + '6982944f18fc82d589c403a47a0d0919');
  assert.equal(toHex(ks('0102030405060708090a0b0c0d0e0f10', 16)), '9ac7cc9a609d1ef7b2932899cde41b97');
});

test('RC4: the classic vectors; skip() and split processing equal one pass', () => {
  const enc = (k: string, p: string) => toHex(new Rc4(Buffer.from(k)).process(Buffer.from(p)));
  assert.equal(enc('Key', 'Plaintext'), 'bbf316e8d940af0ad3');
  assert.equal(enc('Wiki', 'pedia'), '1021bf0420');
  assert.equal(enc('Secret', 'Attack at dawn'), '45a01f645fc35b383552544b9bf5');
  const key = hex('0102030405');
  const whole = new Rc4(key).process(new Uint8Array(1600));
  const r = new Rc4(key);
  r.skip(1536);
  assert.deepEqual(r.process(new Uint8Array(30)), whole.subarray(1536, 1566));
  assert.deepEqual(r.process(new Uint8Array(34)), whole.subarray(1566, 1600));
});

test('XTEA: published vectors (32 cycles, big-endian words)', () => {
  const enc = (key: string, plain: string) => {
    const [a, b] = words(plain) as [number, number];
    return wordsHex(xteaEncrypt(a, b, words(key)));
  };
  assert.equal(enc('000102030405060708090a0b0c0d0e0f', '4142434445464748'), '497df3d072612cb5');
  assert.equal(enc('00000000000000000000000000000000', '0000000000000000'), 'dee9d4d8f7131ed9');
});

test("Blowfish: Eric Young's vectors (8-, 16- and 24-byte keys); P-array from the digits of pi", () => {
  const enc = (key: string, plain: string) => {
    const [a, b] = words(plain) as [number, number];
    return wordsHex(new Blowfish(hex(key)).encrypt(a, b));
  };
  assert.equal(enc('0000000000000000', '0000000000000000'), '4ef997456198dd78');
  assert.equal(enc('ffffffffffffffff', 'ffffffffffffffff'), '51866fd5b85ecb8a');
  assert.equal(enc('3000000000000000', '1000000000000001'), '7d856f9a613063f2');
  assert.equal(enc('1111111111111111', '1111111111111111'), '2466dd878b963c9d');
  const setKey = 'f0e1d2c3b4a5968778695a4b3c2d1e0f0011223344556677';
  assert.equal(enc(setKey.slice(0, 32), 'fedcba9876543210'), '93142887ee3be15c');
  assert.equal(enc(setKey, 'fedcba9876543210'), '05044b62fa52d080');
});

test('DH group 2: the RFC 2409 prime; two key pairs agree; public key bounds', () => {
  assert.equal(toHex(PRIME), getDiffieHellman('modp2').getPrime('hex'));
  const a = generateKeyPair();
  const b = generateKeyPair();
  assert.equal(a.publicKey.length, 128);
  assert.deepEqual(a.secret(b.publicKey), b.secret(a.publicKey));
  assert.equal(a.secret(b.publicKey).length, 128);
  const n = (v: bigint) => hex(v.toString(16).padStart(256, '0'));
  const p = BigInt('0x' + toHex(PRIME));
  assert.equal(isValidPublicKey(n(0n)), false);
  assert.equal(isValidPublicKey(n(1n)), false);
  assert.equal(isValidPublicKey(n(2n)), true);
  assert.equal(isValidPublicKey(n(p - 2n)), true);
  assert.equal(isValidPublicKey(n(p - 1n)), false);
  assert.equal(isValidPublicKey(n(p)), false);
  assert.equal(isValidPublicKey(a.publicKey), true);
});
