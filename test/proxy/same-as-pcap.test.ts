/**
 * The live records are those of the proxy's own `--pcap` read back (issue #13): the proxy feeds
 * its synthesised connections through the session pipeline `export` runs after TCP reassembly,
 * so both decide what a connection carries, number the sessions and decode them with one code.
 * Checked where they used to differ: sessions numbered in order of recognition (not of
 * acceptance) when connections speak in another order than they arrived, and connections that
 * are no RTMP session — a corrupt C0, a client that sends nothing — which are no session live
 * either (their proxy diagnostics are capture-level, naming the client).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handshakeBytes } from '../builders/chunk-writer.js';
import { runClient, sleep } from './fake-rtmp.js';
import { analyzePcap, byType, plain, rawClient, validateLine, withProxy } from './harness.js';

test('same as the pcap: sessions numbered in order of recognition; a corrupt C0 and a silent client are no session, live as from the file', async () => {
  await withProxy({}, {}, async (proxy) => {
    // Accepted first, speaks last.
    const late = rawClient(proxy.port);
    await late.connected;
    // A corrupt C0 (0x42) followed by what would have been C1: not RTMP.
    const corrupt = rawClient(proxy.port);
    await corrupt.connected;
    // Connects and sends nothing.
    const silent = rawClient(proxy.port);
    await silent.connected;
    await sleep(50);
    const c1 = runClient(proxy.port, { seed: 7001, media: 3 });
    await c1.done;
    const p1 = c1.socket.localPort;
    await c1.closed;
    corrupt.send(new Uint8Array(1537).fill(0x42));
    await sleep(50);
    const c2 = runClient(proxy.port, { seed: 7002, media: 2 });
    await c2.done;
    const p2 = c2.socket.localPort;
    await c2.closed;
    late.send(handshakeBytes(0x7003).subarray(0, 1537));
    await sleep(100);
    for (const c of [late, corrupt, silent]) c.socket.end();
    await Promise.all([late.closed, corrupt.closed, silent.closed]);
    await proxy.close();
    const lines = proxy.lines();
    for (const l of lines) assert.equal(validateLine(l), null);
    // The very same records, session numbers, frames and capture record included.
    assert.deepEqual(plain(analyzePcap(proxy.pcap.bytes())), lines);
    const sessions = byType(lines, 'session');
    // In order of the first C0 seen: c1, c2, then the client accepted first.
    assert.deepEqual(
      sessions.map((s) => [s['session'], s['client']]).sort((a, b) => (a[0] as number) - (b[0] as number)),
      [
        [1, `127.0.0.1:${p1}`],
        [2, `127.0.0.1:${p2}`],
        [3, late.endpoint],
      ],
    );
    assert.ok(!sessions.some((s) => s['client'] === corrupt.endpoint || s['client'] === silent.endpoint), 'a corrupt C0 and a silent client are no session');
    const capture = byType(lines, 'capture')[0]!;
    assert.equal(capture['tcpConnections'], 5);
    assert.equal(capture['rtmpSessions'], 3);
  });
});
