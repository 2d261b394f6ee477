/**
 * Helpers over decoded AMF values: property lookup and a compact plain-JSON form for summaries.
 * Pure functions; they never throw on any value the decoders produce.
 *
 * `toPlain` is lossy by design (use the tagged values when fidelity matters):
 * - objects, ECMA arrays and AMF3 arrays with an associative part become JSON objects created
 *   with `Object.create(null)`, so `__proto__` and `constructor` are ordinary own keys; duplicate
 *   keys keep the last value (as JSON.parse and Flash Player do); integer-like keys move to the
 *   front in ascending order (JavaScript property order); class names and traits are dropped.
 * - strict arrays, dense AMF3 arrays and vectors become arrays; dictionaries become arrays of
 *   `[key, value]` pairs (their keys may be objects).
 * - numbers: NaN/±Infinity become the strings 'NaN', 'Infinity', '-Infinity'; -0 becomes 0.
 * - null, undefined and unsupported become null; dates become ISO-8601 strings (null when not a
 *   valid date); XML becomes its text; a known externalizable object becomes its wrapped value.
 * - references become `{ "$ref": index }`; byte arrays become `{ "$bytes": length, "$hex": prefix }`.
 */
import type { AmfProp, AmfValue } from './types.js';

export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/** Convert to compact plain JSON (see the file comment for the mapping). */
export function toPlain(v: AmfValue): PlainValue {
  switch (v.type) {
    case 'number':
      return v.value !== null ? v.value : (v.special ?? 'NaN');
    case 'integer':
    case 'boolean':
    case 'string':
      return v.value;
    case 'null':
    case 'undefined':
    case 'unsupported':
      return null;
    case 'object':
      if (v.external !== undefined && v.props.length === 0) return toPlain(v.external);
      return propsToPlain(v.props, undefined);
    case 'ecma-array':
      return propsToPlain(v.props, undefined);
    case 'array':
      return v.props.length === 0 ? v.items.map(toPlain) : propsToPlain(v.props, v.items);
    case 'strict-array':
    case 'vector-double':
    case 'vector-object':
      return (v.items as readonly AmfValue[]).map(toPlain);
    case 'vector-int':
    case 'vector-uint':
      return v.items.slice();
    case 'dictionary':
      return v.entries.map((e) => [toPlain(e.key), toPlain(e.value)]);
    case 'date': {
      if (v.ms === null) return null;
      const d = new Date(v.ms);
      return Number.isNaN(d.getTime()) ? null : d.toISOString();
    }
    case 'xml':
      return v.value;
    case 'bytearray': {
      const o = Object.create(null) as { [key: string]: PlainValue };
      o['$bytes'] = v.length;
      o['$hex'] = v.prefixHex;
      return o;
    }
    case 'reference': {
      const o = Object.create(null) as { [key: string]: PlainValue };
      o['$ref'] = v.index;
      return o;
    }
  }
}

function propsToPlain(props: readonly AmfProp[], dense: readonly AmfValue[] | undefined): { [key: string]: PlainValue } {
  const o = Object.create(null) as { [key: string]: PlainValue };
  if (dense !== undefined) for (let i = 0; i < dense.length; i++) o[String(i)] = toPlain(dense[i]!);
  for (const p of props) o[p.key] = toPlain(p.value);
  return o;
}

/**
 * The value of property `key` of an object, ECMA array or AMF3 array (associative part), or of
 * the object wrapped by a known externalizable (ObjectProxy). The last occurrence wins, as in
 * `toPlain`. `undefined` when absent or when `v` has no properties.
 */
export function getProp(v: AmfValue | undefined, key: string): AmfValue | undefined {
  if (v === undefined) return undefined;
  if (v.type !== 'object' && v.type !== 'ecma-array' && v.type !== 'array') return undefined;
  const props = v.props;
  for (let i = props.length - 1; i >= 0; i--) {
    const p = props[i]!;
    if (p.key === key) return p.value;
  }
  if (v.type === 'object' && v.external !== undefined) return getProp(v.external, key);
  return undefined;
}

/** The string of a string value (possibly clipped, see `fullBytes`), else `undefined`. */
export function asString(v: AmfValue | undefined): string | undefined {
  return v !== undefined && v.type === 'string' ? v.value : undefined;
}

/** The number of a number or AMF3 integer value (NaN/±Infinity/-0 restored), else `undefined`. */
export function asNumber(v: AmfValue | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v.type === 'integer') return v.value;
  if (v.type !== 'number') return undefined;
  switch (v.special) {
    case undefined:
      return v.value ?? Number.NaN;
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case '-0':
      return -0;
  }
}

/** The boolean of a boolean value, else `undefined`. */
export function asBoolean(v: AmfValue | undefined): boolean | undefined {
  return v !== undefined && v.type === 'boolean' ? v.value : undefined;
}

/** `getProp` then `asString`: e.g. `propString(connectObject, 'app')`. */
export function propString(v: AmfValue | undefined, key: string): string | undefined {
  return asString(getProp(v, key));
}

/** `getProp` then `asNumber`. */
export function propNumber(v: AmfValue | undefined, key: string): number | undefined {
  return asNumber(getProp(v, key));
}
