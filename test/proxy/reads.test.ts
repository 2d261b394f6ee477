/**
 * reads.ts: sockets read into the proxy's own buffers. The buffer sizes adapt to what reads
 * bring, every chunk keeps its bytes whatever is read later, an adopted accepted socket carries
 * its bytes, its end and its pauses as a stream socket does, and the server it came from no
 * longer counts it (so `close()` does not wait for it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { adopt, MAX_READ, MIN_READ, SocketReads } from '../../src/proxy/reads.js';
import { sleep, waitFor } from './fake-rtmp.js';

/** Simulate one read of `bytes` into the buffer the socket would get next. */
function read(r: SocketReads, bytes: Uint8Array): number {
  const buf = r.onread.buffer();
  const n = Math.min(buf.length, bytes.length);
  buf.set(bytes.subarray(0, n));
  r.onread.callback(n, buf);
  return buf.length;
}

test('reads: the read size doubles while reads fill it (up to MAX_READ) and halves while they use under a quarter of it (down to MIN_READ)', () => {
  const r = new SocketReads();
  const got: Buffer[] = [];
  r.deliver((c) => got.push(c));
  const full = new Uint8Array(MAX_READ).fill(1);
  const sizes: number[] = [];
  for (let i = 0; i < 8; i++) sizes.push(read(r, full));
  assert.equal(sizes[0], MIN_READ);
  assert.equal(Math.max(...sizes), MAX_READ);
  assert.ok(
    sizes.every((s, i) => i === 0 || s === Math.min(sizes[i - 1]! * 2, MAX_READ)),
    String(sizes),
  );
  const small: number[] = [];
  for (let i = 0; i < 8; i++) small.push(read(r, new Uint8Array(10)));
  assert.equal(small[0], MAX_READ);
  assert.equal(small[small.length - 1], MIN_READ);
  assert.equal(got.length, 16);
  assert.deepEqual(
    got.map((c) => c.length),
    [...sizes, ...small.map(() => 10)],
  );
});

test('reads: every chunk keeps its bytes, whatever is read after it; chunks read before a consumer is set come first', () => {
  const r = new SocketReads();
  const got: Buffer[] = [];
  const expected: Buffer[] = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 400; i++) {
    if (i === 3) r.deliver((c) => got.push(c));
    // Some reads fill the buffer, some take little of it.
    const len = rnd() % 2 === 0 ? MAX_READ : 1 + (rnd() % 5000);
    const bytes = Buffer.alloc(len, i & 0xff);
    bytes.writeUInt32BE(i, 0);
    const buf = r.onread.buffer();
    const n = Math.min(buf.length, len);
    expected.push(Buffer.from(bytes.subarray(0, n)));
    buf.set(bytes.subarray(0, n));
    r.onread.callback(n, buf);
  }
  assert.equal(got.length, expected.length);
  for (let i = 0; i < got.length; i++) assert.ok(got[i]!.equals(expected[i]!), `chunk ${i} intact`);
});

test('reads: an adopted accepted socket delivers every byte and its end, pauses and resumes, and no longer counts for its server', async () => {
  const reads = new SocketReads();
  let adopted: net.Socket | null = null;
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (s) => {
    adopted = adopt(s, reads, true);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  await once(client, 'connect');
  await waitFor(() => adopted !== null, 5000, 'the adopted socket');
  const s = adopted as unknown as net.Socket;
  assert.equal(s.remotePort, client.localPort);
  const got: Buffer[] = [];
  reads.deliver((c) => got.push(c));
  // Paused until resumed (pauseOnConnect), and again while paused.
  const first = Buffer.alloc(100_000, 1);
  client.write(first);
  await sleep(100);
  assert.equal(got.length, 0, 'nothing read before resume()');
  s.resume();
  await waitFor(() => got.reduce((n, c) => n + c.length, 0) === first.length, 5000, 'the first bytes');
  s.pause();
  const second = Buffer.alloc(3_000_000);
  for (let i = 0; i < second.length; i++) second[i] = (i * 31) & 0xff;
  client.end(second);
  await sleep(100);
  const whilePaused = got.reduce((n, c) => n + c.length, 0);
  assert.ok(whilePaused < first.length + second.length, 'reading stopped while paused');
  const ended = once(s, 'end');
  s.resume();
  await ended;
  assert.ok(Buffer.concat(got).equals(Buffer.concat([first, second])), 'every byte, in order');
  // The server no longer counts the adopted socket: close() completes while it is still open.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(!s.destroyed);
  s.end();
  await once(s, 'close');
  client.destroy();
});

test('reads: adopt leaves a socket without a TCP handle as it is', () => {
  const bare = new net.Socket();
  assert.equal(adopt(bare, new SocketReads(), true), null);
  assert.ok(!bare.destroyed);
});
