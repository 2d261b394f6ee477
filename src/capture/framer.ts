/**
 * Framing of length-prefixed capture units (the pcap global header, pcap records, pcapng blocks)
 * from bytes that arrive in arbitrary chunks.
 *
 * Contract and invariants:
 * - A unit lying wholly inside one pushed chunk is handed to `unit()` as a view of that chunk:
 *   no copy, no allocation. Only a unit that straddles a chunk boundary is assembled, into a
 *   fresh buffer of exactly its size (never a concatenation of everything pushed so far).
 * - `unitLength()` is called exactly once per unit, as soon as `prefixLength()` bytes of it are
 *   available; it validates the length and returns -1 (after emitting a diagnostic or fatal event)
 *   to stop decoding for good. Lengths are capped by the subclass before any allocation, so a
 *   corrupt length never allocates more than the cap.
 * - A buffer handed to `unit()` is never written again (views into it stay valid for the consumer
 *   at least until the next push, as the capture contract promises).
 * - After a stop, every push returns no events; `finish()` reports a partial unit once.
 */
import type { CaptureEvent } from './types.js';

const HANDOFF = -2;

/**
 * The first bytes of a capture file (at least 12 at `at`): a classic pcap global header (magic and
 * version 2.4, either byte order) or a pcapng Section Header Block (with its byte-order magic).
 */
export function captureFileStart(view: DataView, at: number): 'pcap' | 'pcapng' | null {
  const m = view.getUint32(at, true);
  if (m === 0x0a0d0d0a) {
    const bom = view.getUint32(at + 8, true);
    return bom === 0x1a2b3c4d || bom === 0x4d3c2b1a ? 'pcapng' : null;
  }
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) return view.getUint32(at + 4, true) === 0x00040002 ? 'pcap' : null;
  if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) return view.getUint32(at + 4, false) === 0x00020004 ? 'pcap' : null;
  return null;
}

export abstract class UnitFramer {
  /** Events of the current push/finish call; subclasses append to it. */
  protected out: CaptureEvent[] = [];
  /** Once true, input is ignored (damage past which nothing can be framed, or finish()). */
  protected stopped = false;
  /** File offset of the next unit to frame (for locators). */
  protected offset = 0;
  /**
   * Set when another capture file starts where a unit was expected (concatenated files on a pipe):
   * its bytes (a view valid until the next push; two pieces when its start straddled chunks), the
   * frames and the offset so far. The decoder that takes over continues from there.
   */
  handoff: { readonly rest: readonly Uint8Array[]; readonly frame: number; readonly offset: number } | null = null;
  private handoffFrame = 0;

  /** The partial unit carried over from earlier chunks, or null. */
  private pend: Uint8Array | null = null;
  private pendLen = 0;
  /** Total length of the pending unit; 0 while its prefix is still incomplete. */
  private pendNeed = 0;

  /** Bytes of a unit needed before its total length is known. Must be ≥ 1. */
  protected abstract prefixLength(): number;
  /** Total length (≥ prefixLength()) of the unit starting at `at`, -1 to stop, or `this.handOff(frame)`. */
  protected abstract unitLength(view: DataView, at: number): number;
  /** Handle one complete unit of `length` bytes at `at` in `bytes` (`view` spans `bytes`). */
  protected abstract unit(bytes: Uint8Array, view: DataView, at: number, length: number): void;
  /** End of input: `partial` bytes of an incomplete unit remain (0 if none). */
  protected abstract endOfInput(partial: number, expected: number): void;

  push(chunk: Uint8Array): readonly CaptureEvent[] {
    const out: CaptureEvent[] = [];
    this.out = out;
    if (this.stopped || chunk.length === 0) return out;
    let pos = 0;
    if (this.pend !== null) {
      pos = this.fillPending(chunk);
      if (this.pend !== null || this.stopped) return out;
    }
    const n = chunk.length;
    if (pos === n) return out;
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let need = 0;
    while (!this.stopped) {
      const rest = n - pos;
      if (rest === 0 || rest < this.prefixLength()) break;
      const len = this.unitLength(view, pos);
      if (len < 0) {
        if (len === HANDOFF) this.handoff = { rest: [chunk.subarray(pos)], frame: this.handoffFrame, offset: this.offset };
        this.stopped = true;
        break;
      }
      if (rest < len) {
        need = len;
        break;
      }
      this.unit(chunk, view, pos, len);
      pos += len;
      this.offset += len;
    }
    if (!this.stopped && pos < n) this.stash(chunk, pos, need);
    return out;
  }

  /** For unitLength(): another capture file starts here; `frame` frames were numbered so far. */
  protected handOff(frame: number): number {
    this.handoffFrame = frame;
    return HANDOFF;
  }

  finish(): readonly CaptureEvent[] {
    const out: CaptureEvent[] = [];
    this.out = out;
    if (!this.stopped) this.endOfInput(this.pend === null ? 0 : this.pendLen, this.pendNeed);
    this.stopped = true;
    this.pend = null;
    return out;
  }

  /** Keep chunk[pos..] as the start of the next unit (total length `need`, or 0 if unknown). */
  private stash(chunk: Uint8Array, pos: number, need: number): void {
    const rest = chunk.length - pos;
    const buf = new Uint8Array(need > 0 ? need : this.prefixLength());
    buf.set(chunk.subarray(pos));
    this.pend = buf;
    this.pendLen = rest;
    this.pendNeed = need;
  }

  /** Continue the pending unit from the start of `chunk`; returns how many bytes were used. */
  private fillPending(chunk: Uint8Array): number {
    let buf = this.pend as Uint8Array;
    let pos = 0;
    if (this.pendNeed === 0) {
      const prefix = this.prefixLength();
      const take = Math.min(prefix - this.pendLen, chunk.length);
      buf.set(chunk.subarray(0, take), this.pendLen);
      this.pendLen += take;
      pos = take;
      if (this.pendLen < prefix) return pos;
      const len = this.unitLength(new DataView(buf.buffer, buf.byteOffset, this.pendLen), 0);
      if (len < 0) {
        if (len === HANDOFF) this.handoff = { rest: [buf.subarray(0, this.pendLen), chunk.subarray(pos)], frame: this.handoffFrame, offset: this.offset };
        this.stopped = true;
        this.pend = null;
        return pos;
      }
      if (len > buf.length) {
        const grown = new Uint8Array(len);
        grown.set(buf.subarray(0, this.pendLen));
        buf = grown;
        this.pend = grown;
      }
      this.pendNeed = len;
    }
    const need = this.pendNeed;
    const take = Math.min(need - this.pendLen, chunk.length - pos);
    buf.set(chunk.subarray(pos, pos + take), this.pendLen);
    this.pendLen += take;
    pos += take;
    if (this.pendLen < need) return pos;
    this.pend = null;
    this.pendLen = 0;
    this.pendNeed = 0;
    this.unit(buf, new DataView(buf.buffer, buf.byteOffset, need), 0, need);
    this.offset += need;
    return pos;
  }
}
