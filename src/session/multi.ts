/**
 * Several captures in one run (`rtmpscope export a.pcap b.pcapng dir/`): each capture is analysed
 * on its own (sessions numbered per capture) on a pool of worker threads — one per core, started
 * once and given captures one after another, so a run over many small files pays one start-up per
 * thread rather than per file; a small run (little data in all) stays on the main thread. Output
 * is delivered in input order whichever thread finishes first.
 *
 * Memory stays bounded: the capture at the head of the order is written as it is decoded; text
 * of the captures behind it is held up to TEXT_HELD bytes each and then spooled to an unlinked
 * temporary file until its turn; record batches (mode 'records') are held up to BATCHES_HELD in
 * all, then the threads producing them wait. Writing slower than decoding slows the threads.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalyzerOptions } from './analyzer.js';
import type { Severity } from '../core/diagnostics.js';
import { jobError, runCaptureJob, type CaptureJob, type JobMode, type JobOutput } from './capture-job.js';
import type { OutputRecord } from '../records/index.js';
import type { SelectValues } from '../output/select.js';

export type { JobMode, JobOutput, CaptureDigest } from './capture-job.js';

/** One capture to read: its path, its name in the output, its size (to size the pool). */
export type CaptureSource = { readonly path: string; readonly name: string; readonly size: number };

export type CaptureFailure = { readonly message: string; readonly internal: boolean };

export type CaptureHandlers = {
  /** Output of capture `index`, strictly in input order (all of capture 0's, then 1's, …). */
  output(index: number, out: JobOutput): void | Promise<void>;
  /** Capture `index` ended (after all its output); `failure` when it could not be read. */
  end(index: number, failure: CaptureFailure | null): void | Promise<void>;
  /** Bytes read so far over all captures (for a progress line). */
  progress?(bytesRead: number): void;
};

export type MultiOptions = {
  /** Threads (default: one per core, fewer for little input). 1 keeps everything on the main thread. */
  readonly threads?: number;
  /** Text held in memory per capture waiting for its turn before it is spooled (default 4 MiB). */
  readonly heldTextBytes?: number;
  /** export's selection, applied to each capture on its own (output/select.ts). */
  readonly select?: SelectValues;
};

/** Below this much input per thread, another thread costs more than it saves. */
const BYTES_PER_THREAD = 16 * 1024 * 1024;
const MAX_THREADS = 16;
const TEXT_HELD = 4 * 1024 * 1024;
const BATCHES_HELD = 64;

/**
 * Threads for a run: `threads` when given (no more than captures), else one per core, no more than
 * captures, and fewer for little input (a thread's start-up would cost more than it saves).
 */
export function poolSize(sources: readonly CaptureSource[], threads?: number): number {
  if (threads !== undefined) return Math.max(1, Math.min(threads, sources.length));
  const bytes = sources.reduce((n, s) => n + s.size, 0);
  return Math.max(1, Math.min(availableParallelism(), MAX_THREADS, sources.length, Math.ceil(bytes / BYTES_PER_THREAD)));
}

/**
 * Analyse every source (mode: what each capture yields, see capture-job.ts) and hand the output
 * to `handlers` in input order. Records carry a `capture` field when there is more than one source.
 * A capture that cannot be read is reported through `end` and the others go on.
 */
export async function analyzeCaptures(sources: readonly CaptureSource[], mode: JobMode, opts: AnalyzerOptions, handlers: CaptureHandlers, multi: MultiOptions = {}): Promise<void> {
  const tag = sources.length > 1;
  const threads = poolSize(sources, multi.threads);
  const select = multi.select === undefined ? {} : { select: multi.select };
  if (threads <= 1)
    return inProcess(
      sources.map((s, id) => ({ id, path: s.path, name: s.name, tag, mode, opts, ...select })),
      handlers,
    );
  // Functions cannot cross to a worker thread: the threads count diagnostics for `observe`'s
  // owner instead (AnalyzerOptions.tally); extraction's payload sink runs on one thread only.
  const { observe: _observe, tally, payloads: _payloads, ...plain } = opts;
  const jobs: CaptureJob[] = sources.map((s, id) => ({ id, path: s.path, name: s.name, tag, mode, opts: plain, tally: tally !== undefined, ...select }));
  return new Pool(jobs, threads, handlers, multi.heldTextBytes ?? TEXT_HELD, tally).run();
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(`${e as string}`);
}

