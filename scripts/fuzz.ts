/**
 * fuzz: feed damaged and random input through the whole decoding pipeline and report crashes,
 * hangs and output that does not survive JSON (issue #8, "Robustness").
 *
 *   node dist/scripts/fuzz.js [--count N] [--seconds S] [--seed K] [--workers W] [--kind K] [--only I]
 *
 * Every input is a pure function of (K, its index I), so a run is deterministic and any input can
 * be replayed alone with `--seed K --only I` (which prints the stack of a crash). Four kinds:
 *
 * - `capture`: a committed capture (captures/*.pcap*) cut to a window of records (its file header
 *   kept, so most windows start mid-connection), then mutated: records dropped, duplicated or
 *   swapped (TCP loss, retransmission, reordering), record and block lengths corrupted (pcap
 *   incl_len/orig_len, pcapng block total length leading or trailing, EPB captured length; set to
 *   0x7fffffff, 0xffffffff, 0x80000000, off by a few, random), bit flips and byte overwrites in the
 *   TCP payload only (headers intact) or anywhere, 32-bit 0x7fffffff/0xffffffff/0xffffff written
 *   at random offsets, random garbage spliced in, byte ranges duplicated or removed, truncation.
 * - `conversation`: random RTMP chunk streams for both directions (see below) wrapped into a TCP
 *   conversation in a pcap or pcapng (test/builders), with random MSS, lost segments, a missing
 *   SYN, IPv4/IPv6, any port; sometimes bit-flipped afterwards.
 *   6 % of conversations are hostile shapes instead (test/builders/fuzz-hostile.ts, issue #13): connection
 *   floods against a small --max-connections, a TSO segment of one-byte chunks, many open 16 MiB
 *   messages, chunk-stream floods against a small --conn-buffer, escape-laden strings (the summary
 *   tables must then hold no raw control character), pcapng timestamps beyond a date's range.
 * - `stream`: the same kind of chunk streams pushed straight into an RtmpSession (chunk decoder,
 *   message and AMF decoders, session analysis) in random pieces, with random TCP gaps.
 * - `body`: one random message body through decodeMessageBody and both AMF decoders.
 *
 * Capture inputs sometimes run with tiny analyzer limits (out-of-order buffer, --conn-buffer, RTMP
 * ports) to reach the caps. `--kind` runs only the inputs of one kind (same indexes and seeds).
 *
 * Chunk streams: a valid or damaged handshake, then structured-random chunks — fmt 0–3, chunk
 * stream ids 2/3/63/64/65/319/320/65599 (every basic-header form, canonical or not) and random,
 * lengths up to 0xFFFFFF, extended timestamps repeated or omitted, Set Chunk Size 1/0/0x7fffffff/
 * 0x80000000/0xffffffff, Abort, every type id, realistic commands and media (H.264, AAC, HEVC,
 * AV1, E-RTMP ModEx/multitrack) and random AMF0/AMF3 (deep nesting, self references, trait
 * references, ECMA count 2^32−1, huge string/array/vector lengths), garbage.
 *
 * The capture kinds run exactly what the CLI runs (createCaptureDecoder → Analyzer → records →
 * `JSON.stringify(record) + '\n'`, as NdjsonRenderer writes them, and the summary tables). For
 * every input: an exception is a crash (the input is saved to .fuzz/crash-<input seed>.bin, with
 * a .txt saying how to replay it); an input taking over 2 s, or over its budget (100 ms + 2 µs
 * per byte + 20 µs per push, ~200× slower than the benchmark; confirmed by a second run measured
 * in the thread's CPU time, so a busy machine is not a hang), is a hang (saved as .fuzz/hang-*);
 * an input still running after 10 s is killed by the watchdog and counted as a hang (the worker
 * is restarted after it). Every record must survive JSON unchanged (no undefined, NaN, ±Infinity, BigInt, typed arrays, class instances,
 * holes; -0 is tolerated), every diagnostic code must be in the catalogue and the last record of a
 * capture must be its `capture` summary; a violation counts as a crash too.
 *
 * Progress goes to stderr every 10 s; the report at the end gives inputs by kind, inputs/s,
 * crashes, hangs, the slowest input, peak RSS and heap. Exit status 1 when anything failed.
 * With no --count and no --seconds it runs 1,000,000 inputs: 8 min 14 s (2,026 inputs/s) on the
 * 2-core development machine while other jobs had half of it; about half that on 2 free cores.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { tpl } from '../test/builders/fuzz-media.js';
import { CAPTURES, caps } from '../test/builders/fuzz-captures.js';
import { Failure, hex8, type Input, inputSize, type Kind, kindOf, KINDS, makeInput, runInput, saveInput } from './fuzz-targets.js';
import { inputSeed } from '../test/builders/fuzz-random.js';

/** One input over this is a hang whatever its size. */
const HANG_MS = 2000;
/** The watchdog kills a worker whose input has run this long. */
const WATCHDOG_MS = 10_000;
/** Size budget: fixed part (GC pauses) plus this much per input byte (1 MB/s, ~100× the benchmark). */
const BUDGET_FIXED_MS = 100;
const BUDGET_MS_PER_BYTE = 0.002;
/** Each push (a TCP segment, or a piece of a stream) costs a little whatever its size. */
const BUDGET_MS_PER_PUSH = 0.02;

