/**
 * The script-data side of extraction: an RTMP data message as an FLV script tag (a publisher's
 * `@setDataFrame` wrapper dropped, as the server does), and the extractor's own properties in the
 * file's first onMetaData. Each added property is an AMF0 Number whose 8 bytes sit at a known
 * offset, so the file can be patched in place when the stream ends (counts known only then) —
 * as FFmpeg's FLV muxer patches duration and filesize.
 *
 * Byte-level: the stream's own metadata is spliced, never decoded and re-encoded.
 */

const enc = new TextEncoder();

function amfString(s: string): Uint8Array {
  const b = enc.encode(s);
  const out = new Uint8Array(3 + b.length);
  out[0] = 0x02;
  out[1] = b.length >>> 8;
  out[2] = b.length & 0xff;
  out.set(b, 3);
  return out;
}

const SET_DATA_FRAME = amfString('@setDataFrame');
const ON_METADATA = amfString('onMetaData');
const OBJECT_END = Uint8Array.of(0, 0, 9);

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/** A data message body as script-tag data: `@setDataFrame` (a publisher's instruction to the server) removed. */
export function scriptData(body: Uint8Array): Uint8Array {
  return startsWith(body, SET_DATA_FRAME) ? body.subarray(SET_DATA_FRAME.length) : body;
}

export function isOnMetaData(data: Uint8Array): boolean {
  return startsWith(data, ON_METADATA);
}

/** An AMF0 Number as 8 big-endian bytes. */
export function amfDouble(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, n);
  return b;
}

/** A script tag's data with the extractor's numeric properties, and where each number's 8 bytes are. */
export type Spliced = { readonly data: Uint8Array; readonly offsets: Readonly<Record<string, number>> };

function properties(names: readonly string[], at: number): { bytes: Uint8Array; offsets: Record<string, number> } {
  const parts: number[] = [];
  const offsets: Record<string, number> = {};
  for (const name of names) {
    const n = enc.encode(name);
    parts.push(n.length >>> 8, n.length & 0xff, ...n, 0x00);
    offsets[name] = at + parts.length;
    parts.push(0, 0, 0, 0, 0, 0, 0, 0);
  }
  return { bytes: Uint8Array.from(parts), offsets };
}

/**
 * `data` (an onMetaData script tag: the name, then an ECMA array or object) with `names` added as
 * Numbers (0 until patched); null when its value does not end where an ECMA array or object ends.
 */
export function spliceMetadata(data: Uint8Array, names: readonly string[]): Spliced | null {
  const v = ON_METADATA.length;
  const marker = data[v];
  const minimum = marker === 0x08 ? v + 5 + 3 : v + 1 + 3;
  if ((marker !== 0x08 && marker !== 0x03) || data.length < minimum) return null;
  const end = data.length - 3;
  if (data[end] !== 0 || data[end + 1] !== 0 || data[end + 2] !== 9) return null;
  const props = properties(names, end);
  const out = new Uint8Array(end + props.bytes.length + 3);
  out.set(data.subarray(0, end));
  out.set(props.bytes, end);
  out.set(OBJECT_END, end + props.bytes.length);
  if (marker === 0x08) {
    // The ECMA array's count (readers go by the end marker, but keep it right).
    const view = new DataView(out.buffer);
    view.setUint32(v + 1, (view.getUint32(v + 1) + names.length) >>> 0);
  }
  return { data: out, offsets: props.offsets };
}

/** An onMetaData script tag holding only `names` (a stream that sent no metadata before its media). */
export function ownMetadata(names: readonly string[]): Spliced {
  const head = new Uint8Array(ON_METADATA.length + 5);
  head.set(ON_METADATA);
  head[ON_METADATA.length] = 0x08;
  new DataView(head.buffer).setUint32(ON_METADATA.length + 1, names.length);
  const props = properties(names, head.length);
  const out = new Uint8Array(head.length + props.bytes.length + 3);
  out.set(head);
  out.set(props.bytes, head.length);
  out.set(OBJECT_END, head.length + props.bytes.length);
  return { data: out, offsets: props.offsets };
}
