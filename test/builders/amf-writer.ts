/**
 * AMF0/AMF3 encoder for tests: builds message bodies from intent. Plain JavaScript values map to
 * the obvious encoding; helper nodes (`amf0.ecma(...)`, `amf3.object(...)`, ...) give control of
 * everything odd (wrong counts, missing end markers, references, typed objects, AVM+ switches,
 * trait and string references). `raw()` splices bytes verbatim anywhere a value may appear.
 *
 * Mapping of plain values:
 * - AMF0: number → number, boolean, string (long string when over 65 535 bytes), null, undefined,
 *   array → strict array, plain object → anonymous object (use pairs for `__proto__`/duplicates).
 * - AMF3: integer-valued numbers in −2^28 .. 2^28−1 (not −0) → integer, other numbers → double,
 *   string, boolean, null, undefined, array → dense array, Uint8Array → ByteArray, plain object
 *   → anonymous dynamic object.
 * AMF3 state (string and trait tables) is shared across all AVM+ values of one `amf0.encode`
 * call, as it is across one RTMP message. Repeated strings and identical traits are sent by
 * reference (as Flash Player does) unless `{ stringRefs: false }` / `{ traitRefs: false }`.
 * Object-table references are only written on request (`amf3.ref(i)`, `amf0.ref(i)`).
 * Builders throw on programmer error (an unencodable intent); that is fine in tests.
 */
import { concat } from './bytes.js';

const enc = new TextEncoder();

/** A growable byte sink. */
class Sink {
  private buf = new Uint8Array(256);
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
    this.buf[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }
  u32(v: number): void {
    this.u8(v >>> 24);
    this.u8(v >>> 16);
    this.u8(v >>> 8);
    this.u8(v);
  }
  s16(v: number): void {
    this.u16(v & 0xffff);
  }
  f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v);
    this.bytes(b);
  }
  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  /** AMF3 U29 (0 .. 2^29-1). */
  u29(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0x1fffffff) throw new RangeError(`U29 out of range: ${v}`);
    writeU29(this, v);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export type Amf3Options = { readonly stringRefs?: boolean; readonly traitRefs?: boolean };

/** Per-message AMF3 encoder state. */
class Amf3State {
  readonly strings = new Map<string, number>();
  readonly traits = new Map<string, number>();
  /** The decoder appends every inline non-empty string, duplicates included. */
  stringCount = 0;
  traitCount = 0;
  constructor(readonly opts: Amf3Options) {}
}

type Ctx = { readonly out: Sink; readonly amf3: Amf3State };

/** An AMF3 U29 (0 .. 2^29-1, not checked) through `w.u8`: 1 to 4 bytes, the 4-byte form for the top range. */
export function writeU29(w: { u8(v: number): void }, v: number): void {
  if (v < 0x80) w.u8(v);
  else if (v < 0x4000) {
    w.u8((v >>> 7) | 0x80);
    w.u8(v & 0x7f);
  } else if (v < 0x200000) {
    w.u8((v >>> 14) | 0x80);
    w.u8(((v >>> 7) & 0x7f) | 0x80);
    w.u8(v & 0x7f);
  } else {
    w.u8((v >>> 22) | 0x80);
    w.u8(((v >>> 15) & 0x7f) | 0x80);
    w.u8(((v >>> 8) & 0x7f) | 0x80);
    w.u8(v & 0xff);
  }
}

/** A pre-built encoding step. `kind` says which encoding it belongs in ('raw' fits both). */
export class Node {
  constructor(
    readonly kind: 'amf0' | 'amf3' | 'raw',
    readonly write: (c: Ctx) => void,
  ) {}
}

export type Amf0Intent = number | boolean | string | null | undefined | Node | readonly Amf0Intent[] | { readonly [key: string]: Amf0Intent };

export type Amf3Intent = number | boolean | string | null | undefined | Uint8Array | Node | readonly Amf3Intent[] | { readonly [key: string]: Amf3Intent };

export type Pairs<T> = readonly (readonly [string, T])[];

function pairsOf<T>(p: Pairs<T> | { readonly [key: string]: T }): Pairs<T> {
  return Array.isArray(p) ? (p as Pairs<T>) : Object.entries(p as { readonly [key: string]: T });
}

