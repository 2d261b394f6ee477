/**
 * Sequence ordering for one direction of an RTMPT tunnel session: bodies arrive tagged with their
 * request's sequence number (possibly out of order across connections) and leave in order.
 * Bounded: bodies waiting for a missing number are held up to MAX_HELD bytes / MAX_HELD_ITEMS;
 * past that (and at the end) the missing numbers are given up as holes. Sans-IO.
 */
import type { ByteMeta } from '../rtmp/chunk-decoder.js';

/**
 * Tunnelled bytes (data), bytes known lost (data null, lost > 0), or a missing sequence number
 * (hole set; its size is unknown).
 */
export type Piece = { readonly data: Uint8Array | null; readonly lost: number; readonly meta: ByteMeta; readonly hole?: number };

/** Bytes held per direction while waiting for a missing sequence number. */
export const MAX_HELD = 4 << 20;
export const MAX_HELD_ITEMS = 256;
/**
 * How far a missing sequence number moves the stream offset on: its size is unknown, and this is
 * more than any chunk can hold, so the RTMP decoder resynchronises after it.
 */
export const UNKNOWN_HOLE = 0x1000000;

const size = (ps: readonly Piece[]): number => ps.reduce((n, p) => n + (p.data?.length ?? 0), 0);

export class Orderer {
  private next: number | null;
  private readonly held = new Map<number, readonly Piece[]>();
  private heldBytes = 0;
  /** Bodies dropped because their number was already passed (duplicates, or too late). */
  late = 0;

  /** Whether a body was added (the order's start is set). */
  get started(): boolean {
    return this.next !== null;
  }

  /** With the tunnel's /open seen, numbering starts at 0 (or 1: some clients start there). */
  constructor(private readonly startSeen: boolean) {
    this.next = startSeen ? 0 : null;
  }

  add(seq: number, pieces: readonly Piece[], meta: ByteMeta): Piece[] {
    const out: Piece[] = [];
    if (this.next === null) this.next = seq;
    if (seq < this.next || this.held.has(seq)) {
      this.late++;
      return out;
    }
    this.held.set(seq, pieces);
    this.heldBytes += size(pieces);
    // A client that numbers from 1: once 1 and a later body are here without 0, 0 never was.
    if (this.startSeen && this.next === 0 && !this.held.has(0) && this.held.has(1) && this.held.size >= 2) this.next = 1;
    this.drain(out);
    while (this.heldBytes > MAX_HELD || this.held.size > MAX_HELD_ITEMS) this.skip(out, meta);
    return out;
  }

  /** The end: everything held leaves, the missing numbers before each as holes. */
  flush(meta: ByteMeta): Piece[] {
    const out: Piece[] = [];
    while (this.held.size > 0) this.skip(out, meta);
    return out;
  }

  private drain(out: Piece[]): void {
    for (;;) {
      const ps = this.held.get(this.next!);
      if (ps === undefined) return;
      this.held.delete(this.next!);
      this.heldBytes -= size(ps);
      for (const p of ps) out.push(p);
      this.next!++;
    }
  }

  /** Give up the missing number(s) before the lowest one held. */
  private skip(out: Piece[], meta: ByteMeta): void {
    let low = Infinity;
    for (const k of this.held.keys()) low = Math.min(low, k);
    if (low === Infinity) return;
    const from = this.next!;
    // Numbering from 1 after /open is normal, not a loss.
    if (!(this.startSeen && from === 0 && low === 1)) out.push({ data: null, lost: UNKNOWN_HOLE, meta, hole: from });
    this.next = low;
    this.drain(out);
  }
}
