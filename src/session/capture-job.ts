/**
 * One capture of a multi-capture run, analysed where it runs (a worker thread of the pool in
 * multi.ts, or the main thread when one thread is enough): the records rendered as NDJSON or JSON
 * text, passed on as record batches, or reduced to what the summary tables need. What it produces
 * goes out through `post` in pieces of about 64 KiB (or 256 records); `credit` is awaited before
 * each piece, so a consumer that falls behind holds the analysis back instead of letting it queue.
 */
import { readFileChunks, UserError } from '../io/input.js';
import { toJson } from '../core/text.js';
import { BatchedWriter, JsonRenderer } from '../output/ndjson.js';
import type { AnalyzerOptions } from './analyzer.js';
import type { Severity } from '../core/diagnostics.js';
import type { OutputRecord, SessionRecord, StreamRecord, CaptureSummaryRecord, DiagnosticRecord } from '../records/index.js';
import { analyzeStream } from './run.js';
import { recordSelection, type SelectValues } from '../output/select.js';

export type JobMode = 'ndjson' | 'json' | 'records' | 'summary';

export type CaptureJob = {
  readonly id: number;
  readonly path: string;
  /** The capture's name in the output (the `capture` field, table rows). */
  readonly name: string;
  /** Put the `capture` field on every record (several captures in the run). */
  readonly tag: boolean;
  readonly mode: JobMode;
  readonly opts: AnalyzerOptions;
  /** Count the capture's diagnostics by severity (returned with the bytes read; see AnalyzerOptions.tally). */
  readonly tally?: boolean;
  /** export's selection, applied to this capture's records (output/select.ts). */
  readonly select?: SelectValues;
};

/** What a finished job reports. */
export type JobDone = { readonly bytesRead: number; readonly counts: Readonly<Record<Severity, number>> | null };

/** What the summary tables need of one capture (structured-clone safe: plain objects, Maps, Sets). */
export type CaptureDigest = {
  readonly sessions: SessionRecord[];
  readonly streams: StreamRecord[];
  readonly totals: Map<string, { severity: string; count: number; sessions: Set<number | null>; firstFrame: number | null }>;
  readonly capture: CaptureSummaryRecord | null;
  readonly unreadTls: DiagnosticRecord[];
};

export type JobOutput =
  | { readonly kind: 'text'; readonly text: string; readonly bytesRead: number }
  | { readonly kind: 'records'; readonly records: OutputRecord[]; readonly bytesRead: number }
  | { readonly kind: 'digest'; readonly digest: CaptureDigest; readonly bytesRead: number };

const TEXT_PIECE = 64 * 1024;

/** `line` (one record's JSON) with `"capture":NAME` after its `type`. */
export function tagLine(line: string, nameJson: string): string {
  const i = line.startsWith('{"type":"') ? line.indexOf('",', 9) : -1;
  return i < 0 ? `{"capture":${nameJson},${line.slice(1)}` : `${line.slice(0, i + 2)}"capture":${nameJson},${line.slice(i + 2)}`;
}

/** `r` with `capture: name` after its `type` (the same key order as tagLine). */
export function tagRecord(r: OutputRecord, name: string): OutputRecord & { readonly capture: string } {
  return Object.assign({ type: r.type, capture: name }, r);
}

/**
 * Analyse `job.path`, handing its output to `post` (awaiting `credit()` before each piece).
 * Resolves to the bytes read; a capture that cannot be read rejects with a UserError naming it.
 */
export async function runCaptureJob(job: CaptureJob, post: (out: JobOutput) => void, credit: () => Promise<void> | undefined): Promise<number> {
  let bytesRead = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of readFileChunks(job.path)) {
      bytesRead += c.length;
      yield c;
    }
  }
  const input = counted();
  const send = async (out: JobOutput) => {
    const wait = credit();
    if (wait !== undefined) await wait;
    post(out);
  };
  if (job.mode === 'summary') {
    const { SummaryCollector } = await import('../output/summary.js');
    const c = new SummaryCollector();
    await analyzeStream(job.path, input, (recs) => c.records(recs), job.opts);
    const digest: CaptureDigest = { sessions: c.sessions, streams: c.streams, totals: c.totals(), capture: c.capture, unreadTls: c.unreadTls };
    await send({ kind: 'digest', digest, bytesRead });
    return bytesRead;
  }
  const selection = job.select === undefined ? null : recordSelection(job.select, job.name);
  const pick = (recs: readonly OutputRecord[]): readonly OutputRecord[] => (selection === null ? recs : selection.filter(recs));
  if (job.mode === 'records') {
    await analyzeStream(job.path, input, (recs) => send({ kind: 'records', records: job.tag ? pick(recs).map((r) => tagRecord(r, job.name)) : pick(recs).slice(), bytesRead }), job.opts);
    return bytesRead;
  }
  // Text: NDJSON lines, or one JSON document grouped by session.
  let parts: string[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    const t = parts.join('');
    parts = [];
    size = 0;
    await send({ kind: 'text', text: t, bytesRead });
  };
  const add = (s: string): Promise<void> | undefined => {
    parts.push(s);
    size += s.length;
    return size >= TEXT_PIECE ? flush() : undefined;
  };
  if (job.mode === 'ndjson') {
    const nameJson = toJson(job.name);
    await analyzeStream(
      job.path,
      input,
      async (recs) => {
        for (const r of pick(recs)) {
          const line = toJson(r);
          const p = add((job.tag ? tagLine(line, nameJson) : line) + '\n');
          if (p !== undefined) await p;
        }
      },
      job.opts,
    );
  } else {
    const w = new BatchedWriter({ write: add, close: async () => {} });
    const r = new JsonRenderer(w);
    await analyzeStream(job.path, input, (recs) => r.records(job.tag ? pick(recs).map((x) => tagRecord(x, job.name)) : pick(recs)), job.opts);
    await r.end();
  }
  await flush();
  return bytesRead;
}

/** A failed job as one line for stderr (a UserError's own, or an internal error's message). */
export function jobError(e: unknown): { message: string; internal: boolean } {
  if (e instanceof UserError) return { message: e.message, internal: false };
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT' || err?.code === 'EACCES' || err?.code === 'EISDIR') return { message: `${err.path ?? ''}: cannot read (${err.code})`, internal: false };
  return { message: err?.message ?? String(e), internal: true };
}
