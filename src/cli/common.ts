/**
 * What the commands share: the analyzer's options (one table, parsed the same way by every
 * command that reads a capture), output files, and the preparation before ink or cli-table3 load.
 * Each command lives in its own module under cli/ and is dispatched from main.ts.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../io/input.js';
import type { AnalyzerOptions } from '../session/analyzer.js';
import { fileOut, type TextOut } from '../output/ndjson.js';
import { isTarget, TARGETS } from '../targets/ingest.js';
import { failOnOption } from './fail-on.js';

/** parseArgs option definitions of the analyzer's options (see USAGE's "Common options"). */
export const ANALYZER_OPTIONS = {
  'tcp-buffer': { type: 'string' },
  'conn-buffer': { type: 'string' },
  keylog: { type: 'string', multiple: true },
  'max-connections': { type: 'string' },
  'hold-bytes': { type: 'string' },
  'rtmp-port': { type: 'string', multiple: true },
  target: { type: 'string' },
  'fail-on': { type: 'string' },
} as const;

/** `-o FILE` opened for writing, or a one-line error saying why it cannot be. */
export function openOutput(output: string): TextOut {
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

export type AnalyzerValues = {
  'tcp-buffer'?: string | undefined;
  'conn-buffer'?: string | undefined;
  'hold-bytes'?: string | undefined;
  'rtmp-port'?: string[] | undefined;
  keylog?: string[] | undefined;
  'max-connections'?: string | undefined;
  target?: string | undefined;
  'fail-on'?: string | undefined;
};

/**
 * The analyzer's options from parsed values. With `--fail-on`, the run's diagnostics are counted
 * (AnalyzerOptions.observe) and the exit status is set when the command's work is done.
 */
export function analyzerOptions(values: AnalyzerValues): AnalyzerOptions {
  const tcp = values['tcp-buffer'];
  const conn = values['conn-buffer'];
  const hold = values['hold-bytes'];
  const ports = values['rtmp-port'];
  const keylogs = values.keylog;
  const maxConn = values['max-connections'];
  const target = values.target;
  const gate = failOnOption(values['fail-on']);
  if (gate !== null) {
    // Whatever the command does with the records, the verdict comes once its work is done (and
    // only when nothing else set the exit status: a usage or input error stands).
    process.once('beforeExit', () => {
      if (process.exitCode === undefined || process.exitCode === 0) gate.finish();
    });
  }
  if (target !== undefined && !isTarget(target)) throw new UserError(`--target must be one of ${TARGETS.join(', ')}, not '${target}'`, 2);
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
    ...(target === undefined ? {} : { target }),
    ...(gate === null ? {} : { observe: (recs) => gate.observe(recs), tally: (counts) => gate.add(counts) }),
  };
}

/**
 * Colour and interactivity are ours to decide (a terminal, NO_COLOR), not the libraries' CI
 * detection: with CI or CONTINUOUS_INTEGRATION set, ink (is-in-ci) renders nothing but the last
 * frame, at exit, so the UI stayed blank on a terminal in a CI job, a dev container or a shell that
 * exports CI; and @colors/colors (cli-table3) and chalk drop colour even on a terminal. They read
 * the environment once, when loaded: call this just before loading them.
 */
export function ignoreCiDetection(): void {
  delete process.env['CI'];
  delete process.env['CONTINUOUS_INTEGRATION'];
}

/** Before ink and React load (only for the UI, which runs only on a terminal). */
export function prepareUi(): void {
  process.env['NODE_ENV'] ??= 'production'; // React's production build
  ignoreCiDetection();
}
