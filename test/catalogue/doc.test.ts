/**
 * docs/diagnostics.md is generated from the catalogue: fail when it is out of date (run
 * `node dist/scripts/diagnostics-doc.js` after changing src/core/diagnostics.ts), and check the
 * catalogue's own rules: dotted lower-case codes, a known severity, a plain-language explanation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUE } from '../../src/core/diagnostics.js';
import { DOC_PATH, LAYERS, renderDiagnosticsDoc } from '../../scripts/diagnostics-doc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('docs/diagnostics.md is up to date with the catalogue', () => {
  const committed = readFileSync(join(root, DOC_PATH), 'utf8');
  assert.ok(committed === renderDiagnosticsDoc(), 'docs/diagnostics.md is out of date: run `npx tsc -p tsconfig.json && node dist/scripts/diagnostics-doc.js`');
});

test('the doc lists every code once, with its severity', () => {
  const doc = renderDiagnosticsDoc();
  for (const [code, e] of Object.entries(CATALOGUE)) {
    const rows = doc.split('\n').filter((l) => l.startsWith(`| \`${code}\` |`));
    assert.equal(rows.length, 1, code);
    assert.ok(rows[0]?.startsWith(`| \`${code}\` | ${e.severity} |`), code);
  }
});

test('the doc escapes table syntax in explanations', () => {
  const doc = renderDiagnosticsDoc({ 'x.a': { severity: 'info', explain: 'a |pipe| and \\ backslash' } });
  assert.ok(doc.includes('| `x.a` | info | a \\|pipe\\| and \\\\ backslash |'));
  assert.ok(doc.includes('## x'), 'an unknown layer still gets its own section');
});

test('catalogue rules: dotted lower-case codes in known layers, severities, explanations', () => {
  const layers = new Set(LAYERS.map(([l]) => l));
  const codes = Object.keys(CATALOGUE);
  assert.ok(codes.length >= 40, `${codes.length} codes`);
  for (const [code, e] of Object.entries(CATALOGUE)) {
    assert.match(code, /^[a-z0-9]+(\.[a-z0-9-]+)+$/, code);
    assert.ok(layers.has(code.split('.')[0] as string), `${code}: unknown layer`);
    assert.ok(['error', 'warn', 'info'].includes(e.severity), code);
    assert.ok(e.explain.length >= 30 && /[.)]$/.test(e.explain), `${code}: explanation should be a sentence`);
  }
});
