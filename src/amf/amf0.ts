/**
 * AMF0 decoder (Adobe "Action Message Format -- AMF 0", 2007; section numbers below refer to it).
 *
 * Contract: `decodeAmf0Values(bytes)` decodes AMF0 values back to back until the end of `bytes`
 * (an RTMP command, data or shared-object value sequence, after any AMF3 format byte); it never
 * throws on input. An error (truncation, unknown or reserved marker, depth or size cap, bad
 * reference, undecodable AMF3 externalizable) stops decoding: the values decoded so far are
 * returned, the interrupted one marked `incomplete`, with a structured `error`.
 * `decodeAmf0Value(reader)` is the one-value step for callers that frame values themselves
 * (shared-object events), with `readAmf0Utf8(reader)` for the marker-less UTF-8 keys they use.
 *
 * Invariants: the AVM+ switch (0x11) makes exactly the next value AMF3 (§3.1), decoded with the
 * reader's per-message AMF3 tables, so all AMF3 values of one message share them. References
 * (0x07) index the complex values (anonymous object, typed object, ECMA array, strict array) in
 * the order they start (§2.9) and are never expanded. ECMA arrays end at the object-end marker
 * whatever their count says (counts are 0 or wrong in the wild: SRS #852). Counts are never used
 * to allocate. Nesting is checked before descending.
 */
import { value3 } from './amf3.js';
import { AmfReader, NULL, decodeAll, decodeOne, unwind, STOP, UNDEFINED, UNSUPPORTED, amfNumber, doubleFields, refTarget, withAvmplus } from './reader.js';
import type { AmfDate, AmfDecodeOptions, AmfDecodeResult, AmfEcmaArray, AmfObject, AmfProp, AmfStrictArray, AmfValue } from './types.js';

/** AMF0 type markers (§2.1). */
export const AMF0_MARKER = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  movieclip: 0x04,
  null: 0x05,
  undefined: 0x06,
  reference: 0x07,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
  recordset: 0x0e,
  xmlDocument: 0x0f,
  typedObject: 0x10,
  avmplus: 0x11,
} as const;

/** Decode AMF0 values back to back until the end of `bytes`. Never throws on input. */
export function decodeAmf0Values(bytes: Uint8Array, opts?: AmfDecodeOptions): AmfDecodeResult {
  return decodeAll(bytes, opts, decodeAmf0Value);
}

/**
 * Decode one AMF0 value at `r.pos`. Returns `undefined` when nothing could be decoded; on error
 * `r.error` is set and the return value is the partial (incomplete) value, if any.
 */
export function decodeAmf0Value(r: AmfReader): AmfValue | undefined {
  return decodeOne(r, value0);
}

/**
 * Read a marker-less AMF0 UTF-8 (U16 length + bytes), as shared-object events use for names.
 * Returns `undefined` (with `r.error` set) on error.
 */
export function readAmf0Utf8(r: AmfReader): string | undefined {
  if (r.error !== undefined) return undefined;
  try {
    return r.readUtf8(r.readU16());
  } catch (e) {
    if (e !== STOP) throw e;
    r.partial = undefined;
    return undefined;
  }
}

