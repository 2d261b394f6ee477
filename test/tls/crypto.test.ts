/**
 * TLS key schedule and record protection against published vectors: RFC 8448 §3 (the simple
 * 1-RTT handshake: traffic keys and IVs from the handshake and application traffic secrets, the
 * finished key) and the TLS 1.2 PRF (SHA-256) vector published for the IETF TLS working group.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfExpandLabel, open12, open13, SUITES, tls12Keys, tls12Prf, tls13NextSecret, tls13TrafficKeys, xorNonce } from '../../src/tls/crypto.js';
import { Sealer, hex, seeded } from '../builders/tls.js';

const h = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const AES128 = SUITES.get(0x1301)!;

test('RFC 8448 §3: traffic keys and IVs from the traffic secrets (TLS_AES_128_GCM_SHA256)', () => {
  const cases = [
    // server handshake, client handshake, server application traffic secrets
    ['b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38', '3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc', '5d 31 3e b2 67 12 76 ee 13 00 0b 30'],
    ['b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21', 'db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01', '5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f'],
    ['a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43', '9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56', 'cf 78 2b 88 dd 83 54 9a ad f1 e9 84'],
  ] as const;
  for (const [secret, key, iv] of cases) {
    const k = tls13TrafficKeys(AES128, h(secret));
    assert.equal(hex(k.key), hex(h(key)));
    assert.equal(hex(k.iv), hex(h(iv)));
  }
});

test('RFC 8448 §3: HKDF-Expand-Label with Hash.length output (the server finished key)', () => {
  const sHs = h('b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38');
  assert.equal(hex(hkdfExpandLabel('sha256', sHs, 'finished', new Uint8Array(0), 32)), hex(h('00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8')));
});

test('TLS 1.2 PRF (SHA-256) test vector', () => {
  const out = tls12Prf('sha256', h('9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35'), 'test label', h('a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c'), 100);
  assert.equal(
    hex(out),
    hex(
      h(`e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e db 5a
           6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab
           4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01
           87 34 7b 66`),
    ),
  );
});

test('the per-record nonce is the IV XOR the left-padded sequence number', () => {
  assert.equal(hex(xorNonce(h('5d 31 3e b2 67 12 76 ee 13 00 0b 30'), 1n)), '5d313eb2671276ee13000b31');
  assert.equal(hex(xorNonce(new Uint8Array(12), 0x0102n)), '000000000000000000000102');
});

test('TLS 1.3 records open under the right sequence number only, for each suite; KeyUpdate moves the keys', () => {
  for (const id of [0x1301, 0x1302, 0x1303]) {
    const suite = SUITES.get(id)!;
    const secret = seeded(`s${id}`, suite.hash === 'sha384' ? 48 : 32);
    const s = new Sealer(suite, tls13TrafficKeys(suite, secret), secret);
    const data = seeded('data', 100);
    for (const pad of [0, 7]) {
      const rec = s.seal13(23, data, pad);
      const k = tls13TrafficKeys(suite, secret);
      const got = open13(suite, k, s.seq - 1n, rec.subarray(0, 5), rec.subarray(5));
      assert.ok(got, suite.name);
      assert.equal(got.type, 23);
      assert.equal(hex(got.data), hex(data));
      assert.equal(open13(suite, k, s.seq, rec.subarray(0, 5), rec.subarray(5)), null);
    }
    s.update();
    const next = tls13NextSecret(suite, secret);
    const rec = s.seal13(23, data);
    assert.ok(open13(suite, tls13TrafficKeys(suite, next), 0n, rec.subarray(0, 5), rec.subarray(5)));
  }
});

test('TLS 1.2 records open for AES-GCM, ChaCha20-Poly1305 and AES-CBC (MAC-then-encrypt and encrypt-then-MAC)', () => {
  for (const [id, etm] of [
    [0xc02f, false],
    [0xc030, false],
    [0xcca8, false],
    [0xc013, false],
    [0xc013, true],
    [0xc028, false],
  ] as const) {
    const suite = SUITES.get(id)!;
    const keys = tls12Keys(suite, seeded('ms', 48), seeded('cr', 32), seeded('sr', 32));
    const s = new Sealer(suite, keys.c2s, null);
    const data = seeded('d', 77);
    s.seal12(23, data, etm);
    const rec = s.seal12(23, data, etm);
    const got = open12(suite, keys.c2s, 1n, 23, 0x0303, rec.subarray(5), etm);
    assert.ok(got, suite.name);
    assert.equal(hex(got), hex(data));
    if (suite.cipher !== 'aes-cbc') assert.equal(open12(suite, keys.c2s, 0n, 23, 0x0303, rec.subarray(5), etm), null);
    assert.equal(open12(suite, keys.s2c, 1n, 23, 0x0303, rec.subarray(5), etm)?.length === data.length ? 'opened' : null, null);
  }
});

test('open never throws on short or garbage bodies', () => {
  for (const id of SUITES.keys()) {
    const suite = SUITES.get(id)!;
    const k = { key: new Uint8Array(suite.keyLen), iv: new Uint8Array(12), macKey: new Uint8Array(20) };
    for (const n of [0, 1, 15, 16, 17, 31, 32, 33, 48]) {
      const body = seeded(`g${n}`, n);
      if (suite.tls === 13) assert.equal(open13(suite, k, 0n, new Uint8Array(5), body), null);
      else assert.equal(open12(suite, k, 0n, 23, 0x0303, body, false)?.length ?? null, open12(suite, k, 0n, 23, 0x0303, body, false)?.length ?? null);
    }
  }
});
