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
import { analyzeCaptures, type CaptureDigest, type CaptureHandlers, type CaptureSource, type JobMode, type MultiOptions } from '../session/multi.js';
import { openOutput, ignoreCiDetection } from './common.js';
import { checkNamedCaptures } from '../output/select.js';
import { expandInputs } from './inputs.js';
import { startProgress } from './progress.js';

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

/**
 * Every source through analyzeCaptures with a progress line (when `drawOn` and stderr is a
 * terminal) and each failure reported as one line; resolves to the number of failures.
 */
async function readAll(sources: readonly CaptureSource[], mode: JobMode, opts: AnalyzerOptions, multi: MultiOptions, drawOn: boolean, output: CaptureHandlers['output']): Promise<number> {
  const progress = drawOn
    ? startProgress(
        sources.reduce((n, s) => n + s.size, 0),
        sources.length,
      )
    : startProgress(0, 0);
  let failed = 0;
  let finished = 0;
  let lastBytes = 0;
  try {
    await analyzeCaptures(
      sources,
      mode,
      opts,
      {
        output,
        end: (_i, failure) => {
          finished++;
          progress.update(lastBytes, finished);
          if (failure === null) return;
          failed++;
          progress.done();
          report(failure.internal ? `internal error: ${failure.message} (run with --debug for details)` : failure.message);
        },
        progress: (bytes) => progress.update((lastBytes = bytes), finished),
      },
      multi,
    );
  } finally {
    progress.done();
  }
  return failed;
}

export async function exportMany(args: readonly string[], format: 'ndjson' | 'json', output: string | undefined, opts: AnalyzerOptions, multi: MultiOptions): Promise<void> {
  const { sources, failed: unusable } = inputs(args);
  if (multi.select !== undefined)
    checkNamedCaptures(
      multi.select,
      sources.map((s) => s.name),
    );
  const w = new BatchedWriter(output === undefined ? streamOut(process.stdout) : openOutput(output));
  const several = sources.length > 1;
  let current = -1;
  if (format === 'json' && several) await w.write('[\n');
  // Progress only where it cannot land among the records on the same terminal.
  const failed = await readAll(sources, format, opts, multi, output !== undefined || process.stdout.isTTY !== true, async (i, out) => {
    if (out.kind !== 'text') return;
    // JSON: one document per capture, separated in the array.
    if (format === 'json' && several && i !== current) await w.write(current < 0 ? '' : ',\n');
    current = i;
    const p = w.write(out.text);
    if (p !== undefined) await p;
  });
  if (format === 'json' && several) await w.write(']\n');
  await w.close();
  if (unusable + failed > 0) process.exitCode = 1;
}

export async function summarizeMany(args: readonly string[], opts: AnalyzerOptions, multi: MultiOptions): Promise<void> {
  const { sources, failed } = inputs(args);
  ignoreCiDetection();
  const { renderSummaries, renderSummary } = await import('../output/summary.js');
  const digests: { name: string; digest: CaptureDigest }[] = [];
  const problems =
    failed +
    (await readAll(sources, 'summary', opts, multi, true, (i, out) => {
      if (out.kind === 'digest') digests.push({ name: (sources[i] as CaptureSource).name, digest: out.digest });
    }));
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  if (digests.length === 1 && sources.length === 1) {
    // One capture (a directory holding one): the single-capture tables.
    const d = (digests[0] as { digest: CaptureDigest }).digest;
    process.stdout.write(renderSummary({ ...d, totals: () => d.totals }, { color }));
  } else if (digests.length > 0) {
    process.stdout.write(
      renderSummaries(
        digests.map((d) => ({ name: d.name, ...d.digest })),
        { color },
      ),
    );
  }
  if (problems > 0) process.exitCode = 1;
}
