/**
 * Live input (a pipe from `tcpdump -U -w -`, a FIFO): records are written as their packets arrive.
 * Output is batched (64 KiB writes) for speed; when no more records come for IDLE_MS — the input
 * has stalled — what is batched goes out at once. Files and fast input fill the batches long
 * before that, so they keep large writes.
 */
import { statSync } from 'node:fs';

/** Output held at most this long after the last record arrived. */
const IDLE_MS = 50;

/** The input is a pipe, FIFO, socket or terminal rather than a regular file. */
export function isLiveInput(path: string): boolean {
  try {
    return path === '-' ? !statSync('/dev/stdin').isFile() : !statSync(path).isFile();
  } catch {
    return path === '-';
  }
}

/**
 * Flushes `w` IDLE_MS after output was added (`touch()` after each batch of records) unless it
 * went out already; `stop()` before closing. The timer never keeps the process alive.
 */
export function flushWhenIdle(w: { flush(): Promise<void> }, ms = IDLE_MS): { touch(): void; stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  return {
    touch() {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        w.flush().catch(() => {}); // a write error surfaces at the next write or at close
      }, ms);
      timer.unref();
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
