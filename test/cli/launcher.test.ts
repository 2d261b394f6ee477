/**
 * The executable (src/bin/rtmpscope.ts → dist/bin/rtmpscope.js) answers --version and --help
 * with the texts the command line itself prints, loads the command line for everything else, and
 * starts Node without V8 flags (which would make Node reject its built-in code cache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import { capYoungGeneration } from '../../src/session/young-generation.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const main = join(root, 'dist', 'lib', 'main.js');
const capture = join(root, 'captures', 'ffmpeg-nginx-publish-snap96.pcap');

const run = (file: string, args: string[]) => spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

for (const args of [['--version'], ['-v'], ['--help'], ['-h']]) {
  test(`launcher: ${args[0]} is the command line's own text`, () => {
    const ours = run(cli, args);
    const theirs = run(main, args);
    assert.equal(ours.status, 0);
    assert.equal(theirs.status, 0);
    assert.equal(ours.stdout, theirs.stdout);
    assert.ok(ours.stdout.length > 0);
  });
}

test('launcher: the version is the package version', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.equal(run(cli, ['--version']).stdout, `${pkg.version}\n`);
});

test('launcher: other arguments reach the command line (output, errors, exit codes)', () => {
  for (const args of [['export', capture], ['--version', '--debug'], ['--bogus'], ['export', join(root, 'nope.pcap')]]) {
    const ours = run(cli, args);
    const theirs = run(main, args);
    assert.equal(ours.status, theirs.status, args.join(' '));
    assert.equal(ours.stdout, theirs.stdout, args.join(' '));
    assert.equal(ours.stderr, theirs.stderr, args.join(' '));
  }
});

test('launcher: --version and --help never build process.stdout (what costs node -e 0 nothing)', () => {
  // A preloaded script watches the getter (Node builds the stream on its first use).
  const watch = `const d = Object.getOwnPropertyDescriptor(process, 'stdout'); let used = false;
Object.defineProperty(process, 'stdout', { configurable: true, get() { used = true; return d.get.call(process); } });
process.on('exit', () => require('fs').writeSync(2, used ? 'stdout built' : 'stdout untouched'));`;
  for (const arg of ['--version', '--help']) {
    // As if run as `node cli arg`: argv[1] is the script.
    const w = spawnSync(process.execPath, ['-e', `${watch}\nprocess.argv.splice(1, 0, ${JSON.stringify(cli)});\nrequire(${JSON.stringify(cli)})`, '--', arg], { encoding: 'utf8' });
    assert.equal(w.status, 0, w.stderr);
    assert.equal(w.stderr, 'stdout untouched', arg);
    assert.equal(w.stdout, run(main, [arg]).stdout);
  }
});

test('launcher: a reader that went away (EPIPE) is no error', () => {
  // The pipe's reader exits before the launcher writes its help.
  const r = spawnSync('bash', ['-c', 'exec 1> >(exit 0); sleep 0.3; exec "$0" "$1" --help', process.execPath, cli], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('launcher: the shebang passes no V8 flags', () => {
  assert.equal(readFileSync(cli, 'utf8').split('\n')[0], '#!/usr/bin/env node');
});

test('young generation: stops growing at 4 MiB semi-spaces', () => {
  const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;
  let keep: object[] = [];
  let peak = 0;
  for (let i = 0; i < 4_000_000; i++) {
    // Short-lived objects, some surviving a scavenge: what makes V8 grow the young generation.
    keep.push({ i, a: [i] });
    if (keep.length > 50_000) keep = [];
    if ((i & 0x3ff) === 0) {
      capYoungGeneration();
      peak = Math.max(peak, newSpace());
    }
  }
  // Capped when it reached 8 MiB (two 4 MiB semi-spaces); V8's default lets it reach 32 MiB.
  assert.ok(peak <= 8 * 1024 * 1024, `new space peaked at ${peak} bytes`);
});
