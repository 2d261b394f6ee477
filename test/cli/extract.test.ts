/**
 * `rtmpscope extract` as a user meets it: usage errors (exit 2), selection, one line per file on
 * stderr, files never replaced with --dir, -o taking one stream, exit 1 when nothing matched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlv } from '../builders/flv-reader.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const capture = join(root, 'captures', 'ffmpeg-nginx-publish-play.pcap');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, 'extract', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('extract: usage errors exit 2 with one line', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-extract-'));
  for (const [args, re] of [
    [[capture], /either -o FILE.flv .* or --dir DIR/],
    [[capture, '-o', join(tmp, 'a.flv'), '--dir', tmp], /either -o/],
    [[capture, '--dir', join(tmp, 'nope')], /--dir .*: not a directory/],
    [[capture, '--dir', tmp, '--session', 'x'], /--session must be a session number/],
    [['--dir', tmp], /no capture given/],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});

test('extract --dir: every stream, one line each; existing files are never replaced', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-extract-'));
  writeFileSync(join(tmp, 's1-live-test-publish.flv'), 'mine');
  const r = run([capture, '--dir', tmp]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.replace(tmp, 'DIR')).sort(), [
    "wrote DIR/s1-live-test-publish-2.flv: session 1 c2s stream 1 'live/test' (publish), 60 video frames, 174 audio and 4 other tags, no gap",
    "wrote DIR/s2-live-test-play.flv: session 2 s2c stream 1 'live/test' (play), 34 video frames, 106 audio and 4 other tags, no gap",
    "wrote DIR/s3-live-test-play.flv: session 3 s2c stream 1 'live/test' (play), 18 video frames, 91 audio and 4 other tags, no gap",
  ]);
  assert.equal(readFileSync(join(tmp, 's1-live-test-publish.flv'), 'utf8'), 'mine');
  assert.equal(readdirSync(tmp).length, 4);
  const f = readFlv(new Uint8Array(readFileSync(join(tmp, 's1-live-test-publish-2.flv'))));
  assert.equal(f.flags, 5);
  const video = f.tags.filter((t) => t.type === 9);
  assert.deepEqual([video.length, video[0]?.data[1], video.at(-1)?.data[1]], [62, 0, 2], 'sequence header, 60 frames, end of sequence');
});

test('extract -o: the selected stream; with several, the first and a line for each other; nothing matched exits 1', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-extract-'));
  const out = join(tmp, 'x.flv');
  const one = run([capture, '-o', out, '--session', '2']);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stderr, /^wrote .*x\.flv: session 2 s2c stream 1 'live\/test' \(play\), 34 video frames/);
  const many = run([capture, '-o', out, '--stream', 'test']);
  assert.equal(many.status, 0, many.stderr);
  assert.equal((many.stderr.match(/^not written: session [23] s2c/gm) ?? []).length, 2, many.stderr);
  assert.match(many.stderr, /wrote .*session 1 c2s/);
  const unwritable = run([capture, '-o', join(tmp, 'no', 'such', 'dir.flv')]);
  assert.equal(unwritable.status, 1);
  assert.match(unwritable.stderr, /session 1 c2s stream 1 'live\/test' \(publish\): not written \(ENOENT/);
  assert.match(unwritable.stderr, /1 file\(s\) could not be written in full/);
  const none = run([capture, '-o', out, '--stream', 'other']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no stream matched --session\/--stream \(3 in the capture\)/);
});
