/**
 * Wire excerpts (the TUI's hex view): the first bytes of each handshake part and message as they
 * were on the wire, chunk headers included, attached to its record as `wire` when the analyzer is
 * asked for them (`AnalyzerOptions.wireExcerpt`, off by default: exports are unchanged).
 *
 * Contract: `ByteRing` keeps the last `RING_BYTES` bytes of one direction's TCP stream (fixed
 * memory, allocated on first use); `excerpt(offset, n)` copies up to `n` bytes from stream offset
 * `offset` when they are still held, else null (a message whose first chunk came more than
 * RING_BYTES earlier — large interleaved messages — or bytes before a hole). Sans-IO, never
 * throws.
 */
import type { WireExcerpt } from '../records/index.js';

/** Bytes of each direction's stream kept for excerpts. */
export const RING_BYTES = 64 * 1024;

export class ByteRing {
  private buf: Uint8Array | null = null;
  /** Stream offset one past the newest byte held; bytes [end - held, end) are held. */
  private end = 0;
  private held = 0;

  append(bytes: Uint8Array, offset: number): void {
    if (bytes.length === 0) return;
    this.buf ??= new Uint8Array(RING_BYTES);
    // A hole (or bytes from before what is held): start again at this offset.
    if (offset !== this.end) this.held = 0;
    const take = bytes.length > RING_BYTES ? bytes.subarray(bytes.length - RING_BYTES) : bytes;
    let at = (offset + bytes.length - take.length) % RING_BYTES;
    let i = 0;
    while (i < take.length) {
      const n = Math.min(take.length - i, RING_BYTES - at);
      this.buf.set(take.subarray(i, i + n), at);
      i += n;
      at = (at + n) % RING_BYTES;
    }
    this.end = offset + bytes.length;
    this.held = Math.min(RING_BYTES, this.held + bytes.length);
  }

  excerpt(offset: number, n: number): WireExcerpt | null {
    if (this.buf === null || offset < this.end - this.held || offset >= this.end || n <= 0) return null;
    const len = Math.min(n, this.end - offset);
    const at = offset % RING_BYTES;
    const first = Math.min(len, RING_BYTES - at);
    const b = Buffer.from(this.buf.buffer, this.buf.byteOffset, RING_BYTES);
    const hex = b.toString('hex', at, at + first) + (first < len ? b.toString('hex', 0, len - first) : '');
    return { offset, hex };
  }
}

/** Bytes of each handshake part and message the UI's hex view shows (the file UI and the proxy UI). */
export const UI_WIRE_EXCERPT = 512;

/**
 * The records without their wire excerpts, for outputs beside the UI (the proxy's `-o FILE` while
 * its UI runs): records that carry none are passed through as they are, the rest copied without
 * `wire` (the other fields in their order), so the file is what it would be without the UI.
 */
export function withoutWire<T extends object>(records: readonly T[]): readonly T[] {
  let out: T[] | null = null;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (!('wire' in r)) {
      out?.push(r);
      continue;
    }
    out ??= records.slice(0, i);
    const { wire: _wire, ...rest } = r as T & { wire?: unknown };
    out.push(rest as T);
  }
  return out ?? records;
}
