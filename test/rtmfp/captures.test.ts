/**
 * End to end on the shared real RTMFP captures (zenomt/rtmfp-cpp; ../shared/data/rtmfp, not
 * committed), each without and with its key log: the handshake facts, the RTMP messages RFC 7425
 * carries, flows and close; the golden NDJSON in test/rtmfp/golden; the schema on every line.
 * Skipped, saying why, when the captures are absent.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { exportLines } from '../builders/export-lines.js';
import type { HandshakeRecord, MessageRecord, OutputRecord, SessionRecord } from '../../src/records/index.js';
import { rtmfpDataDir } from './shared.js';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer } from '../../src/session/analyzer.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const data = rtmfpDataDir(root);
const skip = data === null ? `shared RTMFP captures not found (../shared/data/rtmfp beside the repo, or set RTMFP_DATA)` : false;
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as new (o: object) => { compile(s: object): ValidateFunction };
const validate = new Ajv({ allErrors: false, strict: false }).compile(JSON.parse(readFileSync(join(root, 'docs', 'ndjson.schema.json'), 'utf8')) as object);

async function load(name: string, keys: boolean): Promise<{ lines: string[]; recs: OutputRecord[] }> {
  const file = join(data!, `${name}.pcap`);
  const opts = keys ? { keylogs: [readFileSync(join(data!, `${name}.keylog.txt`), 'utf8')] } : {};
  const lines = await exportLines(file, opts);
  return { lines, recs: lines.map((l) => JSON.parse(l) as OutputRecord) };
}

const sessionOf = (recs: readonly OutputRecord[]) => recs.filter((r): r is SessionRecord => r.type === 'session');
const handshakes = (recs: readonly OutputRecord[]) => recs.filter((r): r is HandshakeRecord => r.type === 'handshake');
const messages = (recs: readonly OutputRecord[]) => recs.filter((r): r is MessageRecord => r.type === 'message');

function count(recs: readonly OutputRecord[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const m of messages(recs)) {
    const k = `${m.dir} ${m.name ?? m.typeName}`;
    c[k] = (c[k] ?? 0) + 1;
  }
  return c;
}

const PUBLISH_MESSAGES = {
  'c2s connect': 1,
  's2c _result': 2,
  'c2s createStream': 1,
  'c2s publish': 1,
  's2c onStatus': 1,
  'c2s @setDataFrame': 1,
  'c2s Audio Data': 46,
  'c2s Video Data': 21,
};

describe('RTMFP shared captures', { skip }, () => {
  for (const name of ['rtmfp-tc-publish', 'rtmfp-tc-publish-orderly-close']) {
    it(`${name} without keys: the handshake, the session, and keys asked for plainly`, async () => {
      const { recs } = await load(name, false);
      assert.deepEqual(
        handshakes(recs).map((h) => `${h.dir} ${h.part}`),
        ['c2s IHello', 's2c RHello', 'c2s IIKeying', 's2c RIKeying'],
      );
      const [s, ...more] = sessionOf(recs);
      assert.equal(more.length, 0);
      assert.equal(s!.transport, 'rtmfp');
      const f = s!.rtmfp!;
      assert.equal(f.established, true);
      assert.equal(f.keys, 'none');
      assert.deepEqual(f.epd, { url: 'rtmfp://127.0.0.1:1935/live' });
      assert.deepEqual(f.responderCertificate?.dhGroups, [16, 14, 2]);
      assert.deepEqual(f.initiatorCertificate?.staticDhGroups, [16, 14, 2]);
      assert.equal(f.initiatorKeyComponent?.dhGroup, 16);
      assert.deepEqual([f.initiatorSessionId, f.responderSessionId], ['02000000', '02000000']);
      assert.deepEqual(
        [f.hmac, f.sseq],
        [
          { c2s: true, s2c: true },
          { c2s: true, s2c: true },
        ],
      );
      assert.ok(f.rhelloMs !== null && f.iikeyingMs !== null && f.rikeyingMs !== null && f.rhelloMs <= f.iikeyingMs && f.iikeyingMs <= f.rikeyingMs);
      assert.equal(messages(recs).length, 0);
      const diags = recs.filter((r) => r.type === 'diagnostic');
      assert.deepEqual(
        diags.map((d) => d.type === 'diagnostic' && `${d.severity} ${d.code}`),
        ['info rtmfp.keys-needed'],
      );
      assert.equal(f.undecrypted.c2s + f.undecrypted.s2c, s!.packets - 4);
    });

    it(`${name} with its key log: every packet decrypts; the RTMP messages as on TCP`, async () => {
      const { recs } = await load(name, true);
      assert.deepEqual(count(recs), PUBLISH_MESSAGES);
      const s = sessionOf(recs)[0]!;
      const f = s.rtmfp!;
      assert.equal(f.keys, 'logged');
      assert.deepEqual(f.undecrypted, { c2s: 0, s2c: 0 });
      assert.equal(f.decrypted.c2s + f.decrypted.s2c, s.packets - 4);
      assert.equal(s.app, 'live');
      assert.deepEqual(s.streamNames, ['teststream']);
      assert.equal(s.connect?.outcome, 'success');
      assert.equal(s.role, 'publish');
      const connect = messages(recs).find((m) => m.name === 'connect')!;
      assert.equal((connect.command as { tcUrl?: string }).tcUrl, 'rtmfp://127.0.0.1:1935/live');
      const status = messages(recs).find((m) => m.name === 'onStatus')!;
      assert.equal(status.streamId, 1);
      assert.ok(f.flows.every((x) => x.signature === 'TC' && x.lostFragments === 0));
      assert.ok((f.chunkTypes.s2c['0xec'] ?? 0) > 0, 'the non-RFC 0xEC chunks are counted, not fatal');
      const stream = recs.find((r) => r.type === 'stream');
      assert.ok(stream?.type === 'stream' && stream.role === 'publish' && stream.name === 'teststream');
      if (name === 'rtmfp-tc-publish') {
        assert.equal(f.closeRequest, null);
        assert.equal(f.closeAck?.dir, 'c2s');
        assert.equal(s.end, 'rst');
      } else {
        assert.equal(f.closeRequest?.dir, 'c2s');
        assert.equal(f.closeAck?.dir, 's2c');
        assert.ok(f.closeAck.elapsedMs >= f.closeRequest.elapsedMs);
        assert.equal(s.end, 'fin');
      }
    });
  }

  it('rtmfp-echo-plain-flows with its key log: fragmented plain flows, rejected return flows, pings', async () => {
    const { recs } = await load('rtmfp-echo-plain-flows', true);
    const f = sessionOf(recs)[0]!.rtmfp!;
    assert.deepEqual(f.epd, { url: 'rtmfp:' });
    assert.equal(messages(recs).length, 0, 'not TC flows: no RTMP messages');
    const sent = f.flows.filter((x) => x.dir === 'c2s');
    assert.equal(sent.length, 2);
    for (const x of sent) assert.deepEqual([x.fragments, x.messages, x.bytes, x.final], [240, 60, 60 * 4096, true]);
    const back = f.flows.filter((x) => x.dir === 's2c');
    assert.ok(back.length > 0 && back.every((x) => x.exception !== null && x.returnFor !== undefined));
    assert.ok(f.pings.c2s > 0);
    assert.ok(sessionOf(recs)[0]!.duration > 29);
  });

  it('rtmfp-failed-noserver: 4 IHellos retransmitted at +0, +1.0, +3.5, +7.5 s; no session established', async () => {
    const { recs } = await load('rtmfp-failed-noserver', false);
    const hs = handshakes(recs);
    assert.deepEqual(
      hs.map((h) => [h.part, h.rtmfp?.attempt]),
      [
        ['IHello', 1],
        ['IHello', 2],
        ['IHello', 3],
        ['IHello', 4],
      ],
    );
    const s = sessionOf(recs)[0]!;
    const f = s.rtmfp!;
    assert.equal(f.established, false);
    assert.equal(f.ihello.count, 4);
    assert.deepEqual(
      f.ihello.elapsedMs.map((ms) => Math.round(ms / 100) / 10),
      [0, 1, 3.5, 7.5],
    );
    assert.equal(f.rhelloMs, null);
    assert.deepEqual(f.epd, { url: 'rtmfp://127.0.0.1:19350/live' });
    assert.ok(recs.some((r) => r.type === 'diagnostic' && r.code === 'rtmfp.unanswered'));
  });

  it('rtmfp-tc-publish with bytes of its datagrams damaged: never throws, the session is still reported', async () => {
    const pcap = readFileSync(join(data!, 'rtmfp-tc-publish.pcap'));
    const keylogs = [readFileSync(join(data!, 'rtmfp-tc-publish.keylog.txt'), 'utf8')];
    let x = 12345;
    const next = () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 8);
    for (let round = 0; round < 20; round++) {
      const bad = new Uint8Array(pcap);
      // Past the pcap, Ethernet, IP and UDP headers of the first record: inside RTMFP payloads.
      for (let i = 0; i < 8; i++) bad[24 + 16 + 42 + (next() % (bad.length - 82))]! ^= 1 << (next() % 8);
      const dec = createCaptureDecoder();
      const a = new Analyzer({ keylogs });
      const out: OutputRecord[] = [];
      for (const ev of [...dec.push(bad), ...dec.finish()]) out.push(...a.push(ev));
      out.push(...a.finish());
      assert.ok(out.some((r) => r.type === 'capture'));
    }
  });

  for (const [name, keys] of [
    ['rtmfp-tc-publish', false],
    ['rtmfp-tc-publish', true],
    ['rtmfp-tc-publish-orderly-close', false],
    ['rtmfp-tc-publish-orderly-close', true],
    ['rtmfp-echo-plain-flows', false],
    ['rtmfp-echo-plain-flows', true],
    ['rtmfp-failed-noserver', false],
  ] as const) {
    it(`golden and schema: ${name}${keys ? ' with its key log' : ''}`, async () => {
      const { lines } = await load(name, keys);
      const golden = join(root, 'test', 'rtmfp', 'golden', `${name}.pcap${keys ? '.keylog' : ''}.ndjson`);
      assert.ok(existsSync(golden), `missing ${golden} (npm run golden)`);
      assert.deepEqual(
        lines,
        readFileSync(golden, 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      lines.forEach((l, i) => assert.ok(validate(JSON.parse(l)), `${name}:${i + 1}: ${JSON.stringify(validate.errors?.slice(0, 3))}`));
    });
  }
});
