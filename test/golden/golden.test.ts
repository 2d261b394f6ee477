/**
 * Golden NDJSON: every committed capture decodes to exactly its committed golden file.
 * Update the goldens only on purpose: `npm run golden`, then review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportLines } from '../builders/export-lines.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');
const files = readdirSync(dir)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .sort();

test('there are committed captures', () => {
  assert.ok(files.length >= 8, `expected the committed captures in ${dir}`);
});

for (const f of files) {
  // A capture with a key log beside it (<capture>.keylog): decrypted, and without the key log.
  const keylog = join(dir, `${f}.keylog`);
  const runs: [string, string[]][] = existsSync(keylog)
    ? [
        [`${f}.ndjson`, [readFileSync(keylog, 'utf8')]],
        [`${f}.no-keylog.ndjson`, []],
      ]
    : [[`${f}.ndjson`, []]];
  for (const [name, keylogs] of runs) {
    test(`golden: ${name}`, async () => {
      const golden = join(dir, 'golden', name);
      assert.ok(existsSync(golden), `missing golden file ${golden} (npm run golden)`);
      const want = readFileSync(golden, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      const got = await exportLines(join(dir, f), keylogs.length > 0 ? { keylogs } : {});
      assert.deepEqual(got, want);
    });
  }
}
