/**
 * The NDJSON writer's fast path: lines from JSON.stringify with U+2028/U+2029 escaped once per
 * batch are exactly `toJson(record) + '\n'` line by line, across batch boundaries; the file
 * output reuses one buffer and writes multi-byte text whole, batch after batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchedWriter, NdjsonRenderer, fileOut, type TextOut } from '../../src/output/ndjson.js';
import { toJson } from '../../src/core/text.js';
import type { OutputRecord } from '../../src/records/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'rtmpscope-ndjson-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Records (loosely typed: only their JSON matters here) with separators, multi-byte text and plain ones. */
function records(n: number): OutputRecord[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const name = i % 7 === 0 ? `x\u2028y\u2029z ${i}` : i % 5 === 0 ? `é€😀 ${i}` : `stream-${i}`;
    out.push({ type: 'message', session: 1, frame: i, time: 1.5 + i / 1e6, name, args: [null, name, { deep: [i, '\u2029'] }] });
  }
  return out as OutputRecord[];
}

const expected = (recs: readonly OutputRecord[]) => recs.map((r) => toJson(r) + '\n').join('');

test('NDJSON lines equal toJson per record, separators escaped, across many batches', async () => {
  const recs = records(5000);
  const pieces: string[] = [];
  const sink: TextOut = { write: (t) => void pieces.push(t), close: async () => {} };
  const w = new BatchedWriter(sink);
  const r = new NdjsonRenderer(w);
  for (let i = 0; i < recs.length; i += 300) await r.records(recs.slice(i, i + 300));
  await r.end();
  assert.ok(pieces.length > 3, `several batches (${pieces.length})`);
  const text = pieces.join('');
  assert.equal(text, expected(recs));
  assert.doesNotMatch(text, /[\u2028\u2029]/);
});

test('a batch mixing plain writes and lines: only the lines are JSON, escaping them escapes nothing else', async () => {
  const pieces: string[] = [];
  const w = new BatchedWriter({ write: (t) => void pieces.push(t), close: async () => {} });
  w.write('{"a":1}\n');
  w.line(JSON.stringify({ s: 'p\u2028q' }));
  await w.flush();
  assert.equal(pieces.join(''), '{"a":1}\n{"s":"p\\u2028q"}\n');
});

test('fileOut writes every batch whole, multi-byte text included, with one reused buffer', async () => {
  const path = join(tmp, 'out.ndjson');
  const recs = records(4000);
  const w = new BatchedWriter(fileOut(path));
  const r = new NdjsonRenderer(w);
  await r.records(recs);
  // One batch far larger than the first buffer: it grows.
  await w.write('€'.repeat(300_000) + '\n');
  await w.close();
  assert.equal(readFileSync(path, 'utf8'), expected(recs) + '€'.repeat(300_000) + '\n');
});