/** @internal One AMF0 value at nesting `depth`; throws STOP on error (see reader.ts). */
export function value0(r: AmfReader, depth: number): AmfValue {
  const at = r.pos;
  const m = r.readU8();
  r.countItem(at);
  switch (m) {
    case 0x00:
      return amfNumber(r.readF64());
    case 0x01:
      return { type: 'boolean', value: r.readU8() !== 0 };
    case 0x02:
      return string0(r, r.readU16());
    case 0x03:
      return object0(r, depth, at, undefined);
    case 0x04:
      return r.fail('amf.reserved-marker', at, 'AMF0 movieclip marker 0x04 is reserved (length unknown)');
    case 0x05:
      return NULL;
    case 0x06:
      return UNDEFINED;
    case 0x07: {
      // §2.9: U16 index into the complex-value table.
      const index = r.readU16();
      const t = r.refs0[index];
      if (t === undefined) return r.fail('amf.bad-reference', at, `AMF0 reference ${index} of ${r.refs0.length}`);
      return { type: 'reference', amf: 0, index, target: refTarget(t, r.open0[index] === true) };
    }
    case 0x08:
      return ecmaArray0(r, depth, at);
    case 0x09:
      return r.fail('amf.unexpected-object-end', at, 'AMF0 object-end marker where a value was expected');
    case 0x0a:
      return strictArray0(r, depth, at);
    case 0x0b: {
      // §2.13: DOUBLE ms since epoch UTC + S16 time zone (reserved, should be 0).
      const f = doubleFields(r.readF64());
      const tzMinutes = r.readS16();
      const d: AmfDate = f.special === undefined ? { type: 'date', ms: f.value, tzMinutes } : { type: 'date', ms: f.value, special: f.special, tzMinutes };
      return d;
    }
    case 0x0c:
      return string0(r, r.readU32());
    case 0x0d:
      return UNSUPPORTED;
    case 0x0e:
      return r.fail('amf.reserved-marker', at, 'AMF0 recordset marker 0x0E is reserved (length unknown)');
    case 0x0f: {
      // §2.17: U32 length + UTF-8.
      const value = r.readUtf8(r.readU32());
      const full = r.lastFullBytes;
      return full < 0 ? { type: 'xml', variant: 'xml-document', value } : { type: 'xml', variant: 'xml-document', value, fullBytes: full };
    }
    case 0x10: {
      // §2.18: class name (UTF-8) then properties as for an anonymous object.
      r.checkDepth(depth, at);
      const className = r.readUtf8(r.readU16());
      return object0(r, depth, at, className);
    }
    case 0x11:
      // §3.1: the next value is AMF3.
      try {
        return withAvmplus(value3(r, depth));
      } catch (e) {
        if (e === STOP && r.partial !== undefined) r.partial = withAvmplus(r.partial);
        throw e;
      }
    default:
      return r.fail('amf.unknown-marker', at, `unknown AMF0 marker 0x${m.toString(16).padStart(2, '0')}`);
  }
}

function string0(r: AmfReader, len: number): AmfValue {
  const value = r.readUtf8(len);
  const full = r.lastFullBytes;
  return full < 0 ? { type: 'string', value } : { type: 'string', value, fullBytes: full };
}

/** Register a complex value in the AMF0 reference table; returns its index. */
function enter(r: AmfReader, v: AmfValue): number {
  r.refs0.push(v);
  r.open0.push(true);
  return r.refs0.length - 1;
}

/**
 * The body of `container` (object or ECMA array, registered in the reference table here and open
 * while read): `(UTF-8 key, value)*` until an empty key followed by the object-end marker (§2.5).
 * An empty key followed by any other marker is taken as a property named '' (lenient).
 */
function props0(r: AmfReader, depth: number, container: AmfObject | AmfEcmaArray): AmfValue {
  const props = container.props as AmfProp[];
  const index = enter(r, container);
  let key: string | undefined;
  try {
    for (;;) {
      key = r.readUtf8(r.readU16());
      if (key === '' && r.peekU8() === 0x09) {
        r.pos++;
        r.open0[index] = false;
        return container;
      }
      props.push({ key, value: value0(r, depth + 1) });
      key = undefined;
    }
  } catch (e) {
    unwind(r, e, container, (p) => {
      if (key !== undefined) props.push({ key, value: p });
    });
  }
}

function object0(r: AmfReader, depth: number, at: number, className: string | undefined): AmfValue {
  r.checkDepth(depth, at);
  return props0(r, depth, className === undefined ? { type: 'object', props: [] } : { type: 'object', className, props: [] });
}

function ecmaArray0(r: AmfReader, depth: number, at: number): AmfValue {
  // §2.10: U32 associative count (informational only) then properties and the end marker.
  r.checkDepth(depth, at);
  return props0(r, depth, { type: 'ecma-array', declaredCount: r.readU32(), props: [] });
}

function strictArray0(r: AmfReader, depth: number, at: number): AmfValue {
  // §2.12: U32 count + values. Each value takes ≥ 1 byte, so a count beyond the remaining bytes
  // just runs into `amf.truncated` (or the item cap) after the values that are there.
  r.checkDepth(depth, at);
  const declaredCount = r.readU32();
  const items: AmfValue[] = [];
  const arr: AmfStrictArray = { type: 'strict-array', declaredCount, items };
  const index = enter(r, arr);
  try {
    for (let i = 0; i < declaredCount; i++) items.push(value0(r, depth + 1));
  } catch (e) {
    unwind(r, e, arr, (p) => items.push(p));
  }
  r.open0[index] = false;
  return arr;
}
