/**
 * cli/ owns argv: parseArgs' errors as our own one line for every command, "did you mean …?" for a
 * mistyped command or option, and a capture path still accepted where a command name could be.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argError, closeNames, editDistance, parseCommandArgs } from '../../src/cli/args.js';
import { UserError } from '../../src/io/input.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const capture = join(root, 'captures', 'ffmpeg-nginx-publish-play.pcap');

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  return lines[0] as string;
}

test('args: edit distance counts insertions, deletions, substitutions and swaps', () => {
  assert.equal(editDistance('summary', 'summary'), 0);
  assert.equal(editDistance('sumary', 'summary'), 1);
  assert.equal(editDistance('exprot', 'export'), 1);
  assert.equal(editDistance('expart', 'export'), 1);
  assert.equal(editDistance('', 'diff'), 4);
  assert.equal(editDistance('proxy', 'diff'), 5);
});

test('args: close names, closest first, short words held to one edit', () => {
  assert.deepEqual(closeNames('sumary', ['summary', 'export']), ['summary']);
  assert.deepEqual(closeNames('SUMMARY', ['summary']), ['summary']);
  assert.deepEqual(closeNames('dif', ['diff', 'report']), ['diff']);
  assert.deepEqual(closeNames('dog', ['diff']), []);
  assert.deepEqual(closeNames('capture', ['summary', 'export', 'extract']), []);
});

test("args: parseArgs' errors become one line of ours, naming the command's help", () => {
  const fail = (args: string[]) => {
    try {
      parseCommandArgs('report', { args, allowPositionals: true, options: { format: { type: 'string' }, debug: { type: 'boolean' } } });
    } catch (e) {
      assert.ok(e instanceof UserError);
      assert.equal(e.exitCode, 2);
      return e.message;
    }
    assert.fail('no error');
  };
  assert.equal(fail(['--bogus']), "unknown option '--bogus' (see rtmpscope report --help)");
  assert.equal(fail(['--fromat', 'x']), "unknown option '--fromat' (did you mean --format?)");
  assert.equal(fail(['--format']), '--format needs a value (see rtmpscope report --help)');
  assert.equal(fail(['--debug=yes']), '--debug takes no value (see rtmpscope report --help)');
  const e = Object.assign(new TypeError("Unexpected argument 'x'. This command does not take positional arguments"), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
  assert.equal(argError(e, null), "unexpected argument 'x' (see rtmpscope --help)");
});

test('cli: a mistyped command is named, with the command meant', () => {
  const r = run(['sumary', capture]);
  assert.equal(r.status, 2);
  assert.equal(oneLine(r.stderr), "rtmpscope: unknown command 'sumary' (did you mean summary?)");
  assert.equal(r.stdout, '');
  assert.equal(oneLine(run(['exprot']).stderr), "rtmpscope: unknown command 'exprot' (did you mean export?)");
  assert.equal(oneLine(run(['--debug', 'extrat', capture]).stderr), "rtmpscope: unknown command 'extrat' (did you mean extract?)");
  // Not close to any command: a capture that does not exist, as before.
  assert.match(oneLine(run(['nothing-here']).stderr), /nothing-here.*no such file/);
});

test('cli: a capture named like a mistyped command is still read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-args-'));
  copyFileSync(capture, join(dir, 'sumary'));
  const r = run(['sumary'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /publish/);
});

test('cli: every command reports a bad option in one line of its own, exit 2', () => {
  for (const cmd of [[], ['export', capture], ['summary', capture], ['report', capture], ['diff', capture, capture], ['explain', 'x'], ['extract', capture], ['proxy']]) {
    const r = run([...cmd, '--bogus']);
    assert.equal(r.status, 2, `${cmd.join(' ')}: ${r.stderr}`);
    const line = oneLine(r.stderr);
    assert.match(line, /unknown option '--bogus' \(see rtmpscope( [a-z]+)? --help\)$/, line);
    assert.doesNotMatch(line, /as in|positional/);
  }
  assert.equal(oneLine(run(['export', capture, '--format']).stderr), 'rtmpscope: --format needs a value (see rtmpscope --help)');
  assert.equal(oneLine(run(['extract', capture, '--outptu', 'x.flv']).stderr), "rtmpscope: unknown option '--outptu' (did you mean --output?)");
  assert.equal(oneLine(run(['proxy', '--no-ui=1']).stderr), 'rtmpscope: proxy: --no-ui takes no value (see rtmpscope proxy --help)');
});
