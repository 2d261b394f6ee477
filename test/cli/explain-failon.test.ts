/**
 * rtmpscope explain for every catalogue code and every server status code; --fail-on exit
 * statuses; --target's usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUE } from '../../src/core/diagnostics.js';
import { STATUSES } from '../../src/core/statuses.js';
import { explainLines, wrap } from '../../src/cli/explain.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const cap = (f: string) => join(root, 'captures', f);

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const words = (s: string) => s.split(/\s+/).filter((w) => w.length > 0);

test('explain: every catalogue code, whole (every word of the explanation, in order), lines within the width', () => {
  for (const [code, e] of Object.entries(CATALOGUE)) {
    const lines = explainLines(code, 80);
    assert.ok(lines !== null, code);
    assert.equal(lines[0], `${code} (diagnostic, ${e.severity})`);
    assert.deepEqual(words(lines.slice(1).join(' ')), words(e.explain), code);
    for (const l of lines.slice(1)) assert.ok(l.length <= 80 || !l.trim().includes(' '), `${code}: ${l}`);
  }
});

test('explain: every status code, with its notes per server family', () => {
  for (const s of STATUSES) {
    const lines = explainLines(s.code, 100);
    assert.ok(lines !== null, s.code);
    const text = lines.join('\n');
    assert.ok(text.startsWith(`${s.code} (server status, level ${s.level})`));
    for (const server of Object.keys(s.servers)) assert.ok(text.includes(`  ${server}:`), `${s.code}: ${server}`);
  }
  assert.equal(explainLines('netstream.publish.badname')?.[0], 'NetStream.Publish.BadName (server status, level error)');
});

test('explain: the command prints several codes; an unknown one is a usage error with suggestions', () => {
  const r = run(['explain', 'session.publish.bad-name', 'NetStream.Publish.BadName']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^session\.publish\.bad-name \(diagnostic, error\)\n/);
  assert.match(r.stdout, /\n\nNetStream\.Publish\.BadName \(server status, level error\)\n/);
  assert.match(r.stdout, /nginx-rtmp:\n +The live module answers "Already publishing"/);
  const bad = run(['explain', 'session.publish.badname']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown code 'session\.publish\.badname' \(did you mean .*session\.publish\./);
  const list = run(['explain', '--list']);
  assert.equal(list.stdout.trim().split('\n').length, Object.keys(CATALOGUE).length + STATUSES.length);
});

test('wrap: words kept whole, a word longer than the width on its own line', () => {
  assert.deepEqual(wrap('aa bb cc', 5), ['aa bb', 'cc']);
  assert.deepEqual(wrap('x ' + 'y'.repeat(12), 6, ' '), [' x', ' ' + 'y'.repeat(12)]);
});

test('--fail-on: exit 3 at or above the level, 0 below it, with one line on stderr', () => {
  // the High 4:4:4 capture raises a warning (keyframe interval) but no error without a target
  const warn = run(['export', cap('ffmpeg-nginx-high444-gop10.pcap'), '--fail-on', 'warn']);
  assert.equal(warn.status, 3);
  assert.match(warn.stderr, /^rtmpscope: --fail-on warn: 0 errors, 1 warning \(exit 3\)\n$/);
  assert.ok(warn.stdout.length > 0, 'the export is written in full');
  const error = run(['export', cap('ffmpeg-nginx-high444-gop10.pcap'), '--fail-on', 'error']);
  assert.equal(error.status, 0, error.stderr);
  assert.equal(error.stderr, '');
  // with --target youtube the 4:4:4 video is an error
  const target = run(['summary', cap('ffmpeg-nginx-high444-gop10.pcap'), '--target', 'youtube', '--fail-on', 'error']);
  assert.equal(target.status, 3);
  assert.match(target.stdout, /target\.video\.codec/);
  // a clean capture passes
  const clean = run(['summary', cap('ffmpeg-nginx-publish-ns.pcap'), '--fail-on', 'warn']);
  assert.equal(clean.status, 0, clean.stderr);
  // input and usage errors keep their own status
  assert.equal(run(['export', cap('nope.pcap'), '--fail-on', 'warn']).status, 1);
  const usage = run(['export', cap('ffmpeg-nginx-publish-ns.pcap'), '--fail-on', 'info']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--fail-on must be warn or error/);
});

test('--target: an unknown service is a usage error', () => {
  const r = run(['summary', cap('ffmpeg-nginx-publish-ns.pcap'), '--target', 'vimeo']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--target must be one of youtube, twitch, facebook, generic, not 'vimeo'/);
});
