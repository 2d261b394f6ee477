import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pipeline } from '../analysis/script.js';
import { concatBytes } from '../builders/chunk-writer.js';
import { conversationFrames, type Turn } from '../builders/conversation.js';
import { ascii, connFrames, pcapOf, reply, request, rtmpBytes, tunnelReply, tunnelTurns } from '../builders/rtmpt.js';
import type { OutputRecord, SessionRecord } from '../../src/records/index.js';

type Rec = Record<string, unknown>;

/** Message records without what depends on the carrier (addresses, frames, times). */
function messages(recs: readonly OutputRecord[], session?: number): Rec[] {
  return (
    recs
      .filter((r) => r.type === 'message' && (session === undefined || r.session === session))
      .map((r) => {
        const { client: _c, server: _s, frame: _f, firstFrame: _ff, time: _t, session: _n, chunks, ...rest } = r as unknown as Rec & { chunks: { list: unknown[] } };
        return { ...rest, chunks: { ...chunks, list: chunks.list.map((c) => (c as number[]).slice(0, 4)) } } as Rec;
      })
      // per direction in stream order (how the two directions interleave depends on the carrier)
      .sort((a, b) => String(a['dir']).localeCompare(String(b['dir'])) || (a['offset'] as number) - (b['offset'] as number))
  );
}

const sessions = (recs: readonly OutputRecord[]) => recs.filter((r): r is SessionRecord => r.type === 'session');
const codes = (recs: readonly OutputRecord[]) => recs.filter((r) => r.type === 'diagnostic').map((r) => (r as { code: string }).code);

/** The same RTMP bytes as a plain TCP conversation. */
function plain(): OutputRecord[] {
  const r = rtmpBytes();
  const turns: Turn[] = [];
  r.c2s.forEach((b, i) => {
    turns.push({ from: 'c', data: b });
    if (r.s2c[i]!.length > 0) turns.push({ from: 's', data: r.s2c[i]! });
  });
  return pipeline(pcapOf(conversationFrames(turns, { server: { ip: '10.0.0.2', port: 1935 } })));
}

test('a tunnel on one connection decodes to the same messages as plain RTMP, with transport rtmpt and the HTTP facts', () => {
  const recs = pipeline(pcapOf(connFrames(tunnelTurns('s1'), 50000)));
  const want = messages(plain());
  assert.equal(want.length, 4);
  assert.deepEqual(messages(recs), want);
  const [s] = sessions(recs);
  assert.equal(s?.transport, 'rtmpt');
  assert.equal(s?.server, '10.0.0.2:8080');
  assert.equal(s?.detectedBy, 'handshake');
  assert.deepEqual(s?.rtmpt?.requests, { open: 1, ident: 0, send: 4, idle: 0, close: 1 });
  assert.deepEqual(s?.rtmpt?.pollHint, { first: 1, last: 0, min: 0, max: 1 });
  assert.equal(s?.rtmpt?.sessionId, 's1');
  assert.equal(s?.rtmpt?.emptyReplies, 1);
  assert.equal(s?.end, 'fin');
  assert.equal(
    s?.bytes.c2s,
    rtmpBytes().c2s.reduce((n, b) => n + b.length, 0),
  );
  assert.deepEqual(
    codes(recs).filter((c) => c.startsWith('rtmpt.')),
    [],
  );
  assert.equal(recs.find((r) => r.type === 'capture')?.type === 'capture' && (recs.find((r) => r.type === 'capture') as { rtmpSessions: number }).rtmpSessions, 1);
});

test('chunked request bodies and /fcs/ident2 decode the same', () => {
  const turns: Turn[] = [{ from: 'c', data: request('/fcs/ident2', Uint8Array.of(0)) }, { from: 's', data: reply(new Uint8Array(0), 404) }, ...tunnelTurns('s2', rtmpBytes(), 0, { chunked: true })];
  const recs = pipeline(pcapOf(connFrames(turns, 50000)));
  assert.deepEqual(messages(recs), messages(plain()));
  assert.equal(sessions(recs)[0]?.rtmpt?.requests.ident, 1);
  assert.deepEqual(
    codes(recs).filter((c) => c.startsWith('rtmpt.')),
    [],
  );
});

test('pipelined requests on one connection, all replies after them', () => {
  const r = rtmpBytes();
  const reqs = r.c2s.map((b, i) => request(`/send/p/${i}`, b));
  const reps = r.s2c.map((b) => tunnelReply(1, b));
  const turns: Turn[] = [
    { from: 'c', data: request('/open/1', Uint8Array.of(0)) },
    { from: 's', data: reply(ascii('p\n')) },
    { from: 'c', data: concatBytes(...reqs) },
    { from: 's', data: concatBytes(...reps) },
  ];
  const recs = pipeline(pcapOf(connFrames(turns, 50000)));
  assert.deepEqual(messages(recs), messages(plain()));
});

