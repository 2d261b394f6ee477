/**
 * Rewrite captures/golden/<capture>.ndjson from the current decoder. Run on purpose only
 * (`npm run golden`), after checking that the change in output is intended.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportLines } from '../test/builders/export-lines.js';
import { rtmfpDataDir } from '../test/rtmfp/shared.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'captures');
mkdirSync(join(dir, 'golden'), { recursive: true });
for (const f of readdirSync(dir)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .sort()) {
  // A capture with a key log beside it (<capture>.keylog) is decoded with it, and also without.
  const keylog = join(dir, `${f}.keylog`);
  const lines = await exportLines(join(dir, f), existsSync(keylog) ? { keylogs: [readFileSync(keylog, 'utf8')] } : {});
  writeFileSync(join(dir, 'golden', `${basename(f)}.ndjson`), lines.join('\n') + '\n');
  process.stdout.write(`${f}: ${lines.length} lines\n`);
  if (existsSync(keylog)) {
    const plain = await exportLines(join(dir, f));
    writeFileSync(join(dir, 'golden', `${basename(f)}.no-keylog.ndjson`), plain.join('\n') + '\n');
    process.stdout.write(`${f} without its key log: ${plain.length} lines\n`);
  }
}

// RTMFP: the shared captures (not committed: ../shared/data/rtmfp), each without and with its key
// log; goldens in test/rtmfp/golden.
const rtmfp = rtmfpDataDir(root);
if (rtmfp !== null) {
  const out = join(root, 'test', 'rtmfp', 'golden');
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(rtmfp)
    .filter((f) => f.endsWith('.pcap'))
    .sort()) {
    const keylog = join(rtmfp, f.replace(/\.pcap$/, '.keylog.txt'));
    const variants: [string, string[]][] = [[f, []]];
    if (existsSync(keylog)) variants.push([`${f}.keylog`, [readFileSync(keylog, 'utf8')]]);
    for (const [name, keylogs] of variants) {
      const lines = await exportLines(join(rtmfp, f), keylogs.length === 0 ? {} : { keylogs });
      writeFileSync(join(out, `${name}.ndjson`), lines.join('\n') + '\n');
      process.stdout.write(`rtmfp/${name}: ${lines.length} lines\n`);
    }
  }
} else {
  process.stdout.write('RTMFP goldens not rewritten: ../shared/data/rtmfp not found (set RTMFP_DATA)\n');
}
