/**
 * The stage order of src/, as data: every import between two stage folders must run downward
 * (from a later stage to an earlier one). An import that runs upward, or a new folder not placed
 * in STAGES, fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');

/**
 * src/'s folders from the bottom up. A folder may import from folders of earlier stages only; the
 * folders of one stage may import each other only when the stage lists several (the session and
 * its transport variants, RTMPT and RTMFP, build on each other's sessions and trackers).
 */
export const STAGES: readonly (readonly string[])[] = [
  ['core'],
  ['io'],
  ['crypto'],
  ['amf'],
  ['media'],
  ['capture'],
  ['net'],
  ['tcp'],
  ['rtmp'],
  ['tls'],
  ['extract'],
  // The record contract: below every stage that makes or reads records.
  ['records'],
  ['targets'],
  ['output'],
  ['analysis'],
  ['session', 'rtmpt', 'rtmfp'],
  ['proxy'],
  ['tui'],
  ['diff'],
  ['report'],
  ['cli'],
  // The executable's launcher: answers --version/--help itself, then loads the bundle.
  ['bin'],
];

/**
 * Known upward imports, each with the file that makes it and why it is still here (issue #14).
 * Remove an entry when its import goes; an entry that no longer matches anything fails the test.
 */
const KNOWN_UPWARD: readonly { readonly file: string; readonly to: string; readonly why: string }[] = [];

export type Import = { readonly file: string; readonly spec: string; readonly from: string; readonly to: string };

/** Relative import specifiers of one source text: static imports/exports, side-effect and dynamic imports. */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;
  for (const m of source.matchAll(re)) out.push(m[2]!);
  return out;
}

/** The imports of `file` (a path relative to src/, '/'-separated) that cross between stage folders. */
export function crossings(file: string, source: string): Import[] {
  const from = file.split('/')[0]!;
  const out: Import[] = [];
  for (const spec of specifiers(source)) {
    const target = posix.normalize(posix.join(posix.dirname(file), spec));
    if (target.startsWith('..')) continue;
    const to = target.split('/')[0]!;
    if (to !== from && target.includes('/')) out.push({ file, spec, from, to });
  }
  return out;
}

function stageOf(folder: string): number {
  return STAGES.findIndex((s) => s.includes(folder));
}

/** Whether an import from folder `from` to folder `to` is allowed by STAGES (unknown folders: no). */
export function allowed(from: string, to: string): boolean {
  const a = stageOf(from);
  const b = stageOf(to);
  return a >= 0 && b >= 0 && b <= a;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function allCrossings(): Import[] {
  return sources(SRC).flatMap((p) => crossings(relative(SRC, p).split(sep).join('/'), readFileSync(p, 'utf8')));
}

test('every folder of src/ has a stage', () => {
  const folders = readdirSync(SRC).filter((n) => statSync(join(SRC, n)).isDirectory());
  assert.deepEqual(
    folders.filter((f) => stageOf(f) < 0),
    [],
  );
  assert.equal(new Set(STAGES.flat()).size, STAGES.flat().length, 'a folder is in two stages');
});

test('no import between stage folders runs upward', () => {
  const upward = allCrossings().filter((i) => !allowed(i.from, i.to));
  const unexplained = upward.filter((i) => !KNOWN_UPWARD.some((k) => k.file === i.file && k.to === i.to));
  assert.deepEqual(
    unexplained.map((i) => `${i.file} imports ${i.spec}`),
    [],
  );
  const stale = KNOWN_UPWARD.filter((k) => !upward.some((i) => i.file === k.file && i.to === k.to));
  assert.deepEqual(stale, [], 'a known upward import is gone: remove its entry');
});

test('the record contract imports only from stages below it', () => {
  const records = allCrossings().filter((i) => i.from === 'records');
  assert.ok(records.length > 0);
  for (const i of records) assert.ok(stageOf(i.to) < stageOf('records'), `${i.file} imports ${i.spec}`);
});

test('the checker sees static, type-only, re-export and dynamic imports, and flags upward ones', () => {
  const src = [
    "import { a } from '../core/text.js';",
    "import type { B } from '../session/analyzer.js';",
    "export { c } from './local.js';",
    "export * from '../records/index.js';",
    "const m = await import('../cli/main.js');",
    "import '../rtmp/side-effect.js';",
    "import Table from 'cli-table3';",
  ].join('\n');
  const found = crossings('analysis/x.ts', src);
  assert.deepEqual(
    found.map((i) => i.to),
    ['core', 'session', 'records', 'cli', 'rtmp'],
  );
  assert.deepEqual(
    found.filter((i) => !allowed(i.from, i.to)).map((i) => i.to),
    ['session', 'cli'],
  );
  assert.equal(allowed('rtmpt', 'session'), true);
  assert.equal(allowed('records', 'analysis'), false);
  assert.equal(allowed('nowhere', 'core'), false);
});
