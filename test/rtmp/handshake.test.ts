/**
 * Handshake facts: simple vs digest C1/S1 under both offset schemes, and C2/S2 checks (echo for
 * the simple handshake, digest over the peer's digest for the complex one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeFirstBlock, decodeSecondBlock, digestOffset } from '../../src/rtmp/handshake.js';

const CONST = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
const FP = Buffer.from('Genuine Adobe Flash Player 001');
const FMS = Buffer.from('Genuine Adobe Flash Media Server 001');
const hmac = (key: Uint8Array, ...parts: Uint8Array[]) => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

function randomBlock(seed: number): Uint8Array {
  const b = new Uint8Array(1536);
  let x = seed;
  for (let i = 0; i < b.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A C1/S1 with a version field and a digest placed by `scheme`. */
function digestBlock(seed: number, side: 'client' | 'server', scheme: 0 | 1): { block: Uint8Array; digest: Uint8Array } {
  const b = randomBlock(seed);
  b.set([0, 0, 0, 0, 9, 0, 124, 2], 0);
  const off = digestOffset(b, scheme);
  const d = hmac(side === 'client' ? FP : FMS, b.subarray(0, off), b.subarray(off + 32));
  b.set(d, off);
  return { block: b, digest: d };
}

test('handshake: simple C1 (zero version field)', () => {
  const b = randomBlock(1);
  b.set([0, 0, 0, 7, 0, 0, 0, 0], 0);
  const f = decodeFirstBlock(b, 'client');
  assert.deepEqual({ ...f, digest: null }, { time: 7, version: '0.0.0.0', handshake: 'simple', scheme: null, digestValid: null, digest: null });
});

for (const scheme of [0, 1] as const) {
  for (const side of ['client', 'server'] as const) {
    test(`handshake: digest ${side === 'client' ? 'C1' : 'S1'} verifies under scheme ${scheme}`, () => {
      const { block, digest } = digestBlock(10 + scheme, side, scheme);
      const f = decodeFirstBlock(block, side);
      assert.equal(f.handshake, 'digest');
      assert.equal(f.scheme, scheme);
      assert.equal(f.digestValid, true);
      assert.equal(f.version, '9.0.124.2');
      assert.deepEqual(f.digest, digest);
      // One flipped byte in the digested area breaks it.
      const broken = block.slice();
      broken[digestOffset(block, scheme) === 12 ? 1000 : 20]! ^= 1;
      assert.notEqual(decodeFirstBlock(broken, side).digestValid, true);
    });
  }
}

test('handshake: S2 digest over the C1 digest, C2 digest over the S1 digest', () => {
  const c1 = digestBlock(3, 'client', 0);
  const s1 = digestBlock(4, 'server', 1);
  const s2 = randomBlock(5);
  s2.set(hmac(hmac(Buffer.concat([FMS, CONST]), c1.digest), s2.subarray(0, 1504)), 1504);
  assert.equal(decodeSecondBlock(s2, 'server', c1.block, c1.digest).digestValid, true);
  const c2 = randomBlock(6);
  c2.set(hmac(hmac(Buffer.concat([FP, CONST]), s1.digest), c2.subarray(0, 1504)), 1504);
  assert.equal(decodeSecondBlock(c2, 'client', s1.block, s1.digest).digestValid, true);
  assert.equal(decodeSecondBlock(c2, 'client', s1.block, c1.digest).digestValid, false);
});

test('handshake: simple S2 echoes C1', () => {
  const c1 = randomBlock(8);
  const s2 = c1.slice();
  s2.set([0, 0, 0, 1, 0, 0, 0, 2], 0);
  const f = decodeSecondBlock(s2, 'server', c1, null);
  assert.deepEqual(f, { time: 1, time2: 2, echoes: true, digestValid: null });
  s2[100]! ^= 1;
  assert.equal(decodeSecondBlock(s2, 'server', c1, null).echoes, false);
});

test('handshake: an S2 that echoes a digest C1 (simple-scheme answer) has no digest to judge', () => {
  const c1 = digestBlock(12, 'client', 0);
  const s2 = c1.block.slice();
  s2.set([0, 0, 0, 1, 0, 0, 0, 2], 0);
  assert.deepEqual(decodeSecondBlock(s2, 'server', c1.block, c1.digest), { time: 1, time2: 2, echoes: true, digestValid: null });
  // Neither an echo nor a digest: judged (false).
  s2[100]! ^= 1;
  assert.deepEqual(decodeSecondBlock(s2, 'server', c1.block, c1.digest), { time: 1, time2: 2, echoes: false, digestValid: false });
});
