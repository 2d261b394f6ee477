/**
 * Blowfish (Schneier, 1993): 64-bit blocks, 16 rounds, keys of up to 72 bytes (the schedule cycles
 * them; 4 to 56 are the usual lengths). RTMPE type 9
 * encrypts the C2/S2 signature with it. Only encryption of single blocks is needed.
 *
 * The initial P-array and S-boxes are, by definition, the fractional hexadecimal digits of pi
 * (P first, then S0..S3): 18 + 1024 words. Instead of a 4 KiB table they are computed once, on
 * first use, from Machin's formula with BigInt fixed-point arithmetic (0.2 s, once per process,
 * only when an RTMPE type 9 signature is met), and checked by
 * the published test vectors (test/crypto).
 */
const WORDS = 18 + 4 * 256;

let piWords: Uint32Array | null = null;

/** arctan(1/x) scaled by `one`, by the alternating series. */
function arctanInv(x: bigint, one: bigint): bigint {
  const x2 = x * x;
  let term = one / x;
  let sum = term;
  for (let n = 3n, sign = -1n; term !== 0n; n += 2n, sign = -sign) {
    term /= x2;
    sum += (sign * term) / n;
  }
  return sum;
}

/** The first `WORDS` 32-bit words of pi's fractional part. */
function piFraction(): Uint32Array {
  if (piWords !== null) return piWords;
  const bits = BigInt(WORDS * 32 + 64); // 64 guard bits absorb the series' rounding
  const one = 1n << bits;
  const pi = 16n * arctanInv(5n, one) - 4n * arctanInv(239n, one);
  let frac = (pi - 3n * one) >> 64n;
  const out = new Uint32Array(WORDS);
  for (let i = WORDS - 1; i >= 0; i--) {
    out[i] = Number(frac & 0xffffffffn);
    frac >>= 32n;
  }
  piWords = out;
  return out;
}

export class Blowfish {
  private readonly p: Uint32Array;
  private readonly s: Uint32Array;

  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > 72) throw new RangeError(`Blowfish key of ${key.length} bytes`);
    const init = piFraction();
    this.p = init.slice(0, 18);
    this.s = init.slice(18);
    let j = 0;
    for (let i = 0; i < 18; i++) {
      let w = 0;
      for (let k = 0; k < 4; k++) {
        w = ((w << 8) | (key[j] as number)) >>> 0;
        j = (j + 1) % key.length;
      }
      this.p[i] = ((this.p[i] as number) ^ w) >>> 0;
    }
    let l = 0;
    let r = 0;
    for (let i = 0; i < 18; i += 2) {
      [l, r] = this.encrypt(l, r);
      this.p[i] = l;
      this.p[i + 1] = r;
    }
    for (let i = 0; i < 1024; i += 2) {
      [l, r] = this.encrypt(l, r);
      this.s[i] = l;
      this.s[i + 1] = r;
    }
  }

  private f(x: number): number {
    const s = this.s;
    const a = s[x >>> 24] as number;
    const b = s[256 + ((x >>> 16) & 0xff)] as number;
    const c = s[512 + ((x >>> 8) & 0xff)] as number;
    const d = s[768 + (x & 0xff)] as number;
    return ((((a + b) >>> 0) ^ c) + d) >>> 0;
  }

  /** Encrypt one block given as two big-endian words [left, right]. */
  encrypt(l: number, r: number): [number, number] {
    const p = this.p;
    for (let i = 0; i < 16; i++) {
      l = (l ^ (p[i] as number)) >>> 0;
      r = (r ^ this.f(l)) >>> 0;
      const t = l;
      l = r;
      r = t;
    }
    // Undo the last swap, then the output whitening.
    return [(r ^ (p[17] as number)) >>> 0, (l ^ (p[16] as number)) >>> 0];
  }
}
