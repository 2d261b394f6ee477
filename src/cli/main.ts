#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * rtmpscope command line. Every user-fixable problem ends as one line on stderr and a non-zero
 * exit; stack traces only with --debug.
 *
 * The shebang caps V8's young generation at 4 MiB per semi-space: the decoders allocate many
 * short-lived objects, and with the default (16 MiB) the heap grows with the capture before it
 * levels off; capped, peak memory is the same for a 70 MB and a 700 MB capture at the same speed
 * (npm run bench).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openInput, UserError } from '../io/input.js';
import { analyzeStream } from '../session/run.js';
import type { AnalyzerOptions } from '../session/analyzer.js';
import type { OutputRecord } from '../session/records.js';
import { BatchedWriter, JsonRenderer, NdjsonRenderer, fileOut, streamOut, type TextOut } from '../output/ndjson.js';
import { clean } from '../core/text.js';

const USAGE = `rtmpscope — RTMP wire-protocol analyzer

Usage:
  rtmpscope <capture>                       interactive UI on a terminal (tables when piped)
  rtmpscope summary <capture>               the same, always as tables
  rtmpscope export <capture|-> [options]    decoded records as NDJSON (default) or JSON
  rtmpscope proxy --upstream HOST:PORT|rtmp[s]://… [--listen 127.0.0.1:1935] [-o FILE] [--pcap FILE]
                                            forward an encoder's connection, decoding both
                                            directions live (see rtmpscope proxy --help)
      --format ndjson|json                  output format
      -o, --output FILE                     write to FILE instead of stdout
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

Captures: pcap (µs or ns, either byte order) and pcapng; '-' reads standard input.
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

/** `-o FILE` opened for writing, or a one-line error saying why it cannot be. */
function openOutput(output: string): TextOut {
  try {
    return fileOut(output);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? String(e));
    throw new UserError(`${output}: cannot write the output (${why})`);
  }
}

/** A whole number of bytes from an option, within [min, max], or a one-line usage error. */
function byteOption(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`--${name} must be a whole number of bytes from ${min} to ${max}, not '${v}'`, 2);
  return n;
}

/** Each `--keylog FILE` read as text, or a one-line error saying why it cannot be. */
function readKeylogs(files: readonly string[]): string[] {
  return files.map((f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? String(e));
      throw new UserError(`--keylog ${f}: cannot read it (${why})`, 2);
    }
  });
}

/** `--rtmp-port` values: whole numbers from 1 to 65535. */
function portsOption(v: readonly string[]): number[] {
  return v.map((p) => {
    const n = Number(p);
    if (!/^[0-9]+$/.test(p) || n < 1 || n > 65535) throw new UserError(`--rtmp-port must be a port number from 1 to 65535, not '${p}'`, 2);
    return n;
  });
}

type AnalyzerValues = {
  'tcp-buffer'?: string | undefined;
  'conn-buffer'?: string | undefined;
  'hold-bytes'?: string | undefined;
  'rtmp-port'?: string[] | undefined;
  keylog?: string[] | undefined;
  'max-connections'?: string | undefined;
};

function analyzerOptions(values: AnalyzerValues): AnalyzerOptions {
  const tcp = values['tcp-buffer'];
  const conn = values['conn-buffer'];
  const hold = values['hold-bytes'];
  const ports = values['rtmp-port'];
  const keylogs = values.keylog;
  const maxConn = values['max-connections'];
  if (maxConn !== undefined && !(Number.isInteger(Number(maxConn)) && Number(maxConn) >= 1 && Number(maxConn) <= 10_000_000)) {
    throw new UserError(`--max-connections must be a whole number from 1 to 10000000, not '${maxConn}'`, 2);
  }
  return {
    ...(maxConn === undefined ? {} : { maxConnections: Number(maxConn) }),
    ...(tcp === undefined ? {} : { maxQueuedBytes: byteOption('tcp-buffer', tcp, 1024, 1 << 30) }),
    ...(conn === undefined ? {} : { connBuffer: byteOption('conn-buffer', conn, 4096, 1 << 30) }),
    ...(keylogs === undefined || keylogs.length === 0 ? {} : { keylogs: readKeylogs(keylogs) }),
    ...(hold === undefined ? {} : { holdBytes: byteOption('hold-bytes', hold, 4096, 1 << 30) }),
    ...(ports === undefined ? {} : { rtmpPorts: portsOption(ports) }),
  };
}

async function cmdExport(path: string, format: string, output: string | undefined, opts: AnalyzerOptions): Promise<void> {
  if (format !== 'ndjson' && format !== 'json') throw new UserError(`--format must be ndjson or json, not '${format}'`, 2);
  const input = await openInput(path);
  const w = new BatchedWriter(output === undefined ? streamOut(process.stdout) : openOutput(output));
  if (format === 'ndjson') {
    const r = new NdjsonRenderer(w);
    await analyzeStream(path, input, (recs) => r.records(recs), opts);
    await r.end();
  } else {
    const r = new JsonRenderer(w);
    await analyzeStream(path, input, (recs) => r.records(recs), opts);
    await r.end();
  }
  await w.close();
}

async function cmdSummary(path: string, opts: AnalyzerOptions): Promise<void> {
  const input = await openInput(path);
  // cli-table3 is loaded only for the tables, keeping `export` start-up lean.
  ignoreCiDetection();
  const { renderSummary, SummaryCollector } = await import('../output/summary.js');
  const c = new SummaryCollector();
  await analyzeStream(path, input, (recs) => c.records(recs), opts);
  const color = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  process.stdout.write(renderSummary(c, { color }));
}

/**
 * Colour and interactivity are ours to decide (a terminal, NO_COLOR), not the libraries' CI
 * detection: with CI or CONTINUOUS_INTEGRATION set, ink (is-in-ci) renders nothing but the last
 * frame, at exit, so the UI stayed blank on a terminal in a CI job, a dev container or a shell that
 * exports CI; and @colors/colors (cli-table3) and chalk drop colour even on a terminal. They read
 * the environment once, when loaded: call this just before loading them.
 */
function ignoreCiDetection(): void {
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
}

/** Before ink and React load (only for the UI, which runs only on a terminal). */
function prepareUi(): void {
  process.env['NODE_ENV'] ??= 'production'; // React's production build
  ignoreCiDetection();
}

async function cmdTui(path: string, opts: AnalyzerOptions): Promise<void> {
  const input = await openInput(path);
  prepareUi();
  // Decoding starts at once and overlaps the loading of ink and React (≈ 0.3 s): its first
  // batches go straight into the UI's store (small, no ink), which spools them, so no record
  // is held while the UI loads (held records outlive young-generation collections, and V8 then
  // allocates every later record in the old generation: the heap grows as the file loads).
  const { RecordStore } = await import('../tui/store.js');
  const store = new RecordStore({ loadingNotifyIntervalMs: 300 });
  let deliver: ((recs: readonly OutputRecord[]) => void) | null = null;
  const loading = analyzeStream(path, input, (recs) => (deliver === null ? store.push(recs) : deliver(recs)), opts);
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
 * `rtmpscope proxy …`. On a terminal (and without -o/--format) the live UI follows the sessions;
 * otherwise records go out as NDJSON and status lines to stderr.
 */
async function cmdProxy(argv: string[]): Promise<void> {
  const { proxyMain, parseProxyArgs, runProxy } = await import('../proxy/index.js');
  const explicitOutput = argv.some((a) => ['-o', '--output', '--format', '-h', '--help'].includes(a.split('=')[0] ?? a));
  if (explicitOutput || process.stdout.isTTY !== true || process.stdin.isTTY !== true) return proxyMain(argv);
  const opts = parseProxyArgs(argv);
  prepareUi();
  const { runTui } = await import('../tui/index.js');
  let handle: Awaited<ReturnType<typeof runProxy>> | null = null;
  const warnings: string[] = [];
  try {
    await runTui({
      title: `proxy → ${opts.upstream.tls ? 'rtmps' : 'rtmp'}://${opts.upstream.host}:${opts.upstream.port}`,
      follow: true,
      load: async (sink) => {
        handle = await runProxy({
          ...opts,
          format: 'none',
          onWarning: (m) => warnings.push(m),
          onRecords: (recs) => {
            try {
              sink(recs);
            } catch {
              /* the UI was closed; the proxy is being shut down */
            }
          },
        });
        // The proxy runs until the user quits the UI.
        await new Promise<never>(() => {});
      },
    });
  } finally {
    if (handle !== null) await (handle as { close(): Promise<void> }).close();
    for (const w of warnings) process.stderr.write(`rtmpscope proxy: ${clean(w)}\n`);
  }
}

