/**
 * The proxy's bounds from issue #13. --memory-budget: the decoders of all sessions share one
 * budget; when it is full, the session holding the most stops being decoded (proxy.memory-budget)
 * while its bytes keep flowing untouched, and a session that came before it is decoded in full.
 * --handshake-timeout: a client trickling its handshake is closed (proxy.handshake-timeout).
 * And the proxy row at full size, in a child process with the default budgets: 300
 * clients at once, each opening 2,400 messages that claim 16 MiB (13.8 MB sent in all; 3.57 GB
 * before the budgets) — peak RSS at most 384 MiB, every byte forwarded, every session recorded.
 */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { handshakeBytes } from '../builders/chunk-writer.js';
import { openMessagesBody } from '../builders/hostile.js';
import { sleep } from './fake-rtmp.js';
import { assertForwarded, byType, rawClient, runSession, sessionOf, withProxy } from './harness.js';

test('memory budget: a client opening 20,000 huge messages fills --memory-budget: its decoding stops, forwarding goes on; another session is decoded', async () => {
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

test('handshake timeout: a client sending its handshake one byte every 50 ms is closed after --handshake-timeout; a normal session is not', async () => {
  await withProxy({}, { handshakeTimeoutMs: 600 }, async (proxy, server) => {
    const { c, sc } = await runSession(proxy, server, { seed: 9310, media: 2 });
    assertForwarded(c, sc);
    const slow = rawClient(proxy.port);
    await slow.connected;
    const hs = handshakeBytes(0x931);
    const t0 = Date.now();
    let closed = false;
    void slow.closed.then(() => (closed = true));
    for (let n = 0; !closed && Date.now() - t0 < 5000; n++) {
      slow.send(hs.subarray(n, n + 1));
      await sleep(50);
    }
    const took = Date.now() - t0;
    assert.ok(closed && took >= 550 && took < 4000, `closed after ${took} ms`);
    await proxy.close();
    const lines = proxy.lines();
    const s = sessionOf(lines, slow.endpoint);
    assert.ok(s.lines.some((l) => l['code'] === 'proxy.handshake-timeout'));
    assert.ok(!lines.some((l) => l['code'] === 'proxy.handshake-timeout' && l['client'] !== slow.endpoint), 'only the slow client');
  });
});

test("issue #13's proxy row at full size: 300 clients × 2,400 open 16 MiB messages through the proxy, peak RSS ≤ 384 MiB", () => {
  const child = join(dirname(fileURLToPath(import.meta.url)), 'rss-child.js');
  const r = spawnSync(process.execPath, [child, '300', '2400'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout.trim()) as { maxRssKiB: number; sent: number; forwarded: number; records: number; sessions: number };
  process.stderr.write(`# proxy row: peak RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB for ${m.sent} bytes from 300 clients; ${m.records} records\n`);
  assert.ok(m.maxRssKiB <= 384 * 1024, `peak RSS ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
  assert.ok(m.sent > 11_000_000, `${m.sent} bytes sent`);
  assert.equal(m.forwarded, m.sent, 'every byte forwarded');
  assert.equal(m.sessions, 300, 'every session decoded and recorded');
});
