/** Helpers for chunk-decoder tests on builder-made streams: payload bytes, message layout, a decoder run. */
import type { ChunkDecoder, RtmpEvent, RtmpMessage } from '../../src/rtmp/chunk-decoder.js';
import { concat } from './bytes.js';
import { writeChunks, type MessageSpec } from './chunk-writer.js';

/** Pseudo-random payload bytes, as compressed media is (xorshift from `seed`, offset by `salt`). */
export function noiseBytes(n: number, seed: number, salt = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = (seed * 2654435761 + salt) >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Messages chunked one after another (each with `chunkSize`), after `prefix`; where each begins. */
export function layout(msgs: MessageSpec[], chunkSize: number, prefix: Uint8Array = new Uint8Array(0)): { bytes: Uint8Array; msgs: MessageSpec[]; starts: number[] } {
  const parts = [prefix];
  const starts: number[] = [];
  let off = prefix.length;
  for (const m of msgs) {
    const b = writeChunks([m], { chunkSize });
    starts.push(off);
    parts.push(b);
    off += b.length;
  }
  return { bytes: concat(...parts), msgs, starts };
}

/** Push each piece (bytes, or a gap of that many bytes), then finish; every event. */
export function runDecoder(d: ChunkDecoder, pieces: (Uint8Array | number)[], meta = { frame: 1, sec: 0, nsec: 0 }): RtmpEvent[] {
  const out: RtmpEvent[] = [];
  for (const p of pieces) out.push(...(typeof p === 'number' ? d.gap(p, meta) : d.push(p, meta)));
  out.push(...d.finish());
  return out;
}

export const decodedMessages = (evs: readonly RtmpEvent[]): RtmpMessage[] => evs.filter((e): e is RtmpMessage => e.kind === 'message');
