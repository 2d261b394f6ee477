/**
 * --max-connections live as in the file: reading a pcap back follows at most that many TCP
 * connections at once and evicts beyond it (`tcp.connection-cap`); the live proxy refuses
 * connections beyond it instead (`proxy.connection-limit`), so its --pcap never holds more open
 * at once and reading it back with the same cap gives the live records (the refusal aside: a
 * refused connection is not in the pcap).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { runClient, sleep, waitFor, type ClientSession } from './fake-rtmp.js';
import { analyzePcap, byType, plain, validateLine, withProxy } from './harness.js';
import { parseProxyArgs } from '../../src/cli/proxy.js';

const codes = (recs: readonly Record<string, unknown>[]) => byType(recs, 'diagnostic').map((d) => d['code']);

/** `open` sessions held open at once through the proxy, then `extra` connections tried, then all closed. */
async function concurrent(port: number, open: number, extra: number, seed: number): Promise<void> {
  const held: ClientSession[] = [];
  for (let i = 0; i < open; i++) {
    const c = runClient(port, { seed: seed + i, media: 2, finish: 'none', stayOpenOnServerEnd: true });
    await c.done;
    held.push(c);
  }
  for (let i = 0; i < extra; i++) {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    await once(s, 'close');
  }
  for (const c of held) c.socket.end();
  await Promise.all(held.map((c) => c.closed));
}

test('max-connections: beyond it the live proxy refuses (proxy.connection-limit); its pcap read back with the same cap evicts nothing and gives the live records', async () => {
  await withProxy({}, { maxConnections: 2 }, async (proxy) => {
    await concurrent(proxy.port, 2, 1, 9100);
    await waitFor(() => proxy.handle.stats().active === 0, 5000, 'released');
    // A place freed up: served again.
    const later = runClient(proxy.port, { seed: 9110, media: 1 });
    await later.done;
    await later.closed;
    await sleep(20);
    await proxy.close();
    const lines = proxy.lines();
    for (const l of lines) assert.equal(validateLine(l), null);
    assert.deepEqual(
      codes(lines).filter((c) => String(c).startsWith('proxy.')),
      ['proxy.connection-limit'],
    );
    const capture = byType(lines, 'capture')[0]!;
    assert.equal(capture['refusedConnections'], 1);
    assert.equal(capture['tcpConnections'], 3);
    assert.equal(byType(lines, 'session').length, 3);

    const back = plain(analyzePcap(proxy.pcap.bytes(), { maxConnections: 2 })) as Record<string, unknown>[];
    assert.ok(!codes(back).includes('tcp.connection-cap'), 'the reader evicts nothing');
    const { refusedConnections: _r, ...liveCapture } = capture;
    const live = lines.filter((l) => l['code'] !== 'proxy.connection-limit').map((l) => (l['type'] === 'capture' ? liveCapture : l));
    assert.deepEqual(back, live);
  });
});

test('max-connections: the reader evicts beyond its cap, which is what the live cap avoids (three open at once read back with a cap of two)', async () => {
  await withProxy({}, { maxConnections: 3 }, async (proxy) => {
    await concurrent(proxy.port, 3, 0, 9200);
    await sleep(20);
    await proxy.close();
    assert.ok(!codes(proxy.lines()).includes('proxy.connection-limit'));
    const back = plain(analyzePcap(proxy.pcap.bytes(), { maxConnections: 2 })) as Record<string, unknown>[];
    assert.ok(codes(back).includes('tcp.connection-cap'));
    // The first eviction, then more: packets of an evicted connection open it again mid-stream.
    assert.ok(Number(byType(back, 'capture')[0]!['evictedConnections']) >= 1);
  });
});

test('max-connections: the command line takes --max-connections (1..10000000) and leaves the default (4096) to the proxy', () => {
  assert.equal(parseProxyArgs(['--upstream', '127.0.0.1:1935', '--max-connections', '7']).maxConnections, 7);
  assert.equal(parseProxyArgs(['--upstream', '127.0.0.1:1935']).maxConnections, undefined);
  for (const bad of ['0', 'x', '10000001']) assert.throws(() => parseProxyArgs(['--upstream', '127.0.0.1:1935', '--max-connections', bad]), /--max-connections/);
});
