/**
 * `--format json` spools records to a temporary file and writes the grouped document at the end
 * (src/output/ndjson.ts). It must be exactly JSON.stringify(doc, null, 2) of the records grouped
 * by session: checked against that oracle on every committed capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeStream } from '../../src/session/run.js';
import { readFileChunks } from '../../src/io/input.js';
import { BatchedWriter, JsonRenderer, type TextOut } from '../../src/output/ndjson.js';
import type { OutputRecord } from '../../src/records/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'captures');
const files = readdirSync(dir)
  .filter((f) => /\.(pcap|pcapng)$/.test(f))
  .sort();

/** The grouping the JSON format promises, built in memory. */
function oracle(recs: readonly OutputRecord[]): string {
  const groups = new Map<number, { handshake: OutputRecord[]; messages: OutputRecord[]; streams: OutputRecord[]; diagnostics: OutputRecord[] }>();
  const group = (n: number) => {
    let g = groups.get(n);
    if (g === undefined) groups.set(n, (g = { handshake: [], messages: [], streams: [], diagnostics: [] }));
    return g;
  };
  const sessions: Record<string, unknown>[] = [];
  const diagnostics: OutputRecord[] = [];
  let capture: OutputRecord | null = null;
  for (const r of recs) {
    if (r.type === 'session') sessions.push({ ...r, ...group(r.session) });
    else if (r.type === 'capture') capture = r;
    else if (r.type === 'diagnostic' && r.session === null) diagnostics.push(r);
    else if (r.type === 'diagnostic') group(r.session as number).diagnostics.push(r);
    else if (r.type === 'message') group(r.session).messages.push(r);
    else if (r.type === 'stream') group(r.session).streams.push(r);
    else group(r.session).handshake.push(r);
  }
  sessions.sort((a, b) => (a['session'] as number) - (b['session'] as number));
  return JSON.stringify({ capture, sessions, diagnostics }, null, 2) + '\n';
}

async function render(recs: readonly OutputRecord[], batch: number): Promise<string> {
  let text = '';
  const out: TextOut = { write: (t) => void (text += t), close: async () => {} };
  const w = new BatchedWriter(out);
  const r = new JsonRenderer(w);
  for (let i = 0; i < recs.length; i += batch) r.records(recs.slice(i, i + batch));
  await r.end();
  return text;
}

for (const f of files) {
  test(`--format json equals the in-memory grouping: ${f}`, async () => {
    const recs: OutputRecord[] = [];
    await analyzeStream(f, readFileChunks(join(dir, f)), (b) => void recs.push(...b));
    const want = oracle(recs);
    assert.equal(await render(recs, 1000), want);
    assert.equal(await render(recs, 7), want);
  });
}

test('--format json of a capture without sessions', async () => {
  const capture: OutputRecord = { type: 'capture', format: 'pcap', frames: 0, linkTypes: [], tcpConnections: 0, rtmpSessions: 0, skipped: {} };
  assert.equal(await render([capture], 10), oracle([capture]));
  assert.equal(await render([], 10), oracle([]));
});