test('one tunnel session across connections, with sequence numbers out of capture order', () => {
  const r = rtmpBytes();
  const first = rtmpBytes();
  first.c2s = r.c2s.slice(0, 2);
  first.s2c = r.s2c.slice(0, 2);
  const second = rtmpBytes();
  second.c2s = r.c2s.slice(2);
  second.s2c = r.s2c.slice(2);
  const a = connFrames(tunnelTurns('x9', first, 0, { close: false }), 50000);
  const b = connFrames(tunnelTurns('x9', second, 2, { open: false }), 50001);
  // In order: connection A, then B.
  const inOrder = pipeline(pcapOf([...a, ...b]));
  assert.deepEqual(messages(inOrder), messages(plain()));
  const [s] = sessions(inOrder);
  assert.deepEqual(s?.rtmpt?.connections, [0, 1]);
  assert.equal(sessions(inOrder).length, 1);
  // B's requests (#2, #3) captured before A's #1: held until #1 arrives.
  const aOpenAnd0 = a.slice(0, 3 + 4 + 4); // SYN x3, open req/ack/reply/ack, send #0 req/ack/reply/ack (one segment each)
  const aRest = a.slice(aOpenAnd0.length);
  const swapped = pipeline(pcapOf([...aOpenAnd0, ...b, ...aRest]));
  assert.deepEqual(messages(swapped), messages(plain()));
  assert.deepEqual(
    codes(swapped).filter((c) => c.startsWith('rtmpt.')),
    [],
  );
});

test('a request body never captured: rtmpt.sequence-missing, and decoding goes on', () => {
  const r = rtmpBytes();
  const turns = tunnelTurns('m', r);
  // the exchange (request and reply) numbered 2 is not in the capture
  const i = turns.findIndex((t) => t.from === 'c' && String.fromCharCode(...t.data.subarray(0, 20)).startsWith('POST /send/m/2 '));
  turns.splice(i, 2);
  const recs = pipeline(pcapOf(connFrames(turns, 50000)));
  assert.ok(codes(recs).includes('rtmpt.sequence-missing'));
  const [s] = sessions(recs);
  assert.equal(s?.gaps.c2s.count, 1);
  assert.equal(s?.gaps.s2c.count, 1);
  // connect (#2) is lost; createStream (#3) after the hole is found again
  assert.deepEqual(
    messages(recs)
      .filter((m) => m['dir'] === 'c2s')
      .map((m) => m['name']),
    ['createStream'],
  );
});

test('a 404 reply: rtmpt.reply-error', () => {
  const turns: Turn[] = [...tunnelTurns('e', rtmpBytes(), 0, { close: false }), { from: 'c', data: request('/idle/e/4', Uint8Array.of(0)) }, { from: 's', data: reply(new Uint8Array(0), 404) }];
  const recs = pipeline(pcapOf(connFrames(turns, 50000)));
  assert.ok(codes(recs).includes('rtmpt.reply-error'));
  assert.equal(sessions(recs)[0]?.rtmpt?.errorReplies, 1);
  assert.deepEqual(messages(recs), messages(plain()));
});

test('ordinary HTTP is not RTMPT: an FLV served over HTTP, a JSON POST to /send/…, a GET', () => {
  const flvBody = concatBytes(ascii('FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00'), rtmpBytes().c2s[2]!);
  const cases: Turn[][] = [
    [
      { from: 'c', data: ascii('GET /live/stream.flv HTTP/1.1\r\nHost: x\r\n\r\n') },
      { from: 's', data: reply(flvBody, 200, 'video/x-flv') },
    ],
    [
      { from: 'c', data: request('/send/1/2', ascii('{"a":1}'), { contentType: 'application/json' }) },
      { from: 's', data: reply(ascii('{}'), 200, 'application/json') },
    ],
    [
      { from: 'c', data: request('/open/1', Uint8Array.of(0), { contentType: 'text/plain' }) },
      { from: 's', data: reply(ascii('1\n'), 200, 'text/plain') },
    ],
  ];
  for (const turns of cases) {
    const recs = pipeline(pcapOf(connFrames(turns, 50000)));
    assert.deepEqual(sessions(recs), []);
    assert.deepEqual(codes(recs), []);
  }
});

test('HTTP framing lost on a tunnel connection: rtmpt.http.unframed', () => {
  const turns: Turn[] = [...tunnelTurns('u', rtmpBytes(), 0, { close: false }), { from: 'c', data: ascii('POST /send/u/4 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n') }];
  const recs = pipeline(pcapOf(connFrames(turns, 50000)));
  assert.ok(codes(recs).includes('rtmpt.http.unframed'));
  assert.deepEqual(messages(recs), messages(plain()));
});

test('property: mutated and truncated tunnel captures never throw', () => {
  const base = connFrames(tunnelTurns('f'), 50000);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), (muts, cut) => {
      const frames = base.map((f) => f.slice());
      for (const [fi, bi, v] of muts) {
        const f = frames[fi % frames.length]!;
        // leave the link/IP/TCP headers (54 bytes) alone: mutate payloads
        if (f.length > 54) f[54 + (bi % (f.length - 54))] = v;
      }
      pipeline(pcapOf(frames.slice(0, frames.length - (cut % 5))));
    }),
    { numRuns: 200 },
  );
});
