/**
 * AMF3 decoder (Adobe "AMF 3 Specification", 2013 edition; section numbers below refer to it).
 *
 * Contract: `decodeAmf3Values(bytes)` decodes AMF3 values back to back until the end of `bytes`;
 * `decodeAmf3Value(reader)` decodes one value at the reader's position, sharing the reader's
 * per-message string, object and trait tables (an RTMP message's AVM+-switched values all share
 * one set). Neither throws on input: an error stops decoding, is returned next to the values
 * decoded so far (the interrupted one marked `incomplete`), and sticks to the reader.
 *
 * Invariants: object-table references are never expanded (a `{type:'reference', amf: 3}` node
 * with a one-level target summary), so cycles and reference loops cannot recurse; string
 * references are resolved and charged against `maxTotalStringChars`. Complex values enter the
 * object table when they start (before their children), as Flash Player does, so a child can
 * refer to its ancestor. The empty string is never sent by reference nor added to the string
 * table (§1.3.2). Nesting is checked against `maxDepth` before descending, so recursion depth is
 * bounded by the cap whatever the input.
 */
import { AmfReader, FALSE, decodeAll, decodeOne, unwind, NULL, TRUE, UNDEFINED, amfNumber, doubleFields, refTarget, type Building, type Traits3 } from './reader.js';
import type { AmfArray, AmfByteArray, AmfDate, AmfDecodeOptions, AmfDecodeResult, AmfDictionary, AmfDictionaryEntry, AmfNumber, AmfObject, AmfProp, AmfReference, AmfTraits, AmfValue, AmfVectorDouble, AmfVectorInt, AmfVectorObject, AmfXml } from './types.js';

/** AMF3 type markers (§3.1). */
export const AMF3_MARKER = {
  undefined: 0x00,
  null: 0x01,
  false: 0x02,
  true: 0x03,
  integer: 0x04,
  double: 0x05,
  string: 0x06,
  xmlDocument: 0x07,
  date: 0x08,
  array: 0x09,
  object: 0x0a,
  xml: 0x0b,
  byteArray: 0x0c,
  vectorInt: 0x0d,
  vectorUint: 0x0e,
  vectorDouble: 0x0f,
  vectorObject: 0x10,
  dictionary: 0x11,
} as const;

/**
 * Externalizable classes whose body is exactly one AMF3 value (their writeExternal writes the
 * wrapped source array or object). Anything else externalizable has a private format: stop.
 */
export const KNOWN_EXTERNALIZABLE: ReadonlySet<string> = new Set(['flex.messaging.io.ArrayCollection', 'flex.messaging.io.ArrayList', 'flex.messaging.io.ObjectProxy', 'mx.collections.ArrayCollection', 'mx.collections.ArrayList', 'mx.utils.ObjectProxy']);

/** Create a cursor (with fresh per-message tables) for `decodeAmf3Value` / `decodeAmf0Value`. */
export function createAmfReader(bytes: Uint8Array, opts?: AmfDecodeOptions): AmfReader {
  return new AmfReader(bytes, opts);
}

/** Decode AMF3 values back to back until the end of `bytes`. Never throws on input. */
export function decodeAmf3Values(bytes: Uint8Array, opts?: AmfDecodeOptions): AmfDecodeResult {
  return decodeAll(bytes, opts, decodeAmf3Value);
}

/**
 * Decode one AMF3 value at `r.pos`. Returns `undefined` when nothing could be decoded; on error
 * `r.error` is set and the return value is the partial (incomplete) value, if any.
 */
export function decodeAmf3Value(r: AmfReader): AmfValue | undefined {
  return decodeOne(r, value3);
}

