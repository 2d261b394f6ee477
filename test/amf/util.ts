/** Shared assertions for the AMF tests (not a test file itself). */
import assert from 'node:assert/strict';
import type { AmfDecodeResult, AmfValue } from '../../src/amf/index.js';

/** The value survives JSON unchanged (no undefined fields, NaN, -0, bigint, class instances). */
export function assertJsonClean(x: unknown): void {
  assert.deepStrictEqual(JSON.parse(JSON.stringify(x)), x);
}

/** Decoded without error; returns the values. */
export function ok(r: AmfDecodeResult): readonly AmfValue[] {
  assert.equal(r.error, undefined, r.error ? `${r.error.code} at ${r.error.offset}: ${r.error.message}` : '');
  assertJsonClean(r);
  return r.values;
}

/** Decoded exactly one value without error. */
export function one(r: AmfDecodeResult): AmfValue {
  const v = ok(r);
  assert.equal(v.length, 1);
  return v[0]!;
}

export function bytes(...b: number[]): Uint8Array {
  return new Uint8Array(b);
}

/** Milliseconds spent in f. */
export function timed(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

/** `n` copies of `unit` back to back. */
export function repeat(unit: Uint8Array, n: number, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(unit.length * n + tail.length);
  for (let i = 0; i < n; i++) b.set(unit, i * unit.length);
  b.set(tail, unit.length * n);
  return b;
}
