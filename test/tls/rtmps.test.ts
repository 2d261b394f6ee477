/**
 * RTMPS in captures: a TLS connection is named as TLS with its hello facts and advice; with the
 * key log, its RTMP decodes to the same messages as the same conversation in plain TCP (TLS 1.3
 * and 1.2, each suite family, KeyUpdate, records of any size); the TLS layer gives identical
 * events however its input is split; a lost segment costs the records it touched and decoding
 * resumes; nothing throws on mangled input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer, type AnalyzerOptions } from '../../src/session/analyzer.js';
import type { DiagnosticRecord, MessageRecord, OutputRecord, SessionRecord } from '../../src/records/index.js';
import { TlsConnection, type TlsEvent } from '../../src/tls/connection.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { MAX_RECORD_BODY } from '../../src/tls/record-framer.js';
import { conversationPcap, type Turn } from '../builders/conversation.js';
import { concatBytes, handshakeBytes, writeChunks } from '../builders/chunk-writer.js';
import { amf0 } from '../builders/amf-writer.js';
import { record, serverHello, tlsWrap, seeded, type TlsWrapOptions } from '../builders/tls.js';

function analyze(pcap: Uint8Array, opts: AnalyzerOptions = {}): OutputRecord[] {
  const dec = createCaptureDecoder();
  const an = new Analyzer(opts);
  const out: OutputRecord[] = [];
  for (const ev of dec.push(pcap)) out.push(...an.push(ev));
  for (const ev of dec.finish()) out.push(...an.push(ev));
  out.push(...an.finish());
  return out;
}

const hsC = handshakeBytes(1);
const hsS = handshakeBytes(2);
const connect = amf0.command('connect', 1, { app: 'live', tcUrl: 'rtmps://example/live' });
const media = (n: number) => Array.from({ length: n }, (_, i) => ({ csid: 6, typeId: 9, timestamp: i * 40, streamId: 1, body: concatBytes(Uint8Array.of(i === 0 ? 0x17 : 0x27, 1, 0, 0, 0), seeded(`v${i}`, 700 + i * 37)) }));
const plainTurns: Turn[] = [
  { from: 'c', data: hsC.subarray(0, 1537) },
  { from: 's', data: hsS },
  { from: 'c', data: concatBytes(hsC.subarray(1537), writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: connect }])) },
  { from: 's', data: writeChunks([{ csid: 2, typeId: 5, timestamp: 0, body: Uint8Array.of(0, 0x4c, 0x4b, 0x40) }]) },
  { from: 'c', data: writeChunks(media(12), { chunkSize: 128 }) },
];

/** What must be equal between the plain and the TLS run: every message as decoded. */
const messages = (recs: OutputRecord[]) =>
  recs.filter((r): r is MessageRecord => r.type === 'message').map((m) => JSON.stringify({ ...m, frame: 0, firstFrame: 0, time: 0, server: '', chunks: { ...m.chunks, list: m.chunks.list.map((c) => [c[0], c[1], c[2], c[3]]) } }));
const sessions = (recs: OutputRecord[]) => recs.filter((r): r is SessionRecord => r.type === 'session');
const diags = (recs: OutputRecord[]) => recs.filter((r): r is DiagnosticRecord => r.type === 'diagnostic');
const codes = (recs: OutputRecord[]) => diags(recs).map((d) => d.code);

const plainRecs = analyze(conversationPcap(plainTurns, { server: { ip: '10.0.0.2', port: 443 } }));
const plainMessages = messages(plainRecs);