/** Splice bytes verbatim (a Uint8Array, or hex text with optional spaces). */
export function raw(bytes: Uint8Array | string): Node {
  const b = typeof bytes === 'string' ? fromHex(bytes) : bytes;
  return new Node('raw', (c) => c.out.bytes(b));
}

export function fromHex(hex: string): Uint8Array {
  const h = hex.replace(/\s+/g, '');
  if (h.length % 2 !== 0 || /[^0-9a-f]/i.test(h)) throw new Error(`bad hex: ${hex}`);
  const b = new Uint8Array(h.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return b;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export { concat };

// ---------------------------------------------------------------------------------------------
// AMF0

function utf8Short(out: Sink, s: string): void {
  const b = enc.encode(s);
  if (b.length > 0xffff) throw new RangeError('UTF-8 string over 65535 bytes; use a long string');
  out.u16(b.length);
  out.bytes(b);
}

function props0(c: Ctx, props: Pairs<Amf0Intent>, end: boolean): void {
  for (const [k, v] of props) {
    utf8Short(c.out, k);
    write0(c, v);
  }
  if (end) {
    c.out.u16(0);
    c.out.u8(0x09);
  }
}

function write0(c: Ctx, v: Amf0Intent): void {
  const out = c.out;
  if (v instanceof Node) {
    if (v.kind === 'amf3') throw new Error('AMF3 node in AMF0 position: wrap it in amf0.avmplus()');
    v.write(c);
  } else if (typeof v === 'number') {
    out.u8(0x00);
    out.f64(v);
  } else if (typeof v === 'boolean') {
    out.u8(0x01);
    out.u8(v ? 1 : 0);
  } else if (typeof v === 'string') {
    const b = enc.encode(v);
    if (b.length > 0xffff) {
      out.u8(0x0c);
      out.u32(b.length);
    } else {
      out.u8(0x02);
      out.u16(b.length);
    }
    out.bytes(b);
  } else if (v === null) out.u8(0x05);
  else if (v === undefined) out.u8(0x06);
  else if (Array.isArray(v)) {
    out.u8(0x0a);
    out.u32(v.length);
    for (const x of v as readonly Amf0Intent[]) write0(c, x);
  } else if (v instanceof Uint8Array) {
    throw new Error('Uint8Array has no AMF0 encoding: use raw()');
  } else {
    out.u8(0x03);
    props0(c, pairsOf(v as { readonly [key: string]: Amf0Intent }), true);
  }
}

function amf0Ctx(opts: Amf3Options = {}): Ctx {
  return { out: new Sink(), amf3: new Amf3State(opts) };
}

export const amf0 = {
  /** Encode values back to back (an RTMP command/data body), sharing one AMF3 state. */
  encode(values: readonly Amf0Intent[], opts?: Amf3Options): Uint8Array {
    const c = amf0Ctx(opts);
    for (const v of values) write0(c, v);
    return c.out.done();
  },
  /** An RTMP command body: name, transaction id, command object, arguments. */
  command(name: string, transactionId: number, commandObject: Amf0Intent, ...args: Amf0Intent[]): Uint8Array {
    return amf0.encode([name, transactionId, commandObject, ...args]);
  },
  /** A realistic publisher `connect` (FFmpeg/OBS-like, with E-RTMP fields). */
  connectBody(overrides: { readonly [key: string]: Amf0Intent } = {}): Uint8Array {
    return amf0.command('connect', 1, {
      app: 'live',
      type: 'nonprivate',
      flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)',
      swfUrl: 'rtmp://127.0.0.1:1935/live',
      tcUrl: 'rtmp://127.0.0.1:1935/live',
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
      objectEncoding: 0,
      fourCcList: ['av01', 'vp09', 'hvc1'],
      videoFourCcInfoMap: amf0.ecma({ av01: 6, hvc1: 6 }),
      capsEx: 15,
      ...overrides,
    });
  },
  /** An explicit AMF0 number node (plain JS numbers encode the same way). */
  number(n: number): Node {
    return new Node('amf0', (c) => {
      c.out.u8(0x00);
      c.out.f64(n);
    });
  },
  /** Anonymous object from ordered pairs (odd keys, duplicates); `end: false` omits 00 00 09. */
  object(props: Pairs<Amf0Intent> | { readonly [key: string]: Amf0Intent }, o: { end?: boolean } = {}): Node {
    return new Node('amf0', (c) => {
      c.out.u8(0x03);
      props0(c, pairsOf(props), o.end ?? true);
    });
  },
  /** ECMA array; `count` overrides the declared count (default: number of pairs). */
  ecma(props: Pairs<Amf0Intent> | { readonly [key: string]: Amf0Intent }, o: { count?: number; end?: boolean } = {}): Node {
    const p = pairsOf(props);
    return new Node('amf0', (c) => {
      c.out.u8(0x08);
      c.out.u32(o.count ?? p.length);
      props0(c, p, o.end ?? true);
    });
  },
  /** Strict array; `count` overrides the declared count. */
  strict(items: readonly Amf0Intent[], o: { count?: number } = {}): Node {
    return new Node('amf0', (c) => {
      c.out.u8(0x0a);
      c.out.u32(o.count ?? items.length);
      for (const x of items) write0(c, x);
    });
  },
  typed(className: string, props: Pairs<Amf0Intent> | { readonly [key: string]: Amf0Intent }): Node {
    return new Node('amf0', (c) => {
      c.out.u8(0x10);
      utf8Short(c.out, className);
      props0(c, pairsOf(props), true);
    });
  },
  longString(s: string): Node {
    return new Node('amf0', (c) => {
      const b = enc.encode(s);
      c.out.u8(0x0c);
      c.out.u32(b.length);
      c.out.bytes(b);
    });
  },
  xml(s: string): Node {
    return new Node('amf0', (c) => {
      const b = enc.encode(s);
      c.out.u8(0x0f);
      c.out.u32(b.length);
      c.out.bytes(b);
    });
  },
  date(ms: number, tzMinutes = 0): Node {
    return new Node('amf0', (c) => {
      c.out.u8(0x0b);
      c.out.f64(ms);
      c.out.s16(tzMinutes);
    });
  },
  ref(index: number): Node {
    return new Node('amf0', (c) => {
      c.out.u8(0x07);
      c.out.u16(index);
    });
  },
  unsupported(): Node {
    return new Node('amf0', (c) => c.out.u8(0x0d));
  },
  /** A bare marker byte (movieclip 0x04, object end 0x09, recordset 0x0E, unknown ones...). */
  marker(m: number): Node {
    return new Node('raw', (c) => c.out.u8(m));
  },
  /** The object-end sequence 00 00 09. */
  objectEnd(): Node {
    return raw(new Uint8Array([0, 0, 9]));
  },
  /** AVM+ switch: 0x11 followed by one AMF3 value (sharing the message's AMF3 tables). */
  avmplus(v: Amf3Intent): Node {
    return new Node('amf0', (c) => {
      c.out.u8(0x11);
      write3(c, v);
    });
  },
  /** Marker-less U16-length UTF-8 (object keys, shared-object names) as bytes. */
  utf8(s: string): Uint8Array {
    const out = new Sink();
    utf8Short(out, s);
    return out.done();
  },
  raw,
};

// ---------------------------------------------------------------------------------------------
// AMF3

function string3(c: Ctx, s: string): void {
  const out = c.out;
  if (s === '') {
    out.u8(0x01);
    return;
  }
  const st = c.amf3;
  const idx = st.strings.get(s);
  if (idx !== undefined && st.opts.stringRefs !== false) {
    out.u29(idx << 1);
    return;
  }
  const b = enc.encode(s);
  out.u29((b.length << 1) | 1);
  out.bytes(b);
  if (!st.strings.has(s)) st.strings.set(s, st.stringCount);
  st.stringCount++;
}

/** Write inline traits or a trait reference; returns nothing (caller writes the members). */
function traits3(c: Ctx, className: string, sealed: readonly string[], dynamic: boolean, externalizable: boolean): void {
  const st = c.amf3;
  const key = `${externalizable ? 'E' : dynamic ? 'D' : 'S'}\u0000${className}\u0000${sealed.join('\u0000')}`;
  const idx = st.traits.get(key);
  if (idx !== undefined && st.opts.traitRefs !== false) {
    c.out.u29((idx << 2) | 1);
    return;
  }
  if (externalizable) c.out.u29(0x07);
  else c.out.u29((sealed.length << 4) | (dynamic ? 0x08 : 0) | 0x03);
  string3(c, className);
  for (const n of sealed) string3(c, n);
  if (!st.traits.has(key)) st.traits.set(key, st.traitCount);
  st.traitCount++;
}

function write3(c: Ctx, v: Amf3Intent): void {
  const out = c.out;
  if (v instanceof Node) {
    if (v.kind === 'amf0') throw new Error('AMF0 node in AMF3 position');
    v.write(c);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -0x10000000 && v <= 0x0fffffff && !Object.is(v, -0)) {
      out.u8(0x04);
      out.u29(v & 0x1fffffff);
    } else {
      out.u8(0x05);
      out.f64(v);
    }
  } else if (typeof v === 'boolean') out.u8(v ? 0x03 : 0x02);
  else if (typeof v === 'string') {
    out.u8(0x06);
    string3(c, v);
  } else if (v === null) out.u8(0x01);
  else if (v === undefined) out.u8(0x00);
  else if (v instanceof Uint8Array) {
    out.u8(0x0c);
    out.u29((v.length << 1) | 1);
    out.bytes(v);
  } else if (Array.isArray(v)) {
    out.u8(0x09);
    out.u29((v.length << 1) | 1);
    out.u8(0x01);
    for (const x of v as readonly Amf3Intent[]) write3(c, x);
  } else {
    out.u8(0x0a);
    traits3(c, '', [], true, false);
    for (const [k, x] of Object.entries(v as { readonly [key: string]: Amf3Intent })) {
      string3(c, k);
      write3(c, x);
    }
    out.u8(0x01);
  }
}

