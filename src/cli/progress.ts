/**
 * A progress line on stderr while captures are read — only when stderr is a terminal (and not
 * where it would interleave with records printed on the same terminal): bytes read of the total,
 * captures done, rate and time left, redrawn at most five times a second and erased at the end.
 */
import { statSync } from 'node:fs';

export type Progress = {
  /** Bytes read so far over all captures; `captures`: how many are finished. */
  update(bytesRead: number, captures?: number): void;
  /** Erase the line (before anything else is written to the terminal). */
  done(): void;
};

const NONE: Progress = { update: () => {}, done: () => {} };
const REDRAW_MS = 200;
/** Nothing is drawn for runs this short. */
const QUIET_MS = 500;

function mib(n: number): string {
  return `${(n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0)} MiB`;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A progress line for `totalBytes` in `captures` captures, or one that draws nothing. */
export function startProgress(totalBytes: number, captures: number, out: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  if (out.isTTY !== true || totalBytes === 0) return NONE;
  const start = now();
  let last = 0;
  let drawn = false;
  let done = 0;
  return {
    update(bytes, finished) {
      if (finished !== undefined) done = finished;
      const t = now();
      if (t - start < QUIET_MS || t - last < REDRAW_MS) return;
      last = t;
      const rate = bytes / ((t - start) / 1000);
      const left = rate > 0 ? (totalBytes - bytes) / rate : Infinity;
      const pct = Math.min(100, Math.floor((bytes / totalBytes) * 100));
      const caps = captures > 1 ? `${done}/${captures} captures · ` : '';
      out.write(`\r\x1b[K${caps}${pct}% · ${mib(bytes)} of ${mib(totalBytes)} · ${mib(rate)}/s · ${duration(left)} left`);
      drawn = true;
    },
    done() {
      if (drawn) out.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/**
 * `input` (a capture file of `path`) with a progress line on stderr when stderr is a terminal and
 * `drawOn` (records not printed on that terminal); otherwise `input` itself, untouched.
 */
export function withProgress(path: string, input: AsyncIterable<Uint8Array>, drawOn: boolean): AsyncIterable<Uint8Array> {
  if (!drawOn || process.stderr.isTTY !== true || path === '-') return input;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return input;
  }
  const progress = startProgress(size, 1);
  return (async function* () {
    let n = 0;
    try {
      for await (const c of input) {
        n += c.length;
        progress.update(n);
        yield c;
      }
    } finally {
      progress.done();
    }
  })();
}
