/**
 * The file reader hands the decoders ONE reused buffer (src/io/input.ts). That is only correct if
 * no stage keeps a view of a pushed chunk past the push: this test poisons the buffer after every
 * push and checks that every committed capture still decodes to its golden lines, at several read
 * sizes (records and RTMP messages straddling chunk boundaries in every way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeStream } from '../../src/session/run.js';
import { readFileChunks } from '../../src/io/input.js';
import type { AnalyzerOptions } from '../../src/session/analyzer.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');
const files = readdirSync(dir)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .sort();

/** Yields `bytes` in pieces of `size` through one buffer that is filled with junk after each use. */
async function* poisoned(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(size);
  for (let at = 0; at < bytes.length; at += size) {
    const n = Math.min(size, bytes.length - at);
    buf.set(bytes.subarray(at, at + n));
    yield buf.subarray(0, n);
    buf.fill(0xa5);
  }
}

async function lines(name: string, input: AsyncIterable<Uint8Array>, opts: AnalyzerOptions): Promise<string[]> {
  const out: string[] = [];
  await analyzeStream(
    name,
    input,
    (recs) => {
      for (const r of recs) out.push(JSON.stringify(r));
    },
    opts,
  );
  return out;
}

for (const f of files) {
  test(`reused input buffer: ${f}`, async () => {
    const want = readFileSync(join(dir, 'golden', `${f}.ndjson`), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const bytes = readFileSync(join(dir, f));
    // An RTMPS capture is decoded with its key log (<capture>.keylog), as its golden is.
    const keylog = join(dir, `${f}.keylog`);
    const opts = existsSync(keylog) ? { keylogs: [readFileSync(keylog, 'utf8')] } : {};
    for (const size of [977, 4096, 65536]) {
      assert.deepEqual(await lines(f, poisoned(bytes, size), opts), want, `read size ${size}`);
    }
    // The real reader, with a read size that splits records.
    assert.deepEqual(await lines(f, readFileChunks(join(dir, f), 3000), opts), want, 'readFileChunks');
  });
}
