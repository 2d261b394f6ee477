#!/usr/bin/env node
/**
 * The `rtmpscope` executable, dist/bin/rtmpscope.js: a few lines that answer `--version` and
 * `--help` themselves and otherwise load the command line, bundled as dist/lib/main.js
 * (src/cli/main.ts; scripts/bundle.ts builds both). The texts are the command line's own output,
 * taken from it when the bundle is built.
 *
 * Start-up, in CPU time against `node -e 0` (2 cores, loaded): the bundle's 0.5 MB cost ≈ 0.7×
 * more; as an ES module this file alone costs ≈ 0.08× more, as a CommonJS script (dist/bin holds
 * a package.json that says so) ≈ 0.02×. The shebang sets no V8 flags: any flag there (the
 * young-generation cap it once carried) changes V8's flag hash, and Node then rejects the code
 * cache of its own built-in modules (≈ 25 ms of every run). The young generation is capped at run
 * time instead (src/session/young-generation.ts).
 *
 * The texts are written to file descriptor 1 with `writeSync`, not `process.stdout`: the first
 * use of `process.stdout` builds the stream (loading Node's stream and tty or file-stream
 * modules), ≈ 5 ms of CPU, more than the rest of this file. `node -e 0` never builds it.
 */
import { writeSync } from 'node:fs';

/** Replaced by the bundler with the command line's `--version` and `--help` output. */
declare const RTMPSCOPE_VERSION_TEXT: string | undefined;
declare const RTMPSCOPE_HELP_TEXT: string | undefined;

const args = process.argv.slice(2);
const only = args.length === 1 ? args[0] : undefined;
const version = typeof RTMPSCOPE_VERSION_TEXT === 'string' ? RTMPSCOPE_VERSION_TEXT : undefined;
const help = typeof RTMPSCOPE_HELP_TEXT === 'string' ? RTMPSCOPE_HELP_TEXT : undefined;
const text = only === '--version' || only === '-v' ? version : only === '--help' || only === '-h' ? help : undefined;
/** The command line, relative to this file in dist/bin (a variable: it does not exist beside the source). */
const MAIN = '../lib/main.js';
/**
 * All of `s` to standard output, synchronously; through `process.stdout` if the descriptor is
 * non-blocking and full (EAGAIN); nothing more once the reader is gone (EPIPE), as `head` expects.
 */
function print(s: string): void {
  const b = Buffer.from(s);
  let at = 0;
  try {
    while (at < b.length) at += writeSync(1, b, at);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') process.stdout.write(b.subarray(at));
    else if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
  }
}

if (text !== undefined) print(text);
else {
  import(MAIN).catch((e: unknown) => {
    process.stderr.write(`rtmpscope: cannot load ${MAIN}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  });
}
