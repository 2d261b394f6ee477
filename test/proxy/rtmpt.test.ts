/**
 * The proxy with an rtmpt:// upstream on loopback: a fake RTMPT server (node:http, answering
 * /open, /send, /close from a canned RTMP conversation) and a client that POSTs the tunnel's
 * requests one at a time, reconnecting half way (one tunnel over two connections). The HTTP
 * bytes are forwarded unchanged; the tunnel is decoded live into the same messages as the same
 * RTMP over plain TCP, with transport 'rtmpt'; the --pcap read back gives the same messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { concatBytes } from '../builders/chunk-writer.js';
import { request, rtmpBytes } from '../builders/rtmpt.js';
import { analyzePcap, byType, plain, startProxy, validateLine } from './harness.js';
import { parseUpstream } from '../../src/proxy/options.js';

function fakeServer(tlsFiles?: { cert: Buffer; key: Buffer }): Promise<{ port: number; received: Buffer[]; close: () => Promise<void> }> {
  const r = rtmpBytes();
  const received: Buffer[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const parts = (req.url ?? '').split('/');
      let body: Uint8Array;
      if (parts[1] === 'open') body = Buffer.from('t1\n');
      else if (parts[1] === 'send') {
        received.push(Buffer.concat(chunks));
        body = concatBytes(Uint8Array.of(1), r.s2c[Number(parts[3])] ?? new Uint8Array(0));
      } else body = Uint8Array.of(0);
      res.writeHead(200, { 'Content-Type': 'application/x-fcs', 'Content-Length': body.length });
      res.end(body);
    });
  };
  const server = tlsFiles === undefined ? http.createServer(handler) : https.createServer(tlsFiles, handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        received,
        close: () =>
          new Promise<void>((d) => {
            server.closeAllConnections();
            server.close(() => d());
          }),
      }),
    ),
  );
}

/** POST each request on one keep-alive connection, waiting for each whole reply. */
async function post(port: number, requests: readonly Uint8Array[]): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  let buf = Buffer.alloc(0);
  sock.on('data', (c: Buffer) => (buf = Buffer.concat([buf, c])));
  for (const req of requests) {
    buf = Buffer.alloc(0);
    sock.write(req);
    for (;;) {
      const h = buf.indexOf('\r\n\r\n');
      const m = /content-length: (\d+)/i.exec(buf.subarray(0, Math.max(0, h)).toString('latin1'));
      if (h >= 0 && m !== null && buf.length >= h + 4 + Number(m[1])) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  sock.end();
  await new Promise<void>((r) => sock.once('close', () => r()));
}

test('proxy options: rtmpt:// and rtmpts:// upstreams', () => {
  assert.deepEqual(parseUpstream('rtmpt://example.com/live'), { host: 'example.com', port: 80, tls: false, rtmpt: true });
  assert.deepEqual(parseUpstream('rtmpts://example.com:8443'), { host: 'example.com', port: 8443, tls: true, rtmpt: true });
});

test('proxy: an RTMPT tunnel over two connections is forwarded unchanged and decoded as RTMP', async () => {
  const server = await fakeServer();
  const proxy = await startProxy(server.port, { upstream: { host: '127.0.0.1', port: server.port, tls: false, rtmpt: true } });
  assert.ok(proxy.handle.url.startsWith('rtmpt://'));
  const r = rtmpBytes();
  try {
    await post(proxy.port, [request('/open/1', Uint8Array.of(0)), request('/send/t1/0', r.c2s[0]!), request('/send/t1/1', r.c2s[1]!)]);
    await post(proxy.port, [request('/send/t1/2', r.c2s[2]!), request('/send/t1/3', r.c2s[3]!), request('/close/t1/4', Uint8Array.of(0))]);
    await proxy.close();
  } finally {
    await server.close();
  }
  assert.deepEqual(Buffer.concat(server.received), Buffer.from(concatBytes(...r.c2s)), 'the server got the RTMP bytes unchanged');
  const lines = proxy.lines();
  for (const l of lines) assert.equal(validateLine(l), null, JSON.stringify(l).slice(0, 200));
  const sessions = byType(lines, 'session');
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]!['transport'], 'rtmpt');
  assert.deepEqual((sessions[0]!['rtmpt'] as { connections: number[] }).connections, [0, 1]);
  const names = byType(lines, 'message').map((m) => `${m['dir']} ${m['name']}`);
  assert.deepEqual(names, ['c2s connect', 's2c _result', 'c2s createStream', 's2c _result']);
  // The pcap the proxy wrote decodes to the same messages.
  const fromPcap = (plain(analyzePcap(proxy.pcap.bytes())) as Record<string, unknown>[]).filter((x) => x['type'] === 'message');
  const strip = (m: Record<string, unknown>) => ({ ...m, session: 0 });
  assert.deepEqual(fromPcap.map(strip), byType(lines, 'message').map(strip));
});

test('proxy: rtmpts:// upstream (TLS to the server, plain rtmpt from the client)', { skip: spawnSync('sh', ['-c', 'command -v openssl']).status !== 0 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpscope-rtmpts-'));
  try {
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    const server = await fakeServer({ cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) });
    const proxy = await startProxy(server.port, { upstream: { host: '127.0.0.1', port: server.port, tls: true, rtmpt: true }, insecure: true });
    const r = rtmpBytes();
    try {
      await post(proxy.port, [request('/open/1', Uint8Array.of(0)), ...r.c2s.map((b, i) => request(`/send/t1/${i}`, b)), request('/close/t1/4', Uint8Array.of(0))]);
      await proxy.close();
    } finally {
      await server.close();
    }
    const lines = proxy.lines();
    const sessions = byType(lines, 'session');
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]!['transport'], 'rtmpt');
    assert.deepEqual(
      byType(lines, 'message').map((m) => `${m['dir']} ${m['name']}`),
      ['c2s connect', 's2c _result', 'c2s createStream', 's2c _result'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