export function budget(size: number, pushes: number): number {
  return BUDGET_FIXED_MS + BUDGET_MS_PER_BYTE * size + BUDGET_MS_PER_PUSH * pushes;
}

// =============================================================================================
// Workers

type KindStats = { count: number; ms: number; bytes: number };
type Problem = { type: 'crash' | 'hang'; index: number; seed: number; kind: Kind; message: string; ms: number; file: string };
type Report = {
  byKind: Record<Kind, KindStats>;
  problems: Problem[];
  slowest: { ms: number; index: number; kind: Kind; size: number };
  peakHeap: number;
};

type WorkerArgs = { seed: number; count: number; start: number; stride: number; deadline: number; shared: SharedArrayBuffer; kind: Kind | null };

/**
 * Shared slots per worker: the current index, when it started (0 when idle), then inputs done per
 * kind (exact even when the watchdog kills the worker; a restarted worker counts on).
 */
const SLOT_INDEX = 0;
const SLOT_START = 1;
const SLOT_DONE = 2;
const SLOTS = SLOT_DONE + KINDS.length;

function emptyReport(): Report {
  const byKind = Object.fromEntries(KINDS.map((k) => [k, { count: 0, ms: 0, bytes: 0 }])) as Record<Kind, KindStats>;
  return { byKind, problems: [], slowest: { ms: 0, index: -1, kind: 'body', size: 0 }, peakHeap: 0 };
}