/** One thread: the captures one after another on the main thread (no ordering to keep). */
async function inProcess(jobs: readonly CaptureJob[], h: CaptureHandlers): Promise<void> {
  let done = 0;
  for (const job of jobs) {
    let pending: void | Promise<void> = undefined;
    let failure: CaptureFailure | null = null;
    try {
      done += await runCaptureJob(
        job,
        (out) => {
          h.progress?.(done + out.bytesRead);
          pending = h.output(job.id, out);
        },
        () => pending as Promise<void> | undefined,
      );
      const last = pending as Promise<void> | undefined;
      if (last !== undefined) await last;
    } catch (e) {
      if (e instanceof Stopped) throw e;
      failure = jobError(e);
    }
    await h.end(job.id, failure);
  }
}

type Held = { items: JobOutput[]; textBytes: number; spill: { fd: number; dir: string; bytes: number } | null; deferredAcks: number };
type State = { worker: Worker | null; held: Held; done: boolean; failure: CaptureFailure | null; bytesRead: number };
type FromWorker = { type: 'out'; id: number; out: JobOutput } | { type: 'done'; id: number; bytesRead: number; counts: Readonly<Record<Severity, number>> | null } | { type: 'error'; id: number; message: string; internal: boolean };

/** The worker script beside this module (tsc's layout) or one level up (the bundle's chunks/). */
function workerUrl(): URL {
  for (const rel of ['./capture-worker.js', '../capture-worker.js']) {
    const u = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(u))) return u;
  }
  throw new Error('capture-worker.js not found beside the program');
}

class Pool {
  private readonly states: State[];
  private next = 0;
  private head = 0;
  private heldBatches = 0;
  private chain: Promise<void> = Promise.resolve();
  private failed: Error | null = null;
  private readonly workers: Worker[] = [];
  private finished!: (err: Error | null) => void;

  constructor(
    private readonly jobs: readonly CaptureJob[],
    private readonly threads: number,
    private readonly h: CaptureHandlers,
    private readonly textHeld: number,
    private readonly tally?: (counts: Readonly<Record<Severity, number>>) => void,
  ) {
    this.states = jobs.map(() => ({ worker: null, held: { items: [], textBytes: 0, spill: null, deferredAcks: 0 }, done: false, failure: null, bytesRead: 0 }));
  }

  async run(): Promise<void> {
    const url = workerUrl();
    const ended = new Promise<Error | null>((resolve) => (this.finished = resolve));
    for (let i = 0; i < this.threads; i++) {
      const w = new Worker(url, { stderr: false });
      this.workers.push(w);
      w.on('message', (m: FromWorker) => this.message(w, m));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (this.head < this.jobs.length) this.fail(new Error(`a worker thread exited (code ${code})`));
      });
      this.dispatch(w);
    }
    const err = await ended;
    await Promise.all(this.workers.map((w) => (w.removeAllListeners('exit'), w.terminate())));
    for (const s of this.states) this.dropSpill(s.held);
    if (err !== null) throw err;
  }

  private fail(e: unknown): void {
    if (this.failed === null) {
      const err = asError(e);
      this.failed = err;
      this.finished(err);
    }
  }

  private dispatch(w: Worker): void {
    if (this.next >= this.jobs.length) return;
    const job = this.jobs[this.next] as CaptureJob;
    (this.states[this.next] as State).worker = w;
    this.next++;
    w.postMessage({ type: 'job', job });
  }

  private message(w: Worker, m: FromWorker): void {
    const st = this.states[m.id] as State;
    if (m.type !== 'out') this.dispatch(w); // the thread is free: give it the next capture at once
    this.chain = this.chain.then(() => this.handle(w, st, m)).catch((e: unknown) => this.fail(e));
  }

  private progress(): void {
    if (this.h.progress === undefined) return;
    let n = 0;
    for (const s of this.states) n += s.bytesRead;
    this.h.progress(n);
  }

  /** Serialised (one message at a time, in arrival order): keeps the output in input order. */
  private async handle(w: Worker, st: State, m: FromWorker): Promise<void> {
    if (this.failed !== null) return;
    if (m.type === 'out') {
      st.bytesRead = m.out.bytesRead;
      this.progress();
      if (m.id === this.head) {
        await this.h.output(m.id, m.out);
        w.postMessage({ type: 'ack' });
      } else this.hold(w, st, m.out);
      return;
    }
    st.done = true;
    if (m.type === 'done') {
      st.bytesRead = m.bytesRead;
      if (m.counts !== null) this.tally?.(m.counts);
    } else st.failure = { message: m.message, internal: m.internal };
    this.progress();
    if (m.id === this.head) await this.advance();
  }

  /** Output of a capture whose turn has not come: kept (text beyond TEXT_HELD spooled to disk). */
  private hold(w: Worker, st: State, out: JobOutput): void {
    const held = st.held;
    if (out.kind === 'text' && (held.spill !== null || held.textBytes + out.text.length > this.textHeld)) {
      if (held.spill === null) {
        const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-multi-'));
        const fd = openSync(join(dir, 'spool'), 'w+');
        rmSync(dir, { recursive: true, force: true }); // unlinked: gone however the run ends
        held.spill = { fd, dir, bytes: 0 };
      }
      const b = Buffer.from(out.text);
      for (let at = 0; at < b.length;) at += writeSync(held.spill.fd, b, at, b.length - at, held.spill.bytes + at);
      held.spill.bytes += b.length;
      w.postMessage({ type: 'ack' });
      return;
    }
    held.items.push(out);
    if (out.kind === 'text') held.textBytes += out.text.length;
    if (out.kind === 'records' && ++this.heldBatches > BATCHES_HELD) held.deferredAcks++;
    else w.postMessage({ type: 'ack' });
  }

  /** The head capture is done: end it, and bring the next ones forward in order. */
  private async advance(): Promise<void> {
    while (this.head < this.jobs.length) {
      const st = this.states[this.head] as State;
      await this.release(this.head, st);
      if (!st.done) return;
      await this.h.end(this.head, st.failure);
      this.head++;
    }
    this.finished(null);
  }

  /** Everything held for capture `i`, in order, then its deferred acknowledgements. */
  private async release(i: number, st: State): Promise<void> {
    const held = st.held;
    for (const out of held.items) {
      await this.h.output(i, out);
      if (out.kind === 'records') this.heldBatches--;
    }
    held.items = [];
    held.textBytes = 0;
    if (held.spill !== null) {
      const buf = Buffer.allocUnsafe(1 << 20);
      const dec = new StringDecoder('utf8');
      for (let pos = 0; pos < held.spill.bytes;) {
        const n = readSync(held.spill.fd, buf, 0, Math.min(buf.length, held.spill.bytes - pos), pos);
        pos += n;
        await this.h.output(i, { kind: 'text', text: dec.write(buf.subarray(0, n)), bytesRead: st.bytesRead });
      }
      this.dropSpill(held);
    }
    for (; held.deferredAcks > 0; held.deferredAcks--) st.worker?.postMessage({ type: 'ack' });
  }

  private dropSpill(held: Held): void {
    if (held.spill === null) return;
    closeSync(held.spill.fd);
    held.spill = null;
  }
}

