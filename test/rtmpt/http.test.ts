import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpParser, MAX_HEAD, type HttpEvent } from '../../src/rtmpt/http.js';
import { concatBytes } from '../builders/chunk-writer.js';
import { ascii, reply, request } from '../builders/rtmpt.js';
import { everySplit } from '../builders/splits.js';

/** Events normalised across splits: heads, each message's body bytes joined, ends, errors. */
function run(kind: 'request' | 'response', pieces: readonly Uint8Array[], finish = true): unknown[] {
  const p = new HttpParser(kind);
  const out: unknown[] = [];
  let body: number[] | null = null;
  const take = (evs: readonly HttpEvent[]) => {
    for (const e of evs) {
      if (e.kind === 'head') {
        out.push({ head: { ...e.head, headers: [...e.head.headers] } });
        body = [];
      } else if (e.kind === 'body') body?.push(...e.data);
      else if (e.kind === 'gap') out.push({ gap: e.length });
      else if (e.kind === 'end') {
        out.push({ body: body ?? [] });
        body = null;
      } else out.push({ error: true });
    }
  };
  for (const b of pieces) take(p.push(b));
  if (finish) take(p.finish());
  return out;
}

const body = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

const PIPELINED = concatBytes(
  request('/open/1', Uint8Array.of(0)),
  request('/send/abc/0', body(300, 1)),
  request('/send/abc/1', body(250, 2), { chunked: true }),
  ascii('\r\n'), // a stray empty line between messages is tolerated
  request('/idle/abc/2', Uint8Array.of(0)),
);

test('pipelined requests (Content-Length, chunked) parse the same split at every offset', () => {
  const want = run('request', [PIPELINED]);
  assert.equal(want.filter((e) => (e as { body?: unknown }).body !== undefined).length, 4);
  assert.deepEqual((want[5] as { body: number[] }).body, [...body(250, 2)]);
  for (const pieces of everySplit(PIPELINED)) assert.deepEqual(run('request', pieces), want);
  // and one byte at a time
  assert.deepEqual(
    run(
      'request',
      [...PIPELINED].map((b) => Uint8Array.of(b)),
    ),
    want,
  );
});

test('responses: Content-Length, chunked, bodyless statuses, and a body read to the close', () => {
  const chunked = ascii('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nTrailer: 1\r\n\r\n');
  const input = concatBytes(reply(Uint8Array.of(1, 2, 3)), ascii('HTTP/1.1 204 No Content\r\n\r\n'), chunked, ascii('HTTP/1.0 200 OK\r\n\r\nto the end'));
  const want = run('response', [input]);
  for (const pieces of everySplit(input)) assert.deepEqual(run('response', pieces), want);
  const bodies = want.filter((e) => (e as { body?: unknown }).body !== undefined).map((e) => String.fromCharCode(...(e as { body: number[] }).body));
  assert.deepEqual(bodies, ['\x01\x02\x03', '', 'abcde', 'to the end']);
});

test('a gap inside a body of known length is passed on; elsewhere it ends parsing', () => {
  const p = new HttpParser('request');
  p.push(ascii('POST /send/a/0 HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc'));
  assert.deepEqual(p.gap(4), [{ kind: 'gap', length: 4 }]);
  const tail = p.push(ascii('xyzPOST'));
  assert.deepEqual(
    tail.map((e) => e.kind),
    ['body', 'end'],
  );
  assert.equal(p.gap(5)[0]?.kind, 'error');
  assert.ok(p.dead);
});

test('malformed input ends parsing with one error, bounded', () => {
  for (const bad of ['GET / HTTP/2\r\n\r\n', 'POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n', 'POST / HTTP/1.1\r\nno colon\r\n\r\n']) {
    const evs = run('request', [ascii(bad)]);
    assert.deepEqual(evs, [{ error: true }], bad);
  }
  assert.deepEqual(run('response', [ascii('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')]).at(-1), { error: true });
  const p = new HttpParser('request');
  const evs = p.push(new Uint8Array(MAX_HEAD + 10).fill(0x41));
  assert.deepEqual(
    evs.map((e) => e.kind),
    ['error'],
  );
  assert.equal(p.held, 0);
});

test('property: arbitrary bytes in arbitrary pieces never throw and hold at most MAX_HEAD', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.constantFrom<'request' | 'response'>('request', 'response'), (pieces, kind) => {
      const p = new HttpParser(kind);
      for (const b of pieces) {
        p.push(b);
        assert.ok(p.held <= MAX_HEAD);
      }
      p.gap(3);
      p.finish();
    }),
    { numRuns: 500 },
  );
  // and mutations of a valid stream split anywhere give the same events as whole
  fc.assert(
    fc.property(fc.integer({ min: 0, max: PIPELINED.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: PIPELINED.length }), (at, v, cut) => {
      const m = PIPELINED.slice();
      m[at] = v;
      assert.deepEqual(run('request', [m.subarray(0, cut), m.subarray(cut)]), run('request', [m]));
    }),
    { numRuns: 300 },
  );
});
