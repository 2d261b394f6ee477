/**
 * `npm run build` step 2: bundle the command line (compiled by tsc into dist/src) into
 * dist/lib/main.js, loaded by dist/bin/rtmpscope.js, the `rtmpscope` executable. One file (plus
 * lazily loaded chunks for the tables, the UI and the proxy) instead of ~45 ES modules: Node's ES
 * module loader resolves and reads every module separately, and that was a third of the start-up
 * time (0.22 → 0.14 s for an empty capture here). The runtime dependencies (ink, react,
 * cli-table3) stay in node_modules.
 *
 * The executable itself (src/bin/rtmpscope.ts) is a few lines of CommonJS (dist/bin/package.json
 * says so: cheaper to start than an ES module) that load the bundle, except for `--version` and
 * `--help`, whose texts it holds: the bundle's own output, taken from it here.
 *
 * The output is then made pure ASCII: esbuild escapes strings, but keeps some comments, and one
 * "→" in a comment makes Node decode the whole 400 KB file as UTF-8 into a two-byte string
 * (measured ≈ 5-9 ms of every run's start-up). Escaping is exact wherever the character stands.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'dist', 'bin');
const OUT = join(ROOT, 'dist', 'lib');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

rmSync(BIN, { recursive: true, force: true });
rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: { main: join(ROOT, 'dist', 'src', 'cli', 'main.js') },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(pkg.dependencies),
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
// The multi-capture pool's worker threads (src/session/multi.ts) run capture-worker.js: one file
// of its own, so that splitting shared code into chunks does not add modules to every start-up.
await build({
  entryPoints: { 'capture-worker': join(ROOT, 'dist', 'src', 'session', 'capture-worker.js') },
  outdir: OUT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(pkg.dependencies),
  logLevel: 'warning',
});
// The executable: the command line's --version and --help output, and the bundle's loader.
const ownOutput = (arg: string) => execFileSync(process.execPath, [join(OUT, 'main.js'), arg], { encoding: 'utf8' });
await build({
  entryPoints: [join(ROOT, 'dist', 'src', 'bin', 'rtmpscope.js')],
  outfile: join(BIN, 'rtmpscope.js'),
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { RTMPSCOPE_VERSION_TEXT: JSON.stringify(ownOutput('--version')), RTMPSCOPE_HELP_TEXT: JSON.stringify(ownOutput('--help')) },
  logLevel: 'warning',
});
writeFileSync(join(BIN, 'package.json'), '{ "type": "commonjs" }\n');
for (const f of ['main.js', ...readdirSync(join(OUT, 'chunks')).map((c) => join('chunks', c)), join('..', 'bin', 'rtmpscope.js')]) {
  const path = join(OUT, f);
  const text = readFileSync(path, 'utf8');
  if (/[^\x00-\x7f]/.test(text))
    writeFileSync(
      path,
      text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    );
}
chmodSync(join(BIN, 'rtmpscope.js'), 0o755);
