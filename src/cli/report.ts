/**
 * `rtmpscope report CAPTURE [-o report.html]`: one self-contained HTML page per run — per session
 * a ladder of the conversation, plots over time and the diagnostics with their explanations
 * (src/report). The model is built from the record stream as it is decoded; no record is held.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openInput, UserError } from '../io/input.js';
import { analyzeStream } from '../session/run.js';
import { streamOut } from '../output/ndjson.js';
import { ReportBuilder, reportModel, type CaptureReport } from '../report/model.js';
import type { AnalyzerOptions } from '../session/analyzer.js';
import { taggedRecordBatches, type MultiOptions } from '../session/multi.js';
import { clean } from '../core/text.js';
import { expandInputs } from './inputs.js';
import { threadsOption } from './multi.js';
import { renderHtml, type ReportAssets } from '../report/html.js';
import { ANALYZER_OPTIONS, analyzerOptions, openOutput } from './common.js';
import { parseCommandArgs } from './args.js';

const REPORT_USAGE = `Usage: rtmpscope report <capture|dir|->… [-o report.html] [common options]

Writes one self-contained HTML file (nothing is fetched when it opens): per session a ladder
diagram, plots over time per stream and track, and the diagnostics with their explanations.
Several captures (directories are searched for pcap and pcapng files) give one report, read in
parallel as \`export\` reads them; sessions are listed per capture.
  -o, --output FILE    where to write (default report.html; '-' for standard output)
      --threads N      threads for several captures (default: one per core)`;

/** uPlot's script and style, read from its package (a runtime dependency). */
function uplotAssets(): ReportAssets {
  const req = createRequire(import.meta.url);
  return {
    uplotJs: readFileSync(req.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(req.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

/** One capture (a file or standard input), on this thread. */
async function oneCapture(path: string, opts: AnalyzerOptions): Promise<CaptureReport> {
  const input = await openInput(path);
  const builder = new ReportBuilder(path);
  await analyzeStream(path, input, (recs) => builder.push(recs), opts);
  return builder.finish();
}

/** Several captures (files and directories) through the multi-capture pool; what cannot be read is one stderr line each. */
async function severalCaptures(args: readonly string[], opts: AnalyzerOptions, multi: MultiOptions): Promise<CaptureReport[]> {
  if (args.includes('-')) throw new UserError("report: '-' (standard input) cannot be given with other captures", 2);
  const { sources, problems } = expandInputs(args);
  for (const p of problems) process.stderr.write(`rtmpscope: ${clean(p)}\n`);
  const builders = sources.map((s) => new ReportBuilder(s.name));
  const unread = new Set<number>();
  for await (const b of taggedRecordBatches(sources, opts, multi)) {
    if ('failure' in b) {
      unread.add(b.index);
      process.stderr.write(`rtmpscope: ${clean(b.failure.message)}\n`);
    } else (builders[b.index] as ReportBuilder).push(b.records);
  }
  if (unread.size === sources.length) throw new UserError('report: no capture could be read');
  if (unread.size > 0 || problems.length > 0) process.exitCode = 1;
  return builders.filter((_, i) => !unread.has(i)).map((b) => b.finish());
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('report', {
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'report.html' },
      debug: { type: 'boolean', default: false },
      ...ANALYZER_OPTIONS,
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(REPORT_USAGE + '\n');
    return;
  }
  if (positionals.length === 0) throw new UserError('report: no capture given (a path, or - for stdin)', 2);
  const opts = analyzerOptions(values);
  const assets = uplotAssets();
  const captures = positionals.length === 1 && !isDirectory(positionals[0] as string) ? [await oneCapture(positionals[0] as string, opts)] : await severalCaptures(positionals, opts, threadsOption(values.threads));
  const html = renderHtml(reportModel(captures), assets);
  const toStdout = values.output === '-';
  const out = toStdout ? streamOut(process.stdout) : openOutput(values.output);
  await out.write(html);
  await out.close();
  if (!toStdout) process.stderr.write(`rtmpscope: wrote ${values.output} (${Math.round(Buffer.byteLength(html) / 1024)} KiB)\n`);
}
