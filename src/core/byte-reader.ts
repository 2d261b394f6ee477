/**
 * Big-endian reads shared by the decoders: random-access helpers for fixed layouts (a byte past
 * the end reads as 0, so a caller that checked the length once pays nothing more, and one that
 * did not gets zeros instead of NaN), and a bounds-checked cursor for length-prefixed structures.
 */

export function u16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

export function u24(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 16) | ((b[at + 1] ?? 0) << 8) | (b[at + 2] ?? 0);
}

/** A signed 24-bit value (FLV composition time). */
export function i24(b: Uint8Array, at: number): number {
  return (u24(b, at) << 8) >> 8;
}

export function u32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/** A bounds-checked cursor: any overrun sets `bad`, moves to the end and reads as zeros (or no bytes). */
export class ByteReader {
  bad = false;
  constructor(
    private readonly b: Uint8Array,
    public pos = 0,
    private readonly end = b.length,
  ) {}
  get left(): number {
    return this.end - this.pos;
  }
  u8(): number {
    if (this.pos + 1 > this.end) return this.fail();
    return this.b[this.pos++]!;
  }
  u16(): number {
    if (this.pos + 2 > this.end) return this.fail();
    const v = u16(this.b, this.pos);
    this.pos += 2;
    return v;
  }
  u24(): number {
    if (this.pos + 3 > this.end) return this.fail();
    const v = u24(this.b, this.pos);
    this.pos += 3;
    return v;
  }
  u32(): number {
    if (this.pos + 4 > this.end) return this.fail();
    const v = u32(this.b, this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) {
      this.fail();
      return new Uint8Array(0);
    }
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** A sub-reader over the next `n` bytes (a length-prefixed vector). */
  sub(n: number): ByteReader {
    if (this.pos + n > this.end) {
      this.fail();
      return new ByteReader(this.b, this.end, this.end);
    }
    const r = new ByteReader(this.b, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  private fail(): number {
    this.bad = true;
    this.pos = this.end;
    return 0;
  }
}
