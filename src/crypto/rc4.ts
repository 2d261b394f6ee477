/**
 * RC4 (ARCFOUR), the stream cipher RTMPE encrypts with. Not in Node's default OpenSSL 3 provider
 * (it lives in the legacy one), so it is implemented here: the key schedule and the keystream
 * generator, nothing else. Checked against RFC 6229's test vectors.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    const s = this.s;
    for (let k = 0; k < 256; k++) s[k] = k;
    let j = 0;
    for (let k = 0; k < 256; k++) {
      const t = s[k] as number;
      j = (j + t + (key[k % key.length] as number)) & 0xff;
      s[k] = s[j] as number;
      s[j] = t;
    }
  }

  /** XOR the next `data.length` keystream bytes into a copy of `data` (or into `out`). */
  process(data: Uint8Array, out: Uint8Array = new Uint8Array(data.length)): Uint8Array {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    for (let k = 0; k < data.length; k++) {
      i = (i + 1) & 0xff;
      const a = s[i] as number;
      j = (j + a) & 0xff;
      const b = s[j] as number;
      s[i] = b;
      s[j] = a;
      out[k] = (data[k] as number) ^ (s[(a + b) & 0xff] as number);
    }
    this.i = i;
    this.j = j;
    return out;
  }

  /** Discard `n` keystream bytes (RTMPE drops the first 1536). */
  skip(n: number): void {
    this.process(new Uint8Array(n));
  }
}