const VARIANTS: (TlsWrapOptions & { name: string; suiteName: string; version: string })[] = [
  { name: '1.3 AES-128-GCM', tls: 13, suite: 0x1301, suiteName: 'TLS_AES_128_GCM_SHA256', version: 'TLS 1.3', sni: 'live.example', alpn: 'rtmp' },
  { name: '1.3 AES-256-GCM, KeyUpdate', tls: 13, suite: 0x1302, suiteName: 'TLS_AES_256_GCM_SHA384', version: 'TLS 1.3', keyUpdateAfter: 3, recordSize: 333 },
  { name: '1.3 ChaCha20-Poly1305, full-size records', tls: 13, suite: 0x1303, suiteName: 'TLS_CHACHA20_POLY1305_SHA256', version: 'TLS 1.3', recordSize: 16384 },
  { name: '1.2 ECDHE AES-128-GCM', tls: 12, suite: 0xc02f, suiteName: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', version: 'TLS 1.2', sni: 'a.example', alpn: 'rtmp' },
  { name: '1.2 ECDHE AES-256-GCM', tls: 12, suite: 0xc030, suiteName: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', version: 'TLS 1.2' },
  { name: '1.2 ECDHE ChaCha20-Poly1305', tls: 12, suite: 0xcca9, suiteName: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', version: 'TLS 1.2', recordSize: 100 },
  { name: '1.2 ECDHE AES-128-CBC-SHA', tls: 12, suite: 0xc013, suiteName: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', version: 'TLS 1.2' },
  { name: '1.2 ECDHE AES-256-CBC-SHA384, encrypt-then-MAC', tls: 12, suite: 0xc028, suiteName: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', version: 'TLS 1.2', etm: true },
];

for (const v of VARIANTS) {
  test(`rtmps: TLS ${v.name} with its key log decodes to the plain conversation's messages`, () => {
    const w = tlsWrap(plainTurns, v);
    const recs = analyze(conversationPcap(w.turns, { server: { ip: '10.0.0.2', port: 443 } }), { keylogs: ['unrelated line\n', w.keylog] });
    assert.deepEqual(messages(recs), plainMessages);
    const s = sessions(recs);
    assert.equal(s.length, 1);
    assert.equal(s[0]!.transport, 'rtmps');
    assert.equal(s[0]!.tls?.version, v.version);
    assert.equal(s[0]!.tls?.cipherSuite, v.suiteName);
    assert.equal(s[0]!.tls?.decrypted, true);
    assert.equal(s[0]!.tls?.sni, v.sni ?? null);
    assert.equal(s[0]!.tls?.alpn, v.alpn ?? null);
    assert.deepEqual(s[0]!.tls?.unreadRecords, { c2s: 0, s2c: 0 });
    // The same diagnostics as the plain run (the synthetic RTMP has its own flaws), and no tls.*.
    assert.deepEqual(codes(recs), codes(plainRecs));
  });
}

test('rtmps: without a key log the TLS connection is named, with its facts and what to do', () => {
  const w = tlsWrap(plainTurns, VARIANTS[0]!);
  const recs = analyze(conversationPcap(w.turns, { server: { ip: '10.0.0.2', port: 443 } }));
  assert.equal(sessions(recs).length, 0);
  const d = diags(recs);
  assert.deepEqual(
    d.map((x) => x.code),
    ['tls.encrypted'],
  );
  assert.equal(d[0]!.session, null);
  assert.equal(d[0]!.client, '10.0.0.1:50000');
  assert.equal(d[0]!.server, '10.0.0.2:443');
  assert.deepEqual(d[0]!.context, { sni: 'live.example', version: 'TLS 1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', alpn: 'rtmp,x-other', offeredVersions: 'TLS 1.3,TLS 1.2', offeredSuites: 3 });
  assert.match(d[0]!.message, /--keylog/);
  const cap = recs.find((r) => r.type === 'capture');
  assert.ok(cap?.type === 'capture' && cap.tlsConnections === 1 && cap.rtmpSessions === 0);
});

test('rtmps: a key log without this connection says so (tls.no-key); one with the wrong keys fails loudly', () => {
  const w = tlsWrap(plainTurns, VARIANTS[3]!);
  const other = tlsWrap(plainTurns, { ...VARIANTS[3]!, seed: 'other' });
  assert.deepEqual(codes(analyze(conversationPcap(w.turns), { keylogs: [other.keylog] })), ['tls.no-key']);
  // The right client random with another session's master secret.
  const wrong = w.keylog.replace(/CLIENT_RANDOM (\w+) \w+/, `CLIENT_RANDOM $1 ${'ab'.repeat(48)}`);
  const recs = analyze(conversationPcap(w.turns), { keylogs: [wrong] });
  assert.ok(codes(recs).includes('tls.decrypt-failed'));
});

test('rtmps: TLS that is not RTMP inside is said to be so', () => {
  const http: Turn[] = [
    { from: 'c', data: new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n') },
    { from: 's', data: new TextEncoder().encode('HTTP/1.1 200 OK\r\n\r\n') },
  ];
  const w = tlsWrap(http, VARIANTS[0]!);
  const recs = analyze(conversationPcap(w.turns), { keylogs: [w.keylog] });
  assert.equal(sessions(recs).length, 0);
  assert.deepEqual(codes(recs), ['tls.not-rtmp']);
});

test('rtmps: a lost segment loses the records it touched; decryption and RTMP decoding resume', () => {
  const w = tlsWrap(plainTurns, { ...VARIANTS[0]!, recordSize: 300 });
  // Segments of 200 bytes: drop one in the middle of the client's media.
  const pcap = conversationPcap(w.turns, { mss: 200, drop: [40] });
  const recs = analyze(pcap, { keylogs: [w.keylog] });
  const c = codes(recs);
  assert.ok(c.includes('tcp.gap'));
  assert.ok(c.includes('tls.record.lost'));
  const got = messages(recs);
  assert.ok(got.length >= plainMessages.length - 3 && got.length > 5, `${got.length} messages`);
  const s = sessions(recs)[0]!;
  assert.ok(s.tls !== undefined && s.tls.unreadRecords.c2s >= 1);
});

/** Feed a TlsConnection the turns, each cut by `cut`; events with their bytes flattened. */
function runTls(turns: readonly Turn[], keylog: string, cut: (data: Uint8Array) => Uint8Array[]): string {
  const t = new TlsConnection(new TlsKeyLog([keylog]), 0);
  const ev: TlsEvent[] = [];
  const meta = { frame: 1, sec: 0, nsec: 0 };
  for (const turn of turns) for (const piece of cut(turn.data)) ev.push(...t.push(turn.from === 'c' ? 'c2s' : 's2c', piece, meta));
  ev.push(...t.finish(meta));
  // Application data may arrive in different pieces; compare each direction's byte stream (as hex:
  // this runs thousands of times, and a JSON array of numbers per byte cost most of its time).
  const pieces: Record<string, Uint8Array[]> = { c2s: [], s2c: [] };
  const length: Record<string, number> = { c2s: 0, s2c: 0 };
  const other: unknown[] = [];
  for (const e of ev) {
    if (e.kind === 'data') {
      assert.equal(e.offset, length[e.dir]);
      pieces[e.dir]!.push(e.data);
      length[e.dir]! += e.data.length;
    } else other.push(e);
  }
  const streams = { c2s: Buffer.concat(pieces.c2s!).toString('hex'), s2c: Buffer.concat(pieces.s2c!).toString('hex') };
  return JSON.stringify({ streams, other, facts: t.facts() });
}

test('rtmps: the TLS layer gives the same plaintext and events however its input is split', () => {
  for (const v of [VARIANTS[1]!, VARIANTS[3]!]) {
    const small: Turn[] = plainTurns.slice(0, 4);
    const w = tlsWrap(small, { ...v, recordSize: 200 });
    const whole = runTls(w.turns, w.keylog, (d) => [d]);
    assert.match(whole, /"decrypted":true/);
    assert.equal(
      runTls(w.turns, w.keylog, (d) => Array.from(d, (_, i) => d.subarray(i, i + 1))),
      whole,
    );
    // Every two-piece split of every turn.
    for (let ti = 0; ti < w.turns.length; ti++) {
      const n = w.turns[ti]!.data.length;
      for (let k = 0; k <= n; k += n > 2000 ? 7 : 1) {
        const cut = (d: Uint8Array) => (d === w.turns[ti]!.data ? [d.subarray(0, k), d.subarray(k)] : [d]);
        assert.equal(runTls(w.turns, w.keylog, cut), whole, `turn ${ti} split at ${k}`);
      }
    }
  }
});

test('rtmps: nothing throws and memory stays bounded on mangled TLS (fast-check)', () => {
  const w = tlsWrap(plainTurns, { ...VARIANTS[0]!, recordSize: 500 });
  const stream = concatBytes(...w.turns.filter((t) => t.from === 'c').map((t) => t.data));
  fc.assert(
    fc.property(fc.array(fc.record({ at: fc.nat(stream.length - 1), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }), fc.array(fc.nat(stream.length), { maxLength: 6 }), fc.boolean(), (flips, cuts, gap) => {
      const b = Uint8Array.from(stream);
      for (const f of flips) b[f.at] = f.byte;
      const t = new TlsConnection(new TlsKeyLog([w.keylog]), 0);
      const meta = { frame: 1, sec: 0, nsec: 0 };
      let prev = 0;
      for (const c of [...cuts].sort((x, y) => x - y)) {
        t.push('c2s', b.subarray(prev, c), meta);
        if (gap) t.gap('c2s', 17, meta);
        prev = c;
      }
      t.push('c2s', b.subarray(prev), meta);
      t.finish(meta);
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
      const t = new TlsConnection(new TlsKeyLog([w.keylog]), 0);
      const meta = { frame: 1, sec: 0, nsec: 0 };
      // A plausible ClientHello start, then anything.
      t.push('c2s', concatBytes(Uint8Array.of(22, 3, 1, 0, 200, 1, 0, 0, 196), a), meta);
      t.push('s2c', b, meta);
      t.finish(meta);
    }),
    { numRuns: 300 },
  );
});

test('rtmps: a record header claiming more than the largest legal record is not TLS; nothing is buffered for it', () => {
  const w = tlsWrap(plainTurns.slice(0, 2), VARIANTS[0]!);
  const t = new TlsConnection(new TlsKeyLog([w.keylog]), 0);
  const meta = { frame: 1, sec: 0, nsec: 0 };
  t.push('c2s', w.turns[0]!.data, meta);
  const big = MAX_RECORD_BODY + 1;
  const ev = t.push('c2s', concatBytes(Uint8Array.of(23, 3, 3, big >> 8, big & 0xff), new Uint8Array(40_000)), meta);
  assert.ok(ev.some((e) => e.kind === 'diagnostic' && e.diagnostic.code === 'tls.record.bad-header'));
});

test('rtmps: the summary names an undecrypted TLS connection and says what to do (wire text escaped)', async () => {
  const { SummaryCollector, renderSummary } = await import('../../src/output/summary.js');
  const w = tlsWrap(plainTurns, { ...VARIANTS[0]!, sni: 'evil\u001b[31m.example' });
  const c = new SummaryCollector();
  c.records(analyze(conversationPcap(w.turns, { server: { ip: '10.0.0.2', port: 443 } })));
  const text = renderSummary(c, { color: false });
  assert.match(text, /2 TCP connection|1 TCP connection \(1 TLS\)/);
  assert.match(text, /No RTMP sessions found in the readable connections/);
  assert.match(text, /10\.0\.0\.1:50000 → 10\.0\.0\.2:443 {2}TLS 1\.3, TLS_AES_128_GCM_SHA256, SNI evil\\x1b\[31m\.example/);
  assert.match(text, /--keylog FILE/);
  assert.ok(!text.includes('\u001b'));
});

test('rtmps: a TLS connection whose handshake was not captured is named as TLS, not taken for RTMP', () => {
  const w = tlsWrap(plainTurns, { ...VARIANTS[0]!, recordSize: 300 });
  // From the client's application data on: no SYN, no hellos.
  const recs = analyze(conversationPcap(w.turns.slice(4), { noHandshake: true }), { keylogs: [w.keylog] });
  assert.equal(sessions(recs).length, 0);
  const d = diags(recs).filter((x) => x.code.startsWith('tls.'));
  assert.deepEqual(
    d.map((x) => [x.code, x.context]),
    [['tls.encrypted', { midstream: true }]],
  );
  const cap = recs.find((r) => r.type === 'capture');
  assert.ok(cap?.type === 'capture' && cap.tlsConnections === 1);
  // Plain RTMP mid-stream is still RTMP.
  assert.equal(sessions(analyze(conversationPcap(plainTurns.slice(2), { noHandshake: true }))).length, 1);
});

test('rtmps: without a SYN, the side that sent the ClientHello is the client (roles swapped from the port guess)', () => {
  const w = tlsWrap(plainTurns, VARIANTS[3]!);
  const ends = { client: { ip: '10.0.0.1', port: 1000 }, server: { ip: '10.0.0.2', port: 60000 } };
  const recs = analyze(conversationPcap(w.turns, { ...ends, noHandshake: true }), { keylogs: [w.keylog] });
  const s = sessions(recs);
  assert.equal(s.length, 1);
  assert.equal(s[0]!.client, '10.0.0.1:1000');
  assert.equal(s[0]!.transport, 'rtmps');
  const plain = analyze(conversationPcap(plainTurns, { ...ends, noHandshake: true }));
  assert.deepEqual(messages(recs), messages(plain));
});

test('rtmps: a HelloRetryRequest is not taken for the ServerHello', () => {
  const w = tlsWrap(plainTurns, VARIANTS[0]!);
  const hrrRandom = Uint8Array.from(Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'));
  const hrr = record(22, serverHello({ random: hrrRandom, suite: 0x1302, tls13: true }));
  // Server: HRR (asking for another key share); client: its second ClientHello (same random).
  const turns: Turn[] = [w.turns[0]!, { from: 's', data: hrr }, { from: 'c', data: w.turns[0]!.data }, ...w.turns.slice(1)];
  const recs = analyze(conversationPcap(turns), { keylogs: [w.keylog] });
  assert.deepEqual(messages(recs), messages(analyze(conversationPcap(plainTurns))));
  assert.equal(sessions(recs)[0]?.tls?.cipherSuite, 'TLS_AES_128_GCM_SHA256');
});
