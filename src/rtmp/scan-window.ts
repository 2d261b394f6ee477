/**
 * The bytes a chunk decoder holds while out of sync (after a loss, from a mid-stream start, or
 * rescanning from a header under a guessed chunk size): a bounded window of the stream, with the
 * frame and time each push's bytes arrived with, so that messages decoded from them once a
 * boundary is found carry true locators. At most SCAN_MAX bytes; older ones fall out and are
 * counted as skipped. Pure data structure: the decision (resync.ts) and the decoding are the
 * decoder's.
 */
import type { ByteMeta } from './chunk-types.js';

/** Bytes kept while scanning for a chunk boundary; older ones are counted as skipped. */
export const SCAN_MAX = 256 * 1024;
/** Pushes remembered (frame and time of their bytes) in the scan window. */
const MAX_MARKS = 4096;

export type Replay = { data: Uint8Array; meta: ByteMeta }[];

export class ScanWindow {
  private buf = new Uint8Array(0);
  /** Bytes held. */
  length = 0;
  /** Stream offset of the first byte held. */
  start: number;
  /** Captured bytes skipped since the last desync. */
  skipped = 0;
  /** Stream offset from which the next non-final attempt looks for a chunk header. */
  resumeAt: number;
  /** Window size at the last attempt that could not decide yet (0: none since the window changed). */
  triedAt = 0;
  /** Where (stream offset) the held bytes of each push begin, with that push's frame and time. */
  private marks: { at: number; meta: ByteMeta }[] = [];

  constructor(start: number) {
    this.start = start;
    this.resumeAt = start;
  }

  /** The bytes held (a view, valid until the window changes). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Stream offset just past the last byte held. */
  get end(): number {
    return this.start + this.length;
  }

  /** Hold `d`, which arrived with `meta`; past SCAN_MAX the oldest bytes are skipped. */
  append(d: Uint8Array, meta: ByteMeta): void {
    if (d.length === 0) return;
    const last = this.marks[this.marks.length - 1]?.meta;
    if (last === undefined || last.frame !== meta.frame || last.sec !== meta.sec || last.nsec !== meta.nsec) {
      if (this.marks.length >= MAX_MARKS) this.thinMarks();
      this.marks.push({ at: this.start + this.length, meta });
    }
    if (this.length + d.length > SCAN_MAX) {
      // Keep the newest half of the window: what falls out was scanned already and is skipped.
      const keep = Math.min(this.length, SCAN_MAX >> 1);
      this.dropFront(this.length - keep);
      if (d.length > SCAN_MAX - keep) {
        const cut = d.length - (SCAN_MAX - keep);
        this.skipped += cut;
        this.start += cut;
        d = d.subarray(cut);
      }
    }
    if (this.buf.length < this.length + d.length) {
      const grown = new Uint8Array(Math.min(SCAN_MAX, Math.max(this.length + d.length, this.buf.length * 2, 256)));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    this.buf.set(d, this.length);
    this.length += d.length;
    this.trimMarks();
  }

  /** Skip the first `n` bytes held for good. */
  dropFront(n: number): void {
    this.buf.copyWithin(0, n, this.length);
    this.length -= n;
    this.start += n;
    this.skipped += n;
    this.trimMarks();
  }

  /**
   * The held bytes from stream offset `at` on, split where their pushes began (each with its own
   * frame and time), and the frame of the push `at` is in (`frame` when none is held).
   */
  replayFrom(at: number, frame: number): { replay: Replay; frame: number } {
    const end = this.end;
    const replay: Replay = [];
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i] as { at: number; meta: ByteMeta };
      const from = Math.max(m.at, at);
      const to = Math.min(this.marks[i + 1]?.at ?? end, end);
      if (m.at <= at) frame = m.meta.frame;
      if (to > from) replay.push({ data: this.buf.slice(from - this.start, to - this.start), meta: m.meta });
    }
    return { replay, frame };
  }

  /** Empty the window (its storage too); the next byte held is at stream offset `at`. */
  release(at: number): void {
    this.buf = new Uint8Array(0);
    this.reset(at);
    this.skipped = 0;
  }

  /** Empty the window; the next byte held is at stream offset `at`. */
  reset(at: number): void {
    this.length = 0;
    this.resumeAt = at;
    this.triedAt = 0;
    this.start = at;
    this.marks = [];
  }

  /**
   * Tiny pushes (a peer or a capture with one byte per segment) would make a mark per byte: past
   * MAX_MARKS every second one goes, its bytes counted to the push before (an earlier frame).
   */
  private thinMarks(): void {
    this.marks = this.marks.filter((_, i) => i % 2 === 0);
  }

  /** Forget marks of bytes no longer in the window (keep the one covering its first byte). */
  private trimMarks(): void {
    let i = 0;
    while (i + 1 < this.marks.length && (this.marks[i + 1] as { at: number }).at <= this.start) i++;
    if (i > 0) this.marks.splice(0, i);
  }
}
