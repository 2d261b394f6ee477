/**
 * The next RTMPT head in a direction's bytes (src/rtmpt/boundary.ts): found at the same place
 * whatever the bytes' split, only when whole and unmistakable, never in random bytes; the end of
 * a cut reply body kept from after the last head end and the polling hint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { concat as cat } from '../builders/bytes.js';
import { awaitingOtherSide, HeadScan, MAX_SCAN_HEAD, RTMPT_WAIT_BYTES, RTMPT_WAIT_BYTES_OFF_PORT, rtmptHead, RtmptSniffer, TailKeeper } from '../../src/rtmpt/boundary.js';
import { ConnectionHold } from '../../src/session/midstream.js';

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const meta = (frame: number) => ({ frame, sec: 0, nsec: 0 });

const REQ = 'POST /send/8fe2/7 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/x-fcs\r\nContent-Length: 5\r\n\r\n';
const REP = 'HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nContent-Length: 3\r\nContent-Type: application/x-fcs\r\n\r\n';

/** Where a scan finds its head (stream offset), pushing `data` in pieces cut at `cuts`. */
function findAt(want: 'request' | 'reply' | 'any', data: Uint8Array, cuts: readonly number[]): { at: number; kind: string } | null {
  const s = new HeadScan(want);
  let pos = 0;
  const bounds = [...cuts.filter((c) => c > 0 && c < data.length).sort((a, b) => a - b), data.length];
  for (const b of bounds) {
    const f = s.push(data.subarray(pos, b));
    if (f !== null) return { at: b - f.rest.length, kind: f.kind };
    pos = b;
  }
  return null;
}

test('boundary: a request head after the end of a body is found at its first byte, at every split', () => {
  const body = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);
  const data = cat(body, enc(REQ), enc('\x03\x00\x00\x00\x00'));
  for (let i = 0; i <= data.length; i++) assert.deepEqual(findAt('request', data, [i]), { at: 300, kind: 'request' }, `split at ${i}`);
  assert.deepEqual(findAt('reply', cat(body, enc(REP)), [17, 301, 320]), { at: 300, kind: 'reply' });
});

test('boundary: an unmistakable head only — RTMPT target, well-formed headers, application/x-fcs', () => {
  assert.equal(rtmptHead(REQ.slice(0, -4), 'request'), 'request');
  assert.equal(rtmptHead(REP.slice(0, -4), 'any'), 'reply');
  assert.equal(rtmptHead(REP.slice(0, -4), 'request'), null);
  assert.equal(rtmptHead(REQ.replace('application/x-fcs', 'text/plain').slice(0, -4), 'request'), null);
  assert.equal(rtmptHead(REQ.replace('/send/8fe2/7', '/upload').slice(0, -4), 'request'), null);
  assert.equal(rtmptHead(REQ.replace('Host: ', 'Host ').slice(0, -4), 'request'), null);
  assert.equal(rtmptHead('GET /send/1/2 HTTP/1.1\r\nContent-Type: application/x-fcs', 'request'), null);
  // A head longer than the scan looks at is passed over; the next one is found.
  const long = `POST /idle/1/2 HTTP/1.1\r\nX: ${'a'.repeat(MAX_SCAN_HEAD)}\r\nContent-Type: application/x-fcs\r\n\r\n`;
  assert.deepEqual(findAt('request', cat(enc(long), enc(REQ)), [100, 3000, 5000]), { at: long.length, kind: 'request' });
});

test('boundary: a head cut by lost bytes is not joined across them; the scan holds at most a head', () => {
  const s = new HeadScan('request');
  assert.equal(s.push(enc(REQ.slice(0, 40))), null);
  assert.ok(s.held <= MAX_SCAN_HEAD);
  s.lost(100);
  assert.equal(s.push(enc(REQ.slice(40))), null);
  assert.ok(s.push(enc(REQ)) !== null);
});

test('boundary: random bytes never hold an RTMPT head (property), and the sniffer stays undecided', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 2000 }), { maxLength: 8 }), (pieces) => {
      const sn = new RtmptSniffer();
      for (const [i, p] of pieces.entries()) if (sn.push(i % 2 === 0 ? 'c2s' : 's2c', p) !== null) return false;
      return true;
    }),
    { numRuns: 200 },
  );
  // A reply seen in the TCP stage's c2s direction means the other side is the client.
  const sn = new RtmptSniffer();
  assert.equal(sn.push('c2s', enc(`\x00\x01${REP}`)), 's2c');
  assert.equal(new RtmptSniffer().push('s2c', enc(REQ)), 's2c');
});

test('boundary: the kept end of a cut reply body starts after the last head end and the hint byte', () => {
  const k = new TailKeeper();
  const head = enc(REP);
  const tailBody = Uint8Array.from({ length: 50 }, (_, i) => 100 + i);
  // The capture began inside a head: its rest, the hint (0x05), then RTMP bytes; then the next head.
  k.keep(cat(head.subarray(30), Uint8Array.of(5), tailBody.subarray(0, 20)), meta(7));
  k.keep(cat(tailBody.subarray(20), head), meta(8));
  const pieces = k.tail(head.length, 1);
  assert.deepEqual(
    pieces.map((p) => p.meta.frame),
    [7, 8],
  );
  assert.deepEqual(cat(...pieces.map((p) => p.data!)), tailBody);
  // The end of a body with no head end in it is all RTMP; a one-byte end (padding) is none.
  const k2 = new TailKeeper();
  k2.keep(cat(tailBody, head), meta(3));
  assert.deepEqual(cat(...k2.tail(head.length, 1).map((p) => p.data!)), tailBody);
  const k3 = new TailKeeper();
  k3.keep(cat(Uint8Array.of(0), head), meta(3));
  assert.deepEqual(k3.tail(head.length, 1), []);
});

test('boundary: a mid-stream decision waits for the other side — long on HTTP ports, briefly elsewhere, never on a port declared RTMP', () => {
  const held = (bytes: number, both = false): ConnectionHold => {
    const h = new ConnectionHold();
    h.data('c2s', 0, new Uint8Array(bytes), meta(1));
    if (both) h.data('s2c', 0, new Uint8Array(1), meta(2));
    return h;
  };
  assert.equal(awaitingOtherSide(held(RTMPT_WAIT_BYTES - 1), 8080), true);
  assert.equal(awaitingOtherSide(held(RTMPT_WAIT_BYTES), 8080), false);
  assert.equal(awaitingOtherSide(held(RTMPT_WAIT_BYTES_OFF_PORT - 1), 9000), true);
  assert.equal(awaitingOtherSide(held(RTMPT_WAIT_BYTES_OFF_PORT), 9000), false);
  assert.equal(awaitingOtherSide(held(100), 1935), false);
  assert.equal(awaitingOtherSide(held(100), 9000, [9000]), false);
  assert.equal(awaitingOtherSide(held(100), 1935, [9000]), true);
  // Both sides have sent: the next head (if any) would have shown.
  assert.equal(awaitingOtherSide(held(100, true), 8080), false);
});
