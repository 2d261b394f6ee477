/**
 * The AMF cursor: one per message body. It holds the bytes, the position, the caps, the per-message
 * reference tables (the AMF0 complex-value table, and the AMF3 string, object and trait tables
 * that every AVM+-switched value of the same message shares) and the first error.
 *
 * Contract: the `read*` primitives and the internal `value0`/`value3` functions throw the private
 * `STOP` sentinel (never an Error, no stack capture) after recording `reader.error`; the exported
 * `decode*` entry points catch it, so nothing reachable from the public API throws on input.
 * Errors are sticky: once `reader.error` is set every further decode returns `undefined`.
 * A container that is being unwound by `STOP` marks itself `incomplete` and hands itself to its
 * parent through `reader.partial`, so truncated input still yields the partial tree.
 */
import { AMF_DEFAULTS, type AmfDecodeOptions, type AmfDecodeResult, type AmfError, type AmfErrorCode, type AmfNumber, type AmfRefTarget, type AmfTraits, type AmfValue, type DoubleSpecial } from './types.js';

/** Thrown internally to unwind after `reader.error` was set. Never escapes the public API. */
export const STOP: { readonly stop: true } = Object.freeze({ stop: true });

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** AMF3 traits as kept in the trait table. */
export type Traits3 = {
  readonly className: string;
  readonly names: readonly string[];
  readonly info: AmfTraits;
};

export class AmfReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Current offset into `bytes`. Callers may move it between values (e.g. to skip a header). */
  pos: number;
  readonly end: number;
  readonly maxDepth: number;
  readonly maxItems: number;
  readonly maxStringBytes: number;
  readonly maxTotalStringChars: number;
  readonly byteArrayPrefix: number;

  /** The first error; decoding stops there. */
  error: AmfError | undefined = undefined;
  /** @internal partially decoded container handed up while unwinding. */
  partial: AmfValue | undefined = undefined;
  /** @internal values decoded so far (for maxItems). */
  items = 0;
  /** @internal string characters produced so far (for maxTotalStringChars). */
  stringChars = 0;
  /** @internal encoded length of the last string read when it was clipped, else -1. */
  lastFullBytes = -1;

  /** @internal AMF0 complex values in the order they start, and whether each is still open. */
  readonly refs0: AmfValue[] = [];
  readonly open0: boolean[] = [];
  /** @internal AMF3 tables. */
  readonly strings3: string[] = [];
  /** @internal clipped AMF3 strings: table index → encoded length (rare, so a sparse map). */
  clipped3: Map<number, number> | undefined = undefined;
  readonly objects3: AmfValue[] = [];
  readonly open3: boolean[] = [];
  readonly traits3: Traits3[] = [];

  constructor(bytes: Uint8Array, opts?: AmfDecodeOptions) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.end = bytes.byteLength;
    const o = opts ?? AMF_DEFAULTS;
    this.maxDepth = o.maxDepth ?? AMF_DEFAULTS.maxDepth;
    this.maxItems = o.maxItems ?? AMF_DEFAULTS.maxItems;
    this.maxStringBytes = o.maxStringBytes ?? AMF_DEFAULTS.maxStringBytes;
    this.maxTotalStringChars = o.maxTotalStringChars ?? AMF_DEFAULTS.maxTotalStringChars;
    this.byteArrayPrefix = o.byteArrayPrefix ?? AMF_DEFAULTS.byteArrayPrefix;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** @internal Record the error and unwind. */
  fail(code: AmfErrorCode, offset: number, message: string): never {
    this.error = { code, offset, message };
    this.partial = undefined;
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a sentinel that unwinds a decode, never an error that escapes
    throw STOP;
  }

  /** @internal */
  need(n: number): void {
    if (this.end - this.pos < n) {
      this.fail('amf.truncated', this.pos, `need ${n} byte(s) at offset ${this.pos}, ${this.end - this.pos} left`);
    }
  }

  /** @internal Count one decoded value against maxItems. */
  countItem(at: number): void {
    if (++this.items > this.maxItems) {
      this.fail('amf.length-cap', at, `more than ${this.maxItems} values in one body`);
    }
  }

  /** @internal */
  checkDepth(depth: number, at: number): void {
    if (depth >= this.maxDepth) {
      this.fail('amf.depth-cap', at, `containers nested deeper than ${this.maxDepth}`);
    }
  }

  readU8(): number {
    const p = this.pos;
    if (p >= this.end) this.need(1);
    this.pos = p + 1;
    return this.bytes[p]!;
  }

  peekU8(): number {
    if (this.pos >= this.end) this.need(1);
    return this.bytes[this.pos]!;
  }

  /** Step over `n` bytes (all there, or STOP); their offset. */
  private take(n: number): number {
    const p = this.pos;
    if (this.end - p < n) this.need(n);
    this.pos = p + n;
    return p;
  }

  readU16(): number {
    return this.view.getUint16(this.take(2));
  }

  readS16(): number {
    return this.view.getInt16(this.take(2));
  }

  readU32(): number {
    return this.view.getUint32(this.take(4));
  }

  readS32(): number {
    return this.view.getInt32(this.take(4));
  }

  readF64(): number {
    return this.view.getFloat64(this.take(8));
  }

  /**
   * AMF3 U29: 1–3 bytes of 7 bits with a continuation bit, and a 4th byte that contributes all
   * 8 bits (AMF3 spec §1.3.1). Result in 0 .. 2^29-1.
   */
  readU29(): number {
    let b = this.readU8();
    if (b < 0x80) return b;
    let v = (b & 0x7f) << 7;
    b = this.readU8();
    if (b < 0x80) return v | b;
    v = (v | (b & 0x7f)) << 7;
    b = this.readU8();
    if (b < 0x80) return v | b;
    v = (v | (b & 0x7f)) << 8;
    return (v | this.readU8()) >>> 0;
  }

  /**
   * Read `len` encoded bytes as UTF-8 (invalid sequences become U+FFFD). Only the first
   * `maxStringBytes` bytes are decoded; `lastFullBytes` says whether clipping happened.
   * The produced characters count against `maxTotalStringChars`.
   */
  readUtf8(len: number): string {
    const start = this.pos;
    if (this.end - start < len) this.need(len);
    this.pos = start + len;
    let n = len;
    if (n > this.maxStringBytes) {
      n = this.maxStringBytes;
      this.lastFullBytes = len;
    } else {
      this.lastFullBytes = -1;
    }
    let s: string | undefined;
    if (n <= 32) {
      // Short ASCII fast path: most keys and command names; avoids a subarray + decoder call.
      const bytes = this.bytes;
      s = '';
      for (let i = start; i < start + n; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) {
          s = undefined;
          break;
        }
        s += String.fromCharCode(c);
      }
    }
    if (s === undefined) s = utf8.decode(this.bytes.subarray(start, start + n));
    this.chargeChars(s.length, start);
    return s;
  }

  /** @internal Count produced string characters against maxTotalStringChars. */
  chargeChars(n: number, at: number): void {
    this.stringChars += n;
    if (this.stringChars > this.maxTotalStringChars) {
      this.fail('amf.length-cap', at, `more than ${this.maxTotalStringChars} string characters in one body`);
    }
  }

  /** @internal Lower-case hex of up to `byteArrayPrefix` bytes starting at `start`. */
  hexPrefix(start: number, len: number): string {
    const n = Math.min(len, this.byteArrayPrefix);
    let s = '';
    for (let i = start; i < start + n; i++) s += HEX[this.bytes[i]!]!;
    return s;
  }
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The JSON-safe encoding of a double. */
export function doubleFields(d: number): { value: number | null; special?: DoubleSpecial } {
  if (d !== d) return { value: null, special: 'NaN' };
  if (d === Infinity) return { value: null, special: 'Infinity' };
  if (d === -Infinity) return { value: null, special: '-Infinity' };
  if (d === 0 && 1 / d < 0) return { value: 0, special: '-0' };
  return { value: d };
}

