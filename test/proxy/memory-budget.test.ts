/**
 * The proxy's --memory-budget (issue #13): the decoders of all sessions share one budget; when
 * it is full, the session holding the most stops being decoded (proxy.memory-budget) while its
 * bytes keep flowing untouched, and a session that came before it is decoded in full.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handshakeBytes } from '../builders/chunk-writer.js';
import { openMessagesBody } from '../builders/hostile.js';
import { assertForwarded, byType, rawClient, runSession, withProxy } from './harness.js';

test("memory budget: a client opening 20,000 huge messages fills --memory-budget: its decoding stops, forwarding goes on; another session is decoded", async () => {
  await withProxy({}, { memoryBudget: 1024 * 1024 }, async (proxy, server) => {
    const { c, sc } = await runSession(proxy, server, { seed: 9300, media: 4 });
    assertForwarded(c, sc);
    const flood = rawClient(proxy.port);
    await flood.connected;
    const hs = handshakeBytes(0x93);
    flood.send(hs.subarray(0, 1537));
    flood.send(hs.subarray(1537));
    const body = openMessagesBody(3, 20_002, 0xffffff);
    flood.send(body);
    flood.socket.end();
    await flood.closed;
    await proxy.close();
    const lines = proxy.lines();
    const shed = lines.filter((l) => l['type'] === 'diagnostic' && l['code'] === 'proxy.memory-budget');
    assert.equal(shed.length, 1, JSON.stringify(shed));
    assert.equal(shed[0]?.['client'], flood.endpoint);
    const sessions = byType(lines, 'session') as { client: string; bytes: { c2s: number } }[];
    assert.equal(sessions.length, 2);
    assert.equal(sessions.find((s) => s.client === flood.endpoint)?.bytes.c2s, 1537 + 1536 + body.length, 'every byte forwarded and counted');
    const other = sessions.find((s) => s.client !== flood.endpoint) as unknown as { messageCount: { c2s: number } };
    assert.ok(other.messageCount.c2s > 4, 'the first session decoded');
  });
});
