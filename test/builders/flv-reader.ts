/**
 * FLV for tests: an in-memory output for the extractor, and a strict reader that checks the file
 * layout (header, PreviousTagSize chain) while listing the tags.
 */
import type { FlvOut } from '../../src/extract/writer.js';

/** Collects what a writer writes and patches; `bytes()` is the file. */
export class MemoryOut implements FlvOut {
  private buf = new Uint8Array(1024);
  private len = 0;
  closed = false;
  constructor(readonly path = 'memory.flv') {}
  write(parts: readonly Uint8Array[]): void {
    for (const p of parts) {
      if (this.len + p.length > this.buf.length) {
        const g = new Uint8Array(Math.max(this.buf.length * 2, this.len + p.length));
        g.set(this.buf.subarray(0, this.len));
        this.buf = g;
      }
      this.buf.set(p, this.len);
      this.len += p.length;
    }
  }
  patch(position: number, bytes: Uint8Array): void {
    if (position + bytes.length > this.len) throw new Error(`patch past the end (${position})`);
    this.buf.set(bytes, position);
  }
  close(): void {
    this.closed = true;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export type FlvTag = { type: number; timestamp: number; data: Uint8Array; offset: number };

/** Parse an FLV file; throws on any layout error (bad header, a PreviousTagSize that does not match). */
export function readFlv(b: Uint8Array): { flags: number; tags: FlvTag[] } {
  if (b[0] !== 0x46 || b[1] !== 0x4c || b[2] !== 0x56 || b[3] !== 1) throw new Error('not FLV');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(5) !== 9) throw new Error('header size');
  if (dv.getUint32(9) !== 0) throw new Error('PreviousTagSize0');
  const tags: FlvTag[] = [];
  let p = 13;
  while (p < b.length) {
    if (p + 11 > b.length) throw new Error(`cut tag header at ${p}`);
    const type = b[p] as number;
    const size = (dv.getUint32(p) & 0xffffff) >>> 0;
    const timestamp = (((b[p + 7] as number) << 24) | (dv.getUint32(p + 3) & 0xffffff)) >>> 0;
    if ((dv.getUint32(p + 7) & 0xffffff) !== 0) throw new Error('stream id not 0');
    if (p + 11 + size + 4 > b.length) throw new Error(`cut tag at ${p}`);
    const prev = dv.getUint32(p + 11 + size);
    if (prev !== size + 11) throw new Error(`PreviousTagSize ${prev} after a ${size}-byte tag at ${p}`);
    tags.push({ type, timestamp, data: b.slice(p + 11, p + 11 + size), offset: p });
    p += 11 + size + 4;
  }
  return { flags: b[4] as number, tags };
}