async function main(argv: string[]): Promise<void> {
  // The proxy has its own option set (see `rtmpscope proxy --help`).
  if (argv[0] === 'proxy') return cmdProxy(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'ndjson' },
      output: { type: 'string', short: 'o' },
      debug: { type: 'boolean', default: false },
      'tcp-buffer': { type: 'string' },
      'conn-buffer': { type: 'string' },
      keylog: { type: 'string', multiple: true },
      'max-connections': { type: 'string' },
      'hold-bytes': { type: 'string' },
      'rtmp-port': { type: 'string', multiple: true },
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
  const [first, second, ...rest] = positionals;
  if (first === undefined) throw new UserError('no capture given\n' + USAGE, 2);
  if (first === 'export' || first === 'summary') {
    if (second === undefined) throw new UserError(`${first}: no capture given (a path, or - for stdin)`, 2);
    if (rest.length > 0) throw new UserError(`unexpected argument '${rest[0]}'`, 2);
    if (first === 'export') return cmdExport(second, values.format, values.output, analyzerOptions(values));
    return cmdSummary(second, analyzerOptions(values));
  }
  if (second !== undefined) throw new UserError(`unexpected argument '${second}'`, 2);
  // On a terminal the capture opens in the interactive UI; piped or redirected, it prints tables.
  if (process.stdout.isTTY === true) return cmdTui(first, analyzerOptions(values));
  return cmdSummary(first, analyzerOptions(values));
}

const debug = process.argv.includes('--debug');
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});
main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UserError) {
    process.stderr.write(`rtmpscope: ${clean(e.message)}\n`);
    process.exitCode = e.exitCode;
  } else if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`rtmpscope: ${clean(e.message)} (see rtmpscope --help)\n`);
    process.exitCode = 2;
  } else {
    const err = e as NodeJS.ErrnoException;
    if (debug) process.stderr.write(`${err.stack ?? String(e)}\n`);
    else process.stderr.write(`rtmpscope: internal error: ${clean(err.message ?? String(e))} (run with --debug for details)\n`);
    process.exitCode = 70;
  }
});
