/**
 * `--fail-on warn|error`: the exit status a CI job can gate on. Counts the diagnostics of a run by
 * severity; at the end, exit status 3 (and one line on stderr) when any reached the level.
 * Exit statuses: 0 fine, 1 unusable input, 2 usage, 3 diagnostics at or above --fail-on.
 */
import type { Severity } from '../core/diagnostics.js';
import type { OutputRecord } from '../records/index.js';
import { UserError } from '../io/input.js';

const FAIL_ON_EXIT = 3;

export class FailOn {
  readonly counts: Record<Severity, number> = { error: 0, warn: 0, info: 0 };

  constructor(readonly level: 'warn' | 'error') {}

  /** Every record of the run (diagnostics are counted; the rest is ignored). */
  observe(recs: readonly OutputRecord[]): void {
    for (const r of recs) if (r.type === 'diagnostic') this.counts[r.severity]++;
  }

  /** Counts made elsewhere (a capture analysed on a worker thread). */
  add(counts: Readonly<Record<Severity, number>>): void {
    for (const k of ['error', 'warn', 'info'] as const) this.counts[k] += counts[k];
  }

  get failed(): boolean {
    return this.counts.error > 0 || (this.level === 'warn' && this.counts.warn > 0);
  }

  /** The line for stderr when the run failed the gate, else null. */
  verdict(): string | null {
    if (!this.failed) return null;
    const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
    return `--fail-on ${this.level}: ${n(this.counts.error, 'error')}, ${n(this.counts.warn, 'warning')} (exit ${FAIL_ON_EXIT})`;
  }

  /** At the end of the command: set the exit status and say why. */
  finish(stderr: { write(s: string): unknown } = process.stderr): void {
    const v = this.verdict();
    if (v === null) return;
    stderr.write(`rtmpscope: ${v}\n`);
    process.exitCode = FAIL_ON_EXIT;
  }
}

/** `--fail-on` parsed: null when absent. */
export function failOnOption(v: string | undefined): FailOn | null {
  if (v === undefined) return null;
  if (v !== 'warn' && v !== 'error') throw new UserError(`--fail-on must be warn or error, not '${v}'`, 2);
  return new FailOn(v);
}
