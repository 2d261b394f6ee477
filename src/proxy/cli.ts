#!/usr/bin/env node
/**
 * `rtmpscope proxy ...`: parse the options, run the proxy until SIGINT/SIGTERM, then close it
 * cleanly (both sides of every session get a FIN, outputs are flushed). A second signal exits at
 * once. Status lines go to stderr; records go to the output (stdout by default).
 *
 * `proxyMain(argv)` is what the main CLI calls with the arguments after `proxy`; this file can
 * also be run directly (`node dist/src/proxy/cli.js --upstream ...`).
 */
import { pathToFileURL } from 'node:url';
import type { Writable } from 'node:stream';
import { UserError } from '../io/input.js';
import { hostPortText, parseProxyArgs, PROXY_USAGE, type ProxyOptions } from './options.js';
import { runProxy, type ProxyHandle } from './proxy.js';
import { clean } from '../core/text.js';

export type ProxyMainIo = {
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  /** Extra programmatic options (e.g. the TUI's `onRecords`, `format: 'none'`). */
  readonly extend?: (opts: ProxyOptions) => ProxyOptions;
  /** Called once listening (e.g. to start a TUI); the proxy runs until a signal. */
  readonly started?: (handle: ProxyHandle) => void;
};

export async function proxyMain(argv: string[], io: ProxyMainIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  if (argv.includes('-h') || argv.includes('--help')) {
    stdout.write(PROXY_USAGE + '\n');
    return;
  }
  let opts = parseProxyArgs(argv);
  opts = { ...opts, onWarning: (m) => stderr.write(`rtmpscope proxy: ${clean(m)}\n`) };
  if (io.extend !== undefined) opts = io.extend(opts);
  const handle = await runProxy(opts);
  const up = `${opts.upstream.tls ? 'rtmps' : 'rtmp'}://${hostPortText(opts.upstream)}`;
  stderr.write(`rtmpscope proxy: listening on ${handle.url}, forwarding to ${up} (Ctrl-C to stop)\n`);
  io.started?.(handle);
  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) {
        stderr.write(`rtmpscope proxy: ${sig} again, exiting without flushing\n`);
        process.exit(130);
      }
      signalled = true;
      stderr.write(`rtmpscope proxy: ${sig}: closing sessions and flushing outputs\n`);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await handle.close();
  const s = handle.stats();
  stderr.write(`rtmpscope proxy: stopped after ${s.accepted} session(s), ${s.forwarded.c2s} bytes client→server, ${s.forwarded.s2c} bytes server→client\n`);
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(entry).href;
}

if (isMain()) {
  const debug = process.argv.includes('--debug');
  proxyMain(process.argv.slice(2))
    .then(() => process.exit(process.exitCode ?? 0))
    .catch((e: unknown) => {
      if (e instanceof UserError) {
        process.stderr.write(`rtmpscope: ${clean(e.message)}\n`);
        process.exitCode = e.exitCode;
      } else {
        const err = e as Error;
        process.stderr.write(debug ? `${err.stack ?? String(e)}\n` : `rtmpscope: internal error: ${err.message ?? String(e)} (run with --debug for details)\n`);
        process.exitCode = 70;
      }
    });
}
