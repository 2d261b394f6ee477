/**
 * AMF value model. Every decoded AMF0 or AMF3 value is a plain, readonly, tagged object
 * (`type` is the tag) that survives `JSON.parse(JSON.stringify(v))` unchanged (deepStrictEqual):
 * no class instances, no bigint, no `undefined` fields, no NaN/Infinity/-0 numbers, and no
 * unbounded raw bytes (byte arrays keep only a capped hex prefix; strings past the string cap keep
 * a prefix and say how long they were).
 *
 * Invariants:
 * - Objects and arrays keep their properties as ordered `{key, value}` pairs, exactly as on the
 *   wire: duplicates, `__proto__`, `constructor` and numeric-string keys are ordinary keys.
 * - Doubles that JSON cannot carry are encoded as `{value: null, special}` ('NaN', 'Infinity',
 *   '-Infinity'), and negative zero as `{value: 0, special: '-0'}`; see {@link AmfNumber}.
 * - References (AMF0 marker 0x07; AMF3 object-table references) are never expanded into copies:
 *   they stay `{type: 'reference'}` nodes with a one-level summary of their target. The tree is
 *   therefore always finite and acyclic, and its JSON size is linear in the input, even for
 *   self-referencing or diamond-shaped inputs. AMF3 *string* references are resolved to the
 *   string (strings cannot be cyclic; the total is capped by `maxTotalStringChars`).
 * - A container whose decoding was cut short by an error carries `incomplete: true` and holds the
 *   children decoded before the error (the error itself is reported next to the values).
 * - Containers whose wire form states a count record it as `declaredCount`. For AMF0 ECMA arrays
 *   it is informational only (counts are wrong in the wild, SRS #852: the end marker decides).
 */
import { CATALOGUE } from '../core/diagnostics.js';

/** How a double that JSON cannot represent is encoded. */
export type DoubleSpecial = 'NaN' | 'Infinity' | '-Infinity' | '-0';

/** Present on the value that directly follows an AMF0 AVM+ switch (0x11): it is AMF3-encoded. */
type Tags = { readonly avmplus?: true };

/**
 * An IEEE double (AMF0 0x00, AMF3 0x05). `value` is the number when JSON can carry it;
 * NaN and ±Infinity have `value: null` and `special`; negative zero has `value: 0, special: '-0'`.
 */
export type AmfNumber = Tags & {
  readonly type: 'number';
  readonly value: number | null;
  readonly special?: DoubleSpecial;
};

/** AMF3 integer (0x04): a U29 read as a signed 29-bit two's complement number. */
export type AmfInteger = Tags & { readonly type: 'integer'; readonly value: number };

export type AmfBoolean = Tags & { readonly type: 'boolean'; readonly value: boolean };

/**
 * A string (AMF0 string/long string, AMF3 string). When the encoded string is longer than the
 * `maxStringBytes` cap, `value` holds the decoded prefix and `fullBytes` the encoded length.
 */
export type AmfString = Tags & {
  readonly type: 'string';
  readonly value: string;
  readonly fullBytes?: number;
};

export type AmfNull = Tags & { readonly type: 'null' };
export type AmfUndefined = Tags & { readonly type: 'undefined' };
/** AMF0 unsupported marker (0x0D): a value the sender could not serialise. */
export type AmfUnsupported = Tags & { readonly type: 'unsupported' };

export type AmfProp = { readonly key: string; readonly value: AmfValue };

/** AMF3 traits, shared by every object that uses them. */
export type AmfTraits = {
  /** Number of sealed members: the first `sealed` props of the object, in trait order. */
  readonly sealed: number;
  /** Dynamic members follow the sealed ones. */
  readonly dynamic: boolean;
  /** The body is class-specific (IExternalizable); see `AmfObject.external`. */
  readonly externalizable: boolean;
};

/**
 * Anonymous object (AMF0 0x03, AMF3 0x0A with empty class name) or typed object (AMF0 0x10, AMF3
 * with a class name). `traits` is present only for AMF3 objects. For a known externalizable AMF3
 * class (flex ArrayCollection/ArrayList/ObjectProxy and their mx aliases) `external` holds the
 * one AMF3 value its body consists of; `props` is then empty.
 */
export type AmfObject = Tags & {
  readonly type: 'object';
  readonly className?: string;
  readonly traits?: AmfTraits;
  readonly props: readonly AmfProp[];
  readonly external?: AmfValue;
  readonly incomplete?: true;
};

/**
 * A container whose count is on the wire: `declaredCount` is what the sender claimed (the items
 * read may be fewer); `incomplete` when the input ended inside it.
 */
type Counted<K extends string> = Tags & { readonly type: K; readonly declaredCount: number; readonly incomplete?: true };

/** AMF0 ECMA array (0x08): associative, ended by the object-end marker (its count is informational). */
export type AmfEcmaArray = Counted<'ecma-array'> & { readonly props: readonly AmfProp[] };

/** AMF0 strict array (0x0A). */
export type AmfStrictArray = Counted<'strict-array'> & { readonly items: readonly AmfValue[] };

/** AMF3 array (0x09): associative part (in wire order) then the dense part (`declaredCount` items). */
export type AmfArray = Counted<'array'> & { readonly props: readonly AmfProp[]; readonly items: readonly AmfValue[] };

/**
 * Date (AMF0 0x0B, AMF3 0x08): milliseconds since the epoch, UTC, encoded like {@link AmfNumber}.
 * `tzMinutes` is the AMF0 S16 time-zone field (reserved by the spec, normally 0); AMF3 has none.
 */
