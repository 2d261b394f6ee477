/**
 * Several captures per run: `rtmpscope export|summary a.pcap b.pcapng dir/` on worker threads and
 * on the main thread gives each capture's records in input order, tagged with a `capture` field
 * (absent with one capture), valid against the schema; directories are searched by content;
 * what cannot be read is one line each; `cat a.pcap b.pcapng | rtmpscope export -` reads both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { taggedRecordBatches } from '../../src/session/multi.js';
import { tagLine } from '../../src/session/capture-job.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'bin', 'rtmpscope.js');
const a = join(root, 'captures', 'ffmpeg-nginx-publish-play.pcap');
const b = join(root, 'captures', 'ffmpeg-nginx-publish.pcapng');
const c = join(root, 'captures', 'gstreamer-nginx-publish.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-multi-'));
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (o: object) => { compile(s: object): ValidateFunction };
const validate = new Ajv({ allErrors: false, strict: false }).compile(JSON.parse(readFileSync(join(root, 'docs', 'ndjson.schema.json'), 'utf8')) as object);

function run(args: string[], input?: Uint8Array) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const single = new Map<string, string[]>();
function linesOf(path: string): string[] {
  let l = single.get(path);
  if (l === undefined) {
    const r = run(['export', path]);
    assert.equal(r.status, 0, r.stderr);
    single.set(path, (l = r.stdout.split('\n').filter((x) => x !== '')));
  }
  return l;
}

/** What a multi-capture export must print: each capture's own lines, tagged, in input order. */
function expected(paths: readonly string[], names = paths): string[] {
  return paths.flatMap((p, i) => linesOf(p).map((l) => tagLine(l, JSON.stringify(names[i]))));
}