function workerMain(a: WorkerArgs): void {
  const slots = new Float64Array(a.shared);
  const rep = emptyReport();
  caps();
  tpl();
  let lastPost = Date.now();
  let sinceCheck = 0;
  const post = (final: boolean) => {
    rep.peakHeap = Math.max(rep.peakHeap, getHeapStatistics().used_heap_size);
    parentPort?.postMessage({ final, report: rep });
    rep.problems = []; // sent
  };
  for (let index = a.start; index < a.count; index += a.stride) {
    const seed = inputSeed(a.seed, index);
    if (a.kind !== null && kindOf(seed) !== a.kind) continue;
    const input = makeInput(seed);
    const size = inputSize(input);
    slots[SLOT_INDEX] = index;
    slots[SLOT_START] = Date.now();
    const res = timed(input);
    slots[SLOT_START] = 0;
    const done = SLOT_DONE + KINDS.indexOf(input.kind);
    slots[done] = (slots[done] as number) + 1;
    const st = rep.byKind[input.kind];
    st.count++;
    st.ms += res.ms;
    st.bytes += size;
    if (res.ms > rep.slowest.ms) rep.slowest = { ms: res.ms, index, kind: input.kind, size };
    if (res.error !== null) {
      rep.problems.push({ type: 'crash', index, seed, kind: input.kind, message: res.error, ms: res.ms, file: saveInput('crash', seed, index, a.seed, input, res.error) });
    } else if (res.ms > HANG_MS || res.ms > budget(size, res.pushes)) {
      // Confirm with a second run, in CPU time (a GC pause or a busy machine is not a hang).
      const again = confirm(makeInput(seed));
      if (again > HANG_MS || again > budget(size, res.pushes)) {
        const msg = `${res.ms.toFixed(0)} ms, then ${again.toFixed(0)} ms of CPU, for ${size} bytes in ${res.pushes} pushes (budget ${budget(size, res.pushes).toFixed(0)} ms)`;
        rep.problems.push({ type: 'hang', index, seed, kind: input.kind, message: msg, ms: res.ms, file: saveInput('hang', seed, index, a.seed, input, msg) });
      }
    }
    if (++sinceCheck >= 64 || rep.problems.length > 0) {
      sinceCheck = 0;
      const now = Date.now();
      if (now > a.deadline) break;
      if (now - lastPost > 1000 || rep.problems.length > 0) {
        post(false);
        lastPost = now;
      }
    }
  }
  post(true);
}

/**
 * CPU time of the calling thread in ms (Linux: /proc/thread-self/schedstat), or null. Wall time
 * on a busy machine (other jobs on 2 cores) is no measure of a hang; this is read only to confirm
 * an overrun, so its cost does not matter.
 */
