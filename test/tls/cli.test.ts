/**
 * `--keylog FILE` on the command line: repeatable, read as text (lines of other formats ignored),
 * a file that cannot be read is a one-line error; the committed RTMPS capture decrypts with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const capture = join(root, 'captures', 'ffmpeg-nginx-rtmps12.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-keylog-'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sessionsOf = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{"type":"session"'))
    .map((l) => JSON.parse(l) as { transport?: string; tls?: { decrypted: boolean } });

test('cli: --keylog (repeatable) decrypts the RTMPS session; without it the TLS connection is only named', () => {
  const other = join(tmp, 'other.keylog');
  writeFileSync(other, '# RTMFP or anything else\nSOME_OTHER_LABEL 00 11\n');
  const r = run(['export', capture, '--keylog', other, '--keylog', `${capture}.keylog`]);
  assert.equal(r.status, 0, r.stderr);
  const ss = sessionsOf(r.stdout);
  assert.equal(ss.length, 2);
  assert.deepEqual(
    ss.filter((s) => s.transport === 'rtmps').map((s) => s.tls?.decrypted),
    [true],
  );
  const plain = run(['export', capture]);
  assert.equal(sessionsOf(plain.stdout).length, 1);
  assert.match(plain.stdout, /"code":"tls\.encrypted"/);
});

test('cli: a --keylog file that cannot be read is one line on stderr, exit 2 (a usage error)', () => {
  const r = run(['export', capture, '--keylog', join(tmp, 'missing.keylog')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--keylog .*missing\.keylog: cannot read it \(no such file\)/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
