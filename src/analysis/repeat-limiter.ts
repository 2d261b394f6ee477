/**
 * Degenerate repetition is summarised, not written a million times: a run of consecutive tiny
 * messages of one direction that share their chunk stream, type, message stream and length (a
 * flood of one-byte or empty chunks) is written for its first `keep` messages; the rest of the run
 * are counted, and when the run ends one diagnostic says how many were not written. The session's
 * message counts stay exact (they come from the decoders). Pure bookkeeping, no I/O.
 */
import { diag, type Direction } from '../core/diagnostics.js';
import { buildDiagnosticRecord, type DiagnosticRecord, type MessageRecord } from '../records/index.js';

/** Messages of a run written before the rest are counted only. */
export const REPEAT_KEEP = 1000;
/** Only messages this short repeat degenerately (a flood of records far bigger than its input). */
export const REPEAT_MAX_LENGTH = 8;

type Run = { key: string; n: number; first: MessageRecord; last: MessageRecord };

export class RepeatLimiter {
  private readonly runs: Record<Direction, Run | null> = { c2s: null, s2c: null };

  constructor(private readonly keep = REPEAT_KEEP) {}

  /** Whether to write `m`; `ended` receives the summary of a run that `m` ends, if any. */
  admit(m: MessageRecord, ended: (d: DiagnosticRecord) => void): boolean {
    const key = m.length <= REPEAT_MAX_LENGTH ? `${m.csid}|${m.typeId}|${m.streamId}|${m.length}` : null;
    const run = this.runs[m.dir];
    if (run !== null && run.key === key) {
      run.n++;
      run.last = m;
      return run.n <= this.keep;
    }
    const d = this.close(m.dir);
    if (d !== null) ended(d);
    this.runs[m.dir] = key === null ? null : { key, n: 1, first: m, last: m };
    return true;
  }

  /** End the runs (the session ends): their summaries. */
  finish(): DiagnosticRecord[] {
    const out: DiagnosticRecord[] = [];
    for (const dir of ['c2s', 's2c'] as const) {
      const d = this.close(dir);
      if (d !== null) out.push(d);
    }
    return out;
  }

  private close(dir: Direction): DiagnosticRecord | null {
    const run = this.runs[dir];
    this.runs[dir] = null;
    if (run === null || run.n <= this.keep) return null;
    const m = run.last;
    const skipped = run.n - this.keep;
    const at = { dir, frame: m.frame, offset: m.offset };
    const message = `${run.n} consecutive ${m.length}-byte ${m.typeName} messages on chunk stream ${m.csid}: the first ${this.keep} were written, the other ${skipped} (up to offset ${m.offset}) only counted`;
    return buildDiagnosticRecord(m, at, diag('rtmp.message.repeated', message, at, { messages: run.n, notWritten: skipped }));
  }
}
