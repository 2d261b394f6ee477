import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_HELD_ITEMS, Orderer, UNKNOWN_HOLE, type Piece } from '../../src/rtmpt/order.js';

const M = { frame: 1, sec: 0, nsec: 0 };
const p = (n: number): Piece[] => [{ data: Uint8Array.of(n), lost: 0, meta: M }];
const seen = (ps: readonly Piece[]) => ps.map((x) => (x.hole !== undefined ? `hole${x.hole}` : String(x.data?.[0])));

test('order: bodies leave in sequence order; late and repeated ones are dropped and counted', () => {
  const o = new Orderer(true);
  assert.deepEqual(seen(o.add(2, p(2), M)), []);
  assert.deepEqual(seen(o.add(0, p(0), M)), ['0']);
  assert.deepEqual(seen(o.add(1, p(1), M)), ['1', '2']);
  assert.deepEqual(seen(o.add(1, p(1), M)), []);
  assert.equal(o.late, 1);
  assert.deepEqual(seen(o.flush(M)), []);
});

test('order: numbering from 1 after /open is not a loss; a real hole is, at the end', () => {
  const o = new Orderer(true);
  assert.deepEqual(seen(o.add(1, p(1), M)), []);
  assert.deepEqual(seen(o.add(2, p(2), M)), ['1', '2']);
  assert.deepEqual(seen(o.add(4, p(4), M)), []);
  const end = o.flush(M);
  assert.deepEqual(seen(end), ['hole3', '4']);
  assert.equal(end[0]!.lost, UNKNOWN_HOLE);
});

test('order: without /open the first number seen starts; too many held bodies give the hole up', () => {
  const o = new Orderer(false);
  assert.deepEqual(seen(o.add(7, p(7), M)), ['7']);
  const out: Piece[] = [];
  for (let i = 9; i < 9 + MAX_HELD_ITEMS + 1; i++) out.push(...o.add(i, p(i & 0xff), M));
  assert.deepEqual(seen(out).slice(0, 2), ['hole8', '9']);
  assert.equal(seen(out).length, MAX_HELD_ITEMS + 2);
});
