/**
 * MSB-first bit cursor for codec configuration records and parameter sets.
 *
 * Contract: reading past the end never throws; it returns 0 and sets `overrun`. An Exp-Golomb
 * code longer than 32 bits (impossible in valid H.264/H.265) or a LEB128/uvlc past its limit
 * returns 0 and sets `invalid`. Callers check the two flags after a section and turn them into
 * problem codes. Used only on sequence headers (rare), so clarity wins over speed here.
 */
export class BitReader {
  private bit = 0;
  private readonly end: number;
  /** A read went past the end of the data. */
  overrun = false;
  /** A variable-length code was longer than any valid one. */
  invalid = false;

  constructor(
    private readonly b: Uint8Array,
    startByte = 0,
    endByte = b.length,
  ) {
    this.bit = startByte * 8;
    this.end = Math.min(endByte, b.length) * 8;
  }

  get bitsLeft(): number {
    return Math.max(0, this.end - this.bit);
  }

  /** Byte position of the cursor (rounded down). */
  get bytePos(): number {
    return this.bit >>> 3;
  }

  /** True when neither overrun nor invalid has been set. */
  get ok(): boolean {
    return !this.overrun && !this.invalid;
  }

  /** Reads `n` bits (0..32) as an unsigned number. */
  u(n: number): number {
    if (this.bit + n > this.end) {
      this.overrun = true;
      this.bit = this.end;
      return 0;
    }
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.b[this.bit >>> 3] ?? 0;
      v = v * 2 + ((byte >>> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  flag(): boolean {
    return this.u(1) === 1;
  }

  skip(n: number): void {
    if (this.bit + n > this.end) {
      this.overrun = true;
      this.bit = this.end;
      return;
    }
    this.bit += n;
  }

  /** Unsigned Exp-Golomb ue(v) (H.264 9.1). */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (this.overrun) return 0;
      zeros++;
      if (zeros > 31) {
        this.invalid = true;
        return 0;
      }
    }
    if (zeros === 0) return 0;
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** Signed Exp-Golomb se(v). */
  se(): number {
    const k = this.ue();
    if (k === 0) return 0;
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** AV1 uvlc() (AV1 spec 4.10.3). */
  uvlc(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (this.overrun) return 0;
      zeros++;
      if (zeros >= 32) {
        this.invalid = true;
        return 0;
      }
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** AV1 leb128() (AV1 spec 4.10.5), byte-aligned, at most 8 bytes and 2^32-1. */
  leb128(): number {
    let v = 0;
    for (let i = 0; i < 8; i++) {
      const byte = this.u(8);
      if (this.overrun) return 0;
      v += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        if (v > 0xffffffff) {
          this.invalid = true;
          return 0;
        }
        return v;
      }
    }
    this.invalid = true;
    return 0;
  }
}

/**
 * Removes H.264/H.265 emulation prevention bytes (the 0x03 in 00 00 03) from a NAL unit
 * (H.264 7.4.1). Returns the input itself when there are none.
 */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  let i = 2;
  for (; i < nal.length; i++) {
    if (nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) break;
  }
  if (i >= nal.length) return nal;
  const out = new Uint8Array(nal.length);
  let o = 0;
  let zeros = 0;
  for (let j = 0; j < nal.length; j++) {
    const b = nal[j] ?? 0;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, o);
}
