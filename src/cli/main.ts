/**
 * rtmpscope command line. Every user-fixable problem ends as one line on stderr and a non-zero
 * exit; stack traces only with --debug.
 *
 * Bundled as dist/bin/main.js and loaded by the executable dist/bin/rtmpscope.js
 * (src/bin/rtmpscope.ts), which answers --version and --help itself. The young generation is
 * capped at run time (src/session/young-generation.ts), not by a V8 flag in a shebang.
 */
import { readFileSync, statSync } from 'node:fs';
import { openInput, UserError } from '../io/input.js';
import { analyzeStream } from '../session/run.js';
import type { AnalyzerOptions } from '../session/analyzer.js';
import type { OutputRecord } from '../records/index.js';
import { UI_WIRE_EXCERPT } from '../session/wire.js';
import { BatchedWriter, JsonRenderer, NdjsonRenderer, streamOut } from '../output/ndjson.js';
import { clean } from '../core/text.js';
import { checkNamedCaptures, RecordSelection, recordSelection, SELECT_OPTIONS, selectValues } from '../output/select.js';
import { ANALYZER_OPTIONS, analyzerOptions, ignoreCiDetection, openOutput, prepareUi } from './common.js';
import { flushWhenIdle, isLiveInput } from './live.js';
import { withProgress } from './progress.js';
import { argError, closeNames, debugRequested, isArgError, parseCommandArgs } from './args.js';

const USAGE = `rtmpscope — RTMP wire-protocol analyzer

Usage:
  rtmpscope <capture>                       interactive UI on a terminal (tables when piped)
  rtmpscope summary <capture>               the same, always as tables
  rtmpscope export <capture|-> [options]    decoded records as NDJSON (default) or JSON
      --format ndjson|json                  output format
      -o, --output FILE                     write to FILE instead of stdout
      --session N[,M]  --stream NAME  --type T[,U]  --dir c2s|s2c  --frames A-B
                                            export only those records (types: session, handshake,
                                            message, diagnostic, stream, capture, or the message
                                            kinds command, data, audio, video, control)
  rtmpscope summary|export <capture|dir>…   several captures (directories searched for pcap and
                                            pcapng files) read in parallel; records carry a
                                            'capture' field, tables a 'cap' column; export's
                                            selection applies to each capture on its own
                                            (--session CAPTURE#N: session N of that one)
      --threads N                           threads for several captures (default: one per core,
                                            fewer for little input; 1: no worker threads)
  rtmpscope report <capture|-> [-o report.html]
                                            one self-contained HTML report: ladder, plots and
                                            diagnostics per session (see rtmpscope report --help)
  rtmpscope diff A B [--format text|json]   compare two sessions (CAPTURE or CAPTURE#N), the
                                            likeliest cause of a failure first; exit 0 same,
                                            1 different, 2 trouble (see rtmpscope diff --help)
  rtmpscope explain CODE…                   the whole explanation of a diagnostic or a server
                                            status code (NetStream.Publish.BadName, _error, …)
  rtmpscope extract <capture|-> (-o FILE.flv | --dir DIR) [--session N] [--stream NAME]
                                            each published or played stream as (Enhanced) FLV
                                            (see rtmpscope extract --help)
  rtmpscope proxy --upstream HOST:PORT|rtmp[s]://… [--listen 127.0.0.1:1935] [-o FILE] [--pcap FILE]
                                            forward an encoder's connection, decoding both
                                            directions live (see rtmpscope proxy --help)
  Common options:
      --tcp-buffer BYTES                    out-of-order bytes held per TCP direction before a
                                            hole is declared lost (default 4194304)
      --conn-buffer BYTES                   bytes that messages still being assembled may hold
                                            per connection (default 8388608)
      --keylog FILE                         key log (repeatable): the NSS format SSLKEYLOGFILE
                                            writes (TLS/RTMPS) and RTMFP key log lines; other
                                            lines are ignored
      --max-connections N                   TCP connections followed at once; beyond, a closing,
                                            non-RTMP or idle one is evicted (default 4096)
      --rtmp-port PORT                      decode a connection on PORT as RTMP even when its bytes
                                            do not show it (repeatable; default 1935; detection
                                            does not depend on ports)
      --hold-bytes BYTES                    bytes a connection whose start is not in the capture
                                            may hold while undecided (default 1048576)
      --target youtube|twitch|facebook|generic
                                            check published streams against the service's
                                            documented ingest requirements (docs/ingest-targets.md)
      --fail-on warn|error                  exit status 3 when a diagnostic of that severity or
                                            worse was raised (for CI jobs)

Captures: pcap (µs or ns, either byte order) and pcapng; '-' reads standard input (concatenated
captures too: cat a.pcap b.pcapng | rtmpscope export -).
Options: --debug (show internal errors in full), --version, --help`;

