/**
 * The proxy end to end on loopback: a fake RTMP client and server on either side. The bytes each
 * peer receives are exactly what the other sent; the NDJSON holds the session's handshake,
 * commands and media; every line fits the schema; and the pcap the proxy wrote, read back by the
 * repo's own capture decoder and analyzer, gives the very same records as the live decode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatRec, runClient, startFakeServer } from './fake-rtmp.js';
import { analyzePcap, byType, damage, plain, startProxy, validateLine } from './harness.js';

test('proxy: publish session forwarded byte for byte, decoded, and the pcap reads back identically', async () => {
  const server = await startFakeServer();
  const proxy = await startProxy(server.port);
  try {
    const sconn = server.nextConn();
    const client = runClient(proxy.port, { seed: 1, media: 20, mediaSize: 9000 });
    await client.done;
    const clientPort = client.socket.localPort;
    const end = await client.closed;
    const sc = await sconn;
    await sc.closed;
    assert.equal(end.ended, true, 'the client saw the server FIN');
    assert.equal(end.error, null);
    assert.ok(concatRec(client.sent).equals(concatRec(sc.received)), 'server received exactly what the client sent');
    assert.ok(concatRec(sc.sent).equals(concatRec(client.received)), 'client received exactly what the server sent');
    assert.deepEqual(sc.messages.filter((m) => !m.startsWith('type')).slice(0, 4), ['connect', 'createStream', 'publish', '@setDataFrame']);

    await proxy.close();
    const lines = proxy.lines();
    for (const l of lines) assert.equal(validateLine(l), null, JSON.stringify(l).slice(0, 200));
    const msgs = byType(lines, 'message');
    const names = msgs.map((m) => m['name']).filter((n) => n !== undefined);
    for (const n of ['connect', 'createStream', 'publish', '@setDataFrame', '_result', 'onStatus', 'deleteStream']) assert.ok(names.includes(n), `NDJSON has ${n}`);
    const media = msgs.filter((m) => m['dir'] === 'c2s' && (m['typeId'] === 8 || m['typeId'] === 9));
    assert.equal(media.length, 22, '20 frames + 2 sequence headers');
    assert.equal(byType(lines, 'handshake').length, 6);
    const sess = byType(lines, 'session');
    assert.equal(sess.length, 1);
    const s = sess[0]!;
    assert.equal(s['session'], 1);
    assert.equal(s['client'], `127.0.0.1:${clientPort}`);
    assert.equal(s['server'], `127.0.0.1:${server.port}`);
    assert.equal(s['end'], 'fin');
    assert.deepEqual(s['bytes'], { c2s: client.sent.bytes, s2c: client.received.bytes });
    assert.deepEqual(damage(lines), []);
    const cap = byType(lines, 'capture');
    assert.equal(cap.length, 1);
    assert.equal(lines[lines.length - 1]!['type'], 'capture');

    // onRecords saw the same records, in the same order.
    assert.deepEqual(plain(proxy.records), lines);

    // The pcap, decoded as `export` would, gives the very same lines (frames, offsets, times).
    const fromPcap = plain(analyzePcap(proxy.pcap.bytes())) as Record<string, unknown>[];
    assert.deepEqual(fromPcap, lines);
  } finally {
    await proxy.close();
    await server.close();
  }
});

test('proxy: play session (server sends media) decoded in both directions', async () => {
  const server = await startFakeServer({ playMedia: 6 });
  const proxy = await startProxy(server.port);
  try {
    const sconn = server.nextConn();
    const client = runClient(proxy.port, { seed: 2, mode: 'play' });
    await client.done;
    await client.closed;
    const sc = await sconn;
    await sc.closed;
    assert.ok(concatRec(client.sent).equals(concatRec(sc.received)));
    assert.ok(concatRec(sc.sent).equals(concatRec(client.received)));
    await proxy.close();
    const lines = proxy.lines();
    const msgs = byType(lines, 'message');
    assert.ok(msgs.some((m) => m['name'] === 'play' && m['dir'] === 'c2s'));
    assert.ok(msgs.some((m) => m['name'] === 'onStatus' && m['dir'] === 's2c'));
    assert.equal(msgs.filter((m) => m['typeId'] === 9 && m['dir'] === 's2c').length, 7, '6 frames + sequence header');
    assert.deepEqual(plain(analyzePcap(proxy.pcap.bytes())), lines);
  } finally {
    await proxy.close();
    await server.close();
  }
});

test('proxy: raw link type pcap and sequential sessions number 1.. with tcpStream 0..', async () => {
  const server = await startFakeServer();
  const proxy = await startProxy(server.port, { pcapLink: 'raw' });
  try {
    for (let i = 0; i < 3; i++) {
      const c = runClient(proxy.port, { seed: 10 + i, media: 4 });
      await c.done;
      await c.closed;
    }
    await proxy.close();
    const lines = proxy.lines();
    const sess = byType(lines, 'session');
    assert.deepEqual(
      sess.map((s) => [s['session'], s['tcpStream']]),
      [
        [1, 0],
        [2, 1],
        [3, 2],
      ],
    );
    assert.deepEqual(byType(lines, 'capture')[0]!['linkTypes'], [101]);
    assert.deepEqual(plain(analyzePcap(proxy.pcap.bytes())), lines);
  } finally {
    await proxy.close();
    await server.close();
  }
});

const hasTshark = spawnSync('sh', ['-c', 'command -v tshark']).status === 0;

test('proxy: tshark reads the pcap without malformed packets, bad checksums or TCP analysis warnings', { skip: !hasTshark && 'tshark not installed' }, async () => {
  const server = await startFakeServer();
  for (const link of ['ethernet', 'raw'] as const) {
    const proxy = await startProxy(server.port, { pcapLink: link });
    const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-proxy-'));
    try {
      const c = runClient(proxy.port, { seed: 3, media: 30, mediaSize: 70000 });
      await c.done;
      await c.closed;
      await proxy.close();
      const file = join(dir, 'p.pcap');
      writeFileSync(file, proxy.pcap.bytes());
      const run = (args: string[]) => {
        const rtmp = ['-o', 'rtmpt.max_packet_size:16777215', '-d', `tcp.port==${server.port},rtmpt`];
        const r = spawnSync('tshark', ['-n', ...rtmp, '-r', file, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
      };
      const frames = byType(proxy.lines(), 'capture')[0]!['frames'] as number;
      assert.equal(run(['-T', 'fields', '-e', 'frame.number']).split('\n').length, frames);
      assert.equal(run(['-Y', '_ws.malformed || _ws.expert.severity >= "warning"']), '');
      assert.equal(run(['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'tcp.checksum.status != 1 || (ip && ip.checksum.status != 1)']), '');
      assert.equal(run(['-Y', 'tcp.analysis.flags && !tcp.analysis.window_update']), '');
      const info = run(['-Y', 'rtmpt', '-T', 'fields', '-e', '_ws.col.Info']);
      for (const want of ['Handshake C0+C1', "connect('live')", "publish('stream3')", 'Video Data', 'Audio Data']) assert.ok(info.includes(want), want);
      // Payload per direction equals what the client sent.
      const payload = run(['-Y', `tcp.len > 0 && tcp.dstport == ${server.port}`, '-T', 'fields', '-e', 'tcp.payload']);
      assert.equal(Buffer.from(payload.replace(/\s+/g, ''), 'hex').equals(concatRec(c.sent)), true);
    } finally {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  await server.close();
});

test('proxy: IPv6 listener in front of an IPv4 upstream: the upstream IPv4-mapped, live as in the pcap', async () => {
  const server = await startFakeServer();
  const proxy = await startProxy(server.port, { listen: { host: '::1', port: 0 } });
  try {
    assert.equal(proxy.handle.address.family, 'IPv6');
    assert.match(proxy.handle.url, /^rtmp:\/\/\[::1\]:\d+$/);
    const c = runClient(proxy.port, { seed: 4, media: 3, host: '::1' });
    await c.done;
    const clientPort = c.socket.localPort;
    await c.closed;
    await proxy.close();
    const lines = proxy.lines();
    const s = byType(lines, 'session')[0]!;
    assert.equal(s['client'], `[::1]:${clientPort}`);
    // One pcap connection holds one address family: the IPv4 end is written IPv4-mapped, and the
    // live records are those of the pcap read back (the same pipeline decides them).
    assert.equal(s['server'], `[::ffff:127.0.0.1]:${server.port}`);
    assert.deepEqual(plain(analyzePcap(proxy.pcap.bytes())), lines);
  } finally {
    await proxy.close();
    await server.close();
  }
});