export type AmfDate = Tags & {
  readonly type: 'date';
  readonly ms: number | null;
  readonly special?: DoubleSpecial;
  readonly tzMinutes?: number;
};

/**
 * XML: `variant` 'xml-document' is AMF0 0x0F and AMF3 0x07 (legacy flash.xml.XMLDocument);
 * 'xml' is AMF3 0x0B (E4X). Clipped like strings.
 */
export type AmfXml = Tags & {
  readonly type: 'xml';
  readonly variant: 'xml-document' | 'xml';
  readonly value: string;
  readonly fullBytes?: number;
};

/** AMF3 ByteArray (0x0C): its length and the first few bytes in lower-case hex. */
export type AmfByteArray = Tags & {
  readonly type: 'bytearray';
  readonly length: number;
  readonly prefixHex: string;
};

/** AMF3 numeric vectors (0x0D-0x0F); `fixed` is the fixed-length flag (AmfVectorObject has it too). */
type Vector<K extends string, I> = Counted<K> & { readonly fixed: boolean; readonly items: readonly I[] };

export type AmfVectorInt = Vector<'vector-int' | 'vector-uint', number>;

export type AmfVectorDouble = Vector<'vector-double', AmfNumber>;

/** AMF3 Vector.<T> (0x10); `typeName` is the element class name ('' or '*' for any). */
export type AmfVectorObject = Counted<'vector-object'> & { readonly fixed: boolean; readonly typeName: string; readonly items: readonly AmfValue[] };

export type AmfDictionaryEntry = { readonly key: AmfValue; readonly value: AmfValue };

/** AMF3 Dictionary (0x11): keys are arbitrary values. */
export type AmfDictionary = Counted<'dictionary'> & { readonly weakKeys: boolean; readonly entries: readonly AmfDictionaryEntry[] };

/** One-level description of what a reference points at. */
export type AmfRefTarget = {
  readonly type: AmfValue['type'];
  /** Class name of a typed object target. */
  readonly className?: string;
  /** The target was still being decoded when referenced: the reference closes a cycle. */
  readonly cyclic: boolean;
};

/**
 * A reference to an earlier complex value of the same message: `amf: 0` indexes the AMF0 table
 * (objects, typed objects, ECMA and strict arrays, in the order they start), `amf: 3` the AMF3
 * object table (objects, arrays, dates, XML, byte arrays, vectors, dictionaries, in the order they
 * start). Out-of-range indexes are an `amf.bad-reference` error, so `target` always exists.
 */
export type AmfReference = Tags & {
  readonly type: 'reference';
  readonly amf: 0 | 3;
  readonly index: number;
  readonly target: AmfRefTarget;
};

export type AmfValue =
  | AmfNumber
  | AmfInteger
  | AmfBoolean
  | AmfString
  | AmfNull
  | AmfUndefined
  | AmfUnsupported
  | AmfObject
  | AmfEcmaArray
  | AmfStrictArray
  | AmfArray
  | AmfDate
  | AmfXml
  | AmfByteArray
  | AmfVectorInt
  | AmfVectorDouble
  | AmfVectorObject
  | AmfDictionary
  | AmfReference;

export type AmfType = AmfValue['type'];

/** Stable error codes with their explanations (for the diagnostics catalogue). */
/** AMF error codes; their explanations live in the diagnostics catalogue (core/diagnostics.ts). */
export const AMF_ERRORS = {
  'amf.truncated': CATALOGUE['amf.truncated'].explain,
  'amf.unknown-marker': CATALOGUE['amf.unknown-marker'].explain,
  'amf.reserved-marker': CATALOGUE['amf.reserved-marker'].explain,
  'amf.unexpected-object-end': CATALOGUE['amf.unexpected-object-end'].explain,
  'amf.depth-cap': CATALOGUE['amf.depth-cap'].explain,
  'amf.length-cap': CATALOGUE['amf.length-cap'].explain,
  'amf.bad-reference': CATALOGUE['amf.bad-reference'].explain,
  'amf.externalizable': CATALOGUE['amf.externalizable'].explain,
} as const;

export type AmfErrorCode = keyof typeof AMF_ERRORS;

/** Why decoding stopped. `offset` is relative to the start of the bytes given to the decoder. */
export type AmfError = {
  readonly code: AmfErrorCode;
  readonly offset: number;
  readonly message: string;
};

export type AmfDecodeResult = {
  /** Values decoded before any error; the last one may be `incomplete`. */
  readonly values: readonly AmfValue[];
  readonly error?: AmfError;
};

export type AmfDecodeOptions = {
  /** Maximum container nesting (objects, arrays, vectors, dictionaries). Default 64. */
  readonly maxDepth?: number;
  /** Maximum number of values (including vector items and trait member names) per message. Default 200 000. */
  readonly maxItems?: number;
  /** Strings and XML longer than this many encoded bytes are clipped (see `fullBytes`). Default 65 536. */
  readonly maxStringBytes?: number;
  /** Maximum string characters produced per message, keys and AMF3 string references included. Default 16 Mi. */
  readonly maxTotalStringChars?: number;
  /** Bytes of a ByteArray kept as hex. Default 32. */
  readonly byteArrayPrefix?: number;
};

export const AMF_DEFAULTS: Readonly<Required<AmfDecodeOptions>> = Object.freeze({
  maxDepth: 64,
  maxItems: 200_000,
  maxStringBytes: 65_536,
  maxTotalStringChars: 16 * 1024 * 1024,
  byteArrayPrefix: 32,
});
