/**
 * An RTMP AMF3 data message (type 15) as FLV script data. FLV has one script tag type (18), AMF0
 * only, and FFmpeg's demuxer (libavformat/flvdec.c) reads only tags 8, 9 and 18 — any other tag
 * type is skipped — and in script data only the AMF0 markers number, boolean, string, object,
 * null, undefined, unsupported, ECMA array, strict array and date (`amf_parse_object`: anything
 * else, the AVM+ switch 0x11 included, stops the parse with "unsupported amf type"). So a type-15
 * body (a format byte 0, then AMF0 values where 0x11 makes the next value AMF3) becomes:
 *   - without any AVM+ switch: its AMF0 values unchanged (the format byte dropped);
 *   - with one: every value re-encoded in those AMF0 markers — AMF3 integers as numbers, dense
 *     AMF3 arrays and vectors as strict arrays, associative ones and dictionaries as ECMA arrays,
 *     objects as anonymous objects (a class name is dropped: flvdec refuses typed objects), XML
 *     and long strings as strings, dates as dates.
 * What the decoded value model does not hold whole — a ByteArray (a prefix only), an object-table
 * reference, a string clipped at the decoder's cap, a value cut by a decoding error — becomes the
 * AMF0 `unsupported` marker and is counted in `lossy`.
 *
 * Pure; never throws on input. Memory: the output is at most a few bytes per decoded value, and
 * the values are capped by the AMF decoder (AMF_DEFAULTS).
 */
import { decodeAmf0Values, type AmfProp, type AmfValue } from '../amf/index.js';

export type Amf0Script = { readonly data: Uint8Array; readonly lossy: number };

/** The output as pieces, joined once at the end (a data message's values are few and small). */
class Out {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  bytes(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
  byte(b: number): void {
    this.bytes(Uint8Array.of(b));
  }
  u16(n: number): void {
    this.bytes(Uint8Array.of((n >>> 8) & 0xff, n & 0xff));
  }
  u32(n: number): void {
    this.bytes(Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
  }
  f64(d: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, d);
    this.bytes(b);
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const enc = new TextEncoder();
const SPECIAL: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function hasAvmplus(v: AmfValue): boolean {
  if (v.avmplus === true) return true;
  switch (v.type) {
    case 'object':
    case 'ecma-array':
      return v.props.some((p) => hasAvmplus(p.value));
    case 'strict-array':
      return v.items.some(hasAvmplus);
    default:
      return false;
  }
}

class Encoder {
  readonly out = new Out();
  lossy = 0;

  value(v: AmfValue): void {
    const o = this.out;
    if ('incomplete' in v && v.incomplete === true) return this.unsupported();
    switch (v.type) {
      case 'number':
        o.byte(0x00);
        o.f64(v.value ?? SPECIAL[v.special ?? 'NaN'] ?? NaN);
        return;
      case 'integer':
        o.byte(0x00);
        o.f64(v.value);
        return;
      case 'boolean':
        o.byte(0x01);
        o.byte(v.value ? 1 : 0);
        return;
      case 'string':
      case 'xml':
        if (v.fullBytes !== undefined) return this.unsupported();
        return this.string(v.value);
      case 'null':
        o.byte(0x05);
        return;
      case 'undefined':
        o.byte(0x06);
        return;
      case 'unsupported':
        o.byte(0x0d);
        return;
      case 'object':
        if (v.external !== undefined) return this.value(v.external);
        o.byte(0x03);
        this.props(v.props);
        return;
      case 'ecma-array':
        return this.ecma(v.props, []);
      case 'array':
        if (v.props.length === 0) return this.strict(v.items);
        return this.ecma(v.props, v.items);
      case 'strict-array':
      case 'vector-object':
        return this.strict(v.items);
      case 'vector-int':
      case 'vector-uint':
        if (v.incomplete === true) return this.unsupported();
        return this.strict(v.items.map((n) => ({ type: 'number', value: n })));
      case 'vector-double':
        return this.strict(v.items);
      case 'dictionary': {
        const props: AmfProp[] = [];
        for (const e of v.entries) {
          const k = e.key;
          if (k.type === 'string' || k.type === 'integer' || (k.type === 'number' && k.value !== null)) props.push({ key: String(k.value), value: e.value });
          else this.lossy++;
        }
        return this.ecma(props, []);
      }
      case 'date':
        o.byte(0x0b);
        o.f64(v.ms ?? SPECIAL[v.special ?? 'NaN'] ?? NaN);
        o.u16((v.tzMinutes ?? 0) & 0xffff);
        return;
      case 'bytearray':
      case 'reference':
        return this.unsupported();
    }
  }

  private unsupported(): void {
    this.lossy++;
    this.out.byte(0x0d);
  }

  /** A string value: AMF0 string, or the value unsupported when over 65535 bytes (flvdec refuses long strings). */
  private string(s: string): void {
    const b = enc.encode(s);
    if (b.length > 0xffff) return this.unsupported();
    this.out.byte(0x02);
    this.out.u16(b.length);
    this.out.bytes(b);
  }

  private key(k: string): boolean {
    const b = enc.encode(k);
    if (b.length === 0 || b.length > 0xffff) {
      // An empty key would read as the end marker.
      this.lossy++;
      return false;
    }
    this.out.u16(b.length);
    this.out.bytes(b);
    return true;
  }

  private props(props: readonly AmfProp[], items: readonly AmfValue[] = []): void {
    for (const p of props) if (this.key(p.key)) this.value(p.value);
    items.forEach((v, i) => this.key(String(i)) && this.value(v));
    this.out.u16(0);
    this.out.byte(0x09);
  }

  private ecma(props: readonly AmfProp[], items: readonly AmfValue[]): void {
    this.out.byte(0x08);
    this.out.u32(props.length + items.length);
    this.props(props, items);
  }

  private strict(items: readonly AmfValue[]): void {
    this.out.byte(0x0a);
    this.out.u32(items.length);
    for (const v of items) this.value(v);
  }
}

/**
 * The body of an AMF3 data message as AMF0 script data (see above), or null when its AMF does not
 * decode (there is then nothing a reader could use).
 */
export function amf0ScriptData(body: Uint8Array): Amf0Script | null {
  const rest = body.subarray(1);
  const r = decodeAmf0Values(rest);
  if (r.error !== undefined || r.values.length === 0) return null;
  if (!r.values.some(hasAvmplus)) return { data: rest, lossy: 0 };
  const e = new Encoder();
  for (const v of r.values) e.value(v);
  return { data: e.out.done(), lossy: e.lossy };
}