function version(): string {
  // dist/bin/rtmpscope.js (the bundle) or dist/src/cli/main.js (tsc's output).
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'rtmpscope') return pkg.version;
    } catch {
      /* not at this level */
    }
  }
  return 'unknown';
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function cmdExport(path: string, format: string, output: string | undefined, opts: AnalyzerOptions, select: RecordSelection | null = null): Promise<void> {
  if (format !== 'ndjson' && format !== 'json') throw new UserError(`--format must be ndjson or json, not '${format}'`, 2);
  const input = withProgress(path, await openInput(path), output !== undefined || process.stdout.isTTY !== true);
  const w = new BatchedWriter(output === undefined ? streamOut(process.stdout) : openOutput(output));
  if (format === 'ndjson') {
    const r = new NdjsonRenderer(w);
    const pick = (recs: readonly OutputRecord[]) => (select === null ? recs : select.filter(recs));
    // From a pipe, records go out as their packets arrive (batched output is flushed when input stalls).
    const live = isLiveInput(path) ? flushWhenIdle(w) : null;
    await analyzeStream(path, input, live === null ? (recs) => r.records(pick(recs)) : (recs) => r.records(pick(recs)).then(() => live.touch()), opts);
    live?.stop();
    await r.end();
  } else {
    const r = new JsonRenderer(w);
    await analyzeStream(path, input, (recs) => r.records(select === null ? recs : select.filter(recs)), opts);
    await r.end();
  }
  await w.close();
}

async function cmdSummary(path: string, opts: AnalyzerOptions): Promise<void> {
  const input = withProgress(path, await openInput(path), true);
  // cli-table3 is loaded only for the tables, keeping `export` start-up lean.
  ignoreCiDetection();
  const { renderSummary, SummaryCollector } = await import('../output/summary.js');
  const c = new SummaryCollector();
  await analyzeStream(path, input, (recs) => c.records(recs), opts);
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  process.stdout.write(renderSummary(c, { color }));
}

async function cmdTui(path: string, opts: AnalyzerOptions): Promise<void> {
  const input = await openInput(path);
  prepareUi();
  // Decoding starts at once and overlaps the loading of ink and React (≈ 0.3 s): its first
  // batches go straight into the UI's store (small, no ink), which spools them, so no record
  // is held while the UI loads (held records outlive young-generation collections, and V8 then
  // allocates every later record in the old generation: the heap grows as the file loads).
  const { RecordStore } = await import('../tui/store.js');
  const store = new RecordStore({ loadingNotifyIntervalMs: 1000 });
  let deliver: ((recs: readonly OutputRecord[]) => void) | null = null;
  // The hex view (`x`) shows each item's first bytes from the wire.
  const loading = analyzeStream(path, input, (recs) => (deliver === null ? store.push(recs) : deliver(recs)), { ...opts, wireExcerpt: UI_WIRE_EXCERPT });
  loading.catch(() => {}); // reported through the UI's load() below
  const { runTui } = await import('../tui/index.js');
  await runTui({
    title: path,
    follow: path === '-',
    store,
    load: async (sink) => {
      deliver = sink;
      await loading;
    },
  });
}

/**
 * Commands with a module and an option set of their own (see `rtmpscope proxy --help`): each is
 * handed the arguments after its name. A command added here is loaded only when it runs.
 */
const COMMANDS: Readonly<Record<string, () => Promise<(argv: string[]) => Promise<void>>>> = {
  proxy: async () => (await import('./proxy.js')).run,
  report: async () => (await import('./report.js')).run,
  diff: async () => (await import('./diff.js')).run,
  explain: async () => (await import('./explain.js')).run,
  extract: async () => (await import('./extract.js')).run,
};