export type Amf3ObjectIntent = {
  readonly className?: string;
  /** Sealed members in trait order. */
  readonly sealed?: Pairs<Amf3Intent>;
  /** Dynamic members; presence makes the traits dynamic. */
  readonly dynamic?: Pairs<Amf3Intent> | { readonly [key: string]: Amf3Intent };
  /**
   * Use trait-table entry `traitRef` instead of inline traits; then `sealed` supplies only the
   * values (keys ignored) and `dynamic` is written only if given.
   */
  readonly traitRef?: number;
};

function node3(f: (c: Ctx) => void): Node {
  return new Node('amf3', f);
}

export const amf3 = {
  /** Encode one AMF3 value with fresh tables. */
  encode(v: Amf3Intent, opts?: Amf3Options): Uint8Array {
    return amf3.encodeValues([v], opts);
  },
  /** Encode AMF3 values back to back sharing one set of tables. */
  encodeValues(values: readonly Amf3Intent[], opts?: Amf3Options): Uint8Array {
    const c = amf0Ctx(opts);
    for (const v of values) write3(c, v);
    return c.out.done();
  },
  integer(n: number): Node {
    return node3((c) => {
      c.out.u8(0x04);
      c.out.u29(n & 0x1fffffff);
    });
  },
  double(n: number): Node {
    return node3((c) => {
      c.out.u8(0x05);
      c.out.f64(n);
    });
  },
  /** A string value written inline even when it is already in the table. */
  inlineString(s: string): Node {
    return node3((c) => {
      const b = enc.encode(s);
      c.out.u8(0x06);
      c.out.u29((b.length << 1) | 1);
      c.out.bytes(b);
      if (s !== '') {
        if (!c.amf3.strings.has(s)) c.amf3.strings.set(s, c.amf3.stringCount);
        c.amf3.stringCount++;
      }
    });
  },
  /** A string value sent as a reference to string-table entry `index`. */
  stringRef(index: number): Node {
    return node3((c) => {
      c.out.u8(0x06);
      c.out.u29(index << 1);
    });
  },
  /** Object-table reference (works for any complex marker; written with the object marker). */
  ref(index: number, marker = 0x0a): Node {
    return node3((c) => {
      c.out.u8(marker);
      c.out.u29(index << 1);
    });
  },
  xmlDoc(s: string): Node {
    return node3((c) => {
      const b = enc.encode(s);
      c.out.u8(0x07);
      c.out.u29((b.length << 1) | 1);
      c.out.bytes(b);
    });
  },
  xml(s: string): Node {
    return node3((c) => {
      const b = enc.encode(s);
      c.out.u8(0x0b);
      c.out.u29((b.length << 1) | 1);
      c.out.bytes(b);
    });
  },
  date(ms: number): Node {
    return node3((c) => {
      c.out.u8(0x08);
      c.out.u29(1);
      c.out.f64(ms);
    });
  },
  byteArray(b: Uint8Array): Node {
    return node3((c) => write3(c, b));
  },
  /** Array with dense items and an associative part (written first, as on the wire). */
  array(dense: readonly Amf3Intent[], assoc: Pairs<Amf3Intent> | { readonly [key: string]: Amf3Intent } = [], o: { count?: number } = {}): Node {
    return node3((c) => {
      c.out.u8(0x09);
      c.out.u29(((o.count ?? dense.length) << 1) | 1);
      for (const [k, x] of pairsOf(assoc)) {
        string3(c, k);
        write3(c, x);
      }
      c.out.u8(0x01);
      for (const x of dense) write3(c, x);
    });
  },
  object(o: Amf3ObjectIntent): Node {
    return node3((c) => {
      const sealed = o.sealed ?? [];
      const dyn = o.dynamic === undefined ? undefined : pairsOf(o.dynamic);
      c.out.u8(0x0a);
      if (o.traitRef !== undefined) c.out.u29((o.traitRef << 2) | 1);
      else
        traits3(
          c,
          o.className ?? '',
          sealed.map(([k]) => k),
          dyn !== undefined,
          false,
        );
      for (const [, x] of sealed) write3(c, x);
      if (dyn !== undefined) {
        for (const [k, x] of dyn) {
          string3(c, k);
          write3(c, x);
        }
        c.out.u8(0x01);
      }
    });
  },
  /** Externalizable object whose body is one AMF3 value (ArrayCollection, ObjectProxy, ...). */
  external(className: string, body: Amf3Intent): Node {
    return node3((c) => {
      c.out.u8(0x0a);
      traits3(c, className, [], false, true);
      write3(c, body);
    });
  },
  /** Externalizable object with an opaque body. */
  externalRaw(className: string, body: Uint8Array): Node {
    return node3((c) => {
      c.out.u8(0x0a);
      traits3(c, className, [], false, true);
      c.out.bytes(body);
    });
  },
  vectorInt(items: readonly number[], fixed = false): Node {
    return node3((c) => {
      c.out.u8(0x0d);
      c.out.u29((items.length << 1) | 1);
      c.out.u8(fixed ? 1 : 0);
      for (const x of items) c.out.u32(x >>> 0);
    });
  },
  vectorUint(items: readonly number[], fixed = false): Node {
    return node3((c) => {
      c.out.u8(0x0e);
      c.out.u29((items.length << 1) | 1);
      c.out.u8(fixed ? 1 : 0);
      for (const x of items) c.out.u32(x >>> 0);
    });
  },
  vectorDouble(items: readonly number[], fixed = false): Node {
    return node3((c) => {
      c.out.u8(0x0f);
      c.out.u29((items.length << 1) | 1);
      c.out.u8(fixed ? 1 : 0);
      for (const x of items) c.out.f64(x);
    });
  },
  vectorObject(typeName: string, items: readonly Amf3Intent[], fixed = false): Node {
    return node3((c) => {
      c.out.u8(0x10);
      c.out.u29((items.length << 1) | 1);
      c.out.u8(fixed ? 1 : 0);
      string3(c, typeName);
      for (const x of items) write3(c, x);
    });
  },
  dictionary(entries: readonly (readonly [Amf3Intent, Amf3Intent])[], weakKeys = false): Node {
    return node3((c) => {
      c.out.u8(0x11);
      c.out.u29((entries.length << 1) | 1);
      c.out.u8(weakKeys ? 1 : 0);
      for (const [k, x] of entries) {
        write3(c, k);
        write3(c, x);
      }
    });
  },
  /** U29 bytes (for hand-built odd cases). */
  u29(n: number): Uint8Array {
    const s = new Sink();
    s.u29(n);
    return s.done();
  },
  raw,
};
