/** The fuzzer's random source and byte writer (scripts/fuzz.ts): any value allowed, the point is to write what peers must not. */
import { writeU29 } from './amf-writer.js';

// =============================================================================================
// Randomness

/** mulberry32: small, fast, good enough to drive mutations. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** 0 ≤ x < n (n ≤ 2^32). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }
  /** a ≤ x ≤ b. */
  range(a: number, b: number): number {
    return a + this.int(b - a + 1);
  }
  chance(p: number): boolean {
    return this.u32() < p * 4294967296;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
  /** Mostly small: uniform below a random power of two up to `max`. */
  small(max: number): number {
    const bits = this.int(Math.ceil(Math.log2(max + 1)) + 1);
    return Math.min(max, this.int(2 ** bits));
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const x = this.u32();
      b[i] = x;
      if (i + 1 < n) b[i + 1] = x >>> 8;
      if (i + 2 < n) b[i + 2] = x >>> 16;
      if (i + 3 < n) b[i + 3] = x >>> 24;
    }
    return b;
  }
  /** Weighted choice: [weight, value] pairs. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of choices) total += w;
    let x = this.int(total);
    for (const [w, v] of choices) {
      if (x < w) return v;
      x -= w;
    }
    return (choices[choices.length - 1] as readonly [number, T])[1];
  }
}

/** The seed of input `index` in a run seeded `seed` (splitmix-like mixing). */
export function inputSeed(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

// =============================================================================================
// A growable byte writer (any value allowed: the point is to write what peers must not)

export class W {
  buf = new Uint8Array(256);
  length = 0;
  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }
  u8(v: number): void {
    this.grow(1);
    this.buf[this.length++] = v;
  }
  u16(v: number): void {
    this.grow(2);
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v;
  }
  u24(v: number): void {
    this.grow(3);
    this.buf[this.length++] = v >>> 16;
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v;
  }
  u32(v: number): void {
    this.grow(4);
    this.buf[this.length++] = v >>> 24;
    this.buf[this.length++] = v >>> 16;
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v;
  }
  u32le(v: number): void {
    this.grow(4);
    this.buf[this.length++] = v;
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v >>> 16;
    this.buf[this.length++] = v >>> 24;
  }
  f64(v: number): void {
    this.grow(8);
    new DataView(this.buf.buffer).setFloat64(this.length, v);
    this.length += 8;
  }
  /** AMF3 U29 of any value 0..2^29−1 (the 4-byte form for the top range). */
  u29(v: number): void {
    writeU29(this, v & 0x1fffffff);
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export const enc = new TextEncoder();
