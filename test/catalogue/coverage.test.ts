/**
 * Every code in the catalogue is produced by at least one test input run through the real
 * pipeline: capture/net/tcp/rtmp/amf/media codes by createCaptureDecoder + Analyzer
 * (test/catalogue/inputs.ts), the session/stream codes and the chunk-layer interop codes also
 * through SessionAnalysis/CaptureAnalysis (test/analysis/rule-rows.ts). Each input states the codes
 * it stands for and must produce them; the union must cover the catalogue, and the failure lists
 * what is missing. Codes that cannot be produced today are listed in UNPRODUCIBLE with the reason
 * and must stay unproduced (so wiring one up moves it into the table).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUE, type DiagnosticCode } from '../../src/core/diagnostics.js';
import { RULE_ROWS } from '../analysis/rule-rows.js';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COVERED_BY, PIPELINE_INPUTS, UNPRODUCIBLE, type Input } from './inputs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const inputs: Input[] = [...PIPELINE_INPUTS, ...RULE_ROWS.map((r) => ({ name: `${r.code}: ${r.name}`, codes: [r.code], run: r.run }))];

const produced = new Map<string, string[]>();

for (const input of inputs) {
  test(`input "${input.name}" produces ${input.codes.join(', ')}`, () => {
    const a = input.run();
    for (const code of a.codes) {
      const list = produced.get(code) ?? [];
      list.push(input.name);
      produced.set(code, list);
    }
    for (const code of a.codes) assert.ok(code in CATALOGUE, `${code} is not in the catalogue`);
    const missing = input.codes.filter((c) => !a.codes.has(c));
    assert.deepEqual(missing, [], `produced instead: ${[...a.codes].join(', ') || 'nothing'}`);
  });
}

test('the inputs together cover every code in the catalogue', () => {
  const all = Object.keys(CATALOGUE) as DiagnosticCode[];
  const missing = all.filter((c) => !produced.has(c) && UNPRODUCIBLE[c] === undefined && COVERED_BY[c] === undefined);
  assert.deepEqual(missing, [], `codes no test input produces (${missing.length} of ${all.length}): add an input to test/catalogue/inputs.ts or test/analysis/rule-rows.ts`);
  const table = new Set(inputs.flatMap((i) => i.codes));
  const untabled = all.filter((c) => !table.has(c) && UNPRODUCIBLE[c] === undefined && COVERED_BY[c] === undefined);
  assert.deepEqual(untabled, [], 'codes produced only by accident: give each an input that names it');
});

test('codes listed as unproducible are really not produced (move them into the table when they are)', () => {
  for (const code of Object.keys(UNPRODUCIBLE)) {
    assert.ok(code in CATALOGUE, `${code} is not in the catalogue`);
    assert.equal(produced.get(code), undefined, `${code} is produced by ${produced.get(code)?.join('; ')}`);
  }
});

test('codes covered by socket tests are named by those tests', () => {
  for (const [code, file] of Object.entries(COVERED_BY)) {
    assert.ok(code in CATALOGUE, `${code} is not in the catalogue`);
    assert.ok(readFileSync(join(ROOT, file), 'utf8').includes(`'${code}'`), `${file} does not assert ${code}`);
  }
});