/**
 * One value read by `value` (value0 or value3) at `r.pos`, for the exported entry points: the STOP
 * unwinding ends here. `undefined` when nothing could be decoded; on error `r.error` is set and
 * the partial (incomplete) value, if any, is returned.
 */
export function decodeOne(r: AmfReader, value: (r: AmfReader, depth: number) => AmfValue): AmfValue | undefined {
  if (r.error !== undefined) return undefined;
  try {
    return value(r, 0);
  } catch (e) {
    if (e !== STOP) throw e;
    const p = r.partial;
    r.partial = undefined;
    return p;
  }
}

/** Values read by `one` back to back until the end of `bytes` (or the first error). Never throws on input. */
export function decodeAll(bytes: Uint8Array, opts: AmfDecodeOptions | undefined, one: (r: AmfReader) => AmfValue | undefined): AmfDecodeResult {
  const r = new AmfReader(bytes, opts);
  const values: AmfValue[] = [];
  while (r.pos < r.end && r.error === undefined) {
    const v = one(r);
    if (v !== undefined) values.push(v);
  }
  return r.error === undefined ? { values } : { values, error: r.error };
}

/**
 * In a container's `catch`: rethrow `e` (the STOP unwinding goes on) after `adopt` took the
 * partial child that the unwinding brought, if any, and `v` was marked incomplete and handed to
 * its parent through `r.partial`. Anything but STOP is rethrown untouched.
 */
export function unwind(r: AmfReader, e: unknown, v: AmfValue, adopt?: (partial: AmfValue) => void): never {
  if (e !== STOP) throw e;
  if (adopt !== undefined && r.partial !== undefined) adopt(r.partial);
  (v as Building).incomplete = true;
  r.partial = v;
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- the caught value goes on unchanged (the reader's STOP sentinel)
  throw e;
}

/** Build an {@link AmfNumber} from a double. */
export function amfNumber(d: number): AmfNumber {
  // Finite, non-negative-zero doubles are the hot path: keep one object shape for them.
  if (d - d === 0 && (d !== 0 || 1 / d > 0)) return { type: 'number', value: d };
  const f = doubleFields(d);
  return { type: 'number', value: f.value, special: f.special! };
}

export function refTarget(t: AmfValue, open: boolean): AmfRefTarget {
  if (t.type === 'object' && t.className !== undefined && t.className !== '') {
    return { type: t.type, className: t.className, cyclic: open };
  }
  return { type: t.type, cyclic: open };
}

export const NULL: AmfValue = Object.freeze({ type: 'null' });
export const UNDEFINED: AmfValue = Object.freeze({ type: 'undefined' });
export const UNSUPPORTED: AmfValue = Object.freeze({ type: 'unsupported' });
export const TRUE: AmfValue = Object.freeze({ type: 'boolean', value: true });
export const FALSE: AmfValue = Object.freeze({ type: 'boolean', value: false });

/** Mark a value as AVM+-switched without mutating a shared or table-held object. */
export function withAvmplus(v: AmfValue): AmfValue {
  return { ...v, avmplus: true };
}

/** Writable view of a container being built (the public types are readonly). */
export type Building = { incomplete?: true; external?: AmfValue };
