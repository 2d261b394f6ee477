/**
 * `npm test` skips `npm run build` when nothing it reads has changed since the last build: even
 * with nothing to do, tsc parses every file of the project (≈ 7 s of CPU time here) before the
 * tests can start.
 *
 *   node dist/scripts/build-stamp.js write   (last step of `npm run build`) records the inputs
 *   node dist/scripts/build-stamp.js check   exits 0 when the recorded inputs are the current
 *                                            ones and every output is there, 1 otherwise
 *
 * The inputs are what the build reads: every file under src/, test/, test-interop/ and scripts/
 * (path, size, modification time), tsconfig.json, package.json and the installed dependencies'
 * lockfile. The outputs: each .ts/.tsx file's .js in dist/, the bundle and the executable. A fresh
 * clone has no dist/ (nor this script compiled), so `npm test` builds; so does any edit, added or
 * deleted file, `git checkout` (which sets modification times) or `npm install`. Like make, it
 * trusts modification times: a file edited while a build runs is seen as built by it.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');
const TREES = ['src', 'test', 'test-interop', 'scripts'];
const FILES = ['tsconfig.json', 'package.json', 'package-lock.json', join('node_modules', '.package-lock.json')];
const OUTPUTS = [join('dist', 'lib', 'main.js'), join('dist', 'bin', 'rtmpscope.js'), join('dist', '.tsbuildinfo')];

function walk(rel: string, out: string[]): void {
  for (const e of readdirSync(join(ROOT, rel), { withFileTypes: true })) {
    const p = join(rel, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
}

function inputPaths(): string[] {
  const paths: string[] = [...FILES];
  for (const t of TREES) if (existsSync(join(ROOT, t))) walk(t, paths);
  return paths.sort();
}

/** One line per input: path, size and modification time. */
function describe(paths: readonly string[]): string {
  return paths
    .map((p) => {
      const s = statSync(join(ROOT, p), { throwIfNoEntry: false });
      return s === undefined ? `${p} -\n` : `${p} ${s.size} ${s.mtimeMs}\n`;
    })
    .join('');
}

function outputsPresent(paths: readonly string[]): boolean {
  const compiled = paths.filter((p) => /\.tsx?$/.test(p) && !p.endsWith('.d.ts')).map((p) => join('dist', p.replace(/\.tsx?$/, '.js')));
  return [...OUTPUTS, ...compiled].every((p) => existsSync(join(ROOT, p)));
}

const mode = process.argv[2];
if (mode === 'write') {
  writeFileSync(STAMP, describe(inputPaths()));
} else if (mode === 'check') {
  let recorded: string | null = null;
  try {
    recorded = readFileSync(STAMP, 'utf8');
  } catch {
    /* never built here */
  }
  const paths = inputPaths();
  process.exitCode = recorded === describe(paths) && outputsPresent(paths) ? 0 : 1;
} else {
  process.stderr.write('usage: node dist/scripts/build-stamp.js write|check\n');
  process.exitCode = 2;
}