/** Thrown by a consumer's handler to stop the run (the captures still being read are abandoned). */
export class Stopped extends Error {
  constructor() {
    super('stopped');
  }
}

/** One batch of a capture's records, tagged with it, or the one line saying it could not be read. */
export type TaggedBatch = { readonly index: number; readonly source: CaptureSource; readonly records: readonly OutputRecord[] } | { readonly index: number; readonly source: CaptureSource; readonly failure: CaptureFailure };

/**
 * Every capture's records as batches in input order (records tagged with `capture` when there are
 * several sources), for commands that consume records themselves (e.g. a report). Pulling slowly
 * holds the analysis back; leaving the loop early stops it (the captures being read are abandoned).
 */
export async function* taggedRecordBatches(sources: readonly CaptureSource[], opts: AnalyzerOptions, multi: MultiOptions = {}): AsyncGenerator<TaggedBatch> {
  const queue: TaggedBatch[] = [];
  let wake: (() => void) | null = null;
  let taken: (() => void) | null = null;
  /** Resolves the producer's wait for the batch being consumed. */
  let release: (() => void) | null = null;
  let ended = false;
  let stopped = false;
  let error: Error | null = null;
  const put = (b: TaggedBatch) => {
    if (stopped) throw new Stopped();
    return new Promise<void>((resolve) => {
      queue.push(b);
      taken = resolve;
      wake?.();
    });
  };
  const run = analyzeCaptures(
    sources,
    'records',
    opts,
    {
      output: (i, out) => (out.kind === 'records' ? put({ index: i, source: sources[i] as CaptureSource, records: out.records }) : undefined),
      end: (i, failure) => (failure === null ? undefined : put({ index: i, source: sources[i] as CaptureSource, failure })),
    },
    multi,
  ).then(
    () => {
      ended = true;
      wake?.();
    },
    (e: unknown) => {
      if (!(e instanceof Stopped)) error = asError(e);
      ended = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      if (queue.length > 0) {
        const b = queue.shift() as TaggedBatch;
        release = taken;
        taken = null;
        yield b;
        (release as (() => void) | null)?.();
        release = null;
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    if (!ended) {
      // The consumer left early: the next handler call stops the run.
      stopped = true;
      (release as (() => void) | null)?.();
      (taken as (() => void) | null)?.();
    }
    await run;
  }
  const failure = error as Error | null; // set by the run's callbacks
  if (failure !== null) throw failure;
}