/** @internal One AMF3 value at nesting `depth`; throws STOP on error (see reader.ts). */
export function value3(r: AmfReader, depth: number): AmfValue {
  const at = r.pos;
  const m = r.readU8();
  r.countItem(at);
  switch (m) {
    case 0x00:
      return UNDEFINED;
    case 0x01:
      return NULL;
    case 0x02:
      return FALSE;
    case 0x03:
      return TRUE;
    case 0x04: {
      // §3.6: a U29 as signed 29-bit two's complement.
      const u = r.readU29();
      return { type: 'integer', value: (u << 3) >> 3 };
    }
    case 0x05:
      return amfNumber(r.readF64());
    case 0x06: {
      const value = readString3(r);
      const full = r.lastFullBytes;
      return full < 0 ? { type: 'string', value } : { type: 'string', value, fullBytes: full };
    }
    case 0x07:
      return xml3(r, at, 'xml-document');
    case 0x08:
      return date3(r, at);
    case 0x09:
      return array3(r, depth, at);
    case 0x0a:
      return object3(r, depth, at);
    case 0x0b:
      return xml3(r, at, 'xml');
    case 0x0c:
      return byteArray3(r, at);
    case 0x0d:
    case 0x0e:
    case 0x0f:
      return vectorNumeric3(r, depth, at, m);
    case 0x10:
      return vectorObject3(r, depth, at);
    case 0x11:
      return dictionary3(r, depth, at);
    default:
      return r.fail('amf.unknown-marker', at, `unknown AMF3 marker 0x${m.toString(16).padStart(2, '0')}`);
  }
}

/**
 * UTF-8-vr (§1.3.2): U29S-ref (low bit 0, index into the string table) or U29S-value (low bit 1,
 * byte length) + UTF-8. Sets `r.lastFullBytes` (clipped length or -1).
 */
export function readString3(r: AmfReader): string {
  const at = r.pos;
  const u = r.readU29();
  if ((u & 1) === 0) {
    const index = u >>> 1;
    const s = r.strings3[index];
    if (s === undefined) {
      return r.fail('amf.bad-reference', at, `AMF3 string reference ${index} of ${r.strings3.length}`);
    }
    r.chargeChars(s.length, at);
    r.lastFullBytes = r.clipped3?.get(index) ?? -1;
    return s;
  }
  const len = u >>> 1;
  if (len === 0) {
    r.lastFullBytes = -1;
    return '';
  }
  const s = r.readUtf8(len);
  if (r.lastFullBytes >= 0) (r.clipped3 ??= new Map()).set(r.strings3.length, r.lastFullBytes);
  r.strings3.push(s);
  return s;
}

/** Register a complex value in the object table; returns its index. */
function enter(r: AmfReader, v: AmfValue, open: boolean): number {
  r.objects3.push(v);
  r.open3.push(open);
  return r.objects3.length - 1;
}

/** An object-table reference (U29O-ref, low bit 0). */
function objectRef(r: AmfReader, u: number, at: number): AmfReference {
  const index = u >>> 1;
  const t = r.objects3[index];
  if (t === undefined) {
    return r.fail('amf.bad-reference', at, `AMF3 object reference ${index} of ${r.objects3.length}`);
  }
  return { type: 'reference', amf: 3, index, target: refTarget(t, r.open3[index] === true) };
}

/**
 * The U29 that opens a counted container (array, vector, dictionary): a reference to an object
 * already read (returned as such), or, low bit set, the count above it (nesting depth checked).
 */
function countOrRef(r: AmfReader, depth: number, at: number): number | AmfReference {
  const u = r.readU29();
  if ((u & 1) === 0) return objectRef(r, u, at);
  r.checkDepth(depth, at);
  return u >>> 1;
}

function xml3(r: AmfReader, at: number, variant: 'xml-document' | 'xml'): AmfValue {
  // §3.9 / §3.13: U29O-ref | U29X-value (byte length) + UTF-8. Not in the string table.
  const u = r.readU29();
  if ((u & 1) === 0) return objectRef(r, u, at);
  const value = r.readUtf8(u >>> 1);
  const full = r.lastFullBytes;
  const v: AmfXml = full < 0 ? { type: 'xml', variant, value } : { type: 'xml', variant, value, fullBytes: full };
  enter(r, v, false);
  return v;
}

