/** The byte budget of message bodies in progress, shared by the chunk decoders of a connection (and across connections). */
/** Largest first allocation for a non-media body (never more than its first bytes); it doubles as bytes arrive, up to its cap. */
export const FIRST_BODY = 4096;

/** Default cap on the bytes held by messages in progress on one connection. */
export const DEFAULT_CONN_BUFFER = 8 * 1024 * 1024;

/**
 * The bytes held by message bodies still being assembled, against a limit: peers (or damage) that
 * open many huge messages at once cannot make the decoder allocate more than this.
 */
export class BufferBudget {
  used = 0;
  /**
   * Beyond the limit, small bodies (a whole message of at most FIRST_BODY bytes: commands,
   * control, media tag headers) may still take this much, so a peer that fills the budget with
   * huge messages does not blind the decoder to the small commands that follow.
   */
  readonly reserve: number;
  /** Refusals (a take that did not fit). */
  refused = 0;
  /**
   * `parent`: a budget shared with other connections (the analyzer's or the proxy's across
   * sessions); a take must fit both.
   */
  constructor(
    readonly limit: number = DEFAULT_CONN_BUFFER,
    readonly parent: BufferBudget | null = null,
  ) {
    this.reserve = Math.min(1024 * 1024, Math.max(FIRST_BODY * 16, limit >> 3));
  }
  take(n: number, small = false): boolean {
    // The shared budget refuses small takes only at twice its limit: a connection within its own
    // limits can still decode its commands and control messages (Set Chunk Size above all) when
    // huge bodies elsewhere filled the shared budget.
    const p = this.parent;
    if (this.used + n > this.limit + (small ? this.reserve : 0) || (p !== null && !(small ? p.takeShared(n, this) : p.take(n)))) {
      this.refused++;
      return false;
    }
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used -= n;
    this.parent?.give(n);
  }

  /**
   * Of a shared budget: when it is full, asked to free room held by connections costlier than
   * `requester` (true when it freed some). Unset: nothing is freed.
   */
  shedder: ((requester: BufferBudget, wanted: number) => boolean) | null = null;

  /** A small take on a shared budget: beyond it, the costliest other connection sheds first. */
  private takeShared(n: number, requester: BufferBudget): boolean {
    while (this.used + n > this.limit) {
      if (this.shedder === null || !this.shedder(requester, n)) return false;
    }
    this.used += n;
    return true;
  }
}
