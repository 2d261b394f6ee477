/**
 * `rtmpscope report CAPTURE [-o report.html]`: one self-contained HTML page per run — per session
 * a ladder of the conversation, plots over time and the diagnostics with their explanations
 * (src/report). The model is built from the record stream as it is decoded; no record is held.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { openInput, UserError } from '../io/input.js';
import { analyzeStream } from '../session/run.js';
import { streamOut } from '../output/ndjson.js';
import { ReportBuilder, reportModel } from '../report/model.js';
import { renderHtml, type ReportAssets } from '../report/html.js';
import { ANALYZER_OPTIONS, analyzerOptions, openOutput } from './common.js';

export const REPORT_USAGE = `Usage: rtmpscope report <capture|-> [-o report.html] [common options]

Writes one self-contained HTML file (nothing is fetched when it opens): per session a ladder
diagram, plots over time per stream and track, and the diagnostics with their explanations.
  -o, --output FILE    where to write (default report.html; '-' for standard output)`;

/** uPlot's script and style, read from its package (a runtime dependency). */
export function uplotAssets(): ReportAssets {
  const req = createRequire(import.meta.url);
  return {
    uplotJs: readFileSync(req.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(req.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'report.html' },
      debug: { type: 'boolean', default: false },
      ...ANALYZER_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(REPORT_USAGE + '\n');
    return;
  }
  const [path, extra] = positionals;
  if (path === undefined) throw new UserError('report: no capture given (a path, or - for stdin)', 2);
  if (extra !== undefined) throw new UserError(`report: unexpected argument '${extra}' (one capture per report)`, 2);
  const opts = analyzerOptions(values);
  const assets = uplotAssets();
  const input = await openInput(path);
  const builder = new ReportBuilder(path);
  await analyzeStream(path, input, (recs) => builder.push(recs), opts);
  const html = renderHtml(reportModel([builder.finish()]), assets);
  const toStdout = values.output === '-';
  const out = toStdout ? streamOut(process.stdout) : openOutput(values.output);
  await out.write(html);
  await out.close();
  if (!toStdout) process.stderr.write(`rtmpscope: wrote ${values.output} (${Math.round(Buffer.byteLength(html) / 1024)} KiB)\n`);
}