function date3(r: AmfReader, at: number): AmfValue {
  // §3.10: U29O-ref | U29D-value (low bit 1, other bits unused) + DOUBLE ms UTC.
  const u = r.readU29();
  if ((u & 1) === 0) return objectRef(r, u, at);
  const f = doubleFields(r.readF64());
  const v: AmfDate = f.special === undefined ? { type: 'date', ms: f.value } : { type: 'date', ms: f.value, special: f.special };
  enter(r, v, false);
  return v;
}

function byteArray3(r: AmfReader, at: number): AmfValue {
  // §3.14: U29O-ref | U29B-value (byte length) + bytes. Only a prefix is kept.
  const u = r.readU29();
  if ((u & 1) === 0) return objectRef(r, u, at);
  const length = u >>> 1;
  r.need(length);
  const start = r.pos;
  r.pos = start + length;
  const v: AmfByteArray = { type: 'bytearray', length, prefixHex: r.hexPrefix(start, length) };
  enter(r, v, false);
  return v;
}

function array3(r: AmfReader, depth: number, at: number): AmfValue {
  // §3.11: U29O-ref | U29A-value (dense count) + assoc (UTF-8-vr key, value)* UTF-8-empty + dense.
  const declaredCount = countOrRef(r, depth, at);
  if (typeof declaredCount !== 'number') return declaredCount;
  const props: AmfProp[] = [];
  const items: AmfValue[] = [];
  const arr: AmfArray = { type: 'array', declaredCount, props, items };
  const index = enter(r, arr, true);
  let key: string | undefined;
  let dense = false;
  try {
    for (;;) {
      key = readString3(r);
      if (key === '') break;
      props.push({ key, value: value3(r, depth + 1) });
    }
    key = undefined;
    dense = true;
    for (let i = 0; i < declaredCount; i++) items.push(value3(r, depth + 1));
  } catch (e) {
    unwind(r, e, arr, (p) => {
      if (dense) items.push(p);
      else if (key !== undefined) props.push({ key, value: p });
    });
  }
  r.open3[index] = false;
  return arr;
}

/** Read traits for an object header `u` whose low bit is 1 (§3.12). */
function traits3(r: AmfReader, u: number, at: number): Traits3 {
  if ((u & 2) === 0) {
    // U29O-traits-ref: index into the trait table.
    const index = u >>> 2;
    const t = r.traits3[index];
    if (t === undefined) {
      return r.fail('amf.bad-reference', at, `AMF3 trait reference ${index} of ${r.traits3.length}`);
    }
    return t;
  }
  if ((u & 4) !== 0) {
    // U29O-traits-ext: class name, then a class-specific body.
    const className = readString3(r);
    const t: Traits3 = { className, names: [], info: EXTERNAL_TRAITS };
    r.traits3.push(t);
    return t;
  }
  // U29O-traits: bit 3 dynamic, bits 4.. sealed member count.
  const dynamic = (u & 8) !== 0;
  const sealed = u >>> 4;
  const className = readString3(r);
  const names: string[] = [];
  for (let i = 0; i < sealed; i++) {
    r.countItem(r.pos);
    names.push(readString3(r));
  }
  const info: AmfTraits = Object.freeze({ sealed, dynamic, externalizable: false });
  const t: Traits3 = { className, names, info };
  r.traits3.push(t);
  return t;
}

const EXTERNAL_TRAITS: AmfTraits = Object.freeze({ sealed: 0, dynamic: false, externalizable: true });

