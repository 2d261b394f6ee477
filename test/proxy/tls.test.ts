/**
 * TLS on both sides of the proxy. A self-signed certificate for `localhost` is generated at test
 * time with openssl into a temp dir; an in-process TLS terminator with it stands in front of the
 * fake RTMP server (an rtmps upstream). Checks: `--insecure` and `--ca` both reach it (with SNI),
 * bytes stay identical and decoded; with neither, the handshake fails and is reported as
 * `proxy.upstream.tls-failed` while the client is closed cleanly; and the listening side accepts
 * rtmps with `--tls-cert/--tls-key`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeServer, type FakeServer } from './fake-rtmp.js';
import { assertForwarded, byType, closeServer, damage, expectUpstreamFailure, listenLoopback, runSession, startProxy } from './harness.js';

const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl']).status === 0;

let dir = '';
let certFile = '';
let keyFile = '';
let fake: FakeServer;
let terminator: net.Server;
let tlsPort = 0;
const sniSeen: (string | false)[] = [];
const rawSockets = new Set<net.Socket>();

before(async () => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), 'rtmpscope-tls-'));
  certFile = join(dir, 'cert.pem');
  keyFile = join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', keyFile, '-out', certFile, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  fake = await startFakeServer();
  // TLS terminator: rtmps in, plain RTMP to the fake server, half-close passed through.
  terminator = tls.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), allowHalfOpen: true }, (s) => {
    sniSeen.push((s as tls.TLSSocket & { servername?: string | false }).servername ?? false);
    const up = net.connect({ host: '127.0.0.1', port: fake.port, allowHalfOpen: true });
    s.pipe(up);
    up.pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  // A TLS server with allowHalfOpen can leave the raw socket of a finished connection in
  // CLOSE-WAIT (the proxy side did close it); track raw sockets so `after` can end them.
  terminator.on('connection', (raw: net.Socket) => {
    rawSockets.add(raw);
    raw.on('close', () => rawSockets.delete(raw));
  });
  tlsPort = await listenLoopback(terminator);
});

after(async () => {
  if (!hasOpenssl) return;
  for (const raw of rawSockets) raw.destroy();
  await closeServer(terminator);
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const skip = !hasOpenssl && 'openssl not installed';

for (const mode of ['insecure', 'ca'] as const) {
  test(`tls: rtmps upstream (${mode === 'insecure' ? '--insecure' : '--ca FILE'}): SNI sent, bytes identical, decoded`, { skip }, async () => {
    const proxy = await startProxy(tlsPort, {
      upstream: { host: 'localhost', port: tlsPort, tls: true },
      ...(mode === 'insecure' ? { insecure: true } : { ca: certFile }),
    });
    try {
      const { c, sc } = await runSession(proxy, fake, { seed: 200, media: 6 });
      assertForwarded(c, sc);
      assert.equal(sniSeen[sniSeen.length - 1], 'localhost');
      await proxy.close();
      const lines = proxy.lines();
      const names = byType(lines, 'message').map((m) => m['name']);
      assert.ok(names.includes('connect') && names.includes('publish'));
      assert.equal(byType(lines, 'session')[0]!['end'], 'fin');
      assert.deepEqual(damage(lines), []);
    } finally {
      await proxy.close();
    }
  });
}

test('tls: rtmps upstream with an untrusted certificate: reported, client closed cleanly', { skip }, async () => {
  const proxy = await startProxy(tlsPort, { upstream: { host: 'localhost', port: tlsPort, tls: true } });
  try {
    await expectUpstreamFailure(proxy, 210, 'proxy.upstream.tls-failed', 'DEPTH_ZERO_SELF_SIGNED_CERT');
  } finally {
    await proxy.close();
  }
});

test('tls: the listening side accepts rtmps (--tls-cert/--tls-key)', { skip }, async () => {
  const proxy = await startProxy(fake.port, { tlsCert: certFile, tlsKey: keyFile });
  try {
    assert.match(proxy.handle.url, /^rtmps:\/\/127\.0\.0\.1:\d+$/);
    const { c, sc } = await runSession(proxy, fake, {
      seed: 220,
      media: 4,
      connect: () => tls.connect({ host: '127.0.0.1', port: proxy.port, ca: readFileSync(certFile), servername: 'localhost', allowHalfOpen: true } as tls.ConnectionOptions),
    });
    assertForwarded(c, sc);
    await proxy.close();
    const names = byType(proxy.lines(), 'message').map((m) => m['name']);
    assert.ok(names.includes('publish'));
  } finally {
    await proxy.close();
  }
});

test('tls: a client that fails the TLS handshake of the listener is reported; nothing is forwarded', { skip }, async () => {
  const proxy = await startProxy(fake.port, { tlsCert: certFile, tlsKey: keyFile });
  try {
    const before = fake.conns.length;
    const s = net.connect({ host: '127.0.0.1', port: proxy.port });
    s.on('error', () => undefined);
    s.resume();
    await once(s, 'connect');
    s.write(Buffer.alloc(1537, 3)); // plain RTMP C0+C1 to a TLS listener
    await once(s, 'close');
    await proxy.close();
    const d = byType(proxy.lines(), 'diagnostic');
    assert.deepEqual(
      d.map((x) => [x['code'], x['session']]),
      [['proxy.client.tls-failed', null]],
    );
    assert.equal(fake.conns.length, before, 'no upstream connection was made');
  } finally {
    await proxy.close();
  }
});

test('tls: a client that connects to the listener and never starts its TLS handshake is cut after --idle-timeout', { skip }, async () => {
  const proxy = await startProxy(fake.port, { tlsCert: certFile, tlsKey: keyFile, idleTimeoutMs: 300 });
  try {
    const s = net.connect({ host: '127.0.0.1', port: proxy.port });
    s.on('error', () => undefined);
    s.resume();
    await once(s, 'connect');
    const t0 = Date.now();
    await once(s, 'close');
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 5000, `closed after ${took} ms`);
    await proxy.close();
    const d = byType(proxy.lines(), 'diagnostic');
    assert.deepEqual(
      d.map((x) => [x['code'], x['session'], (x['context'] as Record<string, unknown> | undefined)?.['error']]),
      [['proxy.client.tls-failed', null, 'ERR_TLS_HANDSHAKE_TIMEOUT']],
    );
  } finally {
    await proxy.close();
  }
});
