/**
 * The command line as a user meets it: exit codes and one-line errors for unusable input, export
 * from a path and from stdin, JSON grouping, the summary tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const capture = join(root, 'captures', 'ffmpeg-nginx-publish-play.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-cli-'));

function run(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const unusable: [string, () => string, RegExp][] = [
  ['missing path', () => join(tmp, 'nope.pcap'), /no such file/],
  ['directory without captures', () => tmp, /no pcap or pcapng capture in this directory/],
  ['empty file', () => (writeFileSync(join(tmp, 'empty.pcap'), ''), join(tmp, 'empty.pcap')), /empty file/],
  ['text file', () => (writeFileSync(join(tmp, 'notes.txt'), 'hello world\n'), join(tmp, 'notes.txt')), /not a pcap or pcapng capture/],
  ['image file', () => (writeFileSync(join(tmp, 'x.png'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')), join(tmp, 'x.png')), /not a pcap or pcapng capture/],
];

for (const [name, make, re] of unusable) {
  test(`cli: ${name} → one line on stderr, exit 1, no stack trace`, () => {
    const r = run(['export', make()]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
    assert.equal(r.stdout, '');
  });
}

test('cli: usage errors exit 2', () => {
  assert.equal(run([]).status, 2);
  assert.equal(run(['export']).status, 2);
  assert.equal(run(['export', capture, '--format', 'xml']).status, 2);
  assert.equal(run(['--bogus']).status, 2);
});

test('cli: export from a path and from stdin give the same lines', () => {
  const a = run(['export', capture]);
  const b = run(['export', '-'], readFileSync(capture));
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.stdout, a.stdout);
  const lines = a.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; name?: string });
  assert.equal(lines.filter((l) => l.type === 'session').length, 3);
  for (const n of ['connect', 'publish', 'play'])
    assert.ok(
      lines.some((l) => l.type === 'message' && l.name === n),
      n,
    );
  assert.equal(lines.at(-1)?.type, 'capture');
});

test('cli: --format json -o FILE groups by session', () => {
  const out = join(tmp, 'out.json');
  const r = run(['export', capture, '--format', 'json', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { capture: { rtmpSessions: number }; sessions: { session: number; messages: unknown[]; handshake: unknown[] }[] };
  assert.equal(doc.capture.rtmpSessions, 3);
  assert.deepEqual(
    doc.sessions.map((s) => s.session),
    [1, 2, 3],
  );
  assert.ok(doc.sessions.every((s) => s.messages.length > 0 && s.handshake.length === 6));
});

test('cli: summary prints tables without colour when not a TTY', () => {
  const r = run([capture]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /127\.0\.0\.1:\d+/);
  assert.doesNotMatch(r.stdout, /\u001b\[/);
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test('cli: on a terminal the tables are coloured, also with CI set; NO_COLOR turns colour off', { skip: hasScript ? false : 'script (util-linux) is not installed' }, () => {
  // script(1) gives the CLI a pseudo-terminal as stdout.
  const onTerminal = (extra: Record<string, string>) => {
    const env: Record<string, string | undefined> = { ...process.env, ...extra };
    for (const k of ['NO_COLOR', 'CI', 'CONTINUOUS_INTEGRATION']) if (!(k in extra)) delete env[k];
    const r = spawnSync('script', ['-q', '-e', '-c', `${process.execPath} ${cli} summary ${capture}`, '/dev/null'], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /publish/);
    return r.stdout;
  };
  for (const ci of [{}, { CI: 'true' }, { CONTINUOUS_INTEGRATION: '1' }] as Record<string, string>[]) {
    assert.match(onTerminal(ci), /\x1b\[\d+m/, `colour with ${JSON.stringify(ci)}`);
  }
  assert.doesNotMatch(onTerminal({ NO_COLOR: '1', CI: 'true' }), /\x1b\[\d+m/);
});