/** Every command's name, for "did you mean …?". */
const COMMAND_NAMES = ['summary', 'export', ...Object.keys(COMMANDS)];

/**
 * A first word that names no file but is a command's name mistyped: `rtmpscope sumary x.pcap`
 * says so instead of "sumary: no such file" (a capture path stays accepted as the first argument).
 */
function checkCommandWord(word: string | undefined): void {
  if (word === undefined || word === '-' || COMMAND_NAMES.includes(word) || word.includes('/') || word.includes('.')) return;
  try {
    statSync(word);
    return; // an existing file or directory named like a command: a capture
  } catch {
    /* no such file: perhaps a command */
  }
  const like = closeNames(word, COMMAND_NAMES);
  if (like.length > 0) throw new UserError(`unknown command '${word}' (did you mean ${like[0]}?)`, 2);
}

async function main(argv: string[]): Promise<void> {
  const name = argv[0] ?? '';
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command !== undefined) {
    try {
      return await (
        await command()
      )(argv.slice(1));
    } catch (e) {
      // A command that parses its arguments with parseArgs directly: its error as our one line.
      if (isArgError(e)) throw new UserError(argError(e, name), 2);
      throw e;
    }
  }
  if (!name.startsWith('-')) checkCommandWord(name);
  const { values, positionals } = parseCommandArgs(null, {
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'ndjson' },
      output: { type: 'string', short: 'o' },
      debug: { type: 'boolean', default: false },
      ...ANALYZER_OPTIONS,
      ...SELECT_OPTIONS,
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (values.version) {
    process.stdout.write(version() + '\n');
    return;
  }
  const [first, second] = positionals;
  checkCommandWord(first);
  if (first !== 'export' && !RecordSelection.empty(values)) throw new UserError('--session, --stream, --type, --dir and --frames select what export writes', 2);
  if (first === undefined) throw new UserError('no capture given\n' + USAGE, 2);
  const sub = first === 'export' || first === 'summary' ? first : null;
  const captures = sub === null ? positionals : positionals.slice(1);
  if (sub !== null && second === undefined) throw new UserError(`${first}: no capture given (a path, or - for stdin)`, 2);
  // Several captures, or a directory of them: read in parallel (cli/multi.ts).
  if (captures.length > 1 || (captures.length === 1 && isDirectory(captures[0] as string))) {
    if (captures.includes('-')) throw new UserError("'-' (standard input) cannot be given with other captures", 2);
    const { exportMany, summarizeMany, threadsOption } = await import('./multi.js');
    const multi = threadsOption(values.threads);
    if (sub === 'export') {
      if (values.format !== 'ndjson' && values.format !== 'json') throw new UserError(`--format must be ndjson or json, not '${values.format}'`, 2);
      // Each capture filtered on its own; bad values are refused before any is read.
      const select = RecordSelection.empty(values) ? {} : { select: selectValues(values) };
      if (select.select !== undefined) recordSelection(select.select);
      return exportMany(captures, values.format, values.output, analyzerOptions(values), { ...multi, ...select });
    }
    return summarizeMany(captures, analyzerOptions(values), multi);
  }
  if (sub !== null) {
    if (sub === 'export') {
      checkNamedCaptures(values, [second as string]);
      return cmdExport(second as string, values.format, values.output, analyzerOptions(values), recordSelection(values, second));
    }
    return cmdSummary(second as string, analyzerOptions(values));
  }
  if (second !== undefined) throw new UserError(`unexpected argument '${second}'`, 2);
  // On a terminal the capture opens in the interactive UI; piped or redirected, it prints tables.
  if (process.stdout.isTTY === true) return cmdTui(first, analyzerOptions(values));
  return cmdSummary(first, analyzerOptions(values));
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});
main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UserError) {
    process.stderr.write(`rtmpscope: ${clean(e.message)}\n`);
    process.exitCode = e.exitCode;
  } else {
    const err = e as NodeJS.ErrnoException;
    if (debugRequested()) process.stderr.write(`${err.stack ?? String(e)}\n`);
    else process.stderr.write(`rtmpscope: internal error: ${clean(err.message ?? String(e))} (run with --debug for details)\n`);
    process.exitCode = 70;
  }
});
