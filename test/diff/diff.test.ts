/**
 * rtmpscope diff on real captures: a rejected publish against an accepted one (nginx-rtmp's
 * NetStream.Publish.BadName, captures/ffmpeg-nginx-publish-rejected.pcap) and an ffmpeg publish
 * against a librtmp one (GStreamer rtmpsink), the JSON form, and diff(1)'s exit statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Difference } from '../../src/diff/compare.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const cap = (f: string) => join(root, 'captures', f);
const REJECTED = cap('ffmpeg-nginx-publish-rejected.pcap');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type DiffJson = { same: boolean; differences: Difference[]; a: { session: number }; b: { session: number } };

function json(a: string, b: string): DiffJson {
  const r = run(['diff', a, b, '--format', 'json']);
  assert.equal(r.status, 1, r.stderr);
  return JSON.parse(r.stdout) as DiffJson;
}

test('diff: an accepted publish against one rejected with NetStream.Publish.BadName puts the outcome first', () => {
  const d = json(`${REJECTED}#1`, `${REJECTED}#2`);
  assert.equal(d.same, false);
  const [first, second] = d.differences;
  assert.deepEqual([first?.phase, first?.a, first?.b], ['outcome', 'publish started', 'publish rejected']);
  assert.match(first?.note ?? '', /explain NetStream\.Publish\.BadName/);
  assert.deepEqual([second?.a, second?.b], ['NetStream.Publish.Start', 'NetStream.Publish.BadName']);
  // the error only B raised comes before habits and media
  const i = d.differences.findIndex((x) => x.what === 'error session.publish.bad-name');
  const media = d.differences.findIndex((x) => x.phase === 'media');
  assert.ok(i > 0 && i < media, `bad-name at ${i}, media at ${media}`);
  // ports, times and frame numbers are never compared
  assert.ok(
    d.differences.every((x) => !/port|frame|time\b/i.test(x.what)),
    JSON.stringify(d.differences.map((x) => x.what)),
  );
});

test('diff: the text form explains the status and names the explain command', () => {
  const r = run(['diff', `${REJECTED}#1`, `${REJECTED}#2`]);
  assert.equal(r.status, 1);
  const lines = r.stdout.split('\n');
  assert.match(lines[0] ?? '', /^A .*#1 +session 1 .*publish live\/taken/);
  assert.match(r.stdout, / 1\. \[outcome\] outcome\n +A: publish started\n +B: publish rejected\n +The stream name cannot be published/);
  assert.match(r.stdout, /see `rtmpscope explain NetStream\.Publish\.BadName`/);
});

test('diff: ffmpeg against librtmp (GStreamer rtmpsink): codec format, chunk size and handshake differ, not the outcome', () => {
  const d = json(cap('ffmpeg-nginx-publish-ns.pcap'), cap('gstreamer-nginx-publish.pcap'));
  const by = new Map(d.differences.map((x) => [x.what, x]));
  assert.equal(by.get('outcome'), undefined);
  assert.deepEqual([by.get('chroma format')?.a, by.get('chroma format')?.b], ['4:2:0', '4:4:4']);
  assert.deepEqual([by.get('video profile')?.a, by.get('video profile')?.b], ['High', 'High 4:4:4 Predictive']);
  assert.deepEqual([by.get('client Set Chunk Size')?.a, by.get('client Set Chunk Size')?.b], ['4096', '128 (default)']);
  assert.deepEqual([by.get('C1 handshake')?.a, by.get('C1 handshake')?.b], ['digest (scheme 0)', 'simple']);
  assert.equal(by.get('connect flashVer')?.b, '—');
  // the format differences rank above the handshake and metadata habits
  const w = (what: string) => d.differences.findIndex((x) => x.what === what);
  assert.ok(w('chroma format') < w('C1 handshake') && w('client Set Chunk Size') < w('onMetaData encoder'));
  // both accepted: the stream names differ because each was told its own, not a cause
  assert.ok(w('chroma format') < w('stream name'), `chroma ${w('chroma format')}, name ${w('stream name')}`);
});

test('diff: a session against itself: no differences, exit 0', () => {
  const r = run(['diff', `${REJECTED}#1`, `${REJECTED}#1`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /no differences/);
});

test('diff: without #N the first publishing session is taken', () => {
  const d = json(REJECTED, `${REJECTED}#2`);
  assert.equal(d.a.session, 1);
  assert.equal(d.b.session, 2);
});

test('diff: trouble is exit 2 (usage, missing file, missing session)', () => {
  for (const args of [
    ['diff', REJECTED],
    ['diff', REJECTED, join(root, 'nope.pcap')],
    ['diff', REJECTED, `${REJECTED}#9`],
    ['diff', REJECTED, `${REJECTED}#x`],
    ['diff', REJECTED, REJECTED, '--format', 'xml'],
  ]) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});
