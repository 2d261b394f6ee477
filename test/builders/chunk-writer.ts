/**
 * RTMP chunk-stream writer for tests: makes chunked bytes from intent (messages, chunk size,
 * header forms, extended-timestamp convention, interleaving), plus handshake blocks.
 */
import { concat as concatBytes } from './bytes.js';

export type MessageSpec = {
  csid: number;
  typeId: number;
  streamId?: number;
  /** Absolute timestamp (fmt 0) — or, with `fmt` 1/2/3, the value the decoder must arrive at. */
  timestamp: number;
  body: Uint8Array;
  /** Header form of the message's first chunk (default 0). Forms 1/2 write `delta`. */
  fmt?: 0 | 1 | 2 | 3;
  delta?: number;
};

export type WriterOptions = {
  chunkSize?: number;
  /** Extended timestamp on type-3 continuation chunks: repeated (spec) or omitted (old librtmp). */
  type3Ets?: 'repeat' | 'omit';
  /** Interleave the chunks of consecutive messages round-robin. */
  interleave?: boolean;
};

export function basicHeader(fmt: number, csid: number): number[] {
  if (csid >= 2 && csid <= 63) return [(fmt << 6) | csid];
  if (csid >= 64 && csid <= 319) return [fmt << 6, csid - 64];
  const v = csid - 64;
  return [(fmt << 6) | 1, v & 0xff, (v >> 8) & 0xff];
}

function u24(n: number): number[] {
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** The message header of a first chunk. */
function firstHeader(m: MessageSpec): { bytes: number[]; ext: number | null } {
  const fmt = m.fmt ?? 0;
  const tsField = fmt === 0 ? m.timestamp : (m.delta ?? 0);
  const ext = fmt !== 3 && tsField >= 0xffffff ? tsField : null;
  const ts = ext !== null ? 0xffffff : tsField;
  const h = basicHeader(fmt, m.csid);
  if (fmt === 0) h.push(...u24(ts), ...u24(m.body.length), m.typeId, ...u32le(m.streamId ?? 0));
  else if (fmt === 1) h.push(...u24(ts), ...u24(m.body.length), m.typeId);
  else if (fmt === 2) h.push(...u24(ts));
  if (ext !== null) h.push(...u32(ext));
  return { bytes: h, ext };
}

/** Chunk a list of messages. Type-3 continuation headers follow the `type3Ets` convention. */
export function writeChunks(msgs: MessageSpec[], opts: WriterOptions = {}): Uint8Array {
  const size = opts.chunkSize ?? 128;
  const conv = opts.type3Ets ?? 'repeat';
  // Each message as its own list of chunk byte arrays.
  const perMsg: Uint8Array[][] = [];
  const lastExt = new Map<number, number | null>();
  for (const m of msgs) {
    const chunks: Uint8Array[] = [];
    const first = firstHeader(m);
    const ext = (m.fmt ?? 0) === 3 ? (lastExt.get(m.csid) ?? null) : first.ext;
    const h0 = first.bytes;
    if ((m.fmt ?? 0) === 3 && ext !== null && conv === 'repeat') h0.push(...u32(ext));
    lastExt.set(m.csid, ext);
    let off = 0;
    let header = h0;
    do {
      const n = Math.min(size, m.body.length - off);
      chunks.push(concatBytes(Uint8Array.from(header), m.body.subarray(off, off + n)));
      off += n;
      header = basicHeader(3, m.csid);
      if (ext !== null && conv === 'repeat') header.push(...u32(ext));
    } while (off < m.body.length);
    perMsg.push(chunks);
  }
  const order: Uint8Array[] = [];
  if (opts.interleave === true) {
    const longest = Math.max(...perMsg.map((c) => c.length));
    for (let i = 0; i < longest; i++) for (const chunks of perMsg) if (chunks[i] !== undefined) order.push(chunks[i] as Uint8Array);
  } else {
    for (const chunks of perMsg) order.push(...chunks);
  }
  return concatBytes(...order);
}

export function setChunkSize(size: number, timestamp = 0): MessageSpec {
  return { csid: 2, typeId: 1, timestamp, body: Uint8Array.from(u32(size)) };
}

export function abort(csid: number): MessageSpec {
  return { csid: 2, typeId: 2, timestamp: 0, body: Uint8Array.from(u32(csid)) };
}

/** A plain-RTMP handshake side: version byte, first block, second block (1536 bytes each). */
export function handshakeBytes(seed: number, opts: { version?: number; first?: Uint8Array; second?: Uint8Array } = {}): Uint8Array {
  const out = new Uint8Array(1 + 1536 * 2);
  out[0] = opts.version ?? 3;
  let x = seed >>> 0;
  for (let i = 1; i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  // Simple handshake: zero field after time.
  out.set([0, 0, 0, 0], 5);
  if (opts.first !== undefined) out.set(opts.first, 1);
  if (opts.second !== undefined) out.set(opts.second, 1537);
  return out;
}

export { concatBytes };
