/**
 * A worker thread of the multi-capture pool (multi.ts): it takes jobs one after another (one
 * start-up per thread, not per capture) and posts their output back. Flow control: at most
 * WINDOW pieces are in flight; each `ack` from the main thread lets another go.
 *
 * Messages in: { type: 'job', job } | { type: 'ack' }. Out: { type: 'out', id, out } |
 * { type: 'done', id, bytesRead, counts } | { type: 'error', id, message, internal }.
 */
import { parentPort } from 'node:worker_threads';
import { jobError, runCaptureJob, type CaptureJob } from './capture-job.js';

export const WINDOW = 8;

const port = parentPort;
if (port !== null) {
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const credit = (): Promise<void> | undefined => {
    if (inFlight < WINDOW) return undefined;
    return new Promise<void>((resolve) => (wake = resolve));
  };
  port.on('message', (m: { type: 'job'; job: CaptureJob } | { type: 'ack' }) => {
    if (m.type === 'ack') {
      inFlight--;
      const w = wake;
      wake = null;
      w?.();
      return;
    }
    // With job.tally, the capture's diagnostics are counted here (AnalyzerOptions.tally).
    const counts = m.job.tally === true ? { error: 0, warn: 0, info: 0 } : null;
    const job: CaptureJob =
      counts === null
        ? m.job
        : {
            ...m.job,
            opts: {
              ...m.job.opts,
              observe: (recs) => {
                for (const r of recs) if (r.type === 'diagnostic') counts[r.severity]++;
              },
            },
          };
    runCaptureJob(
      job,
      (out) => {
        inFlight++;
        port.postMessage({ type: 'out', id: job.id, out });
      },
      credit,
    ).then(
      (bytesRead) => port.postMessage({ type: 'done', id: job.id, bytesRead, counts }),
      (e: unknown) => port.postMessage({ type: 'error', id: job.id, ...jobError(e) }),
    );
  });
}
