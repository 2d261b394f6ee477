#!/usr/bin/env node
/**
 * A tiny entry for the TUI until the CLI routes `rtmpscope <capture>` on a TTY to `runTui`:
 * `node dist/src/tui/demo.js <capture>`. Same input handling as the CLI (one line on stderr and
 * exit 1 for a capture that cannot be read). The TUI module is imported dynamically, after
 * NODE_ENV defaults to production — the CLI should do the same (it also keeps React and ink off
 * the export/summary paths).
 */
import { openInput, UserError } from '../io/input.js';
import { analyzeStream } from '../session/run.js';

// React's production build (no development checks on every render); React reads NODE_ENV when first
// imported, hence the dynamic import below.
process.env['NODE_ENV'] ??= 'production';
const { runTui } = await import('./index.js');

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: node dist/src/tui/demo.js <capture>\n');
  process.exit(2);
}
try {
  const input = await openInput(path);
  // A capture on stdin (`tcpdump -w - | … -`) is live: follow the newest message.
  const live = path === '-';
  await runTui({ title: live ? 'stdin' : path, follow: live, live, load: (sink) => analyzeStream(path, input, sink) });
} catch (e) {
  process.stderr.write(`rtmpscope: ${e instanceof UserError ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
