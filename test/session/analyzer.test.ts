/**
 * The analyzer end to end on synthetic captures: which TCP connections become RTMP sessions, who
 * is the client, and what the session record says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCaptureDecoder } from '../../src/capture/decoder.js';
import { Analyzer, type AnalyzerOptions } from '../../src/session/analyzer.js';
import type { OutputRecord, SessionRecord } from '../../src/records/index.js';
import { conversationPcap, type Turn } from '../builders/conversation.js';
import { concatBytes, handshakeBytes, writeChunks } from '../builders/chunk-writer.js';
import { everySplit } from '../builders/splits.js';

function analyze(chunks: Uint8Array[], opts: AnalyzerOptions = {}): OutputRecord[] {
  const dec = createCaptureDecoder();
  const an = new Analyzer(opts);
  const out: OutputRecord[] = [];
  for (const c of chunks) for (const ev of dec.push(c)) out.push(...an.push(ev));
  for (const ev of dec.finish()) out.push(...an.push(ev));
  out.push(...an.finish());
  return out;
}

const sessions = (recs: OutputRecord[]) => recs.filter((r): r is SessionRecord => r.type === 'session');

const hsC = handshakeBytes(1);
const hsS = handshakeBytes(2);
const rtmpTurns: Turn[] = [
  { from: 'c', data: hsC.subarray(0, 1537) },
  { from: 's', data: hsS },
  { from: 'c', data: concatBytes(hsC.subarray(1537), writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: new Uint8Array(200) }])) },
];

test('analyzer: a complete RTMP connection is one session with its byte counts', () => {
  const pcap = conversationPcap(rtmpTurns);
  const ss = sessions(analyze([pcap]));
  assert.equal(ss.length, 1);
  const s = ss[0]!;
  assert.equal(s.client, '10.0.0.1:50000');
  assert.equal(s.server, '10.0.0.2:1935');
  assert.equal(s.clientGuessed, false);
  assert.equal(s.detectedBy, 'handshake');
  assert.equal(s.version, 3);
  assert.equal(s.encrypted, false);
  assert.equal(s.firstFrame, 1);
  assert.equal(s.bytes.c2s, 1537 + 1536 + 12 + 200 + 1);
  assert.equal(s.bytes.s2c, 3073);
  assert.equal(s.end, 'fin');
  assert.deepEqual(s.gaps, { c2s: { count: 0, bytes: 0 }, s2c: { count: 0, bytes: 0 } });
});

test('analyzer: identical records whatever the input chunking', () => {
  const pcap = conversationPcap(rtmpTurns, { mss: 500 });
  const whole = JSON.stringify(analyze([pcap]));
  for (const chunks of everySplit(pcap).filter((_, i) => i % 97 === 0)) assert.equal(JSON.stringify(analyze(chunks)), whole);
});

test('analyzer: RTMP on any port, IPv6 endpoints in brackets', () => {
  const pcap = conversationPcap(rtmpTurns, { client: { ip: '::1', port: 40000 }, server: { ip: '::1', port: 7777 } });
  const s = sessions(analyze([pcap]))[0]!;
  assert.equal(s.client, '[::1]:40000');
  assert.equal(s.server, '[::1]:7777');
});

test('analyzer: a connection that is not RTMP is counted but is not a session', () => {
  const http: Turn[] = [
    { from: 'c', data: new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n') },
    { from: 's', data: new TextEncoder().encode('HTTP/1.1 200 OK\r\n\r\n') },
  ];
  const recs = analyze([conversationPcap(http, { server: { ip: '10.0.0.2', port: 1935 } })]);
  assert.equal(sessions(recs).length, 0);
  const cap = recs.find((r) => r.type === 'capture');
  assert.ok(cap && cap.type === 'capture');
  assert.equal(cap.tcpConnections, 1);
  assert.equal(cap.rtmpSessions, 0);
});

test('analyzer: RTMPE (C0 = 6) is recognised and marked encrypted', () => {
  const turns: Turn[] = [{ from: 'c', data: handshakeBytes(1, { version: 6 }).subarray(0, 1537) }];
  const s = sessions(analyze([conversationPcap(turns)]))[0]!;
  assert.equal(s.version, 6);
  assert.equal(s.encrypted, true);
});

test('analyzer: without a SYN, the handshake signature decides the client even against the port guess', () => {
  // The client uses port 1935 as its *source* port; the server listens on 40000.
  const pcap = conversationPcap(rtmpTurns, { noHandshake: true, client: { ip: '10.0.0.1', port: 1935 }, server: { ip: '10.0.0.2', port: 40000 } });
  const s = sessions(analyze([pcap]))[0]!;
  assert.equal(s.clientGuessed, true);
  assert.equal(s.client, '10.0.0.1:1935');
  assert.equal(s.server, '10.0.0.2:40000');
  assert.equal(s.detectedBy, 'handshake');
  assert.equal(s.bytes.s2c, 3073);
});

test('analyzer: mid-stream start on any port recognised by a chain of chunk headers', () => {
  const connect = Uint8Array.from([2, 0, 7, ...new TextEncoder().encode('connect')]);
  const chunks = writeChunks([
    { csid: 3, typeId: 20, timestamp: 0, body: connect },
    { csid: 2, typeId: 5, timestamp: 0, body: Uint8Array.from([0, 0x26, 0x25, 0xa0]) },
    { csid: 3, typeId: 20, timestamp: 0, body: connect },
  ]);
  const pcap = conversationPcap([{ from: 'c', data: chunks }], { noHandshake: true, client: { ip: '10.0.0.1', port: 50000 }, server: { ip: '10.0.0.2', port: 6000 } });
  const s = sessions(analyze([pcap]))[0]!;
  assert.equal(s.detectedBy, 'chunk-heuristic');
  assert.equal(s.startUnseen.c2s, true);
  assert.equal(s.messageCount.c2s, 3);
});

test('analyzer: one lone chunk header is not evidence enough on a port not in the decode-as list', () => {
  const chunks = writeChunks([{ csid: 3, typeId: 20, timestamp: 0, body: Uint8Array.from([2, 0, 7, ...new TextEncoder().encode('connect')]) }]);
  const pcap = conversationPcap([{ from: 'c', data: chunks }], { noHandshake: true, client: { ip: '10.0.0.1', port: 50000 }, server: { ip: '10.0.0.2', port: 6000 } });
  assert.equal(sessions(analyze([pcap])).length, 0);
  assert.equal(sessions(analyze([pcap], { rtmpPorts: [6000] })).length, 0);
  // On a decode-as port, two headers in a row suffice.
  const two = concatBytes(chunks, writeChunks([{ csid: 2, typeId: 5, timestamp: 0, body: Uint8Array.from([0, 0x26, 0x25, 0xa0]) }]));
  const pcap2 = conversationPcap([{ from: 'c', data: two }], { noHandshake: true, client: { ip: '10.0.0.1', port: 50000 }, server: { ip: '10.0.0.2', port: 6000 } });
  assert.equal(sessions(analyze([pcap2])).length, 0);
  assert.equal(sessions(analyze([pcap2], { rtmpPorts: [6000] }))[0]?.detectedBy, 'port');
});

test('analyzer: lost segments show as gaps with their size', () => {
  const pcap = conversationPcap(rtmpTurns, { mss: 500, drop: [1] });
  const recs = analyze([pcap]);
  const s = sessions(recs)[0]!;
  assert.deepEqual(s.gaps.c2s, { count: 1, bytes: 500 });
  assert.ok(recs.some((r) => r.type === 'diagnostic' && r.code === 'tcp.gap' && r.session === 1 && r.dir === 'c2s'));
});

test('bytes lost inside C1: the handshake part says so, and neither its digest nor the S2 echo is judged', async () => {
  const { Rtmp } = await import('../analysis/script.js');
  // 500-byte segments: the second one (C1 bytes 499..998) is not in the capture.
  const r = new Rtmp({ mss: 500, drop: [1] }).publishPreamble().analyse();
  const parts = r.records.filter((x) => x.type === 'handshake');
  const c1 = parts.find((x) => x.type === 'handshake' && x.part === 'C1') as Record<string, unknown> | undefined;
  const s2 = parts.find((x) => x.type === 'handshake' && x.part === 'S2') as Record<string, unknown> | undefined;
  assert.equal(c1?.['lost'], 500);
  assert.equal(c1?.['digestValid'], null);
  assert.equal(s2?.['echoes'], null);
  assert.ok(r.codes.has('tcp.gap'));
  for (const code of ['rtmp.handshake.s2-invalid', 'rtmp.handshake.digest-unverified', 'rtmp.handshake.c2-invalid']) assert.ok(!r.codes.has(code), code);
  // The rest of the session decodes.
  assert.ok(r.records.some((x) => x.type === 'message' && x.name === 'publish'));
});
