/**
 * The chunk streams of one direction (chunk-decoder.ts): each one's previous header and message
 * in progress, counted in the connection's budget, least recently used first so that the budget
 * forgets the idle ones (with their messages in progress) before the busy ones.
 */
import { LruList, type LruLinks } from '../core/lru.js';
import type { BufferBudget } from './buffer-budget.js';
import type { MessageInProgress } from './message-body.js';

/** Bookkeeping counted in the budget per chunk stream. */
export const STREAM_COST = 320;

/** Per chunk-stream state: the previous header and the message being assembled. */
export type ChunkStream = LruLinks & {
  readonly csid: number;
  timestamp: number;
  /** Timestamp field of the last header: delta for fmt 1/2, absolute for fmt 0. */
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The last fmt 0/1/2 header carried an extended timestamp. */
  extended: boolean;
  /** The 32-bit value of that extended timestamp field. */
  extendedValue: number;
  /** Message being assembled, or null between messages. */
  msg: MessageInProgress | null;
  seen: boolean;
  /** The absolute timestamp is known (a type-0 header since the last loss). */
  tsKnown: boolean;
  /** The message stream id is known (a type-0 header of this chunk stream was captured). */
  sidKnown: boolean;
  /** Since the last loss no type 0/1/2 header came: a type-3 header cannot be placed. */
  needHeader: boolean;
};

export class ChunkStreams {
  readonly map = new Map<number, ChunkStream>();
  /** Least recently used first (the one forgotten at the --conn-buffer cap). */
  private readonly lru = new LruList<ChunkStream>();
  /** Chunk streams forgotten by shed() (reported at the next push) and by take() (at the end of the push). */
  shedCount = 0;
  forgotten = 0;
  forgottenAt: { offset: number; csid: number } | null = null;

  constructor(
    private readonly budget: BufferBudget,
    /** Told of each chunk stream forgotten by take(). */
    private readonly onForget: (s: ChunkStream) => void,
  ) {}

  touch(s: ChunkStream): void {
    this.lru.touch(s);
  }

  /** A chunk stream's state, new (nothing inherited yet). */
  create(csid: number, offset: number): ChunkStream {
    this.take(STREAM_COST, null, csid, offset);
    const s: ChunkStream = {
      csid,
      timestamp: 0,
      delta: 0,
      length: 0,
      typeId: 0,
      streamId: 0,
      extended: false,
      extendedValue: 0,
      msg: null,
      seen: false,
      tsKnown: false,
      sidKnown: false,
      needHeader: false,
      lruPrev: null,
      lruNext: null,
      lruIn: false,
    };
    this.map.set(csid, s);
    this.lru.touch(s);
    return s;
  }

  /** Drop the message in progress on `s` (if any), returning its bytes to the budget. */
  dropMessage(s: ChunkStream): void {
    if (s.msg !== null) this.budget.give(s.msg.body.length + s.msg.owed + (s.msg.full?.length ?? 0));
    s.msg = null;
  }

  private forget(victim: ChunkStream): void {
    this.dropMessage(victim);
    this.map.delete(victim.csid);
    this.lru.remove(victim);
    this.budget.give(STREAM_COST);
  }

  /**
   * Chunk-stream and message bookkeeping counts in the budget (--conn-buffer, and the shared one).
   * Beyond it, the least recently used chunk stream (other than `keep`) is forgotten, with its
   * message in progress, until the state fits: a later header that needed it is reported as such.
   * False when nothing is left to forget (the state is then held uncounted: one stream at most).
   */
  take(n: number, keep: ChunkStream | null, csid: number, offset: number): boolean {
    while (!this.budget.take(n, true)) {
      let victim = this.lru.oldest();
      if (victim !== null && victim === keep) victim = victim.lruNext as ChunkStream | null;
      if (victim === null) return false;
      // Reported once per push (a flood forgets thousands): see the decoder's reportForgotten.
      this.forgotten++;
      this.forgottenAt ??= { offset, csid };
      this.forget(victim);
      this.onForget(victim);
    }
    return true;
  }

  /**
   * Forget least recently used chunk streams (with their messages in progress) until `bytes` are
   * freed or none is left, sparing `busy` ones. Returns the bytes freed.
   */
  shed(bytes: number, busy: readonly (ChunkStream | null)[]): number {
    const before = this.budget.used;
    while (before - this.budget.used < bytes) {
      const victim = this.lru.oldest();
      if (victim === null || busy.includes(victim)) break;
      this.forget(victim);
      this.shedCount++;
    }
    return before - this.budget.used;
  }
}
