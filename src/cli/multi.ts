/**
 * `rtmpscope export|summary a.pcap b.pcapng dir/`: several captures in one run (see
 * session/multi.ts). NDJSON lines carry a `capture` field naming their capture; `--format json`
 * prints a JSON array with one document per capture; the summary merges the tables with a
 * capture column. Inputs that cannot be read are one line each on stderr; the others are still
 * read, and the exit status is then 1.
 */
import { clean } from '../core/text.js';
import { UserError } from '../io/input.js';
import { BatchedWriter, streamOut } from '../output/ndjson.js';
import type { AnalyzerOptions } from '../session/analyzer.js';
import { analyzeCaptures, type CaptureDigest, type CaptureFailure, type CaptureSource, type MultiOptions } from '../session/multi.js';
import { openOutput, ignoreCiDetection } from './common.js';
import { expandInputs } from './inputs.js';
import { startProgress, type Progress } from './progress.js';

/** `--threads N`: a whole number from 1 to 256. */
export function threadsOption(v: string | undefined): MultiOptions {
  if (v === undefined) return {};
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > 256) throw new UserError(`--threads must be a whole number from 1 to 256, not '${v}'`, 2);
  return { threads: n };
}

function report(line: string): void {
  process.stderr.write(`rtmpscope: ${clean(line)}\n`);
}

/** The inputs, with what could not be used reported; the failures counted for the exit status. */
function inputs(args: readonly string[]): { sources: CaptureSource[]; failed: number } {
  const { sources, problems } = expandInputs(args);
  for (const p of problems) report(p);
  return { sources, failed: problems.length };
}

function failureLine(f: CaptureFailure): string {
  return f.internal ? `internal error: ${f.message} (run with --debug for details)` : f.message;
}

function progressFor(sources: readonly CaptureSource[], drawOn: boolean): Progress {
  return drawOn ? startProgress(sources.reduce((n, s) => n + s.size, 0), sources.length) : startProgress(0, 0);
}

export async function exportMany(args: readonly string[], format: 'ndjson' | 'json', output: string | undefined, opts: AnalyzerOptions, multi: MultiOptions): Promise<void> {
  const { sources, failed: unusable } = inputs(args);
  let failed = unusable;
  const w = new BatchedWriter(output === undefined ? streamOut(process.stdout) : openOutput(output));
  // Progress only where it cannot land among the records on the same terminal.
  const progress = progressFor(sources, output !== undefined || process.stdout.isTTY !== true);
  const several = sources.length > 1;
  let current = -1;
  let finished = 0;
  let lastBytes = 0;
  if (format === 'json' && several) await w.write('[\n');
  try {
    await analyzeCaptures(
      sources,
      format,
      opts,
      {
        output: async (i, out) => {
          if (out.kind !== 'text') return;
          // JSON: one document per capture, separated in the array.
          if (format === 'json' && several && i !== current) await w.write(current < 0 ? '' : ',\n');
          current = i;
          const p = w.write(out.text);
          if (p !== undefined) await p;
        },
        end: (_i, failure) => {
          finished++;
          progress.update(lastBytes, finished);
          if (failure === null) return;
          failed++;
          progress.done();
          report(failureLine(failure));
        },
        progress: (bytes) => progress.update((lastBytes = bytes), finished),
      },
      multi,
    );
  } finally {
    progress.done();
  }
  if (format === 'json' && several) await w.write(']\n');
  await w.close();
  if (failed > 0) process.exitCode = 1;
}

export async function summarizeMany(args: readonly string[], opts: AnalyzerOptions, multi: MultiOptions): Promise<void> {
  const { sources, failed } = inputs(args);
  ignoreCiDetection();
  const { renderSummaries, renderSummary } = await import('../output/summary.js');
  const progress = progressFor(sources, true);
  const digests: { name: string; digest: CaptureDigest }[] = [];
  let problems = failed;
  let finished = 0;
  let lastBytes = 0;
  try {
    await analyzeCaptures(
      sources,
      'summary',
      opts,
      {
        output: (i, out) => {
          if (out.kind === 'digest') digests.push({ name: (sources[i] as CaptureSource).name, digest: out.digest });
        },
        end: (_i, failure) => {
          finished++;
          progress.update(lastBytes, finished);
          if (failure === null) return;
          problems++;
          progress.done();
          report(failureLine(failure));
        },
        progress: (bytes) => progress.update((lastBytes = bytes), finished),
      },
      multi,
    );
  } finally {
    progress.done();
  }
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  if (digests.length === 1 && sources.length === 1) {
    // One capture (a directory holding one): the single-capture tables.
    const d = (digests[0] as { digest: CaptureDigest }).digest;
    process.stdout.write(renderSummary({ ...d, totals: () => d.totals }, { color }));
  } else if (digests.length > 0) {
    process.stdout.write(renderSummaries(digests.map((d) => ({ name: d.name, ...d.digest })), { color }));
  }
  if (problems > 0) process.exitCode = 1;
}