function threadCpuMs(): number | null {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

/** Run again, measuring CPU time where the system says it (else wall time). */
function confirm(input: Input): number {
  const c0 = threadCpuMs();
  const t = timed(input);
  const c1 = threadCpuMs();
  return c0 !== null && c1 !== null ? c1 - c0 : t.ms;
}

function timed(input: Input): { ms: number; error: string | null; pushes: number } {
  const t0 = performance.now();
  let error: string | null = null;
  let pushes = 1;
  try {
    pushes = runInput(input).pushes;
  } catch (e) {
    error = e instanceof Failure ? `check failed: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  return { ms: performance.now() - t0, error, pushes };
}

// =============================================================================================
// Main

type Args = { count: number; seconds: number; seed: number; workers: number; only: number | null; kind: Kind | null };

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { count: 1_000_000, seconds: Infinity, seed: 1, workers: Math.min(2, availableParallelism()), only: null, kind: null };
  let countGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i] as string;
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n < 0) usage(`${k} needs a non-negative number`);
      i++;
      return n;
    };
    if (k === '--count') {
      a.count = Math.floor(num());
      countGiven = true;
    } else if (k === '--seconds') a.seconds = num();
    else if (k === '--seed') a.seed = Math.floor(num()) >>> 0;
    else if (k === '--workers') a.workers = Math.max(1, Math.floor(num()));
    else if (k === '--only') a.only = Math.floor(num());
    else if (k === '--kind') {
      if (!(KINDS as readonly string[]).includes(v ?? '')) usage(`--kind must be one of ${KINDS.join(', ')}`);
      a.kind = v as Kind;
      i++;
    } else if (k === '--help' || k === '-h') usage(null);
    else usage(`unknown argument ${k}`);
  }
  // --seconds alone: run until the time is up.
  if (!countGiven && a.seconds !== Infinity) a.count = Number.MAX_SAFE_INTEGER;
  return a;
}

function usage(msg: string | null): never {
  process.stderr.write(`${msg === null ? '' : `fuzz: ${msg}\n`}usage: node dist/scripts/fuzz.js [--count N] [--seconds S] [--seed K] [--workers W] [--kind K] [--only I]\n`);
  process.exit(msg === null ? 0 : 2);
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(0)} MiB`;
}

function replayOne(a: Args, index: number): void {
  const seed = inputSeed(a.seed, index);
  const input = makeInput(seed);
  process.stderr.write(`input ${index} (seed ${hex8(seed)}): ${input.kind}, ${inputSize(input)} bytes: ${input.note}\n`);
  const t0 = performance.now();
  const out = runInput(input); // throws with the full stack
  process.stderr.write(`ok in ${(performance.now() - t0).toFixed(1)} ms: ${out.records} records, ${out.bytes} output bytes\n`);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.only !== null) {
    replayOne(a, a.only);
    return;
  }
  if (!existsSync(CAPTURES)) usage(`no captures directory at ${CAPTURES}`);
  const t0 = Date.now();
  const deadline = a.seconds === Infinity ? Number.MAX_SAFE_INTEGER : t0 + a.seconds * 1000;
  const total = emptyReport();
  const problems: Problem[] = [];
  let peakHeap = 0;
  type Slot = { worker: Worker | null; slots: Float64Array; shared: SharedArrayBuffer };
  const W_ = Math.max(1, a.workers);
  const slots: Slot[] = [];
  /** Workers killed by the watchdog and not yet restarted. */
  let restarting = 0;

  const merge = (r: Report): void => {
    for (const k of KINDS) {
      total.byKind[k].count += r.byKind[k].count;
      total.byKind[k].ms += r.byKind[k].ms;
      total.byKind[k].bytes += r.byKind[k].bytes;
    }
    if (r.slowest.ms > total.slowest.ms) total.slowest = r.slowest;
    peakHeap = Math.max(peakHeap, r.peakHeap);
  };
  // Each worker's latest cumulative report (replaced on every message; merged when it ends).
  const latest = new Map<number, Report>();
  const finished: Promise<void>[] = [];

  const start = (w: number, from: number): void => {
    const s = slots[w] as Slot;
    s.slots[SLOT_START] = 0;
    const args: WorkerArgs = { seed: a.seed, count: a.count, start: from, stride: W_, deadline, shared: s.shared, kind: a.kind };
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: args });
    s.worker = worker;
    finished.push(
      new Promise<void>((resolve) => {
        worker.on('message', (m: { final: boolean; report: Report }) => {
          problems.push(...m.report.problems);
          for (const p of m.report.problems) process.stderr.write(`fuzz: ${p.type.toUpperCase()} in ${p.kind} input ${p.index} (seed ${hex8(p.seed)}): ${p.message.split('\n')[0]} → ${p.file}\n`);
          latest.set(w, m.report);
        });
        worker.on('error', (e) => {
          problems.push({ type: 'crash', index: -1, seed: 0, kind: 'body', message: `worker died: ${e.stack ?? e.message}`, ms: 0, file: '' });
          resolve();
        });
        worker.on('exit', () => {
          const r = latest.get(w);
          if (r !== undefined) merge(r);
          latest.delete(w);
          if (s.worker === worker) s.worker = null;
          resolve();
        });
      }),
    );
  };

  for (let w = 0; w < W_; w++) {
    const shared = new SharedArrayBuffer(8 * SLOTS);
    slots.push({ worker: null, slots: new Float64Array(shared), shared });
  }
  for (let w = 0; w < W_; w++) start(w, w);

  let lastProgress = Date.now();
  const progress = (final: boolean): string => {
    const cur = emptyReport();
    for (const k of KINDS) {
      cur.byKind[k] = { ...total.byKind[k] };
      for (const r of latest.values()) {
        cur.byKind[k].count += r.byKind[k].count;
        cur.byKind[k].ms += r.byKind[k].ms;
        cur.byKind[k].bytes += r.byKind[k].bytes;
      }
    }
    let slow = total.slowest;
    for (const r of latest.values()) if (r.slowest.ms > slow.ms) slow = r.slowest;
    let heap = peakHeap;
    for (const r of latest.values()) heap = Math.max(heap, r.peakHeap);
    // Counts from the shared slots (exact); times and bytes from the reports (a killed worker's
    // last second is missing from those).
    for (const k of KINDS) cur.byKind[k].count = slots.reduce((x, s) => x + (s.slots[SLOT_DONE + KINDS.indexOf(k)] as number), 0);
    const n = KINDS.reduce((x, k) => x + cur.byKind[k].count, 0);
    const secs = (Date.now() - t0) / 1000;
    const crashes = problems.filter((p) => p.type === 'crash').length;
    const hangs = problems.filter((p) => p.type === 'hang').length;
    const rss = process.resourceUsage().maxRSS * 1024;
    const kinds = KINDS.map((k) => `${k} ${cur.byKind[k].count}`).join(', ');
    if (!final) return `fuzz: ${n} inputs (${kinds}) in ${secs.toFixed(0)} s, ${(n / secs).toFixed(0)}/s, crashes ${crashes}, hangs ${hangs}, slowest ${slow.ms.toFixed(1)} ms, peak RSS ${mib(rss)}\n`;
    const lines = [
      `fuzz report (seed ${a.seed}, ${W_} worker${W_ === 1 ? '' : 's'})`,
      `  inputs      ${n} in ${secs.toFixed(1)} s = ${(n / secs).toFixed(0)} inputs/s`,
      ...KINDS.map((k) => {
        const s = cur.byKind[k];
        return `    ${k.padEnd(13)} ${String(s.count).padStart(9)}  ${(s.bytes / 1048576).toFixed(1).padStart(8)} MiB  ${(s.count === 0 ? 0 : (s.ms / s.count) * 1000).toFixed(0).padStart(6)} µs/input`;
      }),
      `  crashes     ${crashes}`,
      `  hangs       ${hangs}`,
      `  slowest     ${slow.ms.toFixed(1)} ms (${slow.kind} input ${slow.index}, ${slow.size} bytes)`,
      `  peak RSS    ${mib(rss)} (whole process, all workers)`,
      `  peak heap   ${mib(heap)} (largest worker heap in use)`,
    ];
    for (const p of problems.slice(0, 30)) lines.push(`  ${p.type} ${p.kind} input ${p.index}: ${p.message.split('\n')[0]} → ${p.file}`);
    if (problems.length > 30) lines.push(`  … and ${problems.length - 30} more (see .fuzz/)`);
    return lines.join('\n') + '\n';
  };

  // Watchdog: a worker stuck on one input is killed; its input is saved and counted as a hang.
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (let w = 0; w < W_; w++) {
      const s = slots[w] as Slot;
      const started = s.slots[SLOT_START] as number;
      if (s.worker === null || started === 0 || now - started < WATCHDOG_MS) continue;
      const index = s.slots[SLOT_INDEX] as number;
      const seed = inputSeed(a.seed, index);
      const input = makeInput(seed);
      const msg = `still running after ${WATCHDOG_MS / 1000} s (killed)`;
      const file = saveInput('hang', seed, index, a.seed, input, msg);
      problems.push({ type: 'hang', index, seed, kind: input.kind, message: msg, ms: now - started, file });
      process.stderr.write(`fuzz: HANG in ${input.kind} input ${index}: ${msg} → ${file}\n`);
      // The killed input counts as done.
      const done = SLOT_DONE + KINDS.indexOf(input.kind);
      s.slots[done] = (s.slots[done] as number) + 1;
      const worker = s.worker;
      s.worker = null;
      restarting++;
      void worker.terminate().then(() => {
        if (index + W_ < a.count && Date.now() < deadline) start(w, index + W_);
        restarting--;
      });
    }
    if (now - lastProgress >= 10_000) {
      lastProgress = now;
      process.stderr.write(progress(false));
    }
  }, 250);

  // Workers may be restarted by the watchdog: wait until none is running.
  for (;;) {
    await Promise.all(finished.splice(0));
    if (finished.length === 0 && restarting === 0 && slots.every((s) => s.worker === null)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  clearInterval(watchdog);
  const report = progress(true);
  process.stdout.write(report);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

if (isMainThread) {
  main().catch((e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  });
} else {
  workerMain(workerData as WorkerArgs);
}
