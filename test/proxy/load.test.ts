/**
 * The proxy under load: 100 concurrent sessions with distinct payloads (all byte-identical on the
 * far side, all decoded as separate sessions, the pcap decoding to the very same records, session
 * numbers included), and
 * backpressure from a server that does not read (the proxy's buffers stay bounded, the client's
 * writes return false, and once the server reads, every byte still arrives intact).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { concatBytes, handshakeBytes, writeChunks } from '../builders/chunk-writer.js';
import { concatRec, mediaMessages, runClient, sleep, startFakeServer, waitFor } from './fake-rtmp.js';
import { analyzePcap, byType, damage, plain, startProxy } from './harness.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('load: 100 concurrent sessions, each byte-identical and decoded separately', { timeout: 90_000 }, async () => {
  const N = 100;
  const server = await startFakeServer();
  // Correctness, not the time budget: on a loaded machine decoding may take most of the time, and
  // the budget would rightly stop decoding a session (tested in hostile.test.ts).
  const proxy = await startProxy(server.port, { maxAnalysisShare: Infinity });
  try {
    const clients = Array.from({ length: N }, (_, i) => runClient(proxy.port, { seed: 1000 + i, media: 6, mediaSize: 4000 + i * 13 }));
    await Promise.all(clients.map((c) => c.done));
    await Promise.all(clients.map((c) => c.closed));
    await waitFor(() => server.conns.length === N, 5000, 'all server connections');
    await Promise.all(server.conns.map((c) => c.closed));
    const bySent = new Map(clients.map((c) => [sha(concatRec(c.sent)), c]));
    assert.equal(bySent.size, N, 'distinct payloads');
    for (const sc of server.conns) {
      const c = bySent.get(sha(concatRec(sc.received)));
      assert.ok(c !== undefined, 'server received exactly one client’s bytes');
      assert.ok(concatRec(sc.sent).equals(concatRec(c.received)));
      bySent.delete(sha(concatRec(sc.received)));
    }
    assert.equal(bySent.size, 0);
    await proxy.close();
    const lines = proxy.lines();
    const sessions = byType(lines, 'session');
    assert.equal(sessions.length, N);
    assert.deepEqual(
      sessions.map((s) => s['session']).sort((a, b) => (a as number) - (b as number)),
      Array.from({ length: N }, (_, i) => i + 1),
    );
    // Each session holds exactly its own client's publish and media.
    for (const s of sessions) {
      const msgs = byType(lines, 'message').filter((m) => m['session'] === s['session']);
      const publish = msgs.filter((m) => m['name'] === 'publish');
      assert.equal(publish.length, 1);
      const seed = Number(String((publish[0]!['args'] as unknown[])[1]).replace('stream', ''));
      const meta = msgs.find((m) => m['name'] === '@setDataFrame')!;
      assert.ok(JSON.stringify(meta['args']).includes(`"seed":${seed}`), 'metadata of the same client');
      assert.equal(msgs.filter((m) => m['dir'] === 'c2s' && (m['typeId'] === 8 || m['typeId'] === 9)).length, 8);
      assert.equal(s['end'], 'fin');
    }
    assert.deepEqual(damage(lines), []);
    // Live and from the pcap: the same records, session numbers and the capture record included.
    assert.deepEqual(plain(analyzePcap(proxy.pcap.bytes())), lines);
  } finally {
    await proxy.close();
    await server.close();
  }
});

test('load: backpressure from a server that does not read: bounded proxy buffers, client writes return false, then all bytes arrive', { timeout: 90_000 }, async () => {
  const server = await startFakeServer({ noRead: true });
  const proxy = await startProxy(server.port);
  try {
    const sconnP = server.nextConn();
    const client = net.connect({ host: '127.0.0.1', port: proxy.port });
    await once(client, 'connect');
    const hs = handshakeBytes(7);
    const media = writeChunks(mediaMessages(7, 8, 60000), { chunkSize: 128 });
    const block = concatBytes(hs.subarray(0, 1537), hs.subarray(1537), media);
    const sent: Buffer[] = [];
    let total = 0;
    let maxBuffered = 0;
    const sample = setInterval(() => (maxBuffered = Math.max(maxBuffered, proxy.handle.stats().buffered)), 2);
    // Write until the proxy holds the client back (a direction paused) and the client's writes then
    // stay blocked: no 'drain' for 200 ms. Conditions, not a time alone: on a loaded machine the
    // proxy may take long between reads without holding anything back, and while it holds back the
    // kernel's socket buffers may still take a burst (loopback buffers grow), so write again then.
    const held = () => proxy.handle.stats().paused >= 1 && client.writableLength > 0;
    let drained = false;
    client.on('drain', () => (drained = true));
    const deadline = Date.now() + 30000;
    let blocked = false;
    while (!blocked && Date.now() < deadline) {
      let i = 0;
      while (true) {
        const piece = Buffer.from(block.subarray(i, i + 65536));
        if (piece.length === 0) break;
        sent.push(piece);
        total += piece.length;
        i += piece.length;
        if (!client.write(piece)) break;
      }
      drained = false;
      while (client.writableLength > 0 && !drained && !held() && Date.now() < deadline) await sleep(5);
      if (!held()) continue;
      drained = false;
      await sleep(200);
      blocked = !drained && held();
    }
    assert.ok(held(), 'the proxy paused reading the client while the client’s writes were blocked');
    assert.ok(blocked, 'the client write side stayed blocked (write() returned false, no drain)');
    clearInterval(sample);
    const st = proxy.handle.stats();
    assert.ok(st.paused >= 1, 'the proxy paused the reading side');
    assert.ok(maxBuffered < 1 << 20, `proxy user-space buffers stayed bounded (max ${maxBuffered} bytes)`);
    assert.ok(st.forwarded.c2s < total, 'not everything was forwarded while the server did not read');
    // Now the server reads: everything arrives, byte for byte.
    const sc = await sconnP;
    const got: Buffer[] = [];
    sc.socket.on('data', (b: Buffer) => got.push(b));
    sc.socket.on('end', () => sc.socket.end());
    sc.socket.resume();
    client.end();
    await once(client, 'close');
    await sc.closed;
    assert.ok(Buffer.concat(got).equals(Buffer.concat(sent)), `all ${total} bytes arrived intact`);
    await proxy.close();
    const s = byType(proxy.lines(), 'session')[0]!;
    assert.equal((s['bytes'] as { c2s: number }).c2s, total);
    process.stderr.write(`# backpressure: client wrote ${total} bytes before blocking; proxy buffered at most ${maxBuffered} bytes\n`);
  } finally {
    await proxy.close();
    await server.close();
  }
});