for (const threads of ['1', '2', '3']) {
  test(`multi: export of three captures with --threads ${threads}: each capture's records, tagged, in input order`, () => {
    const r = run(['export', '--threads', threads, c, a, b]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n').filter((x) => x !== '');
    assert.deepStrictEqual(lines, expected([c, a, b]));
    for (const l of lines) {
      const rec = JSON.parse(l) as { type: string; capture: string };
      assert.equal(Object.keys(rec)[1], 'capture');
      assert.ok(validate(rec), JSON.stringify(validate.errors?.slice(0, 2)));
    }
  });
}

test('multi: one capture keeps its output without a capture field; the field is type-then-capture', () => {
  assert.ok(linesOf(a).every((l) => !l.includes('"capture":"')));
  assert.equal(tagLine('{"type":"message","session":1}', '"x"'), '{"type":"message","capture":"x","session":1}');
});

test('multi: a directory is searched recursively by content, in name order; unreadable entries are one line each', () => {
  const dir = join(tmp, 'dir');
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  copyFileSync(b, join(dir, 'z-first-by-name-is-a.cap'));
  copyFileSync(a, join(dir, 'sub', 'deeper', 'rotated.pcap7'));
  copyFileSync(c, join(dir, 'a.pcap'));
  writeFileSync(join(dir, 'notes.txt'), 'not a capture\n');
  writeFileSync(join(dir, 'empty.pcap'), '');
  symlinkSync(join(dir, 'missing.pcap'), join(dir, 'broken.pcap'));
  symlinkSync(dir, join(dir, 'sub', 'loop'));
  const r = run(['export', '--threads', '2', dir]);
  const order = [join(dir, 'a.pcap'), join(dir, 'sub', 'deeper', 'rotated.pcap7'), join(dir, 'z-first-by-name-is-a.cap')];
  assert.deepStrictEqual(
    r.stdout.split('\n').filter((x) => x !== ''),
    expected([c, a, b], order),
  );
  assert.deepStrictEqual(r.stderr.trim().split('\n'), [`rtmpscope: ${join(dir, 'broken.pcap')}: cannot read (no such file)`]);
  assert.equal(r.status, 1);
});

test('multi: a named file that is not a capture is reported and the others are still read', () => {
  const txt = join(tmp, 'readme.txt');
  writeFileSync(txt, 'hello\n');
  const r = run(['export', '--threads', '2', a, txt, join(tmp, 'nope.pcap'), b]);
  assert.equal(r.status, 1);
  assert.deepStrictEqual(
    r.stdout.split('\n').filter((x) => x !== ''),
    expected([a, b]),
  );
  const err = r.stderr.trim().split('\n');
  assert.equal(err.length, 2, r.stderr);
  assert.match(r.stderr, /nope\.pcap: no such file or directory/);
  assert.match(r.stderr, /readme\.txt: not a pcap or pcapng capture/);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
  const none = run(['export', txt, join(tmp, 'nope.pcap')]);
  assert.equal(none.status, 1);
  assert.equal(none.stdout, '');
});

test('multi: --format json prints one document per capture in an array', () => {
  const r = run(['export', '--format', 'json', '--threads', '2', a, b]);
  assert.equal(r.status, 0, r.stderr);
  const docs = JSON.parse(r.stdout) as { capture: { capture: string; frames: number }; sessions: { capture: string }[] }[];
  assert.equal(docs.length, 2);
  assert.deepStrictEqual(
    docs.map((d) => [d.capture.capture, d.sessions.length, d.sessions.every((s) => s.capture === d.capture.capture)]),
    [
      [a, 3, true],
      [b, 1, true],
    ],
  );
});

test('multi: summary merges the tables with a cap column and numbers sessions per capture', () => {
  const r = run(['summary', '--threads', '2', a, b]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^1 ${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: pcap: 1437 frames`, 'm'));
  assert.match(r.stdout, /^2 .*ffmpeg-nginx-publish\.pcapng: pcapng: 474 frames/m);
  assert.match(r.stdout, /│ cap │ # │ client → server/);
  assert.match(r.stdout, /│ 2\s+│ 1 │ 127\.0\.0\.1/);
  assert.match(r.stdout, /│ 1\s+│ 3 │ 127\.0\.0\.1/);
  assert.match(r.stdout, /tcp\.reset\s+│ info\s+│ 4 /);
});

test('multi: export selection filters each capture on its own, on worker threads and on the main thread; CAPTURE#N names one', () => {
  const keys = (out: string) =>
    out
      .split('\n')
      .filter((x) => x !== '')
      .map((l) => JSON.parse(l) as { capture: string; type: string; session: number | null })
      .map((r) => `${r.capture.split('/').pop()!}:${r.type}:${r.session}`);
  // One capture alone, the same for both thread counts: run once.
  const alone = run(['export', c, '--dir', 's2c', '--type', 'command', '--frames', '1-40'])
    .stdout.split('\n')
    .filter((x) => x !== '');
  for (const threads of ['1', '2']) {
    const r = run(['export', a, c, '--session', '1', '--type', 'session', '--threads', threads]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(keys(r.stdout), ['ffmpeg-nginx-publish-play.pcap:session:1', 'gstreamer-nginx-publish.pcap:session:1']);
    const named = run(['export', a, c, '--session', 'ffmpeg-nginx-publish-play.pcap#2,3', '--type', 'session,capture', '--threads', threads]);
    assert.equal(named.status, 0, named.stderr);
    assert.deepEqual(keys(named.stdout).sort(), ['ffmpeg-nginx-publish-play.pcap:capture:undefined', 'ffmpeg-nginx-publish-play.pcap:session:2', 'ffmpeg-nginx-publish-play.pcap:session:3', 'gstreamer-nginx-publish.pcap:capture:undefined']);
    // Per capture, the same as one capture alone.
    const per = run(['export', a, c, '--dir', 's2c', '--type', 'command', '--frames', '1-40', '--threads', threads]);
    assert.deepEqual(
      per.stdout
        .split('\n')
        .filter((l) => l.includes('gstreamer-nginx-publish.pcap'))
        .map((l) => l.replace(/"capture":"[^"]*",/, '')),
      alone,
    );
  }
  const unknown = run(['export', a, c, '--session', 'nope.pcap#1']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no capture of this run is named 'nope.pcap'/);
});

test("multi: '-' cannot be mixed with files", () => {
  const r = run(['export', a, '-']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('concatenated stdin: cat a.pcap b.pcapng | export - decodes both, frames counting on', () => {
  const r = run(['export', '-'], Buffer.concat([readFileSync(a), readFileSync(b)]));
  assert.equal(r.status, 0, r.stderr);
  const recs = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; frames?: number; linkTypes?: number[] });
  assert.equal(recs.filter((x) => x.type === 'session').length, 4);
  assert.equal(recs.at(-1)?.frames, 1437 + 474);
  // The pcapng's messages are those of the file on its own (the same connection, frames shifted).
  const alone = linesOf(b).map((l) => JSON.parse(l) as { type: string; name?: string });
  const names = (xs: { type: string; name?: string }[]) => xs.filter((x) => x.type === 'message').map((x) => x.name ?? '');
  assert.deepStrictEqual(names(recs.slice(recs.length - alone.length)), names(alone));
});

test('taggedRecordBatches: record batches in input order on worker threads, tagged, failures in place', async () => {
  const got: string[] = [];
  for await (const batch of taggedRecordBatches(
    [
      { path: a, name: 'A', size: 1 },
      { path: join(tmp, 'nope.pcap'), name: 'missing', size: 1 },
      { path: b, name: 'B', size: 1 },
    ],
    {},
    { threads: 2 },
  )) {
    if ('failure' in batch) got.push(`fail ${batch.source.name}`);
    else for (const r of batch.records) got.push(`${(r as { capture?: string }).capture ?? '?'} ${r.type}`);
  }
  const summary = got.filter((g, i) => i === 0 || g !== got[i - 1]);
  assert.equal(summary.at(-1), 'B capture');
  assert.ok(summary.includes('fail missing'));
  assert.ok(summary.indexOf('A capture') < summary.indexOf('fail missing'));
  assert.ok(summary.indexOf('fail missing') < summary.indexOf('B handshake'));
});

test('taggedRecordBatches: leaving the loop early stops the run', async () => {
  let n = 0;
  for await (const batch of taggedRecordBatches(
    [
      { path: a, name: 'A', size: 1 },
      { path: c, name: 'C', size: 1 },
    ],
    {},
    { threads: 2 },
  )) {
    if ('records' in batch) n += batch.records.length;
    break;
  }
  assert.ok(n > 0);
});

test('analyzeCaptures: text decoded ahead of its turn and spooled to disk comes out in order, whole', async () => {
  const { analyzeCaptures } = await import('../../src/session/multi.js');
  const collect = async (threads: number, heldTextBytes?: number) => {
    let text = '';
    const order: number[] = [];
    await analyzeCaptures(
      [a, b, c, b].map((path, i) => ({ path, name: `cap${i}`, size: 1 })),
      'ndjson',
      {},
      {
        output: (i, out) => {
          if (out.kind === 'text') text += out.text;
          if (order.at(-1) !== i) order.push(i);
        },
        end: () => {},
      },
      { threads, ...(heldTextBytes === undefined ? {} : { heldTextBytes }) },
    );
    return { text, order };
  };
  const serial = await collect(1);
  const spooled = await collect(3, 1000);
  assert.deepStrictEqual(spooled.order, [0, 1, 2, 3]);
  assert.equal(spooled.text, serial.text);
});
