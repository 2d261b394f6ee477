/**
 * Repeats are counted per session, not repeated: a DiagnosticLimiter admits the first N
 * diagnostics of each (session, code) and counts every one, so a session that breaks the same rule
 * 10,000 times shows N locators and a count. Pure bookkeeping, no I/O; capture-level diagnostics
 * (session null) are limited the same way under their own key.
 */
import type { DiagnosticRecord } from '../records/index.js';

export const DEFAULT_PER_CODE = 5;

export class DiagnosticLimiter {
  private readonly table = new Map<number | null, Map<string, number>>();

  /** `perCode`: how many diagnostics of one code are emitted per session (at least 1). */
  constructor(readonly perCode: number = DEFAULT_PER_CODE) {
    if (!Number.isInteger(perCode) || perCode < 1) throw new RangeError(`perCode must be a positive integer, got ${perCode}`);
  }

  /** Counts `d`; true when it is among the first `perCode` of its session and code (emit it). */
  admit(d: DiagnosticRecord): boolean {
    let codes = this.table.get(d.session);
    if (codes === undefined) {
      codes = new Map();
      this.table.set(d.session, codes);
    }
    const n = (codes.get(d.code) ?? 0) + 1;
    codes.set(d.code, n);
    return n <= this.perCode;
  }

  /** Every diagnostic counted for the session (admitted or not), by code, codes sorted. */
  counts(session: number | null): Record<string, number> {
    const codes = this.table.get(session);
    const out: Record<string, number> = {};
    if (codes === undefined) return out;
    for (const code of [...codes.keys()].sort()) out[code] = codes.get(code) as number;
    return out;
  }

  /** The diagnostics that were counted but not emitted, by code (only codes with some). */
  suppressed(session: number | null): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [code, n] of Object.entries(this.counts(session))) if (n > this.perCode) out[code] = n - this.perCode;
    return out;
  }

  /** Forget a session (after its counts were written to its session record). */
  forget(session: number | null): void {
    this.table.delete(session);
  }
}