function object3(r: AmfReader, depth: number, at: number): AmfValue {
  const u = r.readU29();
  if ((u & 1) === 0) return objectRef(r, u, at);
  r.checkDepth(depth, at);
  const t = traits3(r, u, at);
  const props: AmfProp[] = [];
  const obj: AmfObject = t.className === '' ? { type: 'object', traits: t.info, props } : { type: 'object', className: t.className, traits: t.info, props };
  const index = enter(r, obj, true);
  let key: string | undefined;
  try {
    if (t.info.externalizable) {
      if (!KNOWN_EXTERNALIZABLE.has(t.className)) {
        r.fail('amf.externalizable', at, `externalizable class ${JSON.stringify(t.className)} has a private format`);
      }
      key = '';
      (obj as Building).external = value3(r, depth + 1);
    } else {
      const names = t.names;
      for (let i = 0; i < names.length; i++) {
        key = names[i]!;
        props.push({ key, value: value3(r, depth + 1) });
      }
      key = undefined;
      if (t.info.dynamic) {
        for (;;) {
          key = readString3(r);
          if (key === '') break;
          props.push({ key, value: value3(r, depth + 1) });
          key = undefined;
        }
      }
    }
  } catch (e) {
    unwind(r, e, obj, (p) => {
      if (key === undefined) return;
      if (t.info.externalizable) (obj as Building).external = p;
      else props.push({ key, value: p });
    });
  }
  r.open3[index] = false;
  return obj;
}

function vectorNumeric3(r: AmfReader, depth: number, at: number, m: number): AmfValue {
  // §3.15: U29O-ref | U29V-value (count) + fixed U8 + count × (S32 | U32 | DOUBLE).
  const declaredCount = countOrRef(r, depth, at);
  if (typeof declaredCount !== 'number') return declaredCount;
  const fixed = r.readU8() !== 0;
  if (m === 0x0f) {
    const items: AmfNumber[] = [];
    const v: AmfVectorDouble = { type: 'vector-double', fixed, declaredCount, items };
    return items3(r, v, items, declaredCount, () => {
      r.countItem(r.pos);
      return amfNumber(r.readF64());
    });
  }
  const items: number[] = [];
  const signed = m === 0x0d;
  const v: AmfVectorInt = { type: signed ? 'vector-int' : 'vector-uint', fixed, declaredCount, items };
  return items3(r, v, items, declaredCount, () => {
    r.countItem(r.pos);
    return signed ? r.readS32() : r.readU32();
  });
}

/**
 * The `count` items of the container `v` read by `read` into `items` (`v` registered in the
 * object table and open meanwhile); `partial` takes a partly read item when the input ends.
 */
function items3<T>(r: AmfReader, v: AmfValue, items: T[], count: number, read: () => T, partial?: (p: AmfValue) => void): AmfValue {
  const index = enter(r, v, true);
  try {
    for (let i = 0; i < count; i++) items.push(read());
  } catch (e) {
    unwind(r, e, v, partial);
  }
  r.open3[index] = false;
  return v;
}

function vectorObject3(r: AmfReader, depth: number, at: number): AmfValue {
  // §3.15: U29O-ref | U29V-value + fixed U8 + object-type-name (UTF-8-vr) + count × value.
  const declaredCount = countOrRef(r, depth, at);
  if (typeof declaredCount !== 'number') return declaredCount;
  const fixed = r.readU8() !== 0;
  const typeName = readString3(r);
  const items: AmfValue[] = [];
  const v: AmfVectorObject = { type: 'vector-object', fixed, typeName, declaredCount, items };
  return items3(
    r,
    v,
    items,
    declaredCount,
    () => value3(r, depth + 1),
    (p) => items.push(p),
  );
}

function dictionary3(r: AmfReader, depth: number, at: number): AmfValue {
  // §3.16: U29O-ref | U29Dict-value (entry count) + weak-keys U8 + count × (key value, value).
  const declaredCount = countOrRef(r, depth, at);
  if (typeof declaredCount !== 'number') return declaredCount;
  const weakKeys = r.readU8() !== 0;
  const entries: AmfDictionaryEntry[] = [];
  const v: AmfDictionary = { type: 'dictionary', weakKeys, declaredCount, entries };
  const index = enter(r, v, true);
  let key: AmfValue | undefined;
  try {
    for (let i = 0; i < declaredCount; i++) {
      key = undefined;
      key = value3(r, depth + 1);
      entries.push({ key, value: value3(r, depth + 1) });
    }
  } catch (e) {
    // A partial value completes its entry; a partial key is dropped (it has no value to pair with).
    unwind(r, e, v, (p) => {
      if (key !== undefined) entries.push({ key, value: p });
    });
  }
  r.open3[index] = false;
  return v;
}
